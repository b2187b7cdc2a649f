# SPDX-License-Identifier: MIT
# x86_64: OpenWrt x86/64, static musl from Debian's musl-tools.  The same
# as native on an x86_64 machine, but named by its target.
CC		= x86_64-linux-musl-gcc
AR		= ar
STRIP		= strip
CFLAGS_BOARD	= $(SIZE_CFLAGS)
LDFLAGS_BOARD	= $(SIZE_LDFLAGS) -Wl,-z,noseparate-code
STATIC		= yes
NEEDS		= x86_64-linux-musl-gcc:musl-tools
