#!/bin/sh
# SPDX-License-Identifier: MIT
#
# setup.sh [PACKAGE...]: make sure the Debian packages that `make test`
# needs are installed.  As root, installs what is missing (apt-get update
# once first, only when something is missing); otherwise prints exactly
# what is missing and how to install it, and fails.  Extra packages (e.g.
# from extra test boards) can be given as arguments or in TEST_PKGS.
#
# setup.sh --only PACKAGE...: the same for exactly these packages (what
# `make run` needs to build and run one board).  On a system without
# dpkg it only says so: the build's own tool check has the last word.
set -eu

PKGS="build-essential make musl-tools gcc-mipsel-linux-gnu
gcc-aarch64-linux-gnu gcc-mips-linux-gnu gcc-arm-linux-gnueabihf
qemu-user-static unbound knot-dnsutils dnsutils bind9
dnsperf openssl clang-14 libclang-rt-14-dev xz-utils ca-certificates
python3 procps nodejs busybox shellcheck"

only=0
if [ "${1:-}" = --only ]; then
	only=1
	shift
else
	# shellcheck disable=SC2086
	set -- $PKGS ${TEST_PKGS:-} "$@"
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "setup: this is not a Debian system (no dpkg-query)." >&2
	echo "setup: it needs the equivalents of these Debian 12 packages:" >&2
	echo "setup:   $*" >&2
	[ "$only" = 1 ] && exit 0
	exit 1
fi

missing=
for p; do
	case " $missing " in *" $p "*) continue ;; esac
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing="$missing $p"
done
missing=${missing# }

if [ -z "$missing" ]; then
	[ "$only" = 1 ] || echo "setup: all test packages are installed"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing Debian packages: $missing" >&2
	echo "setup: install them as root with:" >&2
	echo "setup:   apt-get update && apt-get install -y $missing" >&2
	exit 1
fi

echo "setup: installing: $missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q || echo "setup: apt-get update had errors; trying anyway" >&2
# shellcheck disable=SC2086
if ! apt-get install -y -q --no-install-recommends $missing; then
	echo "setup: apt-get install failed for some of: $missing" >&2
	exit 1
fi
echo "setup: done"
