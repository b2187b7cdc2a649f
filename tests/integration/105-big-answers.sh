#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 105-big-answers: answers that span TLS records come back whole.  One
# that fits a connection's own small buffer (big40: 40 A records, about
# 700 bytes) and ones that need the big buffer all connections share
# (big200, big250: 3.3 and 4.1 KB), over UDP (EDNS 4096) and TCP, while
# dotfault sends the head of each answer in a record of its own and the
# rest 300 ms later (--split).  Then two big answers at once on the two
# connections of one address: one connection holds the big buffer, the
# other waits for it (its debug line says so), and both answers are
# whole, each asked upstream once (a waiter nobody woke would stall and be
# resent elsewhere); a plain query still works afterwards.  Last, the
# server of a waiting connection resets it: that connection ends at once
# rather than spin on an error it would not read until the big buffer is
# free, and its query is answered through the other address.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

gen_pki
P1=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault split "$P1" --split 300
C="$T/big.conf"
: >"$C"
# max_udp_size 4096: a 4.1 KB answer may go over UDP (the default 1232
# would send TC, see 30-truncation)
conf_main "$C" "$DP" connections=2 max_udp_size=4096
conf_upstream "$C" u1 address="127.0.0.1:$P1" auth_name=dot.test
start_dotfwd "$C" "$DP"

# whole N [FILE]: the reply in FILE (default the last qdig) is NOERROR
# with exactly N A records, 10.0.0.1 to 10.0.0.N
whole() {
	local n=$1 f=${2:-$T/dig.out}
	grep -q 'status: NOERROR' "$f" || return 1
	awk '/^;; ANSWER SECTION:/ {on=1; next} on && /^$/ {on=0}
	    on && !/^;/ && $4 == "A" { c++; if ($5 != "10.0.0." c) bad = 1 }
	    END { exit !(c == n && !bad) }' n="$n" "$f"
}

qdig @127.0.0.1 -p "$DP" +bufsize=4096 big40.test A
check "big40 over UDP (gathered in the connection's buffer): 40 A records" whole 40
qdig @127.0.0.1 -p "$DP" +tcp big200.test A
check "big200 over TCP (gathered in the big buffer): 200 A records" whole 200
qdig @127.0.0.1 -p "$DP" +bufsize=4096 +ignore big250.test A
check "big250 over UDP, EDNS 4096: 250 A records, no TC" \
    eval 'whole 250 && ! dig_flags | grep -qw tc'
n=$(ft_count split '^conn [0-9]+ split ')
check "dotfault split those answers ($n >= 3)" [ "$n" -ge 3 ]

# two at once: each connection gets one (the first is busy when the
# second comes, so the pool opens the other)
n0=$(df_lines)
dig @127.0.0.1 -p "$DP" +tries=1 +time=5 +tcp big201.test A >"$T/c1.out" 2>&1 &
c1=$!
sleep 0.05
dig @127.0.0.1 -p "$DP" +tries=1 +time=5 +tcp big202.test A >"$T/c2.out" 2>&1 &
c2=$!
wait "$c1" "$c2"
LAST_OUT="$T/c1.out"
check "two at once: the first answer is whole (201 A records)" whole 201 "$T/c1.out"
LAST_OUT="$T/c2.out"
check "two at once: the second answer is whole (202 A records)" whole 202 "$T/c2.out"
LAST_OUT=
conns=$(grep -E '^conn [0-9]+ split ' "$(ft_log split)" | tail -n 2 | awk '{print $2}' | sort -u | wc -l)
check "two at once: they came on two connections" [ "$conns" -eq 2 ]
check "two at once: one waited for the big buffer (debug log)" \
    eval 'df_since "$n0" | grep -q "waits for the big answer buffer"'
n1=$(ft_count split 'query id=[0-9]+ name=big201\.')
n2=$(ft_count split 'query id=[0-9]+ name=big202\.')
check "two at once: each asked upstream once ($n1, $n2), no connection failed" \
    eval '[ "$n1" = 1 ] && [ "$n2" = 1 ] && ! df_since "$n0" | grep -qE "is down|not answering|connection lost"'
qdig @127.0.0.1 -p "$DP" a.test A
check "a plain query after them" answer_is NOERROR 192.0.2.1
stop_dotfwd

# ---- the waiting connection's server resets it: two addresses, each its
# own dotfault splitting answers 1.5 s apart; one connection holds the big
# buffer, the other waits, then the waiting one's server resets it.  That
# connection ends at once (no busy poll() on an error it would never
# read), its query is asked again and answered.
PX=$(free_port) && PY=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault x "$PX" --split 1500
start_dotfault y "$PY" --split 1500
C="$T/two.conf"
: >"$C"
conf_main "$C" "$DP" policy=roundrobin timeout_ms=5000
conf_upstream "$C" u1 address="127.0.0.1:$PX 127.0.0.1:$PY" auth_name=dot.test
start_dotfwd "$C" "$DP"
for i in 1 2 3 4; do qdig @127.0.0.1 -p "$DP" "w$i.test" A; done
check "reset while waiting: both addresses answer first" \
    eval '[ "$(ft_count x "^conn [0-9]+ answer ")" -ge 1 ] && [ "$(ft_count y "^conn [0-9]+ answer ")" -ge 1 ]'
# cpu_ticks: dotfwd's user + system time, in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$DF_PID/stat"; }
n0=$(df_lines)
dig @127.0.0.1 -p "$DP" +tries=1 +time=8 +tcp big211.test A >"$T/r1.out" 2>&1 &
c1=$!
sleep 0.05
dig @127.0.0.1 -p "$DP" +tries=1 +time=8 +tcp big212.test A >"$T/r2.out" 2>&1 &
c2=$!
for i in $(seq 50); do
	df_since "$n0" | grep -q "waits for the big answer buffer" && break
	sleep 0.02
done
# the waiting one's server (roundrobin decides which address that is)
w=y
df_since "$n0" | grep "waits for the big answer buffer" | grep -q "127\.0\.0\.1:$PX " && w=x
t0=$(cpu_ticks)
ft_signal "$w" USR2
sleep 1
t1=$(cpu_ticks)
wait "$c1" "$c2"
LAST_OUT=
check "reset while waiting: the connection was waiting" \
    eval 'df_since "$n0" | grep -q "waits for the big answer buffer"'
check "reset while waiting: it ended at once (\"connection lost\")" \
    eval 'df_since "$n0" | grep -q "connection lost"'
check "reset while waiting: dotfwd used $((t1 - t0)) ticks of CPU in the second after (< 30: no busy poll)" \
    [ $((t1 - t0)) -lt 30 ]
LAST_OUT="$T/r1.out"
check "reset while waiting: the holder's answer is whole" whole 211 "$T/r1.out"
LAST_OUT="$T/r2.out"
check "reset while waiting: the reset one's answer is whole (asked again)" whole 212 "$T/r2.out"
LAST_OUT=
stop_dotfwd
finish
