#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run.sh: the test runner behind `make test` (and `make check-net`).
#
#   tests/run.sh [--no-setup] [--no-build] [--net] [BOARD...]
#
# Installs missing packages (tests/setup.sh), builds each board (BOARDS
# default to $TEST_BOARDS), then runs, per board:
#   host-asan   every build/host-asan/t_*, every fuzz target over its
#               committed corpus (build/host-asan/fuzz_NAME with
#               tests/fuzz/corpus/NAME, no libFuzzer: tests/fuzz/replay.c),
#               tests/conf/run.sh, and every tests/integration/[0-9]*.sh
#               with DOTFWD=build/host-asan/dotfwd (and
#               DOTFAULT=build/host-asan/dotfault, the fault server)
#   native etc. static/stripped checks, the same integration scripts
#   cross       (boards with QEMU: mipsel_24kc aarch64_cortex-a53 mips_24kc
#               arm_cortex-a7_neon-vfpv4 x86_64) static/stripped checks, the
#               float ABI (FP_CHECK: mips = soft-float, no FPU instruction;
#               armhf = hard-float VFP), the unit tests under qemu,
#               tests/integration/qemu-e2e.sh with
#               DOTFWD="<qemu> build/<board>/dotfwd".  A board whose qemu is
#               not installed fails ("qemu/BOARD"), it is not skipped.
# Default boards: host-asan native mipsel_24kc aarch64_cortex-a53 mips_24kc
# arm_cortex-a7_neon-vfpv4 x86_64; pick others with BOARD arguments or
# TEST_BOARDS="..." (e.g. TEST_BOARDS="mips_24kc x86_64" make test).
# --net runs tests/integration/net-*.sh against build/native/dotfwd instead.
#
# Protocol: programs print "ok - NAME", "not ok - NAME" or "skip - NAME:
# reason"; everything else passes through.  A program that exits non-zero
# without a "not ok" line, times out (TEST_TIMEOUT, 300 s) or prints no
# result at all counts as one failure named after it.  Builds and binary
# checks are counted the same way.  The last line is "N passed, N failed"
# (", N skipped" when some were); the exit status is 1 if anything failed.

set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1

MAKE=${MAKE:-make}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-3600}
TEST_BOARDS=${TEST_BOARDS:-host-asan native mipsel_24kc aarch64_cortex-a53 \
mips_24kc arm_cortex-a7_neon-vfpv4 x86_64}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:print_summary=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TOP
# The fault-injecting DoT server (tests/fault/), a host-asan build, for the
# integration scripts of every board.
DOTFAULT=${DOTFAULT:-$TOP/build/host-asan/dotfault}
export DOTFAULT

do_setup=1 do_build=1 net=0
while [ $# -gt 0 ]; do
	case $1 in
	--no-setup)	do_setup=0 ;;
	--no-build)	do_build=0 ;;
	--net)		net=1 ;;
	-*)		echo "usage: $0 [--no-setup] [--no-build] [--net] [BOARD...]" >&2
			exit 2 ;;
	*)		break ;;
	esac
	shift
done
[ $# -gt 0 ] && TEST_BOARDS="$*"

npass=0 nfail=0 nskip=0
failed=()
ctx=			# shown with failures in the summary, e.g. "[native]"

section() {
	printf '\n# ==== %s ==== (%d s)\n' "$*" "$SECONDS"
}

pass() {
	echo "ok - $1"
	npass=$((npass + 1))
}

fail() {
	echo "not ok - $1"
	nfail=$((nfail + 1))
	failed+=("$ctx $1")
}

skip() {
	echo "skip - $1"
	nskip=$((nskip + 1))
}

# Sub-makes join our jobserver under `make -jN test`, else run -jJOBS.
case " ${MAKEFLAGS:-} " in
*jobserver*)	J= ;;
*)		J=-j$JOBS ;;
esac
mk() {
	$MAKE --no-print-directory "$@"
}

