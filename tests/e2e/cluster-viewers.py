#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every node serves every network: viewers sent to a node that does not
run their camera are redirected to the one that does.

Run under tests/cluster/with-postgres (PGHOST etc. name its server). Three
nodes (tests/e2e/rb_cluster.py's Site) on loopback addresses, each on
network A (127.0.0.2x, auth=none, RTSP and HTTP) and network B
(127.0.1.2x, digest users, RTSP and HTTP), three rb-test-camera cameras
spread 1/1/1. For the camera run by node X, at node Y (which does not run
it):
  - an RTSP DESCRIBE without credentials, and one with a wrong password,
    get 401 and no Location (no topology to whoever fails to log in);
  - one with the right credentials gets 302 with Location the same path
    at X's address and RTSP port on network B, and one on network A X's
    address on A; a SETUP without a session too;
  - ffprobe (ffmpeg) and GStreamer's rtspsrc, pointed at Y's URL on B with
    the credentials, follow the redirect and decode video;
  - the HLS playlist at Y on B answers 302 with Location X's playlist on
    B (curl -sI, digest), the segments likewise, and the camera's
    snapshot too;
  - Y's /api/cameras on B lists every camera, each with the node that
    runs it;
  - a chat message sent on Y's network B reaches a chat member on Z's
    network B within a few seconds, and never one on Z's network A.
"""

import base64
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, wait_for  # noqa: E402
from rb_cluster import Site, add_networks, wait_spread  # noqa: E402

DEADLINE = time.monotonic() + 200
rb_e2e.set_deadline(DEADLINE)
NODES = ["n1", "n2", "n3"]
CAMERAS = ["cam1", "cam2", "cam3"]
REALM = "rtsp-blur B"
USER, PASSWORD = "alice", "alice-pw"


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def param(challenge, name):
    m = re.search(name + r'="?([^",]*)"?', challenge)
    return m.group(1) if m else None


def rtsp(host, port, method, url, password=PASSWORD, headers=""):
    """@method @url at @host:@port, answering the digest challenge with
    @password (None: no credentials); returns (status, headers dict) of
    the last answer, or (0, {}) on a network error."""
    try:
        with socket.create_connection((host, port), timeout=10) as s:
            f = s.makefile("rb")

            def request(cseq, auth):
                s.sendall(f"{method} {url} RTSP/1.0\r\nCSeq: {cseq}\r\n"
                          f"{headers}{auth}\r\n".encode())
                status = int(f.readline().split()[1])
                h = {}
                for line in iter(f.readline, b"\r\n"):
                    k, _, v = line.decode().partition(":")
                    h.setdefault(k.strip().lower(), v.strip())
                if int(h.get("content-length", "0")):
                    f.read(int(h["content-length"]))
                return status, h

            status, h = request(1, "")
            if status != 401 or password is None:
                return status, h
            nonce = param(h.get("www-authenticate", ""), "nonce")
            ha1 = md5(f"{USER}:{REALM}:{password}")
            resp = md5(f"{ha1}:{nonce}:{md5(f'{method}:{url}')}")
            return request(2, f'Authorization: Digest username="{USER}", '
                           f'realm="{REALM}", nonce="{nonce}", uri="{url}", '
                           f'response="{resp}"\r\n')
    except (OSError, ValueError, IndexError) as e:
        print(f"  {method} {url}: {e}")
        return 0, {}


def ffprobe_video(url):
    """Whether ffprobe decodes a video frame of @url (after redirects)."""
    try:
        r = subprocess.run(
            ["ffprobe", "-v", "error", "-rtsp_transport", "tcp",
             "-select_streams", "v", "-count_frames", "-read_intervals",
             "%+#2", "-show_entries", "stream=codec_name,nb_read_frames",
             "-of", "csv=p=0", url], capture_output=True, text=True,
            timeout=30)
    except subprocess.TimeoutExpired:
        return "timeout"
    return (r.stdout.strip() or r.stderr.strip()[-300:])


def rtspsrc_video(url, user, password):
    """Whether GStreamer's rtspsrc (TCP) decodes a video frame of @url
    (after redirects), logging in as @user."""
    try:
        r = subprocess.run(
            ["gst-launch-1.0", "-q", "rtspsrc", f"location={url}",
             f"user-id={user}", f"user-pw={password}", "protocols=tcp",
             "tcp-timeout=10000000", "!", "rtph264depay", "!", "h264parse",
             "!", "avdec_h264", "!", "fakesink", "num-buffers=1"],
            capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return False
    if r.returncode != 0:
        print(f"  rtspsrc: {(r.stdout + r.stderr).strip()[-300:]}")
    return r.returncode == 0


def curl(args):
    """curl's output (digest as alice unless @args give -u)."""
    if "-u" not in args:
        args = ["-u", f"{USER}:{PASSWORD}"] + args
    try:
        return subprocess.run(["curl", "--digest", "-m", "10"] + args,
                              capture_output=True, text=True,
                              timeout=15).stdout
    except subprocess.TimeoutExpired:
        return ""


def Nodes_first_other(nodes, name):
    return next(v for k, v in nodes.items() if k != name)


class Chat:
    """A chat member on @host:@port (a minimal WebSocket client, RFC 6455),
    logged in by digest when @password is given."""

    def __init__(self, host, port, password=None):
        auth = ""
        if password is not None:
            # the challenge on a connection of its own (closed after the
            # 401), answered with qop on the next
            self.sock = socket.create_connection((host, port), timeout=10)
            self.buf = b""
            self.sock.sendall(f"GET /chat HTTP/1.1\r\nHost: {host}:{port}"
                              "\r\n\r\n".encode())
            nonce = param(self._head(), "nonce")
            self.sock.close()
            ha1 = md5(f"{USER}:{REALM}:{password}")
            resp = md5(f"{ha1}:{nonce}:00000001:c0ffee:auth:"
                       f"{md5('GET:/chat')}")
            auth = (f'Authorization: Digest username="{USER}", '
                    f'realm="{REALM}", nonce="{nonce}", uri="/chat", '
                    f'response="{resp}", qop=auth, nc=00000001, '
                    'cnonce="c0ffee", algorithm=MD5\r\n')
        self.sock = socket.create_connection((host, port), timeout=10)
        self.buf = b""
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET /chat HTTP/1.1\r\nHost: {host}:{port}\r\n{auth}"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "\r\n".encode())
        self.status = self._head().split(" ", 2)[1]

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise OSError("closed")
        self.buf += chunk

    def _head(self):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        return head.decode()

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, text):
        payload = text.encode()
        mask = os.urandom(4)
        self.sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(
            b ^ mask[i % 4] for i, b in enumerate(payload)))

    def texts(self, timeout, until=None):
        """The chat texts received within @timeout s (or until one is
        @until)."""
        out, end = [], time.monotonic() + timeout
        while time.monotonic() < end:
            self.sock.settimeout(max(0.05, end - time.monotonic()))
            try:
                b0, b1 = self._take(2)
                n = b1 & 0x7f
                if n == 126:
                    n = int.from_bytes(self._take(2), "big")
                elif n == 127:
                    n = int.from_bytes(self._take(8), "big")
                payload = self._take(n)
            except (socket.timeout, TimeoutError):
                break
            if b0 & 0x0f != 1:
                continue
            frame = json.loads(payload)
            msgs = frame.get("messages", []) + (
                [frame["message"]] if "message" in frame else [])
            out += [(m["network"], m["user"], m["text"]) for m in msgs]
            if until is not None and until in [t[2] for t in out]:
                break
        return out

    def close(self):
        self.sock.close()


