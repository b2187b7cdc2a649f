#!/bin/sh
# shellcheck disable=SC2317,SC2016,SC3043,SC1091,SC2034
# (functions called indirectly; eval strings; busybox ash has local;
# sourced files made at run time; variables read by the sourced script)
# SPDX-License-Identifier: MIT
# 30-init: openwrt/dotfwd/files/dotfwd.init under busybox ash, with
# recorded stand-ins for uci (tests/openwrt/fake/uci, a small uci over a
# temporary /etc/config), the procd/jshn helpers, rc.common's start/stop/
# reload sequence, logger and dnsmasq's init script.  Asserts the exact
# procd calls (instance command line, respawn, file, reload_signal,
# triggers, firewall data) and the dnsmasq changes made on start and
# undone on stop.  DOTFWD (a dotfwd binary) answers the init script's
# "dotfwd -t"; without it a stand-in accepting every config is used.
if [ -z "${DOTFWD_IN_BUSYBOX:-}" ]; then
	if ! command -v busybox >/dev/null 2>&1; then
		echo "skip - openwrt-init: busybox is not installed"
		exit 0
	fi
	if ! command -v python3 >/dev/null 2>&1; then
		echo "skip - openwrt-init: python3 is not installed (fake uci)"
		exit 0
	fi
	DOTFWD_IN_BUSYBOX=1 exec busybox ash "$0" "$@"
fi

TOP=$(cd "$(dirname "$0")/../.." && pwd)
PKG=$TOP/openwrt/dotfwd
T=$(mktemp -d "${TMPDIR:-/tmp}/openwrt-init.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
LOG=$T/calls.log
failed=0

mkdir -p "$T/bin" "$T/etc/config" "$T/uci" "$T/run"
export UCI_CONFDIR="$T/etc/config" UCI_SAVEDIR="$T/uci" UCI_LOG="$T/uci.log"
ln -s "$TOP/tests/openwrt/fake/uci" "$T/bin/uci"
cat >"$T/bin/logger" <<EOF
#!/bin/sh
echo "logger \$*" >>"$LOG"
EOF
cat >"$T/bin/dnsmasq-init" <<EOF
#!/bin/sh
echo "dnsmasq-init \$*" >>"$LOG"
EOF
# the daemon's config check: the real binary when given
cat >"$T/bin/dotfwd" <<EOF
#!/bin/sh
echo "dotfwd \$*" >>"$LOG"
[ -n "\$FAKE_INVALID" ] && { echo "invalid" >&2; exit 1; }
[ -n "$DOTFWD" ] || exit 0
exec $DOTFWD "\$@"
EOF
chmod +x "$T/bin/logger" "$T/bin/dnsmasq-init" "$T/bin/dotfwd"
PATH="$T/bin:$PATH"

# ---- recorded stand-ins for /lib/functions/procd.sh and jshn
rec() {
	local out='' a
	for a; do
		case "$a" in *' '*|'') a="'$a'" ;; esac
		out="$out${out:+ }$a"
	done
	echo "$out" >>"$LOG"
}
for f in procd_open_service procd_close_service procd_open_instance \
    procd_close_instance procd_set_param procd_append_param \
    procd_add_reload_trigger procd_add_interface_trigger \
    procd_add_raw_trigger procd_send_signal procd_set_config_changed \
    procd_open_data procd_close_data procd_kill json_add_array \
    json_add_object json_add_string json_add_int json_add_boolean \
    json_close_object json_close_array; do
	eval "$f() { rec $f \"\$@\"; }"
done
# rc.common (USE_PROCD=1): what start, stop and reload run
rc_procd() {
	procd_open_service dotfwd
	"$@"
	service_triggers
	procd_close_service
}
rc_start() { rc_procd start_service; service_started; }
rc_stop() { stop_service; procd_kill dotfwd; service_stopped; }
rc_reload() { reload_service; }

. "$PKG/files/dotfwd.init"
PROG=$T/bin/dotfwd
CONF=$T/etc/config/dotfwd
STATE_DIR=$T/run/dotfwd
DNSMASQ_INIT=$T/bin/dnsmasq-init

