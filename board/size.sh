#!/bin/sh
# SPDX-License-Identifier: MIT
#
# size.sh O CROSS: size of O/dotfwd and the share of each part of it
# (dotfwd's own objects, BearSSL, libc, libgcc), read from the link map
# O/dotfwd.map: the sizes of the input sections that survived --gc-sections,
# split into code plus read-only data (text), writable data and bss.  Padding
# between sections is not attributed to any part.
# size.sh --line BOARD O: one line "BOARD FILE TEXT BEARSSL BEARSSL%" for
# the per-board table of `make size`.
# --packaged (before O): O/dotfwd is not stripped (custom board); FILE is
# what OpenWrt's default RSTRIP (sstrip -z) leaves of it: stripped, cut
# after the last byte a program header covers, trailing zeros dropped.
set -eu
line='' packaged=''
while [ $# -gt 0 ]; do
	case $1 in
	--line)		line=$2; shift 2 ;;
	--packaged)	packaged=1; shift ;;
	*)		break ;;
	esac
done
o=$1 cross=${2:-}
bin=$o/dotfwd elf=$o/dotfwd.elf map=$o/dotfwd.map
sz=${cross}size
command -v "$sz" >/dev/null 2>&1 || sz=size
re=${cross}readelf
command -v "$re" >/dev/null 2>&1 || re=readelf

# sstrip_size FILE: the bytes `sstrip -z` would leave of FILE
sstrip_size() {
	t=$(mktemp "${TMPDIR:-/tmp}/dotfwd-size.XXXXXX")
	st=${cross}strip
	command -v "$st" >/dev/null 2>&1 || st='strip'
	"$st" --strip-all -R .comment -o "$t" "$1"
	end=$("$re" -hlW "$t" | awk '
	function hex(s,   i, c, n) {
		n = 0; s = tolower(substr(s, 3))
		for (i = 1; i <= length(s); i++) {
			c = index("0123456789abcdef", substr(s, i, 1))
			if (c == 0) break
			n = n * 16 + c - 1
		}
		return n
	}
	/Start of program headers:/ { ph = $5 }
	/Size of program headers:/ { pe = $5 }
	/Number of program headers:/ { pn = $5; e = ph + pe * pn }
	$1 ~ /^[A-Z][A-Z0-9_]+$/ && $2 ~ /^0x/ && $5 ~ /^0x/ {
		if (hex($2) + hex($5) > e) e = hex($2) + hex($5)
	}
	END { print e + 0 }')
	z=$(head -c "$end" "$t" | od -An -v -tu1 | awk '
	{ for (i = 1; i <= NF; i++) z = ($i == 0) ? z + 1 : 0 }
	END { print z + 0 }')
	rm -f "$t"
	echo $((end - z))
}

if [ -n "$packaged" ]; then
	file=$(sstrip_size "$bin")
else
	file=$(wc -c <"$bin" | tr -d ' ')
fi
if [ -z "$line" ]; then
	echo "$bin: $file bytes (${packaged:+as packaged: }stripped file)"
	"$sz" "$elf" | sed 's/^/  /'
fi
[ -f "$map" ] || { echo "  (no link map $map)"; exit 0; }

awk -v file="$file" -v line="$line" '
function hex(s,   i, c, n) {
	n = 0; s = tolower(substr(s, 3))
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1))
		if (c == 0) break
		n = n * 16 + c - 1
	}
	return n
}
function add(sec, sz, obj,   k, g) {
	if (sec == "" || sz == 0) return
	k = (sec ~ /^\.(t?bss|sbss)/) ? "bss" : \
	    (sec ~ /^\.(s?data|got|init_array|fini_array|tdata)/) ? "data" : \
	    (sec ~ /^\.(text|rodata|eh_frame|gcc_except|init|fini|MIPS\.abiflags|reginfo)/) ? "text" : ""
	if (k == "") return
	g = (obj ~ /libbearssl\.a\(/) ? "BearSSL" : \
	    (obj ~ /libc\.a\(/) ? "libc" : \
	    (obj ~ /libgcc[^\/]*\.a\(/) ? "libgcc" : \
	    (obj ~ /crt[^\/]*\.o$/) ? "crt" : "dotfwd"
	sum[g, k] += sz
	tot[k] += sz
}
/^Linker script and memory map/ { inmap = 1; next }
!inmap { next }
/^[^ ]/ { out = $1; pend = ""; next }
/^ \*fill\*/ { next }
/^ [^ ]/ {
	if (NF == 1) { pend = $1; next }
	if ($2 ~ /^0x/ && $3 ~ /^0x/ && NF >= 4) add(out, hex($3), $4)
	pend = ""; next
}
pend != "" && $1 ~ /^0x/ && $2 ~ /^0x/ && NF >= 3 {
	add(out, hex($2), $3); pend = ""; next
}
END {
	if (line != "") {
		printf "%-32s %9d %9d %9d %6d%%\n", line, file, tot["text"], \
		    sum["BearSSL", "text"], \
		    tot["text"] ? 100 * sum["BearSSL", "text"] / tot["text"] : 0
		exit
	}
	printf "  from the link map (input sections kept by the linker, padding not counted):\n"
	printf "  %-8s %8s %7s %7s %7s\n", "part", "text", "data", "bss", "text%"
	n = split("dotfwd BearSSL libc libgcc crt", g, " ")
	for (i = 1; i <= n; i++)
		printf "  %-8s %8d %7d %7d %6d%%\n", g[i], sum[g[i], "text"], \
		    sum[g[i], "data"], sum[g[i], "bss"], \
		    tot["text"] ? 100 * sum[g[i], "text"] / tot["text"] : 0
	printf "  %-8s %8d %7d %7d\n", "total", tot["text"], tot["data"], tot["bss"]
}' "$map"
