#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 150-clock: the wrong-clock-at-boot rule.  While the clock is not known
# to be synchronised (adjtimex says STA_UNSYNC and no SIGUSR2 yet) a
# certificate that is not yet valid is accepted, its chain and name still
# checked; SIGUSR2 ("clock synchronised") closes those connections and
# forgets the TLS sessions, so the next handshake is refused ("certificate
# not yet valid") and not resumed.  An expired certificate is refused in
# both states.  The certificate counter shows each refusal.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

TIMEOUT_MS=1500
gen_pki expired dot-ca2
# valid from tomorrow for 30 days: "not yet valid" now
start=$(date -u -d '+1 day' +%Y%m%d%H%M%SZ) end=$(date -u -d '+31 days' +%Y%m%d%H%M%SZ)
pki_leaf_dates future dot.test ca "$start" "$end" || bail "$SCRIPT: PKI future leaf"
pki_leaf_dates future-ca2 dot.test ca2 "$start" "$end" || bail "$SCRIPT: PKI future leaf (ca2)"
nb() { openssl x509 -in "$PKI/$1.pem" -noout -startdate | cut -d= -f2; }
check "test PKI: future.pem is not yet valid (notBefore $(nb future))" \
    eval 'openssl verify -CAfile "$PKI/ca.pem" "$PKI/future.pem" 2>&1 | grep -q "not yet valid"'

PF=$(free_port) && PE=$(free_port) && PX=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault future "$PF" -c "$PKI/future.pem" -k "$PKI/future.key"
start_dotfault expired "$PE" -c "$PKI/expired.pem" -k "$PKI/expired.key"
start_dotfault futx "$PX" -c "$PKI/future-ca2.pem" -k "$PKI/future-ca2.key"

