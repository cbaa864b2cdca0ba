#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Download (once) and unpack the newest Debian kernel of a series with its
# headers and kbuild tools, so that modules can be built against it and it
# can be booted in QEMU.  Everything lives under ~/.cache/dmem-backport.
#
# usage: scripts/fetch-kernel.sh 6.1|6.12
# prints the path of an env file with KVER, KDIR (build dir), ROOT, VMLINUZ
set -euo pipefail
series=${1:?usage: $0 6.1|6.12}
cache=${DMEM_CACHE:-$HOME/.cache/dmem-backport}
mkdir -p "$cache/debs"
envfile="$cache/kernel-$series.env"

if [ -s "$envfile" ]; then
	# shellcheck disable=SC1090
	. "$envfile"
	if [ -f "$KDIR/Makefile" ] && [ -f "$VMLINUZ" ]; then
		echo "$envfile"
		exit 0
	fi
fi

# the Debian image package of the series (kernels.tsv, column apt)
pat=$("$(dirname "$0")/kernels.sh" apt "$series") ||
	{ echo "unknown series $series (no Debian test kernel in kernels.tsv)" >&2; exit 2; }

lock="$cache/.fetch-$series.lock"
exec 9>"$lock"
flock 9

if ! apt-cache show linux-kbuild-6.1 >/dev/null 2>&1; then
	apt-get update -qq >&2
fi
img=$(apt-cache search --names-only "$pat" | awk '{print $1}' | sort -V | tail -n 1)
[ -n "$img" ] || { echo "no $series kernel image in the apt lists" >&2; exit 1; }
kver=${img#linux-image-}
kver=${kver%-unsigned}
hdr="linux-headers-$kver"
deps=$(apt-cache depends "$hdr" | awk '/Depends: linux-(headers|kbuild)-/ {print $2}')
pkgs="$img $hdr $deps"

root="$cache/kernel-$kver"
if [ ! -f "$root/.unpacked" ]; then
	(cd "$cache/debs" && for p in $pkgs; do
		ls "${p}"_*.deb >/dev/null 2>&1 || apt-get download -q "$p" >&2
	done)
	rm -rf "$root"
	mkdir -p "$root"
	for p in $pkgs; do
		f=$(ls "$cache/debs/${p}"_*.deb | sort -V | tail -n 1)
		dpkg -x "$f" "$root"
	done
	# The headers' top Makefile includes the common tree by absolute path.
	kdir="$root/usr/src/linux-headers-$kver"
	sed -i "s#include /usr/src/#include $root/usr/src/#" "$kdir/Makefile"
	# The kbuild package installs scripts under /usr/lib/linux-kbuild-*;
	# the headers link to them by absolute path: relink inside the root.
	find "$root/usr/src" -maxdepth 2 -type l | while read -r l; do
		t=$(readlink "$l")
		case "$t" in /*) ln -sfn "$root$t" "$l" ;; esac
	done
	touch "$root/.unpacked"
fi
kdir="$root/usr/src/linux-headers-$kver"
cat >"$envfile" <<EOT
KVER=$kver
ROOT=$root
KDIR=$kdir
VMLINUZ=$root/boot/vmlinuz-$kver
EOT
echo "$envfile"
