#!/usr/bin/env bash
# shellcheck disable=SC2317 # case_* and start_upstream_* are called by name
# SPDX-License-Identifier: MIT
# 10-forwarders: dotfwd next to Unbound as a DoT forwarder and stubby, all
# relaying plain DNS from dnsperf over TLS to the same local DoT upstream
# (test CA, certificate checks on), plus dnsperf asking that upstream
# directly over DoT.  Prints figures, passes no judgement: the machine is
# shared, so read the ratios of one run, not absolutes across runs.
#
#   make bench                        (DOTFWD=build/native/dotfwd)
#   BENCH_SECONDS=20 BENCH_CASES="dotfwd unbound" tests/bench/10-forwarders.sh
#
# Environment (defaults in brackets):
#   BENCH_UPSTREAM   dnsdist | unbound [dnsdist]: the DoT upstream.  dnsdist
#                    answers from rules (every qN.bench.test A 192.0.2.1);
#                    Unbound serves the same from a local zone but is slower
#                    over DoT, so with it the upstream is the bottleneck.
#   BENCH_CASES      [direct-dot dotfwd dotfwd-shipped unbound stubby]
#   BENCH_SECONDS    length of the max-load and fixed-rate phases [15]
#   BENCH_TRACE_SECONDS  length of each syscall-counting phase [3]
#   BENCH_RATE       the fixed rate in queries per second [2000]
#   BENCH_QUERIES    unique names in the query file [1000000]
#   BENCH_INSTALL    yes | no [yes]: as root, apt-get install the Debian
#                    packages dnsdist and stubby when missing (on a system
#                    with systemd, Debian's dnsdist package starts its own
#                    service); otherwise those cases are skipped (with
#                    dnsdist missing, Unbound is the upstream).
#
# Cases:
#   direct-dot      dnsperf -m dot straight to the upstream (the reference
#                   for latency: issue 11 wants dotfwd's p50 at 2000 qps
#                   within 0.03 ms of it).  Here the upstream is the system
#                   under test: it stays on CPU 0 and dnsperf moves to CPU 1.
#   dotfwd          one upstream address, defaults otherwise.
#   dotfwd-shipped  the shipped config's shape (openwrt/dotfwd/files/
#                   dotfwd.config): 2 listen addresses (127.0.0.1 and ::1,
#                   or 127.0.0.2 without IPv6), 2 upstream sections of 4
#                   addresses each (127.0.0.1-127.0.0.8, all served by the
#                   upstream), its timeouts and padding, but policy
#                   roundrobin so that every address connects and carries
#                   load; the second listen address gets its own short
#                   max-load phase.  SIGUSR1's counters show how many of the
#                   8 addresses answered queries.
#   unbound         Unbound as a forwarder: iterator only, forward-zone "."
#                   with forward-tls-upstream and forward-no-cache.
#   stubby          when installed; TLS only, authentication required.
#
# Per case, pinned with taskset: the forwarder alone on CPU 1, the upstream
# and dnsperf on CPU 0 (with one CPU, all on CPU 0).
#   cert check  before the measured run the forwarder is started once with
#               a wrong authentication name: it must not hand out the
#               upstream's answer ("ok"); "FAILED" ends the run with
#               status 1 after the table.
#   idle RSS    VmRSS 1 s after it listens, before its first query.
#   max qps     dnsperf closed loop (4 sockets, 256 queries out, 2 s
#               timeout) for BENCH_SECONDS after a 2 s warm-up at 1000 qps;
#               lost %, the forwarder's CPU % and CPU 0's busy % (when
#               CPU 0 is near 100 %, the load side limits max qps and CPU
#               per query is the figure to read).
#   cpu/100k    CPU seconds (all threads, from /proc/PID/task/*/schedstat)
#               per 100k answered queries at max load and at the fixed
#               rate, and their ratios to Unbound's in this run.
#   p50, p99    per-query latency from dnsperf -v at BENCH_RATE (1 socket,
#               100 out) for BENCH_SECONDS.
#   VmHWM       peak RSS after all phases.
#   sys/q       system calls per answered query at BENCH_RATE and at max
#               load, each over its own BENCH_TRACE_SECONDS phase (not the
#               measured ones): a tracefs instance with the event
#               raw_syscalls:sys_enter filtered on the forwarder's thread
#               IDs, counted as entries + overruns of its ring buffer
#               (needs root and tracefs; strace and perf's syscall
#               tracepoints do not work in every container).  The
#               syscalls of the fixed-rate phase are also listed by name.
# Query names are unique within each phase (qN.bench.test, from q0 on in
# every phase); none of the forwarders or the upstream caches answers.
# Everything binds to 127.0.0.0/8 or ::1; every process is stopped by PID.

