#!/bin/sh
# SPDX-License-Identifier: MIT
#
# musl-sysroot.sh TARGET CC CFLAGS PREFIX VARIANT DL_DIR
#
# Build a static musl (libc.a, headers, specs) from musl's source into
# PREFIX, for a cross gcc that has no musl of the right ABI in Debian.
# mipsel/mips: Debian's musl-dev:mipsel is hard-float and routers have no
# FPU, so the soft-float variant is built here (TOOLCHAIN.md 3.4).  aarch64
# uses the same route, which avoids dpkg multiarch.  VARIANT is what musl's
# configure must report ("mipsel-sf"), so a wrong float ABI fails here and
# not on the router.  PREFIX/.dotfwd-ok marks a finished sysroot.
set -eu
[ $# -eq 6 ] || { echo "usage: $0 TARGET CC CFLAGS PREFIX VARIANT DL_DIR" >&2; exit 2; }
target=$1 cc=$2 cflags=$3 prefix=$4 variant=$5 dl=$6
here=$(cd "$(dirname "$0")" && pwd)

case $prefix in /*) ;; *) prefix=$(pwd)/$prefix ;; esac
command -v "${cc%% *}" >/dev/null 2>&1 || {
	echo "musl-sysroot: $cc not found (Debian: apt-get install gcc-$target)" >&2
	exit 1
}
tarball=$(sh "$here/fetch.sh" get musl "$dl")
work=$prefix.work
rm -rf "$work" "$prefix"
mkdir -p "$work"
tar -xzf "$tarball" -C "$work"
cd "$work/musl-1.2.3"

log=$work/build.log
echo "musl-sysroot: building musl for $target ($cflags) into $prefix" >&2
if ! ./configure --target="$target" CC="$cc" CFLAGS="$cflags" \
    --prefix="$prefix" --disable-shared --enable-wrapper=gcc >"$log" 2>&1; then
	tail -30 "$log" >&2
	exit 1
fi
if [ -n "$variant" ] && ! grep -q "variant: $variant\$" "$log"; then
	grep 'variant' "$log" >&2 || true
	echo "musl-sysroot: configure did not select variant $variant" >&2
	exit 1
fi
# Parallel only when the calling make has a jobserver (make -jN).
case " ${MAKEFLAGS:-} " in
*jobserver*) j= ;;
*) j=-j${JOBS:-2} ;;
esac
# shellcheck disable=SC2086
if ! { ${MAKE:-make} $j && ${MAKE:-make} install; } >>"$log" 2>&1; then
	tail -30 "$log" >&2
	exit 1
fi
cd /
rm -rf "$work"
touch "$prefix/.dotfwd-ok"
echo "musl-sysroot: done: $prefix" >&2
