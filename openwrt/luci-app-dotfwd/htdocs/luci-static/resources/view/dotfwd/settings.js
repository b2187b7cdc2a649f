// SPDX-License-Identifier: MIT
'use strict';
'require view';
'require form';
'require fs';
'require rpc';
'require uci';
'require ui';
'require poll';
'require dom';

/*
 * dotfwd settings and status.
 *
 * The page, top to bottom: the title; the status (dnsmasq hand-over, the
 * daemon's state, the live graph); the daemon's verdict on the
 * configuration; the settings and the upstream resolvers.  Each form
 * section is built by one function below (a `config server` section is
 * one more such function, called in render()).
 *
 * The validators mirror the daemon (src/conf.c): a value this page
 * accepts is one "dotfwd -t" accepts.  tests/luci/load-view.js checks that
 * against the built configuration checker.  What only the daemon knows
 * (rules across options and sections, e.g. "at least one enabled
 * upstream") is checked by the daemon itself before anything is applied:
 * Save and Save & Apply stage the changes, then ask the rpcd plugin
 * luci.dotfwd (method check) to run "dotfwd -t" on /etc/config/dotfwd as
 * it would be after them, show its FILE:LINE messages above the form, and
 * Save & Apply applies only what the daemon accepts.  The same check runs
 * when the page opens, so a refused file committed some other way shows.
 *
 * The status comes from "/usr/sbin/dotfwd status" (JSON), run through
 * cgi-exec; the ACL allows exactly that command line (and cgi-io's exec).
 * It tells apart: running, not running (cgi-exec ran it, it printed no
 * status), not permitted (cgi-exec answered 403: which grant is missing
 * comes from its reason), not installed (404) and any other failure.
 * Whether dnsmasq is handed over to dotfwd, and whether procd gave up
 * restarting it, comes from the record /etc/init.d/dotfwd keeps in
 * /var/run/dotfwd/handover (lines state=, server=, sections=, since=),
 * read through rpcd's file.read; the ACL allows reading that file only.
 *
 * The graph: the status carries "history", the daemon's ring of samples
 * (one per interval_s, the last `size`): queries, answers and SERVFAIL
 * counted in each interval, and per upstream address the mean RTT of its
 * answers (0: none).  Drawn as SVG in the manner of LuCI's realtime graphs
 * (grid at a quarter of the peak, a line a minute, current / average /
 * peak below), redrawn at every poll.
 */

var STATUS_CMD = '/usr/sbin/dotfwd';
var STATUS_ARGS = [ 'status' ];
var HANDOVER_FILE = '/var/run/dotfwd/handover';
var CONF_FILE = '/etc/config/dotfwd';
var ACL_GROUP = 'luci-app-dotfwd';
var POLL_SECONDS = 5;
var GRAPH_HEIGHT = 200;
var SVGNS = 'http://www.w3.org/2000/svg';
/* line colours: answers, SERVFAIL; then one per upstream address */
var COLOR_ANSWERS = '#0000ff';
var COLOR_SERVFAIL = '#ff0000';
var COLORS_RTT = [ '#008000', '#ff6600', '#0000ff', '#cc00cc', '#00aaaa',
    '#996600', '#ff0000', '#666666' ];

var callCheck = rpc.declare({
	object: 'luci.dotfwd',
	method: 'check',
	expect: { '': {} },
	reject: true
});

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

/*
 * The status: { state: 'running', st } or { state: 'stopped' |
 * 'denied' | 'missing' | 'error', detail, missing }.
 */
function fetchStatus() {
	return Promise.resolve().then(function() {
		return fs.exec_direct(STATUS_CMD, STATUS_ARGS, 'text');
	}).then(function(out) {
		var st;

		/* dotfwd status prints nothing on stdout when no daemon runs
		 * (its reason goes to stderr, which cgi-exec drops) */
		if (typeof(out) != 'string' || out.trim() === '')
			return { state: 'stopped' };
		try {
			st = JSON.parse(out);
		} catch (e) {
			return { state: 'stopped', detail: _('it printed no status') };
		}
		if (st == null || typeof(st) != 'object' || Array.isArray(st) ||
		    st.running === false)
			return { state: 'stopped', detail: _('it printed no status') };
		return { state: 'running', st: st };
	}).catch(function(e) {
		return statusError(e);
	});
}

