#!/bin/sh
# SPDX-License-Identifier: MIT
#
# fetch.sh: third-party sources for the build, checked against pinned sha256.
#
#   fetch.sh get PKG DL_DIR            print the path of a verified tarball
#   fetch.sh unpack PKG DL_DIR DESTDIR unpack it into DESTDIR/PKG-VERSION/
#
# PKG is bearssl or musl.  A local tarball can be named with BEARSSL_SRC or
# MUSL_SRC (it must match one of the pins).  Otherwise the order is: a
# verified copy already in DL_DIR, the project's own release site (short
# timeout), then Debian's source package through the machine's own apt
# sources (a temporary deb-src list; the system's apt state is not touched).
# No mirror host is named here on purpose.
set -eu

# Pins.  Upstream and Debian tarballs hold the same code (Debian's bearssl
# "dfsg" orig only drops the prebuilt Windows T0Comp.exe; musl's orig is the
# upstream release file).  Read through eval below.
# shellcheck disable=SC2034
{
BEARSSL_VERSION=0.6
BEARSSL_URL=https://bearssl.org/bearssl-0.6.tar.gz
BEARSSL_FILE=bearssl-0.6.tar.gz
BEARSSL_SHA256=6705bba1714961b41a728dfc5debbe348d2966c117649392f8c8139efc83ff14
BEARSSL_DEB_FILE=bearssl_0.6+dfsg.1.orig.tar.xz
BEARSSL_DEB_SHA256=102a625bd8f6155260867a50c508df8d8c3f796985dd744df1a68e5cd1a79004

MUSL_VERSION=1.2.3
MUSL_URL=https://musl.libc.org/releases/musl-1.2.3.tar.gz
MUSL_FILE=musl-1.2.3.tar.gz
MUSL_SHA256=7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4
MUSL_DEB_FILE=musl_1.2.3.orig.tar.gz
MUSL_DEB_SHA256=7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4
}

FETCH_TIMEOUT=${FETCH_TIMEOUT:-10}

msg() { echo "fetch: $*" >&2; }
die() { echo "fetch: error: $*" >&2; exit 1; }

usage() { die "usage: fetch.sh get|unpack bearssl|musl DL_DIR [DESTDIR]"; }

sha() { sha256sum "$1" | cut -d' ' -f1; }

# ok FILE: 0 if FILE matches one of the package's pins
ok() {
	[ -f "$1" ] || return 1
	h=$(sha "$1")
	[ "$h" = "$SHA" ] || [ "$h" = "$DEB_SHA" ]
}

try_upstream() {
	tmp="$DL/.$FILE.part"
	rm -f "$tmp"
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL --connect-timeout 5 --max-time "$FETCH_TIMEOUT" \
		    -o "$tmp" "$URL" 2>/dev/null || { rm -f "$tmp"; return 1; }
	elif command -v wget >/dev/null 2>&1; then
		wget -q -T "$FETCH_TIMEOUT" -t 1 -O "$tmp" "$URL" \
		    2>/dev/null || { rm -f "$tmp"; return 1; }
	else
		msg "no curl or wget; not trying $URL"
		return 1
	fi
	if [ "$(sha "$tmp")" != "$SHA" ]; then
		rm -f "$tmp"
		die "$URL: sha256 mismatch (want $SHA)"
	fi
	mv "$tmp" "$DL/$FILE"
}

