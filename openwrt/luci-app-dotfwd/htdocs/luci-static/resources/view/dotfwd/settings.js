// SPDX-License-Identifier: MIT
'use strict';
'require view';
'require form';
'require fs';
'require poll';
'require dom';

/*
 * dotfwd settings and status.
 *
 * The validators below mirror the daemon (src/conf.c): a value this page
 * accepts is one "dotfwd -t" accepts.  tests/luci/load-view.js checks that
 * against the built configuration checker.
 *
 * The status comes from "/usr/sbin/dotfwd status" (JSON), run through
 * cgi-exec; the ACL allows exactly that command line.
 */

var STATUS_CMD = '/usr/sbin/dotfwd';
var STATUS_ARGS = [ 'status' ];
var POLL_SECONDS = 5;

/* Dotted quad, no leading zeros (inet_pton). */
function isIPv4(s) {
	var m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);

	if (m == null)
		return false;
	for (var i = 1; i <= 4; i++)
		if (+m[i] > 255 || (m[i].length > 1 && m[i].charAt(0) == '0'))
			return false;
	return true;
}

/* RFC 4291 text form as inet_pton reads it: no zone, no prefix. */
function isIPv6(s) {
	var halves, groups, n = 0, i, k, g;

	if (!/^[0-9A-Fa-f:.]+$/.test(s))
		return false;
	halves = s.split('::');
	if (halves.length > 2)
		return false;
	for (k = 0; k < halves.length; k++) {
		if (halves[k] === '')
			continue;
		groups = halves[k].split(':');
		for (i = 0; i < groups.length; i++) {
			g = groups[i];
			if (g.indexOf('.') != -1) {
				/* embedded IPv4: the very last group only */
				if (k != halves.length - 1 ||
				    i != groups.length - 1 || !isIPv4(g))
					return false;
				n += 2;
			} else if (/^[0-9A-Fa-f]{1,4}$/.test(g)) {
				n++;
			} else {
				return false;
			}
		}
	}
	return halves.length == 2 ? n <= 7 : n == 8;
}

/*
 * "1.2.3.4", "1.2.3.4:853", "[2001:db8::1]:853", "[2001:db8::1]" or a
 * bare "2001:db8::1"; needPort: the forms without a port are refused.
 */
function checkAddress(value, needPort) {
	var host, port = null, v6, i, m;

	if (value.charAt(0) == '[') {
		m = /^\[([^\]]*)\](?::(.*))?$/.exec(value);
		if (m == null)
			return false;
		host = m[1];
		port = (m[2] != null) ? m[2] : null;
		v6 = true;
	} else if ((i = value.indexOf(':')) != -1 &&
	    value.indexOf(':', i + 1) == -1) {
		host = value.substring(0, i);
		port = value.substring(i + 1);
		v6 = false;
	} else {
		host = value;
		v6 = (value.indexOf(':') != -1);
	}
	if (port != null) {
		if (!/^\d{1,10}$/.test(port) || +port < 1 || +port > 65535)
			return false;
	} else if (needPort) {
		return false;
	}
	return v6 ? isIPv6(host) : isIPv4(host);
}

/* "ADDR" or "ADDR/PREFIX". */
function checkPrefix(value) {
	var slash = value.indexOf('/'),
	    host = (slash == -1) ? value : value.substring(0, slash),
	    v6 = (host.indexOf(':') != -1),
	    pfx;

	if (!(v6 ? isIPv6(host) : isIPv4(host)))
		return false;
	if (slash == -1)
		return true;
	pfx = value.substring(slash + 1);
	return /^\d{1,10}$/.test(pfx) && +pfx <= (v6 ? 128 : 32);
}

/*
 * RFC 1123 host name, at most 253 characters, one trailing dot allowed;
 * an IP address is refused (the certificate check needs a name).
 */
function checkHostname(value) {
	var name = value.replace(/\.$/, ''), labels, i;

	if (value.indexOf(':') != -1)
		return _('Expecting a host name, not an IP address');
	if (name.length == 0 || name.length > 253)
		return _('Expecting a host name of 1 to 253 characters');
	labels = name.split('.');
	for (i = 0; i < labels.length; i++)
		if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(labels[i]))
			return _('Expecting a host name: labels of letters, digits and "-"');
	if (/^[0-9]+$/.test(labels[labels.length - 1]))
		return _('Expecting a host name, not an IP address');
	return true;
}

