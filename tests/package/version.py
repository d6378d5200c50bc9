#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The package's version is the project's: debian/changelog's
newest entry and the image tag of container/compose.yaml carry
meson.build's project version (a changelog version may add +N, ~N or -N
after it: a rebuild of the same source).

  version.py SOURCE_ROOT PROJECT_VERSION
"""

import os
import re
import sys


def main():
    root, version = sys.argv[1:3]
    failed = 0
    with open(os.path.join(root, "debian", "changelog")) as f:
        first = f.readline()
    m = re.match(r"^rtsp-blur \(([^)]+)\) \S+; urgency=", first)
    changelog = m.group(1) if m else None
    upstream = re.split(r"[-+~]", changelog)[0] if changelog else None
    if upstream != version:
        print(f"FAIL: debian/changelog is at {changelog}, meson.build at "
              f"{version}: add an entry (dch -v {version})")
        failed += 1
    else:
        print(f"ok: debian/changelog {changelog} is meson.build's {version}")
    with open(os.path.join(root, "container", "compose.yaml")) as f:
        tags = re.findall(r"^\s*image: localhost/rtsp-blur:(\S+)$", f.read(),
                          re.M)
    if tags != [version]:
        print(f"FAIL: container/compose.yaml's image tags {tags}, want "
              f"[{version}]")
        failed += 1
    else:
        print(f"ok: container/compose.yaml runs localhost/rtsp-blur:{version}")
    print(f"{2 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
