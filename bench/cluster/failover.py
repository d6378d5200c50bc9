#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""failover: how long a killed node's cameras take to come back on the
survivors, over several kills (see README.md). A benchmark that prints
figures, not a test: meson never runs it.

    tests/cluster/with-postgres bench/cluster/failover.py [--kills K]
        [--nodes N] [--cameras C] [--build DIR]
    tests/cluster/with-postgres bench/cluster/failover.py --cpu
        [--cpu-seconds S]

Failover: N nodes and C rb-test-camera cameras on loopback, as in
tests/e2e/cluster.py (tests/e2e/rb_cluster.py sets them up). K times:
kill -9 the node holding the most cameras; for each of its cameras,
measure the time from the kill to (1) the first new raw segment file of
the camera in a survivor's state-dir, and (2) the first video frame of the
camera's live stream read by GStreamer's rtspsrc and decoded, from the
survivor that holds its lease (a probe every 0.5 s from the moment that
lease is taken, at most 2 at once, each bounded to 5 s; a probe of a
served stream takes about 0.5 s, printed as the baseline); also (3) the time until a survivor's metrics say it runs
the camera (rtsp_blur_cluster_camera_running); restart the killed
node and wait until the site settles before the next kill.

--cpu: one node running the C cameras with [cluster] and once without
(the same cameras and config otherwise), its CPU time from /proc/PID/stat
over S seconds once every camera records; prints cores per camera.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
from rb_cluster import Site, first_frame, leases, psql, running, segments  # noqa: E402,E501

POLL_S = 0.1
PROBE_EVERY_S = 0.5
# at most this many probes of one camera at once: each is a gst-launch
# process, and more of them only load the 2 cores the nodes share
PROBES = 2
PROBE_TIMEOUT_S = 5.0
GIVE_UP_S = 60.0


def environment(build):
    """Points the launcher at the build tree's plugins, as meson's tests
    do."""
    build = os.path.abspath(build)
    os.environ.setdefault("RB_LAUNCHER",
                          os.path.join(build, "launcher", "rtsp-blur"))
    os.environ.setdefault("RB_TEST_CAMERA", os.path.join(
        build, "tests", "camera", "rb-test-camera"))
    system = subprocess.run(
        ["pkg-config", "--variable=pluginsdir", "gstreamer-1.0"],
        capture_output=True, text=True).stdout.strip()
    paths = [os.path.join(build, "plugins", p)
             for p in ("safedec", "headblur", "segmentqueue")] + [system]
    os.environ.setdefault("GST_PLUGIN_PATH_1_0", ":".join(paths))
    os.environ.setdefault("GST_PLUGIN_SYSTEM_PATH_1_0", "")
    os.environ.setdefault("GST_REGISTRY",
                          os.path.join(build, "bench-failover.registry"))
    for var in ("RB_LAUNCHER", "RB_TEST_CAMERA"):
        if not os.access(os.environ[var], os.X_OK):
            sys.exit(f"failover: {os.environ[var]} is not built "
                     "(meson compile -C BUILD)")


def fresh_database(name):
    """Creates the database @name (dropped first) and names it in PGDATABASE
    for what follows."""
    os.environ["PGDATABASE"] = "postgres"
    psql(f"DROP DATABASE IF EXISTS {name}")
    psql(f"CREATE DATABASE {name}")
    os.environ["PGDATABASE"] = name


def wait(pred, timeout, step=0.25):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def settled(site, live_nodes):
    """Every camera is leased to a node of @live_nodes, and each of them
    runs (its metrics) exactly the cameras it holds."""
    held = leases()
    if sorted(held) != sorted(site.cameras):
        return False
    for n in live_nodes:
        mine = {c for c, o in held.items() if o == n}
        if running(site.nodes[n]["metrics"]) != mine:
            return False
    return held


def node_alive(name):
    return psql(f"SELECT alive_until > now() FROM nodes "
                f"WHERE name = '{name}'").strip() == "t"