# ---- assertions
ok() { echo "ok - openwrt-init: $1"; }
nok() { echo "not ok - openwrt-init: $1"; failed=1; }
check() {
	local name="$1"
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}
# expect NAME: the calls since the last expect must equal stdin
expect() {
	cat >"$T/want"
	touch "$LOG"
	if cmp -s "$T/want" "$LOG"; then
		ok "$1"
	else
		nok "$1"
		diff -u "$T/want" "$LOG" | sed 's/^/#   /'
	fi
	: >"$LOG"
	: >"$UCI_LOG"
}
uget() { uci -q get "$1"; }
is() { [ "$(uget "$1")" = "$2" ] || { echo "#   $1: '$(uget "$1")' != '$2'" >&2; return 1; }; }
absent() { ! uget "$1" >/dev/null || { echo "#   $1 is '$(uget "$1")'" >&2; return 1; }; }
no_staged() { [ ! -e "$UCI_SAVEDIR/dhcp.json" ]; }
no_dhcp_writes() { ! grep -Eq '^uci (-q )?(set|add_list|delete|commit) dhcp' "$UCI_LOG"; }
show_dhcp() { uci show dhcp | sort; }
same_dhcp() { show_dhcp >"$T/now"; cmp -s "$1" "$T/now" || { diff -u "$1" "$T/now" | sed 's/^/#   /'; return 1; }; }

instance="procd_set_param command $PROG -s -c $CONF
procd_set_param file $CONF
procd_set_param respawn
procd_set_param reload_signal HUP
procd_set_param stdout 1
procd_set_param stderr 1"
triggers="procd_add_reload_trigger dotfwd
procd_add_interface_trigger interface.* wan /etc/init.d/dotfwd recheck
procd_add_interface_trigger interface.* wan6 /etc/init.d/dotfwd recheck"
D='dhcp.@dnsmasq[0]'

# ==== 1: shipped config; dnsmasq with a domain server, a plain server and
# no noresolv at all
cp "$PKG/files/dotfwd.config" "$CONF"
cat >"$T/etc/config/dhcp" <<'EOF'

config dnsmasq
	option domainneeded '1'
	list server '/corp.example/10.0.0.1'
	list server '8.8.8.8'
	option local '/lan/'

config dhcp 'lan'
	option interface 'lan'
EOF
show_dhcp >"$T/dhcp.orig"

rc_start
expect "start: instance, triggers, dnsmasq reload" <<EOF
procd_open_service dotfwd
dotfwd -t -c $CONF
procd_open_instance
$instance
procd_close_instance
$triggers
procd_close_service
dnsmasq-init reload
EOF
check "start: dnsmasq forwards to 127.0.0.1#5453, keeps the domain server" \
    is "$D.server" '127.0.0.1#5453 /corp.example/10.0.0.1'
check "start: noresolv 1" is "$D.noresolv" 1
check "start: previous servers saved" is "$D.dotfwd_server" '/corp.example/10.0.0.1 8.8.8.8'
check "start: noresolv saved as absent" absent "$D.dotfwd_noresolv"
check "start: dhcp committed" no_staged
check "start: no firewall state" test ! -e "$STATE_DIR/intercept"

rc_reload
expect "reload, nothing changed: same instance, no dnsmasq reload" <<EOF
dotfwd -t -c $CONF
procd_open_service dotfwd
procd_open_instance
$instance
procd_close_instance
$triggers
procd_close_service
EOF
check "reload, nothing changed: dhcp untouched" no_dhcp_writes

# a second start (e.g. after a reboot, dhcp still handed over) keeps the
# original backup
rc_start >/dev/null
: >"$LOG"
check "second start: backup not overwritten" is "$D.dotfwd_server" '/corp.example/10.0.0.1 8.8.8.8'

rc_stop
expect "stop: dnsmasq reload, kill" <<EOF
dnsmasq-init reload
procd_kill dotfwd
EOF
check "stop: dhcp restored exactly" same_dhcp "$T/dhcp.orig"
check "stop: dhcp committed" no_staged

# ==== 2: intercept on; noresolv '0' given, no server list; two dnsmasq
# instances; dotfwd listening on 127.0.0.2:5300
cat >"$CONF" <<'EOF'
config dotfwd 'main'
	option enabled '1'
	option dnsmasq '1'
	option intercept '1'
	list listen '[::1]:5300'
	list listen '127.0.0.2:5300'

config upstream 'quad9'
	list address '9.9.9.9'
	option auth_name 'dns.quad9.net'
EOF
cat >"$T/etc/config/dhcp" <<'EOF'

config dnsmasq
	option noresolv '0'
	option port '53'

config dnsmasq 'guest'
	list server '1.1.1.1'
	option noresolv '1'
