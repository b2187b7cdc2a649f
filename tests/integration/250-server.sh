#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 250-server: the how-to's setup with dotfwd alone.  BIND 9 serves the
# test zone on a loopback port; dotfwd in server mode terminates DoT in
# front of it (max_clients 4, idle_timeout_ms 2000).  Clients: kdig +tls
# with CA and hostname checks, Unbound (forward-tls-upstream), stubby
# when installed, dotfwd's own forwarder (dotfwd -> dotfwd server ->
# BIND) and `dotfwd query`.  Then RFC 7766/7828/8467 behaviour (1,000
# pipelined queries on one connection, keepalive echoed, padding, idle
# close), the TCP retry to BIND, and abuse: a full pool while a good
# client still gets through, garbage, plain DNS and stalled handshakes.
. "$(dirname "$0")/lib.sh"
need dig kdig python3 openssl named
need_dotfwd

gen_pki rsa
read -r PB PS PD PF PU PX <<<"$(free_port 6)" || bail "$SCRIPT: free ports"
start_bind "$PB"
DOTQ_TLS=(-s 127.0.0.1 -p "$PS" --ca "$CA_FILE" --name dot.test)

# the server; its own upstream (for main's listener) is a closed port
C="$T/server.conf"
: >"$C"
conf_main "$C" "$PD" listen="127.0.0.1:$PD" allow=127.0.0.0/8 timeout_ms=2000
conf_upstream "$C" u1 address="127.0.0.1:$PX" auth_name=dot.test
conf_server "$C" listen="127.0.0.1:$PS" cert="$PKI/dot.pem" key="$PKI/dot.key" \
    backend="127.0.0.1:$PB" max_clients=4 idle_timeout_ms=2000
"${DOTFWD%% *}" -t -c "$C" >"$T/t.out" 2>&1
rc=$?
LAST_OUT="$T/t.out"
check "dotfwd -t accepts the server section with its files" [ $rc = 0 ]
start_dotfwd "$C" "$PD"
SRV_PID=$DF_PID
SRV_LOG=$DF_LOG
check "start-up log names the server's certificate and memory per client" \
    grep -qE 'server: DoT on 1 address, certificate dot.test \(EC key\), 4 clients of [0-9]+ KB, queries to 127.0.0.1:'"$PB" "$SRV_LOG"

# a stalled handshake from the start: it must be closed by the deadline
# (5 s) while everything below goes on
dotq hold -s 127.0.0.1 -p "$PS" -n 1 --raw -d 12 --out "$T/stall.out" &
STALL=$!
PIDS+=("$STALL")

# ---- kdig +tls with CA and hostname checks
qkdig +tls +tls-ca="$CA_FILE" +tls-hostname=dot.test @127.0.0.1 -p "$PS" a.test A
check "kdig +tls (CA and name checked): a.test A 192.0.2.1" answer_is NOERROR 192.0.2.1
# the server's order: AES-GCM first where this CPU runs it in hardware
if aes_hw; then KSUITE=AES-128-GCM SUITE=ECDHE-ECDSA-AES128-GCM-SHA256
else KSUITE=CHACHA20-POLY1305 SUITE=ECDHE-ECDSA-CHACHA20-POLY1305; fi
check "kdig: TLS 1.2 with $KSUITE (our order on this CPU)" grep -q "TLS1.2.*$KSUITE" "$T/dig.out"
qkdig +tls +tls-ca="$CA_FILE" +tls-hostname=dot.test @127.0.0.1 -p "$PS" mid.test A
check "kdig +tls: mid.test, 40 addresses" eval '[ "$(dig_answers | wc -l)" = 40 ]'
qkdig +tls +tls-ca="$CA_FILE" +tls-hostname=dot.test @127.0.0.1 -p "$PS" big.test TXT
check "kdig +tls: big.test (2.2 KB, TC from BIND over UDP): all 10 TXT" \
    eval 'answer_is NOERROR && [ "$(dig_answers | wc -l)" = 10 ]'
