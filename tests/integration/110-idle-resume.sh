#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 110-idle-resume: dotfwd closes an idle upstream connection after
# idle_timeout_ms, or sooner when the server's RFC 7828 keepalive says
# so; the next query reopens it with TLS session resumption (dotwfd log
# "handshake complete (..., resumed)", dotfault "resumed=1").  A server
# that closes idle connections itself (dotfault --idle-close) loses no
# query, even when a query meets the close.  The counters show it.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

gen_pki

# idle_gap FT FROM: ms between the last answer and the connection's close
# (dotfault --log-time stamps), from line FROM on
idle_gap() {
	tail -n +"$2" "$(ft_log "$1")" | awk '
	/ conn [0-9]+ answer / { a = $1 }
	/ conn [0-9]+ close reason=peer-close/ && a != "" { print $1 - a; exit }'
}

# idle_case NAME FT-NAME IDLE_MS LOW_MS HIGH_MS: one query, then the
# connection must be closed by dotfwd (dotfault logs peer-close) between
# LOW_MS and HIGH_MS after the answer, and the next query resumes the
# session.
idle_case() {
	local what=$1 ft=$2 idle=$3 lo=$4 hi=$5 from n gap
	from=$(($(ft_lines "$ft") + 1))
	qdig @127.0.0.1 -p "$DP" a.test A
	check "$what: answer" answer_is NOERROR 192.0.2.1
	LAST_OUT=$(ft_log "$ft")
	ft_wait "$ft" ' conn [0-9]+ close reason=peer-close' "$from" $((hi + 2000))
	gap=$(idle_gap "$ft" "$from")
	check "$what: dotfwd closed the idle connection ~$idle ms after the answer (${gap:-no close} ms, want $lo..$hi)" \
	    eval 'ge "$gap" "$lo" && le "$gap" "$hi"'
	check "$what: not closed by the server" [ "$(ft_count "$ft" 'close reason=idle' "$from")" -eq 0 ]
	LAST_OUT=
	check "$what: dotfwd logged the idle close" log_has "idle, closing"
	from=$(($(ft_lines "$ft") + 1))
	n=$(grep -c 'handshake complete (.*, resumed)' "$DF_LOG")
	qdig @127.0.0.1 -p "$DP" b.test A
	check "$what: next query answered on a new connection" answer_is NOERROR 192.0.2.1
	LAST_OUT=$(ft_log "$ft")
	check "$what: dotfault saw a resumed handshake" [ "$(ft_count "$ft" ' conn [0-9]+ handshake resumed=1 ' "$from")" -eq 1 ]
	LAST_OUT=
	check "$what: dotfwd logged \"handshake complete (..., resumed)\"" \
	    [ "$(grep -c 'handshake complete (.*, resumed)' "$DF_LOG")" -eq $((n + 1)) ]
}

# ---- our idle_timeout_ms (1000), no keepalive from the server
P1=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault own "$P1" --log-time
C="$T/own.conf"
: >"$C"
conf_main "$C" "$DP" idle_timeout_ms=1000
conf_upstream "$C" u1 address="127.0.0.1:$P1" auth_name=dot.test
start_dotfwd "$C" "$DP"
idle_case "idle_timeout_ms 1000" own 1000 900 $((1000 + 700 * SLOW))
idle_case "idle_timeout_ms 1000, again" own 1000 900 $((1000 + 700 * SLOW))
sigusr1_stats
h=$(stat_up "127.0.0.1:$P1" handshakes) r=$(stat_up "127.0.0.1:$P1" resumed)
check "counters: handshakes $h >= 3, resumed $r >= 2" eval 'ge "$h" 3 && ge "$r" 2'
stop_dotfwd

# ---- the server's keepalive (1500 ms) is below idle_timeout_ms (9000)
P2=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault ka "$P2" --keepalive 1500 --log-time
C="$T/ka.conf"
: >"$C"
conf_main "$C" "$DP" idle_timeout_ms=9000
conf_upstream "$C" u1 address="127.0.0.1:$P2" auth_name=dot.test
start_dotfwd "$C" "$DP"
idle_case "server keepalive 1500 ms" ka 1500 1000 $((1500 + 700 * SLOW))
sigusr1_stats
r=$(stat_up "127.0.0.1:$P2" resumed)
check "counters: resumed $r >= 1" ge "$r" 1
stop_dotfwd

# ---- the server closes idle connections itself after 700 ms
P3=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault srv "$P3" --idle-close 700
C="$T/srv.conf"
: >"$C"
conf_main "$C" "$DP" idle_timeout_ms=9000 timeout_ms=2000
conf_upstream "$C" u1 address="127.0.0.1:$P3" auth_name=dot.test
start_dotfwd "$C" "$DP"
from=$(($(ft_lines srv) + 1))
qdig @127.0.0.1 -p "$DP" a.test A
check "server idle close: answer" answer_is NOERROR 192.0.2.1
LAST_OUT=$(ft_log srv)
check "server idle close: dotfault closed the idle connection" \
    ft_wait srv '^conn [0-9]+ close reason=idle' "$from" 3000
LAST_OUT=
sleep 0.3
qdig @127.0.0.1 -p "$DP" b.test A
check "server idle close: the next query is answered" answer_is NOERROR 192.0.2.1
# Queries paced around the server's idle limit: some meet the close.
for iv in 690 700 710 720; do
	dns_pace "$DP" 4 "$iv" 3 a.test
	check "server idle close: 4 queries every $iv ms all NOERROR ($(grep '^pace' "$T/pace.out"))" \
	    eval '[ "$(pace_rcode NOERROR)" -eq 4 ] && [ "$(pace_field noreply)" -eq 0 ] && [ "$(pace_field duplicate)" -eq 0 ]'
done
LAST_OUT=
n=$(ft_count srv '^conn [0-9]+ close reason=idle')
check "server idle close: dotfault closed idle connections $n times (>= 3)" [ "$n" -ge 3 ]
sigusr1_stats
q=$(stat_total udp) a=$(stat_total answered) sf=$(stat_total servfail)
r=$(stat_up "127.0.0.1:$P3" resumed)
check "counters: udp $q, answered $a, servfail $sf, resumed $r" \
    eval 'ge "$q" 19 && [ "$a" = "$q" ] && [ "$sf" = 0 ] && ge "$r" 3'
stop_dotfwd
finish
