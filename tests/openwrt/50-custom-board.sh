#!/usr/bin/env bash
# shellcheck disable=SC1091,SC2154,SC2016,SC2015,SC2034  # lib.sh and its globals; eval '...'
# SPDX-License-Identifier: MIT
# 50-custom-board: dotfwd built the way a packager builds it (CC and CFLAGS
# on the command line: the custom board) from `make dist`'s tarball, with
# what an OpenWrt SDK or a feed's CI puts around it: CI=true in the
# environment, a SOURCE_DATE_EPOCH much older than dotfwd (OpenWrt 24.10.0's
# date), a compiler flag that makes our code warn.  The tarball's own date
# (board/source-date-epoch) is set 30 days ahead of now, so that "now" on
# this machine plays a router clock that is behind dotfwd's date.
# Checks:
# - the build passes although the flag warns: no -Werror (not from CI=true,
#   not on the custom board); our size-shaping flags are added to the
#   caller's, which stay as given;
# - the binary is not stripped (the caller strips: OpenWrt's RSTRIP, or
#   CONFIG_NO_STRIP=y keeps the symbols);
# - the version is the same in both package Makefiles (luci-app-dotfwd's
#   evaluated with a stand-in luci.mk, in the checkout and in a copy of the
#   openwrt/ folder as a feed), in the tarball's name and in `dotfwd -V`;
#   luci-app-dotfwd names our maintainer and URL, not luci.mk's defaults;
# - the certificate clock floor is the later of SOURCE_DATE_EPOCH and
#   dotfwd's date (make print-version both ways; `dotfwd -V` shows dotfwd's);
# - end to end, clock not synchronised: a certificate that expired between
#   the two dates (notAfter in 10 days here) is refused by that build
#   ("certificate expired"), while the same build accepts a certificate
#   valid past its floor, and build/native/dotfwd (floor: the commit, in
#   the past) accepts the first one: only the floor refuses it.
# Uses build/native (its BearSSL as a prebuilt library, to save the time of
# another BearSSL build) and DOTFWD=build/native/dotfwd (tests/run.sh).
# POSIX sh itself (10-shell-lint checks it so), run by bash for lib.sh.
. "$(dirname "$0")/../integration/lib.sh"
need musl-gcc readelf dig openssl python3 make
need_dotfwd
need_dotfault
TOP=$(cd "$LIB_DIR/../.." && pwd)
NATIVE=$DOTFWD
BR=$TOP/build/src/bearssl-0.6
BRLIB=$TOP/build/native/bearssl/libbearssl.a
HOSTBRLIB=$TOP/build/host/bearssl/libbearssl.a
for f in "$BR/inc/bearssl.h" "$BRLIB" "$HOSTBRLIB"; do
	[ -f "$f" ] || { skip "$SCRIPT" "no $f (make builds it)"; exit 0; }
done
OLD=1738627200			# 2025-02-04: OpenWrt 24.10.0's SOURCE_DATE_EPOCH
NOW=$(date +%s)
FUTURE=$((NOW + 30 * 86400))	# this test's dotfwd "release" date
day() { date -u -d "@$1" +%F; }

# ---- the version, everywhere
eval "$(make -s -C "$TOP" print-version)" || bail "$SCRIPT: make print-version"
check "version: PKG_VERSION of openwrt/dotfwd/Makefile ($VERSION)" \
    [ "$VERSION" = "$(sed -n 's/^PKG_VERSION:=//p' "$TOP/openwrt/dotfwd/Makefile")" ]
# luci-app-dotfwd's Makefile evaluated as OpenWrt would, with stand-ins
# for rules.mk and luci.mk (whose defaults are the ones it must override)
mkdir -p "$T/top/feeds/luci"
: >"$T/top/rules.mk"
cat >"$T/top/feeds/luci/luci.mk" <<'EOF'
LUCI_URL?=https://github.com/openwrt/luci
LUCI_MAINTAINER?=OpenWrt LuCI community
PKG_RELEASE?=1
show:
	@printf '%s|%s|%s|%s\n' '$(PKG_VERSION)' '$(PKG_RELEASE)' '$(LUCI_MAINTAINER)' '$(LUCI_URL)'
