# SPDX-License-Identifier: MIT
# arm_cortex-a7_neon-vfpv4: OpenWrt ipq40xx, sunxi (Cortex-A7) and the
# like.  Hard-float EABI as OpenWrt builds it for VFP cores; musl (variant
# armhf) built from source for Debian's arm-linux-gnueabihf-gcc.
CROSS		= arm-linux-gnueabihf-
MUSL_TARGET	= arm-linux-gnueabihf
MUSL_CFLAGS	= -Os -mcpu=cortex-a7 -mfpu=neon-vfpv4 -mfloat-abi=hard
MUSL_VARIANT	= armhf
SYSROOT		= $(ABS_BUILDDIR)/sysroot-armhf
CC		= $(CROSS)gcc -specs $(SYSROOT)/lib/musl-gcc.specs
AR		= $(CROSS)ar
STRIP		= $(CROSS)strip
CFLAGS_BOARD	= $(SIZE_CFLAGS) -mcpu=cortex-a7 -mfpu=neon-vfpv4
LDFLAGS_BOARD	= $(SIZE_LDFLAGS)
ABI_FLAGS	= -mfloat-abi=hard
STATIC		= yes
LIBC_DIET	= yes
# make test fails above it (164712 at this commit)
SIZE_BUDGET	= 165888
QEMU		= qemu-arm-static -cpu cortex-a7
# FPU instructions are expected; tests/run.sh checks the hard-float ABI.
FP_CHECK	= armhf
NEEDS		= arm-linux-gnueabihf-gcc:gcc-arm-linux-gnueabihf
TEST_NEEDS	= qemu-arm-static:qemu-user-static
# OpenWrt 24.10's TARGET_CFLAGS for this CPU (ipq40xx/generic, without -fhonour-copts
# and the hardening flags), and what its gcc has built in that ours lacks
# (on ARM the CPU is not in TARGET_CFLAGS: OpenWrt's gcc is configured
# --with-cpu=cortex-a7 --with-fpu=neon-vfpv4)
# (make size: the build "with OpenWrt's flags").
OPENWRT_CFLAGS	= -Os -pipe -fno-caller-saves -fno-plt -mfloat-abi=hard
OPENWRT_CC	= -fno-pie -no-pie -mcpu=cortex-a7 -mfpu=neon-vfpv4
