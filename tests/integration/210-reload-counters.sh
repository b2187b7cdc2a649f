#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 210-reload-counters: a reload that applies a new file keeps what the
# status shows.  Upstream D (nothing listens) is backed off to 60 s, A
# answers (4 s late for slow.*).  Five slow queries are in flight when a
# changed file (an upstream B added, timeout_ms changed) is applied:
# right after the reload uptime, totals, A's counters and D's down state,
# failures, last error and back-off are the ones from before, B is new
# at zero, the sample ring has kept its samples; a query then does not
# try D (its back-off goes on).  Once the forked copy has answered the
# five, its answers are in the totals and in A's counters: every query
# counted once, queries = answered + servfail.  A real restart starts
# everything from zero.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl
need_dotfwd
need_dotfault

gen_pki
read -r PA PB PD DP <<<"$(free_port 4)" || bail "$SCRIPT: free ports"
start_dotfault A "$PA" --delay 4000 --delay-slow-only
start_dotfault B "$PB"
C="$T/dotfwd.conf"
# conf [B]: D then A, ordered; with B a third upstream and another timeout
conf() {
	: >"$C.new"
	# queries wait 4 s at A: well within timeout_ms (and its half, after
	# which a connection that does not answer counts as dead)
	local tmo=10000
	[ -z "${1:-}" ] || tmo=11000
	conf_main "$C.new" "$DP" timeout_ms=$tmo policy=ordered
	conf_upstream "$C.new" d address="127.0.0.1:$PD" auth_name=dot.test
	conf_upstream "$C.new" a address="127.0.0.1:$PA" auth_name=dot.test
	[ -z "${1:-}" ] || conf_upstream "$C.new" b address="127.0.0.1:$PB" auth_name=dot.test
	chmod 0644 "$C.new"
	mv "$C.new" "$C"
}
conf
start_dotfwd "$C" "$DP"
PID=$DF_PID

# status NAME: `dotfwd status` into $T/NAME.json
status() {
	LAST_OUT="$T/$1.json"
	"${DOTFWD%% *}" status -c "$C" >"$T/$1.json" 2>&1
}
# jv EXPR: the value of a Python expression over the documents taken so
# far (s0, s1...: $T/s0.json...), with u(DOC, ADDR) one of its upstreams,
# col(DOC, ADDR) its RTT column in the history, and A, B, D their
# addresses; jtrue EXPR: EXPR is true.
jv() {
	A="127.0.0.1:$PA" B="127.0.0.1:$PB" D="127.0.0.1:$PD" \
	    python3 - "$T" "$1" <<'EOF' 2>&1
import glob, json, os, sys
g = {k: os.environ[k] for k in ("A", "B", "D")}
for f in glob.glob(os.path.join(sys.argv[1], "s[0-9].json")):
    try:
        g[os.path.basename(f)[:-5]] = json.load(open(f))
    except ValueError:
        pass
g["u"] = lambda doc, a: next(x for x in doc["upstreams"] if x["address"] == a)
g["col"] = lambda doc, a: next(c["ms"] for c in doc["history"]["rtt_ms"] if c["address"] == a)
print(json.dumps(eval(sys.argv[2], g)))
EOF
}
jtrue() { [ "$(jv "$1")" = true ]; }

# D fails (connection refused) whenever its back-off wait is over; a
# SIGHUP with the same file ends the wait (the doubling stays): after 7
# failures D waits 60 s.
for i in $(seq 12); do
	qdig @127.0.0.1 -p "$DP" a.test A
	status s0 && jtrue 'u(s0, D)["failures"] >= 7' && break
	n0=$(df_lines)
	kill -HUP "$PID"
	df_wait 'unchanged: re-checking upstreams' "$n0" 3000
done
check "D failed 7 times: backed off 60 s ($(jv 'u(s0, D)["backoff_ms"]') ms)" \
    jtrue 'u(s0, D)["backoff_ms"] == 60000 and u(s0, D)["retry_in_ms"] > 50000'
# a sample in the ring (one every 5 s)
for i in $(seq $((100 * SLOW))); do
	status s0 && jtrue 's0["history"]["samples"] >= 1' && break
	sleep 0.1
done

# five slow queries in flight, then the new file
n0=$(df_lines)
dns_pace "$DP" 5 20 10 'slow.q%d.test' &
PACE=$!
PIDS+=("$PACE")
for i in $(seq $((20 * SLOW))); do
	sleep 0.1
	status s1 && jtrue 'u(s1, A)["queries"] - u(s1, A)["answers"] == 5' && break