EOF
cp -R "$TOP/openwrt" "$T/feed"
for where in "$TOP/openwrt" "$T/feed"; do
	got=$(make -s --no-print-directory -C "$where/luci-app-dotfwd" TOPDIR="$T/top" show 2>&1)
	lv=$(echo "$got" | cut -d'|' -f1) lm=$(echo "$got" | cut -d'|' -f3)
	lu=$(echo "$got" | cut -d'|' -f4)
	check "luci-app-dotfwd (${where#"$T"/}): PKG_VERSION '$lv' = $VERSION" [ "$lv" = "$VERSION" ]
	check "luci-app-dotfwd (${where#"$T"/}): own maintainer and URL ('$lm', '$lu')" \
	    eval '[ -n "$lm" ] && [ -n "$lu" ] && [ "${lm#OpenWrt LuCI}" = "$lm" ] &&
	    [ "${lu#*github.com/openwrt/luci}" = "$lu" ]'
done
check "luci-app-dotfwd: the same maintainer as dotfwd's package" \
    grep -qxF "PKG_MAINTAINER:=$lm" "$TOP/openwrt/dotfwd/Makefile"

# ---- the release tarball, unpacked as the package's Build/Prepare does
if ! make -s -C "$TOP" dist BUILDDIR="$T/dist" >"$T/dist.out" 2>&1; then
	diag - <"$T/dist.out"
	bail "$SCRIPT: make dist"
fi
check "make dist: dotfwd-$VERSION.tar.gz" [ -f "$T/dist/dist/dotfwd-$VERSION.tar.gz" ]
tar -xzf "$T/dist/dist/dotfwd-$VERSION.tar.gz" -C "$T" || bail "$SCRIPT: unpack"
S=$T/dotfwd-$VERSION
check "the tarball carries dotfwd's date (board/source-date-epoch = $DOTFWD_EPOCH)" \
    [ "$(cat "$S/board/source-date-epoch")" = "$DOTFWD_EPOCH" ]
echo "$FUTURE" >"$S/board/source-date-epoch"

# ---- the floor: the later of the two dates, either way round
floor() { SOURCE_DATE_EPOCH=$1 make -s -C "$S" print-version | sed -n "s/^TIME_FLOOR='\(.*\)'$/\1/p"; }
check "floor: SOURCE_DATE_EPOCH $(day $OLD) < dotfwd's $(day $FUTURE): dotfwd's" \
    [ "$(floor $OLD)" = "$FUTURE" ]
check "floor: SOURCE_DATE_EPOCH $(day $((FUTURE + 86400))) > dotfwd's: SOURCE_DATE_EPOCH" \
    [ "$(floor $((FUTURE + 86400)))" = "$((FUTURE + 86400))" ]
check "floor: no SOURCE_DATE_EPOCH: dotfwd's" [ "$(floor '')" = "$FUTURE" ]

# ---- the custom board, as a packager's CI runs it
WFLAG=-Wpadded		# warns on most of our structs
start=$(date +%s)
if CI=true SOURCE_DATE_EPOCH=$OLD make -C "$S" -j"${JOBS:-2}" V=1 CC=musl-gcc \
    CFLAGS="-Os $WFLAG" BEARSSL_CFLAGS="-isystem $BR/inc" BEARSSL_LIBS="$BRLIB" \
    HOST_BEARSSL_CFLAGS="-isystem $BR/inc" HOST_BEARSSL_LIBS="$HOSTBRLIB" \
    >"$T/build.log" 2>&1; then
	ok "custom board: CI=true, CFLAGS '-Os $WFLAG': builds ($(( $(date +%s) - start )) s)"
else
	tail -n 30 "$T/build.log" | diag -
	not_ok "custom board: CI=true, CFLAGS '-Os $WFLAG': builds"
	finish