# Debian source package via the system's own apt sources, deb-src only.
try_apt() {
	command -v apt-get >/dev/null 2>&1 || return 1
	t=$(mktemp -d)
	mkdir -p "$t/etc" "$t/lists/partial" "$t/dl"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed 's/^Types:.*/Types: deb-src/' "$f" > "$t/etc/${f##*/}"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^[[:space:]]*deb\([[:space:]]\)/deb-src\1/p' "$f" \
		    > "$t/etc/${f##*/}"
	done
	o="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$t/etc"
	o="$o -o Dir::State::Lists=$t/lists -o Dir::Cache::pkgcache="
	o="$o -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root"
	o="$o -o Acquire::Languages=none"
	# A third-party list without deb-src makes update fail; the download
	# and the sha256 check below are what counts.
	# shellcheck disable=SC2086
	apt-get $o -qq update >"$t/log" 2>&1 || true
	# shellcheck disable=SC2086
	if ! (cd "$t/dl" && apt-get $o -qq source --download-only "$PKG") \
	    >>"$t/log" 2>&1; then
		sed 's/^/fetch:   /' "$t/log" >&2
		rm -rf "$t"
		return 1
	fi
	if [ ! -f "$t/dl/$DEB_FILE" ]; then
		msg "apt-get source $PKG gave no $DEB_FILE:" \
		    "$(cd "$t/dl" && echo *)"
		rm -rf "$t"
		die "$PKG: the Debian source package has another version;" \
		    "give a tarball with ${VAR}_SRC="
	fi
	if [ "$(sha "$t/dl/$DEB_FILE")" != "$DEB_SHA" ]; then
		rm -rf "$t"
		die "$DEB_FILE from apt: sha256 mismatch (want $DEB_SHA)"
	fi
	mv "$t/dl/$DEB_FILE" "$DL/$DEB_FILE"
	rm -rf "$t"
}

# get: set TARBALL to a verified tarball
get() {
	eval "local_src=\${${VAR}_SRC:-}"
	if [ -n "$local_src" ]; then
		[ -f "$local_src" ] || die "${VAR}_SRC=$local_src: no such file"
		ok "$local_src" || die "${VAR}_SRC=$local_src: sha256 $(sha "$local_src") matches no pin ($SHA, $DEB_SHA)"
		TARBALL=$local_src
		return
	fi
	for f in "$DL/$FILE" "$DL/$DEB_FILE"; do
		if [ -f "$f" ]; then
			if ok "$f"; then
				TARBALL=$f
				return
			fi
			msg "$f: sha256 mismatch, removing it"
			rm -f "$f"
		fi
	done
	msg "$PKG: trying $URL"
	if try_upstream; then
		TARBALL=$DL/$FILE
		return
	fi
	msg "$PKG: not reachable; trying Debian's source package via apt"
	if try_apt; then
		TARBALL=$DL/$DEB_FILE
		return
	fi
	die "cannot download $PKG $VERSION: $URL is unreachable and" \
	    "'apt-get source $PKG' failed.  Download $FILE yourself and" \
	    "give it as ${VAR}_SRC=/path/to/$FILE (or a source tree as" \
	    "${VAR}_SRC=/path/to/dir, for BearSSL)."
}

[ $# -ge 3 ] || usage
MODE=$1 PKG=$2 DL=$3
case $PKG in
bearssl)	VAR=BEARSSL ;;
musl)		VAR=MUSL ;;
*)		usage ;;
esac
eval "VERSION=\$${VAR}_VERSION URL=\$${VAR}_URL FILE=\$${VAR}_FILE"
eval "SHA=\$${VAR}_SHA256 DEB_FILE=\$${VAR}_DEB_FILE DEB_SHA=\$${VAR}_DEB_SHA256"
mkdir -p "$DL"

# Serialise concurrent builds sharing DL_DIR.
if [ -z "${FETCH_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
	FETCH_LOCKED=1 exec flock "$DL/.lock" sh "$0" "$@"
fi

case $MODE in
get)
	get
	echo "$TARBALL"
	;;
unpack)
	[ $# -eq 4 ] || usage
	DEST=$4
	get
	dir="$DEST/$PKG-$VERSION"
	case $TARBALL in
	*.xz)	command -v xz >/dev/null 2>&1 ||
		    die "unpacking $TARBALL needs xz (Debian: apt-get install xz-utils)" ;;
	esac
	rm -rf "$dir"
	mkdir -p "$DEST"
	tar -xf "$TARBALL" -C "$DEST" || die "$TARBALL: cannot unpack"
	[ -d "$dir" ] || die "$TARBALL did not unpack to $dir"
	echo "$TARBALL" > "$dir/.dotfwd-unpacked"
	msg "$PKG $VERSION: unpacked $TARBALL into $dir"
	;;
*)
	usage
	;;
esac
