#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 236-abuse-relaxed: the relaxed-certificate flag is taken when the
# certificate is checked (issue 10, item 7).  The upstream's certificate
# is not yet valid, accepted while the clock is not synchronised.  A
# relay (abuse.py tls-hold) holds the server's last handshake flight for
# 1.5 s after dotfwd checked the certificate; the clock is synchronised
# (SIGUSR2) in between.  When the handshake ends, that connection rests
# on a check made under the relaxed rule: it is closed and its session
# forgotten, the certificate is checked again in full and refused, and
# no query is ever sent on it.  (It used to go through: the flag was
# read when the handshake ended, after the sync.)
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

ABUSE="$LIB_DIR/abuse.py"
if kernel_clock_synced; then
	skip "$SCRIPT" "the kernel clock is synchronised: dotfwd checks in full from the start"
	exit 0
fi
gen_pki
start=$(date -u -d '+1 day' +%Y%m%d%H%M%SZ) end=$(date -u -d '+31 days' +%Y%m%d%H%M%SZ)
pki_leaf_dates future dot.test ca "$start" "$end" || bail "$SCRIPT: PKI future leaf"
PF=$(free_port) && PP=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault future "$PF" -c "$PKI/future.pem" -k "$PKI/future.key"
python3 "$ABUSE" tls-hold -l "$PP" -u "$PF" --hold-ms 1500 --marker "$T/held" \
    --secs 30 >"$T/relay.out" 2>&1 &
PIDS+=("$!")
sleep 0.3
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP" timeout_ms=4000
conf_upstream "$C" u1 address="127.0.0.1:$PP" auth_name=dot.test
launch_dotfwd "$C"
n0=0
df_wait 'started' "$n0" 5000 || bail "$SCRIPT: dotfwd starts" "$(cat "$DF_LOG")"

dig @127.0.0.1 -p "$DP" +tries=1 +time=8 a.test A >"$T/dig.out" 2>&1 &
dig_pid=$!
PIDS+=("$dig_pid")
for _ in $(seq 50); do [ -f "$T/held" ] && break; sleep 0.1; done
check "the relay holds the server's ChangeCipherSpec (the certificate is checked by now)" [ -f "$T/held" ]
n1=$(df_lines)
kill -USR2 "$DF_PID"
df_wait 'clock synchronised' "$n1" 3000
wait "$dig_pid"
LAST_OUT="$T/dig.out"
check "the query is not answered on that connection: SERVFAIL" answer_is SERVFAIL
LAST_OUT=
check "log: the handshake ended after the sync, the connection is closed" \
    log_has "clock synchronised during the handshake"
check "log: the certificate, checked again in full, is refused" log_has "certificate not yet valid"
LAST_OUT=$(ft_log future)
check "the server never got a query ($(ft_count future '^conn [0-9]+ query ') queries)" \
    [ "$(ft_count future '^conn [0-9]+ query ')" = 0 ]
check "... and no handshake was resumed" [ "$(ft_count future 'handshake resumed=1')" = 0 ]
LAST_OUT=
qdig @127.0.0.1 -p "$DP" b.test A
check "later queries: SERVFAIL too (strict checks now)" answer_is SERVFAIL
finish
