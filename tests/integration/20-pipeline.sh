#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 20-pipeline: TCP clients that pipeline (RFC 7766): many queries written
# before any answer is read, framing split across segments, several
# clients at once, kdig keeping one connection open, dnsperf over UDP and
# TCP; all of it over one upstream connection.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl unbound
need_dotfwd

gen_pki
UP=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_unbound "$UP" "$PKI/dot.pem" "$PKI/dot.key" u1
C="$T/dotfwd.conf"
# source_inflight 128: the four clients below have up to 100 queries out
# at once from 127.0.0.1 (the default 64 answers SERVFAIL beyond that,
# see 231-abuse-share)
: >"$C"
conf_main "$C" "$DP" source_inflight=128
conf_upstream "$C" u1 "address=127.0.0.1:$UP" auth_name=dot.test
start_dotfwd "$C" "$DP"

MIX="a.test b.test/A a.test/AAAA nope.test mid.test/A big.test/TXT a.test/MX"

# shellcheck disable=SC2086
dnsq tcp-pipe -p "$DP" -n 20 -t 5 -d 20 $MIX
check "20 pipelined queries on one tcp connection, all answered and matched" \
    grep -q '^tcp-pipe 20/20 ok' "$T/dnsq.out"
grep '^tcp-pipe' "$T/dnsq.out" | diag -

# shellcheck disable=SC2086
dnsq tcp-pipe -p "$DP" -n 20 -t 5 -d 20 --split 7 $MIX
check "20 pipelined queries written in 7-byte pieces" grep -q '^tcp-pipe 20/20 ok' "$T/dnsq.out"

dnsq tcp-pipe -p "$DP" -n 1 -t 5 -d 20 --split 1 a.test
check "one query written a byte at a time" grep -q '^tcp-pipe 1/1 ok' "$T/dnsq.out"

dnsq tcp-pipe -p "$DP" -n 100 -t 5 -d 20 a.test b.test/A nope.test
check "100 pipelined queries on one tcp connection" grep -q '^tcp-pipe 100/100 ok' "$T/dnsq.out"

# Four pipelining clients at once.
pids=()
for i in 1 2 3 4; do
	# shellcheck disable=SC2086
	python3 "$DNSQ" tcp-pipe -p "$DP" -n 25 -t 5 -d 20 $MIX >"$T/par$i.out" 2>&1 &
	pids+=($!)
	PIDS+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
cat "$T"/par?.out >"$T/par.out"
LAST_OUT="$T/par.out"
check "4 concurrent pipelining tcp clients, 25 queries each" \
    [ "$(grep -c '^tcp-pipe 25/25 ok' "$T/par.out")" -eq 4 ]
for p in "${pids[@]}"; do stop_pid "$p"; done

if have kdig; then
	qkdig @127.0.0.1 -p "$DP" +tcp +keepopen a.test A b.test A nope.test A
	kd_ok() {
		grep -q 'a\.test\..*A.*192\.0\.2\.1' "$T/dig.out" &&
		grep -q 'b\.test\..*A.*192\.0\.2\.2' "$T/dig.out" &&
		grep -q 'status: NXDOMAIN' "$T/dig.out"
	}
	check "kdig +keepopen: three queries on one tcp connection" kd_ok
else
	skip "kdig +keepopen" "kdig not installed"
fi

if have dnsperf; then
	printf 'a.test A\nb.test A\nnope.test A\na.test AAAA\n' >"$T/perf.txt"
	for mode in udp tcp; do
		LAST_OUT="$T/perf-$mode.out"
		timeout 30 dnsperf -m "$mode" -s 127.0.0.1 -p "$DP" -d "$T/perf.txt" \
		    -n 100 -q 40 -t 5 -l 20 -c 2 >"$LAST_OUT" 2>&1
		lost=$(sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' "$LAST_OUT")
		done_=$(sed -n 's/^ *Queries completed: *\([0-9]*\).*/\1/p' "$LAST_OUT")
		perf_ok() { [ "${lost:-x}" = 0 ] && [ "${done_:-0}" -eq 400 ]; }
		check "dnsperf $mode: 400 queries, 40 outstanding, none lost (completed ${done_:-?}, lost ${lost:-?})" perf_ok
	done
else
	skip "dnsperf" "dnsperf not installed"
fi

LAST_OUT=
n=$(count_handshakes "127.0.0.1:$UP")
check "one TLS handshake to 127.0.0.1:$UP for $(ub_queries u1 | wc -l) queries (log has $n)" [ "$n" -eq 1 ]
check "dotfwd still running" alive "$DF_PID"
finish
