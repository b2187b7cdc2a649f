#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 220-status-bound: the largest configuration the daemon accepts (16
# upstream sections of 8 addresses, auth_names of 253 characters) still
# gets a complete `dotfwd status` document (valid JSON, every address,
# the history with its 16 RTT columns and a ring of 120 samples at most),
# within the status buffer, also once the ring is full of the widest
# numbers; a reload of it (sections in the opposite
# order) carries every address's counters by address and name, and the
# daemon's memory does not grow across samples and reloads.
. "$(dirname "$0")/lib.sh"
need dig python3
need_dotfwd

read -r PD DP <<<"$(free_port 2)" || bail "$SCRIPT: free ports"
C="$T/dotfwd.conf"
ST_JSON_CAP=$((128 * 1024))	# src/stats.h

# name K: a 253-character host name, different per section
name() {
	local l
	l=$(printf '%063d' 0 | tr 0 "$1")
	printf '%s.%s.%s.%s' "$l" "$l" "$l" "${l:0:61}"
}
# conf ORDER...: 16 sections (numbers 1..16 in ORDER) of 8 addresses
# 127.0.K.1-8 on port PD, where nothing listens
conf() {
	local k j addrs
	: >"$C.new"
	conf_main "$C.new" "$DP" policy=roundrobin
	for k in "$@"; do
		addrs=
		for j in 1 2 3 4 5 6 7 8; do addrs="$addrs 127.0.$k.$j:$PD"; done
		conf_upstream "$C.new" "u$k" address="${addrs# }" \
		    auth_name="$(name "$(printf '%x' "$((k - 1))" | tr 0-9a-f a-p)")"
	done
	chmod 0644 "$C.new"
	mv "$C.new" "$C"
}
conf $(seq 1 16)
check "the configuration is valid" "${DOTFWD%% *}" -t -c "$C"
start_dotfwd "$C" "$DP"
PID=$DF_PID
# a few queries: each tries two addresses (a resend), all refused
for i in 1 2 3 4 5 6; do qdig @127.0.0.1 -p "$DP" "q$i.test" A; done

status() {
	LAST_OUT="$T/$1.json"
	"${DOTFWD%% *}" status -c "$C" >"$T/$1.json" 2>&1
}
# doc NAME: the document is complete and shaped as promised
doc() {
	python3 - "$T/$1.json" "$ST_JSON_CAP" <<'EOF'
import json, os, sys
size = os.path.getsize(sys.argv[1])
d = json.load(open(sys.argv[1]))
assert size < int(sys.argv[2]), size
assert len(d["upstreams"]) == 128, len(d["upstreams"])
assert all(len(u["auth_name"]) == 253 for u in d["upstreams"])
h = d["history"]
assert h["size"] == 120 and h["interval_s"] == 5, h
assert 0 <= h["samples"] <= h["size"], h
for k in ("queries", "answered", "servfail"):
    assert len(h[k]) == h["samples"], k
assert len(h["rtt_ms"]) == 16, len(h["rtt_ms"])
assert all(len(c["ms"]) == h["samples"] for c in h["rtt_ms"])
# with the ring full of the widest numbers (counts 4294967295, RTT 65535)
full = size + (h["size"] - h["samples"]) * (3 * len(", 4294967295") +
    16 * len(", 65535")) + 3 * 10 + 16 * 5
assert full < int(sys.argv[2]), full
print("# %d bytes, %d samples (full ring, widest numbers: %d)" % (size, h["samples"], full))
EOF
}
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$PID/status"; }

status s1
check "status of 128 addresses: complete, $(doc s1 2>&1 | tail -n 1)" doc s1
rss1=$(rss)
# two samples later, two reloads, the first with the sections reversed
for i in $(seq $((120 * SLOW))); do
	status s2 && python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["history"]["samples"] < 2)' "$T/s2.json" && break
	sleep 0.1
done
n0=$(df_lines)
conf $(seq 16 -1 1)
kill -HUP "$PID"
df_wait 'dotfwd .* reloaded:' "$n0" 10000
check "reloaded" alive "$PID"
status s3
check "after the reload: complete, $(doc s3 2>&1 | tail -n 1)" doc s3
check "every address's failures carried by address and name, in the new order" \
    python3 - "$T/s2.json" "$T/s3.json" <<'EOF'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
key = lambda u: (u["address"], u["auth_name"])
fa = {key(u): u["failures"] for u in a["upstreams"]}
fb = {key(u): u["failures"] for u in b["upstreams"]}
assert fa == fb, [k for k in fa if fa[k] != fb.get(k)]
assert sum(fa.values()) >= 6, sum(fa.values())
assert a["upstreams"][0]["address"] == b["upstreams"][-8]["address"]
assert b["history"]["samples"] >= a["history"]["samples"]
EOF
n0=$(df_lines)
conf $(seq 1 16)
kill -HUP "$PID"
df_wait 'dotfwd .* reloaded:' "$n0" 10000
status s4
check "second reload: complete" doc s4
rss2=$(rss)
check "memory after samples and two reloads: VmRSS $rss1 kB -> $rss2 kB (< +512 kB)" \
    eval '[ -n "$rss1" ] && [ -n "$rss2" ] && [ "$rss2" -lt $((rss1 + 512)) ]'
finish
