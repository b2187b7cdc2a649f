#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 230-abuse-tcp: TCP slowloris from the LAN (issue 10, item 1).  Loopback
# sources play LAN hosts: 127.0.0.1-3 are allowed, 127.0.0.9 is not.
#   - a source outside allow never holds a slot: closed at accept;
#   - 64 connections from one allowed source trickling a byte a second
#     (the frame never completes): at most source_tcp stay, and another
#     allowed client's TCP query is answered within 1 s;
#   - bytes that never make a frame do not restart the idle timer: the
#     trickling connections are closed after 10 s (LC_TCP_IDLE_MS);
#   - half a frame and EOF: closed at once, not at the idle timeout;
#   - the pool full of slow connections from several sources, or of
#     clients that never read their answers: a newcomer takes the place
#     of an idle one of the heaviest source, within 1 s;
#   - all that costs a bounded number of log lines.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

ABUSE="$LIB_DIR/abuse.py"
gen_pki
PU=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault up "$PU"
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP" allow="127.0.0.1/32 127.0.0.2/32 127.0.0.3/32 127.0.0.4/31 127.0.0.6/31" \
    listen="127.0.0.1:$DP" max_tcp_clients=32 source_tcp=8 log_level=info
conf_upstream "$C" u1 address="127.0.0.1:$PU" auth_name=dot.test
launch_dotfwd_quiet "$C"
wait_dotfwd "$DP"
L0=$(df_lines)

# slow ARGS...: abuse.py tcp-slow, output in $T/$OUT.out (LAST_OUT); the
# helpers below read the last one
OUT=slow
slow() {
	LAST_OUT="$T/$OUT.out"
	python3 "$ABUSE" tcp-slow -p "$DP" "$@" >"$LAST_OUT" 2>&1
	tail -n 1 "$LAST_OUT" | diag -
}
field() { tail -n 1 "$T/$OUT.out" | grep -oE "(^| )$1 [^ ]+" | awk '{print $2}'; }
probe_ms() { tail -n 1 "$T/$OUT.out" | sed -n 's/.* probe \([A-Za-z]*\) \(-*[0-9]*\) .*/\2/p'; }
probe_rc() { tail -n 1 "$T/$OUT.out" | sed -n 's/.* probe \([A-Za-z]*\) .*/\1/p'; }

# ---- 64 slow connections from one allowed source (13 s, for the idle
# timer), and meanwhile the phases that take no slot
OUT=slow64 slow -s 127.0.0.2 -n 64 --every 1000 --hold 13 --probe 127.0.0.3 --probe-after 1 &
slow64=$!
PIDS+=("$slow64")
sleep 2

# ---- outside allow: 40 connections (more than the pool) from 127.0.0.9
OUT=outside
slow -s 127.0.0.9 -n 40 --every 200 --hold 1.5 --probe 127.0.0.3 --probe-after 0.5
check "outside allow: all 40 connections closed at accept ($(field closed_fast) at once)" \
    [ "$(field closed_fast)" = 40 ]
check "outside allow: an allowed client's TCP query answered meanwhile ($(probe_rc) in $(probe_ms) ms < 1000)" \
    eval '[ "$(probe_rc)" = NOERROR ] && le "$(probe_ms)" 999'

# ---- half a frame, then EOF: closed at once
OUT=half
slow -s 127.0.0.3 -n 4 --half --hold 2
check "half a frame then EOF: the server closes at once ($(field closed_fast) of 4)" \
    [ "$(field closed_fast)" = 4 ]

wait "$slow64"
OUT=slow64
check "64 slow connections from 127.0.0.2: 56 closed at accept, source_tcp 8 kept ($(field closed_fast) fast)" \
    [ "$(field closed_fast)" = 56 ]
check "... another allowed client's TCP query answered within 1 s ($(probe_rc) in $(probe_ms) ms)" \
    eval '[ "$(probe_rc)" = NOERROR ] && le "$(probe_ms)" 999'
held_closed() {
	local n
	n=$(grep -cE 'closed by the server after (9[0-9]{3}|1[01][0-9]{3}) ms' "$T/slow64.out")
	[ "$n" = 8 ] && [ "$(field open_at_end)" = 0 ]
}
check "the 8 trickling connections closed at the idle timeout (9-12 s) although bytes kept coming" held_closed

# ---- the pool (32) full of slow connections from 4 sources x 8
OUT=full
slow -s 127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7 -n 8 --every 1000 --hold 2 --probe 127.0.0.3 --probe-after 1
check "pool full of 32 slow connections from 4 sources: a newcomer's TCP query answered within 1 s ($(probe_rc) in $(probe_ms) ms)" \
    eval '[ "$(probe_rc)" = NOERROR ] && le "$(probe_ms)" 999'
check "... by closing one slow connection for it ($(field closed_later) closed before the end)" \
    ge "$(field closed_later)" 1

# ---- the pool full of clients flooding queries and never reading answers
pids=()
for i in 4 5 6 7; do
	python3 "$ABUSE" tcp-flood -p "$DP" -s "127.0.0.$i" --conns 8 --secs 3 --no-read \
	    --rate 100 --fmt "q%d.test" >"$T/noread.$i.out" 2>&1 &
	pids+=($!)
	PIDS+=($!)
done
sleep 1.5
t0=$(ms)
rc=$(python3 -c '
import sys; sys.path.insert(0, sys.argv[1]); import abuse
print("%s %d" % abuse.tcp_query("127.0.0.3", "127.0.0.1", int(sys.argv[2]), "nr.test", 3.0))' "$LIB_DIR" "$DP")
wait "${pids[@]}"
cat "$T"/noread.*.out | diag -
check "pool full of 32 clients that never read: a newcomer's TCP query answered within 1 s ($rc ms)" \
    eval '[ "${rc% *}" = NOERROR ] && le "${rc#* }" 999'

# ---- counters and log
sigusr1_stats
line=$(grep '^stats: uptime' "$STATS_OUT")
LAST_OUT=
rf=$(echo "$line" | grep -oE ' refused [0-9]+ over_source' | grep -oE '[0-9]+')
os=$(echo "$line" | grep -oE 'over_source [0-9]+' | grep -oE '[0-9]+$')
ev=$(echo "$line" | grep -oE 'evicted [0-9]+' | grep -oE '[0-9]+$')
check "counters: tcp refused $rf >= 40, over source $os >= 56, evicted $ev >= 1" \
    eval 'ge "$rf" 40 && ge "$os" 56 && ge "$ev" 1'
n=$(df_since "$L0" | grep -vE '^stats: ' | wc -l)
df_since "$L0" | grep -vE '^stats: ' | head -n 10 | diag -
check "bounded logging: $n lines for all of it (<= 4)" le "$n" 4
check "dotfwd still running" alive "$DF_PID"
finish