LAST_OUT="$T/bind.err"
check "BIND was asked big.test over UDP, then over TCP ($(bind_queries | grep '^big' | tr '\n' ' '))" \
    eval 'bind_queries | grep "^big\.test IN TXT" | grep -qv "T *\$" && bind_queries | grep "^big\.test IN TXT" | grep -q "T *\$"'
qkdig +tls +tls-ca="$CA_FILE" +tls-hostname=dot.test @127.0.0.1 -p "$PS" nope.test A
check "kdig +tls: nope.test NXDOMAIN" answer_is NXDOMAIN
qkdig +tls +tls-ca="$CA_FILE" +tls-hostname=other.test @127.0.0.1 -p "$PS" a.test A
check "kdig refuses a server that is not other.test (the certificate is dot.test's)" \
    eval '! answer_is NOERROR'

# ---- keepalive, padding (kdig, and a client of our own)
qkdig +tls +tls-ca="$CA_FILE" +tls-hostname=dot.test +ednsopt=11 +padding \
    @127.0.0.1 -p "$PS" a.test A
check "keepalive asked: our idle timeout back (2000 ms = 20 units: 0014)" \
    grep -qiE 'Option \(11\): 0014|TCP-KEEPALIVE.*2\.0' "$T/dig.out"
check "padded query: answer padded to 468 bytes (RFC 8467)" grep -q 'Received 468 B' "$T/dig.out"
qkdig +tls +tls-ca="$CA_FILE" +tls-hostname=dot.test +nopadding @127.0.0.1 -p "$PS" a.test A
check "unpadded query, no keepalive asked: neither in the answer" \
    eval '! grep -v "^\\$" "$T/dig.out" | grep -qiE "PADDING|Option \(11\)" && answer_is NOERROR 192.0.2.1'

# ---- 1,000 pipelined queries on one connection
dotq pipe "${DOTQ_TLS[@]}" -n 1000 --keepalive --pad a.test/A 'q%d.test/A' b.test/A a.test/AAAA
check "1000 queries written at once on one connection: all answered, matched by ID ($(tail -n 1 "$T/dotq.out"))" \
    grep -q '^pipe sent 1000 answered 1000 bad 0 keepalive=20 padded=yes' "$T/dotq.out"

# ---- dotfwd query
DQ() { LAST_OUT="$T/q.out"; echo "\$ dotfwd query $*" >"$LAST_OUT"; "${DOTFWD%% *}" query "$@" >>"$LAST_OUT" 2>&1; }
PIN=$(pin_of "$PKI/dot.pem")
DQ -s "127.0.0.1:$PS" -n dot.test -C "$CA_FILE" a.test
rc=$?
check "dotfwd query a.test: exit 0, dig-like NOERROR 192.0.2.1" \
    eval '[ $rc = 0 ] && [ "$(sed -n "s/.*status: \([A-Z]*\),.*/\1/p" "$T/q.out")" = NOERROR ] && cp "$T/q.out" "$T/dig.out" && dig_has 192.0.2.1'
check "dotfwd query: one line with suite, certificate and its pin, authenticated" \
    grep -qF ";; TLS1.2, $SUITE, full handshake, certificate CN=dot.test, pin $PIN, authenticated as dot.test" "$T/q.out"
check "dotfwd query: our keepalive echoed (2.0 s) and the answer padded" \
    eval 'grep -q "TCP-KEEPALIVE: 2.0 secs" "$T/q.out" && grep -q "MSG SIZE  rcvd: 468" "$T/q.out"'
DQ -s "127.0.0.1:$PS" -n dot.test -C "$CA_FILE" -t AAAA a.test
check "dotfwd query -t AAAA: 2001:db8::1" grep -qE 'a\.test\.[[:space:]]+60[[:space:]]+IN[[:space:]]+AAAA[[:space:]]+2001:db8::1' "$T/q.out"
DQ -k -s "127.0.0.1:$PS" big.test TXT
rc=$?
check "dotfwd query -k: answered, says it is NOT authenticated, shows the pin" \
    eval '[ $rc = 0 ] && grep -q "NOT authenticated (-k" "$T/q.out" && grep -qF "pin $PIN" "$T/q.out"'
