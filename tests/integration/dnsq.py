#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""dnsq.py: a tiny DNS client for the integration tests (stdlib only).

It gives the precise control dig/kdig do not: exact IDs, pipelining on one
TCP connection, framing split across segments, raw bytes.  Every command
is bounded in count and in time and prints one summary line; exit 0 when
every answer was as expected, 1 otherwise, 2 on usage errors.

  dnsq.py udp-seq  -s ADDR -p PORT [-b SRC] [-n COUNT] [NAME[/TYPE]...]
      COUNT queries one after another (names cycled), each must get its
      answer (ID, question echoed, expected data from the test zone).
  dnsq.py tcp-pipe -s ADDR -p PORT [-n COUNT] [--split N] [NAME[/TYPE]...]
      one TCP connection; all COUNT queries written before reading; then
      COUNT answers read, matched by ID (any order).  --split N writes the
      stream in N-byte pieces with short pauses (length prefix straddles
      segments).
  dnsq.py udp-burst -s ADDR -p PORT [-n COUNT] [-t WAIT] [NAME[/TYPE]...]
      COUNT queries sent at once on one socket, then replies collected for
      up to WAIT s; every query must get exactly one reply (any rcode).
      Prints the rcode counts and when the last reply came.
  dnsq.py tcp-hold -s ADDR -p PORT -n HELD [-t WAIT] [NAME]
      open HELD idle TCP connections, then one more that sends a query;
      report whether it was answered while the others were held (WAIT s),
      and whether it is answered within WAIT s after they are closed.
  dnsq.py raw-udp  -s ADDR -p PORT HEX
      send HEX bytes; print "noreply" or "reply id=.. qr=.. rcode=.. ...".
  dnsq.py raw-tcp  -s ADDR -p PORT HEX
      send HEX (the caller includes the length prefix); print "closed",
      "noreply" or the first reply like raw-udp.
