#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""WS-Discovery of each network's ONVIF device, end to end, as root, in
network namespaces.

Three namespaces, rbwsd-a, rbwsd-b and rbwsd-c, each joined to the host by
a veth pair (host 10.200.87.1 <-> A 10.200.87.2, 10.200.88.1 <-> B
10.200.88.2, 10.200.89.1 <-> C 10.200.89.2). rtsp-blur on the host serves
network A on 10.200.87.1, B on 10.200.88.1 (both with an http-port, so
both are ONVIF devices) and C on 10.200.89.1 with onvif=false. In each
namespace a listener joined to 239.255.255.250:3702 on its link records
what arrives there. Then:

- at start each device's Hello arrives on its own link only (A's listener
  gets A's Hello with A's XAddrs, never B's); B's address is added to the
  host only after the start: B's Hello comes when it appears (SIGHUP looks
  at once);
- `onvif-util -a` (libonvif, Debian's onvif-tools) in A lists A's device
  with its address and not B's; in B, B's and not A's; in C, none (only
  what discovery gives is asserted: onvif-util then asks the device for
  its host name, which is the SOAP service's);
- a Probe (raw, from python) whose Scopes match A's gets one ProbeMatches
  whose RelatesTo is the Probe's MessageID, with A's endpoint reference
  (the same urn:uuid as the Hello) and XAddrs; one with a scope A does not
  have, or with a type that is not ONVIF's, gets no answer;
- a flood of 30 Probes from one address gets at most the burst of the
  rate limit (4) plus what refills in that time;
- SIGTERM: A's Bye arrives at A's listener, with the same endpoint
  reference.
"""

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
import rb_metrics  # noqa: E402
from rb_e2e import (check, failures, free_port, in_ns, run,  # noqa: E402
                    remove_veth_namespaces, veth_namespaces, wait_for)

LAUNCHER = os.environ.get("RB_LAUNCHER")
CAMERA = os.environ.get("RB_TEST_CAMERA")
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "200"))
rb_e2e.set_deadline(DEADLINE)

GROUP, PORT = "239.255.255.250", 3702
NETS = {  # name: (namespace, host link, host address, client address)
    "A": ("rbwsd-a", "rbwsd-a0", "10.200.87.1", "10.200.87.2"),
    "B": ("rbwsd-b", "rbwsd-b0", "10.200.88.1", "10.200.88.2"),
    "C": ("rbwsd-c", "rbwsd-c0", "10.200.89.1", "10.200.89.2"),
}
NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "d": "http://schemas.xmlsoap.org/ws/2005/04/discovery",
}
ACTION = "http://schemas.xmlsoap.org/ws/2005/04/discovery/"

# onvif-util's own Probe, with room for Types and Scopes
PROBE = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><s:Header>'
    '<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/'
    'discovery/Probe</a:Action><a:MessageID>{id}</a:MessageID><a:ReplyTo>'
    '<a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/'
    'anonymous</a:Address></a:ReplyTo><a:To s:mustUnderstand="1">'
    'urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header><s:Body>'
    '<Probe xmlns="http://schemas.xmlsoap.org/ws/2005/04/discovery">'
    '<d:Types xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
    'xmlns:dp0="{types_ns}">{types}</d:Types>'
    '<d:Scopes xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">'
    '{scopes}</d:Scopes></Probe></s:Body></s:Envelope>')
DEVICE_NS = "http://www.onvif.org/ver10/device/wsdl"


# ---- run inside a namespace (ip netns exec NS python3 THIS MODE ...) ----

def listen_main(address):
    """Prints each datagram arriving at the group on @address's link as a
    JSON line, until killed."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((GROUP, PORT))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack(
        "4s4s", socket.inet_aton(GROUP), socket.inet_aton(address)))
    print(json.dumps({"ready": True}), flush=True)
    while True:
        data, src = s.recvfrom(65536)
        print(json.dumps({"from": src[0], "data": data.decode(
            "utf-8", "replace")}), flush=True)


