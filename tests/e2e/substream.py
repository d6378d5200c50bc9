#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sub-streams (substream=WIDTHxHEIGHT), end to end, with ffmpeg.

[rtsp-blur] substream=320x180 for every camera; plain overrides it with
none. lobby (640x480 from the test camera) has a privacy zone over the
left half of the picture, with [headblur] mode=fill (black):

- /lobby is the main stream, 640x480 H.264;
- /lobby/sub is 320x180 H.264 that plays (frames decoded), the 4:3 picture
  pillar-boxed inside; the zone is black in it too (the sub-stream is made
  of the anonymized frames, never of the camera's), the rest shows the
  scene;
- /plain/sub answers 404 (no sub-stream), /plain plays.
"""

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, free_port, luma, wait_for  # noqa: E402

LAUNCHER = os.environ["RB_LAUNCHER"]
CAMERA = os.environ["RB_TEST_CAMERA"]
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "200"))
rb_e2e.set_deadline(DEADLINE)


def probe(url):
    r = subprocess.run(
        ["ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-show_entries",
         "stream=codec_name,width,height", "-of", "csv=p=0", url],
        capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout.strip(), r.stderr


def grab(url, png):
    r = subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-rtsp_transport", "tcp", "-i", url,
         "-frames:v", "10", "-update", "1", png], capture_output=True,
        text=True, timeout=40)
    return r.returncode == 0 and os.path.exists(png)


def main():
    tmp = tempfile.mkdtemp(prefix="rb-substream-")
    os.chmod(tmp, 0o755)
    cam_port, port = free_port(), free_port()
    conf = os.path.join(tmp, "rtsp-blur.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={tmp}/state\nworkers=0\n"
                "substream=320x180\n\n[headblur]\nmode=fill\n\n"
                f"[camera:lobby]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n"
                "transport=tcp\nprivacy-zones=0,0 0.5,0 0.5,1 0,1\n\n"
                f"[camera:plain]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n"
                "transport=tcp\nsubstream=none\n\n"
                f"[network:A]\naddress=127.0.0.1\nport={port}\nauth=none\n")
    camera = subprocess.Popen(
        [CAMERA, "--port", str(cam_port), "--mount", "/cam", "--loop",
         "--width", "640", "--height", "480", "--fps", "15"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log_path = os.path.join(tmp, "rtsp-blur.log")
    log = open(log_path, "w")
    rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                          stderr=subprocess.STDOUT)
    base = f"rtsp://127.0.0.1:{port}"
    try:
        ok = wait_for(lambda: probe(f"{base}/lobby/sub")[1] != "", 60, 1)
        check(ok, "the sub-stream is served")
        _, main, _ = probe(f"{base}/lobby")
        check(main == "h264,640,480", f"/lobby: 640x480 H.264 ({main})")
        _, sub, _ = probe(f"{base}/lobby/sub")
        check(sub == "h264,320,180", f"/lobby/sub: 320x180 H.264 ({sub})")
        png = os.path.join(tmp, "sub.png")
        if check(grab(f"{base}/lobby/sub", png), "/lobby/sub plays"):
            # 4:3 in 16:9: the picture is x 40-280; its left half is the
            # zone
            zone, zone_range = luma(png, "100:170:50:5")
            scene, scene_range = luma(png, "100:170:170:5")
            check(zone < 25 and zone_range < 30,
                  f"the privacy zone is black in the sub-stream (luma "
                  f"{zone:.0f}, range {zone_range:.0f})")
            check(scene_range > 80, f"the rest shows the scene (luma "
                  f"{scene:.0f}, range {scene_range:.0f})")
        code, _, err = probe(f"{base}/plain/sub")
        check(code != 0 and "404" in err,
              f"/plain/sub: 404 ({err.strip()[-100:]})")
        _, plain, _ = probe(f"{base}/plain")
        check(plain == "h264,640,480", f"/plain plays ({plain})")
    finally:
        rb_e2e.stop(rb)
        camera.terminate()
        camera.wait(timeout=20)
        log.close()
    if failures:
        print(open(log_path).read()[-3000:])
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
