#!/bin/sh
# shellcheck disable=SC2317,SC2016,SC3043,SC1091,SC2034,SC2012,SC2010,SC2154
# (functions called indirectly; eval strings; busybox ash has local;
# sourced files made at run time; variables read by the sourced script or
# set by it; ls on our own files)
# SPDX-License-Identifier: MIT
# 31-handover: the dnsmasq hand-over through a router's life, under busybox
# ash with tests/openwrt/fake (harness.sh): dotfwd's init scripts run as
# /etc/rc.common runs them, uci is the stand-in that keeps libuci's formats
# (/tmp/.uci, uci -P /var/state), dnsmasq's init script is a model of the
# 23.05 and of the 24.10 one (the whole run is made once with each).
# Checked at every step: /etc/config/dhcp byte for byte (and its inode:
# never rewritten) and what is staged in /tmp/.uci; the configuration each
# dnsmasq instance got when it last (re)started, and the router's own
# resolv.conf.  While dotfwd runs: 127.0.0.1#5453 and the domain servers
# only, no resolv-file, localuse 1.  After stop, dnsmasq 0, enabled 0,
# disable + reboot, removal: exactly what the same model gives the user's
# files with no dotfwd at all.  Boot: rc.d order (18 < 19 < 30) and
# dnsmasq's first start already handed over.  Also: restart, shutdown and
# upgrade keep it; sections that uci renames; the crash loop (fail closed).
NAME=openwrt-handover
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

DHCP=$ROOT/etc/config/dhcp
STAGED=$ROOT/tmp/.uci/dhcp
HIST=$DNSMASQ_RUN/history
REC=$ROOT/var/run/dotfwd/handover

cp "$PKG/files/dotfwd.config" "$CONF"
cat >"$ROOT/etc/config/network" <<'EOF'

config interface 'lan'
	option proto 'static'

config interface 'wan'
	option proto 'dhcp'
EOF
# the user's own file: hand-written, comments, odd formatting
# (OpenWrt's default names resolvfile; the guest instance comes first in
# the file but does not serve port 53, so the main one owns resolv.conf)
cat >"$T/dhcp.user" <<'EOF'
# my dnsmasq, edited by hand
config dnsmasq 'guest'
	option port '5353'
	option noresolv '1'
	list server '1.1.1.1'
	option cachelocal '0'

config dnsmasq
	option domainneeded 1
	list server '/corp.example/10.0.0.1'   # the office
	list server '8.8.8.8'
	list server "/#/9.9.9.9"
	list server '/home.lan/#'
	option local '/lan/'
	option resolvfile	'/tmp/resolv.conf.d/resolv.conf.auto'
	option localuse '0'

config dhcp 'lan'
	option interface 'lan'
EOF
printf "dhcp.lan.leasetime='12h'\ndhcp.guest.domain='guest.lan'\n" >"$T/staged.user"

