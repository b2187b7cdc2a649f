# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# lib.sh: sourced by every tests/integration/*.sh script.
#
#   . "$(dirname "$0")/lib.sh"
#
# Gives each script a temp dir ($T), a cleanup trap that stops every
# process the script started (by PID), free loopback ports, a test PKI made
# with openssl, an Unbound DoT server, the daemon under test, a UCI config
# writer, and TAP-like output: one "ok - NAME" / "not ok - NAME" /
# "skip - NAME: reason" line per check, "# ..." diagnostics before a failure.
#
# Environment:
#   DOTFWD    the daemon command, word-split: "build/host-asan/dotfwd" or
#             "qemu-mipsel-static -cpu 24Kc build/mipsel_24kc/dotfwd".
#   KEEP_TMP  =1 keeps $T after the script ends (for debugging).
#   SLOW      wait multiplier; defaults to 5 when DOTFWD runs under qemu.
#
# Network rule: everything binds to 127.0.0.0/8 or ::1 only.

set -u

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPT=$(basename "$0" .sh)
DNSQ="$LIB_DIR/dnsq.py"

T=$(mktemp -d "/tmp/dotfwd-it.$SCRIPT.XXXXXX") || { echo "not ok - $SCRIPT: mktemp"; exit 1; }
# started as root, the daemon re-reads its config on SIGHUP as an
# unprivileged user (no capability to read past permissions): let it in
chmod 0711 "$T"
PORT_LOCKS=/tmp/dotfwd-it-ports
PIDS=()			# every process we started, stopped by cleanup
N_OK=0
N_FAIL=0
DF_PID=		# last dotfwd started (start_dotfwd)
DF_LOG=
DF_CONF=
UB_PID=		# last unbound started (start_unbound)
LAST_OUT=	# last client output file, shown on failure

case ${DOTFWD:-} in
qemu-*|*/qemu-*) : "${SLOW:=5}" ;;
*) : "${SLOW:=1}" ;;
esac

# ---------------------------------------------------------------- output

ok() { N_OK=$((N_OK + 1)); echo "ok - $1"; }

# skip NAME REASON
skip() { echo "skip - $1: $2"; }

# diag TEXT...: "# "-prefixed lines (from arguments or stdin with "-").
diag() {
	if [ "${1:-}" = - ]; then
		sed 's/^/# /'
	else
		printf '%s\n' "$@" | sed 's/^/# /'
	fi
}

# not_ok NAME [DIAG...]: the diagnostics, the tail of the current dotfwd
# log and the last client output, then the "not ok" line.
not_ok() {
	local name=$1
	shift
	N_FAIL=$((N_FAIL + 1))
	[ $# -gt 0 ] && diag "$@"
	if [ -n "$LAST_OUT" ] && [ -s "$LAST_OUT" ]; then
		diag "client output ($LAST_OUT):"
		tail -n 40 "$LAST_OUT" | diag -
	fi
	if [ -n "$DF_LOG" ] && [ -f "$DF_LOG" ]; then
		diag "dotfwd log tail ($DF_LOG):"
		tail -n 25 "$DF_LOG" | diag -
	fi
	echo "not ok - $name"
}

# check NAME COMMAND...: ok when COMMAND succeeds.
# (Its locals are _-prefixed: COMMAND may be a function that reads its
# caller's locals through bash's dynamic scoping.)
check() {
	local _ck_name=$1
	shift
	if "$@"; then ok "$_ck_name"; else not_ok "$_ck_name" "failed: $*"; fi
}

# bail NAME [DIAG...]: a failure the script cannot continue after.
bail() {
	not_ok "$@"
	exit 1
}

# finish: the script's last line.  Stops the last dotfwd with the
# stop_dotfwd check if it still runs; exit 0 if every check passed.
finish() {
	[ -n "$DF_PID" ] && alive "$DF_PID" && stop_dotfwd
	[ "$N_FAIL" -eq 0 ] && exit 0
	exit 1
}

# need TOOL...: skip the whole script when a tool is missing.
need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || { skip "$SCRIPT" "$t not installed"; exit 0; }
	done
}

have() { command -v "$1" >/dev/null 2>&1; }

# need_dotfwd: DOTFWD must be set and its first word runnable.
need_dotfwd() {
	local first
	[ -n "${DOTFWD:-}" ] || bail "$SCRIPT: DOTFWD set" "set DOTFWD to the daemon command"
	first=${DOTFWD%% *}
	command -v "$first" >/dev/null 2>&1 || bail "$SCRIPT: DOTFWD runnable" "not found: $first"
	case $DOTFWD in
	*" "*)	# a prefix such as qemu: the last word is the binary
		[ -e "${DOTFWD##* }" ] || bail "$SCRIPT: DOTFWD runnable" "not found: ${DOTFWD##* }" ;;
	esac
}

# ms: monotonic-enough wall clock in milliseconds.
ms() { echo $(($(date +%s%N) / 1000000)); }

# ---------------------------------------------------------------- cleanup

# pstate PID: the state letter from /proc (R, S, T, Z...), empty if gone.
pstate() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	st=${st##*) }
	echo "${st%% *}"
}

