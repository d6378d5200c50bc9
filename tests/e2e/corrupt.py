#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A camera that sends a damaged H.264 stream, end to end (issue 16).

rb-test-camera plays a known clip (a moving SMPTE pattern: nobody in it,
nothing for headblur to mask) and replaces one byte in CORRUPT of its
slices' payload at random, after encoding, as ffmpeg's noise bitstream
filter does (fixed seed). rtsp-blur runs with [headblur] mode=fill (black).
Every frame read from its live RTSP stream (ffmpeg) and from the anonymized
segments must be either

  - masked whole: uniform and black, or
  - the clip: its best-matching clip frame within MIN_PSNR dB
    (both downscaled to 80x60 grey, which leaves the encoders' noise well
    above it and decoder garbage well below);

any other frame shows decoder garbage with fragments of the scene: a leak.
Also: the stream was damaged (some frames masked) yet not masked entirely,
the counters (rtsp_blur_headblur_corrupt_frames_total,
rtsp_blur_segments_corrupt_frames_total) count the masked frames. (A
segment without damage may be remuxed, the camera's stream copied: it is
checked like the others.)

RB_CORRUPT_REPORT=1 prints the PSNR of every frame.
"""

import glob
import math
import os
import signal
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
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "220"))
rb_e2e.set_deadline(DEADLINE)

W, H = 80, 60                   # thumbnails compared
CLIP_FRAMES = 45                # 3 s at 15 fps, looped by the camera
CORRUPT = 60000                 # one byte in CORRUPT damaged
LIVE_FRAMES = 150               # 10 s
MIN_PSNR = 35.0                 # dB: the clip, or not


def thumbnails(source, frames=None, rtsp=False, timeout=90):
    """The frames of @source (a file or an RTSP URL) as W x H grey bytes."""
    cmd = ["ffmpeg", "-nostdin", "-v", "error"]
    if rtsp:
        cmd += ["-rtsp_transport", "tcp"]
    cmd += ["-i", source]
    if frames:
        cmd += ["-frames:v", str(frames)]
    cmd += ["-vf", f"scale={W}:{H}:flags=area,format=gray",
            "-f", "rawvideo", "-"]
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=timeout).stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout or b""
    n = W * H
    return [out[i:i + n] for i in range(0, len(out) - n + 1, n)]


def psnr(a, b):
    se = sum((x - y) * (x - y) for x, y in zip(a, b))
    return 99.0 if se == 0 else 10 * math.log10(255 * 255 * len(a) / se)


def masked_whole(t):
    """Uniform and black (the fill colour), whatever the range."""
    return max(t) - min(t) <= 6 and max(t) <= 40


def classify(frames, reference):
    """(masked, clean, leaked, [psnr of each unmasked frame])."""
    masked = clean = leaked = 0
    scores = []
    coarse = [r[::17] for r in reference]
    for t in frames:
        if masked_whole(t):
            masked += 1
            continue
        # best match: a coarse pass, then the exact PSNR of the 3 best
        sub = t[::17]
        best = sorted(range(len(reference)), key=lambda i: sum(
            (x - y) * (x - y) for x, y in zip(sub, coarse[i])))[:3]
        score = max(psnr(t, reference[i]) for i in best)
        scores.append(score)
        if score >= MIN_PSNR:
            clean += 1
        else:
            leaked += 1
    return masked, clean, leaked, scores


def report(what, frames, reference):
    masked, clean, leaked, scores = classify(frames, reference)
    print(f"{what}: {len(frames)} frames: {masked} masked whole, {clean} "
          f"the clip (>= {MIN_PSNR} dB), {leaked} leaked; unmasked PSNR "
          f"min {min(scores, default=0):.1f} dB", flush=True)
    if os.environ.get("RB_CORRUPT_REPORT"):
        print("  " + " ".join(f"{s:.1f}" for s in scores))
    return masked, clean, leaked


def main():
    tmp = tempfile.mkdtemp(prefix="rb-corrupt-test-")
    state = os.path.join(tmp, "state")
    clip = os.path.join(tmp, "clip.mkv")
    subprocess.run(
        ["gst-launch-1.0", "-q", "videotestsrc", "pattern=smpte",
         "horizontal-speed=4", f"num-buffers={CLIP_FRAMES}", "!",
         "video/x-raw,width=320,height=240,framerate=15/1,format=I420", "!",
         "x264enc", "speed-preset=ultrafast", "pass=qual", "quantizer=12",
         "!", "h264parse", "!", "matroskamux", "!", "filesink",
         f"location={clip}"], check=True, timeout=60)
    reference = thumbnails(clip)
    check(len(reference) == CLIP_FRAMES,
          f"the clip decodes to {len(reference)} reference frames")

    cam_port = free_port()
    port = free_port()
    mport = free_port()
    conf = os.path.join(tmp, "corrupt.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={state}\nsegment-duration=3\n"
                f"workers=1\nmetrics-port={mport}\n\n"
                "[headblur]\nmode=fill\nfill-color=0xff000000\n\n"
                f"[camera:cam]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n"
                "transport=tcp\nlatency=100\n\n"
                f"[network:A]\naddress=127.0.0.1\nport={port}\nauth=none\n")
    camera = subprocess.Popen(
        [CAMERA, "--clip", clip, "--port", str(cam_port), "--mount", "/cam",
         "--loop", "--width", "320", "--height", "240", "--fps", "15",
         "--bitrate", "600", "--gop", "15", "--corrupt", str(CORRUPT),
         "--corrupt-seed", "7"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log_path = os.path.join(tmp, "rtsp-blur.log")
    log = open(log_path, "w")
    rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                          stderr=subprocess.STDOUT)
    url = f"rtsp://127.0.0.1:{port}/cam"
    anon_dir = os.path.join(state, "anonymized", "cam")
    queue_dir = os.path.join(state, "queue")
    try:
        check(wait_for(lambda: len(thumbnails(url, 1, True, 20)) == 1, 60, 1),
              "ffmpeg reads the live stream")
        live = thumbnails(url, LIVE_FRAMES, True)
        check(len(live) >= LIVE_FRAMES * 2 // 3,
              f"{len(live)} live frames read")
        masked, clean, leaked = report("live", live, reference)
        check(leaked == 0, f"live: no frame unmasked but damaged ({leaked})")
        check(masked >= len(live) // 10 and clean >= len(live) // 5,
              f"live: the damage was seen ({masked} frames masked whole) "
              f"and only it masked ({clean} clean)")

        # the segments: wait for three, then stop the camera, so that the
        # last one is closed and anonymized too
        wait_for(lambda: len(glob.glob(os.path.join(anon_dir, "*.mkv"))) >= 3,
                 90, 1)
        camera.send_signal(signal.SIGTERM)
        camera.wait(timeout=10)
        time.sleep(2)
        check(wait_for(lambda: not glob.glob(os.path.join(
            queue_dir, "pending", "*")) and not glob.glob(os.path.join(
                queue_dir, "claimed", "*")), 90, 1),
              "every segment recorded was anonymized")
        m = rb_metrics.scrape(mport)
        live_count = rb_metrics.value(
            m, "rtsp_blur_headblur_corrupt_frames_total", camera="cam")
        # a loaded machine may also mask live frames whole for overload
        overload = rb_metrics.value(
            m, "rtsp_blur_headblur_overload_frames_total", camera="cam") or 0
        seg_count = rb_metrics.value(
            m, "rtsp_blur_segments_corrupt_frames_total")
        remuxed = rb_metrics.value(m, "rtsp_blur_segments_remuxed_total")

        segments = sorted(glob.glob(os.path.join(anon_dir, "*.mkv")))
        check(len(segments) >= 3, f"{len(segments)} anonymized segments")
        totals = [0, 0, 0]
        for seg in segments:
            r = report(os.path.basename(seg), thumbnails(seg), reference)
            totals = [a + b for a, b in zip(totals, r)]
        masked_s, clean_s, leaked_s = totals
        check(leaked_s == 0,
              f"segments: no frame unmasked but damaged ({leaked_s})")
        check(masked_s > 0 and clean_s > 0,
              f"segments: {masked_s} frames masked whole, {clean_s} clean")
        check(live_count is not None and live_count > 0 and
              live_count + overload >= masked,
              f"rtsp_blur_headblur_corrupt_frames_total ({live_count}) "
              f"counts at least the {masked} live frames seen masked "
              f"(with {overload} masked for overload)")
        check(seg_count == masked_s,
              f"rtsp_blur_segments_corrupt_frames_total ({seg_count}) counts "
              f"the {masked_s} frames masked in the segments")
        print(f"{remuxed} segments remuxed (no damage in them)")
    finally:
        if camera.poll() is None:
            camera.send_signal(signal.SIGTERM)
            camera.wait(timeout=10)
        rb.send_signal(signal.SIGTERM)
        try:
            code = rb.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rb.kill()
            code = rb.wait()
        log.close()
    check(code == 0, f"rtsp-blur exits 0 (got {code})")
    if failures:
        print(open(log_path).read()[-3000:])
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