DQ -s "127.0.0.1:$PS" -n wrong.test -C "$CA_FILE" a.test
rc=$?
check "dotfwd query -n wrong.test: exit 69, 'certificate name mismatch: wanted wrong.test'" \
    eval '[ $rc = 69 ] && grep -q "certificate name mismatch: wanted wrong.test" "$T/q.out"'
DQ -s "127.0.0.1:$PS" -n dot.test a.test
rc=$?
check "dotfwd query without the test CA: exit 69, unknown CA" \
    eval '[ $rc = 69 ] && grep -q "unknown CA" "$T/q.out"'
DQ -s "127.0.0.1:$PS" -n dot.test -C "$CA_FILE" -p "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" a.test
rc=$?
check "dotfwd query -p (another key): exit 69, pin mismatch naming the server's pin" \
    eval '[ $rc = 69 ] && grep -qF "pin mismatch: the server'"'"'s key is $PIN" "$T/q.out"'
DQ -s "127.0.0.1:$PS" -n dot.test -C "$CA_FILE" -p "$PIN" a.test
rc=$?
check "dotfwd query -p (the right pin): exit 0" eval '[ $rc = 0 ] && grep -q "with a pinned key" "$T/q.out"'
DQ -s "127.0.0.1:$PX" -n dot.test -C "$CA_FILE" a.test
rc=$?
check "dotfwd query to a closed port: exit 69, 'connection refused'" \
    eval '[ $rc = 69 ] && [ "$(grep -c . "$T/q.out")" -le 3 ] && grep -q "connection refused" "$T/q.out"'
for i in $(seq 1000); do echo "n$i.test A"; done >"$T/names"
echo "a.test AAAA" >>"$T/names"
DQ -s "127.0.0.1:$PS" -n dot.test -C "$CA_FILE" -f "$T/names"
rc=$?
check "dotfwd query -f: 1001 names pipelined on one connection, totals and queries/s" \
    eval '[ $rc = 0 ] && grep -qE "^;; 1001 queries, 1001 answered \(NOERROR 1, NXDOMAIN 1000\) in [0-9]+ ms on one connection: [0-9]+\.[0-9] queries/s" "$T/q.out" && [ "$(grep -c "NXDOMAIN	0	" "$T/q.out")" = 1000 ]'
diag "$(tail -n 1 "$T/q.out")"
# a client that asked for max_fragment_length 512 (ours) must not leave
# it to the next one (a BearSSL reset keeps it)
echo | timeout 10 openssl s_client -connect "127.0.0.1:$PS" -servername dot.test \
    -CAfile "$CA_FILE" >"$T/ossl.out" 2>&1
LAST_OUT="$T/ossl.out"
check "openssl s_client after our client: handshake fine (no stale max_fragment_length)" \
    grep -q 'Verify return code: 0 (ok)' "$T/ossl.out"

# ---- Unbound with forward-tls-upstream
UB="$T/ub-client.conf"
cat >"$UB" <<EOF
server:
  interface: 127.0.0.1@$PU
  port: $PU
  do-daemonize: no
  use-syslog: no
  logfile: "$T/ub-client.log"
  username: ""
  chroot: ""
  pidfile: ""
  directory: "$T"
  do-ip6: no
  num-threads: 1
  so-reuseport: no
  module-config: "iterator"
  access-control: 127.0.0.0/8 allow
  tls-cert-bundle: "$CA_FILE"
  do-not-query-localhost: no
  qname-minimisation: no
  local-zone: "test." nodefault
remote-control:
  control-enable: no
forward-zone:
  name: "."
  forward-tls-upstream: yes
  forward-addr: 127.0.0.1@$PS#dot.test
EOF
unbound -d -c "$UB" >"$T/ub-client.err" 2>&1 &
UBC=$!
PIDS+=("$UBC")
for i in $(seq $((50 * SLOW))); do
	dig @127.0.0.1 -p "$PU" +tries=1 +time=1 probe.test A >/dev/null 2>&1 && break
	sleep 0.1
