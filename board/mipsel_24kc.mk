# SPDX-License-Identifier: MIT
# mipsel_24kc: OpenWrt ramips (MT7620/MT7621/MT7628), MIPS32r2 24Kc,
# little-endian, no FPU.  Debian's musl-dev:mipsel is hard-float, so a
# soft-float musl is built from source into build/sysroot-mipsel-sf
# (TOOLCHAIN.md 3.4).  Debian's libgcc is hard-float: harmless for the
# integer helpers, wrong for __adddf3 & co, hence no floating point in
# dotfwd (checked by tests/run.sh).
CROSS		= mipsel-linux-gnu-
MUSL_TARGET	= mipsel-linux-gnu
# -fno-pic -mplt: musl's static objects without the GOT (2.4 KB less)
MUSL_CFLAGS	= -Os -march=mips32r2 -msoft-float -fno-pic -mplt
MUSL_VARIANT	= mipsel-sf
SYSROOT		= $(ABS_BUILDDIR)/sysroot-mipsel-sf
CC		= $(CROSS)gcc -specs $(SYSROOT)/lib/musl-gcc.specs
AR		= $(CROSS)ar
STRIP		= $(CROSS)strip
# -mplt: non-PIC code calls and addresses directly, as OpenWrt's gcc
# (configured --with-mips-plt) does by default; Debian's cross gcc still
# goes through the GOT: 25 KB more code without it.
CFLAGS_BOARD	= $(SIZE_CFLAGS) -march=mips32r2 -mtune=24kc -mips16 -minterlink-mips16 \
		  -mplt
LDFLAGS_BOARD	= $(SIZE_LDFLAGS) -Wl,--no-warn-mismatch
ABI_FLAGS	= -msoft-float
STATIC		= yes
# BearSSL's generic EC code: 11 KB less; a handshake's curve work is
# 2.3-3.3 times slower (src/ec.h).
EC		= small
LIBC_DIET	= yes
# make test fails above it (173676 at this commit; issue 11's target, 170 KiB)
SIZE_BUDGET	= 174080
QEMU		= qemu-mipsel-static -cpu 24Kc
FP_CHECK	= mips
# yes: link board/softfp-trap.c (no FPU instruction left; %f would abort).
SOFTFP_TRAP	= yes
NEEDS		= mipsel-linux-gnu-gcc:gcc-mipsel-linux-gnu
TEST_NEEDS	= qemu-mipsel-static:qemu-user-static
# OpenWrt 24.10's TARGET_CFLAGS for this CPU (ramips/mt7621, without -fhonour-copts
# and the hardening flags), and what its gcc has built in that ours lacks
# (CONFIG_USE_MIPS16 is on by default for MIPS32r2 targets; OpenWrt's gcc
# is configured --with-mips-plt; its libgcc is soft-float, Debian's is
# tagged hard-float, hence --no-warn-mismatch as for this board)
# (make size: the build "with OpenWrt's flags").
OPENWRT_CFLAGS	= -Os -pipe -mno-branch-likely -mips32r2 -mtune=24kc -fno-caller-saves \
		  -fno-plt -msoft-float -mips16 -minterlink-mips16
OPENWRT_CC	= -fno-pie -no-pie -mplt -Wl,--no-warn-mismatch
