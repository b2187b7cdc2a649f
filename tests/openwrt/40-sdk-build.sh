#!/bin/sh
# SPDX-License-Identifier: MIT
# 40-sdk-build: build dotfwd the way the OpenWrt SDK's default
# Build/Compile would for ramips (mipsel_24kc): our release tarball
# (make dist, the package's PKG_SOURCE; reproducible, checked by making it
# twice) unpacked into a separate build folder with BearSSL's tarball
# beside it (as Build/Prepare leaves PKG_BUILD_DIR), then the Makefile in
# it with CC/CROSS/AR/STRIP and the package's MAKE_FLAGS on the command
# line, OpenWrt's TARGET_CFLAGS and TARGET_LDFLAGS in the environment, and
# what an SDK build has around it: SOURCE_DATE_EPOCH of OpenWrt 24.10.0
# (2025-02-04, older than dotfwd) and CI=true (a feed's CI).
# The binary is where Package/dotfwd/install takes it.  Checks: a static,
# MIPS32r2 little-endian, soft-float ELF; no build path left in it; not
# stripped (OpenWrt's RSTRIP strips it, CONFIG_NO_STRIP=y keeps symbols);
# runs under qemu-mipsel-static -cpu 24Kc and "dotfwd -V" prints
# PKG_VERSION of openwrt/dotfwd/Makefile and the tarball's date as the
# certificate clock floor; stripped as OpenWrt's default sstrip -z strips
# it (board/size.sh --packaged), it is no larger than
# build/mipsel_24kc/dotfwd (make BOARD=mipsel_24kc) when that exists.
#
# CFLAGS are OpenWrt's for mipsel_24kc with the default hardening (seen in
# OpenWrt build logs): -Os -pipe -mno-branch-likely -mips32r2 -mtune=24kc
# -fno-caller-saves -fno-plt -fhonour-copts -msoft-float
# -fmacro-prefix-map=... -mips16 -minterlink-mips16 -Wformat
# -Werror=format-security -fstack-protector -D_FORTIFY_SOURCE=1
# -Wl,-z,now -Wl,-z,relro; LDFLAGS: -znow -zrelro.  Dropped:
# -fhonour-copts (only OpenWrt's patched gcc knows it) and the -L staging
# paths.  What OpenWrt's gcc has built in and Debian's lacks goes into CC:
# -fno-pie -no-pie (Debian's is default-PIE) and -mplt (--with-mips-plt).
# Debian's cross gcc is glibc-based, so musl comes from the
# soft-float sysroot that "make BOARD=mipsel_24kc" builds; Debian's libgcc
# is hard-float (ld warns; OpenWrt's is soft-float), so the check for FPU
# instructions stays with the mipsel_24kc board's own tests.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
N=openwrt-sdk-build
SYSROOT=$TOP/build/sysroot-mipsel-sf
for t in mipsel-linux-gnu-gcc qemu-mipsel-static readelf; do
	command -v $t >/dev/null 2>&1 || { echo "skip - $N: $t is not installed"; exit 0; }
done
if [ ! -f "$SYSROOT/lib/musl-gcc.specs" ]; then
	echo "skip - $N: no soft-float musl sysroot (make BOARD=mipsel_24kc builds it)"
	exit 0
fi
find_tarball() {
	tarball=
	for f in build/dl/bearssl*0.6*.tar.*; do
		[ -f "$f" ] && { tarball=$f; return 0; }
	done
	return 1
}
find_tarball || { make -s fetch >/dev/null 2>&1; find_tarball; }
[ -n "$tarball" ] || { echo "skip - $N: no BearSSL tarball in build/dl (make fetch failed)"; exit 0; }

