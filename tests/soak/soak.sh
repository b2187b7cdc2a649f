#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# soak.sh: `make soak` (not part of make test).  SOAK_SECONDS (600) of
# mixed UDP/TCP load on the ASan build, with the fault server's faults
# and the attacks of issue 10 at the same time:
#   upstreams  three dotfaults, policy roundrobin, 2 connections each:
#              A answers "slow" names after 1.5 s; B never answers them
#              and closes every connection after 300 answers, and is a
#              black hole for 5 s every 30 s; C resets its connections
#              after 200 answers and every 20 s, and answers out of order
#   load       tests/soak/load.py on its own listen address: UDP from
#              127.0.0.3-5 and TCP clients from 127.0.0.6 (5 pipelined
#              queries per connection), 5 % slow names; every query must
#              get exactly one answer
#   attacks    64 slow TCP connections from 127.0.0.2 and 40 from
#              127.0.0.200 (outside allow), half frames, floods of
#              unanswered names over UDP (127.0.0.7) and TCP (127.0.0.8),
#              TCP clients that never read (127.0.0.10),
#              EDNS 65535 queries, garbage, IPv4-mapped sources, the
#              status socket read by root and by another uid, SIGHUP
# The warm-up fills every pool once (256 slots from 4 flooding sources,
# 32 TCP clients that do not read their answers), so VmHWM after it is
# the figure to stay flat: pools are fixed, but their pages are touched
# when first used.
# Prints lost queries (client side, and the daemon's own ledger:
# accepted = answered + servfail + refused + formerr + notimp +
# abandoned), VmHWM and open fds at start and end, and the sanitizer
# findings of dotfwd and the dotfaults; "ok - ..." / "not ok - ..." lines
# as the tests print them, exit 1 on any failure.
. "$(dirname "$0")/../integration/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

SOAK_SECONDS=${SOAK_SECONDS:-600}
[ "$SOAK_SECONDS" -ge 60 ] || bail "soak" "SOAK_SECONDS must be 60 or more"
ABUSE="$LIB_DIR/abuse.py"
LOAD="$(cd "$(dirname "$0")" && pwd)/load.py"
QUIET_S=15			# TCP idle (10 s) and upstream idle (9 s) pass
LOAD_S=$((SOAK_SECONDS - QUIET_S - 5))
WARM_S=$((LOAD_S / 10 > 10 ? LOAD_S / 10 : 10))
IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1

gen_pki
read -r PA PB PC DP DL <<<"$(free_port 5)" || bail "soak: free ports"
start_dotfault A "$PA" --delay 1500 --delay-slow-only
start_dotfault B "$PB" --drop-slow --close-after 300
start_dotfault C "$PC" --reset-after 200 --reorder 3
C="$T/soak.conf"
: >"$C"
V6=
have_v6 && V6="[::1]:$DP"
conf_main "$C" "$DP" listen="127.0.0.1:$DP 127.0.0.1:$DL $V6" \
    allow="127.0.0.0/25 ::1/128" timeout_ms=2500 policy=roundrobin \
    connections=2 log_level=info
conf_upstream "$C" a address="127.0.0.1:$PA" auth_name=dot.test
conf_upstream "$C" b address="127.0.0.1:$PB" auth_name=dot.test
conf_upstream "$C" c address="127.0.0.1:$PC" auth_name=dot.test
launch_dotfwd_quiet "$C"
wait_dotfwd "$DP"
PID=$DF_PID

# proc KEY: a VmXXX value (kB) of dotfwd; nfd: its open descriptors
proc() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$PID/status"; }
nfd() { find "/proc/$PID/fd" -mindepth 1 -maxdepth 1 | wc -l; }
sample() {
	alive "$PID" || bail "soak: dotfwd runs" "dotfwd (pid $PID) is gone"
	echo "soak: $1: VmHWM $(proc VmHWM) kB, VmRSS $(proc VmRSS) kB, fds $(nfd)"
}

# the readiness query's upstream connection closes when idle
sleep "$QUIET_S"
FD0=$(nfd)
sample "start (idle, quiet ${QUIET_S} s)"
T0=$(date +%s)
END=$((T0 + LOAD_S))
left() { [ "$(date +%s)" -lt "$END" ]; }

python3 "$LOAD" -p "$DL" --secs "$LOAD_S" --srcs 127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6 \
    --udp-rate 300 --tcp-conns 4 --slow-pct 5 --wait 4 >"$T/load.out" 2>&1 &
LOAD_PID=$!
PIDS+=("$LOAD_PID")

# attack loops, each bounded by END and by its commands' own limits
loops=()
loop() {	# loop PAUSE_S CMD...: CMD, pause, again until END
	local pause=$1
	shift
	( while left; do "$@" >/dev/null 2>&1; sleep "$pause"; done ) &
	loops+=($!)
	PIDS+=($!)
}
loop 0 python3 "$ABUSE" tcp-slow -p "$DP" -s 127.0.0.2 -n 64 --every 1000 --hold 12
loop 5 python3 "$ABUSE" tcp-slow -p "$DP" -s 127.0.0.200 -n 40 --every 500 --hold 3
loop 3 python3 "$ABUSE" tcp-slow -p "$DP" -s 127.0.0.9 -n 4 --half --hold 1
loop 5 python3 "$ABUSE" udp-flood -p "$DP" -s 127.0.0.7 --rate 500 --secs 10
loop 30 python3 "$ABUSE" tcp-flood -p "$DP" -s 127.0.0.8 --conns 8 --pipeline 32 --secs 3
loop 20 python3 "$ABUSE" tcp-flood -p "$DP" -s 127.0.0.10 --conns 8 --secs 5 --no-read \
    --fmt "n%d.soak"
