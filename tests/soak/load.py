#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""load.py: the well-behaved side of `make soak` (stdlib only).

  load.py -d ADDR -p PORT --secs S --srcs SRC,... [--udp-rate QPS]
          [--tcp-conns N] [--slow-pct P] [--wait S]

For S seconds: UDP queries at QPS in all (spread over the sources, one
socket each), and N TCP clients (from the last source) that each open a
connection, pipeline 5 queries, read the 5 answers and close, again and
again.  Names are fresh (nothing caches) and P % of them start with
"slow" (the fault server answers those late, or never).  Every query is
accounted for: answered exactly once (any rcode), a duplicate, or lost
(no answer within --wait s of its sending, or its TCP connection ended
first).  Prints one line:

  load udp S/A/D/L tcp S/A/D/L rcodes R:n,... lost L duplicates D
  p50_ms X p99_ms Y

(S sent, A answered once, D duplicates, L lost); exit 0.
"""

import argparse
import random
import select
import socket
import struct
import time

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN",
          4: "NOTIMP", 5: "REFUSED"}


def query(qid, name, edns):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1 if edns else 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", 1, 1)
    if edns:
        q += b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)
    return q


class Tally:
    def __init__(self):
        self.sent = self.answered = self.dup = self.lost = 0
        self.lost_at = []       # seconds into the run, of lost queries

    def line(self):
        return "%d/%d/%d/%d" % (self.sent, self.answered, self.dup, self.lost)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-d", dest="dst", default="127.0.0.1")
    ap.add_argument("-p", dest="port", type=int, required=True)
    ap.add_argument("--secs", type=float, required=True)
    ap.add_argument("--srcs", required=True)
    ap.add_argument("--udp-rate", type=int, default=200)
    ap.add_argument("--tcp-conns", type=int, default=4)
    ap.add_argument("--slow-pct", type=int, default=5)
    ap.add_argument("--wait", type=float, default=4.0)
    a = ap.parse_args()
    srcs = a.srcs.split(",")
    rng = random.Random(4242)
    rcodes = {}
    lat = []
    udp, tcp = Tally(), Tally()
    seq = 0

    def name():
        nonlocal seq
        seq += 1
        if rng.randrange(100) < a.slow_pct:
            return "slow.s%d.soak" % seq
        return "q%d.soak" % seq

    def got(rc, t0):
        rcodes[rc] = rcodes.get(rc, 0) + 1
        lat.append(time.monotonic() - t0)

    # UDP: per socket, outstanding id -> send time; answered ids -> time
    us = []
    for s in srcs:
        k = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        k.bind((s, 0))
        k.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        k.setblocking(False)
        us.append({"sock": k, "out": {}, "done": {}, "next": rng.randrange(65536)})
    # TCP clients: [sock or None, buf, {id: t0}, next start time]
    tc = [[None, b"", {}, 0.0] for _ in range(a.tcp_conns)]
    t_start = time.monotonic()
    t_end = t_start + a.secs
    n_udp = 0
    last_prune = t_start

    def tcp_close(c, now):
        # whatever it still waits for is lost
        tcp.lost += len(c[2])
        tcp.lost_at += [int(t - t_start) for t in c[2].values()]
        c[0].close()
        c[0], c[1], c[2] = None, b"", {}
        c[3] = now + rng.random() * 0.2

    while True:
        now = time.monotonic()
        sending = now < t_end
        if not sending and all(not u["out"] for u in us) and \
                all(c[0] is None for c in tc):
            break
        if now > t_end + a.wait + 2:
            break
        if sending:
            due = int((now - t_start) * a.udp_rate)
            while n_udp < due:
                u = us[n_udp % len(us)]
                qid = u["next"]
                u["next"] = (qid + 1) & 0xffff
                if qid in u["out"]:
                    # 65536 ids out on one socket: count the old one lost
                    udp.lost += 1
                    udp.lost_at.append(int(u["out"][qid] - t_start))
                    del u["out"][qid]
                u["done"].pop(qid, None)
                try:
                    u["sock"].sendto(query(qid, name(), n_udp % 3 == 0),
                                     (a.dst, a.port))
                    u["out"][qid] = now
                    udp.sent += 1
                except OSError:
                    pass
                n_udp += 1
            for c in tc:
                if c[0] is None and now >= c[3]:
                    try:
                        k = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                        k.bind((srcs[-1], 0))
                        k.settimeout(2)
                        k.connect((a.dst, a.port))
                        out = b""
                        for _ in range(5):
                            qid = rng.randrange(65536)
                            while qid in c[2]:
                                qid = rng.randrange(65536)
                            m = query(qid, name(), False)
                            out += struct.pack("!H", len(m)) + m
                            c[2][qid] = now
                        k.sendall(out)
                        k.setblocking(False)
                        c[0] = k
                        tcp.sent += 5
                    except OSError:
                        c[3] = now + 0.5
                        c[2] = {}
        # lost: no answer within --wait
        for u in us:
            for qid in [q for q, t in u["out"].items() if now - t > a.wait]:
                udp.lost_at.append(int(u["out"][qid] - t_start))
                del u["out"][qid]
                udp.lost += 1
        for c in tc:
            if c[0] is not None and c[2] and \
                    now - min(c[2].values()) > a.wait:
                tcp_close(c, now)
        if now - last_prune > 5:
            last_prune = now
            for u in us:
                for qid in [q for q, t in u["done"].items() if now - t > 30]:
                    del u["done"][qid]
        fds = [u["sock"] for u in us] + [c[0] for c in tc if c[0] is not None]
        r, _, _ = select.select(fds, [], [], 0.005)
        for u in us:
            if u["sock"] not in r:
                continue
            while True:
                try:
                    buf = u["sock"].recv(65535)
                except OSError:
                    break
                if len(buf) < 12:
                    continue
                qid = struct.unpack("!H", buf[:2])[0]
                if qid in u["out"]:
                    got(RCODES.get(buf[3] & 15, str(buf[3] & 15)), u["out"][qid])
                    u["done"][qid] = time.monotonic()
                    del u["out"][qid]
                    udp.answered += 1
                elif qid in u["done"]:
                    udp.dup += 1
        for c in tc:
            if c[0] is None or c[0] not in r:
                continue
            try:
                d = c[0].recv(65535)
            except OSError:
                d = b""
            if not d:
                tcp_close(c, time.monotonic())
                continue
            c[1] += d
            while len(c[1]) >= 2 and len(c[1]) >= 2 + struct.unpack("!H", c[1][:2])[0]:
                ln = struct.unpack("!H", c[1][:2])[0]
                m, c[1] = c[1][2:2 + ln], c[1][2 + ln:]
                if len(m) < 12:
                    continue
                qid = struct.unpack("!H", m[:2])[0]
                if qid in c[2]:
                    got(RCODES.get(m[3] & 15, str(m[3] & 15)), c[2][qid])
                    del c[2][qid]
                    tcp.answered += 1
                else:
                    tcp.dup += 1
            if not c[2]:
                c[0].close()
                c[0], c[1] = None, b""
                c[3] = time.monotonic() + (rng.random() * 0.05 if sending else 1e9)
    for u in us:
        udp.lost += len(u["out"])
        udp.lost_at += [int(t - t_start) for t in u["out"].values()]
    if udp.lost_at or tcp.lost_at:
        print("lost udp at %s s; tcp at %s s (seconds into the run)" % (
            sorted(udp.lost_at)[:40], sorted(tcp.lost_at)[:40]))
    lat.sort()
    p = lambda f: int(lat[min(len(lat) - 1, int(len(lat) * f))] * 1000) if lat else -1
    print("load udp %s tcp %s rcodes %s lost %d duplicates %d p50_ms %d p99_ms %d" % (
        udp.line(), tcp.line(),
        ",".join("%s:%d" % kv for kv in sorted(rcodes.items())) or "-",
        udp.lost + tcp.lost, udp.dup + tcp.dup, p(0.5), p(0.99)))


if __name__ == "__main__":
    main()
