# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scraping rtsp-blur's Prometheus endpoint in tests (standard library)."""

import math
import urllib.request


def scrape(port, address="127.0.0.1"):
    """{'name{labels}': value} from http://address:port/metrics, or None."""
    try:
        with urllib.request.urlopen(
                f"http://{address}:{port}/metrics", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return None
    values = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        values[key] = math.nan if value == "NaN" else float(value)
    return values


def value(metrics, name, **labels):
    """The sample of @name with @labels (in the order the daemon writes
    them), or None."""
    if metrics is None:
        return None
    if labels:
        inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
        return metrics.get(f"{name}{{{inner}}}")
    return metrics.get(name)