done
check "before: 5 queries in flight on A ($(jv 'u(s1, A)["queries"]') sent, $(jv 'u(s1, A)["answers"]') answered)" \
    jtrue 'u(s1, A)["queries"] - u(s1, A)["answers"] == 5'
conf B
kill -HUP "$PID"
df_wait 'dotfwd .* reloaded:' "$n0" 5000
check "changed file: re-executed, same PID" eval 'df_since "$n0" | grep -q "re-executing" && alive "$PID"'
status s2
check "after: dotfwd status answers" jtrue 's2["version"] != ""'
check "uptime kept: $(jv 's1["uptime"]') s before, $(jv 's2["uptime"]') s after" \
    jtrue 's1["uptime"] <= s2["uptime"] <= s1["uptime"] + 10'
check "totals kept: $(jv 's2["totals"]')" jtrue 's2["totals"] == s1["totals"]'
for k in queries answers handshakes failures rtt_ms state; do
	check "A's $k kept: $(jv "u(s1, A)['$k']") -> $(jv "u(s2, A)['$k']")" \
	    jtrue "u(s2, A)['$k'] == u(s1, A)['$k']"
done
for k in state failures last_error backoff_ms queries; do
	check "D's $k kept: $(jv "u(s1, D)['$k']") -> $(jv "u(s2, D)['$k']")" \
	    jtrue "u(s2, D)['$k'] == u(s1, D)['$k']"
done
check "D is still waiting: retry in $(jv 'u(s2, D)["retry_in_ms"]') ms" \
    jtrue 'u(s2, D)["retry_in_ms"] > 30000'
check "B is new: at zero" \
    jtrue '[u(s2, B)[k] for k in ("queries", "answers", "failures")] == [0, 0, 0]'
check "the ring kept its $(jv 's1["history"]["samples"]') samples and A's RTT column ($(jv 's2["history"]["samples"]') now)" \
    jtrue 's2["history"]["samples"] >= s1["history"]["samples"] >= 1 and col(s2, A)[:len(col(s1, A))] == col(s1, A) and s2["history"]["answered"][:len(col(s1, A))] == s1["history"]["answered"]'
check "B's RTT column is new: $(jv 'col(s2, B)')" \
    jtrue 'set(col(s2, B)) <= {0} and len(col(s2, B)) == s2["history"]["samples"]'

# the back-off goes on: a query now skips D
qdig @127.0.0.1 -p "$DP" a.test A
status s3
check "a query after the reload: answered, D not tried (failures $(jv 'u(s3, D)["failures"]'))" \
    eval 'answer_is NOERROR 192.0.2.1 && jtrue "u(s3, D)[\"failures\"] == u(s1, D)[\"failures\"]"'

# the forked copy answers the five, exits; its counts are added
wait "$PACE"
LAST_OUT="$T/pace.out"
check "the 5 queries in flight: NOERROR ($(grep '^pace' "$T/pace.out"))" \
    eval '[ "$(grep -c " NOERROR " "$T/pace.out")" = 5 ]'
DRAINER=$(df_since "$n0" | sed -n 's/^SIGHUP: pid \([0-9]*\) answers the queries in flight.*/\1/p' | head -n 1)
for i in $(seq 50); do [ -n "$DRAINER" ] && [ -e "/proc/$DRAINER" ] || break; sleep 0.1; done
check "the forked copy (pid ${DRAINER:-none}) exited and was reaped" eval '[ -n "$DRAINER" ] && [ ! -e "/proc/$DRAINER" ]'
status s4
check "its 5 answers are in A's counters: $(jv 'u(s1, A)["answers"]') + 5 + 1 = $(jv 'u(s4, A)["answers"]')" \
    jtrue 'u(s4, A)["answers"] == u(s1, A)["answers"] + 6'
check "and in the totals: answered $(jv 's1["totals"]["answered"]') + 5 + 1 = $(jv 's4["totals"]["answered"]')" \
    jtrue 's4["totals"]["answered"] == s1["totals"]["answered"] + 6'
check "every query counted once: queries $(jv 's4["totals"]["queries"]') = answered + servfail" \
    jtrue 's4["totals"]["queries"] == s4["totals"]["answered"] + s4["totals"]["servfail"]'
stop_dotfwd

# a real restart: from zero
start_dotfwd "$C" "$DP"
status s5
check "restart: uptime $(jv 's5["uptime"]') s, queries $(jv 's5["totals"]["queries"]'), no sample" \
    jtrue 's5["uptime"] < 5 and s5["totals"]["queries"] <= 2 and s5["history"]["samples"] == 0'
check "restart: D from zero (failures $(jv 'u(s5, D)["failures"]'))" \
    jtrue 'u(s5, D)["failures"] <= 1'
finish
