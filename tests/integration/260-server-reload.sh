#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 260-server-reload: server mode without a backend (DoT in, DoT out to an
# Unbound upstream), `allow` at accept, RSA keys, TLS session resumption,
# and SIGHUP: renewed certificate and key files are served to the next
# connection while an established one keeps working; a broken new pair
# is refused with the reason and the old one stays; a changed
# configuration re-executes, and an established client goes on with the
# forked copy until it is quiet.  Bad files also fail `dotfwd -t` and the
# start-up with FILE:LINE.
. "$(dirname "$0")/lib.sh"
need dig kdig python3 openssl unbound
need_dotfwd

gen_pki rsa
pki_leaf renew dot.test ca ec || bail "$SCRIPT: PKI renew"
read -r PU PS PS2 PD PD2 <<<"$(free_port 5)" || bail "$SCRIPT: free ports"
start_unbound "$PU" "$PKI/dot.pem" "$PKI/dot.key" u1
D="$T/etc"
mkdir -p "$D"
cp "$PKI/dot.pem" "$D/server.crt"
cp "$PKI/dot.key" "$D/server.key"
C="$D/dotfwd.conf"
# conf IDLE_MS [KEY=VALUE...]: the configuration, written as uci does
conf() {
	local idle=$1
	shift
	: >"$C.new"
	conf_main "$C.new" "$PD" listen="127.0.0.1:$PD" allow=127.0.0.0/8 timeout_ms=2000
	conf_upstream "$C.new" u1 address="127.0.0.1:$PU" auth_name=dot.test
	conf_server "$C.new" listen="127.0.0.1:$PS" cert="$D/server.crt" \
	    key="$D/server.key" max_clients=8 idle_timeout_ms="$idle" "$@"
	mv "$C.new" "$C"
}
# put CERT KEY: renewed files, as an ACME client writes them; readable by
# the daemon's group as the OpenWrt init script makes them (after a
# SIGHUP dotfwd reads them as its own user)
DGID=
put() {
	cp "$1" "$D/server.crt.new" && mv "$D/server.crt.new" "$D/server.crt"
	cp "$2" "$D/server.key.new" && mv "$D/server.key.new" "$D/server.key"
	[ -z "$DGID" ] ||
	    chgrp "$DGID" "$D/server.crt" "$D/server.key"
	chmod 0640 "$D/server.key"
}
DQK() {
	LAST_OUT="$T/q.out"
	"${DOTFWD%% *}" query -k -s "127.0.0.1:$PS" "$@" >"$LAST_OUT" 2>&1
}
served_pin() { DQK a.test && sed -n 's/.* pin \(sha256\/[^,]*\),.*/\1/p' "$T/q.out"; }
PIN_OLD=$(pin_of "$PKI/dot.pem")
PIN_NEW=$(pin_of "$PKI/renew.pem")

conf 30000
start_dotfwd "$C" "$PD"
PID=$DF_PID
if [ "$(id -u)" = 0 ]; then
	DGID=$(awk '/^Gid:/ {print $2}' "/proc/$PID/status")
	chgrp "$DGID" "$T" "$D" && chmod g+x "$T"	# the way to the files
fi

# ---- DoT in, DoT out
qkdig +tls +tls-ca="$CA_FILE" +tls-hostname=dot.test @127.0.0.1 -p "$PS" who.test TXT
check "no backend: kdig -> dotfwd server -> Unbound over DoT (who.test says u1)" \
    eval 'answer_is NOERROR && dig_answers | grep -q "\"u1\""'
check "Unbound got the query over dotfwd's upstream connection" \
    eval 'ub_queries u1 | grep -q " who\.test\. TXT IN"'
"${DOTFWD%% *}" query -s "127.0.0.1:$PS" -n dot.test -C "$CA_FILE" big.test TXT >"$T/q.out" 2>&1
LAST_OUT="$T/q.out"
check "dotfwd query -> server -> upstream: big.test, 10 TXT" \
    eval '[ "$(grep -c "IN	TXT	\"" "$T/q.out")" = 10 ]'