# ---- what the checks compare with
# describe: the router's resolv.conf, a link or its lines
describe() {
	if [ -L "$1" ]; then
		echo "-> $(readlink "$1" | sed 's#.*/##')"
	else
		cat "$1"
	fi
}
# reference: what the dnsmasq model gives the user's files alone (no
# state, a fresh boot's resolv.conf link)
reference() {
	rm -rf "$T/ref" "$T/nostate"
	mkdir -p "$T/ref" "$T/nostate"
	ln -s "$RESOLV_AUTO" "$T/ref/resolv.conf"
	DNSMASQ_RUN=$T/ref UCI_STATE=$T/nostate RESOLV=$T/ref/resolv.conf \
	    LOG='' dnsmasq start
	describe "$T/ref/resolv.conf" >"$T/ref/resolv"
}
# handed: every dnsmasq instance's last configuration is the hand-over's
handed() {
	printf 'server=127.0.0.1#5453\nserver=/corp.example/10.0.0.1\nserver=/home.lan/#\nno-resolv\nlocaluse=1\n' >"$T/want.main"
	printf 'server=127.0.0.1#5453\nno-resolv\nlocaluse=0\n' >"$T/want.guest"
	printf 'nameserver 127.0.0.1\nnameserver ::1\n' >"$T/want.resolv"
	describe "$RESOLV" >"$T/now.resolv"
	same "$T/want.main" "$DNSMASQ_RUN/$MAIN.conf" &&
	    same "$T/want.guest" "$DNSMASQ_RUN/guest.conf" &&
	    same "$T/want.resolv" "$T/now.resolv"
}
# users: exactly what the user's settings give
users() {
	reference
	describe "$RESOLV" >"$T/now.resolv"
	same "$T/ref/$MAIN.conf" "$DNSMASQ_RUN/$MAIN.conf" &&
	    same "$T/ref/guest.conf" "$DNSMASQ_RUN/guest.conf" &&
	    same "$T/ref/resolv" "$T/now.resolv"
}
# untouched: /etc/config/dhcp is the user's, byte for byte, never
# rewritten; /tmp/.uci still holds the user's staged changes only
untouched() {
	same "$T/dhcp.now" "$DHCP" &&
	    [ "$(ls -i "$DHCP" | cut -d' ' -f1)" = "$INODE" ] &&
	    same "$T/staged.user" "$STAGED" &&
	    uci changes dhcp >"$T/changes" && same "$T/staged.user" "$T/changes"
}
user_edit() {	# the user changes dhcp: a new baseline
	cp "$DHCP" "$T/dhcp.now"
	INODE=$(ls -i "$DHCP" | cut -d' ' -f1)
}
hist_lines() { wc -l <"$HIST" 2>/dev/null || echo 0; }
record() { sed -n "s/^$1=//p" "$REC" 2>/dev/null; }
# reboot: tmpfs is gone; /etc/init.d/boot (S10) remakes resolv.conf; then
# every /etc/rc.d/S* in order with "boot", as procd's rcS does
reboot() {
	rm -rf "$ROOT/var/state" "$ROOT/var/run" "$ROOT/tmp/.uci"
	mkdir -p "$ROOT/var/state" "$ROOT/var/run" "$ROOT/tmp/.uci"
	cp "$T/staged.user" "$STAGED"
	rm -f "$RESOLV"
	ln -s "$RESOLV_AUTO" "$RESOLV"
	: >"$T/order"
	for l in $(ls "$ROOT/etc/rc.d/" | grep '^S' | sort); do
		n=${l#S??}
		echo "$n" >>"$T/order"
		case "$n" in
		dnsmasq) dnsmasq boot ;;
		*) rc "$n" boot ;;
		esac
	done
}
# removal: opkg/apk's default_prerm: each init script of the package is
# disabled and stopped (not disabled on an upgrade)
prerm() {
	for n in dotfwd dotfwd-early; do
		[ "${PKG_UPGRADE:-0}" = 1 ] || rc "$n" disable
		rc "$n" stop
	done
}