# daemon NAME PORT [AUTH [KEY=VALUE...]]: a dotfwd whose only upstream is
# 127.0.0.1:PORT
daemon() {
	local name=$1 port=$2 auth=${3:-dot.test}
	shift 2
	[ $# -gt 0 ] && shift
	DP=$(free_port) || bail "$SCRIPT: free ports"
	C="$T/$name.conf"
	: >"$C"
	conf_main "$C" "$DP" timeout_ms=$TIMEOUT_MS "$@"
	conf_upstream "$C" u1 address="127.0.0.1:$port" auth_name="$auth"
	start_dotfwd "$C" "$DP"
}

# sync_daemon: SIGUSR2, wait for "clock synchronised"
sync_daemon() {
	local n0
	n0=$(df_lines)
	kill -USR2 "$DF_PID" || return 1
	# already synchronised at start: nothing changes, nothing to log
	[ "$SYNCED" = 1 ] && { sleep 0.3; return 0; }
	df_wait 'clock synchronised' "$n0" 3000
}

refused_with() {	# REASON: SERVFAIL and the reason in the log
	answer_is SERVFAIL && log_has "$1"
}

if kernel_clock_synced; then
	SYNCED=1
	skip "$SCRIPT: not-yet-valid accepted while unsynchronised" \
	    "the kernel clock is synchronised (adjtimex without STA_UNSYNC): dotfwd starts strict"
else
	SYNCED=0
fi

# ---- not yet valid: accepted until the clock is synchronised
daemon future "$PF" dot.test idle_timeout_ms=1000
if [ "$SYNCED" = 0 ]; then
	check "unsynchronised: log says so at start" log_has "clock not synchronised yet"
	qdig @127.0.0.1 -p "$DP" a.test A
	check "unsynchronised: not-yet-valid certificate accepted (answer)" answer_is NOERROR 192.0.2.1
	LAST_OUT=
	check "unsynchronised: handshake completed" [ "$(count_handshakes "127.0.0.1:$PF")" -ge 1 ]
	# the session is resumed on reconnect while unsynchronised, so
	# forgetting it at the sync matters
	from=$(($(ft_lines future) + 1))
	ft_wait future '^conn [0-9]+ close reason=peer-close' "$from" 2500
	qdig @127.0.0.1 -p "$DP" b.test A
	check "unsynchronised: after the idle close, answered on a resumed session" \
	    eval 'answer_is NOERROR 192.0.2.1 && [ "$(ft_count future "handshake resumed=1" "$from")" -eq 1 ]'
fi
from=$(($(ft_lines future) + 1))
check "SIGUSR2: dotfwd logs \"clock synchronised\"" sync_daemon
if [ "$SYNCED" = 0 ]; then
	LAST_OUT=$(ft_log future)
	check "SIGUSR2: the relaxed connection is closed" \
	    ft_wait future '^conn [0-9]+ close reason=peer-close' "$from" 2000
	LAST_OUT=
	check "SIGUSR2: dotfwd says it reconnects to check in full" log_has "reconnecting to check the certificate in full"
fi
qdig @127.0.0.1 -p "$DP" a.test A
check "synchronised: not-yet-valid certificate refused (SERVFAIL, \"certificate not yet valid\")" \
    refused_with "certificate not yet valid"
LAST_OUT=$(ft_log future)
check "synchronised: no resumed handshake after SIGUSR2 (session forgotten)" \
    [ "$(ft_count future 'handshake resumed=1' "$from")" -eq 0 ]
check "synchronised: no query reached the not-yet-valid server" \
    [ "$(ft_count future '^conn [0-9]+ query ' "$from")" -eq 0 ]
LAST_OUT=
qdig @127.0.0.1 -p "$DP" a.test A
check "synchronised: still refused" answer_is SERVFAIL
sigusr1_stats
c=$(stat_up "127.0.0.1:$PF" certificate)
check "synchronised: counters certificate $c >= 1" ge "$c" 1
stop_dotfwd

# ---- the relaxed rule checks the rest: wrong CA, wrong name
if [ "$SYNCED" = 0 ]; then
	daemon futx "$PX"
	qdig @127.0.0.1 -p "$DP" a.test A
	check "unsynchronised: not-yet-valid from an unknown CA refused (\"unknown CA\")" refused_with "unknown CA"
	LAST_OUT=$(ft_log futx)
	check "unsynchronised: ... never got a query" [ "$(ft_count futx '^conn [0-9]+ query ')" -eq 0 ]
	LAST_OUT=
	stop_dotfwd
	daemon futname "$PF" other.test
	from=$(($(ft_lines future) + 1))
	qdig @127.0.0.1 -p "$DP" a.test A
	check "unsynchronised: not-yet-valid with the wrong name refused (\"name mismatch\")" refused_with "name mismatch"
	LAST_OUT=$(ft_log future)
	check "unsynchronised: ... never got a query" [ "$(ft_count future '^conn [0-9]+ query ' "$from")" -eq 0 ]
	LAST_OUT=
	stop_dotfwd
fi

# ---- expired: refused before and after the sync
daemon expired "$PE"
qdig @127.0.0.1 -p "$DP" a.test A
check "expired, $( [ "$SYNCED" = 0 ] && echo unsynchronised || echo synchronised): refused (\"certificate expired\")" \
    refused_with "certificate expired"
check "expired: SIGUSR2" sync_daemon
n0=$(df_lines)
sleep 1.1	# past the one-attempt-a-second probe
qdig @127.0.0.1 -p "$DP" a.test A
check "expired, synchronised: refused (SERVFAIL, \"certificate expired\" again)" \
    eval 'answer_is SERVFAIL && df_since "$n0" | grep -q "certificate expired"'
LAST_OUT=$(ft_log expired)
check "expired: never got a query" [ "$(ft_count expired '^conn [0-9]+ query ')" -eq 0 ]
LAST_OUT=
sigusr1_stats
c=$(stat_up "127.0.0.1:$PE" certificate) h=$(stat_up "127.0.0.1:$PE" handshakes)
check "expired: counters certificate $c >= 2, handshakes $h = 0" eval 'ge "$c" 2 && [ "$h" = 0 ]'
stop_dotfwd
finish