T=$(mktemp -d "${TMPDIR:-/tmp}/openwrt-sdk.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
failed=0
ok() { echo "ok - $N: $1"; }
nok() { echo "not ok - $N: $1"; failed=1; }

PKG_VERSION=$(sed -n 's/^PKG_VERSION:=//p' openwrt/dotfwd/Makefile)
BUILD_DIR=$T/dotfwd-$PKG_VERSION
if ! make -s dist BUILDDIR="$T/dist1" >"$T/dist1.out" 2>&1 ||
   ! make -s dist BUILDDIR="$T/dist2" >"$T/dist2.out" 2>&1; then
	nok "make dist"
	sed 's/^/#   /' "$T/dist1.out" "$T/dist2.out"
	exit 1
fi
SRC=$T/dist1/dist/dotfwd-$PKG_VERSION.tar.gz
if [ -f "$SRC" ]; then
	ok "make dist: the tarball is named after PKG_VERSION (dotfwd-$PKG_VERSION.tar.gz)"
else
	nok "make dist: the tarball is named after PKG_VERSION (dotfwd-$PKG_VERSION.tar.gz): got $(ls "$T/dist1/dist")"
	exit 1
fi
h1=$(tail -n 1 "$T/dist1.out") h2=$(tail -n 1 "$T/dist2.out")
if [ -n "$h1" ] && [ "$h1" = "$h2" ] && [ "$(sha256sum <"$SRC" | cut -d' ' -f1)" = "$h1" ]; then
	ok "make dist: dotfwd-$PKG_VERSION.tar.gz is reproducible (sha256 $h1)"
else
	nok "make dist: the same tree gives the same tarball ($h1 vs $h2)"
fi
tar -xzf "$SRC" -C "$T"
if [ -f "$BUILD_DIR/Makefile" ] && [ -f "$BUILD_DIR/src/main.c" ] &&
   [ -f "$BUILD_DIR/board/source-date-epoch" ] && [ ! -d "$BUILD_DIR/build" ]; then
	ok "the tarball unpacks to dotfwd-$PKG_VERSION/ (sources, commit time, no build output)"
else
	nok "the tarball unpacks to dotfwd-$PKG_VERSION/ (sources, commit time, no build output)"
	exit 1
fi
case "$tarball" in
*.xz) tar -xJf "$tarball" -C "$BUILD_DIR" ;;
*) tar -xzf "$tarball" -C "$BUILD_DIR" ;;
esac
BR=$BUILD_DIR/bearssl-0.6
[ -f "$BR/inc/bearssl.h" ] || { nok "BearSSL tarball unpacks to bearssl-0.6/"; exit 1; }

CROSS=mipsel-linux-gnu-
TARGET_CFLAGS="-Os -pipe -mno-branch-likely -mips32r2 -mtune=24kc -fno-caller-saves -fno-plt -msoft-float -fmacro-prefix-map=$TOP=dotfwd-$PKG_VERSION -fmacro-prefix-map=$BUILD_DIR=dotfwd-$PKG_VERSION -mips16 -minterlink-mips16 -Wformat -Werror=format-security -fstack-protector -D_FORTIFY_SOURCE=1 -Wl,-z,now -Wl,-z,relro"
TARGET_LDFLAGS="-znow -zrelro"
start=$(date +%s)
OWRT_SDE=1738627200	# OpenWrt 24.10.0's SOURCE_DATE_EPOCH
# Build/Compile/Default: $(MAKE_VARS) $(MAKE) -C ... $(MAKE_FLAGS)
if CFLAGS="$TARGET_CFLAGS" LDFLAGS="$TARGET_LDFLAGS" \
    SOURCE_DATE_EPOCH=$OWRT_SDE CI=true make -C "$BUILD_DIR" \
	AR=${CROSS}ar \
	CC="${CROSS}gcc -specs $SYSROOT/lib/musl-gcc.specs -fno-pie -no-pie -mplt" \
	STRIP=${CROSS}strip CROSS=$CROSS \
	BEARSSL_SRC="$BR" HOSTCC=cc JOBS="${JOBS:-2}" V=1 >"$T/build.log" 2>&1
then
	ok "make with the SDK's CC/CFLAGS/LDFLAGS ($(( $(date +%s) - start ))s)"
else
	nok "make with the SDK's CC/CFLAGS/LDFLAGS"
	tail -n 30 "$T/build.log" | sed 's/^/#   /'
	exit 1
fi
BIN=$BUILD_DIR/build/custom/dotfwd
[ -f "$BIN" ] || { nok "build/custom/dotfwd exists (Package/dotfwd/install's path)"; exit 1; }