# count FILE NAME RC: tally one program's output
count() {
	local f=$1 name=$2 rc=$3 p n s line
	p=$(grep -c '^ok - ' "$f")
	n=$(grep -c '^not ok - ' "$f")
	s=$(grep -c '^skip - ' "$f")
	npass=$((npass + p))
	nskip=$((nskip + s))
	nfail=$((nfail + n))
	while IFS= read -r line; do
		failed+=("$ctx ${line#not ok - }")
	done < <(grep '^not ok - ' "$f")
	if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			fail "$name: timed out after $TEST_TIMEOUT s"
		else
			fail "$name: exit status $rc"
		fi
	elif [ "$rc" -eq 0 ] && [ $((p + n + s)) -eq 0 ]; then
		fail "$name: printed no results"
	fi
}

# run NAME CMD...: run one test program with a time limit, stream its
# output, count its results, then end whatever it left running in its
# process group (timeout(1) gives the test a group of its own).
run() {
	local name=$1 out pid rc
	shift
	out=$(mktemp "${TMPDIR:-/tmp}/dotfwd-test.XXXXXX")
	timeout -k 10 "$TEST_TIMEOUT" "$@" >"$out" 2>&1 </dev/null &
	pid=$!
	cur=$pid
	tail -n +1 -s 0.2 -f --pid="$pid" "$out"
	wait "$pid"
	rc=$?
	kill -TERM -- "-$pid" 2>/dev/null
	cur=
	count "$out" "$name" "$rc"
	rm -f "$out"
}

# Interrupted: end the running test's process group too.
cur=
trap '[ -n "$cur" ] && kill -TERM -- "-$cur" 2>/dev/null; exit 130' INT TERM

# interp FILE: the command that runs a script (its #! line, else sh)
interp() {
	local first=
	IFS= read -r first <"$1" || true
	case $first in
	'#!'*)	first=${first#\#!}; echo "${first# }" ;;
	*)	echo sh ;;
	esac
}

# run_script NAME FILE [ARG...]: run a test script with its interpreter
run_script() {
	local name=$1 file=$2 cmd
	shift 2
	cmd=$(interp "$file")
	# shellcheck disable=SC2086
	run "$name" $cmd "$file" "$@"
}