EOF
show_dhcp >"$T/dhcp.orig"
rc_start
expect "intercept: firewall data in the instance, fw4 told" <<EOF
procd_open_service dotfwd
dotfwd -t -c $CONF
procd_open_instance
$instance
procd_open_data
json_add_array firewall
json_add_object ''
json_add_string type redirect
json_add_string name dotfwd-intercept-dns
json_add_string target DNAT
json_add_string src lan
json_add_string proto 'tcp udp'
json_add_string src_dport 53
json_add_string dest_port 53
json_add_string family any
json_add_string reflection 0
json_close_object
json_close_array
procd_close_data
procd_close_instance
$triggers
procd_close_service
dnsmasq-init reload
procd_set_config_changed firewall
EOF
check "listen 127.0.0.2:5300 -> server 127.0.0.2#5300" is "$D.server" '127.0.0.2#5300'
check "second dnsmasq handed over too" is 'dhcp.guest.server' '127.0.0.2#5300'
check "noresolv 0 saved" is "$D.dotfwd_noresolv" 0
check "absent server list saved as absent" absent "$D.dotfwd_server"
check "/etc/config/firewall not used" test ! -e "$T/etc/config/firewall"

sed -i "s/option intercept '1'/option intercept '0'/" "$CONF"
rc_reload
expect "reload with intercept 0: rule gone, fw4 told" <<EOF
dotfwd -t -c $CONF
procd_open_service dotfwd
procd_open_instance
$instance
procd_close_instance
$triggers
procd_close_service
procd_set_config_changed firewall
EOF

sed -i "s/option dnsmasq '1'/option dnsmasq '0'/" "$CONF"
rc_reload
expect "reload with dnsmasq 0: hand-over undone" <<EOF
dotfwd -t -c $CONF
procd_open_service dotfwd
procd_open_instance
$instance
procd_close_instance
$triggers
procd_close_service
dnsmasq-init reload
EOF
check "dnsmasq 0: dhcp restored exactly (noresolv 0, no server)" same_dhcp "$T/dhcp.orig"

sed -i "s/option dnsmasq '0'/option dnsmasq '1'/" "$CONF"
rc_reload >/dev/null
: >"$LOG"
sed -i "s/option enabled '1'/option enabled '0'/" "$CONF"
rc_reload
expect "reload with enabled 0: no instance, hand-over undone" <<EOF
procd_open_service dotfwd
$triggers
procd_close_service
dnsmasq-init reload
EOF
check "enabled 0: dhcp restored exactly" same_dhcp "$T/dhcp.orig"

# ==== 3: a config dotfwd -t rejects: not started, dnsmasq given back
sed -i "s/option enabled '0'/option enabled '1'/" "$CONF"
rc_start >/dev/null
: >"$LOG"
check "valid again: handed over" is "$D.server" '127.0.0.2#5300'
FAKE_INVALID=1
export FAKE_INVALID
rc_reload
expect "invalid config on reload: logged, the running instance left alone" <<EOF
dotfwd -t -c $CONF
logger -t dotfwd -p daemon.err $CONF is not valid (see: dotfwd -t -c $CONF); dotfwd keeps its running configuration
EOF
check "invalid config on reload: dnsmasq still handed over" is "$D.server" '127.0.0.2#5300'
rc_start
unset FAKE_INVALID
expect "invalid config on start: logged, no instance, dnsmasq given back" <<EOF
procd_open_service dotfwd
dotfwd -t -c $CONF
logger -t dotfwd -p daemon.err $CONF is not valid (see: dotfwd -t -c $CONF); not starting
$triggers
procd_close_service
dnsmasq-init reload
EOF
check "invalid config: dhcp restored exactly" same_dhcp "$T/dhcp.orig"
if [ -n "${DOTFWD:-}" ]; then
	printf "config dotfwd 'main'\n\toption timeout_ms 'soon'\n" >"$CONF"
	rc_start >/dev/null 2>&1
	check "real dotfwd -t rejects a bad config: no instance" \
	    eval '! grep -q procd_open_instance "$LOG"'
	: >"$LOG"
fi

# ==== 4: signals
recheck
clock_synced
expect "recheck sends HUP, clock_synced USR2" <<EOF
procd_send_signal dotfwd * HUP
procd_send_signal dotfwd * USR2
EOF

