#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 100-padding: every query dotfwd sends upstream carries EDNS(0) with an
# empty edns-tcp-keepalive option (RFC 7828) and padding to a multiple of
# 'option padding' (RFC 7830/8467; default 128, 0 = no padding option),
# whatever the client sent (dig, kdig with its own padding, TCP, a long
# name).  The hop-by-hop options in the server's answers (keepalive, a
# 468-byte padding) never reach a LAN client, and such an answer fits a
# 512-byte client without EDNS (no TC).
. "$(dirname "$0")/lib.sh"
need dig kdig python3 openssl
need_dotfwd
need_dotfault

gen_pki
P1=$(free_port) && P2=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault plain "$P1"
start_dotfault padans "$P2" --pad-answers --keepalive 5000

# two 50-byte labels: the query needs two 128-byte blocks
L50=$(printf '%050d' 0 | tr 0 l)
LONG="$L50.$L50.test"
OPTS_RE='KEEPALIVE|PAD(DING)?:|OPT=1[12]\b'

# query_lines NAME FROM: the dotfault "query" lines from line FROM on
query_lines() { tail -n +"$2" "$(ft_log "$1")" | grep -E '^conn [0-9]+ query '; }

# send_mix PORT: the same questions from every kind of client
send_mix() {
	local p=$1
	qdig @127.0.0.1 -p "$p" a.test A && answer_is NOERROR 192.0.2.1 || return 1
	qdig @127.0.0.1 -p "$p" +noedns a.test A && answer_is NOERROR 192.0.2.1 || return 1
	qdig @127.0.0.1 -p "$p" +tcp a.test A && answer_is NOERROR 192.0.2.1 || return 1
	qdig @127.0.0.1 -p "$p" "$LONG" A && answer_is NOERROR 192.0.2.1 || return 1
	qkdig @127.0.0.1 -p "$p" +padding=200 a.test A && answer_is NOERROR 192.0.2.1 || return 1
	qkdig @127.0.0.1 -p "$p" +tcp +alignment=64 a.test AAAA && answer_is NOERROR || return 1
	dnsq udp-seq -p "$p" -n 10 -e 1232 a.test || return 1
}

# ---- the detector works: straight to the padding server over TLS
qdig @127.0.0.1 -p "$P2" +tls +edns +padding=64 a.test A
sees_opts() { answer_is NOERROR 192.0.2.1 && grep -qE "$OPTS_RE" "$T/dig.out"; }
check "dig +tls straight to dotfault --pad-answers --keepalive shows PAD and KEEPALIVE" sees_opts

# ---- default padding (128)
DP=$(free_port) || bail "$SCRIPT: free ports"
C="$T/pad128.conf"
: >"$C"
conf_main "$C" "$DP"
conf_upstream "$C" u1 address="127.0.0.1:$P1" auth_name=dot.test
from=$(($(ft_lines plain) + 1))
start_dotfwd "$C" "$DP"
check "padding 128: dig, dig +noedns, dig +tcp, long name, kdig +padding, kdig +tcp, 10 x dnsq answered" send_mix "$DP"
LAST_OUT=
query_lines plain "$from" >"$T/q128"
n=$(wc -l <"$T/q128")
check "padding 128: dotfault saw the queries ($n >= 17)" [ "$n" -ge 17 ]
bad=$(grep -cvE ' padded=1 pad_block_ok=1 keepalive=1' "$T/q128")
LAST_OUT="$T/q128"
check "padding 128: every query padded to a 128-byte multiple with keepalive ($bad not)" [ "$bad" -eq 0 ]
lens=$(grep -oE ' len=[0-9]+' "$T/q128" | cut -d= -f2 | sort -n | uniq -c | awk '{ printf "%s%d x %d", (NR > 1 ? ", " : ""), $1, $2 }')
odd=$(grep -oE ' len=[0-9]+' "$T/q128" | cut -d= -f2 | awk '$1 % 128' | wc -l)
check "padding 128: lengths are multiples of 128 ($lens)" [ "$odd" -eq 0 ]
check "padding 128: the long name needs 256 bytes" grep -qE "name=l{50}\.l{50}\.test\. type=1 len=256 " "$T/q128"
check "padding 128: a short one 128 bytes" grep -qE 'name=a\.test\. type=1 len=128 ' "$T/q128"
LAST_OUT=
sigusr1_stats
q=$(stat_up "127.0.0.1:$P1" queries) a=$(stat_up "127.0.0.1:$P1" answers)
check "padding 128: counters queries $q, answers $a (>= $n)" eval 'ge "$q" "$n" && ge "$a" "$n"'
stop_dotfwd