# stop_pid PID: TERM (CONT first, in case it is stopped), wait up to 2 s,
# then KILL; reap it and forget it.
stop_pid() {
	local pid=$1 i p keep=()
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -CONT "$pid" 2>/dev/null
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 20); do
			kill -0 "$pid" 2>/dev/null || break
			# an exited child stays a zombie (kill -0 works) until reaped
			[ "$(pstate "$pid")" = Z ] && break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
	return 0
}

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM HUP
	for p in "${PIDS[@]}"; do stop_pid "$p"; done
	for p in "$PORT_LOCKS"/*; do
		[ -f "$p/owner" ] && [ "$(cat "$p/owner" 2>/dev/null)" = "$$" ] && rm -rf "$p"
	done
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- ports

# have_v6: ::1 can be bound.
have_v6() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null
}

# free_port [N]: print N (default 1) ports in 20000-59999, each free for TCP and UDP on
# 127.0.0.1 (and ::1 when present) and reserved for this script (a lock
# dir under /tmp/dotfwd-it-ports, reclaimed when its owner is dead), so
# that scripts running at the same time never pick the same one.
free_port() {
	python3 - "$PORT_LOCKS" "$$" "${1:-1}" <<'EOF'
import os, random, socket, sys
locks, owner, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(locks, exist_ok=True)
try:
    os.chmod(locks, 0o1777)          # shared by every user running tests
except OSError:
    pass
def bindable(port):
    for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        for typ in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            try:
                s = socket.socket(fam, typ)
            except OSError:
                continue            # no IPv6 at all
            try:
                if typ == socket.SOCK_STREAM:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((addr, port))
            except OSError as e:
                if fam == socket.AF_INET6 and e.errno == 99:
                    continue        # EADDRNOTAVAIL: no ::1
                return False
            finally:
                s.close()
    return True
def alive(pid):
    try:
        os.kill(int(pid), 0)
        return True
    except (OSError, ValueError):
        return False
got = []
for _ in range(200 * want):
    if len(got) == want:
        break
    port = random.randrange(20000, 60000)
    d = os.path.join(locks, str(port))
    try:
        os.mkdir(d)
    except FileExistsError:
        try:
            prev = open(os.path.join(d, "owner")).read().strip()
        except OSError:
            continue                # being created right now
        if alive(prev):
            continue
        try:
            os.rename(d, d + ".stale.%s" % owner)
            import shutil; shutil.rmtree(d + ".stale.%s" % owner, True)
            os.mkdir(d)
        except OSError:
            continue
    with open(os.path.join(d, "owner"), "w") as f:
        f.write(owner)
    if bindable(port):
        got.append(port)
    else:
        import shutil; shutil.rmtree(d, True)
print(" ".join(map(str, got)))
sys.exit(0 if len(got) == want else 1)
EOF
}

# ---------------------------------------------------------------- PKI

PKI="$T/pki"

# pki_ca NAME CN: self-signed EC P-256 CA -> $PKI/NAME.pem, NAME.key
pki_ca() {
	local name=$1 cn=$2
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$PKI/$name.key" -out "$PKI/$name.pem" -days 3650 \
	    -subj "/O=dotfwd tests/CN=$cn" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign \
	    -addext subjectKeyIdentifier=hash >/dev/null 2>&1
}

# pki_csr NAME DNSNAME KEYTYPE: $PKI/NAME.key (ec: P-256, rsa: 2048), a
# CSR for CN=DNSNAME and the leaf extensions (SAN DNS:DNSNAME, serverAuth).
pki_csr() {
	local name=$1 dns=$2 kt=$3
	local key="$PKI/$name.key" csr="$PKI/$name.csr" ext="$PKI/$name.ext"
	case $kt in
	ec)  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key" 2>/dev/null ;;
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$key" 2>/dev/null ;;
	esac || return 1
	openssl req -new -key "$key" -out "$csr" -subj "/CN=$dns" 2>/dev/null || return 1
	cat >"$ext" <<-EOF
	subjectAltName=DNS:$dns
	basicConstraints=critical,CA:FALSE
	keyUsage=critical,digitalSignature,keyEncipherment
	extendedKeyUsage=serverAuth
	authorityKeyIdentifier=keyid
	EOF
}

# pki_sign_dates NAME CA START END: sign NAME's CSR with CA, valid from
# START to END (openssl ca dates, YYYYMMDDHHMMSSZ).
pki_sign_dates() {
	local name=$1 ca=$2 start=$3 end=$4 d="$PKI/db.$1"
	mkdir -p "$d" && : >"$d/index.txt" && openssl rand -hex 8 >"$d/serial" || return 1
	cat >"$d/ca.cnf" <<-EOF
	[ ca ]
	default_ca = tca
	[ tca ]
	database = $d/index.txt
	new_certs_dir = $d
	serial = $d/serial
	default_md = sha256
	policy = pol
	unique_subject = no
	[ pol ]
	commonName = supplied
	EOF
	openssl ca -batch -config "$d/ca.cnf" -cert "$PKI/$ca.pem" -keyfile "$PKI/$ca.key" \
	    -in "$PKI/$name.csr" -out "$PKI/$name.pem" -startdate "$start" -enddate "$end" \
	    -extfile "$PKI/$name.ext" -notext >/dev/null 2>&1
}

# pki_leaf NAME DNSNAME CA KEYTYPE [expired]: leaf certificate signed by
# CA ("ca" or "ca2") with SAN DNS:DNSNAME; KEYTYPE ec (P-256) or rsa
# (2048).  "expired" makes it valid Jan 2020 only.
pki_leaf() {
	local name=$1 dns=$2 ca=$3 kt=$4 expired=${5:-}
	pki_csr "$name" "$dns" "$kt" || return 1
	if [ -n "$expired" ]; then
		pki_sign_dates "$name" "$ca" 20200101000000Z 20200201000000Z
		return
	fi
	openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.pem" -CAkey "$PKI/$ca.key" \
	    -set_serial "0x$(openssl rand -hex 8)" -days 825 -sha256 \
	    -extfile "$PKI/$name.ext" -out "$PKI/$name.pem" 2>/dev/null
}

# gen_pki [extra...]: always the test CA "ca" ("dotfwd test CA") and the
# leaf "dot" (EC, dot.test, signed by ca).  Extras on request:
#   ca2     unrelated CA              dot-ca2  dot.test leaf signed by ca2
#   rsa     RSA-2048 dot.test leaf    other    other.test leaf (ca)
#   expired dot.test leaf (ca) valid only in Jan 2020
# Files: $PKI/NAME.pem (cert), $PKI/NAME.key.  $CA_FILE = $PKI/ca.pem.
gen_pki() {
	local x
	mkdir -p "$PKI"
	pki_ca ca "dotfwd test CA" && pki_leaf dot dot.test ca ec || bail "$SCRIPT: test PKI"
	for x in "$@"; do
		case $x in
		ca2|dot-ca2)
			[ -f "$PKI/ca2.pem" ] || pki_ca ca2 "unrelated CA" || bail "$SCRIPT: PKI ca2"
			[ "$x" = dot-ca2 ] && { pki_leaf dot-ca2 dot.test ca2 ec || bail "$SCRIPT: PKI $x"; } ;;
		rsa)	pki_leaf rsa dot.test ca rsa || bail "$SCRIPT: PKI $x" ;;
		other)	pki_leaf other other.test ca ec || bail "$SCRIPT: PKI $x" ;;
		expired) pki_leaf expired dot.test ca ec expired || bail "$SCRIPT: PKI $x" ;;
		*)	bail "$SCRIPT: PKI" "unknown gen_pki item $x" ;;
		esac
	done
	CA_FILE="$PKI/ca.pem"
}

# pin_of CERT: "sha256/BASE64" of the certificate's SubjectPublicKeyInfo.
pin_of() {
	printf 'sha256/%s\n' "$(openssl x509 -in "$1" -pubkey -noout |
	    openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)"
}

# ---------------------------------------------------------------- unbound

# The zone every test Unbound serves (local-zone test. static):
#   a.test A 192.0.2.1, AAAA 2001:db8::1   b.test A 192.0.2.2
#   probe.test A 192.0.2.99 (our readiness probe; never asked via dotfwd)
#   ready.test A 192.0.2.100 (dotfwd readiness probe)
#   who.test TXT "NAME" (which instance answered)
#   mid.test 40 x A 198.51.100.1-40 (~700 bytes: > 512, < 1232)
#   big.test 10 x TXT of 200 bytes (~2.2 KB: > 1232)
#   anything else in test.: NXDOMAIN (e.g. nope.test)
# dnsq.py's ZONE table mirrors this.

# start_unbound PORT CERT KEY [NAME] [ADDR]: Unbound serving DoT (TCP)
# and plain DNS (UDP) on ADDR@PORT (ADDR 127.0.0.1 or ::1), logging every
# query it receives to $T/NAME.log (UB_LOG_QUERIES=no: not, for the
# benchmarks).  Sets UB_PID; returns when it answers.
start_unbound() {
	local port=$1 cert=$2 key=$3 name=${4:-ub$1} addr=${5:-127.0.0.1}
	local conf="$T/$name.conf" i
	{
		cat <<-EOF
		server:
		  interface: $addr@$port
		  tls-port: $port
		  tls-service-pem: "$cert"
		  tls-service-key: "$key"
		  module-config: "iterator"
		  do-daemonize: no
		  username: ""
		  chroot: ""
		  pidfile: ""
		  directory: "$T"
		  logfile: "$T/$name.log"
		  use-syslog: no
		  verbosity: 1
		  log-queries: ${UB_LOG_QUERIES:-yes}
		  num-threads: 1
		  so-reuseport: no
		  interface-automatic: no
		  do-ip4: yes
		  do-ip6: $(case $addr in *:*) echo yes ;; *) echo no ;; esac)
		  tcp-idle-timeout: 30000
		  incoming-num-tcp: 64
		  access-control: 127.0.0.0/8 allow
		  access-control: ::1/128 allow
		  local-zone: "test." static
		  local-data: "a.test. 60 IN A 192.0.2.1"
		  local-data: "a.test. 60 IN AAAA 2001:db8::1"
		  local-data: "b.test. 60 IN A 192.0.2.2"
		  local-data: "probe.test. 60 IN A 192.0.2.99"
		  local-data: "ready.test. 60 IN A 192.0.2.100"
		  local-data: 'who.test. 60 IN TXT "$name"'
		EOF
		for i in $(seq 1 40); do
			echo "  local-data: \"mid.test. 60 IN A 198.51.100.$i\""
		done
		for i in $(seq 0 9); do
			printf '  local-data: %s\n' "'big.test. 60 IN TXT \"$i$(printf '%0199d' 0 | tr 0 x)\"'"
		done
		cat <<-EOF
		remote-control:
		  control-enable: no
		EOF
	} >"$conf"
	echo "$addr" >"$T/$name.addr"
	echo "$port" >"$T/$name.port"
	_run_unbound "$name"
}

_run_unbound() {
	local name=$1 addr port i
	addr=$(cat "$T/$name.addr")
	port=$(cat "$T/$name.port")
	unbound -d -c "$T/$name.conf" >>"$T/$name.err" 2>&1 &
	UB_PID=$!
	PIDS+=("$UB_PID")
	echo "$UB_PID" >"$T/$name.pid"
	for i in $(seq $((100 * SLOW))); do
		kill -0 "$UB_PID" 2>/dev/null ||
		    bail "$SCRIPT: unbound $name starts" "unbound exited:" \
		        "$(cat "$T/$name.err" "$T/$name.log" 2>/dev/null)"
		if dig @"$addr" -p "$port" +tries=1 +time=1 +short probe.test A 2>/dev/null |
		    grep -qx 192.0.2.99; then
			return 0
		fi
		sleep 0.1
	done
	bail "$SCRIPT: unbound $name starts" "no answer on $addr@$port within $((10 * SLOW)) s" \
	    "$(tail -n 20 "$T/$name.err" "$T/$name.log" 2>/dev/null)"
}

# stop_unbound NAME / restart_unbound NAME (same config, port and cert).
stop_unbound() { stop_pid "$(cat "$T/$1.pid")"; }
restart_unbound() { _run_unbound "$1"; }

# ub_queries NAME: the query lines Unbound NAME logged, minus our probes.
ub_queries() {
	grep -E 'info: [0-9a-fA-F.:]+ [^ ]+ [A-Za-z0-9]+ IN$' "$T/$1.log" 2>/dev/null |
	    grep -v ' probe\.test\. ' || true
}

# ---------------------------------------------------------------- BIND

# start_bind PORT [NAME]: BIND 9 (named) as a plain DNS server on
# 127.0.0.1@PORT, UDP and TCP, authoritative for the same test. zone as
# start_unbound's (who.test says "bind"), every query logged to
# $T/NAME.err ("... query: big.test IN TXT +E(0)T ..." : T = over TCP).
# No rndc channel, nothing written outside $T.  Sets BIND_PID; returns
# when it answers, bails when it does not.
start_bind() {
	local port=$1 name=${2:-bind} d="$T/${2:-bind}" i
	mkdir -p "$d"
	cat >"$d/named.conf" <<-EOF
	options {
		directory "$d";
		pid-file none;
		session-keyfile "$d/session.key";
		managed-keys-directory "$d";
		listen-on port $port { 127.0.0.1; };
		listen-on-v6 { none; };
		recursion no;
		dnssec-validation no;
		notify no;
		querylog yes;
		allow-query { 127.0.0.0/8; };
	};
	controls { };
	zone "test" { type primary; file "$d/test.zone"; };
	EOF
	{
		printf '$TTL 60\n@ IN SOA ns.test. admin.test. 1 3600 600 86400 60\n'
		printf '@ IN NS ns.test.\nns IN A 127.0.0.1\n'
		printf 'a IN A 192.0.2.1\na IN AAAA 2001:db8::1\nb IN A 192.0.2.2\n'
		printf 'probe IN A 192.0.2.99\nready IN A 192.0.2.100\n'
		printf 'who IN TXT "%s"\n' "$name"
		for i in $(seq 1 40); do printf 'mid IN A 198.51.100.%d\n' "$i"; done
		for i in $(seq 0 9); do
			printf 'big IN TXT "%d%s"\n' "$i" "$(printf '%0199d' 0 | tr 0 x)"
		done
	} >"$d/test.zone"
	named -g -c "$d/named.conf" >>"$T/$name.err" 2>&1 &
	BIND_PID=$!
	PIDS+=("$BIND_PID")
	echo "$BIND_PID" >"$T/$name.pid"
	for i in $(seq $((100 * SLOW))); do
		kill -0 "$BIND_PID" 2>/dev/null ||
		    bail "$SCRIPT: BIND $name starts" "named exited:" \
		        "$(tail -n 20 "$T/$name.err" 2>/dev/null)"
		if dig @127.0.0.1 -p "$port" +tries=1 +time=1 +short probe.test A 2>/dev/null |
		    grep -qx 192.0.2.99; then
			return 0
		fi
		sleep 0.1
	done
	bail "$SCRIPT: BIND $name starts" "no answer on 127.0.0.1@$port" \
	    "$(tail -n 20 "$T/$name.err" 2>/dev/null)"
}

# bind_queries NAME: the queries BIND NAME logged ("big.test IN TXT +E(0)T"),
# minus the readiness probe.
bind_queries() {
	sed -n 's/.*query: \(.*\) (127\.0\.0\.1).*/\1/p' "$T/${1:-bind}.err" 2>/dev/null |
	    grep -v '^probe\.test ' || true
}

