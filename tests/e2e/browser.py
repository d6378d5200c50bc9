#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Browsers on networks A and B, end to end.

rtsp-blur runs with two networks, each with http-port and its own htdigest
users file: A may see camera cam1, B camera cam2. Each network's address is
the host side of a veth pair whose other end is in a network namespace the
test creates (rbwebA, rbwebB); Debian's Chromium, headless and driven by
playwright-core (browser-driver.mjs), runs inside the namespaces with
`ip netns exec` (on loopback addresses when namespaces cannot be made, as
non-root). Checks:
  - without credentials the page answers 401 (a digest challenge);
  - with them (digest), the page lists only cam1, cam2's HLS URL answers
    404, and cam1 plays: the video's currentTime advances and a frame drawn
    to a canvas is not blank (time to first frame printed);
  - the grid plays cam1's sub-stream (substream=160x120 of a 320x240
    camera); a click on its tile plays its main stream (320x240), a second
    click the sub-stream again;
  - a chat message sent on A reaches a second session on A, with the user
    name, and not a session on B (B's listener, B's room);
  - it is kept in state-dir/chat/A.jsonl and shown again after a restart
    of the daemon;
  - a third network C with TLS and basic auth: https only, 401 without
    credentials, 200 with them; its chat WebSocket opens from the page's
    own origin and is closed (1008) for a foreign one;
  - with chat-join-networks=true, B's session receives A's message;
  - a camera that goes away is reported reconnecting, then offline;
  - --check-config loads the users files: a missing one fails with exit 78
    and a message naming file, group and key.