def probe_main(address, count, wait, body):
    """Sends @count Probes @body (each with a MessageID of its own) to the
    group out of @address's link, prints every answer for @wait s."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((address, 0))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 socket.inet_aton(address))
    ids = []
    for _ in range(int(count)):
        ids.append(f"uuid:{uuid.uuid4()}")
        s.sendto(body.replace("{id}", ids[-1]).encode(), (GROUP, PORT))
    s.settimeout(0.2)
    answers = []
    end = time.monotonic() + float(wait)
    while time.monotonic() < end:
        try:
            data, src = s.recvfrom(65536)
        except socket.timeout:
            continue
        answers.append({"from": src[0], "port": src[1],
                        "data": data.decode("utf-8", "replace")})
    print(json.dumps({"ids": ids, "answers": answers}))


# ---- the test ----------------------------------------------------------


class Listener:
    """A listener in namespace @ns (see listen_main), read by a thread."""

    def __init__(self, ns, address):
        self.proc = subprocess.Popen(
            in_ns(ns, [sys.executable, os.path.abspath(__file__), "listen",
                       address]),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.lines = []
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()
        wait_for(lambda: any("ready" in m for m in list(self.lines)), 10)

    def read(self):
        for line in self.proc.stdout:
            self.lines.append(json.loads(line))

    def messages(self, action):
        """The messages with @action (Hello, Bye...) received so far."""
        return [p for p in (parse(m["data"]) for m in list(self.lines)
                            if "data" in m)
                if p.get("action") == ACTION + action]

    def close(self):
        self.proc.kill()
        self.proc.wait()


def parse(text):
    """The WS-Discovery fields of a message, as a dict."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return {}

    def find(path):
        e = root.find(path, NS)
        return e.text.strip() if e is not None and e.text else None
    return {
        "action": find("s:Header/a:Action"),
        "relates_to": find("s:Header/a:RelatesTo"),
        "address": find(".//a:EndpointReference/a:Address"),
        "xaddrs": find(".//d:XAddrs"),
        "scopes": (find(".//d:Scopes") or "").split(),
        "types": (find(".//d:Types") or "").split(),
    }


def probe(net, types="dp0:Device", scopes="", count=1, wait=2.0,
          types_ns=DEVICE_NS):
    ns, _, _, client = NETS[net]
    body = PROBE.replace("{types_ns}", types_ns).replace(
        "{types}", types).replace("{scopes}", scopes)
    r = run(in_ns(ns, [sys.executable, os.path.abspath(__file__), "probe",
                       client, str(count), str(wait), body]), timeout=60)
    out = json.loads(r.stdout)
    for a in out["answers"]:
        a.update(parse(a["data"]))
    return out["ids"], out["answers"]


def onvif_util_all(net):
    ns = NETS[net][0]
    r = run(in_ns(ns, ["onvif-util", "-a"]), timeout=60, check_rc=False)
    return r.stdout + r.stderr


