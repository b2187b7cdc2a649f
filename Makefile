# SPDX-License-Identifier: MIT
#
# dotfwd build.  One plain Makefile, no configure step.  A board
# (board/<name>.mk, selected with BOARD=name) only sets variables; all its
# output goes to build/<board>/.  BearSSL 0.6 is fetched (sha256-pinned, see
# board/fetch.sh) into build/dl/, unpacked once into build/src/, and built
# by every board with that board's compiler and flags.  `make help` lists
# the targets and variables.

# The version is defined in one place: PKG_VERSION of the OpenWrt package,
# openwrt/dotfwd/Makefile (see the comment there for why).  `dotfwd -V`,
# `make dist` and luci-app-dotfwd read it from there.
VERSION		:= $(shell sed -n 's/^PKG_VERSION:=//p' openwrt/dotfwd/Makefile)
ifeq ($(VERSION),)
$(error no PKG_VERSION:= in openwrt/dotfwd/Makefile (the version is defined there))
endif

# ---- places
BUILDDIR	?= build
DL_DIR		?= $(BUILDDIR)/dl
ABS_BUILDDIR	:= $(abspath $(BUILDDIR))
HOST_ARCH	:= $(shell uname -m)
JOBS		?= $(shell nproc 2>/dev/null || echo 2)
,		:= ,
# Single-quote a value for the shell.
q		= '$(subst ','\'',$(1))'

# Size-tuned flags shared by the musl boards (TOOLCHAIN.md 3.2).  SHAPE_*
# are the ones that only shape the output (sections for --gc-sections, no
# unwind tables, 4 KiB pages instead of 64 KiB padding); the custom board
# adds them to a packager's own flags (board/custom.mk).
SHAPE_CFLAGS	= -ffunction-sections -fdata-sections \
		  -fno-asynchronous-unwind-tables -fno-unwind-tables
SHAPE_LDFLAGS	= -Wl,--gc-sections -Wl,-z,max-page-size=4096
SIZE_CFLAGS	= -Os $(SHAPE_CFLAGS) -fno-pie
# common-page-size=16: the data segment starts right after the code in the
# file instead of on the next 4 KiB boundary (ld pads to save a page of
# RAM when the two page sizes are equal; 0-4 KB of zeros in the file).
SIZE_LDFLAGS	= -no-pie $(SHAPE_LDFLAGS) -Wl,--build-id=none \
		  -Wl,-z,common-page-size=16