# ---------------------------------------------------------------- config

# aes_hw: true where dotfwd's TLS puts AES-GCM first (tls.c: BearSSL's
# AES-NI code runs, on x86 with the aes and sse4_1 flags); elsewhere it
# puts ChaCha20-Poly1305 first, on both sides of a connection.
aes_hw() {
	case $(uname -m) in x86_64 | i?86) ;; *) return 1 ;; esac
	grep -qw aes /proc/cpuinfo && grep -qw sse4_1 /proc/cpuinfo
}

# conf_main FILE LISTEN_PORT [KEY=VALUE...]: write the 'main' section.
# Defaults: listen 127.0.0.1:PORT (+ [::1]:PORT when ::1 works), allow
# 127.0.0.0/8 (+ ::1/128), timeout_ms $TIMEOUT_MS (1500), ca_file $CA_FILE, log_level
# debug.  KEY=VALUE overrides or adds; for list keys (listen, allow) the
# value is space-separated; an empty value drops the key.
conf_main() {
	local file=$1 port=$2
	shift 2
	local listen="127.0.0.1:$port" allow="127.0.0.0/8"
	if have_v6; then
		listen="$listen [::1]:$port"
		allow="$allow ::1/128"
	fi
	_conf_section "$file" "config dotfwd 'main'" "listen=$listen" "allow=$allow" \
	    "timeout_ms=${TIMEOUT_MS:-1500}" "ca_file=${CA_FILE:-}" log_level=debug "$@"
}