# shellcheck disable=SC2034 # read by lib.sh
UB_LOG_QUERIES=no
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
need dnsperf unbound openssl dig kdig taskset ss
need_dotfwd

SECS=${BENCH_SECONDS:-15}
TSECS=${BENCH_TRACE_SECONDS:-3}
RATE=${BENCH_RATE:-2000}
NQ=${BENCH_QUERIES:-1000000}
UPSTREAM=${BENCH_UPSTREAM:-dnsdist}
CASES=${BENCH_CASES:-direct-dot dotfwd dotfwd-shipped unbound stubby}
INSTALL=${BENCH_INSTALL:-yes}
AUTH=dot.test
if [ "$(nproc)" -ge 2 ]; then SUT_CPU=1 LOAD_CPU=0; else SUT_CPU=0 LOAD_CPU=0; fi

case $UPSTREAM in
dnsdist|unbound) ;;
*) bail "$SCRIPT: BENCH_UPSTREAM" "dnsdist or unbound, not '$UPSTREAM'" ;;
esac

# ---------------------------------------------------------------- packages

APT_UPDATED=
# bench_pkg PKG TOOL: TOOL is there, or PKG (a Debian package) is
# installed now (as root, BENCH_INSTALL=yes); says what it does.
bench_pkg() {
	have "$2" && return 0
	if [ "$INSTALL" != yes ] || [ "$(id -u)" -ne 0 ] || ! have apt-get; then
		echo "# $2 not installed (Debian package $1; BENCH_INSTALL=yes as root installs it)"
		return 1
	fi
	echo "# installing the Debian package $1 for the benchmark"
	if [ -z "$APT_UPDATED" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -q >"$T/apt.log" 2>&1
		APT_UPDATED=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$1" \
	    >>"$T/apt.log" 2>&1 || { echo "# apt-get install $1 failed:"; tail -n 3 "$T/apt.log" | sed 's/^/#   /'; }
	have "$2"
}

if [ "$UPSTREAM" = dnsdist ] && ! bench_pkg dnsdist dnsdist; then
	echo "# dnsdist missing: Unbound is the upstream"
	UPSTREAM=unbound
fi
case " $CASES " in
*" stubby "*) bench_pkg stubby stubby || CASES=$(echo " $CASES " | sed 's/ stubby / /') ;;
esac

# ---------------------------------------------------------------- helpers

