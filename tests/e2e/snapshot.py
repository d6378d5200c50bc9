#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Snapshots (GET /snapshot/CAMERA.jpg), end to end, with curl.

rtsp-blur serves two cameras on network A (digest users, http-port):
lobby, with a privacy zone over the left half and [headblur] mode=fill
(black), and hidden, not listed for A. Its camera is started only after
rtsp-blur:

- before the camera sends anything: 503 with Retry-After;
- then 200, a JPEG of the anonymized frame (ffprobe: 320x240) whose left
  half is black (the zone, masked: never a raw frame) and whose right half
  shows the scene;
- hidden: 404 (a camera not listed for a network is invisible there too);
  no credentials or a wrong password: 401;
- 40 requests at once all get the JPEG: they share one encode (at most one
  a camera per 500 ms);
- once the camera has stopped for more than 5 s: 503 again.
"""

import concurrent.futures
import hashlib
import os
import signal
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
REALM = "rtsp-blur A"
USER, PASSWORD = "alice", "alice-pw"


def curl(url, password=PASSWORD, out=None):
    """(status, headers text) of a GET of @url with digest credentials."""
    args = ["curl", "-s", "-m", "20", "-o", out or os.devnull, "-D", "-",
            "-w", "%{http_code}"]
    if password is not None:
        args += ["--digest", "-u", f"{USER}:{password}"]
    r = subprocess.run(args + [url], capture_output=True, text=True,
                       timeout=30)
    text = r.stdout
    try:
        return int(text[-3:]), text[:-3]
    except ValueError:
        return 0, text


def main():
    tmp = tempfile.mkdtemp(prefix="rb-snapshot-")
    os.chmod(tmp, 0o755)
    users = os.path.join(tmp, "users.htdigest")
    ha1 = hashlib.md5(f"{USER}:{REALM}:{PASSWORD}".encode()).hexdigest()
    with open(users, "w") as f:
        f.write(f"{USER}:{REALM}:{ha1}\n")
    cam_port, port, http_port = free_port(), free_port(), free_port()
    conf = os.path.join(tmp, "rtsp-blur.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={tmp}/state\nworkers=0\n\n"
                "[headblur]\nmode=fill\n\n"
                f"[camera:lobby]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n"
                "transport=tcp\nprivacy-zones=0,0 0.5,0 0.5,1 0,1\n\n"
                f"[camera:hidden]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n"
                "transport=tcp\n\n"
                f"[network:A]\naddress=127.0.0.1\nport={port}\n"
                f"users={users}\nhttp-port={http_port}\ncameras=lobby\n")
    log_path = os.path.join(tmp, "rtsp-blur.log")
    log = open(log_path, "w")
    rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                          stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}/snapshot"
    camera = None
    try:
        up = wait_for(lambda: curl(f"{base}/lobby.jpg")[0] != 0, 30)
        status, headers = curl(f"{base}/lobby.jpg")
        check(up and status == 503 and "retry-after" in headers.lower(),
              f"no frame yet: 503 with Retry-After ({status})")
        camera = subprocess.Popen(
            [CAMERA, "--port", str(cam_port), "--mount", "/cam", "--loop",
             "--width", "320", "--height", "240", "--fps", "10"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        jpeg = os.path.join(tmp, "lobby.jpg")
        ok = wait_for(lambda: curl(f"{base}/lobby.jpg", out=jpeg)[0] == 200,
                      60, step=0.5)
        check(ok, "then 200")
        size = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries",
             "stream=codec_name,width,height", "-of", "csv=p=0", jpeg],
            capture_output=True, text=True, timeout=30).stdout.strip()
        check(size == "mjpeg,320,240", f"a 320x240 JPEG ({size})")
        left, left_range = luma(jpeg, "150:240:0:0")
        right, right_range = luma(jpeg, "150:240:170:0")
        check(left < 25 and left_range < 30,
              f"the privacy zone (left half) is black: luma {left:.0f}, "
              f"range {left_range:.0f}")
        check(right_range > 80, f"the right half shows the scene: luma "
              f"{right:.0f}, range {right_range:.0f}")
        status, _ = curl(f"{base}/hidden.jpg")
        check(status == 404, f"a camera not listed for A: 404 ({status})")
        status, _ = curl(f"{base}/lobby.jpg", password=None)
        check(status == 401, f"no credentials: 401 ({status})")
        status, _ = curl(f"{base}/lobby.jpg", password="wrong")
        check(status == 401, f"a wrong password: 401 ({status})")
        with concurrent.futures.ThreadPoolExecutor(40) as pool:
            outs = [os.path.join(tmp, f"burst-{i}.jpg") for i in range(40)]
            codes = list(pool.map(
                lambda o: curl(f"{base}/lobby.jpg", out=o)[0], outs))
        check(codes.count(200) == 40, f"40 requests at once: all 200 "
              f"({sorted(set(codes))})")
        distinct = {open(o, "rb").read() for o in outs if os.path.exists(o)}
        check(1 <= len(distinct) <= 10,
              f"they share the encodes: {len(distinct)} distinct JPEGs")
        camera.send_signal(signal.SIGTERM)
        camera.wait(timeout=20)
        camera = None
        gone = wait_for(lambda: curl(f"{base}/lobby.jpg")[0] == 503, 30)
        check(gone, "the camera stopped: 503 again")
    finally:
        if camera is not None:
            camera.kill()
        rb_e2e.stop(rb)
        log.close()
    if failures:
        print(open(log_path).read()[-3000:])
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
