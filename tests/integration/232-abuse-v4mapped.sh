#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 232-abuse-v4mapped: IPv4-mapped sources (issue 10, item 3).  A UDP
# query to [::1]:PORT from ::ffff:127.0.0.1 reaches dotfwd's IPv6-only
# socket (the kernel delivers it); it must not pass the IPv4 allow entry
# 127.0.0.0/8: it is REFUSED (counted) and never forwarded.  An allow
# entry written as an IPv6 prefix (::ffff:0:0/96) does match it.  The
# packet is written raw on the loopback device (AF_PACKET): needs root.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

ABUSE="$LIB_DIR/abuse.py"
have_v6 || { skip "$SCRIPT" "no ::1"; exit 0; }
[ "$(id -u)" = 0 ] || { skip "$SCRIPT" "needs root for a raw packet on lo"; exit 0; }
gen_pki
PU=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault up "$PU"

# daemon NAME ALLOW: dotfwd on 127.0.0.1 and [::1]
daemon() {
	DP=$(free_port) || bail "$SCRIPT: free ports"
	C="$T/$1.conf"
	: >"$C"
	conf_main "$C" "$DP" allow="$2"
	conf_upstream "$C" u1 address="127.0.0.1:$PU" auth_name=dot.test
	start_dotfwd "$C" "$DP"
}

# mapped NAME: the forged query, then the counters; sets RF (refused)
mapped() {
	LAST_OUT="$T/mapped.out"
	python3 "$ABUSE" v4mapped -p "$DP" --src4 127.0.0.1 "$1" >"$LAST_OUT" 2>&1
	diag - <"$LAST_OUT"
	sleep 0.3
	sigusr1_stats
	RF=$(stat_total refused)
}
seen_upstream() { [ "$(ft_count up "query .* name=${1//./\\.}\\. ")" -gt 0 ]; }

daemon v4only "127.0.0.0/8 ::1/128"
qdig @::1 -p "$DP" a.test A
check "a query from ::1 itself is answered" answer_is NOERROR 192.0.2.1
mapped mapped1.test
check "::ffff:127.0.0.1 does not pass the IPv4 entry 127.0.0.0/8: refused ($RF)" [ "$RF" = 1 ]
LAST_OUT=$(ft_log up)
check "... and never forwarded (the upstream did not see mapped1.test)" eval '! seen_upstream mapped1.test'
grep -q 'sent from' "$T/mapped.out" || bail "$SCRIPT: raw packet" "abuse.py v4mapped could not send"
stop_dotfwd

daemon v6map "127.0.0.0/8 ::1/128 ::ffff:0:0/96"
mapped mapped2.test
check "with the IPv6 entry ::ffff:0:0/96 it is what it is, an allowed IPv6 source (refused $RF)" [ "$RF" = 0 ]
for i in $(seq 20); do seen_upstream mapped2.test && break; sleep 0.1; done
LAST_OUT=$(ft_log up)
check "... and forwarded" seen_upstream mapped2.test
finish
