#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Digest replay, end to end, with real peers on loopback.

rtsp-blur serves two cameras (lobby, gate: one rb-test-camera) on one
network with digest users, over RTSP (tcp+udp) and HTTP. Then:
  - ffprobe (digest with qop), GStreamer's rtspsrc (without qop) and
    curl --digest still get in; a wrong password gets 401; the same over
    RTSP tunnelled in HTTP (ffprobe -rtsp_transport http);
  - HTTP: the Authorization header curl sent (captured from curl -v) is
    refused when sent again; a nonce first used past its lifetime (60 s)
    gets 401 with stale=true, and the nonce of that answer works;
  - RTSP: the DESCRIBE headers rtspsrc and ffprobe sent (captured by a
    logging TCP proxy between them and rtsp-blur) are refused on a new
    connection; on one connection, a header computed for lobby is refused
    for gate, and a qop header is refused the second time;
  - long sessions: an ffmpeg viewer (95 s) and an rtspsrc viewer (114 s from its PLAY)
    over UDP, through logging proxies, get every keep-alive (GET_PARAMETER,
    also once their nonce is past its lifetime) and their TEARDOWN
    answered 200 at the first try (a TEARDOWN the client closed before its
    answer came may go unanswered, never refused).
Everything above but the long sessions fails with stateless nonces and no
nc or uri check (as libsoup's own digest authentication, which keeps no
nonce).
"""

import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, free_port, wait_for  # noqa: E402,F401

LAUNCHER = os.environ.get("RB_LAUNCHER")
CAMERA = os.environ.get("RB_TEST_CAMERA")
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "300"))
rb_e2e.set_deadline(DEADLINE)
HOST = "127.0.0.1"
REALM = "rtsp-blur A"
USER, PASSWORD = "alice", "alice-pw"
LIFETIME = 60           # RB_DIGEST_NONCE_LIFETIME_S
# below the ephemeral port range (32768-60999)
UDP_MIN, UDP_MAX = 23880, 23899


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def param(challenge, name):
    m = re.search(name + r'="?([^",]*)"?', challenge)
    return m.group(1) if m else None


def digest(nonce, method, uri, nc=None, user=USER, password=PASSWORD):
    """An Authorization value; @nc None: without qop."""
    ha1 = md5(f"{user}:{REALM}:{password}")
    ha2 = md5(f"{method}:{uri}")
    head = (f'Digest username="{user}", realm="{REALM}", nonce="{nonce}", '
            f'uri="{uri}"')
    if nc is None:
        return f'{head}, response="{md5(f"{ha1}:{nonce}:{ha2}")}"'
    ncs, cnonce = f"{nc:08x}", "e2e0c0de"
    resp = md5(f"{ha1}:{nonce}:{ncs}:{cnonce}:auth:{ha2}")
    return (f'{head}, response="{resp}", qop=auth, nc={ncs}, '
            f'cnonce="{cnonce}", algorithm=MD5')


class Conn:
    """One RTSP or HTTP/1.1 connection, requests answered in turn."""

    def __init__(self, port):
        self.sock = socket.create_connection((HOST, port), timeout=10)
        self.buf = b""
        self.cseq = 0

    def close(self):
        self.sock.close()

    def _read_message(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the server")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        head = head.decode(errors="replace")
        m = re.search(r"^Content-Length:\s*(\d+)", head, re.I | re.M)
        n = int(m.group(1)) if m else 0
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buf += chunk
        body, self.buf = self.buf[:n], self.buf[n:]
        status = int(head.split(" ")[1])
        headers = {}
        for line in head.split("\r\n")[1:]:
            k, _, v = line.partition(":")
            headers.setdefault(k.strip().lower(), v.strip())
        return status, headers, body

    def rtsp(self, method, uri, authorization=None):
        self.cseq += 1
        extra = f"Authorization: {authorization}\r\n" if authorization else ""
        self.sock.sendall(f"{method} {uri} RTSP/1.0\r\nCSeq: {self.cseq}\r\n"
                          f"{extra}\r\n".encode())
        return self._read_message()

    def http(self, path, authorization=None):
        extra = f"Authorization: {authorization}\r\n" if authorization else ""
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n{extra}"
                          "\r\n".encode())
        return self._read_message()


def once(port, kind, *args):
    """A request on a connection of its own: (status, headers, body)."""
    c = Conn(port)
    try:
        return getattr(c, kind)(*args)
    finally:
        c.close()


class Proxy:
    """A TCP proxy to rtsp-blur's RTSP port that records the RTSP messages
    both ways: (monotonic time, 'C'|'S', first line, headers)."""

    MSG = re.compile(
        rb"((?:OPTIONS|GET_PARAMETER|SET_PARAMETER|DESCRIBE|SETUP|PLAY|"
        rb"PAUSE|TEARDOWN) \S+ RTSP/1\.0|RTSP/1\.0 \d{3}[^\r\n]*)\r\n(.*?)"
        rb"\r\n\r\n", re.S)

    def __init__(self, target_port):
        self.target = target_port
        self.messages = []
        self.lock = threading.Lock()
        self.server = socket.socket()
        self.server.bind((HOST, 0))
        self.server.listen(8)
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.server.accept()
            except OSError:
                return
            u = socket.create_connection((HOST, self.target))
            for a, b, tag in ((c, u, "C"), (u, c, "S")):
                threading.Thread(target=self._pump, args=(a, b, tag),
                                 daemon=True).start()

    def _pump(self, a, b, tag):
        while True:
            try:
                data = a.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            for m in self.MSG.finditer(data):
                headers = {}
                for line in m.group(2).decode(errors="replace").split("\r\n"):
                    k, _, v = line.partition(":")
                    headers.setdefault(k.strip().lower(), v.strip())
                with self.lock:
                    self.messages.append((time.monotonic(), tag,
                                          m.group(1).decode(), headers))
            try:
                b.sendall(data)
            except OSError:
                break
        # half-close: the answer to a last request (TEARDOWN) still comes
        try:
            b.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self):
        self.server.close()

    def exchanges(self):
        """[(time, request line, its headers, status of the answer)]: each
        request with the status of the next answer."""
        out, pending = [], []
        with self.lock:
            msgs = list(self.messages)
        for t, tag, line, headers in msgs:
            if tag == "C":
                pending.append([t, line, headers, None])
                out.append(pending[-1])
            elif pending:
                pending.pop(0)[3] = int(line.split(" ")[1])
        return out


def rtspsrc_cmd(url, transport="tcp", *extra):
    return ["gst-launch-1.0", *extra, "rtspsrc", f"location={url}",
            f"user-id={USER}", f"user-pw={PASSWORD}", f"protocols={transport}",
            "timeout=10000000", "!", "fakesink", "sync=false"]


def rtspsrc_reads(url):
    """Whether rtspsrc gets 30 buffers from @url."""
    cmd = rtspsrc_cmd(url)
    cmd[-1:] = ["sync=false", "num-buffers=30"]
    for _ in range(2):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True,
                                 timeout=40)
        except subprocess.TimeoutExpired:
            continue
        if out.returncode == 0 or "Got EOS from element" in out.stdout:
            return True
        print(f"rtspsrc: {out.stdout[-400:]} {out.stderr[-400:]}")
    return False


def ffprobe(url, timeout=25, transport="tcp"):
    try:
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-rw_timeout", "8000000",
             "-rtsp_transport", transport, "-show_entries",
             "stream=codec_name",
             "-of", "csv=p=0", url], capture_output=True, text=True,
            timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, "", "timeout"
    return out.returncode, out.stdout.strip(), out.stderr


def captured(proxy, method):
    """The first Authorization a client sent with @method through @proxy,
    with its request-URI."""
    for _, line, headers, status in proxy.exchanges():
        if line.startswith(method + " ") and "authorization" in headers \
                and status == 200:
            return line.split(" ")[1], headers["authorization"]
    return None, None


def session_report(name, proxy, started):
    """Checks that every request of a long session after its PLAY was
    answered 200 at once, with a keep-alive past the nonce's lifetime."""
    ex = proxy.exchanges()
    play = [i for i, e in enumerate(ex) if e[1].startswith("PLAY ")]
    after = ex[play[0] + 1:] if play else []
    lines = [f"{e[0] - started:.1f}s {e[1].split(' ')[0]} -> {e[3]}"
             for e in after]
    print(f"{name}: {', '.join(lines)}")
    nonce_at = next((e[0] for e in ex if "authorization" in e[2]), None)
    late = [e for e in after if e[1].startswith("GET_PARAMETER ")
            and nonce_at and e[0] - nonce_at > LIFETIME]
    check(play and ex[play[0]][3] == 200, f"{name}: PLAY answered 200")
    check(len(late) > 0, f"{name}: sent a keep-alive more than {LIFETIME} s "
          "after its nonce was issued")
    # a client may close before the answer to its TEARDOWN (rtspsrc waits
    # 100 ms at most): unanswered then, but never refused
    check(after and all(e[3] == 200 or (e[3] is None and e is after[-1]
                                        and e[1].startswith("TEARDOWN "))
                        for e in after),
          f"{name}: every keep-alive and the TEARDOWN answered 200 at the "
          "first try")
    check(any(e[1].startswith("TEARDOWN ") for e in after),
          f"{name}: sent its TEARDOWN")


