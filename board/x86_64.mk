# SPDX-License-Identifier: MIT
# x86_64: OpenWrt x86/64, static musl from Debian's musl-tools.  The same
# build as native on an x86_64 machine, but named by its target and tested
# as a cross board: under qemu-x86_64-static on a baseline x86-64 CPU
# (qemu64), so it runs the same way on any host and an instruction newer
# than the generic x86-64 that OpenWrt targets fails the tests.
CC		= x86_64-linux-musl-gcc
AR		= ar
STRIP		= strip
CFLAGS_BOARD	= $(SIZE_CFLAGS)
LDFLAGS_BOARD	= $(SIZE_LDFLAGS) -Wl,-z,noseparate-code
STATIC		= yes
LIBC_DIET	= yes
# make test fails above it (222296 at this commit)
SIZE_BUDGET	= 223232
QEMU		= qemu-x86_64-static -cpu qemu64
NEEDS		= x86_64-linux-musl-gcc:musl-tools
TEST_NEEDS	= qemu-x86_64-static:qemu-user-static
# OpenWrt 24.10's TARGET_CFLAGS for this CPU (x86/64, without -fhonour-copts
# and the hardening flags), and what its gcc has built in that ours lacks
# (make size: the build "with OpenWrt's flags").
OPENWRT_CFLAGS	= -Os -pipe -fno-caller-saves -fno-plt
OPENWRT_CC	= -fno-pie -no-pie
