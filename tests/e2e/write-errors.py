#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write errors other than a full disk, end to end.

rtsp-blur records one camera (rb-test-camera, 320x240, 1 s segments) with
one worker and no kept raw segments. It runs as root but without the
capabilities that let root ignore permission bits (setpriv drops
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER), in a mount namespace
of its own (unshare -m), where the test mounts a read-only bind mount of
the state directory (or of anonymized/) over it for the daemon alone
(nsenter; mount --bind -o ro: files open for writing keep writing to the
mount below, new ones are refused with EROFS) and lazily unmounts it to
make it writable again. An ffmpeg viewer reads the live stream the whole
time. Then, one after the other:
  1. the state directory is read-only (EROFS) for 12 s: the camera's
     recording pauses, logged exactly once with the path and the error, the
     metrics say paused with reason read-only; nothing flaps (a handful of
     warnings at most, not "paused / again" every 500 ms);
     writable again: recording resumes, logged once, and new segments are
     recorded, queued and anonymized;
  2. anonymized/ alone is read-only for 10 s: the worker puts the segment
     back and pauses, logged once; no segment counts a failed attempt or is
     quarantined; writable again: logged once, the backlog is anonymized;
  3. raw/cam is mode 0555 (EACCES for this daemon): the recording pauses
     once (reason permission), and the raw segment the worker anonymized
     cannot be deleted: logged once, retried; mode 0755 again: the segment
     is deleted (logged once) and recording resumes (logged once);
  4. raw/cam vanishes (rm -r): the recording pauses once (reason missing)
     and resumes once the directory is made again.
Through all of it the live viewer gets frames without a gap of more than
3 s, and the daemon exits 0 on SIGTERM.
Needs root (mount namespaces, setpriv); bounded by RB_E2E_TIMEOUT.
"""

import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, wait_for  # noqa: E402
import camera_zoo  # noqa: E402
from camera_zoo import LiveReader  # noqa: E402
import rb_metrics  # noqa: E402

LAUNCHER = os.environ["RB_LAUNCHER"]
CAMERA = os.environ["RB_TEST_CAMERA"]
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "280"))
rb_e2e.set_deadline(DEADLINE)
# the back-off cap of the write retries (reconnect-max-interval)
CAP_S = 4
DROP = "-dac_override,-dac_read_search,-fowner"


class Log:
    def __init__(self, path):
        self.path = path
        self.mark_at = 0

    def text(self):
        with open(self.path, errors="replace") as f:
            return f.read()

    def mark(self):
        """Lines from now on are what since() returns."""
        self.mark_at = len(self.text())

    def since(self):
        return self.text()[self.mark_at:]

    def count(self, needle, text=None):
        return (self.since() if text is None else text).count(needle)


def ns(pid, *cmd):
    """Runs @cmd in the daemon's mount namespace."""
    return subprocess.run(["nsenter", "-t", str(pid), "-m", "--"] +
                          list(cmd), capture_output=True, text=True)


def gaps(frames, start, end):
    """The longest time without a live frame in [start, end]."""
    inside = [start] + [f for f in frames if start <= f <= end] + [end]
    return max(b - a for a, b in zip(inside, inside[1:]))


def paused(mport, reason):
    return rb_metrics.value(rb_metrics.scrape(mport),
                            "rtsp_blur_camera_recording_paused",
                            camera="cam", reason=reason)


def raw_segments(state):
    return set(glob.glob(os.path.join(state, "raw", "cam", "*.mkv")))


def anonymized(state):
    return set(os.path.basename(p) for p in glob.glob(
        os.path.join(state, "anonymized", "cam", "*.mkv")))


