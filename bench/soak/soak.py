#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Soak benchmark: does rtsp-blur's memory plateau under a
steady mixed load, or does something grow?

Runs --cameras rb-test-camera servers (the OpenCV demo clip of pedestrians,
so the live and the workers' headblur detect and mask real people) and one
rtsp-blur (one network with http-port, auth=none, the metrics listener,
--workers segment workers on --segment-duration s segments, anonymized
segments deleted after --retention so the disk stays bounded), and puts on
it, for --duration s:

  - --rtsp reconnecting RTSP viewers (TCP interleaved, minimal clients in
    this process, the one of bench/viewers/viewers-load.py): each plays a
    random camera for 2-20 s, then half of them send TEARDOWN and half
    just close the connection, and they connect again;
  - --http operator-page clients: the page and its files, /api/cameras
    every 2 s, one camera's HLS playlist every second and every new
    segment, a new page session every 20-60 s; one request per connection
    (Connection: close) unless --keep-alive, where a session keeps its
    connection, as a browser does;
  - --chat chat clients (WebSocket /chat with the page's Origin): the
    history on join, a message every 3-8 s, sessions of 20-90 s closed with
    a close frame or by dropping the connection;
  - `rtsp-blur status` every minute, and the sampler's /metrics scrapes;
  - a camera outage every --camera-restart s (the cameras in turn, --outage
    s each): the daemon rebuilds that camera's pipeline.

Every --interval s it samples the daemon's RSS (VmRSS, and RssAnon: the
heap), its open fds and threads (/proc/PID) and the segment queue
(rtsp_blur_queue_segments pending and claimed, from /metrics), and at the
end prints, per series, the least-squares slope per minute (with its
standard error) over the steady part (after --warmup s; default: the first
half of the run: glibc's arenas alone take about 30 min to fill), the
slopes of its first and second halves, and a verdict: "growing" when the
slope is above the series' threshold (--max-rss-slope MB/min, --max-fd-slope,
--max-thread-slope, --max-queue-slope per minute) and above three standard
errors (not the samples' noise), else "plateau". --csv
writes every sample as it is taken; --analyze CSV prints the slopes of a
saved run again (with another --warmup). --check exits 1 when a series
grows or the daemon died.

--daemon-env KEY=VALUE (repeatable) runs the daemon with that environment
(MALLOC_ARENA_MAX=2, MALLOC_TRIM_THRESHOLD_=...), --wrap "heaptrack -o F"
runs it under a profiler (the sampler follows the real rtsp-blur process).

  python3 bench/soak/soak.py --duration 3600 --csv soak.csv
"""

import argparse
import base64
import csv
import http.client
import importlib.util
import os
import random
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
import camera_zoo  # noqa: E402
import rb_metrics  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "viewers_load", os.path.join(TOP, "bench", "viewers", "viewers-load.py"))
viewers_load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(viewers_load)

CLIP = camera_zoo.CLIP

# what is sampled: (CSV column, label, unit, threshold option)
SERIES = [("rss_mb", "RSS", "MB", "max_rss_slope"),
          ("rss_anon_mb", "RssAnon (heap)", "MB", "max_rss_slope"),
          ("fds", "open fds", "", "max_fd_slope"),
          ("threads", "threads", "", "max_thread_slope"),
          ("queue_pending", "queue pending", "", "max_queue_slope"),
          ("queue_claimed", "queue claimed", "", "max_queue_slope")]
COLUMNS = (["t_s", "rss_mb", "rss_anon_mb", "rss_file_mb", "fds", "threads",
            "queue_pending", "queue_claimed", "rtsp_connections",
            "chat_members", "segments_anonymized", "camera_reconnects",
            "cpu_s", "load1"])


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.values = {}

    def add(self, name, n=1):
        with self.lock:
            self.values[name] = self.values.get(name, 0) + n

    def get(self, name):
        with self.lock:
            return self.values.get(name, 0)


COUNT = Counters()
STOP = threading.Event()


# ---- RTSP viewers ----

class Viewer(viewers_load.RtspViewer):
    """viewers-load's client, remembering its session for a TEARDOWN."""
    session = None

    def _request(self, method, url, headers=""):
        head, body = super()._request(method, url, headers)
        m = re.search(r"(?im)^session:\s*([^;\r\n]+)", head)
        if m:
            self.session = m.group(1)
        return head, body

    def teardown(self):
        self.cseq += 1
        self.sock.setblocking(True)
        self.sock.settimeout(2)
        self.sock.sendall(f"TEARDOWN {self.url} RTSP/1.0\r\nCSeq: "
                          f"{self.cseq}\r\nSession: {self.session}\r\n\r\n"
                          .encode())


def rtsp_viewer(urls):
    while not STOP.is_set():
        v = None
        try:
            v = Viewer(random.choice(urls))
            v.start()
            end = time.monotonic() + random.uniform(2, 20)
            while time.monotonic() < end and not STOP.is_set():
                r, _, _ = select.select([v.sock], [], [], 0.5)
                if r and not v.feed():
                    break
            if random.random() < 0.5:
                v.teardown()
                COUNT.add("rtsp_teardowns")
            COUNT.add("rtsp_sessions")
            COUNT.add("rtsp_frames", v.frames)
        except (OSError, AttributeError, IndexError):
            COUNT.add("rtsp_errors")
            STOP.wait(1)
        finally:
            if v is not None:
                v.sock.close()
        STOP.wait(random.uniform(0.1, 1))


# ---- HTTP: the operator page, /api/cameras, HLS ----

class Http:
    """GETs on one host: a connection per request (Connection: close), or
    one kept for the session with @keep_alive."""

    def __init__(self, host, port, keep_alive):
        self.host, self.port, self.keep_alive = host, port, keep_alive
        self.conn = None

    def get(self, path):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port,
                                                   timeout=10)
        headers = {} if self.keep_alive else {"Connection": "close"}
        try:
            self.conn.request("GET", path, headers=headers)
            r = self.conn.getresponse()
            body = r.read()
        except (OSError, http.client.HTTPException):
            COUNT.add("http_errors")
            self.close()
            return None, b""
        COUNT.add("http_requests")
        COUNT.add("http_bytes", len(body))
        if not self.keep_alive or r.will_close:
            self.close()
        return r.status, body

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def operator_page(host, port, cameras, keep_alive):
    while not STOP.is_set():
        h = Http(host, port, keep_alive)
        for path in ("/", "/app.js", "/style.css", "/vendor/hls.min.js"):
            h.get(path)
        cam = random.choice(cameras)
        seen = set()
        end = time.monotonic() + random.uniform(20, 60)
        tick = 0
        while time.monotonic() < end and not STOP.is_set():
            if tick % 2 == 0:
                h.get("/api/cameras")
            status, body = h.get(f"/hls/{cam}/index.m3u8")
            if status == 200:
                names = re.findall(r"^(segment\S+\.ts)$",
                                   body.decode(errors="replace"), re.M)
                for name in names[-3:]:
                    if name not in seen:
                        status, _ = h.get(f"/hls/{cam}/{name}")
                        if status == 200:
                            COUNT.add("hls_segments")
                        seen.add(name)
            tick += 1
            STOP.wait(1)
        h.close()
        COUNT.add("page_sessions")


# ---- chat: a minimal WebSocket client (RFC 6455) ----

def ws_connect(host, port):
    s = socket.create_connection((host, port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(f"GET /chat HTTP/1.1\r\nHost: {host}:{port}\r\n"
              "Upgrade: websocket\r\nConnection: Upgrade\r\n"
              f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
              f"Origin: http://{host}:{port}\r\n\r\n".encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed during the handshake")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    if not head.startswith(b"HTTP/1.1 101"):
        raise OSError(head.split(b"\r\n")[0].decode(errors="replace"))
    return s, rest


def ws_frame(opcode, payload):
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in
                               enumerate(payload))


def ws_parse(buf):
    """(frames [(opcode, payload)], rest) from the server's bytes."""
    frames = []
    while len(buf) >= 2:
        opcode, n, off = buf[0] & 0x0f, buf[1] & 0x7f, 2
        if n == 126:
            if len(buf) < 4:
                break
            n, off = int.from_bytes(buf[2:4], "big"), 4
        elif n == 127:
            if len(buf) < 10:
                break
            n, off = int.from_bytes(buf[2:10], "big"), 10
        if len(buf) < off + n:
            break
        frames.append((opcode, buf[off:off + n]))
        buf = buf[off + n:]
    return frames, buf


def chat_client(host, port, who):
    while not STOP.is_set():
        s = None
        try:
            s, buf = ws_connect(host, port)
            COUNT.add("chat_sessions")
            end = time.monotonic() + random.uniform(20, 90)
            next_send = time.monotonic() + random.uniform(1, 3)
            n = 0
            while time.monotonic() < end and not STOP.is_set():
                if time.monotonic() >= next_send:
                    n += 1
                    s.sendall(ws_frame(1, f"soak {who} message {n}: "
                                       f"{'x' * random.randint(0, 200)}"
                                       .encode()))
                    COUNT.add("chat_sent")
                    next_send = time.monotonic() + random.uniform(3, 8)
                r, _, _ = select.select([s], [], [], 0.5)
                if not r:
                    continue
                chunk = s.recv(65536)
                if not chunk:
                    raise OSError("closed by the server")
                frames, buf = ws_parse(buf + chunk)
                for opcode, payload in frames:
                    if opcode == 1:
                        COUNT.add("chat_received")
                    elif opcode == 9:               # ping: pong
                        s.sendall(ws_frame(10, payload))
                    elif opcode == 8:
                        raise OSError("close frame from the server")
            if random.random() < 0.5:
                s.sendall(ws_frame(8, (1000).to_bytes(2, "big")))
                COUNT.add("chat_closes")
        except OSError:
            COUNT.add("chat_errors")
            STOP.wait(1)
        finally:
            if s is not None:
                s.close()
        STOP.wait(random.uniform(0.5, 2))


def status_client(launcher, conf, env):
    while not STOP.wait(60):
        r = subprocess.run([launcher, "--config", conf, "status"], env=env,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30)
        COUNT.add("status_runs" if r.returncode == 0 else "status_errors")


# ---- cameras ----

class Cameras:
    def __init__(self, test_camera, n, args, log_dir):
        self.test_camera, self.args, self.log_dir = test_camera, args, log_dir
        self.ports = [camera_zoo.free_port() for _ in range(n)]
        self.procs = [None] * n
        self.lock = threading.Lock()

    def url(self, i):
        return f"rtsp://127.0.0.1:{self.ports[i]}/cam"

    def start(self, i):
        a = self.args
        log = open(os.path.join(self.log_dir, f"camera{i}.log"), "a")
        self.procs[i] = subprocess.Popen(
            [self.test_camera, "--address", "127.0.0.1", "--port",
             str(self.ports[i]), "--mount", "/cam", "--loop", "--width",
             str(a.width), "--height", str(a.height), "--fps", str(a.fps),
             "--bitrate", str(a.bitrate), "--clip", CLIP],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def wait_serving(self, i, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if camera_zoo.ffprobe_streams(self.url(i), timeout=10):
                return True
            time.sleep(0.5)
        return False

    def stop(self, i):
        p = self.procs[i]
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs[i] = None

    def outages(self, every, outage):
        i = 0
        while not STOP.wait(every):
            with self.lock:
                self.stop(i)
                COUNT.add("camera_outages")
                if STOP.wait(outage):
                    return
                self.start(i)
            i = (i + 1) % len(self.ports)


# ---- sampling ----

def descendant(pid, exe_name):
    """@pid, or its descendant whose comm is @exe_name (the daemon under a
    wrapper such as heaptrack), or None while there is none."""
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/comm") as f:
                if f.read().strip() == exe_name[:15]:
                    return p
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return None


def proc_sample(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.split()
    return {"rss_mb": int(fields["VmRSS"][0]) / 1024,
            "rss_anon_mb": int(fields["RssAnon"][0]) / 1024,
            "rss_file_mb": int(fields["RssFile"][0]) / 1024,
            "threads": int(fields["Threads"][0]),
            "fds": len(os.listdir(f"/proc/{pid}/fd")),
            "cpu_s": round(viewers_load.cpu_seconds(pid), 2),
            "load1": os.getloadavg()[0]}


def metrics_sample(mport, cameras):
    m = rb_metrics.scrape(mport)

    def val(name, **labels):
        v = rb_metrics.value(m, name, **labels)
        return "" if v is None else v

    def total(name, label):
        if m is None:
            return ""
        return sum(v for k, v in m.items()
                   if k.startswith(name + "{" + label + "="))

    return {"queue_pending": val("rtsp_blur_queue_segments",
                                 state="pending"),
            "queue_claimed": val("rtsp_blur_queue_segments",
                                 state="claimed"),
            "rtsp_connections": val("rtsp_blur_network_connections",
                                    network="soak"),
            "chat_members": val("rtsp_blur_chat_members", room="soak"),
            "segments_anonymized": val(
                "rtsp_blur_segments_anonymized_total"),
            "camera_reconnects": total("rtsp_blur_camera_reconnects_total",
                                       "camera")}


def malloc_report(pid, log_path):
    """glibc's view of the daemon's heap (malloc_stats() into its log, where
    stderr goes), then malloc_trim(0): what RSS the allocator held free."""
    def gdb(call):
        subprocess.run(["gdb", "-p", str(pid), "-batch", "-nx", "-ex",
                        f"call {call}"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=300)

    before = proc_sample(pid)
    offset = os.path.getsize(log_path)
    gdb("(void) malloc_stats()")
    time.sleep(1)
    with open(log_path, errors="replace") as f:
        f.seek(offset)
        stats = f.read()
    arenas = len(re.findall(r"^Arena \d+:", stats, re.M))
    m = re.search(r"Total \(incl\. mmap\):\s*system bytes\s*=\s*(\d+)\s*"
                  r"in use bytes\s*=\s*(\d+)", stats)
    gdb("(int) malloc_trim(0)")
    time.sleep(1)
    after = proc_sample(pid)
    if m:
        system, in_use = int(m.group(1)) / 2**20, int(m.group(2)) / 2**20
        print(f"malloc: {arenas} arenas hold {system:.1f} MB, {in_use:.1f} "
              f"MB in use ({system - in_use:.1f} MB free inside them)")
    else:
        print("malloc: no malloc_stats() output (gdb missing?)")
    print(f"malloc_trim(0): RSS {before['rss_mb']:.1f} -> "
          f"{after['rss_mb']:.1f} MB, RssAnon {before['rss_anon_mb']:.1f} "
          f"-> {after['rss_anon_mb']:.1f} MB")


# ---- analysis ----

def fit(points):
    """Least-squares slope of [(t_s, y)] in y per minute and its standard
    error, or (None, None)."""
    pts = [(t / 60.0, y) for t, y in points if y != "" and y is not None]
    if len(pts) < 3:
        return None, None
    n = len(pts)
    mt = sum(t for t, _ in pts) / n
    my = sum(y for _, y in pts) / n
    var = sum((t - mt) ** 2 for t, _ in pts)
    if var == 0:
        return None, None
    b = sum((t - mt) * (y - my) for t, y in pts) / var
    rss = sum((y - my - b * (t - mt)) ** 2 for t, y in pts)
    return b, (rss / (n - 2) / var) ** 0.5


def slope(points):
    return fit(points)[0]


def analyze(rows, warmup, args):
    """Prints the slope table; returns True when every series plateaus."""
    steady = [r for r in rows if r["t_s"] >= warmup]
    if len(steady) < 3:
        print(f"not enough samples after the {warmup:.0f} s warm-up "
              f"({len(steady)})")
        return False
    t0, t1 = steady[0]["t_s"], steady[-1]["t_s"]
    mid = (t0 + t1) / 2
    print(f"\nsteady part: {t0 / 60:.1f}-{t1 / 60:.1f} min "
          f"({len(steady)} samples; warm-up {warmup / 60:.1f} min)")
    loads = [r["load1"] for r in steady if r.get("load1", "") != ""]
    cpu = [(r["t_s"], r["cpu_s"]) for r in steady
           if r.get("cpu_s", "") != ""]
    if loads and len(cpu) >= 3:
        print(f"daemon CPU {slope(cpu) / 60:.2f} core, machine load average "
              f"{min(loads):.1f}-{max(loads):.1f} (mean "
              f"{sum(loads) / len(loads):.1f})")
    print("| series | at warm-up | end | min-max (steady) | slope /min "
          "(± s.e.) | 1st half | 2nd half | threshold /min | verdict |")
    print("|---|---|---|---|---|---|---|---|---|")
    ok = True
    for col, label, unit, opt in SERIES:
        pts = [(r["t_s"], r[col]) for r in steady if r[col] != ""]
        if len(pts) < 3:
            print(f"| {label} | n/a | | | | | | | no data |")
            continue
        s, se = fit(pts)
        s1 = slope([p for p in pts if p[0] <= mid])
        s2 = slope([p for p in pts if p[0] >= mid])
        ys = [y for _, y in pts]
        limit = getattr(args, opt)
        # above the threshold, and not by the samples' noise (3 s.e.)
        growing = s is not None and s > limit and s > 3 * se
        ok &= not growing
        u = f" {unit}" if unit else ""

        def f(v):
            return "n/a" if v is None else f"{v:+.3f}"
        print(f"| {label} | {ys[0]:.1f}{u} | {ys[-1]:.1f}{u} | "
              f"{min(ys):.1f}-{max(ys):.1f} | {f(s)}{u} (± {se:.3f}) | "
              f"{f(s1)} | "
              f"{f(s2)} | {limit}{u} | "
              f"{'GROWING' if growing else 'plateau'} |")
    return ok


def read_csv(path):
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f):
            rows.append({k: (float(v) if v not in ("", None) else "")
                         for k, v in r.items()})
    return rows


# ---- main ----

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get(
        "RB_BUILD_DIR", os.path.join(TOP, "build")))
    ap.add_argument("--duration", type=float, default=3600, help="seconds")
    ap.add_argument("--interval", type=float, default=10,
                    help="seconds between samples")
    ap.add_argument("--warmup", type=float, default=None,
                    help="seconds left out of the slopes (default: the "
                    "first half of the run)")
    ap.add_argument("--cameras", type=int, default=2)
    ap.add_argument("--width", type=int, default=320)
    ap.add_argument("--height", type=int, default=240)
    ap.add_argument("--fps", type=int, default=15)
    ap.add_argument("--bitrate", type=int, default=400,
                    help="the cameras' kbit/s")
    ap.add_argument("--rtsp", type=int, default=4,
                    help="reconnecting RTSP viewers")
    ap.add_argument("--http", type=int, default=2,
                    help="operator-page clients (page, API, HLS)")
    ap.add_argument("--chat", type=int, default=2, help="chat clients")
    ap.add_argument("--keep-alive", action="store_true",
                    help="HTTP clients keep their connection for a session")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--segment-duration", type=int, default=10)
    ap.add_argument("--retention", default="5m",
                    help="retention-anonymized (keeps the disk bounded)")
    ap.add_argument("--camera-restart", type=float, default=300,
                    help="seconds between camera outages (0: none)")
    ap.add_argument("--outage", type=float, default=5,
                    help="seconds each outage lasts")
    ap.add_argument("--daemon-env", action="append", default=[],
                    metavar="KEY=VALUE")
    ap.add_argument("--wrap", default="",
                    help="command line the daemon runs under "
                    "(e.g. 'heaptrack -o /tmp/soak')")
    ap.add_argument("--state-dir", default=None,
                    help="where the daemon's state goes (default: a "
                    "temporary directory)")
    ap.add_argument("--csv", default=None)
    ap.add_argument("--analyze", default=None, metavar="CSV",
                    help="print the slopes of a saved run and exit")
    ap.add_argument("--max-rss-slope", type=float, default=0.1,
                    help="MB/min (default 0.1: 6 MB an hour)")
    ap.add_argument("--max-fd-slope", type=float, default=0.05)
    ap.add_argument("--max-thread-slope", type=float, default=0.05)
    ap.add_argument("--max-queue-slope", type=float, default=0.05)
    ap.add_argument("--malloc-report", action="store_true",
                    help="at the end, attach gdb to the daemon: glibc's "
                    "malloc_stats() (heap in use against what the arenas "
                    "hold) and the RSS malloc_trim(0) gives back")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when a series grows or the daemon died")
    args = ap.parse_args()
    warmup = args.warmup
    if warmup is None:
        warmup = args.duration / 2

    if args.analyze:
        return 0 if analyze(read_csv(args.analyze), warmup, args) else 1

    launcher = os.environ.get("RB_LAUNCHER", os.path.join(
        args.build, "launcher", "rtsp-blur"))
    test_camera = os.environ.get("RB_TEST_CAMERA", os.path.join(
        args.build, "tests", "camera", "rb-test-camera"))
    tmp = tempfile.mkdtemp(prefix="rb-soak-")
    state = args.state_dir or os.path.join(tmp, "state")
    env = dict(os.environ)
    if "GST_PLUGIN_PATH_1_0" not in env:
        env["GST_PLUGIN_PATH_1_0"] = ":".join([
            os.path.join(args.build, "plugins", "headblur"),
            os.path.join(args.build, "plugins", "segmentqueue")])
    daemon_env = dict(env)
    for kv in args.daemon_env:
        k, _, v = kv.partition("=")
        daemon_env[k] = v

    cams = Cameras(test_camera, args.cameras, args, tmp)
    names = [f"cam{i}" for i in range(args.cameras)]
    port, http_port = camera_zoo.free_port(), camera_zoo.free_port()
    mport = camera_zoo.free_port()
    conf = os.path.join(tmp, "soak.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={state}\nworkers={args.workers}\n"
                f"segment-duration={args.segment_duration}\n"
                f"retention-anonymized={args.retention}\n"
                f"metrics-port={mport}\n\n")
        for i, name in enumerate(names):
            f.write(f"[camera:{name}]\nurl={cams.url(i)}\ntransport=tcp\n\n")
        f.write(f"[network:soak]\naddress=127.0.0.1\nport={port}\n"
                f"http-port={http_port}\nauth=none\n")

    print(f"soak: {args.cameras} cameras {args.width}x{args.height} "
          f"{args.fps} fps {args.bitrate} kbit/s, {args.rtsp} RTSP viewers, "
          f"{args.http} page clients{' (keep-alive)' if args.keep_alive else ''}"
          f", {args.chat} chat clients, {args.workers} workers on "
          f"{args.segment_duration} s segments, an outage of {args.outage:g} s"
          f" every {args.camera_restart:g} s; {args.duration / 60:g} min, "
          f"a sample every {args.interval:g} s; daemon env "
          f"{' '.join(args.daemon_env) or '(none)'}"
          f"{'; under ' + args.wrap if args.wrap else ''}; work in {tmp}",
          flush=True)
    for i in range(args.cameras):
        cams.start(i)
    for i in range(args.cameras):
        if not cams.wait_serving(i):
            print(f"error: camera {i} does not serve {cams.url(i)}")
            return 1

    log = open(os.path.join(tmp, "rtsp-blur.log"), "w")
    rb = subprocess.Popen(shlex.split(args.wrap) + [launcher, "--config",
                                                    conf],
                          stdout=log, stderr=subprocess.STDOUT,
                          env=daemon_env)
    threads = []
    rows = []
    out = None
    died = False
    try:
        pid = None
        end = time.monotonic() + 120
        while pid is None and time.monotonic() < end and rb.poll() is None:
            pid = descendant(rb.pid, os.path.basename(launcher))
            time.sleep(0.2)
        live = [f"rtsp://127.0.0.1:{port}/{n}" for n in names]
        while time.monotonic() < end and rb.poll() is None and not all(
                camera_zoo.ffprobe_streams(u, timeout=10) for u in live):
            time.sleep(1)
        if pid is None or time.monotonic() >= end:
            print("error: the daemon serves nothing within 120 s (see "
                  f"{tmp}/rtsp-blur.log)")
            return 1
        t_start = time.monotonic()
        jobs = ([(rtsp_viewer, (live,))] * args.rtsp +
                [(operator_page, ("127.0.0.1", http_port, names,
                                  args.keep_alive))] * args.http +
                [(chat_client, ("127.0.0.1", http_port, f"c{i}"))
                 for i in range(args.chat)] +
                [(status_client, (launcher, conf, env))])
        if args.camera_restart > 0:
            jobs.append((cams.outages, (args.camera_restart, args.outage)))
        for target, a in jobs:
            th = threading.Thread(target=target, args=a, daemon=True)
            th.start()
            threads.append(th)
        if args.csv:
            out = open(args.csv, "w", newline="")
            writer = csv.DictWriter(out, fieldnames=COLUMNS)
            writer.writeheader()
        next_print = 0
        while True:
            t = time.monotonic() - t_start
            try:
                row = {"t_s": round(t, 1)}
                row.update(proc_sample(pid))
            except OSError:
                died = True
                print(f"error: the daemon is gone at {t / 60:.1f} min (see "
                      f"{tmp}/rtsp-blur.log)")
                break
            row.update(metrics_sample(mport, names))
            rows.append(row)
            if out:
                writer.writerow({k: (round(v, 2) if isinstance(v, float)
                                     else v) for k, v in row.items()})
                out.flush()
            if t >= next_print:
                print(f"{t / 60:6.1f} min  RSS {row['rss_mb']:7.1f} MB  "
                      f"anon {row['rss_anon_mb']:7.1f} MB  fds "
                      f"{row['fds']:4d}  threads {row['threads']:3d}  "
                      f"queue {row['queue_pending']}/{row['queue_claimed']}"
                      f"  anonymized {row['segments_anonymized']}",
                      flush=True)
                next_print += 60
            if t >= args.duration:
                break
            time.sleep(max(0.0, t_start + len(rows) * args.interval -
                           time.monotonic()))
    finally:
        STOP.set()
        for th in threads:
            th.join(timeout=15)
        if args.malloc_report and pid is not None and rb.poll() is None:
            malloc_report(pid, os.path.join(tmp, "rtsp-blur.log"))
        if rb.poll() is None:
            target = descendant(rb.pid, os.path.basename(launcher))
            os.kill(target or rb.pid, signal.SIGTERM)
            try:
                rb.wait(timeout=120)
            except subprocess.TimeoutExpired:
                rb.kill()
                rb.wait()
        for i in range(args.cameras):
            cams.stop(i)
        log.close()
        if out:
            out.close()

    print("\nload: " + ", ".join(
        f"{k} {COUNT.get(k)}" for k in (
            "rtsp_sessions", "rtsp_teardowns", "rtsp_frames", "rtsp_errors",
            "page_sessions", "http_requests", "hls_segments", "http_errors",
            "chat_sessions", "chat_sent", "chat_received", "chat_closes",
            "chat_errors", "status_runs", "status_errors", "camera_outages")))
    if rows:
        last = rows[-1]
        print(f"daemon: {last['segments_anonymized']} segments anonymized, "
              f"{last['camera_reconnects']} camera reconnects, exit code "
              f"{rb.returncode}")
    ok = analyze(rows, warmup, args) and not died
    print(f"logs in {tmp}" + (f", samples in {args.csv}" if args.csv else ""))
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
