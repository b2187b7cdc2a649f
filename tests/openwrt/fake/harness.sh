# shellcheck shell=sh disable=SC3043,SC2034,SC2016,SC2317,SC2153
# (busybox ash: local; variables for the sourcing test; eval strings;
# functions called indirectly; NAME is the sourcing test's)
# SPDX-License-Identifier: MIT
#
# harness.sh: sourced by tests/openwrt/30-init.sh and 31-handover.sh,
# under busybox ash.  A router's root in a temporary folder, $ROOT:
#   etc/config/{dotfwd,dhcp,network}   (the test writes them)
#   etc/init.d/{dotfwd,dotfwd-early}   copies of the package's scripts,
#                                      run through fake/rc.common (rc NAME
#                                      ACTION) as /etc/rc.common runs them
#   etc/rc.d, tmp/.uci (uci's save dir), var/state (uci -P), var/run,
#   tmp/resolv.conf -> tmp/resolv.conf.d/resolv.conf.auto
#   usr/libexec/dotfwd-watch
# The scripts' absolute paths point into it ($RC_OVERRIDES).  Stand-ins on
# PATH: uci (fake/uci, the real line formats), logger, dotfwd (records,
# then the real DOTFWD for "-t" when given), ubus (prints $T/feed for
# "subscribe service": procd's notifications).  dnsmasq's init script is
# fake/dnsmasq-init (a model of the 23.05/24.10 one, DNSMASQ_VERSION).
# Every procd/jshn call, logger line, dotfwd run and dnsmasq-init action
# goes to $LOG in order.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
PKG=$TOP/openwrt/dotfwd
FAKE=$TOP/tests/openwrt/fake
T=$(mktemp -d "${TMPDIR:-/tmp}/openwrt-init.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
ROOT=$T/root
LOG=$T/calls.log
failed=0

mkdir -p "$T/bin" "$ROOT/etc/config" "$ROOT/etc/init.d" "$ROOT/etc/rc.d" \
    "$ROOT/tmp/.uci" "$ROOT/tmp/resolv.conf.d" "$ROOT/var/state" \
    "$ROOT/var/run" "$ROOT/usr/libexec"
: >"$ROOT/tmp/resolv.conf.d/resolv.conf.auto"
ln -s "$ROOT/tmp/resolv.conf.d/resolv.conf.auto" "$ROOT/tmp/resolv.conf"
: >"$LOG"
export UCI_CONFDIR="$ROOT/etc/config" UCI_SAVEDIR="$ROOT/tmp/.uci" \
    UCI_LOG="$T/uci.log" LOG
# the fakes run by the interpreter itself (not through a wrapper such as
# pyenv's), without site-packages: each uci call starts a new one
PY=$(python3 -c 'import sys; print(sys.executable)')
for f in uci dnsmasq-init; do
	sed "1s|.*|#!$PY -S|" "$FAKE/$f" >"$T/bin/$f"
done
cp "$PKG/files/dotfwd.init" "$ROOT/etc/init.d/dotfwd"
cp "$PKG/files/dotfwd-early.init" "$ROOT/etc/init.d/dotfwd-early"
cp "$PKG/files/dotfwd.watch" "$ROOT/usr/libexec/dotfwd-watch"
cat >"$T/bin/logger" <<'EOF'
#!/bin/sh
echo "logger $*" >>"$LOG"
EOF
cat >"$T/bin/dotfwd" <<EOF
#!/bin/sh
echo "dotfwd \$*" >>"\$LOG"
[ -n "\$FAKE_INVALID" ] && { echo "invalid" >&2; exit 1; }
[ -n "${DOTFWD:-}" ] || exit 0
exec ${DOTFWD:-true} "\$@"
EOF
cat >"$T/bin/ubus" <<EOF
#!/bin/sh
echo "ubus \$*" >>"\$LOG"
[ "\$*" = "subscribe service" ] && cat "$T/feed"
exit 0
EOF
# /etc/init.d/dotfwd and /etc/init.d/dnsmasq as programs
cat >"$T/bin/init-dotfwd" <<EOF
#!/bin/sh
exec busybox ash "$FAKE/rc.common" "$ROOT/etc/init.d/dotfwd" "\$@"
EOF
ln -s dnsmasq-init "$T/bin/init-dnsmasq"
# network.sh: the WAN is \$FAKE_WAN (IPv4) and \$FAKE_WAN6
cat >"$T/network.sh" <<'EOF'
network_flush_cache() { :; }
network_find_wan() { eval "$1=\${FAKE_WAN:-}"; }
network_find_wan6() { eval "$1=\${FAKE_WAN6:-}"; }
EOF
: >"$T/feed"
chmod +x "$T/bin/"*
PATH="$T/bin:$PATH"
export PATH DNSMASQ_RUN="$ROOT/var/run/dnsmasq" \
    RESOLV="$ROOT/tmp/resolv.conf" \
    RESOLV_AUTO="$ROOT/tmp/resolv.conf.d/resolv.conf.auto" \
    UCI="$T/bin/uci" UCI_STATE="$ROOT/var/state" \
    DOTFWD_INIT="$T/bin/init-dotfwd" DOTFWD_UBUS="$T/bin/ubus" \
    DOTFWD_RUN="$ROOT/var/run/dotfwd" \
    RC_ROOT="$ROOT" RC_OVERRIDES="$T/overrides"

# the daemon's group for conf_perms: one the test may give a file to
TEST_GROUP=$(id -gn)
[ "$(id -u)" = 0 ] && getent group nogroup >/dev/null 2>&1 && TEST_GROUP=nogroup
cat >"$T/overrides" <<EOF
PROG=$T/bin/dotfwd
CONF=$ROOT/etc/config/dotfwd
INIT=$T/bin/init-dotfwd
WATCH=$ROOT/usr/libexec/dotfwd-watch
RUN_DIR=$ROOT/var/run/dotfwd
UCI_STATE=$ROOT/var/state
DNSMASQ_INIT=$T/bin/init-dnsmasq
NETWORK_SH=$T/network.sh
RESOLV=$ROOT/tmp/resolv.conf
RESOLV_AUTO=$ROOT/tmp/resolv.conf.d/resolv.conf.auto
GROUP=$TEST_GROUP
EOF
PROG=$T/bin/dotfwd CONF=$ROOT/etc/config/dotfwd INIT=$T/bin/init-dotfwd
WATCH=$ROOT/usr/libexec/dotfwd-watch

# rc NAME ACTION [ARGS]: /etc/init.d/NAME ACTION, through rc.common
rc() {
	local n="$1"
	shift
	busybox ash "$FAKE/rc.common" "$ROOT/etc/init.d/$n" "$@"
}
# dnsmasq ACTION: /etc/init.d/dnsmasq ACTION
dnsmasq() { "$T/bin/init-dnsmasq" "$@"; }
# watch LINE...: dotfwd-watch with these procd notifications
watch() {
	printf '%s\n' "$@" >"$T/feed"
	busybox ash "$WATCH"
}

# ---- assertions
ok() { echo "ok - $NAME: $1"; }
nok() { echo "not ok - $NAME: $1"; failed=1; }
check() {
	local name="$1"
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}
# expect NAME: the calls since the last expect/clear must equal stdin
expect() {
	cat >"$T/want"
	if cmp -s "$T/want" "$LOG"; then
		ok "$1"
	else
		nok "$1"
		diff -u "$T/want" "$LOG" | sed 's/^/#   /'
	fi
	clear
}
clear() { : >"$LOG"; : >"$UCI_LOG"; }
# logged ERE: a line of $LOG since the last clear matches
logged() { grep -Eq -- "$1" "$LOG" || { sed 's/^/#   log: /' "$LOG"; return 1; }; }
not_logged() { ! grep -Eq -- "$1" "$LOG" || { grep -E -- "$1" "$LOG" | sed 's/^/#   log: /'; return 1; }; }
uget() { uci -q get "$1"; }
is() { [ "$(uget "$1")" = "$2" ] || { echo "#   $1: '$(uget "$1")' != '$2'" >&2; return 1; }; }
same() { cmp -s "$1" "$2" || { diff -u "$1" "$2" | sed 's/^/#   /'; return 1; }; }
