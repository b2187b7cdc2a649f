#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 10-forwarders: dotfwd next to Unbound as a DoT forwarder (and stubby when
# installed), all relaying plain DNS from dnsperf over TLS to the same
# local Unbound DoT server with a test CA.  Prints figures, passes no
# judgement: the machine is shared, so read the ratios of one run.
#
#   make bench                      (DOTFWD=build/native/dotfwd)
#   BENCH_SECONDS=20 BENCH_CASES="dotfwd unbound" tests/bench/10-forwarders.sh
#
# Per case: a 2 s warm-up, then dnsperf closed-loop (4 sockets, 256 queries
# out, 2 s timeout) for BENCH_SECONDS -> max QPS and lost %; then a fixed
# 2000 qps for BENCH_SECONDS -> average latency; the forwarder's CPU time
# (utime+stime) per 100k answered queries in each phase, its peak RSS
# (VmHWM) and private RSS (RssAnon) at the end.  Every query name is
# unique (q<N>.bench.test, NXDOMAIN from the upstream) and Unbound runs
# with forward-no-cache, so every answer crosses the TLS connection.  With
# 2+ CPUs the forwarder runs alone on CPU 1; upstream and dnsperf share
# CPU 0.  Everything binds to 127.0.0.1; every process is stopped by PID.
# shellcheck disable=SC2034 # read by start_unbound (lib.sh)
UB_LOG_QUERIES=no
. "$(dirname "$0")/../integration/lib.sh"
need dnsperf unbound openssl dig taskset
need_dotfwd

SECS=${BENCH_SECONDS:-10}
CASES=${BENCH_CASES:-dotfwd unbound stubby}
NQ=${BENCH_QUERIES:-2000000}
if [ "$(nproc)" -ge 2 ]; then SUT_CPU=1 LOAD_CPU=0; else SUT_CPU=0 LOAD_CPU=0; fi

gen_pki
read -r UP FP <<<"$(free_port 2)" || bail "$SCRIPT: free ports"
start_unbound "$UP" "$PKI/dot.pem" "$PKI/dot.key" up
taskset -p -c "$LOAD_CPU" "$UB_PID" >/dev/null
awk -v n="$NQ" 'BEGIN { for (i = 0; i < n; i++) printf "q%d.bench.test A\n", i }' >"$T/queries"

# ---- one start function per case: config in $T, FWD_PID set
start_dotfwd_case() {
	local c="$T/dotfwd.conf"
	: >"$c"
	_conf_section "$c" "config dotfwd 'main'" "listen=127.0.0.1:$FP" \
	    allow=127.0.0.0/8 "ca_file=$PKI/ca.pem"
	conf_upstream "$c" up "address=127.0.0.1:$UP" auth_name=dot.test
	# shellcheck disable=SC2086 # DOTFWD may carry a qemu prefix
	taskset -c "$SUT_CPU" $DOTFWD -c "$c" >"$T/fwd.log" 2>&1 &
	FWD_PID=$!
}
start_unbound_case() {
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
	  module-config: "iterator"
	  tls-cert-bundle: "$PKI/ca.pem"
	  do-not-query-localhost: no
	  local-zone: "test." nodefault
	remote-control:
	  control-enable: no
	forward-zone:
	  name: "."
	  forward-addr: 127.0.0.1@$UP#dot.test
	  forward-tls-upstream: yes
	  forward-no-cache: yes
	EOF
	taskset -c "$SUT_CPU" unbound -d -c "$T/fwd-unbound.conf" >"$T/fwd.log" 2>&1 &
	FWD_PID=$!
}
start_stubby_case() {
	cat >"$T/stubby.yml" <<-EOF
	resolution_type: GETDNS_RESOLUTION_STUB
	dns_transport_list: [ GETDNS_TRANSPORT_TLS ]
	tls_authentication: GETDNS_AUTHENTICATION_REQUIRED
	tls_ca_file: "$PKI/ca.pem"
	listen_addresses: [ 127.0.0.1@$FP ]
	idle_timeout: 10000
	round_robin_upstreams: 0
	upstream_recursive_servers:
	  - address_data: 127.0.0.1
	    tls_port: $UP
	    tls_auth_name: "dot.test"
	EOF
	taskset -c "$SUT_CPU" stubby -C "$T/stubby.yml" >"$T/fwd.log" 2>&1 &
	FWD_PID=$!
}
version_of() {
	case $1 in
	dotfwd)	$DOTFWD -V 2>&1 | head -n 1 ;;
	unbound) unbound -V 2>&1 | sed -n 's/^Version /unbound /p' ;;
	stubby)	stubby -V 2>&1 | head -n 1 ;;
	esac
}

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
# dp FILE FIELD: a figure from dnsperf's summary
dp() {
	case $2 in
	qps)	awk '/Queries per second:/ { print int($4) }' "$1" ;;
	sent)	awk '/Queries sent:/ { print $3 }' "$1" ;;
	completed) awk '/Queries completed:/ { print $3 }' "$1" ;;
	lost)	awk '/Queries lost:/ { print $3 }' "$1" ;;
	avg_us)	awk '/Average Latency \(s\):/ { printf "%d", $4 * 1000000 }' "$1" ;;
	esac
}
# phase NAME DNSPERF_ARGS...: run dnsperf on the load CPU; prints "done ticks"
phase() {
	local name=$1 t0
	shift
	t0=$(ticks "$FWD_PID")
	taskset -c "$LOAD_CPU" dnsperf -s 127.0.0.1 -p "$FP" -d "$T/queries" \
	    -l "$SECS" -t 2 "$@" >"$T/$CASE.$name.out" 2>&1
	echo "$(dp "$T/$CASE.$name.out" completed) $(($(ticks "$FWD_PID") - t0))"
}
hz=$(getconf CLK_TCK)
# per100k DONE TICKS: CPU seconds per 100k answered queries
per100k() { awk -v d="${1:-0}" -v t="${2:-0}" -v hz="$hz" 'BEGIN { if (d > 0) printf "%.2f", t / hz * 100000 / d; else print "-" }'; }