"""

import argparse
import random
import socket
import struct
import sys
import time

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16,
         "AAAA": 28, "OPT": 41}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN",
          4: "NOTIMP", 5: "REFUSED"}

# What the test zone served by lib.sh's start_unbound holds: (name, type)
# -> (rcode, number of answer RRs, one value that must be among them).
ZONE = {
    ("a.test", "A"): ("NOERROR", 1, "192.0.2.1"),
    ("a.test", "AAAA"): ("NOERROR", 1, "2001:db8::1"),
    ("b.test", "A"): ("NOERROR", 1, "192.0.2.2"),
    ("a.test", "MX"): ("NOERROR", 0, None),
    ("nope.test", "A"): ("NXDOMAIN", 0, None),
    ("ready.test", "A"): ("NOERROR", 1, "192.0.2.100"),
    ("mid.test", "A"): ("NOERROR", 40, "198.51.100.40"),
    ("big.test", "TXT"): ("NOERROR", 10, None),
}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def build_query(qid, name, qtype, edns=None):
    hdr = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1 if edns else 0)
    q = encode_name(name) + struct.pack("!HH", TYPES[qtype], 1)
    if edns:
        q += b"\0" + struct.pack("!HHIH", 41, edns, 0, 0)
    return hdr + q


def read_name(buf, off, depth=0):
    labels = []
    end = None
    while True:
        if off >= len(buf) or depth > 20:
            raise ValueError("bad name")
        n = buf[off]
        if n == 0:
            off += 1
            break
        if n & 0xC0 == 0xC0:
            ptr = ((n & 0x3F) << 8) | buf[off + 1]
            if end is None:
                end = off + 2
            off = ptr
            depth += 1
            continue
        labels.append(buf[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    return ".".join(labels), (end if end is not None else off)


def parse(buf):
    """Return a dict describing a DNS message, or raise ValueError."""
    if len(buf) < 12:
        raise ValueError("short message (%d bytes)" % len(buf))
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", buf[:12])
    m = {"id": qid, "qr": flags >> 15, "tc": (flags >> 9) & 1,
         "rcode": RCODES.get(flags & 15, str(flags & 15)),
         "qd": qd, "an": an, "size": len(buf), "questions": [], "answers": []}
    off = 12
    for _ in range(qd):
        name, off = read_name(buf, off)
        qt, qc = struct.unpack("!HH", buf[off:off + 4])
        off += 4
        m["questions"].append((name, qt, qc))
    for _ in range(an):
        name, off = read_name(buf, off)
        t, c, ttl, rdlen = struct.unpack("!HHIH", buf[off:off + 10])
        off += 10
        rd = buf[off:off + rdlen]
        if len(rd) != rdlen:
            raise ValueError("truncated RR")
        off += rdlen
        if t == 1 and rdlen == 4:
            val = socket.inet_ntop(socket.AF_INET, rd)
        elif t == 28 and rdlen == 16:
            val = socket.inet_ntop(socket.AF_INET6, rd)
        else:
            val = rd.hex()
        m["answers"].append((name, t, val))
    return m


def check(m, qid, name, qtype):
    """Return '' when m is the right answer to (qid, name, qtype)."""
    if m["id"] != qid:
        return "id %d != %d" % (m["id"], qid)
    if not m["qr"]:
        return "QR not set"
    if m["questions"] != [(name, TYPES[qtype], 1)]:
        # exact, case included (RFC 1035 4.1.1 / 0x20 clients)
        return "question not echoed: %r" % (m["questions"],)
    want = ZONE.get((name.lower(), qtype))
    if want is None:
        return ""
    rcode, n, val = want
    if m["rcode"] != rcode:
        return "rcode %s, want %s" % (m["rcode"], rcode)
    if m["tc"]:
        return ""   # truncated UDP: answers may be missing on purpose
    if len(m["answers"]) != n:
        return "%d answers, want %d" % (len(m["answers"]), n)
    if val is not None and val not in [a[2] for a in m["answers"]]:
        return "answer %s missing" % val
    return ""


def split_names(names):
    out = []
    for n in names or ["a.test"]:
        name, _, qtype = n.partition("/")
        out.append((name.rstrip("."), (qtype or "A").upper()))
    return out


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def cmd_udp_seq(a):
    names = split_names(a.names)
    deadline = time.monotonic() + a.deadline
    s = socket.socket(family(a.server), socket.SOCK_DGRAM)
    if a.bind:
        s.bind((a.bind, 0))
    s.connect((a.server, a.port))
    good = bad = 0
    first_err = ""
    for i in range(a.count):
        if time.monotonic() > deadline:
            first_err = first_err or "deadline after %d queries" % i
            bad += a.count - i
            break
        name, qtype = names[i % len(names)]
        qid = random.randrange(65536)
        s.send(build_query(qid, name, qtype, a.edns))
        err = "timeout"
        end = time.monotonic() + a.timeout
        while time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                buf = s.recv(65535)
            except socket.timeout:
                break
            except OSError as e:
                err = str(e)
                break
            try:
                m = parse(buf)
            except ValueError as e:
                err = "unparsable reply: %s" % e
                break
            if m["id"] != qid:
                err = "stray reply id %d (want %d)" % (m["id"], qid)
                continue    # keep waiting for ours, but remember it
            err = check(m, qid, name, qtype)
            break
        if err:
            bad += 1
            first_err = first_err or "query %d %s/%s: %s" % (i, name, qtype, err)
        else:
            good += 1
    print("udp-seq %d/%d ok%s" % (good, a.count, (" first error: " + first_err) if first_err else ""))
    return 0 if good == a.count else 1


def recv_exact(s, n, deadline):
    out = b""
    while len(out) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("deadline")
        s.settimeout(left)
        chunk = s.recv(n - len(out))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(out), n))
        out += chunk
    return out


def cmd_tcp_pipe(a):
    names = split_names(a.names)
    deadline = time.monotonic() + a.deadline
    s = socket.socket(family(a.server), socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if a.bind:
        s.bind((a.bind, 0))
    s.settimeout(a.timeout)
    s.connect((a.server, a.port))
    ids = random.sample(range(65536), a.count)
    want = {}
    stream = b""
    for i in range(a.count):
        name, qtype = names[i % len(names)]
        q = build_query(ids[i], name, qtype, a.edns)
        want[ids[i]] = (name, qtype)
        stream += struct.pack("!H", len(q)) + q
    if a.split:
        for off in range(0, len(stream), a.split):
            s.sendall(stream[off:off + a.split])
            time.sleep(0.002)
    else:
        s.sendall(stream)
    got = good = 0
    order = []
    errs = []
    try:
        while got < a.count:
            n = struct.unpack("!H", recv_exact(s, 2, deadline))[0]
            m = parse(recv_exact(s, n, deadline))
            got += 1
            if m["id"] not in want:
                errs.append("unexpected or duplicate id %d" % m["id"])
                continue
            name, qtype = want.pop(m["id"])
            order.append(ids.index(m["id"]))
            err = check(m, m["id"], name, qtype)
            if err:
                errs.append("%s/%s: %s" % (name, qtype, err))
            else:
                good += 1
    except (socket.timeout, EOFError, ValueError, OSError) as e:
        errs.append("after %d answers: %s" % (got, e))
    s.close()
    ooo = sum(1 for i in range(1, len(order)) if order[i] < order[i - 1])
    print("tcp-pipe %d/%d ok, %d out of order%s" % (good, a.count, ooo,
          (" first error: " + errs[0]) if errs else ""))
    return 0 if good == a.count and not errs else 1


def cmd_udp_burst(a):
    names = split_names(a.names)
    s = socket.socket(family(a.server), socket.SOCK_DGRAM)
    if a.bind:
        s.bind((a.bind, 0))
    s.connect((a.server, a.port))
    ids = random.sample(range(65536), a.count)
    want = {}
    t0 = time.monotonic()
    for i, qid in enumerate(ids):
        name, qtype = names[i % len(names)]
        want[qid] = (name, qtype)
        s.send(build_query(qid, name, qtype, a.edns))
    seen = {}
    rcodes = {}
    errs = []
    last = 0.0
    end = t0 + a.timeout
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            buf = s.recv(65535)
        except socket.timeout:
            break
        try:
            m = parse(buf)
        except ValueError as e:
            errs.append("unparsable: %s" % e)
            continue
        last = time.monotonic() - t0
        if m["id"] not in want:
            errs.append("unknown id %d" % m["id"])
            continue
        seen[m["id"]] = seen.get(m["id"], 0) + 1
        if seen[m["id"]] > 1:
            errs.append("second reply for id %d" % m["id"])
            continue
        if len(seen) == a.count:
            end = min(end, time.monotonic() + 0.3)   # short watch for duplicates
        name, qtype = want[m["id"]]
        if m["questions"] != [(name, TYPES[qtype], 1)]:
            errs.append("question not echoed for id %d" % m["id"])
        rcodes[m["rcode"]] = rcodes.get(m["rcode"], 0) + 1
    answered = len(seen)
    print("udp-burst %d/%d answered, rcodes %s, last after %d ms%s" % (
        answered, a.count, ",".join("%s:%d" % kv for kv in sorted(rcodes.items())) or "-",
        last * 1000, (" first error: " + errs[0]) if errs else ""))
    return 0 if answered == a.count and not errs else 1


def cmd_tcp_hold(a):
    name, qtype = split_names(a.names)[0]
    held = []
    for _ in range(a.count):
        c = socket.socket(family(a.server), socket.SOCK_STREAM)
        c.settimeout(a.timeout)
        c.connect((a.server, a.port))
        held.append(c)
    time.sleep(0.2)
    s = socket.socket(family(a.server), socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    s.connect((a.server, a.port))     # lands in the backlog when accept pauses
    qid = random.randrange(65536)
    q = build_query(qid, name, qtype)
    s.sendall(struct.pack("!H", len(q)) + q)

    def answer(wait):
        try:
            n = struct.unpack("!H", recv_exact(s, 2, time.monotonic() + wait))[0]
            m = parse(recv_exact(s, n, time.monotonic() + wait))
            return check(m, qid, name, qtype) or "yes"
        except socket.timeout:
            return "no"
        except (EOFError, ConnectionResetError) as e:
            return "closed (%s)" % e
    while_held = answer(a.timeout)
    for c in held:
        c.close()
    after = while_held if while_held == "yes" else answer(a.timeout)
    print("tcp-hold held=%d answered-while-held=%s answered-after-release=%s" % (
        a.count, while_held, after))
    return 0 if after == "yes" else 1


def describe(m):
    return "reply id=%d qr=%d tc=%d rcode=%s qd=%d an=%d size=%d" % (
        m["id"], m["qr"], m["tc"], m["rcode"], m["qd"], m["an"], m["size"])


def cmd_raw_udp(a):
    s = socket.socket(family(a.server), socket.SOCK_DGRAM)
    if a.bind:
        s.bind((a.bind, 0))
    s.connect((a.server, a.port))
    s.send(bytes.fromhex(a.hex))
    s.settimeout(a.timeout)
    try:
        buf = s.recv(65535)
    except socket.timeout:
        print("noreply")
        return 0
    except OSError as e:
        print("error %s" % e)
        return 1
    try:
        print(describe(parse(buf)))
    except ValueError:
        # the header alone is enough for a FORMERR check
        if len(buf) >= 12:
            qid, flags = struct.unpack("!HH", buf[:4])
            print("reply id=%d qr=%d tc=%d rcode=%s qd=? an=? size=%d" % (
                qid, flags >> 15, (flags >> 9) & 1,
                RCODES.get(flags & 15, str(flags & 15)), len(buf)))
        else:
            print("garbage %s" % buf.hex())
    return 0


def cmd_raw_tcp(a):
    deadline = time.monotonic() + a.timeout
    s = socket.socket(family(a.server), socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    if a.bind:
        s.bind((a.bind, 0))
    s.connect((a.server, a.port))
    s.sendall(bytes.fromhex(a.hex))
    try:
        n = struct.unpack("!H", recv_exact(s, 2, deadline))[0]
        buf = recv_exact(s, n, deadline)
    except socket.timeout:
        print("noreply")
        return 0
    except (EOFError, ConnectionResetError):
        print("closed")
        return 0
    try:
        print(describe(parse(buf)))
    except ValueError as e:
        print("garbage %s (%s)" % (buf.hex(), e))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cmd", choices=["udp-seq", "tcp-pipe", "udp-burst", "tcp-hold",
                                   "raw-udp", "raw-tcp"])
    p.add_argument("-s", "--server", default="127.0.0.1")
    p.add_argument("-p", "--port", type=int, required=True)
    p.add_argument("-b", "--bind", help="source address")
    p.add_argument("-n", "--count", type=int, default=1)
    p.add_argument("-e", "--edns", type=int, default=0,
                   help="add an OPT RR with this UDP size (0 = no EDNS)")
    p.add_argument("-t", "--timeout", type=float, default=3.0,
                   help="per answer (udp), per read (tcp), seconds")
    p.add_argument("-d", "--deadline", type=float, default=60.0,
                   help="whole command, seconds")
    p.add_argument("--split", type=int, default=0)
    p.add_argument("names", nargs="*")
    a = p.parse_intermixed_args()
    if a.cmd in ("raw-udp", "raw-tcp"):
        if len(a.names) != 1:
            p.error("one HEX argument")
        a.hex = a.names[0]
    if not (0 if a.cmd == "tcp-hold" else 1) <= a.count <= 10000:
        p.error("count 1..10000")
    return {"udp-seq": cmd_udp_seq, "tcp-pipe": cmd_tcp_pipe,
            "udp-burst": cmd_udp_burst, "tcp-hold": cmd_tcp_hold,
            "raw-udp": cmd_raw_udp, "raw-tcp": cmd_raw_tcp}[a.cmd](a)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError) as e:
        print("error: %s" % e)
        sys.exit(1)
