#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every session of the soak benchmark gives its file descriptors back,
end to end.

libsoup 3.2's server never closes a keep-alive connection that its client
closed while it waited for the next request (fixed upstream in libsoup
3.3.0 by commit d20c6601): left to it, each `rtsp-blur status` (one a
minute in bench/soak) would leave a CLOSE-WAIT socket on the metrics
listener, one more open file a minute. rtsp-blur runs with
one camera (rb-test-camera), a metrics port and a network with http-port.
After one round of each session (the daemon's first-use state: the RTSP
media, the chat room), the open files are counted, then each session is
repeated, and after each kind the count must come back to that baseline
within a few seconds, with no CLOSE-WAIT socket left on a listener (a
kind that leaks does not count against the next one):

  1. `rtsp-blur status` 30 times (a keep-alive libsoup client that exits);
  2. curl, 20 times: the operator page, /api/cameras and /metrics on one
     keep-alive connection each, closed by curl;
  3. RTSP viewers, 12 times: DESCRIBE, SETUP (TCP interleaved), PLAY, some
     frames, then a TEARDOWN or a dropped connection; and ffprobe 3 times;
  4. chat WebSockets, 12 times: a message, then a close frame or a dropped
     connection;
  5. a camera outage: the pipeline rebuilt when the camera is back.
