#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Multicast viewers, end to end, as root, in network namespaces.

Two namespaces, rbmc-a and rbmc-b, each joined to the host by a veth pair
(host 10.200.83.1 <-> A 10.200.83.2; host 10.200.84.1 <-> B 10.200.84.2).
rtsp-blur on the host serves network A on 10.200.83.1 with
multicast-addresses=239.255.83.1-239.255.83.9 and multicast-ports, and
network B on 10.200.84.1 without multicast. From namespace A:

- ffmpeg (-rtsp_transport udp_multicast) plays the camera; the server's
  Transport answer names a group of A's range;
- three such viewers at once cost one stream: what the host sends out of
  A's link while three watch is within 1.5 times what it sends for one
  (three unicast copies would be three times);
- the groups go out of A's link only: B's link carries next to nothing
  meanwhile (binding is not isolation: a multicast socket follows the
  default route unless told its interface);
- on B, a viewer asking for multicast gets 461 (B has none).
"""

import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import (check, failures, free_port, in_ns, run,  # noqa: E402
                    remove_veth_namespaces, veth_namespaces, wait_for)

LAUNCHER = os.environ.get("RB_LAUNCHER")
CAMERA = os.environ.get("RB_TEST_CAMERA")
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "200"))
rb_e2e.set_deadline(DEADLINE)

NS_A, NS_B = "rbmc-a", "rbmc-b"
LINK_A, LINK_B = "rbmc-a0", "rbmc-b0"
HOST_A, CLIENT_A = "10.200.83.1", "10.200.83.2"
HOST_B, CLIENT_B = "10.200.84.1", "10.200.84.2"
# (namespace, host link, host address, client address)
NETS = [(NS_A, LINK_A, HOST_A, CLIENT_A),
        (NS_B, LINK_B, HOST_B, CLIENT_B)]
GROUPS = "239.255.83.1-239.255.83.9"


def tx_bytes(link):
    with open(f"/sys/class/net/{link}/statistics/tx_bytes") as f:
        return int(f.read())


def viewer(url, seconds, level="error"):
    """ffmpeg in namespace A receiving @url by multicast for @seconds."""
    return subprocess.Popen(
        in_ns(NS_A, ["ffmpeg", "-v", level, "-stats", "-rtsp_transport",
                     "udp_multicast", "-i", url, "-t", str(seconds), "-c",
                     "copy", "-f", "null", "-"]),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def main():
    if not check(os.geteuid() == 0, "the test runs as root (ip netns)"):
        return 1
    tmp = tempfile.mkdtemp(prefix="rb-multicast-")
    os.chmod(tmp, 0o755)
    cam_port, port = free_port(), free_port()
    conf = os.path.join(tmp, "rtsp-blur.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={tmp}/state\nworkers=0\n"
                "live-bitrate=400\n\n"
                f"[camera:lobby]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n"
                "transport=tcp\n\n"
                f"[network:A]\naddress={HOST_A}\nport={port}\nauth=none\n"
                f"multicast-addresses={GROUPS}\nmulticast-ports=5400-5499\n\n"
                f"[network:B]\naddress={HOST_B}\nport={port}\nauth=none\n")
    log_path = os.path.join(tmp, "rtsp-blur.log")
    camera = rb = None
    try:
        veth_namespaces(NETS)
        camera = subprocess.Popen(
            [CAMERA, "--port", str(cam_port), "--mount", "/cam", "--loop",
             "--width", "320", "--height", "240", "--fps", "15"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log = open(log_path, "w")
        rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                              stderr=subprocess.STDOUT)
        url_a = f"rtsp://{HOST_A}:{port}/lobby"

        def plays():
            # trace: the RTSP answers' lines
            v = viewer(url_a, 3, "trace")
            _, err = v.communicate(timeout=40)
            return v.returncode == 0 and "frame=" in err and err
        err = wait_for(plays, 60, step=1)
        check(err, "ffmpeg in A plays lobby by multicast")
        m = re.search(r"Transport: [^']*multicast[^']*destination=([0-9.]+)",
                      err or "")
        check(m and re.match(r"239\.255\.83\.[1-9]$", m.group(1)),
              f"the Transport answer names a group of A's range "
              f"({m.group(0) if m else None})")

        def rate(n):
            """bytes/s out of A's and B's links with @n viewers"""
            vs = [viewer(url_a, 12) for _ in range(n)]
            time.sleep(5)
            a0, b0, t0 = tx_bytes(LINK_A), tx_bytes(LINK_B), time.monotonic()
            time.sleep(5)
            a1, b1, t1 = tx_bytes(LINK_A), tx_bytes(LINK_B), time.monotonic()
            for v in vs:
                v.communicate(timeout=40)
            return (a1 - a0) / (t1 - t0), (b1 - b0) / (t1 - t0)
        one, b_one = rate(1)
        three, b_three = rate(3)
        check(one > 10_000, f"one viewer: {one / 1000:.0f} kB/s out of A")
        check(three < 1.5 * one, f"three viewers: {three / 1000:.0f} kB/s "
              f"out of A, one stream (one viewer: {one / 1000:.0f} kB/s)")
        check(max(b_one, b_three) < 2_000, f"B's link carries next to "
              f"nothing meanwhile ({max(b_one, b_three):.0f} B/s)")
        r = subprocess.run(
            in_ns(NS_B, ["ffprobe", "-v", "error", "-rtsp_transport",
                         "udp_multicast", f"rtsp://{HOST_B}:{port}/lobby"]),
            capture_output=True, text=True, timeout=30)
        check(r.returncode != 0 and "461" in r.stderr,
              f"B has no multicast: 461 ({r.stderr.strip()[-120:]})")
    finally:
        if rb is not None:
            rb_e2e.stop(rb)
        if camera is not None:
            camera.terminate()
            camera.wait(timeout=20)
        remove_veth_namespaces(NETS)
    if failures:
        print(open(log_path).read()[-3000:])
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