big=$(python3 -c '
import struct
q = struct.pack("!HHHHHH", 0x4242, 0x0100, 1, 0, 0, 1) + b"\x01a\x04soak\x00"
print((q + struct.pack("!HH", 1, 1) + b"\x00" + struct.pack("!HHIH", 41, 65535, 0, 0)).hex())')
loop 1 python3 "$DNSQ" raw-udp -p "$DP" "$big"
garbage() {	# 64 random bytes, fresh each time
	python3 "$DNSQ" raw-udp -p "$DP" "$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')"
}
loop 1 garbage
loop 2 $DOTFWD status -c "$C"
if [ "$IS_ROOT" = 1 ]; then
	loop 5 python3 "$ABUSE" status-peek --conf "$C" --uid 12345
	[ -n "$V6" ] && loop 5 python3 "$ABUSE" v4mapped -p "$DP" --src4 127.0.0.1 m.soak
fi
# the fault server's faults and reloads
( while left; do
	sleep 25; left || break
	ft_signal B USR1; sleep 5; ft_signal B USR1
done ) >/dev/null 2>&1 &
loops+=($!)
PIDS+=($!)
loop 20 kill -USR2 "$(ft_pid C)"
loop 60 kill -HUP "$PID"

# fill the pools once: 4 x source_inflight (64) = max_inflight (256)
# unanswered names, 4 x source_tcp (8) = max_tcp_clients (32)
for i in 20 21 22 23; do
	python3 "$ABUSE" udp-flood -p "$DP" -s "127.0.0.$i" --rate 300 --secs 4 \
	    >/dev/null 2>&1 &
	PIDS+=($!)
done
for i in 20 21 22 23; do
	python3 "$ABUSE" tcp-flood -p "$DP" -s "127.0.0.$i" --conns 8 --secs 4 \
	    --no-read --fmt "q%d.soak" >/dev/null 2>&1 &
	PIDS+=($!)
done
sleep "$WARM_S"
HWM0=$(proc VmHWM)
sample "after ${WARM_S} s of load (the start figure for VmHWM)"
# a line every minute: flat or not, one can see it
while left; do
	sleep 60
	left && sample "$(($(date +%s) - T0)) s"
done
wait "$LOAD_PID"
for p in "${loops[@]}"; do wait "$p" 2>/dev/null; done
sample "load over"
sleep "$QUIET_S"
FD1=$(nfd)
HWM1=$(proc VmHWM)
sample "end (quiet ${QUIET_S} s)"

# the client side: every query answered exactly once
lline=$(tail -n 1 "$T/load.out")
echo "soak: $lline"
lost=$(echo "$lline" | grep -oE 'lost [0-9]+' | grep -oE '[0-9]+')
dup=$(echo "$lline" | grep -oE 'duplicates [0-9]+' | grep -oE '[0-9]+')
LAST_OUT="$T/load.out"
check "load: lost queries $lost (must be 0), duplicates $dup (0)" \
    eval '[ "$lost" = 0 ] && [ "$dup" = 0 ]'

# the daemon's side: its ledger, nothing in flight
$DOTFWD status -c "$C" >"$T/status.json" 2>&1
python3 - "$T/status.json" >"$T/ledger.out" 2>&1 <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
replies = t["answered"] + t["servfail"] + t["refused"] + t["formerr"] + t["notimp"]
lost = t["queries"] - replies - t["abandoned"]
print("soak: ledger: accepted %d (udp %d, tcp %d) = answered %d + servfail %d + refused %d"
      " + formerr %d + notimp %d + abandoned %d; lost %d; source_full %d, table_full %d,"
      " tcp refused %d, over source %d, evicted %d, truncated %d" % (
      t["queries"], t["queries_udp"], t["queries_tcp"], t["answered"], t["servfail"],
      t["refused"], t["formerr"], t["notimp"], t["abandoned"], lost, t["source_full"],
      t["table_full"], t["tcp_refused"], t["tcp_source_full"], t["tcp_evicted"],
      t["truncated"]))
print("LOST %d" % lost)
EOF
grep -v '^LOST' "$T/ledger.out"
dlost=$(sed -n 's/^LOST //p' "$T/ledger.out")
LAST_OUT="$T/status.json"
check "daemon ledger: every accepted query answered once (lost ${dlost:-?})" [ "${dlost:-x}" = 0 ]

echo "soak: VmHWM start $HWM0 kB, end $HWM1 kB; open fds start $FD0, end $FD1"
LAST_OUT=
check "VmHWM flat after warm-up ($HWM0 -> $HWM1 kB, at most +1 %)" \
    [ "$((HWM1 * 100))" -le "$((HWM0 * 101))" ]
check "open fds flat ($FD0 -> $FD1)" [ "$FD1" = "$FD0" ]
n=$(grep -vE '^dotfwd: (stats|status: refused)' "$DF_LOG" | wc -l)
echo "soak: dotfwd log: $n lines in $SOAK_SECONDS s (besides SIGUSR1 stats)"
grep -oE '(warning|error): .*' "$DF_LOG" | sed -E 's/[0-9]+/N/g' | sort | uniq -c | sort -rn | head -n 12 |
    sed 's/^/soak:   /'

stop_dotfwd "$PID"
for f in A B C; do stop_dotfault "$f"; done
san=$(cat "$DF_LOG" "$T"/*.ferr 2>/dev/null |
    grep -cE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: [A-Za-z]+Sanitizer')
echo "soak: sanitizer findings: $([ "$san" = 0 ] && echo none || echo "$san lines")"
check "sanitizer findings: none in dotfwd and the dotfaults" [ "$san" = 0 ]
finish