/* "sha256/" and the canonical base64 of 32 bytes. */
function checkPin(value) {
	return /^sha256\/[A-Za-z0-9+\/]{42}[AEIMQUYcgkosw048]=$/.test(value);
}

/* Decimal digits only, as the daemon reads them (at most 10). */
function checkDigits(value) {
	return /^[0-9]{1,10}$/.test(value);
}

/* Absolute, no control characters, fits the daemon's 256-byte buffer. */
function checkPath(value) {
	return value.charAt(0) == '/' && value.length <= 255 &&
	    !/[\x00-\x1f\x7f]/.test(value);
}

/* o.validate for one value or a list of them; empty is rmempty's business. */
function validator(check, message) {
	return function(section_id, value) {
		var items = Array.isArray(value) ? value : [ value ], r;

		for (var i = 0; i < items.length; i++) {
			if (items[i] == null || items[i] === '')
				continue;
			r = check(String(items[i]));
			if (r !== true)
				return (typeof(r) == 'string') ? r : message;
		}
		return true;
	};
}

function uintOption(s, tab, name, title, description, lo, hi, dflt) {
	var o = (tab != null) ? s.taboption(tab, form.Value, name, title, description) :
	    s.option(form.Value, name, title, description);

	o.datatype = 'and(uinteger,range(' + lo + ',' + hi + '))';
	o.validate = validator(checkDigits,
	    _('Expecting a whole number from %d to %d').format(lo, hi));
	o.placeholder = dflt;
	return o;
}

/* The status JSON, or null when the daemon does not answer. */
function fetchStatus() {
	return Promise.resolve().then(function() {
		return fs.exec_direct(STATUS_CMD, STATUS_ARGS, 'text');
	}).then(function(out) {
		var st;

		if (typeof(out) != 'string' || out.trim() === '')
			return null;
		try {
			st = JSON.parse(out);
		} catch (e) {
			return null;
		}
		return (st != null && typeof(st) == 'object' &&
		    !Array.isArray(st) && st.running !== false) ? st : null;
	}).catch(function() {
		return null;
	});
}

function num(v) {
	return (typeof(v) == 'number' && isFinite(v)) ? String(v) : '-';
}

function fmtUptime(v) {
	var s = Math.floor(+v), d, h, m;

	if (!isFinite(s) || s < 0)
		return '-';
	d = Math.floor(s / 86400);
	h = Math.floor(s / 3600) % 24;
	m = Math.floor(s / 60) % 60;
	s = s % 60;
	return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') +
	    (d || h || m ? m + 'm ' : '') + s + 's';
}

/*
 * Every value from the daemon goes in as a text node (an array child):
 * last_error can carry text chosen by a remote peer.
 */
function cell(v) {
	return E('td', { 'class': 'td' }, [ (v == null) ? '-' : String(v) ]);
}

function renderStatus(st) {
	var totals, ups, rows, i, u;

	if (st == null)
		return E('p', { 'class': 'alert-message warning' },
		    [ _('dotfwd is not running.') ]);

	totals = (st.totals != null && typeof(st.totals) == 'object') ?
	    st.totals : {};
	ups = Array.isArray(st.upstreams) ? st.upstreams : [];

	rows = [ E('tr', { 'class': 'tr table-titles' }, [
		E('th', { 'class': 'th' }, [ _('Address') ]),
		E('th', { 'class': 'th' }, [ _('Authentication name') ]),
		E('th', { 'class': 'th' }, [ _('State') ]),
		E('th', { 'class': 'th' }, [ _('RTT (ms)') ]),
		E('th', { 'class': 'th' }, [ _('Queries') ]),
		E('th', { 'class': 'th' }, [ _('Failures') ]),
		E('th', { 'class': 'th' }, [ _('Last error') ])
	]) ];
	for (i = 0; i < ups.length; i++) {
		u = (ups[i] != null && typeof(ups[i]) == 'object') ? ups[i] : {};
		rows.push(E('tr', { 'class': 'tr' }, [
			cell(u.address),
			cell(u.auth_name),
			cell(u.state),
			cell(num(u.rtt_ms)),
			cell(num(u.queries)),
			cell(num(u.failures)),
			cell(u.last_error ? u.last_error : '-')
		]));
	}
	if (ups.length == 0)
		rows.push(E('tr', { 'class': 'tr placeholder' }, [
			E('td', { 'class': 'td' }, [ _('No upstream in use') ])
		]));

	return E('div', {}, [
		E('table', { 'class': 'table' }, [
			E('tr', { 'class': 'tr' }, [
				cell(_('Uptime')), cell(fmtUptime(st.uptime)) ]),
			E('tr', { 'class': 'tr' }, [
				cell(_('Clock synchronised')),
				cell(st.clock_synced === true ? _('yes') :
				    _('no: certificates are checked against the build date until NTP syncs')) ]),
			E('tr', { 'class': 'tr' }, [
				cell(_('Queries / answered / SERVFAIL')),
				cell(num(totals.queries) + ' / ' + num(totals.answered) +
				    ' / ' + num(totals.servfail)) ])
		]),
		E('table', { 'class': 'table' }, rows)
	]);
}

