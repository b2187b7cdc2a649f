# SPDX-License-Identifier: MIT
# native: this machine's architecture (not -march=native: the binary must run
# on any CPU of the same architecture), static musl from Debian's
# musl-tools, size-tuned (TOOLCHAIN.md 3.2).  The default board.
CC		= musl-gcc
AR		= ar
STRIP		= strip
CFLAGS_BOARD	= $(SIZE_CFLAGS)
LDFLAGS_BOARD	= $(SIZE_LDFLAGS) $(if $(filter x86_64,$(HOST_ARCH)),-Wl$(,)-z$(,)noseparate-code)
STATIC		= yes
LIBC_DIET	= yes
# make test fails above it (222296 at this commit)
SIZE_BUDGET	= 223232
NEEDS		= musl-gcc:musl-tools
