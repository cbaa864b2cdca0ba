# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034 # globals shared with scripts/test-package.sh
# scripts/test-package.sh's installed system: mounts and chroots, the cached
# debootstrapped base root (its key hashes build_base, chroot_mount and
# in_chroot as written here), the guest's initramfs and init, its boot.
# Sourced by test-package.sh; uses its globals (work, cache, SUITE, MIRROR,
# SECURITY_MIRROR, BASE, mounts) and tests/vm/lib/qemu.sh.

# ------------------------------------------------------------- mounts
mount_add() { # mount_add TARGET MOUNT-ARGS...
	local target=$1
	shift
	mount "$@" "$target" && mounts+=("$target")
}

umount_all() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" 2>/dev/null || true
	done
	mounts=()
}

chroot_mount() { # chroot_mount ROOT: /proc /sys /dev /dev/pts for apt and dkms
	local r=$1
	mount_add "$r/proc" -t proc proc &&
		mount_add "$r/sys" -t sysfs sysfs &&
		mount_add "$r/dev" --bind /dev &&
		mount_add "$r/dev/pts" --bind /dev/pts
}

in_chroot() { # in_chroot ROOT COMMAND...
	local r=$1
	shift
	LC_ALL=C DEBIAN_FRONTEND=noninteractive INITRD=No \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$r" "$@"
}


# -------------------------------------------------- the cached base root
# Host's Debian mirror (the only network there is): URIs of active entries.
host_uris() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p'
	cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n'
}

host_mirror() {
	local m
	m=$(host_uris | grep -E '/debian/?$' | head -n 1)
	echo "${m:-http://deb.debian.org/debian}"
}

host_security_mirror() {
	local m
	m=$(host_uris | grep -E '/debian-security/?$' | head -n 1)
	echo "${m:-http://deb.debian.org/debian-security}"
}

