#!/bin/sh
# shellcheck disable=SC2016  # eval strings
# SPDX-License-Identifier: MIT
# 60-make-run: the README's first command on a fresh Debian 12.  (Not an
# OpenWrt check: it lives here with the other packaging checks.)
# `make run` asks tests/setup.sh --only for what the board needs (a
# compiler, make, xz, CA certificates, musl-tools for native); with a
# package missing (a stand-in dpkg-query says so):
# - as root it runs "apt-get update" and "apt-get install -y -q
#   --no-install-recommends <missing>" (a recording stand-in apt-get), then
#   builds and runs dotfwd (RUN_ARGS=-t: check the config and exit);
# - as another user it prints the exact apt-get line and stops.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
N=make-run
failed=0
ok() { echo "ok - $N: $1"; }
nok() { echo "not ok - $N: $1"; failed=1; }
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}
if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "skip - $N: not a Debian system"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/make-run.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
unset MAKEFLAGS MAKELEVEL MFLAGS

cmd=$(make -s -n run RUN_ARGS=-t 2>/dev/null | grep '^sh tests/setup.sh')
check "make run calls: sh tests/setup.sh --only build-essential ca-certificates make musl-tools xz-utils" \
    test "$cmd" = "sh tests/setup.sh --only build-essential ca-certificates make musl-tools xz-utils"

# stand-ins: musl-tools is not installed; apt-get records
mkdir -p "$T/bin"
cat >"$T/bin/dpkg-query" <<EOF
#!/bin/sh
case "\$*" in *musl-tools*) exit 1 ;; esac
exec $(command -v dpkg-query) "\$@"
EOF
cat >"$T/bin/apt-get" <<EOF
#!/bin/sh
echo "apt-get \$*" >>"$T/apt.log"
EOF
chmod +x "$T/bin/dpkg-query" "$T/bin/apt-get"

if [ "$(id -u)" = 0 ]; then
	PATH="$T/bin:$PATH" make run RUN_ARGS=-t >"$T/root.out" 2>&1
	rc=$?
	check "as root: apt-get update, then install of exactly musl-tools" \
	    eval 'printf "apt-get update -q\napt-get install -y -q --no-install-recommends musl-tools\n" | cmp -s - "$T/apt.log"'
	check "as root: then built and ran dotfwd -t (exit $rc)" \
	    eval '[ $rc = 0 ] && grep -q "^exec build/native/dotfwd -c openwrt/dotfwd/files/dotfwd.config -t$" "$T/root.out"'
	[ "$failed" = 0 ] || sed 's/^/#   /' "$T/root.out" "$T/apt.log"
fi

# another user: the exact line, no apt-get, no build
cp tests/setup.sh "$T/setup.sh"
chmod -R a+rX "$T"
as_user() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    env PATH="$T/bin:$PATH" sh "$T/setup.sh" "$@"
	else
		env PATH="$T/bin:$PATH" sh "$T/setup.sh" "$@"
	fi
}
: >"$T/apt.log"
as_user --only build-essential make musl-tools >"$T/user.out" 2>&1
rc=$?
check "not root: fails (exit $rc) with the exact apt-get line, runs no apt-get" \
    eval '[ $rc != 0 ] && grep -qx "setup:   apt-get update && apt-get install -y musl-tools" "$T/user.out" && [ ! -s "$T/apt.log" ]'
[ "$failed" = 0 ] || sed 's/^/#   /' "$T/user.out"
exit "$failed"
