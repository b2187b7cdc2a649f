#!/bin/sh
# SPDX-License-Identifier: MIT
# 10-shell-lint: busybox sh -n and shellcheck -s sh on every shell file of
# the OpenWrt package and of these tests (bash -n and shellcheck -s bash on
# the tests whose #! line names bash).
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
failed=0
files=
for f in openwrt/dotfwd/files/* tests/openwrt/*.sh tests/openwrt/fake/*.sh \
    tests/openwrt/fake/rc.common openwrt/dotfwd/*.sh; do
	case $f in *.config|*'*'*) continue ;; esac
	files="$files $f"
done
for tool in busybox shellcheck; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "skip - openwrt-lint: $tool is not installed"
		continue
	fi
	for f in $files; do
		sh="sh"
		head -n 1 "$f" | grep -q bash && sh="bash"
		if case $tool.$sh in
		busybox.sh) out=$(busybox sh -n "$f" 2>&1) ;;
		busybox.bash) out=$(bash -n "$f" 2>&1) ;;
		shellcheck.*) out=$(shellcheck -s $sh "$f" 2>&1) ;;
		esac; then
			echo "ok - openwrt-lint: $tool $f"
		else
			echo "not ok - openwrt-lint: $tool $f"
			printf '%s\n' "$out" | sed 's/^/#   /'
			failed=1
		fi
	done
done
exit $failed