done
qdig @127.0.0.1 -p "$PU" a.test A
check "Unbound (forward-tls-upstream, CA and name checked) -> dotfwd -> BIND: a.test" answer_is NOERROR 192.0.2.1
qdig @127.0.0.1 -p "$PU" +tcp big.test TXT
check "Unbound -> dotfwd: big.test, all 10 TXT" eval 'answer_is NOERROR && [ "$(dig_answers | wc -l)" = 10 ]'
stop_pid "$UBC"

# ---- stubby, when installed
if have stubby; then
	cat >"$T/stubby.yml" <<-EOF
	resolution_type: GETDNS_RESOLUTION_STUB
	dns_transport_list:
	  - GETDNS_TRANSPORT_TLS
	tls_authentication: GETDNS_AUTHENTICATION_REQUIRED
	tls_query_padding_blocksize: 128
	idle_timeout: 5000
	tls_ca_file: "$CA_FILE"
	listen_addresses:
	  - 127.0.0.1@$PU
	upstream_recursive_servers:
	  - address_data: 127.0.0.1
	    tls_port: $PS
	    tls_auth_name: "dot.test"
	EOF
	stubby -C "$T/stubby.yml" >"$T/stubby.log" 2>&1 &
	STB=$!
	PIDS+=("$STB")
	for i in $(seq $((50 * SLOW))); do
		dig @127.0.0.1 -p "$PU" +tries=1 +time=1 probe.test A >/dev/null 2>&1 && break
		sleep 0.1
	done
	qdig @127.0.0.1 -p "$PU" a.test AAAA
	check "stubby (TLS, authentication required) -> dotfwd -> BIND: a.test AAAA" \
	    answer_is NOERROR 2001:db8::1
	stop_pid "$STB"
else
	skip "$SCRIPT: stubby" "not installed"
fi

# ---- dotfwd's own forwarder in front: dotfwd -> dotfwd server -> BIND
FW="$T/forwarder.conf"
: >"$FW"
conf_main "$FW" "$PF" listen="127.0.0.1:$PF" allow=127.0.0.0/8
conf_upstream "$FW" s address="127.0.0.1:$PS" auth_name=dot.test pin="$PIN"
start_dotfwd "$FW" "$PF"
FW_PID=$DF_PID
FW_LOG=$DF_LOG
qdig @127.0.0.1 -p "$PF" who.test TXT
check "dotfwd forwarder -> dotfwd server -> BIND: who.test says bind" \
    eval 'answer_is NOERROR && dig_answers | grep -q "\"bind\""'
qdig @127.0.0.1 -p "$PF" +tcp big.test TXT
check "dotfwd -> dotfwd -> BIND: big.test over TCP from the client, all 10 TXT" \
    eval 'answer_is NOERROR && [ "$(dig_answers | wc -l)" = 10 ]'
check "the forwarder's handshake with the server: $SUITE" \
    grep -q "upstream 127.0.0.1:$PS (dot.test): handshake complete ($SUITE" "$FW_LOG"
stop_dotfwd "$FW_PID" "$FW_LOG"
DF_PID=$SRV_PID DF_LOG=$SRV_LOG

# ---- idle close (idle_timeout_ms 2000), with close_notify
dotq idle "${DOTQ_TLS[@]}" -d 10
ms=$(sed -n 's/.* after \([0-9]*\) ms/\1/p' "$T/dotq.out")
check "an idle client is closed with close_notify after about 2 s (${ms:-?} ms)" \
    eval 'grep -q "idle query NOERROR then close_notify" "$T/dotq.out" && ge "$ms" 1800 && le "$ms" $((4000 * SLOW))'

# ---- abuse: garbage, plain DNS on the DoT port
dotq raw -s 127.0.0.1 -p "$PS" "$(head -c 300 /dev/urandom | od -An -tx1 | tr -d ' \n')"
check "garbage: the connection is closed ($(tail -n 1 "$T/dotq.out"))" \
    grep -qE '^raw (closed|tls-bytes)' "$T/dotq.out"
