#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 233-abuse-amplify: UDP answer cap (issue 10, item 4).  A query with an
# EDNS buffer of 65535 used to get the whole answer over UDP (a 44-byte
# query, a 60 KB answer, to whatever source the packet claimed).  Now a
# UDP answer is never over max_udp_size (default 1232, DNS Flag Day
# 2020): bigger ones are truncated with TC (the client retries over
# TCP); a smaller client buffer still wins; the option raises the cap;
# a source outside allow gets a REFUSED no bigger than its query.
#   big.test TXT: ~2.2 KB    mid.test A: ~700 bytes
. "$(dirname "$0")/lib.sh"
need dig python3 openssl unbound
need_dotfwd

gen_pki
UP=$(free_port) || bail "$SCRIPT: free ports"
start_unbound "$UP" "$PKI/dot.pem" "$PKI/dot.key" u1

# daemon NAME [KEY=VALUE...]
daemon() {
	local name=$1
	shift
	DP=$(free_port) || bail "$SCRIPT: free ports"
	C="$T/$name.conf"
	: >"$C"
	conf_main "$C" "$DP" listen="127.0.0.1:$DP" allow=127.0.0.1/32 "$@"
	conf_upstream "$C" u1 address="127.0.0.1:$UP" auth_name=dot.test
	start_dotfwd "$C" "$DP"
}
has_tc() { case " $(dig_flags) " in *" tc "*) return 0 ;; esac; return 1; }
n_answers() { dig_answers | wc -l; }
size() { dig_size; }

# eq NAME TYPE EDNS_SIZE: one UDP query with that EDNS buffer (dig caps
# what it sends: +bufsize=65535 goes out as 1232); sets TC AN SZ RC QS
eq() {
	local hex
	hex=$(python3 -c '
import struct, sys
name, qt, sz = sys.argv[1], {"A": 1, "TXT": 16}[sys.argv[2]], int(sys.argv[3])
q = struct.pack("!HHHHHH", 0x4141, 0x0100, 1, 0, 0, 1)
q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
q += struct.pack("!HH", qt, 1) + b"\0" + struct.pack("!HHIH", 41, sz, 0, 0)
print(q.hex())' "$1" "$2" "$3")
	QS=$((${#hex} / 2))
	dnsq raw-udp -p "$DP" "$hex"
	tail -n 1 "$T/dnsq.out" | diag -
	TC=$(grep -oE ' tc=[0-9]' "$T/dnsq.out" | tail -n 1 | cut -d= -f2)
	AN=$(grep -oE ' an=[0-9?]+' "$T/dnsq.out" | tail -n 1 | cut -d= -f2)
	SZ=$(grep -oE ' size=[0-9]+' "$T/dnsq.out" | tail -n 1 | cut -d= -f2)
	RC=$(grep -oE ' rcode=[A-Z]+' "$T/dnsq.out" | tail -n 1 | cut -d= -f2)
}

daemon default
# the upstream answers from its cache from then on
qdig @127.0.0.1 -p "$DP" +tcp big.test TXT
eq big.test TXT 65535
check "EDNS 65535, big.test TXT: TC set, $SZ bytes <= 1232 (x$((SZ / QS)) the $QS-byte query)" \
    eval '[ "$RC" = NOERROR ] && [ "$TC" = 1 ] && le "$SZ" 1232'
eq big.test TXT 1000
check "EDNS 1000: the client's smaller buffer wins ($SZ <= 1000, TC)" eval '[ "$TC" = 1 ] && le "$SZ" 1000'
eq mid.test A 65535
check "EDNS 65535, mid.test A: under the cap, whole ($SZ bytes, 40 records, no TC)" \
    eval '[ "$TC" = 0 ] && [ "$AN" = 40 ]'
qdig @127.0.0.1 -p "$DP" +nocookie +bufsize=4096 big.test TXT
check "dig retries over TCP and gets all 10 records" \
    eval 'grep -q "Truncated, retrying in TCP mode" "$T/dig.out" && answer_is NOERROR && [ "$(n_answers)" = 10 ]'
qdig @127.0.0.1 -p "$DP" -b 127.0.0.9 +ignore +nocookie +bufsize=4096 big.test TXT
s=$(size)
check "outside allow: REFUSED, $s bytes (no bigger than the query plus its OPT: <= 60)" \
    eval 'answer_is REFUSED && le "$s" 60'
sigusr1_stats
tr=$(stat_total truncated)
check "truncated counter $tr >= 2" ge "$tr" 2
stop_dotfwd

daemon raised max_udp_size=4096
qdig @127.0.0.1 -p "$DP" +tcp big.test TXT
eq big.test TXT 65535
check "max_udp_size 4096: big.test TXT whole over UDP ($SZ bytes, 10 records, no TC)" \
    eval '[ "$TC" = 0 ] && [ "$AN" = 10 ] && ge "$SZ" 2000 && le "$SZ" 4096'
finish
