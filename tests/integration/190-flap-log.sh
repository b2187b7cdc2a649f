#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 190-flap-log: the only upstream completes every TLS handshake but never
# answers (dotfault --silent-after 0): from the client's side it is down.
# Every query gets SERVFAIL by timeout_ms, dotfwd keeps running, and at
# the default log level (info, no -v) the log stays under the same fixed
# bound as for an upstream that refuses connections (140-down-20s):
# repeated errors are logged at a bounded rate (SPEC section 4), not a
# down/back pair per reconnect.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

TIMEOUT_MS=1500
LIMIT_MS=$((TIMEOUT_MS + 1000 * SLOW))
SECS=15
LOG_BOUND=5
gen_pki
P=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault mute "$P" --silent-after 0
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP" timeout_ms=$TIMEOUT_MS log_level=info
conf_upstream "$C" u1 address="127.0.0.1:$P" auth_name=dot.test
launch_dotfwd_quiet "$C"
wait_dotfwd "$DP"
PID0=$DF_PID
U="127.0.0.1:$P (dot.test)"

n0=$(df_lines)
dns_pace "$DP" $((SECS * 5)) 200 $((LIMIT_MS / 1000 + 1)) a.test
sum=$(grep '^pace' "$T/pace.out")
check "mute upstream: $((SECS * 5)) queries (one per 200 ms) each one SERVFAIL ($sum)" \
    eval '[ "$(pace_rcode SERVFAIL)" = $((SECS * 5)) ] && [ "$(pace_field duplicate)" = 0 ]'
mx=$(pace_field max_ms)
check "mute upstream: each by timeout_ms (slowest $mx ms <= $LIMIT_MS)" le "$mx" "$LIMIT_MS"
LAST_OUT=
check "mute upstream: dotfwd still running (pid $PID0)" alive "$PID0"
df_since "$n0" >"$T/mute.log"
n=$(wc -l <"$T/mute.log")
diag "log lines in $SECS s, by count:"
sort "$T/mute.log" | uniq -c | sort -rn | diag -
LAST_OUT=
check "mute upstream: $n log lines in $SECS s (<= $LOG_BOUND)" [ "$n" -le "$LOG_BOUND" ]
nd=$(grep -cF "warning: upstream $U is down: server not answering" "$DF_LOG")
check "mute upstream: \"is down: server not answering\" logged once since the start ($nd)" [ "$nd" -eq 1 ]
check "mute upstream: never logged as back" [ "$(grep -cF "upstream $U is back" "$DF_LOG")" -eq 0 ]
LAST_OUT=
sigusr1_stats
s=$(stat_up "127.0.0.1:$P" silent)
check "mute upstream: counters silent $s >= 1" ge "$s" 1
finish
