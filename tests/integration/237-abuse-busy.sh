#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 237-abuse-busy: the TCP pool full of clients that each have a query out
# to a slow upstream (300 ms) when a newcomer comes.  None can be given up
# then (we owe each an answer), so accept waits; once their answers are
# out they can, and the newcomer gets in at the next look: its query is
# answered within 1 s (the upstream's 300 ms twice, and the wait between
# looks), not after a second-long pause.
. "$(dirname "$0")/lib.sh"
need python3 openssl
need_dotfwd
need_dotfault

gen_pki
PU=$(free_port) && DP=$(free_port) || bail "$SCRIPT: free ports"
start_dotfault up "$PU" --delay 300
C="$T/dotfwd.conf"
: >"$C"
conf_main "$C" "$DP" allow="127.0.0.0/8" listen="127.0.0.1:$DP" \
    max_tcp_clients=4 log_level=info
conf_upstream "$C" u1 address="127.0.0.1:$PU" auth_name=dot.test
launch_dotfwd_quiet "$C"
wait_dotfwd "$DP"

out=$(python3 - "$LIB_DIR" "$DP" <<'PYEOF'
import socket, struct, sys, time
sys.path.insert(0, sys.argv[1])
import abuse
port = int(sys.argv[2])
# four clients, one query each, reading their answers, staying open
busy = []
for i in range(4):
    s = abuse.tcp_connect("127.0.0.%d" % (4 + i), "127.0.0.1", port)
    q = abuse.query(100 + i, "busy%d.test" % i)
    s.sendall(struct.pack("!H", len(q)) + q)
    busy.append(s)
time.sleep(0.05)
# the newcomer, while all four wait for their answers
rc, ms = abuse.tcp_query("127.0.0.3", "127.0.0.1", port, "new.test", 3.0)
got = 0
for s in busy:
    s.settimeout(0.5)
    try:
        if len(s.recv(4096)) > 2:
            got += 1
    except OSError:
        pass
    s.close()
print("%s %d %d" % (rc, ms, got))
PYEOF
)
diag "busy pool: newcomer and answers: $out"
read -r rc ms got <<<"$out"
check "pool of 4 all waiting on a 300 ms upstream: a newcomer's TCP query answered within 1 s ($rc in $ms ms)" \
    eval '[ "$rc" = NOERROR ] && le "$ms" 999'
check "the busy clients got their answers before one was given up ($got of 4 >= 3)" \
    ge "$got" 3
finish
