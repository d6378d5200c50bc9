#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Three nodes share six cameras through one PostgreSQL; a killed node's
cameras move to the survivors.

Run under tests/cluster/with-postgres (PGHOST etc. name its server). One
site config, read by every node through a symbolic link, plus a drop-in per
node (FILE.d/node.conf: [cluster] node, its own state-dir, metrics port and
network address 127.0.0.2x). Checks:
  - `--check-config` on the empty database says the schema is missing;
    `db migrate` creates it, and `--check-config` then passes;
  - the six rb-test-camera cameras are spread 2/2/2, and each node records
    (new raw segments in its own state-dir) the cameras it holds, and only
    those;
  - after `kill -9` of a node, each of its cameras is recorded by a
    survivor (a new segment file in that survivor's state-dir) within 10 s;
    while they move, no camera is ever run by two live nodes at once
    (their metrics, read every 0.2 s);
  - after SIGTERM of a second node, it releases its leases once its
    cameras stopped: the last node runs all six without waiting for a TTL.
"""

import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, wait_for  # noqa: E402
import camera_zoo  # noqa: E402

LAUNCHER = os.environ["RB_LAUNCHER"]
CAMERA = os.environ["RB_TEST_CAMERA"]
DEADLINE = time.monotonic() + 260
rb_e2e.set_deadline(DEADLINE)
NODES = ["n1", "n2", "n3"]
CAMERAS = [f"cam{i}" for i in range(1, 7)]
FAILOVER_S = 10.0


def psql(sql):
    out = subprocess.run(["psql", "-XAtq", "-F", " ", "-c", sql],
                         capture_output=True, text=True, timeout=20)
    return out.stdout if out.returncode == 0 else ""


def leases():
    """{camera: node} of the live leases."""
    rows = psql("SELECT camera, node FROM camera_leases "
                "WHERE node IS NOT NULL AND expires_at > now()")
    return dict(line.split(" ", 1) for line in rows.splitlines() if line)


def running(metrics_port):
    """The cameras a node's metrics say it runs, or None."""
    try:
        with urllib.request.urlopen(
                f"http://127.0.0.1:{metrics_port}/metrics", timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None
    return set(re.findall(
        r'^rtsp_blur_cluster_camera_running\{camera="([^"]+)"\} 1$', text,
        re.M))


def segments(state, camera):
    return set(glob.glob(os.path.join(state, "raw", camera, "*.mkv")))


def main():
    tmp = tempfile.mkdtemp(prefix="rb-cluster-test-")
    print(f"logs in {tmp}", flush=True)
    cam_ports = {c: camera_zoo.free_port() for c in CAMERAS}
    site = os.path.join(tmp, "site.conf")
    with open(site, "w") as f:
        f.write("[rtsp-blur]\nstate-dir=/nonexistent\nsegment-duration=2\n"
                "workers=0\nlive-bitrate=200\n\n"
                f"[cluster]\ndatabase=host={os.environ['PGHOST']} "
                f"port={os.environ['PGPORT']} "
                f"dbname={os.environ['PGDATABASE']} "
                f"user={os.environ['PGUSER']}\n\n")
        for c in CAMERAS:
            f.write(f"[camera:{c}]\nurl=rtsp://127.0.0.1:{cam_ports[c]}/cam"
                    "\n\n")
        f.write("[network:A]\naddress=127.0.0.1\nport=8554\nauth=none\n")
    nodes = {}
    for i, n in enumerate(NODES):
        d = os.path.join(tmp, n)
        os.makedirs(os.path.join(d, "rtsp-blur.conf.d"))
        conf = os.path.join(d, "rtsp-blur.conf")
        os.symlink(site, conf)
        addr = f"127.0.0.{21 + i}"
        mport = camera_zoo.free_port()
        with open(os.path.join(d, "rtsp-blur.conf.d", "node.conf"), "w") as f:
            f.write(f"[rtsp-blur]\nstate-dir={d}/state\nmetrics-port={mport}"
                    f"\n[cluster]\nnode={n}\n[network:A]\naddress={addr}\n"
                    f"port={camera_zoo.free_port(addr)}\n")
        nodes[n] = {"conf": conf, "state": os.path.join(d, "state"),
                    "metrics": mport, "log": os.path.join(d, "rtsp-blur.log"),
                    "proc": None}

    def run(args):
        return subprocess.run([LAUNCHER, "--config", nodes["n1"]["conf"]]
                              + args, capture_output=True, text=True,
                              timeout=60)

    procs = []
    try:
        r = run(["--check-config"])
        check(r.returncode != 0 and "schema" in r.stderr
              and os.environ["PGHOST"] in r.stderr,
              "--check-config before db migrate: the schema is missing, "
              f"naming the host (rc {r.returncode}: {r.stderr.strip()})")
        r = run(["db", "migrate"])
        check(r.returncode == 0 and "migrated from version 0" in r.stdout,
              f"db migrate creates the schema ({r.stdout.strip()}"
              f"{r.stderr.strip()})")
        r = run(["--check-config"])
        check(r.returncode == 0, f"--check-config passes after the migration"
              f" ({r.stdout.strip()}{r.stderr.strip()})")

        for c in CAMERAS:
            p = subprocess.Popen(
                [CAMERA, "--clip", camera_zoo.CLIP, "--address", "127.0.0.1",
                 "--port", str(cam_ports[c]), "--mount", "/cam", "--loop",
                 "--width", "160", "--height", "120", "--fps", "10",
                 "--bitrate", "150"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            procs.append(p)
            p.stdout.readline()
        for n in NODES:
            nodes[n]["proc"] = subprocess.Popen(
                [LAUNCHER, "--config", nodes[n]["conf"]],
                stdout=open(nodes[n]["log"], "w"), stderr=subprocess.STDOUT)

        spread = wait_for(lambda: (lambda l: len(l) == 6 and sorted(
            list(l.values()).count(n) for n in NODES) == [2, 2, 2] and l)(
                leases()), 40, 0.5)
        check(bool(spread), f"the six cameras are spread 2/2/2: {leases()}")
        owner = dict(spread or leases())

        def recording_own():
            for c, n in owner.items():
                if not segments(nodes[n]["state"], c):
                    return False
            return True
        check(wait_for(recording_own, 40, 0.5),
              "each node records the cameras it holds")
        others = [(c, n) for c, n in owner.items() for m in NODES
                  if m != n and segments(nodes[m]["state"], c)]
        check(not others, f"no node records a camera it does not hold: "
              f"{others}")

        # kill -9 a node; watch the survivors' metrics meanwhile
        victim = "n2"
        moved = [c for c, n in owner.items() if n == victim]
        survivors = [n for n in NODES if n != victim]
        before = {(n, c): segments(nodes[n]["state"], c)
                  for n in survivors for c in moved}
        doubles = []
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                seen = {}
                for n in survivors:
                    for c in running(nodes[n]["metrics"]) or ():
                        seen.setdefault(c, []).append(n)
                doubles.extend((c, ns) for c, ns in seen.items()
                               if len(ns) > 1)
                time.sleep(0.2)
        watcher = threading.Thread(target=watch)
        watcher.start()
        nodes[victim]["proc"].send_signal(signal.SIGKILL)
        nodes[victim]["proc"].wait()
        t0 = time.monotonic()
        resumed = {}

        def all_resumed():
            for c in moved:
                if c in resumed:
                    continue
                for n in survivors:
                    if segments(nodes[n]["state"], c) - before[(n, c)]:
                        resumed[c] = (n, time.monotonic() - t0)
            return len(resumed) == len(moved)
        wait_for(all_resumed, 30, 0.1)
        stop.set()
        watcher.join()
        for c in moved:
            n, t = resumed.get(c, (None, None))
            check(t is not None and t <= FAILOVER_S,
                  f"camera {c} of the killed node is recorded by {n} "
                  f"{t if t is None else round(t, 1)} s after kill -9 "
                  f"(at most {FAILOVER_S} s)")
        check(not doubles, f"no camera was run by two live nodes at once "
              f"({doubles[:5]})")
        held = leases()
        check(sorted(held) == CAMERAS and victim not in held.values(),
              f"every camera is held by a survivor: {held}")

        # SIGTERM: the node hands its cameras over at once
        leaving, last = survivors
        nodes[leaving]["proc"].send_signal(signal.SIGTERM)
        t1 = time.monotonic()
        rc = nodes[leaving]["proc"].wait(timeout=40)
        check(rc == 0, f"the node stopped by SIGTERM exits 0 (rc {rc})")
        with open(nodes[leaving]["log"]) as f:
            check("released its leases" in f.read(),
                  "the stopped node released its leases")
        check(wait_for(lambda: running(nodes[last]["metrics"]) ==
                       set(CAMERAS), 15, 0.2),
              f"the last node runs every camera "
              f"{round(time.monotonic() - t1, 1)} s after the SIGTERM")
    finally:
        for n in NODES:
            p = nodes[n]["proc"]
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait()
        for p in procs:
            p.kill()
            p.wait()
    if failures:
        for n in NODES:
            print(f"--- {n}'s log (last lines)")
            with open(nodes[n]["log"]) as f:
                print("".join(f.readlines()[-30:]))
        print(f"{len(failures)} check(s) failed; logs in {tmp}")
        sys.exit(1)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
