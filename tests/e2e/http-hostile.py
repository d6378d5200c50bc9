#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile clients against the HTTP listeners, end to end.

rtsp-blur runs with a file descriptor limit of 512 and one camera, a
metrics port and three networks with http-port and idle-timeout=3:
  A  127.0.0.5  digest auth, allow=127.0.0.0/24
  T  127.0.0.6  TLS, basic auth
  O  127.0.0.7  anonymous, max-connections=40, max-connections-per-client=8

  1. 20,000 keep-alive requests to A's http-port (answered 401) and 20,000
     to the metrics port, from clients that close their side after each
     response (libsoup 3.2 left each such connection in CLOSE-WAIT, and the
     daemon died of it), 500 over TLS to T, and curl's own keep-alive:
     rtsp-blur stays up, its open files stay bounded, no CLOSE-WAIT socket
     stays, every request is answered, and the camera goes on recording.
  2. 100 MB bodies (Content-Length and chunked) to /api/cameras, an HLS
     path and /metrics, with and without credentials, from inside and
     outside A's allow list, over TLS too: each is answered at once (401,
     403 or 413) and its connection closed before the body is read; the
     daemon's RSS grows by less than 20 MB while each is sent.
  3. Idle connections and slow headers (a byte every 0.25 s) are closed
     after the header timeout (3 s); the per-address cap refuses the
     extra connections of one address (logged once) while another address
     is served, and the per-network cap the connections over 40; the
     metrics listener's own caps hold too. All counted in the metrics.
"""

import base64
import hashlib
import os
import re
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, wait_for  # noqa: E402,F401
import camera_zoo  # noqa: E402
import rb_metrics  # noqa: E402

LAUNCHER = os.environ["RB_LAUNCHER"]
CAMERA = os.environ["RB_TEST_CAMERA"]
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "280"))
rb_e2e.set_deadline(DEADLINE)
FD_LIMIT = 512
BODY = 100 * 1024 * 1024
REALM = "rtsp-blur A"


def close_wait(port):
    out = subprocess.run(["ss", "-tanH", "state", "close-wait",
                          f"( sport = :{port} )"], capture_output=True,
                         text=True).stdout
    return len([line for line in out.splitlines() if line.strip()])


def read_log(path, limit=32 << 20):
    """The log, or its last @limit bytes (a daemon in trouble may write
    gigabytes)."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - limit))
        return f.read().decode(errors="replace")


def read_response(s):
    """(status, headers text, body) of one response on @s, reading up to
    its Content-Length or the end of the stream."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    if m:
        while len(body) < int(m.group(1)):
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/") else 0
    return status, head.decode(errors="replace"), body


class Sampler:
    """The daemon's open files, sampled every 50 ms in a thread."""

    def __init__(self, pid):
        self.pid, self.worst, self.stop = pid, 0, False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            self.worst = max(self.worst, rb_e2e.open_fds(self.pid))
            time.sleep(0.05)

    def done(self):
        self.stop = True
        self.thread.join()
        return self.worst


def keepalive_flood(host, port, path, n, extra="", tls=False):
    """@n keep-alive requests, one connection each, closed by the client
    after reading the response; returns {status: count}. Stops after 5
    failures in a row (a dead daemon)."""
    req = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
           f"Connection: keep-alive\r\n{extra}\r\n").encode()
    ctx = ssl._create_unverified_context() if tls else None
    counts, fails = {}, 0
    for _ in range(n):
        try:
            s = socket.create_connection((host, port), timeout=5)
            if ctx:
                s = ctx.wrap_socket(s)
            s.sendall(req)
            status = read_response(s)[0]
            s.close()
        except OSError:
            status = 0
        counts[status] = counts.get(status, 0) + 1
        fails = fails + 1 if status == 0 else 0
        if fails >= 5 or time.monotonic() > DEADLINE - 60:
            break
    return counts


