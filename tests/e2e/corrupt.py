#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Cameras that send damaged H.264, end to end.

Two rb-test-camera play a known clip (a moving SMPTE pattern: nobody in it,
nothing for headblur to mask), fixed seed:
  - noisy: replaces one byte in 60 000 of its slices' payload at random
    after encoding, as ffmpeg's noise bitstream filter does;
  - lossy: loses one RTP packet of the video in 150 (also over TCP), as a
    lossy link does; the raw segments then hold the stream with the gaps,
    and only the live path saw the losses (the sidecar carries them).
rtsp-blur runs with [headblur] mode=fill (black). Every frame read from
its live RTSP streams (ffmpeg) and from the anonymized segments is
compared with its best-matching clip frame (both downscaled to 80x60
grey): it must be either

  - masked whole: uniform and black, or
  - the clip: within CLEAN_PSNR dB (the two encodes leave 55-63 dB), or
  - the clip with an artifact: within GARBAGE_PSNR dB. A replaced byte
    that leaves the bitstream valid is beyond any decoder's notice: the
    frames until the next key frame show the scene with a flaw (30-38 dB
    here), and headblur anonymizes them like any frame (its detector runs
    on them). They are counted and printed, not failed;

any other frame shows decoder garbage with fragments of the scene (9-25
dB), which defeats the detector: a leak.
Also: each stream was damaged (some frames masked) yet not masked
entirely, and the counters (rtsp_blur_headblur_corrupt_frames_total,
rtsp_blur_segments_corrupt_frames_total) count the masked frames. (A
segment without damage may be remuxed, the camera's stream copied: it is
checked like the others.)