# ==== 5: the ntp hotplug hook, its init path pointed at a recorder
cat >"$T/bin/init-dotfwd" <<EOF
#!/bin/sh
echo "init.d/dotfwd \$*" >>"$LOG"
EOF
chmod +x "$T/bin/init-dotfwd"
sed "s#/etc/init.d/dotfwd#$T/bin/init-dotfwd#g" "$PKG/files/dotfwd.ntp-hotplug" >"$T/hotplug"
for a in periodic unsync stratum; do
	( ACTION=$a; export ACTION; . "$T/hotplug" )
done
expect "ntp hotplug: only ACTION=stratum runs clock_synced" <<EOF
init.d/dotfwd clock_synced
EOF

# ==== 6: the defaults the test replaced are the real paths
check "script defaults: /usr/sbin/dotfwd, /etc/config/dotfwd, START after network" \
    grep -q '^PROG=/usr/sbin/dotfwd$' "$PKG/files/dotfwd.init"
check "script defaults: CONF" grep -q '^CONF=/etc/config/dotfwd$' "$PKG/files/dotfwd.init"
check "script: USE_PROCD=1, START=30 (network is 20)" \
    eval 'grep -q "^USE_PROCD=1$" "$PKG/files/dotfwd.init" && grep -q "^START=30$" "$PKG/files/dotfwd.init"'

# ==== 7: DoT server mode: its ports open from the LAN (fw4 rule), its
# certificate and key watched with the config
SC=$TOP/tests/conf/server-ec.crt
SK=$TOP/tests/conf/server-ec.key
cat >"$CONF" <<EOF
config dotfwd 'main'
	option enabled '1'
	option dnsmasq '0'
	option intercept '0'

config upstream 'quad9'
	list address '9.9.9.9'
	option auth_name 'dns.quad9.net'

config server
	list listen '0.0.0.0:853'
	list listen '[::]:853'
	list listen '127.0.0.1:8853'
	option cert '$SC'
	option key '$SK'
EOF
server_instance="procd_set_param command $PROG -s -c $CONF
procd_set_param file $CONF
procd_append_param file $SC
procd_append_param file $SK
procd_set_param respawn
procd_set_param reload_signal HUP
procd_set_param stdout 1
procd_set_param stderr 1"
rule() {
	printf '%s\n' "json_add_object ''" "json_add_string type rule" \
	    "json_add_string name dotfwd-dot-server-$1" "json_add_string src lan" \
	    "json_add_string proto tcp" "json_add_string dest_port $1" \
	    "json_add_string target ACCEPT" "json_add_string family any" \
	    "json_close_object"
}
rc_start
expect "server mode: an accept rule per port from the LAN zone, files watched, fw4 told" <<EOF
procd_open_service dotfwd
dotfwd -t -c $CONF
procd_open_instance
$server_instance
procd_open_data
json_add_array firewall
$(rule 853)
$(rule 8853)
json_close_array
procd_close_data
procd_close_instance
$triggers
procd_close_service
procd_set_config_changed firewall
EOF
rc_reload
expect "server mode, reload with nothing changed: same rules, fw4 not told" <<EOF
dotfwd -t -c $CONF
procd_open_service dotfwd
procd_open_instance
$server_instance
procd_open_data
json_add_array firewall
$(rule 853)
$(rule 8853)
json_close_array
procd_close_data
procd_close_instance
$triggers
procd_close_service
EOF
sed -i "s/option intercept '0'/option intercept '1'/; /127.0.0.1:8853/d" "$CONF"
rc_reload
expect "intercept and server mode: both in one firewall array" <<EOF
dotfwd -t -c $CONF
procd_open_service dotfwd
procd_open_instance
$server_instance
procd_open_data
json_add_array firewall
json_add_object ''
json_add_string type redirect
json_add_string name dotfwd-intercept-dns
json_add_string target DNAT
json_add_string src lan
json_add_string proto 'tcp udp'
json_add_string src_dport 53
json_add_string dest_port 53
json_add_string family any
json_add_string reflection 0
json_close_object
$(rule 853)
json_close_array
procd_close_data
procd_close_instance
$triggers
procd_close_service
procd_set_config_changed firewall
procd_set_config_changed firewall
EOF
rc_stop
expect "stop: both rules go, fw4 told" <<EOF
procd_kill dotfwd
procd_set_config_changed firewall
procd_set_config_changed firewall
EOF
check "stop: no firewall state left" \
    eval '[ ! -e "$STATE_DIR/intercept" ] && [ ! -e "$STATE_DIR/server-ports" ]'

exit $failed
