#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 130-blackhole: a server that keeps its connection open but stops
# answering (dotfault --silent-after N, SIGUSR1 at run time, SIGSTOP).
# After max(500 ms, timeout_ms/2) without an answer dotfwd recycles the
# connection and backs the address off; its queries go to the second
# address while their deadline allows; later queries go straight to the
# healthy address (ordered: first address not backed off), and back to
# the first once it works again.  With no other address: SERVFAIL by
# timeout_ms, then recovery without a restart.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

TIMEOUT_MS=2000
STALL_MS=1000			# max(500, timeout_ms / 2)
LIMIT_MS=$((TIMEOUT_MS + 1000 * SLOW))
gen_pki

# tq DIG-ARGS...: qdig, EL = its time in ms
tq() {
	local t0
	t0=$(ms)
	qdig @127.0.0.1 -p "$DP" "$@"
	EL=$(($(ms) - t0))
}

# answered_by FT FROM NAME: dotfault FT logged a query for NAME since FROM
answered_by() { [ "$(ft_count "$1" "^conn [0-9]+ query .* name=$3\\. " "$2")" -ge 1 ]; }

# wait_back FT: bounded loop until a query is answered by dotfault FT
wait_back() {
	local ft=$1 i from t0
	t0=$(ms)
	for i in $(seq 40); do
		from=$(($(ft_lines "$ft") + 1))
		qdig @127.0.0.1 -p "$DP" "back$i.test" A
		answer_is NOERROR 192.0.2.1 && answered_by "$ft" "$from" "back$i.test" && break
		[ $(($(ms) - t0)) -gt $((15000 * SLOW)) ] && return 1
		sleep 0.25
	done
	BACK_MS=$(($(ms) - t0))
	answer_is NOERROR 192.0.2.1 && answered_by "$ft" "$from" "back$i.test"
}

