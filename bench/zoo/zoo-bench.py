#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Camera-zoo benchmark: how rtsp-blur copes with each class of
camera from tests/e2e/camera_zoo.py, one camera at a time at 1280x720, 15 fps,
nothing else running.

Per class it prints: live frames read by ffmpeg over --seconds and how many
of the camera's frames headblur masked whole by its overload policy (from
the launcher's "falls behind" log lines, which carry the totals), ffmpeg
warnings, segments anonymized and quarantined, and the time to resume after
an outage: the camera server is stopped for --outage seconds and started
again on the same port (a camera that reboots), and the bench measures from
the moment its port accepts a connection again to the first live frame that
a viewer who stayed connected through the outage decodes, and to the
launcher's "receiving" line (recording restarts with that frame).

With --saturate N, N busy-looping processes load the CPU for the whole run
(the overload policy must then mask whole frames rather than pass them).

Usage (from the source tree, after scripts/setup):
  python3 bench/zoo/zoo-bench.py [--classes a,b] [--seconds 20]
      [--outage 10] [--saturate 0] [--width 1280 --height 720]
"""

import argparse
import glob
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
import camera_zoo  # noqa: E402

BUILD = os.environ.get("RB_BUILD_DIR", os.path.join(TOP, "build"))
LAUNCHER = os.path.join(BUILD, "launcher", "rtsp-blur")
CAMERA = os.path.join(BUILD, "tests", "camera", "rb-test-camera")


def busy():
    while True:
        pass


def live_frames(url, seconds):
    """(frames decoded, warning lines) reading @url for @seconds."""
    out = subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "warning",
         "-stats", "-rtsp_transport", "tcp", "-i", url, "-t", str(seconds),
         "-f", "null", "-"], capture_output=True, text=True,
        timeout=seconds + 40)
    frames = re.findall(r"frame=\s*(\d+)", out.stderr)
    warnings = [line for line in out.stderr.replace("\r", "\n").splitlines()
                if line.strip() and not line.startswith("frame=")]
    return (int(frames[-1]) if frames else 0), warnings


def first_live_frame(url, deadline):
    while time.monotonic() < deadline:
        try:
            out = subprocess.run(
                ["ffprobe", "-v", "error", "-rtsp_transport", "tcp",
                 "-rw_timeout", "3000000", "-select_streams", "v:0",
                 "-read_intervals", "%+#1", "-show_entries", "frame=pts",
                 "-of", "csv", url], capture_output=True, text=True,
                timeout=10)
            if out.returncode == 0 and "frame" in out.stdout:
                return time.monotonic()
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.2)
    return None


def overload_frames(log_text):
    totals = re.findall(r"falls behind: (\d+) frames masked", log_text)
    return int(totals[-1]) if totals else 0


def run_class(kind, args, tmp):
    work = os.path.join(tmp, kind)
    state = os.path.join(work, "state")
    media = os.path.join(tmp, "media")
    os.makedirs(state)
    port = camera_zoo.free_port()
    cam_port = camera_zoo.free_port()
    log_path = os.path.join(work, "rtsp-blur.log")
    live = f"rtsp://127.0.0.1:{port}/cam"
    raw = os.path.join(state, "raw", "cam")
    result = {"class": kind, "resume_live": None, "resume_rec": None}
    conf = os.path.join(work, "bench.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={state}\nsegment-duration=4\n"
                f"workers=1\n\n[camera:cam]\n"
                f"url=rtsp://127.0.0.1:{cam_port}/cam\n\n"
                f"[network:A]\naddress=127.0.0.1\nport={port}\n"
                "auth=none\n")
    log = open(log_path, "w")
    rb = reader = None
    try:
        with camera_zoo.camera(kind, CAMERA, work, cam_port, media):
            rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                                  stderr=subprocess.STDOUT)
            first_live_frame(live, time.monotonic() + 40)
            time.sleep(3)
            frames, warnings = live_frames(live, args.seconds)
            result["live_frames"] = frames
            result["warnings"] = len(warnings)
            # a viewer that stays on through the outage
            reader = camera_zoo.LiveReader(live)
            reader.start()
            end = time.monotonic() + 20
            while not reader.frames and time.monotonic() < end:
                time.sleep(0.1)
        # the camera server is gone (killed) for the outage, then comes back
        # on its port
        time.sleep(args.outage)
        offset = os.path.getsize(log_path)
        back, stop = {}, threading.Event()
        watcher = threading.Thread(target=camera_zoo.watch_port,
                                   args=(cam_port, stop, back))
        watcher.start()
        try:
            with camera_zoo.camera(kind, CAMERA, work, cam_port, media):
                stop.set()
                watcher.join()
                t_back = back.get(cam_port)
                t_live = None
                end = time.monotonic() + 30
                while t_back and t_live is None and time.monotonic() < end:
                    t_live = reader.first_after(t_back)
                    time.sleep(0.1)
                with open(log_path) as f:
                    f.seek(offset)
                    t_rec = camera_zoo.first_line_time(
                        f.read(), "camera cam: receiving")
                if t_back:
                    result["resume_live"] = (t_live - t_back if t_live
                                             else None)
                    result["resume_rec"] = t_rec - t_back if t_rec else None
                time.sleep(6)
        finally:
            stop.set()
            if reader is not None:
                reader.stop()
    finally:
        if rb is not None:
            rb.send_signal(signal.SIGTERM)
            rb.wait(timeout=60)
        log.close()
    text = open(log_path).read()
    result["overload_total"] = overload_frames(text)
    result["anonymized"] = len(glob.glob(os.path.join(
        state, "anonymized", "cam", "*.mkv")))
    result["quarantined"] = len(glob.glob(os.path.join(
        state, "queue", "quarantine", "*")))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--classes", default=",".join(camera_zoo.CLASSES))
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--outage", type=int, default=10)
    parser.add_argument("--saturate", type=int, default=0)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    args = parser.parse_args()
    camera_zoo.WIDTH, camera_zoo.HEIGHT = args.width, args.height
    os.environ["GST_PLUGIN_PATH"] = os.pathsep.join(
        [os.path.join(BUILD, "plugins", "headblur"),
         os.path.join(BUILD, "plugins", "segmentqueue")])
    tmp = tempfile.mkdtemp(prefix="rb-zoo-bench-")
    os.chmod(tmp, 0o755)          # VLC runs as nobody and reads the media
    # the VLC cameras' clips are encoded before the CPU is loaded
    media = os.path.join(tmp, "media")
    os.makedirs(media)
    os.chmod(media, 0o755)
    for kind in args.classes.split(","):
        if kind.startswith("vlc-"):
            camera_zoo.make_media(kind, media)
    hogs = [multiprocessing.Process(target=busy, daemon=True)
            for _ in range(args.saturate)]
    for h in hogs:
        h.start()
    rows = []
    try:
        for kind in args.classes.split(","):
            print(f"# {kind} ...", file=sys.stderr, flush=True)
            rows.append(run_class(kind, args, tmp))
    finally:
        for h in hogs:
            h.terminate()

    def fmt(v, unit=""):
        return "n/a" if v is None else (f"{v:.1f}{unit}"
                                        if isinstance(v, float) else str(v))

    print(f"\n{args.width}x{args.height} at 15 fps, one camera, "
          f"{args.saturate} CPU hogs; logs in {tmp}\n")
    print("| camera class | live frames read | masked whole (overload) | "
          "ffmpeg warnings | segments anonymized | quarantined | "
          f"resume after a {args.outage} s outage: live / recording |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['class']} | {r['live_frames']} | {r['overload_total']} "
              f"| {r['warnings']} | {r['anonymized']} | {r['quarantined']} "
              f"| {fmt(r['resume_live'], ' s')} / "
              f"{fmt(r['resume_rec'], ' s')} |")


if __name__ == "__main__":
    sys.exit(main())
