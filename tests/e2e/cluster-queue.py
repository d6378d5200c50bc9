#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Three nodes on one shared storage-dir share one segment queue in
PostgreSQL: any node anonymizes any node's segments, and across kill -9 of a
node (its workers with it) and 30 s without the database no segment is lost
or anonymized twice.

Run under tests/cluster/with-postgres. The site of tests/e2e/cluster.py
(rb_cluster.Site: one config, a drop-in per node, 127.0.0.2x) with three
cameras, [cluster] storage-dir shared by the nodes and one worker each.
Checks:
  - a segment recorded by one node is anonymized by another (the catalog's
    recorder, the worker's claim);
  - kill -9 of a node while its worker holds a claim, then its restart;
  - PostgreSQL stopped for 30 s: the segments finished meanwhile wait in
    the nodes' spools (state-dir/queue) and reach the database once it is
    back;
  - then, the cameras gone, the queue and the spools drain, and: every
    segment a node logged as queued has exactly one catalog row; none is
    left pending; every anonymized file has exactly one row and every row
    anonymized its file; no raw segment is left without a row; no segment
    was anonymized twice (the workers' logs).
"""

import collections
import glob
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, wait_for  # noqa: E402
from rb_cluster import (Site, leases, log_lines, pg_ctl, psql,  # noqa: E402
                        share_storage, spool)

DEADLINE = time.monotonic() + 270
rb_e2e.set_deadline(DEADLINE)
NODES = ["n1", "n2", "n3"]
CAMERAS = ["cam1", "cam2", "cam3"]
OUTAGE_S = 30
QUEUED = r"camera \S+: (?:recorded|recovered) segment (\S+) queued"
ANONYMIZED = r"worker: anonymized (\S+) into (\S+) in "


def sql_int(sql):
    out = psql(sql).strip()
    return int(out) if out.lstrip("-").isdigit() else -1


def cross_node():
    """Segments done by a worker of another node than their recorder."""
    return sql_int(
        "SELECT count(*) FROM queue_items q JOIN recordings r "
        "ON r.raw_path = q.location WHERE q.state = 'done' "
        "AND split_part(q.claimed_by, '/', 1) <> r.node")


def main():
    tmp = tempfile.mkdtemp(prefix="rb-cluster-queue-test-")
    print(f"logs in {tmp}", flush=True)
    storage = os.path.join(tmp, "storage")
    os.makedirs(storage)
    site = Site(tmp, NODES, CAMERAS, segment_duration=4)
    share_storage(site, storage, workers=1)

    try:
        r = site.run(["db", "migrate"])
        check(r.returncode == 0, f"db migrate ({r.stderr.strip()})")
        site.start_cameras()
        for n in NODES:
            site.start(n)
        check(bool(wait_for(lambda: len(leases()) == 3, 40, 0.5)),
              f"the three cameras are leased: {leases()}")

        check(wait_for(lambda: cross_node() > 0, 60, 0.5),
              "a segment recorded by one node is anonymized by another "
              f"({cross_node()} so far)")

        # kill -9 a node while its worker holds a claim, then restart it
        victim = "n2"
        held = wait_for(lambda: sql_int(
            "SELECT count(*) FROM queue_items WHERE state = 'claimed' "
            f"AND claimed_by LIKE '{victim}/%'") > 0, 30, 0.1)
        site.kill(victim)
        print(f"killed {victim} (holding a claim: {bool(held)})", flush=True)
        time.sleep(3)
        site.start(victim)

        # the database down for OUTAGE_S
        time.sleep(5)
        pg_ctl("stop")
        t0 = time.monotonic()
        spooled = set()
        while time.monotonic() - t0 < OUTAGE_S:
            for n in NODES:
                spooled.update(spool(site, n))
            time.sleep(1)
        pg_ctl("start")
        print(f"database back after {round(time.monotonic() - t0)} s; "
              f"{len(spooled)} segments were spooled meanwhile", flush=True)
        check(len(spooled) > 0, "segments finished while the database was "
              f"down waited in the spools ({len(spooled)})")
        check(wait_for(lambda: all(not spool(site, n) for n in NODES), 30,
                       0.5),
              "the spools are forwarded once the database is back")

        # no new segments: the cameras go; the queue drains
        time.sleep(8)
        for p in site.camera_procs:
            p.kill()
            p.wait()
        site.camera_procs = []
        time.sleep(10)

        def drained():
            return (all(not spool(site, n) and not spool(site, n, "claimed")
                        for n in NODES)
                    and sql_int("SELECT count(*) FROM queue_items WHERE "
                                "state IN ('pending', 'claimed')") == 0)
        check(wait_for(drained, 120, 1),
              "the queue drains: " + psql(
                  "SELECT state, count(*) FROM queue_items GROUP BY state")
              .replace("\n", ", "))

        queued = set()
        anonymized = []
        for n in NODES:
            queued.update(log_lines(site, n, QUEUED))
            anonymized += log_lines(site, n, ANONYMIZED)
        rows = psql("SELECT raw_path, state, coalesce(anonymized_path, '') "
                    "FROM recordings").split("\n")
        rows = [r.split(" ") for r in rows if r]
        by_raw = collections.Counter(r[0] for r in rows)
        check(len(queued) > 10 and set(by_raw) == queued
              and max(by_raw.values()) == 1,
              f"every segment queued ({len(queued)}) has exactly one catalog "
              f"row ({len(rows)} rows; missing "
              f"{sorted(queued - set(by_raw))[:3]}, unknown "
              f"{sorted(set(by_raw) - queued)[:3]})")
        states = collections.Counter(r[1] for r in rows)
        check(states["recorded"] == 0 and states["anonymized"] > 0,
              f"no catalog row is left recorded: {dict(states)}")
        twice = [a for a, k in collections.Counter(
            raw for raw, _ in anonymized).items() if k > 1]
        check(not twice, f"no segment anonymized twice "
              f"({len(anonymized)} anonymized; twice: {twice[:3]})")
        files = set(glob.glob(os.path.join(storage, "anonymized", "*",
                                           "*.mkv")))
        cat_anon = [r[2] for r in rows if r[1] == "anonymized"]
        check(set(cat_anon) == files and len(cat_anon) == len(files),
              f"the anonymized files ({len(files)}) are those of the "
              f"catalog ({len(cat_anon)})")
        raws = set(glob.glob(os.path.join(storage, "raw", "*", "*.mkv")))
        check(raws <= set(by_raw),
              f"no raw segment without a catalog row: "
              f"{sorted(raws - set(by_raw))[:3]}")
        recorders = dict(r.split(" ") for r in psql(
            "SELECT raw_path, node FROM recordings").split("\n") if r)
        cross = 0
        for n in NODES:
            for raw, _ in log_lines(site, n, ANONYMIZED):
                cross += recorders.get(raw) not in (None, n)
        check(cross > 0, f"{cross} of {len(anonymized)} segments were "
              "anonymized by another node than their recorder")

        # the catalog: the command and the management listener
        r = site.run(["recordings", "--camera", "cam1", "--json"])
        cli = json.loads(r.stdout) if r.returncode == 0 else []
        n_cam1 = sql_int("SELECT count(*) FROM recordings "
                         "WHERE camera = 'cam1'")
        check(len(cli) == n_cam1 > 2 and all(
            x["camera"] == "cam1" and x["state"] == "anonymized"
            and x["anonymized_path"] and x["bytes"] > 0
            and x["heads_masked"] is not None for x in cli),
              f"recordings --camera cam1 --json lists cam1's {n_cam1} "
              f"segments ({len(cli)}; rc {r.returncode} {r.stderr.strip()})")
        if len(cli) > 2:
            t_from, t_to = cli[1]["start"], cli[2]["start"]
            want = [x["id"] for x in cli
                    if x["end"] >= t_from and x["start"] < t_to]
            r = site.run(["recordings", "--camera", "cam1", "--from", t_from,
                          "--to", t_to, "--json"])
            got = ([x["id"] for x in json.loads(r.stdout)]
                   if r.returncode == 0 else None)
            check(got == want and len(want) >= 1,
                  f"--from {t_from} --to {t_to} lists the segments "
                  f"overlapping the window: {got} (want {want})")
        r = site.run(["recordings"])
        lines = r.stdout.splitlines()
        check(r.returncode == 0 and lines[0].startswith("camera")
              and len(lines) == 1 + len(rows),
              f"recordings prints a table of every segment "
              f"({len(lines) - 1} lines for {len(rows)} rows)")
        port = site.nodes["n1"]["metrics"]
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/recordings?camera=cam1",
                    timeout=10) as resp:
                api = json.loads(resp.read())
        except OSError as e:
            api = str(e)
        check(api == cli, "GET /api/recordings?camera=cam1 serves the "
              "same list as the command")
        r = site.run(["recordings", "--from", "yesterday"])
        check(r.returncode != 0 and "'yesterday'" in r.stderr,
              f"a time that is not ISO 8601 is refused: {r.stderr.strip()}")
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
