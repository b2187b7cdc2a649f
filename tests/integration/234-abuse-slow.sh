#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 234-abuse-slow: slow names must not flap upstreams (issue 10, item 5).
# The upstream answers names starting with "slow" after 1.5 s (dotfault
# --delay 1500 --delay-slow-only); timeout_ms is 2500, so the silence
# limit (max(500, timeout_ms / 2) = 1250 ms) passes first.  On a quiet
# connection dotfwd probes it (". NS", answered at once), learns that it
# is alive, and delivers the slow answer: NOERROR, the address never
# "down", no resend to the other address.  A real black hole (SIGUSR1:
# nothing answered, not even the probe) is still caught (and the
# 130-blackhole tests still pass).
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

TIMEOUT_MS=2500
gen_pki
PA=$(free_port) && PB=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault A "$PA" --delay 1500 --delay-slow-only
start_dotfault B "$PB"
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP" timeout_ms=$TIMEOUT_MS policy=ordered
conf_upstream "$C" u1 address="127.0.0.1:$PA 127.0.0.1:$PB" auth_name=dot.test
start_dotfwd "$C" "$DP"
fromB=$(($(ft_lines B) + 1))

# tq DIG-ARGS...: qdig, EL = its time in ms
tq() {
	local t0
	t0=$(ms)
	qdig @127.0.0.1 -p "$DP" "$@"
	EL=$(($(ms) - t0))
}

for i in 1 2 3; do
	sleep 0.3	# a quiet connection: nothing else in flight
	tq "slow.q$i.test" A
	check "slow answer $i (1.5 s, quiet connection): NOERROR in $EL ms (1400..2499)" \
	    eval 'answer_is NOERROR 192.0.2.1 && ge "$EL" 1400 && le "$EL" 2499'
done
dnsq udp-burst -p "$DP" -n 8 -t 4 slow.burst.test a.test
check "a burst of slow and fast names: every one answered once ($(tail -n 1 "$T/dnsq.out"))" \
    grep -qE '^udp-burst 8/8 answered, rcodes NOERROR:8' "$T/dnsq.out"
LAST_OUT=
check "the address was never taken for down" eval '! grep -q "is down" "$DF_LOG"'
check "the probes reached the server (. NS answered at once)" \
    eval '[ "$(ft_count A "query .* name=\\. type=2 ")" -ge 1 ]'
LAST_OUT=$(ft_log B)
check "nothing was resent to the second address" \
    eval '[ "$(ft_count B "query .* name=slow\\." "$fromB")" = 0 ]'
LAST_OUT=
sigusr1_stats
f=$(stat_up "127.0.0.1:$PA" failures) s=$(stat_up "127.0.0.1:$PA" silent) r=$(stat_up "127.0.0.1:$PB" resent)
check "counters: A failures $f, silent $s, B resent $r: all 0" \
    eval '[ "$f" = 0 ] && [ "$s" = 0 ] && [ "$r" = 0 ]'

# a black hole is still one: nothing answered, not even the probe
check "dotfault A black hole on (SIGUSR1)" ft_signal A USR1
tq hole.test A
check "black hole: answered by the second address in $EL ms (< $TIMEOUT_MS)" \
    eval 'answer_is NOERROR 192.0.2.1 && [ "$EL" -lt "$TIMEOUT_MS" ] && [ "$(ft_count B "query .* name=hole\\.test\\. ")" = 1 ]'
check "black hole: the log says the first address is down (server not answering)" \
    grep -qE "upstream 127\.0\.0\.1:$PA \(dot\.test\) is down: server not answering" "$DF_LOG"
ft_signal A USR1
finish