def send_body(pid, host, port, path, auth=None, source=None, chunked=False,
              tls=False):
    """Announces a 100 MB body and sends it from a thread while the answer
    is read. Returns (status, seconds to the answer, MB the daemon took
    before the connection closed, MB its RSS grew by meanwhile at most)."""
    rss0 = rb_e2e.rss_mb(pid)
    peak = [rss0]
    done = threading.Event()

    def sample():
        while not done.wait(0.02):
            peak[0] = max(peak[0], rb_e2e.rss_mb(pid))
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    s = socket.socket()
    if source:
        s.bind((source, 0))
    s.settimeout(20)
    s.connect((host, port))
    if tls:
        s = ssl._create_unverified_context().wrap_socket(s)
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
    head += ("Transfer-Encoding: chunked\r\n" if chunked else
             f"Content-Length: {BODY}\r\n")
    if auth:
        head += f"Authorization: {auth}\r\n"
    s.sendall((head + "\r\n").encode())
    sent = [0]
    block = b"x" * 65536
    if chunked:
        block = b"10000\r\n" + block + b"\r\n"

    def feed():
        try:
            while sent[0] < BODY:
                s.sendall(block)
                sent[0] += 65536
        except (OSError, ValueError):
            pass
    t0 = time.monotonic()
    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        status = read_response(s)[0]
    except OSError:
        status = 0
    answered = time.monotonic() - t0
    thread.join(timeout=15)
    s.close()
    time.sleep(0.2)
    done.set()
    sampler.join()
    return status, answered, sent[0] / 1e6, peak[0] - rss0


def digest_auth(host, port, method, path, user, password):
    """An Authorization header for @method @path, from a fresh challenge."""
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n"
                  .encode())
        head = read_response(s)[1]
    chal = re.search(r"(?i)www-authenticate: *digest (.*)", head).group(1)
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', chal))
    ha1 = hashlib.md5(f"{user}:{params['realm']}:{password}".encode()) \
        .hexdigest()
    ha2 = hashlib.md5(f"{method}:{path}".encode()).hexdigest()
    cnonce, nc = "0a4f113b", "00000001"
    resp = hashlib.md5(f"{ha1}:{params['nonce']}:{nc}:{cnonce}:auth:{ha2}"
                       .encode()).hexdigest()
    return (f'Digest username="{user}", realm="{params["realm"]}", '
            f'nonce="{params["nonce"]}", uri="{path}", qop=auth, nc={nc}, '
            f'cnonce="{cnonce}", response="{resp}", algorithm=MD5')


def closed_within(s, seconds, until=None):
    """Seconds until the daemon closed @s (no answer), or None; waits
    @seconds, or until the time.monotonic() @until."""
    t0 = time.monotonic()
    s.settimeout(max(0.01, until - t0) if until else seconds)
    try:
        while True:
            data = s.recv(4096)
            if not data:
                return time.monotonic() - t0
            if data.startswith(b"HTTP/1.1 2"):
                return None     # served: not closed
    except ConnectionResetError:
        return time.monotonic() - t0
    except OSError:
        return None


