#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 160-fastest: policy 'fastest' with two addresses, the first answering
# 150 ms late (dotfault --delay 150): after a few dozen queries most go to
# the fast one, yet the slow one still gets an occasional probe; the rtt
# counters tell them apart.  Then the fast one dies: the slow one takes
# over at once.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

N=48
gen_pki
PS=$(free_port) && PF=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault slow "$PS" --delay 150
start_dotfault fast "$PF"
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP" policy=fastest timeout_ms=2000
conf_upstream "$C" u1 address="127.0.0.1:$PS 127.0.0.1:$PF" auth_name=dot.test
start_dotfwd "$C" "$DP"

t0=$(ms)
dnsq udp-seq -p "$DP" -n "$N" -t 3 -d 60 a.test
el=$(($(ms) - t0))
check "$N queries one after another all answered ($el ms)" grep -q "^udp-seq $N/$N ok" "$T/dnsq.out"
LAST_OUT=
ns=$(ft_count slow '^conn [0-9]+ query ') nf=$(ft_count fast '^conn [0-9]+ query ')
diag "queries: slow $ns, fast $nf"
check "most queries went to the fast address (fast $nf >= $((N * 3 / 4)) of $((ns + nf)))" \
    [ "$nf" -ge $((N * 3 / 4)) ]
check "the slow address still got probes (slow $ns >= 2, <= $((N / 4)))" \
    eval '[ "$ns" -ge 2 ] && [ "$ns" -le $((N / 4)) ]'
sigusr1_stats
rs=$(stat_up "127.0.0.1:$PS" rtt) rf=$(stat_up "127.0.0.1:$PF" rtt)
qs=$(stat_up "127.0.0.1:$PS" queries) qf=$(stat_up "127.0.0.1:$PF" queries)
check "counters: rtt slow $rs ms >= 100, fast $rf ms < 100" eval 'ge "$rs" 100 && le "$rf" 99'
check "counters: queries slow $qs = $ns, fast $qf = $nf (as dotfault saw them)" \
    eval '[ "$qs" = "$ns" ] && [ "$qf" = "$nf" ]'

from=$(($(ft_lines slow) + 1))
dnsq udp-seq -p "$DP" -n 32 -t 3 -d 60 a.test
ns2=$(ft_count slow '^conn [0-9]+ query ' "$from")
check "32 more: the slow address probed again ($ns2 >= 1)" eval 'grep -q "^udp-seq 32/32 ok" "$T/dnsq.out" && [ "$ns2" -ge 1 ]'

# the fast one dies: the slow one answers, within timeout_ms
stop_dotfault fast
t0=$(ms)
dnsq udp-seq -p "$DP" -n 10 -t 3 -d 30 a.test
el=$(($(ms) - t0))
check "fast address gone: 10 queries answered by the slow one ($el ms)" \
    eval 'grep -q "^udp-seq 10/10 ok" "$T/dnsq.out" && [ "$el" -lt 6000 ]'
finish