# cpu_ns PID: CPU time of all its threads in ns (schedstat; else ticks)
cpu_ns() {
	local f s=0 hz
	for f in /proc/"$1"/task/*/schedstat; do
		[ -r "$f" ] || continue
		read -r f _ <"$f" 2>/dev/null && s=$((s + f))
	done
	if [ "$s" -eq 0 ]; then
		hz=$(getconf CLK_TCK)
		s=$(awk -v hz="$hz" '{ printf "%d", ($14 + $15) * 1000000000 / hz }' "/proc/$1/stat" 2>/dev/null)
	fi
	echo "${s:-0}"
}
# core_jiffies CPU: "busy total" of one CPU from /proc/stat
core_jiffies() {
	awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= 9; i++) t += $i
	    print t - $5 - $6, t }' /proc/stat
}
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
# dp FILE FIELD: a figure from dnsperf's summary
dp() {
	case $2 in
	qps)	awk '/Queries per second:/ { print int($4) }' "$1" ;;
	sent)	awk '/Queries sent:/ { print $3 }' "$1" ;;
	completed) awk '/Queries completed:/ { print $3 }' "$1" ;;
	lost)	awk '/Queries lost:/ { print $3 }' "$1" ;;
	esac
}
# pct FILE: "p50 p99" in ms from dnsperf -v lines "> RCODE NAME TYPE SECONDS"
pct() {
	awk '/^> / { print $NF }' "$1" | sort -g | awk '
	    { v[NR] = $1 }
	    function p(q, i) { i = int(q * NR + 0.999999); if (i < 1) i = 1; return v[i] * 1000 }
	    END { if (NR) printf "%.3f %.3f\n", p(0.50), p(0.99); else print "- -" }'
}
# listening PID PORT: PID has a UDP socket bound to PORT
listening() { ss -Hulnp "sport = :$2" 2>/dev/null | grep -q "pid=$1,"; }
# wait_listen PID PORT: up to 10 s
wait_listen() {
	local i
	for i in $(seq 100); do
		listening "$1" "$2" && return 0
		alive "$1" || return 1
		sleep 0.1
	done
	return 1
}
# answers ADDR PORT NAME: the upstream's A record comes back
answers() {
	dig +tries=1 +time=2 +short @"$1" -p "$2" "$3" A 2>/dev/null | grep -qx 192.0.2.1
}

# ---------------------------------------------------------------- tracefs

TRACEFS=
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	[ -d "$d/instances" ] && [ -d "$d/events/raw_syscalls/sys_enter" ] && { TRACEFS=$d; break; }
done
[ "$(id -u)" -eq 0 ] || TRACEFS=
TRACE_INST=
SYSNAMES="$T/sysnames"
hdr=$(find /usr/include -path '*asm/unistd_64.h' 2>/dev/null | head -n 1)
if [ "$(uname -m)" = x86_64 ] && [ -n "$hdr" ]; then
	awk '$1 == "#define" && $2 ~ /^__NR_/ { sub(/^__NR_/, "", $2); print $3, $2 }' "$hdr" >"$SYSNAMES"
else
	: >"$SYSNAMES"
fi
echo "-1 -" >>"$SYSNAMES"	# never empty: sysmix reads it as its first file

trace_off() {
	[ -n "$TRACE_INST" ] || return 0
	echo 0 >"$TRACE_INST/events/raw_syscalls/sys_enter/enable" 2>/dev/null
	rmdir "$TRACE_INST" 2>/dev/null
	TRACE_INST=
}
# lib.sh's cleanup exits with the status it finds in $?: keep the script's
bench_cleanup() {
	local rc=$?
	trace_off
	(exit "$rc")
	cleanup
}
trap bench_cleanup EXIT

# syscalls PID OUT DNSPERF-ARGS...: run dnsperf (on $DP_CPU) while a fresh
# tracefs instance counts PID's syscalls; prints "completed syscalls"
# ("completed -" without tracefs).  OUT.sys gets "NR count" lines when the
# ring buffer kept every event.
syscalls() {
	local pid=$1 out=$2 t filter='' ev n
	shift 2
	if [ -z "$TRACEFS" ]; then
		taskset -c "$DP_CPU" dnsperf "$@" >"$out" 2>&1
		echo "$(dp "$out" completed) -"
		return
	fi
	TRACE_INST="$TRACEFS/instances/dotfwd-bench-$$"
	mkdir "$TRACE_INST" 2>/dev/null || { TRACE_INST=; TRACEFS=; syscalls "$pid" "$out" "$@"; return; }
	echo 16384 >"$TRACE_INST/buffer_size_kb" 2>/dev/null
	ev="$TRACE_INST/events/raw_syscalls/sys_enter"
	for t in /proc/"$pid"/task/*; do
		filter="${filter:+$filter || }common_pid == ${t##*/}"
	done
	if ! { echo "$filter" >"$ev/filter" && echo 1 >"$ev/enable"; } 2>/dev/null; then
		trace_off
		TRACEFS=
		syscalls "$pid" "$out" "$@"
		return
	fi
	taskset -c "$DP_CPU" dnsperf "$@" >"$out" 2>&1
	echo 0 >"$ev/enable"
	n=$(cat "$TRACE_INST"/per_cpu/cpu*/stats | awk '
	    $1 == "entries:" { n += $2 } $1 == "overrun:" { n += $2; o += $2 }
	    END { print n, o }')
	if [ "${n#* }" = 0 ]; then
		awk '{ for (i = 1; i < NF; i++) if ($i == "NR") { c[$(i + 1)]++; break } }
		    END { for (k in c) print k, c[k] }' "$TRACE_INST/trace" >"$out.sys"
	else
		: >"$out.sys"
	fi
	trace_off
	echo "$(dp "$out" completed) ${n% *}"
}
# sysmix FILE DONE: the top syscalls per query, by name
sysmix() {
	[ -s "$1" ] && [ "${2:-0}" -gt 0 ] 2>/dev/null || return 0
	awk -v d="$2" 'NR == FNR { name[$1] = $2; next }
	    $2 / d >= 0.005 { printf "%.2f %s\n", $2 / d, ($1 in name) ? name[$1] : "NR" $1 }' "$SYSNAMES" "$1" |
	    sort -rn | head -n 8 | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 } END { print "" }'
}

