#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Faults of a cluster: a node's network cut, the database down, a drain.

Run as root under tests/cluster/with-postgres. The test builds a small
site: a bridge in the root namespace (10.231.0.1, where PostgreSQL now also
listens on TCP and six rb-test-camera cameras serve), and three network
namespaces, one per node, each joined to the bridge by a veth pair and
holding the node's A and B addresses. Every node runs in its namespace and
reaches the database, the cameras and the other nodes' heartbeats over its
link only. Checks, each bounded in time:

  (a) network cut: `ip link set down` of a node's link inside its
      namespace. Its cameras are recorded by the other nodes within 10 s,
      and the cut node stopped writing them before any other node started:
      no file of the cut node for a moved camera was written after the
      first segment its new owner began (file modification times against
      the start time in the new owner's file names). Once the link is back
      the node runs again (takes part, no camera on two nodes).
  (b) database down 30 s (pg_ctl stop -m immediate): every node keeps its
      cameras. Each camera is served live by its owner (GStreamer's
      rtspsrc reads a decoded frame) 10 s and 25 s into the outage, and
      records new segment files during it. The database restarted, 15 s
      later no camera changed owner or epoch.
  (c) drain: `rtsp-blur cluster drain NODE` moves its cameras to the
      others, each with a gap of at most one segment (4 s) between the
      drained node's last write and its new owner's first segment, and the
      drained node then runs none; `cluster undrain NODE` clears the flag.
"""

import datetime
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, wait_for  # noqa: E402
import camera_zoo  # noqa: E402
from rb_cluster import first_frame, leases, psql  # noqa: E402

DEADLINE = time.monotonic() + 420
rb_e2e.set_deadline(DEADLINE)
LAUNCHER = os.environ["RB_LAUNCHER"]
TEST_CAMERA = os.environ["RB_TEST_CAMERA"]
TAG = f"rbf{os.getpid() % 10000}"
BRIDGE = f"{TAG}br"
HOST = "10.231.0.1"
NODES = ["n1", "n2", "n3"]
CAMERAS = [f"cam{i}" for i in range(1, 7)]
SEGMENT_S = 4
MOVE_S = 10.0
OUTAGE_S = 30


def sh(cmd, timeout=30, check_rc=True):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check_rc and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")
    return r


def ns_of(node):
    return f"{TAG}{node}"


def addr(node, net):
    i = NODES.index(node) + 1
    return f"10.231.0.{10 * i + (1 if net == 'A' else 2)}"


def setup_network():
    teardown_stale()
    sh(["ip", "link", "add", BRIDGE, "type", "bridge"])
    sh(["ip", "addr", "add", f"{HOST}/24", "dev", BRIDGE])
    sh(["ip", "link", "set", BRIDGE, "up"])
    for n in NODES:
        ns, host_end, ns_end = ns_of(n), f"{TAG}{n}h", f"{TAG}{n}n"
        sh(["ip", "netns", "add", ns])
        sh(["ip", "link", "add", host_end, "type", "veth", "peer", "name",
            ns_end])
        sh(["ip", "link", "set", ns_end, "netns", ns])
        sh(["ip", "link", "set", host_end, "master", BRIDGE])
        sh(["ip", "link", "set", host_end, "up"])
        sh(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"])
        for net in ("A", "B"):
            sh(["ip", "netns", "exec", ns, "ip", "addr", "add",
                f"{addr(n, net)}/24", "dev", ns_end])
        sh(["ip", "netns", "exec", ns, "ip", "link", "set", ns_end, "up"])
    # usable once the links are up (IPv4: no duplicate detection)
    ok = wait_for(lambda: all("state UP" in sh(
        ["ip", "netns", "exec", ns_of(n), "ip", "link", "show",
         f"{TAG}{n}n"]).stdout for n in NODES), 15, 0.2)
    if not ok:
        raise RuntimeError("the namespaces' links do not come up")


def teardown_stale():
    """Namespaces and links an earlier run of this test left (killed before
    its clean-up): they would hold the site's addresses."""
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True,
                         text=True).stdout
    for name in re.findall(r"^\d+: (rbf\d+(?:br|n\dh))[@:]", out, re.M):
        subprocess.run(["ip", "link", "del", name], capture_output=True)
    out = subprocess.run(["ip", "netns", "list"], capture_output=True,
                         text=True).stdout
    for name in re.findall(r"^(rbf\d+n\d)\b", out, re.M):
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def teardown_network():
    for n in NODES:
        subprocess.run(["ip", "netns", "del", ns_of(n)], capture_output=True)
        subprocess.run(["ip", "link", "del", f"{TAG}{n}h"],
                       capture_output=True)
    subprocess.run(["ip", "link", "del", BRIDGE], capture_output=True)