def main():
    if not LAUNCHER or not CAMERA:
        check(False, "RB_LAUNCHER and RB_TEST_CAMERA are set")
        return 1
    tmp = tempfile.mkdtemp(prefix="rb-digest-")
    users = os.path.join(tmp, "users.htdigest")
    with open(users, "w") as f:
        f.write(f"{USER}:{REALM}:{md5(f'{USER}:{REALM}:{PASSWORD}')}\n")
    cam_port, port, http_port, metrics_port = (free_port() for _ in range(4))
    conf = os.path.join(tmp, "digest.conf")
    with open(conf, "w") as f:
        f.write(f"""[rtsp-blur]
state-dir={tmp}/state
workers=0
metrics-port={metrics_port}
live-bitrate=300

[camera:lobby]
url=rtsp://{HOST}:{cam_port}/cam
transport=tcp
latency=100

[camera:gate]
url=rtsp://{HOST}:{cam_port}/cam
transport=tcp
latency=100

[network:A]
address={HOST}
port={port}
users={users}
http-port={http_port}
rtsp-transport=tcp+udp
udp-ports={UDP_MIN}-{UDP_MAX}
""")
    log_path = os.path.join(tmp, "rtsp-blur.log")
    log = open(log_path, "w")
    camera = subprocess.Popen(
        [CAMERA, "--port", str(cam_port), "--mount", "/cam", "--loop",
         "--width", "320", "--height", "240", "--fps", "15",
         "--bitrate", "300"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                          stderr=subprocess.STDOUT)
    base = f"rtsp://{HOST}:{port}"
    lobby, gate = f"{base}/lobby", f"{base}/gate"
    long_procs, proxies = [], []
    try:
        ok = wait_for(lambda: ffprobe(f"rtsp://{USER}:{PASSWORD}@{HOST}:"
                                      f"{port}/lobby")[1] == "h264", 60, 1)
        check(ok, "ffprobe (digest with qop) reads lobby")
        if not ok:
            return 1
        # RTSP tunnelled in HTTP (a GET and a POST paired by their
        # x-sessioncookie, gst-rtsp-server's own), for viewers behind
        # HTTP-only proxies: the same digest users
        code, out, err = ffprobe(f"rtsp://{USER}:{PASSWORD}@{HOST}:{port}"
                                 "/lobby", transport="http")
        check(code == 0 and out == "h264",
              f"ffprobe over the HTTP tunnel reads lobby ({code} {out} "
              f"{err.strip()[-200:]})")
        code, out, err = ffprobe(f"rtsp://{USER}:wrong@{HOST}:{port}/lobby",
                                 transport="http")
        check(code != 0 and "401" in err,
              f"over the HTTP tunnel a wrong password gets 401 ({code} "
              f"{err.strip()[-200:]})")

        # a nonce to use past its lifetime, and one to use now on another
        # connection
        status, h, _ = once(http_port, "http", "/api/cameras")
        old_nonce, old_at = param(h.get("www-authenticate", ""), "nonce"), \
            time.monotonic()
        check(status == 401 and h.get("www-authenticate", "").startswith(
            "Digest ") and "stale" not in h["www-authenticate"],
            f"HTTP without credentials: 401 with a digest challenge ({h})")
        _, h, _ = once(http_port, "http", "/api/cameras")
        fresh = param(h.get("www-authenticate", ""), "nonce")
        status, _, body = once(http_port, "http", "/api/cameras",
                               digest(fresh, "GET", "/api/cameras", 1))
        check(status == 200 and b'"user":"alice"' in body,
              f"HTTP: a fresh nonce with qop works on another connection "
              f"({status})")

        # long sessions over UDP, through logging proxies
        p_ff, p_gst = Proxy(port), Proxy(port)
        proxies += [p_ff, p_gst]
        started = time.monotonic()
        ff_long = subprocess.Popen(
            ["ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "udp",
             "-i", f"rtsp://{USER}:{PASSWORD}@{HOST}:{p_ff.port}/lobby",
             "-t", "95", "-c", "copy", "-f", "null", "-progress", "pipe:1",
             "-"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True)
        gst_long = subprocess.Popen(
            rtspsrc_cmd(f"rtsp://{HOST}:{p_gst.port}/gate", "udp", "-e"),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        long_procs += [ff_long, gst_long]
        ff_progress = []        # (monotonic time, frames)

        def read_progress():
            for line in ff_long.stdout:
                if line.startswith("frame="):
                    ff_progress.append((time.monotonic(),
                                        int(line.split("=")[1])))
        reader = threading.Thread(target=read_progress, daemon=True)
        reader.start()

        # ---- HTTP
        out = subprocess.run(
            ["curl", "-sS", "-v", "--digest", "-u", f"{USER}:{PASSWORD}",
             f"http://{HOST}:{http_port}/api/cameras"],
            capture_output=True, text=True, timeout=20)
        m = re.search(r"^> Authorization: (Digest .*?)\r?$", out.stderr, re.M)
        check(out.returncode == 0 and '"user":"alice"' in out.stdout and m,
              "curl --digest gets /api/cameras as alice")
        if m:
            replay = subprocess.run(
                ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                 "-H", f"Authorization: {m.group(1)}",
                 f"http://{HOST}:{http_port}/api/cameras"],
                capture_output=True, text=True, timeout=20).stdout
            check(replay == "401", "HTTP: the header curl sent, sent again, "
                  f"is refused ({replay})")
        _, h, _ = once(http_port, "http", "/api/cameras")
        n = param(h.get("www-authenticate", ""), "nonce")
        c = Conn(http_port)
        status, _, _ = c.http("/api/cameras",
                              digest(n, "GET", "/hls/lobby/index.m3u8", 1))
        check(status == 401, f"HTTP: a header computed for another path is "
              f"refused ({status})")
        c.close()
        out = subprocess.run(
            ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
             "--digest", "-u", f"{USER}:wrong",
             f"http://{HOST}:{http_port}/api/cameras"],
            capture_output=True, text=True, timeout=20).stdout
        check(out == "401", f"HTTP: a wrong password gets 401 ({out})")

        # ---- RTSP: real clients, their headers captured and replayed
        p_cap = Proxy(port)
        proxies.append(p_cap)
        check(rtspsrc_reads(f"rtsp://{HOST}:{p_cap.port}/lobby"),
              "rtspsrc (digest without qop) reads lobby")
        uri, auth = captured(p_cap, "DESCRIBE")
        check(auth is not None and "qop" not in auth,
              f"rtspsrc's DESCRIBE header captured, without qop ({auth})")
        if auth:
            status, _, _ = once(port, "rtsp", "DESCRIBE", uri, auth)
            check(status == 401, "RTSP: rtspsrc's header replayed on a new "
                  f"connection is refused ({status})")
            status, _, _ = once(port, "rtsp", "DESCRIBE",
                                uri.replace("/lobby", "/gate"), auth)
            check(status == 401, "RTSP: rtspsrc's header for lobby, replayed "
                  f"for gate, is refused ({status})")
        p_cap2 = Proxy(port)
        proxies.append(p_cap2)
        rc, out, err = ffprobe(f"rtsp://{USER}:{PASSWORD}@{HOST}:"
                               f"{p_cap2.port}/lobby")
        check(out == "h264", "ffprobe reads lobby through the proxy")
        uri, auth = captured(p_cap2, "DESCRIBE")
        check(auth is not None and "nc=" in auth,
              f"ffprobe's DESCRIBE header captured, with qop ({auth})")
        if auth:
            status, _, _ = once(port, "rtsp", "DESCRIBE", uri, auth)
            check(status == 401, "RTSP: ffprobe's header replayed on a new "
                  f"connection is refused ({status})")

        # ---- RTSP: one connection, headers computed with the password
        c = Conn(port)
        status, h, _ = c.rtsp("DESCRIBE", lobby)
        n = param(h.get("www-authenticate", ""), "nonce")
        check(status == 401 and n, f"RTSP: 401 with a nonce ({status})")
        for label, nc in (("without qop", None), ("with qop", 1)):
            a = digest(n, "DESCRIBE", lobby, nc)
            status, _, _ = c.rtsp("DESCRIBE", gate, a)
            check(status == 401, f"RTSP: a header for lobby {label} is "
                  f"refused for gate ({status})")
            status, _, _ = c.rtsp("DESCRIBE", lobby, a)
            check(status == 200, f"RTSP: the same header {label} is "
                  f"accepted for lobby ({status})")
        status, _, _ = c.rtsp("DESCRIBE", lobby, digest(n, "DESCRIBE", lobby,
                                                        1))
        check(status == 401, f"RTSP: the qop header (nc 1) sent a second "
              f"time on its connection is refused ({status})")
        status, _, _ = c.rtsp("DESCRIBE", lobby, digest(n, "DESCRIBE", lobby,
                                                        2))
        check(status == 200, f"RTSP: nc 2 is accepted ({status})")
        c.close()
        rc, _, err = ffprobe(f"rtsp://{USER}:wrong@{HOST}:{port}/lobby")
        check(rc != 0 and "401" in err, "RTSP: a wrong password gets 401")

        # ---- a nonce first used past its lifetime
        wait = old_at + LIFETIME + 1 - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        c = Conn(http_port)
        status, h, _ = c.http("/api/cameras",
                              digest(old_nonce, "GET", "/api/cameras", 1))
        challenge = h.get("www-authenticate", "")
        check(status == 401 and "stale=true" in challenge,
              f"HTTP: a nonce used {LIFETIME} s after its challenge gets 401 "
              f"stale=true ({status} {challenge})")
        c.close()
        # one request per HTTP connection (rb-http-listener): the new nonce
        # (with qop) is used on the next connection
        c = Conn(http_port)
        status, _, _ = c.http("/api/cameras", digest(
            param(challenge, "nonce"), "GET", "/api/cameras", 1))
        check(status == 200, f"HTTP: the new nonce of that answer works "
              f"({status})")
        c.close()

        # ---- the long sessions end
        ff_long.wait(timeout=60)
        reader.join(timeout=10)
        # rtspsrc's keep-alives come 55 s apart from its PLAY: stop after
        # the second one
        plays = [e[0] for e in p_gst.exchanges() if e[1].startswith("PLAY ")]
        remaining = (plays[0] if plays else started) + 114 - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
        gst_long.send_signal(signal.SIGINT)
        try:
            gst_out = gst_long.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            gst_long.kill()
            gst_out = gst_long.communicate()[0]
        end_t, end_n = ff_progress[-1] if ff_progress else (0, 0)
        before = [n for t, n in ff_progress if t <= end_t - 20]
        check(before and end_n > before[-1],
              f"ffmpeg's long session kept playing to its end ({end_n} "
              f"frames, {before[-1] if before else 0} 20 s before the end)")
        check("Got EOS from element" in gst_out or gst_long.returncode == 0,
              f"rtspsrc's long session ended cleanly ({gst_out[-300:]})")
        session_report("ffmpeg (qop, UDP)", p_ff, started)
        session_report("rtspsrc (no qop, UDP)", p_gst, started)

        text = open(log_path).read()
        check(PASSWORD not in text and md5(f"{USER}:{REALM}:{PASSWORD}")
              not in text, "no password or hash in the log")
        check(rb.poll() is None, "rtsp-blur still runs")
    finally:
        for p in long_procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for p in proxies:
            p.close()
        for p in (rb, camera):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        log.close()
        if failures:
            print(open(log_path).read()[-3000:])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
