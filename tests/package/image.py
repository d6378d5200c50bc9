#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The container image as carried into a closed network. Run by
scripts/package-test, as root:

  image.py IMAGE.tar CAMERA CLIP

`podman load` of the tar (no registry), then `podman run` with the host's
network, the operator's config mounted over the sample and a named volume
for the state directory:
  - the image runs rtsp-blur as the non-root user rtsp-blur, its state
    directory is a volume, its HEALTHCHECK (rtsp-blur status) passes;
  - ffprobe on the host plays the anonymized stream (time to first frame);
  - `podman stop` (SIGTERM) finalizes and queues the open segment, exit 0;
  - a second container on the same volume keeps the recordings and queue.
"""

import glob
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "e2e"))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, free_port, wait_for  # noqa: E402
from package import (count_frames, edit_sample, ffprobe_stream, log,  # noqa
                     queue_items, run)

DEADLINE = time.monotonic() + float(os.environ.get("RB_PACKAGE_TIMEOUT",
                                                   "1200"))
rb_e2e.set_deadline(DEADLINE)
figures = {}


def podman(*args, timeout=120):
    return run(["podman"] + list(args), timeout=timeout)


# `podman run` options this machine needs, found by run_flags()
RUN_FLAGS = []
# This sandbox (2026-12): crun 1.8 refuses its cgroup layout ("cgroups in
# hybrid mode not supported": cgroup v1 controllers beside a cgroup2 mount
# that has hugetlb), and neither crun nor runc may raise RLIMIT_NOFILE or
# RLIMIT_NPROC to podman's defaults or the host's hard limits (EPERM, no
# CAP_SYS_RESOURCE). runc with lower limits works.
SANDBOX_FLAGS = ["--runtime", "runc", "--ulimit", "nofile=16384:16384",
                 "--ulimit", "nproc=8192:8192"]


def run_flags(image):
    """Plain `podman run` first; if it cannot start a container here, says
    why and tries SANDBOX_FLAGS. Returns the flags, or None."""
    out = podman("run", "--rm", "--entrypoint", "true", image)
    if out.returncode == 0:
        return []
    err = " ".join(ln for ln in out.stderr.splitlines() if "level=" not in ln)
    log("plain podman run fails here: " + err.strip())
    out = podman("run", "--rm", *SANDBOX_FLAGS, "--entrypoint", "true", image)
    if out.returncode == 0:
        figures["podman run needs here"] = " ".join(SANDBOX_FLAGS) + \
            " (plain: " + err.strip() + ")"
        return SANDBOX_FLAGS
    log("and with " + " ".join(SANDBOX_FLAGS) + ": " + out.stderr.strip())
    return None


def main():
    tar, camera_bin, clip = sys.argv[1:4]
    tmp = tempfile.mkdtemp(prefix="rb-image-test-", dir="/var/tmp")
    os.chmod(tmp, 0o755)
    tag = "rb-image-test-%d" % os.getpid()
    volume = tag + "-state"
    camera = None
    try:
        camera = test(tmp, tar, camera_bin, clip, tag, volume)
    finally:
        podman("rm", "-f", "-t", "0", tag + "-a", tag + "-b")
        podman("volume", "rm", "-f", volume)
        if figures.get("image"):
            podman("rmi", "-f", figures["image"])
        if camera is not None and camera.poll() is None:
            camera.send_signal(signal.SIGTERM)
            try:
                camera.wait(timeout=10)
            except subprocess.TimeoutExpired:
                camera.kill()
                camera.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    for k, v in figures.items():
        log(f"figure: {k}: {v}")
    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    print("all checks passed")
    return 0


def test(tmp, tar, camera_bin, clip, tag, volume):
    figures["image tar"] = "%.1f MB" % (os.path.getsize(tar) / 1e6)
    t0 = time.monotonic()
    out = podman("load", "-q", "-i", tar, timeout=600)
    figures["podman load"] = "%.1f s" % (time.monotonic() - t0)
    m = re.search(r"Loaded image(?:\(s\))?: (\S+)", out.stdout)
    if not check(out.returncode == 0 and m, "podman load -i the image tar (%s)"
                 % (out.stdout + out.stderr).strip()):
        return None
    image = m.group(1).split(",")[0]
    figures["image"] = image
    out = podman("image", "inspect", image)
    info = json.loads(out.stdout)[0] if out.returncode == 0 else {}
    cfg = info.get("Config", {})
    figures["image size (podman)"] = "%.1f MB" % (info.get("Size", 0) / 1e6)
    check(cfg.get("User") == "rtsp-blur", f"runs as user rtsp-blur "
          f"({cfg.get('User')})")
    check("/var/lib/rtsp-blur" in (cfg.get("Volumes") or {}),
          "the state directory is a volume")
    health = info.get("Healthcheck") or cfg.get("Healthcheck") or {}
    check("status" in " ".join(health.get("Test", [])),
          f"HEALTHCHECK runs rtsp-blur status ({health.get('Test')})")
    check(len(info.get("RootFS", {}).get("Layers", [])) == 1,
          "one layer: the Debian root made by mmdebstrap")

    cam_port = free_port()
    rtsp_port = free_port()
    http_port = free_port()
    metrics_port = free_port()
    flags = run_flags(image)
    if not check(flags is not None, "podman can run a container here"):
        return None
    RUN_FLAGS.extend(flags)
    out = podman("run", "--rm", *RUN_FLAGS, "--entrypoint", "cat", image,
                 "/etc/rtsp-blur/rtsp-blur.conf")
    if not check(out.returncode == 0, "the image holds the sample config (%s)"
                 % out.stderr.strip()):
        return None
    conf = edit_sample(out.stdout, cam_port, rtsp_port, http_port,
                       metrics_port)
    conf_path = os.path.join(tmp, "rtsp-blur.conf")
    with open(conf_path, "w") as f:
        f.write(conf)
    os.chmod(conf_path, 0o644)
    out = podman("run", "--rm", *RUN_FLAGS, "--network", "host", "-v",
                 conf_path + ":/etc/rtsp-blur/rtsp-blur.conf:ro", image,
                 "--check-config", "--config", "/etc/rtsp-blur/rtsp-blur.conf")
    check(out.returncode == 0, "--check-config in the image (%s%s)"
          % (out.stdout.strip(), out.stderr.strip()))

    camera = subprocess.Popen(
        [camera_bin, "--clip", clip, "--address", "127.0.0.1",
         "--port", str(cam_port), "--user", "user", "--password", "password",
         "--loop"], stdout=subprocess.PIPE, text=True)
    check("serving" in camera.stdout.readline(), "the test camera serves")

    def start(name):
        return podman("run", "-d", *RUN_FLAGS, "--name", name,
                      "--network", "host",
                      "-v", conf_path + ":/etc/rtsp-blur/rtsp-blur.conf:ro",
                      "-v", volume + ":/var/lib/rtsp-blur", image)

    t0 = time.monotonic()
    out = start(tag + "-a")
    check(out.returncode == 0, "podman run -d (%s)" % out.stderr.strip())
    live = f"rtsp://127.0.0.1:{rtsp_port}/entrance"
    s = wait_for(lambda: ffprobe_stream(live), 120, 0.5)
    if s:
        figures["podman run to first frame (ffprobe)"] = "%.1f s" % (
            time.monotonic() - t0)
    check(s is not None and s.get("codec_name") == "h264",
          f"ffprobe on the host reads the anonymized stream: {s}")
    out = podman("exec", tag + "-a", "id", "-un")
    check(out.stdout.strip() == "rtsp-blur", "the daemon is not root (%s)"
          % out.stdout.strip())
    # podman runs HEALTHCHECKs from systemd timers; with no systemd here
    # they never run on their own, so run it as the timer would
    out = podman("healthcheck", "run", tag + "-a", timeout=60)
    check(out.returncode == 0, "the HEALTHCHECK passes (%s%s)"
          % (out.stdout.strip(), out.stderr.strip()))

    out = podman("volume", "inspect", volume)
    mount = json.loads(out.stdout)[0]["Mountpoint"] if out.returncode == 0 \
        else tmp
    segs = wait_for(lambda: glob.glob(
        os.path.join(mount, "anonymized", "entrance", "*.mkv")), 90, 1)
    check(segs, "anonymized segments land in the volume")
    owners = {os.stat(p).st_uid for p in glob.glob(
        os.path.join(mount, "**"), recursive=True)}
    check(owners == {990}, f"the volume's files are rtsp-blur's ({owners})")

    t1 = time.monotonic()
    out = podman("stop", "-t", "60", tag + "-a", timeout=90)
    figures["podman stop"] = "%.1f s" % (time.monotonic() - t1)
    code = podman("inspect", "-f", "{{.State.ExitCode}}", tag + "-a")
    logs = podman("logs", tag + "-a").stderr
    check(code.stdout.strip() == "0", "podman stop: exit 0 (%s)"
          % code.stdout.strip())
    check("stopping: finalizing" in logs
          and "queued" in logs.split("stopping: finalizing")[-1],
          "the open segment is finalized and queued at stop")
    raws = sorted(glob.glob(os.path.join(mount, "raw", "entrance", "*.mkv")))
    check(raws and count_frames(raws[-1]) > 0, "the last raw segment decodes")
    before = set(glob.glob(os.path.join(mount, "anonymized", "*", "*.mkv")))
    items = queue_items(mount)

    out = start(tag + "-b")
    check(out.returncode == 0 and wait_for(lambda: ffprobe_stream(live), 90, 1)
          is not None, "a new container on the same volume plays")
    after = set(glob.glob(os.path.join(mount, "anonymized", "*", "*.mkv")))
    check(before and before <= after and set(items) <= set(queue_items(mount)),
          f"and keeps the recordings ({len(before)}) and the queue "
          f"({len(items)})")
    podman("stop", "-t", "60", tag + "-b", timeout=90)

    # container/compose.yaml as shipped, with this config
    compose_dir = os.path.join(tmp, "compose")
    os.makedirs(compose_dir)
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                       "container", "compose.yaml")
    with open(src) as f:
        text = f.read()
    with open(os.path.join(compose_dir, "compose.yaml"), "w") as f:
        f.write(text.replace("localhost/rtsp-blur:" + image.split(":")[-1],
                             image))
    shutil.copy(conf_path, compose_dir)
    open(os.path.join(compose_dir, "users.htdigest"), "w").close()
    compose = ["podman-compose", "-p", tag, "-f", "compose.yaml",
               "--podman-run-args=" + " ".join(RUN_FLAGS)]
    if check(shutil.which("podman-compose") is not None,
             "podman-compose is installed (apt-get install podman-compose)"):
        # Debian 12's podman-compose 1.0.3 adds `--net PROJECT_default
        # --network-alias SERVICE` beside network_mode: host, which podman
        # refuses ("cannot set multiple networks without bridge network
        # mode"; containers/podman-compose#961, #1186): run the command it
        # makes without those two options
        out = run(compose + ["--dry-run", "up", "-d"], timeout=180,
                  cwd=compose_dir)
        lines = [ln for ln in out.stdout.splitlines()
                 if ln.startswith("podman run ")]
        args = shlex.split(lines[0]) if lines else []
        for opt in ("--net", "--network-alias"):
            if opt in args:
                i = args.index(opt)
                del args[i:i + 2]
        check("--network" in args and "host" in args
              and any(a.endswith(":/var/lib/rtsp-blur") for a in args)
              and any(a.endswith(":/etc/rtsp-blur/rtsp-blur.conf:ro")
                      for a in args),
              "podman-compose makes podman run with host networking, the "
              "config and the state volume of container/compose.yaml")
        out = run(args, timeout=180, cwd=compose_dir) if args else None
        check(out is not None and out.returncode == 0 and wait_for(
            lambda: ffprobe_stream(live), 90, 1) is not None,
              "that container plays (%s)" % ((out.stdout + out.stderr)
                                            .strip()[-300:] if out else ""))
        podman("stop", "-t", "60", tag + "_rtsp-blur_1", timeout=90)
        podman("rm", "-f", tag + "_rtsp-blur_1")
        podman("volume", "rm", "-f", tag + "_rtsp-blur-state")
        podman("network", "rm", "-f", tag + "_default")
    return camera


if __name__ == "__main__":
    sys.exit(main())