finish() {
	local line i
	if [ ${#failed[@]} -gt 0 ]; then
		printf '\n# failed:\n'
		for i in "${failed[@]}"; do
			printf '#   %s\n' "${i# }"
		done
	fi
	line="$npass passed, $nfail failed"
	[ "$nskip" -gt 0 ] && line="$line, $nskip skipped"
	echo
	echo "$line"
	[ "$nfail" -eq 0 ]
	exit
}

# board_env BOARD: the board's facts (O QEMU CROSS STATIC STRIPPED FP_CHECK
# UNIT_TESTS SIZE_BUDGET LIBC_DIET PKGS) from the Makefile
board_env() {
	local e
	e=$(mk -s BOARD="$1" print-env) || return 1
	eval "$e"
	case $O in /*) ;; *) O=$TOP/$O ;; esac
}

# build BOARD TARGET...: counted as "build/BOARD"
build() {
	local b=$1
	shift
	section "build $b"
	# shellcheck disable=SC2086
	if timeout --foreground "$BUILD_TIMEOUT" $MAKE --no-print-directory $J BOARD="$b" \
	    WERROR="${WERROR:-1}" "$@"; then
		pass "build/$b"
	else
		fail "build/$b"
		return 1
	fi
}

# check_binary BOARD: the shipped binary is static, stripped, links no
# allocator nor printf family (LIBC_DIET boards), is within the
# board's size budget (SIZE_BUDGET bytes, when it has one) and has the
# board's float ABI (FP_CHECK)
check_binary() {
	local b=$1 bin=$O/dotfwd hdr n fns size
	hdr=$(readelf -lW "$bin" 2>&1)
	if [ "$LIBC_DIET" = yes ]; then
		# the link refuses them (LIBC_DIET_LDFLAGS); the map agrees
		n=$(grep -oE '\((lite_)?malloc|vfprintf|strerror|getopt)\.lo\)$' \
		    "$O/dotfwd.map" | sort -u | tr -d '()' | tr '\n' ' ')
		if [ -n "$n" ]; then
			fail "build/$b/libc-diet: the link map has $n"
		else
			pass "build/$b/libc-diet: no malloc, printf family, strerror or getopt linked"
		fi
	fi
	if [ -n "$SIZE_BUDGET" ]; then
		size=$(stat -c %s "$bin")
		if [ "$size" -le "$SIZE_BUDGET" ]; then
			pass "build/$b/size: $size bytes (budget $SIZE_BUDGET)"
		else
			fail "build/$b/size: $size bytes, over the board's budget of $SIZE_BUDGET (board/$b.mk SIZE_BUDGET: a feature pays for its bytes)"
		fi
	fi
	if [ "$STATIC" = yes ]; then
		if grep -qE '^ +(INTERP|DYNAMIC) ' <<<"$hdr"; then
			fail "build/$b/static: $bin is dynamically linked"
		else
			pass "build/$b/static"
		fi
	fi
	if [ "$STRIPPED" = yes ]; then
		if readelf -SW "$bin" | grep -q ' \.symtab '; then
			fail "build/$b/stripped: $bin has a symbol table"
		else
			pass "build/$b/stripped"
		fi
	fi
	if [ "$FP_CHECK" = armhf ]; then
		# Hard-float EABI, as OpenWrt builds for VFP cores: FPU
		# instructions are expected, float arguments go in VFP registers.
		if readelf -A "$bin" | grep -q 'Tag_ABI_VFP_args: VFP registers'; then
			pass "build/$b/hardfloat-abi"
		else
			readelf -A "$bin" | grep -E 'Tag_(ABI_VFP_args|FP_arch)' |
			    sed 's/^/# /'
			fail "build/$b/hardfloat-abi: readelf -A does not say VFP registers"
		fi
		return 0
	fi
	[ "$FP_CHECK" = mips ] || return 0
	if readelf -A "$bin" | grep -q 'FP ABI: Soft float'; then
		pass "build/$b/softfloat-abi"
	else
		readelf -A "$bin" | grep 'FP ABI' | sed 's/^/# /'
		fail "build/$b/softfloat-abi: readelf -A does not say Soft float"
	fi
	# Any FPU instruction: loads/stores/moves to coprocessor 1, FP
	# branches, and every fmt-suffixed FP operation (add.d, cvt.s.w, c.lt.d).
	# Read off the unstripped ELF (the same code): without its symbols
	# objdump takes MIPS16 code for MIPS32 and "finds" FPU instructions.
	n=$(fpu_insns "$O/dotfwd.elf" | wc -l)
	if [ "$n" -eq 0 ]; then
		pass "build/$b/no-fpu-instructions"
	else
		fns=$(fpu_insns "$O/dotfwd.elf" | sort | uniq -c | sort -rn |
		    awk '{ printf "%s%s (%d)", (NR > 1 ? ", " : ""), $2, $1 }')
		echo "# FPU instructions by function: $fns"
		fail "build/$b/no-fpu-instructions: $n FPU instructions"
	fi
}

# fpu_insns BINARY: one line per FPU instruction, naming its function
fpu_insns() {
	"${CROSS}objdump" -d "$1" | awk -F'\t' '
	/^[0-9a-f]+ <.*>:$/ { fn = $0; sub(/^[^<]*</, "", fn); sub(/>:$/, "", fn) }
	NF >= 3 {
		m = $3; sub(/ .*/, "", m)
		if (m ~ /^([ls][dwu]x?c1|m[ft]h?c1|[ct][ft]c1|bc1[ft]l?|bc1(eq|ne)z)$/ ||
		    m ~ /^(add|sub|mul|div|abs|neg|mov|movn|movz|movf|movt|sqrt|recip|rsqrt|madd|msub|nmadd|nmsub|cvt|trunc|round|ceil|floor|c|cmp|sel|seleqz|selnez|min|max|mina|maxa|class|rint)\.[sdwlp]/)
			print (fn == "" ? "?" : fn)
	}'
}