# dotfwd query without -s: the configuration's first upstream (u1), its
# auth_name and ca_file
"${DOTFWD%% *}" query -c "$C" who.test TXT >"$T/q.out" 2>&1
rc=$?
LAST_OUT="$T/q.out"
check "dotfwd query -c CONF (no -s): asks the first upstream, authenticated" \
    eval '[ $rc = 0 ] && grep -q "\"u1\"" "$T/q.out" && grep -q "authenticated as dot.test" "$T/q.out"'
printf 'a.test\nb.test A extra\nbad..name\n' >"$T/names"
"${DOTFWD%% *}" query -c "$C" -f "$T/names" >"$T/q.out" 2>&1
rc=$?
check "dotfwd query -f with bad lines: exit 64, FILE:LINE for each, nothing sent" \
    eval '[ $rc = 64 ] && grep -q "names:2: expected" "$T/q.out" && grep -q "names:3: .bad..name. is not a domain name" "$T/q.out"'
# the server's session cache: a second connection resumes
echo | timeout 10 openssl s_client -connect "127.0.0.1:$PS" -servername dot.test \
    -CAfile "$CA_FILE" -tls1_2 -sess_out "$T/sess" >"$T/ossl1.out" 2>&1
echo | timeout 10 openssl s_client -connect "127.0.0.1:$PS" -servername dot.test \
    -CAfile "$CA_FILE" -tls1_2 -sess_in "$T/sess" >"$T/ossl2.out" 2>&1
LAST_OUT="$T/ossl2.out"
check "TLS session resumption: the second connection is 'Reused'" grep -q '^Reused, TLSv1.2' "$T/ossl2.out"

# ---- renewed files under SIGHUP (the configuration file unchanged)
GO="$T/go1"
dotq keep -s 127.0.0.1 -p "$PS" --ca "$CA_FILE" --name dot.test --go "$GO" -d 20 &
KEEP=$!
PIDS+=("$KEEP")
for _ in $(seq 50); do grep -q "^keep first" "$T/dotq.out" 2>/dev/null && break; sleep 0.1; done
put "$PKI/renew.pem" "$PKI/renew.key"
n0=$(df_lines)
kill -HUP "$PID"
df_wait 'server certificate renewed' "$n0" 5000
check "SIGHUP, same config, new files: 'server certificate renewed' (${DF_WAITED} ms)" \
    eval 'df_since "$n0" | grep -q "server certificate renewed (dot.test, EC key): new connections get it, 1 established keep theirs"'
check "SIGHUP did not re-execute" eval '! df_since "$n0" | grep -q re-executing'
got=$(served_pin)
check "the next connection gets the renewed certificate ($got)" [ "$got" = "$PIN_NEW" ]
touch "$GO"
wait "$KEEP"
LAST_OUT="$T/dotq.out"
check "the connection established before it keeps working (old certificate, second query answered)" \
    grep -qF "keep first NOERROR second NOERROR pin $PIN_OLD" "$T/dotq.out"

# ---- broken new pairs: refused with the reason, the running one stays
put "$PKI/rsa.pem" "$PKI/renew.key"
n0=$(df_lines)
kill -HUP "$PID"
df_wait 'keeping the running certificate' "$n0" 5000
LAST_OUT=$DF_LOG
check "SIGHUP with a key that is not the certificate's: refused, says why" \
    eval 'df_since "$n0" | grep -q "server key .*: key does not match the certificate (one is RSA, the other EC); keeping the running certificate"'
got=$(served_pin)
check "... and the renewed certificate is still served ($got)" [ "$got" = "$PIN_NEW" ]
echo "not a certificate" >"$D/server.crt"
n0=$(df_lines)
kill -HUP "$PID"
df_wait 'keeping the running certificate' "$n0" 5000
check "SIGHUP with a certificate file without one: refused, says why" \
    eval 'df_since "$n0" | grep -q "server cert .*: no CERTIFICATE block in it"'
