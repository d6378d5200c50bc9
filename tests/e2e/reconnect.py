#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reconnect after an outage: recording and live resume within 5 s
of the camera's return.

Two cameras with transport=auto (the default): VLC serving H.264 over UDP
only, and gst-rtsp-server (TCP and UDP). Both are stopped (killed) for 12 s,
long enough for the reconnect backoff to reach its 5 s cap, and started
again on their ports. For each camera:
  - the daemon is receiving (recording) again within 5 s of the camera's
    port accepting a connection (its probe, "accepts connections again", or
    a regular attempt that happens to come first);
  - a client reads a live frame within 5 s of it;
  - VLC, which refuses RTSP over TCP, is never tried over TCP after the
    outage: a camera that did not answer keeps the transport that worked;
  - a new raw segment is recorded after the outage.
A third camera points at a wrong path on a server that stays up (404): the
probe leaves it to the backoff, so it is not retried every second.
"""

import contextlib
import glob
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, wait_for  # noqa: E402
import camera_zoo  # noqa: E402
from camera_zoo import LiveReader, first_line_time, watch_port  # noqa: E402

LAUNCHER = os.environ["RB_LAUNCHER"]
CAMERA = os.environ["RB_TEST_CAMERA"]
DEADLINE = time.monotonic() + 200
rb_e2e.set_deadline(DEADLINE)
KINDS = ["vlc-h264-bframes", "gst-g711"]
OUTAGE_S = 12
RESUME_S = 5.0


def main():
    tmp = tempfile.mkdtemp(prefix="rb-reconnect-test-")
    os.chmod(tmp, 0o755)            # VLC runs as nobody and reads the media
    media = os.path.join(tmp, "media")
    state = os.path.join(tmp, "state")
    port = camera_zoo.free_port("127.0.0.5")
    cam_ports = {k: camera_zoo.free_port() for k in KINDS}
    wrong_port = camera_zoo.free_port()
    log_path = os.path.join(tmp, "rtsp-blur.log")
    print(f"logs in {tmp}", flush=True)
    conf = os.path.join(tmp, "reconnect.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={state}\nsegment-duration=3\n"
                "workers=1\nlive-bitrate=300\n\n")
        for kind in KINDS:
            f.write(f"[camera:{kind}]\n"
                    f"url=rtsp://127.0.0.1:{cam_ports[kind]}/cam\n\n")
        f.write(f"[camera:wrongpath]\n"
                f"url=rtsp://127.0.0.1:{wrong_port}/nope\n\n")
        f.write(f"[network:A]\naddress=127.0.0.5\nport={port}\nauth=none\n")

    def log_text():
        with open(log_path) as f:
            return f.read()

    log = open(log_path, "w")
    rb = None
    # the server that stays up, for the wrong path
    up = subprocess.Popen(
        [CAMERA, "--clip", camera_zoo.CLIP, "--address", "127.0.0.1",
         "--port", str(wrong_port), "--mount", "/cam", "--loop",
         "--width", "160", "--height", "120"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    up.stdout.readline()
    try:
        with contextlib.ExitStack() as cams:
            for kind in KINDS:
                cams.enter_context(camera_zoo.camera(
                    kind, CAMERA, tmp, cam_ports[kind], media))
            rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                                  stderr=subprocess.STDOUT)
            t_start = time.monotonic()
            for kind in KINDS:
                check(wait_for(lambda k=kind: f"camera {k}: receiving" in
                               log_text(), 40),
                      f"{kind}: receiving before the outage")
            readers = {k: LiveReader(f"rtsp://127.0.0.5:{port}/{k}")
                       for k in KINDS}
            for r in readers.values():
                r.start()
            check(wait_for(lambda: all(r.frames for r in readers.values()),
                           30), "live viewers read frames before the outage")
        # the cameras are gone (killed) for the outage
        t_down = time.time()
        before = len(log_text())
        raw_before = {k: set(glob.glob(os.path.join(state, "raw", k,
                                                    "*.mkv")))
                      for k in KINDS}
        time.sleep(OUTAGE_S)
        check(rb.poll() is None, "rtsp-blur runs through the outage")
        back, stop = {}, threading.Event()
        watchers = [threading.Thread(target=watch_port,
                                     args=(cam_ports[k], stop, back))
                    for k in KINDS]
        for w in watchers:
            w.start()
        with contextlib.ExitStack() as cams:
            for kind in KINDS:
                cams.enter_context(camera_zoo.camera(
                    kind, CAMERA, tmp, cam_ports[kind], media))
            stop.set()
            for w in watchers:
                w.join()
            after = lambda: log_text()[before:]  # noqa: E731
            for kind in KINDS:
                t_back = back.get(cam_ports[kind])
                check(t_back is not None, f"{kind}: the camera is back")
                if t_back is None:
                    continue
                wait_for(lambda k=kind: f"camera {k}: receiving" in after(),
                         30)
                t_rec = first_line_time(after(), f"camera {kind}: receiving")
                check(t_rec is not None and t_rec - t_back <= RESUME_S,
                      f"{kind}: receiving (recording) again "
                      f"{(t_rec or 0) - t_back:.1f} s after the camera "
                      f"accepts connections (at most {RESUME_S} s; the "
                      f"outage lasted {t_back - t_down:.1f} s)")
                t_live = wait_for(
                    lambda k=kind, t=t_back: readers[k].first_after(t), 30)
                check(t_live is not None and t_live - t_back <= RESUME_S,
                      f"{kind}: a viewer that stayed gets a live frame "
                      f"{(t_live or 0) - t_back:.1f} s after the camera "
                      f"accepts connections (at most {RESUME_S} s)")
            for r in readers.values():
                r.stop()
            text = log_text()[before:]
            vlc = KINDS[0]
            check(f"camera {vlc}: connecting to" in text and
                  f"{cam_ports[vlc]}/cam over TCP" not in text,
                  f"{vlc} (UDP only) is not tried over TCP after the outage")
            for kind in KINDS:
                check(wait_for(lambda k=kind: set(glob.glob(os.path.join(
                    state, "raw", k, "*.mkv"))) - raw_before[k], 20),
                      f"{kind}: a new segment is recorded after the outage")
        check(rb.poll() is None, "rtsp-blur still runs")
        elapsed = time.monotonic() - t_start
        attempts = log_text().count("camera wrongpath: connecting to")
        check("camera wrongpath (" in log_text() and
              2 <= attempts <= elapsed / 3 + 2,
              f"the camera with a wrong path is retried with backoff, not "
              f"every second ({attempts} attempts in {elapsed:.0f} s)")
    finally:
        up.kill()
        up.wait()
        if rb is not None:
            rb.terminate()
            try:
                rb.wait(timeout=40)
            except subprocess.TimeoutExpired:
                rb.kill()
                check(False, "rtsp-blur exits on SIGTERM within 40 s")
        log.close()
    if failures:
        print(f"{len(failures)} checks failed; logs in {tmp}")
        print("".join("  | " + line for line in
                      log_text().splitlines(True)[-60:]))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
