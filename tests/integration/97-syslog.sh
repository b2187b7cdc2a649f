#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 97-syslog: `dotfwd -s` speaks the syslog protocol itself: one datagram
# per line to /dev/log, "<PRI>dotfwd[PID]: text" with the daemon
# facility, and finds the logger again after it restarts.  /dev/log is a
# socket of this test's own, in a private mount namespace (root only).
. "$(dirname "$0")/lib.sh"
need dig python3 openssl unbound unshare
need_dotfwd

if [ "$(id -u)" != 0 ]; then
	skip "$SCRIPT" "needs root for a private /dev"
	exit 0
fi
gen_pki
UP=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_unbound "$UP" "$PKI/dot.pem" "$PKI/dot.key" u1
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP"
conf_upstream "$C" u1 address="127.0.0.1:$UP" auth_name=dot.test

# the logger: every datagram on a line of its own in $1
cat >"$T/logger.py" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    os.unlink("/dev/log")
except FileNotFoundError:
    pass
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)    # as loggers make it: dotfwd is not root
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(4096) + b"\n")
PY

# Inside: /dev is a tmpfs with the host's null/zero/random/urandom bound
# into it and our logger's socket; everything started there is stopped
# there, by PID.
cat >"$T/inside.sh" <<'SH'
set -u
T=$1 DP=$2 C=$3
mkdir -p "$T/olddev"
mount --bind /dev "$T/olddev" && mount -t tmpfs none /dev || exit 3
for n in null zero random urandom; do
	: >"/dev/$n" && mount --bind "$T/olddev/$n" "/dev/$n" || exit 3
done
python3 "$T/logger.py" "$T/log1" & LP=$!
for i in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
# shellcheck disable=SC2086
$DOTFWD -s -c "$C" & DPID=$!
echo "$DPID" >"$T/dotfwd.pid"
for i in $(seq 100); do
	dig @127.0.0.1 -p "$DP" +tries=1 +time=1 a.test A >/dev/null 2>&1 && break
	sleep 0.1
done
kill -USR1 "$DPID"; sleep 0.5
# the logger restarts: the next lines reach the new one
kill "$LP"; wait "$LP" 2>/dev/null; rm -f /dev/log
python3 "$T/logger.py" "$T/log2" & LP=$!
for i in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
kill -USR1 "$DPID"; sleep 0.5
kill -TERM "$DPID"; wait "$DPID"; echo "exit $?" >"$T/dotfwd.exit"
kill "$LP"; wait "$LP" 2>/dev/null
exit 0
SH
DOTFWD="$DOTFWD" timeout 60 unshare -m --propagation private \
    bash "$T/inside.sh" "$T" "$DP" "$C" >"$T/inside.out" 2>&1
rc=$?
LAST_OUT="$T/inside.out"
if [ "$rc" = 3 ]; then
	skip "$SCRIPT" "no private /dev here (mount refused)"
	finish
fi
check "the namespace part ran (exit $rc)" [ "$rc" = 0 ]
pid=$(cat "$T/dotfwd.pid" 2>/dev/null)
LAST_OUT="$T/log1"
check "start-up line: <30>dotfwd[$pid]: dotfwd ... started" \
    grep -Eq "^<30>dotfwd\\[$pid\\]: dotfwd [^ ]+ started" "$T/log1"
check "SIGUSR1 counters logged as daemon.info" \
    grep -Eq "^<30>dotfwd\\[$pid\\]: stats: uptime" "$T/log1"
check "nothing else in the lines (no time stamp, no stray bytes)" \
    bash -c "! grep -Ev '^<(27|28|30|31)>dotfwd\\[$pid\\]: [ -~]+\$' '$T/log1'"
LAST_OUT="$T/log2"
check "after the logger restarted, lines reach the new one" \
    grep -Eq "^<30>dotfwd\\[$pid\\]: stats: uptime" "$T/log2"
check "dotfwd exited 0 on SIGTERM" grep -qx "exit 0" "$T/dotfwd.exit"
finish
