#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 120-close-reset: the server closes (close_notify + FIN) or resets (RST)
# its connection after N answers while more queries are in flight.  Every
# client gets exactly one answer: the queries of the dead connection are
# sent once more (on a new connection, another address when there is
# one) while their deadline allows, else SERVFAIL.  UDP bursts, a TCP
# pipeline and parallel digs; the counters show the resends.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

TIMEOUT_MS=2000
LIMIT_MS=$((TIMEOUT_MS + 1000 * SLOW))
gen_pki

# burst_case WHAT N: a UDP burst of N, a TCP pipeline of N, N parallel
# digs: each client gets exactly one answer within timeout_ms + margin.
# With ALL_NOERROR=1 every answer must be NOERROR (a healthy second
# address takes the resends).
burst_case() {
	local what=$1 n=$2 ne
	dnsq udp-burst -p "$DP" -n "$n" -t $((LIMIT_MS / 1000 + 1)) a.test
	ne=$(grep -oE 'NOERROR:[0-9]+' "$T/dnsq.out" | cut -d: -f2)
	check "$what: udp burst of $n, each answered once ($(head -n 2 "$T/dnsq.out" | tail -n 1))" \
	    grep -qE "^udp-burst $n/$n answered, .* last after [0-9]+ ms\$" "$T/dnsq.out"
	[ "${ALL_NOERROR:-0}" = 1 ] &&
	    check "$what: udp burst all NOERROR (${ne:-0}/$n)" [ "${ne:-0}" = "$n" ]
	last=$(grep -oE 'last after [0-9]+' "$T/dnsq.out" | grep -oE '[0-9]+$')
	check "$what: udp burst all answered within $LIMIT_MS ms (${last:-?})" le "${last:-}" "$LIMIT_MS"
	if [ "${ALL_NOERROR:-0}" = 1 ]; then
		dnsq tcp-pipe -p "$DP" -n "$n" -t 4 -d 10 a.test
		check "$what: tcp pipeline of $n all answered NOERROR" grep -q "^tcp-pipe $n/$n ok" "$T/dnsq.out"
	fi
	par_dig "$n" @127.0.0.1 -p "$DP" a.test A
	check "$what: $n parallel digs, each exactly one reply ($PAR_REPLIES, none $PAR_NONE, more $PAR_MULTI)" \
	    [ "$PAR_REPLIES" = "$n" ]
	[ "${ALL_NOERROR:-0}" = 1 ] &&
	    check "$what: $n parallel digs all NOERROR ($PAR_NOERROR)" [ "$PAR_NOERROR" = "$n" ]
	LAST_OUT=
}

# ---- one address: close after 5 answers
P1=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault close1 "$P1" --close-after 5 --delay 20
C="$T/close1.conf"
: >"$C"
conf_main "$C" "$DP" timeout_ms=$TIMEOUT_MS
conf_upstream "$C" u1 address="127.0.0.1:$P1" auth_name=dot.test
start_dotfwd "$C" "$DP"
ALL_NOERROR=0 burst_case "one address, close after 5" 30
LAST_OUT=$(ft_log close1)
check "one address, close after 5: dotfault closed connections (close-after)" \
    [ "$(ft_count close1 'close reason=close-after')" -ge 2 ]
LAST_OUT=
sigusr1_stats
U="127.0.0.1:$P1"
rs=$(stat_up "$U" resent) lost=$(stat_up "$U" lost) an=$(stat_up "$U" answers)
check "one address, close after 5: counters resent $rs >= 1, lost $lost >= 1, answers $an >= 10" \
    eval 'ge "$rs" 1 && ge "$lost" 1 && ge "$an" 10'
uq=$(stat_up "$U" queries) cq=$(( $(stat_total udp) + $(stat_total tcp) ))
check "one address, close after 5: each query sent at most twice (upstream $uq <= 2 x $cq)" le "$uq" $((2 * cq))
qdig @127.0.0.1 -p "$DP" a.test A
check "one address, close after 5: a single query afterwards answered" answer_is NOERROR 192.0.2.1
stop_dotfwd

# ---- one address: reset after 5 answers
P2=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault reset1 "$P2" --reset-after 5 --delay 20
C="$T/reset1.conf"
: >"$C"
conf_main "$C" "$DP" timeout_ms=$TIMEOUT_MS
conf_upstream "$C" u1 address="127.0.0.1:$P2" auth_name=dot.test
start_dotfwd "$C" "$DP"
ALL_NOERROR=0 burst_case "one address, reset after 5" 30
LAST_OUT=$(ft_log reset1)
check "one address, reset after 5: dotfault reset connections" \
    [ "$(ft_count reset1 'close reason=reset-after')" -ge 2 ]
LAST_OUT=
sigusr1_stats
U="127.0.0.1:$P2"
rs=$(stat_up "$U" resent) an=$(stat_up "$U" answers)
f=$(( $(stat_up "$U" lost) + $(stat_up "$U" failures) ))
check "one address, reset after 5: counters resent $rs >= 1, lost+failures $f >= 1, answers $an >= 10" \
    eval 'ge "$rs" 1 && ge "$f" 1 && ge "$an" 10'
uq=$(stat_up "$U" queries) cq=$(( $(stat_total udp) + $(stat_total tcp) ))
check "one address, reset after 5: each query sent at most twice (upstream $uq <= 2 x $cq)" le "$uq" $((2 * cq))
check "one address, reset after 5: dotfwd still running" alive "$DF_PID"
stop_dotfwd

# ---- two addresses: the first closes / resets mid-stream, the second is
# healthy: every query answered NOERROR
for kind in close reset; do
	PA=$(free_port) && PB=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
	start_dotfault "${kind}A" "$PA" --"$kind"-after 5 --delay 20
	start_dotfault "${kind}B" "$PB"
	C="$T/$kind-2.conf"
	: >"$C"
	conf_main "$C" "$DP" timeout_ms=$TIMEOUT_MS policy=ordered
	conf_upstream "$C" u1 address="127.0.0.1:$PA 127.0.0.1:$PB" auth_name=dot.test
	start_dotfwd "$C" "$DP"
	ALL_NOERROR=1 burst_case "two addresses, $kind after 5" 30
	LAST_OUT=$(ft_log "${kind}A")
	check "two addresses, $kind after 5: the first address $kind connections mid-stream" \
	    [ "$(ft_count "${kind}A" "close reason=$kind-after")" -ge 1 ]
	LAST_OUT=$(ft_log "${kind}B")
	check "two addresses, $kind after 5: the second address answered some" \
	    [ "$(ft_count "${kind}B" '^conn [0-9]+ answer ')" -ge 1 ]
	LAST_OUT=
	sigusr1_stats
	rs=$(( $(stat_up "127.0.0.1:$PA" resent) + $(stat_up "127.0.0.1:$PB" resent) ))
	sf=$(stat_total servfail)
	check "two addresses, $kind after 5: counters resent $rs >= 1, servfail $sf = 0" \
	    eval 'ge "$rs" 1 && [ "$sf" = 0 ]'
	stop_dotfwd
done
finish