"""

import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, wait_for  # noqa: E402
import camera_zoo  # noqa: E402
import rb_metrics  # noqa: E402

LAUNCHER = os.environ["RB_LAUNCHER"]
CAMERA = os.environ["RB_TEST_CAMERA"]
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "220"))
rb_e2e.set_deadline(DEADLINE)
# how long the open files may take to come back (a recorded segment being
# swapped holds two more for a moment)
SETTLE_S = 15


def fd_targets(pid):
    out = []
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                out.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
            except OSError:
                pass
    except OSError:
        pass
    return sorted(out)


def close_wait(ports):
    out = subprocess.run(["ss", "-tanH", "state", "close-wait"],
                         capture_output=True, text=True).stdout
    return len([line for line in out.splitlines()
                if any(f"127.0.0.1:{p} " in line for p in ports)])


# ---- RTSP: a minimal TCP-interleaved viewer ----

def rtsp_session(url, teardown):
    host, port, _ = re.match(r"rtsp://([^:/]+):(\d+)(/.*)", url).groups()
    s = socket.create_connection((host, int(port)), timeout=10)
    buf = b""
    cseq = 0

    def request(method, uri, headers=""):
        nonlocal buf, cseq
        cseq += 1
        s.sendall(f"{method} {uri} RTSP/1.0\r\nCSeq: {cseq}\r\n{headers}"
                  "\r\n".encode())
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise OSError(f"{method}: connection closed")
            buf += chunk
        head, buf = buf.split(b"\r\n\r\n", 1)
        text = head.decode(errors="replace")
        n = re.search(r"(?im)^content-length:\s*(\d+)", text)
        body = b""
        if n:
            while len(buf) < int(n.group(1)):
                buf += s.recv(65536)
            body, buf = buf[:int(n.group(1))], buf[int(n.group(1)):]
        if not text.startswith("RTSP/1.0 200"):
            raise OSError(f"{method}: {text.splitlines()[0]}")
        return text, body.decode(errors="replace")

    try:
        _, sdp = request("DESCRIBE", url, "Accept: application/sdp\r\n")
        control = re.search(r"a=control:(\S+)",
                            sdp.split("m=video", 1)[1]).group(1)
        track = control if control.startswith("rtsp://") else \
            url.rstrip("/") + "/" + control
        head, _ = request("SETUP", track, "Transport: RTP/AVP/TCP;unicast;"
                          "interleaved=0-1\r\n")
        session = re.search(r"(?im)^session:\s*([^;\r\n]+)", head).group(1)
        request("PLAY", url, f"Session: {session}\r\n")
        got = len(buf)
        end = time.monotonic() + 15
        while got < 20000 and time.monotonic() < end:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += len(chunk)
        if teardown:
            cseq += 1
            s.sendall(f"TEARDOWN {url} RTSP/1.0\r\nCSeq: {cseq}\r\n"
                      f"Session: {session}\r\n\r\n".encode())
        return got >= 20000
    except (OSError, AttributeError, IndexError) as e:
        print(f"  RTSP session: {e}")
        return False
    finally:
        s.close()


# ---- chat: a minimal WebSocket client (RFC 6455) ----

def ws_frame(opcode, payload):
    mask = os.urandom(4)
    return (bytes([0x80 | opcode, 0x80 | len(payload)]) + mask +
            bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def chat_session(port, n, close_frame):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall(f"GET /chat HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                  f"Origin: http://127.0.0.1:{port}\r\n\r\n".encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                return False
            buf += chunk
        if not buf.startswith(b"HTTP/1.1 101"):
            return False
        s.sendall(ws_frame(1, f"fds test message {n}".encode()))
        time.sleep(0.2)
        if close_frame:
            s.sendall(ws_frame(8, (1000).to_bytes(2, "big")))
            time.sleep(0.1)
        return True
    except OSError as e:
        print(f"  chat session: {e}")
        return False
    finally:
        s.close()


def main():
    tmp = tempfile.mkdtemp(prefix="rb-fds-test-")
    state = os.path.join(tmp, "state")
    cam_port = camera_zoo.free_port()
    port, hport, mport = (camera_zoo.free_port() for _ in range(3))
    conf = os.path.join(tmp, "fds.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={state}\nworkers=0\n"
                f"metrics-port={mport}\nreconnect-max-interval=1\n\n"
                f"[camera:cam]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n"
                "transport=tcp\n\n"
                f"[network:lan]\naddress=127.0.0.1\nport={port}\n"
                f"http-port={hport}\nauth=none\n")
    cam_cmd = [CAMERA, "--address", "127.0.0.1", "--port", str(cam_port),
               "--mount", "/cam", "--loop", "--width", "320", "--height",
               "240", "--fps", "15"]
    cam_log = open(os.path.join(tmp, "camera.log"), "a")

    def start_camera():
        return subprocess.Popen(cam_cmd, stdout=cam_log,
                                stderr=subprocess.STDOUT)

    def stop(proc):
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    camera = start_camera()
    log_path = os.path.join(tmp, "rtsp-blur.log")
    log = open(log_path, "w")
    rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                          stderr=subprocess.STDOUT)
    live = f"rtsp://127.0.0.1:{port}/cam"
    ports = (port, hport, mport)
    code = None

    def recording():
        return rb_metrics.value(rb_metrics.scrape(mport),
                                "rtsp_blur_camera_recording",
                                camera="cam") == 1

    def status():
        return subprocess.run([LAUNCHER, "--config", conf, "status"],
                              capture_output=True, timeout=30).returncode

    def curl():
        return subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-o", "/dev/null", "-o",
             "/dev/null", "-w", "%{http_code} ", "--max-time", "10",
             f"http://127.0.0.1:{hport}/",
             f"http://127.0.0.1:{hport}/api/cameras",
             f"http://127.0.0.1:{mport}/metrics"],
            capture_output=True, text=True, timeout=30).stdout.split()

    def settles(what, base):
        """@base: (open files, CLOSE-WAIT sockets) before @what; returns
        them after it."""
        fds, waits = base
        n = wait_for(lambda: rb_e2e.open_fds(rb.pid) <= fds, SETTLE_S)
        now, now_waits = rb_e2e.open_fds(rb.pid), close_wait(ports)
        check(n and now_waits <= waits,
              f"{what}: the open files come back to {fds} (now {now}), no "
              f"CLOSE-WAIT socket stays on the listeners ({now_waits - waits}"
              " more)")
        if now > fds:
            print("  open files now:", " ".join(fd_targets(rb.pid)))
        # the next kind is judged on its own
        return max(fds, now), max(waits, now_waits)

    try:
        check(wait_for(lambda: recording() and
                       camera_zoo.ffprobe_streams(live, timeout=10), 60),
              "rtsp-blur records the camera and serves it")

        # one of each first: what the daemon makes on first use and keeps
        status()
        curl()
        rtsp_session(live, True)
        chat_session(hport, 0, True)
        time.sleep(2)
        # its usual count: the median of 4 s of samples (a segment swapped
        # or a socket being replaced moves it by one or two for a moment)
        base = []
        for _ in range(16):
            base.append(rb_e2e.open_fds(rb.pid))
            time.sleep(0.25)
        base = sorted(base)[len(base) // 2], close_wait(ports)
        print(f"baseline: {base[0]} open files, {base[1]} CLOSE-WAIT "
              "sockets:", " ".join(fd_targets(rb.pid)))

        codes = [status() for _ in range(30)]
        check(codes.count(0) == 30,
              f"rtsp-blur status answers 30 times ({codes.count(0)})")
        base = settles("30 runs of rtsp-blur status", base)

        answers = [curl() for _ in range(20)]
        check(all(a == ["200", "200", "200"] for a in answers),
              "curl: 20 times the page, /api/cameras and /metrics answered "
              "200")
        base = settles("20 curl runs (keep-alive, closed by curl)", base)

        # (each viewer may retry once: right after dropped sessions, a
        # DESCRIBE failed once in a CI run, and a session got no video for
        # 15 s once at load 10, neither reproduced in 5 runs; what is
        # checked here is the files each run leaves, or not)
        served = [rtsp_session(live, i % 2 == 0) or
                  rtsp_session(live, i % 2 == 0) for i in range(12)]
        probed = [bool(camera_zoo.ffprobe_streams(live, timeout=25) or
                       camera_zoo.ffprobe_streams(live, timeout=25))
                  for _ in range(3)]
        check(all(served) and all(probed),
              f"12 RTSP sessions (6 torn down, 6 dropped) received video "
              f"({served.count(True)}), ffprobe read it 3 times "
              f"({probed.count(True)})")
        base = settles("12 RTSP sessions and 3 ffprobe runs", base)

        chats = [chat_session(hport, i, i % 2 == 0) for i in range(12)]
        check(all(chats), f"12 chat sessions joined ({chats.count(True)})")
        base = settles("12 chat sessions (6 closed, 6 dropped)", base)

        stop(camera)
        check(wait_for(lambda: not recording(), 30),
              "the camera's outage is seen")
        time.sleep(3)
        camera = start_camera()
        check(wait_for(lambda: recording() and
                       camera_zoo.ffprobe_streams(live, timeout=10), 60),
              "the camera is recorded and served again")
        base = settles("a camera outage", base)
        check(rb.poll() is None, "rtsp-blur is still running")
    finally:
        code = stop(rb)
        stop(camera)
        log.close()
        cam_log.close()
    check(code == 0, f"rtsp-blur exits 0 (got {code})")
    if failures:
        with open(log_path, errors="replace") as f:
            print(f.read()[-3000:])
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
