# SPDX-License-Identifier: LGPL-2.1-or-later
"""A site of rtsp-blur nodes on one PostgreSQL, on loopback: what the
cluster's end-to-end test (tests/e2e/cluster.py) and its failover benchmark
(bench/cluster/failover.py) share.

Run under tests/cluster/with-postgres (PGHOST etc. name its server). A Site
writes one site config, read by every node through a symbolic link, plus a
drop-in per node (FILE.d/node.conf: [cluster] node, its own state-dir,
metrics port and network address 127.0.0.2x), serves its cameras with
rb-test-camera (160x120, 10 fps) and starts, kills and restarts the nodes.
"""

import glob
import os
import re
import signal
import subprocess
import time
import urllib.request

import camera_zoo


def psql(sql):
    """The rows of @sql (fields separated by one space), or "" on error."""
    try:
        out = subprocess.run(["psql", "-XAtq", "-F", " ", "-c", sql],
                             capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return ""
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
    """The raw segment files of @camera in the state-dir @state."""
    return set(glob.glob(os.path.join(state, "raw", camera, "*.mkv")))


class Site:
    """@nodes rtsp-blur nodes sharing @cameras in the directory @tmp.

    With @cluster false the site config has no [cluster] group: each node
    is a lone rtsp-blur (the same cameras and drop-ins otherwise);
    @cluster_keys are more lines of its [cluster] group."""

    def __init__(self, tmp, nodes, cameras, launcher=None, test_camera=None,
                 segment_duration=2, cluster=True, cluster_keys=""):
        self.tmp = tmp
        self.launcher = launcher or os.environ["RB_LAUNCHER"]
        self.test_camera = test_camera or os.environ["RB_TEST_CAMERA"]
        self.names = list(nodes)
        self.cameras = list(cameras)
        self.camera_procs = []
        self.cam_ports = {c: camera_zoo.free_port() for c in self.cameras}
        self.site = os.path.join(tmp, "site.conf")
        with open(self.site, "w") as f:
            f.write(f"[rtsp-blur]\nstate-dir=/nonexistent\n"
                    f"segment-duration={segment_duration}\n"
                    "workers=0\nlive-bitrate=200\n\n")
            if cluster:
                f.write(f"[cluster]\ndatabase=host={os.environ['PGHOST']} "
                        f"port={os.environ['PGPORT']} "
                        f"dbname={os.environ['PGDATABASE']} "
                        f"user={os.environ['PGUSER']}\n{cluster_keys}\n")
            for c in self.cameras:
                f.write(f"[camera:{c}]\nurl=rtsp://127.0.0.1:"
                        f"{self.cam_ports[c]}/cam\n\n")
            f.write("[network:A]\naddress=127.0.0.1\nport=8554\nauth=none\n")
        self.nodes = {}
        for i, n in enumerate(self.names):
            d = os.path.join(tmp, n)
            os.makedirs(os.path.join(d, "rtsp-blur.conf.d"))
            conf = os.path.join(d, "rtsp-blur.conf")
            os.symlink(self.site, conf)
            addr = f"127.0.0.{21 + i}"
            mport = camera_zoo.free_port()
            rport = camera_zoo.free_port(addr)
            with open(os.path.join(d, "rtsp-blur.conf.d", "node.conf"),
                      "w") as f:
                f.write(f"[rtsp-blur]\nstate-dir={d}/state\n"
                        f"metrics-port={mport}\n")
                if cluster:
                    f.write(f"[cluster]\nnode={n}\n")
                f.write(f"[network:A]\naddress={addr}\nport={rport}\n")
            self.nodes[n] = {"conf": conf, "state": os.path.join(d, "state"),
                             "metrics": mport, "address": addr,
                             "rtsp": rport,
                             "log": os.path.join(d, "rtsp-blur.log"),
                             "proc": None}

    def run(self, args, node=None):
        """Runs the launcher with @node's config (default the first) and
        @args; returns the CompletedProcess."""
        conf = self.nodes[node or self.names[0]]["conf"]
        return subprocess.run([self.launcher, "--config", conf] + args,
                              capture_output=True, text=True, timeout=60)

    def start_cameras(self):
        """Starts one rb-test-camera per camera; returns once each serves."""
        for c in self.cameras:
            p = subprocess.Popen(
                [self.test_camera, "--clip", camera_zoo.CLIP, "--address",
                 "127.0.0.1", "--port", str(self.cam_ports[c]), "--mount",
                 "/cam", "--loop", "--width", "160", "--height", "120",
                 "--fps", "10", "--bitrate", "150"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            self.camera_procs.append(p)
            p.stdout.readline()

    def start(self, node):
        """Starts (or restarts) @node; its log is appended to."""
        n = self.nodes[node]
        n["proc"] = subprocess.Popen(
            [self.launcher, "--config", n["conf"]],
            stdout=open(n["log"], "a"), stderr=subprocess.STDOUT)
        return n["proc"]

    def kill(self, node):
        """kill -9 of @node; returns once it is reaped."""
        p = self.nodes[node]["proc"]
        p.send_signal(signal.SIGKILL)
        p.wait()

    def live_url(self, node, camera):
        """@camera's live stream on network A at @node's address."""
        n = self.nodes[node]
        return f"rtsp://{n['address']}:{n['rtsp']}/{camera}"

    def log_tail(self, node, lines=30):
        try:
            with open(self.nodes[node]["log"]) as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        """Kills every node and camera still running."""
        for n in self.names:
            p = self.nodes[n]["proc"]
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait()
        for p in self.camera_procs:
            p.kill()
            p.wait()
        self.camera_procs = []


def first_frame(url, timeout=5.0):
    """True once GStreamer's rtspsrc (over TCP) got @url's stream and
    avdec_h264 decoded one video frame of it, within @timeout s.

    rtspsrc rather than ffmpeg: ffmpeg's stream probing alone takes about
    3 s here, even against the camera itself; this read takes about 0.5 s
    on a served stream (the process, DESCRIBE, SETUP, PLAY and a key
    frame)."""
    try:
        r = subprocess.run(
            ["gst-launch-1.0", "-q", "rtspsrc", f"location={url}",
             "protocols=tcp", f"tcp-timeout={int(timeout * 1e6)}", "!",
             "rtph264depay", "!", "h264parse", "!", "avdec_h264", "!",
             "fakesink", "num-buffers=1"],
            capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return r.returncode == 0


def wait_spread(site, counts, timeout, step=0.5):
    """Waits until every camera is leased with the sorted per-node counts
    @counts (None: any); returns {camera: node} or {}."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        held = leases()
        if len(held) == len(site.cameras) and (
                counts is None or sorted(list(held.values()).count(n)
                                         for n in site.names) == counts):
            return held
        time.sleep(step)
    return {}


# ---- viewers (tests/e2e/cluster-viewers.py) ----

def add_networks(site, users, realm_b="rtsp-blur B"):
    """Gives @site's nodes HTTP on network A (auth=none) and a second
    network B (digest, the users file @users, RTSP and HTTP) at
    127.0.1.2x; each node's entry gets "http_a", "address_b", "rtsp_b" and
    "http_b". Call before starting the nodes."""
    with open(site.site, "a") as f:
        f.write(f"http-port=8080\n\n[network:B]\naddress=127.0.0.1\n"
                f"port=8554\nusers={users}\nhttp-port=8080\n")
    for i, name in enumerate(site.names):
        n = site.nodes[name]
        n["address_b"] = f"127.0.1.{21 + i}"
        n["http_a"] = camera_zoo.free_port(n["address"])
        n["rtsp_b"] = camera_zoo.free_port(n["address_b"])
        n["http_b"] = camera_zoo.free_port(n["address_b"])
        dropin = os.path.join(os.path.dirname(n["conf"]), "rtsp-blur.conf.d",
                              "node.conf")
        with open(dropin, "a") as f:
            f.write(f"http-port={n['http_a']}\n\n[network:B]\n"
                    f"address={n['address_b']}\nport={n['rtsp_b']}\n"
                    f"http-port={n['http_b']}\n")


def share_storage(site, storage, workers=1):
    """Gives @site's nodes the shared [cluster] storage-dir @storage (the
    segment queue then is the database's) and @workers workers each."""
    with open(site.site) as f:
        text = f.read()
    text = text.replace("workers=0\n", f"workers={workers}\n", 1)
    text = text.replace("[cluster]\n", f"[cluster]\nstorage-dir={storage}\n",
                        1)
    with open(site.site, "w") as f:
        f.write(text)


def pg_ctl(action):
    """Stops (immediate: a crash) or starts the server of with-postgres."""
    cmd = []
    if os.getuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"]
    data = os.environ["RB_TEST_PGDATA"]
    cmd += ["timeout", "60", os.environ["RB_TEST_PGCTL"], "-D", data, "-w"]
    if action == "stop":
        cmd += ["-m", "immediate"]
    else:
        cmd += ["-l", os.path.join(data, "..", "server.log")]
    subprocess.run(cmd + [action], check=True, stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=70)


def spool(site, node, state="pending"):
    """The items in @state of @node's spool (state-dir/queue)."""
    return glob.glob(os.path.join(site.nodes[node]["state"], "queue", state,
                                  "*"))


def log_lines(site, node, pattern):
    """The first groups of @pattern's matches in @node's log."""
    try:
        with open(site.nodes[node]["log"]) as f:
            return re.findall(pattern, f.read(), re.M)
    except OSError:
        return []