unit_tests() {
	local b=$1 t
	section "unit tests ($b${QEMU:+, under $QEMU})"
	if [ -z "$UNIT_TESTS" ]; then
		skip "unit/$b: no tests/unit/t_*.c"
		return
	fi
	for t in $UNIT_TESTS; do
		# shellcheck disable=SC2086
		run "unit/${t##*/}" $QEMU "$O/${t##*/}"
	done
}

integration() {
	local b=$1 f any=0
	section "integration ($b)"
	for f in tests/integration/[0-9]*.sh; do
		[ -f "$f" ] || continue
		any=1
		DOTFWD=$O/dotfwd BOARD=$b QEMU='' run_script "${f#tests/}" "$f"
	done
	[ $any = 1 ] || skip "integration/$b: no tests/integration/[0-9]*.sh"
}

# Every fuzz target replays its committed corpus (regressions, and the
# seeds that reach each branch), under the sanitizers.
fuzz_replay() {
	local f n any=0
	section "fuzz corpora ($1)"
	for f in tests/fuzz/fuzz_*.c; do
		[ -f "$f" ] || continue
		any=1
		n=${f##*/fuzz_}
		n=${n%.c}
		if [ ! -x "$O/fuzz_$n" ]; then
			fail "fuzz/$n: $O/fuzz_$n not built"
		elif [ ! -d "tests/fuzz/corpus/$n" ]; then
			fail "fuzz/$n: no corpus in tests/fuzz/corpus/$n"
		else
			run "fuzz/$n" "$O/fuzz_$n" "tests/fuzz/corpus/$n"
		fi
	done
	[ $any = 1 ] || skip "fuzz: no tests/fuzz/fuzz_*.c"
}

conf_tests() {
	local b=$1 save=$ctx
	section "configuration tests ($b)"
	if [ ! -f tests/conf/run.sh ]; then
		skip "conf: no tests/conf/run.sh"
		return
	fi
	# Both ways in: `dotfwd -t` and tests/conf/confcheck.c (conf.c alone).
	ctx="$save dotfwd -t:"
	DOTFWD=$O/dotfwd run_script conf/run.sh tests/conf/run.sh \
	    --dotfwd "$O/dotfwd"
	if [ -x "$O/confcheck" ]; then
		ctx="$save confcheck:"
		run_script conf/run.sh tests/conf/run.sh --confcheck \
		    "$O/confcheck"
	fi
	ctx=$save
}

qemu_e2e() {
	local b=$1 f=tests/integration/qemu-e2e.sh cmd="$QEMU $O/dotfwd"
	section "end to end under qemu ($b)"
	if [ ! -f $f ]; then
		skip "qemu-e2e/$b: no $f"
		return
	fi
	DOTFWD=$cmd BOARD=$b \
	    run_script "qemu-e2e" "$f"
}

# packaging: the OpenWrt package (init script, config, SDK-style build)
# and the LuCI app, checked with the builds made above.
packaging() {
	local f any=0 save=$ctx
	ctx="[openwrt]"
	section "openwrt package and LuCI app"
	for f in tests/openwrt/[0-9]*.sh; do
		[ -f "$f" ] || continue
		any=1
		DOTFWD=$TOP/build/native/dotfwd \
		    CONFCHECK=$TOP/build/host-asan/confcheck \
		    run_script "${f#tests/}" "$f"
	done
	if [ -f tests/luci/run.sh ]; then
		any=1
		CONFCHECK=$TOP/build/host-asan/confcheck \
		    run_script luci/run.sh tests/luci/run.sh
	fi
	[ $any = 1 ] || skip "openwrt: no tests/openwrt or tests/luci"
	ctx=$save
}

# `make size` over the cross boards built above: one line per board with
# the stripped size and BearSSL's share of the code.
size_table() {
	local b line out=$TOP/build/size.out save=$ctx
	ctx="[size]"
	section "make size ($*)"
	if ! $MAKE -s --no-print-directory size SIZE_BOARDS="$*" >"$out" 2>&1; then
		sed 's/^/# /' "$out"
		fail "make size"
		ctx=$save
		return
	fi
	cat "$out"
	for b in "$@"; do
		line=$(awk -v b="$b" '$1 == b' "$out")
		# board, file bytes, text bytes, BearSSL bytes, BearSSL %
		if echo "$line" | awk '{ p = $5 + 0; exit !(NF == 5 && $2 > 50000 &&
		    $4 > 10000 && $4 < $3 && p >= 5 && p <= 80) }'; then
			pass "size/$b: $(echo "$line" | awk '{print $2 " bytes, BearSSL " $5 " of the code"}')"
		else
			fail "size/$b: no plausible line in make size (got '$line')"
		fi
	done
	ctx=$save
}