def link(node, up):
    sh(["ip", "netns", "exec", ns_of(node), "ip", "link", "set",
        f"{TAG}{node}n", "up" if up else "down"])


def pg_ctl(*args):
    cmd = [os.environ["RB_TEST_PGCTL"], "-D", os.environ["RB_TEST_PGDATA"],
           "-w"] + list(args)
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    sh(["timeout", "60"] + cmd, timeout=70)


def pg_start():
    log = os.path.join(os.environ["RB_TEST_PGDATA"], "..", "server.log")
    pg_ctl("-l", log, "start")


def pg_listen_on_bridge():
    """PostgreSQL also listens on the bridge's address, trusting the
    site's subnet, so that the nodes reach it over their links only."""
    data = os.environ["RB_TEST_PGDATA"]
    with open(os.path.join(data, "postgresql.conf"), "a") as f:
        f.write(f"listen_addresses = '{HOST}'\n")
    with open(os.path.join(data, "pg_hba.conf"), "a") as f:
        f.write("host all all 10.231.0.0/24 trust\n")
    pg_ctl("-m", "fast", "stop")
    pg_start()


class Node:
    def __init__(self, tmp, name, site):
        self.name = name
        d = os.path.join(tmp, name)
        os.makedirs(os.path.join(d, "rtsp-blur.conf.d"))
        self.conf = os.path.join(d, "rtsp-blur.conf")
        os.symlink(site, self.conf)
        self.state = os.path.join(d, "state")
        self.log = os.path.join(d, "rtsp-blur.log")
        self.metrics = f"{addr(name, 'A')}:9590"
        with open(os.path.join(d, "rtsp-blur.conf.d", "node.conf"),
                  "w") as f:
            f.write(f"[rtsp-blur]\nstate-dir={self.state}\n"
                    f"metrics-address={addr(name, 'A')}\n"
                    f"[cluster]\nnode={name}\n"
                    f"[network:A]\naddress={addr(name, 'A')}\n"
                    f"[network:B]\naddress={addr(name, 'B')}\n")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns_of(self.name), LAUNCHER, "--config",
             self.conf], stdout=open(self.log, "a"),
            stderr=subprocess.STDOUT)

    def running(self):
        """The cameras its metrics say it runs, or None."""
        try:
            with urllib.request.urlopen(f"http://{self.metrics}/metrics",
                                        timeout=2) as r:
                text = r.read().decode()
        except OSError:
            return None
        return set(re.findall(r'^rtsp_blur_cluster_camera_running'
                              r'\{camera="([^"]+)"\} 1$', text, re.M))

    def files(self, camera):
        return glob.glob(os.path.join(self.state, "raw", camera, "*.mkv"))

    def live(self, camera, timeout=6.0):
        return first_frame(f"rtsp://{addr(self.name, 'A')}:8554/{camera}",
                           timeout=timeout)


def started_at(path):
    """The wall time a segment began, from its name (CAM-YYYYmmddTHHMMSS.
    ffffffZ-N.mkv)."""
    stamp = os.path.basename(path).rsplit("-", 1)[0].split("-", 1)[1]
    t = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%S.%fZ")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()


def last_write(files):
    return max((os.path.getmtime(f) for f in files), default=0.0)


def lease_rows():
    rows = psql("SELECT camera, node, epoch FROM camera_leases "
                "ORDER BY camera")
    return [tuple(r.split(" ")) for r in rows.splitlines() if r]


def no_doubles(nodes):
    seen = {}
    for n in nodes.values():
        for c in n.running() or ():
            seen.setdefault(c, []).append(n.name)
    return {c: ns for c, ns in seen.items() if len(ns) > 1}


def moved_ok(nodes, src, cams, t_cut, before):
    """{camera: (new owner, first new segment's start)} for the cameras of
    @src another node records since @before."""
    out = {}
    for c in cams:
        for n in nodes.values():
            if n.name == src:
                continue
            new = set(n.files(c)) - before[(n.name, c)]
            if new:
                out[c] = (n.name, min(started_at(f) for f in new))
    return out


