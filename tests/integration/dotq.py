#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""dotq.py: DNS-over-TLS client behaviours for the server-mode tests
(stdlib only; DNS encoding and the test zone come from dnsq.py).

Every command is bounded in count and in time, prints one summary line,
and exits 0 when it saw what it expects, 1 otherwise, 2 on usage errors.

  dotq.py pipe  -s ADDR -p PORT --ca CA --name NAME [-n COUNT]
                [--keepalive] [--pad] [NAME[/TYPE]...]
      one TLS connection; COUNT queries written before any answer is read
      (names cycled; an "%d" in a name becomes the query's number), then
      every answer read and matched by ID, in any order.  With
      --keepalive the queries carry an empty edns-tcp-keepalive option,
      with --pad a padding option (128-byte blocks); the summary says what
      the answers carried ("keepalive=<100 ms units>|none", sizes).
  dotq.py keep  -s ADDR -p PORT --ca CA --name NAME --go FILE [-t WAIT]
      one TLS connection: a query, then wait (up to WAIT s) for FILE to
      exist, then a second query on the same connection; prints how each
      went ("first NOERROR second NOERROR", "second closed", ...) and the
      SPKI pin the connection saw.
  dotq.py idle  -s ADDR -p PORT --ca CA --name NAME [-t WAIT]
      a query, then nothing: how long until the server closes, and
      whether it sent close_notify first.
  dotq.py hold  -s ADDR -p PORT [--ca CA --name NAME] -n COUNT [-t WAIT]
                [--raw] [--out FILE]
      COUNT connections (TLS with a query answered, or --raw: TCP that
      never says a word), held for WAIT s or until closed; prints, per
      connection, when it was closed ("closed_ms=..." or "open").
  dotq.py raw   -s ADDR -p PORT HEX
      TCP: send HEX, then report "closed" (with how long it took),
      "noreply", or "dns-reply" when DNS came back in clear.
"""

import argparse
import base64
import hashlib
import os
import random
import socket
import ssl
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsq  # noqa: E402  (the sibling module)


def tls_connect(a, timeout):
    ctx = ssl.create_default_context(cafile=a.ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    s = socket.create_connection((a.server, a.port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return ctx.wrap_socket(s, server_hostname=a.name)


def pin_of(tls):
    """sha256/BASE64 of the peer's SubjectPublicKeyInfo."""
    der = tls.getpeercert(binary_form=True)
    # walk: Certificate SEQ > TBSCertificate SEQ > ... > SPKI (7th field)
    def elem(buf, off):
        tag = buf[off]
        ln = buf[off + 1]
        hdr = 2
        if ln & 0x80:
            n = ln & 0x7F
            ln = int.from_bytes(buf[off + 2:off + 2 + n], "big")
            hdr += n
        return tag, off + hdr, off + hdr + ln
    _, c0, _ = elem(der, 0)
    _, t0, _ = elem(der, c0)
    off = t0
    if der[off] == 0xA0:
        off = elem(der, off)[2]
    for _ in range(5):          # serial, signature, issuer, validity, subject
        off = elem(der, off)[2]
    spki_end = elem(der, off)[2]
    h = hashlib.sha256(der[off:spki_end]).digest()
    return "sha256/" + base64.b64encode(h).decode()


def query_bytes(qid, name, qtype, keepalive=False, pad=False):
    hdr = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1)
    q = dnsq.encode_name(name) + struct.pack("!HH", dnsq.TYPES[qtype], 1)
    opts = b""
    if keepalive:
        opts += struct.pack("!HH", 11, 0)
    if pad:
        base = len(hdr) + len(q) + 11 + len(opts) + 4
        opts += struct.pack("!HH", 12, (128 - base % 128) % 128)
        opts += b"\0" * ((128 - base % 128) % 128)
    opt = b"\0" + struct.pack("!HHIH", 41, 1232, 0, len(opts)) + opts
    msg = hdr + q + opt
    return struct.pack("!H", len(msg)) + msg


def recv_msg(s):
    """One framed message, or None when the stream ended."""
    hdr = b""
    while len(hdr) < 2:
        b = s.recv(2 - len(hdr))
        if not b:
            return None
        hdr += b
    n = struct.unpack("!H", hdr)[0]
    body = b""
    while len(body) < n:
        b = s.recv(n - len(body))
        if not b:
            return None
        body += b
    return body