def idle_from(host, port, source, n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind((source, 0))
        s.connect((host, port))
        socks.append(s)
    return socks


def served(host, port, path="/", source=None, timeout=5):
    """The status of GET @path from @source, 0 when refused."""
    try:
        s = socket.socket()
        if source:
            s.bind((source, 0))
        s.settimeout(timeout)
        s.connect((host, port))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        status = read_response(s)[0]
        s.close()
        return status
    except OSError:
        return 0


def refused(host, port, source):
    """Whether a new connection from @source is closed without being
    served (503 or closed at once)."""
    try:
        s = socket.socket()
        s.bind((source, 0))
        s.settimeout(3)
        s.connect((host, port))
        s.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        status = read_response(s)[0]
        s.close()
        return status in (0, 503)
    except OSError:
        return True


def part_flood(pid, addr, ports, mport, base_fds):
    sampler = Sampler(pid)
    t0 = time.monotonic()
    a = keepalive_flood(addr["A"], ports["A"], "/api/cameras", 20000)
    t1 = time.monotonic()
    m = keepalive_flood("127.0.0.1", mport, "/metrics", 20000)
    t2 = time.monotonic()
    basic = base64.b64encode(b"guard:guard-pw").decode()
    # (not when the daemon already failed: each request would time out)
    alive = a.get(401) == 20000 and m.get(200) == 20000
    t = keepalive_flood(addr["T"], ports["T"], "/api/cameras", 500,
                        f"Authorization: Basic {basic}\r\n",
                        tls=True) if alive else {}
    # curl's own keep-alive, as in the report: 4 x 50 URLs a process
    curl = {}
    urls = [f"http://127.0.0.1:{mport}/metrics",
            f"http://{addr['O']}:{ports['O']}/api/cameras"] if alive else []
    for port_url in urls:
        for _ in range(4):
            try:
                r = subprocess.run(["curl", "-s", "-m", "5", "-w",
                                    "%{http_code}\n"] +
                                   ["-o", "/dev/null", port_url] * 50,
                                   timeout=60, capture_output=True,
                                   text=True)
                codes = r.stdout.split()
            except subprocess.TimeoutExpired:
                codes = []
            for c in codes + ["000"] * (50 - len(codes)):
                curl[c] = curl.get(c, 0) + 1
    worst = sampler.done()
    print(f"  A: {a} in {t1 - t0:.1f} s; metrics: {m} in {t2 - t1:.1f} s; "
          f"T (TLS): {t}", flush=True)
    check(a.get(401) == 20000,
          f"20,000 keep-alive requests to A's http-port are answered "
          f"401 ({a})")
    check(m.get(200) == 20000,
          f"20,000 keep-alive requests to the metrics port are answered "
          f"({m})")
    check(t.get(200) == 500, f"500 over TLS to T are answered ({t})")
    check(curl.get("200") == 400, f"curl's keep-alive: 400 answered ({curl})")
    check(0 < worst < base_fds + 64,
          f"rtsp-blur's open files stay bounded during the flood (at most "
          f"{worst}, {base_fds} before, limit {FD_LIMIT})")
    time.sleep(1)
    waits = {p: close_wait(p) for p in (ports["A"], mport, ports["T"],
                                          ports["O"])}
    check(sum(waits.values()) == 0,
          f"no CLOSE-WAIT socket stays on the listeners ({waits})")
    now = rb_e2e.open_fds(pid)
    check(0 < now <= base_fds + 4,
          f"its open files are back to {now} ({base_fds} before)")
    metrics = rb_metrics.scrape(mport)
    conns = [rb_metrics.value(metrics, "rtsp_blur_network_http_connections",
                              network=n) for n in "ATO"]
    check(conns == [0, 0, 0], f"metrics: no HTTP connection open ({conns})")


def settle(pid, timeout=20):
    """Waits (at most @timeout s) until the daemon's RSS moved by less than
    2 MB in a second: the start's growth is not counted to a body."""
    end = time.monotonic() + timeout
    last = rb_e2e.rss_mb(pid)
    while time.monotonic() < end:
        time.sleep(1)
        now = rb_e2e.rss_mb(pid)
        if abs(now - last) < 2:
            return
        last = now


def part_bodies(pid, addr, ports, mport):
    host, port = addr["A"], ports["A"]
    settle(pid)
    basic = "Basic " + base64.b64encode(b"guard:guard-pw").decode()
    results = [
        ("/api/cameras without credentials", 401,
         lambda: send_body(pid, host, port, "/api/cameras")),
        ("an HLS path without credentials", 401,
         lambda: send_body(pid, host, port, "/hls/cam/index.m3u8")),
        ("a chunked body without credentials", 401,
         lambda: send_body(pid, host, port, "/api/cameras", chunked=True)),
        ("/api/cameras from outside allow", 403,
         lambda: send_body(pid, host, port, "/api/cameras",
                           source="127.0.1.1")),
        ("/api/cameras with valid credentials", 413,
         lambda: send_body(pid, host, port, "/api/cameras", auth=digest_auth(
             host, port, "POST", "/api/cameras", "alice", "alice-pw"))),
        ("an HLS path with valid credentials", 413,
         lambda: send_body(pid, host, port, "/hls/cam/index.m3u8",
                           auth=digest_auth(host, port, "POST",
                                            "/hls/cam/index.m3u8", "alice",
                                            "alice-pw"))),
        ("/metrics", 413, lambda: send_body(pid, "127.0.0.1", mport,
                                            "/metrics")),
        ("TLS: /api/cameras without credentials", 401,
         lambda: send_body(pid, addr["T"], ports["T"], "/api/cameras",
                           tls=True)),
        ("TLS: /api/cameras with valid credentials", 413,
         lambda: send_body(pid, addr["T"], ports["T"], "/api/cameras",
                           tls=True, auth=basic)),
    ]
    for what, want, run in results:
        status, answered, taken, grew = run()
        check(status == want and answered < 3 and taken < 50 and grew < 20,
              f"100 MB body to {what}: {status} (want {want}) after "
              f"{answered:.2f} s, connection closed after {taken:.1f} MB, "
              f"RSS grew by {grew:.1f} MB meanwhile")
    metrics = rb_metrics.scrape(mport)
    n = sum(rb_metrics.value(metrics, "rtsp_blur_network_http_refused_"
                             "bodies_total", network=k) or 0 for k in "AT")
    check(n == len(results) - 1,
          f"metrics: {n} bodies refused on the networks")


def part_timeouts(pid, addr, ports, mport, log_path):
    host, port = addr["O"], ports["O"]
    # a silent connection and slow headers: closed by the header timeout
    silent = socket.create_connection((host, port))
    slow = socket.create_connection((host, port))
    slow.sendall(b"GET / HTTP/1.1\r\n")
    t0 = time.monotonic()
    slow_closed = None
    for ch in b"Host: x\r\nX-Slow: " + b"a" * 100:
        try:
            slow.send(bytes([ch]))
            slow.settimeout(0.25)
            if slow.recv(4096) == b"":
                slow_closed = time.monotonic() - t0
                break
        except socket.timeout:
            continue
        except OSError:
            slow_closed = time.monotonic() - t0
            break
    silent_closed = closed_within(silent, 8)
    check(slow_closed is not None and 2 < slow_closed < 6,
          f"slow headers (a byte every 0.25 s) are closed after the header "
          f"timeout of 3 s ({slow_closed and round(slow_closed, 1)} s)")
    check(silent_closed is not None and
          time.monotonic() - t0 < 7,
          f"a silent connection is closed by the header timeout "
          f"({time.monotonic() - t0:.1f} s)")
    silent.close()
    slow.close()
    # a connection counts until its socket is gone (its file descriptor
    # with it), which may be a moment after it was closed
    check(wait_for(lambda: rb_metrics.value(
        rb_metrics.scrape(mport), "rtsp_blur_network_http_connections",
        network="O") == 0, 5), "the closed connections no longer count")

    # the caps: 8 per address, 40 in all
    idle = idle_from(host, port, "127.0.0.1", 8)
    time.sleep(0.3)
    over = [refused(host, port, "127.0.0.1") for _ in range(3)]
    other = served(host, port, source="127.0.0.2")
    check(all(over), f"the per-address cap refuses a 9th connection from "
          f"127.0.0.1 ({over})")
    check(other == 200, f"127.0.0.2 is served meanwhile ({other})")
    for k in range(3, 7):
        idle += idle_from(host, port, f"127.0.0.{k}", 8)
    time.sleep(0.3)
    check(refused(host, port, "127.0.0.7"),
          "the per-network cap refuses a 41st connection")
    text = read_log(log_path)
    check(text.count("network O: refusing HTTP connections from 127.0.0.1: "
                     "max-connections-per-client reached") == 1,
          "the per-address refusal is logged once")
    check("network O: refusing HTTP connections from 127.0.0.7: "
          "max-connections reached" in text,
          "the per-network refusal is logged")
    # they are closed by the header timeout; then 127.0.0.1 is served
    until = time.monotonic() + 8
    closed = [closed_within(s, 8, until) for s in idle]
    check(all(c is not None for c in closed),
          "the idle connections are closed by the header timeout")
    for s in idle:
        s.close()
    check(wait_for(lambda: served(host, port, source="127.0.0.1") == 200, 5),
          "127.0.0.1 is served again")

    # the metrics listener: 8 per address (header timeout 10 s)
    idle = idle_from("127.0.0.1", mport, "127.0.0.9", 8)
    time.sleep(0.3)
    check(refused("127.0.0.1", mport, "127.0.0.9"),
          "the metrics listener refuses a 9th connection from 127.0.0.9")
    metrics = rb_metrics.scrape(mport)
    check(metrics is not None, "and still answers 127.0.0.1")
    until = time.monotonic() + 13
    closed = [closed_within(s, 13, until) for s in idle]
    check(all(c is not None for c in closed),
          "the metrics listener closes idle connections after 10 s")
    for s in idle:
        s.close()

    metrics = rb_metrics.scrape(mport)
    v = {k: rb_metrics.value(metrics, k, network="O") for k in (
        "rtsp_blur_network_http_refused_connections_total",)}
    header = rb_metrics.value(metrics, "rtsp_blur_network_http_timeouts_"
                              "total", network="O", kind="header")
    m_refused = rb_metrics.value(
        metrics, "rtsp_blur_metrics_http_refused_connections_total")
    m_header = rb_metrics.value(metrics, "rtsp_blur_metrics_http_timeouts_"
                                "total", kind="header")
    check((v["rtsp_blur_network_http_refused_connections_total"] or 0) >= 4
          and (header or 0) >= 42 and (m_refused or 0) >= 1 and
          (m_header or 0) >= 8,
          f"metrics: refusals {v}, header timeouts {header}; metrics "
          f"listener: {m_refused} refused, {m_header} header timeouts")


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 4096),
                                                max(hard, 4096)))
    tmp = tempfile.mkdtemp(prefix="rb-http-hostile-test-")
    state = os.path.join(tmp, "state")
    addr = {"A": "127.0.0.5", "T": "127.0.0.6", "O": "127.0.0.7"}
    ports = {k: camera_zoo.free_port(a) for k, a in addr.items()}
    rtsp = {k: camera_zoo.free_port(a) for k, a in addr.items()}
    cam_port = camera_zoo.free_port()
    mport = camera_zoo.free_port()
    users_a = os.path.join(tmp, "users-A")
    users_t = os.path.join(tmp, "users-T")
    for path, realm, user, pw in ((users_a, REALM, "alice", "alice-pw"),
                                  (users_t, "rtsp-blur T", "guard",
                                   "guard-pw")):
        ha1 = hashlib.md5(f"{user}:{realm}:{pw}".encode()).hexdigest()
        with open(path, "w") as f:
            f.write(f"{user}:{realm}:{ha1}\n")
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.6", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    camera = subprocess.Popen(
        [CAMERA, "--port", str(cam_port), "--mount", "/cam", "--loop",
         "--width", "320", "--height", "240", "--fps", "15"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conf = os.path.join(tmp, "http-hostile.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={state}\nworkers=0\n"
                f"metrics-port={mport}\n\n"
                f"[camera:cam]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n\n"
                f"[network:A]\naddress={addr['A']}\nport={rtsp['A']}\n"
                f"http-port={ports['A']}\nidle-timeout=3\n"
                f"users={users_a}\nallow=127.0.0.0/24\n\n"
                f"[network:T]\naddress={addr['T']}\nport={rtsp['T']}\n"
                f"http-port={ports['T']}\nidle-timeout=3\n"
                f"users={users_t}\nauth=basic\ntls-certificate={cert}\n"
                f"tls-key={key}\n\n"
                f"[network:O]\naddress={addr['O']}\nport={rtsp['O']}\n"
                f"http-port={ports['O']}\nidle-timeout=3\nauth=none\n"
                "max-connections=40\nmax-connections-per-client=8\n")
    log_path = os.path.join(tmp, "rtsp-blur.log")
    log = open(log_path, "w")
    rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                          stderr=subprocess.STDOUT, preexec_fn=rb_e2e.fd_limit(FD_LIMIT))
    code = None
    try:
        check(wait_for(lambda: served(addr["O"], ports["O"]) == 200 and
                       rb_metrics.value(rb_metrics.scrape(mport),
                                        "rtsp_blur_camera_recording",
                                        camera="cam") == 1, 40),
              "rtsp-blur serves HTTP and records the camera")
        frames = rb_metrics.value(rb_metrics.scrape(mport),
                                  "rtsp_blur_camera_frames_received_total",
                                  camera="cam")

        # the flood last: a listener without bounds does not survive it,
        # and the bodies and slow clients are checked first
        part_bodies(rb.pid, addr, ports, mport)
        check(rb.poll() is None, "rtsp-blur survives the bodies")
        part_timeouts(rb.pid, addr, ports, mport, log_path)
        check(rb.poll() is None, "rtsp-blur survives the slow clients")
        base_fds = rb_e2e.open_fds(rb.pid)
        part_flood(rb.pid, addr, ports, mport, base_fds)

        check(rb.poll() is None, "rtsp-blur is still running")
        m = rb_metrics.scrape(mport)
        later = rb_metrics.value(m, "rtsp_blur_camera_frames_received_total",
                                 camera="cam")
        check(rb_metrics.value(m, "rtsp_blur_camera_recording",
                               camera="cam") == 1 and frames is not None and
              later is not None and later > frames + 100,
              f"the camera keeps recording ({frames} -> {later} frames)")
        text = read_log(log_path)
        check("stopped sending" not in text and
              "Too many open files" not in text,
              "the camera is not disturbed and no file descriptor ran out")
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
    if failures:
        print(read_log(log_path, 3000))
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
