#!/bin/sh
# shellcheck disable=SC2317,SC2016,SC2013  # check()/eval indirection; one word per line
# SPDX-License-Identifier: MIT
# 20-package: the default /etc/config/dotfwd passes "dotfwd -t" and holds
# what the package promises (Cloudflare and Quad9 over IPv4 and IPv6 with
# their auth names, listen 127.0.0.1:5453 and [::1]:5453, enabled/dnsmasq
# on, intercept off); the package Makefile agrees with the project
# (PKG_VERSION is the version make and dotfwd -V use, BearSSL hash =
# board/fetch.sh pin) and installs files that exist, the binary from where
# the custom board (CC given, as the SDK does) writes it.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
PKG=openwrt/dotfwd
CFG=$PKG/files/dotfwd.config
failed=0
ok() { echo "ok - openwrt-package: $1"; }
nok() { echo "not ok - openwrt-package: $1"; failed=1; }
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}
has() { grep -Eq "^[[:space:]]*$1\$" "$CFG"; }

if [ -z "${DOTFWD:-}" ]; then
	echo "skip - openwrt-package: dotfwd -t: DOTFWD is not set"
else
	# shellcheck disable=SC2086  # DOTFWD may be "qemu-... path"
	if out=$($DOTFWD -t -c "$CFG" 2>&1); then
		ok "dotfwd -t accepts $CFG"
	else
		nok "dotfwd -t accepts $CFG"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
	# shellcheck disable=SC2086
	out=$($DOTFWD -t -c "$CFG" 2>&1)
	check "dotfwd -t prints no warning for $CFG" test -z "$out"
fi

check "config: main section" has "config dotfwd 'main'"
for o in "option enabled '1'" "option dnsmasq '1'" "option intercept '0'" \
    "list listen '127.0.0.1:5453'" "list listen '\[::1\]:5453'" \
    "config upstream 'cloudflare'" "option auth_name 'cloudflare-dns.com'" \
    "list address '1.1.1.1'" "list address '\[2606:4700:4700::1111\]'" \
    "config upstream 'quad9'" "option auth_name 'dns.quad9.net'" \
    "list address '9.9.9.9'" "list address '\[2620:fe::fe\]'"; do
	check "config: $o" has "$o"
done

mkvar() { sed -n "s/^$1[[:space:]]*:*=[[:space:]]*//p" "$2" | head -n1; }
pv=$(mkvar PKG_VERSION $PKG/Makefile)
v=$(make -s print-version | sed -n "s/^VERSION='\(.*\)'$/\1/p")
check "PKG_VERSION ($pv) = the project's version (make print-version: $v)" \
    test -n "$pv" -a "$pv" = "$v"
if [ -n "${DOTFWD:-}" ]; then
	# shellcheck disable=SC2086
	dv=$($DOTFWD -V 2>&1)
	check "dotfwd -V ($dv) names PKG_VERSION" \
	    eval 'case "$dv" in "dotfwd $pv (certificate clock floor "*")") ;; *) false ;; esac'
fi
rel=$(mkvar PKG_RELEASE $PKG/Makefile)
check "PKG_RELEASE ($rel) is an integer (apk)" \
    eval 'case "$rel" in ""|*[!0-9]*) false ;; esac'
pin=$(sed -n 's/^BEARSSL_SHA256=//p' board/fetch.sh)
check "Download/bearssl HASH = board/fetch.sh pin" \
    grep -q "HASH:=$pin\$" $PKG/Makefile
check "BuildPackage signature" grep -q 'call BuildPackage,dotfwd' $PKG/Makefile
# every ./file the install section names, and the binary's path
inst=$(sed -n '/^define Package\/dotfwd\/install/,/^endef/p' $PKG/Makefile)
n=0
for f in $(printf '%s\n' "$inst" | grep -o '\./[^ ]*'); do
	n=$((n + 1))
	check "installed file exists: $f" test -f "$PKG/$f"
done
check "the install section names files ($n)" test "$n" -ge 3
o=$(make -s CC=cc print-env | sed -n "s/^O='\(.*\)'$/\1/p")
check "the binary is installed from the custom board's output ($o/dotfwd)" \
    eval 'printf "%s\n" "$inst" | grep -qF "\$(PKG_BUILD_DIR)/$o/dotfwd "'
check "conffiles lists /etc/config/dotfwd" \
    eval "sed -n '/conffiles/,/endef/p' $PKG/Makefile | grep -qx /etc/config/dotfwd"
exit $failed
