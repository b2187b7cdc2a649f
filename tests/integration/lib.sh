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

# pki_leaf NAME DNSNAME CA KEYTYPE [expired]: leaf certificate signed by
# CA ("ca" or "ca2") with SAN DNS:DNSNAME; KEYTYPE ec (P-256) or rsa
# (2048).  "expired" makes it valid Jan 2020 only.
pki_leaf() {
	local name=$1 dns=$2 ca=$3 kt=$4 expired=${5:-}
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
	if [ -z "$expired" ]; then
		openssl x509 -req -in "$csr" -CA "$PKI/$ca.pem" -CAkey "$PKI/$ca.key" \
		    -set_serial "0x$(openssl rand -hex 8)" -days 825 -sha256 \
		    -extfile "$ext" -out "$PKI/$name.pem" 2>/dev/null || return 1
	else
		mkdir -p "$PKI/db.$name" && : >"$PKI/db.$name/index.txt" &&
		openssl rand -hex 8 >"$PKI/db.$name/serial" || return 1
		cat >"$PKI/db.$name/ca.cnf" <<-EOF
		[ ca ]
		default_ca = tca
		[ tca ]
		database = $PKI/db.$name/index.txt
		new_certs_dir = $PKI/db.$name
		serial = $PKI/db.$name/serial
		default_md = sha256
		policy = pol
		unique_subject = no
		[ pol ]
		commonName = supplied
		EOF
		openssl ca -batch -config "$PKI/db.$name/ca.cnf" -cert "$PKI/$ca.pem" \
		    -keyfile "$PKI/$ca.key" -in "$csr" -out "$PKI/$name.pem" \
		    -startdate 20200101000000Z -enddate 20200201000000Z \
		    -extfile "$ext" -notext >/dev/null 2>&1 || return 1
	fi
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
# query it receives to $T/NAME.log.  Sets UB_PID; returns when it answers.
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
		  log-queries: yes
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

# ---------------------------------------------------------------- config

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
