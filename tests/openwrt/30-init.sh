#!/bin/sh
# shellcheck disable=SC2317,SC2016,SC3043,SC1091,SC2034,SC2012,SC2086,SC2154
# (functions called indirectly; eval strings; busybox ash has local;
# sourced files made at run time; variables read by the sourced script or
# set by it; ls -n/-i on our own files; word splitting on purpose)
# SPDX-License-Identifier: MIT
# 30-init: /etc/init.d/dotfwd and its procd registration, under busybox
# ash through a stand-in /etc/rc.common (tests/openwrt/fake: harness.sh):
# the exact procd calls (the daemon's instance, the dotfwd-watch instance,
# respawn, file, reload_signal, the triggers with their delays, the
# firewall data), what a bad config does, the signals (recheck only for
# the interface that carries a default route), the ntp hook, the config's
# group, the real paths.  The dnsmasq hand-over itself: 31-handover.sh.
# DOTFWD (a dotfwd binary) answers the init script's "dotfwd -t"; without
# it a stand-in accepting every config is used.
NAME=openwrt-init
if [ -z "${DOTFWD_IN_BUSYBOX:-}" ]; then
	for t in busybox python3; do
		if ! command -v $t >/dev/null 2>&1; then
			echo "skip - $NAME: $t is not installed"
			exit 0
		fi
	done
	DOTFWD_IN_BUSYBOX=1 exec busybox ash "$0" "$@"
fi
. "$(dirname "$0")/fake/harness.sh"

I="$ROOT/etc/init.d/dotfwd"
instance="procd_open_instance dotfwd
procd_set_param command $PROG -s -c $CONF
procd_set_param file $CONF
procd_set_param respawn
procd_set_param reload_signal HUP
procd_set_param stdout 1
procd_set_param stderr 1"
watcher="procd_close_instance
procd_open_instance watch
procd_set_param command $WATCH
procd_set_param respawn 3600 5 0
procd_close_instance"
triggers="procd_add_reload_trigger dotfwd network delay=1000
procd_add_reload_trigger dhcp delay=300
procd_add_interface_trigger interface.* lan $INIT recheck lan delay=1000
procd_add_interface_trigger interface.* wan $INIT recheck wan delay=1000
procd_add_interface_trigger interface.* wwan $INIT recheck wwan delay=1000
procd_add_interface_trigger interface.* wan6 $INIT recheck wan6 delay=1000"

cp "$PKG/files/dotfwd.config" "$CONF"
cat >"$ROOT/etc/config/network" <<'EOF'

config interface 'loopback'
	option device 'lo'
	option proto 'static'

config interface 'lan'
	option proto 'static'

config interface 'wan'
	option proto 'pppoe'

config interface 'wwan'
	option proto 'dhcp'

config interface 'wan6'
	option proto 'dhcpv6'
EOF
cat >"$ROOT/etc/config/dhcp" <<'EOF'

config dnsmasq
	list server '8.8.8.8'

config dhcp 'lan'
	option interface 'lan'
EOF
dnsmasq start >/dev/null
clear

# ==== 1: start with the shipped config
rc dotfwd start
expect "start: instances (daemon, watch), triggers, dnsmasq handed over" <<EOF
procd_open_service dotfwd $I
dotfwd -t -c $CONF
$instance
$watcher
$triggers
procd_close_service
logger -t dotfwd -p daemon.notice dnsmasq handed over: it forwards to 127.0.0.1#5453 only
dnsmasq-init running
dnsmasq-init reload
EOF
check "start: no firewall state" test ! -e "$ROOT/var/run/dotfwd/intercept"
perms=$(ls -ln "$CONF" | awk '{print $1, $4}')
check "start: config is 0640 with the daemon's group ($perms)" \
    eval '[ "$perms" = "-rw-r----- $(getent group "$TEST_GROUP" | cut -d: -f3)" ]'

rc dotfwd reload
expect "reload, nothing changed: same instances, no dnsmasq reload" <<EOF
dotfwd -t -c $CONF
procd_open_service dotfwd $I
$instance
$watcher
$triggers
procd_close_service
EOF

# ==== 2: intercept on, dotfwd on 127.0.0.2:5300 and [::1]:5300
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
rc dotfwd reload
expect "intercept: firewall data in the instance, fw4 told; dnsmasq follows the new address" <<EOF
dotfwd -t -c $CONF
procd_open_service dotfwd $I
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
$watcher
$triggers
procd_close_service
logger -t dotfwd -p daemon.notice dnsmasq handed over: it forwards to 127.0.0.2#5300 only
dnsmasq-init running
dnsmasq-init reload
procd_set_config_changed firewall
EOF
check "/etc/config/firewall not used" test ! -e "$ROOT/etc/config/firewall"

