# SPDX-License-Identifier: MIT
# aarch64_cortex-a53: OpenWrt mediatek/filogic, rockchip, bcm27xx...  musl
# built from source for Debian's aarch64-linux-gnu-gcc (no dpkg multiarch).
# 4 KiB max page size, or the static binary is padded to 64 KiB.
CROSS		= aarch64-linux-gnu-
MUSL_TARGET	= aarch64-linux-gnu
MUSL_CFLAGS	= -Os
MUSL_VARIANT	=
SYSROOT		= $(ABS_BUILDDIR)/sysroot-aarch64
CC		= $(CROSS)gcc -specs $(SYSROOT)/lib/musl-gcc.specs
AR		= $(CROSS)ar
STRIP		= $(CROSS)strip
CFLAGS_BOARD	= $(SIZE_CFLAGS) -mcpu=cortex-a53
LDFLAGS_BOARD	= $(SIZE_LDFLAGS)
STATIC		= yes
LIBC_DIET	= yes
# make test fails above it (222272 at this commit)
SIZE_BUDGET	= 223232
QEMU		= qemu-aarch64-static -cpu cortex-a53
NEEDS		= aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu
TEST_NEEDS	= qemu-aarch64-static:qemu-user-static
# OpenWrt 24.10's TARGET_CFLAGS for this CPU (mediatek/filogic, without -fhonour-copts
# and the hardening flags), and what its gcc has built in that ours lacks
# (make size: the build "with OpenWrt's flags").
OPENWRT_CFLAGS	= -Os -pipe -mcpu=cortex-a53 -fno-caller-saves -fno-plt
OPENWRT_CC	= -fno-pie -no-pie