def main():
    tmp = tempfile.mkdtemp(prefix="rb-cluster-viewers-")
    print(f"logs in {tmp}", flush=True)
    users = os.path.join(tmp, "users.htdigest")
    with open(users, "w") as f:
        f.write(f"{USER}:{REALM}:{md5(f'{USER}:{REALM}:{PASSWORD}')}\n")
    site = Site(tmp, NODES, CAMERAS)
    add_networks(site, users)
    nodes = site.nodes

    try:
        r = site.run(["db", "migrate"])
        check(r.returncode == 0, f"db migrate ({r.stderr.strip()})")
        site.start_cameras()
        for n in NODES:
            site.start(n)
        held = wait_spread(site, [1, 1, 1], 60)
        check(held, f"the cameras are spread 1/1/1 ({held})")
        if not held:
            return 1
        cam = sorted(held)[0]
        x = held[cam]
        y, z = [n for n in NODES if n != x]
        X, Y = nodes[x], nodes[y]
        print(f"{cam} runs on {x}; asking {y}", flush=True)
        url_b = f"rtsp://{Y['address_b']}:{Y['rtsp_b']}/{cam}"
        owner_b = f"rtsp://{X['address_b']}:{X['rtsp_b']}/{cam}"
        owner_a = f"rtsp://{X['address']}:{X['rtsp']}/{cam}"

        # the view of the others refreshes every second
        ok = wait_for(lambda: rtsp(Y["address_b"], Y["rtsp_b"], "DESCRIBE",
                                   url_b)[0] == 302, 15, 0.5)
        status, h = rtsp(Y["address_b"], Y["rtsp_b"], "DESCRIBE", url_b)
        check(ok and status == 302 and h.get("location") == owner_b,
              f"DESCRIBE at {y} on B: 302 to {owner_b} ({status}, "
              f"{h.get('location')})")
        status, h = rtsp(Y["address_b"], Y["rtsp_b"], "DESCRIBE", url_b,
                         password=None)
        check(status == 401 and "location" not in h,
              f"without credentials: 401, no Location ({status}, {h})")
        status, h = rtsp(Y["address_b"], Y["rtsp_b"], "DESCRIBE", url_b,
                         password="wrong")
        check(status == 401 and "location" not in h,
              f"wrong password: 401, no Location ({status}, {h})")
        status, h = rtsp(Y["address"], Y["rtsp"], "DESCRIBE",
                         f"rtsp://{Y['address']}:{Y['rtsp']}/{cam}")
        check(status == 302 and h.get("location") == owner_a,
              f"DESCRIBE at {y} on A: 302 to {owner_a} ({status}, "
              f"{h.get('location')})")
        status, h = rtsp(Y["address_b"], Y["rtsp_b"], "SETUP",
                         url_b + "/stream=0", headers="Transport: "
                         "RTP/AVP/TCP;unicast;interleaved=0-1\r\n")
        check(status == 302 and h.get("location") == owner_b + "/stream=0",
              f"SETUP without a session at {y}: 302 ({status}, "
              f"{h.get('location')})")
        # a camera that has just started sends no anonymized frame yet:
        # its owner answers 503 until it does; a VMS tries again
        answers = []
        wait_for(lambda: answers.append(rtsp(X["address_b"], X["rtsp_b"],
                                             "DESCRIBE", owner_b)[0])
                 or answers[-1] != 503, 10, 0.5)
        check(answers and answers[-1] == 200,
              f"DESCRIBE at the owner {x}: 200 (answers {answers})")

        cred = f"rtsp://{USER}:{PASSWORD}@{Y['address_b']}:{Y['rtsp_b']}/{cam}"
        out = ffprobe_video(cred)
        check(out.startswith("h264,"), f"ffprobe at {y} on B is redirected "
              f"and decodes video ({out})")
        check(rtspsrc_video(url_b, USER, PASSWORD),
              f"rtspsrc at {y} on B is redirected and decodes video")

        # HLS and the operator page
        hls = f"/hls/{cam}/index.m3u8"
        out = curl(["-sI", f"http://{Y['address_b']}:{Y['http_b']}{hls}"])
        owner_hls = f"http://{X['address_b']}:{X['http_b']}{hls}"
        check(re.search(r"^HTTP/1.1 302", out, re.M) and
              re.search(rf"^Location: {re.escape(owner_hls)}\r?$", out,
                        re.M | re.I),
              f"HLS at {y} on B: 302 to {owner_hls} ({out!r})")
        out = curl(["-sI", "-u", f"{USER}:wrong",
                    f"http://{Y['address_b']}:{Y['http_b']}{hls}"])
        check("401" in out and "location" not in out.lower(),
              f"HLS with a wrong password: 401, no Location ({out!r})")
        ok = wait_for(lambda: curl(
            ["-s", "-L", "--location-trusted",
             f"http://{Y['address_b']}:{Y['http_b']}{hls}"]).startswith(
                 "#EXTM3U"), 30, 1)
        check(ok, f"curl -L at {y} gets {x}'s playlist")
        snap = f"/snapshot/{cam}.jpg"
        out = curl(["-sI", f"http://{Y['address_b']}:{Y['http_b']}{snap}"])
        owner_snap = f"http://{X['address_b']}:{X['http_b']}{snap}"
        check(re.search(r"^HTTP/1.1 302", out, re.M) and
              re.search(rf"^Location: {re.escape(owner_snap)}\r?$", out,
                        re.M | re.I),
              f"the snapshot at {y} on B: 302 to {owner_snap} ({out!r})")
        out = curl(["-s", f"http://{Y['address_b']}:{Y['http_b']}"
                    "/api/cameras"])
        try:
            listed = {c["name"]: c for c in json.loads(out)["cameras"]}
        except (ValueError, KeyError):
            listed = {}
        check(sorted(listed) == CAMERAS and all(
            listed[c].get("node") == held[c] for c in CAMERAS),
            f"{y}'s /api/cameras on B lists every camera with its node "
            f"({out})")
        page_x = f"http://{X['address_b']}:{X['http_b']}/"
        check(listed.get(cam, {}).get("state") == "elsewhere"
              and listed[cam].get("page") == page_x
              and not listed[cam].get("hls_ready"),
              f"{cam} is elsewhere, with {x}'s page {page_x}")

        # the chat, one room per network across the nodes
        Z = nodes[z]
        zb = Chat(Z["address_b"], Z["http_b"], PASSWORD)
        za = Chat(Z["address"], Z["http_a"])
        yb = Chat(Y["address_b"], Y["http_b"], PASSWORD)
        check(zb.status == "101" and za.status == "101"
              and yb.status == "101", f"chat members on {z} (A, B) and "
              f"{y} (B) ({zb.status}, {za.status}, {yb.status})")
        for c in (zb, za, yb):
            c.texts(1.0)        # the history
        text = f"hello from {y} on B {os.getpid()}"
        sent = time.monotonic()
        yb.send(text)
        got = [t for t in zb.texts(3.0, until=text) if t[2] == text]
        took = time.monotonic() - sent
        check(got == [("B", USER, text)] and took < 2.0,
              f"the message sent on {y}'s B reached {z}'s B within 2 s "
              f"({got}, {took:.2f} s)")
        check(not [t for t in za.texts(1.0) if t[2] == text],
              f"and not {z}'s A")
        check([t for t in yb.texts(1.0) if t[2] == text],
              f"the sender on {y} got it too")
        late = Chat(Nodes_first_other(nodes, z)["address_b"],
                    Nodes_first_other(nodes, z)["http_b"], PASSWORD)
        check(("B", USER, text) in late.texts(2.0),
              "a member joining later gets it in the history")
        for c in (zb, za, yb, late):
            c.close()
    finally:
        site.stop()
    if failures:
        for n in NODES:
            print(f"--- {n}\n{site.log_tail(n, 40)}")
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
