#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 50-auth: strict authentication of the upstream.  Each broken case has
# its own dotfwd against an Unbound whose certificate is wrong in one way:
# the client gets SERVFAIL, the dotfwd log gives the reason, and that
# Unbound never sees a query (nothing leaks over a connection that failed
# authentication).  The good cases (right pin, right pin among wrong ones,
# RSA leaf, RSA leaf pinned) answer.  All daemons start at once to keep
# the run short.
. "$(dirname "$0")/lib.sh"
need dig python3 openssl unbound
need_dotfwd

TIMEOUT_MS=1000		# bounds the run time if SERVFAIL waits for it
gen_pki dot-ca2 rsa other expired
PIN_DOT=$(pin_of "$PKI/dot.pem")
PIN_OTHER=$(pin_of "$PKI/other.pem")
PIN_RSA=$(pin_of "$PKI/rsa.pem")

# Unbounds, by certificate; the bad-* ones must never receive a query.
declare -A UPORT
out=$(free_port 6) || bail "$SCRIPT: free ports"
read -r -a ports <<<"$out"
i=0
for ub in bad-dot:dot bad-other:other bad-ca2:dot-ca2 bad-expired:expired good-dot:dot good-rsa:rsa; do
	UPORT[${ub%%:*}]=${ports[$i]}
	start_unbound "${ports[$i]}" "$PKI/${ub#*:}.pem" "$PKI/${ub#*:}.key" "${ub%%:*}"
	i=$((i + 1))
done

# CASE NAME UNBOUND AUTH_NAME REASON|ok [PIN...]
CASES=(
	"wrongname|bad-dot|wrong.test|certificate name mismatch|"
	"othername|bad-other|dot.test|certificate name mismatch|"
	"unknownca|bad-ca2|dot.test|unknown CA|"
	"pinmismatch|bad-dot|dot.test|pin mismatch|$PIN_OTHER"
	"pinmismatch2|bad-dot|dot.test|pin mismatch|$PIN_OTHER $PIN_RSA"
	"expired|bad-expired|dot.test|certificate expired|"
	"pinok|good-dot|dot.test|ok|$PIN_DOT"
	"pinamong|good-dot|dot.test|ok|$PIN_OTHER $PIN_DOT $PIN_RSA"
	"rsa|good-rsa|dot.test|ok|"
	"rsapin|good-rsa|dot.test|ok|$PIN_RSA"
)
out=$(free_port ${#CASES[@]}) || bail "$SCRIPT: free ports"
read -r -a dports <<<"$out"
declare -A DPID DLOG DPORT
i=0
for c in "${CASES[@]}"; do
	IFS='|' read -r name ub auth reason pins <<<"$c"
	conf="$T/$name.conf"
	# shellcheck disable=SC2086
	write_conf "$conf" "${dports[$i]}" "127.0.0.1:${UPORT[$ub]}" "$auth" $pins
	launch_dotfwd "$conf"
	DPID[$name]=$DF_PID DLOG[$name]=$DF_LOG DPORT[$name]=${dports[$i]}
	i=$((i + 1))
done

servfail() { answer_is SERVFAIL && [ -z "$(dig_answers)" ]; }
for c in "${CASES[@]}"; do
	IFS='|' read -r name ub auth reason pins <<<"$c"
	DF_PID=${DPID[$name]} DF_LOG=${DLOG[$name]} DF_CONF="$T/$name.conf"
	dp=${DPORT[$name]} up=${UPORT[$ub]}
	wait_dotfwd "$dp"
	if [ "$reason" = ok ]; then
		qdig @127.0.0.1 -p "$dp" a.test A
		check "$name: answer" answer_is NOERROR 192.0.2.1
		qdig @127.0.0.1 -p "$dp" +tcp b.test A
		check "$name: tcp answer" answer_is NOERROR 192.0.2.2
		n=$(count_handshakes "127.0.0.1:$up")
		LAST_OUT=
		check "$name: one \"handshake complete\" for 127.0.0.1:$up (log has $n)" [ "$n" -eq 1 ]
	else
		qdig @127.0.0.1 -p "$dp" a.test A
		check "$name: client gets SERVFAIL, no answer" servfail
		qdig @127.0.0.1 -p "$dp" +tcp b.test A
		check "$name: tcp client gets SERVFAIL, no answer" servfail
		LAST_OUT=
		check "$name: log says \"$reason\"" log_has "$reason"
		n=$(count_handshakes "127.0.0.1:$up")
		check "$name: no \"handshake complete\" for 127.0.0.1:$up (log has $n)" [ "$n" -eq 0 ]
		LAST_OUT="$T/$ub.log"
		check "$name: $ub never received a query" [ -z "$(ub_queries "$ub")" ]
	fi
	stop_dotfwd
done
finish
