#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A Motion JPEG camera (VLC serving RTP/JPEG), end to end.

1. rtsp-blur records it (3 s segments, raw kept) with no worker: its live
   RTSP stream plays (H.264, decoded by ffmpeg), headblur detects the
   pedestrians on it (rtsp_blur_headblur_detections_total), the raw
   segments hold Motion JPEG.
2. One queued raw segment is truncated to a tenth (a damaged recording).
   rtsp-blur runs again with a worker and the camera gone: every intact
   segment is anonymized into H.264 with its frame count, the truncated one
   is quarantined (it decodes to less than its duration), as H.264
   segments are. (The images libavcodec finds invalid, a few of VLC's,
   are dropped, never shown: the anonymized segment has the others.)
"""

import glob
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, wait_for  # noqa: E402
import camera_zoo  # noqa: E402
import rb_metrics  # noqa: E402

LAUNCHER = os.environ["RB_LAUNCHER"]
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "270"))
rb_e2e.set_deadline(DEADLINE)


def streams(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v", "-count_frames",
         "-show_entries", "stream=codec_name,nb_read_frames", "-of", "json",
         path], capture_output=True, text=True, timeout=60)
    try:
        s = json.loads(out.stdout)["streams"][0]
        return s["codec_name"], int(s.get("nb_read_frames", 0))
    except (ValueError, KeyError, IndexError):
        return None, 0


def rejected(path):
    """Images of @path libavcodec refuses with -err_detect explode (as
    safedec decodes JPEG): VLC's RTP/JPEG, depayloaded, carries a few
    quantization tables with a 0, which no valid JPEG has."""
    r = subprocess.run(["ffmpeg", "-v", "error", "-err_detect", "explode",
                        "-i", path, "-f", "null", "-"], capture_output=True,
                       text=True, timeout=60)
    return r.stderr.count("Error while decoding")


def write_conf(path, state, url, workers, mport, port):
    with open(path, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={state}\nsegment-duration=3\n"
                f"workers={workers}\nkeep-raw=true\nmetrics-port={mport}\n\n"
                f"[camera:mj]\nurl={url}\n\n"
                f"[network:A]\naddress=127.0.0.1\nport={port}\nauth=none\n")


def main():
    tmp = tempfile.mkdtemp(prefix="rb-mjpeg-test-")
    os.chmod(tmp, 0o755)
    state = os.path.join(tmp, "state")
    queue_dir = os.path.join(state, "queue")
    raw_dir = os.path.join(state, "raw", "mj")
    conf = os.path.join(tmp, "rtsp-blur.conf")
    log_path = os.path.join(tmp, "rtsp-blur.log")
    mport, port = camera_zoo.free_port(), camera_zoo.free_port()

    with camera_zoo.camera("vlc-mjpeg", log_dir=tmp) as url:
        write_conf(conf, state, url, 0, mport, port)
        log = open(log_path, "a")
        rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                              stderr=subprocess.STDOUT)
        try:
            live = os.path.join(tmp, "live.mkv")

            def played():
                r = subprocess.run(
                    ["ffmpeg", "-v", "error", "-y", "-rtsp_transport", "tcp",
                     "-i", f"rtsp://127.0.0.1:{port}/mj", "-frames:v", "15",
                     "-c", "copy", live], timeout=40)
                return r.returncode == 0 and streams(live)[1] >= 10
            check(wait_for(played, 60, step=1), "the live stream plays")
            codec, n = streams(live)
            check(codec == "h264" and n >= 10,
                  f"live: {n} H.264 frames decoded ({codec})")

            def queued():
                return len(glob.glob(os.path.join(queue_dir, "pending",
                                                  "*"))) >= 3
            check(wait_for(queued, 60), "three segments queued")
            m = rb_metrics.scrape(mport)
            det = rb_metrics.value(m, "rtsp_blur_headblur_detections_total",
                                   camera="mj") or 0
            check(det > 0, f"live: headblur detected {det} heads")
        finally:
            code = rb_e2e.stop(rb)
            log.close()
        check(code == 0, f"rtsp-blur exits 0 (got {code})")

    raws = sorted(glob.glob(os.path.join(raw_dir, "*.mkv")))
    frames = {}
    for seg in raws:
        codec, n = streams(seg)
        frames[seg] = n
        check(codec == "mjpeg" and n > 0,
              f"{os.path.basename(seg)}: raw Motion JPEG, {n} images")
    if not check(len(raws) >= 3, f"{len(raws)} raw segments"):
        return 1
    damaged = raws[1]
    size = os.path.getsize(damaged)
    with open(damaged, "r+b") as f:
        f.truncate(size // 10)

    write_conf(conf, state, "rtsp://127.0.0.1:9/gone", 1, mport, port)
    log = open(log_path, "a")
    rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                          stderr=subprocess.STDOUT)
    try:
        def settled():
            m = rb_metrics.scrape(mport)
            return m and rb_metrics.value(
                m, "rtsp_blur_segments_quarantined_total") == 1 and \
                rb_metrics.value(m, "rtsp_blur_queue_segments",
                                 state="pending") == 0 and \
                rb_metrics.value(m, "rtsp_blur_queue_segments",
                                 state="claimed") == 0
        check(wait_for(settled, 150, step=1),
              "the queue settles: one segment quarantined")
    finally:
        code = rb_e2e.stop(rb)
        log.close()
    check(code == 0, f"rtsp-blur exits 0 (got {code})")
    quarantined = glob.glob(os.path.join(queue_dir, "quarantine", "*"))
    check(len(quarantined) == 1 and os.path.basename(damaged) in
          open(quarantined[0]).read(),
          f"the truncated {os.path.basename(damaged)} is the one "
          "quarantined")
    for seg in raws:
        if seg == damaged:
            continue
        out = os.path.join(state, "anonymized", "mj", os.path.basename(seg))
        codec, n = streams(out)
        bad = rejected(seg)
        check(codec == "h264" and n == frames[seg] - bad,
              f"{os.path.basename(seg)} anonymized: {n} H.264 frames of "
              f"{frames[seg]}, {bad} invalid ({codec})")
    if failures:
        print(open(log_path).read()[-4000:])
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