# conf_server FILE KEY=VALUE...: a 'config server' section (listen is a
# list, space-separated), e.g.
#   conf_server "$C" listen="127.0.0.1:$PS" cert="$PKI/dot.pem" key=...
conf_server() {
	local file=$1
	shift
	_conf_section "$file" "config server" "$@"
}

# dotq CMD ARGS...: run dotq.py (DoT client behaviours); output in
# $T/dotq.out (also LAST_OUT).
DOTQ="$LIB_DIR/dotq.py"
dotq() {
	LAST_OUT="$T/dotq.out"
	echo "\$ dotq.py $*" >"$LAST_OUT"
	python3 "$DOTQ" "$@" >>"$LAST_OUT" 2>&1
}

# conf_upstream FILE NAME KEY=VALUE...: an upstream section, e.g.
#   conf_upstream "$C" u1 address="127.0.0.1:$P" auth_name=dot.test pin="$PIN"
# (list keys: address, pin; space-separated).
conf_upstream() {
	local file=$1 name=$2
	shift 2
	_conf_section "$file" "config upstream '$name'" "$@"
}

_conf_section() {
	local file=$1 head=$2 kv k v keys=() vals=() i seen
	shift 2
	for kv in "$@"; do		# later KEY=VALUE wins, first position kept
		k=${kv%%=*} v=${kv#*=} seen=
		for i in "${!keys[@]}"; do
			[ "${keys[$i]}" = "$k" ] && { vals[i]=$v; seen=1; }
		done
		[ -n "$seen" ] || { keys+=("$k"); vals+=("$v"); }
	done
	{
		[ -s "$file" ] && echo
		echo "$head"
		for i in "${!keys[@]}"; do
			k=${keys[$i]} v=${vals[$i]}
			[ -n "$v" ] || continue
			case $k in
			listen|allow|address|pin)
				for v in $v; do printf "\tlist %s '%s'\n" "$k" "$v"; done ;;
			*)	printf "\toption %s '%s'\n" "$k" "$v" ;;
			esac
		done
	} >>"$file"
}