def scenario_cut(nodes):
    held = leases()
    victim = "n2"
    cams = sorted(c for c, o in held.items() if o == victim)
    before = {(n, c): set(nodes[n].files(c)) for n in NODES for c in cams}
    link(victim, False)
    t_cut = time.time()
    moved = {}
    wait_for(lambda: len(moved.update(moved_ok(nodes, victim, cams, t_cut,
                                               before)) or moved) ==
             len(cams), 30, 0.2)
    for c in cams:
        owner, start = moved.get(c, (None, None))
        check(start is not None and start - t_cut <= MOVE_S,
              f"(a) camera {c} of the cut node is recorded by {owner} "
              f"{None if start is None else round(start - t_cut, 1)} s "
              f"after the cut (at most {MOVE_S} s)")
        if start is not None:
            last = last_write(nodes[victim].files(c))
            check(last < start,
                  f"(a) the cut node stopped writing {c} "
                  f"{round(last - t_cut, 1)} s after the cut, before its "
                  f"new owner began ({round(start - t_cut, 1)} s): never two "
                  "recorders")
    time.sleep(2)
    for c in cams:
        check(last_write(nodes[victim].files(c)) < t_cut + 5,
              f"(a) the cut node no longer records {c}")
    with open(nodes[victim].log) as f:
        text = f.read()
    check("lost: its lease could not be renewed in time" in text,
          "(a) the cut node logs why it stopped its cameras")
    link(victim, True)
    check(wait_for(lambda: psql(f"SELECT alive_until > now() FROM nodes "
                                f"WHERE name = '{victim}'").strip() == "t",
                   30, 0.5),
          "(a) the node is alive again once its link is back")
    check(not no_doubles(nodes), "(a) no camera runs on two nodes after the "
          "link is back")


def scenario_db_down(nodes):
    settled = wait_for(lambda: len(leases()) == 6 and all(
        nodes[n].running() == {c for c, o in leases().items() if o == n}
        for n in NODES) and leases(), 30, 0.5)
    check(bool(settled), f"(b) every camera runs on its lease holder before "
          f"the outage: {leases()}")
    rows = lease_rows()
    owner = dict(settled or {})
    before = {c: set(nodes[o].files(c)) for c, o in owner.items()}
    pg_ctl("-m", "immediate", "stop")
    t_stop = time.monotonic()
    try:
        for at in (10, 25):
            time.sleep(max(0.0, t_stop + at - time.monotonic()))
            for c, o in sorted(owner.items()):
                ok = nodes[o].live(c) or nodes[o].live(c)
                check(ok, f"(b) {at} s into the database outage, {o} "
                      f"serves {c} live")
        for c, o in sorted(owner.items()):
            new = set(nodes[o].files(c)) - before[c]
            check(len(new) >= 2, f"(b) {o} recorded {len(new)} new segments "
                  f"of {c} during the outage (at least 2)")
        for n in NODES:
            check(nodes[n].running() == {c for c, o in owner.items()
                                         if o == n},
                  f"(b) {n} still runs its cameras at the end of the outage")
    finally:
        time.sleep(max(0.0, t_stop + OUTAGE_S - time.monotonic()))
        pg_start()
    time.sleep(15)
    check(lease_rows() == rows, f"(b) after the outage no camera changed "
          f"owner or epoch: {rows} then {lease_rows()}")
    check(not no_doubles(nodes), "(b) no camera runs on two nodes")


def scenario_drain(nodes, run):
    held = leases()
    victim = "n3"
    cams = sorted(c for c, o in held.items() if o == victim)
    check(bool(cams), f"(c) {victim} runs cameras to hand over: {held}")
    before = {(n, c): set(nodes[n].files(c)) for n in NODES for c in cams}
    r = run(["cluster", "drain", victim])
    t0 = time.time()
    check(r.returncode == 0 and "is draining" in r.stdout,
          f"(c) cluster drain {victim} (rc {r.returncode}: "
          f"{r.stdout.strip()}{r.stderr.strip()})")
    moved = {}
    wait_for(lambda: len(moved.update(moved_ok(nodes, victim, cams, t0,
                                               before)) or moved) ==
             len(cams), 30, 0.2)
    for c in cams:
        owner, start = moved.get(c, (None, None))
        last = last_write(nodes[victim].files(c))
        check(start is not None and last < start
              and start - last <= SEGMENT_S,
              f"(c) {c} moved to {owner}: the drained node's last write "
              f"{round(last - t0, 1)} s, the new owner's first segment "
              f"{None if start is None else round(start - t0, 1)} s after "
              f"the drain (a gap of at most {SEGMENT_S} s)")
    check(wait_for(lambda: nodes[victim].running() == set(), 10, 0.5),
          f"(c) the drained node runs no camera: {nodes[victim].running()}")
    check(victim not in leases().values(), "(c) it holds no lease")
    r = run(["cluster", "undrain", victim])
    check(r.returncode == 0 and psql(
        f"SELECT draining FROM nodes WHERE name = '{victim}'").strip() == "f",
        f"(c) cluster undrain clears the flag ({r.stdout.strip()}"
        f"{r.stderr.strip()})")
    r = run(["cluster", "drain", "nosuchnode"])
    check(r.returncode != 0 and "no node nosuchnode" in r.stderr,
          f"(c) drain of an unknown node fails, naming it "
          f"({r.stderr.strip()})")


