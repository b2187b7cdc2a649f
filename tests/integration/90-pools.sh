#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 90-pools: full pools have a defined answer and never strand a client.
# max_inflight 4: a burst of queries while the upstream hangs -> every
# query gets exactly one reply (SERVFAIL) within timeout_ms; afterwards
# the pool is free again.  max_tcp_clients 2: with two idle TCP clients
# held, a third is served once they go (accept pauses or it is served at
# once), and UDP keeps working meanwhile.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl unbound
need_dotfwd

TIMEOUT_MS=1500
LIMIT_MS=$((TIMEOUT_MS + 1000 * SLOW))
gen_pki
out=$(free_port 2) || bail "$SCRIPT: free ports"
read -r UP DP <<<"$out"
start_unbound "$UP" "$PKI/dot.pem" "$PKI/dot.key" u1
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP" max_inflight=4 max_tcp_clients=2
conf_upstream "$C" u1 address="127.0.0.1:$UP" auth_name=dot.test
start_dotfwd "$C" "$DP"

dnsq udp-burst -p "$DP" -n 12 -t 5 a.test b.test/A nope.test
check "healthy upstream, burst of 12 (max_inflight 4): one reply each" grep -q '^udp-burst 12/12 answered' "$T/dnsq.out"
grep '^udp-burst' "$T/dnsq.out" | diag -

UBPID=$(cat "$T/u1.pid")
kill -STOP "$UBPID"
dnsq udp-burst -p "$DP" -n 12 -t 5 a.test b.test/A
burst_sf() {
	grep -qE '^udp-burst 12/12 answered, rcodes SERVFAIL:12, last after [0-9]+ ms$' "$T/dnsq.out" &&
	[ "$(sed -n 's/.*last after \([0-9]*\) ms.*/\1/p' "$T/dnsq.out")" -lt "$LIMIT_MS" ]
}
check "hung upstream, burst of 12: exactly one SERVFAIL each, all within $LIMIT_MS ms" burst_sf
grep '^udp-burst' "$T/dnsq.out" | diag -
kill -CONT "$UBPID"

ok_again=
for i in $(seq 40); do
	qdig @127.0.0.1 -p "$DP" a.test A
	answer_is NOERROR 192.0.2.1 && { ok_again=1; break; }
	sleep 0.25
done
check "answers again after the upstream resumes" [ -n "$ok_again" ]
dnsq udp-seq -p "$DP" -n 30 -t 3 -d 30 a.test b.test/A
check "30 sequential queries all answered: no in-flight slot leaked" grep -q '^udp-seq 30/30 ok' "$T/dnsq.out"

# TCP client pool.
python3 "$DNSQ" tcp-hold -p "$DP" -n 2 -t 3 a.test >"$T/hold.out" 2>&1 &
hold=$!
PIDS+=("$hold")
sleep 1
qdig @127.0.0.1 -p "$DP" b.test A
check "udp answered while the tcp client pool is full" answer_is NOERROR 192.0.2.2
wait "$hold"
LAST_OUT="$T/hold.out"
check "third tcp client (max_tcp_clients 2) served once the others close" \
    grep -q 'answered-after-release=yes' "$T/hold.out"
grep '^tcp-hold' "$T/hold.out" | diag -
qdig @127.0.0.1 -p "$DP" +tcp a.test A
check "tcp works after the pool drained" answer_is NOERROR 192.0.2.1
check "dotfwd still running" alive "$DF_PID"
finish
