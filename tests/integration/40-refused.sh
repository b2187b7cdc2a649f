#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 40-refused: sources outside 'allow' get REFUSED (and nothing is sent
# upstream for them); malformed packets get FORMERR or are dropped and
# never stop the daemon.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl unbound
need_dotfwd

gen_pki
UP=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_unbound "$UP" "$PKI/dot.pem" "$PKI/dot.key" u1
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP" allow=127.0.0.2/32
conf_upstream "$C" u1 address="127.0.0.1:$UP" auth_name=dot.test
start_dotfwd "$C" "$DP"

refused() { answer_is REFUSED && [ -z "$(dig_answers)" ]; }
qdig @127.0.0.1 -p "$DP" -b 127.0.0.1 r1.test A
check "udp from 127.0.0.1 (not allowed) -> REFUSED" refused
qdig @127.0.0.1 -p "$DP" -b 127.0.0.3 r2.test A
check "udp from 127.0.0.3 (not allowed) -> REFUSED" refused
qdig @127.0.0.1 -p "$DP" -b 127.0.0.1 +tcp r3.test A
tcp_refused() {
	# REFUSED, or the connection closed without an answer
	refused && return 0
	! grep -q 'status: NOERROR' "$T/dig.out" && [ -z "$(dig_answers)" ]
}
check "tcp from 127.0.0.1 (not allowed) -> REFUSED or closed, no answer" tcp_refused
if have_v6; then
	qdig @::1 -p "$DP" r4.test A
	check "udp from ::1 (not allowed) -> REFUSED" refused
fi

qdig @127.0.0.1 -p "$DP" -b 127.0.0.2 a.test A
check "udp from 127.0.0.2 (allowed) -> answer" answer_is NOERROR 192.0.2.1
qdig @127.0.0.1 -p "$DP" -b 127.0.0.2 +tcp a.test AAAA
check "tcp from 127.0.0.2 (allowed) -> answer" answer_is NOERROR 2001:db8::1
dnsq udp-seq -p "$DP" -b 127.0.0.2 -n 20 a.test b.test/A
check "20 udp queries from 127.0.0.2 answered" grep -q '^udp-seq 20/20 ok' "$T/dnsq.out"

# Refused questions (r1-r4.test, and ready.test from start_dotfwd's
# probe from 127.0.0.1) must never reach the upstream.
leaked=$(ub_queries u1 | grep -E ' (r[0-9]|ready)\.test\. ')
check "refused queries never reached the upstream" [ -z "$leaked" ]
[ -n "$leaked" ] && diag "upstream saw:" "$leaked"

# ------------------------------------------------------------ malformed
hex() { python3 -c "import struct,sys; print(($1).hex())"; }
dnsq raw-udp -b 127.0.0.2 -p "$DP" -t 1 0102030405
check "5-byte udp packet -> dropped" grep -qx noreply "$T/dnsq.out"

dnsq raw-udp -b 127.0.0.2 -p "$DP" -t 2 "$(hex 'struct.pack("!HHHHHH", 0xBEEF, 0x0100, 2, 0, 0, 0) + b"\xff\xff\xff\xff"')"
check "header qdcount=2 + garbage -> FORMERR, same id" \
    grep -qE '^reply id=48879 qr=1 tc=0 rcode=FORMERR ' "$T/dnsq.out"

dnsq raw-udp -b 127.0.0.2 -p "$DP" -t 1 "$(hex 'struct.pack("!HHHHHH", 0x1234, 0x8180, 1, 1, 0, 0) + b"\x01a\x04test\x00\x00\x01\x00\x01" + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x01"')"
check "a response (QR=1) sent to the listener -> dropped" grep -qx noreply "$T/dnsq.out"

# Odd packets: no reply, or a reply with the same id and an error rcode.
odd() {
	local id=$2 pkt=$3	# $1: a tag for the reader
	dnsq raw-udp -b 127.0.0.2 -p "$DP" -t 1 "$pkt"
	grep -qx noreply "$T/dnsq.out" ||
	    grep -qE "^reply id=$id qr=1 tc=. rcode=(FORMERR|NOTIMP|REFUSED|SERVFAIL) " "$T/dnsq.out"
}
check "qdcount=0 -> dropped or error" \
    odd qd0 4660 "$(hex 'struct.pack("!HHHHHH", 0x1234, 0x0100, 0, 0, 0, 0)')"
check "name with a compression loop -> dropped or error" \
    odd loop 4661 "$(hex 'struct.pack("!HHHHHH", 0x1235, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01"')"
check "label running past the end -> dropped or error" \
    odd past 4662 "$(hex 'struct.pack("!HHHHHH", 0x1236, 0x0100, 1, 0, 0, 0) + b"\x3fabc"')"
check "opcode UPDATE -> dropped or error" \
    odd update 4663 "$(hex 'struct.pack("!HHHHHH", 0x1237, 0x2800, 1, 0, 0, 0) + b"\x04test\x00\x00\x06\x00\x01"')"
check "question without type/class -> dropped or error" \
    odd short 4664 "$(hex 'struct.pack("!HHHHHH", 0x1238, 0x0100, 1, 0, 0, 0) + b"\x01a\x04test\x00\x00"')"

dnsq raw-tcp -b 127.0.0.2 -p "$DP" -t 2 "$(hex 'b"\x00\x05" + b"\x01\x02\x03\x04\x05"')"
check "5-byte message over tcp -> closed, dropped or error" \
    grep -qE '^(closed|noreply|reply .*rcode=(FORMERR|REFUSED))' "$T/dnsq.out"
dnsq raw-tcp -b 127.0.0.2 -p "$DP" -t 2 "$(hex 'b"\x00\x00"')"
check "zero-length tcp message -> closed, dropped or error" \
    grep -qE '^(closed|noreply|reply .*rcode=(FORMERR|REFUSED))' "$T/dnsq.out"

qdig @127.0.0.1 -p "$DP" -b 127.0.0.2 a.test A
check "still answering after malformed input" answer_is NOERROR 192.0.2.1
check "dotfwd still running" alive "$DF_PID"
finish
