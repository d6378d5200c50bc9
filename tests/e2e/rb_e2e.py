# SPDX-License-Identifier: LGPL-2.1-or-later
"""What every end-to-end test here shares: recorded checks, bounded waits,
free ports and a process's open files and memory.

A test prints one "ok: ..." or "FAIL: ..." line per check(), and exits
non-zero when `failures` is not empty at its end. wait_for() never waits
past the test's own deadline (set_deadline()), so a test always finishes
within its meson timeout.
"""

import os
import resource
import socket
import subprocess
import time

failures = []
_deadline = float("inf")


def set_deadline(monotonic_time):
    """No wait_for() goes past @monotonic_time (time.monotonic())."""
    global _deadline
    _deadline = monotonic_time


def check(cond, what):
    """Records @what as passed or failed, prints it, returns @cond."""
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def wait_for(pred, timeout, step=0.25):
    """Polls @pred every @step s for @timeout s at most (and never past the
    deadline); returns its first true value, or its last value."""
    end = min(time.monotonic() + timeout, _deadline)
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def free_port(addr="127.0.0.1"):
    """A TCP port that was free on @addr a moment ago."""
    with socket.socket() as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


def open_fds(pid):
    """The number of files process @pid has open, or -1 once it is gone."""
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def rss_mb(pid):
    """The resident memory of process @pid in MiB, or -1 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return -1


def fd_limit(n):
    """A preexec_fn for subprocess.Popen: the child may open @n files."""
    def apply():
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
    return apply


def luma(image, crop):
    """(mean, high - low) of the luma in @crop (an ffmpeg crop filter's
    arguments) of the picture file @image: a masked region is flat."""
    r = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", image, "-vf",
         f"crop={crop},format=gray,signalstats,metadata=print:file=-",
         "-f", "null", "-"], capture_output=True, text=True, timeout=30)
    vals = dict(line.split("=", 1) for line in r.stdout.splitlines()
                if line.startswith("lavfi.signalstats."))
    return (float(vals.get("lavfi.signalstats.YAVG", "nan")),
            float(vals.get("lavfi.signalstats.YHIGH", "nan")) -
            float(vals.get("lavfi.signalstats.YLOW", "nan")))


def stop(proc, timeout=40):
    """SIGTERM to @proc, SIGKILL if it has not exited within @timeout s;
    returns its exit code."""
    proc.terminate()
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def run(cmd, timeout=30, check_rc=True):
    """subprocess.run with the output captured as text."""
    return subprocess.run(cmd, capture_output=True, text=True,
                          timeout=timeout, check=check_rc)


def in_ns(ns, cmd):
    """@cmd run in network namespace @ns."""
    return ["ip", "netns", "exec", ns] + cmd


def veth_namespaces(nets):
    """For each (ns, link, host_address, client_address) of @nets: network
    namespace @ns joined to this one by a veth pair, @link here with
    @host_address/24, its peer (@link with its last character made "1")
    in @ns with @client_address/24, multicast routed out of it. What an
    earlier run left is removed first (remove_veth_namespaces())."""
    remove_veth_namespaces(nets)
    for ns, link, host_address, client_address in nets:
        peer = link[:-1] + "1"
        run(["ip", "netns", "add", ns])
        run(["ip", "link", "add", link, "type", "veth", "peer", "name",
             peer])
        run(["ip", "link", "set", peer, "netns", ns])
        run(["ip", "addr", "add", f"{host_address}/24", "dev", link])
        run(["ip", "link", "set", link, "up"])
        run(in_ns(ns, ["ip", "link", "set", "lo", "up"]))
        run(in_ns(ns, ["ip", "addr", "add", f"{client_address}/24", "dev",
                       peer]))
        run(in_ns(ns, ["ip", "link", "set", peer, "up"]))
        run(in_ns(ns, ["ip", "route", "add", "224.0.0.0/4", "dev", peer]))
    for ns, link, _, _ in nets:
        wait_for(lambda: "state UP" in run(in_ns(ns, [
            "ip", "link", "show", link[:-1] + "1"])).stdout, 5)


def remove_veth_namespaces(nets):
    for ns, link, _, _ in nets:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        subprocess.run(["ip", "link", "del", link], capture_output=True)
