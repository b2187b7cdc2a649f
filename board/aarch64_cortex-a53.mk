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
QEMU		= qemu-aarch64-static -cpu cortex-a53
NEEDS		= aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu
TEST_NEEDS	= qemu-aarch64-static:qemu-user-static
