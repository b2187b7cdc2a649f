#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 180-backoff: a failed address backs off 1 s, doubling (2 s, 4 s ...):
# with a dead first address and a healthy second one, queries every
# 200 ms all go to the second, and the first is tried only when its
# back-off ends (attempts at about 0, 1, 3 s), not per query.  When it
# comes back it is used again (ordered) once its back-off ends, and its
# first answer resets the back-off: the next outage starts at 1 s again.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

gen_pki
PA=$(free_port) && PB=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault B "$PB"
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP" policy=ordered timeout_ms=1500
conf_upstream "$C" u1 address="127.0.0.1:$PA 127.0.0.1:$PB" auth_name=dot.test
start_dotfwd "$C" "$DP"	# ready.test: first attempt on the dead first address
A="127.0.0.1:$PA (dot.test)"

# retries FROM: the "retry in N ms" values logged for A since line FROM
retries() { df_since "$1" | grep -F "upstream $A: connection failed" | grep -oE 'retry in [0-9]+' | grep -oE '[0-9]+' | tr '\n' ' '; }

# ---- 4.4 s of queries with the first address dead
dns_pace "$DP" 22 200 3 a.test
check "first dead: 22 queries every 200 ms all NOERROR from the second ($(grep '^pace' "$T/pace.out"))" \
    eval '[ "$(pace_rcode NOERROR)" = 22 ] && le "$(pace_field max_ms)" 500'
LAST_OUT=
r=$(retries 0)
check "first dead: back-off doubles: retry in 2000 then 4000 ms (logged: $r)" [ "$r" = "2000 4000 " ]
sigusr1_stats
nw=$(stat_up "127.0.0.1:$PA" network)
check "first dead: 3 connection attempts in ~4.5 s, not one per query (network $nw)" [ "$nw" = 3 ]
check "first dead: one \"is down\" line" [ "$(grep -cF "upstream $A is down: connection refused" "$DF_LOG")" -eq 1 ]

# ---- the first address comes back: used again when its back-off (until
# ~7 s) ends
start_dotfault A "$PA"
t0=$(ms)
got=
for i in $(seq 40); do
	qdig @127.0.0.1 -p "$DP" "back$i.test" A
	[ "$(ft_count A "name=back$i\\.test\\. ")" -ge 1 ] && { got=1; break; }
	[ $(($(ms) - t0)) -gt $((8000 * SLOW)) ] && break
	sleep 0.2
done
el=$(($(ms) - t0))
check "first back: used again after its back-off ($el ms, <= $((5000 * SLOW)))" \
    eval '[ -n "$got" ] && [ "$el" -le $((5000 * SLOW)) ]'
check "first back: log says it is back" grep -qF "upstream $A is back" "$DF_LOG"

# ---- down again: the back-off starts over at 1 s
n0=$(df_lines)
stop_dotfault A
dns_pace "$DP" 12 200 3 a.test
check "first dead again: 12 queries all NOERROR ($(grep '^pace' "$T/pace.out"))" [ "$(pace_rcode NOERROR)" = 12 ]
LAST_OUT=
r=$(retries "$n0")
check "first dead again: back-off reset by its answers: retry in 2000 ms first (logged: $r)" \
    eval '[ "${r%% *}" = 2000 ]'
check "first dead again: a second \"is down\" line" \
    [ "$(df_since "$n0" | grep -cF "upstream $A is down: connection refused")" -eq 1 ]

# ---- SIGHUP (the init script sends it on WAN events): back-off waits end
# at once.  5 s more of queries take A's back-off to 8 s (attempts at
# about 0, 1, 3, 7 s); A comes back while still backed off: a query goes
# to B; after SIGHUP the next one goes to A, the same process.
dns_pace "$DP" 25 200 3 a.test
restart_dotfault A
PID0=$DF_PID
qdig @127.0.0.1 -p "$DP" pre-hup.test A
check "back but backed off: the query goes to the second address" \
    eval '[ "$(ft_count A "name=pre-hup\\.test\\. ")" = 0 ] && [ "$(ft_count B "name=pre-hup\\.test\\. ")" -ge 1 ]'
n1=$(df_lines)
kill -HUP "$DF_PID"
df_wait "re-checking upstreams" "$n1" 1000 || true
qdig @127.0.0.1 -p "$DP" post-hup.test A
check "after SIGHUP: the next query goes to the first address again" \
    [ "$(ft_count A "name=post-hup\\.test\\. ")" -ge 1 ]
check "SIGHUP with the same file: re-check logged, same process" \
    eval 'df_since "$n1" | grep -q "SIGHUP: .* unchanged: re-checking upstreams" && alive "$PID0"'
finish