RB_CORRUPT_REPORT=1 prints the PSNR of every frame.
"""

import glob
import math
import os
import shutil
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
# noisy: one byte in 60 000 of the slices replaced (about one frame in
# twelve damaged); lossy: one RTP packet in 150 lost (about one frame in 40)
CAMERAS = {"noisy": ["--corrupt", "60000"], "lossy": ["--drop", "150"]}
LIVE_FRAMES = 150               # 10 s
CLEAN_PSNR = 35.0               # dB: the clip
GARBAGE_PSNR = 25.0             # dB: below, decoder garbage


def thumbnails(source, frames=None, rtsp=False, timeout=90):
    """The frames of @source (a file or an RTSP URL) as W x H grey bytes."""
    cmd = ["ffmpeg", "-nostdin", "-v", "error"]
    if rtsp:
        cmd += ["-rtsp_transport", "tcp"]
    cmd += ["-i", source]
    if frames:
        cmd += ["-frames:v", str(frames)]
    # every decoded frame once: no frames made up for gaps in the times
    # (frames lost on the way are missing from the recordings too)
    cmd += ["-vf", f"scale={W}:{H}:flags=area,format=gray",
            "-fps_mode", "passthrough", "-f", "rawvideo", "-"]
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
    """(masked, clean, flawed, leaked, [psnr of each unmasked frame])."""
    masked = clean = flawed = leaked = 0
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
        if score >= CLEAN_PSNR:
            clean += 1
        elif score >= GARBAGE_PSNR:
            flawed += 1
        else:
            leaked += 1
    return masked, clean, flawed, leaked, scores


def report(what, frames, reference):
    masked, clean, flawed, leaked, scores = classify(frames, reference)
    print(f"{what}: {len(frames)} frames: {masked} masked whole, {clean} "
          f"the clip (>= {CLEAN_PSNR} dB), {flawed} the clip with a flaw "
          f"(>= {GARBAGE_PSNR} dB), {leaked} leaked; unmasked PSNR min "
          f"{min(scores, default=0):.1f} dB", flush=True)
    if os.environ.get("RB_CORRUPT_REPORT"):
        print("  " + " ".join(f"{s:.1f}" for s in scores))
    return masked, clean, flawed, leaked


def camera_up(mport, name):
    return rb_metrics.value(rb_metrics.scrape(mport), "rtsp_blur_camera_up",
                            camera=name)


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

    ports = {name: free_port() for name in CAMERAS}
    port = free_port()
    mport = free_port()
    conf = os.path.join(tmp, "corrupt.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={state}\nsegment-duration=3\n"
                f"workers=1\nmetrics-port={mport}\n\n"
                "[headblur]\nmode=fill\nfill-color=0xff000000\n\n")
        for name in CAMERAS:
            f.write(f"[camera:{name}]\n"
                    f"url=rtsp://127.0.0.1:{ports[name]}/cam\n"
                    "transport=tcp\nlatency=100\n\n")
        f.write(f"[network:A]\naddress=127.0.0.1\nport={port}\nauth=none\n")
    cameras = {name: subprocess.Popen(
        [CAMERA, "--clip", clip, "--port", str(ports[name]), "--mount", "/cam",
         "--loop", "--width", "320", "--height", "240", "--fps", "15",
         "--bitrate", "600", "--gop", "15", "--corrupt-seed", "7"] + args,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name, args in CAMERAS.items()}
    log_path = os.path.join(tmp, "rtsp-blur.log")
    log = open(log_path, "w")
    rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                          stderr=subprocess.STDOUT)
    queue_dir = os.path.join(state, "queue")

    def anonymized(name):
        return sorted(glob.glob(os.path.join(state, "anonymized", name,
                                             "*.mkv")))

    try:
        masked_live = {}
        for name in CAMERAS:
            url = f"rtsp://127.0.0.1:{port}/{name}"
            check(wait_for(lambda: len(thumbnails(url, 1, True, 20)) == 1,
                           60, 1), f"{name}: ffmpeg reads the live stream")
            live = thumbnails(url, LIVE_FRAMES, True)
            check(len(live) >= LIVE_FRAMES * 2 // 3,
                  f"{name}: {len(live)} live frames read")
            masked, clean, _, leaked = report(f"{name} live", live,
                                              reference)
            masked_live[name] = masked
            check(leaked == 0,
                  f"{name}: live: no frame unmasked but damaged ({leaked})")
            check(masked >= len(live) // 20 and clean >= len(live) // 5,
                  f"{name}: live: the damage was seen ({masked} frames "
                  f"masked whole) and only it masked ({clean} clean)")

        # the segments: wait for three of each camera, then stop the
        # cameras, so that the last ones are closed and anonymized too
        wait_for(lambda: all(len(anonymized(n)) >= 3 for n in CAMERAS), 90, 1)
        for camera in cameras.values():
            camera.send_signal(signal.SIGTERM)
            camera.wait(timeout=10)
        check(wait_for(lambda: all(camera_up(mport, n) == 0
                                   for n in CAMERAS), 30, 0.5),
              "rtsp-blur sees the cameras stop")

        def settled():
            return not glob.glob(os.path.join(queue_dir, "pending", "*")) \
                and not glob.glob(os.path.join(queue_dir, "claimed", "*"))
        check(wait_for(lambda: settled() and time.sleep(3) is None and
                       settled(), 90, 1),
              "every segment recorded was anonymized")
        m = rb_metrics.scrape(mport)
        seg_count = rb_metrics.value(
            m, "rtsp_blur_segments_corrupt_frames_total")
        remuxed = rb_metrics.value(m, "rtsp_blur_segments_remuxed_total")
        masked_all = 0
        for name in CAMERAS:
            live_count = rb_metrics.value(
                m, "rtsp_blur_headblur_corrupt_frames_total", camera=name)
            # a loaded machine may also mask live frames for overload
            overload = rb_metrics.value(
                m, "rtsp_blur_headblur_overload_frames_total",
                camera=name) or 0
            check(live_count is not None and live_count > 0 and
                  live_count + overload >= masked_live[name],
                  f"{name}: rtsp_blur_headblur_corrupt_frames_total "
                  f"({live_count}) counts at least the {masked_live[name]} "
                  f"live frames seen masked (with {overload} masked for "
                  "overload)")
            segments = anonymized(name)
            check(len(segments) >= 3,
                  f"{name}: {len(segments)} anonymized segments")
            totals = [0, 0, 0, 0]
            for seg in segments:
                r = report(f"{name} {os.path.basename(seg)}", thumbnails(seg),
                           reference)
                totals = [a + b for a, b in zip(totals, r)]
            masked_s, clean_s, _, leaked_s = totals
            masked_all += masked_s
            check(leaked_s == 0, f"{name}: segments: no frame unmasked but "
                  f"damaged ({leaked_s})")
            check(masked_s > 0 and clean_s > 0,
                  f"{name}: segments: {masked_s} frames masked whole, "
                  f"{clean_s} clean")
        check(seg_count == masked_all,
              f"rtsp_blur_segments_corrupt_frames_total ({seg_count}) counts "
              f"the {masked_all} frames masked in the segments")
        print(f"{remuxed} segments remuxed (no damage in them)")
    finally:
        for camera in cameras.values():
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
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