# check_back NAME FT [EXTRA-COMMAND...]: wait_back FT, then one check
check_back() {
	local name=$1 ft=$2 rc
	shift 2
	BACK_MS='?'
	wait_back "$ft"
	rc=$?
	[ $# -gt 0 ] && { "$@" || rc=1; }
	check "$name ($BACK_MS ms)" [ "$rc" = 0 ]
}

# hole_pace WHAT HEALTHY-FT SICK-FT PFX: 12 queries PFX0..PFX11.test, one
# every 150 ms, the first into the black hole.  All must be NOERROR
# within timeout_ms; the first one after ~STALL_MS (the connection is
# recycled, its queries sent again); those sent after that (the sick
# address backed off for 1 s) answered at once by the healthy address.
hole_pace() {
	local what=$1 good=$2 bad=$3 pfx=$4 fromg fromb l0 lat0 t1 fast names nm
	fromg=$(($(ft_lines "$good") + 1)) fromb=$(($(ft_lines "$bad") + 1))
	dns_pace "$DP" 12 150 3 "$pfx%d.test"
	check "$what: 12 queries, one every 150 ms, all NOERROR within timeout_ms ($(grep '^pace' "$T/pace.out"))" \
	    eval '[ "$(pace_rcode NOERROR)" = 12 ] && le "$(pace_field max_ms)" $((TIMEOUT_MS - 1))'
	l0=$(sed -n '1p' "$T/pace.out")
	lat0=$(echo "$l0" | awk '{print $4}')
	check "$what: the first, into the black hole, answered after ~$STALL_MS ms ($lat0 ms)" \
	    ge "$lat0" $((STALL_MS - 200))
	t1=$(echo "$l0" | awk '{print $2 + $4}')
	# queries sent after the first answer, answered fast
	names=$(awk -v t1="$t1" '$2 > t1 && $3 == "NOERROR" && $4 >= 0 && $4 < 500 {print $1}' "$T/pace.out" )
	fast=$(echo "$names" | wc -w)
	check "$what: queries sent after the recycle answered at once ($fast >= 2)" [ "$fast" -ge 2 ]
	LAST_OUT=$(ft_log "$good")
	for nm in $names; do
		answered_by "$good" "$fromg" "$pfx$nm.test" && ! answered_by "$bad" "$fromb" "$pfx$nm.test" || {
			not_ok "$what: $pfx$nm.test answered by the healthy address, not the backed-off one"
			LAST_OUT=
			return
		}
	done
	ok "$what: ... by the healthy address, the backed-off one never saw them"
	check "$what: the first query too, sent again" answered_by "$good" "$fromg" "${pfx}0.test"
	LAST_OUT=
}

# ---- 1: first address goes silent after 3 answers on each connection
PA=$(free_port) && PB=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault A "$PA" --silent-after 3
start_dotfault B "$PB"
C="$T/silent-after.conf"
: >"$C"
conf_main "$C" "$DP" timeout_ms=$TIMEOUT_MS policy=ordered
conf_upstream "$C" u1 address="127.0.0.1:$PA 127.0.0.1:$PB" auth_name=dot.test
start_dotfwd "$C" "$DP"		# ready.test: answer 1 from A
tq q1.test A && tq q2.test A	# answers 2 and 3: A's connection goes silent
check "silent-after 3: first answers from A" eval 'answer_is NOERROR 192.0.2.1 && answered_by A 1 q2.test'
hole_pace "silent-after 3" B A hole
check "silent-after 3: log says the first address is down (server not answering)" \
    grep -qE "upstream 127\.0\.0\.1:$PA \(dot\.test\) is down: server not answering" "$DF_LOG"
sigusr1_stats
s=$(stat_up "127.0.0.1:$PA" silent) st=$(stat_up_state "127.0.0.1:$PA") rs=$(stat_up "127.0.0.1:$PB" resent)
check "silent-after 3: counters A silent $s >= 1, A $st, B resent $rs >= 1" \
    eval 'ge "$s" 1 && [ "$st" = down ] && ge "$rs" 1'
# the back-off (1 s) ends: ordered goes back to the first address
sleep 1.2
check_back "silent-after 3: after the back-off the first address answers again" A
check "silent-after 3: log says the first address is back" \
    grep -qE "upstream 127\.0\.0\.1:$PA \(dot\.test\) is back" "$DF_LOG"
stop_dotfwd

# ---- 2: black hole switched on at run time (SIGUSR1), then SIGSTOP
PA=$(free_port) && PB=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault A2 "$PA"
start_dotfault B2 "$PB"
C="$T/runtime.conf"
: >"$C"
conf_main "$C" "$DP" timeout_ms=$TIMEOUT_MS policy=ordered
conf_upstream "$C" u1 address="127.0.0.1:$PA" auth_name=dot.test
conf_upstream "$C" u2 address="127.0.0.1:$PB" auth_name=dot.test
start_dotfwd "$C" "$DP"
tq a.test A
check "runtime: answer from the first address before" eval 'answer_is NOERROR 192.0.2.1 && answered_by A2 1 a.test'
check "runtime: dotfault black hole on (SIGUSR1)" ft_signal A2 USR1
hole_pace "runtime" B2 A2 rt
fromB=$(($(ft_lines B2) + 1))
sleep 1		# the first address's back-off ends; it goes on being tried
par_dig 10 @127.0.0.1 -p "$DP" a.test A
check "runtime: 10 parallel digs all NOERROR ($PAR_NOERROR), slowest $PAR_MAX_MS ms < $TIMEOUT_MS" \
    eval '[ "$PAR_NOERROR" = 10 ] && [ "$PAR_MULTI" = 0 ] && [ "$PAR_MAX_MS" -lt "$TIMEOUT_MS" ]'
LAST_OUT=$(ft_log B2)
check "runtime: the second address answered them ($(ft_count B2 '^conn [0-9]+ answer ' "$fromB"))" \
    [ "$(ft_count B2 '^conn [0-9]+ answer ' "$fromB")" -ge 10 ]
LAST_OUT=
sigusr1_stats
s=$(stat_up "127.0.0.1:$PA" silent)
check "runtime: counters A silent $s >= 1" ge "$s" 1
check "runtime: dotfault black hole off (SIGUSR1)" ft_signal A2 USR1
check_back "runtime: the first address answers again" A2
# SIGSTOP: the same from dotwfd's side (connection up, nothing answers)
kill -STOP "$(ft_pid A2)"
fromB=$(($(ft_lines B2) + 1))
tq stopped.test A
check "SIGSTOP: query answered NOERROR in $EL ms (< $TIMEOUT_MS) by the second address" \
    eval 'answer_is NOERROR 192.0.2.1 && [ "$EL" -lt "$TIMEOUT_MS" ] && answered_by B2 "$fromB" stopped.test'
kill -CONT "$(ft_pid A2)"
check_back "SIGCONT: the first address answers again" A2
stop_dotfwd

# ---- 3: the only address is a black hole: SERVFAIL by timeout_ms
PA=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault A3 "$PA"
C="$T/only.conf"
: >"$C"
conf_main "$C" "$DP" timeout_ms=$TIMEOUT_MS
conf_upstream "$C" u1 address="127.0.0.1:$PA" auth_name=dot.test
start_dotfwd "$C" "$DP"
PID0=$DF_PID
ft_signal A3 USR1
for i in 1 2 3; do
	tq "only$i.test" A
	check "only address silent, query $i: SERVFAIL in $EL ms (<= $LIMIT_MS)" \
	    eval 'answer_is SERVFAIL && [ "$EL" -le "$LIMIT_MS" ]'
done
dnsq udp-burst -p "$DP" -n 10 -t $((LIMIT_MS / 1000 + 1)) a.test
check "only address silent: a burst of 10, each answered once ($(tail -n 1 "$T/dnsq.out"))" \
    grep -qE '^udp-burst 10/10 answered, rcodes SERVFAIL:10,? ' "$T/dnsq.out"
sigusr1_stats
s=$(stat_up "127.0.0.1:$PA" silent) to=$(stat_total timeouts) sf=$(stat_total servfail)
check "only address silent: counters silent $s >= 1, servfail $sf >= 13" eval 'ge "$s" 1 && ge "$sf" 13'
diag "servfail by deadline (timeouts): $to"
ft_signal A3 USR1
check_back "only address back: answers again, same dotfwd" A3 alive "$PID0"
stop_dotfwd
finish
