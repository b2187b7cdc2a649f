#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh: checks of openwrt/luci-app-dotfwd (the LuCI page).
#
#   tests/luci/run.sh            (from the repository root)
#
# CONFCHECK: a built tests/conf confcheck (make BOARD=host-asan test-build
# makes build/host-asan/confcheck); without it the checks against the
# daemon's option table are skipped.  Needs node (any version with
# vm and child_process; tested with v20); skips everything without it.
#
# node --check on every .js of the app and of this directory, then
# tests/luci/load-view.js (JSON, menu, ACL, Makefile, the view loaded the
# way LuCI loads it, its options against `$CONFCHECK --schema` and the
# daemon's verdicts, the status, the graph, the check before apply) and
# tests/luci/rpcd-check.sh (the rpcd plugin behind that check, with
# DOTFWD's `dotfwd -t`; default build/native/dotfwd).  Prints "ok - NAME",
# "not ok - NAME" or "skip - NAME: why"; exits 1 if anything failed.

set -u
# CONFCHECK may be relative to where we were started
case ${CONFCHECK:-} in
''|/*)	;;
*)	[ -e "$CONFCHECK" ] && CONFCHECK=$(pwd)/$CONFCHECK && export CONFCHECK ;;
esac
cd "$(dirname "$0")/../.." || exit 1

if ! command -v node >/dev/null 2>&1; then
	echo "skip - luci: node is not installed"
	exit 0
fi

fail=0
for f in $(find openwrt/luci-app-dotfwd tests/luci -name '*.js' | sort); do
	if out=$(node --check "$f" 2>&1); then
		echo "ok - luci/node-check/${f#openwrt/luci-app-dotfwd/}"
	else
		echo "not ok - luci/node-check/${f#openwrt/luci-app-dotfwd/}"
		printf '%s\n' "$out" | sed 's/^/# /'
		fail=1
	fi
done

node tests/luci/load-view.js || fail=1
bash tests/luci/rpcd-check.sh || fail=1
exit $fail
