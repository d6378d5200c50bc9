#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Benchmark: time from starting rtsp-blur to the first anonymized live frame
decoded by a real client (ffmpeg), with the camera already up.

    python3 bench/startup/first-frame.py [--runs 5] [--build build]

Prints each run and the median. A run is: start rb-test-camera (once), start
rtsp-blur with one camera and one listener, and ask ffmpeg for one frame
every 100 ms until it gets one. The time includes loading the model,
connecting to the camera, waiting for its next key frame (2 s GOP),
encoding, and the client's RTSP set-up."""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import tempfile
import time


def free_port(addr):
    with socket.socket() as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--build", default="build")
    ap.add_argument("--clip",
                    default="/usr/share/doc/opencv-doc/examples/data/vtest.avi")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    env = dict(os.environ, GST_PLUGIN_PATH=os.path.join(build, "plugins"))
    tmp = tempfile.mkdtemp(prefix="rb-first-frame-")
    cam_port = free_port("127.0.0.1")
    camera = subprocess.Popen(
        [os.path.join(build, "tests/camera/rb-test-camera"), "--clip",
         args.clip, "--port", str(cam_port), "--loop"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    camera.stdout.readline()
    results = []
    try:
        for run in range(args.runs):
            port = free_port("127.0.0.2")
            conf = os.path.join(tmp, f"run{run}.conf")
            with open(conf, "w") as f:
                f.write(f"[rtsp-blur]\nstate-dir={tmp}/state{run}\n"
                        f"[camera:cam]\nurl=rtsp://127.0.0.1:{cam_port}/camera\n"
                        f"latency=200\n"
                        f"[network:A]\naddress=127.0.0.2\nport={port}\n"
                        "auth=none\n")
            t0 = time.monotonic()
            rb = subprocess.Popen([os.path.join(build, "launcher/rtsp-blur"),
                                   "-c", conf], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, env=env)
            got = None
            while time.monotonic() - t0 < 60:
                r = subprocess.run(
                    ["ffmpeg", "-v", "quiet", "-rtsp_transport", "tcp", "-i",
                     f"rtsp://127.0.0.2:{port}/cam", "-frames:v", "1", "-f",
                     "null", "-"], timeout=30)
                if r.returncode == 0:
                    got = time.monotonic() - t0
                    break
                time.sleep(0.1)
            rb.send_signal(signal.SIGTERM)
            rb.wait(timeout=30)
            print(f"run {run + 1}: first live frame after "
                  f"{got:.2f} s" if got else f"run {run + 1}: no frame in 60 s",
                  flush=True)
            if got:
                results.append(got)
    finally:
        camera.send_signal(signal.SIGTERM)
        camera.wait(timeout=10)
    if results:
        print(f"median time to first live frame: "
              f"{statistics.median(results):.2f} s over {len(results)} runs")


if __name__ == "__main__":
    main()