# Newest Debian 6.12 kernel the archive offers (the one fetch-kernel.sh uses).
pick_kernel() {
	local img
	img=$(apt-cache search --names-only \
		'^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' |
		awk '{print $1}' | sort -V | tail -n 1)
	img=${img#linux-image-}
	echo "${img%-unsigned}"
}

# Everything in this function determines the base root; its text is part of
# the cache key, so changing it rebuilds the cache.
build_base() { # build_base DIR KVER
	local r=$1 kver=$2
	local debs=${DMEM_CACHE:-$HOME/.cache/dmem-backport}/debs
	mkdir -p "$cache/apt-archives/partial" "$cache/debootstrap-debs"
	echo "# step debootstrap $(date +%s)"
	# A throw-away test root: dpkg without an fsync per file (read by the
	# dpkg that debootstrap runs in the root, and later by apt's).
	mkdir -p "$r/etc/dpkg/dpkg.cfg.d"
	echo force-unsafe-io >"$r/etc/dpkg/dpkg.cfg.d/pkgtest-unsafe-io"
	nice debootstrap --variant=minbase --cache-dir="$cache/debootstrap-debs" \
		"$SUITE" "$r" "$MIRROR" || return 1
	echo "# step configure $(date +%s)"
	rm -f "$r"/var/cache/apt/archives/*.deb
	cat >"$r/etc/apt/sources.list" <<-EOT
		deb $MIRROR $SUITE main
		deb $MIRROR $SUITE-updates main
		deb $SECURITY_MIRROR $SUITE-security main
	EOT
	printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
		>"$r/etc/apt/apt.conf.d/90pkgtest"
	# No daemons in a chroot.
	printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
	chmod +x "$r/usr/sbin/policy-rc.d"
	echo pkgtest >"$r/etc/hostname"
	chroot_mount "$r" || return 1
	mount_add "$r/var/cache/apt/archives" --bind "$cache/apt-archives" || return 1
	# Reuse kernel packages fetch-kernel.sh already downloaded.
	cp -n "$debs"/linux-*"${kver%-amd64}"*.deb "$r/var/cache/apt/archives/" 2>/dev/null
	in_chroot "$r" apt-get update -q || return 1
	echo "# step kernel $(date +%s)"
	# INITRD=No: we boot with our own small initramfs.
	in_chroot "$r" nice apt-get install -y -q \
		"linux-image-$kver-unsigned" "linux-headers-$kver" \
		dkms openssl kmod xz-utils || return 1
	# dkms needs no more network after this; keep the image small.
	rm -rf "$r"/var/lib/apt/lists/*_dists_*
	umount_all
	echo "# step done $(date +%s)"
}

base_key() { # base_key KVER
	{
		declare -f build_base chroot_mount in_chroot
		echo "$SUITE $MIRROR $SECURITY_MIRROR $1"
	} | sha256sum | cut -c1-16
}

# Sets BASE to a base root with the kernel KVER installed.
ensure_base() { # ensure_base KVER
	local kver=$1 key dir
	key=$(base_key "$kver")
	dir=$cache/base-$key
	BASE=$dir
	BASE_BUILT=
	if [ -f "$dir/.pkgtest-ok" ]; then
		return 0
	fi
	BASE_BUILT=1
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	if ! build_base "$dir.tmp" "$kver" >"$work/base.log" 2>&1; then
		umount_all
		return 1
	fi
	# Step times, from the markers build_base logs.
	awk '$1 == "#" && $2 == "step" { if (p) printf "# base %s: %d s\n", p, $4 - t; p = $3; t = $4 }' \
		"$work/base.log"
	touch "$dir.tmp/.pkgtest-ok"
	# Older bases (made by other script versions) go.
	find "$cache" -maxdepth 1 -name 'base-*' ! -name "base-$key.tmp" \
		-exec rm -rf {} +
	mv "$dir.tmp" "$dir"
}

# ------------------------------------------------------------ the guest
# A tiny initramfs: busybox and the modules to mount an ext4 /dev/vda
# (tests/vm/lib/qemu.sh's cached base), then switch_root into the installed
# system with our init script.
make_initrd() { # make_initrd ROOT KVER OUT
	local r=$1 kver=$2 out=$3 d=$work/initrd base
	# the base root's name identifies its kernel build
	base=$(BUILD_ID=pkgtest-$(basename "$BASE") \
		qemu_base_initramfs "$r" "$kver" virtio_blk crc32c_generic ext4) || return 1
	rm -rf "$d"
	mkdir -p "$d/newroot"
	cat >"$d/init" <<-'EOT'
		#!/bin/busybox sh
		/bin/busybox --install -s /bin
		mount -t proc proc /proc
		mount -t sysfs sysfs /sys
		mount -t devtmpfs devtmpfs /dev
		while read -r m args; do
			insmod /lib/mods/$m $args || echo "PKGTEST insmod $m failed"
		done </lib/mods/order
		i=0
		while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		if ! mount -t ext4 -o ro /dev/vda /newroot; then
			echo "PKGTEST root mount failed"
			echo b >/proc/sysrq-trigger
		fi
		umount /proc /sys /dev
		exec switch_root /newroot /pkgtest-init
	EOT
	chmod +x "$d/init"
	qemu_cpio "$d" "$d.cpio" && cat "$base" "$d.cpio" >"$out"
}

# init= of the booted system: what a user does after installing the .deb.
write_guest_init() { # write_guest_init ROOT
	cat >"$1/pkgtest-init" <<-'EOT'
		#!/bin/sh
		export PATH=/usr/sbin:/usr/bin:/sbin:/bin
		mount -t proc proc /proc
		mount -t sysfs sysfs /sys
		mount -t devtmpfs devtmpfs /dev
		mount -t cgroup2 cgroup2 /sys/fs/cgroup
		echo "PKGTEST kernel $(uname -r)"
		modprobe qxl && echo "PKGTEST qxl loaded"
		if modprobe dmem_backport; then
			echo "PKGTEST modprobe ok"
		else
			echo "PKGTEST modprobe failed"
		fi
		lsmod | grep -q '^dmem_backport ' && echo "PKGTEST lsmod ok"
		echo "PKGTEST modinfo filename $(modinfo -F filename dmem_backport)"
		echo "PKGTEST param host $(cat /sys/module/dmem_backport/parameters/host)"
		for f in /sys/fs/cgroup/dmem.*; do
			[ -e "$f" ] && echo "PKGTEST file $(basename "$f")"
		done
		for f in /sys/fs/cgroup/dmem.capacity /sys/fs/cgroup/dmem.current; do
			[ -r "$f" ] && sed "s|^|PKGTEST $(basename "$f"): |" "$f"
		done
		# What dmemcg-booster does: enable dmem for the children.
		echo +dmem >/sys/fs/cgroup/cgroup.subtree_control &&
			echo "PKGTEST +dmem ok"
		mkdir /sys/fs/cgroup/pkgtest
		for f in /sys/fs/cgroup/pkgtest/dmem.*; do
			[ -e "$f" ] && echo "PKGTEST child file $(basename "$f")"
		done
		rmdir /sys/fs/cgroup/pkgtest
		dmesg | grep -i dmem_backport | sed 's/^/PKGTEST dmesg: /'
		modprobe -r dmem_backport && echo "PKGTEST unload ok"
		echo "PKGTEST done"
		echo b >/proc/sysrq-trigger
	EOT
	chmod +x "$1/pkgtest-init"
}

# Run it in the background (&): it execs QEMU so that $! is QEMU (timeout).
boot_guest() { # boot_guest VMLINUZ INITRD IMAGE LOG
	qemu_boot --exec --nice --timeout 600 --kernel "$1" --initrd "$2" --disk "$3" \
		--log "$4" --append "console=ttyS0 panic=-1 root=/dev/vda ro"
}
