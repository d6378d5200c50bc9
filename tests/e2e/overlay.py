#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The overlay (camera overlay=name+time), end to end, read back by OCR.

Two cameras from one test camera: GATEWEST with overlay=name+time at the
bottom left, PLAIN with none. rtsp-blur runs in a time zone 3 hours east of
UTC (TZ=RBT-3, a POSIX rule: no tz database needed) and keeps the raw
segments.

- live: a frame of GATEWEST's anonymized RTSP stream (ffmpeg) shows, by
  tesseract, the name and the local time of the grab (within 5 s); a frame
  of PLAIN shows no date;
- recorded: a frame 1 s into an anonymized segment of GATEWEST shows the
  name and the segment's time (its name, UTC, + 3 h, + 1 s; within 3 s),
  which the worker took from the sidecar's `w` lines; the raw segment's
  frame at the same place shows no date (the overlay is never recorded
  raw).
"""

import datetime
import difflib
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
from rb_e2e import check, failures, wait_for  # noqa: E402
import camera_zoo  # noqa: E402

LAUNCHER = os.environ["RB_LAUNCHER"]
TEST_CAMERA = os.environ["RB_TEST_CAMERA"]
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "240"))
rb_e2e.set_deadline(DEADLINE)

EAST = datetime.timedelta(hours=3)
DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\s*(\d{2})[:.](\d{2})[:.](\d{2})")


def ocr(png, tmp, tag):
    """Text tesseract reads in the lowest quarter of @png, enlarged."""
    crop = os.path.join(tmp, f"{tag}-crop.png")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", png, "-vf",
                    "crop=iw:ih/4:0:ih*3/4,scale=iw*2:ih*2,format=gray",
                    crop], check=True, timeout=60)
    out = subprocess.run(["tesseract", crop, "-", "--psm", "6"],
                         capture_output=True, text=True, timeout=60)
    return out.stdout


def shows_name(text, name):
    """@name among the words read (OCR may misread one letter in eight)"""
    return any(difflib.SequenceMatcher(None, word, name).ratio() >= 0.85
               for word in text.split())


def shown_time(text):
    m = DATE.search(text)
    if not m:
        return None
    try:
        return datetime.datetime(*map(int, m.groups()))
    except ValueError:
        return None


def grab(url, png, seek=None):
    args = ["ffmpeg", "-v", "error", "-y"]
    if url.startswith("rtsp://"):
        args += ["-rtsp_transport", "tcp"]
    if seek is not None:
        args += ["-ss", str(seek)]
    args += ["-i", url, "-frames:v", "1", png]
    return subprocess.run(args, timeout=60).returncode == 0 and \
        os.path.exists(png)


def main():
    tmp = tempfile.mkdtemp(prefix="rb-overlay-test-")
    os.chmod(tmp, 0o755)
    state = os.path.join(tmp, "state")
    cam_port = camera_zoo.free_port()
    port = camera_zoo.free_port()
    conf = os.path.join(tmp, "rtsp-blur.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={state}\nsegment-duration=3\n"
                "workers=1\nkeep-raw=true\n\n"
                f"[camera:GATEWEST]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n"
                "transport=tcp\noverlay=name+time\n"
                "overlay-position=bottom-left\n\n"
                f"[camera:PLAIN]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n"
                "transport=tcp\n\n"
                f"[network:A]\naddress=127.0.0.1\nport={port}\nauth=none\n")
    cam_log = open(os.path.join(tmp, "camera.log"), "w")
    cam = subprocess.Popen(
        [TEST_CAMERA, "--port", str(cam_port), "--mount", "/cam", "--loop",
         "--width", "640", "--height", "480", "--fps", "10"],
        stdout=cam_log, stderr=subprocess.STDOUT, start_new_session=True)
    log_path = os.path.join(tmp, "rtsp-blur.log")
    log = open(log_path, "w")
    env = dict(os.environ, TZ="RBT-3")
    anon_dir = os.path.join(state, "anonymized", "GATEWEST")
    seg = None

    def segment():
        done = sorted(glob.glob(os.path.join(anon_dir, "*.mkv")))
        return done[1] if len(done) >= 2 else None

    rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                          stderr=subprocess.STDOUT, env=env)
    try:
        # live, after the first RTCP sender reports (a few seconds)
        png = os.path.join(tmp, "live.png")
        live = wait_for(lambda: grab(f"rtsp://127.0.0.1:{port}/GATEWEST",
                                     png), 60, step=1)
        check(live, "a frame of GATEWEST's live stream")
        if live:
            os.unlink(png)
            before = datetime.datetime.utcnow() + EAST
            live = grab(f"rtsp://127.0.0.1:{port}/GATEWEST", png)
            after = datetime.datetime.utcnow() + EAST
        if live:
            text = ocr(png, tmp, "live")
            shown = shown_time(text)
            check(shows_name(text, "GATEWEST"),
                  f"live: the camera's name is drawn ({text.strip()!r})")
            # the time is drawn to the second; the live stream is about
            # a second behind
            check(shown is not None
                  and before - datetime.timedelta(seconds=4) <= shown
                  <= after + datetime.timedelta(seconds=1),
                  f"live: the time drawn is the local time (UTC+3) of the "
                  f"frame, {shown} for a grab from {before:%T} to "
                  f"{after:%T}")
        png = os.path.join(tmp, "plain.png")
        if check(grab(f"rtsp://127.0.0.1:{port}/PLAIN", png),
                 "a frame of PLAIN's live stream"):
            text = ocr(png, tmp, "plain")
            check(shown_time(text) is None
                  and not shows_name(text, "PLAIN"),
                  f"live: no overlay on PLAIN ({text.strip()!r})")

        # recorded: the second anonymized segment (begun after the live
        # path had the camera's RTCP time)
        seg = wait_for(segment, 90, step=1)
        check(seg, "GATEWEST's segments anonymized")
    finally:
        rb_e2e.stop(rb)
        cam.send_signal(signal.SIGTERM)
        cam.wait(timeout=20)
        log.close()
        cam_log.close()
    if seg:
        seg = segment()
        name = os.path.basename(seg)
        stamp = re.search(r"-(\d{8}T\d{6})\.(\d{6})Z-", name)
        start = datetime.datetime.strptime(stamp.group(1), "%Y%m%dT%H%M%S") \
            + datetime.timedelta(microseconds=int(stamp.group(2)))
        png = os.path.join(tmp, "recorded.png")
        if check(grab(seg, png, seek=1), f"a frame of {name}"):
            text = ocr(png, tmp, "recorded")
            shown = shown_time(text)
            expected = start + EAST + datetime.timedelta(seconds=1)
            check(shows_name(text, "GATEWEST"),
                  f"recorded: the camera's name is drawn ({text.strip()!r})")
            check(shown is not None
                  and abs((shown - expected).total_seconds()) < 3,
                  f"recorded: the time drawn is the frame's, {shown} for "
                  f"{expected:%F %T}")
        raw = os.path.join(state, "raw", "GATEWEST", name)
        png = os.path.join(tmp, "raw.png")
        if check(grab(raw, png, seek=1), f"a frame of the raw {name}"):
            text = ocr(png, tmp, "raw")
            check(shown_time(text) is None,
                  f"raw: no overlay ({text.strip()!r})")
    if failures:
        print(open(log_path).read()[-3000:])
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
