# SPDX-License-Identifier: MIT
# mips_24kc: OpenWrt ath79 and lantiq (QCA/Atheros AR9xxx/QCA95xx...),
# MIPS32r2 24Kc, big-endian, no FPU.  Debian has no musl for mips at all;
# the soft-float musl is built from source as for mipsel_24kc.
CROSS		= mips-linux-gnu-
MUSL_TARGET	= mips-linux-gnu
# -fno-pic -mplt: musl's static objects without the GOT (2.4 KB less)
MUSL_CFLAGS	= -Os -march=mips32r2 -msoft-float -fno-pic -mplt
MUSL_VARIANT	= mips-sf
SYSROOT		= $(ABS_BUILDDIR)/sysroot-mips-sf
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
# make test fails above it (173452 at this commit; issue 11's target)
SIZE_BUDGET	= 174080
QEMU		= qemu-mips-static -cpu 24Kc
FP_CHECK	= mips
# yes: link board/softfp-trap.c (no FPU instruction left; %f would abort).
SOFTFP_TRAP	= yes
NEEDS		= mips-linux-gnu-gcc:gcc-mips-linux-gnu
TEST_NEEDS	= qemu-mips-static:qemu-user-static
# OpenWrt 24.10's TARGET_CFLAGS for this CPU (ath79/generic, without -fhonour-copts
# and the hardening flags), and what its gcc has built in that ours lacks
# (CONFIG_USE_MIPS16 is on by default for MIPS32r2 targets; OpenWrt's gcc
# is configured --with-mips-plt; its libgcc is soft-float, Debian's is
# tagged hard-float, hence --no-warn-mismatch as for this board)
# (make size: the build "with OpenWrt's flags").
OPENWRT_CFLAGS	= -Os -pipe -mno-branch-likely -mips32r2 -mtune=24kc -fno-caller-saves \
		  -fno-plt -msoft-float -mips16 -minterlink-mips16
OPENWRT_CC	= -fno-pie -no-pie -mplt -Wl,--no-warn-mismatch