/* cgi-exec's refusals: 403 with its reason, 404 when there is no such
 * program; anything else is no answer at all */
function statusError(e) {
	var why = String((e && e.message) || e || ''), missing = [];

	if (e && e.name == 'PermissionError') {
		if (/exec permission/i.test(why) || !/command/i.test(why))
			missing.push(_('cgi-io "exec"'));
		if (/command/i.test(why) || !/exec permission/i.test(why))
			missing.push(_('running "%s"').format(STATUS_CMD + ' ' +
			    STATUS_ARGS.join(' ')));
		return { state: 'denied', detail: why, missing: missing };
	}
	if (e && e.name == 'NotFoundError')
		return { state: 'missing', detail: why };
	return { state: 'error', detail: why };
}

/* The hand-over record, or null when dnsmasq is not handed over. */
function fetchHandover() {
	return Promise.resolve().then(function() {
		return fs.read(HANDOVER_FILE);
	}).then(function(text) {
		var rec = {}, lines, i, eq;

		if (typeof(text) != 'string')
			return null;
		lines = text.split('\n');
		for (i = 0; i < lines.length; i++) {
			eq = lines[i].indexOf('=');
			if (eq > 0)
				rec[lines[i].substring(0, eq)] = lines[i].substring(eq + 1);
		}
		return (rec.state == 'active' || rec.state == 'held' ||
		    rec.state == 'failed') ? rec : null;
	}).catch(function() {
		return null;
	});
}

