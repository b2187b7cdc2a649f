# SPDX-License-Identifier: MIT
# fuzz: libFuzzer targets (make fuzz).  clang-14 with coverage, ASan and
# UBSan; BearSSL instrumented too.  glibc host build, never shipped.
CC		= clang-14
AR		= ar
STRIP		=
CFLAGS_BOARD	= -g -O1
LDFLAGS_BOARD	=
SAN_FLAGS	= -fsanitize=fuzzer-no-link,address,undefined \
		  -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_LDFLAGS	= -fsanitize=fuzzer,address,undefined
BR_CFLAGS_BOARD	= -DBR_LE_UNALIGNED=0
DEFS_BOARD	= -DDOTFWD_TEST -DDOTFWD_FUZZ
STATIC		= no
NEEDS		= clang-14:clang-14
