# SPDX-License-Identifier: MIT
# host-asan: glibc host build for the tests.  AddressSanitizer and
# UndefinedBehaviorSanitizer (they do not work with musl), -DDOTFWD_TEST,
# and tests/memwrap.c aborting on malloc after mem_seal().  Never shipped.
CC		= gcc
AR		= ar
STRIP		=
CFLAGS_BOARD	= -g -O1
LDFLAGS_BOARD	=
SAN_FLAGS	= -fsanitize=address,undefined -fno-sanitize-recover=all \
		  -fno-omit-frame-pointer
# BearSSL's unaligned loads through a union trip UBSan (TOOLCHAIN.md 6).
BR_CFLAGS_BOARD	= -DBR_LE_UNALIGNED=0
DEFS_BOARD	= -DDOTFWD_TEST
STATIC		= no
MEMWRAP		= yes
NEEDS		= gcc:build-essential
