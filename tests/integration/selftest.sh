#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# selftest: checks lib.sh itself, without dotfwd: the test PKI, pins,
# Unbound as a DoT server (queried with kdig +tls), ports, the config
# writer and the cleanup.  Not run by tests/run.sh (no NN- prefix).
. "$(dirname "$0")/lib.sh"
need dig kdig python3 openssl unbound

# ---- PKI
t0=$(ms)
gen_pki dot-ca2 rsa other expired
diag "PKI generated in $(($(ms) - t0)) ms"
verify() { openssl verify -CAfile "$PKI/$1.pem" "$PKI/$2.pem" >"$T/verify.out" 2>&1; }
check "dot.pem verifies against ca.pem" verify ca dot
check "rsa.pem verifies against ca.pem" verify ca rsa
check "other.pem verifies against ca.pem" verify ca other
check "dot-ca2.pem verifies against ca2.pem" verify ca2 dot-ca2
check "dot-ca2.pem does not verify against ca.pem" eval '! verify ca dot-ca2'
expired_only() { ! verify ca expired && grep -q 'certificate has expired' "$T/verify.out"; }
check "expired.pem fails only for expiry" expired_only
san() { openssl x509 -in "$PKI/$1.pem" -noout -ext subjectAltName | grep -q "DNS:$2\$"; }
check "dot.pem SAN DNS:dot.test" san dot dot.test
check "other.pem SAN DNS:other.test" san other other.test
check "ca.pem subject CN dotfwd test CA" eval 'openssl x509 -in "$PKI/ca.pem" -noout -subject | grep -q "CN = dotfwd test CA"'
check "rsa.pem has a 2048-bit RSA key" eval 'openssl x509 -in "$PKI/rsa.pem" -noout -text | grep -q "Public-Key: (2048 bit)"'
check "dot.pem has a P-256 key" eval 'openssl x509 -in "$PKI/dot.pem" -noout -text | grep -q "NIST CURVE: P-256"'
P1=$(pin_of "$PKI/dot.pem") P2=$(pin_of "$PKI/other.pem") P3=$(pin_of "$PKI/rsa.pem")
pins_ok() {
	[[ $P1 =~ ^sha256/[A-Za-z0-9+/]{43}=$ ]] && [ "$P1" != "$P2" ] && [ "$P1" != "$P3" ] &&
	[ "$(pin_of "$PKI/expired.pem")" = "$P1" ] || [ "$(pin_of "$PKI/expired.pem")" != "$P1" ]
}
check "pins are sha256/<44 base64 chars> and differ ($P1)" pins_ok

# ---- ports
ports=()
for i in $(seq 20); do ports+=("$(free_port)"); done
uniq_ok() {
	[ "$(printf '%s\n' "${ports[@]}" | sort -u | grep -cE '^[2-5][0-9]{4}$')" -eq 20 ] &&
	for p in "${ports[@]}"; do [ "$(cat "$PORT_LOCKS/$p/owner")" = "$$" ] || return 1; done
}
check "free_port: 20 distinct ports in 20000-59999, each locked by this script" uniq_ok

# ---- Unbound DoT
UP=${ports[0]}
t0=$(ms)
start_unbound "$UP" "$PKI/dot.pem" "$PKI/dot.key" u1
diag "unbound up in $(($(ms) - t0)) ms"
kt() {	# kt PORT HOSTNAME [kdig args]: DoT query a.test with our CA
	local port=$1 host=$2
	shift 2
	qkdig @127.0.0.1 -p "$port" +tls +tls-ca="$PKI/ca.pem" +tls-hostname="$host" "$@"
}
kt "$UP" dot.test a.test A
check "kdig +tls (CA, dot.test): a.test A 192.0.2.1" answer_is NOERROR 192.0.2.1
kt "$UP" dot.test mid.test A
check "kdig +tls: mid.test 40 A records" eval '[ "$(dig_answers | wc -l)" -eq 40 ]'
kt "$UP" dot.test big.test TXT
check "kdig +tls: big.test 10 TXT records" eval '[ "$(dig_answers | wc -l)" -eq 10 ]'
kt "$UP" dot.test nope.test A
check "kdig +tls: nope.test NXDOMAIN" answer_is NXDOMAIN
kt "$UP" dot.test who.test TXT
check "kdig +tls: who.test TXT \"u1\"" answer_is NOERROR '"u1"'
kt "$UP" wrong.test a.test A
check "kdig +tls with hostname wrong.test fails" eval '! answer_is NOERROR'
qkdig @127.0.0.1 -p "$UP" +tls +tls-pin="${P1#sha256/}" a.test A
check "kdig +tls-pin with pin_of dot.pem works" answer_is NOERROR 192.0.2.1
qkdig @127.0.0.1 -p "$UP" +tls +tls-pin="${P2#sha256/}" a.test A
check "kdig +tls-pin with another pin fails" eval '! answer_is NOERROR'
qdig @127.0.0.1 -p "$UP" +ignore +bufsize=4096 mid.test A
check "mid.test over udp: $(dig_size) bytes (512..1232)" eval '[ "$(dig_size)" -gt 512 ] && [ "$(dig_size)" -le 1232 ]'
qdig @127.0.0.1 -p "$UP" +ignore +bufsize=4096 big.test TXT
check "big.test over udp: $(dig_size) bytes (> 1232)" eval '[ "$(dig_size)" -gt 1232 ]'
dnsq udp-seq -p "$UP" -n 20 a.test b.test/A a.test/AAAA nope.test mid.test/A A.TeSt
check "dnsq udp-seq against unbound" grep -q '^udp-seq 20/20 ok' "$T/dnsq.out"
check "ub_queries sees the queries (not probe.test)" eval '[ "$(ub_queries u1 | wc -l)" -ge 20 ] && ! ub_queries u1 | grep -q probe.test'

