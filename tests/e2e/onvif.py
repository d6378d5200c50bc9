#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ONVIF Profile S per network, end to end, as root, in network namespaces.

Two namespaces, rbov-a and rbov-b, each joined to the host by a veth pair
(host 10.200.85.1 <-> A 10.200.85.2; host 10.200.86.1 <-> B 10.200.86.2).
rtsp-blur on the host serves network A on 10.200.85.1 (cameras X and Y, X
with a sub-stream; auth=digest with a users file and an onvif-users file)
and network B on 10.200.86.1 (camera Z, its own onvif-users). Real clients
in the namespaces:

- curl posts SOAP requests with a WS-Security UsernameToken
  (PasswordDigest, as libonvif writes them): without credentials 401 with
  a Digest challenge and a ter:NotAuthorized fault (GetSystemDateAndTime
  needs none); a wrong password, a Created out of the window and a replayed
  token (from another address, or 3 s later) 400 ter:NotAuthorized; HTTP
  Digest (curl --digest) with the ONVIF
  user works too;
- GetProfiles on A lists X, X_sub and Y and never Z; on B only Z, and
  GetStreamUri of X on B is ter:NoProfile; A's ONVIF user is unknown on B;
- ffprobe in A plays GetStreamUri's URL with the ONVIF user's credentials
  (their HA1 joins the network's RTSP users), and is refused with a wrong
  password; GetSnapshotUri's URL answers a JPEG with them (curl --digest);
- onvif-util (Debian's onvif-tools, libonvif) in A's namespace: -a
  discovers A's device only (WS-Discovery), and logged in with the ONVIF
  user, `get rtsp` prints X's URL, which ffprobe plays.
"""

import base64
import datetime
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rb_e2e  # noqa: E402
from rb_e2e import (check, failures, free_port, in_ns, run,  # noqa: E402
                    remove_veth_namespaces, veth_namespaces, wait_for)

LAUNCHER = os.environ.get("RB_LAUNCHER")
CAMERA = os.environ.get("RB_TEST_CAMERA")
DEADLINE = time.monotonic() + float(os.environ.get("RB_E2E_TIMEOUT", "280"))
rb_e2e.set_deadline(DEADLINE)

NS_A, NS_B = "rbov-a", "rbov-b"
LINK_A, LINK_B = "rbov-a0", "rbov-b0"
HOST_A, CLIENT_A = "10.200.85.1", "10.200.85.2"
HOST_B, CLIENT_B = "10.200.86.1", "10.200.86.2"
# (namespace, host link, host address, client address)
NETS = [(NS_A, LINK_A, HOST_A, CLIENT_A),
        (NS_B, LINK_B, HOST_B, CLIENT_B)]
REALM = "rtsp-blur-onvif-test"
VMS_USER, VMS_PASSWORD = "vms", "s3cret:with colon"
B_USER, B_PASSWORD = "nvr-b", "other-secret"
OPERATOR, OPERATOR_PASSWORD = "operator", "page-password"

NS_DEVICE = "http://www.onvif.org/ver10/device/wsdl"
NS_MEDIA = "http://www.onvif.org/ver10/media/wsdl"
WSSE = ("http://docs.oasis-open.org/wss/2004/01/"
        "oasis-200401-wss-wssecurity-secext-1.0.xsd")
WSU = ("http://docs.oasis-open.org/wss/2004/01/"
       "oasis-200401-wss-wssecurity-utility-1.0.xsd")
DIGEST_TYPE = ("http://docs.oasis-open.org/wss/2004/01/"
               "oasis-200401-wss-username-token-profile-1.0#PasswordDigest")


def created_now(offset_s=0.0):
    t = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def envelope(ns, action, inner="", user=None, password=None, created=None,
             nonce=None):
    """A SOAP 1.2 request as libonvif writes it (UsernameToken with
    PasswordDigest = base64 (sha1 (nonce + created + password)))."""
    header = ""
    if user is not None:
        nonce = nonce or os.urandom(20)
        created = created or created_now()
        digest = base64.b64encode(hashlib.sha1(
            nonce + created.encode() + password.encode()).digest()).decode()
        header = (
            f'<SOAP-ENV:Header><wsse:Security SOAP-ENV:mustUnderstand="1">'
            f'<wsse:UsernameToken><wsse:Username>{user}</wsse:Username>'
            f'<wsse:Password Type="{DIGEST_TYPE}">{digest}</wsse:Password>'
            f'<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>'
            f'<wsu:Created>{created}</wsu:Created></wsse:UsernameToken>'
            f'</wsse:Security></SOAP-ENV:Header>')
    return (f'<SOAP-ENV:Envelope xmlns:SOAP-ENV='
            f'"http://www.w3.org/2003/05/soap-envelope" xmlns:x="{ns}" '
            f'xmlns:tt="http://www.onvif.org/ver10/schema" '
            f'xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}">{header}<SOAP-ENV:Body>'
            f'<x:{action}>{inner}</x:{action}></SOAP-ENV:Body>'
            f'</SOAP-ENV:Envelope>')


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def __repr__(self):
        body = self.body.split("<s:Body>", 1)[-1]
        return f"{self.status} {body[:200]!r}"


def post(ns, url, body, digest=None, tmp="/tmp"):
    """curl in namespace @ns (None: the host's) posts @body to @url (with
    --digest -u @digest=(user, password)); returns the answer."""
    path = os.path.join(tmp, "request.xml")
    with open(path, "w") as f:
        f.write(body)
    cmd = ["curl", "-sS", "-m", "10", "-D", "-", "-H",
           "Content-Type: application/soap+xml; charset=utf-8",
           "--data-binary", f"@{path}", url]
    if digest:
        cmd[1:1] = ["--digest", "-u", f"{digest[0]}:{digest[1]}"]
    r = subprocess.run(in_ns(ns, cmd) if ns else cmd, capture_output=True,
                       timeout=20)
    out = r.stdout.decode(errors="replace")
    # the last response (curl --digest prints the 401 first)
    parts = re.split(r"(?m)^(?=HTTP/1\.[01] \d{3})", out)
    last = parts[-1] if parts else ""
    head, _, body = last.partition("\r\n\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", head)
    return Answer(int(m.group(1)) if m else 0, head, body)


def tokens(body, tag):
    return re.findall(rf'<trt:{tag}\b[^>]*token="([^"]+)"', body)


def uri_of(body):
    m = re.search(r"<tt:Uri>([^<]+)</tt:Uri>", body)
    return m.group(1) if m else None


def ffprobe(ns, url):
    r = subprocess.run(
        in_ns(ns, ["ffprobe", "-v", "error", "-rw_timeout", "15000000",
                   "-rtsp_transport", "tcp", "-select_streams", "v:0",
                   "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                   url]),
        capture_output=True, text=True, timeout=40)
    return r.returncode, r.stdout.strip(), r.stderr.strip()


def with_credentials(url, user, password):
    from urllib.parse import quote
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}" \
        f"@{rest}"


def onvif_util(ns, args, stdin=None, timeout=60):
    r = subprocess.run(in_ns(ns, ["onvif-util"] + args), input=stdin,
                       capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr


def main():
    if not check(os.geteuid() == 0, "the test runs as root (ip netns)"):
        return 1
    tmp = tempfile.mkdtemp(prefix="rb-onvif-")
    os.chmod(tmp, 0o755)
    cam_port, port, http_port = free_port(), free_port(), free_port()
    users = os.path.join(tmp, "users.htdigest")
    with open(users, "w") as f:
        ha1 = hashlib.md5(f"{OPERATOR}:{REALM}:{OPERATOR_PASSWORD}".encode())
        f.write(f"{OPERATOR}:{REALM}:{ha1.hexdigest()}\n")
    onvif_a = os.path.join(tmp, "onvif-users-a")
    onvif_b = os.path.join(tmp, "onvif-users-b")
    for path, text in ((onvif_a, f"{VMS_USER}:{VMS_PASSWORD}\n"),
                       (onvif_b, f"{B_USER}:{B_PASSWORD}\n")):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, text.encode())
        os.close(fd)
    conf = os.path.join(tmp, "rtsp-blur.conf")
    cams = ""
    for name, extra in (("X", "substream=160x120\n"), ("Y", ""), ("Z", "")):
        cams += (f"[camera:{name}]\nurl=rtsp://127.0.0.1:{cam_port}/cam\n"
                 f"transport=tcp\nlatency=100\n{extra}\n")
    with open(conf, "w") as f:
        f.write(f"[rtsp-blur]\nstate-dir={tmp}/state\nworkers=0\n"
                "live-bitrate=300\nsubstream=none\n\n" + cams +
                f"[network:A]\naddress={HOST_A}\nport={port}\n"
                f"http-port={http_port}\ncameras=X;Y\nusers={users}\n"
                f"onvif-users={onvif_a}\n\n"
                f"[network:B]\naddress={HOST_B}\nport={port}\n"
                f"http-port={http_port}\ncameras=Z\nusers={users}\n"
                f"onvif-users={onvif_b}\n")
    log_path = os.path.join(tmp, "rtsp-blur.log")
    camera = rb = None
    dev_a = f"http://{HOST_A}:{http_port}/onvif/device_service"
    media_a = f"http://{HOST_A}:{http_port}/onvif/media_service"
    media_b = f"http://{HOST_B}:{http_port}/onvif/media_service"
    try:
        veth_namespaces(NETS)
        camera = subprocess.Popen(
            [CAMERA, "--port", str(cam_port), "--mount", "/cam", "--loop",
             "--width", "320", "--height", "240", "--fps", "10",
             "--bitrate", "300"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log = open(log_path, "w")
        rb = subprocess.Popen([LAUNCHER, "--config", conf], stdout=log,
                              stderr=subprocess.STDOUT)

        # GetSystemDateAndTime: no credentials needed (clients set their
        # clock by it before they compute Created)
        a = None

        def date_answers():
            nonlocal a
            a = post(NS_A, dev_a, envelope(NS_DEVICE, "GetSystemDateAndTime"),
                     tmp=tmp)
            return a.status == 200
        check(wait_for(date_answers, 60, 0.5) and
              f"<tt:Year>{datetime.datetime.utcnow().year}</tt:Year>"
              in a.body, f"GetSystemDateAndTime without credentials ({a})")

        # no credentials: 401, a Digest challenge and ter:NotAuthorized
        a = post(NS_A, media_a, envelope(NS_MEDIA, "GetProfiles"), tmp=tmp)
        check(a.status == 401 and
              re.search(r"(?im)^WWW-Authenticate: Digest ", a.headers) and
              "ter:NotAuthorized" in a.body,
              f"GetProfiles without credentials: 401, challenge, fault ({a})")

        # the UsernameToken of A's ONVIF user
        a = post(NS_A, media_a, envelope(NS_MEDIA, "GetProfiles", "",
                                         VMS_USER, VMS_PASSWORD), tmp=tmp)
        profiles = tokens(a.body, "Profiles")
        check(a.status == 200 and profiles == ["X", "X_sub", "Y"],
              f"GetProfiles on A: X, X_sub and Y, never Z ({profiles}, "
              f"{a.status})")
        # a wrong password, a stale Created, a replayed token
        a = post(NS_A, media_a, envelope(NS_MEDIA, "GetProfiles", "",
                                         VMS_USER, "wrong"), tmp=tmp)
        check(a.status == 400 and "ter:NotAuthorized" in a.body and
              "<trt:Profiles" not in a.body,
              f"a wrong password: 400 ter:NotAuthorized ({a})")
        a = post(NS_A, media_a, envelope(
            NS_MEDIA, "GetProfiles", "", VMS_USER, VMS_PASSWORD,
            created=created_now(-600)), tmp=tmp)
        check(a.status == 400 and "window" in a.body,
              f"Created 10 minutes ago: refused ({a})")
        # a token again: from another address (the host's own, outside
        # the namespaces) at once, or from A 3 s later (libonvif's
        # identical tokens of one millisecond, from their client within 2 s,
        # are let through)
        once = envelope(NS_MEDIA, "GetProfiles", "", VMS_USER, VMS_PASSWORD)
        t0 = time.monotonic()
        first = post(NS_A, media_a, once, tmp=tmp)
        other = post(None, media_a, once, tmp=tmp)
        time.sleep(max(0.0, 3.2 - (time.monotonic() - t0)))
        later = post(NS_A, media_a, once, tmp=tmp)
        check(first.status == 200 and other.status == 400 and
              "replay" in other.body and later.status == 400 and
              "replay" in later.body,
              f"the same token again: refused from another address and "
              f"later ({first.status}, {other}, {later})")
        # the operator's users-file password is not an ONVIF credential
        a = post(NS_A, media_a, envelope(NS_MEDIA, "GetProfiles", "",
                                         OPERATOR, OPERATOR_PASSWORD),
                 tmp=tmp)
        check(a.status == 400, f"a users-file user has no ONVIF token ({a})")
        # HTTP Digest with the ONVIF user's password
        a = post(NS_A, media_a, envelope(NS_MEDIA, "GetProfiles"),
                 digest=(VMS_USER, VMS_PASSWORD), tmp=tmp)
        check(a.status == 200 and tokens(a.body, "Profiles")[:1] == ["X"],
              f"HTTP Digest with the ONVIF user ({a.status})")
        a = post(NS_A, media_a, envelope(NS_MEDIA, "GetProfiles"),
                 digest=(VMS_USER, "wrong"), tmp=tmp)
        check(a.status == 401, f"HTTP Digest, wrong password: 401 ({a})")

        # GetStreamUri: A's RTSP URL, played with the ONVIF credentials
        a = post(NS_A, media_a, envelope(
            NS_MEDIA, "GetStreamUri",
            "<x:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport>"
            "<tt:Protocol>RTSP</tt:Protocol></tt:Transport></x:StreamSetup>"
            "<x:ProfileToken>X</x:ProfileToken>", VMS_USER, VMS_PASSWORD),
            tmp=tmp)
        url = uri_of(a.body)
        check(url == f"rtsp://{HOST_A}:{port}/X",
              f"GetStreamUri X on A: {url}")
        if url:
            good = with_credentials(url, VMS_USER, VMS_PASSWORD)
            played = wait_for(lambda: ffprobe(NS_A, good)[1] == "h264", 90, 1)
            check(played, f"ffprobe in A plays {url} with the ONVIF user's "
                  f"credentials ({ffprobe(NS_A, good) if not played else ''})")
            rc, _, err = ffprobe(NS_A, with_credentials(url, VMS_USER,
                                                        "wrong"))
            check(rc != 0 and "401" in err,
                  f"a wrong password is refused on RTSP ({err[-120:]})")
        # once live, the profiles state the streams' sizes
        a = post(NS_A, media_a, envelope(
            NS_MEDIA, "GetProfile", "<x:ProfileToken>X</x:ProfileToken>",
            VMS_USER, VMS_PASSWORD), tmp=tmp)
        sub = post(NS_A, media_a, envelope(
            NS_MEDIA, "GetProfile", "<x:ProfileToken>X_sub</x:ProfileToken>",
            VMS_USER, VMS_PASSWORD), tmp=tmp)
        size = re.findall(r"<tt:Resolution><tt:Width>(\d+)</tt:Width>"
                          r"<tt:Height>(\d+)</tt:Height>", a.body + sub.body)
        check(size == [("320", "240"), ("160", "120")],
              f"GetProfile: X is 320x240 (the camera's), X_sub 160x120 "
              f"({size})")
        a = post(NS_A, media_a, envelope(
            NS_MEDIA, "GetStreamUri", "<x:ProfileToken>X_sub</x:ProfileToken>",
            VMS_USER, VMS_PASSWORD), tmp=tmp)
        check(uri_of(a.body) == f"rtsp://{HOST_A}:{port}/X/sub",
              f"GetStreamUri X_sub: the sub-stream ({uri_of(a.body)})")
        a = post(NS_A, media_a, envelope(
            NS_MEDIA, "GetSnapshotUri", "<x:ProfileToken>Y</x:ProfileToken>",
            VMS_USER, VMS_PASSWORD), tmp=tmp)
        snap = uri_of(a.body)
        check(snap == f"http://{HOST_A}:{http_port}/snapshot/Y.jpg",
              f"GetSnapshotUri Y: {snap}")
        if snap:
            jpeg = os.path.join(tmp, "y.jpg")

            def snapshot():
                r = subprocess.run(in_ns(NS_A, [
                    "curl", "-s", "-m", "10", "--digest", "-u",
                    f"{VMS_USER}:{VMS_PASSWORD}", "-o", jpeg, "-w",
                    "%{http_code}", snap]), capture_output=True, text=True,
                    timeout=20)
                return r.stdout == "200"
            check(wait_for(snapshot, 60, 1) and
                  open(jpeg, "rb").read(2) == b"\xff\xd8",
                  "the snapshot URL answers a JPEG to the ONVIF user")

        # B: its own camera, its own users
        a = post(NS_B, media_b, envelope(NS_MEDIA, "GetProfiles", "",
                                         B_USER, B_PASSWORD), tmp=tmp)
        check(a.status == 200 and tokens(a.body, "Profiles") == ["Z"] and
              "X" not in re.sub(r"<[^>]*>", "", a.body.split("Body")[1]),
              f"GetProfiles on B: Z only ({tokens(a.body, 'Profiles')})")
        a = post(NS_B, media_b, envelope(
            NS_MEDIA, "GetStreamUri", "<x:ProfileToken>X</x:ProfileToken>",
            B_USER, B_PASSWORD), tmp=tmp)
        check(a.status == 400 and "ter:NoProfile" in a.body,
              f"GetStreamUri X on B: ter:NoProfile ({a})")
        a = post(NS_B, media_b, envelope(NS_MEDIA, "GetProfiles", "",
                                         VMS_USER, VMS_PASSWORD), tmp=tmp)
        check(a.status == 400, f"A's ONVIF user is unknown on B ({a})")

        # GetDeviceInformation: serial number = the device's UUID, one per
        # network
        serials = []
        for ns, url in ((NS_A, dev_a), (NS_B, dev_a.replace(HOST_A, HOST_B))):
            user, pw = (VMS_USER, VMS_PASSWORD) if ns == NS_A else \
                (B_USER, B_PASSWORD)
            a = post(ns, url, envelope(NS_DEVICE, "GetDeviceInformation", "",
                                       user, pw), tmp=tmp)
            m = re.search(r"<tds:SerialNumber>([^<]+)<", a.body)
            serials.append(m.group(1) if m else None)
        check(all(serials) and serials[0] != serials[1],
              f"each network is a device of its own ({serials})")

        onvif_util_checks(port, http_port, serials[0])
    finally:
        if rb is not None:
            rb_e2e.stop(rb)
        if camera is not None:
            camera.terminate()
            camera.wait(timeout=20)
        remove_veth_namespaces(NETS)
    log_text = open(log_path).read()
    check(VMS_PASSWORD not in log_text and B_PASSWORD not in log_text,
          "no ONVIF password in the log")
    check(re.search(r"network A: ONVIF request from 10\.200\.85\.2 refused",
                    log_text), "refusals are logged (address, user, reason)")
    if failures:
        print(log_text[-3000:])
        print(f"{len(failures)} checks failed; logs in {tmp}")
        return 1
    print("all checks passed")
    return 0


def onvif_util_checks(port, http_port, serial_a):
    """libonvif's onvif-util in A's namespace: discovery, then login."""
    rc, out = onvif_util(NS_A, ["-a"])
    check(f"{HOST_A}" in out and HOST_B not in out,
          f"onvif-util -a in A finds A's device only ({out.strip()[-300:]})")
    rc, out = onvif_util(NS_B, ["-a"])
    check(HOST_B in out and HOST_A not in out,
          f"onvif-util -a in B finds B's device only ({out.strip()[-300:]})")
    rc, out = onvif_util(NS_A, ["-u", VMS_USER, "-p", VMS_PASSWORD, HOST_A],
                         stdin="get rtsp\nquit\n")
    m = re.search(r"rtsp://\S+", out)
    url = m.group(0) if m else None
    check(url == f"rtsp://{HOST_A}:{port}/X" and serial_a in out,
          f"onvif-util logs in and gets X's URL ({out.strip()[-400:]})")
    if url:
        played = ffprobe(NS_A, with_credentials(url, VMS_USER, VMS_PASSWORD))
        check(played[1] == "h264", f"ffprobe plays onvif-util's URL with "
              f"the user's credentials ({played})")
    rc, out = onvif_util(NS_A, ["-u", VMS_USER, "-p", "wrong", HOST_A],
                         stdin="get rtsp\nquit\n")
    check(f"rtsp://{HOST_A}" not in out and "ter:NotAuthorized" in out,
          f"onvif-util with a wrong password: ter:NotAuthorized, no URL "
          f"({out.strip()[-200:]})")


if __name__ == "__main__":
    sys.exit(main())
