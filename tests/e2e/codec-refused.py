#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A camera whose video codec rtsp-blur cannot take (VLC serving MPEG-4
Part 2, MP4V-ES), with reconnect-max-interval=3:

- the refusal is logged once, naming the codec;
- the camera is asked again only every 3 s (the metric
  rtsp_blur_camera_unsupported_codec_total counts each refused attempt:
  4 to 6 in 15 s, not the 1–5 s back-off of a camera that fails);
- always over the same transport (TCP: never "over UDP");
- another camera of the same daemon records meanwhile.
"""

import glob
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
TEST_CAMERA = os.environ["RB_TEST_CAMERA"]
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "200"))
rb_e2e.set_deadline(DEADLINE)


def main():
    tmp = tempfile.mkdtemp(prefix="rb-codec-test-")
    os.chmod(tmp, 0o755)
    state = os.path.join(tmp, "state")
    mport = camera_zoo.free_port()
    log_path = os.path.join(tmp, "rtsp-blur.log")
    with camera_zoo.camera("vlc-mpeg4", log_dir=tmp) as url, \
            camera_zoo.camera("gst-g711", TEST_CAMERA, log_dir=tmp) as good:
        conf = os.path.join(tmp, "rtsp-blur.conf")
        with open(conf, "w") as f:
            f.write(f"[rtsp-blur]\nstate-dir={state}\nsegment-duration=2\n"
                    f"workers=0\nreconnect-max-interval=3\n"
                    f"metrics-port={mport}\n\n"
                    f"[camera:mpeg4]\nurl={url}\n\n"
                    f"[camera:good]\nurl={good}\n\n"
                    f"[network:A]\naddress=127.0.0.1\n"
                    f"port={camera_zoo.free_port()}\nauth=none\n")
        log = open(log_path, "w")
        rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                              stderr=subprocess.STDOUT)
        try:
            def refused():
                m = rb_metrics.scrape(mport)
                return m and rb_metrics.value(
                    m, "rtsp_blur_camera_unsupported_codec_total",
                    camera="mpeg4")
            first = wait_for(refused, 30)
            check(first, "the refusal is counted")
            t0 = time.monotonic()
            time.sleep(15)
            n = refused() - first
            elapsed = time.monotonic() - t0
            check(4 <= n <= 6, f"{n} attempts refused in {elapsed:.0f} s "
                  "(one every reconnect-max-interval, 3 s)")
            m = rb_metrics.scrape(mport)
            check(rb_metrics.value(m, "rtsp_blur_camera_unsupported_codec_"
                                   "total", camera="good") == 0,
                  "the other camera has none")
            recorded = glob.glob(os.path.join(state, "raw", "good", "*.mkv"))
            check(len(recorded) >= 2, f"the other camera records "
                  f"({len(recorded)} segments)")
        finally:
            rb_e2e.stop(rb)
            log.close()
    text = open(log_path).read()
    said = [line for line in text.splitlines()
            if "video encoding 'MP4V-ES' is not supported" in line]
    check(len(said) == 1, f"said once, naming the codec ({said})")
    mpeg4 = [line for line in text.splitlines() if "camera mpeg4" in line]
    check(not any("over UDP" in line for line in mpeg4),
          "always over the same transport")
    if failures:
        print(text[-3000:])
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
