#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Detect once, use twice, end to end: the detections sidecars.

1. A camera with pedestrians (the demo clip) is recorded by rtsp-blur in
   3 s segments with no worker. Every queued segment has a sidecar beside
   it whose every line passes its CRC-32, that is finished (`end`), whose
   lines in the segment's span are at the segment's frames' Matroska times
   (the live path may drop frames under load: those are missing, and the
   worker detects on them) and holds heads. rtsp-blur
   is then killed with SIGKILL: the open segment keeps its sidecar (here
   given a torn last line, as a kill in the middle of a write leaves it),
   and an orphan sidecar without a segment is planted.
2. rtsp-blur starts again with a worker and the camera gone: the leftover
   segment is queued, every segment is anonymized using its sidecar (the
   torn line ignored), the raw segments and their sidecars are deleted,
   the orphan sidecar is deleted.
3. A flat scene (nothing to detect, no privacy zone): its segments are
   remuxed, counted in rtsp_blur_segments_remuxed_total, logged, verified,
   and the anonymized video stream is bit-identical to the raw one
   (ffmpeg framemd5 of the copied packets).
"""

import glob
import os
import signal
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, wait_for  # noqa: E402,F401
import camera_zoo  # noqa: E402
import rb_metrics  # noqa: E402

LAUNCHER = os.environ["RB_LAUNCHER"]
TEST_CAMERA = os.environ["RB_TEST_CAMERA"]
CLIP = camera_zoo.CLIP
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "270"))
rb_e2e.set_deadline(DEADLINE)
T0_NS = time.time_ns()


CLOCKS = {}  # sidecar path -> [(pts, unix ns)] of its `w` lines


def parse_sidecar(path):
    """(frames {pts: (flags, boxes)}, complete, bad lines, torn); the `w`
    lines go into CLOCKS[path]"""
    data = open(path, "rb").read()
    lines = data.split(b"\n")
    torn = lines[-1] != b""
    lines = lines[:-1]
    frames, complete, bad = {}, False, 0
    for i, raw in enumerate(lines):
        line = raw.decode("ascii", "replace")
        body, _, crc = line.rpartition(" *")
        ok = len(crc) == 8 and int(crc, 16) == zlib.crc32(body.encode())
        if i == 0:
            if not ok or body != "rb-detections 1":
                return None, False, 1, torn
            continue
        if not ok:
            bad += 1
        elif body == "end":
            complete = True
        elif body.startswith("w "):
            _, pts, unix_ns = body.split(" ")
            CLOCKS.setdefault(path, []).append((int(pts), int(unix_ns)))
        elif body.startswith("l "):
            pass
        else:
            words = body.split(" ")
            frames[int(words[1])] = (words[2], words[4:])
    return frames, complete, bad, torn


def packet_times(path):
    """The video packets' times in ns (Matroska: ms precision)."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
         "packet=pts_time", "-of", "csv=p=0", path], capture_output=True,
        text=True, timeout=60).stdout
    return sorted(round(float(t) * 1e9) for t in out.split() if t.strip())


def framemd5(path):
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", path, "-map", "0:v", "-c", "copy",
         "-f", "framemd5", "-"], capture_output=True, text=True, timeout=60)
    return [line.split(",")[-1].strip() for line in out.stdout.splitlines()
            if line and not line.startswith("#")]


def write_conf(path, state, url, workers, mport, keep_raw):
    with open(path, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={state}\nsegment-duration=3\n"
                f"workers={workers}\nkeep-raw={'true' if keep_raw else 'false'}"
                f"\nmetrics-port={mport}\n\n"
                f"[camera:cam]\nurl={url}\ntransport=tcp\n\n"
                f"[network:A]\naddress=127.0.0.1\n"
                f"port={camera_zoo.free_port()}\nauth=none\n")


def start(conf, log_path):
    log = open(log_path, "a")
    return subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                            stderr=subprocess.STDOUT)


def stop(rb):
    rb.send_signal(signal.SIGTERM)
    try:
        return rb.wait(timeout=40)
    except subprocess.TimeoutExpired:
        rb.kill()
        return rb.wait()


def items(queue_dir, state):
    return sorted(glob.glob(os.path.join(queue_dir, state, "*")))


