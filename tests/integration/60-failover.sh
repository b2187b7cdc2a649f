#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 60-failover: policy 'ordered' with a dead first upstream (nothing
# listens on its port) answers from the second, both when the two
# addresses are in one upstream section and when they are two sections;
# an upstream that fails authentication is skipped the same way and never
# sees a query.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl unbound
need_dotfwd

gen_pki dot-ca2
DEAD=$(free_port) && UP2=$(free_port) && UPX=$(free_port) || bail "$SCRIPT: free ports"
start_unbound "$UP2" "$PKI/dot.pem" "$PKI/dot.key" u2
# u2 answers who.test TXT "u2"; nothing listens on $DEAD (the port stays
# reserved for this script, so no other test takes it).

from_u2() {
	local t0 t1
	t0=$(ms)
	qdig @127.0.0.1 -p "$DP" who.test TXT
	t1=$(ms)
	ELAPSED=$((t1 - t0))
	answer_is NOERROR '"u2"'
}

# ---- one section, two addresses
DP=$(free_port) || bail "$SCRIPT: free ports"
C="$T/one-section.conf"
: >"$C"
conf_main "$C" "$DP" policy=ordered
conf_upstream "$C" u address="127.0.0.1:$DEAD 127.0.0.1:$UP2" auth_name=dot.test
start_dotfwd "$C" "$DP"
check "one section: first address dead -> answer from the second" from_u2
check "one section: answered within timeout_ms (took ${ELAPSED} ms)" [ "$ELAPSED" -lt 1500 ]
dnsq udp-seq -p "$DP" -n 50 -t 3 -d 30 a.test b.test/A
check "one section: 50 more queries answered" grep -q '^udp-seq 50/50 ok' "$T/dnsq.out"
LAST_OUT=
check "one section: log says \"connection refused\"" log_has "connection refused"
n=$(count_handshakes "127.0.0.1:$UP2")
check "one section: one handshake with 127.0.0.1:$UP2 (log has $n)" [ "$n" -eq 1 ]
check "one section: no handshake with the dead 127.0.0.1:$DEAD" [ "$(count_handshakes "127.0.0.1:$DEAD")" -eq 0 ]
stop_dotfwd

# ---- two sections
DP=$(free_port) || bail "$SCRIPT: free ports"
C="$T/two-sections.conf"
: >"$C"
conf_main "$C" "$DP" policy=ordered
conf_upstream "$C" first address="127.0.0.1:$DEAD" auth_name=dot.test
conf_upstream "$C" second address="127.0.0.1:$UP2" auth_name=dot.test
start_dotfwd "$C" "$DP"
check "two sections: first dead -> answer from the second" from_u2
check "two sections: answered within timeout_ms (took ${ELAPSED} ms)" [ "$ELAPSED" -lt 1500 ]
qdig @127.0.0.1 -p "$DP" +tcp a.test A
check "two sections: tcp answer" answer_is NOERROR 192.0.2.1
LAST_OUT=
check "two sections: log says \"connection refused\"" log_has "connection refused"
stop_dotfwd

# ---- first upstream fails authentication (certificate from another CA)
start_unbound "$UPX" "$PKI/dot-ca2.pem" "$PKI/dot-ca2.key" ux
DP=$(free_port) || bail "$SCRIPT: free ports"
C="$T/bad-first.conf"
: >"$C"
conf_main "$C" "$DP" policy=ordered
conf_upstream "$C" first address="127.0.0.1:$UPX" auth_name=dot.test
conf_upstream "$C" second address="127.0.0.1:$UP2" auth_name=dot.test
start_dotfwd "$C" "$DP"
check "bad first: first fails authentication -> answer from the second" from_u2
dnsq udp-seq -p "$DP" -n 20 -t 3 -d 30 a.test
check "bad first: 20 more queries answered" grep -q '^udp-seq 20/20 ok' "$T/dnsq.out"
LAST_OUT=
check "bad first: log says \"unknown CA\"" log_has "unknown CA"
LAST_OUT="$T/ux.log"
check "bad first: the unauthenticated upstream never received a query" [ -z "$(ub_queries ux)" ]
stop_dotfwd
finish
