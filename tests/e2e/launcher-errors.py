#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bad input to rtsp-blur: each gets one clear message naming what and where,
a sysexits exit code, and never a crash. A listener whose address is not on
this machine does not stop the other listener."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, free_port  # noqa: E402,F401

LAUNCHER = os.environ["RB_LAUNCHER"]


def run(args, timeout=60):
    p = subprocess.run([LAUNCHER] + args, capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def config(tmp, name, state, extra="", networks=None):
    port = free_port("127.0.0.2")
    nets = networks or (f"[network:A]\naddress=127.0.0.2\nport={port}\n"
                        "auth=none\n")
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(f"""[rtsp-blur]
state-dir={state}
metrics-port=0
{extra}
[camera:lobby]
url=rtsp://user:topsecret@127.0.0.1:{free_port()}/stream
{nets}""")
    return path


def expect(args, code, needles, what):
    rc, out = run(args)
    lines = [l for l in out.splitlines() if l.strip()]
    check(rc == code, f"{what}: exit {rc}, expected {code}")
    for n in needles:
        check(n in out, f"{what}: message names {n!r}: {out.strip()[:300]}")
    check(len(lines) == 1, f"{what}: one message line (got {len(lines)})")
    check("topsecret" not in out, f"{what}: no password in the message")
    check("Segmentation" not in out and rc >= 0, f"{what}: no crash")


def main():
    tmp = tempfile.mkdtemp(prefix="rb-errors-")
    state = os.path.join(tmp, "state")

    rc, out = run([])
    check(rc == 64 and "--config" in out, "no --config: usage error 64")

    missing = os.path.join(tmp, "missing.conf")
    expect(["--check-config", "--config", missing], 66, [missing],
           "config file missing")

    path = config(tmp, "unknown-key.conf", state, "segment-duraton=10\n")
    expect(["--check-config", "--config", path], 78,
           [path, "[rtsp-blur]", "segment-duraton"], "unknown key")

    path = config(tmp, "bad-value.conf", state, "workers=many\n")
    expect(["--check-config", "--config", path], 78,
           [path, "[rtsp-blur]", "workers"], "bad value")

    path = config(tmp, "no-model.conf", state,
                  "[headblur]\nmodel=/nonexistent/yunet.onnx\n")
    expect(["--check-config", "--config", path], 66,
           [path, "[headblur] model", "/nonexistent/yunet.onnx"],
           "missing model")

    garbage = os.path.join(tmp, "corrupt.onnx")
    with open(garbage, "wb") as f:
        f.write(os.urandom(4096))
    path = config(tmp, "corrupt-model.conf", state,
                  f"[headblur]\nmodel={garbage}\n")
    expect(["--check-config", "--config", path], 66,
           [path, "[headblur] model", garbage], "corrupt model")

    # a network must say who may watch: users, or auth=none written
    nets = (f"[network:A]\naddress=127.0.0.2\n"
            f"port={free_port('127.0.0.2')}\n")
    path = config(tmp, "no-users.conf", state, networks=nets)
    expect(["--check-config", "--config", path], 78,
           [path, "[network:A] users", "auth = none"],
           "network without users or auth = none")
    users = os.path.join(tmp, "users.htdigest")
    with open(users, "w") as f:
        f.write("alice:rtsp-blur:0123456789abcdef0123456789abcdef\n"
                "bob:rtsp-blur:not-a-hash\n")
    path = config(tmp, "bad-users.conf", state, networks=nets +
                  f"users={users}\n")
    expect(["--check-config", "--config", path], 78,
           [path, "[network:A] users", f"{users}:2"], "bad users file line")
    rc, out = run(["--check-config", "--config", path])
    check("0123456789abcdef" not in out, "no hash in the message")

    blocker = os.path.join(tmp, "a-file")
    open(blocker, "w").close()
    bad_state = os.path.join(blocker, "state")
    path = config(tmp, "bad-state.conf", bad_state)
    expect(["--check-config", "--config", path], 73,
           [path, "state-dir", bad_state], "unwritable state-dir")
    rc, out = run(["--config", path])
    check(rc == 73, "unwritable state-dir stops the launcher before it runs")

    # 192.0.2.1 (TEST-NET-1) is never an address of this machine
    port_a = free_port("127.0.0.2")
    nets = (f"[network:A]\naddress=127.0.0.2\nport={port_a}\nauth=none\n"
            f"[network:B]\naddress=192.0.2.1\nport=8554\nauth=none\n")
    path = config(tmp, "foreign-listener.conf", state, networks=nets)
    expect(["--check-config", "--config", path], 78,
           [path, "[network:B]", "192.0.2.1"], "listener not on this machine")

    # at run time the other listener and the cameras go on
    log_path = os.path.join(tmp, "run.log")
    with open(log_path, "w") as log:
        p = subprocess.Popen([LAUNCHER, "--config", path], stdout=log,
                             stderr=subprocess.STDOUT)
        serving = False
        for _ in range(40):
            try:
                with socket.create_connection(("127.0.0.2", port_a), 1):
                    serving = True
                    break
            except OSError:
                time.sleep(0.25)
        check(serving, "network A serves although network B cannot listen")
        time.sleep(1)
        check(p.poll() is None, "rtsp-blur keeps running")
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = None
        check(rc == 0, f"exits 0 on SIGTERM (got {rc})")
    text = open(log_path).read()
    check("network B: cannot listen on 192.0.2.1 port 8554" in text,
          "the failing listener is named with its address and port")
    check("topsecret" not in text, "no password in the run log")
    print(text[-2000:])

    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