if grep -q -- '-march=\|-O2' "$BUILD_DIR/build/custom/flags"; then
	nok "no -march/-O2 of the project's own in SDK mode"
	sed 's/^/#   /' "$BUILD_DIR/build/custom/flags"
else
	ok "no -march/-O2 of the project's own in SDK mode"
fi
hdr=$(readelf -h "$BIN")
case "$hdr" in
*"Class:"*ELF32*"little endian"*"Machine:"*MIPS*) ok "ELF32 little-endian MIPS" ;;
*) nok "ELF32 little-endian MIPS"; printf '%s\n' "$hdr" | sed 's/^/#   /' ;;
esac
if readelf -lW "$BIN" | grep -q INTERP || readelf -d "$BIN" 2>/dev/null | grep -q NEEDED; then
	nok "static (no INTERP, no NEEDED)"
else
	ok "static (no INTERP, no NEEDED)"
fi
attrs=$(readelf -A "$BIN" 2>/dev/null)
case "$attrs" in
*"ISA: MIPS32r2"*) ok "ISA MIPS32r2" ;;
*) nok "ISA MIPS32r2"; printf '%s\n' "$attrs" | sed 's/^/#   /' ;;
esac
case "$attrs" in
*"FP ABI: Soft float"*) ok "FP ABI soft float" ;;
*) nok "FP ABI soft float"; printf '%s\n' "$attrs" | sed 's/^/#   /' ;;
esac
if grep -aq -e "$T" -e "$TOP" "$BIN"; then
	nok "no build paths in the binary"
else
	ok "no build paths in the binary"
fi
if readelf -SW "$BIN" | grep -q ' \.symtab '; then
	ok "not stripped (the SDK strips; CONFIG_NO_STRIP=y keeps the symbols)"
else
	nok "not stripped (the SDK strips; CONFIG_NO_STRIP=y keeps the symbols)"
fi
v=$(qemu-mipsel-static -cpu 24Kc "$BIN" -V 2>&1)
floor=$(date -u -d "@$(cat "$BUILD_DIR/board/source-date-epoch")" +%F)
if [ "$v" = "dotfwd $PKG_VERSION (certificate clock floor $floor)" ]; then
	ok "qemu 24Kc: dotfwd -V prints PKG_VERSION and the tarball's date, not the SDK's ($v)"
else
	nok "qemu 24Kc: dotfwd -V prints PKG_VERSION and the tarball's date $floor: got '$v'"
fi
if out=$(qemu-mipsel-static -cpu 24Kc "$BIN" -t -c openwrt/dotfwd/files/dotfwd.config 2>&1); then
	ok "qemu 24Kc: dotfwd -t accepts the default config"
else
	nok "qemu 24Kc: dotfwd -t accepts the default config"
	printf '%s\n' "$out" | sed 's/^/#   /'
fi
# the flash it costs: stripped as OpenWrt's RSTRIP (sstrip -z) does, within
# 4% of our own board's binary (OpenWrt's stack protector and FORTIFY cost
# a little; lost size-shaping flags would cost far more)
pk=$(sh board/size.sh --line pkg --packaged "$BUILD_DIR/build/custom" "$CROSS" | awk '{ print $2 }')
own=$(wc -c <build/mipsel_24kc/dotfwd 2>/dev/null | tr -d ' ')
echo "# packaged (sstrip -z): $pk bytes; make BOARD=mipsel_24kc: ${own:-not built} bytes"
if [ -z "$own" ]; then
	echo "skip - $N: packaged size vs build/mipsel_24kc/dotfwd: make BOARD=mipsel_24kc has not run"
elif [ "${pk:-0}" -gt 0 ] && [ "$pk" -le $((own + own / 25)) ]; then
	ok "packaged $pk B within 4% of make BOARD=mipsel_24kc $own B"
else
	nok "packaged ${pk:-?} B within 4% of make BOARD=mipsel_24kc $own B"
	grep -m1 -- '-o build/custom/dotfwd.elf' "$T/build.log" | cut -c1-600 | sed 's/^/#   /'
fi
exit $failed
