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
//    grants uci "dotfwd" read/write and exec of "/usr/sbin/dotfwd status",
//    nothing else; the Makefile has the luci.mk shape.
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
// 4. The status part: runs exactly /usr/sbin/dotfwd ["status"], renders the
//    JSON as a table, shows "not running" when the command fails or prints
//    nothing or garbage, and never puts daemon text into innerHTML.
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

	function Node(tag) {
		this.tag = tag;
		this.attrs = {};
		this.children = [];
	}

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

	return { E, dom, text, find, Node, htmlChildren };
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
	const rec = { maps: [], sections: [], options: [] };

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
		this.deps = [];
	}
	Option.prototype.value = function(key, title) {
		this.values.push(String(key));
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
	Map.prototype.save = function() { return Promise.resolve(); };

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
				return Promise.reject(new Error('fs.' + String(k) +
				    ' is not expected'));
			};
		}
	});
	return { fs: fsmod, calls };
}

function makeRpc() {
	const declared = [];
	return {
		declared,
		rpc: {
			declare(spec) {
				declared.push(spec);
				return function() {
					return Promise.reject(new Error('rpc stand-in'));
				};
			}
		}
	};
}

function makePoll() {
	const added = [];
	return { added, poll: { add(fn, interval) { added.push({ fn, interval }); return true; },
	    remove() { return true; }, start() {}, stop() {}, active() { return true; } } };
}

function makeUci() {
	return {
		load() { return Promise.resolve([ 'dotfwd' ]); },
		get() { return null; },
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
	ctx.document = {};

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
			read: { file: { [STATUS_CMD + ' ' + STATUS_ARGS.join(' ')]: [ 'exec' ] },
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
			if (JSON.stringify(got.file) != JSON.stringify(want[mode].file))
				p.push(mode + '.file: ' + JSON.stringify(got.file) +
				    ', want ' + JSON.stringify(want[mode].file));
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
	const behaviour = { current: () => Promise.resolve('') };
	const fskit = makeFs(behaviour);
	const rpckit = makeRpc();
	const pollkit = makePoll();
	const viewkit = makeView();
	const modules = {
		view: viewkit.view, form: formkit.form, fs: fskit.fs,
		rpc: rpckit.rpc, poll: pollkit.poll, dom: domkit.dom,
		uci: makeUci(), ui: {}, baseclass: { extend: viewkit.view.extend }
	};

	const STATUS_OK = {
		uptime: 93784, clock_synced: true,
		totals: { queries: 1200, answered: 1190, servfail: 10 },
		upstreams: [
			{ address: '1.1.1.1:853', auth_name: 'cloudflare-dns.com', state: 'up',
			    rtt_ms: 12, queries: 800, failures: 1, last_error: '' },
			{ address: '[2620:fe::fe]:853', auth_name: 'dns.quad9.net', state: 'down',
			    rtt_ms: 0, queries: 400, failures: 9,
			    last_error: '<img src=x onerror=alert(1)>certificate name mismatch' }
		]
	};
	behaviour.current = () => Promise.resolve(JSON.stringify(STATUS_OK));

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

	/* -- status ------------------------------------------------------- */

	const statusCalls = () => fskit.calls;
	if (loadedOk) {
		await check('status/command', (p) => {
			if (statusCalls().length == 0)
				p.push('load() ran no command');
			for (const c of statusCalls())
				if (c.method != 'exec_direct' && c.method != 'exec' ||
				    c.args[0] !== STATUS_CMD ||
				    JSON.stringify(Array.from(c.args[1] || [])) != JSON.stringify(STATUS_ARGS))
					p.push('unexpected call fs.' + c.method + '(' +
					    JSON.stringify(c.args.slice(0, 2)) + ')');
			if (rpckit.declared.length)
				p.push('rpc.declare: ' + JSON.stringify(rpckit.declared));
		});

		await check('status/table', (p) => {
			const t = domkit.text(node);
			for (const u of STATUS_OK.upstreams)
				for (const k of [ 'address', 'auth_name', 'state', 'queries', 'failures' ])
					if (!t.includes(String(u[k])))
						p.push('status lacks upstream ' + k + ' ' + u[k]);
			for (const k of [ 'queries', 'answered', 'servfail' ])
				if (!t.includes(String(STATUS_OK.totals[k])))
					p.push('status lacks totals.' + k);
			if (!t.includes('12'))
				p.push('status lacks rtt_ms');
			if (!t.includes('certificate name mismatch'))
				p.push('status lacks last_error');
			if (!/1d 2h 3m 4s/.test(t))
				p.push('uptime 93784 not shown as 1d 2h 3m 4s');
			if (/not running/i.test(t))
				p.push('says "not running" while the daemon answers');
			if (domkit.find(node, (n) => n.tag == 'table').length == 0)
				p.push('no table');
			if (domkit.find(node, (n) => n.tag == 'td' &&
			    domkit.text(n).includes('1.1.1.1:853')).length != 1)
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
			const before = statusCalls().length;
			behaviour.current = () => Promise.reject(new Error('exit 1'));
			await pollkit.added[0].fn();
			if (statusCalls().length != before + 1)
				p.push('the poll function ran no status command');
			if (!/not running/i.test(domkit.text(node)))
				p.push('after a failed poll the page does not say "not running"');
		});

		const cases = {
			'rejected': () => Promise.reject(new Error('Command failed')),
			'empty': () => Promise.resolve(''),
			'garbage': () => Promise.resolve('dotfwd: cannot connect to the daemon\n'),
			'json-null': () => Promise.resolve('null'),
			'json-array': () => Promise.resolve('[]'),
			'running-false': () => Promise.resolve('{"running": false}'),
			'throws': () => { throw new Error('sync'); }
		};
		for (const name of Object.keys(cases)) {
			await check('status/not-running/' + name, async (p) => {
				behaviour.current = cases[name];
				const st = await inst.load();
				const n = await inst.render(st);
				if (!/not running/i.test(domkit.text(n)))
					p.push('no "not running" for ' + name);
			});
		}

		await check('status/partial', async (p) => {
			behaviour.current = () => Promise.resolve('{"uptime": 5}');
			const n = await inst.render(await inst.load());
			const t = domkit.text(n);
			if (/not running/i.test(t) || !/5s/.test(t))
				p.push('a status without upstreams or totals is not shown: ' + t.slice(0, 200));
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