scenario() {
	local v="$1" n0
	NAME="openwrt-handover/$v"
	DNSMASQ_VERSION=$v
	export DNSMASQ_VERSION
	MAIN=cfg02411c
	cp "$T/dhcp.user" "$DHCP"
	chmod 0644 "$DHCP"
	user_edit
	sed -i "s/option dnsmasq '0'/option dnsmasq '1'/;s/option enabled '0'/option enabled '1'/" "$CONF"
	rm -f "$ROOT"/etc/rc.d/*
	rc dotfwd enable
	rc dotfwd-early enable
	ln -s ../init.d/dnsmasq "$ROOT/etc/rc.d/S19dnsmasq"	# its START
	rm -rf "$DNSMASQ_RUN"

	# ---- boot
	clear
	reboot
	check "boot: rc.d order dotfwd-early, dnsmasq, dotfwd" \
	    eval '[ "$(cat "$T/order" | tr "\n" " ")" = "dotfwd-early dnsmasq dotfwd " ]'
	check "boot: dnsmasq's first start is already handed over" \
	    eval 'head -n 1 "$HIST" | grep -qx "boot: \[guest\] server=127.0.0.1#5453 no-resolv localuse=0 \[$MAIN\] server=127.0.0.1#5453 server=/corp.example/10.0.0.1 server=/home.lan/# no-resolv localuse=1"'
	check "boot: dotfwd's start finds it done (no dnsmasq reload)" \
	    not_logged '^dnsmasq-init (reload|restart)'
	check "boot: handed over, router's resolv.conf on dnsmasq" handed
	check "boot: record says active, guest and $MAIN" \
	    eval '[ "$(record state)" = active ] && [ "$(record sections)" = "guest $MAIN" ] && [ "$(record server)" = "127.0.0.1#5453" ]'
	check "boot: dhcp and staged changes untouched" untouched
	mkdir -p "$T/backup"
	tar -C "$ROOT" -cf "$T/backup.tar" etc/config
	tar -C "$T/backup" -xf "$T/backup.tar" etc/config/dhcp
	check "a sysupgrade backup now holds the user's own dhcp" \
	    same "$T/dhcp.user" "$T/backup/etc/config/dhcp"

	# ---- reload, restart, dnsmasq restarted by someone else
	clear
	n0=$(hist_lines)
	rc dotfwd reload
	rc dotfwd restart
	check "reload, restart: no dnsmasq reload, never given back" \
	    eval '[ "$(hist_lines)" = "$n0" ] && ! grep -q "given back" "$LOG"'
	check "restart: handed over, record active" \
	    eval 'handed && [ "$(record state)" = active ]'
	dnsmasq restart
	watch '{ "instance.start": {"service":"dnsmasq","instance":"'$MAIN'"} }'
	check "dnsmasq restarted (watch): still handed over, not reloaded again" \
	    eval 'handed && [ "$(hist_lines)" = $((n0 + 1)) ]'
	check "reload, restart: dhcp and staged untouched" untouched

	# ---- the user puts a section first: uci renames the dnsmasq one
	clear
	{ printf "config boot 'linksys'\n\toption x '1'\n\n"; cat "$T/dhcp.user"; } >"$DHCP"
	user_edit
	MAIN=cfg03411c
	dnsmasq restart
	check "renamed $MAIN, dnsmasq restarted by hand: the stale state misses it" \
	    eval 'tail -n 1 "$HIST" | grep -q "\[$MAIN\] .*resolv-file"'
	watch '{ "instance.start": {"service":"dnsmasq","instance":"'$MAIN'"} }'
	check "... dotfwd-watch: follows the new name, dnsmasq reloaded" \
	    eval 'handed && [ "$(record sections)" = "guest $MAIN" ] && grep -q "^dnsmasq-init reload" "$LOG"'
	cp "$T/dhcp.user" "$DHCP"
	user_edit
	MAIN=cfg02411c
	clear
	rc dotfwd reload	# procd's dhcp trigger: 300 ms, dnsmasq's 1000
	check "renamed back, LuCI's Save & Apply: the dhcp trigger follows it before dnsmasq's" \
	    eval 'handed && [ "$(record sections)" = "guest $MAIN" ]'
	dnsmasq reload
	check "... then dnsmasq's own reload: handed over" handed
	check "renames: dhcp (the user's) and staged untouched" untouched

	# ---- crash loop: fail closed
	clear
	n0=$(hist_lines)
	watch '{ "instance.respawn": {"service":"dotfwd","instance":"dotfwd","pid":41,"exit_code":134,"respawn_count":1,"command":["/usr/sbin/dotfwd","-s"]} }' \
	    '{ "instance.fail": {"service":"dotfwd","instance":"dotfwd","pid":47,"exit_code":134,"respawn_count":6,"command":["/usr/sbin/dotfwd","-s"]} }'
	check "crash: each respawn logged (status, count)" \
	    logged '^logger -t dotfwd -p daemon.warn dotfwd exited \(status 134\); procd restarts it \(crash 1 in a row\)$'
	check "crash loop: logged as an error, fail closed" \
	    logged '^logger -t dotfwd -p daemon.err dotfwd crashed 6 times in a row \(last exit status 134\) and procd no longer restarts it\. dnsmasq still forwards to it \(127\.0\.0\.1#5453\), so DNS lookups fail instead of going out unencrypted\.'
	check "crash loop: record failed, dnsmasq still handed over, not reloaded" \
	    eval '[ "$(record state)" = failed ] && handed && [ "$(hist_lines)" = "$n0" ]'
	dnsmasq restart
	watch '{ "instance.start": {"service":"dnsmasq","instance":"'$MAIN'"} }'
	check "crash loop: a dnsmasq restart keeps it failed and handed over" \
	    eval '[ "$(record state)" = failed ] && handed'
	clear
	watch '{ "instance.start": {"service":"dotfwd","instance":"dotfwd"} }'
	check "dotfwd runs again: logged, record active" \
	    eval 'logged "dotfwd runs again" && [ "$(record state)" = active ]'

	# ---- stop: the user's settings exactly
	clear
	rc dotfwd stop
	check "stop: dnsmasq reloaded once" eval '[ "$(grep -c "^dnsmasq-init reload" "$LOG")" = 1 ]'
	check "stop: dnsmasq has exactly the user's settings, resolv.conf too" users
	check "stop: no record" test ! -e "$REC"
	check "stop: dhcp and staged untouched" untouched
	clear
	rc dotfwd stop
	check "stop again: nothing to give back, no dnsmasq reload" not_logged '^dnsmasq-init reload'

	# ---- options
	rc dotfwd start >/dev/null
	check "start: handed over" handed
	sed -i "s/option dnsmasq '1'/option dnsmasq '0'/" "$CONF"
	rc dotfwd reload >/dev/null
	check "dnsmasq 0: the user's settings" users
	sed -i "s/option dnsmasq '0'/option dnsmasq '1'/" "$CONF"
	rc dotfwd reload >/dev/null
	check "dnsmasq 1 again: handed over" handed
	sed -i "s/option enabled '1'/option enabled '0'/" "$CONF"
	rc dotfwd reload >/dev/null
	check "enabled 0: the user's settings" users
	sed -i "s/option enabled '0'/option enabled '1'/" "$CONF"
	rc dotfwd start >/dev/null
	check "options: dhcp and staged untouched" untouched

	# ---- shutdown and reboot
	clear
	n0=$(hist_lines)
	rc dotfwd shutdown
	check "shutdown: daemon stopped, dnsmasq left handed over, not reloaded" \
	    eval 'logged "^procd_kill dotfwd" && [ "$(hist_lines)" = "$n0" ] && [ "$(record state)" = held ]'
	check "shutdown: dhcp and staged untouched" untouched
	clear
	reboot
	check "reboot: handed over from dnsmasq's first start" \
	    eval 'head -n 1 "$HIST" | grep -q "^boot: .*\[$MAIN\] server=127.0.0.1#5453 server=/corp.example/10.0.0.1 server=/home.lan/# no-resolv"'

	# ---- upgrade keeps it, disable + reboot gives it back
	clear
	n0=$(hist_lines)
	PKG_UPGRADE=1 prerm
	check "upgrade (prerm with PKG_UPGRADE=1): still enabled, handed over, no dnsmasq reload" \
	    eval 'rc dotfwd enabled && handed && [ "$(hist_lines)" = "$n0" ]'
	rc dotfwd start >/dev/null
	rc dotfwd disable
	reboot
	check "disabled, reboot: dnsmasq's first start has the user's settings" \
	    eval 'users && head -n 1 "$HIST" | grep -q "^boot: .*\[$MAIN\] .*resolv-file"'
	rc dotfwd enable
	FAKE_INVALID=1
	export FAKE_INVALID
	reboot
	unset FAKE_INVALID
	check "config dotfwd -t rejects, reboot: not handed over at all" users

	# ---- removal
	reboot
	check "before removal: handed over" handed
	clear
	prerm
	check "removal: the user's settings" users
	check "removal: no rc.d link left" eval '! ls "$ROOT/etc/rc.d" | grep -q dotfwd'
	check "removal: dhcp and staged untouched" untouched
}

scenario 23.05
scenario 24.10
exit "$failed"