# write_conf FILE LISTEN_PORT UPSTREAM_ADDR [AUTH_NAME [PIN...]]: the
# common case, one main section and one upstream 'u1'.
write_conf() {
	local file=$1 port=$2 up=$3 auth=${4:-dot.test}
	shift 3
	[ $# -gt 0 ] && shift
	: >"$file"
	conf_main "$file" "$port"
	conf_upstream "$file" u1 "address=$up" "auth_name=$auth" "pin=$*"
}

# ---------------------------------------------------------------- dotfwd

# start_dotfwd CONF PORT [ADDR] [WAIT_S]: launch_dotfwd + wait_dotfwd.
start_dotfwd() {
	launch_dotfwd "$1"
	wait_dotfwd "$2" "${3:-127.0.0.1}" "${4:-$((10 * SLOW))}"
}

# launch_dotfwd CONF: run "$DOTFWD -c CONF -v" in the background, output
# (stderr log) in CONF.log; sets DF_PID and DF_LOG.  Does not wait.
launch_dotfwd() {
	DF_CONF=$1
	DF_LOG="$1.log"
	# shellcheck disable=SC2086 # DOTFWD may be "qemu-... -cpu X binary"
	$DOTFWD -c "$1" -v >"$DF_LOG" 2>&1 &
	DF_PID=$!
	PIDS+=("$DF_PID")
}

# wait_dotfwd PORT [ADDR] [WAIT_S]: return once the dotfwd DF_PID answers
# anything (even REFUSED or SERVFAIL) on UDP ADDR@PORT; bail out with its
# log when it exits or stays silent for WAIT_S (default 10 s x SLOW).
wait_dotfwd() {
	local port=$1 addr=${2:-127.0.0.1} wait=${3:-$((10 * SLOW))} end rc
	end=$(($(date +%s) + wait))
	while [ "$(date +%s)" -lt "$end" ]; do
		if ! alive "$DF_PID"; then
			wait "$DF_PID"
			rc=$?
			bail "$SCRIPT: dotfwd starts" "dotfwd exited with status $rc ($DOTFWD -c $DF_CONF -v)" \
			    "config:" "$(cat "$DF_CONF")"
		fi
		if dig @"$addr" -p "$port" +tries=1 +time=$((2 * SLOW)) ready.test A \
		    >"$T/ready.out" 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	LAST_OUT="$T/ready.out"
	bail "$SCRIPT: dotfwd starts" "no reply on $addr@$port within $wait s"
}

# stop_dotfwd [PID [LOG]]: SIGTERM the daemon (default: the last one) and
# check it exits with status 0 within 5 s and its log has no sanitizer
# report (ASan/LSan/UBSan lines appear there when built with them).
stop_dotfwd() {
	local pid=${1:-$DF_PID} log=${2:-$DF_LOG} i rc p keep=()
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq $((50 * SLOW))); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		rc="none, still running after $((5 * SLOW)) s (state $(pstate "$pid"), wchan $(cat "/proc/$pid/wchan" 2>/dev/null); killed)"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	else
		wait "$pid" 2>/dev/null
		rc=$?
	fi
	for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
	LAST_OUT=
	_clean_exit() {
		[ "$rc" = 0 ] && ! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: [A-Za-z]+Sanitizer' "$log"
	}
	local DF_LOG=$log
	check "dotfwd (pid $pid) exits 0 on SIGTERM (status $rc), no sanitizer report" _clean_exit
}

# alive PID: the process runs (exists in /proc and is not a zombie).
# (Not kill -0: bash may reap the zombie between the two tests.)
alive() {
	local st
	st=$(pstate "$1")
	[ -n "$st" ] && [ "$st" != Z ]
}

# count_handshakes ADDR:PORT [LOG]: "handshake complete" lines naming
# exactly that upstream address (e.g. 127.0.0.1:853 or [::1]:853).
count_handshakes() {
	local re
	re=$(printf '%s' "$1" | sed 's/[].[]/\\&/g')
	grep 'handshake complete' "${2:-$DF_LOG}" | grep -cE "(^|[^0-9A-Fa-f.:])$re([^0-9]|\$)"
}

# log_has TEXT [LOG]: fixed string in the dotfwd log, any case (a reason
# may come from strerror: "Connection refused").
log_has() { grep -qiF -- "$1" "${2:-$DF_LOG}"; }

# ---------------------------------------------------------------- clients

# qdig ARGS...: dig with one try and a bounded wait; output in $T/dig.out
# (also LAST_OUT).  Returns dig's status (0 = got a reply).
qdig() {
	LAST_OUT="$T/dig.out"
	echo "\$ dig $*" >"$LAST_OUT"
	dig +tries=1 +time=$((3 * SLOW)) "$@" >>"$LAST_OUT" 2>&1
}

# qkdig ARGS...: same for kdig.
qkdig() {
	LAST_OUT="$T/dig.out"
	echo "\$ kdig $*" >"$LAST_OUT"
	kdig +retry=0 +time=$((3 * SLOW)) "$@" >>"$LAST_OUT" 2>&1
}