# ---------------------------------------------------------------- upstream

# shellcheck disable=SC2119 # gen_pki takes optional extras
gen_pki
read -r UP UPP FP <<<"$(free_port 3)" || bail "$SCRIPT: free ports"
UPADDRS="127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7 127.0.0.8"
awk -v n="$NQ" 'BEGIN { for (i = 0; i < n; i++) printf "q%d.bench.test A\n", i }' >"$T/queries"

start_upstream_dnsdist() {
	local a
	{
		echo 'setSecurityPollSuffix("")'
		echo "setLocal(\"127.0.0.1:$UPP\")"
		for a in $UPADDRS; do
			echo "addTLSLocal(\"$a:$UP\", \"$PKI/dot.pem\", \"$PKI/dot.key\", {provider=\"openssl\", maxInFlight=1000})"
		done
		echo 'addAction(makeRule("bench.test."), SpoofAction("192.0.2.1", {ttl=60}))'
		echo 'addAction(AllRule(), RCodeAction(DNSRCode.REFUSED))'
		echo 'setTCPRecvTimeout(30)'
	} >"$T/up-dnsdist.conf"
	taskset -c "$LOAD_CPU" dnsdist --supervised --disable-syslog -C "$T/up-dnsdist.conf" \
	    >"$T/up.log" 2>&1 &
	UP_PID=$!
}
start_upstream_unbound() {
	local a
	{
		cat <<-EOF
		server:
		  port: $UPP
		  interface: 127.0.0.1@$UPP
		EOF
		for a in $UPADDRS; do echo "  interface: $a@$UP"; done
		cat <<-EOF
		  tls-port: $UP
		  tls-service-pem: "$PKI/dot.pem"
		  tls-service-key: "$PKI/dot.key"
		  num-threads: 1
		  module-config: "iterator"
		  do-ip6: no
		  do-daemonize: no
		  username: ""
		  chroot: ""
		  pidfile: ""
		  directory: "$T"
		  use-syslog: no
		  logfile: ""
		  verbosity: 0
		  so-reuseport: no
		  interface-automatic: no
		  incoming-num-tcp: 256
		  tcp-idle-timeout: 30000
		  do-not-query-address: 0.0.0.0/0
		  access-control: 127.0.0.0/8 allow
		  local-zone: "." static
		  local-zone: "bench.test." redirect
		  local-data: "bench.test. 60 IN A 192.0.2.1"
		remote-control:
		  control-enable: no
		EOF
	} >"$T/up-unbound.conf"
	taskset -c "$LOAD_CPU" unbound -d -c "$T/up-unbound.conf" >"$T/up.log" 2>&1 &
	UP_PID=$!
}
"start_upstream_$UPSTREAM"
PIDS+=("$UP_PID")
for i in $(seq 100); do
	answers 127.0.0.1 "$UPP" q0.bench.test && break
	alive "$UP_PID" || break
	sleep 0.2