def run(tmp, state):
    cam_port = camera_zoo.free_port()
    port = camera_zoo.free_port()
    mport = camera_zoo.free_port()
    camera = subprocess.Popen(
        [CAMERA, "--port", str(cam_port), "--mount", "/cam", "--loop",
         "--width", "320", "--height", "240", "--fps", "15", "--bitrate",
         "400", "--gop", "15"], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    conf = os.path.join(tmp, "write.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={state}\nsegment-duration=1\n"
                f"workers=1\nlive-bitrate=300\nreconnect-max-interval={CAP_S}"
                f"\nmetrics-port={mport}\n\n"
                f"[camera:cam]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n\n"
                f"[network:A]\naddress=127.0.0.1\nport={port}\n"
                "auth=none\n")
    log_path = os.path.join(tmp, "rtsp-blur.log")
    log = Log(log_path)
    out = open(log_path, "w")
    # in a mount namespace of its own (unshare execs: rb.pid is the
    # daemon's), without the capabilities that bypass permission bits
    rb = subprocess.Popen(
        ["unshare", "-m", "--propagation", "private",
         "setpriv", f"--inh-caps={DROP}", f"--bounding-set={DROP}",
         LAUNCHER, "--config", conf], stdout=out, stderr=subprocess.STDOUT)
    live = f"rtsp://127.0.0.1:{port}/cam"
    raw_dir = os.path.join(state, "raw", "cam")
    anon_dir = os.path.join(state, "anonymized")
    reader = None
    try:
        if not (check(wait_for(lambda: "camera cam: receiving" in log.text(),
                               40), "the camera is received") and
                check(wait_for(lambda: "worker: anonymized" in log.text(),
                               40), "a segment is anonymized")):
            return
        reader = LiveReader(live)
        reader.start()
        check(wait_for(lambda: len(reader.frames) > 15, 20),
              "a viewer reads the live stream")

        # ---- 1. the state directory read-only
        log.mark()
        t0 = time.time()
        r = ns(rb.pid, "mount", "--bind", "-o", "ro", state, state)
        check(r.returncode == 0, f"state is read-only for the daemon "
              f"({r.stderr.strip()})")
        check(wait_for(lambda: log.count("camera cam: recording paused"),
                       15), "recording pauses (logged)")
        line = next((x for x in log.since().splitlines()
                     if "camera cam: recording paused" in x), "")
        print(f"  | {line}")
        check(raw_dir in line and "Read-only file system" in line,
              "the pause names the path and the error")
        check(wait_for(lambda: paused(mport, "read-only") == 1, 5),
              "metrics: recording paused, reason read-only")
        status = subprocess.run([LAUNCHER, "status", "--config", conf],
                                capture_output=True, text=True, timeout=30)
        check(status.returncode == 0 and
              re.search(r"(?m)^cam +\S+ +paused \(read-only\)",
                        status.stdout),
              f"rtsp-blur status shows it: {status.stdout!r}")
        time.sleep(max(0, t0 + 12 - time.time()))
        window = log.since()
        warnings = [x for x in window.splitlines() if " warning: " in x]
        print("\n".join(f"  | {x}" for x in warnings[:12]))
        check(log.count("camera cam: recording paused", window) == 1,
              f"the pause is logged once in 12 s "
              f"({log.count('camera cam: recording paused', window)})")
        check(log.count("camera cam: recording again", window) == 0,
              "no resume while read-only")
        check(len(warnings) <= 4,
              f"nothing flaps: {len(warnings)} warnings in 12 s")
        check(log.count("worker: writing paused", window) <= 1,
              "the workers pause at most once")
        check(rb.poll() is None, "rtsp-blur is still running")
        t1 = time.time()
        before = raw_segments(state)
        log.mark()
        r = ns(rb.pid, "umount", "-l", state)
        check(r.returncode == 0, "state is writable again")
        check(wait_for(lambda: log.count("camera cam: recording again"),
                       CAP_S + 6),
              f"recording resumes within {CAP_S + 6} s")
        new = wait_for(lambda: raw_segments(state) - before, 15)
        check(new, "new segments are recorded")
        check(wait_for(lambda: re.search(
            r"camera cam: recorded segment \S+ queued", log.since()), 15),
            "... and queued")
        check(wait_for(lambda: "worker: anonymized" in log.since(), 30),
              "... and anonymized")
        check(gaps(reader.frames, t0, time.time()) < 3,
              f"live never stopped (longest gap "
              f"{gaps(reader.frames, t0, time.time()):.1f} s)")
        m = rb_metrics.scrape(mport)
        check(rb_metrics.value(m, "rtsp_blur_camera_recording_pauses_total",
                               camera="cam") == 1 and
              rb_metrics.value(m, "rtsp_blur_camera_recording_paused",
                               camera="cam", reason="read-only") == 0,
              "metrics: one pause counted, not paused now")
        check(log.count("camera cam: recording again") == 1,
              "the resume is logged once")

        # ---- 2. anonymized/ read-only: the workers
        log.mark()
        t0 = time.time()
        r = ns(rb.pid, "mount", "--bind", "-o", "ro", anon_dir, anon_dir)
        check(r.returncode == 0, f"anonymized/ is read-only "
              f"({r.stderr.strip()})")
        check(wait_for(lambda: log.count("worker: writing paused"), 15),
              "the worker pauses (logged)")
        time.sleep(max(0, t0 + 10 - time.time()))
        window = log.since()
        check(log.count("worker: writing paused", window) == 1,
              "... once")
        check("cannot anonymize" not in window and "quarantined" not in
              window, "no failed attempt, no quarantine")
        check(log.count("camera cam: recording paused", window) == 0,
              "the camera records on")
        r = ns(rb.pid, "umount", "-l", anon_dir)
        check(r.returncode == 0, "anonymized/ is writable again")
        check(wait_for(lambda: log.count("worker: writing again"),
                       CAP_S + 6), "the worker resumes (logged)")
        done = anonymized(state)
        check(wait_for(lambda: anonymized(state) - done, 30),
              "segments are anonymized again")
        m = rb_metrics.scrape(mport)
        check(rb_metrics.value(m, "rtsp_blur_segments_failed_attempts_total")
              == 0 and rb_metrics.value(
                  m, "rtsp_blur_segments_quarantined_total") == 0 and
              not glob.glob(os.path.join(state, "queue", "quarantine", "*")),
              "metrics and queue: no failed attempt, nothing quarantined")
        check((rb_metrics.value(m, "rtsp_blur_workers_pauses_total") or 0)
              >= 1,
              "metrics: the workers' pause is counted")
        check(log.count("worker: writing again") == 1,
              "the worker's resume is logged once")
        check(wait_for(lambda: rb_metrics.value(
            rb_metrics.scrape(mport), "rtsp_blur_deletions_pending") == 0,
            CAP_S + 6), "what could not be deleted while read-only is "
            "deleted (metrics: no deletion pending)")

        # ---- 3. raw/cam not writable for the daemon (EACCES)
        log.mark()
        t0 = time.time()
        os.chmod(raw_dir, 0o555)
        check(wait_for(lambda: log.count("camera cam: recording paused"),
                       15), "recording pauses on EACCES (logged)")
        line = next((x for x in log.since().splitlines()
                     if "camera cam: recording paused" in x), "")
        print(f"  | {line}")
        check("Permission denied" in line, "the pause names the error")
        check(wait_for(lambda: paused(mport, "permission") == 1, 5),
              "metrics: reason permission")
        check(wait_for(lambda: "cannot delete" in log.since(), 20),
              "the anonymized raw segment cannot be deleted (logged)")
        stuck = re.findall(r"cannot delete (\S+?):", log.since())
        stuck = stuck[0] if stuck else ""
        print(f"  | cannot delete {stuck}")
        time.sleep(max(0, t0 + 10 - time.time()))
        window = log.since()
        check(log.count("camera cam: recording paused", window) == 1,
              "the pause is logged once")
        check(window.count("cannot delete") == 1,
              f"the failed deletions are logged once "
              f"({window.count('cannot delete')})")
        check(os.path.exists(stuck), "the segment is still there")
        m = rb_metrics.scrape(mport)
        check((rb_metrics.value(m, "rtsp_blur_deletions_pending") or 0) >= 1,
              "metrics: a deletion is pending")
        log.mark()
        os.chmod(raw_dir, 0o755)
        check(wait_for(lambda: not os.path.exists(stuck), CAP_S + 6),
              "the segment is deleted once that works again")
        check(wait_for(lambda: log.count("camera cam: recording again"),
                       CAP_S + 6), "recording resumes (logged)")
        check(wait_for(lambda: re.search(
            r"deleting works again: .*" + re.escape(stuck), log.since()), 5),
            "the late deletion is logged")
        check(wait_for(lambda: re.search(
            r"camera cam: recorded segment \S+ queued", log.since()), 15),
            "a segment is recorded and queued")
        check(wait_for(lambda: rb_metrics.value(
            rb_metrics.scrape(mport), "rtsp_blur_deletions_pending") == 0,
            CAP_S + 6), "metrics: no deletion pending")

        # ---- 4. raw/cam vanishes
        log.mark()
        before = raw_segments(state)
        shutil.rmtree(raw_dir)
        check(wait_for(lambda: log.count("camera cam: recording paused"),
                       15), "recording pauses when raw/cam vanishes")
        check(wait_for(lambda: log.count("camera cam: recording again"),
                       CAP_S + 6), "... and resumes (the directory is made "
              "again)")
        check(wait_for(lambda: raw_segments(state) - before, 15),
              "new segments are recorded")
        check(log.count("camera cam: recording paused") == 1,
              "one pause logged")
        check(gaps(reader.frames, t1, time.time()) < 3,
              f"live never stopped (longest gap "
              f"{gaps(reader.frames, t1, time.time()):.1f} s)")
        check(rb.poll() is None, "rtsp-blur is still running")
    finally:
        if reader is not None:
            reader.stop()
        rb.send_signal(signal.SIGTERM)
        try:
            code = rb.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rb.kill()
            code = rb.wait()
        camera.send_signal(signal.SIGTERM)
        camera.wait(timeout=10)
        out.close()
        if os.path.isdir(raw_dir):
            os.chmod(raw_dir, 0o755)
    check(code == 0, f"rtsp-blur exits 0 (got {code})")
    print(re.sub(r"(?m)^", "  | ", "\n".join(
        line for line in log.text().splitlines()
        if "queued" not in line and "anonymized" not in line)[-4000:]))


def main():
    tmp = tempfile.mkdtemp(prefix="rb-write-test-")
    state = os.path.join(tmp, "state")
    os.mkdir(state)
    print(f"logs in {tmp}", flush=True)
    run(tmp, state)
    if failures:
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
