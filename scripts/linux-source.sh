#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Download (once) and extract (once) Debian's linux-source-<series> into
# ~/.cache/dmem-backport/src/linux-source-<series>_<debian version>/ and
# print that directory.  Used for KUnit kernels and checkpatch.pl.
#
# usage: scripts/linux-source.sh 6.1|6.12
set -euo pipefail
series=${1:?usage: $0 6.1|6.12}
"$(dirname "$0")/kernels.sh" has-ci "$series" || { echo "usage: $0 6.1|6.12 (kernels.tsv: ci-guest)" >&2; exit 2; }
cache=${DMEM_CACHE:-$HOME/.cache/dmem-backport}
mkdir -p "$cache/debs" "$cache/src"

exec 8>"$cache/.source-$series.lock"
flock 8

deb=$(ls "$cache/debs/linux-source-${series}_"*.deb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$deb" ]; then
	echo "linux-source: downloading linux-source-$series" >&2
	apt-cache show "linux-source-$series" >/dev/null 2>&1 || apt-get update -qq >&2
	(cd "$cache/debs" && apt-get download -q "linux-source-$series" >&2)
	deb=$(ls "$cache/debs/linux-source-${series}_"*.deb | sort -V | tail -n 1)
fi
pkgver=$(dpkg-deb -f "$deb" Version)
tree="$cache/src/linux-source-${series}_$pkgver"
if [ ! -f "$tree/.extracted" ]; then
	echo "linux-source: extracting $(basename "$deb")" >&2
	rm -rf "$tree" "$tree.tmp"
	mkdir -p "$tree.tmp"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO "./usr/src/linux-source-$series.tar.xz" |
		xz -dc | tar -x -C "$tree.tmp"
	mv "$tree.tmp/linux-source-$series" "$tree"
	rmdir "$tree.tmp"
	touch "$tree/.extracted"
fi
echo "$tree"