done
answers 127.0.0.1 "$UPP" q0.bench.test ||
    bail "$SCRIPT: $UPSTREAM upstream starts" "$(tail -n 10 "$T/up.log")"
for a in $UPADDRS; do
	kdig +retry=0 +time=2 +short +tls-ca="$PKI/ca.pem" +tls-hostname=$AUTH \
	    @"$a" -p "$UP" q1.bench.test A 2>/dev/null | grep -qx 192.0.2.1 ||
	    bail "$SCRIPT: upstream answers over DoT on $a:$UP" "$(tail -n 10 "$T/up.log")"
done
kdig +retry=0 +time=2 +short +tls-ca="$PKI/ca.pem" +tls-hostname=wrong.test \
    @127.0.0.1 -p "$UP" q2.bench.test A 2>/dev/null | grep -qx 192.0.2.1 &&
    bail "$SCRIPT: test PKI" "kdig accepted the upstream's certificate for wrong.test"

# ---------------------------------------------------------------- cases
# case_CASE NAME: config in $T, FWD_PID set; NAME is the
# authentication name to ask for (the wrong one in the cert check).

case_dotfwd() {
	local c="$T/dotfwd.conf"
	: >"$c"
	_conf_section "$c" "config dotfwd 'main'" "listen=127.0.0.1:$FP" \
	    allow=127.0.0.0/8 "ca_file=$PKI/ca.pem"
	conf_upstream "$c" up "address=127.0.0.1:$UP" "auth_name=$1"
	# shellcheck disable=SC2086 # DOTFWD may carry a qemu prefix
	taskset -c "$SUT_CPU" $DOTFWD -c "$c" >"$T/fwd.log" 2>&1 &
	FWD_PID=$!
}
LISTEN2=
case_dotfwd_shipped() {
	local c="$T/dotfwd-shipped.conf" a listen2 one='' two=''
	if have_v6; then LISTEN2=::1 listen2="[::1]:$FP"; else LISTEN2=127.0.0.2 listen2="127.0.0.2:$FP"; fi
	for a in $UPADDRS; do
		case $a in
		*.[1-4]) one="$one $a:$UP" ;;
		*) two="$two $a:$UP" ;;
		esac
	done
	: >"$c"
	_conf_section "$c" "config dotfwd 'main'" "listen=127.0.0.1:$FP $listen2" \
	    "allow=127.0.0.0/8 ::1/128" timeout_ms=2500 idle_timeout_ms=9000 \
	    connections=1 policy=roundrobin padding=128 log_level=info \
	    "ca_file=$PKI/ca.pem"
	conf_upstream "$c" one "address=${one# }" "auth_name=$1" enabled=1
	conf_upstream "$c" two "address=${two# }" "auth_name=$1" enabled=1
	# shellcheck disable=SC2086 # DOTFWD may carry a qemu prefix
	taskset -c "$SUT_CPU" $DOTFWD -c "$c" >"$T/fwd.log" 2>&1 &
	FWD_PID=$!
}
case_unbound() {
	cat >"$T/fwd-unbound.conf" <<-EOF
	server:
	  interface: 127.0.0.1@$FP
	  port: $FP
	  num-threads: 1
	  do-ip6: no
	  do-daemonize: no
	  username: ""
	  chroot: ""
	  pidfile: ""
	  directory: "$T"
	  use-syslog: no
	  logfile: ""
	  verbosity: 0
	  so-reuseport: no
	  module-config: "iterator"
	  tls-cert-bundle: "$PKI/ca.pem"
	  do-not-query-localhost: no
	  outgoing-interface: 127.0.0.1
	  local-zone: "test." nodefault
	remote-control:
	  control-enable: no
	forward-zone:
	  name: "."
	  forward-addr: 127.0.0.1@$UP#$1
	  forward-tls-upstream: yes
	  forward-no-cache: yes
	EOF
	taskset -c "$SUT_CPU" unbound -d -c "$T/fwd-unbound.conf" >"$T/fwd.log" 2>&1 &
	FWD_PID=$!
}
case_stubby() {
	cat >"$T/stubby.yml" <<-EOF
	resolution_type: GETDNS_RESOLUTION_STUB
	dns_transport_list: [ GETDNS_TRANSPORT_TLS ]
	tls_authentication: GETDNS_AUTHENTICATION_REQUIRED
	tls_query_padding_blocksize: 128
	tls_ca_file: "$PKI/ca.pem"
	appdata_dir: "$T"
	listen_addresses: [ 127.0.0.1@$FP ]
	idle_timeout: 10000
	round_robin_upstreams: 0
	upstream_recursive_servers:
	  - address_data: 127.0.0.1
	    tls_port: $UP
	    tls_auth_name: "$1"
	EOF
	taskset -c "$SUT_CPU" stubby -C "$T/stubby.yml" >"$T/fwd.log" 2>&1 &
	FWD_PID=$!
}
version_of() {
	case $1 in
	dotfwd*) $DOTFWD -V 2>&1 | head -n 1 ;;
	unbound) unbound -V 2>&1 | sed -n 's/^Version /unbound /p' ;;
	stubby)	echo "stubby $(stubby -V 2>&1 | awk '{ print $2; exit }')" ;;
	direct-dot)
		case $UPSTREAM in
		dnsdist) dnsdist --version 2>/dev/null | head -n 1 | awk '{ print $1, $2 }' ;;
		unbound) unbound -V 2>&1 | sed -n 's/^Version /unbound /p' ;;
		esac ;;
	esac
}

