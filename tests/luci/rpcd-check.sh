#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# rpcd-check.sh: the LuCI page's check before apply, the rpcd plugin
# openwrt/luci-app-dotfwd/root/usr/libexec/rpcd/luci.dotfwd, run as rpcd
# runs it (busybox ash, "call check", the arguments as JSON on stdin)
# against a router's files in a temporary folder: /etc/config/dotfwd, the
# per-session delta folders of rpcd (/var/run/rpcd/uci-<session>) written
# with tests/openwrt/fake/uci (libuci's formats), and the real daemon's
# `dotfwd -t`.
#
#   DOTFWD=build/native/dotfwd tests/luci/rpcd-check.sh
#
# DOTFWD defaults to build/native/dotfwd, then build/host-asan/dotfwd;
# without one (or busybox, python3) everything is skipped.  Prints
# "ok - luci/rpcd-check: NAME", "not ok - ..." or "skip - ..."; exits 1
# if anything failed.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
PLUGIN=$TOP/openwrt/luci-app-dotfwd/root/usr/libexec/rpcd/luci.dotfwd
N=luci/rpcd-check
failed=0

if [ -z "${DOTFWD:-}" ]; then
	for b in native host-asan; do
		[ -x "$TOP/build/$b/dotfwd" ] && { DOTFWD=$TOP/build/$b/dotfwd; break; }
	done
fi
for tool in busybox python3; do
	command -v $tool >/dev/null 2>&1 || { echo "skip - $N: $tool is not installed"; exit 0; }
