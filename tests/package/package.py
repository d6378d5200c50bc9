#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Debian package installed in a clean Debian 12 and run by a real
systemd. Run by scripts/package-test (by hand: it takes longer
than CI allows, see there), as root:

  package.py DEB NEXT_DEB CAMERA CLIP

DEB and NEXT_DEB are the same tree built at version N and N+1
(scripts/package-test makes both); CAMERA is rb-test-camera from build/.

  1. A fresh Debian 12 root (mmdebstrap --variant=minbase, systemd, dbus)
     from Debian's archive; `apt-get install ./DEB` in it (dependencies from
     the archive, no recommends). The files are where they belong: plugins
     in GStreamer's plugin directory, the models with the sha256 of their
     SHA256SUMS, hls.js, the man page, the sample config in /etc/rtsp-blur
     and the unit, enabled.
  2. `rtsp-blur --check-config` passes on the sample config pointed at the
     test camera (URL, ports and segment length edited, as an operator
     would).
  3. Booted with `systemd-nspawn -b` (systemd is PID 1; the host's network,
     so the camera and the clients are on the host's loopback):
     - with the unedited sample the unit is enabled but not started (its
       ExecCondition= skips it and says why);
     - with the edited config `systemctl start` starts it; ffprobe and
       ffmpeg on the host play the anonymized stream, the operator page
       and its hls.js are served from the package;
     - the state directory belongs to the dynamic user the daemon runs as;
     - `systemctl reload` logs the status lines;
     - `journalctl -u rtsp-blur -o json` has structured entries (GLib's
       domain and priority fields);
     - `systemctl stop` finalizes and queues the open segment, exit 0;
     - a config error fails the start without a restart loop;
     - upgrade N -> N+1 while running: config, state directory, queue and
       recordings kept, the daemon restarted on the new version.
Prints one "ok:"/"FAIL:" line per check and the figures (install time,
time to first frame); exits 1 if any check failed.
"""

import glob
import json
import os
import re
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

DEADLINE = time.monotonic() + float(os.environ.get("RB_PACKAGE_TIMEOUT",
                                                   "3600"))
rb_e2e.set_deadline(DEADLINE)
# Debian packages kept between runs (the archive is slow to reach here)
APT_CACHE = os.environ.get("RB_PACKAGE_APT_CACHE",
                           "/var/cache/rtsp-blur-package-test")
MIRROR = os.environ.get("RTSP_BLUR_DEBIAN_MIRROR", "")
ARCH_TRIPLET = "x86_64-linux-gnu"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
figures = {}


def log(msg):
    print("package-test: " + msg, flush=True)


def run(args, timeout=120, **kw):
    """@args run on the host; a CompletedProcess (text), never raises on a
    non-zero exit; a timeout gives returncode None."""
    try:
        return subprocess.run(args, capture_output=True, text=True,
                              timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(args, None, e.stdout or "",
                                           e.stderr or "")


def make_root(root):
    """A minimal Debian 12 with systemd, from the archive (mmdebstrap). The
    downloaded packages are kept in APT_CACHE for the next run."""
    os.makedirs(os.path.join(APT_CACHE, "partial"), exist_ok=True)
    args = ["mmdebstrap", "--variant=minbase", "--mode=root",
            "--include=systemd,systemd-sysv,dbus",
            "--skip=download/empty",
            "--setup-hook=mkdir -p \"$1/var/cache/apt/archives\"",
            "--setup-hook=sync-in " + APT_CACHE + " /var/cache/apt/archives",
            "--customize-hook=sync-out /var/cache/apt/archives " + APT_CACHE,
            "bookworm", root]
    if MIRROR:
        args.append(MIRROR)
    return run(args, timeout=1800)


def nspawn(root, cmd, timeout=600, binds=()):
    """@cmd in @root with systemd-nspawn, not booted (as a chroot with /proc,
    /dev and the host's network)."""
    args = ["systemd-nspawn", "--register=no", "--keep-unit", "--quiet",
            "-D", root,
            "--setenv=DEBIAN_FRONTEND=noninteractive", "--setenv=LC_ALL=C"]
    for b in binds:
        args.append("--bind=" + b)
    return run(args + ["--"] + cmd, timeout=timeout)


class Booted:
    """@root booted by `systemd-nspawn -b`: systemd is its PID 1."""

    def __init__(self, root, log_path):
        self.root = root
        self.log = open(log_path, "a")
        self.proc = subprocess.Popen(
            ["systemd-nspawn", "--register=no", "--keep-unit", "--quiet",
             "-D", root, "-b", "--console=pipe"],
            stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT)
        self.leader = wait_for(self._find_leader, 60)

    def _find_leader(self):
        """The host pid of the container's PID 1: the child of nspawn that
        is pid 1 of its own pid namespace."""
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/status") as f:
                    status = f.read()
            except OSError:
                continue
            ppid = re.search(r"^PPid:\s+(\d+)$", status, re.M)
            nspid = re.search(r"^NSpid:\s+(\d+)\s+1$", status, re.M)
            if ppid and nspid and int(ppid.group(1)) == self.proc.pid:
                return int(pid)
        return None

    def sh(self, script, timeout=60):
        """@script run by /bin/sh inside the booted container."""
        return run(["nsenter", "-t", str(self.leader), "-a", "--",
                    "/usr/bin/env", "-i", "PATH=" + PATH, "LC_ALL=C",
                    "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0",
                    "DEBIAN_FRONTEND=noninteractive",
                    "/bin/sh", "-c", script], timeout=timeout)

    def out(self, script, timeout=60):
        return (self.sh(script, timeout).stdout or "").strip()

    def show(self, prop):
        return self.out(f"systemctl show -P {prop} rtsp-blur")

    def journal(self, after=None):
        """The unit's journal entries (dicts), after cursor @after."""
        cmd = "journalctl -u rtsp-blur -o json --no-pager"
        if after:
            cmd += f" --after-cursor='{after}'"
        entries = []
        for line in self.out(cmd).splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                pass
        return entries

    def cursor(self):
        e = self.journal()
        return e[-1]["__CURSOR"] if e else None

    def messages(self, after=None):
        return "\n".join(str(e.get("MESSAGE", "")) for e in
                         self.journal(after))

    def poweroff(self):
        if self.proc.poll() is None and self.leader:
            self.sh("systemctl poweroff", timeout=30)
        try:
            rc = self.proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        return rc


def ffprobe_stream(url):
    out = run(["ffprobe", "-v", "error", "-rtsp_transport", "tcp",
               "-select_streams", "v:0", "-show_entries",
               "stream=codec_name,width,height", "-of", "json", url],
              timeout=20)
    if out.returncode != 0:
        return None
    streams = json.loads(out.stdout).get("streams", [])
    return streams[0] if streams else None


def count_frames(path):
    out = run(["ffprobe", "-v", "error", "-count_frames", "-select_streams",
               "v:0", "-show_entries", "stream=nb_read_frames", "-of",
               "json", path], timeout=60)
    if out.returncode != 0:
        return 0
    streams = json.loads(out.stdout).get("streams", [])
    return int(streams[0].get("nb_read_frames", 0)) if streams else 0


def edit_sample(sample, cam_port, rtsp_port, http_port, metrics_port):
    """The sample config as an operator edits it: the camera's URL, the
    listener's ports, short segments (so that the test sees several). A
    key the sample leaves at its default is there commented out (#key=)."""
    text = sample
    for pattern, repl in (
            (r"(?m)^url=.*$",
             f"url=rtsp://user:password@127.0.0.1:{cam_port}/camera"),
            (r"(?m)^#?port=8554$", f"port={rtsp_port}"),
            (r"(?m)^#?http-port=8080$", f"http-port={http_port}"),
            (r"(?m)^#?metrics-port=9590$", f"metrics-port={metrics_port}"),
            (r"(?m)^#?segment-duration=30$", "segment-duration=4")):
        text, n = re.subn(pattern, repl, text)
        check(n == 1, f"sample config has the line to edit: {pattern}")
    return text


def queue_items(state):
    """{item name: state} of the segment queue under @state."""
    items = {}
    for path in glob.glob(os.path.join(state, "queue", "*", "*")):
        items[os.path.basename(path)] = os.path.basename(os.path.dirname(path))
    return items


def main():
    deb, next_deb, camera_bin, clip = sys.argv[1:5]
    for p in (deb, next_deb, camera_bin, clip):
        if not os.path.exists(p):
            print(f"package-test: error: {p} does not exist", file=sys.stderr)
            return 2
    tmp = tempfile.mkdtemp(prefix="rb-package-test-", dir="/var/tmp")
    os.chmod(tmp, 0o755)
    root = os.path.join(tmp, "root")
    camera = None
    booted = None
    try:
        camera, booted = test(tmp, root, deb, next_deb, camera_bin, clip)
    finally:
        if booted is not None and booted.proc.poll() is None:
            booted.poweroff()
        if camera is not None and camera.poll() is None:
            camera.send_signal(signal.SIGTERM)
            try:
                camera.wait(timeout=10)
            except subprocess.TimeoutExpired:
                camera.kill()
                camera.wait()
        if failures and os.environ.get("RB_PACKAGE_KEEP"):
            log(f"kept {tmp} (RB_PACKAGE_KEEP)")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    for k, v in figures.items():
        log(f"figure: {k}: {v}")
    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    print("all checks passed")
    return 0


def test(tmp, root, deb, next_deb, camera_bin, clip):
    # ---- 1. a clean Debian 12, the package installed with apt ----
    t0 = time.monotonic()
    base = os.environ.get("RB_PACKAGE_BASE_ROOT")
    if base:
        # while developing this test only: a copy of a root an earlier run
        # made (never booted); the figures then do not count
        log("RB_PACKAGE_BASE_ROOT: copying " + base + " (not a fresh root)")
        out = run(["cp", "-a", base, root], timeout=600)
    else:
        log("mmdebstrap: a Debian 12 root with systemd (cache: "
            + APT_CACHE + ")")
        out = make_root(root)
    figures["mmdebstrap (minbase, systemd)"] = "%.0f s" % (
        time.monotonic() - t0)
    if not check(out.returncode == 0, "mmdebstrap made a Debian 12 root"):
        print(out.stdout[-3000:], out.stderr[-3000:])
        return None, None
    shutil.copy(deb, os.path.join(root, "root"))
    shutil.copy(next_deb, os.path.join(root, "root"))
    deb_in = "/root/" + os.path.basename(deb)
    next_in = "/root/" + os.path.basename(next_deb)
    cache_bind = APT_CACHE + ":/var/cache/apt/archives"

    log("apt-get install " + deb_in)
    t0 = time.monotonic()
    out = nspawn(root, ["sh", "-c", "apt-get update -q && apt-get install -y "
                        "-q --no-install-recommends " + deb_in],
                 timeout=1800, binds=[cache_bind])
    figures["apt-get update + install (deps from the archive)"] = \
        "%.0f s" % (time.monotonic() - t0)
    if not check(out.returncode == 0,
                 "apt-get install ./rtsp-blur.deb in the clean root"):
        print(out.stdout[-5000:], out.stderr[-3000:])
        return None, None
    m = re.search(r"(\d+) newly installed", out.stdout)
    figures["packages installed with it"] = m.group(1) if m else "?"

    def r(path):
        return os.path.join(root, path.lstrip("/"))

    plugindir = f"/usr/lib/{ARCH_TRIPLET}/gstreamer-1.0"
    for plugin in ("headblur", "segmentqueue", "safedec"):
        check(os.path.isfile(r(f"{plugindir}/libgst{plugin}.so")),
              f"plugin {plugin} in {plugindir}")
    check(os.access(r("/usr/bin/rtsp-blur"), os.X_OK), "/usr/bin/rtsp-blur")
    models = "/usr/share/rtsp-blur/models"
    out = nspawn(root, ["sh", "-c", f"cd {models} && sha256sum -c SHA256SUMS"])
    nmodels = len(open(r(models + "/SHA256SUMS")).read().split("\n")) - 1
    check(out.returncode == 0 and out.stdout.count(": OK") == nmodels >= 5,
          f"{nmodels} models in {models}, sha256 as in their SHA256SUMS")
    check(os.path.isfile(r("/usr/share/doc/rtsp-blur/copyright"))
          and "Apache-2.0" in open(r("/usr/share/doc/rtsp-blur/copyright"))
          .read(), "the models' and hls.js's licences in the copyright file")
    hls = "/usr/share/rtsp-blur/web/node_modules/hls.js/dist/hls.min.js"
    check(os.path.getsize(r(hls)) > 100000, "hls.js shipped in the package")
    check(os.path.isfile(r("/usr/share/man/man1/rtsp-blur.1.gz")),
          "man page rtsp-blur(1)")
    sample_path = r("/etc/rtsp-blur/rtsp-blur.conf")
    check(os.path.isfile(sample_path), "sample config in /etc/rtsp-blur")
    check(os.path.isfile(r("/lib/systemd/system/rtsp-blur.service")),
          "systemd unit in /lib/systemd/system")
    out = nspawn(root, ["systemctl", "is-enabled", "rtsp-blur"])
    check(out.stdout.strip() == "enabled",
          "the unit is enabled at install (%s)" % out.stdout.strip())
    out = nspawn(root, ["dpkg-query", "-W", "-f=${Conffiles}", "rtsp-blur"])
    check("/etc/rtsp-blur/rtsp-blur.conf" in out.stdout,
          "the config is a conffile (kept on upgrade and removal)")

    # ---- 2. --check-config on the sample pointed at a test camera ----
    cam_port = free_port()
    rtsp_port = free_port()
    http_port = free_port()
    metrics_port = free_port()
    sample = open(sample_path).read()
    conf = edit_sample(sample, cam_port, rtsp_port, http_port, metrics_port)
    camera = subprocess.Popen(
        [camera_bin, "--clip", clip, "--address", "127.0.0.1",
         "--port", str(cam_port), "--user", "user", "--password", "password",
         "--loop"], stdout=subprocess.PIPE, text=True)
    check("serving" in camera.stdout.readline(), "the test camera serves")

    # ---- 3. booted: systemd is PID 1 ----
    log("booting the root with systemd-nspawn -b")
    t0 = time.monotonic()
    booted = Booted(root, os.path.join(tmp, "console.log"))
    if not check(booted.leader is not None, "systemd-nspawn -b started"):
        print(open(os.path.join(tmp, "console.log")).read()[-3000:])
        return camera, booted
    state = wait_for(lambda: booted.out(
        "systemctl is-system-running") in ("running", "degraded"), 120, 1)
    figures["boot to running"] = "%.1f s" % (time.monotonic() - t0)
    if not check(state, "systemd is up in the container (is-system-running: "
                 + booted.out("systemctl is-system-running") + ")"):
        print(booted.out("systemctl --failed --no-legend"))
        return camera, booted
    check(booted.out("cat /proc/1/comm") == "systemd", "PID 1 is systemd")
    failed = booted.out("systemctl --failed --no-legend --plain")
    if failed:
        log("failed units in the container (not ours): " + failed)

    # the unedited sample: enabled, not started, and it says why
    check(booted.out("systemctl is-enabled rtsp-blur") == "enabled",
          "booted: the unit is enabled")
    check(booted.show("ActiveState") == "inactive"
          and booted.show("ExecMainPID") == "0",
          "booted with the unedited sample: the daemon was not started")
    check("is the unedited sample" in booted.messages(),
          "the journal says the config is the unedited sample")

    # the operator's config
    with open(sample_path, "w") as f:
        f.write(conf)
    out = booted.sh("rtsp-blur --check-config --config "
                    "/etc/rtsp-blur/rtsp-blur.conf")
    check(out.returncode == 0 and "is valid: 1 cameras, 1 networks"
          in out.stdout, "rtsp-blur --check-config passes on the edited "
          "sample (%s%s)" % (out.stdout.strip(), out.stderr.strip()))
    # the boot made the StateDirectory (for the skipped start); the check,
    # run as root, must not leave root's directories in it
    left = booted.out("find /var/lib/private/rtsp-blur -mindepth 1 -uid 0")
    check(left == "", "--check-config as root leaves nothing in the state "
          f"directory ({left})")

    t0 = time.monotonic()
    out = booted.sh("systemctl start rtsp-blur", timeout=120)
    check(out.returncode == 0, "systemctl start rtsp-blur (%s)"
          % out.stderr.strip())
    live = f"rtsp://127.0.0.1:{rtsp_port}/entrance"
    s = wait_for(lambda: ffprobe_stream(live), 120, 0.5)
    if s:
        figures["systemctl start to first frame (ffprobe)"] = \
            "%.1f s" % (time.monotonic() - t0)
    check(s is not None and s.get("codec_name") == "h264"
          and s.get("width") == 768 and s.get("height") == 576,
          f"ffprobe on the host reads the anonymized stream {live}: {s}")
    out = run(["ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-i", live,
               "-frames:v", "25", "-f", "null", "-"], timeout=60)
    check(out.returncode == 0, "ffmpeg decodes 25 frames of it (%s)"
          % out.stderr.strip()[-300:])
    out = run(["curl", "-sf", f"http://127.0.0.1:{http_port}/"], timeout=20)
    check(out.returncode == 0 and "hls.min.js" in out.stdout,
          "the operator page is served from the package")
    out = run(["curl", "-sf", "-o", os.path.join(tmp, "hls.js"),
               f"http://127.0.0.1:{http_port}/vendor/hls.min.js"], timeout=20)
    check(out.returncode == 0 and open(os.path.join(tmp, "hls.js"), "rb")
          .read() == open(r(hls), "rb").read(),
          "and hls.js, from the package (nothing fetched)")

    # the dynamic user owns the state directory
    pid = booted.show("MainPID")
    uid = booted.out(f"stat -c %u /proc/{pid}")
    link = booted.out("readlink /var/lib/rtsp-blur")
    owner = booted.out("stat -L -c %u:%a /var/lib/rtsp-blur")
    check(link == "private/rtsp-blur", "/var/lib/rtsp-blur is the dynamic "
          f"user's StateDirectory (-> {link})")
    check(uid.isdigit() and 61184 <= int(uid) <= 65519
          and owner == f"{uid}:750", f"the daemon runs as dynamic uid {uid}"
          f" and owns the state directory ({owner})")
    state_dir = r("/var/lib/private/rtsp-blur")
    segs = wait_for(lambda: glob.glob(
        os.path.join(state_dir, "anonymized", "entrance", "*.mkv")), 90, 1)
    check(segs, "anonymized segments are written")
    bad = [p for p in glob.glob(os.path.join(state_dir, "**"), recursive=True)
           if str(os.stat(p).st_uid) != uid]
    check(not bad, f"every file in the state directory is the user's {bad[:3]}")

    # reload: status lines
    cur = booted.cursor()
    out = booted.sh("systemctl reload rtsp-blur")
    text = wait_for(lambda: "status: camera" in booted.messages(cur)
                    and booted.messages(cur), 20)
    check(out.returncode == 0 and text and re.search(
        r"status: camera entrance receiving, \d+ restarts, \d+ live frames",
        text) and "segments anonymized" in text,
          "systemctl reload logs the status lines: "
          + " | ".join(ln for ln in (text or "").splitlines()
                       if "status:" in ln))
    check(booted.show("MainPID") == pid, "reload does not restart it")

    # structured journal entries
    entries = booted.journal()
    ours = [e for e in entries if e.get("GLIB_DOMAIN") == "rtsp-blur"]
    check(ours and all(e.get("PRIORITY") in "01234567" for e in ours)
          and any("running 1 cameras" in str(e.get("MESSAGE")) for e in ours)
          and all(e.get("_SYSTEMD_UNIT") == "rtsp-blur.service"
                  for e in ours),
          f"journalctl -u rtsp-blur -o json: {len(ours)} entries with "
          "GLIB_DOMAIN, PRIORITY and the unit")

    # stop: the open segment finalized and queued
    cur = booted.cursor()
    t1 = time.monotonic()
    out = booted.sh("systemctl stop rtsp-blur", timeout=120)
    figures["systemctl stop"] = "%.1f s" % (time.monotonic() - t1)
    text = booted.messages(cur)
    check(out.returncode == 0 and booted.show("Result") == "success"
          and booted.show("ExecMainStatus") == "0",
          "systemctl stop: exit 0, result success")
    check("stopping: finalizing" in text
          and "queued" in text.split("stopping: finalizing")[-1],
          "the open segment is finalized and queued at stop")
    items = queue_items(state_dir)
    pending = [n for n, st in items.items() if st == "pending"]
    raws = sorted(glob.glob(os.path.join(state_dir, "raw", "entrance",
                                         "*.mkv")))
    check(raws and count_frames(raws[-1]) > 0,
          f"the last raw segment decodes ({len(raws)} raw, "
          f"{len(pending)} pending)")
    blob = "".join(open(p, errors="replace").read() for p in glob.glob(
        os.path.join(state_dir, "queue", "*", "*")))
    check(raws and all(os.path.basename(p) in blob for p in raws),
          "every raw segment left is in the queue")

    # a config error: no restart loop
    with open(sample_path, "w") as f:
        f.write(conf.replace("segment-duration=4", "segment-duration=often"))
    cur = booted.cursor()
    out = booted.sh("systemctl start rtsp-blur", timeout=60)
    check(out.returncode != 0, "systemctl start fails on a config error")
    time.sleep(17)  # RestartSec=5s: three restarts would have happened
    text = booted.messages(cur)
    check(booted.show("NRestarts") == "0"
          and booted.show("ActiveState") == "failed"
          and booted.show("ExecMainStatus") == "78",
          "a config error fails the unit without restarting it (NRestarts "
          f"{booted.show('NRestarts')}, {booted.show('ActiveState')}, "
          f"status {booted.show('ExecMainStatus')})")
    check("segment-duration" in text and "rtsp-blur.conf" in text,
          "the journal names the file and the key")

    # back to the good config; recordings to upgrade over
    with open(sample_path, "w") as f:
        f.write(conf)
    booted.sh("systemctl reset-failed rtsp-blur; systemctl start rtsp-blur",
              timeout=120)
    check(wait_for(lambda: ffprobe_stream(live), 60, 1) is not None,
          "restarted with the good config")
    n_before = len(glob.glob(os.path.join(state_dir, "anonymized", "entrance",
                                          "*.mkv")))
    wait_for(lambda: len(glob.glob(os.path.join(
        state_dir, "anonymized", "entrance", "*.mkv"))) >= n_before + 2, 60, 1)

    # ---- 4. upgrade N -> N+1 while running ----
    before_conf = open(sample_path, "rb").read()
    before_files = {os.path.relpath(p, state_dir) for p in glob.glob(
        os.path.join(state_dir, "anonymized", "**", "*.mkv"),
        recursive=True)}
    before_items = queue_items(state_dir)
    before_pid = booted.show("MainPID")
    old_version = booted.out("dpkg-query -W -f='${Version}' rtsp-blur")
    t1 = time.monotonic()
    out = booted.sh(f"apt-get install -y -q --no-install-recommends {next_in}",
                    timeout=600)
    figures["upgrade (apt-get install N+1)"] = "%.1f s" % (
        time.monotonic() - t1)
    new_version = booted.out("dpkg-query -W -f='${Version}' rtsp-blur")
    check(out.returncode == 0 and new_version != old_version,
          f"upgrade {old_version} -> {new_version} (%s)"
          % out.stderr.strip()[-300:])
    check(open(sample_path, "rb").read() == before_conf,
          "the operator's config is kept")
    pid_after = wait_for(lambda: booted.show("ActiveState") == "active"
                         and booted.show("MainPID"), 60, 1)
    check(pid_after not in (None, "", "0", before_pid),
          f"the daemon was restarted by the upgrade ({before_pid} -> "
          f"{pid_after})")
    after_files = {os.path.relpath(p, state_dir) for p in glob.glob(
        os.path.join(state_dir, "anonymized", "**", "*.mkv"),
        recursive=True)}
    check(before_files and before_files <= after_files,
          f"the recordings are kept ({len(before_files)} before, "
          f"{len(after_files)} after)")
    after_items = queue_items(state_dir)
    check(before_items and set(before_items) <= set(after_items),
          f"the queue is kept ({len(before_items)} items before, "
          f"{len(after_items)} after)")
    check(wait_for(lambda: ffprobe_stream(live), 60, 1) is not None,
          "the new version plays the stream")
    n_after = len(after_files)
    check(wait_for(lambda: len(glob.glob(os.path.join(
        state_dir, "anonymized", "entrance", "*.mkv"))) > n_after, 60, 1),
          "and records into the same state directory")
    uid = booted.out(f"stat -c %u /proc/{booted.show('MainPID')}")
    owner = booted.out("stat -L -c %u /var/lib/rtsp-blur")
    check(uid == owner, f"the state directory is the new run's user's ({uid})")

    # removal stops the daemon and keeps the recordings; purge removes the
    # config, never the recordings
    def recordings():
        return set(glob.glob(os.path.join(state_dir, "*", "*", "*.mkv")))

    before = recordings()
    out = booted.sh("apt-get remove -y -q rtsp-blur", timeout=300)
    check(out.returncode == 0 and booted.show("ActiveState") != "active"
          and booted.show("Result") == "success",
          "apt-get remove stops the daemon cleanly")
    kept = recordings()
    anon = {p for p in before if "/anonymized/" in p}
    check(anon and anon <= kept,
          f"and keeps the recordings ({len(anon)} anonymized, "
          f"{len(kept)} in all)")
    out = booted.sh("apt-get purge -y -q rtsp-blur", timeout=300)
    check(out.returncode == 0 and not os.path.exists(sample_path),
          "apt-get purge removes the config")
    check(kept and recordings() == kept,
          f"and keeps the {len(kept)} recordings")
    rc = booted.poweroff()
    check(rc == 0, f"the container powers off (nspawn exit {rc})")
    return camera, booted


if __name__ == "__main__":
    sys.exit(main())