# From the last qdig/qkdig output:
# dig_status: NOERROR, SERVFAIL, ... (first reply shown)
dig_status() { sed -n 's/.*status: \([A-Z]*\)[,;].*/\1/p' "$T/dig.out" | tail -n 1; }
# dig_flags: "qr rd ra" ... (of the last reply; dig only)
dig_flags() { sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p' "$T/dig.out" | tail -n 1; }
# dig_size: ";; MSG SIZE  rcvd: N" of the last reply (dig only)
dig_size() { sed -n 's/^;; MSG SIZE  rcvd: \([0-9]*\).*/\1/p' "$T/dig.out" | tail -n 1; }
# dig_answers: the answer section's RR lines (dig or kdig)
dig_answers() {
	awk '/^;; ANSWER SECTION:/ {on=1; next} on && /^$/ {on=0} on && !/^;/' "$T/dig.out"
}
# dig_has VALUE: VALUE is the last field of an answer RR
dig_has() { dig_answers | awk -v v="$1" '$NF == v {f=1} END {exit !f}'; }
# dig_mismatch: dig/kdig complained about the ID or question
dig_mismatch() { grep -qiE 'mismatch|unexpected source' "$T/dig.out"; }

# answer_is STATUS [VALUE]: last reply has STATUS (and VALUE among its
# answers), without ID/question mismatch warnings.
answer_is() {
	[ "$(dig_status)" = "$1" ] || return 1
	dig_mismatch && return 1
	[ $# -lt 2 ] || dig_has "$2"
}

# dnsq CMD ARGS...: run dnsq.py; output in $T/dnsq.out (also LAST_OUT).
dnsq() {
	LAST_OUT="$T/dnsq.out"
	echo "\$ dnsq.py $*" >"$LAST_OUT"
	python3 "$DNSQ" "$@" >>"$LAST_OUT" 2>&1
}

# ================================================================ 1xx helpers
# For the fault-injection scripts (tests/integration/1[0-9][0-9]-*.sh):
# the dotfault server, dotfwd without -v, the SIGUSR1 counters, paced and
# parallel clients, a certificate valid from tomorrow.

# ---------------------------------------------------------------- dotfault

# need_dotfault: $DOTFAULT (tests/run.sh sets it; default the host-asan
# build) must be runnable.
need_dotfault() {
	: "${DOTFAULT:=$LIB_DIR/../../build/host-asan/dotfault}"
	[ -x "$DOTFAULT" ] || bail "$SCRIPT: DOTFAULT runnable" \
	    "not found: $DOTFAULT (make BOARD=host-asan test-build)"
}

# start_dotfault NAME PORT [OPT...]: the fault server on 127.0.0.1:PORT
# ($FT_ADDR overrides the address) with $PKI/dot.pem and dot.key (later
# "-c FILE -k FILE" in OPT win), logging to $T/NAME.flog.  Sets FT_PID;
# returns once it logged "ready", bails when it exits or stays silent.
start_dotfault() {
	local name=$1 port=$2
	shift 2
	echo "${FT_ADDR:-127.0.0.1}:$port" >"$T/$name.flisten"
	if [ $# -gt 0 ]; then printf '%s\n' "$@"; fi >"$T/$name.fopts"
	_run_dotfault "$name"
}

_run_dotfault() {
	local name=$1 listen opts=() log="$T/$1.flog" n0 i
	listen=$(cat "$T/$name.flisten")
	mapfile -t opts <"$T/$name.fopts"
	n0=$(_ft_ready "$log")
	"$DOTFAULT" -l "$listen" -c "$PKI/dot.pem" -k "$PKI/dot.key" \
	    --log "$log" "${opts[@]}" >>"$T/$name.ferr" 2>&1 &
	FT_PID=$!
	PIDS+=("$FT_PID")
	echo "$FT_PID" >"$T/$name.fpid"
	for i in $(seq $((50 * SLOW))); do
		[ "$(_ft_ready "$log")" -gt "$n0" ] && return 0
		alive "$FT_PID" || break
		sleep 0.1
	done
	bail "$SCRIPT: dotfault $name starts" "$DOTFAULT -l $listen ${opts[*]}" \
	    "$(tail -n 20 "$T/$name.ferr" "$log" 2>/dev/null)"
}

_ft_ready() {
	local n
	n=$(grep -cE '^([0-9]+ )?ready$' "$1" 2>/dev/null)
	echo "${n:-0}"
}

# stop_dotfault NAME / restart_dotfault NAME (same port and options; the
# log goes on in the same file).  ft_pid NAME: its PID.
stop_dotfault() { stop_pid "$(cat "$T/$1.fpid")"; }
restart_dotfault() { _run_dotfault "$1"; }
ft_pid() { cat "$T/$1.fpid"; }

# ft_log NAME: the log file.  ft_count NAME ERE [FROM]: how many lines of
# it match ERE (from line FROM on, default 1).  ft_lines NAME: its length
# now (for FROM: ft_count NAME ERE $((n + 1))).
ft_log() { echo "$T/$1.flog"; }
ft_count() {
	tail -n +"${3:-1}" "$T/$1.flog" 2>/dev/null | grep -cE -- "$2" || true
}
ft_lines() { wc -l <"$T/$1.flog"; }
# dotfault_count NAME ERE: the same as ft_count without FROM.
dotfault_count() { ft_count "$1" "$2"; }

# ft_wait NAME ERE FROM MAX_MS: wait (bounded, x SLOW) until a line from
# FROM on matches ERE; FT_WAITED gets the milliseconds waited.
ft_wait() {
	local t0 lim=$(($4 * SLOW))
	t0=$(ms)
	while :; do
		FT_WAITED=$(($(ms) - t0))
		[ "$(ft_count "$1" "$2" "$3")" -gt 0 ] && return 0
		[ "$FT_WAITED" -ge "$lim" ] && return 1
		sleep 0.05
	done
}

# df_wait ERE FROM MAX_MS [LOG]: the same for the dotfwd log (FROM: a line
# count from df_lines; lines after it); DF_WAITED gets the time waited.
df_wait() {
	local t0 lim=$(($3 * SLOW))
	t0=$(ms)
	while :; do
		DF_WAITED=$(($(ms) - t0))
		df_since "$2" "${4:-$DF_LOG}" | grep -qE -- "$1" && return 0
		[ "$DF_WAITED" -ge "$lim" ] && return 1
		sleep 0.05
	done
}

# ft_signal NAME SIG: USR1 toggles the black hole, USR2 resets every
# connection; waits for dotfault to log the effect ("silent on|off", or a
# "close reason=sigusr2" when it had connections).
ft_signal() {
	local name=$1 sig=$2 n0 i
	n0=$(ft_lines "$name")
	kill -"$sig" "$(ft_pid "$name")" || return 1
	[ "$sig" = USR1 ] || { sleep 0.2; return 0; }
	for i in $(seq $((30 * SLOW))); do
		[ "$(ft_count "$name" '^([0-9]+ )?silent (on|off)$' $((n0 + 1)))" -gt 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------- dotfwd

# launch_dotfwd_quiet CONF: launch_dotfwd without -v, so the log level is
# the configuration's (conf_main writes debug: pass log_level=info).
launch_dotfwd_quiet() {
	DF_CONF=$1
	DF_LOG="$1.log"
	# shellcheck disable=SC2086
	$DOTFWD -c "$1" >"$DF_LOG" 2>&1 &
	DF_PID=$!
	PIDS+=("$DF_PID")
}

# df_lines [LOG]: the dotfwd log's length now.  df_since N [LOG]: its
# lines after line N (without the "dotfwd: " prefix).
df_lines() { wc -l <"${1:-$DF_LOG}"; }
df_since() { tail -n +"$(($1 + 1))" "${2:-$DF_LOG}" | sed 's/^dotfwd: //'; }

# sigusr1_stats [PID [LOG]]: SIGUSR1 the daemon, wait for its "stats:"
# lines, keep them in $T/stats.out (STATS_OUT) and show them as "# "
# diagnostics.  Fails when no totals line comes within 5 s.
STATS_OUT=
sigusr1_stats() {
	local pid=${1:-$DF_PID} log=${2:-$DF_LOG} n0 i
	n0=$(df_lines "$log")
	STATS_OUT="$T/stats.out"
	: >"$STATS_OUT"
	kill -USR1 "$pid" 2>/dev/null || return 1
	for i in $(seq $((50 * SLOW))); do
		df_since "$n0" "$log" | grep -q '^stats: uptime' && break
		sleep 0.1
	done
	sleep 0.2	# the per-address lines follow the totals at once
	df_since "$n0" "$log" | grep '^stats: ' >"$STATS_OUT"
	diag - <"$STATS_OUT"
	grep -q '^stats: uptime' "$STATS_OUT"
}

# stat_up ADDR:PORT FIELD: a counter from the last sigusr1_stats line of
# that address (queries answers timeouts resent handshakes resumed
# failures network timeout certificate tls silent lost rtt); empty when
# absent.  stat_up_state ADDR:PORT: up or down.  stat_total FIELD: from
# the totals line (udp tcp answered servfail timeouts refused ...).
stat_up() {
	grep -F "stats: upstream $1 " "$STATS_OUT" | tail -n 1 |
	    grep -oE "[ (]$2 [0-9]+" | head -n 1 | grep -oE '[0-9]+$' || true
}
stat_up_state() {
	grep -F "stats: upstream $1 " "$STATS_OUT" | tail -n 1 |
	    grep -oE '\): (up|down),' | grep -oE 'up|down' || true
}
stat_total() {
	grep '^stats: uptime' "$STATS_OUT" | tail -n 1 |
	    grep -oE "[ (]$1 [0-9]+" | head -n 1 | grep -oE '[0-9]+$' || true
}

# ge VALUE MIN / le VALUE MAX: numeric comparisons that are false (not an
# error) when VALUE is empty or not a number.
ge() { [[ ${1:-} =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ]; }
le() { [[ ${1:-} =~ ^[0-9]+$ ]] && [ "$1" -le "$2" ]; }

# ---------------------------------------------------------------- clients

# dns_pace PORT COUNT INTERVAL_MS WAIT_S [NAME[/TYPE]]: COUNT UDP queries
# for NAME (default a.test; a "%d" in it becomes the query's number N),
# one every INTERVAL_MS, each from its own socket; every reply
# is collected (for up to WAIT_S after its query, and 300 ms after its
# first reply to see a duplicate) without holding up the pace.  $T/pace.out (also LAST_OUT) gets one line per query
# "N SENT_MS RCODE|noreply LATENCY_MS REPLIES", then the summary
# "pace sent N answered N noreply N duplicate N rcodes R:n,... max_ms M
# first_noerror_ms F" (F: from the first query's send time, -1 if none).
# Returns 0 when every query got exactly one reply.
dns_pace() {
	LAST_OUT="$T/pace.out"
	python3 - "$@" >"$LAST_OUT" 2>&1 <<'EOF'
import random, select, socket, struct, sys, time
port, count, interval, wait = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
tmpl, _, qtype = (sys.argv[5] if len(sys.argv) > 5 else "a.test").partition("/")
qt = {"A": 1, "AAAA": 28, "TXT": 16}[(qtype or "A").upper()]
RC = {0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED", 1: "FORMERR"}
def q(qid, i):
    name = tmpl % i if "%d" in tmpl else tmpl
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + b"".join(
        bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack("!HH", qt, 1)
t0 = time.monotonic()
qs = []       # [sock, id, sent, rcode, latency, replies, watch until]
nxt = t0
while True:
    now = time.monotonic()
    if len(qs) < count and now >= nxt:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("127.0.0.1", port))
        qid = random.randrange(65536)
        s.send(q(qid, len(qs)))
        qs.append([s, qid, now, None, None, 0, now + wait])
        nxt += interval / 1000.0
        continue
    for x in qs:
        if x[0] is not None and now >= x[6]:
            x[0].close(); x[0] = None
    live = [x for x in qs if x[0] is not None]
    if len(qs) == count and not live:
        break
    until = min([x[6] for x in live] + ([nxt] if len(qs) < count else []))
    r, _, _ = select.select([x[0] for x in live], [], [], max(0.0, until - now))
    for s in r:
        x = next(y for y in qs if y[0] is s)
        try:
            buf = s.recv(65535)
        except OSError:
            continue
        if len(buf) < 12 or struct.unpack("!H", buf[:2])[0] != x[1]:
            continue
        x[5] += 1
        if x[3] is None:
            x[3] = RC.get(buf[3] & 15, str(buf[3] & 15))
            x[4] = int((time.monotonic() - x[2]) * 1000)
            x[6] = min(x[6], time.monotonic() + 0.3)   # watch for duplicates
rc = {}
first = -1
for i, x in enumerate(qs):
    print("%d %d %s %s %d" % (i, (x[2] - t0) * 1000, x[3] or "noreply",
          x[4] if x[4] is not None else -1, x[5]))
    if x[3]:
        rc[x[3]] = rc.get(x[3], 0) + 1
    if x[3] == "NOERROR" and first < 0:
        first = int((x[2] - t0) * 1000 + x[4])
ans = sum(1 for x in qs if x[3])
dup = sum(1 for x in qs if x[5] > 1)
print("pace sent %d answered %d noreply %d duplicate %d rcodes %s max_ms %d first_noerror_ms %d" % (
    len(qs), ans, len(qs) - ans, dup, ",".join("%s:%d" % kv for kv in sorted(rc.items())) or "-",
    max([x[4] for x in qs if x[4] is not None] or [-1]), first))
sys.exit(0 if ans == len(qs) and dup == 0 else 1)
EOF
}

# pace_field KEY: a number from dns_pace's summary ("answered", "max_ms"...)
# pace_rcode RCODE: how many replies had it.
pace_field() {
	grep '^pace ' "$T/pace.out" | grep -oE "(^| )$1 -?[0-9]+" | grep -oE -- '-?[0-9]+$'
}
pace_rcode() {
	local n
	n=$(grep '^pace ' "$T/pace.out" | grep -oE "[ ,]$1:[0-9]+" | grep -oE '[0-9]+$')
	echo "${n:-0}"
}

# par_dig N DIG-ARGS...: N dig processes at once (one try, 4 s x SLOW
# each) to a server on 127.0.0.1; outputs in $T/par.I.out.  Sets
# PAR_REPLIES (digs that printed exactly one status line), PAR_MULTI
# (more than one), PAR_NONE (none), PAR_NOERROR, PAR_SERVFAIL, PAR_MAX_MS
# (slowest "Query time").  Each dig gets its own reserved source port
# (-b): dig picks random ports with SO_REUSEPORT, so two parallel digs
# can share one, and then a reply reaches the wrong process (seen in a
# packet capture: one dig timed out although its answer was sent).
par_dig() {
	local n=$1 i f c pids=() st qt src
	shift
	read -r -a src <<<"$(free_port "$n")" || bail "$SCRIPT: par_dig source ports"
	for i in $(seq "$n"); do
		dig -b "127.0.0.1#${src[$((i - 1))]}" +tries=1 +time=$((4 * SLOW)) \
		    "$@" >"$T/par.$i.out" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}" 2>/dev/null
	PAR_REPLIES=0 PAR_MULTI=0 PAR_NONE=0 PAR_NOERROR=0 PAR_SERVFAIL=0 PAR_MAX_MS=0
	for i in $(seq "$n"); do
		f="$T/par.$i.out"
		c=$(grep -c 'status: ' "$f")
		case $c in
		0) PAR_NONE=$((PAR_NONE + 1)); LAST_OUT=$f ;;
		1) PAR_REPLIES=$((PAR_REPLIES + 1)) ;;
		*) PAR_MULTI=$((PAR_MULTI + 1)); LAST_OUT=$f ;;
		esac
		st=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' "$f" | head -n 1)
		[ "$st" = NOERROR ] && PAR_NOERROR=$((PAR_NOERROR + 1))
		[ "$st" = SERVFAIL ] && PAR_SERVFAIL=$((PAR_SERVFAIL + 1))
		qt=$(sed -n 's/^;; Query time: \([0-9]*\) msec.*/\1/p' "$f" | head -n 1)
		[ -n "$qt" ] && [ "$qt" -gt "$PAR_MAX_MS" ] && PAR_MAX_MS=$qt
	done
	diag "par_dig $n x dig $*: replies $PAR_REPLIES, none $PAR_NONE, more than one $PAR_MULTI," \
	    "NOERROR $PAR_NOERROR, SERVFAIL $PAR_SERVFAIL, slowest $PAR_MAX_MS ms"
}

# ---------------------------------------------------------------- clock

# kernel_clock_synced: adjtimex() says the clock is synchronised (no
# STA_UNSYNC): then dotfwd starts with strict time checks.
kernel_clock_synced() {
	python3 - <<'EOF'
import ctypes, ctypes.util, sys
L = ctypes.c_long
class Timex(ctypes.Structure):
    _fields_ = [("modes", ctypes.c_uint), ("offset", L), ("freq", L), ("maxerror", L),
                ("esterror", L), ("status", ctypes.c_int), ("constant", L), ("precision", L),
                ("tolerance", L), ("tv_sec", L), ("tv_usec", L), ("tick", L), ("ppsfreq", L),
                ("jitter", L), ("shift", ctypes.c_int), ("stabil", L), ("jitcnt", L),
                ("calcnt", L), ("errcnt", L), ("stbcnt", L), ("tai", ctypes.c_int),
                ("pad", ctypes.c_int * 11)]
libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
t = Timex()
if libc.adjtimex(ctypes.byref(t)) == -1:
    sys.exit(1)                     # unknown: treat as not synchronised
sys.exit(0 if not (t.status & 0x40) else 1)   # STA_UNSYNC
EOF
}

# pki_leaf_dates NAME DNSNAME CA START END: an EC leaf like pki_leaf's,
# valid from START to END (openssl ca dates, YYYYMMDDHHMMSSZ), e.g. from
# tomorrow for the "not yet valid" rule.
pki_leaf_dates() {
	pki_csr "$1" "$2" ec && pki_sign_dates "$1" "$3" "$4" "$5"
}
