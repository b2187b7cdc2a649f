#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 80-ipv6: listening on [::1], an upstream on [::1]:port, and 'allow' for
# IPv6 sources.  Skipped when ::1 is not usable.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl unbound
need_dotfwd
have_v6 || { skip "$SCRIPT" "::1 not usable"; exit 0; }

gen_pki
UP=$(free_port) && DP=$(free_port) && DP2=$(free_port) || bail "$SCRIPT: free ports"
start_unbound "$UP" "$PKI/dot.pem" "$PKI/dot.key" u6 ::1
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP" listen="[::1]:$DP 127.0.0.1:$DP" allow="::1/128 127.0.0.0/8"
conf_upstream "$C" u6 address="[::1]:$UP" auth_name=dot.test
start_dotfwd "$C" "$DP" ::1

qdig @::1 -p "$DP" a.test A
check "udp over ::1 -> answer" answer_is NOERROR 192.0.2.1
qdig @::1 -p "$DP" +tcp a.test AAAA
check "tcp over ::1 -> answer" answer_is NOERROR 2001:db8::1
qdig @127.0.0.1 -p "$DP" b.test A
check "udp over 127.0.0.1, upstream on ::1 -> answer" answer_is NOERROR 192.0.2.2
dnsq udp-seq -s ::1 -p "$DP" -n 50 a.test b.test/A nope.test
check "50 udp queries over ::1" grep -q '^udp-seq 50/50 ok' "$T/dnsq.out"
dnsq tcp-pipe -s ::1 -p "$DP" -n 20 a.test b.test/A mid.test/A
check "20 pipelined tcp queries over ::1" grep -q '^tcp-pipe 20/20 ok' "$T/dnsq.out"
n=$(count_handshakes "[::1]:$UP")
LAST_OUT=
check "one TLS handshake to [::1]:$UP (log has $n)" [ "$n" -eq 1 ]
stop_dotfwd

# IPv4-only allow: ::1 sources are refused.
C="$T/v4only.conf"
: >"$C"
conf_main "$C" "$DP2" listen="[::1]:$DP2 127.0.0.1:$DP2" allow=127.0.0.0/8
conf_upstream "$C" u6 address="[::1]:$UP" auth_name=dot.test
start_dotfwd "$C" "$DP2"
qdig @::1 -p "$DP2" a.test A
check "allow 127.0.0.0/8 only: ::1 gets REFUSED" answer_is REFUSED
qdig @127.0.0.1 -p "$DP2" a.test A
check "allow 127.0.0.0/8 only: 127.0.0.1 gets the answer" answer_is NOERROR 192.0.2.1
check "dotfwd still running" alive "$DF_PID"
finish