sed -i "s/option intercept '1'/option intercept '0'/" "$CONF"
rc dotfwd reload >/dev/null
check "reload with intercept 0: rule gone, fw4 told" logged '^procd_set_config_changed firewall$'
clear

sed -i "s/option enabled '1'/option enabled '0'/" "$CONF"
rc dotfwd reload
expect "reload with enabled 0: no instance, hand-over undone" <<EOF
procd_open_service dotfwd $I
$triggers
procd_close_service
logger -t dotfwd -p daemon.notice dnsmasq given back its own settings
dnsmasq-init running
dnsmasq-init reload
EOF

# ==== 3: a config dotfwd -t rejects
sed -i "s/option enabled '0'/option enabled '1'/" "$CONF"
rc dotfwd start >/dev/null
clear
FAKE_INVALID=1
export FAKE_INVALID
rc dotfwd reload
expect "invalid config on reload: logged, the running instance left alone" <<EOF
dotfwd -t -c $CONF
logger -t dotfwd -p daemon.err $CONF is not valid (see: dotfwd -t -c $CONF); dotfwd keeps its running configuration
EOF
rc dotfwd start
unset FAKE_INVALID
expect "invalid config on start: logged, no instance, dnsmasq given back" <<EOF
procd_open_service dotfwd $I
dotfwd -t -c $CONF
logger -t dotfwd -p daemon.err $CONF is not valid (see: dotfwd -t -c $CONF); not starting
$triggers
procd_close_service
logger -t dotfwd -p daemon.notice dnsmasq given back its own settings
dnsmasq-init running
dnsmasq-init reload
EOF
if [ -n "${DOTFWD:-}" ]; then
	cp "$CONF" "$T/conf.good"
	printf "config dotfwd 'main'\n\toption timeout_ms 'soon'\n" >"$CONF"
	rc dotfwd start >/dev/null 2>&1
	check "real dotfwd -t rejects a bad config: no instance" \
	    not_logged '^procd_open_instance'
	cp "$T/conf.good" "$CONF"
	clear
fi

# ==== 4: signals go to the daemon's instance only (not to dotfwd-watch)
rc dotfwd recheck
rc dotfwd clock_synced
expect "recheck sends HUP, clock_synced USR2, to instance dotfwd" <<EOF
procd_send_signal dotfwd dotfwd HUP
procd_send_signal dotfwd dotfwd USR2
EOF
FAKE_WAN=wwan FAKE_WAN6=wan6
export FAKE_WAN FAKE_WAN6
for i in lan wan wwan wan6; do rc dotfwd recheck "$i"; done
expect "interface events: HUP only for wwan and wan6, which carry the default routes" <<EOF
procd_send_signal dotfwd dotfwd HUP
procd_send_signal dotfwd dotfwd HUP
EOF
FAKE_WAN=wan
rc dotfwd recheck wwan
rc dotfwd recheck wan
expect "the default route moved back to wan: wwan events ignored, wan's not" <<EOF
procd_send_signal dotfwd dotfwd HUP
EOF

# ==== 5: dotfwd-watch goes with its subscriber when procd stops it (procd
# signals the instance's PID only)
cat >"$T/bin/ubus-block" <<'EOF'
#!/bin/sh
echo '{ "instance.start": {"service":"nothing","instance":"x"} }'
exec sleep 6173
EOF
chmod +x "$T/bin/ubus-block"
DOTFWD_UBUS=$T/bin/ubus-block busybox ash "$WATCH" &
wpid=$!
i=0
while [ $i -lt 50 ] && ! pgrep -f 'sleep 6173' >/dev/null; do sleep 0.1; i=$((i + 1)); done
check "dotfwd-watch: its subscriber runs" eval 'pgrep -f "sleep 6173" >/dev/null'
kill -TERM "$wpid"
i=0
while [ $i -lt 50 ] && pgrep -f 'sleep 6173' >/dev/null; do sleep 0.1; i=$((i + 1)); done
check "dotfwd-watch: SIGTERM ends it and its subscriber, FIFO removed" \
    eval '! kill -0 "$wpid" 2>/dev/null && ! pgrep -f "sleep 6173" >/dev/null && ! ls "$ROOT/var/run/dotfwd/" 2>/dev/null | grep -q watch'
pkill -f 'sleep 6173' 2>/dev/null
wait "$wpid" 2>/dev/null
clear

# ==== 6: the ntp hotplug hook, its init path pointed at a recorder
cat >"$T/bin/init-rec" <<EOF
#!/bin/sh
echo "init.d/dotfwd \$*" >>"$LOG"
EOF
chmod +x "$T/bin/init-rec"
sed "s#/etc/init.d/dotfwd#$T/bin/init-rec#g" "$PKG/files/dotfwd.ntp-hotplug" >"$T/hotplug"
for a in periodic unsync stratum; do
	( ACTION=$a; export ACTION; . "$T/hotplug" )