/* The daemon's verdict: { valid, file, messages } or { error }. */
function fetchCheck() {
	return Promise.resolve().then(function() {
		return callCheck();
	}).then(function(r) {
		if (r == null || typeof(r) != 'object' ||
		    typeof(r.valid) != 'boolean' || !Array.isArray(r.messages))
			return { error: _('the check gave no verdict') };
		return r;
	}).catch(function(e) {
		var why = String((e && e.message) || e || '');

		if (/access denied|permission denied|-32002/i.test(why))
			return { error: _('not permitted: this login lacks ubus luci.dotfwd "check" (ACL group %s)').format(ACL_GROUP) };
		if (/not found|-32000/i.test(why))
			return { error: _('the check is not installed yet: run /etc/init.d/rpcd reload') };
		return { error: why };
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
 * last_error can carry text chosen by a remote peer.  'title' labels the
 * cell on narrow screens (data-title, as LuCI's own tables do).
 */
function cell(v, title) {
	return E('td', { 'class': 'td', 'data-title': title }, [
		(v == null) ? '-' : String(v) ]);
}

/* A row of a two-column key/value table. */
function kv(key, value) {
	return E('tr', { 'class': 'tr' }, [
		E('td', { 'class': 'td left', 'width': '33%' }, [ key ]),
		E('td', { 'class': 'td left' }, [ value ])
	]);
}

/* dnsmasq's side: handed over or not, and a crash loop (fail closed). */
function renderHandover(ho) {
	var server = (ho != null && ho.server) ? ho.server : '-';

	if (ho == null)
		return E('p', {}, [ _('dnsmasq is not handed over: it uses its own upstream servers.') ]);
	if (ho.state == 'failed')
		return E('div', { 'class': 'alert-message danger' }, [
			E('strong', {}, [ _('dotfwd stopped after repeated crashes.') ]), ' ',
			_('dnsmasq still forwards to it (%s), so DNS lookups fail instead of going out unencrypted. Restart dotfwd (System > Startup), or turn off "Use with dnsmasq" to give dnsmasq back its own servers.').format(server)
		]);
	if (ho.state == 'held')
		return E('p', {}, [ _('dnsmasq is handed over to dotfwd (%s), which is starting.').format(server) ]);
	return E('p', {}, [ _('dnsmasq is handed over: it forwards to dotfwd (%s) only.').format(server) ]);
}

/* "down (retry in 12 s)" */
function upState(u) {
	if (u.state != 'down')
		return u.state;
	if (typeof(u.retry_in_ms) == 'number' && u.retry_in_ms > 0)
		return _('down (retry in %d s)').format(Math.ceil(u.retry_in_ms / 1000));
	return _('down (retrying)');
}

function renderStatus(res) {
	var st, totals, ups, rows, i, u, titles;

	switch (res.state) {
	case 'running':
		break;
	case 'denied':
		return E('div', { 'class': 'alert-message warning' }, [
			E('strong', {}, [ _('Not permitted to read the status of dotfwd.') ]), ' ',
			_('This login lacks %s (ACL group %s); the router answered: %s').format(
			    res.missing.join(_(' and ')), ACL_GROUP, res.detail || '403')
		]);
	case 'missing':
		return E('p', { 'class': 'alert-message warning' }, [
			_('dotfwd is not installed: %s was not found.').format(STATUS_CMD) ]);
	case 'error':
		return E('p', { 'class': 'alert-message warning' }, [
			_('The status of dotfwd could not be read: %s').format(res.detail || '?') ]);
	default:
		return E('p', { 'class': 'alert-message warning' }, [
			res.detail ? _('dotfwd is not running (%s).').format(res.detail) :
			    _('dotfwd is not running.') ]);
	}

	st = res.st;
	totals = (st.totals != null && typeof(st.totals) == 'object') ?
	    st.totals : {};
	ups = Array.isArray(st.upstreams) ? st.upstreams : [];

	titles = [ _('Address'), _('Authentication name'), _('State'),
	    _('RTT (ms)'), _('Queries'), _('Failures'), _('Last error') ];
	rows = [ E('tr', { 'class': 'tr table-titles' }, titles.map(function(t) {
		return E('th', { 'class': 'th' }, [ t ]);
	})) ];
	for (i = 0; i < ups.length; i++) {
		u = (ups[i] != null && typeof(ups[i]) == 'object') ? ups[i] : {};
		rows.push(E('tr', { 'class': 'tr' }, [
			cell(u.address, titles[0]),
			cell(u.auth_name, titles[1]),
			cell(u.state != null ? upState(u) : null, titles[2]),
			cell(num(u.rtt_ms), titles[3]),
			cell(num(u.queries), titles[4]),
			cell(num(u.failures), titles[5]),
			cell(u.last_error ? u.last_error : '-', titles[6])
		]));
	}
	if (ups.length == 0)
		rows.push(E('tr', { 'class': 'tr placeholder' }, [
			E('td', { 'class': 'td' }, [ _('No upstream in use') ])
		]));

	return E('div', {}, [
		E('table', { 'class': 'table' }, [
			kv(_('Status'), _('running')),
			kv(_('Uptime'), fmtUptime(st.uptime)),
			kv(_('Clock synchronised'), st.clock_synced === true ?
			    _('yes') :
			    _('no: certificates are checked against the build date until NTP syncs')),
			kv(_('Queries / answered / SERVFAIL'), num(totals.queries) +
			    ' / ' + num(totals.answered) + ' / ' + num(totals.servfail))
		]),
		E('table', { 'class': 'table' }, rows)
	]);
}

/* ---- the live graph ---------------------------------------------------- */

function svg(tag, attrs, children) {
	var el = document.createElementNS(SVGNS, tag), k, i;

	for (k in attrs)
		if (attrs[k] != null)
			el.setAttribute(k, String(attrs[k]));
	for (i = 0; i < (children || []).length; i++)
		el.appendChild(typeof(children[i]) == 'string' ?
		    document.createTextNode(children[i]) : children[i]);
	return el;
}

/* 1, 2 or 5 times a power of ten, at least v */
function niceCeil(v) {
	var p, m, i;

	if (!(v > 0))
		return 1;
	p = Math.pow(10, Math.floor(Math.log(v) / Math.LN10));
	m = [ 1, 2, 5, 10 ];
	for (i = 0; i < m.length; i++)
		if (m[i] * p >= v - 1e-9)
			return m[i] * p;
	return 10 * p;
}

/* "4.5 /s"; "-" alone when there is no value */
function fmtValue(v, decimals, unit) {
	return (v == null || !isFinite(v)) ? '-' : v.toFixed(decimals) + ' ' + unit;
}

/* a grid label: as many decimals as it needs, two at most */
function fmtGrid(v, unit) {
	return String(Number(v.toFixed(2))) + ' ' + unit;
}

/* one of the history's arrays: numbers only, the last n */
function series(n, a) {
	var out = [], i;

	if (!Array.isArray(a))
		return out;
	for (i = Math.max(0, a.length - n); i < a.length; i++)
		out.push((typeof(a[i]) == 'number' && isFinite(a[i]) && a[i] >= 0) ?
		    a[i] : 0);
	return out;
}

/*
 * One graph: lines = [ { label, color, values, fill, gaps } ], values
 * oldest first, the newest at the right edge of a window of 'size'
 * samples of 'interval' seconds.  gaps: a 0 is "no value" (the line
 * breaks there) rather than zero.  The scale is a round number above the
 * peak, 'least' at the least.  Returns the SVG's box and its legend.
 */
function graph(lines, size, interval, unit, decimals, least) {
	var view = document.getElementById ? document.getElementById('view') : null,
	    w = (view && view.offsetWidth > 100) ? view.offsetWidth - 2 : 600,
	    h = GRAPH_HEIGHT, step = w / Math.max(1, size - 1),
	    peak = 0, scale, nodes = [], legend = [], i, j, k, l, pts, x, y,
	    vals, sum, cnt, lpeak, cur, textStyle;

	for (i = 0; i < lines.length; i++)
		for (j = 0; j < lines[i].values.length; j++)
			peak = Math.max(peak, lines[i].values[j]);
	scale = niceCeil(Math.max(peak, least));
	textStyle = 'fill:#999;font-size:9pt;font-family:sans-serif';

	/* a line a minute, labelled with how long ago */
	for (k = 1; k * 60 / interval < size; k++) {
		x = w - k * 60 / interval * step;
		nodes.push(svg('line', { x1: x, y1: 0, x2: x, y2: h,
		    style: 'stroke:black;stroke-width:0.1' }));
		nodes.push(svg('text', { x: x + 3, y: 12, style: textStyle },
		    [ k + 'm' ]));
	}
	/* grid at a quarter of the scale */
	for (k = 1; k <= 3; k++) {
		y = h - h * k / 4;
		nodes.push(svg('line', { x1: 0, y1: y, x2: w, y2: y,
		    style: 'stroke:black;stroke-width:0.1' }));
		nodes.push(svg('text', { x: 5, y: y - 2, style: textStyle },
		    [ fmtGrid(scale * k / 4, unit) ]));
	}
	for (l = 0; l < lines.length; l++) {
		vals = lines[l].values;
		pts = [];
		sum = 0;
		cnt = 0;
		lpeak = null;
		for (j = 0; j <= vals.length; j++) {
			if (j < vals.length && !(lines[l].gaps && vals[j] == 0)) {
				x = w - (vals.length - 1 - j) * step;
				y = h - Math.round(vals[j] / scale * h);
				pts.push(x.toFixed(1) + ',' + y);
				sum += vals[j];
				cnt++;
				lpeak = (lpeak == null) ? vals[j] : Math.max(lpeak, vals[j]);
				continue;
			}
			/* the end, or a gap: draw the run so far */
			if (pts.length > 1 && lines[l].fill)
				nodes.push(svg('polyline', {
				    points: pts[0].replace(/,.*/, ',' + h) + ' ' +
					pts.join(' ') + ' ' +
					pts[pts.length - 1].replace(/,.*/, ',' + h),
				    style: 'fill:' + lines[l].color +
					';fill-opacity:0.4;stroke:' + lines[l].color +
					';stroke-width:1' }));
			else if (pts.length > 1)
				nodes.push(svg('polyline', { points: pts.join(' '),
				    style: 'fill:none;stroke:' + lines[l].color +
					';stroke-width:1.5' }));
			else if (pts.length == 1)
				nodes.push(svg('circle', {
				    cx: pts[0].replace(/,.*/, ''),
				    cy: pts[0].replace(/.*,/, ''), r: 2,
				    style: 'fill:' + lines[l].color }));
			pts = [];
		}
		cur = vals.length ? vals[vals.length - 1] : null;
		if (lines[l].gaps && cur == 0)
			cur = null;
		legend.push(E('tr', { 'class': 'tr' }, [
			E('td', { 'class': 'td', 'data-title': _('Line') }, [
				E('strong', { 'style': 'border-bottom:2px solid ' +
				    lines[l].color }, [ lines[l].label ]) ]),
			E('td', { 'class': 'td', 'data-title': _('Current') },
			    [ fmtValue(cur, decimals, unit) ]),
			E('td', { 'class': 'td', 'data-title': _('Average') },
			    [ fmtValue(cnt ? sum / cnt : null, decimals, unit) ]),
			E('td', { 'class': 'td', 'data-title': _('Peak') },
			    [ fmtValue(lpeak, decimals, unit) ])
		]));
	}

	return E('div', {}, [
		E('div', { 'class': 'dotfwd-graph', 'style': 'width:100%;height:' +
		    h + 'px;border:1px solid #000;background:#fff' }, [
			svg('svg', { width: '100%', height: '100%',
			    viewBox: '0 0 ' + w + ' ' + h,
			    preserveAspectRatio: 'none', version: '1.1' }, nodes)
		]),
		E('table', { 'class': 'table' }, [
			E('tr', { 'class': 'tr table-titles' }, [
				E('th', { 'class': 'th' }, [ _('Line') ]),
				E('th', { 'class': 'th' }, [ _('Current') ]),
				E('th', { 'class': 'th' }, [ _('Average') ]),
				E('th', { 'class': 'th' }, [ _('Peak') ])
			])
		].concat(legend))
	]);
}

function renderGraphs(res) {
	var h = (res.state == 'running' && res.st.history != null &&
	    typeof(res.st.history) == 'object') ? res.st.history : null,
	    interval, size, n, rtt, lines = [], i, c;

	if (h == null)
		return E('p', {}, [ res.state == 'running' ?
		    _('This dotfwd keeps no history.') :
		    _('No graph while dotfwd does not answer.') ]);
	interval = (h.interval_s > 0) ? h.interval_s : 5;
	size = (h.size > 1) ? h.size : 120;
	n = Math.min(Math.max(0, Math.floor(+h.samples) || 0), size);
	if (n == 0)
		return E('p', {}, [ _('No samples yet: one comes every %d seconds.').format(interval) ]);

	rtt = Array.isArray(h.rtt_ms) ? h.rtt_ms : [];
	for (i = 0; i < rtt.length; i++) {
		c = (rtt[i] != null && typeof(rtt[i]) == 'object') ? rtt[i] : {};
		lines.push({ label: String(c.address || '?') +
		    (c.auth_name ? ' (' + c.auth_name + ')' : ''),
		    color: COLORS_RTT[i % COLORS_RTT.length],
		    values: series(n, c.ms), gaps: true });
	}

	return E('div', {}, [
		E('h4', {}, [ _('Answers per second') ]),
		graph([
			{ label: _('Answers'), color: COLOR_ANSWERS, fill: true,
			    values: series(n, h.answered).map(function(v) { return v / interval; }) },
			{ label: _('SERVFAIL'), color: COLOR_SERVFAIL, fill: true,
			    values: series(n, h.servfail).map(function(v) { return v / interval; }) }
		], size, interval, _('/s'), 1, 1),
		E('h4', {}, [ _('Round-trip time per upstream address') ]),
		lines.length ? graph(lines, size, interval, _('ms'), 0, 10) :
		    E('p', {}, [ _('No upstream address in use.') ]),
		E('div', { 'class': 'right' }, [ E('small', {}, [
			_('(%d minute window, %d second interval)').format(
			    Math.round(size * interval / 60), interval) ]) ])
	]);
}

/* ---- the check before apply -------------------------------------------- */

function renderCheck(r) {
	var items;

	if (r == null)
		return [];
	if (r.error != null)
		return E('div', { 'class': 'alert-message warning' }, [
			_('The configuration could not be checked by dotfwd: %s').format(r.error) ]);
	items = r.messages.map(function(m) {
		return E('li', {}, [ E('code', {}, [ String(m) ]) ]);
	});
	if (r.valid && items.length == 0)
		return [];
	if (r.valid)
		return E('div', { 'class': 'alert-message warning' }, [
			E('p', {}, [ _('dotfwd accepts this configuration, with warnings:') ]),
			E('ul', {}, items)
		]);
	return E('div', { 'class': 'alert-message danger' }, [
		E('p', {}, [ E('strong', {}, [ _('dotfwd refuses this configuration; nothing is applied.') ]), ' ',
		    _('Its check of %s as it would be after the changes:').format(String(r.file || CONF_FILE)) ]),
		E('ul', {}, items),
		E('p', {}, [ _('The changes are saved, not applied: correct them and use Save & Apply again, or Reset.') ])
	]);
}

/* ---- the form ------------------------------------------------------------ */

function settingsSection(m) {
	var s, o;

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

	/* short names in the list (a select is as wide as its longest
	 * entry), the whole story in the description */
	o = s.taboption('general', form.ListValue, 'policy',
	    _('Upstream policy'),
	    _('Ordered: the first upstream address that works, in the order of the list below. Round robin: each query to the next address. Fastest: the address with the lowest round-trip time, the others tried now and then to keep their times current. Addresses that fail wait 1 s, doubling to 60 s.'));
	o.value('ordered', _('Ordered'));
	o.value('roundrobin', _('Round robin'));
	o.value('fastest', _('Fastest'));
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
	    _('Make dnsmasq forward all queries to dotfwd and stop using the resolvers from the WAN, from boot on. This is run-time state: the DHCP and DNS settings (/etc/config/dhcp) are not changed, and stopping dotfwd gives them back to dnsmasq as they are.'));
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
	return s;
}

function upstreamSection(m) {
	var s, o;

	s = m.section(form.GridSection, 'upstream', _('Upstream resolvers'),
	    _('With the ordered policy they are tried from top to bottom.'));
	s.anonymous = true;
	s.addremove = true;
	s.sortable = true;
	s.nodescriptions = true;
	/* the edit dialog says which resolver it edits */
	s.modaltitle = function(section_id) {
		var name = uci.get('dotfwd', section_id, 'auth_name');

		return name ? _('Upstream resolver: %s').format(name) :
		    _('Upstream resolver');
	};

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
	return s;
}

/*
 * DoT server mode: LAN devices (Android "Private DNS", iOS
 * profiles, systemd-resolved) ask the router over TLS.  One
 * section at most: the daemon refuses a second.
 */
function serverSection(m) {
	var s, o;

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
	return s;
}

/* load() and every poll: [ status, hand-over record ] */
function fetchAll() {
	return Promise.all([ fetchStatus(), fetchHandover() ]);
}

return view.extend({
	load: function() {
		return Promise.all([ fetchAll(), fetchCheck() ]);
	},

	/* the page's live parts, redrawn in place */
	update: function(data) {
		dom.content(this.handoverNode, renderHandover(data[1]));
		dom.content(this.statusNode, renderStatus(data[0]));
		dom.content(this.graphNode, renderGraphs(data[0]));
	},

	render: function(data) {
		var m, self = this;

		this.handoverNode = E('div', { 'id': 'dotfwd-handover' });
		this.statusNode = E('div', { 'id': 'dotfwd-status' });
		this.graphNode = E('div', { 'id': 'dotfwd-graph' });
		this.checkNode = E('div', { 'id': 'dotfwd-check' },
		    renderCheck(data[1]));
		this.update(data[0]);
		poll.add(function() {
			return fetchAll().then(function(d) {
				self.update(d);
			});
		}, POLL_SECONDS);

		/* no Map title: the page's own comes first, the status next */
		m = new form.Map('dotfwd', null, null);
		settingsSection(m);
		upstreamSection(m);
		serverSection(m);
		this.map = m;

		return m.render().then(function(mapNode) {
			return E('div', {}, [
				E('h2', { 'name': 'content' }, [ _('DNS over TLS') ]),
				E('div', { 'class': 'cbi-map-descr' }, [
					_('dotfwd forwards DNS queries to resolvers over TLS (RFC 7858).') ]),
				E('div', { 'class': 'cbi-section' }, [
					E('h3', {}, [ _('Status') ]),
					self.handoverNode,
					self.statusNode
				]),
				E('div', { 'class': 'cbi-section' }, [
					E('h3', {}, [ _('Traffic') ]),
					self.graphNode
				]),
				self.checkNode,
				mapNode
			]);
		});
	},

	/*
	 * Save: stage the changes (the form's validators first), then the
	 * daemon's verdict on the file as it would be after them.  Resolves
	 * to that verdict; rejects when the form could not be saved.
	 */
	saveAndCheck: function() {
		var self = this;

		return Promise.resolve(this.map.save()).then(function() {
			return fetchCheck();
		}).then(function(r) {
			dom.content(self.checkNode, renderCheck(r));
			if (r.error == null && !r.valid && self.checkNode.scrollIntoView)
				self.checkNode.scrollIntoView();
			return r;
		});
	},

	handleSave: function(ev) {
		return this.saveAndCheck();
	},

	/* apply only what the daemon accepts; a check that could not run
	 * does not block (the init script's reload checks the file again) */
	handleSaveApply: function(ev, mode) {
		return this.saveAndCheck().then(function(r) {
			if (r.error == null && !r.valid)
				return;
			ui.changes.apply(mode == '0');
		});
	}
});
