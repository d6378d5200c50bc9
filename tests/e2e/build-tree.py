#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The launcher as run from the build tree, and its log output.

  - With every GST_PLUGIN_* variable unset and a fresh registry, the
    build-tree launcher finds its own plugins and the models of the source
    tree: --check-config exits 0.
  - --log-level: an unknown level is a usage error (64); the daemon run
    against an unreachable camera writes info lines at the default level,
    none at warning, and neither info nor warning lines at error.
  - Under systemd (stderr is a journal stream, JOURNAL_STREAM set) messages
    go to the journal as structured entries with their priority, not as text
    on stderr: checked in a private mount namespace (unshare -m) with a
    tmpfs over /run/systemd holding our own journal sockets, so the real
    system is not touched.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, free_port  # noqa: E402,F401
import rb_metrics  # noqa: E402

LAUNCHER = os.environ["RB_LAUNCHER"]


def bare_env(tmp):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GST_PLUGIN_") and k != "GST_REGISTRY"
           and k != "G_MESSAGES_DEBUG" and k != "JOURNAL_STREAM"}
    env["GST_REGISTRY"] = os.path.join(tmp, "registry.bin")
    return env


METRICS_PORT = None


def write_config(tmp):
    path = os.path.join(tmp, "rb.conf")
    with open(path, "w") as f:
        f.write("""[rtsp-blur]
state-dir=%s
segment-duration=2
metrics-port=%d

[camera:gone]
url=rtsp://127.0.0.1:%d/nothing
transport=tcp

[network:lo]
address=127.0.0.1
port=%d
auth=none
""" % (os.path.join(tmp, "state"), METRICS_PORT, free_port(), free_port()))
    return path


def run_daemon(args, env, stderr=subprocess.PIPE):
    """Runs the daemon until its metrics show that the unreachable camera
    failed once (so its warning was logged), at most 60 s, then SIGTERM."""
    proc = subprocess.Popen([LAUNCHER] + args, stdout=subprocess.DEVNULL,
                            stderr=stderr, env=env, text=True)
    end = time.monotonic() + 60
    while time.monotonic() < end and proc.poll() is None:
        m = rb_metrics.scrape(METRICS_PORT)
        if (rb_metrics.value(m, "rtsp_blur_camera_reconnects_total",
                             camera="gone") or 0) >= 1 or rb_metrics.value(
                m, "rtsp_blur_camera_state", camera="gone",
                state="reconnecting") == 1:
            break
        time.sleep(0.2)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return proc.returncode, err or ""


def journal_inner(tmp):
    """Runs inside `unshare -m`: own /run/systemd, own journal sockets."""
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    os.makedirs("/run/systemd", exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/run/systemd"],
                   check=True)
    os.makedirs("/run/systemd/journal")
    dgram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dgram.bind("/run/systemd/journal/socket")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind("/run/systemd/journal/stdout")
    listener.listen(1)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect("/run/systemd/journal/stdout")
    server, _ = listener.accept()
    st = os.fstat(client.fileno())
    env = bare_env(tmp)
    env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
    code, _ = run_daemon(["--config", write_config(tmp)], env,
                         stderr=client.fileno())
    client.close()
    entries = []
    dgram.setblocking(False)
    while True:
        try:
            data = dgram.recv(1 << 20)
        except BlockingIOError:
            break
        fields = {}
        for line in data.split(b"\n"):
            if b"=" in line:
                k, v = line.split(b"=", 1)
                fields[k.decode()] = v.decode(errors="replace")
        entries.append(fields)
    server.settimeout(2)
    text = b""
    try:
        while True:
            chunk = server.recv(65536)
            if not chunk:
                break
            text += chunk
    except socket.timeout:
        pass
    print(json.dumps({"code": code, "entries": entries,
                      "stream": text.decode(errors="replace")}))


def main():
    global METRICS_PORT
    METRICS_PORT = free_port()
    if len(sys.argv) == 3 and sys.argv[1] == "--journal-inner":
        journal_inner(sys.argv[2])
        return
    tmp = tempfile.mkdtemp(prefix="rb-build-tree-")
    try:
        run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d checks failed" % len(failures))
        sys.exit(1)
    print("all checks passed")


def run(tmp):
    env = bare_env(tmp)
    conf = write_config(tmp)
    out = subprocess.run([LAUNCHER, "--check-config", "--config", conf],
                         capture_output=True, text=True, timeout=90, env=env)
    check(out.returncode == 0 and "is valid" in out.stdout,
          "build-tree launcher, no GST_PLUGIN_PATH*: --check-config passes "
          "(exit %d: %s)" % (out.returncode, out.stderr.strip()))

    out = subprocess.run([LAUNCHER, "--log-level=loud", "--config", conf],
                         capture_output=True, text=True, timeout=30, env=env)
    check(out.returncode == 64 and "--log-level: must be one of "
          "error|warning|info|debug (got 'loud')" in out.stderr,
          "unknown --log-level is a usage error: " + out.stderr.strip())

    code, err = run_daemon(["--config", conf], env)
    lines = err.splitlines()
    check(code == 0 and any(" rtsp-blur: info: " in l for l in lines),
          "default level: info lines on stderr (exit %d, %d lines)"
          % (code, len(lines)))
    check(any(" rtsp-blur: warning: " in l for l in lines),
          "default level: the unreachable camera is warned about")
    code, err = run_daemon(["--log-level", "warning", "--config", conf],
                           env)
    lines = err.splitlines()
    check(code == 0 and lines and not any(" info: " in l for l in lines)
          and any(" warning: " in l for l in lines),
          "--log-level warning: warnings only (%d lines)" % len(lines))
    code, err = run_daemon(["--log-level", "error", "--config", conf],
                           env)
    lines = err.splitlines()
    check(code == 0 and not any(" info: " in l or " warning: " in l
                                for l in lines),
          "--log-level error: no info or warning line (%d lines)"
          % len(lines))

    # the journal, in a private mount namespace
    unshare = shutil.which("unshare")
    if not check(unshare is not None and os.geteuid() == 0,
                 "unshare(1) and root for the journal check"):
        return
    jtmp = os.path.join(tmp, "journal")
    os.makedirs(jtmp)
    out = subprocess.run([unshare, "-m", sys.executable,
                          os.path.abspath(__file__), "--journal-inner", jtmp],
                         capture_output=True, text=True, timeout=90)
    if not check(out.returncode == 0, "journal check ran (%s)"
                 % out.stderr.strip()[-300:]):
        return
    result = json.loads(out.stdout.strip().splitlines()[-1])
    entries = result["entries"]
    ours = [e for e in entries if e.get("GLIB_DOMAIN") == "rtsp-blur"]
    check(result["code"] == 0 and len(ours) > 0,
          "under systemd: %d journal entries from rtsp-blur" % len(ours))
    prios = sorted(set(e.get("PRIORITY") for e in ours))
    check("5" in prios and "4" in prios and "MESSAGE" in ours[0],
          "journal entries carry MESSAGE and their priority (g_message 5, "
          "warning 4; got %s)" % prios)
    check(" rtsp-blur: info: " not in result["stream"]
          and " rtsp-blur: warning: " not in result["stream"],
          "under systemd: no text log lines on stderr (%d bytes)"
          % len(result["stream"]))


if __name__ == "__main__":
    main()
