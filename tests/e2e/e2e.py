#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""End-to-end test of rtsp-blur with real peers, bounded in time.

An RTSP server (rb-test-camera, gst-rtsp-server) serves a recorded clip as a
camera with credentials. rtsp-blur runs three cameras: the good one, the same
one with a wrong password, and one whose server does not exist; and two
listeners, on 127.0.0.2 and 127.0.0.3. It starts before the camera server
(a camera down at boot). Then:
  - ffprobe (a third-party client) reads the anonymized live stream from both
    listeners, and a listener is not reachable on the other's address;
  - raw segments are queued, anonymized segments appear and decode, and each
    raw segment is deleted once its anonymized copy is verified;
  - the failing cameras are reported by name, and do not stop the good one;
  - it tells the service manager READY=1 on $NOTIFY_SOCKET once set up
    (the unit is Type=notify), and a SIGHUP at that moment (a
    `systemctl reload` right after start) logs the status lines;
  - SIGTERM makes rtsp-blur finalize and queue the open segment and exit 0.
"""

import glob
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, free_port, wait_for  # noqa: E402,F401
import rb_metrics  # noqa: E402

LAUNCHER = os.environ["RB_LAUNCHER"]
CAMERA = os.environ["RB_TEST_CAMERA"]
CLIP = os.environ.get("RB_TEST_CLIP",
                      "/usr/share/doc/opencv-doc/examples/data/vtest.avi")
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "240"))
rb_e2e.set_deadline(DEADLINE)


def ffprobe_stream(url):
    try:
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-rtsp_transport", "tcp",
             "-select_streams", "v:0", "-show_entries",
             "stream=codec_name,width,height", "-of", "json", url],
            capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        return None
    streams = json.loads(out.stdout).get("streams", [])
    return streams[0] if streams else None


def count_frames(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=nb_read_frames,codec_name", "-of", "json",
         path], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        return 0
    streams = json.loads(out.stdout).get("streams", [])
    return int(streams[0].get("nb_read_frames", 0)) if streams else 0


def connect_refused(addr, port):
    try:
        with socket.create_connection((addr, port), timeout=2):
            return False
    except OSError:
        return True


def main():
    tmp = tempfile.mkdtemp(prefix="rb-e2e-")
    state = os.path.join(tmp, "state")
    cam_port = free_port()
    udp_cam_port = free_port()
    dead_port = free_port()
    port_a = free_port("127.0.0.2")
    port_b = free_port("127.0.0.3")
    metrics_port = free_port()
    conf = os.path.join(tmp, "e2e.conf")
    with open(conf, "w") as f:
        f.write(f"""[rtsp-blur]
state-dir={state}
segment-duration=3
workers=1
keep-raw=false
metrics-port={metrics_port}

[headblur]
mode=blur

[camera:lobby]
url=rtsp://viewer:secret@127.0.0.1:{cam_port}/camera
transport=auto
latency=100

[camera:udponly]
url=rtsp://127.0.0.1:{udp_cam_port}/camera
transport=auto

[camera:badpass]
url=rtsp://viewer:wrong@127.0.0.1:{cam_port}/camera
transport=tcp

[camera:gone]
url=rtsp://127.0.0.1:{dead_port}/nothing
transport=tcp

[network:A]
address=127.0.0.2
port={port_a}
auth=none