# ---- padding 256 and padding 0
for pad in 256 0; do
	DP=$(free_port) || bail "$SCRIPT: free ports"
	C="$T/pad$pad.conf"
	: >"$C"
	conf_main "$C" "$DP" padding=$pad
	conf_upstream "$C" u1 address="127.0.0.1:$P1" auth_name=dot.test
	from=$(($(ft_lines plain) + 1))
	start_dotfwd "$C" "$DP"
	check "padding $pad: all clients answered" send_mix "$DP"
	LAST_OUT=
	query_lines plain "$from" >"$T/q$pad"
	LAST_OUT="$T/q$pad"
	n=$(wc -l <"$T/q$pad")
	if [ "$pad" = 0 ]; then
		bad=$(grep -cvE ' padded=0 .*keepalive=1' "$T/q$pad")
		check "padding 0: $n queries, none padded, all with keepalive ($bad otherwise)" \
		    eval '[ "$n" -ge 17 ] && [ "$bad" -eq 0 ]'
	else
		bad=$(grep -cvE ' padded=1 .*keepalive=1' "$T/q$pad")
		odd=$(grep -oE ' len=[0-9]+' "$T/q$pad" | cut -d= -f2 | awk '$1 % 256' | wc -l)
		check "padding 256: $n queries padded with keepalive ($bad not), lengths multiples of 256 ($odd not)" \
		    eval '[ "$n" -ge 17 ] && [ "$bad" -eq 0 ] && [ "$odd" -eq 0 ]'
	fi
	LAST_OUT=
	stop_dotfwd
done

# ---- answers padded to 468 with a keepalive: stripped for LAN clients
DP=$(free_port) || bail "$SCRIPT: free ports"
C="$T/padans.conf"
: >"$C"
conf_main "$C" "$DP"
conf_upstream "$C" u1 address="127.0.0.1:$P2" auth_name=dot.test
start_dotfwd "$C" "$DP"
no_opts() { answer_is NOERROR "$1" && ! grep -qE "$OPTS_RE" "$T/dig.out"; }
qdig @127.0.0.1 -p "$DP" +edns +keepalive +padding=128 a.test A
check "hop-by-hop: dig +edns +keepalive +padding: answer has no KEEPALIVE/PAD option" no_opts 192.0.2.1
qdig @127.0.0.1 -p "$DP" +tcp +edns +keepalive a.test A
check "hop-by-hop: dig +tcp +keepalive: answer has no KEEPALIVE/PAD option" no_opts 192.0.2.1
qkdig @127.0.0.1 -p "$DP" +padding a.test A
check "hop-by-hop: kdig +padding: answer has no PADDING option" no_opts 192.0.2.1
qdig @127.0.0.1 -p "$DP" +edns a.test A
sz=$(dig_size)
check "hop-by-hop: the 468-byte upstream answer reaches an EDNS client small ($sz bytes < 100)" \
    eval 'answer_is NOERROR 192.0.2.1 && le "$sz" 99'
qdig @127.0.0.1 -p "$DP" +noedns +ignore a.test A
sz=$(dig_size) fl=$(dig_flags)
check "512-byte client without EDNS: answered, no TC (flags '$fl', $sz bytes)" \
    eval 'answer_is NOERROR 192.0.2.1 && [[ " $fl " != *" tc "* ]] && le "$sz" 99'
# RFC 6891 7: no OPT in the answer to a query without one
check "client without EDNS: no OPT record in the answer ($(grep -oE 'ADDITIONAL: [0-9]+' "$T/dig.out"))" \
    eval '! grep -q "OPT PSEUDOSECTION" "$T/dig.out"'
dnsq udp-seq -p "$DP" -n 20 a.test
check "20 answers through the padding server (no EDNS client)" grep -q '^udp-seq 20/20 ok' "$T/dnsq.out"
LAST_OUT="$(ft_log padans)"
check "the padding server saw padded queries with keepalive" \
    eval '[ "$(ft_count padans " padded=1 pad_block_ok=1 keepalive=1")" -ge 25 ]'
LAST_OUT=
stop_dotfwd
finish
