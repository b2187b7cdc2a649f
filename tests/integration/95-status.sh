#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 95-status: `dotfwd status -c FILE` prints the running daemon's status as
# JSON (totals, per-upstream state and counters, clock flag), cheaply, and
# says clearly when no daemon runs with that configuration.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl unbound
need_dotfwd

gen_pki
UP=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP"
conf_upstream "$C" u1 address="127.0.0.1:$UP" auth_name=dot.test

# shellcheck disable=SC2086
$DOTFWD status -c "$C" >"$T/none.out" 2>&1
rc=$?
check "status without a daemon: exit 69" [ "$rc" -eq 69 ]
check "status without a daemon: says not running" grep -q "not running" "$T/none.out"

start_unbound "$UP" "$PKI/dot.pem" "$PKI/dot.key" u1
start_dotfwd "$C" "$DP"
for n in a b a; do
	qdig @127.0.0.1 -p "$DP" $n.test A
done
qdig @127.0.0.1 -p "$DP" nope.test A

# shellcheck disable=SC2086
$DOTFWD status -c "$C" >"$T/status.json" 2>"$T/status.err"
rc=$?
LAST_OUT="$T/status.json"
check "status: exit 0" [ "$rc" -eq 0 ]
check "status: JSON with totals and the upstream" python3 - "$T/status.json" "127.0.0.1:$UP" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["totals"]["queries"] >= 4 + 1, d["totals"]      # + the readiness probe
assert d["totals"]["answered"] >= 4, d["totals"]
assert isinstance(d["clock_synced"], bool) and d["uptime"] >= 0
u = d["upstreams"]
assert len(u) == 1 and u[0]["address"] == sys.argv[2], u
assert u[0]["auth_name"] == "dot.test" and u[0]["state"] == "up", u
assert u[0]["handshakes"] == 1 and u[0]["answers"] >= 4, u
assert u[0]["failures"] == 0 and u[0]["rtt_ms"] >= 1, u
PY

stop_unbound u1
qdig @127.0.0.1 -p "$DP" a.test A	# connection lost: reconnect fails
qdig @127.0.0.1 -p "$DP" b.test A
# shellcheck disable=SC2086
$DOTFWD status -c "$C" >"$T/down.json" 2>&1
LAST_OUT="$T/down.json"
check "status: upstream down with the reason" python3 - "$T/down.json" <<'PY'
import json, sys
u = json.load(open(sys.argv[1]))["upstreams"][0]
assert u["state"] == "down" and u["failures"] >= 1, u
assert "refused" in u["last_error"], u
PY
check "dotfwd still running" alive "$DF_PID"
finish