rows=()
for CASE in $CASES; do
	command -v "$([ "$CASE" = dotfwd ] && echo "${DOTFWD%% *}" || echo "$CASE")" >/dev/null 2>&1 || {
		echo "# $CASE: not installed, skipped"
		continue
	}
	"start_${CASE}_case"
	PIDS+=("$FWD_PID")
	up=
	for i in $(seq 100); do
		if dig +tries=1 +time=1 @127.0.0.1 -p "$FP" "w$i.bench.test" A 2>/dev/null |
		    grep -q 'status: NXDOMAIN'; then up=1; break; fi
		alive "$FWD_PID" || break
		sleep 0.2
	done
	[ -n "$up" ] || { echo "# $CASE: no answer through it; log:"; tail -n 5 "$T/fwd.log" | sed 's/^/#   /'; stop_pid "$FWD_PID"; continue; }
	taskset -c "$LOAD_CPU" dnsperf -s 127.0.0.1 -p "$FP" -d "$T/queries" -l 2 -Q 1000 \
	    >/dev/null 2>&1
	read -r mdone mticks <<<"$(phase max -c 4 -q 256)"
	read -r fdone fticks <<<"$(phase fixed -Q 2000 -c 1 -q 100)"
	sent=$(dp "$T/$CASE.max.out" sent) lost=$(dp "$T/$CASE.max.out" lost)
	lostpct=$(awk -v s="${sent:-0}" -v l="${lost:-0}" 'BEGIN { printf "%.2f", s ? 100 * l / s : 0 }')
	rows+=("$(printf '%-8s %9s %7s %9s %10s %10s %9s %9s  %s' "$CASE" \
	    "$(dp "$T/$CASE.max.out" qps)" "$lostpct" \
	    "$(dp "$T/$CASE.fixed.out" avg_us)" "$(per100k "$mdone" "$mticks")" \
	    "$(per100k "$fdone" "$fticks")" "$(kb "$FWD_PID" VmHWM)" \
	    "$(kb "$FWD_PID" RssAnon)" "$(version_of "$CASE")")")
	stop_pid "$FWD_PID"
done

echo "# $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); phases of $SECS s; forwarder on CPU $SUT_CPU"
printf '%-8s %9s %7s %9s %10s %10s %9s %9s  %s\n' case 'max qps' 'lost%' \
    'avg us@2k' 'cpu s/100k' 'cpu@2k' 'VmHWM kB' 'anon kB' version
printf '%s\n' "${rows[@]}"
q_dotfwd=$(printf '%s\n' "${rows[@]}" | awk '$1 == "dotfwd" { print $2 }')
q_unbound=$(printf '%s\n' "${rows[@]}" | awk '$1 == "unbound" { print $2 }')
if [ -n "$q_dotfwd" ] && [ -n "$q_unbound" ] && [ "$q_unbound" -gt 0 ]; then
	echo "max qps dotfwd / unbound: $(awk -v a="$q_dotfwd" -v b="$q_unbound" 'BEGIN { printf "%.2f", a / b }')"
fi