# ----------------------------------------------------------------------
cross_built=
if [ "$net" = 1 ]; then
	TEST_BOARDS=native
	do_setup=0
fi

if [ "$do_setup" = 1 ]; then
	section setup
	extra=
	for b in $TEST_BOARDS; do
		board_env "$b" 2>/dev/null && extra="$extra $PKGS"
	done
	# shellcheck disable=SC2086
	if sh tests/setup.sh $extra; then
		pass setup
	else
		fail "setup: packages missing (see above)"
		finish
	fi
fi

if [ "$net" = 1 ]; then
	ctx='[net]'
	board_env native || finish
	[ "$do_build" = 0 ] || build native all || finish
	section "network tests (native, public resolvers)"
	any=0
	for f in tests/integration/net-*.sh; do
		[ -f "$f" ] || continue
		any=1
		DOTFWD=$O/dotfwd BOARD=native run_script "${f#tests/}" "$f"
	done
	[ $any = 1 ] || echo "no network tests (tests/integration/net-*.sh)"
	finish
fi

for b in $TEST_BOARDS; do
	ctx="[$b]"
	if ! board_env "$b"; then
		fail "board/$b: cannot read board/$b.mk"
		continue
	fi
	if [ -n "$QEMU" ]; then
		role=cross
	elif [ "$b" = host-asan ]; then
		role=asan
	else
		role=plain
	fi
	if [ "$do_build" = 1 ]; then
		case $role in
		plain)	build "$b" all || continue ;;
		*)	build "$b" test-build || continue ;;
		esac
	fi
	case $role in
	asan)
		unit_tests "$b"
		fuzz_replay "$b"
		conf_tests "$b"
		integration "$b"
		;;
	plain)
		section "binary checks ($b)"
		check_binary "$b"
		integration "$b"
		;;
	cross)
		cross_built="$cross_built $b"
		section "binary checks ($b)"
		check_binary "$b"
		# Without its qemu nothing below can run: one clear failure.
		if ! command -v "${QEMU%% *}" >/dev/null 2>&1; then
			fail "qemu/$b: ${QEMU%% *} not found (Debian: qemu-user-static; tests/setup.sh installs it)"
			continue
		fi
		unit_tests "$b"
		qemu_e2e "$b"
		;;
	esac
done
# shellcheck disable=SC2086 # a list of board names
[ -z "$cross_built" ] || size_table $cross_built
case " $TEST_BOARDS " in
*" host-asan "*)
	case " $TEST_BOARDS " in *" native "*) packaging ;; esac ;;
esac
finish
