#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 50-privileges: least privilege of a running daemon, read from
# /proc/PID/status, as root (the way procd starts it on the router).
# After start-up: every uid and gid not 0, CAP_NET_BIND_SERVICE permitted
# and effective and nothing else, nothing inheritable or ambient, the
# bounding set cut to it, NoNewPrivs 1.  The same after a SIGHUP reload
# (same PID, re-executed) that adds a listen address below 1024, which
# must be served: the old image lends the capability to the new one for
# the execve only.  The config is 0640 root with the daemon's group (as
# /etc/init.d/dotfwd sets it); left with group root (what `uci commit`
# does) the reload is refused, so no capability lets it read other files.
# DOTFWD: the daemon (build/native/dotfwd in make test).
# shellcheck disable=SC1091,SC2016  # lib.sh found at run time; eval strings
. "$(dirname "$0")/../integration/lib.sh"
need dig python3
need_dotfwd
if [ "$(id -u)" != 0 ]; then
	skip "$SCRIPT" "needs root (make test runs as root in CI)"
	exit 0
fi

# low_port: a port below 1024 that 127.0.0.1 has free for UDP and TCP
low_port() {
	python3 - <<'EOF'
import random, socket, sys
ports = list(range(600, 1024))
random.shuffle(ports)
for p in ports:
    try:
        for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, t)
            try:
                s.bind(("127.0.0.1", p))
            finally:
                s.close()
    except OSError:
        continue
    print(p)
    sys.exit(0)
sys.exit(1)
EOF
}

read -r DP DEAD <<<"$(free_port 2)" || bail "$SCRIPT: free ports"
LOW=$(low_port) || bail "$SCRIPT: a free port below 1024 on 127.0.0.1"
D="$T/etc"
mkdir -m 0750 "$D"
C="$D/dotfwd"
# conf LISTEN...: the config as uci commit leaves it: a new file (group
# root) renamed over the old one, the old mode kept
conf() {
	local l
	: >"$C.new"
	{
		echo "config dotfwd 'main'"
		for l; do printf "\tlist listen '127.0.0.1:%s'\n" "$l"; done
		printf "\tlist allow '127.0.0.0/8'\n\toption timeout_ms '500'\n"
		printf "\toption log_level 'debug'\n\n"
		printf "config upstream 'u1'\n\tlist address '127.0.0.1:%s'\n" "$DEAD"
		printf "\toption auth_name 'dot.test'\n"
	} >"$C.new"
	chmod 0640 "$C.new"
	mv "$C.new" "$C"
}
# perms: what the init script does before it lets procd send SIGHUP
perms() { chgrp "$DGID" "$T" "$D" "$C" && chmod g+x "$T"; }

st() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status" 2>/dev/null; }
# privs PID WHEN: the checks on one running process
privs() {
	local pid=$1 when=$2 u g
	u=$(st "$pid" Uid) g=$(st "$pid" Gid)
	check "$when: real, effective, saved and fs uid not 0 ($u)" \
	    eval '[ -n "$u" ] && ! echo "$u" | grep -qw 0'
	check "$when: every gid not 0 ($g)" eval '[ -n "$g" ] && ! echo "$g" | grep -qw 0'
	check "$when: no supplementary group 0 ($(st "$pid" Groups))" \
	    eval '! st "$pid" Groups | grep -qw 0'
	check "$when: CapPrm = CapEff = CAP_NET_BIND_SERVICE only ($(st "$pid" CapPrm)/$(st "$pid" CapEff))" \
	    eval '[ "$(st "$pid" CapPrm)" = 0000000000000400 ] && [ "$(st "$pid" CapEff)" = 0000000000000400 ]'
	check "$when: CapInh = CapAmb = 0 ($(st "$pid" CapInh)/$(st "$pid" CapAmb))" \
	    eval '[ "$(st "$pid" CapInh)" = 0000000000000000 ] && [ "$(st "$pid" CapAmb)" = 0000000000000000 ]'
	check "$when: CapBnd = CAP_NET_BIND_SERVICE only ($(st "$pid" CapBnd))" \
	    eval '[ "$(st "$pid" CapBnd)" = 0000000000000400 ]'
	check "$when: NoNewPrivs 1" eval '[ "$(st "$pid" NoNewPrivs)" = 1 ]'
}

answers() {
	qdig +time=3 @127.0.0.1 -p "$1" priv.test A && [ -n "$(dig_status)" ]
}

conf "$DP"
start_dotfwd "$C" "$DP"
PID=$DF_PID
DGID=$(st "$PID" Gid | awk '{print $1}')
privs "$PID" "started as root"
perms

# ---- reload adding 127.0.0.1:LOW
n0=$(df_lines)
conf "$DP" "$LOW"
perms
kill -HUP "$PID"
df_wait 'dotfwd .* reloaded:' "$n0" 5000
check "SIGHUP with 127.0.0.1:$LOW added: re-executed, same PID" \
    eval 'df_since "$n0" | grep -q "re-executing" && alive "$PID"'
privs "$PID" "after the reload"
check "after the reload: 127.0.0.1:$LOW (below 1024) answers" answers "$LOW"
check "after the reload: 127.0.0.1:$DP still answers" answers "$DP"

# ---- the file as uci commit leaves it, without the init script's chgrp
n0=$(df_lines)
conf "$DP"
kill -HUP "$PID"
df_wait 'cannot read' "$n0" 5000
check "config 0640 root:root: the reload is refused (no capability reads it)" \
    eval 'df_since "$n0" | grep -q "cannot read $C.*keeping the running configuration"'
check "config 0640 root:root: 127.0.0.1:$LOW still answers" answers "$LOW"
privs "$PID" "after the refused reload"
finish
