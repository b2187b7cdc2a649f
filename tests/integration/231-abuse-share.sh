#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 231-abuse-share: in-flight starvation (issue 10, item 2).  One LAN
# host (127.0.0.2) floods names the upstream never answers (dotfault
# --drop-slow); four others (127.0.0.3-6) ask ordinary names meanwhile.
# Each source may hold source_inflight (64) of the 256 slots, one TCP
# connection at most 32, so the others stay >= 90 % answered: over UDP,
# and against 8 TCP connections pipelining 32 queries each.  A control
# run with the share lifted (source_inflight 4096) shows the flood does
# starve them there, so the figure means something.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

ABUSE="$LIB_DIR/abuse.py"
TIMEOUT_MS=1500
VICTIMS=127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6
gen_pki
PU=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault up "$PU" --drop-slow

# daemon NAME [KEY=VALUE...]: a dotfwd on 127.0.0.1:$DP forwarding to dotfault
daemon() {
	local name=$1
	shift
	DP=$(free_port) || bail "$SCRIPT: free ports"
	C="$T/$name.conf"
	: >"$C"
	conf_main "$C" "$DP" listen="127.0.0.1:$DP" allow=127.0.0.0/8 \
	    timeout_ms=$TIMEOUT_MS log_level=info "$@"
	conf_upstream "$C" u1 address="127.0.0.1:$PU" auth_name=dot.test
	launch_dotfwd_quiet "$C"
	wait_dotfwd "$DP"
}

# attack KIND: the flood from 127.0.0.2 (4 s) with the victims (3 s from
# 0.5 s on, 240 queries); $T/victims.out and $T/flood.out
attack() {
	local pid
	case $1 in
	udp)	python3 "$ABUSE" udp-flood -p "$DP" -s 127.0.0.2 --rate 1000 --secs 4 \
		    >"$T/flood.out" 2>&1 & ;;
	tcp)	python3 "$ABUSE" tcp-flood -p "$DP" -s 127.0.0.2 --conns 8 --pipeline 32 \
		    --secs 4 >"$T/flood.out" 2>&1 & ;;
	esac
	pid=$!
	PIDS+=("$pid")
	sleep 0.5
	LAST_OUT="$T/victims.out"
	python3 "$ABUSE" victims -p "$DP" -s "$VICTIMS" --rate 20 --secs 3 --wait 2 \
	    >"$LAST_OUT" 2>&1
	wait "$pid"
	diag - <"$T/flood.out"
	diag - <"$T/victims.out"
	PCT=$(grep -oE 'answered_pct [0-9]+' "$T/victims.out" | grep -oE '[0-9]+$')
}

daemon shared
L0=$(df_lines)
attack udp
check "UDP flood of unanswered names from one source: the others $PCT % answered (>= 90)" ge "$PCT" 90
attack tcp
check "8 TCP connections x 32 unanswered queries from one source: the others $PCT % answered (>= 90)" ge "$PCT" 90
check "... the flooding connections got SERVFAIL for what was over the share" \
    grep -qE 'replies .*SERVFAIL:[0-9]+' "$T/flood.out"
sigusr1_stats
sf=$(grep '^stats: uptime' "$STATS_OUT" | grep -oE 'source full [0-9]+' | grep -oE '[0-9]+$')
LAST_OUT=
check "counters: source full $sf > 0" ge "$sf" 1
n=$(df_since "$L0" | grep -vE '^stats: ' | wc -l)
df_since "$L0" | grep -vE '^stats: ' | head -n 10 | diag -
check "bounded logging: $n lines for both floods (<= 4)" le "$n" 4
check "the upstream was never taken for down (the flood is slow names, not a dead server)" \
    eval '! grep -q "is down" "$DF_LOG"'
stop_dotfwd

daemon control source_inflight=4096
attack udp
check "control, share lifted: the same flood does starve the others ($PCT % < 90)" \
    eval '[ -n "$PCT" ] && [ "$PCT" -lt 90 ]'
finish
