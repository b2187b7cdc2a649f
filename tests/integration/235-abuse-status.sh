#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 235-abuse-status: the status socket against local users (issue 10,
# item 6).  Its abstract name is public, so:
#   - the daemon serves only root and its own user (SO_PEERCRED): uid
#     12345 gets nothing, and the log says so at most once a minute;
#   - the daemon refuses to start when another process holds the name
#     (exit 71, who holds it);
#   - `dotfwd status` trusts only a server run by root, by itself or by
#     the file's owner: a squatter with uid 12345 serving a fake status
#     is refused (exit 77, nothing printed);
#   - a server that trickles a byte a second, or sends 100 KB, or
#     accepts and says nothing, costs `dotfwd status` at most its 3 s
#     deadline and its 64 KB cap (exit 69, nothing printed).
# Switching users needs root.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

ABUSE="$LIB_DIR/abuse.py"
OTHER=12345
[ "$(id -u)" = 0 ] || { skip "$SCRIPT" "needs root to act as another user"; exit 0; }
gen_pki
PU=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault up "$PU"

# conf NAME: a configuration $T/NAME.conf for a dotfwd on $DP
conf() {
	C="$T/$1.conf"
	: >"$C"
	conf_main "$C" "$DP" log_level=info
	conf_upstream "$C" u1 address="127.0.0.1:$PU" auth_name=dot.test
}

# status CONF: `dotfwd status`; SRC its exit status, SMS its time in ms,
# output in $T/status.out and $T/status.err
status() {
	local t0
	t0=$(ms)
	# shellcheck disable=SC2086
	$DOTFWD status -c "$1" >"$T/status.out" 2>"$T/status.err"
	SRC=$?
	SMS=$(($(ms) - t0))
	LAST_OUT="$T/status.err"
}

# squat CONF MODE [UID]: a squatter on CONF's status name (10 s at most)
squat() {
	rm -f "$T/squat.ready"
	python3 "$ABUSE" squat --conf "$1" --mode "$2" ${3:+--uid "$3"} --secs 10 \
	    --ready "$T/squat.ready" >"$T/squat.out" 2>&1 &
	SQ=$!
	PIDS+=("$SQ")
	for _ in $(seq 50); do [ -s "$T/squat.ready" ] && return 0; sleep 0.1; done
	bail "$SCRIPT: squatter ready" "$(cat "$T/squat.out")"
}

# ---- the daemon's side: who may read
conf served
launch_dotfwd_quiet "$C"
wait_dotfwd "$DP"
status "$C"
check "root reads the status (exit $SRC)" eval '[ "$SRC" = 0 ] && grep -q "\"totals\"" "$T/status.out"'
L0=$(df_lines)
for i in 1 2 3 4 5; do
	python3 "$ABUSE" status-peek --conf "$C" --uid $OTHER >"$T/peek.out" 2>&1
done
LAST_OUT="$T/peek.out"
check "uid $OTHER reads nothing ($(cat "$T/peek.out"))" grep -q 'status-peek got 0 bytes' "$T/peek.out"
n=$(df_since "$L0" | grep -c 'status: refused a reader with uid 12345')
check "... 5 tries, $n log line (one a minute)" [ "$n" = 1 ]
LAST_OUT=
stop_dotfwd

# ---- a squatted name: the daemon will not start
conf squatted
squat "$C" fake $OTHER
launch_dotfwd_quiet "$C"
for _ in $(seq 50); do alive "$DF_PID" || break; sleep 0.1; done
rc=none
alive "$DF_PID" || { wait "$DF_PID"; rc=$?; }
check "daemon with a squatted status name: exits 71 (status $rc)" [ "$rc" = 71 ]
check "... saying who holds it" grep -qE "status socket @dotfwd-status:.* is held by pid $SQ \(uid $OTHER\)" "$DF_LOG"
DF_PID=

# ---- the client's side
status "$C"
check "status from a squatter of uid $OTHER: refused (exit $SRC), nothing printed" \
    eval '[ "$SRC" = 77 ] && [ ! -s "$T/status.out" ] && grep -q "not trusting it" "$T/status.err"'
stop_pid "$SQ"
for mode in trickle big silent; do
	conf "client-$mode"
	squat "$C" $mode	# as root: credentials pass, the content does not
	status "$C"
	check "status from a root squatter ($mode): exit $SRC (69) in $SMS ms (< 3500), nothing printed" \
	    eval '[ "$SRC" = 69 ] && [ "$SMS" -lt 3500 ] && [ ! -s "$T/status.out" ]'
	stop_pid "$SQ"
done
finish
