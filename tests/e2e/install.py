#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The service as installed: `meson install --destdir TMP` of this build.

Never touches the system: everything goes under a fresh directory in /tmp
(outside the build tree, so the installed plugin counts as installed).
Checks:
  - the layout: the launcher in bindir, the plugins (headblur,
    segmentqueue, safedec) in the GStreamer plugin directory (libdir/gstreamer-1.0), the models in the models directory
    with the sha256 of models/SHA256SUMS, the sample config in
    sysconfdir/rtsp-blur, the systemd unit, the man page;
  - the man page renders without a groff warning;
  - the unit has what a service needs, `systemd-analyze verify` accepts it
    (ExecStart pointed at the installed launcher inside TMP) and
    `systemd-analyze security --offline` rates its exposure at most 2.0;
  - gst-inspect-1.0 of the installed headblur shows its default model and
    person-model in the installed models directory;
  - the installed launcher does not use the build tree's plugins, reads the
    installed models by default, and passes --check-config on the installed
    sample config (state-dir and port changed, models pointed into TMP).
"""

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures, free_port  # noqa: E402,F401

BUILD = os.environ["RB_BUILD_ROOT"]
SOURCE = os.environ["RB_SOURCE_ROOT"]
BINDIR = os.environ["RB_INSTALL_BINDIR"]
PLUGINDIR = os.environ["RB_INSTALL_PLUGINDIR"]
MODELSDIR = os.environ["RB_INSTALL_MODELSDIR"]
SYSCONFDIR = os.environ["RB_INSTALL_SYSCONFDIR"]
UNITDIR = os.environ["RB_INSTALL_UNITDIR"]
MANDIR = os.environ["RB_INSTALL_MANDIR"]
DATADIR = os.environ["RB_INSTALL_DATADIR"]
GST_PLUGINSDIR = os.environ["RB_GST_PLUGINSDIR"]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def clean_env(tmp, plugin_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GST_PLUGIN_")}
    env["GST_PLUGIN_PATH_1_0"] = plugin_path
    env["GST_PLUGIN_SYSTEM_PATH_1_0"] = ""
    env["GST_REGISTRY"] = os.path.join(tmp, "registry-%d.bin" % len(plugin_path))
    return env


def main():
    tmp = tempfile.mkdtemp(prefix="rb-install-", dir="/tmp")
    try:
        run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d checks failed" % len(failures))
        sys.exit(1)
    print("all checks passed")


def run(tmp):
    dest = os.path.join(tmp, "dest")
    out = subprocess.run(["meson", "install", "-C", BUILD, "--no-rebuild",
                          "--quiet", "--destdir", dest],
                         capture_output=True, text=True, timeout=120)
    if not check(out.returncode == 0, "meson install --destdir exits 0"):
        print(out.stdout, out.stderr)
        return

    def d(path):
        return dest + path

    launcher = d(os.path.join(BINDIR, "rtsp-blur"))
    check(os.access(launcher, os.X_OK), "launcher installed in " + BINDIR)
    for plugin in ("libgstheadblur.so", "libgstsegmentqueue.so",
                   "libgstsafedec.so"):
        check(os.path.isfile(d(os.path.join(PLUGINDIR, plugin))),
              "%s installed in %s" % (plugin, PLUGINDIR))
    with open(os.path.join(SOURCE, "models", "SHA256SUMS")) as f:
        sums = [line.split() for line in f if line.strip()]
    for digest, name in sums:
        path = d(os.path.join(MODELSDIR, name))
        check(os.path.isfile(path) and sha256(path) == digest,
              "model %s installed in %s, sha256 right" % (name, MODELSDIR))
    conf = d(os.path.join(SYSCONFDIR, "rtsp-blur", "rtsp-blur.conf"))
    check(os.path.isfile(conf), "sample config in %s/rtsp-blur" % SYSCONFDIR)
    unit = d(os.path.join(UNITDIR, "rtsp-blur.service"))
    check(os.path.isfile(unit), "systemd unit in " + UNITDIR)
    # the pristine sample beside the models, which the unit's
    # ExecCondition= compares the config with
    pristine = d(os.path.join(DATADIR, "rtsp-blur", "rtsp-blur.conf.sample"))
    check(os.path.isfile(pristine) and os.path.isfile(conf)
          and open(pristine).read() == open(conf).read(),
          "the pristine sample in %s equals the installed config"
          % os.path.join(DATADIR, "rtsp-blur"))
    man = d(os.path.join(MANDIR, "man1", "rtsp-blur.1"))
    check(os.path.isfile(man), "man page in %s/man1" % MANDIR)

    # the man page: no groff warning, and it documents every option
    out = subprocess.run(["groff", "-man", "-ww", "-z", man],
                         capture_output=True, text=True, timeout=30,
                         env=dict(os.environ, LC_ALL="C.UTF-8"))
    check(out.returncode == 0 and out.stderr == "",
          "man page renders without warnings (%s)" % out.stderr.strip())
    with open(man) as f:
        page = f.read().replace("\\-", "-")
    for word in ("--config", "--check-config", "--log-level", "status",
                 "SIGHUP", "SIGTERM", "EXIT STATUS", "FILES", "78",
                 "max-disk-usage", "JOURNAL_STREAM"):
        check(word in page, "man page covers " + word)

    # the unit
    with open(unit) as f:
        text = f.read()
    config_path = os.path.join(SYSCONFDIR, "rtsp-blur", "rtsp-blur.conf")
    for want in ("ExecStart=%s --config %s" % (
                     os.path.join(BINDIR, "rtsp-blur"), config_path),
                 "DynamicUser=yes", "StateDirectory=rtsp-blur",
                 "ProtectSystem=strict", "Restart=on-failure",
                 "ExecReload=/bin/kill -HUP $MAINPID",
                 "ExecCondition=/bin/sh -c 'if cmp -s %s %s; then" % (
                     config_path, os.path.join(DATADIR, "rtsp-blur",
                                               "rtsp-blur.conf.sample"))):
        check(re.search("^" + re.escape(want) + ("" if want.startswith(
            "ExecCondition=") else "$"), text, re.M) is not None,
              "unit has " + want)
    check(re.search(r"^LimitNOFILE=\d+$", text, re.M) is not None,
          "unit sets LimitNOFILE")
    analyze = shutil.which("systemd-analyze")
    if check(analyze is not None, "systemd-analyze is installed"):
        verify_dir = os.path.join(tmp, "unit")
        os.makedirs(verify_dir)
        with open(os.path.join(verify_dir, "rtsp-blur.service"), "w") as f:
            f.write(text.replace(os.path.join(BINDIR, "rtsp-blur"), launcher))
        out = subprocess.run(
            [analyze, "verify", os.path.join(verify_dir, "rtsp-blur.service")],
            capture_output=True, text=True, timeout=60,
            env=dict(os.environ, MANPATH=d(MANDIR)))
        check(out.returncode == 0 and out.stderr.strip() == "",
              "systemd-analyze verify accepts the unit (%s)"
              % out.stderr.strip())
        # systemd's own rating of the sandbox: 0 (locked down) .. 10
        out = subprocess.run(
            [analyze, "security", "--offline=yes", "--threshold=20",
             os.path.join(verify_dir, "rtsp-blur.service")],
            capture_output=True, text=True, timeout=60)
        m = re.search(r"Overall exposure level for rtsp-blur.service: "
                      r"([0-9.]+)", out.stdout + out.stderr)
        check(out.returncode == 0 and m is not None,
              "systemd-analyze security: exposure %s, at most 2.0"
              % (m.group(1) if m else None))

    # the installed element's defaults are the installed models
    env = clean_env(tmp, d(PLUGINDIR) + ":" + GST_PLUGINSDIR)
    out = subprocess.run(["gst-inspect-1.0", "headblur"], capture_output=True,
                         text=True, timeout=60, env=env)
    check(out.returncode == 0 and d(PLUGINDIR) in out.stdout,
          "gst-inspect-1.0 loads the installed headblur")
    for prop, name in (("model", "yunet_n_640_640.onnx"),
                       ("person-model", "yolo-fastest-1.1_body.weights")):
        m = re.search(r"^  %s\s*:.*?Default: \"([^\"]*)\"" % re.escape(prop),
                      out.stdout, re.M | re.S)
        want = os.path.join(MODELSDIR, name)
        check(m is not None and m.group(1) == want,
              "installed headblur %s defaults to %s (got %s)"
              % (prop, want, m.group(1) if m else None))

    # the installed launcher with the installed sample config
    state = os.path.join(tmp, "state")
    with open(conf) as f:
        sample = f.read()
    sample = re.sub(r"^state-dir=.*$", "state-dir=" + state, sample,
                    flags=re.M)
    sample = re.sub(r"^port=.*$", "port=%d" % free_port(), sample, flags=re.M)
    sample = re.sub(r"^metrics-port=.*$", "metrics-port=%d" % free_port(),
                    sample, flags=re.M)
    plain = os.path.join(tmp, "plain.conf")
    with open(plain, "w") as f:
        f.write(sample)
    # no plugins of ours on the path: the installed launcher adds none
    out = subprocess.run([launcher, "--check-config", "--config", plain],
                         capture_output=True, text=True, timeout=60,
                         env=clean_env(tmp, GST_PLUGINSDIR))
    check(out.returncode == 69 and "headblur" in out.stderr,
          "installed launcher does not use the build tree's plugins "
          "(exit %d: %s)" % (out.returncode, out.stderr.strip()))
    # its models by default: the installed models directory (not in TMP)
    if not os.path.exists(os.path.join(MODELSDIR, "yunet_n_640_640.onnx")):
        out = subprocess.run([launcher, "--check-config", "--config", plain],
                             capture_output=True, text=True, timeout=60,
                             env=env)
        check(out.returncode == 66 and os.path.join(
            MODELSDIR, "yunet_n_640_640.onnx") in out.stderr,
              "installed launcher reads the installed models by default "
              "(exit %d: %s)" % (out.returncode, out.stderr.strip()))
    with open(plain, "a") as f:
        f.write("\n[headblur]\nmodel=%s\nperson-model=%s\n" % (
            d(os.path.join(MODELSDIR, "yunet_n_640_640.onnx")),
            d(os.path.join(MODELSDIR, "yolo-fastest-1.1_body.weights"))))
    out = subprocess.run([launcher, "--check-config", "--config", plain],
                         capture_output=True, text=True, timeout=120, env=env)
    check(out.returncode == 0 and "is valid" in out.stdout,
          "installed launcher: --check-config passes on the installed sample "
          "config (exit %d: %s)" % (out.returncode, out.stderr.strip()))
    # run as root by an operator, a check must not leave
    # root-owned directories in the service's state directory
    check(not os.path.exists(state),
          "--check-config leaves no state directory behind (%s)" % state)


if __name__ == "__main__":
    main()
