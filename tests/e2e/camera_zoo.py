# SPDX-License-Identifier: LGPL-2.1-or-later
"""A zoo of RTSP cameras as third-party cameras and VMS relays serve them.

Each class is a context manager that generates its media (small, from the
OpenCV demo clip of pedestrians), starts a real RTSP server on a free port,
waits until ffprobe can read it (bounded), yields its URL and stops the
server, whatever happens:

  vlc-h264-bframes  VLC (UDP only), H.264 High with B-frames
  vlc-hevc-bframes  VLC (UDP only), HEVC Main with B-frames
  vlc-h264-aac      VLC (UDP only), H.264 constrained baseline + AAC
  vlc-mjpeg         VLC (UDP only), Motion JPEG (RTP/JPEG)
  vlc-mpeg4         VLC (UDP only), MPEG-4 Part 2 (MP4V-ES): a codec
                    rtsp-blur does not take (not in CLASSES)
  gst-g711          gst-rtsp-server (rb-test-camera), H.264 with B-frames
                    + G.711 A-law
  gst-resize        gst-rtsp-server, H.264 + mu-law that changes picture
                    size mid-stream (a reconfigured camera)

VLC refuses to run as root: it runs as `nobody` (setpriv) with its own HOME
when the tests run as root. Standard library only.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from rb_e2e import free_port  # noqa: E402,F401 (tests/e2e is on sys.path)

CLIP = os.environ.get("RB_TEST_CLIP",
                      "/usr/share/doc/opencv-doc/examples/data/vtest.avi")

WIDTH, HEIGHT, FPS = 320, 240, 15

CLASSES = ["vlc-h264-bframes", "vlc-hevc-bframes", "vlc-h264-aac",
           "gst-g711", "gst-resize"]

# what each class sends: (video codec, audio codec or None)
STREAMS = {
    "vlc-h264-bframes": ("h264", None),
    "vlc-hevc-bframes": ("hevc", None),
    "vlc-h264-aac": ("h264", "aac"),
    "vlc-mjpeg": ("mjpeg", None),
    "vlc-mpeg4": ("mpeg4", None),
    "gst-g711": ("h264", "pcm_alaw"),
    "gst-resize": ("h264", "pcm_mulaw"),
}


def _raw(seconds):
    return (f"filesrc location={CLIP} ! decodebin ! videoconvert ! videoscale "
            f"! video/x-raw,width={WIDTH},height={HEIGHT} ! videorate "
            f"! video/x-raw,framerate={FPS}/1 "
            f"! identity eos-after={seconds * FPS} ")


def make_media(kind, directory, seconds=78):
    """Writes the clip VLC serves for @kind into @directory (unless it is
    there already); returns it. VLC ends the RTP session when it loops (a
    client sees the camera end the stream): the clip is as long as the demo
    clip allows (79 s)."""
    ext = "avi" if kind in ("vlc-mpeg4", "vlc-mjpeg") else "mp4"
    path = os.path.join(directory, f"{kind}-{WIDTH}x{HEIGHT}.{ext}")
    if os.path.exists(path):
        return path
    if kind == "vlc-h264-bframes":
        desc = (_raw(seconds) + "! x264enc bframes=2 b-adapt=false "
                "key-int-max=30 speed-preset=veryfast bitrate=400 "
                "! video/x-h264,profile=high ! h264parse ! mp4mux "
                f"! filesink location={path}")
    elif kind == "vlc-hevc-bframes":
        desc = (_raw(seconds) + "! x265enc key-int-max=30 bitrate=300 "
                "speed-preset=ultrafast option-string=bframes=2:b-adapt=0 "
                "! h265parse ! mp4mux "
                f"! filesink location={path}")
    elif kind == "vlc-h264-aac":
        desc = (_raw(seconds) + "! x264enc key-int-max=30 bitrate=400 "
                "speed-preset=ultrafast "
                "! video/x-h264,profile=constrained-baseline ! h264parse "
                "! mp4mux name=mux ! filesink location=" + path + " "
                "audiotestsrc wave=ticks num-buffers=" + str(seconds * 10) +
                " samplesperbuffer=1600 ! audio/x-raw,rate=16000,channels=1 "
                "! avenc_aac ! aacparse ! mux.")
    elif kind == "vlc-mjpeg":
        # VLC's RTP/JPEG packetizer sends nothing of jpegenc's images:
        # ffmpeg's, as cameras' encoders make them, with the standard
        # Huffman tables (RTP/JPEG cannot carry others: a receiver decodes
        # optimized ones, ffmpeg's default, into garbage)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-t", str(seconds),
                        "-i", CLIP, "-vf", f"scale={WIDTH}:{HEIGHT},"
                        f"fps={FPS}", "-c:v", "mjpeg", "-q:v", "5",
                        "-huffman", "default",
                        "-pix_fmt", "yuvj420p", path], check=True,
                       timeout=120, stdout=subprocess.DEVNULL)
        os.chmod(path, 0o644)
        return path
    elif kind == "vlc-mpeg4":
        desc = (_raw(seconds) + "! avenc_mpeg4 bitrate=400000 "
                "! mpeg4videoparse ! avimux "
                f"! filesink location={path}")
    else:
        raise ValueError(kind)
    subprocess.run(["gst-launch-1.0", "-q"] + desc.split(), check=True,
                   timeout=120, stdout=subprocess.DEVNULL)
    os.chmod(path, 0o644)
    return path


def ffprobe_streams(url, timeout=15):
    """[(codec_type, codec_name)] of @url, or None."""
    try:
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-rw_timeout", "5000000",
             "-show_entries", "stream=codec_type,codec_name", "-of", "csv=p=0",
             url], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        return None
    return [tuple(line.split(",")[:2][::-1]) for line in
            out.stdout.split() if "," in line] or None


def _wait_serving(url, proc, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        if ffprobe_streams(url, timeout=10):
            return True
        time.sleep(0.5)
    return False


def _stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _vlc_command(media, port, home):
    cmd = ["cvlc", "-I", "dummy", "--no-video-title-show", "--loop",
           "--sout-keep", media,
           "--sout", f"#rtp{{sdp=rtsp://127.0.0.1:{port}/cam}}"]
    if os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup",
               "--clear-groups", "--"] + cmd
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home,
               XDG_CACHE_HOME=home, XDG_DATA_HOME=home)
    return cmd, env


@contextlib.contextmanager
def camera(kind, test_camera=None, log_dir=None, port=None, media_dir=None):
    """Serves a camera of class @kind (on @port, or a free one); yields its
    URL. Media are made in @media_dir (kept, reused) or a temporary one."""
    work = tempfile.mkdtemp(prefix="rb-zoo-")
    os.chmod(work, 0o755)
    if media_dir is not None:
        os.makedirs(media_dir, exist_ok=True)
        os.chmod(media_dir, 0o755)
    port = port or free_port()
    log_path = os.path.join(log_dir or work, f"camera-{kind}.log")
    log = open(log_path, "a")
    proc = None
    try:
        if kind.startswith("vlc-"):
            media = make_media(kind, media_dir or work)
            home = os.path.join(work, "home")
            os.mkdir(home)
            os.chmod(home, 0o777)
            cmd, env = _vlc_command(media, port, home)
            url = f"rtsp://127.0.0.1:{port}/cam"
        else:
            common = [test_camera, "--address", "127.0.0.1", "--port",
                      str(port), "--mount", "/cam", "--loop", "--width",
                      str(WIDTH), "--height", str(HEIGHT), "--fps", str(FPS),
                      "--bitrate", "400", "--clip", CLIP]
            if kind == "gst-g711":
                cmd = common + ["--bframes", "2", "--audio", "pcma"]
            elif kind == "gst-resize":
                cmd = common + ["--audio", "pcmu", "--resize-after", "8",
                                "--resize-to", "416x312"]
            else:
                raise ValueError(kind)
            env = None
            url = f"rtsp://127.0.0.1:{port}/cam"
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
        if not _wait_serving(url, proc, 40):
            raise RuntimeError(f"camera {kind} does not serve {url} "
                               f"(see {log_path})")
        yield url
    finally:
        if proc is not None:
            _stop(proc)
        log.close()
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def cameras(kinds, test_camera=None, log_dir=None):
    """Serves several cameras at once; yields {kind: url}."""
    with contextlib.ExitStack() as stack:
        urls = {}
        for kind in kinds:
            urls[kind] = stack.enter_context(camera(kind, test_camera,
                                                    log_dir))
        yield urls


# ---- outages: when a camera is back, when a viewer sees it again ----

def accepting(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def watch_port(port, stop, out):
    """Records in out[port] when (wall time) @port first accepts a
    connection."""
    while not stop.is_set():
        if accepting(port):
            out[port] = time.time()
            return
        time.sleep(0.02)


class LiveReader(threading.Thread):
    """A viewer that stays on @url through the outage (reconnecting when
    ffmpeg gives up): the wall time of every frame it decodes."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url, self.frames, self.proc = url, [], None
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            self.proc = subprocess.Popen(
                ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "info",
                 "-rtsp_transport", "tcp", "-i", self.url, "-vf", "showinfo",
                 "-f", "null", "-"], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if self.stopping.is_set():     # stop() came while starting
                self.proc.kill()
            for line in self.proc.stderr:
                if "Parsed_showinfo" in line and " n:" in line:
                    self.frames.append(time.time())
            self.proc.wait()
            time.sleep(0.1)

    def stop(self):
        self.stopping.set()
        if self.proc is not None:
            self.proc.kill()

    def first_after(self, t):
        return next((f for f in self.frames if f >= t), None)


def log_time(line):
    """The wall time of a log line ("HH:MM:SS.mmm rtsp-blur: ..."), today."""
    stamp = line.split(" ", 1)[0]
    h, m, sec = stamp.split(":")
    midnight = time.mktime(time.localtime()[:3] + (0, 0, 0, 0, 0, -1))
    return midnight + int(h) * 3600 + int(m) * 60 + float(sec)


def first_line_time(text, needle):
    for line in text.splitlines():
        if needle in line:
            return log_time(line)
    return None
