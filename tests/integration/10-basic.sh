#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 10-basic: answers over UDP and TCP (dig and kdig), IDs and questions
# echoed, AAAA / NODATA / NXDOMAIN passed through, and one persistent
# upstream connection for a stream of queries (one TLS handshake).
. "$(dirname "$0")/lib.sh"
need dig python3 openssl unbound
need_dotfwd

gen_pki
UP=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_unbound "$UP" "$PKI/dot.pem" "$PKI/dot.key" u1
C="$T/dotfwd.conf"
write_conf "$C" "$DP" "127.0.0.1:$UP" dot.test
start_dotfwd "$C" "$DP"

qdig @127.0.0.1 -p "$DP" a.test A
check "udp dig a.test A -> 192.0.2.1" answer_is NOERROR 192.0.2.1
qdig @127.0.0.1 -p "$DP" +tcp a.test A
check "tcp dig a.test A -> 192.0.2.1" answer_is NOERROR 192.0.2.1
qdig @127.0.0.1 -p "$DP" +noedns a.test A
check "udp dig without EDNS" answer_is NOERROR 192.0.2.1
qdig @127.0.0.1 -p "$DP" a.test AAAA
check "udp dig a.test AAAA -> 2001:db8::1" answer_is NOERROR 2001:db8::1
qdig @127.0.0.1 -p "$DP" +tcp b.test A
check "tcp dig b.test A -> 192.0.2.2" answer_is NOERROR 192.0.2.2
qdig @127.0.0.1 -p "$DP" nope.test A
check "udp dig nope.test -> NXDOMAIN" answer_is NXDOMAIN
qdig @127.0.0.1 -p "$DP" a.test MX
nodata() { answer_is NOERROR && [ -z "$(dig_answers)" ]; }
check "udp dig a.test MX -> NOERROR, no answer" nodata
qdig @127.0.0.1 -p "$DP" +tcp nope.test A
check "tcp dig nope.test -> NXDOMAIN" answer_is NXDOMAIN

# Case is echoed exactly (0x20 style clients depend on it).
dnsq udp-seq -p "$DP" -n 1 A.TeSt/A
check "udp question echoed with its case (A.TeSt)" grep -q '^udp-seq 1/1 ok' "$T/dnsq.out"
dnsq tcp-pipe -p "$DP" -n 1 a.TEST/AAAA
check "tcp question echoed with its case (a.TEST)" grep -q '^tcp-pipe 1/1 ok' "$T/dnsq.out"

if have kdig; then
	qkdig @127.0.0.1 -p "$DP" a.test A
	check "udp kdig a.test A" answer_is NOERROR 192.0.2.1
	qkdig @127.0.0.1 -p "$DP" +tcp a.test AAAA
	check "tcp kdig a.test AAAA" answer_is NOERROR 2001:db8::1
	qkdig @127.0.0.1 -p "$DP" +tcp nope.test A
	check "tcp kdig nope.test -> NXDOMAIN" answer_is NXDOMAIN
else
	skip "kdig queries" "kdig not installed"
fi

# Exact ID and question match for every reply, 200 in a row.
dnsq udp-seq -p "$DP" -n 200 -t 3 -d 60 a.test b.test/A a.test/AAAA nope.test
check "200 sequential udp queries answered (ids, questions, data)" grep -q '^udp-seq 200/200 ok' "$T/dnsq.out"
dnsq tcp-pipe -p "$DP" -n 1 a.test
check "one query over a fresh tcp connection (dnsq)" grep -q '^tcp-pipe 1/1 ok' "$T/dnsq.out"

# All of the above went over one upstream connection.
n=$(count_handshakes "127.0.0.1:$UP")
check "one TLS handshake to 127.0.0.1:$UP for $(ub_queries u1 | wc -l) queries (log has $n)" [ "$n" -eq 1 ]
check "dotfwd still running" alive "$DF_PID"
finish
