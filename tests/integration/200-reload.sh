#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 200-reload: SIGHUP re-reads the configuration without losing a query.
# Same file: upstreams re-checked, nothing restarted.  Changed file: the
# same PID re-executes with its listening sockets; queries in flight (held
# 1 s by upstream A) are answered by a forked copy that then exits, while
# new ones go to the new upstream B.  A listen address added is served, a
# removed one closed.  A file with errors is refused with FILE:LINE and the
# old configuration keeps answering.  As root, the config is 0640 in a
# 0750 folder, both of the daemon's group once it has dropped root (as the
# OpenWrt init script sets it): nothing else lets it read the file.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

gen_pki
read -r PA PB DP DP2 <<<"$(free_port 4)" || bail "$SCRIPT: free ports"
start_dotfault A "$PA" --delay 1000 --delay-slow-only
start_dotfault B "$PB"
D="$T/etc"
mkdir -m 0750 "$D"
C="$D/dotfwd.conf"
# conf VERSION LISTEN_PORTS... : the config, upstream A (v1) or B (v2)
conf() {
	local up=$1 p l=
	shift
	for p in "$@"; do l="$l 127.0.0.1:$p"; done
	: >"$C.new"
	conf_main "$C.new" "$1" listen="${l# }" allow=127.0.0.0/8 timeout_ms=3000
	conf_upstream "$C.new" u1 address="127.0.0.1:$up" auth_name=dot.test
	chmod 0640 "$C.new"
	# the daemon's group (as root), as the init script sets it
	[ -z "${DGID:-}" ] || chgrp "$DGID" "$C.new" "$D"
	mv "$C.new" "$C"	# as uci commit does: a new file renamed over
}
conf "$PA" "$DP"
start_dotfwd "$C" "$DP"
PID=$DF_PID
uid_of() { awk '/^Uid:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
DGID=
if [ "$(id -u)" = 0 ]; then
	DGID=$(awk '/^Gid:/ {print $2}' "/proc/$PID/status")
	chgrp "$DGID" "$T" "$D" "$C" && chmod g+x "$T"	# the way to $C
fi
if [ "$(id -u)" = 0 ]; then
	check "started as root: runs as an unprivileged user (uid $(uid_of "$PID"))" \
	    eval '[ -n "$(uid_of "$PID")" ] && [ "$(uid_of "$PID")" != 0 ]'
fi
qdig @127.0.0.1 -p "$DP" a.test A
check "before: a.test via A" eval 'answer_is NOERROR 192.0.2.1 && [ "$(ft_count A "name=a\\.test\\. ")" -ge 1 ]'

# hup: SIGHUP, then wait for the log line matching ERE
hup() {
	local n0
	n0=$(df_lines)
	kill -HUP "$PID"
	df_wait "$1" "$n0" 5000
}

# ---- same file: re-check only
check "same file: SIGHUP logs 'unchanged: re-checking upstreams'" hup 'unchanged: re-checking upstreams'
check "same file: not re-executed" eval '! grep -q "re-executing" "$DF_LOG"'

# ---- new upstream and a second listen address, with queries in flight
n0=$(df_lines)
dns_pace "$DP" 20 100 8 'slow.q%d.test' &
PACE=$!
PIDS+=("$PACE")
dig +tcp +tries=1 +time=8 @127.0.0.1 -p "$DP" slow.tcp.test A >"$T/tcp.out" 2>&1 &
TCPQ=$!
PIDS+=("$TCPQ")
sleep 0.5
conf "$PB" "$DP" "$DP2"
kill -HUP "$PID"
df_wait 're-executing with' "$n0" 5000
check "changed file: re-executed (logged after ${DF_WAITED} ms)" df_since "$n0" >/dev/null
wait "$PACE"
wait "$TCPQ"
tcp_rc=$?
LAST_OUT="$T/pace.out"
check "20 UDP queries across the reload: every one NOERROR, none lost ($(grep '^pace' "$T/pace.out"))" \
    eval '[ "$(grep -c " NOERROR " "$T/pace.out")" = 20 ] && grep -q "noreply 0 duplicate 0" "$T/pace.out"'
LAST_OUT="$T/tcp.out"
check "TCP query in flight across the reload: NOERROR (dig status $tcp_rc)" grep -q 'status: NOERROR' "$T/tcp.out"
LAST_OUT=
check "same PID after the reload" alive "$PID"
DRAINER=$(df_since "$n0" | sed -n 's/^SIGHUP: pid \([0-9]*\) answers the queries in flight.*/\1/p' | head -n 1)
check "a forked copy (pid ${DRAINER:-none}) answered the queries in flight" [ -n "$DRAINER" ]
for i in $(seq 60); do [ -n "$DRAINER" ] && alive "$DRAINER" || break; sleep 0.1; done
check "the forked copy exited once they were answered" eval '[ -n "$DRAINER" ] && ! alive "$DRAINER"'
for i in $(seq 20); do [ -e "/proc/$DRAINER" ] || break; sleep 0.1; done
check "the forked copy was reaped by dotfwd (no zombie)" [ ! -e "/proc/$DRAINER" ]
check "the queries in flight went to A, the later ones to B" \
    eval '[ "$(ft_count A "name=slow\\.q[0-9]+\\.test\\. ")" -ge 1 ] && [ "$(ft_count B "name=slow\\.q[0-9]+\\.test\\. ")" -ge 1 ]'
check "dotfwd logged 'reloaded'" df_wait 'dotfwd .* reloaded:' "$n0" 3000
qdig @127.0.0.1 -p "$DP2" b.test A
check "new listen address 127.0.0.1:$DP2 answers" answer_is NOERROR 192.0.2.1
n_b=$(ft_count B "name=c\\.test\\. ")
qdig @127.0.0.1 -p "$DP" c.test A
check "kept listen address answers, through B" eval 'answer_is NOERROR 192.0.2.1 && [ "$(ft_count B "name=c\\.test\\. ")" -gt "$n_b" ]'
if [ "$(id -u)" = 0 ]; then
	check "after the reload: still unprivileged (uid $(uid_of "$PID"))" \
	    eval '[ -n "$(uid_of "$PID")" ] && [ "$(uid_of "$PID")" != 0 ]'
fi
"${DOTFWD%% *}" status -c "$C" >"$T/status.json" 2>&1 || true
LAST_OUT="$T/status.json"
check "dotfwd status answers after the reload and names B" grep -q "127.0.0.1:$PB" "$T/status.json"

# ---- remove the first listen address
n0=$(df_lines)
conf "$PB" "$DP2"
kill -HUP "$PID"
df_wait 'reloaded:' "$n0" 5000
qdig @127.0.0.1 -p "$DP2" d.test A
check "listen address list shrunk: $DP2 still answers" answer_is NOERROR 192.0.2.1
if qdig +time=1 @127.0.0.1 -p "$DP" e.test A; then dp_ok=1; else dp_ok=0; fi
check "listen address list shrunk: $DP no longer answers" [ "$dp_ok" = 0 ]

# ---- a file with an error: refused, old configuration keeps running
n0=$(df_lines)
conf "$PA" "$DP" "$DP2"
sed -i 's/option timeout_ms .*/option timeout_ms '"'"'soon'"'"'/' "$C"
bad_line=$(grep -n "timeout_ms" "$C" | cut -d: -f1)
kill -HUP "$PID"
df_wait 'has errors' "$n0" 5000
LAST_OUT=$DF_LOG
check "bad file: refused, logged as $C:$bad_line" eval 'df_since "$n0" | grep -qF "$C:$bad_line:"'
check "bad file: 'keeping the running configuration'" eval 'df_since "$n0" | grep -q "keeping the running configuration"'
check "bad file: not re-executed" eval '! df_since "$n0" | grep -q "re-executing"'
# 26 errors: 20 lines logged, then one note
n0=$(df_lines)
for i in $(seq 25); do printf "\tlist listen 'nowhere%d'\n" "$i"; done >"$T/bad.lines"
sed -i "/^config dotfwd 'main'/r $T/bad.lines" "$C"
kill -HUP "$PID"
df_wait 'has errors' "$n0" 5000
nerr=$(df_since "$n0" | grep -c "$C:[0-9]*: invalid")
check "bad file with 26 errors: 20 logged ($nerr), then one 'more problems not shown'" \
    eval '[ "$nerr" = 20 ] && [ "$(df_since "$n0" | grep -c "more problems not shown")" = 1 ]'
qdig @127.0.0.1 -p "$DP2" f.test A
check "bad file: still answering with the old configuration (B, port $DP2)" \
    eval 'answer_is NOERROR 192.0.2.1 && [ "$(ft_count B "name=f\\.test\\. ")" -ge 1 ]'

# ---- five reloads 300 ms apart (some land while the new image starts)
# while 30 queries flow
n0=$(df_lines)
dns_pace "$DP2" 30 100 8 'r%d.test' &
PACE=$!
PIDS+=("$PACE")
for i in 1 2 3 4 5; do
	if [ $((i % 2)) = 1 ]; then conf "$PA" "$DP2"; else conf "$PB" "$DP2"; fi
	kill -HUP "$PID"
	sleep 0.3
done
wait "$PACE"
LAST_OUT="$T/pace.out"
check "5 quick reloads: 30 queries every one NOERROR ($(grep '^pace' "$T/pace.out"))" \
    eval '[ "$(grep -c " NOERROR " "$T/pace.out")" = 30 ] && grep -q "noreply 0 duplicate 0" "$T/pace.out"'
LAST_OUT=$DF_LOG
check "5 quick reloads: re-executed at least twice, dotfwd still up" \
    eval '[ "$(df_since "$n0" | grep -c "reloaded:")" -ge 2 ] && alive "$PID"'
qdig @127.0.0.1 -p "$DP2" g.test A
check "5 quick reloads: the last file (upstream A) is the one running" \
    eval 'answer_is NOERROR 192.0.2.1 && [ "$(ft_count A "name=g\\.test\\. ")" -ge 1 ]'
check "same PID throughout" alive "$PID"
# every forked copy is gone by now (timeout_ms + 2 s at most); stop any
# left over by its PID
left=
for p in $(sed -n 's/.*SIGHUP: pid \([0-9]*\) answers the queries in flight.*/\1/p' "$DF_LOG"); do
	for i in $(seq 50); do [ -e "/proc/$p" ] || break; sleep 0.1; done
	[ -e "/proc/$p" ] && { left="$left $p($(pstate "$p"))"; kill -KILL "$p"; }
done
check "every forked copy exited by itself and was reaped (left:${left:- none})" [ -z "$left" ]
stop_dotfwd
finish