return view.extend({
	load: function() {
		return fetchStatus();
	},

	render: function(st) {
		var m, s, o, statusNode;

		statusNode = E('div', { 'id': 'dotfwd-status' }, [ renderStatus(st) ]);
		poll.add(function() {
			return fetchStatus().then(function(st) {
				dom.content(statusNode, renderStatus(st));
			});
		}, POLL_SECONDS);

		m = new form.Map('dotfwd', _('DNS over TLS'),
		    _('dotfwd forwards DNS queries to resolvers over TLS (RFC 7858).'));

		s = m.section(form.NamedSection, 'main', 'dotfwd', _('Settings'));
		s.addremove = false;
		s.tab('general', _('General'));
		s.tab('advanced', _('Advanced'));

		o = s.taboption('general', form.Flag, 'enabled', _('Enable'));
		o.default = '1';
		o.rmempty = false;

		/* always written, so the dnsmasq hand-over never guesses */
		o = s.taboption('general', form.DynamicList, 'listen',
		    _('Listen addresses'),
		    _('ADDRESS:PORT, IPv6 as [ADDRESS]:PORT, e.g. 127.0.0.1:5453. dnsmasq is pointed at the first loopback address here.'));
		o.placeholder = '127.0.0.1:5453';
		o.rmempty = false;
		o.validate = validator(function(v) { return checkAddress(v, true); },
		    _('Expecting ADDRESS:PORT or [IPv6]:PORT'));

		o = s.taboption('general', form.ListValue, 'policy',
		    _('Upstream policy'));
		o.value('ordered', _('Ordered: the first upstream that works'));
		o.value('roundrobin', _('Round robin'));
		o.value('fastest', _('Fastest (lowest RTT)'));
		o.default = 'ordered';

		o = uintOption(s, 'general', 'padding', _('Query padding'),
		    _('RFC 8467 block size in bytes; 0 turns padding off.'),
		    0, 512, '128');

		o = uintOption(s, 'general', 'idle_timeout_ms',
		    _('Idle timeout (ms)'),
		    _('Close upstream connections idle this long, unless the server asks for less (RFC 7828).'),
		    0, 3600000, '9000');

		o = s.taboption('general', form.Flag, 'dnsmasq',
		    _('Use with dnsmasq'),
		    _('Make dnsmasq forward all queries to dotfwd and stop using the resolvers from the WAN.'));
		o.default = '1';
		o.rmempty = false;

		o = s.taboption('general', form.Flag, 'intercept',
		    _('Intercept LAN DNS'),
		    _('Redirect DNS queries from the LAN to other servers (port 53) to this router.'));
		o.default = '0';
		o.rmempty = false;

		o = uintOption(s, 'advanced', 'timeout_ms', _('Query timeout (ms)'),
		    _('A client gets an answer or SERVFAIL within this time.'),
		    100, 60000, '2500');

		o = uintOption(s, 'advanced', 'connections',
		    _('Connections per upstream address'), null, 1, 8, '1');

		o = s.taboption('advanced', form.DynamicList, 'allow',
		    _('Allowed clients'),
		    _('Source addresses or prefixes that may query; others get REFUSED. Empty: loopback and private ranges.'));
		o.validate = validator(checkPrefix,
		    _('Expecting an IP address or ADDRESS/PREFIX'));

		o = s.taboption('advanced', form.Value, 'ca_file',
		    _('Extra CA file'),
		    _('PEM trust anchors added to the built-in ones, e.g. /etc/ssl/certs/ca-certificates.crt.'));
		o.datatype = 'file';
		o.validate = validator(checkPath, _('Expecting an absolute path'));

		o = uintOption(s, 'advanced', 'max_inflight',
		    _('Queries in flight'), null, 1, 4096, '256');

		o = uintOption(s, 'advanced', 'max_tcp_clients',
		    _('TCP clients'), null, 1, 1024, '32');

		o = s.taboption('advanced', form.ListValue, 'log_level',
		    _('Log level'));
		o.value('error', _('Error'));
		o.value('warn', _('Warning'));
		o.value('info', _('Info'));
		o.value('debug', _('Debug'));
		o.default = 'info';

		s = m.section(form.GridSection, 'upstream', _('Upstream resolvers'),
		    _('With the ordered policy they are tried from top to bottom.'));
		s.anonymous = true;
		s.addremove = true;
		s.sortable = true;
		s.nodescriptions = true;

		o = s.option(form.Flag, 'enabled', _('Enable'));
		o.default = '1';
		o.rmempty = false;
		o.editable = true;

		o = s.option(form.DynamicList, 'address', _('Addresses'),
		    _('IP addresses, optionally with :PORT (default 853); IPv6 as [ADDRESS] or [ADDRESS]:PORT. No host names: there is no bootstrap DNS.'));
		o.rmempty = false;
		o.validate = validator(function(v) { return checkAddress(v, false); },
		    _('Expecting an IP address, optionally with :PORT'));

		o = s.option(form.Value, 'auth_name', _('Authentication name'),
		    _('Sent as SNI; the certificate must carry this name.'));
		o.datatype = 'hostname';
		o.rmempty = false;
		o.validate = validator(checkHostname, _('Expecting a host name'));

		o = s.option(form.DynamicList, 'pin', _('SPKI pins'),
		    _('Optional: sha256/ and the base64 of the SHA-256 of the server key (RFC 7858 section 4.2). Any match suffices.'));
		o.modalonly = true;
		o.validate = validator(checkPin,
		    _('Expecting sha256/ and 44 characters of base64'));

		/*
		 * DoT server mode: LAN devices (Android "Private DNS", iOS
		 * profiles, systemd-resolved) ask the router over TLS.  One
		 * section at most: the daemon refuses a second.
		 */
		s = m.section(form.TypedSection, 'server', _('DNS over TLS server'),
		    _('Answer DNS over TLS (port 853) for LAN devices. The firewall opens the listen ports from the LAN zone only, never from the WAN.'));
		s.anonymous = true;
		s.addremove = true;
		s.renderSectionAdd = function() {
			if (this.cfgsections().length > 0)
				return E([]);
			return form.TypedSection.prototype.renderSectionAdd.apply(this, arguments);
		};

		o = s.option(form.DynamicList, 'listen', _('Listen addresses'),
		    _('ADDRESS:PORT, IPv6 as [ADDRESS]:PORT, e.g. 0.0.0.0:853 or [::]:853.'));
		o.placeholder = '0.0.0.0:853';
		o.rmempty = false;
		o.validate = validator(function(v) { return checkAddress(v, true); },
		    _('Expecting ADDRESS:PORT or [IPv6]:PORT'));

		o = s.option(form.Value, 'cert', _('Certificate'),
		    _('PEM file: the certificate chain, the server\'s own certificate first. Renewed files are picked up on reload without dropping connections.'));
		o.datatype = 'file';
		o.placeholder = '/etc/dotfwd/server.crt';
		o.rmempty = false;
		o.validate = validator(checkPath, _('Expecting an absolute path'));

		o = s.option(form.Value, 'key', _('Private key'),
		    _('PEM file: its EC (P-256, P-384) or RSA key, without a passphrase.'));
		o.datatype = 'file';
		o.placeholder = '/etc/dotfwd/server.key';
		o.rmempty = false;
		o.validate = validator(checkPath, _('Expecting an absolute path'));

		o = s.option(form.Value, 'backend', _('Backend DNS server'),
		    _('A plain DNS server that answers, e.g. 127.0.0.1:8853 (port 53 when none is given). Empty: the upstream resolvers above answer.'));
		o.validate = validator(function(v) { return checkAddress(v, false); },
		    _('Expecting an IP address, optionally with :PORT'));

		o = uintOption(s, null, 'max_clients', _('Clients at once'),
		    _('Each takes about 41 KB of memory, reserved at start.'),
		    1, 1024, '16');

		o = uintOption(s, null, 'idle_timeout_ms', _('Idle timeout (ms)'),
		    _('Close client connections idle this long; clients that ask are told (RFC 7828).'),
		    100, 3600000, '10000');

		return m.render().then(function(mapNode) {
			return E('div', {}, [
				E('div', { 'class': 'cbi-section' }, [
					E('h3', {}, [ _('Status') ]),
					statusNode
				]),
				mapNode
			]);
		});
	}
});
