#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Viewer load on one camera: RTSP and HLS viewers share the one encode.

Runs rb-test-camera (640x360, 15 fps by default) and rtsp-blur (one
camera, one network with http-port, workers=0), then measures over a
window of --window seconds, first with one RTSP viewer, then with --rtsp
RTSP viewers (TCP interleaved, minimal clients in this process counting
frames by RTP marker bits) plus --hls HLS viewers (threads that poll the
playlist and download every new segment, as a player does):

  - each RTSP viewer's frame rate (min and median) against the camera's;
  - the media seconds each HLS viewer downloaded during the window;
  - the live feed's frame rate (frames_published from the metrics);
  - x264enc instances created (GST_DEBUG=GST_ELEMENT_FACTORY:4 log);
  - the daemon's CPU (utime+stime from /proc) in cores, and its growth.

With --check it exits 1 unless: the live feed holds >= 90 % of the
camera frame rate, every RTSP viewer gets >= 95 % of the feed's frames, HLS viewers keep up with the live edge (they downloaded the media of
the window less two segments), one x264enc per camera, CPU growth
< --max-growth cores (default 0.1).

  bench/viewers/viewers-load.py --build build            (50 + 20, 20 s)
"""

import argparse
import os
import re
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
import camera_zoo  # noqa: E402
import rb_metrics  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class RtspViewer:
    """A minimal RTSP client: DESCRIBE, SETUP (TCP interleaved), PLAY,
    then counts video frames (RTP packets with the marker bit)."""

    def __init__(self, url):
        m = re.match(r"rtsp://([^:/]+):(\d+)(/.*)", url)
        self.host, self.port, self.url = m.group(1), int(m.group(2)), url
        self.sock = socket.create_connection((self.host, self.port),
                                             timeout=10)
        self.buf = b""
        self.cseq = 0
        self.frames = 0
        self.bytes = 0

    def _request(self, method, url, headers=""):
        self.cseq += 1
        self.sock.sendall(f"{method} {url} RTSP/1.0\r\nCSeq: {self.cseq}\r\n"
                          f"User-Agent: viewers-load\r\n{headers}\r\n"
                          .encode())
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("connection closed")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        text = head.decode(errors="replace")
        length = re.search(r"(?im)^content-length:\s*(\d+)", text)
        body = b""
        if length:
            n = int(length.group(1))
            while len(self.buf) < n:
                self.buf += self.sock.recv(65536)
            body, self.buf = self.buf[:n], self.buf[n:]
        if not text.startswith("RTSP/1.0 200"):
            raise OSError(f"{method}: {text.splitlines()[0]}")
        return text, body.decode(errors="replace")

    def start(self):
        _, sdp = self._request("DESCRIBE", self.url,
                               "Accept: application/sdp\r\n")
        video = sdp.split("\nm=video", 1)[1].split("\nm=", 1)[0]
        control = re.search(r"a=control:(\S+)", video).group(1)
        track = control if control.startswith("rtsp://") else \
            self.url.rstrip("/") + "/" + control
        head, _ = self._request("SETUP", track, "Transport: RTP/AVP/TCP;"
                                "unicast;interleaved=0-1\r\n")
        session = re.search(r"(?im)^session:\s*([^;\r\n]+)", head).group(1)
        self._request("PLAY", self.url, f"Session: {session}\r\n"
                      "Range: npt=0-\r\n")
        self.sock.setblocking(False)

    def feed(self):
        try:
            chunk = self.sock.recv(262144)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        self.buf += chunk
        self.bytes += len(chunk)
        while len(self.buf) >= 4:
            if self.buf[0] != 0x24:         # an RTSP message: skip it
                end = self.buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                self.buf = self.buf[end + 4:]
                continue
            n = int.from_bytes(self.buf[2:4], "big")
            if len(self.buf) < 4 + n:
                break
            channel, packet = self.buf[1], self.buf[4:4 + n]
            self.buf = self.buf[4 + n:]
            if channel == 0 and len(packet) >= 2 and packet[1] & 0x80:
                self.frames += 1
        return True


class RtspPool(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.sel = selectors.DefaultSelector()
        self.viewers = []
        self.lock = threading.Lock()
        self.stop = False

    def add(self, viewer):
        with self.lock:
            self.viewers.append(viewer)
            self.sel.register(viewer.sock, selectors.EVENT_READ, viewer)

    def run(self):
        while not self.stop:
            with self.lock:
                events = self.sel.select(timeout=0.2) if self.viewers else []
            if not events:
                time.sleep(0.01)
            for key, _ in events:
                if not key.data.feed():
                    with self.lock:
                        self.sel.unregister(key.fileobj)

    def snapshot(self):
        with self.lock:
            return [v.frames for v in self.viewers]


class HlsViewer(threading.Thread):
    def __init__(self, base):
        super().__init__(daemon=True)
        self.base = base
        self.seen = set()
        self.media_s = 0.0
        self.bytes = 0
        self.errors = 0
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                with urllib.request.urlopen(self.base + "index.m3u8",
                                            timeout=10) as r:
                    text = r.read().decode()
                durations = re.findall(r"#EXTINF:([\d.]+),\s*\n(\S+)", text)
                for dur, name in durations[-3:]:   # a player starts near
                    if name in self.seen:           # the live edge
                        continue
                    with urllib.request.urlopen(self.base + name,
                                                timeout=10) as r:
                        self.bytes += len(r.read())
                    self.seen.add(name)
                    self.media_s += float(dur)
            except OSError:
                self.errors += 1
            time.sleep(1.0)


def measure(pid, pool, hls, mport, window):
    f0, c0, t0 = pool.snapshot(), cpu_seconds(pid), time.monotonic()
    h0 = [h.media_s for h in hls]
    m0 = rb_metrics.value(rb_metrics.scrape(mport),
                          "rtsp_blur_camera_frames_published_total",
                          camera="cam")
    time.sleep(window)
    f1, c1, t1 = pool.snapshot(), cpu_seconds(pid), time.monotonic()
    h1 = [h.media_s for h in hls]
    m1 = rb_metrics.value(rb_metrics.scrape(mport),
                          "rtsp_blur_camera_frames_published_total",
                          camera="cam")
    dt = t1 - t0
    fps = [(b - a) / dt for a, b in zip(f0, f1)]
    return {"cpu": (c1 - c0) / dt, "fps": fps, "dt": dt,
            "hls": [b - a for a, b in zip(h0, h1)],
            "feed_fps": (m1 - m0) / dt if None not in (m0, m1) else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(TOP, "build"))
    ap.add_argument("--rtsp", type=int, default=50)
    ap.add_argument("--hls", type=int, default=20)
    ap.add_argument("--window", type=float, default=20)
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=360)
    ap.add_argument("--fps", type=int, default=15)
    ap.add_argument("--max-growth", type=float, default=0.1)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--no-http", action="store_true",
                    help="no http-port (no HLS packager): only the one-viewer "
                    "figure, to compare with a normal run's")
    args = ap.parse_args()

    launcher = os.environ.get("RB_LAUNCHER",
                              os.path.join(args.build, "launcher",
                                           "rtsp-blur"))
    test_camera = os.environ.get("RB_TEST_CAMERA",
                                 os.path.join(args.build, "tests", "camera",
                                              "rb-test-camera"))
    env = dict(os.environ)
    if "GST_PLUGIN_PATH_1_0" not in env:
        env["GST_PLUGIN_PATH_1_0"] = ":".join([
            os.path.join(args.build, "plugins", "headblur"),
            os.path.join(args.build, "plugins", "segmentqueue")])
    tmp = tempfile.mkdtemp(prefix="rb-viewers-load-")
    gst_log = os.path.join(tmp, "gst.log")
    env.update({"GST_DEBUG": "GST_ELEMENT_FACTORY:4",
                "GST_DEBUG_FILE": gst_log, "GST_DEBUG_NO_COLOR": "1"})
    address = "127.0.0.1"
    cam_port = camera_zoo.free_port()
    port, http_port = camera_zoo.free_port(), camera_zoo.free_port()
    mport = camera_zoo.free_port()
    conf = os.path.join(tmp, "load.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={tmp}/state\nworkers=0\n"
                f"metrics-port={mport}\n\n"
                f"[camera:cam]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n\n"
                f"[network:lab]\naddress={address}\nport={port}\n"
                f"http-port={0 if args.no_http else http_port}\nauth=none\n"
                f"max-connections={args.rtsp + 20}\n"
                f"max-connections-per-client={args.rtsp + 20}\n")
    camera = subprocess.Popen(
        [test_camera, "--port", str(cam_port), "--mount", "/cam", "--loop",
         "--width", str(args.width), "--height", str(args.height),
         "--fps", str(args.fps)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # the camera serves before rtsp-blur starts: the daemon connects once,
    # over TCP, and the figures are not those of a reconnection
    cam_end = time.monotonic() + 30
    while time.monotonic() < cam_end and not camera_zoo.ffprobe_streams(
            f"rtsp://127.0.0.1:{cam_port}/cam", timeout=10):
        time.sleep(0.3)
    log = open(os.path.join(tmp, "rtsp-blur.log"), "w")
    rb = subprocess.Popen([launcher, "--config", conf], stdout=log,
                          stderr=subprocess.STDOUT, env=env)
    url = f"rtsp://{address}:{port}/cam"
    hls_base = f"http://{address}:{http_port}/hls/cam/"
    pool, hls = RtspPool(), []
    ok = True
    try:
        end = time.monotonic() + 60
        while time.monotonic() < end and args.no_http:
            if camera_zoo.ffprobe_streams(url, timeout=10):
                break
            time.sleep(0.5)
        while time.monotonic() < end and not args.no_http:
            try:
                with urllib.request.urlopen(hls_base + "index.m3u8",
                                            timeout=5) as r:
                    if b".ts" in r.read():
                        break
            except OSError:
                pass
            time.sleep(0.5)
        if time.monotonic() >= end:
            print("error: nothing served within 60 s")
            return 1
        pool.start()
        first = RtspViewer(url)
        first.start()
        pool.add(first)
        time.sleep(5)
        one = measure(rb.pid, pool, [], mport, args.window)
        if args.no_http:
            print(f"no http-port, one RTSP viewer: daemon CPU "
                  f"{one['cpu']:.3f} cores, viewer {one['fps'][0]:.2f} fps")
            return 0
        for _ in range(args.rtsp - 1):
            v = RtspViewer(url)
            v.start()
            pool.add(v)
        for _ in range(args.hls):
            h = HlsViewer(hls_base)
            h.start()
            hls.append(h)
        time.sleep(6)
        load = measure(rb.pid, pool, hls, mport, args.window)
        with open(gst_log, errors="replace") as f:
            encoders = f.read().count('creating element "x264enc"')
        restarts = open(os.path.join(tmp, "rtsp-blur.log")).read().count(
            "camera cam: receiving")
        growth = load["cpu"] - one["cpu"]
        fps_min = min(load["fps"])
        fps_med = statistics.median(load["fps"])
        # media seconds each HLS viewer downloaded during the window
        hls_min = min(load["hls"]) if load["hls"] else None
        print(f"camera: {args.width}x{args.height} at {args.fps} fps; "
              f"window {args.window:.0f} s")
        print(f"one RTSP viewer: daemon CPU {one['cpu']:.3f} cores, viewer "
              f"{one['fps'][0]:.2f} fps, live feed "
              f"{one['feed_fps'] or 0:.2f} fps")
        print(f"{args.rtsp} RTSP + {args.hls} HLS viewers: daemon CPU "
              f"{load['cpu']:.3f} cores (growth {growth:+.3f}), RTSP fps "
              f"min {fps_min:.2f} median {fps_med:.2f}, HLS media downloaded "
              f"min {hls_min if hls_min is None else round(hls_min, 1)} s "
              f"in {load['dt']:.1f} s, live "
              f"feed {load['feed_fps'] or 0:.2f} fps")
        print(f"x264enc instances created: {encoders} (camera connected "
              f"{restarts} times)")
        m = rb_metrics.scrape(mport)
        segs = rb_metrics.value(m, "rtsp_blur_hls_segments_total",
                                camera="cam")
        reqs = rb_metrics.value(m, "rtsp_blur_network_http_requests_total",
                                network="lab")
        print(f"metrics: {segs} HLS segments completed, {reqs} HTTP "
              "requests answered")
        if args.check:
            feed = load["feed_fps"] or 0
            crit = [(fps_min >= 0.95 * feed,
                     "every RTSP viewer gets >= 95 % of the live feed's "
                     f"frames ({feed:.2f} fps)"),
                    (feed >= 0.9 * args.fps,
                     f"the live feed holds >= 90 % of {args.fps} fps"),
                    (hls_min is None or hls_min >= load["dt"] - 2 * 2,
                     "every HLS viewer keeps up with the live edge (media "
                     "downloaded >= window - two 2 s segments)"),
                    (encoders == restarts == 1, "one x264enc for the camera"),
                    (segs is not None and segs > 0 and reqs is not None
                     and reqs >= args.hls,
                     "the metrics count HLS segments and HTTP requests"),
                    (growth < args.max_growth,
                     f"CPU grows by < {args.max_growth} core")]
            for c, what in crit:
                print(("ok: " if c else "FAIL: ") + what)
                ok &= c
    finally:
        pool.stop = True
        for h in hls:
            h.stop = True
        rb.send_signal(signal.SIGTERM)
        try:
            rb.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rb.kill()
        camera.send_signal(signal.SIGTERM)
        try:
            camera.wait(timeout=10)
        except subprocess.TimeoutExpired:
            camera.kill()
        log.close()
    print(f"logs in {tmp}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