# cert_check CASE: start it with a wrong authentication name; "ok" when
# three queries through it get no 192.0.2.1 back.
cert_check() {
	local i bad=
	"case_${1//-/_}" wrong.test
	PIDS+=("$FWD_PID")
	if wait_listen "$FWD_PID" "$FP"; then
		sleep 0.5
		for i in 1 2 3; do
			answers 127.0.0.1 "$FP" "c$i.bench.test" && bad=1
		done
		if [ -n "$bad" ]; then echo FAILED; else echo ok; fi
	else
		echo "no-start"
	fi
	stop_pid "$FWD_PID"
	for i in $(seq 50); do listening_any "$FP" || break; sleep 0.1; done
}
listening_any() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }

# ---------------------------------------------------------------- one case

# phase NAME ADDR DNSPERF-ARGS...: dnsperf to ADDR:$PORT on $DP_CPU; sets
# P_DONE, P_NS (SUT CPU ns), P_BUSY (CPU 0 busy %)
phase() {
	local name=$1 addr=$2 n0 c0 c1
	shift 2
	n0=$(cpu_ns "$SUT_PID")
	c0=$(core_jiffies "$LOAD_CPU")
	taskset -c "$DP_CPU" dnsperf -m "$MODE" -s "$addr" -p "$PORT" -d "$T/queries" \
	    -t 2 -l "$SECS" "$@" >"$T/$CASE.$name.out" 2>&1
	P_NS=$(($(cpu_ns "$SUT_PID") - n0))
	c1=$(core_jiffies "$LOAD_CPU")
	P_DONE=$(dp "$T/$CASE.$name.out" completed)
	P_BUSY=$(awk -v a="$c0" -v b="$c1" 'BEGIN { split(a, x, " "); split(b, y, " ")
	    t = y[2] - x[2]; printf "%d", (t > 0 ? 100 * (y[1] - x[1]) / t : 0) }')
}
# per100k DONE NS: CPU seconds per 100k answered queries
per100k() {
	awk -v d="${1:-0}" -v n="${2:-0}" 'BEGIN { if (d > 0) printf "%.2f", n / 1e9 * 100000 / d; else print "-" }'
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }

