#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# qemu-e2e: one end-to-end query through a cross-built dotfwd run under
# qemu-user, e.g.
#   DOTFWD="qemu-mipsel-static -cpu 24Kc build/mipsel_24kc/dotfwd" tests/integration/qemu-e2e.sh
# Emulation is slow (a handshake takes 0.1-1 s), so timeouts are generous.
SLOW=${SLOW:-5}
. "$(dirname "$0")/lib.sh"
need dig python3 openssl unbound
need_dotfwd

gen_pki
UP=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_unbound "$UP" "$PKI/dot.pem" "$PKI/dot.key" u1
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP" listen="127.0.0.1:$DP" allow=127.0.0.0/8 timeout_ms=10000
conf_upstream "$C" u1 address="127.0.0.1:$UP" auth_name=dot.test
start_dotfwd "$C" "$DP" 127.0.0.1 90

qdig +time=15 @127.0.0.1 -p "$DP" a.test A
check "udp a.test A -> 192.0.2.1 via $DOTFWD" answer_is NOERROR 192.0.2.1
qdig +time=15 @127.0.0.1 -p "$DP" +tcp a.test AAAA
check "tcp a.test AAAA -> 2001:db8::1" answer_is NOERROR 2001:db8::1
qdig +time=15 @127.0.0.1 -p "$DP" +noedns +ignore big.test TXT
check "udp big.test TXT without EDNS -> TC" grep -qE '^;; flags: [a-z ]*\btc\b' "$T/dig.out"
LAST_OUT=
check "TLS handshake with 127.0.0.1:$UP logged" [ "$(count_handshakes "127.0.0.1:$UP")" -ge 1 ]
check "dotfwd still running" alive "$DF_PID"
finish