def main():
    if not check(os.geteuid() == 0, "the test runs as root (ip netns)"):
        sys.exit(1)
    tmp = tempfile.mkdtemp(prefix="rb-cluster-faults-")
    print(f"logs in {tmp}", flush=True)
    cams, nodes = [], {}
    try:
        setup_network()
        pg_listen_on_bridge()
        os.environ["PGDATABASE"] = "postgres"
        ports = {c: camera_zoo.free_port(HOST) for c in CAMERAS}
        site = os.path.join(tmp, "site.conf")
        with open(site, "w") as f:
            f.write(f"[rtsp-blur]\nstate-dir=/nonexistent\n"
                    f"segment-duration={SEGMENT_S}\nworkers=0\n"
                    "live-bitrate=200\nmetrics-port=9590\n\n"
                    f"[cluster]\ndatabase=host={HOST} "
                    f"port={os.environ['PGPORT']} dbname=postgres "
                    f"user={os.environ['PGUSER']} connect_timeout=3\n\n")
            for c in CAMERAS:
                f.write(f"[camera:{c}]\nurl=rtsp://{HOST}:{ports[c]}/cam\n\n")
            f.write("[network:A]\naddress=127.0.0.1\nport=8554\nauth=none\n"
                    "[network:B]\naddress=127.0.0.1\nport=8554\nauth=none\n")
        for c in CAMERAS:
            p = subprocess.Popen(
                [TEST_CAMERA, "--clip", camera_zoo.CLIP, "--address", HOST,
                 "--port", str(ports[c]), "--mount", "/cam", "--loop",
                 "--width", "160", "--height", "120", "--fps", "10",
                 "--bitrate", "150"], stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True)
            cams.append(p)
            p.stdout.readline()
        nodes = {n: Node(tmp, n, site) for n in NODES}

        def run(args):
            return subprocess.run([LAUNCHER, "--config", nodes["n1"].conf]
                                  + args, capture_output=True, text=True,
                                  timeout=60)
        r = run(["db", "migrate"])
        check(r.returncode == 0, f"db migrate ({r.stderr.strip()})")
        for n in NODES:
            nodes[n].start()
        spread = wait_for(lambda: (lambda l: len(l) == 6 and sorted(
            list(l.values()).count(n) for n in NODES) == [2, 2, 2] and l)(
                leases()), 60, 0.5)
        check(bool(spread), f"the six cameras are spread 2/2/2: {leases()}")
        check(wait_for(lambda: all(nodes[n].running() == {
            c for c, o in leases().items() if o == n} for n in NODES), 30,
            0.5), "each node runs the cameras it holds")
        # the heartbeats settle (a node takes another's expired lease only
        # after RB_CLUSTER_REJOIN_MS connected)
        time.sleep(7)

        t = time.monotonic()
        scenario_cut(nodes)
        print(f"(a) took {time.monotonic() - t:.0f} s", flush=True)
        t = time.monotonic()
        scenario_db_down(nodes)
        print(f"(b) took {time.monotonic() - t:.0f} s", flush=True)
        t = time.monotonic()
        scenario_drain(nodes, run)
        print(f"(c) took {time.monotonic() - t:.0f} s", flush=True)
    finally:
        for n in nodes.values():
            if n.proc is not None and n.proc.poll() is None:
                n.proc.kill()
                n.proc.wait()
        for p in cams:
            p.kill()
            p.wait()
        teardown_network()
    if failures:
        for n in NODES:
            print(f"--- {n}'s log (last lines)")
            try:
                with open(os.path.join(tmp, n, "rtsp-blur.log")) as f:
                    print("".join(f.readlines()[-25:]))
            except OSError:
                pass
        print(f"{len(failures)} check(s) failed; logs in {tmp}")
        sys.exit(1)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