declare -A R	# R[case,field]
DONE_CASES=()
CERT_FAILED=
run_case() {
	local c=$1 i up='' l2 sysfix sysmax d s n a q
	CASE=$c
	R[$c,cert]=-
	R[$c,idle]=-
	if [ "$c" = direct-dot ]; then
		SUT_PID=$UP_PID MODE=dot PORT=$UP DP_CPU=$SUT_CPU
	else
		R[$c,cert]=$(cert_check "$c")
		[ "${R[$c,cert]}" = FAILED ] && CERT_FAILED="$CERT_FAILED $c"
		"case_${c//-/_}" "$AUTH"
		PIDS+=("$FWD_PID")
		SUT_PID=$FWD_PID MODE=udp PORT=$FP DP_CPU=$LOAD_CPU
		if wait_listen "$FWD_PID" "$FP"; then
			sleep 1
			R[$c,idle]=$(kb "$FWD_PID" VmRSS)
		fi
		for i in $(seq 100); do
			answers 127.0.0.1 "$FP" "w$i.bench.test" && { up=1; break; }
			alive "$FWD_PID" || break
			sleep 0.2
		done
		if [ -z "$up" ]; then
			echo "# $c: no answer through it; log:"
			tail -n 5 "$T/fwd.log" | sed 's/^/#   /'
			stop_pid "$FWD_PID"
			return
		fi
	fi
	echo "# $c: measuring"
	l2=127.0.0.1
	[ "$c" = dotfwd-shipped ] && l2=$LISTEN2
	# warm-up (not measured)
	taskset -c "$DP_CPU" dnsperf -m "$MODE" -s "$l2" -p "$PORT" -d "$T/queries" \
	    -l 2 -Q 1000 -t 2 >"$T/$c.warm.out" 2>&1
	phase max 127.0.0.1 -c 4 -q 256
	R[$c,qps]=$(dp "$T/$c.max.out" qps)
	R[$c,lost]=$(awk -v s="$(dp "$T/$c.max.out" sent)" -v l="$(dp "$T/$c.max.out" lost)" \
	    'BEGIN { printf "%.2f", s ? 100 * l / s : 0 }')
	R[$c,cpu]=$(per100k "$P_DONE" "$P_NS")
	R[$c,sutpct]=$(awk -v n="$P_NS" -v s="$SECS" 'BEGIN { printf "%d", n / 1e7 / s }')
	R[$c,busy]=$P_BUSY
	if [ "$c" = dotfwd-shipped ]; then	# load the second listen address too
		taskset -c "$DP_CPU" dnsperf -m "$MODE" -s "$LISTEN2" -p "$PORT" -d "$T/queries" \
		    -t 2 -l "$TSECS" -c 4 -q 256 >"$T/$c.max2.out" 2>&1
	fi
	phase fixed 127.0.0.1 -Q "$RATE" -c 1 -q 100 -v
	R[$c,cpu2k]=$(per100k "$P_DONE" "$P_NS")
	R[$c,rate]=$(dp "$T/$c.fixed.out" qps)
	read -r R["$c,p50"] R["$c,p99"] <<<"$(pct "$T/$c.fixed.out")"
	read -r d s <<<"$(syscalls "$SUT_PID" "$T/$c.sysfix.out" -m "$MODE" -s 127.0.0.1 \
	    -p "$PORT" -d "$T/queries" -t 2 -l "$TSECS" -Q "$RATE" -c 1 -q 100)"
	sysfix=$(div "$s" "$d")
	R[$c,mix]=$(sysmix "$T/$c.sysfix.out.sys" "$d")
	read -r d s <<<"$(syscalls "$SUT_PID" "$T/$c.sysmax.out" -m "$MODE" -s 127.0.0.1 \
	    -p "$PORT" -d "$T/queries" -t 2 -l "$TSECS" -c 4 -q 256)"
	sysmax=$(div "$s" "$d")
	R[$c,sys]="$sysfix/$sysmax"
	R[$c,hwm]=$(kb "$SUT_PID" VmHWM)
	if [ "$c" = dotfwd-shipped ]; then
		if sigusr1_stats "$FWD_PID" "$T/fwd.log" >/dev/null; then
			n=0
			for a in $UPADDRS; do
				q=$(stat_up "$a:$UP" answers)
				[ "${q:-0}" -gt 0 ] && n=$((n + 1))
			done
			R[$c,note]="$n of 8 upstream addresses answered queries; listen address $LISTEN2 answered $(dp "$T/$c.max2.out" completed) in $TSECS s at max load"
		else
			R[$c,note]="no SIGUSR1 counters"
		fi
	fi
	[ "$c" = direct-dot ] || stop_pid "$FWD_PID"
	DONE_CASES+=("$c")
}

