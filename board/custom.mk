# SPDX-License-Identifier: MIT
# custom: another toolchain, e.g. the OpenWrt SDK or a distribution.
# Selected by default when CC is given on the make command line.  The
# caller's CC, CFLAGS and LDFLAGS stay as given: no -O or -march of our own,
# their hardening untouched.  Added: warnings (never -Werror on this board),
# -std, includes, defines, -static, and the flags that only shape the
# output the way our own boards do (SHAPE_CFLAGS/SHAPE_LDFLAGS: sections and
# --gc-sections, no unwind tables, -z max-page-size=4096; on x86
# -z noseparate-code; on soft-float MIPS the soft-float trap; on MIPS
# BearSSL's smaller generic EC code, EC = small).  Not
# stripped: the caller strips (OpenWrt's RSTRIP, or not at all with
# CONFIG_NO_STRIP=y).  CROSS (OpenWrt passes it) names binutils.
AR		= $(CROSS)ar
STRIP		= $(CROSS)strip
STRIP_BINARY	= no
CFLAGS_BOARD	=
LDFLAGS_BOARD	=
STATIC		= yes

# What the caller's compiler builds for (asked once, with its flags).
CUSTOM_MACHINE	:= $(shell $(CC) -dumpmachine 2>/dev/null)
CUSTOM_SOFTFP	:= $(if $(filter mips%,$(CUSTOM_MACHINE)),$(shell \
		   $(CC) $(CPPFLAGS) $(CFLAGS) -dM -E -x c /dev/null 2>/dev/null | \
		   grep -c '__mips_soft_float'))

CFLAGS_ADD	= $(SHAPE_CFLAGS)
# --build-id stays as the caller's toolchain has it (debug-symbol packages
# find their symbols by it).
LDFLAGS_ADD	= $(SHAPE_LDFLAGS) \
		  $(if $(filter x86_64-% i%86-%,$(CUSTOM_MACHINE)),-Wl$(,)-z$(,)noseparate-code)
# Soft-float MIPS: printf's %f path would pull in libgcc's soft-float
# helpers (7.5 KB); dotfwd uses no floating point (board/softfp-trap.c).
SOFTFP_TRAP	= $(if $(filter-out 0,$(CUSTOM_SOFTFP)),yes)
# MIPS routers: BearSSL's generic EC code, as on our MIPS boards (src/ec.h).
EC		= $(if $(filter mips%,$(CUSTOM_MACHINE)),small)
