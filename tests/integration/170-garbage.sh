#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 170-garbage: the server sends 64 random bytes inside its TLS stream
# (dotfault --garbage-after 2) or answers with the wrong ID (dotfault
# --wrong-id-after 2); a second, healthy address is configured.  Clients
# still get answers (connection recycled, queries sent again) or SERVFAIL
# within timeout_ms, never a hang or a duplicate; no answer meant for
# another ID reaches a client; dotfwd stays up.  Then the same with no
# other address: SERVFAIL by timeout_ms at worst.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

TIMEOUT_MS=2000
LIMIT_MS=$((TIMEOUT_MS + 1000 * SLOW))
gen_pki

# fault_case KIND OPT: first address with OPT, second healthy
fault_case() {
	local kind=$1 opt=$2 pa pb n ne mx
	pa=$(free_port) && pb=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
	start_dotfault "${kind}A" "$pa" "$opt" 2
	start_dotfault "${kind}B" "$pb"
	C="$T/$kind.conf"
	: >"$C"
	conf_main "$C" "$DP" timeout_ms=$TIMEOUT_MS policy=ordered
	conf_upstream "$C" u1 address="127.0.0.1:$pa 127.0.0.1:$pb" auth_name=dot.test
	start_dotfwd "$C" "$DP"
	# one after another, 150 ms apart: each meets the fault in turn
	dns_pace "$DP" 20 150 $((LIMIT_MS / 1000 + 2)) a.test
	n=$(pace_field answered) ne=$(pace_rcode NOERROR) mx=$(pace_field max_ms)
	check "$kind: 20 paced queries, each exactly one reply ($(grep '^pace' "$T/pace.out"))" \
	    eval '[ "$n" = 20 ] && [ "$(pace_field duplicate)" = 0 ]'
	check "$kind: each within timeout_ms + margin (slowest $mx ms <= $LIMIT_MS)" le "$mx" "$LIMIT_MS"
	check "$kind: NOERROR or SERVFAIL only, NOERROR $ne >= 18" \
	    eval '[ $((ne + $(pace_rcode SERVFAIL))) = 20 ] && [ "$ne" -ge 18 ]'
	dnsq udp-burst -p "$DP" -n 20 -t $((LIMIT_MS / 1000 + 1)) a.test
	check "$kind: a burst of 20, each answered once, IDs and questions right ($(tail -n 1 "$T/dnsq.out"))" \
	    grep -q '^udp-burst 20/20 answered' "$T/dnsq.out"
	par_dig 10 @127.0.0.1 -p "$DP" a.test A
	check "$kind: 10 parallel digs, one reply each, no ID mismatch" \
	    eval '[ "$PAR_REPLIES" = 10 ] && ! grep -qi mismatch "$T"/par.*.out'
	LAST_OUT=$(ft_log "${kind}A")
	check "$kind: the first address did misbehave" \
	    [ "$(ft_count "${kind}A" "$3")" -ge 1 ]
	LAST_OUT=
	sigusr1_stats
	rs=$(stat_up "127.0.0.1:$pb" resent) ab=$(stat_up "127.0.0.1:$pb" answers)
	check "$kind: counters: second address resent $rs >= 1, answers $ab >= 1" eval 'ge "$rs" 1 && ge "$ab" 1'
	check "$kind: dotfwd still running" alive "$DF_PID"
	stop_dotfwd
}

fault_case garbage --garbage-after 'garbage len=64'
fault_case wrongid --wrong-id-after 'wrong_id=1'

# ---- no other address: answers or SERVFAIL in time, never a hang
PA=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault only "$PA" --garbage-after 2
C="$T/only.conf"
: >"$C"
conf_main "$C" "$DP" timeout_ms=$TIMEOUT_MS
conf_upstream "$C" u1 address="127.0.0.1:$PA" auth_name=dot.test
start_dotfwd "$C" "$DP"
dns_pace "$DP" 10 300 $((LIMIT_MS / 1000 + 2)) a.test
mx=$(pace_field max_ms)
check "garbage, only address: 10 queries, one reply each, slowest $mx ms <= $LIMIT_MS ($(grep '^pace' "$T/pace.out"))" \
    eval '[ "$(pace_field answered)" = 10 ] && [ "$(pace_field duplicate)" = 0 ] && le "$mx" "$LIMIT_MS"'
qdig @127.0.0.1 -p "$DP" a.test A
check "garbage, only address: dotfwd still answers" eval 'answer_is NOERROR 192.0.2.1 || answer_is SERVFAIL'
check "garbage, only address: dotfwd still running" alive "$DF_PID"
finish