def measure_kill(site, victim, moved):
    """Kills @victim; returns {camera: (recorded_s, live_s)} (None when
    not within GIVE_UP_S)."""
    survivors = [n for n in site.names if n != victim]
    before = {(n, c): segments(site.nodes[n]["state"], c)
              for n in survivors for c in moved}
    rec, live, owners, run = {}, {}, {}, {}
    stop = threading.Event()

    def recorded(c):
        while not stop.is_set():
            for n in survivors:
                if segments(site.nodes[n]["state"], c) - before[(n, c)]:
                    rec[c] = time.monotonic() - t0
                    owners[c] = n
                    return
            time.sleep(POLL_S)

    def started(c):
        while not stop.is_set():
            for n in survivors:
                if c in (running(site.nodes[n]["metrics"]) or ()):
                    run[c] = time.monotonic() - t0
                    return
            time.sleep(POLL_S)

    def served(c):
        # a probe every PROBE_EVERY_S while a survivor holds the lease, up
        # to PROBES at once: a failing probe does not delay the next one
        probes = []
        while not stop.is_set() and c not in live:
            probes = [p for p in probes if p.is_alive()]
            owner = leases().get(c)
            if owner in survivors and len(probes) < PROBES:
                p = threading.Thread(target=probe, args=(c, owner))
                p.start()
                probes.append(p)
            time.sleep(PROBE_EVERY_S)
        for p in probes:
            p.join()

    def probe(c, owner):
        if first_frame(site.live_url(owner, c), timeout=PROBE_TIMEOUT_S):
            with lock:
                live.setdefault(c, time.monotonic() - t0)

    lock = threading.Lock()
    threads = [threading.Thread(target=f, args=(c,))
               for c in moved for f in (recorded, started, served)]
    site.kill(victim)
    t0 = time.monotonic()
    for t in threads:
        t.start()
    end = t0 + GIVE_UP_S
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))
    stop.set()
    for t in threads:
        t.join()
    return {c: (rec.get(c), live.get(c), owners.get(c), run.get(c))
            for c in moved}


def fmt(v):
    return "  >%2.0f s" % GIVE_UP_S if v is None else "%5.1f s" % v


def summary(what, values):
    got = [v for v in values if v is not None]
    missing = len(values) - len(got)
    if not got:
        return f"{what}: none within {GIVE_UP_S:.0f} s"
    line = (f"{what}: median {statistics.median(got):.1f} s, "
            f"max {max(got):.1f} s, min {min(got):.1f} s over {len(got)} "
            "cameras")
    if missing:
        line += f" ({missing} not within {GIVE_UP_S:.0f} s)"
    return line


