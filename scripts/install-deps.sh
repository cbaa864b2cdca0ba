#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install every Debian package the project needs (Debian 12, run as root).
# Only missing packages are installed; `apt-get update` runs at most once.
#
# usage: scripts/install-deps.sh
set -euo pipefail

pkgs=(
	# builds: module, kernels for KUnit, static guest programs
	gcc make libc6-dev bc flex bison libelf-dev libssl-dev perl python3
	kmod cpio xz-utils rsync
	# BTF for 6.12 module builds
	pahole dwarves
	# static analysis
	sparse
	# QEMU test bed
	qemu-system-x86 busybox-static libdrm-dev
	# the QEMU profiling plugin of make profile (tests/vm/bench/tbprof.c)
	libglib2.0-dev
	# fuzzing (tests/user)
	clang libfuzzer-14-dev libclang-rt-14-dev
	# packaging
	dkms dh-dkms debhelper dpkg-dev fakeroot rpm rpm2cpio debootstrap lintian rpmlint
	e2fsprogs openssl
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#pkgs[@]} packages present"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing ${missing[*]}; run as root" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
timings=${DMEM_CACHE:-$HOME/.cache/dmem-backport}/timings
mkdir -p "$timings"
echo "$(($(date +%s) - start))" >"$timings/install-deps.cold"
