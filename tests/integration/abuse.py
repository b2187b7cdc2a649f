#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""abuse.py: hostile LAN hosts and local users for the 23x-abuse tests
(stdlib only).  Every command is bounded in count and in time and ends
with one summary line; exit 0 unless it could not run at all (the test
script judges the figures).  Sources are loopback addresses such as
127.0.0.2, each playing a LAN host.

  abuse.py tcp-slow -d ADDR -p PORT -s SRC[,SRC...] -n N [--every MS]
                    [--hold S] [--probe SRC] [--probe-after S] [--half]
      N connections from each SRC, each sending a 2-byte length of 32 and
      then one byte every MS (the frame never completes), for S seconds.
      --probe: after --probe-after s, one TCP query (probe.N.test A) from
      that source, its latency measured.  --half: each connection sends
      half a frame and shuts down its side at once.  Prints per
      connection the time the server closed it, and a summary:
        tcp-slow opened O closed_fast F (by 1 s after the last one was
        open) closed_later L
        open_at_end E probe RCODE MS last_close_ms M
  abuse.py udp-flood -d ADDR -p PORT -s SRC --rate QPS --secs S
                    [--fmt slow.%d.test]
      QPS queries a second from one UDP socket at SRC, names from FMT;
      replies counted by rcode.
  abuse.py tcp-flood -d ADDR -p PORT -s SRC --conns C --pipeline K
                    --secs S [--fmt slow.%d.test] [--no-read]
      C TCP connections from SRC, each keeping K queries out for S s.
      --no-read: write queries (at --rate a second per connection, or
      as fast as the socket takes them) and never read an answer (the
      server must not buffer them forever).
  abuse.py victims -d ADDR -p PORT -s SRC[,SRC...] --rate QPS --secs S
                    [--wait S] [--fmt v.%s.%d.test] [--tcp]
      Each SRC asks QPS fresh names a second for S s (UDP, or one TCP
      query per connection with --tcp), waits up to --wait s for the
      last answers: victims sent N noerror K servfail F other O noreply
      R answered_pct P (NOERROR share, integer percent).
  abuse.py v4mapped -d ::1 -p PORT --src4 A.B.C.D NAME
      one UDP query to [::1]:PORT from ::ffff:A.B.C.D, written on the
      loopback device as a raw frame (root): such a packet is delivered
      to an IPv6-only socket; prints whether a reply came back (it
      cannot: the reply would go to an IPv4-mapped address).
  abuse.py squat --conf FILE --mode fake|trickle|big|silent [--uid U]
                 --secs S --ready FILE
      bind the abstract status-socket name of FILE first (as uid U), then
      serve every connection: fake JSON, a byte a second, 100 KB, or
      accept and say nothing.  Writes FILE --ready once bound.
  abuse.py status-peek --conf FILE --uid U
      connect to the status socket as uid U: "status-peek got N bytes".
  abuse.py tls-hold -l PORT -u UPPORT --hold-ms MS --marker FILE --secs S
      a TCP relay to 127.0.0.1:UPPORT that holds the server's
      ChangeCipherSpec on the first connection for MS (writing FILE
      when it starts holding), so that a handshake ends long after the
      client checked the certificate.
