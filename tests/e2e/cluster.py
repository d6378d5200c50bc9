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
    survivor (a new segment file in that survivor's state-dir) within 10 s,
    and served live by it within 10 s (GStreamer's rtspsrc decodes a frame
    from the node holding the lease; a probe every 0.5 s, two at most at
    once, as bench/cluster/failover.py does);
    while they move, no camera is ever run by two live nodes at once
    (their metrics, read every 0.2 s);
  - `status` then lists the nodes, the killed one not alive, and which
    node runs each camera (from the lease table);
  - after SIGTERM of a second node, it releases its leases once its
    cameras stopped: the last node runs all six without waiting for a TTL;
  - with `rebalance-after=3`, when that node starts again the last one
    hands cameras over one at a time until they run 3/3, each logged, and
    no camera is ever run by both at once.
"""

import os
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, wait_for  # noqa: E402
from rb_cluster import Site, first_frame, leases, running, segments  # noqa: E402,E501

DEADLINE = time.monotonic() + 260
rb_e2e.set_deadline(DEADLINE)
NODES = ["n1", "n2", "n3"]
CAMERAS = [f"cam{i}" for i in range(1, 7)]
FAILOVER_S = 10.0


def main():
    tmp = tempfile.mkdtemp(prefix="rb-cluster-test-")
    print(f"logs in {tmp}", flush=True)
    site = Site(tmp, NODES, CAMERAS, cluster_keys="rebalance-after=3\n")
    nodes = site.nodes
    run = site.run

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

        site.start_cameras()
        for n in NODES:
            site.start(n)

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
        live = {}

        def probe(c, n):
            if first_frame(site.live_url(n, c), timeout=5.0):
                live.setdefault(c, (n, time.monotonic() - t0))

        def served(c):
            probes = []
            while not stop.is_set() and c not in live:
                probes = [p for p in probes if p.is_alive()]
                n = leases().get(c)
                if n in survivors and len(probes) < 2:
                    p = threading.Thread(target=probe, args=(c, n))
                    p.start()
                    probes.append(p)
                time.sleep(0.5)
            for p in probes:
                p.join()
        watcher = threading.Thread(target=watch)
        watcher.start()
        site.kill(victim)
        t0 = time.monotonic()
        servers = [threading.Thread(target=served, args=(c,)) for c in moved]
        for t in servers:
            t.start()
        resumed = {}

        def all_resumed():
            for c in moved:
                if c in resumed:
                    continue
                for n in survivors:
                    if segments(nodes[n]["state"], c) - before[(n, c)]:
                        resumed[c] = (n, time.monotonic() - t0)
            return len(resumed) == len(moved)
        wait_for(lambda: all_resumed() and len(live) == len(moved), 30, 0.1)
        stop.set()
        watcher.join()
        for t in servers:
            t.join()
        for c in moved:
            n, t = resumed.get(c, (None, None))
            check(t is not None and t <= FAILOVER_S,
                  f"camera {c} of the killed node is recorded by {n} "
                  f"{t if t is None else round(t, 1)} s after kill -9 "
                  f"(at most {FAILOVER_S} s)")
            n, t = live.get(c, (None, None))
            check(t is not None and t <= FAILOVER_S,
                  f"camera {c} of the killed node is served live by {n} "
                  f"{t if t is None else round(t, 1)} s after kill -9 "
                  f"(at most {FAILOVER_S} s)")
        check(not doubles, f"no camera was run by two live nodes at once "
              f"({doubles[:5]})")
        held = leases()
        check(sorted(held) == CAMERAS and victim not in held.values(),
              f"every camera is held by a survivor: {held}")

        # status shows the cluster from the database: every node, the
        # killed one no longer alive, and who runs each camera
        r = run(["status"])
        lines = r.stdout.splitlines()
        check(r.returncode == 0
              and f"  node {victim}: not alive, capacity 6, runs 0 cameras"
              in lines
              and all(any(line.startswith(f"  node {n}: alive") for line in
                          lines) for n in survivors)
              and all(any(line.startswith(f"  camera {c}: node {n} (epoch ")
                          for line in lines) for c, n in held.items()),
              f"status lists the nodes, the dead one not alive, and which "
              f"node runs each camera (rc {r.returncode}):\n{r.stdout}"
              f"{r.stderr}")

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

        # rebalancing: the node that comes back gets its share
        doubles.clear()
        stop.clear()
        survivors = [leaving, last]
        watcher = threading.Thread(target=watch)
        watcher.start()
        site.start(leaving)
        t2 = time.monotonic()
        even = wait_for(lambda: sorted(
            list(leases().values()).count(n) for n in survivors) == [3, 3]
            and len(running(nodes[leaving]["metrics"]) or ()) == 3
            and len(running(nodes[last]["metrics"]) or ()) == 3, 60, 0.5)
        stop.set()
        watcher.join()
        check(even, f"{leaving}, started again, runs 3 cameras and {last} 3 "
              f"{round(time.monotonic() - t2, 1)} s later: {leases()}")
        with open(nodes[last]["log"]) as f:
            handed = f.read().count("over to balance the load")
        check(handed == 3, f"{last} handed 3 cameras over, one at a time, "
              f"each logged ({handed})")
        check(not doubles, f"no camera was run by both at once "
              f"({doubles[:5]})")
    finally:
        site.stop()
    if failures:
        for n in NODES:
            print(f"--- {n}'s log (last lines)")
            print(site.log_tail(n))
        print(f"{len(failures)} check(s) failed; logs in {tmp}")
        sys.exit(1)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
