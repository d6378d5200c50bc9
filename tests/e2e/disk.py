#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Disk budget and a full disk, end to end, on a small tmpfs.

rtsp-blur records one camera (rb-test-camera, 640x360 at 2 Mbit/s, 1 s
segments) into a 40 MiB tmpfs with max-disk-usage=3M and no worker (raw
segments pile up):
  - the segments never take more than the budget plus one segment; the
    oldest are evicted, and leave the queue as evicted, logged;
then a file fills the disk:
  - recording pauses for the camera (logged once), the live stream keeps
    serving (ffprobe reads it while the disk is full), nothing crashes;
  - the file is deleted: recording starts again within 2 s (logged) and new
    segments appear; no .partial and no claimed item is left.
Needs root (mount); the tmpfs is unmounted whatever happens.
"""

import glob
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, wait_for  # noqa: E402,F401
import camera_zoo  # noqa: E402
import rb_metrics  # noqa: E402

LAUNCHER = os.environ["RB_LAUNCHER"]
CAMERA = os.environ["RB_TEST_CAMERA"]
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "200"))
rb_e2e.set_deadline(DEADLINE)
BUDGET = 3 * 1024 * 1024


def segments_bytes(state):
    files = glob.glob(os.path.join(state, "raw", "*", "*.mkv")) + \
        glob.glob(os.path.join(state, "anonymized", "*", "*.mkv"))
    total = 0
    sizes = []
    for f in files:
        try:
            size = os.path.getsize(f)
        except OSError:
            continue
        total += size
        sizes.append(size)
    return total, max(sizes) if sizes else 0


def live_ok(url):
    return camera_zoo.ffprobe_streams(url, timeout=15) is not None


def run(tmp, state):
    cam_port = camera_zoo.free_port()
    port = camera_zoo.free_port()
    mport = camera_zoo.free_port()
    camera = subprocess.Popen(
        [CAMERA, "--port", str(cam_port), "--mount", "/cam", "--loop",
         "--width", "640", "--height", "360", "--fps", "15", "--bitrate",
         "2000", "--gop", "15"], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    conf = os.path.join(tmp, "disk.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={state}\nsegment-duration=1\n"
                "workers=0\nmax-disk-usage=3M\nlive-bitrate=500\n"
                f"metrics-port={mport}\n\n"
                f"[camera:cam]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n\n"
                f"[network:A]\naddress=127.0.0.1\nport={port}\n"
                "auth=none\n")
    log_path = os.path.join(tmp, "rtsp-blur.log")
    log = open(log_path, "w")
    rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                          stderr=subprocess.STDOUT)
    live = f"rtsp://127.0.0.1:{port}/cam"

    def text():
        return open(log_path).read()

    try:
        check(wait_for(lambda: "camera cam: receiving" in text(), 40),
              "the camera is received")
        # the budget: sampled while it fills up and beyond
        worst = 0
        largest = 0
        end = time.monotonic() + 20
        while time.monotonic() < end:
            used, big = segments_bytes(state)
            worst = max(worst, used)
            largest = max(largest, big)
            time.sleep(0.2)
        check("retention: evicted raw segment" in text(),
              "old segments are evicted (logged)")
        evicted = glob.glob(os.path.join(state, "queue", "evicted", "*"))
        check(len(evicted) > 0,
              f"evicted segments leave the queue as evicted ({len(evicted)})")
        check(worst <= BUDGET + largest,
              f"the segments took at most the budget plus one segment "
              f"(worst {worst} bytes, budget {BUDGET}, largest segment "
              f"{largest})")
        check(live_ok(live), "live serves before the disk fills")
        m = rb_metrics.scrape(mport)
        used = (rb_metrics.value(m, "rtsp_blur_disk_used_bytes", kind="raw")
                or 0) + (rb_metrics.value(m, "rtsp_blur_disk_used_bytes",
                                          kind="anonymized") or 0)
        check((rb_metrics.value(m, "rtsp_blur_segments_evicted_total") or 0)
              > 0 and 0 < used <= BUDGET + largest and
              rb_metrics.value(m, "rtsp_blur_disk_budget_bytes") == BUDGET,
              f"metrics: segments evicted, disk used {used} within the "
              f"budget {rb_metrics.value(m, 'rtsp_blur_disk_budget_bytes')}")
        check(rb_metrics.value(m, "rtsp_blur_queue_segments",
                               state="evicted") > 0,
              "metrics: evicted items counted in the queue")

        # a full disk
        filler = os.path.join(state, "filler")
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * (1 << 20))
                    f.flush()
            except OSError:
                pass
        check(wait_for(lambda: "recording paused" in text(), 20),
              "recording pauses when the disk is full (logged)")
        check(live_ok(live), "live keeps serving while the disk is full")
        m = rb_metrics.scrape(mport)
        check(rb_metrics.value(m, "rtsp_blur_camera_recording",
                               camera="cam") == 0 and
              rb_metrics.value(m, "rtsp_blur_camera_up", camera="cam") == 1,
              "metrics: the camera is up and not recording while the disk "
              "is full")
        time.sleep(2)
        check(rb.poll() is None, "rtsp-blur is still running")
        check(text().count("recording paused") == 1,
              "the pause is logged once")

        freed = time.monotonic()
        os.unlink(filler)
        check(wait_for(lambda: "recording again" in text(), 10),
              "recording starts again once there is room")
        m = [line for line in text().splitlines()
             if "camera cam: recording again" in line]
        if m:
            t = m[0].split()[0]
            print(f"resumed at {t}", flush=True)
        resumed_after = None
        if "recording again" in text():
            resumed_after = time.monotonic() - freed
        check(resumed_after is not None and resumed_after <= 2.5,
              f"... within 2 s of the space coming back "
              f"({resumed_after} s incl. polling)")
        before = set(glob.glob(os.path.join(state, "raw", "cam", "*.mkv")))
        check(wait_for(lambda: set(glob.glob(os.path.join(
            state, "raw", "cam", "*.mkv"))) - before, 15),
            "new segments are recorded after the disk full")
        check(live_ok(live), "live serves after the disk full")
        m = rb_metrics.scrape(mport)
        check(rb_metrics.value(m, "rtsp_blur_camera_recording",
                               camera="cam") == 1,
              "metrics: recording again")
    finally:
        rb.send_signal(signal.SIGTERM)
        try:
            code = rb.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rb.kill()
            code = rb.wait()
        camera.send_signal(signal.SIGTERM)
        camera.wait(timeout=10)
        log.close()
    check(code == 0, f"rtsp-blur exits 0 (got {code})")
    check(not glob.glob(os.path.join(state, "queue", "claimed", "*")),
          "no claimed item is left")
    print(re.sub(r"(?m)^", "  | ", "\n".join(
        line for line in open(log_path).read().splitlines()
        if "queued" not in line and "evicted" not in line)[-3000:]))


def main():
    tmp = tempfile.mkdtemp(prefix="rb-disk-test-")
    state = os.path.join(tmp, "state")
    os.mkdir(state)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", state],
                   check=True)
    try:
        run(tmp, state)
    finally:
        subprocess.run(["umount", "-l", state])
    if failures:
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
