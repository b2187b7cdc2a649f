# SPDX-License-Identifier: MIT
# custom: another toolchain, e.g. the OpenWrt SDK.  Selected by default when
# CC is given on the make command line.  Uses exactly the CC, CFLAGS and
# LDFLAGS given (no -march, no -O of its own); adds only warnings, -std,
# includes, defines and -static.  CROSS (OpenWrt passes it) names binutils.
AR		= $(CROSS)ar
STRIP		= $(CROSS)strip
CFLAGS_BOARD	=
LDFLAGS_BOARD	=
STATIC		= yes
