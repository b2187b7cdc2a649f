#!/bin/sh
# SPDX-License-Identifier: MIT
# dist.sh VERSION OUTDIR: the release tarball OUTDIR/dotfwd-VERSION.tar.gz
# (the OpenWrt package's PKG_SOURCE) from the files git tracks, as they
# are in the working tree.  Reproducible: sorted names, owner 0, every
# mtime the last commit's time, gzip without a name or time stamp, so the
# same tree always gives the same bytes (and the same PKG_HASH).  The
# commit time travels in board/source-date-epoch, which the Makefile reads
# when there is no git (the build date floor for certificate checks).
# Prints the tarball's path and sha256.
set -eu
umask 022
version=$1
out=$2
name=dotfwd-$version
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "dist: needs a git checkout (the tarball lists the files git tracks)" >&2
	exit 1
fi
epoch=$(git log -1 --format=%ct)
mkdir -p "$out"
stage=$(mktemp -d "${TMPDIR:-/tmp}/dotfwd-dist.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
# copy what git tracks (deleted-but-tracked files are skipped)
git ls-files -z | xargs -0 sh -c '
	for f; do
		[ -e "$f" ] || continue
		case $f in */*) mkdir -p "$0/${f%/*}" ;; esac
		cp -p "$f" "$0/$f"
	done' "$stage/$name"
echo "$epoch" >"$stage/$name/board/source-date-epoch"
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner \
    --mode='a+rX,u+w,go-w' --mtime="@$epoch" --format=gnu -cf - "$name" | gzip -9 -n >"$out/$name.tar.gz.tmp"
mv "$out/$name.tar.gz.tmp" "$out/$name.tar.gz"
echo "$out/$name.tar.gz"
sha256sum "$out/$name.tar.gz" | cut -d' ' -f1
