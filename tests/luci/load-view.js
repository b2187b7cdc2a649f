// SPDX-License-Identifier: MIT
//
// load-view.js: checks of openwrt/luci-app-dotfwd without a browser.
//
//   node tests/luci/load-view.js            (from the repository root)
//
// Env: CONFCHECK, a built tests/conf confcheck (e.g. build/host-asan/confcheck);
// without it the checks against the daemon are skipped.
//
// 1. JSON files parse; menu.d points at the view and at the ACL; the ACL
//    grants uci "dotfwd" read/write, cgi-io's exec and the exec of
//    "/usr/sbin/dotfwd status", ubus file.read and the read of
//    /var/run/dotfwd/handover, ubus luci.dotfwd check (the rpcd plugin of
//    the app, whose "list" has that method), nothing else; every call the
//    page makes is allowed for a user who has only this ACL group, as
//    rpcd, cgi-io and uhttpd check them; the Makefile has the luci.mk
//    shape.
// 2. The view is loaded the way LuCI's L.require() does it (luci.js
//    compileClass): the leading string pragmas are scanned, every
//    'require X [as Y]' becomes a parameter, the body is evaluated as
//    (function(window, document, L, deps...) { body }) and must return the
//    class made by view.extend().  The modules are stand-ins that record
//    what the view builds: every Map, section and option with its class,
//    datatype, validate function, rmempty, default and ListValue values.
//    load() and render() are then called as LuCI's view __init__ does.
// 3. Every recorded option is checked against `$CONFCHECK --schema`
//    (section type, name, kind, range, enum choices, the default the
//    page shows as default or placeholder), the options the
//    daemon requires are required in the form, and every value the form can
//    produce or accept is fed to $CONFCHECK in a small configuration: what
//    the page accepts the daemon must accept, and the samples listed as
//    "both reject" must be refused by both (the datatype is evaluated by a
//    stand-in of LuCI's validation.js: the same grammar and rules for the
//    types the view uses; an unknown type fails like LuCI's SyntaxError).
// 4. Layout: the page title first, then the status, the graph, the
//    daemon's verdict and the form (the Map has no title of its own);
//    short policy choices with the whole story in the description; the
//    upstream dialog titled with the resolver; every cell of a titled
//    table labelled with its column (data-title) for narrow screens.
// 5. The status part: runs exactly /usr/sbin/dotfwd ["status"], renders the
//    JSON as a table (states "up", "down (retry in N s)"), and tells apart
//    running, not running (no output, garbage), not permitted (cgi-exec's
//    403, naming the missing grant from its reason), not installed (404)
//    and other failures; never puts daemon text into innerHTML.  It reads
//    /var/run/dotfwd/handover and says whether dnsmasq is handed over (to
//    which address), and a crash loop as an alert.
// 6. The graph: SVG elements made in the SVG namespace, answers and
//    SERVFAIL per second as areas (newest at the right edge, the scale a
//    round number above the peak), one RTT line per address broken where
//    it had no answer, minute marks, current / average / peak legends;
//    no samples, no daemon, and garbage in the history handled.
// 7. The check before apply: opening the page, Save and Save & Apply ask
//    luci.dotfwd check; a refused configuration (no enabled upstream) is
//    shown as a danger alert with the daemon's FILE:LINE messages as text
//    and is not applied; an accepted one is applied (checked for mode "0"),
//    with its warnings shown; a check that cannot run says why and does
//    not block; a form its validators refuse is neither checked nor
//    applied.
//
// Prints "ok - luci/NAME", "not ok - luci/NAME" (with "# " detail lines)
// or "skip - luci/NAME: why"; exits 1 if anything failed.

'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const vm = require('vm');
const child = require('child_process');

const APP = 'openwrt/luci-app-dotfwd';
const VIEW = APP + '/htdocs/luci-static/resources/view/dotfwd/settings.js';
const MENU = APP + '/root/usr/share/luci/menu.d/luci-app-dotfwd.json';
const ACL = APP + '/root/usr/share/rpcd/acl.d/luci-app-dotfwd.json';
const MAKEFILE = APP + '/Makefile';
const STATUS_CMD = '/usr/sbin/dotfwd';
const STATUS_ARGS = [ 'status' ];
const HANDOVER_FILE = '/var/run/dotfwd/handover';

let nfail = 0;

function report(ok, name, details) {
	console.log((ok ? 'ok - luci/' : 'not ok - luci/') + name);
	if (!ok) {
		nfail++;
		for (const d of [].concat(details || []))
			console.log('# ' + d);
	}
}

function skip(name, why) {
	console.log('skip - luci/' + name + ': ' + why);
}

/* Runs fn(problems); ok when it pushed none and did not throw. */
async function check(name, fn) {
	const problems = [];

	try {
		await fn(problems);
	} catch (e) {
		problems.push('exception: ' + (e && e.stack || e));
	}
	report(problems.length == 0, name, problems);
	return problems.length == 0;
}

/* fnmatch(3) without flags, for rpcd's ACL patterns: * ? [...] */
function fnmatch(pattern, str) {
	let re = '^';
	for (let i = 0; i < pattern.length; i++) {
		const c = pattern[i];
		if (c == '*')
			re += '.*';
		else if (c == '?')
			re += '.';
		else if (c == '[' && pattern.indexOf(']', i + 1) > i + 1) {
			const j = pattern.indexOf(']', i + 1);
			re += '[' + pattern.slice(i + 1, j).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
			i = j;
		} else
			re += c.replace(/[.+^${}()|\\\]\[]/g, '\\$&');
	}
	return new RegExp(re + '$').test(str);
}

