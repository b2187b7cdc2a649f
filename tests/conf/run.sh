#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh: golden tests of the configuration check.
#
#   tests/conf/run.sh [--confcheck | --dotfwd] [BIN]
#
# For every tests/conf/NN-name.in, runs `BIN -t -v -c FILE` (the dotfwd
# binary) or `BIN FILE` (tests/conf/confcheck.c, which does the same
# through conf.c alone) from the repository root, so that messages name
# "tests/conf/NN-name.in".  stdout and stderr together, then "exit N",
# must equal NN-name.ok.  The mode is taken from the option, else from
# BIN's name (confcheck* is confcheck).  Without BIN: $CONFCHECK when it is
# executable, else $DOTFWD (tests/run.sh sets both).  ACCEPT=1 rewrites
# the .ok files instead of comparing.  Prints "ok - conf/NN-name" or
# "not ok - conf/NN-name" and a diff; exits 1 if any failed.

set -u

mode=
case ${1:-} in
--confcheck)	mode=confcheck; shift ;;
--dotfwd)	mode=dotfwd; shift ;;
esac
if [ $# -gt 1 ]; then
	echo "usage: $0 [--confcheck | --dotfwd] [BIN]" >&2
	exit 64
fi
if [ $# -eq 1 ]; then
	bin=$1
elif [ -n "${CONFCHECK:-}" ] && [ -x "$CONFCHECK" ]; then
	bin=$CONFCHECK
elif [ -n "${DOTFWD:-}" ]; then
	bin=$DOTFWD
else
	echo "usage: $0 [--confcheck | --dotfwd] [BIN]" \
	    "(or set CONFCHECK or DOTFWD)" >&2
	exit 64
fi
# BIN may be relative to where we were started
case $bin in
/*)	;;
*/*)	bin=$(pwd)/$bin ;;
esac
if [ -z "$mode" ]; then
	case ${bin##*/} in
	confcheck*)	mode=confcheck ;;
	*)		mode=dotfwd ;;
	esac
fi

cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT INT TERM

fail=0
for f in tests/conf/[0-9]*.in; do
	[ -f "$f" ] || continue
	name=${f##*/}
	name=${name%.in}
	ok=tests/conf/$name.ok
	if [ "$mode" = confcheck ]; then
		"$bin" "$f" >"$tmp" 2>&1
	else
		"$bin" -t -v -c "$f" >"$tmp" 2>&1
	fi
	echo "exit $?" >>"$tmp"
	if [ "${ACCEPT:-0}" = 1 ]; then
		cp "$tmp" "$ok"
		echo "ok - conf/$name # accepted"
	elif [ -f "$ok" ] && cmp -s "$ok" "$tmp"; then
		echo "ok - conf/$name"
	else
		echo "not ok - conf/$name"
		[ -f "$ok" ] || ok=/dev/null
		diff -u "$ok" "$tmp" | sed 's/^/# /'
		fail=1
	fi
done
exit $fail