got=$(served_pin)
check "... still served: the renewed one" [ "$got" = "$PIN_NEW" ]
"${DOTFWD%% *}" -t -c "$C" >"$T/t.out" 2>&1
rc=$?
line=$(grep -n "option cert" "$C" | cut -d: -f1)
LAST_OUT="$T/t.out"
check "dotfwd -t: exit 1, '$C:$line: server cert ...: no CERTIFICATE block in it'" \
    eval '[ $rc = 1 ] && grep -qF "$C:$line: server cert '"'"'$D/server.crt'"'"': no CERTIFICATE block in it" "$T/t.out"'
C2="$T/start.conf"
cp "$C" "$C2"
sed -i "s/$PD/$PD2/; s/$PS/$PS2/" "$C2"
"${DOTFWD%% *}" -c "$C2" >"$T/start.out" 2>&1
# shellcheck disable=SC2034 # read by the check's eval
rc=$?
LAST_OUT="$T/start.out"
check "starting with it: exit 78 and the same FILE:LINE reason" \
    eval '[ $rc = 78 ] && grep -q "$C2:$line: server cert" "$T/start.out"'
put "$PKI/renew.pem" "$PKI/renew.key"

# ---- a changed configuration: re-executed; the established client goes
# on with the forked copy, new ones get the new image (RSA now)
GO="$T/go2"
dotq keep -s 127.0.0.1 -p "$PS" --ca "$CA_FILE" --name dot.test --go "$GO" -d 20 &
KEEP=$!
PIDS+=("$KEEP")
for _ in $(seq 50); do grep -q "^keep first" "$T/dotq.out" 2>/dev/null && break; sleep 0.1; done
put "$PKI/rsa.pem" "$PKI/rsa.key"
n0=$(df_lines)
conf 30000 max_clients=6
kill -HUP "$PID"
# its next query comes at once (a client quiet for 1 s is closed)
df_wait 'answers the queries in flight' "$n0" $((5000 * SLOW))
touch "$GO"
df_wait 'reloaded:' "$n0" $((10000 * SLOW))
DRAINER=$(df_since "$n0" | sed -n 's/^SIGHUP: pid \([0-9]*\) answers the queries in flight.*/\1/p' | head -n 1)
check "changed file: re-executed, a forked copy (${DRAINER:-none}) keeps the established client" \
    [ -n "$DRAINER" ]
wait "$KEEP"
LAST_OUT="$T/dotq.out"
check "the established client's next query is answered after the reload" \
    grep -q "keep first NOERROR second NOERROR pin $PIN_NEW" "$T/dotq.out"
for _ in $(seq $((60 * SLOW))); do alive "$DRAINER" || break; sleep 0.1; done
check "the forked copy exits once its client is gone" eval '! alive "$DRAINER"'
qkdig +tls +tls-ca="$CA_FILE" +tls-hostname=dot.test @127.0.0.1 -p "$PS" a.test A
check "the new image serves new connections, with the RSA key now" \
    eval 'answer_is NOERROR 192.0.2.1 && grep -q "(RSA-SHA" "$T/dig.out"'
check "same PID throughout" alive "$PID"
stop_dotfwd

# ---- allow at accept: a source outside it gets no TLS at all
conf 30000
sed "s|list allow '127.0.0.0/8'|list allow '127.0.0.2/32'|" "$C" >"$D/allow.conf"
start_dotfwd "$D/allow.conf" "$PD"
dotq raw -s 127.0.0.1 -p "$PS" 16030100
check "a source outside 'allow' is closed at accept, before any TLS" \
    grep -q '^raw closed' "$T/dotq.out"
qkdig -b 127.0.0.2 +tls +tls-ca="$CA_FILE" +tls-hostname=dot.test @127.0.0.1 -p "$PS" a.test A
check "a source inside 'allow' (127.0.0.2) is served" answer_is NOERROR 192.0.2.1
stop_dotfwd
finish