done
[ -x "${DOTFWD:-}" ] || { echo "skip - $N: no dotfwd built (DOTFWD, build/native/dotfwd)"; exit 0; }
case $DOTFWD in /*) ;; *) DOTFWD=$(pwd)/$DOTFWD ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/luci-check.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
ROOT=$T/root
CONF=$ROOT/etc/config/dotfwd
RPCD=$ROOT/var/run/rpcd
mkdir -p "$T/bin" "$ROOT/etc/config" "$ROOT/tmp/.uci" "$RPCD"
export UCI_CONFDIR="$ROOT/etc/config" UCI_SAVEDIR="$ROOT/tmp/.uci"
PY=$(python3 -c 'import sys; print(sys.executable)')
sed "1s|.*|#!$PY -S|" "$TOP/tests/openwrt/fake/uci" >"$T/bin/uci"
chmod +x "$T/bin/uci"
PATH="$T/bin:$PATH"

ok() { echo "ok - $N: $1"; }
nok() { echo "not ok - $N: $1"; shift; for l in "$@"; do printf '#   %s\n' "$l"; done; failed=1; }

# the plugin with the router's paths pointing into $ROOT; PROG=$1
plugin_for() {
	sed -e "s|^PROG=/usr/sbin/dotfwd$|PROG=$1|" \
	    -e "s|^CONF=/etc/config/dotfwd$|CONF=$CONF|" \
	    -e "s|^SAVEDIR_PREFIX=/var/run/rpcd/uci-$|SAVEDIR_PREFIX=$RPCD/uci-|" \
	    -e "s|^UCI=uci$|UCI=$T/bin/uci|" "$PLUGIN" >"$T/plugin"
	if ! { grep -qxF "PROG=$1" "$T/plugin" &&
	    grep -qxF "CONF=$CONF" "$T/plugin" &&
	    grep -qxF "SAVEDIR_PREFIX=$RPCD/uci-" "$T/plugin" &&
	    grep -qxF "UCI=$T/bin/uci" "$T/plugin"; }; then
		nok "the plugin's paths (PROG CONF SAVEDIR_PREFIX UCI) are set in one line each"
	fi
}
plugin_for "$DOTFWD"

# call INPUT: "call check" with INPUT on stdin; the reply in $T/out
call() {
	printf '%s' "$1" | (cd / && busybox ash "$T/plugin" call check) >"$T/out" 2>"$T/err"
}
# reply EXPR: a Python expression over the reply r (parsed JSON) is true
reply() {
	python3 - "$T/out" "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert set(r) == {"valid", "file", "messages"}, r
assert isinstance(r["valid"], bool) and all(isinstance(m, str) for m in r["messages"]), r
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
}
# expect NAME EXPR: reply EXPR, or not ok with the reply
expect() {
	if reply "$2" 2>>"$T/err"; then ok "$1"; else nok "$1" "reply: $(cat "$T/out")" "stderr: $(cat "$T/err")"; fi
}
sess() { printf '{"ubus_rpc_session":"%s"}' "$1"; }
A=0123456789abcdef0123456789abcdef
B=fedcba9876543210fedcba9876543210

cat >"$CONF" <<'EOF'

config dotfwd 'main'
	list listen '127.0.0.1:5453'
	option timeout_ms '2500'

config upstream 'quad9'
	list address '9.9.9.9'
	option auth_name 'dns.quad9.net'
	option enabled '1'

config upstream
	list address '1.1.1.1'
	option auth_name 'cloudflare-dns.com'
	option enabled '0'
EOF
cp "$CONF" "$T/committed"

# ---- the plugin runs under busybox ash (and passes shellcheck when present)
if out=$(busybox sh -n "$PLUGIN" 2>&1); then ok "busybox sh -n"; else nok "busybox sh -n" "$out"; fi
if command -v shellcheck >/dev/null 2>&1; then
	if out=$(shellcheck -s sh "$PLUGIN" 2>&1); then ok "shellcheck"; else nok "shellcheck" "$out"; fi
fi

# ---- list
out=$(busybox ash "$T/plugin" list)
if printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert list(d) == ["check"]'; then
	ok "list: one method, check"
else
	nok "list: one method, check" "$out"
fi

# ---- nothing staged: the committed file, valid
call "$(sess $A)"
expect "no staged change: valid, no message" 'r["valid"] and r["messages"] == [] and r["file"] == "'"$CONF"'"'

# ---- the page unticks the only enabled upstream: refused, FILE:LINE
mkdir -p "$RPCD/uci-$A"
uci -t "$RPCD/uci-$A" set dotfwd.quad9.enabled=0
call "$(sess $A)"
expect "staged: no enabled upstream: refused with $CONF:LINE" \
    'not r["valid"] and r["messages"] and r["messages"][0].startswith("'"$CONF"':2: no enabled upstream")'
if cmp -s "$CONF" "$T/committed" && [ -s "$RPCD/uci-$A/dotfwd" ]; then
	ok "the check changes nothing: file as committed, the change still staged"
else
	nok "the check changes nothing: file as committed, the change still staged"
fi
# another session's staged changes are its own
call "$(sess $B)"
expect "another session (nothing staged there): valid" 'r["valid"]'
# fixed in the same session: the other upstream enabled
uci -t "$RPCD/uci-$A" set dotfwd.@upstream[1].enabled=1
call "$(sess $A)"
expect "staged: the other upstream enabled instead: valid" 'r["valid"]'

# ---- every upstream section deleted
mkdir -p "$RPCD/uci-$B"
uci -t "$RPCD/uci-$B" delete dotfwd.quad9
uci -t "$RPCD/uci-$B" delete dotfwd.@upstream[0]
call "$(sess $B)"
expect "staged: every upstream deleted: refused" \
    'not r["valid"] and any("no enabled upstream" in m for m in r["messages"])'

# ---- a bad value: the line number is the line after the apply
C=0123456789abcdef0123456789abcdec
mkdir -p "$RPCD/uci-$C"
uci -t "$RPCD/uci-$C" add dotfwd upstream >/dev/null
uci -t "$RPCD/uci-$C" add_list 'dotfwd.@upstream[-1].address=8.8.8.8'
uci -t "$RPCD/uci-$C" set 'dotfwd.@upstream[-1].auth_name=dns.google'
uci -t "$RPCD/uci-$C" set 'dotfwd.main.timeout_ms=soon'
call "$(sess $C)"
# the file as rpcd's apply would commit it: the session's delta on a copy
mkdir -p "$T/cd" "$T/sd" "$T/empty"
cp "$CONF" "$T/cd/dotfwd"
cp "$RPCD/uci-$C/dotfwd" "$T/sd/dotfwd"
UCI_CONFDIR=$T/cd UCI_SAVEDIR=$T/empty uci -t "$T/sd" commit dotfwd
cp "$T/cd/dotfwd" "$T/applied"
line=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["messages"]; print(m[0].split(":")[1] if m else 0)' "$T/out" 2>/dev/null)
if reply 'not r["valid"] and len(r["messages"]) == 1' && [ -n "$line" ] &&
    sed -n "${line}p" "$T/applied" | grep -q "timeout_ms 'soon'"; then
	ok "staged: timeout_ms 'soon' refused at line $line, its line in the file as applied"
else
	nok "staged: timeout_ms 'soon' refused at its line in the file as applied" \
	    "reply: $(cat "$T/out")" "applied:" "$(cat -n "$T/applied")"
fi

# ---- what the daemon says goes through as text, quotes and all
D=0123456789abcdef0123456789abcded
mkdir -p "$RPCD/uci-$D"
uci -t "$RPCD/uci-$D" set 'dotfwd.quad9.auth_name=a"b\c'
call "$(sess $D)"
expect "a value with a quote and a backslash: refused, the reply is valid JSON" \
    'not r["valid"] and any("auth_name" in m for m in r["messages"])'

# ---- input other than rpcd's session: refused, nothing read
for bad in '{"ubus_rpc_session":"../../../etc/x"}' \
    '{"ubus_rpc_session":"0123456789abcdef0123456789abcdeF"}' \
    "{\"ubus_rpc_session\":\"$A\",\"config\":\"dhcp\"}" 'garbage'; do
	call "$bad"
	expect "input $bad: refused" 'not r["valid"] and "unexpected arguments" in r["messages"][0]'
done
call '{}'
expect "no session (ubus on the command line): the committed file, valid" 'r["valid"]'

# ---- bounded: at most 50 messages and a count of the rest
cat >"$T/bin/many" <<'EOF'
#!/bin/sh
i=0
while [ $i -lt 70 ]; do i=$((i + 1)); echo "$3:$i: problem $i"; done
exit 1
EOF
chmod +x "$T/bin/many"
plugin_for "$T/bin/many"
call "$(sess $A)"
expect "70 problems: 50 shown, then (20 more)" \
    'len(r["messages"]) == 51 and r["messages"][-1] == "(20 more)" and r["messages"][0] == "'"$CONF"':1: problem 1"'
plugin_for "$T/bin/nothing-here"
call "$(sess $A)"
expect "dotfwd not installed: refused, says so" 'not r["valid"] and "not installed" in r["messages"][0]'
exit $failed