for c in rsa:ok dot-ca2:fail other:fail expired:fail; do
	cert=${c%:*} want=${c#*:}
	p=$(free_port)
	start_unbound "$p" "$PKI/$cert.pem" "$PKI/$cert.key" "u-$cert"
	kt "$p" dot.test a.test A
	if [ "$want" = ok ]; then
		check "kdig +tls against $cert.pem: answer" answer_is NOERROR 192.0.2.1
	else
		check "kdig +tls against $cert.pem: refused" eval '! answer_is NOERROR'
	fi
	stop_unbound "u-$cert"
done

stop_unbound u1
check "unbound stopped: port closed" eval '! kt "$UP" dot.test a.test A'
t0=$(ms)
restart_unbound u1
kt "$UP" dot.test a.test A
check "unbound restarted on the same port in $(($(ms) - t0)) ms" answer_is NOERROR 192.0.2.1

if have_v6; then
	p6=$(free_port)
	start_unbound "$p6" "$PKI/dot.pem" "$PKI/dot.key" u6 ::1
	qkdig @::1 -p "$p6" +tls +tls-ca="$PKI/ca.pem" +tls-hostname=dot.test a.test A
	check "unbound DoT on [::1]" answer_is NOERROR 192.0.2.1
fi

# ---- config writer
C="$T/c.conf"
: >"$C"
CA_FILE=/x/ca.pem conf_main "$C" 5453 allow=127.0.0.2/32 timeout_ms=900 policy=ordered
conf_upstream "$C" u1 address="127.0.0.1:853 [::1]:853" auth_name=dot.test pin="sha256/a= sha256/b="
want=$(printf '%s\n' "config dotfwd 'main'" \
	"	list listen '127.0.0.1:5453'" "	list listen '[::1]:5453'" \
	"	list allow '127.0.0.2/32'" "	option timeout_ms '900'" \
	"	option ca_file '/x/ca.pem'" "	option log_level 'debug'" \
	"	option policy 'ordered'" "" "config upstream 'u1'" \
	"	list address '127.0.0.1:853'" "	list address '[::1]:853'" \
	"	option auth_name 'dot.test'" "	list pin 'sha256/a='" "	list pin 'sha256/b='")
have_v6 || want=$(printf '%s\n' "$want" | grep -v '::1\]:5453')
LAST_OUT=$C
check "conf_main/conf_upstream output" [ "$(cat "$C")" = "$want" ]

# ---- cleanup of a child script (normal exit and SIGTERM)
for how in exit term; do
	cat >"$T/child.sh" <<-EOC
	#!/usr/bin/env bash
	. "$LIB_DIR/lib.sh"
	echo "\$T" >"$T/child.t"
	gen_pki
	start_unbound "\$(free_port)" "\$PKI/dot.pem" "\$PKI/dot.key" c1
	sleep 300 & PIDS+=(\$!)	# stands for a daemon
	echo ready >"$T/child.ready"
	[ "$how" = term ] && { sleep 60 & PIDS+=(\$!); wait \$!; }
	finish
	EOC
	rm -f "$T/child.ready"
	bash "$T/child.sh" >"$T/child.out" 2>&1 &
	cpid=$!
	for i in $(seq 100); do [ -f "$T/child.ready" ] && break; sleep 0.1; done
	[ "$how" = term ] && kill -TERM "$cpid"
	wait "$cpid"
	ct=$(cat "$T/child.t")
	clean() { ! pgrep -f "$ct" >/dev/null && [ ! -e "$ct" ] && ! grep -rlx "$cpid" "$PORT_LOCKS" >/dev/null 2>&1; }
	LAST_OUT="$T/child.out"
	check "cleanup after $how: no process, no temp dir, no port lock left" clean
done
finish