# ---- board.  CC on the command line (OpenWrt SDK) means "custom" unless
# a BOARD is named too.
BOARD_GIVEN	:= $(filter command line environment,$(origin BOARD))
ifeq ($(origin CC),command line)
BOARD		?= custom
NEEDS_CHECK	= no
else
BOARD		?= native
NEEDS_CHECK	= yes
endif
ifeq ($(wildcard board/$(BOARD).mk),)
$(error BOARD=$(BOARD): there is no board/$(BOARD).mk; boards: $(basename $(notdir $(wildcard board/*.mk))))
endif
include board/$(BOARD).mk

# BUILD_NAME: another output folder for the same board (make size builds
# the custom board once per CPU as build/openwrt-<board>/).
BUILD_NAME	?= $(BOARD)
O		:= $(BUILDDIR)/$(BUILD_NAME)

# Given on the command line or in the environment, CFLAGS and LDFLAGS
# replace the board's optimisation and -march flags entirely.
CFLAGS		?= $(CFLAGS_BOARD)
LDFLAGS		?= $(LDFLAGS_BOARD)

# The boards we ship from (LIBC_DIET = yes) link dotfwd without the C
# library's allocator (every byte is mem.c's) and without its printf
# family, stdio output, strerror and getopt (fmt.c, log.c and opt.c do
# that work in a few KB): anything that pulls one of them back in, in our
# code or through another libc function, fails the link on __wrap_NAME.
LIBC_BANNED	= malloc calloc realloc free aligned_alloc posix_memalign \
		  memalign printf fprintf dprintf sprintf snprintf vprintf \
		  vfprintf vdprintf vsprintf vsnprintf puts fputs fputc putc \
		  putchar fwrite fflush strerror perror getopt
LIBC_DIET_LDFLAGS = $(if $(filter yes,$(LIBC_DIET)),$(foreach f, \
		  $(LIBC_BANNED),-Wl,--wrap=$(f)))

WARN		= -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
		  -Wmissing-prototypes -Wsign-compare -Wformat=2
# -Werror only when asked for (WERROR=1: `make test` does), and never on
# the custom board: a packager's compiler (OpenWrt's gcc 13/14, a
# distribution's) may warn where ours does not, and that must not fail
# their build.  No environment variable that CI systems set turns it on.
ifeq ($(WERROR),1)
ifneq ($(BOARD),custom)
WARN		+= -Werror
endif
endif
# The certificate clock floor: "now" is never taken as earlier than this
# (a router that boots in 1970 still refuses what expired before it).  It
# is the later of dotfwd's own date and the build system's
# SOURCE_DATE_EPOCH: OpenWrt exports its own tree's date there, which can
# be far older than dotfwd.  dotfwd's date is the release's
# (board/source-date-epoch, written into `make dist`'s tarball) or, in
# dotfwd's own git checkout, the last commit's.
DOTFWD_EPOCH	:= $(shell cat board/source-date-epoch 2>/dev/null || \
		   { [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = \
		   $(call q,$(CURDIR)) ] && git log -1 --format=%ct; } || echo 0)
TIME_FLOOR	:= $(shell e=$(call q,$(DOTFWD_EPOCH)) \
		   s=$(call q,$(SOURCE_DATE_EPOCH)); \
		   case $$e in (''|*[!0-9]*) e=0 ;; esac; \
		   case $$s in (''|*[!0-9]*) s=0 ;; esac; \
		   [ "$$s" -gt "$$e" ] && e=$$s; echo "$$e")
DEFS		= -D_DEFAULT_SOURCE -DDOTFWD_VERSION=\"$(VERSION)\" \
		  -DDOTFWD_TIME_FLOOR=$(TIME_FLOOR) $(DEFS_BOARD)
# EC = small (board file): BearSSL's generic i31 code for every curve
# instead of its larger P-256 and X25519 code (src/ec.h).
ifeq ($(EC),small)
DEFS		+= -DDOTFWD_EC_SMALL
endif

# ---- BearSSL: BEARSSL_SRC may name a source tree or a tarball.
BEARSSL_SRC	?=
ifneq ($(BEARSSL_SRC),)
ifneq ($(wildcard $(BEARSSL_SRC)/inc/bearssl.h),)
BR_DIR		:= $(BEARSSL_SRC)
BR_TREE		:= $(BEARSSL_SRC)/inc/bearssl.h
BR_TARBALL	:=
else ifneq ($(wildcard $(BEARSSL_SRC)),)
BR_TARBALL	:= $(abspath $(BEARSSL_SRC))
else
$(error BEARSSL_SRC=$(BEARSSL_SRC): neither a BearSSL tree nor a tarball)
endif
endif
BR_DIR		?= $(BUILDDIR)/src/bearssl-0.6
BR_TREE		?= $(BR_DIR)/.dotfwd-unpacked
# Extra BR_* options for every board (all are #ifndef-guarded in inner.h).
# BR_USE_UNIX_TIME=0: the validator never reads the clock itself; cert.c
# always gives it the time (the clock rules of SPEC.md section 4), and its
# own time() path would link 64-bit division helpers on 32-bit CPUs.
BR_DEFS		= -DBR_USE_UNIX_TIME=0
BR_CFLAGS	= $(CFLAGS) $(CFLAGS_ADD) $(ABI_FLAGS) $(SAN_FLAGS) \
		  $(BR_CFLAGS_BOARD) $(BR_DEFS)
# A prebuilt BearSSL: give BEARSSL_CFLAGS and BEARSSL_LIBS (and the
# HOST_ ones for tagen); then nothing is downloaded.
ifeq ($(origin BEARSSL_LIBS),undefined)
BR_LIB		:= $(O)/bearssl/libbearssl.a
BEARSSL_LIBS	= $(BR_LIB)
endif
ifeq ($(origin HOST_BEARSSL_LIBS),undefined)
HOST_BR_LIB	:= $(BUILDDIR)/host/bearssl/libbearssl.a
HOST_BEARSSL_LIBS = $(HOST_BR_LIB)
endif
BR_TREE_DEP	:= $(if $(BR_LIB)$(HOST_BR_LIB)$(filter undefined,\
		   $(origin BEARSSL_CFLAGS) $(origin HOST_BEARSSL_CFLAGS)),$(BR_TREE))
BEARSSL_CFLAGS	?= -isystem $(BR_DIR)/inc
HOST_BEARSSL_CFLAGS ?= -isystem $(BR_DIR)/inc

# ---- host tool: tagen turns src/ta/*.pem into ta_builtin.c.
HOSTCC		?= cc
HOST_CFLAGS	?= -O1
HOST_LDFLAGS	?=
HOST_O		:= $(BUILDDIR)/host
TAGEN		:= $(HOST_O)/tagen
TAGEN_SRCS	= src/tagen.c src/ta.c src/log.c src/fmt.c
TAGEN_CFLAGS	= -std=c99 $(WARN) -D_DEFAULT_SOURCE -DTAGEN -Isrc \
		  $(HOST_BEARSSL_CFLAGS) $(HOST_CFLAGS)
TA_PEMS		:= $(sort $(wildcard src/ta/*.pem))

# ---- what gets built
SRCS		:= $(filter-out src/tagen.c,$(wildcard src/*.c))
HDRS		:= $(wildcard src/*.h)
OBJS		:= $(SRCS:src/%.c=$(O)/%.o) $(O)/ta_builtin.o
LIB_OBJS	:= $(filter-out $(O)/main.o,$(OBJS))
TEST_HDRS	:= $(wildcard tests/unit/*.h)
UNIT_TESTS	:= $(patsubst tests/unit/%.c,$(O)/%,$(wildcard tests/unit/t_*.c))
CONFCHECK	:= $(if $(wildcard tests/conf/confcheck.c),$(O)/confcheck)
FUZZ_BINS	:= $(patsubst tests/fuzz/%.c,$(O)/%,$(wildcard tests/fuzz/fuzz_*.c))
# Without libFuzzer (host-asan) the targets get tests/fuzz/replay.c's main
# and `make test` replays each committed corpus with them.
FUZZ_MAIN	= $(if $(FUZZ_LDFLAGS),,$(O)/tests/fuzz-replay.o)
TEST_FUZZ	:= $(if $(filter host-asan,$(BOARD)),$(FUZZ_BINS))
# dotfault, the fault-injecting DoT test server: every tests/fault/*.c, one
# program, built only for boards that run on this machine.
FAULT_OBJS	:= $(patsubst tests/fault/%.c,$(O)/tests/fault/%.o,$(wildcard tests/fault/*.c))
DOTFAULT	:= $(if $(FAULT_OBJS),$(if $(QEMU),,$(O)/dotfault))

ALL_CFLAGS	= -std=c99 $(WARN) $(DEFS) -Isrc -I$(O) $(BEARSSL_CFLAGS) \
		  $(CPPFLAGS) $(CFLAGS) $(CFLAGS_ADD) $(ABI_FLAGS) $(SAN_FLAGS)
ALL_LDFLAGS	= $(if $(filter yes,$(STATIC)),-static) $(LDFLAGS) $(LDFLAGS_ADD) \
		  $(ABI_FLAGS) $(SAN_FLAGS) $(WRAP_LDFLAGS)

ifeq ($(MEMWRAP),yes)
WRAP_OBJ	:= $(O)/memwrap.o
WRAP_LDFLAGS	= -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free \
		  -Wl,--wrap=strdup,--wrap=strndup,--wrap=getaddrinfo
endif

# Soft-float MIPS: trap stand-ins for libgcc's hard-float soft-fp helpers
# (board/softfp-trap.c).
ifeq ($(SOFTFP_TRAP),yes)
BOARD_OBJS	+= $(O)/softfp-trap.o
endif
LINK_OBJS	= $(BOARD_OBJS) $(WRAP_OBJ)

# The sysroot of a board that builds its own musl (unless CC is given).
ifneq ($(MUSL_TARGET),)
ifneq ($(origin CC),command line)
TOOLCHAIN	:= $(SYSROOT)/.dotfwd-ok
endif
endif

ifeq ($(NEEDS_CHECK),no)
NEEDS		:=
endif

V		?= 0
ifeq ($(V),1)
msg		=
BR_LOG		=
else
msg		= @printf '  %-8s %s\n' '$(1)' '$(2)';
BR_LOG		= >$(1)/build.log 2>&1 || { tail -40 $(1)/build.log; exit 1; }
endif

.SUFFIXES:
.DELETE_ON_ERROR:
.PHONY: all run test test-build check-net fuzz soak bench install dist clean \
	distclean size size-line size-line-openwrt openwrt-build conf-accept \
	fetch help tools-check print-env print-version FORCE

# ======================================================================
all: $(O)/dotfwd

test-build: $(O)/dotfwd $(UNIT_TESTS) $(CONFCHECK) $(DOTFAULT) $(TEST_FUZZ)

# ---- tools present?  Phony and order-only: checked, never a rebuild cause.
tools-check:
	@missing=; for n in $(NEEDS); do \
		command -v $${n%%:*} >/dev/null 2>&1 || \
		    missing="$$missing $${n#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "dotfwd: BOARD=$(BOARD) needs these Debian packages:$$missing" >&2; \
		echo "dotfwd: install them with: apt-get install$$missing" >&2; \
		echo "dotfwd: (or run tests/setup.sh as root)" >&2; \
		exit 1; \
	fi

# ---- sources and sysroots
fetch: $(BR_TREE_DEP)

$(BUILDDIR)/src/bearssl-0.6/.dotfwd-unpacked:
	$(call msg,FETCH,bearssl 0.6)BEARSSL_SRC=$(call q,$(BR_TARBALL)) \
	    sh board/fetch.sh unpack bearssl $(call q,$(abspath $(DL_DIR))) \
	    $(BUILDDIR)/src

ifneq ($(TOOLCHAIN),)
# rebuilt when the board's MUSL_CFLAGS change (stamp beside the sysroot)
$(SYSROOT).flags: FORCE
	$(call stamp,$(MUSL_CFLAGS))
$(TOOLCHAIN): board/musl-sysroot.sh $(SYSROOT).flags | tools-check
	+$(call msg,MUSL,$(SYSROOT))JOBS=$(JOBS) MAKE=$(call q,$(MAKE)) \
	    sh board/musl-sysroot.sh $(call q,$(MUSL_TARGET)) \
	    $(call q,$(CROSS)gcc) $(call q,$(MUSL_CFLAGS)) \
	    $(call q,$(SYSROOT)) $(call q,$(MUSL_VARIANT)) \
	    $(call q,$(abspath $(DL_DIR)))
endif

# ---- BearSSL, one build per board and one for the host tool.  BearSSL's
# own make, its CFLAGS replaced by ours (TOOLCHAIN.md 3.1); obj/ is made
# first because its rules race under -j.  Parallel by itself when this make
# is not (-jJOBS), else it joins our jobserver.
# $(call br_build,DIR,CC,AR,CFLAGS)
define br_build
	$(call msg,BEARSSL,$(1)/libbearssl.a)rm -rf $(1)/obj $(1)/libbearssl.a && \
	    mkdir -p $(1)/obj
	+$(if $(filter 1,$(V)),,@)case " $$MAKEFLAGS " in \
	    *jobserver*) j= ;; *) j=-j$(JOBS) ;; esac; \
	$(MAKE) --no-print-directory -C $(BR_DIR) $$j CONF=Unix \
	    BUILD=$(abspath $(1)) CC=$(call q,$(2)) LD=$(call q,$(2)) \
	    AR=$(call q,$(3)) CFLAGS=$(call q,$(4)) DLL=no TOOLS=no TESTS=no \
	    lib $(BR_LOG)
endef

ifneq ($(BR_LIB),)
$(BR_LIB): $(BR_TREE) $(O)/bearssl.flags $(TOOLCHAIN) | tools-check
	$(call br_build,$(O)/bearssl,$(CC),$(AR),$(BR_CFLAGS))
endif

ifneq ($(HOST_BR_LIB),)
$(HOST_BR_LIB): $(BR_TREE) $(HOST_O)/bearssl.flags
	$(call br_build,$(HOST_O)/bearssl,$(HOSTCC),ar,$(HOST_CFLAGS))
endif

# ---- flag stamps: rewritten only when the flags change, so a change of
# CC/CFLAGS/BOARD settings rebuilds what it affects and nothing else.
FLAGS_SIG	= $(CC) | $(ALL_CFLAGS) | $(ALL_LDFLAGS) | $(BEARSSL_LIBS) | \
		  $(LINK_OBJS) | $(LIBC_DIET_LDFLAGS) | \
		  $(DO_STRIP)
BR_FLAGS_SIG	= $(CC) | $(AR) | $(BR_CFLAGS) | $(BR_DIR)
HOST_FLAGS_SIG	= $(HOSTCC) | $(HOST_CFLAGS) | $(BR_DIR)
TAGEN_SIG	= $(HOSTCC) | $(TAGEN_CFLAGS) | $(HOST_LDFLAGS) | $(HOST_BEARSSL_LIBS)
define stamp
	@mkdir -p $(@D); printf '%s\n' $(call q,$(1)) | cmp -s - $@ 2>/dev/null \
	    || printf '%s\n' $(call q,$(1)) >$@
endef
$(O)/flags: FORCE
	$(call stamp,$(FLAGS_SIG))
$(O)/bearssl.flags: FORCE
	$(call stamp,$(BR_FLAGS_SIG))
$(HOST_O)/bearssl.flags: FORCE
	$(call stamp,$(HOST_FLAGS_SIG))
$(HOST_O)/tagen.flags: FORCE
	$(call stamp,$(TAGEN_SIG))
$(O)/ta.list: FORCE
	$(call stamp,$(TA_PEMS))
FORCE:

# ---- trust anchors
$(TAGEN): $(TAGEN_SRCS) $(HDRS) $(HOST_BR_LIB) $(HOST_O)/tagen.flags \
    | $(BR_TREE_DEP)
	$(call msg,HOSTCC,$@)$(HOSTCC) $(TAGEN_CFLAGS) -o $@ $(TAGEN_SRCS) \
	    $(HOST_BEARSSL_LIBS) $(HOST_LDFLAGS)

$(O)/ta_builtin.c: $(TAGEN) $(TA_PEMS) $(O)/ta.list
	$(call msg,TAGEN,$@)$(TAGEN) $(TA_PEMS) >$@.tmp && mv $@.tmp $@

# ---- the daemon.  Every object depends on every header (BearSSL style).
$(O)/%.o: src/%.c $(HDRS) $(O)/flags $(TOOLCHAIN) | $(BR_TREE_DEP) tools-check
	$(call msg,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/ta_builtin.o: $(O)/ta_builtin.c $(HDRS) $(O)/flags $(TOOLCHAIN) \
    | $(BR_TREE_DEP)
	$(call msg,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/dotfwd.elf: $(OBJS) $(LINK_OBJS) $(BR_LIB) $(O)/flags
	$(call msg,LD,$@)$(CC) $(CFLAGS) -o $@ $(OBJS) $(LINK_OBJS) \
	    $(BEARSSL_LIBS) $(ALL_LDFLAGS) $(LIBC_DIET_LDFLAGS) \
	    -Wl,-Map=$(O)/dotfwd.map

# Stripped on the project's own boards; a caller's toolchain (custom
# board: OpenWrt's RSTRIP, a distribution's debug-symbol split) strips for
# itself, so it gets the symbols.
DO_STRIP	= $(if $(filter no,$(STRIP_BINARY)),,$(STRIP))
$(O)/dotfwd: $(O)/dotfwd.elf
	$(call msg,$(if $(DO_STRIP),STRIP,CP),$@)cp $< $@.tmp && \
	    $(if $(DO_STRIP),$(DO_STRIP) -s -R .comment $@.tmp &&) mv $@.tmp $@
	@printf '  %-8s %s: %s bytes\n' BUILT $@ "$$(wc -c <$@ | tr -d ' ')"

# ---- tests: unit tests and tools link all daemon objects but main.o.
$(O)/libdotfwd.a: $(LIB_OBJS)
	$(call msg,AR,$@)rm -f $@ && $(AR) rcs $@ $(LIB_OBJS)

$(O)/memwrap.o: tests/memwrap.c $(HDRS) $(O)/flags | $(BR_TREE_DEP)
	$(call msg,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/softfp-trap.o: board/softfp-trap.c $(O)/flags $(TOOLCHAIN)
	$(call msg,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/tests/%.o: tests/unit/%.c $(HDRS) $(TEST_HDRS) $(O)/flags $(TOOLCHAIN) \
    | $(BR_TREE_DEP)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(CC) $(ALL_CFLAGS) -Itests/unit -c -o $@ $<

$(O)/tests/confcheck.o: tests/conf/confcheck.c $(HDRS) $(O)/flags \
    $(TOOLCHAIN) | $(BR_TREE_DEP)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(CC) $(ALL_CFLAGS) -Itests/unit -c -o $@ $<

define test_link
	$(call msg,LD,$@)$(CC) $(CFLAGS) -o $@ $< $(LINK_OBJS) \
	    $(O)/libdotfwd.a $(BEARSSL_LIBS) $(ALL_LDFLAGS)
endef
$(O)/t_%: $(O)/tests/t_%.o $(O)/libdotfwd.a $(LINK_OBJS) $(BR_LIB)
	$(test_link)
$(O)/confcheck: $(O)/tests/confcheck.o $(O)/libdotfwd.a $(LINK_OBJS) \
    $(BR_LIB)
	$(test_link)

$(O)/tests/fault/%.o: tests/fault/%.c $(HDRS) $(wildcard tests/fault/*.h) \
    $(O)/flags $(TOOLCHAIN) | $(BR_TREE_DEP)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(CC) $(ALL_CFLAGS) -Itests/fault -c -o $@ $<

$(O)/dotfault: $(FAULT_OBJS) $(O)/libdotfwd.a $(LINK_OBJS) $(BR_LIB)
	$(call msg,LD,$@)$(CC) $(CFLAGS) -o $@ $(FAULT_OBJS) $(LINK_OBJS) \
	    $(O)/libdotfwd.a $(BEARSSL_LIBS) $(ALL_LDFLAGS)

$(O)/tests/fuzz_%.o: tests/fuzz/fuzz_%.c $(HDRS) $(O)/flags | $(BR_TREE_DEP)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/tests/fuzz-replay.o: tests/fuzz/replay.c $(O)/flags | $(BR_TREE_DEP)
	@mkdir -p $(@D)
	$(call msg,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/fuzz_%: $(O)/tests/fuzz_%.o $(O)/libdotfwd.a $(BR_LIB) $(FUZZ_MAIN) \
    $(LINK_OBJS)
	$(call msg,LD,$@)$(CC) $(CFLAGS) -o $@ $< $(FUZZ_MAIN) $(LINK_OBJS) \
	    $(O)/libdotfwd.a $(BEARSSL_LIBS) $(ALL_LDFLAGS) $(FUZZ_LDFLAGS)

# Keep the objects of pattern-built programs.
.SECONDARY:

# ======================================================================
# Running things

RUN_CONF	?= openwrt/dotfwd/files/dotfwd.config
RUN_ARGS	?=
# What `make run` needs on Debian: a compiler, make, xz and CA certificates
# for the BearSSL download, and the board's own packages (NEEDS, and
# TEST_NEEDS: the qemu that runs a cross board).  tests/setup.sh --only
# installs the missing ones as root, or prints the apt-get line and stops.
RUN_PKGS	= build-essential make xz-utils ca-certificates \
		  $(foreach n,$(NEEDS) $(if $(QEMU),$(TEST_NEEDS)),$(lastword $(subst :, ,$(n))))
run:
	@test -f $(RUN_CONF) || { echo "dotfwd: no $(RUN_CONF); give RUN_CONF=file" >&2; exit 1; }
	@sh tests/setup.sh --only $(sort $(RUN_PKGS))
	+@$(MAKE) --no-print-directory $(O)/dotfwd
	exec $(strip $(QEMU) $(O)/dotfwd -c $(RUN_CONF) $(RUN_ARGS))

# The boards `make test` builds and tests (the first must be host-asan).
TEST_BOARDS	?= host-asan native mipsel_24kc aarch64_cortex-a53 mips_24kc \
		   arm_cortex-a7_neon-vfpv4 x86_64
TEST_TIMEOUT	?= 300
test:
	+@TEST_BOARDS=$(call q,$(TEST_BOARDS)) JOBS=$(JOBS) \
	    TEST_TIMEOUT=$(TEST_TIMEOUT) MAKE=$(call q,$(MAKE)) \
	    bash tests/run.sh

check-net:
	+@JOBS=$(JOBS) TEST_TIMEOUT=$(TEST_TIMEOUT) MAKE=$(call q,$(MAKE)) \
	    bash tests/run.sh --net

# Accept the current outputs of tests/conf (with the host-asan build, as
# `make test` checks them).
ifeq ($(BOARD),host-asan)
conf-accept: $(O)/dotfwd $(CONFCHECK)
	ACCEPT=1 DOTFWD=$(abspath $(O)/dotfwd) \
	    CONFCHECK=$(if $(CONFCHECK),$(abspath $(CONFCHECK))) \
	    $(SHELL) tests/conf/run.sh
else
conf-accept:
	+@$(MAKE) --no-print-directory BOARD=host-asan conf-accept
endif

ifeq ($(BOARD),fuzz)
# Each target is fuzzed for FUZZ_SECONDS (30) from its committed corpus
# (tests/fuzz/corpus/<name>/ for fuzz_<name>.c); FUZZ_SECONDS=0 only
# replays the corpus, as `make test` does.  New inputs go to
# build/fuzz/corpus/, crashes to build/fuzz/fuzz_<name>-crash-*.
FUZZ_SECONDS	?= 30
fuzz: $(FUZZ_BINS)
	@test -n "$(FUZZ_BINS)" || echo "no fuzz targets (tests/fuzz/fuzz_*.c)"
	@set -e; for f in $(FUZZ_BINS); do \
		n=$${f##*/}; c=tests/fuzz/corpus/$${n#fuzz_}; \
		[ -d $$c ] || c=tests/fuzz/corpus/$$n; \
		if [ "$(FUZZ_SECONDS)" != 0 ]; then \
			mkdir -p $(O)/corpus/$$n; \
			echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
			$$f -max_total_time=$(FUZZ_SECONDS) \
			    -artifact_prefix=$(O)/$$n- $(O)/corpus/$$n \
			    $$(test -d $$c && echo $$c); \
		elif [ -d $$c ] && [ -n "$$(ls $$c)" ]; then \
			echo "fuzz: $$n: replaying $$c"; \
			$$f $$c/*; \
		else \
			echo "fuzz: $$n: built, no corpus in $$c"; \
		fi; \
	done
else
fuzz:
	+@$(MAKE) --no-print-directory BOARD=fuzz fuzz
endif

# Not part of make test: SOAK_SECONDS (600) of load, faults and attacks
# at once on the ASan build (tests/soak/soak.sh says what and prints).
SOAK_SECONDS	?= 600
soak:
	+@$(MAKE) --no-print-directory BOARD=host-asan test-build
	@SOAK_SECONDS=$(SOAK_SECONDS) \
	    DOTFWD=$(abspath $(BUILDDIR)/host-asan/dotfwd) \
	    DOTFAULT=$(abspath $(BUILDDIR)/host-asan/dotfault) \
	    bash tests/soak/soak.sh

bench: $(O)/dotfwd
	@set -- tests/bench/*.sh; if [ ! -f "$$1" ]; then \
		echo "no benchmarks (tests/bench/*.sh)"; exit 0; fi; \
	for f; do DOTFWD="$(strip $(QEMU) $(abspath $(O)/dotfwd))" \
	    bash $$f || exit 1; done

# make size: a table for the router boards; make size BOARD=x: details.
# Each board twice: as we build it, and as OpenWrt's SDK builds the
# package for that CPU (row "BOARD:openwrt"): the custom board, as the
# package's Build/Compile runs it, with the board's compiler, OpenWrt's
# TARGET_CFLAGS for the CPU (OPENWRT_CFLAGS and OPENWRT_CC in the board
# file) and its default hardening, into build/openwrt-BOARD/; its size is
# the one the package ships (stripped as OpenWrt's default sstrip -z does).
# SIZE_OPENWRT=no: our own builds only.
SIZE_BOARDS	?= mipsel_24kc mips_24kc aarch64_cortex-a53 \
		   arm_cortex-a7_neon-vfpv4 x86_64
SIZE_OPENWRT	?= yes
# include/hardening.mk with OpenWrt 24.10's defaults (format-security,
# SSP regular, FORTIFY_SOURCE=1, RELRO full; the package turns PIE off).
OPENWRT_HARDEN	= -Wformat -Werror=format-security -fstack-protector \
		  -D_FORTIFY_SOURCE=1 -Wl,-z,now -Wl,-z,relro
OPENWRT_LDFLAGS	= -znow -zrelro
ifneq ($(BOARD_GIVEN),)
size: $(O)/dotfwd
	@sh board/size.sh $(if $(DO_STRIP),,--packaged) $(O) $(call q,$(CROSS))
else
size:
	@for b in $(SIZE_BOARDS); do \
	    $(MAKE) -s --no-print-directory BOARD=$$b all >/dev/null || exit 1; \
	    [ $(SIZE_OPENWRT) = no ] || $(MAKE) -s --no-print-directory \
		BOARD=$$b openwrt-build >/dev/null || exit 1; \
	done
	@printf '%-32s %9s %9s %9s %7s\n' board 'file (B)' 'text (B)' \
	    BearSSL 'of text'
	@for b in $(SIZE_BOARDS); do \
	    $(MAKE) -s --no-print-directory BOARD=$$b size-line || exit 1; \
	    [ $(SIZE_OPENWRT) = no ] || $(MAKE) -s --no-print-directory \
		BOARD=$$b size-line-openwrt || exit 1; \
	done
	@echo '(BOARD: our stripped static binary; BOARD:openwrt: built with' \
	    "OpenWrt's flags for that CPU, as the package ships it; text =" \
	    'code + read-only data kept by the linker; make size BOARD=x for' \
	    'the split by part)'
endif
size-line: $(O)/dotfwd
	@sh board/size.sh --line $(BOARD) $(O) $(call q,$(CROSS))

# This board's CPU built the way the OpenWrt package is (see make size).
OPENWRT_O	= $(BUILDDIR)/openwrt-$(BOARD)
openwrt-build: $(O)/dotfwd
	+@$(MAKE) --no-print-directory \
	    BOARD=custom BUILD_NAME=openwrt-$(BOARD) \
	    CC=$(call q,$(CC) $(OPENWRT_CC)) CROSS=$(call q,$(CROSS)) \
	    AR=$(call q,$(AR)) STRIP=$(call q,$(STRIP)) \
	    CFLAGS=$(call q,$(OPENWRT_CFLAGS) $(OPENWRT_HARDEN)) \
	    LDFLAGS=$(call q,$(OPENWRT_LDFLAGS)) all
size-line-openwrt: openwrt-build
	@sh board/size.sh --line $(BOARD):openwrt --packaged $(OPENWRT_O) \
	    $(call q,$(CROSS))

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
install: $(O)/dotfwd
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(O)/dotfwd $(DESTDIR)$(SBINDIR)/dotfwd

# The release tarball (openwrt/dotfwd's PKG_SOURCE), reproducible; prints
# its path and sha256 (the package's PKG_HASH for that release).
dist:
	@sh board/dist.sh $(call q,$(VERSION)) $(BUILDDIR)/dist

# clean keeps the downloads, the unpacked BearSSL and the musl sysroots.
clean:
	rm -rf $(filter-out $(BUILDDIR)/dl $(BUILDDIR)/src \
	    $(BUILDDIR)/sysroot-%,$(wildcard $(BUILDDIR)/*))

distclean:
	rm -rf $(BUILDDIR)

# For tests/run.sh: one board's facts as shell assignments.
print-env:
	@printf "%s='%s'\n" O '$(O)' QEMU '$(QEMU)' CROSS '$(CROSS)' \
	    STATIC '$(STATIC)' STRIPPED '$(if $(DO_STRIP),yes,no)' \
	    FP_CHECK '$(FP_CHECK)' UNIT_TESTS '$(UNIT_TESTS)' \
	    SIZE_BUDGET '$(SIZE_BUDGET)' LIBC_DIET '$(LIBC_DIET)' \
	    PKGS '$(sort $(foreach n,$(NEEDS) $(TEST_NEEDS),$(lastword $(subst :, ,$(n)))))'

# For tests/openwrt: the version and the certificate clock floor.
print-version:
	@printf "%s='%s'\n" VERSION '$(VERSION)' TIME_FLOOR '$(TIME_FLOOR)' \
	    DOTFWD_EPOCH '$(DOTFWD_EPOCH)'

help:
	@echo 'Targets:'
	@echo '  all (default)  build/$$BOARD/dotfwd (BOARD=native: static musl, -Os, stripped)'
	@echo '  run            build, then run dotfwd in the foreground with RUN_CONF'
	@echo '                 (default $(RUN_CONF)); cross boards run under qemu'
	@echo '  test           install missing packages (tests/setup.sh), build the'
	@echo '                 TEST_BOARDS, run every test; last line "N passed, N failed"'
	@echo '                 TEST_BOARDS (boards with a QEMU run under qemu-user):'
	@echo '                 $(TEST_BOARDS)'
	@echo '  check-net      network tests against public resolvers (opt-in)'
	@echo '  bench          tests/bench/*.sh: dotfwd next to Unbound and stubby as DoT'
	@echo '                 forwarders and direct DoT, with dnsperf; prints figures'
	@echo '                 (BENCH_UPSTREAM=dnsdist|unbound BENCH_SECONDS=10 BENCH_CASES=...)'
	@echo '  fuzz           libFuzzer targets (clang-14), FUZZ_SECONDS (30) each;'
	@echo '                 FUZZ_SECONDS=0 replays the corpora (make test does too)'
	@echo '  soak           SOAK_SECONDS (600) of load, faults and attacks on the ASan'
	@echo '                 build: lost queries, VmHWM, fds, sanitizer findings'
	@echo '  size           per router board (SIZE_BOARDS): stripped size, BearSSL share,'
	@echo '                 and the same built with OpenWrt'"'"'s flags, as the package ships'
	@echo '                 it (SIZE_OPENWRT=no: not those); with BOARD=x: split by part'
	@echo '  dist           build/dist/dotfwd-$$VERSION.tar.gz (reproducible) and its sha256'
	@echo '  conf-accept    accept the current tests/conf outputs'
	@echo '  install        $$(DESTDIR)$$(PREFIX)/sbin/dotfwd (PREFIX=$(PREFIX))'
	@echo '  fetch          download and unpack BearSSL only'
	@echo '  clean          remove build output (keeps downloads and sysroots)'
	@echo '  distclean      remove build/ entirely'
	@echo 'Variables:'
	@echo '  BOARD          $(basename $(notdir $(wildcard board/*.mk)))'
	@echo '  CC CFLAGS LDFLAGS CPPFLAGS AR STRIP CROSS   override the board (CC alone:'
	@echo '                 the custom board: your flags + ours for size, not stripped)'
	@echo '  BEARSSL_SRC    local BearSSL tree or tarball instead of downloading'
	@echo '  BEARSSL_CFLAGS BEARSSL_LIBS   use a prebuilt BearSSL'
	@echo '  DL_DIR         download cache (default build/dl)'
	@echo '  SOURCE_DATE_EPOCH  the certificate clock floor is the later of it and'
	@echo '                 dotfwd'"'"'s own date (now $(DOTFWD_EPOCH)); dotfwd -V shows it'
	@echo '  V=1 JOBS=N HOSTCC HOST_CFLAGS'
	@echo '  WERROR=1       -Werror (make test sets it; never on the custom board)'
	@echo '  (version $(VERSION): PKG_VERSION in openwrt/dotfwd/Makefile)'
