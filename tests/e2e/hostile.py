#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile clients against a listener, end to end.

rtsp-blur runs with a file descriptor limit of 512 (as a small service
would) and a network with idle-timeout=3. Then 1500 TCP connections that
send nothing are opened to its listener, from 100 client addresses
(127.0.1.1-100), after one address opened 60:
  - rtsp-blur keeps running and keeps its open files well below the limit
    (the per-network and per-address caps close what is over);
  - the refusals are logged, at most once per address and minute;
  - idle connections are closed after the timeout, and ffprobe (a real
    client) is then served the live stream while the attackers keep their
    sockets open; the camera goes on recording.
"""

import os
import resource
import signal
import socket
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
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "150"))
rb_e2e.set_deadline(DEADLINE)
FD_LIMIT = 512


def flood(address, port, sources, per_source):
    socks = []
    for src in sources:
        for _ in range(per_source):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.bind((src, 0))
                s.connect_ex((address, port))
            except OSError:
                s.close()
                continue
            socks.append(s)
    return socks


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 4096),
                                                max(hard, 4096)))
    tmp = tempfile.mkdtemp(prefix="rb-hostile-test-")
    state = os.path.join(tmp, "state")
    cam_port = camera_zoo.free_port()
    address = "127.0.0.5"
    port = camera_zoo.free_port(address)
    mport = camera_zoo.free_port()
    camera = subprocess.Popen(
        [CAMERA, "--port", str(cam_port), "--mount", "/cam", "--loop",
         "--width", "320", "--height", "240", "--fps", "15"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conf = os.path.join(tmp, "hostile.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={state}\nworkers=0\n"
                f"metrics-port={mport}\n\n"
                f"[camera:cam]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n\n"
                f"[network:A]\naddress={address}\nport={port}\n"
                "idle-timeout=3\nauth=none\n")
    log_path = os.path.join(tmp, "rtsp-blur.log")
    log = open(log_path, "w")
    rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                          stderr=subprocess.STDOUT, preexec_fn=rb_e2e.fd_limit(FD_LIMIT))
    url = f"rtsp://{address}:{port}/cam"
    socks = []
    try:
        check(wait_for(lambda: camera_zoo.ffprobe_streams(url), 40),
              "ffprobe reads the live stream before the flood")
        base_fds = rb_e2e.open_fds(rb.pid)
        socks = flood(address, port, ["127.0.2.1"], 60)
        time.sleep(0.5)
        sources = [f"127.0.1.{i}" for i in range(1, 101)]
        socks += flood(address, port, sources, 15)
        check(len(socks) >= 1500, f"{len(socks)} idle connections opened")
        worst = 0
        end = time.monotonic() + 2
        while time.monotonic() < end:
            worst = max(worst, rb_e2e.open_fds(rb.pid))
            time.sleep(0.05)
        check(rb.poll() is None, "rtsp-blur survives the flood")
        check(0 < worst < FD_LIMIT * 3 // 4,
              f"its open files stay well below the limit of {FD_LIMIT} "
              f"(at most {worst}, {base_fds} before)")
        # the idle ones are closed; a real client is served again while
        # the attackers still hold their sockets
        time.sleep(4)
        check(camera_zoo.ffprobe_streams(url, timeout=20) is not None,
              "ffprobe is served during the flood, once idle connections "
              "timed out")
        check(rb.poll() is None, "rtsp-blur is still running")
        m = rb_metrics.scrape(mport)
        refused = rb_metrics.value(
            m, "rtsp_blur_network_refused_connections_total", network="A")
        conns = rb_metrics.value(m, "rtsp_blur_network_connections",
                                 network="A")
        check(refused is not None and refused >= 100 and
              conns is not None and conns <= 200,
              f"metrics: {refused} connections refused, {conns} open "
              "(at most 200)")
        text = open(log_path).read()
        check("refusing connections from 127.0.2.1: "
              "max-connections-per-client reached" in text,
              "the per-address cap refuses the extra connections (logged)")
        check(text.count("refusing connections from 127.0.2.1") == 1,
              "a refused address is logged once per minute")
        check("max-connections reached" in text,
              "the per-network cap refuses connections over 200 (logged)")
        check("camera cam: receiving" in text and
              "stopped sending" not in text,
              "the camera is not disturbed")
    finally:
        for s in socks:
            s.close()
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
    if failures:
        print(open(log_path).read()[-3000:])
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