def opt_options(buf):
    """(code, data) of the OPT RR's options, or [] without one."""
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", buf[:12])
    off = 12
    for _ in range(qd):
        off = dnsq.read_name(buf, off)[1] + 4
    out = []
    for _ in range(an + ns + ar):
        start = off
        off = dnsq.read_name(buf, off)[1]
        t, c, ttl, rdlen = struct.unpack("!HHIH", buf[off:off + 10])
        off += 10
        if t == 41 and buf[start] == 0:
            p = off
            while p + 4 <= off + rdlen:
                code, ln = struct.unpack("!HH", buf[p:p + 4])
                out.append((code, buf[p + 4:p + 4 + ln]))
                p += 4 + ln
        off += rdlen
    return out


def names_of(a):
    out = []
    for n in a.names or ["a.test/A"]:
        name, _, t = n.partition("/")
        out.append((name, (t or "A").upper()))
    return out


def cmd_pipe(a):
    names = names_of(a)
    try:
        s = tls_connect(a, a.timeout)
    except (OSError, ssl.SSLError) as e:
        print("pipe connect failed: %s" % e)
        return 1
    want = {}
    out = b""
    ids = random.sample(range(65536), a.count)
    for i in range(a.count):
        name, t = names[i % len(names)]
        if "%d" in name:
            name = name % i
        want[ids[i]] = (name, t)
        out += query_bytes(ids[i], name, t, a.keepalive, a.pad)
    s.sendall(out)
    got, bad, ka, sizes = 0, 0, set(), set()
    deadline = time.monotonic() + a.deadline
    s.settimeout(a.timeout)
    try:
        while want and time.monotonic() < deadline:
            m = recv_msg(s)
            if m is None:
                break
            p = dnsq.parse(m)
            if p["id"] not in want:
                bad += 1
                continue
            name, t = want.pop(p["id"])
            err = dnsq.check(p, p["id"], name, t)
            if err:
                bad += 1
                print("# %s/%s: %s" % (name, t, err))
            got += 1
            sizes.add(len(m))
            for code, data in opt_options(m):
                if code == 11:
                    ka.add(struct.unpack("!H", data)[0] if len(data) == 2
                           else -1)
    except (OSError, ssl.SSLError) as e:
        print("# read: %s" % e)
    s.close()
    pad_ok = all(n % 468 == 0 for n in sizes)
    print("pipe sent %d answered %d bad %d keepalive=%s padded=%s sizes=%s"
          % (a.count, got, bad, ",".join(map(str, sorted(ka))) or "none",
             "yes" if sizes and pad_ok else "no",
             ",".join(map(str, sorted(sizes)[:5]))))
    return 0 if got == a.count and bad == 0 else 1


def ask(s, name, t):
    qid = random.randrange(65536)
    try:
        s.sendall(query_bytes(qid, name, t))
        m = recv_msg(s)
    except (OSError, ssl.SSLError) as e:
        return "error(%s)" % e.__class__.__name__
    if m is None:
        return "closed"
    p = dnsq.parse(m)
    err = dnsq.check(p, qid, name, t)
    return p["rcode"] if not err else "bad(%s)" % err


def cmd_keep(a):
    try:
        s = tls_connect(a, a.timeout)
    except (OSError, ssl.SSLError) as e:
        print("keep connect failed: %s" % e)
        return 1
    pin = pin_of(s)
    s.settimeout(a.timeout)
    first = ask(s, "a.test", "A")
    print("keep first %s pin %s" % (first, pin), flush=True)
    end = time.monotonic() + a.deadline
    while not os.path.exists(a.go) and time.monotonic() < end:
        time.sleep(0.05)
    second = ask(s, "b.test", "A")
    s.close()
    print("keep first %s second %s pin %s" % (first, second, pin))
    return 0 if first == "NOERROR" and second == "NOERROR" else 1


