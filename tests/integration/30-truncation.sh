#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 30-truncation: UDP answers bigger than the client's buffer (512 without
# EDNS, else its EDNS size) come back with TC=1 and fit; the client then
# retries over TCP and gets everything.
#   mid.test A: 40 records, ~700 bytes    big.test TXT: 10 x 200 bytes, ~2.2 KB
. "$(dirname "$0")/lib.sh"
need dig python3 openssl unbound
need_dotfwd

gen_pki
UP=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_unbound "$UP" "$PKI/dot.pem" "$PKI/dot.key" u1
C="$T/dotfwd.conf"
write_conf "$C" "$DP" "127.0.0.1:$UP" dot.test
start_dotfwd "$C" "$DP"

has_tc() { case " $(dig_flags) " in *" tc "*) return 0 ;; esac; return 1; }
no_tc() { ! has_tc; }
size_le() { local s; s=$(dig_size); [ -n "$s" ] && [ "$s" -le "$1" ]; }
size_gt() { local s; s=$(dig_size); [ -n "$s" ] && [ "$s" -gt "$1" ]; }
n_answers() { dig_answers | wc -l; }
q_echoed() { grep -qE "^;$1\.[[:space:]]+IN[[:space:]]+$2\$" "$T/dig.out"; }

# tc_case DESC MAX NAME TYPE DIG-ARGS...: TC set, NOERROR, size <= MAX, question kept
tc_case() {
	local desc=$1 max=$2 name=$3 type=$4
	shift 4
	qdig @127.0.0.1 -p "$DP" +ignore "$@" "$name" "$type"
	tc_ok() { answer_is NOERROR && has_tc && size_le "$max" && q_echoed "$name" "$type"; }
	check "$desc: TC=1, size $(dig_size) <= $max, question echoed" tc_ok
}

tc_case "udp no EDNS, big.test TXT" 512 big.test TXT +noedns
tc_case "udp no EDNS, mid.test A" 512 mid.test A +noedns
tc_case "udp EDNS 512, mid.test A" 512 mid.test A +bufsize=512
tc_case "udp EDNS 1232, big.test TXT" 1232 big.test TXT +bufsize=1232

qdig @127.0.0.1 -p "$DP" +ignore +bufsize=1232 mid.test A
fits() { answer_is NOERROR 198.51.100.40 && no_tc && size_gt 512 && size_le 1232 && [ "$(n_answers)" -eq 40 ]; }
check "udp EDNS 1232, mid.test A: all 40 records, $(dig_size) bytes, no TC" fits

qdig @127.0.0.1 -p "$DP" +ignore +noedns a.test A
small() { answer_is NOERROR 192.0.2.1 && no_tc; }
check "udp no EDNS, small answer: no TC" small

# dig's own behaviour: TC -> retry over TCP -> the full answer.
for mode in "+noedns" "+bufsize=1232"; do
	qdig @127.0.0.1 -p "$DP" "$mode" big.test TXT
	retried() {
		grep -q 'Truncated, retrying in TCP mode' "$T/dig.out" &&
		answer_is NOERROR && no_tc && [ "$(n_answers)" -eq 10 ]
	}
	check "dig $mode big.test TXT: truncated, retried over tcp, 10 records" retried
done
qdig @127.0.0.1 -p "$DP" +noedns mid.test A
retried40() { answer_is NOERROR 198.51.100.40 && [ "$(n_answers)" -eq 40 ]; }
check "dig +noedns mid.test A: full answer after tcp retry" retried40

qdig @127.0.0.1 -p "$DP" +tcp big.test TXT
tcp_full() { answer_is NOERROR && no_tc && [ "$(n_answers)" -eq 10 ] && size_gt 2000; }
check "tcp big.test TXT: 10 records, $(dig_size) bytes" tcp_full

# dnsq: exact ID/question echo on the truncated reply (no EDNS).
dnsq raw-udp -p "$DP" "$(python3 -c '
import struct
q = struct.pack("!HHHHHH", 0x5151, 0x0100, 1, 0, 0, 0)
q += b"\x03big\x04test\x00" + struct.pack("!HH", 16, 1)
print(q.hex())')"
check "raw udp big.test TXT: id echoed, tc=1, <= 512 bytes" \
    grep -qE '^reply id=20817 qr=1 tc=1 rcode=NOERROR qd=1 an=[0-9]+ size=([0-9]{1,2}|[1-4][0-9]{2}|50[0-9]|51[0-2])$' "$T/dnsq.out"

if have kdig; then
	qkdig @127.0.0.1 -p "$DP" +noedns +ignore big.test TXT
	kd_tc() { grep -qE 'Flags:.* tc' "$T/dig.out"; }
	check "kdig +noedns +ignore big.test TXT: TC flag" kd_tc
else
	skip "kdig truncation" "kdig not installed"
fi

n=$(count_handshakes "127.0.0.1:$UP")
LAST_OUT=
check "one TLS handshake to 127.0.0.1:$UP (log has $n)" [ "$n" -eq 1 ]
check "dotfwd still running" alive "$DF_PID"
finish