A screenshot of the page is saved as operator-page.png in the build
directory (RB_E2E_OUT).
"""

import base64
import hashlib
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures  # noqa: E402,F401
import camera_zoo  # noqa: E402

LAUNCHER = os.environ["RB_LAUNCHER"]
CAMERA = os.environ["RB_TEST_CAMERA"]
HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "browser-driver.mjs")
OUT = os.environ.get("RB_E2E_OUT", tempfile.gettempdir())
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "400"))
NS = {"A": ("rbwebA", "rbwebA0", "rbwebA1", "10.77.81.1", "10.77.81.2"),
      "B": ("rbwebB", "rbwebB0", "rbwebB1", "10.77.82.1", "10.77.82.2")}


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def netns_teardown():
    for ns, host_if, _, _, _ in NS.values():
        run("ip", "netns", "del", ns)
        run("ip", "link", "del", host_if)


def netns_setup():
    """Creates the namespaces; returns False when that is not possible."""
    netns_teardown()
    for ns, host_if, ns_if, host_ip, ns_ip in NS.values():
        steps = [["ip", "netns", "add", ns],
                 ["ip", "link", "add", host_if, "type", "veth", "peer",
                  "name", ns_if],
                 ["ip", "link", "set", ns_if, "netns", ns],
                 ["ip", "addr", "add", f"{host_ip}/24", "dev", host_if],
                 ["ip", "link", "set", host_if, "up"],
                 ["ip", "-n", ns, "addr", "add", f"{ns_ip}/24", "dev", ns_if],
                 ["ip", "-n", ns, "link", "set", ns_if, "up"],
                 ["ip", "-n", ns, "link", "set", "lo", "up"]]
        for s in steps:
            r = run(*s)
            if r.returncode != 0:
                print(f"network namespaces unavailable ({' '.join(s)}: "
                      f"{r.stderr.strip()}); using loopback addresses")
                netns_teardown()
                return False
    return True


def htdigest(user, realm, password):
    ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()
    return f"{user}:{realm}:{ha1}\n"


class Driver:
    """One browser-driver.mjs process, in namespace @ns (or not)."""

    def __init__(self, ns, opts):
        cmd = ["node", DRIVER, json.dumps(opts)]
        if ns:
            cmd = ["ip", "netns", "exec", ns] + cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.ready = threading.Event()
        self.result = None
        self.lines = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith("READY"):
                self.ready.set()
            elif line.startswith("RESULT "):
                self.result = json.loads(line[7:])
        self.ready.set()

    def wait(self, timeout):
        try:
            self.proc.wait(timeout=max(1, min(timeout,
                                              DEADLINE - time.monotonic())))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.thread.join(timeout=5)
        if self.result is None or "error" in self.result:
            print("driver output:\n" + "".join(self.lines[-30:]))
        return self.result or {}


def get(url, user=None, password=None, digest=True, context=None):
    """(status, headers, body) of a GET, with digest or basic auth."""
    handlers = []
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    headers = {}
    if user is not None and digest:
        mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        mgr.add_password(None, url, user, password)
        handlers.append(urllib.request.HTTPDigestAuthHandler(mgr))
    elif user is not None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["Authorization"] = "Basic " + token
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(urllib.request.Request(url, headers=headers),
                         timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
    except OSError as e:
        return None, {}, str(e).encode()


def ws_first_frame(host, port, origin, auth, context):
    """Opens wss://host:port/chat with @origin and a basic @auth header;
    returns (status line, opcode, payload) of the first frame, or None."""
    import socket
    raw = socket.create_connection((host, port), timeout=10)
    sock = context.wrap_socket(raw, server_hostname=host)
    key = base64.b64encode(os.urandom(16)).decode()
    token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    sock.sendall((f"GET /chat HTTP/1.1\r\nHost: {host}:{port}\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                  f"Origin: {origin}\r\nAuthorization: Basic {token}\r\n\r\n")
                 .encode())
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            data += sock.recv(4096)
        head, rest = data.split(b"\r\n\r\n", 1)
        while len(rest) < 2:
            rest += sock.recv(4096)
        opcode, n = rest[0] & 0x0F, rest[1] & 0x7F
        off = 2
        if n == 126:
            while len(rest) < 4:
                rest += sock.recv(4096)
            n, off = int.from_bytes(rest[2:4], "big"), 4
        while len(rest) < off + n:
            rest += sock.recv(4096)
        return head.split(b"\r\n")[0].decode(), opcode, rest[off:off + n]
    except OSError:
        return None
    finally:
        sock.close()


class Daemon:
    def __init__(self, conf, log_path):
        self.conf = conf
        self.log_path = log_path
        self.proc = None

    def start(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen([LAUNCHER, "--config", self.conf],
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def wait_hls(base, user, password, camera, timeout):
    end = min(time.monotonic() + timeout, DEADLINE)
    while time.monotonic() < end:
        status, _, body = get(f"{base}hls/{camera}/index.m3u8", user,
                              password)
        if status == 200 and b".ts" in body:
            return True
        time.sleep(0.5)
    return False


def write_conf(path, state, cam_port, nets, tls, join):
    with open(path, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={state}\nworkers=0\n"
                f"metrics-port=0\nchat-join-networks={str(join).lower()}\n\n")
        for cam in ("cam1", "cam2"):
            f.write(f"[camera:{cam}]\n"
                    f"url=rtsp://127.0.0.1:{cam_port}/cam\n")
            if cam == "cam1":
                f.write("substream=160x120\n")
            f.write("\n")
        for name, n in nets.items():
            f.write(f"[network:{name}]\naddress={n['address']}\n"
                    f"port={n['port']}\nhttp-port={n['http_port']}\n"
                    f"cameras={n['cameras']}\nusers={n['users']}\n"
                    f"auth={n['auth']}\n")
            if n.get("tls"):
                f.write(f"tls-certificate={tls[0]}\ntls-key={tls[1]}\n")
            f.write("\n")


def main():
    tmp = tempfile.mkdtemp(prefix="rb-browser-test-")
    os.chmod(tmp, 0o755)
    state = os.path.join(tmp, "state")
    use_ns = os.geteuid() == 0 and netns_setup()
    if use_ns:
        addr = {k: v[3] for k, v in NS.items()}
        ns = {k: v[0] for k, v in NS.items()}
    else:
        addr = {"A": "127.0.0.81", "B": "127.0.0.82"}
        ns = {"A": None, "B": None}
    addr["C"] = "127.0.0.83"
    cam_port = camera_zoo.free_port()
    camera = subprocess.Popen(
        [CAMERA, "--port", str(cam_port), "--mount", "/cam", "--loop",
         "--width", "320", "--height", "240", "--fps", "15"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    creds = {"A": ("alice", "secret-a"), "B": ("bob", "secret-b"),
             "C": ("carol", "secret-c")}
    nets = {}
    for name in ("A", "B", "C"):
        users = os.path.join(tmp, f"users-{name}")
        with open(users, "w") as f:
            f.write(htdigest(creds[name][0], f"rtsp-blur {name}",
                             creds[name][1]))
        nets[name] = {"address": addr[name],
                      "port": camera_zoo.free_port(addr[name]),
                      "http_port": camera_zoo.free_port(addr[name]),
                      "cameras": "cam2" if name == "B" else "cam1",
                      "users": users,
                      "auth": "basic" if name == "C" else "digest",
                      "tls": name == "C"}
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    r = run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", key, "-out", cert, "-days", "1", "-subj",
            f"/CN={addr['C']}")
    check(r.returncode == 0, "a TLS certificate for network C is made")
    conf = os.path.join(tmp, "browser.conf")
    write_conf(conf, state, cam_port, nets, (cert, key), False)
    # --check-config loads the users files and the TLS key pairs
    r = run(LAUNCHER, "--check-config", "--config", conf)
    check(r.returncode == 0, f"--check-config passes ({r.stderr.strip()})")
    bad = os.path.join(tmp, "bad.conf")
    with open(conf) as f, open(bad, "w") as g:
        g.write(f.read().replace(nets["A"]["users"],
                                 os.path.join(tmp, "no-such-users")))
    r = run(LAUNCHER, "--check-config", "--config", bad)
    check(r.returncode == 78 and f"{bad}: [network:A] users: " in r.stderr
          and "no-such-users" in r.stderr,
          f"a missing users file fails --check-config naming file, group "
          f"and key (exit {r.returncode}: {r.stderr.strip()})")
    log_path = os.path.join(tmp, "rtsp-blur.log")
    daemon = Daemon(conf, log_path)
    base = {k: f"http://{addr[k]}:{nets[k]['http_port']}/" for k in "AB"}
    nonce = f"incident-{os.getpid()}-{int(time.time())}"
    shot = os.path.join(OUT, "operator-page.png")
    code = None
    try:
        daemon.start()
        ready = wait_hls(base["A"], *creds["A"], "cam1", 60)
        check(ready, "network A serves cam1's HLS playlist (digest auth)")
        check(wait_hls(base["B"], *creds["B"], "cam2", 30),
              "network B serves cam2's HLS playlist")
        status, _, _ = get(base["A"] + "hls/cam2/index.m3u8", *creds["A"])
        check(status == 404, f"cam2 (not on A's list) answers 404 on A "
              f"(got {status})")
        status, _, _ = get(base["A"] + "api/cameras", "alice", "wrong")
        check(status == 401, f"a wrong password is refused ({status})")

        # TLS and basic auth on C
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        c_url = f"https://{addr['C']}:{nets['C']['http_port']}/api/cameras"
        status, headers, _ = get(c_url, context=ctx)
        check(status == 401 and headers.get("WWW-Authenticate", "")
              .startswith("Basic"), f"C (TLS) without credentials: 401 Basic "
              f"(got {status})")
        status, _, body = get(c_url, *creds["C"], digest=False, context=ctx)
        check(status == 200 and b'"user":"carol"' in body,
              f"C (TLS) with basic credentials: 200 as carol (got {status})")
        status, _, _ = get(c_url.replace("https:", "http:"), *creds["C"],
                           digest=False)
        check(status != 200, "C does not answer plain HTTP")
        # the chat only for pages of the listener's own origin
        c_host, c_port = addr["C"], nets["C"]["http_port"]
        f = ws_first_frame(c_host, c_port, f"https://{c_host}:{c_port}",
                           creds["C"], ctx)
        check(f is not None and " 101 " in f[0] + " " and f[1] == 1 and
              b'"history"' in f[2], f"C's chat opens from its own origin "
              f"(basic auth over TLS) with the history ({f and f[:2]})")
        f = ws_first_frame(c_host, c_port, "https://elsewhere.example",
                           creds["C"], ctx)
        check(f is not None and f[1] == 8 and
              int.from_bytes(f[2][:2], "big") == 1008,
              f"a foreign origin's chat connection is closed with 1008 "
              f"({f and f[:2]})")

        # browsers: B listens on its own network while A talks
        listener = Driver(ns["B"], {"mode": "listen", "url": base["B"],
                                    "user": creds["B"][0],
                                    "password": creds["B"][1],
                                    "listen_s": 45, "timeout_s": 120})
        listener.ready.wait(timeout=90)
        main_run = Driver(ns["A"], {
            "mode": "main", "url": base["A"], "user": creds["A"][0],
            "password": creds["A"][1], "nonce": nonce,
            "expect_cameras": ["cam1"], "absent_cameras": ["cam2"],
            "screenshot": shot, "focus": True, "timeout_s": 240})
        res = main_run.wait(250)
        c = res.get("checks", {})
        check(c.get("anonymous_status") == 401 and
              c.get("anonymous_challenge", "").startswith("Digest"),
              f"without credentials the page answers 401 with a digest "
              f"challenge ({c.get('anonymous_status')})")
        check(c.get("status") == 200, f"with credentials the page loads "
              f"({c.get('status')})")
        tiles = res.get("tiles", [])
        check([t["camera"] for t in tiles] == ["cam1"],
              f"A's page has a tile for cam1 only ({tiles})")
        check(bool(tiles) and tiles[0]["state"] == "live" and
              tiles[0]["last"].startswith("last frame "),
              "the tile shows the state live and the time of the last frame")
        check(res.get("absent_status", {}).get("cam2") == 404,
              "the page's origin gets 404 for cam2's HLS URL")
        playing = res.get("playing")
        check(playing is not None, f"the page plays cam1: currentTime "
              f"advances and a frame is not blank ({playing})")
        if playing:
            print(f"time to first frame in the browser: "
                  f"{playing['ttff_ms']} ms (page load to a non-blank "
                  f"frame)", flush=True)
        size = lambda p: p and (p["w"], p["h"])  # noqa: E731
        check(res.get("grid_stream") == "sub" and size(playing) == (160, 120),
              f"the grid plays cam1's sub-stream, 160x120 "
              f"({res.get('grid_stream')}, {size(playing)})")
        check(res.get("focused_stream") == "main" and
              size(res.get("focused_playing")) == (320, 240),
              f"a click on the tile plays the main stream, 320x240 "
              f"({res.get('focused_stream')}, "
              f"{size(res.get('focused_playing'))})")
        check(res.get("back_stream") == "sub" and
              size(res.get("back_playing")) == (160, 120),
              f"a second click brings the sub-stream back "
              f"({res.get('back_stream')}, {size(res.get('back_playing'))})")
        check(c.get("sender_sees") and c.get("second_session_sees"),
              "the chat message reaches the sender and a second session on A")
        check(nonce in (res.get("user_shown") or "") and
              "alice" in (res.get("user_shown") or ""),
              f"it carries the user name ({res.get('user_shown')})")
        lres = listener.wait(90)
        check(lres.get("checks", {}).get("status") == 200 and
              "messages" in lres, "a session on B was connected meanwhile")
        check(not any(nonce in m for m in lres.get("messages", [])),
              "the session on B does not receive A's message")
        check(os.path.exists(shot), f"screenshot saved: {shot}")
        a_file = os.path.join(state, "chat", "A.jsonl")
        b_file = os.path.join(state, "chat", "B.jsonl")
        a_lines = open(a_file).read().splitlines() if \
            os.path.exists(a_file) else []
        check(any(json.loads(x).get("text") == nonce and
                  json.loads(x).get("user") == "alice" for x in a_lines),
              "the message is stored in state-dir/chat/A.jsonl")
        check(not os.path.exists(b_file) or
              nonce not in open(b_file).read(), "and not in B's room")

        # restart: the history comes back
        code = daemon.stop()
        check(code == 0, f"rtsp-blur stops cleanly (exit {code})")
        daemon.start()
        check(wait_hls(base["A"], *creds["A"], "cam1", 60),
              "after a restart A serves HLS again")
        hres = Driver(ns["A"], {"mode": "history", "url": base["A"],
                                "user": creds["A"][0],
                                "password": creds["A"][1], "nonce": nonce,
                                "timeout_s": 90}).wait(100)
        check(hres.get("checks", {}).get("history") is True,
              "after the restart the page shows the message again")

        # chat-join-networks: one room for A and B
        code = daemon.stop()
        write_conf(conf, state, cam_port, nets, (cert, key), True)
        daemon.start()
        check(wait_hls(base["A"], *creds["A"], "cam1", 60),
              "restarted with chat-join-networks=true")
        nonce2 = nonce + "-joined"
        listener = Driver(ns["B"], {"mode": "listen", "url": base["B"],
                                    "user": creds["B"][0],
                                    "password": creds["B"][1],
                                    "listen_s": 50, "until": nonce2,
                                    "timeout_s": 90})
        listener.ready.wait(timeout=60)
        Driver(ns["A"], {"mode": "send", "url": base["A"],
                         "user": creds["A"][0], "password": creds["A"][1],
                         "nonce": nonce2, "timeout_s": 60}).wait(70)
        lres = listener.wait(60)
        check(any(nonce2 in m for m in lres.get("messages", [])),
              "with chat-join-networks=true B's session receives A's message")

        # the camera goes away: reconnecting, then offline after 30 s
        status, _, body = get(base["A"] + "api/cameras", *creds["A"])
        states = [json.loads(body)["cameras"][0]["state"]] if \
            status == 200 else []
        camera.send_signal(signal.SIGTERM)
        camera.wait(timeout=10)
        end = time.monotonic() + 45
        while time.monotonic() < end and "offline" not in states:
            status, _, body = get(base["A"] + "api/cameras", *creds["A"])
            if status == 200:
                cam = json.loads(body)["cameras"][0]
                if not states or states[-1] != cam["state"]:
                    states.append(cam["state"])
            time.sleep(1)
        check(states[:1] == ["live"] and "reconnecting" in states and
              states[-1] == "offline", f"a camera that goes away is shown "
              f"reconnecting, then offline ({states})")
        code = daemon.stop()
    finally:
        code2 = daemon.stop()
        code = code if code is not None else code2
        camera.send_signal(signal.SIGTERM)
        try:
            camera.wait(timeout=10)
        except subprocess.TimeoutExpired:
            camera.kill()
        if use_ns:
            netns_teardown()
    check(code == 0, f"rtsp-blur exits 0 (got {code})")
    if failures:
        print(open(log_path).read()[-4000:])
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