def failover(args):
    tmp = tempfile.mkdtemp(prefix="rb-bench-failover-")
    fresh_database("rb_bench_failover")
    names = [f"n{i}" for i in range(1, args.nodes + 1)]
    cams = [f"cam{i}" for i in range(1, args.cameras + 1)]
    # no rebalancing: a restarted node stays idle until the next kill, as
    # in runs 1-5 (bench/cluster/README.md)
    site = Site(tmp, names, cams, cluster_keys="rebalance-after=0\n")
    results = []
    ok = False
    try:
        r = site.run(["db", "migrate"])
        if r.returncode != 0:
            sys.exit(f"failover: db migrate failed: {r.stderr.strip()}")
        site.start_cameras()
        for n in names:
            site.start(n)
        if not wait(lambda: settled(site, names), 90, 0.5):
            sys.exit(f"failover: the site did not settle: {leases()} "
                     f"(logs in {tmp})")
        print(f"{args.nodes} nodes, {args.cameras} cameras, spread "
              f"{sorted(leases().values())}; load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)
        base = []
        for c, n in sorted(leases().items()):
            t = time.monotonic()
            if first_frame(site.live_url(n, c), timeout=PROBE_TIMEOUT_S):
                base.append(time.monotonic() - t)
        print(f"baseline: a live probe of a served camera takes "
              f"{statistics.median(base) if base else float('nan'):.2f} s "
              f"(median of {len(base)})", flush=True)
        for k in range(1, args.kills + 1):
            held = leases()
            counts = {n: list(held.values()).count(n) for n in names}
            top = max(counts.values())
            tied = [n for n in names if counts[n] == top]
            victim = tied[k % len(tied)]
            moved = sorted(c for c, n in held.items() if n == victim)
            times = measure_kill(site, victim, moved)
            for c in moved:
                results.append(times[c])
                rec, lv, owner, started = times[c]
                print(f"kill {k:2d} {victim} {c} -> {owner}: running "
                      f"{fmt(started)}, recorded {fmt(rec)}, live {fmt(lv)}",
                      flush=True)
            site.start(victim)
            if not wait(lambda: node_alive(victim)
                        and settled(site, names), 60, 0.5):
                print(f"kill {k}: the site did not settle after the "
                      f"restart of {victim}: {leases()}", flush=True)
                break
            time.sleep(2)
        print(f"load average {os.getloadavg()[0]:.1f}")
        print(summary("recorded (first new segment)",
                      [r[0] for r in results]))
        print(summary("live (first frame from the survivor)",
                      [r[1] for r in results]))
        print(summary("running (the survivor's metrics)",
                      [r[3] for r in results]))
        # keep the logs when a camera did not come back
        ok = all(None not in (r[0], r[1], r[3]) for r in results)
    finally:
        site.stop()
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"logs in {tmp}")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 (1-based) of the whole line
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_one(args, cluster):
    tmp = tempfile.mkdtemp(prefix="rb-bench-cpu-")
    cams = [f"cam{i}" for i in range(1, args.cameras + 1)]
    if cluster:
        fresh_database("rb_bench_cpu")
    site = Site(tmp, ["solo"], cams, cluster=cluster)
    try:
        if cluster:
            r = site.run(["db", "migrate"])
            if r.returncode != 0:
                sys.exit(f"cpu: db migrate failed: {r.stderr.strip()}")
        site.start_cameras()
        proc = site.start("solo")
        state = site.nodes["solo"]["state"]
        if not wait(lambda: all(segments(state, c) for c in cams), 90, 0.5):
            sys.exit(f"cpu: not every camera records (logs in {tmp})")
        time.sleep(5)
        load = os.getloadavg()[0]
        c0, t0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(args.cpu_seconds)
        c1, t1 = cpu_seconds(proc.pid), time.monotonic()
        if proc.poll() is not None:
            sys.exit(f"cpu: the node exited (logs in {tmp})")
        cores = (c1 - c0) / (t1 - t0)
        print(f"[cluster] {'on ' if cluster else 'off'}: {cores:.3f} core "
              f"for {len(cams)} cameras, {cores / len(cams):.4f} core per "
              f"camera (over {t1 - t0:.0f} s, load average {load:.1f})",
              flush=True)
        return cores / len(cams)
    finally:
        site.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kills", type=int, default=10)
    p.add_argument("--nodes", type=int, default=3)
    p.add_argument("--cameras", type=int, default=6)
    p.add_argument("--cpu", action="store_true",
                   help="CPU per camera with [cluster] on and off instead")
    p.add_argument("--cpu-seconds", type=float, default=30.0)
    p.add_argument("--build", default=os.path.join(TOP, "build"))
    args = p.parse_args()
    if "PGHOST" not in os.environ:
        sys.exit("failover: run it under tests/cluster/with-postgres "
                 "(or with PGHOST etc. naming a server)")
    if args.nodes < 2 or args.cameras < 1 or args.kills < 1:
        sys.exit("failover: at least 2 nodes, 1 camera and 1 kill")
    environment(args.build)
    if args.cpu:
        off = cpu_one(args, False)
        on = cpu_one(args, True)
        print(f"[cluster] costs {on - off:+.4f} core per camera "
              f"({(on - off) / off * 100:+.1f} %)")
    else:
        failover(args)


if __name__ == "__main__":
    main()