def main():
    if not check(os.geteuid() == 0, "the test runs as root (ip netns)"):
        return 1
    tmp = tempfile.mkdtemp(prefix="rb-wsd-")
    os.chmod(tmp, 0o755)
    cam_port, rtsp_port, http_port = free_port(), free_port(), free_port()
    mport = free_port()
    conf = os.path.join(tmp, "rtsp-blur.conf")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={tmp}/state\nworkers=0\n"
                f"live-bitrate=400\nmetrics-port={mport}\n\n"
                f"[camera:lobby]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n"
                "transport=tcp\n\n")
        for name, (_, _, host, _) in NETS.items():
            f.write(f"[network:{name}]\naddress={host}\nport={rtsp_port}\n"
                    f"http-port={http_port}\nauth=none\n")
            if name == "C":
                f.write("onvif=false\n")
            f.write("\n")
    log_path = os.path.join(tmp, "rtsp-blur.log")
    camera = rb = None
    listeners = {}
    xaddrs = {n: f"http://{NETS[n][2]}:{http_port}/onvif/device_service"
              for n in NETS}
    try:
        veth_namespaces(list(NETS.values()))
        for name, (ns, _, _, client) in NETS.items():
            listeners[name] = Listener(ns, client)
        camera = subprocess.Popen(
            [CAMERA, "--port", str(cam_port), "--mount", "/cam", "--loop",
             "--width", "320", "--height", "240", "--fps", "15"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log = open(log_path, "w")
        # B's address comes later
        run(["ip", "addr", "del", f"{NETS['B'][2]}/24", "dev", NETS["B"][1]])
        rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                              stderr=subprocess.STDOUT)

        # Hello, each on its own link
        hellos = wait_for(lambda: listeners["A"].messages("Hello"), 30)
        check(hellos and hellos[0]["xaddrs"] == xaddrs["A"]
              and (hellos[0]["address"] or "").startswith("urn:uuid:"),
              f"A's Hello arrives on A's link with A's XAddrs ({hellos})")
        urn_a = hellos[0]["address"] if hellos else None
        time.sleep(1)
        check(not listeners["B"].messages("Hello"),
              "no Hello on B's link while B's address is not there")
        run(["ip", "addr", "add", f"{NETS['B'][2]}/24", "dev", NETS["B"][1]])
        t0 = time.monotonic()
        rb.send_signal(signal.SIGHUP)
        hellos_b = wait_for(lambda: listeners["B"].messages("Hello"), 15)
        check(hellos_b and hellos_b[0]["xaddrs"] == xaddrs["B"]
              and hellos_b[0]["address"] != urn_a,
              f"B's Hello arrives on B's link once its address is there "
              f"(after {time.monotonic() - t0:.1f} s, SIGHUP), another "
              f"device ({hellos_b})")
        time.sleep(1)
        check(all(h["xaddrs"] == xaddrs["A"] for h in
                  listeners["A"].messages("Hello")),
              "A's link carries no other Hello")
        check(not listeners["C"].messages("Hello"),
              "C (onvif=false) announces nothing")
        check("onvif://www.onvif.org/name/rtsp-blur-A" in hellos[0]["scopes"]
              if hellos else False, f"A's scopes name it "
              f"({hellos[0]['scopes'] if hellos else None})")

        # a VMS's discovery: libonvif's onvif-util
        for net, other in (("A", "B"), ("B", "A")):
            out = wait_for(lambda: (o := onvif_util_all(net)) and
                           NETS[net][2] in o and o, 20, step=1) or ""
            check(NETS[net][2] in out and NETS[other][2] not in out
                  and "Found 1 cameras" in out,
                  f"onvif-util -a in {net} finds {net}'s device "
                  f"{NETS[net][2]} only ({out.strip()[:300]!r})")
        out = onvif_util_all("C")
        check(not any(NETS[n][2] in out for n in NETS),
              f"onvif-util -a in C (onvif=false) finds nothing "
              f"({out.strip()[:200]!r})")

        # raw Probes: matching, and not
        ids, answers = probe("A", scopes="onvif://www.onvif.org/name/"
                             "rtsp-blur-A onvif://www.onvif.org/Profile")
        m = [a for a in answers if a["action"] == ACTION + "ProbeMatches"]
        check(len(m) == 1 and m[0]["relates_to"] == ids[0]
              and m[0]["address"] == urn_a and m[0]["xaddrs"] == xaddrs["A"]
              and m[0]["from"] == NETS["A"][2],
              f"a Probe with A's scopes: one ProbeMatches from "
              f"{NETS['A'][2]}, RelatesTo its MessageID, A's endpoint and "
              f"XAddrs ({[(a['from'], a['relates_to'], a['xaddrs']) for a in m]})")
        check(m and "dn:NetworkVideoTransmitter" in m[0]["types"]
              and "tds:Device" in m[0]["types"],
              f"ProbeMatch types {m[0]['types'] if m else None}")
        _, answers = probe("A", scopes="onvif://www.onvif.org/name/"
                           "rtsp-blur-B")
        check(not answers, f"a Probe with B's name scope in A: no answer "
              f"({len(answers)})")
        _, answers = probe("A", types="dp0:Device", types_ns="http://"
                           "schemas.xmlsoap.org/ws/2006/02/devprof")
        check(not answers, f"a Probe for another type (devprof Device): no "
              f"answer ({len(answers)})")
        _, answers = probe("C")
        check(not answers, f"a Probe in C: no answer ({len(answers)})")

        # a flood from one address
        time.sleep(5)   # the bucket is full again
        _, answers = probe("B", count=30, wait=1.5)
        check(1 <= len(answers) <= 6, f"30 Probes at once from one "
              f"address: {len(answers)} answers (burst 4, 1/s)")
        m = rb_metrics.scrape(mport)
        limited = rb_metrics.value(
            m, "rtsp_blur_network_ws_discovery_rate_limited_total",
            network="B")
        answered = rb_metrics.value(
            m, "rtsp_blur_network_ws_discovery_answers_total", network="B")
        probes = rb_metrics.value(
            m, "rtsp_blur_network_ws_discovery_probes_total", network="A")
        check(limited is not None and limited >= 30 - len(answers)
              and answered is not None and answered >= len(answers)
              and probes is not None and probes >= 4
              and rb_metrics.value(
                  m, "rtsp_blur_network_ws_discovery_probes_total",
                  network="C") is None,
              f"metrics: B answered {answered}, rate limited {limited}; A "
              f"read {probes} Probes; C has none")

        # SIGTERM: Bye
        rb.terminate()
        byes = wait_for(lambda: listeners["A"].messages("Bye"), 20)
        check(byes and byes[0]["address"] == urn_a,
              f"SIGTERM: A's Bye, with A's endpoint reference ({byes})")
        check(all(b["address"] == urn_a for b in
                  listeners["A"].messages("Bye")),
              "A's link carries no other Bye")
        rb_e2e.stop(rb)
        rb = None
    finally:
        if rb is not None:
            rb_e2e.stop(rb)
        if camera is not None:
            camera.terminate()
            camera.wait(timeout=20)
        for listener in listeners.values():
            listener.close()
        remove_veth_namespaces(list(NETS.values()))
    if failures:
        print(open(log_path).read()[-3000:])
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "listen":
        listen_main(sys.argv[2])
    elif len(sys.argv) > 1 and sys.argv[1] == "probe":
        probe_main(*sys.argv[2:6])
    else:
        sys.exit(main())