for c in $CASES; do
	case $c in
	direct-dot|dotfwd|dotfwd-shipped|unbound|stubby) ;;
	*) echo "# $c: unknown case, skipped"; continue ;;
	esac
	[ "$c" = stubby ] && ! have stubby && { echo "# stubby: not installed, skipped"; continue; }
	run_case "$c"
done

# ---------------------------------------------------------------- table

echo
echo "# $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '$1 == "MemTotal:" { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# upstream: $(version_of direct-dot) over DoT on CPU $LOAD_CPU with dnsperf $(dnsperf -h 2>&1 | awk '/^Version/ { print $2 }'); forwarder alone on CPU $SUT_CPU (direct-dot: dnsperf on CPU $SUT_CPU)"
echo "# phases: max load and $RATE qps of $SECS s each; syscalls over $TSECS s each ($([ -n "$TRACEFS" ] && echo "tracefs raw_syscalls:sys_enter" || echo "no tracefs: not counted"))"
fmt='%-14s %7s %5s %5s %5s %6s %5s %6s %5s %6s %6s %7s %7s %11s %5s\n'
# shellcheck disable=SC2059 # the format is ours
printf "$fmt" case 'max qps' lost% cpu% core0 'cpu/' 'x ub' 'cpu/' 'x ub' p50 p99 VmHWM 'idle' 'sys/q' cert
# shellcheck disable=SC2059
printf "$fmt" '' '' '' @max '%@max' '100k' '' '100k' '' ms ms kB 'RSS kB' '@rate/@max' check
# shellcheck disable=SC2059
printf "$fmt" '' '' '' '' '' '@max' '' "@$RATE" '' "@$RATE" "@$RATE" '' '' '' ''
for c in "${DONE_CASES[@]}"; do
	rx=- r2=-
	if [ "$c" != direct-dot ] && [ -n "${R[unbound,cpu]:-}" ]; then
		rx=$(div "${R[$c,cpu]}" "${R[unbound,cpu]}")
		r2=$(div "${R[$c,cpu2k]}" "${R[unbound,cpu2k]}")
	fi
	# shellcheck disable=SC2059
	printf "$fmt" "$c" "${R[$c,qps]}" "${R[$c,lost]}" "${R[$c,sutpct]}" "${R[$c,busy]}" \
	    "${R[$c,cpu]}" "$rx" "${R[$c,cpu2k]}" "$r2" "${R[$c,p50]}" "${R[$c,p99]}" \
	    "${R[$c,hwm]}" "${R[$c,idle]}" "${R[$c,sys]}" "${R[$c,cert]}"
done
for c in "${DONE_CASES[@]}"; do
	[ -n "${R[$c,mix]:-}" ] && echo "# $c syscalls per query at $RATE qps: ${R[$c,mix]}"
	[ -n "${R[$c,note]:-}" ] && echo "# $c: ${R[$c,note]}"
done
for c in "${DONE_CASES[@]}"; do
	[ "${R[$c,rate]}" -ge $((RATE * 95 / 100)) ] 2>/dev/null ||
	    echo "# $c: the fixed-rate phase reached only ${R[$c,rate]:-0} qps of $RATE (CPU starved?)"
done
echo "# versions: $(for c in "${DONE_CASES[@]}"; do version_of "$c"; done | awk '!seen[$0]++' |
    paste -sd, - | sed 's/,/, /g')"
if [ -n "${R[dotfwd,p50]:-}" ] && [ -n "${R[direct-dot,p50]:-}" ]; then
	echo "# p50 at $RATE qps, dotfwd - direct DoT: $(awk -v a="${R[dotfwd,p50]}" -v b="${R[direct-dot,p50]}" 'BEGIN { printf "%.3f", a - b }') ms"
fi
if [ -n "$CERT_FAILED" ]; then
	echo "# FAILED: with a wrong authentication name these still answered:$CERT_FAILED"
	exit 1
fi
exit 0