done
expect "ntp hotplug: only ACTION=stratum runs clock_synced" <<EOF
init.d/dotfwd clock_synced
EOF

# ==== 7: the paths the test replaced are the real ones
for v in PROG=/usr/sbin/dotfwd CONF=/etc/config/dotfwd INIT=/etc/init.d/dotfwd \
    WATCH=/usr/libexec/dotfwd-watch RUN_DIR=/var/run/dotfwd UCI_STATE=/var/state \
    DNSMASQ_INIT=/etc/init.d/dnsmasq NETWORK_SH=/lib/functions/network.sh \
    RESOLV=/tmp/resolv.conf RESOLV_AUTO=/tmp/resolv.conf.d/resolv.conf.auto \
    GROUP=dotfwd USE_PROCD=1 START=30 STOP=15; do
	check "dotfwd.init: $v" grep -qx "$v" "$PKG/files/dotfwd.init"
done
check "dotfwd-early.init: START=18 (dnsmasq is 19), INIT=/etc/init.d/dotfwd" \
    eval 'grep -qx START=18 "$PKG/files/dotfwd-early.init" && grep -qx INIT=/etc/init.d/dotfwd "$PKG/files/dotfwd-early.init"'
check "dotfwd-watch: /etc/init.d/dotfwd, ubus" \
    eval 'grep -q "DOTFWD_INIT:-/etc/init.d/dotfwd}" "$PKG/files/dotfwd.watch" && grep -q "DOTFWD_UBUS:-ubus}" "$PKG/files/dotfwd.watch"'
mk=$PKG/Makefile
check "Makefile: USERID dotfwd=853:dotfwd=853 (the daemon's user, main.c)" \
    eval 'grep -q "USERID:=dotfwd=853:dotfwd=853" "$mk" && grep -q "UNPRIV_USER.*\"dotfwd\"" "$TOP/src/main.c"'
for f in "dotfwd-early.init /etc/init.d/dotfwd-early" \
    "dotfwd.watch /usr/libexec/dotfwd-watch"; do
	set -- $f
	check "Makefile installs $1 as $2 (executable)" \
	    grep -q "INSTALL_BIN) ./files/$1 \$(1)$2\$" "$mk"
done

# ==== 7: DoT server mode: its ports open from the LAN (fw4 rule), its
# certificate and key watched with the config
rc dotfwd stop >/dev/null 2>&1
SC=$ROOT/etc/dotfwd/server.crt
SK=$ROOT/etc/dotfwd/server.key
mkdir -p "$ROOT/etc/dotfwd"
cp "$TOP/tests/conf/server-ec.crt" "$SC"
cp "$TOP/tests/conf/server-ec.key" "$SK"
chmod 0600 "$SK"
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
clear
server_instance="procd_open_instance dotfwd
procd_set_param command $PROG -s -c $CONF
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
rc dotfwd start
expect "server mode: an accept rule per port from the LAN zone, files watched, fw4 told" <<EOF
procd_open_service dotfwd $I
dotfwd -t -c $CONF
$server_instance
procd_open_data
json_add_array firewall
$(rule 853)
$(rule 8853)
json_close_array
procd_close_data
$watcher
$triggers
procd_close_service
procd_set_config_changed firewall
EOF
rc dotfwd reload
expect "server mode, reload with nothing changed: same rules, fw4 not told" <<EOF
dotfwd -t -c $CONF
procd_open_service dotfwd $I
$server_instance
procd_open_data
json_add_array firewall
$(rule 853)
$(rule 8853)
json_close_array
procd_close_data
$watcher
$triggers
procd_close_service
EOF
sed -i "s/option intercept '0'/option intercept '1'/; /127.0.0.1:8853/d" "$CONF"
rc dotfwd reload
expect "intercept and server mode: both in one firewall array" <<EOF
dotfwd -t -c $CONF
procd_open_service dotfwd $I
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
$watcher
$triggers
procd_close_service
procd_set_config_changed firewall
procd_set_config_changed firewall
EOF
perms=$(ls -ln "$SK" | awk '{print $1, $4}')
check "server mode: the key is 0640 with the daemon's group ($perms)" \
    eval '[ "$perms" = "-rw-r----- $(getent group "$TEST_GROUP" | cut -d: -f3)" ]'
rc dotfwd stop >/dev/null 2>&1
check "stop: no firewall state left" \
    eval '[ ! -e "$ROOT/var/run/dotfwd/intercept" ] && [ ! -e "$ROOT/var/run/dotfwd/server-ports" ]'

exit "$failed"