function readJSON(file) {
	return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function sameSet(a, b) {
	return a.length == b.length && a.every((x) => b.includes(x));
}

/* ---------------------------------------------------------------------------
 * Stand-ins for LuCI's DOM helpers: E() builds a plain tree and records
 * children given as a bare string, which LuCI's dom.append() assigns to
 * innerHTML.
 */

function makeDom() {
	const htmlChildren = [];

	function Node(tag, ns) {
		this.tag = tag;
		this.ns = ns || null;
		this.attrs = {};
		this.children = [];
	}
	/* what the view may call on an element it made itself */
	Node.prototype.setAttribute = function(k, v) {
		this.attrs[k] = String(v);
	};
	Node.prototype.getAttribute = function(k) {
		return (k in this.attrs) ? this.attrs[k] : null;
	};
	Node.prototype.appendChild = function(c) {
		if (!(c instanceof Node) && !(c && c.text != null))
			throw new Error('appendChild: not a node');
		this.children.push(c);
		return c;
	};

	function append(node, children) {
		if (Array.isArray(children)) {
			for (const c of children)
				if (c instanceof Node)
					node.children.push(c);
				else if (c != null)
					node.children.push({ text: String(c) });
		} else if (typeof(children) == 'function') {
			append(node, children(node));
		} else if (children instanceof Node) {
			node.children.push(children);
		} else if (children != null) {
			node.children.push({ html: String(children) });
			htmlChildren.push(String(children));
		}
	}

	function E(tag, attrs, children) {
		if (attrs == null || typeof(attrs) != 'object' || Array.isArray(attrs) ||
		    attrs instanceof Node) {
			children = attrs;
			attrs = null;
		}
		const node = new Node(Array.isArray(tag) ? '#fragment' : tag);

		if (Array.isArray(tag))
			append(node, tag);
		Object.assign(node.attrs, attrs || {});
		append(node, children);
		return node;
	}

	function text(node) {
		if (node == null)
			return '';
		if (node.text != null)
			return node.text;
		if (node.html != null)
			return node.html;
		return (node.children || []).map(text).join(' ');
	}

	function find(node, pred, out) {
		out = out || [];
		if (node instanceof Node) {
			if (pred(node))
				out.push(node);
			for (const c of node.children)
				find(c, pred, out);
		}
		return out;
	}

	/* document.createElementNS/createTextNode for SVG; nothing else */
	const document = {
		createElementNS(ns, tag) { return new Node(tag, ns); },
		createTextNode(t) { return { text: String(t) }; }
	};

	const dom = {
		content(node, children) {
			node.children = [];
			append(node, children);
			return node;
		},
		append(node, children) {
			append(node, children);
			return node;
		},
		create: E
	};

	return { E, dom, text, find, Node, htmlChildren, document };
}

/* ---------------------------------------------------------------------------
 * Stand-in for LuCI's form module.
 */

const OPTION_CLASSES = [ 'Value', 'Flag', 'ListValue', 'DynamicList',
    'MultiValue', 'RichListValue', 'TextValue', 'RangeSliderValue',
    'FileUpload', 'DirectoryPicker', 'HiddenValue', 'DummyValue',
    'Button', 'SectionValue' ];
const SECTION_CLASSES = [ 'NamedSection', 'TypedSection', 'GridSection',
    'TableSection' ];
/* classes that do not write UCI */
const DISPLAY_CLASSES = [ 'DummyValue', 'Button', 'SectionValue' ];

function makeForm(domkit) {
	const rec = { maps: [], sections: [], options: [], saves: 0, saveFails: false };

	function Option(kind, section, name, title, description, tab) {
		this.__kind = kind;
		this.section = section;
		this.option = name;
		this.title = title;
		this.description = description;
		this.tab = tab;
		this.rmempty = true;
		this.optional = false;
		this.values = [];
		this.labels = [];
		this.deps = [];
	}
	Option.prototype.value = function(key, title) {
		this.values.push(String(key));
		this.labels.push(title != null ? String(title) : String(key));
	};
	Option.prototype.depends = function() {
		this.deps.push(Array.prototype.slice.call(arguments));
	};

	function Section(kind, map, args) {
		this.__kind = kind;
		this.map = map;
		if (kind == 'NamedSection') {
			this.name = args[0];
			this.sectiontype = args[1];
			this.title = args[2];
		} else {
			this.name = null;
			this.sectiontype = args[0];
			this.title = args[1];
		}
		this.tabs = [];
		this.options = [];
	}
	Section.prototype.tab = function(name, title) {
		this.tabs.push(name);
	};
	Section.prototype.option = function(cls, name, title, description) {
		return this.addOption(cls, name, title, description, null);
	};
	Section.prototype.taboption = function(tab, cls, name, title, description) {
		if (!this.tabs.includes(tab))
			throw new Error('taboption: no tab "' + tab + '"');
		return this.addOption(cls, name, title, description, tab);
	};
	Section.prototype.addOption = function(cls, name, title, description, tab) {
		if (cls == null || !OPTION_CLASSES.includes(cls.__kind))
			throw new Error('option "' + name + '": not an option class');
		const o = new Option(cls.__kind, this, name, title, description, tab);

		this.options.push(o);
		rec.options.push(o);
		return o;
	};

	function Map(config, title, description) {
		this.config = config;
		this.title = title;
		this.sections = [];
		rec.maps.push(this);
	}
	Map.prototype.section = function(cls) {
		if (cls == null || !SECTION_CLASSES.includes(cls.__kind))
			throw new Error('section: not a section class');
		const s = new Section(cls.__kind, this,
		    Array.prototype.slice.call(arguments, 1));

		this.sections.push(s);
		rec.sections.push(s);
		return s;
	};
	Map.prototype.render = function() {
		return Promise.resolve(domkit.E('div', { 'class': 'cbi-map' }, []));
	};
	Map.prototype.load = function() { return Promise.resolve(); };
	/* as LuCI's: rejects when a field is invalid (rec.saveFails) */
	Map.prototype.save = function() {
		rec.saves++;
		return rec.saveFails ? Promise.reject(new TypeError('invalid input')) :
		    Promise.resolve();
	};

	const form = { Map: Map };
	for (const k of OPTION_CLASSES.concat(SECTION_CLASSES))
		form[k] = { __kind: k };
	/* a misspelt class (form.Flags) is an error, as in LuCI */
	const proxy = new Proxy(form, {
		get(t, k) {
			if (typeof(k) == 'string' && !(k in t))
				throw new Error('form.' + k + ' does not exist');
			return t[k];
		}
	});
	return { form: proxy, rec };
}

/* ---------------------------------------------------------------------------
 * Stand-ins for fs, rpc, poll, uci, view.
 */

function makeFs(behaviour) {
	const calls = [];
	const fsmod = new Proxy({}, {
		get(t, k) {
			return function() {
				const args = Array.prototype.slice.call(arguments);

				calls.push({ method: String(k), args });
				if (k == 'exec_direct' || k == 'exec')
					return behaviour.current(args);
				if (k == 'read')
					return behaviour.read(args);
				return Promise.reject(new Error('fs.' + String(k) +
				    ' is not expected'));
			};
		}
	});
	return { fs: fsmod, calls };
}

function makeRpc(behaviour) {
	const declared = [];
	const calls = [];
	return {
		declared,
		calls,
		rpc: {
			declare(spec) {
				declared.push(spec);
				return function() {
					calls.push({ object: spec.object, method: spec.method,
					    args: Array.prototype.slice.call(arguments) });
					return behaviour.rpc(spec, Array.prototype.slice.call(arguments));
				};
			}
		}
	};
}

/* ui: what the view may call, recorded */
function makeUi() {
	const applied = [];
	const notes = [];
	return {
		applied,
		notes,
		ui: {
			changes: { apply(checked) { applied.push(checked); } },
			addNotification(title, body, cls) { notes.push({ title, body, cls }); },
			showModal() {},
			hideModal() {}
		}
	};
}

function makePoll() {
	const added = [];
	return { added, poll: { add(fn, interval) { added.push({ fn, interval }); return true; },
	    remove() { return true; }, start() {}, stop() {}, active() { return true; } } };
}

function makeUci() {
	const values = {};
	return {
		values,
		load() { return Promise.resolve([ 'dotfwd' ]); },
		get(conf, sid, opt) {
			return (conf == 'dotfwd' && values[sid] && opt in values[sid]) ?
			    values[sid][opt] : null;
		},
		sections() { return []; },
		set() {}, unset() {}, add() { return 'cfg01'; }, remove() {},
		save() { return Promise.resolve(); },
		apply() { return Promise.resolve(); }
	};
}

function makeView() {
	const base = {
		load() {},
		render() {},
		handleSave() { return Promise.resolve(); },
		handleSaveApply() { return Promise.resolve(); },
		handleReset() { return Promise.resolve(); },
		addFooter() { return null; }
	};
	const classes = [];
	return {
		classes,
		view: {
			extend(props) {
				const C = function() {};
				C.prototype = Object.assign(Object.create(base), props);
				classes.push(C);
				return C;
			}
		}
	};
}

/* ---------------------------------------------------------------------------
 * The loader: LuCI's L.require()/compileClass, reduced to what a view
 * needs.  Leading string literals are scanned (quotes ' and ", backslash
 * escapes) until the first one that is neither 'use strict' nor
 * 'require NAME [as ALIAS]'; NAME's non-word characters become '_'.
 */

function scanRequires(source) {
	const requireRe = /^require[ \t]+(\S+)(?:[ \t]+as[ \t]+([a-zA-Z_]\S*))?$/;
	const strictRe = /^use[ \t]+strict$/;
	const deps = [];
	let start = -1, quote = -1, esc = false;

	for (let i = 0; i < source.length; i++) {
		const c = source.charCodeAt(i);

		if (esc) {
			esc = false;
		} else if (c == 92) {
			esc = true;
		} else if (c == quote) {
			const s = source.substring(start, i);
			const m = requireRe.exec(s);

			if (m)
				deps.push({ module: m[1],
				    param: m[2] || m[1].replace(/[^a-zA-Z0-9_]/g, '_') });
			else if (!strictRe.test(s))
				break;
			start = -1;
			quote = -1;
		} else if (quote == -1 && (c == 34 || c == 39)) {
			start = i + 1;
			quote = c;
		}
	}
	return deps;
}

function formatString(fmt) {
	const args = Array.prototype.slice.call(arguments, 1);
	let n = 0;

	return String(fmt).replace(/%(%|[sdfq])/g, function(m, t) {
		if (t == '%')
			return '%';
		const v = args[n++];
		return t == 'd' ? String(Math.floor(+v || 0)) : String(v);
	});
}

function loadView(file, modules, domkit) {
	const source = fs.readFileSync(file, 'utf8');
	const deps = scanRequires(source);
	const missing = deps.filter((d) => !(d.module in modules));

	if (missing.length)
		throw new Error('no stand-in for required module(s): ' +
		    missing.map((d) => d.module).join(', '));

	const L = {
		env: { sessionid: 'x', cgi_base: '/cgi-bin' },
		bind(fn, self) {
			return Function.prototype.bind.apply(fn,
			    [ self ].concat(Array.prototype.slice.call(arguments, 2)));
		},
		resolveDefault(p, d) {
			return Promise.resolve(p).catch(() => d);
		},
		isObject(v) { return v != null && typeof(v) == 'object'; },
		toArray(v) {
			return v == null ? [] : Array.isArray(v) ? v :
			    String(v).trim().split(/\s+/).filter(Boolean);
		}
	};
	const ctx = vm.createContext({
		E: domkit.E, _: (s) => s, N_: (n, s, p) => (n == 1 ? s : p),
		L, console, setTimeout, clearTimeout
	});
	vm.runInContext('String.prototype.format = function() {' +
	    ' return __fmt.apply(null, [ this ].concat(Array.prototype.slice.call(arguments))); };',
	    Object.assign(ctx, { __fmt: formatString }));
	ctx.window = ctx;
	ctx.document = domkit.document;

	const params = deps.map((d) => d.param);
	const factory = vm.runInContext(
	    '(function(window, document, L' + params.map((p) => ', ' + p).join('') +
	    ') { ' + source + ' })\n//# sourceURL=' + file + '\n', ctx,
	    { filename: file });
	const cls = factory.apply(factory, [ ctx.window, ctx.document, L ].concat(
	    deps.map((d) => modules[d.module])));

	return { cls, deps };
}

/* ---------------------------------------------------------------------------
 * A stand-in of LuCI's validation.js for the datatypes a view may use here.
 */

function makeValidator() {
	const parseInteger = (x) => (/^-?\d+$/.test(x) ? +x : NaN);
	const parseDecimal = (x) => (/^-?\d+(?:\.\d+)?$/.test(x) ? +x : NaN);
	const types = {
		integer() { return !isNaN(parseInteger(this.value)); },
		uinteger() { return parseInteger(this.value) >= 0; },
		float() { return !isNaN(parseDecimal(this.value)); },
		ufloat() { return parseDecimal(this.value) >= 0; },
		range(min, max) {
			const v = parseDecimal(this.value);
			return v >= +min && v <= +max;
		},
		min(min) { return parseDecimal(this.value) >= +min; },
		max(max) { return parseDecimal(this.value) <= +max; },
		hostname(strict) {
			const v = this.value;
			return v.length <= 253 &&
			    (/^[a-zA-Z0-9_]+$/.test(v) ||
			    (/^[a-zA-Z0-9_][a-zA-Z0-9_\-.]*[a-zA-Z0-9]\.?$/.test(v) &&
			    /[^0-9.]/.test(v))) && (!strict || !/^_/.test(v));
		},
		uciname() { return /^[a-zA-Z0-9_]+$/.test(this.value); },
		port() {
			const p = parseInteger(this.value);
			return p >= 0 && p <= 65535;
		},
		maxlength(n) { return Buffer.byteLength(this.value) <= +n; },
		minlength(n) { return Buffer.byteLength(this.value) >= +n; },
		rangelength(a, b) {
			const n = Buffer.byteLength(this.value);
			return n >= +a && n <= +b;
		},
		string() { return true; },
		file() { return true; },
		directory() { return true; },
		or() {
			for (let i = 0; i < arguments.length; i += 2) {
				if (typeof(arguments[i]) != 'function') {
					if (arguments[i] == this.value)
						return true;
					i--;
				} else if (arguments[i].apply(this, arguments[i + 1] || [])) {
					return true;
				}
			}
			return false;
		},
		and() {
			for (let i = 0; i < arguments.length; i += 2) {
				if (typeof(arguments[i]) != 'function') {
					if (arguments[i] != this.value)
						return false;
					i--;
				} else if (!arguments[i].apply(this, arguments[i + 1] || [])) {
					return false;
				}
			}
			return true;
		}
	};

	/* [fn, args, fn, args...]; numbers and quoted strings are literals */
	function compile(code) {
		const stack = [];
		let pos = 0, depth = 0, esc = false;

		code += ',';
		for (let i = 0; i < code.length; i++) {
			if (esc) {
				esc = false;
				continue;
			}
			const c = code.charCodeAt(i);
			if (c == 92) {
				esc = true;
			} else if (c == 40 || c == 44) {
				if (depth <= 0) {
					if (pos < i) {
						const label = code.substring(pos, i)
						    .replace(/\\(.)/g, '$1').trim();

						if (label && !isNaN(label)) {
							stack.push(parseFloat(label));
						} else if (/^(['"]).*\1$/.test(label)) {
							stack.push(label.slice(1, -1));
						} else if (typeof(types[label]) == 'function') {
							stack.push(types[label]);
							stack.push(null);
						} else {
							throw new SyntaxError('Unhandled token "' + label + '"');
						}
					}
					pos = i + 1;
				}
				depth += (c == 40);
			} else if (c == 41) {
				if (--depth <= 0) {
					if (typeof(stack[stack.length - 2]) != 'function')
						throw new SyntaxError('Argument list follows non-function');
					stack[stack.length - 1] = compile(code.substring(pos, i));
					pos = i + 1;
				}
			}
		}
		return stack;
	}

	/* the top level: the first function with its arguments */
	function test(code, value) {
		const st = compile(code);
		const ctx = { value: String(value) };
		return !!st[0].apply(ctx, st[1] || []);
	}

	/* names and literal arguments, for the range analysis */
	function tree(code) {
		const st = compile(code), out = [];
		for (let i = 0; i < st.length; i++) {
			if (typeof(st[i]) == 'function') {
				const name = Object.keys(types).find((k) => types[k] === st[i]);
				const args = st[i + 1] || [];
				out.push({ name, args: args.filter((a) => typeof(a) != 'function'),
				    sub: args.some((a) => typeof(a) == 'function') ?
				        tree(argsSource(code, name)) : [] });
				i++;
			}
		}
		return out;
	}

	/* the text inside name(...) at the top level of code */
	function argsSource(code, name) {
		const i = code.indexOf(name + '(');
		let depth = 0;
		for (let j = i + name.length; j < code.length; j++) {
			if (code[j] == '(')
				depth++;
			else if (code[j] == ')' && --depth == 0)
				return code.substring(i + name.length + 1, j);
		}
		return '';
	}

	return { compile, test, tree };
}

/*
 * What a uint datatype allows: integer-only and the bounds, from the
 * top-level expression (and() of integer/uinteger/range/min/max).
 */
function uintBounds(V, code) {
	let nodes = V.tree(code);
	let integer = false, unsigned = false, lo = -Infinity, hi = Infinity;

	if (nodes.length == 1 && nodes[0].name == 'and')
		nodes = nodes[0].sub;
	for (const n of nodes) {
		switch (n.name) {
		case 'uinteger': integer = unsigned = true; break;
		case 'integer': integer = true; break;
		case 'range': lo = Math.max(lo, n.args[0]); hi = Math.min(hi, n.args[1]); break;
		case 'min': lo = Math.max(lo, n.args[0]); break;
		case 'max': hi = Math.min(hi, n.args[0]); break;
		default: return null;	/* or(), hostname... not a plain number */
		}
	}
	if (unsigned)
		lo = Math.max(lo, 0);
	return integer ? { lo, hi } : null;
}

/* ---------------------------------------------------------------------------
 * The daemon's side: schema and verdicts from $CONFCHECK.
 */

function readSchema(bin) {
	const out = child.execFileSync(bin, [ '--schema' ], { encoding: 'utf8' });
	const schema = {};

	for (const line of out.split('\n')) {
		const w = line.trim().split(/\s+/);
		if (w.length < 3 || w[0] === '')
			continue;
		const e = { section: w[0], name: w[1], kind: w[2] };
		/* the row's default, list items comma-separated */
		if (w.length > 3 && w[w.length - 1].startsWith('default=')) {
			const d = w.pop().slice('default='.length);
			e.dflt = LIST_KINDS.includes(e.kind) ? d.split(',') : d;
		}
		if (e.kind == 'uint') {
			e.lo = +w[3];
			e.hi = +w[4];
		} else if (e.kind == 'enum') {
			e.choices = w.slice(3);
		}
		schema[e.section + '.' + e.name] = e;
	}
	return schema;
}

const LIST_KINDS = [ 'address_list', 'cidr_list', 'pin_list' ];

function uciQuote(v) {
	return "'" + String(v).replace(/'/g, "'\\''") + "'";
}

/*
 * A valid configuration with one option set to value; the option under
 * test replaces the base line of the same name.  Returns null when value
 * cannot be written as one UCI line.
 */
function configWith(entry, value, present) {
	const base = {
		dotfwd: {},
		upstream: { address: '9.9.9.9', auth_name: 'dns.quad9.net' },
		server: { listen: '127.0.0.1:8853', cert: '/tmp/c.pem', key: '/tmp/k.pem' }
	};
	const baseLists = [ 'address', 'listen' ];
	const secs = { dotfwd: "config dotfwd 'main'", upstream: "config upstream 'u'" };
	/* a second upstream keeps one enabled when the first is disabled */
	const tail = "config upstream 'v'\n\tlist address '149.112.112.112'\n" +
	    "\toption auth_name 'dns.quad9.net'\n";
	let text = '';

	if (value != null && /[\n\r\0]/.test(value))
		return null;
	if (entry.section == 'server') {
		secs.server = "config server 's'";
		/* the daemon refuses a server address main listens on too: a
		 * rule across sections, out of the way of the samples */
		base.dotfwd = { listen: '127.0.0.2:53' };
	}
	for (const type of Object.keys(secs)) {
		const opts = Object.assign({}, base[type]);
		const isList = (name) => (type == entry.section && name == entry.name) ?
		    LIST_KINDS.includes(entry.kind) : baseLists.includes(name);

		if (type == entry.section) {
			if (present === false)
				delete opts[entry.name];
			else
				opts[entry.name] = value;
		}
		text += secs[type] + '\n';
		for (const name of Object.keys(opts))
			text += '\t' + (isList(name) ? 'list ' : 'option ') + name + ' ' +
			    uciQuote(opts[name]) + '\n';
	}
	return text + tail;
}

function makeDaemon(orig) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'luci-dotfwd-'));
	const file = path.join(dir, 'dotfwd.conf');
	const bin = path.join(dir, 'confcheck');
	let n = 0;

	/* a private copy: a parallel build may replace the original */
	fs.copyFileSync(orig, bin);
	fs.chmodSync(bin, 0o755);

	return {
		/* true when the configuration is valid (exit 0) */
		accepts(text) {
			fs.writeFileSync(file, text);
			n++;
			const r = child.spawnSync(bin, [ file ], { encoding: 'utf8' });
			if (r.error)
				throw r.error;
			if (r.status != 0 && r.status != 1)
				throw new Error(bin + ' exited ' + r.status + ': ' + r.stderr);
			return r.status == 0;
		},
		bin,
		count() { return n; },
		cleanup() { fs.rmSync(dir, { recursive: true, force: true }); }
	};
}

/*
 * Samples per schema kind.  accept: both must accept.  reject: both must
 * refuse.  uiOnlyRejects: the page is deliberately stricter.
 */
const PIN_OK = 'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
const SAMPLES = {
	address_list: {
		accept: [ '1.1.1.1', '1.1.1.1:853', '9.9.9.9:1', '9.9.9.9:65535',
		    '255.255.255.255:53', '0.0.0.0:53', '[2606:4700:4700::1111]',
		    '[2606:4700:4700::1111]:853', '2606:4700:4700::1111', '[::1]:5453',
		    '::1', '::', '[::ffff:1.2.3.4]:853', '1:2:3:4:5:6:7:8',
		    '[1:2:3:4:5:6:7::]:53', '[::2:3:4:5:6:7:8]:53', '1.1.1.1:0853',
		    '[fe80::1]:53', '[2001:DB8::A]:53' ],
		reject: [ '', 'dns.quad9.net', 'dns.quad9.net:853', '1.1.1', '1.1.1.1.1',
		    '256.1.1.1', '01.1.1.1', '1.1.1.1:', '1.1.1.1:0', '1.1.1.1:65536',
		    '1.1.1.1:99999999999', '1.1.1.1:+53', '1.1.1.1:0x35', ' 1.1.1.1',
		    '1.1.1.1 ', '[1.1.1.1]:53', '[::1', '::1]:53', '[::1]:',
		    '[::1]]:53', '[::1]x', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1:2',
		    '12345::1', 'fe80::1%eth0', '[fe80::1%eth0]:53', '::1.2.3',
		    '1.2.3.4::1', '2001:db8::1:53:x', '1.1.1.1/32', '[::1]/128',
		    'g::1' ]
	},
	cidr_list: {
		accept: [ '10.0.0.0/8', '192.168.1.0/24', '10.0.0.1/8', '1.2.3.4',
		    '0.0.0.0/0', '::/0', 'fc00::/7', '::1', '::1/128', '10.0.0.0/032',
		    'fe80::/10' ],
		reject: [ '', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/-1',
		    '10.0.0.0/8/8', '10.0.0/8', 'lan', '10.0.0.0/255.0.0.0',
		    '[::1]/128', '01.0.0.0/8', '10.0.0.0/ 8' ]
	},
	pin_list: {
		accept: [ PIN_OK, 'sha256/' + 'A'.repeat(43) + '=',
		    'sha256/' + '/'.repeat(42) + '8=' ],
		reject: [ '', PIN_OK.slice(7), 'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF=',
		    'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=',
		    'sha256/47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=',
		    'sha1/2jmj7l5rSw0yVb/vlWAYkK/YBwk=', 'SHA256/' + PIN_OK.slice(7),
		    'sha256/47deqpj8hbsa+/timw+5jceuqerkm5nmpjwzg3hsufu',
		    PIN_OK + ' ', PIN_OK.replace('=', '==') ]
	},
	hostname: {
		accept: [ 'cloudflare-dns.com', 'dns.quad9.net', 'dns.quad9.net.',
		    'localhost', 'a', 'xn--80ak6aa92e.com', 'a-b.c', '1dot1dot1dot1.cloudflare-dns.com',
		    'x.' + 'a'.repeat(63) + '.com', ('a'.repeat(49) + '.').repeat(5) + 'abc' ],
		reject: [ '', '1.1.1.1', '2606:4700::1111', '[::1]', 'dns_quad9.net',
		    '_dns.example', '-a.example', 'a-.example', 'a..b', '.a', 'a..',
		    'x.' + 'a'.repeat(64) + '.com', ('a'.repeat(49) + '.').repeat(5) + 'abcd',
		    'dns.example.1', 'dns.9', 'a b', 'dns.example:853', 'caf\u00e9.example', '1234' ]
	},
	path: {
		accept: [ '/etc/ssl/certs/ca-certificates.crt', '/etc/dotfwd/ca.pem',
		    '/a b', '/' + 'x'.repeat(254) ],
		reject: [ '/a\tb', '/a\x7fb', '/' + 'x'.repeat(255) ],
		uiOnlyRejects: [ 'ca.pem', './ca.pem' ]
	}
};

function uintSamples(e) {
	const accept = [ String(e.lo), String(e.hi), String(Math.floor((e.lo + e.hi) / 2)) ];
	const reject = [ String(e.hi + 1), '-1', '+' + e.lo, e.lo + '.0', '1.5', '0x10',
	    ' ' + e.lo, e.lo + ' ', 'abc', '1e3', '00000000001' ];

	if (e.lo > 0)
		reject.push(String(e.lo - 1));
	if (e.lo <= 7 && 7 <= e.hi)
		accept.push('007');
	return { accept, reject };
}

/* Listen addresses need a port; these are valid upstream addresses only. */
const PORTLESS = [ '1.1.1.1', '[2606:4700:4700::1111]', '2606:4700:4700::1111',
    '::1', '::', '1:2:3:4:5:6:7:8' ];

function samplesFor(e) {
	if (e.kind == 'uint')
		return uintSamples(e);
	/* one address (server backend): the list's samples, one at a time */
	if (e.kind == 'address')
		return Object.assign({}, SAMPLES.address_list);
	const smp = Object.assign({ accept: [], reject: [] }, SAMPLES[e.kind]);
	if (e.kind == 'address_list' && e.name == 'listen')
		return {
			accept: smp.accept.filter((v) => !PORTLESS.includes(v)),
			reject: smp.reject.concat(PORTLESS)
		};
	return smp;
}

/* The page's verdict on one value: datatype, then validate(). */
function uiAccepts(V, o, value) {
	if (o.datatype != null && !V.test(o.datatype, value))
		return false;
	if (typeof(o.validate) == 'function')
		return o.validate('cfg01', o.__kind == 'DynamicList' ? [ value ] : value) === true &&
		    o.validate('cfg01', value) === true;
	return true;
}

/* ---------------------------------------------------------------------------
 * Checks.
 */

async function main() {
	const bin = process.env.CONFCHECK ||
	    (fs.existsSync('build/host-asan/confcheck') ? 'build/host-asan/confcheck' : '');
	let haveBin = false;
	try {
		fs.accessSync(bin, fs.constants.X_OK);
		haveBin = bin !== '';
	} catch (e) {
		if (process.env.CONFCHECK)
			report(false, 'confcheck', 'CONFCHECK=' + bin + ' is not executable');
	}
	const V = makeValidator();

	/* -- JSON, menu, ACL, Makefile ------------------------------------ */

	let menu = null, acl = null;
	await check('json', (p) => {
		const files = [];
		(function walk(d) {
			for (const f of fs.readdirSync(d, { withFileTypes: true }))
				if (f.isDirectory())
					walk(path.join(d, f.name));
				else if (f.name.endsWith('.json'))
					files.push(path.join(d, f.name));
		})(APP);
		if (files.length < 2)
			p.push('expected menu.d and acl.d JSON, found ' + files.length);
		for (const f of files) {
			try {
				JSON.parse(fs.readFileSync(f, 'utf8'));
			} catch (e) {
				p.push(f + ': ' + e.message);
			}
		}
		menu = readJSON(MENU);
		acl = readJSON(ACL);
	});

	await check('menu', (p) => {
		const keys = Object.keys(menu || {});
		if (keys.length != 1 || keys[0] != 'admin/services/dotfwd')
			p.push('menu keys: ' + JSON.stringify(keys));
		const e = (menu || {})['admin/services/dotfwd'] || {};
		if (typeof(e.title) != 'string' || e.title === '')
			p.push('no title');
		if (!e.action || e.action.type != 'view')
			p.push('action.type is not "view"');
		const viewFile = APP + '/htdocs/luci-static/resources/view/' +
		    ((e.action || {}).path || '') + '.js';
		if (!fs.existsSync(viewFile))
			p.push('action.path names no file: ' + viewFile);
		else if (path.normalize(viewFile) != path.normalize(VIEW))
			p.push('action.path is not the settings view: ' + viewFile);
		const dep = e.depends || {};
		if (!Array.isArray(dep.acl) || !sameSet(dep.acl, Object.keys(acl || {})))
			p.push('depends.acl ' + JSON.stringify(dep.acl) +
			    ' is not the ACL group ' + JSON.stringify(Object.keys(acl || {})));
		if (!dep.uci || dep.uci.dotfwd !== true)
			p.push('depends.uci.dotfwd is not true');
	});

	await check('acl', (p) => {
		const keys = Object.keys(acl || {});
		if (keys.length != 1 || keys[0] != 'luci-app-dotfwd')
			return p.push('ACL groups: ' + JSON.stringify(keys));
		const g = acl['luci-app-dotfwd'];
		const extra = Object.keys(g).filter((k) => ![ 'description', 'read', 'write' ].includes(k));
		if (extra.length)
			p.push('unexpected keys: ' + extra.join(', '));
		const want = {
			read: { 'cgi-io': [ 'exec' ],
			    file: { [STATUS_CMD + ' ' + STATUS_ARGS.join(' ')]: [ 'exec' ],
				[HANDOVER_FILE]: [ 'read' ] },
			    ubus: { file: [ 'read' ], 'luci.dotfwd': [ 'check' ] },
			    uci: [ 'dotfwd' ] },
			write: { uci: [ 'dotfwd' ] }
		};
		for (const mode of [ 'read', 'write' ]) {
			const got = g[mode] || {};
			if (JSON.stringify(Object.keys(got).sort()) !=
			    JSON.stringify(Object.keys(want[mode]).sort()))
				p.push(mode + ': scopes ' + JSON.stringify(Object.keys(got)) +
				    ', want ' + JSON.stringify(Object.keys(want[mode])));
			if (JSON.stringify(got.uci) != JSON.stringify(want[mode].uci))
				p.push(mode + '.uci: ' + JSON.stringify(got.uci));
			for (const sc of [ 'file', 'ubus', 'cgi-io' ])
				if (JSON.stringify(got[sc]) != JSON.stringify(want[mode][sc]))
					p.push(mode + '.' + sc + ': ' + JSON.stringify(got[sc]) +
					    ', want ' + JSON.stringify(want[mode][sc]));
		}
		/* fnmatch() patterns would widen the grant */
		for (const mode of [ 'read', 'write' ])
			for (const f of Object.keys((g[mode] || {}).file || {}))
				if (/[*?\[]/.test(f))
					p.push(mode + '.file: pattern ' + f);
	});

	await check('makefile', (p) => {
		const mk = fs.readFileSync(MAKEFILE, 'utf8');
		const v = (name) => {
			const m = new RegExp('^' + name + '\\s*:?=\\s*(.*)$', 'm').exec(mk);
			return m ? m[1].trim() : null;
		};
		if (!v('LUCI_TITLE'))
			p.push('no LUCI_TITLE');
		if (!/(^|\s)\+dotfwd(\s|$)/.test(v('LUCI_DEPENDS') || ''))
			p.push('LUCI_DEPENDS lacks +dotfwd');
		if (!/^include \$\(TOPDIR\)\/rules\.mk$/m.test(mk))
			p.push('no include $(TOPDIR)/rules.mk');
		if (!/^include (\.\.\/\.\.\/luci\.mk|\$\(TOPDIR\)\/feeds\/luci\/luci\.mk)$/m.test(mk))
			p.push('no include of luci.mk');
		if (!/^# call BuildPackage - OpenWrt buildroot signature$/m.test(mk))
			p.push('no "# call BuildPackage" signature (include/scan.mk)');
		/* make keeps trailing blanks of a value with a "# comment" */
		if (/^[A-Z_]+\s*:?=.*\S\s+#/m.test(mk))
			p.push('a comment after a value');
	});

	/* -- load the view ------------------------------------------------- */

	const domkit = makeDom();
	const formkit = makeForm(domkit);
	const CONF_FILE = '/etc/config/dotfwd';
	const VERDICT_OK = { valid: true, file: CONF_FILE, messages: [] };
	const VERDICT_BAD = { valid: false, file: CONF_FILE, messages: [
	    CONF_FILE + ":2: no enabled upstream: add a 'config upstream' section with address and auth_name",
	    CONF_FILE + ':9: <b>evil</b> "quoted"' ] };
	const behaviour = {
		current: () => Promise.resolve(''),
		read: () => Promise.reject(new Error('NotFoundError')),
		check: () => Promise.resolve(VERDICT_OK),
		rpc(spec, args) {
			if (spec.object == 'luci.dotfwd' && spec.method == 'check')
				return Promise.resolve().then(() => this.check(args));
			return Promise.reject(new Error('rpc stand-in: no ' +
			    spec.object + '.' + spec.method));
		}
	};
	const fskit = makeFs(behaviour);
	const rpckit = makeRpc(behaviour);
	const pollkit = makePoll();
	const viewkit = makeView();
	const uikit = makeUi();
	const ucikit = makeUci();
	const modules = {
		view: viewkit.view, form: formkit.form, fs: fskit.fs,
		rpc: rpckit.rpc, poll: pollkit.poll, dom: domkit.dom,
		uci: ucikit, ui: uikit.ui, baseclass: { extend: viewkit.view.extend }
	};

	const HISTORY = {
		interval_s: 5, size: 120, samples: 6,
		queries: [ 10, 20, 0, 30, 40, 50 ],
		answered: [ 10, 15, 0, 25, 40, 45 ],
		servfail: [ 0, 5, 0, 5, 0, 5 ],
		rtt_ms: [
			{ address: '1.1.1.1:853', auth_name: 'cloudflare-dns.com',
			    ms: [ 12, 14, 0, 0, 20, 10 ] },
			{ address: '[2620:fe::fe]:853', auth_name: 'dns.quad9.net',
			    ms: [ 0, 0, 0, 0, 0, 0 ] }
		]
	};
	const STATUS_OK = {
		uptime: 93784, clock_synced: true,
		totals: { queries: 1200, answered: 1190, servfail: 10 },
		upstreams: [
			{ address: '1.1.1.1:853', auth_name: 'cloudflare-dns.com', state: 'up',
			    rtt_ms: 12, queries: 800, failures: 1, backoff_ms: 0,
			    retry_in_ms: 0, last_error: '' },
			{ address: '[2620:fe::fe]:853', auth_name: 'dns.quad9.net', state: 'down',
			    rtt_ms: 0, queries: 400, failures: 9, backoff_ms: 8000,
			    retry_in_ms: 7200,
			    last_error: '<img src=x onerror=alert(1)>certificate name mismatch' }
		],
		history: HISTORY
	};
	const statusWith = (o) => () => Promise.resolve(JSON.stringify(
	    Object.assign({}, STATUS_OK, o)));
	behaviour.current = statusWith({});

	const attr = (n, k) => ((n && n.attrs) || {})[k];
	const byId = (root, id) => domkit.find(root, (x) => attr(x, 'id') == id)[0];
	const cls = (n) => attr(n, 'class') || '';
	/* a fresh load() and render(), as when the page is opened */
	const openPage = async () => inst.render(await inst.load());

	let inst = null, loaded, node;
	const built = { sections: [], options: [] };
	const loadedOk = await check('load-view', async (p) => {
		const r = loadView(VIEW, modules, domkit);
		const names = r.deps.map((d) => d.module);
		for (const m of [ 'view', 'form' ])
			if (!names.includes(m))
				p.push("no 'require " + m + "'");
		if (viewkit.classes.length != 1 || r.cls !== viewkit.classes[0])
			return p.push('the file does not return the class made by view.extend()');
		inst = new r.cls();
		loaded = await inst.load();
		node = await inst.render(loaded);
		if (node == null)
			p.push('render() gave nothing');
		if (formkit.rec.maps.length != 1 || formkit.rec.maps[0].config != 'dotfwd')
			p.push('expected one form.Map of config "dotfwd", got ' +
			    JSON.stringify(formkit.rec.maps.map((m) => m.config)));
		/* what the first render() built; the status checks render again */
		built.sections = formkit.rec.sections.slice();
		built.options = formkit.rec.options.slice();
	});

	/* -- layout -------------------------------------------------------- */

	if (loadedOk) {
		await check('layout/title-first', (p) => {
			const top = node.children;
			const at = (pred) => top.findIndex((c) => domkit.find(c, pred).length > 0);
			const h2 = top[0];
			if (!h2 || h2.tag != 'h2' || domkit.text(h2) != 'DNS over TLS')
				p.push('the first element is not the page title: ' +
				    (h2 ? h2.tag + ' ' + domkit.text(h2) : 'none'));
			const status = at((x) => attr(x, 'id') == 'dotfwd-status');
			const graph = at((x) => attr(x, 'id') == 'dotfwd-graph');
			const verdict = at((x) => attr(x, 'id') == 'dotfwd-check');
			const map = at((x) => /(^|\s)cbi-map(\s|$)/.test(cls(x)));
			if (!(0 < status && status <= graph && graph < verdict && verdict < map))
				p.push('order title < status < graph < check < form not kept: ' +
				    JSON.stringify({ status, graph, verdict, map }));
			const m = formkit.rec.maps[0];
			if (m && m.title != null && m.title !== '')
				p.push('the form.Map has a title of its own (it would come ' +
				    'before the status): ' + m.title);
		});

		await check('layout/policy', (p) => {
			const o = built.options.find((x) => x.option == 'policy');
			if (!o)
				return p.push('no policy option');
			for (const l of o.labels)
				if (String(l).length > 16)
					p.push('a choice too long for a narrow select: ' + l);
			for (const w of [ 'Ordered', 'Round robin', 'Fastest' ])
				if (!String(o.description || '').includes(w + ':'))
					p.push('the description does not explain ' + w);
		});

		await check('layout/dialog-title', (p) => {
			const s = built.sections.find((x) => x.sectiontype == 'upstream');
			if (!s || typeof(s.modaltitle) != 'function')
				return p.push('the upstream section has no modaltitle function');
			ucikit.values.cfg0a = { auth_name: 'dns.quad9.net' };
			const t1 = String(s.modaltitle('cfg0a'));
			const t2 = String(s.modaltitle('cfg0b'));
			delete ucikit.values.cfg0a;
			if (!/upstream/i.test(t1) || !t1.includes('dns.quad9.net'))
				p.push('the dialog of dns.quad9.net is titled ' + JSON.stringify(t1));
			if (!/upstream/i.test(t2))
				p.push('the dialog of a new upstream is titled ' + JSON.stringify(t2));
		});

		/* every cell of a table with column titles says which column it
		 * is in (data-title), as LuCI's own tables do for phones */
		await check('layout/narrow', (p) => {
			const tables = domkit.find(node, (x) => x.tag == 'table');
			let labelled = 0;
			for (const t of tables) {
				const rows = t.children.filter((r) => r.tag == 'tr');
				const head = rows.find((r) => /table-titles/.test(cls(r)));
				if (!head)
					continue;
				const titles = head.children.map((c) => domkit.text(c));
				for (const r of rows) {
					if (r === head || /placeholder/.test(cls(r)))
						continue;
					r.children.forEach((c, i) => {
						if (attr(c, 'data-title') != titles[i])
							p.push('cell ' + JSON.stringify(domkit.text(c)) +
							    ' has data-title ' + JSON.stringify(attr(c, 'data-title')) +
							    ', its column ' + JSON.stringify(titles[i]));
						else
							labelled++;
					});
				}
			}
			if (labelled < 14)
				p.push('only ' + labelled + ' labelled cells (status and graph legends)');
		});
	}

	/* -- status ------------------------------------------------------- */

	const statusCalls = () => fskit.calls;
	if (loadedOk) {
		await check('status/command', (p) => {
			if (statusCalls().length == 0)
				p.push('load() ran no command');
			for (const c of statusCalls())
				if (!(c.method == 'read' && c.args[0] === HANDOVER_FILE) &&
				    (c.method != 'exec_direct' && c.method != 'exec' ||
				    c.args[0] !== STATUS_CMD ||
				    JSON.stringify(Array.from(c.args[1] || [])) != JSON.stringify(STATUS_ARGS)))
					p.push('unexpected call fs.' + c.method + '(' +
					    JSON.stringify(c.args.slice(0, 2)) + ')');
			if (!statusCalls().some((c) => c.method == 'read'))
				p.push('load() does not read ' + HANDOVER_FILE);
			for (const d of rpckit.declared)
				if (d.object != 'luci.dotfwd' || d.method != 'check')
					p.push('rpc.declare: ' + JSON.stringify(d));
		});

		await check('status/table', (p) => {
			const t = domkit.text(node);
			for (const u of STATUS_OK.upstreams)
				for (const k of [ 'address', 'auth_name', 'queries', 'failures' ])
					if (!t.includes(String(u[k])))
						p.push('status lacks upstream ' + k + ' ' + u[k]);
			for (const k of [ 'queries', 'answered', 'servfail' ])
				if (!t.includes(String(STATUS_OK.totals[k])))
					p.push('status lacks totals.' + k);
			if (!t.includes('12'))
				p.push('status lacks rtt_ms');
			if (!/\bup\b/.test(t) || !/down \(retry in 8 s\)/.test(t))
				p.push('upstream states not shown as "up" and "down (retry in 8 s)"');
			if (!t.includes('certificate name mismatch'))
				p.push('status lacks last_error');
			if (!/1d 2h 3m 4s/.test(t))
				p.push('uptime 93784 not shown as 1d 2h 3m 4s');
			if (/not running|not permitted/i.test(t) || !/\brunning\b/.test(t))
				p.push('does not say "running" (only) while the daemon answers');
			if (domkit.find(node, (n) => n.tag == 'table').length == 0)
				p.push('no table');
			if (domkit.find(byId(node, 'dotfwd-status'), (n) => n.tag == 'td' &&
			    domkit.text(n) == '1.1.1.1:853').length != 1)
				p.push('upstream address is not in a table cell');
		});

		await check('status/no-innerhtml', (p) => {
			for (const h of domkit.htmlChildren)
				if (/onerror|<img/.test(h))
					p.push('daemon text set as innerHTML: ' + h);
		});

		await check('status/poll', async (p) => {
			if (pollkit.added.length != 1)
				return p.push('poll.add called ' + pollkit.added.length + ' times');
			const execs = () => statusCalls().filter((c) => c.method != 'read').length;
			const reads = () => statusCalls().filter((c) => c.method == 'read').length;
			const before = execs(), rbefore = reads();
			behaviour.current = () => Promise.resolve('');
			await pollkit.added[0].fn();
			if (execs() != before + 1)
				p.push('the poll function ran no status command');
			if (reads() != rbefore + 1)
				p.push('the poll function did not read ' + HANDOVER_FILE);
			if (!/not running/i.test(domkit.text(node)))
				p.push('after a poll that found no daemon the page does not say "not running"');
			if (/1d 2h 3m 4s|Answers per second/.test(domkit.text(node)))
				p.push('after that poll the page still shows the old status or graph');
			behaviour.current = statusWith({});
			await pollkit.added[0].fn();
			if (!/1d 2h 3m 4s/.test(domkit.text(node)) ||
			    !/Answers per second/.test(domkit.text(node)))
				p.push('the next poll does not bring the status and graph back');
		});

		/* each state its own words: [ the exec's behaviour, must show,
		 * must not show ] */
		const perm = (msg) => () => {
			const e = new Error(msg);
			e.name = 'PermissionError';
			return Promise.reject(e);
		};
		const STATES = {
			'running': [ statusWith({}), /\brunning\b/, /not running|not permitted|could not/i ],
			'stopped/empty': [ () => Promise.resolve(''),
			    /dotfwd is not running\./, /not permitted|could not|uptime/i ],
			'stopped/garbage': [ () => Promise.resolve('dotfwd: cannot connect to the daemon\n'),
			    /not running \(it printed no status\)/, /not permitted/i ],
			'stopped/json-null': [ () => Promise.resolve('null'), /not running/, /not permitted/i ],
			'stopped/json-array': [ () => Promise.resolve('[]'), /not running/, /not permitted/i ],
			'stopped/running-false': [ () => Promise.resolve('{"running": false}'), /not running/, /not permitted/i ],
			'denied/cgi-io': [ perm('Exec permission denied'),
			    /Not permitted to read the status of dotfwd\. This login lacks cgi-io "exec" \(ACL group luci-app-dotfwd\); the router answered: Exec permission denied/,
			    /not running|running "\/usr/i ],
			'denied/command': [ perm('Access to command denied by ACL'),
			    /Not permitted.*lacks running "\/usr\/sbin\/dotfwd status" \(ACL group luci-app-dotfwd\)/,
			    /not running|cgi-io/i ],
			'denied/unknown-reason': [ perm(''),
			    /Not permitted.*lacks cgi-io "exec" and running "\/usr\/sbin\/dotfwd status"/,
			    /not running/i ],
			'not-installed': [ () => { const e = new Error('Executable not found');
			    e.name = 'NotFoundError'; return Promise.reject(e); },
			    /dotfwd is not installed: \/usr\/sbin\/dotfwd was not found/, /not running|permitted/i ],
			'error/rejected': [ () => Promise.reject(new Error('Failed to fetch')),
			    /could not be read: Failed to fetch/, /not running|permitted/i ],
			'error/throws': [ () => { throw new Error('sync'); },
			    /could not be read: sync/, /not running|permitted/i ]
		};
		for (const name of Object.keys(STATES)) {
			await check('status/state/' + name, async (p) => {
				behaviour.current = STATES[name][0];
				const n = await openPage();
				const t = domkit.text(byId(n, 'dotfwd-status')).replace(/\s+/g, ' ');
				if (!STATES[name][1].test(t))
					p.push('lacks ' + STATES[name][1] + ': ' + t.slice(0, 300));
				if (STATES[name][2].test(t))
					p.push('has ' + STATES[name][2] + ': ' + t.slice(0, 300));
				if (name != 'running' &&
				    domkit.find(byId(n, 'dotfwd-status'), (x) => x.tag == 'table').length)
					p.push('a status table without a running daemon');
			});
		}
		behaviour.current = statusWith({});

		const HO = {
			'off': [ () => Promise.reject(new Error('NotFoundError')),
			    /not handed over: it uses its own upstream servers/, /crash/i ],
			'active': [ () => Promise.resolve('state=active\nserver=127.0.0.1#5453\nsections=cfg01411c guest\nsince=1700000000\n'),
			    /handed over: it forwards to dotfwd \(127\.0\.0\.1#5453\) only/, /not handed over|crash/i ],
			'held': [ () => Promise.resolve('state=held\nserver=127.0.0.1#5453\n'),
			    /handed over to dotfwd \(127\.0\.0\.1#5453\), which is starting/, /crash/i ],
			'failed': [ () => Promise.resolve('state=failed\nserver=127.0.0.1#5453\nsections=cfg01411c\nsince=1700000000\n'),
			    /stopped after repeated crashes\..*still forwards to it \(127\.0\.0\.1#5453\), so DNS lookups fail/, /not handed over/ ],
			'garbage': [ () => Promise.resolve('<b>state=evil</b>\n'),
			    /not handed over/, /evil/ ],
			'empty': [ () => Promise.resolve(''), /not handed over/, /crash/i ]
		};
		for (const name of Object.keys(HO)) {
			await check('handover/' + name, async (p) => {
				behaviour.current = () => Promise.resolve('');
				behaviour.read = HO[name][0];
				const n = await openPage();
				const t = domkit.text(n).replace(/\s+/g, ' ');
				if (!HO[name][1].test(t))
					p.push('page lacks ' + HO[name][1] + ': ' + t.slice(0, 300));
				if (HO[name][2].test(t))
					p.push('page has ' + HO[name][2] + ': ' + t.slice(0, 300));
				const alerts = domkit.find(n, (x) => /alert-message danger/.test(cls(x)));
				if ((name == 'failed') != (alerts.length == 1))
					p.push('danger alerts: ' + alerts.length);
				for (const h of domkit.htmlChildren)
					if (/<b>|evil/.test(h))
						p.push('record text set as innerHTML: ' + h);
			});
		}
		behaviour.read = () => Promise.reject(new Error('NotFoundError'));
		behaviour.current = statusWith({});

		await check('status/partial', async (p) => {
			behaviour.current = () => Promise.resolve('{"uptime": 5}');
			const n = await openPage();
			const t = domkit.text(n);
			if (/not running/i.test(t) || !/5s/.test(t))
				p.push('a status without upstreams or totals is not shown: ' + t.slice(0, 200));
			if (!/keeps no history/.test(t))
				p.push('a status without history does not say so');
			behaviour.current = statusWith({});
		});
	}

	/* -- the graph ---------------------------------------------------- */

	const SVG_NS = 'http://www.w3.org/2000/svg';
	/* the points of a polyline, as numbers */
	const points = (n) => String(attr(n, 'points') || '').trim().split(/\s+/)
	    .map((xy) => xy.split(',').map(Number));

	if (loadedOk) {
		let pageNode;
		await check('graph/svg', async (p) => {
			behaviour.current = statusWith({});
			pageNode = await openPage();
			const g = byId(pageNode, 'dotfwd-graph');
			const svgs = domkit.find(g, (x) => x.tag == 'svg');
			if (svgs.length != 2)
				return p.push(svgs.length + ' svg elements, want 2 (answers, RTT)');
			for (const s of domkit.find(g, (x) => [ 'svg', 'polyline', 'line', 'text', 'circle' ].includes(x.tag)))
				if (s.ns !== SVG_NS)
					p.push('<' + s.tag + '> not made in the SVG namespace');
			const [ w, h ] = String(attr(svgs[0], 'viewBox')).split(' ').slice(2).map(Number);
			if (!(w > 0 && h > 0))
				return p.push('no viewBox: ' + attr(svgs[0], 'viewBox'));

			/* answers and SERVFAIL per second, filled to the baseline */
			const a = domkit.find(svgs[0], (x) => x.tag == 'polyline');
			if (a.length != 2)
				p.push(a.length + ' areas in the answers graph, want 2');
			for (const pl of a) {
				const pts = points(pl);
				if (pts.length != HISTORY.samples + 2)
					p.push('an area of ' + pts.length + ' points, want ' + (HISTORY.samples + 2));
				if (pts.some(([ x, y ]) => !(x >= 0 && x <= w && y >= 0 && y <= h)))
					p.push('a point outside the box: ' + attr(pl, 'points'));
				if (pts.length && Math.abs(pts[pts.length - 2][0] - w) > 0.5)
					p.push('the newest sample is not at the right edge');
			}
			/* 45 answers in 5 s = 9/s, the scale 10/s: 90% up */
			if (a.length && !points(a[0]).some(([ x, y ]) => Math.abs(y - (h - 0.9 * h)) <= 1))
				p.push('9 answers/s not drawn at 90% of the height: ' + attr(a[0], 'points'));
			const minutes = domkit.find(svgs[0], (x) => x.tag == 'text' &&
			    /^\d+m$/.test(domkit.text(x))).map((x) => domkit.text(x));
			if (minutes.join(' ') != '1m 2m 3m 4m 5m 6m 7m 8m 9m')
				p.push('minute marks of a 10 minute window: ' + minutes.join(' '));
			/* grid labels: a quarter of the scale each, exact */
			const grid = (s) => domkit.find(s, (x) => x.tag == 'text' &&
			    !/^\d+m$/.test(domkit.text(x))).map((x) => domkit.text(x)).join(', ');
			if (grid(svgs[0]) != '2.5 /s, 5 /s, 7.5 /s')
				p.push('grid of the answers graph (scale 10/s): ' + grid(svgs[0]));
			/* RTT of 20 ms at most: the scale 20, RTT graphs at least 10 */
			if (grid(svgs[1]) != '5 ms, 10 ms, 15 ms')
				p.push('grid of the RTT graph (scale 20 ms): ' + grid(svgs[1]));

			/* RTT: lines that break where an address had no answer */
			const r = domkit.find(svgs[1], (x) => x.tag == 'polyline');
			if (r.length != 2 || r.some((pl) => points(pl).length != 2))
				p.push('RTT of 12 14 - - 20 10 ms: want 2 lines of 2 points, got ' +
				    r.map((pl) => attr(pl, 'points')).join(' | '));
			if (r.some((pl) => !/fill:none/.test(attr(pl, 'style'))))
				p.push('RTT lines are filled');

			/* the legends: current, average, peak */
			const t = domkit.text(g).replace(/\s+/g, ' ');
			for (const want of [ 'Answers 9.0 /s 4.5 /s 9.0 /s', 'SERVFAIL 1.0 /s 0.5 /s 1.0 /s',
			    '1.1.1.1:853 (cloudflare-dns.com) 10 ms 14 ms 20 ms',
			    '[2620:fe::fe]:853 (dns.quad9.net) - - -',
			    '(10 minute window, 5 second interval)' ])
				if (!t.includes(want))
					p.push('legend lacks "' + want + '": ' + t.slice(0, 400));
			for (const h2 of domkit.htmlChildren)
				if (/<svg|<polyline/.test(h2))
					p.push('graph made through innerHTML');
		});

		const GRAPHS = {
			'no-samples': [ { history: Object.assign({}, HISTORY, { samples: 0,
			    queries: [], answered: [], servfail: [] }) }, /No samples yet: one comes every 5 seconds/ ],
			'not-running': [ null, /No graph while dotfwd does not answer/ ],
			'garbage': [ { history: { interval_s: 'x', size: -4, samples: 1e9,
			    answered: [ 'a', -5, null, 1e300 ], servfail: {}, rtt_ms: [ null, 7,
			    { address: '<b>x</b>', ms: [ 'z', 3 ] } ] } }, /Answers per second/ ]
		};
		for (const name of Object.keys(GRAPHS)) {
			await check('graph/' + name, async (p) => {
				behaviour.current = GRAPHS[name][0] ? statusWith(GRAPHS[name][0]) :
				    () => Promise.resolve('');
				const n = await openPage();
				const g = byId(n, 'dotfwd-graph');
				const t = domkit.text(g);
				if (!GRAPHS[name][1].test(t))
					p.push('lacks ' + GRAPHS[name][1] + ': ' + t.slice(0, 300));
				for (const pl of domkit.find(g, (x) => x.tag == 'polyline'))
					if (points(pl).some(([ x, y ]) => !isFinite(x) || !isFinite(y)))
						p.push('a point that is not a number: ' + attr(pl, 'points'));
				for (const h of domkit.htmlChildren)
					if (/<b>/.test(h))
						p.push('daemon text set as innerHTML: ' + h);
			});
		}
		behaviour.current = statusWith({});
	}

	/* -- the check before apply ---------------------------------------- */

	if (loadedOk) {
		const checks = () => rpckit.calls.filter((c) => c.object == 'luci.dotfwd' &&
		    c.method == 'check').length;
		const verdictText = (n) => domkit.text(byId(n, 'dotfwd-check')).replace(/\s+/g, ' ');

		await check('check/on-load', async (p) => {
			behaviour.check = () => VERDICT_OK;
			const before = checks();
			let n = await openPage();
			if (checks() != before + 1)
				p.push('opening the page does not ask the daemon for its verdict');
			if (verdictText(n) !== '')
				p.push('a valid configuration shows: ' + verdictText(n));
			behaviour.check = () => VERDICT_BAD;
			n = await openPage();
			const t = verdictText(n);
			if (!t.includes(VERDICT_BAD.messages[0]) || !t.includes('"quoted"'))
				p.push('a refused configuration does not show the messages: ' + t);
			if (!/refuses this configuration/.test(t))
				p.push('does not say that dotfwd refuses it: ' + t);
			const box = domkit.find(byId(n, 'dotfwd-check'), (x) => /alert-message danger/.test(cls(x)));
			if (box.length != 1)
				p.push('not shown as one danger alert');
			for (const h of domkit.htmlChildren)
				if (/<b>evil/.test(h))
					p.push('a message set as innerHTML: ' + h);
			behaviour.check = () => VERDICT_OK;
			node = await openPage();
		});

		/* Save & Apply of a file with no enabled upstream: staged, checked,
		 * refused, not applied */
		await check('check/save-apply-refused', async (p) => {
			behaviour.check = () => VERDICT_BAD;
			const saves = formkit.rec.saves, n0 = checks(), a0 = uikit.applied.length;
			await inst.handleSaveApply(null, '0');
			if (formkit.rec.saves != saves + 1)
				p.push('the form was not saved (staged) first');
			if (checks() != n0 + 1)
				p.push('the daemon was not asked');
			if (uikit.applied.length != a0)
				p.push('applied although dotfwd refuses it');
			const t = verdictText(node);
			if (!t.includes(CONF_FILE + ':2: no enabled upstream') ||
			    !/nothing is applied/.test(t))
				p.push('the refusal is not shown next to the form: ' + t);
		});

		await check('check/save-apply-accepted', async (p) => {
			behaviour.check = () => VERDICT_OK;
			const a0 = uikit.applied.length;
			await inst.handleSaveApply(null, '0');
			await inst.handleSaveApply(null, '1');
			if (JSON.stringify(uikit.applied.slice(a0)) != '[true,false]')
				p.push('ui.changes.apply calls ' + JSON.stringify(uikit.applied.slice(a0)) +
				    ', want [true,false] (checked for mode "0")');
			if (verdictText(node) !== '')
				p.push('the old refusal is still shown: ' + verdictText(node));
		});

		await check('check/save-refused', async (p) => {
			behaviour.check = () => VERDICT_BAD;
			const saves = formkit.rec.saves, n0 = checks(), a0 = uikit.applied.length;
			await inst.handleSave(null);
			if (formkit.rec.saves != saves + 1 || checks() != n0 + 1)
				p.push('Save did not stage and check');
			if (uikit.applied.length != a0)
				p.push('Save applied');
			if (!verdictText(node).includes('no enabled upstream'))
				p.push('Save does not show the refusal');
		});

		await check('check/warnings', async (p) => {
			behaviour.check = () => ({ valid: true, file: CONF_FILE,
			    messages: [ CONF_FILE + ":7: warning: unknown option 'colour': ignored" ] });
			const a0 = uikit.applied.length;
			await inst.handleSaveApply(null, '0');
			if (uikit.applied.length != a0 + 1)
				p.push('a configuration with warnings only was not applied');
			if (!/accepts this configuration, with warnings.*unknown option/.test(verdictText(node)))
				p.push('the warnings are not shown: ' + verdictText(node));
		});

		const UNAVAILABLE = {
			'not-installed': [ 'RPC call to luci.dotfwd/check failed with error -32000: Object not found',
			    /could not be checked by dotfwd: the check is not installed yet: run \/etc\/init\.d\/rpcd reload/ ],
			'denied': [ 'RPC call to luci.dotfwd/check failed with error -32002: Access denied',
			    /could not be checked by dotfwd: not permitted: this login lacks ubus luci\.dotfwd "check" \(ACL group luci-app-dotfwd\)/ ],
			'no-verdict': [ null, /could not be checked by dotfwd: the check gave no verdict/ ]
		};
		for (const name of Object.keys(UNAVAILABLE)) {
			await check('check/unavailable/' + name, async (p) => {
				const msg = UNAVAILABLE[name][0];
				behaviour.check = () => {
					if (msg == null)
						return { valid: 'yes' };
					throw new Error(msg);
				};
				const a0 = uikit.applied.length;
				await inst.handleSaveApply(null, '0');
				if (uikit.applied.length != a0 + 1)
					p.push('not applied (the init script checks it again)');
				if (!UNAVAILABLE[name][1].test(verdictText(node)))
					p.push('lacks ' + UNAVAILABLE[name][1] + ': ' + verdictText(node));
			});
		}

		await check('check/form-invalid', async (p) => {
			behaviour.check = () => VERDICT_OK;
			formkit.rec.saveFails = true;
			const n0 = checks(), a0 = uikit.applied.length;
			let rejected = false;
			try {
				await inst.handleSaveApply(null, '0');
			} catch (e) {
				rejected = true;
			}
			formkit.rec.saveFails = false;
			if (!rejected)
				p.push('Save & Apply went on although the form could not be saved');
			if (checks() != n0 || uikit.applied.length != a0)
				p.push('checked or applied a form its validators refused');
		});
		behaviour.check = () => VERDICT_OK;
	}

	/* -- the ACL -------------------------------------------------------- */

	if (loadedOk) {
		await check('acl/restricted-user', (p) => {
			/* a user whose only ACL group is luci-app-dotfwd, read and
			 * write, checked the way rpcd grants (session.c: table
			 * notation scope/object/functions, array notation with the
			 * permission as function; fnmatch on both) and cgi-io,
			 * rpcd's file plugin and uhttpd's ubus handler ask */
			const grants = [];
			const g = (acl || {})['luci-app-dotfwd'] || {};
			for (const perm of [ 'read', 'write' ])
				for (const [ scope, v ] of Object.entries(g[perm] || {}))
					if (Array.isArray(v))
						for (const o of v)
							grants.push([ scope, o, perm ]);
					else
						for (const [ o, fns ] of Object.entries(v))
							for (const f of fns)
								grants.push([ scope, o, f ]);
			const allowed = (scope, obj, fn) => grants.some((x) =>
			    x[0] == scope && fnmatch(x[1], obj) && fnmatch(x[2], fn));
			const need = (scope, obj, fn, why) => {
				if (!allowed(scope, obj, fn))
					p.push(why + ': no grant for ' + [ scope, obj, fn ].join(' '));
			};
			for (const c of statusCalls()) {
				if (c.method == 'exec_direct' || c.method == 'exec') {
					need('cgi-io', 'exec', 'read', 'cgi-exec');
					need('file', [ c.args[0] ].concat(c.args[1] || []).join(' '),
					    'exec', 'cgi-exec ' + c.args[0]);
				} else if (c.method == 'read') {
					need('ubus', 'file', 'read', 'file.read');
					need('file', c.args[0], 'read', 'file.read ' + c.args[0]);
				}
			}
			if (rpckit.calls.length == 0)
				p.push('no rpc call recorded');
			for (const c of rpckit.calls)
				need('ubus', c.object, c.method, 'rpc ' + c.object + '.' + c.method);
			/* the check runs for read-only users too (on opening) */
			if (!grants.some((x) => x[0] == 'ubus' && x[1] == 'luci.dotfwd' &&
			    (g.read || {}).ubus && ((g.read.ubus['luci.dotfwd'] || []).includes('check'))))
				p.push('luci.dotfwd check is not in "read"');
			need('uci', 'dotfwd', 'read', 'uci get');
			need('uci', 'dotfwd', 'write', 'uci set');
			if (allowed('file', '/etc/shadow', 'read') ||
			    allowed('file', '/usr/sbin/dotfwd query x', 'exec') ||
			    allowed('uci', 'dhcp', 'read') ||
			    allowed('ubus', 'luci.dotfwd', 'other') ||
			    allowed('ubus', 'uci', 'apply'))
				p.push('the ACL grants more than the page needs');
		});

		await check('acl/plugin', (p) => {
			/* rpcd serves object NAME from the executable
			 * /usr/libexec/rpcd/NAME, whose "list" names the methods */
			for (const d of rpckit.declared) {
				const f = APP + '/root/usr/libexec/rpcd/' + d.object;
				let st = null;
				try {
					st = fs.statSync(f);
				} catch (e) {
					p.push('no plugin ' + f + ' for ' + d.object);
					continue;
				}
				if (!(st.mode & 0o111))
					p.push(f + ' is not executable');
				const out = child.execFileSync('sh', [ f, 'list' ], { encoding: 'utf8' });
				if (!(d.method in JSON.parse(out)))
					p.push(f + ' list: ' + out.trim() + ' lacks ' + d.method);
			}
		});
	}
	/* -- options against the daemon's table --------------------------- */

	if (!loadedOk)
		return finish();
	if (!haveBin) {
		if (!process.env.CONFCHECK)
			skip('schema', 'CONFCHECK not set and no build/host-asan/confcheck' +
			    ' (make BOARD=host-asan test-build)');
		return finish();
	}

	const daemon = makeDaemon(bin);
	const schema = readSchema(daemon.bin);
	const started = Date.now();
	const opts = built.options.filter((o) => !DISPLAY_CLASSES.includes(o.__kind));

	await check('schema/read', (p) => {
		if (Object.keys(schema).length == 0)
			p.push(bin + ' --schema printed nothing');
		if (!daemon.accepts(configWith({ section: 'dotfwd', name: 'enabled', kind: 'bool' }, '1')))
			p.push('the base configuration of this test is refused by ' + bin);
	});

	await check('sections', (p) => {
		const types = new Set(Object.values(schema).map((e) => e.section));
		for (const s of built.sections) {
			if (!types.has(s.sectiontype))
				p.push('section type "' + s.sectiontype + '" is not in the schema');
			if (s.sectiontype == 'dotfwd' && (s.__kind != 'NamedSection' || s.name != 'main'))
				p.push('the dotfwd section must be NamedSection "main"');
			/* any one server section, whatever its name; no second */
			if (s.sectiontype == 'server' && (s.__kind != 'TypedSection' ||
			    !s.anonymous || !s.addremove ||
			    typeof(s.renderSectionAdd) != 'function'))
				p.push('the server section must be an anonymous TypedSection ' +
				    'that can be added and removed, its add button hidden once ' +
				    'there is one');
		}
	});

	await check('options/unique', (p) => {
		const seen = new Set();
		for (const o of opts) {
			const k = o.section.sectiontype + '.' + o.option;
			if (seen.has(k))
				p.push('edited twice: ' + k);
			seen.add(k);
		}
	});

	for (const o of opts) {
		const key = o.section.sectiontype + '.' + o.option;
		const e = schema[key];

		await check('schema/' + key, (p) => {
			if (e == null)
				return p.push(key + ' is not in the daemon option table');
			const cls = o.__kind;
			const isList = LIST_KINDS.includes(e.kind);
			if (isList != (cls == 'DynamicList' || cls == 'MultiValue'))
				p.push(e.kind + ' edited as ' + cls + (isList ?
				    ' (a UCI list needs DynamicList)' : ' (writes a UCI list)'));
			if (o.datatype != null) {
				try {
					V.compile(o.datatype);
				} catch (err) {
					p.push('datatype "' + o.datatype + '": ' + err.message);
				}
			}
			switch (e.kind) {
			case 'uint': {
				if (cls != 'Value')
					p.push('uint edited as ' + cls);
				const b = o.datatype ? uintBounds(V, o.datatype) : null;
				if (b == null)
					p.push('datatype "' + o.datatype + '" is not an integer range');
				else if (b.lo < e.lo || b.hi > e.hi)
					p.push('datatype allows ' + b.lo + '..' + b.hi +
					    ', the daemon ' + e.lo + '..' + e.hi);
				else if (b.lo != e.lo || b.hi != e.hi)
					p.push('datatype narrows ' + e.lo + '..' + e.hi + ' to ' +
					    b.lo + '..' + b.hi);
				break;
			}
			case 'bool':
				if (cls != 'Flag')
					p.push('bool edited as ' + cls);
				break;
			case 'enum':
				if (cls != 'ListValue')
					p.push('enum edited as ' + cls);
				else if (!sameSet(o.values, e.choices))
					p.push('ListValue values ' + JSON.stringify(o.values) +
					    ', schema ' + JSON.stringify(e.choices));
				break;
			case 'hostname':
				if (cls != 'Value')
					p.push('hostname edited as ' + cls);
				if (!/(^|[(,])hostname([(,)]|$)/.test(o.datatype || ''))
					p.push('datatype "' + o.datatype + '" lacks hostname');
				break;
			case 'path':
				if (cls != 'Value' && cls != 'FileUpload')
					p.push('path edited as ' + cls);
				if (o.datatype != null && ![ 'string', 'file' ].includes(o.datatype))
					p.push('datatype "' + o.datatype + '" for a path');
				break;
			case 'address_list':
			case 'cidr_list':
			case 'pin_list':
			case 'address':
				if (typeof(o.validate) != 'function' && o.datatype == null)
					p.push(e.kind + ' without validation');
				break;
			default:
				p.push('unknown schema kind ' + e.kind);
			}
		});
	}

	/* what the page shows as a default is the daemon's own */
	for (const o of opts) {
		const key = o.section.sectiontype + '.' + o.option;
		const e = schema[key];
		if (e == null || e.dflt == null)
			continue;
		await check('default/' + key, (p) => {
			const want = [].concat(e.dflt);
			if (o.default != null && o.default !== '' &&
			    String([].concat(o.default)[0]) != want[0])
				p.push('default ' + JSON.stringify(o.default) +
				    ', the daemon\'s ' + JSON.stringify(e.dflt));
			if (o.placeholder != null && o.placeholder !== '' &&
			    String(o.placeholder) != want[0])
				p.push('placeholder ' + JSON.stringify(o.placeholder) +
				    ', the daemon\'s default ' + JSON.stringify(e.dflt));
		});
	}

	/* the options the daemon refuses to do without (in a server
	 * section, once there is one) */
	const required = new Set([ 'dotfwd.listen' ]);	/* the page's own rule */
	await check('required/daemon', (p) => {
		for (const e of Object.values(schema)) {
			const text = configWith(e, null, false);
			if (!daemon.accepts(text))
				required.add(e.section + '.' + e.name);
		}
		for (const k of [ 'upstream.address', 'upstream.auth_name',
		    'server.listen', 'server.cert', 'server.key' ])
			if (!required.has(k))
				p.push(k + ' is no longer required by the daemon; update this test');
	});
	for (const k of Array.from(required).sort()) {
		await check('required/' + k, (p) => {
			const o = opts.find((x) => x.section.sectiontype + '.' + x.option == k);
			if (o == null)
				return p.push(k + ' is required but the page does not edit it');
			if (o.rmempty !== false || o.optional)
				p.push(k + ': rmempty ' + o.rmempty + ', optional ' + o.optional +
				    ' (an empty field would delete it)');
			if (o.deps.length)
				p.push(k + ' has depends(): hidden means not written');
		});
	}

	/* every value the page can produce, and the samples, against the daemon */
	for (const o of opts) {
		const key = o.section.sectiontype + '.' + o.option;
		const e = schema[key];
		if (e == null)
			continue;
		await check('values/' + key, (p) => {
			const produced = [];
			if (o.__kind == 'Flag')
				produced.push(o.enabled != null ? String(o.enabled) : '1',
				    o.disabled != null ? String(o.disabled) : '0');
			if (o.__kind == 'ListValue')
				produced.push.apply(produced, o.values);
			if (o.default != null && o.default !== '')
				produced.push.apply(produced, [].concat(o.default).map(String));
			for (const v of produced)
				if (!daemon.accepts(configWith(e, v)))
					p.push('the page can write ' + JSON.stringify(v) +
					    ', the daemon refuses it');
			if (o.placeholder != null && o.placeholder !== '' &&
			    !daemon.accepts(configWith(e, String(o.placeholder))))
				p.push('placeholder ' + JSON.stringify(o.placeholder) +
				    ' is refused by the daemon');
			if (o.__kind == 'Flag' || o.__kind == 'ListValue')
				return;

			const smp = samplesFor(e);
			const uiOnly = smp.uiOnlyRejects || [];
			for (const v of smp.accept.concat(smp.reject, uiOnly)) {
				if (v === '')
					continue;	/* rmempty, checked in required/ */
				const text = configWith(e, v);
				if (text == null)
					continue;
				const d = daemon.accepts(text);
				const u = uiAccepts(V, o, v);
				const want = smp.accept.includes(v);
				if (u && !d)
					p.push('page accepts ' + JSON.stringify(v) + ', daemon refuses');
				else if (!u && d && !uiOnly.includes(v))
					p.push('page refuses ' + JSON.stringify(v) + ', daemon accepts');
				else if (d != want && !uiOnly.includes(v))
					p.push('sample ' + JSON.stringify(v) + ' expected ' +
					    (want ? 'valid' : 'invalid') + ' by the daemon (fix the sample list)');
				else if (uiOnly.includes(v) && (u || !d))
					p.push('sample ' + JSON.stringify(v) + ': expected page-only refusal');
			}
		});
	}

	/* listen needs a port in main; upstream addresses default to 853 */
	await check('values/listen-needs-port', (p) => {
		const o = opts.find((x) => x.section.sectiontype == 'dotfwd' && x.option == 'listen');
		if (o && uiAccepts(V, o, '127.0.0.1'))
			p.push('listen accepts an address without a port');
	});

	const notEdited = Object.keys(schema).filter((k) =>
	    !opts.some((o) => o.section.sectiontype + '.' + o.option == k));
	if (notEdited.length)
		console.log('# not edited by the page: ' + notEdited.join(' '));
	console.log('# ' + daemon.count() + ' configurations checked with ' + bin +
	    ' in ' + (Date.now() - started) + ' ms');
	daemon.cleanup();
	return finish();
}

function finish() {
	process.exitCode = nfail ? 1 : 0;
}

main().catch((e) => {
	report(false, 'harness', [ String(e && e.stack || e) ]);
	process.exitCode = 1;
});