[network:B]
address=127.0.0.3
port={port_b}
auth=none
""")

    check(subprocess.run([LAUNCHER, "--check-config", "--config", conf],
                         timeout=60).returncode == 0, "--check-config accepts the config")

    # the service manager's end of sd_notify
    notify_path = os.path.join(tmp, "notify")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(60)
    log_path = os.path.join(tmp, "rtsp-blur.log")
    log = open(log_path, "w")
    launcher = subprocess.Popen([LAUNCHER, "--config", conf],
                                stdout=log, stderr=subprocess.STDOUT,
                                env=dict(os.environ,
                                         NOTIFY_SOCKET=notify_path))
    camera = None
    udp_camera = None
    try:
        # the camera is down at boot
        try:
            ready = notify.recv(256).decode()
        except socket.timeout:
            ready = None
        check(ready == "READY=1",
              "rtsp-blur sends READY=1 to NOTIFY_SOCKET (got %r)" % ready)
        # a reload at once: the signals are handled by then
        launcher.send_signal(signal.SIGHUP)
        wait_for(lambda: "status: camera gone" in open(log_path).read(), 10,
                 0.2)
        check("status: camera lobby not receiving" in open(log_path).read(),
              "SIGHUP right after READY=1 logs the status lines")
        time.sleep(1)
        check(launcher.poll() is None, "rtsp-blur runs while its camera is down")

        camera = subprocess.Popen(
            [CAMERA, "--clip", CLIP, "--address", "127.0.0.1",
             "--port", str(cam_port), "--user", "viewer",
             "--password", "secret", "--loop"],
            stdout=subprocess.PIPE, text=True)
        line = camera.stdout.readline()
        check("serving" in line, "test camera is serving: " + line.strip())
        # a camera that refuses interleaved TCP (461), as some do
        udp_camera = subprocess.Popen(
            [CAMERA, "--clip", CLIP, "--address", "127.0.0.1",
             "--port", str(udp_cam_port), "--protocols", "udp", "--loop"],
            stdout=subprocess.PIPE, text=True)
        line = udp_camera.stdout.readline()
        check("serving" in line, "UDP-only test camera is serving")

        for name, addr, port in (("A", "127.0.0.2", port_a),
                                 ("B", "127.0.0.3", port_b)):
            url = f"rtsp://{addr}:{port}/lobby"
            s = wait_for(lambda: ffprobe_stream(url), 90, 1)
            check(s is not None and s.get("codec_name") == "h264"
                  and s.get("width") == 768 and s.get("height") == 576,
                  f"ffprobe reads the live stream of network {name}: {s}")
        s = wait_for(lambda: ffprobe_stream(f"rtsp://127.0.0.2:{port_a}/udponly"),
                     60, 1)
        check(s is not None and s.get("codec_name") == "h264",
              "transport=auto falls back to UDP for a camera that refuses TCP")
        check("camera udponly: connecting to rtsp://127.0.0.1:"
              f"{udp_cam_port}/camera over UDP" in open(log_path).read(),
              "the fallback is logged")
        # bound to its own address only
        if port_a != port_b:
            check(connect_refused("127.0.0.3", port_a),
                  "network A's port is not open on network B's address")

        anon_dir = os.path.join(state, "anonymized", "lobby")
        raw_dir = os.path.join(state, "raw", "lobby")
        done = wait_for(lambda: len(glob.glob(os.path.join(anon_dir, "*.mkv"))) >= 2,
                        120, 1)
        check(done, "two anonymized segments appear")
        for seg in sorted(glob.glob(os.path.join(anon_dir, "*.mkv")))[:2]:
            n = count_frames(seg)
            check(n > 0, f"anonymized segment {os.path.basename(seg)} decodes ({n} frames)")
            raw = os.path.join(raw_dir, os.path.basename(seg))
            check(not os.path.exists(raw),
                  f"raw segment {os.path.basename(seg)} deleted after verification")
        # the queue knows every completed segment
        done_items = glob.glob(os.path.join(state, "queue", "done", "*"))
        check(len(done_items) >= 2, f"{len(done_items)} queue items done")

        # failing cameras are reported by name and do not stop the good one
        text = open(log_path).read()
        check("camera badpass" in text and "retrying" in text,
              "the camera with a wrong password is reported and retried")
        check("camera gone" in text, "the unreachable camera is reported")
        check("secret" not in text and "wrong" not in text,
              "no camera password appears in the log")
        check(ffprobe_stream(f"rtsp://127.0.0.2:{port_a}/lobby") is not None,
              "the good camera is still live")
        check(launcher.poll() is None, "rtsp-blur still runs")
        m = rb_metrics.scrape(metrics_port)
        check(rb_metrics.value(m, "rtsp_blur_camera_up", camera="lobby") == 1
              and rb_metrics.value(m, "rtsp_blur_camera_up",
                                   camera="badpass") == 0
              and rb_metrics.value(m, "rtsp_blur_camera_up",
                                   camera="gone") == 0,
              "metrics: lobby up, badpass and gone down")

        # the camera restarts: its pipeline is rebuilt and live resumes
        camera.send_signal(signal.SIGKILL)
        camera.wait()
        killed_at = len(open(log_path).read())
        time.sleep(2)
        camera = subprocess.Popen(
            [CAMERA, "--clip", CLIP, "--address", "127.0.0.1",
             "--port", str(cam_port), "--user", "viewer",
             "--password", "secret", "--loop"],
            stdout=subprocess.PIPE, text=True)
        camera.stdout.readline()
        after = lambda: open(log_path).read()[killed_at:]
        resumed = wait_for(
            lambda: "camera lobby: recorded segment" in after()
            and ffprobe_stream(f"rtsp://127.0.0.3:{port_b}/lobby") is not None,
            60, 1)
        check("camera lobby (" in after(), "the camera outage is reported")
        check(resumed, "live and recording resume after the camera restarts")

        # clean shutdown: the open segment is finalized and queued
        launcher.send_signal(signal.SIGTERM)
        try:
            rc = launcher.wait(timeout=40)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, f"rtsp-blur exits 0 on SIGTERM (got {rc})")
        queued = set()
        for d in ("pending", "claimed", "done", "failed"):
            for item in glob.glob(os.path.join(state, "queue", d, "*")):
                queued.add(open(item, errors="replace").read())
        blob = "\n".join(queued)
        raws = glob.glob(os.path.join(raw_dir, "*.mkv"))
        check(all(os.path.basename(r) in blob for r in raws),
              f"every raw segment left on disk ({len(raws)}) is in the queue")
        text = open(log_path).read()
        check("queued" in text.split("stopping: finalizing")[-1],
              "the last segment was queued during shutdown")
    finally:
        for p in (launcher, camera, udp_camera):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        log.close()
        notify.close()
        print("---- rtsp-blur log (tail) ----")
        print("".join(open(log_path).readlines()[-60:]))

    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
