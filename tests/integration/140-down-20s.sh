#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 140-down-20s: the only upstream is down for 20 s while a client asks
# every 200 ms: each query gets SERVFAIL at once; dotfwd still tries to
# connect, at most once a second; at the default log level (info, no -v)
# it logs one "is down" warning and no line per query or attempt (a
# fixed small bound).  The upstream comes back on the same port: answers
# within about a second, same dotfwd process, one "is back" line.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

TIMEOUT_MS=1500
DOWN_S=20
LOG_BOUND=5
gen_pki
P=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault up "$P"
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP" timeout_ms=$TIMEOUT_MS log_level=info
conf_upstream "$C" u1 address="127.0.0.1:$P" auth_name=dot.test
launch_dotfwd_quiet "$C"
wait_dotfwd "$DP"
PID0=$DF_PID
U="127.0.0.1:$P (dot.test)"

qdig @127.0.0.1 -p "$DP" a.test A
check "answer before the upstream goes down" answer_is NOERROR 192.0.2.1
check "log level info: no debug lines" eval '! grep -q "^dotfwd: debug:" "$DF_LOG"'

n0=$(df_lines)
stop_dotfault up
t0=$(ms)
dns_pace "$DP" $((DOWN_S * 5)) 200 3 a.test
took=$(($(ms) - t0))
sum=$(grep '^pace' "$T/pace.out")
check "down ${took} ms: every one of $((DOWN_S * 5)) queries (one per 200 ms) got one reply ($sum)" \
    eval '[ "$(pace_field answered)" = $((DOWN_S * 5)) ] && [ "$(pace_field duplicate)" = 0 ]'
check "down: all SERVFAIL" [ "$(pace_rcode SERVFAIL)" = $((DOWN_S * 5)) ]
mx=$(pace_field max_ms)
check "down: SERVFAIL quickly (slowest $mx ms < $TIMEOUT_MS)" le "$mx" $((TIMEOUT_MS - 1))
LAST_OUT=
df_since "$n0" >"$T/down.log"
n=$(wc -l <"$T/down.log")
diag "log lines while down:" && diag - <"$T/down.log"
LAST_OUT="$T/down.log"
check "down: $n log lines in $((took / 1000)) s (<= $LOG_BOUND)" [ "$n" -le "$LOG_BOUND" ]
check "down: one \"is down\" warning" \
    [ "$(grep -cF "warning: upstream $U is down: " "$T/down.log")" -eq 1 ]
check "down: it says \"connection refused\"" grep -qF "upstream $U is down: connection refused" "$T/down.log"
check "down: no \"still down\" line within a minute" [ "$(grep -c 'still down' "$T/down.log")" -eq 0 ]
LAST_OUT=
sigusr1_stats
st=$(stat_up_state "127.0.0.1:$P") nw=$(stat_up "127.0.0.1:$P" network)
check "down: counters say down, network failures $nw (one attempt a second: 10..$((DOWN_S + 3)))" \
    eval '[ "$st" = down ] && ge "$nw" 10 && le "$nw" $((DOWN_S + 3))'

# ---- back on the same port
restart_dotfault up
t0=$(ms)
got=
for i in $(seq 50); do
	qdig @127.0.0.1 -p "$DP" a.test A
	answer_is NOERROR 192.0.2.1 && { got=1; break; }
	[ $(($(ms) - t0)) -gt $((10000 * SLOW)) ] && break
	sleep 0.2
done
el=$(($(ms) - t0))
check "back: answered $el ms after the upstream restarted ($i tries; about a second, <= $((3000 * SLOW)))" \
    eval '[ -n "$got" ] && [ "$el" -le $((3000 * SLOW)) ]'
dnsq udp-seq -p "$DP" -n 20 a.test
check "back: 20 queries answered" grep -q '^udp-seq 20/20 ok' "$T/dnsq.out"
LAST_OUT=
check "back: same dotfwd process (pid $PID0)" alive "$PID0"
check "back: one \"is back\" line" [ "$(grep -cF "upstream $U is back" "$DF_LOG")" -eq 1 ]
check "whole run: one \"is down\" line" [ "$(grep -cF "upstream $U is down" "$DF_LOG")" -eq 1 ]
sigusr1_stats
st=$(stat_up_state "127.0.0.1:$P")
check "back: counters say up" [ "$st" = up ]
finish