"""

import argparse
import errno
import os
import random
import select
import socket
import struct
import sys
import time

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN",
          4: "NOTIMP", 5: "REFUSED"}


def query(qid, name, qtype=1, edns=None):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1 if edns else 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", qtype, 1)
    if edns:
        q += b"\0" + struct.pack("!HHIH", 41, edns, 0, 0)
    return q


def rcode_of(buf):
    return RCODES.get(buf[3] & 15, str(buf[3] & 15))


def tcp_connect(src, dst, port, timeout=2.0):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if src:
        s.bind((src, 0))
    s.settimeout(timeout)
    s.connect((dst, port))
    return s


def tcp_query(src, dst, port, name, timeout):
    """One query on a fresh connection: (rcode or 'noreply', ms)."""
    t0 = time.monotonic()
    try:
        s = tcp_connect(src, dst, port, timeout)
        qid = random.randrange(65536)
        q = query(qid, name)
        s.sendall(struct.pack("!H", len(q)) + q)
        buf = b""
        while True:
            left = timeout - (time.monotonic() - t0)
            if left <= 0:
                raise socket.timeout()
            s.settimeout(left)
            d = s.recv(4096)
            if not d:
                return "closed", int((time.monotonic() - t0) * 1000)
            buf += d
            if len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                break
        s.close()
        return rcode_of(buf[2:]), int((time.monotonic() - t0) * 1000)
    except (socket.timeout, OSError):
        return "noreply", int((time.monotonic() - t0) * 1000)


def cmd_tcp_slow(a):
    srcs = a.src.split(",")
    conns = []           # [sock, src, t_open, t_closed or None]
    t0 = time.monotonic()
    for src in srcs:
        for _ in range(a.n):
            try:
                s = tcp_connect(src, a.dst, a.port)
            except ConnectionResetError:
                # refused at accept before connect() even returned
                now = time.monotonic()
                conns.append([socket.socket(), src, now, now])
                continue
            except OSError as e:
                print("connect from %s failed: %s" % (src, e))
                continue
            s.setblocking(False)
            try:
                if a.half:
                    s.send(b"\x00\x20hello")
                    s.shutdown(socket.SHUT_WR)
                else:
                    s.send(b"\x00\x20")
            except OSError:
                pass
            conns.append([s, src, time.monotonic(), None])
    t_opened = time.monotonic()
    probe = ("-", -1)
    probed = not a.probe
    end = t0 + a.hold
    nxt = time.monotonic() + a.every / 1000.0
    while time.monotonic() < end:
        now = time.monotonic()
        if not probed and now >= t0 + a.probe_after:
            probed = True
            probe = tcp_query(a.probe, a.dst, a.port,
                              "probe.%d.test" % random.randrange(10**6), 3.0)
            continue
        live = [c for c in conns if c[3] is None]
        if not live and probed:
            break
        r, _, _ = select.select([c[0] for c in live], [], [],
                                max(0.0, min(nxt, end) - now))
        for c in live:
            if c[0] in r:
                try:
                    d = c[0].recv(4096)
                except OSError:
                    d = b""
                if not d:
                    c[3] = time.monotonic()
        if time.monotonic() >= nxt:
            nxt += a.every / 1000.0
            if not a.half:
                for c in conns:
                    if c[3] is None:
                        try:
                            c[0].send(b"x")
                        except OSError:
                            c[3] = time.monotonic()
    fast = later = open_end = 0
    last = -1
    for i, c in enumerate(conns):
        if c[3] is None:
            open_end += 1
            print("conn %d from %s open at the end" % (i, c[1]))
        else:
            ms = int((c[3] - c[2]) * 1000)
            last = max(last, ms)
            # opening 64 connections may take a while on a busy machine:
            # fast is closed by 1 s after the last one was open
            if c[3] - t_opened <= 1.0:
                fast += 1
            else:
                later += 1
                print("conn %d from %s closed by the server after %d ms" % (i, c[1], ms))
        c[0].close()
    print("tcp-slow opened %d closed_fast %d closed_later %d open_at_end %d "
          "probe %s %d last_close_ms %d" % (len(conns), fast, later, open_end,
                                            probe[0], probe[1], last))


def udp_sock(src, dst):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.setblocking(False)
    return s


def drain_udp(s, counts, seen=None):
    while True:
        try:
            buf = s.recv(65535)
        except BlockingIOError:
            return
        except OSError:
            return
        if len(buf) < 12:
            continue
        qid = struct.unpack("!H", buf[:2])[0]
        if seen is not None:
            if qid not in seen or seen[qid] is not None:
                continue
            seen[qid] = rcode_of(buf)
        counts[rcode_of(buf)] = counts.get(rcode_of(buf), 0) + 1


def cmd_udp_flood(a):
    s = udp_sock(a.src, a.dst)
    counts = {}
    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < a.secs:
        due = int((time.monotonic() - t0) * a.rate)
        while n < due:
            try:
                s.sendto(query(n & 0xffff, a.fmt % n), (a.dst, a.port))
            except OSError:
                pass
            n += 1
        drain_udp(s, counts)
        time.sleep(0.002)
    time.sleep(0.2)
    drain_udp(s, counts)
    print("udp-flood sent %d replies %s" % (n, ",".join(
        "%s:%d" % kv for kv in sorted(counts.items())) or "-"))


def cmd_tcp_flood_noread(a):
    conns = []
    for _ in range(a.conns):
        try:
            s = tcp_connect(a.src, a.dst, a.port)
            s.setblocking(False)
            conns.append(s)
        except OSError as e:
            print("connect failed: %s" % e)
    n = closed = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < a.secs and conns:
        if a.rate and n >= (time.monotonic() - t0) * a.rate * len(conns):
            time.sleep(0.005)
            continue
        _, wr, _ = select.select([], conns, [], 0.1)
        for s in wr:
            q = query(n & 0xffff, a.fmt % n)
            try:
                s.send(struct.pack("!H", len(q)) + q)
                n += 1
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
                conns.remove(s)
                s.close()
    print("tcp-flood sent %d closed_by_server %d (not reading)" % (n, closed))


def cmd_tcp_flood(a):
    if a.no_read:
        cmd_tcp_flood_noread(a)
        return
    conns = []
    for _ in range(a.conns):
        try:
            conns.append([tcp_connect(a.src, a.dst, a.port), b"", 0])
        except OSError as e:
            print("connect failed: %s" % e)
    n = 0
    counts = {}
    closed = 0

    def send_more(c):
        nonlocal n
        out = b""
        while c[2] < a.pipeline:
            q = query(n & 0xffff, a.fmt % n)
            out += struct.pack("!H", len(q)) + q
            n += 1
            c[2] += 1
        try:
            c[0].sendall(out)
        except OSError:
            pass
    for c in conns:
        c[0].setblocking(True)
        send_more(c)
        c[0].setblocking(False)
    t0 = time.monotonic()
    while time.monotonic() - t0 < a.secs and conns:
        r, _, _ = select.select([c[0] for c in conns], [], [], 0.1)
        for c in list(conns):
            if c[0] not in r:
                continue
            try:
                d = c[0].recv(65535)
            except OSError:
                d = b""
            if not d:
                closed += 1
                conns.remove(c)
                continue
            c[1] += d
            while len(c[1]) >= 2 and len(c[1]) >= 2 + struct.unpack("!H", c[1][:2])[0]:
                ln = struct.unpack("!H", c[1][:2])[0]
                msg, c[1] = c[1][2:2 + ln], c[1][2 + ln:]
                counts[rcode_of(msg)] = counts.get(rcode_of(msg), 0) + 1
                c[2] -= 1
            c[0].setblocking(True)
            send_more(c)
            c[0].setblocking(False)
    print("tcp-flood sent %d closed_by_server %d replies %s" % (n, closed, ",".join(
        "%s:%d" % kv for kv in sorted(counts.items())) or "-"))


def cmd_victims(a):
    srcs = a.src.split(",")
    socks = {} if a.tcp else {src: udp_sock(src, a.dst) for src in srcs}
    seen = {src: {} for src in srcs}     # id -> rcode or None
    counts = {}
    t0 = time.monotonic()
    n = 0
    sent = 0
    while time.monotonic() - t0 < a.secs:
        due = int((time.monotonic() - t0) * a.rate)
        while n < due:
            for src in srcs:
                name = a.fmt % (src.replace(".", "-").replace(":", "-"), n)
                if a.tcp:
                    rc, _ = tcp_query(src, a.dst, a.port, name, a.wait)
                    seen[src][n] = rc
                else:
                    qid = (n * 7 + srcs.index(src)) & 0xffff
                    seen[src][qid] = None
                    try:
                        socks[src].sendto(query(qid, name), (a.dst, a.port))
                    except OSError:
                        pass
                sent += 1
            n += 1
        for src in socks:
            drain_udp(socks[src], {}, seen[src])
        time.sleep(0.005)
    end = time.monotonic() + a.wait
    while time.monotonic() < end and not a.tcp:
        for src in socks:
            drain_udp(socks[src], {}, seen[src])
        if all(v is not None for d in seen.values() for v in d.values()):
            break
        time.sleep(0.01)
    for d in seen.values():
        for v in d.values():
            k = v or "noreply"
            counts[k] = counts.get(k, 0) + 1
    ok = counts.get("NOERROR", 0)
    print("victims sent %d noerror %d servfail %d other %d noreply %d answered_pct %d" % (
        sent, ok, counts.get("SERVFAIL", 0),
        sent - ok - counts.get("SERVFAIL", 0) - counts.get("noreply", 0),
        counts.get("noreply", 0), ok * 100 // max(sent, 1)))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def cmd_v4mapped(a):
    src = socket.inet_pton(socket.AF_INET6, "::ffff:" + a.src4)
    dst = socket.inet_pton(socket.AF_INET6, a.dst)
    # a socket on that port number of ::1 would catch a reply, were one
    # deliverable (it is not: the reply would be addressed to ::ffff:...)
    rs = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    rs.bind(("::1", 0))
    sport = rs.getsockname()[1]
    payload = query(0x4d4d, a.name)
    udp = struct.pack("!HHHH", sport, a.port, 8 + len(payload), 0) + payload
    c = csum(src + dst + struct.pack("!I3xB", len(udp), 17) + udp)
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip6 = struct.pack("!IHBB", 6 << 28, len(udp), 17, 64) + src + dst
    p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    p.bind(("lo", 0))
    p.send(b"\0" * 12 + struct.pack("!H", 0x86dd) + ip6 + udp)
    r, _, _ = select.select([rs], [], [], 1.0)
    print("v4mapped sent from ::ffff:%s reply %s" % (a.src4, "yes" if r else "no"))


def status_name(conf):
    return b"\0dotfwd-status:" + os.path.realpath(conf).encode()


def become(uid):
    if uid is not None and uid != os.getuid():
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def cmd_squat(a):
    name = status_name(a.conf)
    ready = open(a.ready, "w")      # before giving up root
    become(a.uid)
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(name)
    ls.listen(8)
    ready.write("%d\n" % os.getpid())
    ready.close()
    end = time.monotonic() + a.secs
    held = []
    while time.monotonic() < end:
        r, _, _ = select.select([ls], [], [], 0.2)
        if not r:
            continue
        c, _ = ls.accept()
        if a.mode == "fake":
            try:    # the peer may be gone already (a daemon that quit)
                c.sendall(b'{"version": "9.9", "uptime": 1, "clock_synced": '
                          b'true, "totals": {}, "upstreams": [{"address": '
                          b'"6.6.6.6:853", "state": "up"}]}\n')
            except OSError:
                pass
            c.close()
        elif a.mode == "big":
            try:
                # over ST_JSON_CAP (128 KB): refused whole
                c.sendall(b"{" + b" " * 200000 + b"}\n")
            except OSError:
                pass
            c.close()
        elif a.mode == "trickle":
            try:
                for ch in b'{"version": "trickle"}\n':
                    c.send(bytes([ch]))
                    time.sleep(1)
                    if time.monotonic() > end:
                        break
            except OSError:
                pass
            c.close()
        else:
            held.append(c)


def cmd_status_peek(a):
    name = status_name(a.conf)
    become(a.uid)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect(name)
    except OSError as e:
        print("status-peek connect failed: %s" % e)
        return
    got = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except OSError:
        pass
    print("status-peek got %d bytes" % len(got))


def cmd_tls_hold(a):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.listen))
    ls.listen(8)
    pairs = []          # [client, server, s2c buffer, held_until, parse state]
    n_conn = 0
    end = time.monotonic() + a.secs
    while time.monotonic() < end:
        fds = [ls] + [p[0] for p in pairs] + [p[1] for p in pairs]
        r, _, _ = select.select(fds, [], [], 0.05)
        if ls in r:
            c, _ = ls.accept()
            u = socket.create_connection(("127.0.0.1", a.up))
            n_conn += 1
            # hold only on the first connection
            pairs.append([c, u, b"", None, n_conn == 1, b""])
        now = time.monotonic()
        for p in list(pairs):
            c, u = p[0], p[1]
            try:
                if c in r:
                    d = c.recv(65536)
                    if not d:
                        raise OSError()
                    u.sendall(d)
                if u in r:
                    d = u.recv(65536)
                    if not d:
                        raise OSError()
                    p[5] += d
            except OSError:
                c.close()
                u.close()
                pairs.remove(p)
                continue
            # walk whole records from the server; hold from its CCS on
            while p[4] and p[3] is None and len(p[5]) >= 5:
                ln = struct.unpack("!H", p[5][3:5])[0]
                if len(p[5]) < 5 + ln:
                    break
                if p[5][0] == 20:
                    p[3] = now + a.hold_ms / 1000.0
                    with open(a.marker, "w") as f:
                        f.write("holding\n")
                    break
                c.sendall(p[5][:5 + ln])
                p[5] = p[5][5 + ln:]
            if p[3] is not None and now >= p[3]:
                p[4] = False
            if not p[4] and p[5]:
                try:
                    c.sendall(p[5])
                except OSError:
                    pass
                p[5] = b""


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("tcp-slow")
    p.add_argument("-d", dest="dst", default="127.0.0.1")
    p.add_argument("-p", dest="port", type=int, required=True)
    p.add_argument("-s", dest="src", required=True)
    p.add_argument("-n", type=int, default=1)
    p.add_argument("--every", type=int, default=1000)
    p.add_argument("--hold", type=float, default=5)
    p.add_argument("--probe")
    p.add_argument("--probe-after", type=float, default=1)
    p.add_argument("--half", action="store_true")
    p = sub.add_parser("udp-flood")
    p.add_argument("-d", dest="dst", default="127.0.0.1")
    p.add_argument("-p", dest="port", type=int, required=True)
    p.add_argument("-s", dest="src", required=True)
    p.add_argument("--rate", type=int, default=1000)
    p.add_argument("--secs", type=float, default=5)
    p.add_argument("--fmt", default="slow.%d.test")
    p = sub.add_parser("tcp-flood")
    p.add_argument("-d", dest="dst", default="127.0.0.1")
    p.add_argument("-p", dest="port", type=int, required=True)
    p.add_argument("-s", dest="src", required=True)
    p.add_argument("--conns", type=int, default=8)
    p.add_argument("--pipeline", type=int, default=32)
    p.add_argument("--secs", type=float, default=5)
    p.add_argument("--fmt", default="slow.%d.test")
    p.add_argument("--no-read", action="store_true")
    p.add_argument("--rate", type=int, default=0)
    p = sub.add_parser("victims")
    p.add_argument("-d", dest="dst", default="127.0.0.1")
    p.add_argument("-p", dest="port", type=int, required=True)
    p.add_argument("-s", dest="src", required=True)
    p.add_argument("--rate", type=int, default=20)
    p.add_argument("--secs", type=float, default=5)
    p.add_argument("--wait", type=float, default=3)
    p.add_argument("--fmt", default="v.%s.%d.test")
    p.add_argument("--tcp", action="store_true")
    p = sub.add_parser("v4mapped")
    p.add_argument("-d", dest="dst", default="::1")
    p.add_argument("-p", dest="port", type=int, required=True)
    p.add_argument("--src4", required=True)
    p.add_argument("name")
    p = sub.add_parser("squat")
    p.add_argument("--conf", required=True)
    p.add_argument("--mode", choices=["fake", "trickle", "big", "silent"],
                   required=True)
    p.add_argument("--uid", type=int)
    p.add_argument("--secs", type=float, default=10)
    p.add_argument("--ready", required=True)
    p = sub.add_parser("status-peek")
    p.add_argument("--conf", required=True)
    p.add_argument("--uid", type=int)
    p = sub.add_parser("tls-hold")
    p.add_argument("-l", dest="listen", type=int, required=True)
    p.add_argument("-u", dest="up", type=int, required=True)
    p.add_argument("--hold-ms", type=int, default=1500)
    p.add_argument("--marker", required=True)
    p.add_argument("--secs", type=float, default=20)
    a = ap.parse_args()
    {"tcp-slow": cmd_tcp_slow, "udp-flood": cmd_udp_flood,
     "tcp-flood": cmd_tcp_flood, "victims": cmd_victims,
     "v4mapped": cmd_v4mapped, "squat": cmd_squat,
     "status-peek": cmd_status_peek, "tls-hold": cmd_tls_hold}[a.cmd](a)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
