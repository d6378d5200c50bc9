#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""models/fetch-models, as scripts/setup runs it (nothing is downloaded).

  - from the mirror (RTSP_BLUR_MODEL_MIRROR or ../shared/models) into an
    empty directory: every file of models/SHA256SUMS with its sha256;
  - without a mirror: exit 1, and the message lists every file with its
    sha256 and an upstream URL on github.com pinned by a full commit hash;
  - a corrupt or missing file in the mirror: exit 1 naming it, and neither
    the bad file nor a temporary file is left in the destination.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import check, failures  # noqa: E402,F401

SOURCE = os.environ["RB_SOURCE_ROOT"]
SCRIPT = os.path.join(SOURCE, "models", "fetch-models")
MIRROR = os.environ.get("RTSP_BLUR_MODEL_MIRROR",
                        os.path.join(SOURCE, "..", "shared", "models"))


def fetch(dest, mirror):
    env = dict(os.environ, RTSP_BLUR_MODEL_MIRROR=mirror)
    return subprocess.run([SCRIPT, dest], capture_output=True, text=True,
                          timeout=120, env=env)


def main():
    with open(os.path.join(SOURCE, "models", "SHA256SUMS")) as f:
        sums = dict(reversed(line.split()) for line in f if line.strip())
    with tempfile.TemporaryDirectory(prefix="rb-fetch-") as tmp:
        good = os.path.join(tmp, "good")
        out = fetch(good, MIRROR)
        check(out.returncode == 0, "from the mirror: exit 0 (%s)"
              % out.stderr.strip())
        for name, digest in sums.items():
            path = os.path.join(good, name)
            ok = os.path.isfile(path) and hashlib.sha256(
                open(path, "rb").read()).hexdigest() == digest
            check(ok, f"{name} copied with its sha256")

        out = fetch(os.path.join(tmp, "none"), os.path.join(tmp, "absent"))
        check(out.returncode == 1 and "model mirror" in out.stderr
              and "not found" in out.stderr, "no mirror: exit 1, said so")
        for name, digest in sums.items():
            m = re.search(r"^  %s  sha256 %s  (https://\S+)$"
                          % (re.escape(name), digest), out.stderr, re.M)
            check(m is not None and re.match(
                r"https://github\.com/[^/]+/[^/]+/raw/[0-9a-f]{40}/",
                m.group(1)) is not None,
                f"no mirror: {name} listed with its sha256 and a github "
                f"URL pinned by commit ({m.group(1) if m else None})")
        check(not os.path.exists(os.path.join(tmp, "none")) or
              not os.listdir(os.path.join(tmp, "none")),
              "no mirror: nothing written")

        bad_mirror = os.path.join(tmp, "bad-mirror")
        shutil.copytree(good, bad_mirror)
        victim = "yolo-fastest-1.1_body.weights"
        with open(os.path.join(bad_mirror, victim), "r+b") as f:
            f.seek(1000)
            f.write(b"\xff" * 16)
        dest = os.path.join(tmp, "dest")
        out = fetch(dest, bad_mirror)
        check(out.returncode == 1 and ("sha256 of %s" % os.path.join(
            bad_mirror, victim)) in out.stderr,
            "corrupt file: exit 1 naming it (%s)" % out.stderr.strip())
        left = os.listdir(dest) if os.path.isdir(dest) else []
        check(victim not in left and not any(n.endswith(".tmp")
                                             for n in left),
              f"corrupt file: not installed, no temporary left ({left})")
        os.unlink(os.path.join(bad_mirror, victim))
        out = fetch(dest, bad_mirror)
        check(out.returncode == 1 and f"model {victim} not found in mirror"
              in out.stderr and "upstream: https://github.com/dog-qiuqiu/"
              in out.stderr,
              "missing file: exit 1 naming it and its upstream URL")
    if failures:
        print("%d checks failed" % len(failures))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