dotq raw -s 127.0.0.1 -p "$PS" 001c12340100000100000000000001610474657374000001000100000000
check "plain DNS to the DoT port: no DNS in clear, closed" grep -qE '^raw (closed|tls-bytes)' "$T/dotq.out"

# (before the pool fills: a stalled handshake may make room there)
wait "$STALL"
LAST_OUT="$T/stall.out"
st=$(grep -oE 'closed_ms=[0-9]+' "$T/stall.out" | grep -oE '[0-9]+$')
check "a connection that never sends a ClientHello is closed by the handshake deadline (5 s: ${st:-open} ms)" \
    eval 'ge "$st" 4500'

# ---- for the pool: idle clients must not time out meanwhile (30 s now,
# through a reload: the same listeners, a new image)
sed -i "s/option idle_timeout_ms '2000'/option idle_timeout_ms '30000'/" "$C"
if [ "$(id -u)" = 0 ]; then
	# the check of the new file runs as the daemon's user: the files
	# readable by its group, as the OpenWrt init script makes them
	g=$(awk '/^Gid:/ {print $2}' "/proc/$SRV_PID/status")
	chgrp "$g" "$T" "$PKI" "$PKI/dot.key" "$C" &&
	    chmod g+x "$T" "$PKI" && chmod g+r "$PKI/dot.key" "$C"
fi
n0=$(df_lines "$SRV_LOG")
kill -HUP "$SRV_PID"
df_wait 'reloaded:' "$n0" $((10000 * SLOW)) "$SRV_LOG"
LAST_OUT=$SRV_LOG
check "SIGHUP with idle_timeout_ms 30000: reloaded in place" \
    eval 'df_since "$n0" "$SRV_LOG" | grep -q "reloaded:"'

# ---- max_clients 4: four clients hold their connections (idle ones
# and stalled handshakes); a well-behaved client still gets through by
# taking the longest idle one's place, and never more than 4 are open
dotq hold "${DOTQ_TLS[@]}" -n 2 -d 8 --out "$T/hold-tls.out" &
HT=$!
PIDS+=("$HT")
dotq hold -s 127.0.0.1 -p "$PS" --raw -n 2 -d 8 --out "$T/hold-raw.out" &
HR=$!
PIDS+=("$HR")
sleep $((2 * SLOW))
sigusr1_stats "$SRV_PID" "$SRV_LOG"
open_before=$(grep -oE 'server clients [0-9]+' "$STATS_OUT" | grep -oE '[0-9]+$')
qkdig +tls +tls-ca="$CA_FILE" +tls-hostname=dot.test @127.0.0.1 -p "$PS" b.test A
check "pool full (${open_before:-?} of 4 held): a well-behaved client still gets its answer" \
    answer_is NOERROR 192.0.2.2
sigusr1_stats "$SRV_PID" "$SRV_LOG"
open_after=$(grep -oE 'server clients [0-9]+' "$STATS_OUT" | grep -oE '[0-9]+$')
evicted=$(grep 'server clients' "$STATS_OUT" | grep -oE 'evicted [0-9]+' | grep -oE '[0-9]+$')
check "max_clients held: at most 4 open (${open_before:-?} before, ${open_after:-?} after), one evicted (${evicted:-?})" \
    eval 'le "$open_before" 4 && le "$open_after" 4 && [ "$evicted" = 1 ]'
wait "$HT" "$HR"
check "the stalled handshakes were closed (raw holders: $(cat "$T/hold-raw.out"))" \
    eval '! grep -q open "$T/hold-raw.out"'
qkdig +tls +tls-ca="$CA_FILE" +tls-hostname=dot.test @127.0.0.1 -p "$PS" a.test A
check "after all that: a.test still answered" answer_is NOERROR 192.0.2.1
check "SIGUSR1: a server counters line" grep -q '^stats: server clients' "$STATS_OUT"
stop_dotfwd "$SRV_PID" "$SRV_LOG"
finish