fi
BIN=$S/build/custom/dotfwd
FL=$S/build/custom/flags
nw=$(grep -c 'warning:' "$T/build.log")
check "custom board: $WFLAG did warn ($nw warnings), and nothing failed on it" ge "$nw" 1
check "custom board: no -Werror in its flags" eval '! grep -q -- -Werror "$FL"'
check "custom board: the caller's CFLAGS stay as given ('-Os $WFLAG')" grep -q -- "-Os $WFLAG" "$FL"
check "custom board: our size-shaping flags are added (sections, --gc-sections, max-page-size=4096)" \
    eval 'grep -q -- "-ffunction-sections -fdata-sections" "$FL" &&
    grep -q -- "--gc-sections" "$FL" && grep -q -- "max-page-size=4096" "$FL"'
check "custom board: build/custom/dotfwd is not stripped (has .symtab)" \
    eval 'readelf -SW "$BIN" | grep -q " \.symtab "'
check "custom board: static" eval '! readelf -lW "$BIN" | grep -qE "^ +(INTERP|DYNAMIC) "'
v=$("$BIN" -V 2>&1)
want="dotfwd $VERSION (certificate clock floor $(day $FUTURE))"
check "dotfwd -V: '$v' (dotfwd's date, not SOURCE_DATE_EPOCH's $(day $OLD))" [ "$v" = "$want" ]
v=$($NATIVE -V 2>&1)
check "build/native/dotfwd -V: '$v'" \
    [ "$v" = "dotfwd $VERSION (certificate clock floor $(day "$(
	make -s -C "$TOP" print-version | sed -n "s/^TIME_FLOOR='\(.*\)'$/\1/p")"))" ]

# ---- end to end: the floor refuses what expired before it
if kernel_clock_synced; then
	CLK=synchronised	# dotfwd starts strict; the floor applies the same
else
	CLK=unsynchronised
fi
gen_pki
d() { date -u -d "@$1" +%Y%m%d%H%M%SZ; }
pki_leaf_dates mid dot.test ca "$(d $((NOW - 86400)))" "$(d $((NOW + 10 * 86400)))" ||
    bail "$SCRIPT: PKI leaf valid until $(day $((NOW + 10 * 86400)))"
PM=$(free_port) && PD=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault mid "$PM" -c "$PKI/mid.pem" -k "$PKI/mid.key"
start_dotfault dot "$PD"

# daemon DOTFWD PORT: a dotfwd whose only upstream is 127.0.0.1:PORT
NCONF=0
daemon() {
	DOTFWD=$1
	DP=$(free_port) || bail "$SCRIPT: free ports"
	NCONF=$((NCONF + 1))
	C="$T/d$NCONF.conf"
	: >"$C"
	conf_main "$C" "$DP"
	conf_upstream "$C" u1 address="127.0.0.1:$2" auth_name=dot.test
	start_dotfwd "$C" "$DP"
}

daemon "$BIN" "$PM"
qdig @127.0.0.1 -p "$DP" a.test A
check "floor $(day $FUTURE), clock $CLK: a certificate that expired $(day $((NOW + 10 * 86400))) is refused (\"certificate expired\")" \
    eval 'answer_is SERVFAIL && log_has "certificate expired"'
LAST_OUT=$(ft_log mid)
check "... and it never got a query" [ "$(ft_count mid '^conn [0-9]+ query ')" -eq 0 ]
LAST_OUT=
stop_dotfwd
daemon "$BIN" "$PD"
qdig @127.0.0.1 -p "$DP" a.test A
check "floor $(day $FUTURE), clock $CLK: a certificate valid past the floor is accepted" \
    answer_is NOERROR 192.0.2.1
stop_dotfwd
daemon "$NATIVE" "$PM"
qdig @127.0.0.1 -p "$DP" a.test A
check "build/native/dotfwd (floor in the past) accepts the certificate valid until $(day $((NOW + 10 * 86400)))" \
    answer_is NOERROR 192.0.2.1
stop_dotfwd
finish