def camera(url_port, clip, width, height, fps, log):
    return subprocess.Popen(
        [TEST_CAMERA, "--address", "127.0.0.1", "--port", str(url_port),
         "--mount", "/cam", "--loop", "--width", str(width), "--height",
         str(height), "--fps", str(fps), "--bitrate", "600", "--clip", clip],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def part_recorded_and_killed(tmp):
    state = os.path.join(tmp, "state1")
    raw_dir = os.path.join(state, "raw", "cam")
    queue_dir = os.path.join(state, "queue")
    conf = os.path.join(tmp, "rec.conf")
    log_path = os.path.join(tmp, "rtsp-blur-1.log")
    port = camera_zoo.free_port()
    cam_log = open(os.path.join(tmp, "camera-1.log"), "w")
    cam = camera(port, CLIP, 640, 480, 10, cam_log)
    try:
        write_conf(conf, state, f"rtsp://127.0.0.1:{port}/cam", 0,
                   camera_zoo.free_port(), False)
        rb = start(conf, log_path)
        queued = wait_for(lambda: len(items(queue_dir, "pending")) >= 3, 90)
        check(queued, "three segments recorded and queued")
        # the sidecar of a queued segment is finished 1.5 s past its end
        time.sleep(2.5)
        rb.send_signal(signal.SIGKILL)
        rb.wait()
    finally:
        cam.send_signal(signal.SIGTERM)
        cam.wait(timeout=20)
        cam_log.close()

    pending = [open(i).read() for i in items(queue_dir, "pending")]
    locations = sorted(line.split("=", 1)[1].strip() for text in pending
                       for line in text.splitlines()
                       if line.startswith("location="))
    heads = 0
    for seg in locations:
        name = os.path.basename(seg)
        sc = seg + ".detections"
        if not check(os.path.exists(sc), f"{name} has a sidecar"):
            continue
        frames, complete, bad, torn = parse_sidecar(sc)
        if not check(frames is not None, f"{name}: a version 1 sidecar"):
            continue
        check(complete and bad == 0 and not torn,
              f"{name}: finished, every line's CRC-32 right")
        # the frames' wall-clock time about once a second, for the overlay
        # on recordings: the arrival time until the test camera's first
        # RTCP sender report (a few seconds), then the report's NTP time
        # (here the same machine's clock, later than the arrival by at
        # most the jitter buffer and the first frames' wait)
        clocks = CLOCKS.get(sc, [])
        check(len(clocks) >= 2 and all(
            T0_NS - 10e9 <= ns <= time.time_ns() for _, ns in clocks)
            and all(abs((b[1] - a[1]) - (b[0] - a[0])) < 1.5e9
                    for a, b in zip(clocks, clocks[1:])),
            f"{name}: its `w` lines give the frames' wall-clock time "
            f"({[(p, ns - T0_NS) for p, ns in clocks]})")
        times = packet_times(seg)
        tol = 2_000_000         # Matroska stores milliseconds
        matched = sum(1 for t in times
                      if any(abs(t - p) <= tol for p in frames))
        # the live path drops frames when the machine is loaded: those
        # are missing, but every frame of the segment's time span that is
        # there is one of the segment's frames, at its recorded time
        inside = [p for p in frames
                  if times and times[0] - tol <= p <= times[-1] + tol]
        aligned = sum(1 for p in inside
                      if any(abs(t - p) <= tol for t in times))
        check(times and matched > 0 and aligned == len(inside),
              f"{name}: {matched} of {len(times)} frames in the sidecar, "
              f"{aligned} of {len(inside)} of its lines in the segment's "
              "span at a frame's recorded time")
        heads += sum(1 for flags, boxes in frames.values() for b in boxes
                     if ",det," in f",{b}")
    check(heads > 0, f"the sidecars hold {heads} detected heads")

    raws = sorted(glob.glob(os.path.join(raw_dir, "*.mkv")))
    open_segs = [r for r in raws if r not in locations]
    check(len(open_segs) == 1, "the segment open at the kill is on disk, "
          "not queued")
    for seg in open_segs:
        sc = seg + ".detections"
        if check(os.path.exists(sc), "and so is its sidecar"):
            with open(sc, "ab") as f:
                f.write(b"f 99999999999 d 3 10,10,20,20,det,0.9")
    orphan = os.path.join(raw_dir, "cam-gone.mkv.detections")
    with open(orphan, "w") as f:
        f.write("rb-detections 1 *38a71b1e\n")
    return state, raws, open_segs, orphan


def part_anonymized(tmp, state, raws, open_segs, orphan):
    queue_dir = os.path.join(state, "queue")
    conf = os.path.join(tmp, "work.conf")
    log_path = os.path.join(tmp, "rtsp-blur-2.log")
    mport = camera_zoo.free_port()
    write_conf(conf, state, f"rtsp://127.0.0.1:{camera_zoo.free_port()}/x",
               1, mport, False)
    rb = start(conf, log_path)
    try:
        done = wait_for(lambda: len(items(queue_dir, "done")) >= len(raws),
                        150)
        check(done, f"all {len(raws)} segments anonymized")
        m = rb_metrics.scrape(mport)
        check(rb_metrics.value(m, "rtsp_blur_segments_remuxed_total") == 0,
              "none remuxed: there are heads")
    finally:
        code = stop(rb)
    check(code == 0, f"rtsp-blur exits 0 (got {code})")
    text = open(log_path).read()
    print(text[-2500:])
    for seg in raws:
        name = os.path.basename(seg)
        check(os.path.exists(os.path.join(state, "anonymized", "cam", name)),
              f"{name} anonymized")
        check(not os.path.exists(seg) and
              not os.path.exists(seg + ".detections"),
              f"{name}: raw segment and sidecar deleted")
        line = text.split(f"{name} into")[1].split("\n")[0] \
            if f"{name} into" in text else ""
        check("covered by the live detections" in line,
              f"{name}: its sidecar was used ({line.strip()})")
    for seg in open_segs:
        name = os.path.basename(seg)
        line = text.split(f"{name} into")[1].split("\n")[0] \
            if f"{name} into" in text else ""
        check("torn last line" in line, f"the leftover {name}: the torn "
              f"line ignored ({line.strip()})")
    check(not os.path.exists(orphan), "the orphan sidecar is deleted")


def part_remux(tmp):
    flat = os.path.join(tmp, "flat.mkv")
    subprocess.run(
        ["gst-launch-1.0", "-q", "videotestsrc", "pattern=solid-color",
         "foreground-color=0xff607080", "num-buffers=100", "!",
         "video/x-raw,width=640,height=360,framerate=10/1", "!", "x264enc",
         "!", "h264parse", "!", "matroskamux", "!", "filesink",
         f"location={flat}"], check=True, timeout=60)
    os.chmod(tmp, 0o755)
    state = os.path.join(tmp, "state3")
    queue_dir = os.path.join(state, "queue")
    conf = os.path.join(tmp, "flat.conf")
    log_path = os.path.join(tmp, "rtsp-blur-3.log")
    mport = camera_zoo.free_port()
    port = camera_zoo.free_port()
    cam_log = open(os.path.join(tmp, "camera-3.log"), "w")
    cam = camera(port, flat, 640, 360, 10, cam_log)
    try:
        write_conf(conf, state, f"rtsp://127.0.0.1:{port}/cam", 1, mport,
                   True)
        rb = start(conf, log_path)
        try:
            remuxed = wait_for(lambda: (rb_metrics.value(rb_metrics.scrape(
                mport), "rtsp_blur_segments_remuxed_total") or 0) >= 2, 120)
            check(remuxed, "flat scene: two segments remuxed (metrics)")
        finally:
            code = stop(rb)
        check(code == 0, f"rtsp-blur exits 0 (got {code})")
    finally:
        cam.send_signal(signal.SIGTERM)
        cam.wait(timeout=20)
        cam_log.close()
    text = open(log_path).read()
    print(text[-2000:])
    lines = [line for line in text.splitlines() if "remuxed: nothing" in line]
    check(len(lines) >= 2, f"{len(lines)} remuxes logged")
    for line in lines[:2]:
        raw = line.split("worker: anonymized ")[1].split(" into ")[0]
        out = os.path.join(state, "anonymized", "cam", os.path.basename(raw))
        a, b = framemd5(raw), framemd5(out)
        check(a and a == b, f"{os.path.basename(raw)}: the anonymized video "
              f"stream is the raw one, bit for bit ({len(a)} packets)")
    check(len(items(queue_dir, "quarantine")) == 0, "nothing quarantined")


def main():
    tmp = tempfile.mkdtemp(prefix="rb-sidecar-test-")
    os.chmod(tmp, 0o755)
    state, raws, open_segs, orphan = part_recorded_and_killed(tmp)
    part_anonymized(tmp, state, raws, open_segs, orphan)
    part_remux(tmp)
    if failures:
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