def cmd_idle(a):
    try:
        s = tls_connect(a, a.timeout)
    except (OSError, ssl.SSLError) as e:
        print("idle connect failed: %s" % e)
        return 1
    s.settimeout(a.timeout)
    r = ask(s, "a.test", "A")
    t0 = time.monotonic()
    s.settimeout(a.deadline)
    how = "open"
    try:
        b = s.recv(1)
        how = "close_notify" if b == b"" else "data"
    except ssl.SSLZeroReturnError:
        how = "close_notify"
    except ssl.SSLEOFError:
        how = "eof"
    except socket.timeout:
        how = "open"
    except (OSError, ssl.SSLError) as e:
        how = "error(%s)" % e.__class__.__name__
    ms = int((time.monotonic() - t0) * 1000)
    s.close()
    print("idle query %s then %s after %d ms" % (r, how, ms))
    return 0 if r == "NOERROR" and how == "close_notify" else 1


def cmd_hold(a):
    conns = []
    t0 = time.monotonic()
    for i in range(a.count):
        try:
            if a.raw:
                s = socket.create_connection((a.server, a.port),
                                             timeout=a.timeout)
            else:
                s = tls_connect(a, a.timeout)
                s.settimeout(a.timeout)
                if ask(s, "a.test", "A") != "NOERROR":
                    print("hold %d: query failed" % i)
            s.setblocking(False)
            conns.append([s, None])
        except (OSError, ssl.SSLError) as e:
            print("hold %d: connect failed: %s" % (i, e))
            conns.append([None, 0])
    print("hold %d %s connections open" % (a.count, "raw" if a.raw
                                            else "tls"), flush=True)
    end = t0 + a.deadline
    while time.monotonic() < end and any(c[1] is None for c in conns):
        for c in conns:
            if c[1] is not None:
                continue
            try:
                b = c[0].recv(1)
                if b == b"":
                    c[1] = int((time.monotonic() - t0) * 1000)
            except (BlockingIOError, ssl.SSLWantReadError):
                pass
            except (OSError, ssl.SSLError):
                c[1] = int((time.monotonic() - t0) * 1000)
        time.sleep(0.05)
    line = " ".join("closed_ms=%d" % c[1] if c[1] is not None else "open"
                    for c in conns)
    for c in conns:
        if c[0] is not None:
            c[0].close()
    print("hold done " + line)
    if a.out:
        with open(a.out, "w") as f:
            f.write(line + "\n")
    return 0


def cmd_raw(a):
    data = bytes.fromhex("".join(a.names))
    t0 = time.monotonic()
    try:
        s = socket.create_connection((a.server, a.port), timeout=a.timeout)
        s.sendall(data)
        s.settimeout(a.timeout)
        b = s.recv(4096)
    except socket.timeout:
        print("raw noreply")
        return 0
    except OSError as e:
        print("raw closed (%s) after %d ms" % (e.__class__.__name__,
              (time.monotonic() - t0) * 1000))
        return 0
    ms = int((time.monotonic() - t0) * 1000)
    if b == b"":
        print("raw closed after %d ms" % ms)
    elif len(b) >= 14 and struct.unpack("!H", b[:2])[0] == len(b) - 2:
        print("raw dns-reply")
    else:
        # a TLS alert (0x15) before the close is fine: no DNS
        print("raw tls-bytes 0x%02x then closed after %d ms" % (b[0], ms))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("cmd", choices=["pipe", "keep", "idle", "hold", "raw"])
    p.add_argument("-s", "--server", default="127.0.0.1")
    p.add_argument("-p", "--port", type=int, required=True)
    p.add_argument("--ca")
    p.add_argument("--name", default="dot.test")
    p.add_argument("-n", "--count", type=int, default=1)
    p.add_argument("-t", "--timeout", type=float, default=5.0)
    p.add_argument("-d", "--deadline", type=float, default=30.0)
    p.add_argument("--keepalive", action="store_true")
    p.add_argument("--pad", action="store_true")
    p.add_argument("--raw", action="store_true")
    p.add_argument("--go")
    p.add_argument("--out")
    p.add_argument("names", nargs="*")
    a = p.parse_intermixed_args()
    if a.cmd != "raw" and not a.raw and a.ca is None:
        p.error("--ca is needed for TLS")
    if a.cmd == "keep" and a.go is None:
        p.error("keep needs --go FILE")
    sys.exit({"pipe": cmd_pipe, "keep": cmd_keep, "idle": cmd_idle,
              "hold": cmd_hold, "raw": cmd_raw}[a.cmd](a))


if __name__ == "__main__":
    main()
