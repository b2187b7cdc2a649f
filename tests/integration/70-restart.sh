#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 70-restart: the upstream dies -> every query gets SERVFAIL within
# timeout_ms; the upstream comes back on the same port -> answers again
# within seconds, same dotfwd process (no restart).  Then the same with an
# upstream that hangs (SIGSTOP: the connection stays up, nothing answers).
. "$(dirname "$0")/lib.sh"
need dig python3 openssl unbound
need_dotfwd

TIMEOUT_MS=1500
LIMIT_MS=$((TIMEOUT_MS + 1000 * SLOW))	# timeout_ms + margin

gen_pki
UP=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_unbound "$UP" "$PKI/dot.pem" "$PKI/dot.key" u1
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP" timeout_ms=$TIMEOUT_MS
conf_upstream "$C" u1 address="127.0.0.1:$UP" auth_name=dot.test
start_dotfwd "$C" "$DP"
PID0=$DF_PID

qdig @127.0.0.1 -p "$DP" a.test A
check "answer before the upstream dies" answer_is NOERROR 192.0.2.1

# timed_servfail DESC DIG-ARGS...: SERVFAIL within LIMIT_MS
timed_servfail() {
	local desc=$1 t0 el
	shift
	t0=$(ms)
	qdig @127.0.0.1 -p "$DP" "$@"
	el=$(($(ms) - t0))
	sf() { answer_is SERVFAIL && [ -z "$(dig_answers)" ] && [ "$el" -lt "$LIMIT_MS" ]; }
	check "$desc: SERVFAIL in $el ms (< $LIMIT_MS)" sf
}

# wait_answer DESC: answers again within 10 s (bounded retry loop)
wait_answer() {
	local desc=$1 t0 i got=
	t0=$(ms)
	for i in $(seq 40); do
		qdig @127.0.0.1 -p "$DP" a.test A
		answer_is NOERROR 192.0.2.1 && { got=1; break; }
		[ $(($(ms) - t0)) -gt $((10000 * SLOW)) ] && break
		sleep 0.25
	done
	check "$desc: answers again after $(($(ms) - t0)) ms ($i tries)" [ -n "$got" ]
}

# ---- killed
stop_unbound u1
timed_servfail "upstream killed, udp query 1" a.test A
timed_servfail "upstream killed, udp query 2" b.test A
timed_servfail "upstream killed, tcp query" +tcp a.test AAAA
sleep 1
timed_servfail "upstream killed, udp query after 1 s" a.test A
check "dotfwd still running with the upstream down" alive "$PID0"

restart_unbound u1
wait_answer "upstream restarted"
dnsq udp-seq -p "$DP" -n 20 -t 3 -d 30 a.test b.test/A
check "20 queries answered after the restart" grep -q '^udp-seq 20/20 ok' "$T/dnsq.out"
check "same dotfwd process (pid $PID0), not restarted" alive "$PID0"
n=$(count_handshakes "127.0.0.1:$UP")
LAST_OUT=
check "a new handshake after the restart (log has $n)" [ "$n" -ge 2 ]

# ---- hung (SIGSTOP): connection up, no answers
UBPID=$(cat "$T/u1.pid")
kill -STOP "$UBPID"
timed_servfail "upstream hung, udp query" a.test A
timed_servfail "upstream hung, tcp query" +tcp b.test A
kill -CONT "$UBPID"
wait_answer "upstream resumed"
# Late answers to the timed-out queries must not reach anyone (IDs differ).
dnsq udp-seq -p "$DP" -n 20 -t 3 -d 30 a.test b.test/A
check "20 queries answered after the hang, no stray replies" grep -q '^udp-seq 20/20 ok' "$T/dnsq.out"
check "same dotfwd process (pid $PID0) at the end" alive "$PID0"
finish
