#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# qemu-e2e: end-to-end queries through a cross-built dotfwd run under
# qemu-user (the forwarder, server mode with its BearSSL server side, and
# `dotfwd query`), e.g.
#   DOTFWD="qemu-mipsel-static -cpu 24Kc build/mipsel_24kc/dotfwd" tests/integration/qemu-e2e.sh
# Emulation is slow (a handshake takes 0.1-1 s), so timeouts are generous.
SLOW=${SLOW:-5}
. "$(dirname "$0")/lib.sh"
need dig kdig python3 openssl unbound
need_dotfwd

gen_pki
read -r UP DP PS <<<"$(free_port 3)" || bail "$SCRIPT: free ports"
start_unbound "$UP" "$PKI/dot.pem" "$PKI/dot.key" u1
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP" listen="127.0.0.1:$DP" allow=127.0.0.0/8 timeout_ms=10000
conf_upstream "$C" u1 address="127.0.0.1:$UP" auth_name=dot.test
conf_server "$C" listen="127.0.0.1:$PS" cert="$PKI/dot.pem" key="$PKI/dot.key"
start_dotfwd "$C" "$DP" 127.0.0.1 90

qdig +time=15 @127.0.0.1 -p "$DP" a.test A
check "udp a.test A -> 192.0.2.1 via $DOTFWD" answer_is NOERROR 192.0.2.1
qdig +time=15 @127.0.0.1 -p "$DP" +tcp a.test AAAA
check "tcp a.test AAAA -> 2001:db8::1" answer_is NOERROR 2001:db8::1
qdig +time=15 @127.0.0.1 -p "$DP" +noedns +ignore big.test TXT
check "udp big.test TXT without EDNS -> TC" grep -qE '^;; flags: [a-z ]*\btc\b' "$T/dig.out"
LAST_OUT=
check "TLS handshake with 127.0.0.1:$UP logged" [ "$(count_handshakes "127.0.0.1:$UP")" -ge 1 ]
qkdig +time=15 +tls +tls-ca="$CA_FILE" +tls-hostname=dot.test @127.0.0.1 -p "$PS" who.test TXT
check "server mode: kdig +tls -> dotfwd server -> upstream u1" \
    eval 'answer_is NOERROR && dig_answers | grep -q "\"u1\""'
# shellcheck disable=SC2086 # DOTFWD may be "qemu-... -cpu X binary"
$DOTFWD query -s "127.0.0.1:$PS" -n dot.test -C "$CA_FILE" a.test AAAA >"$T/q.out" 2>&1
rc=$?
LAST_OUT="$T/q.out"
check "dotfwd query (this build) -> dotfwd server (this build): exit $rc, 2001:db8::1" \
    eval '[ $rc = 0 ] && grep -q "AAAA	2001:db8::1" "$T/q.out"'
check "dotfwd still running" alive "$DF_PID"
finish
