# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The one QEMU launcher and initramfs builder of the project, sourced by
# tests/vm/run.sh (in-guest tests, and through it `make demo` and the
# in-guest part of `make bench`) and scripts/test-package.sh.
#
#   qemu_cpio DIR OUT
#       newc archive of DIR (sorted, owned by root) into OUT.
#   qemu_add_modules ROOT KVER DIR MODULE...
#       copy MODULE... and every module they depend on, from the kernel
#       image unpacked in ROOT (ROOT/lib/modules/KVER), decompressed, into
#       DIR/lib/mods/, and list them in load order in DIR/lib/mods/order
#       ("file.ko args" per line; the guest's init insmods them in order).
#   qemu_base_initramfs ROOT KVER MODULE...
#       print the path of a cached base initramfs: busybox (/bin/busybox)
#       and qemu_add_modules' modules.  Cached under
#       $DMEM_CACHE/initramfs/, keyed by the kernel, the modules and
#       busybox; built once under a lock.  The caller appends its own
#       overlay archive(s) with its /init (cat base overlay >initrd).
#   qemu_boot [options]
#       boot QEMU/TCG (q35, -cpu max, one host thread, no network, serial
#       console on the log file, no reboot: a guest that reboots or panics
#       ends QEMU) and return QEMU's (or timeout's) exit status.
#         --kernel FILE    bzImage (required)
#         --initrd FILE    initramfs
#         --append STR     kernel command line
#         --log FILE       serial console and QEMU's own messages
#                          (default: stdout)
#         --timeout SECS   wall-clock limit (timeout -k 10; default 600)
#         --smp N          guest CPUs (default 1)
#         --mem SIZE       guest RAM (default 1G)
#         --qxl MB         qxl-vga with MB MiB of VRAM (default 64)
#         --no-gpu         no graphics device at all
#         --disk IMAGE     a raw image as a read-only virtio disk (/dev/vda)
#         --icount         deterministic virtual clock for measurements:
#                          -icount shift=0,sleep=off (guest time advances
#                          1 ns per instruction and skips idle time; the
#                          guest's sense of time no longer follows the
#                          wall clock)
#         --nice           run QEMU with nice
#         --exec           exec QEMU in place of the calling (sub)shell, so
#                          that `qemu_boot --exec ... &` gives QEMU's
#                          timeout process in $!
#       Environment: QEMU_EXTRA_ARGS (words appended to QEMU's arguments).

QEMU_LIB_CACHE=${DMEM_CACHE:-$HOME/.cache/dmem-backport}

qemu_cpio() { # qemu_cpio DIR OUT
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$2"
}

# One module file into DIR/lib/mods/, decompressed; prints its name there.
qemu_copy_module() { # qemu_copy_module PATH DIR
	local name
	name=$(basename "$1")
	case "$name" in
	*.ko.xz) xz -dc "$1" >"$2/lib/mods/${name%.xz}"; name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$1" >"$2/lib/mods/${name%.zst}"; name=${name%.zst} ;;
	*.ko.gz) gzip -dc "$1" >"$2/lib/mods/${name%.gz}"; name=${name%.gz} ;;
	*) cp "$1" "$2/lib/mods/$name" ;;
	esac
	echo "$name"
}

qemu_add_modules() { # qemu_add_modules ROOT KVER DIR MODULE...
	local root=$1 kver=$2 dir=$3 kind path args name m
	shift 3
	if [ ! -s "$root/lib/modules/$kver/modules.dep" ]; then
		depmod -b "$root" "$kver" || return 1
	fi
	mkdir -p "$dir/lib/mods"
	: >"$dir/lib/mods/order"
	for m in "$@"; do
		# a module built into the kernel needs nothing
		modprobe -d "$root" -S "$kver" --show-depends "$m" >"$dir/lib/mods/.deps" || {
			echo "qemu_add_modules: module $m not found for $kver in $root" >&2
			return 1
		}
		while read -r kind path args; do
			[ "$kind" = insmod ] || continue
			name=$(basename "$path")
			name=${name%.xz} name=${name%.zst} name=${name%.gz}
			# a dependency shared with an earlier module is there already
			grep -q "^$name " "$dir/lib/mods/order" && continue
			name=$(qemu_copy_module "$path" "$dir") || return 1
			echo "$name $args" >>"$dir/lib/mods/order"
		done <"$dir/lib/mods/.deps"
	done
	rm -f "$dir/lib/mods/.deps"
}

qemu_base_initramfs() { # qemu_base_initramfs ROOT KVER MODULE...
	local root=$1 kver=$2 bb=/bin/busybox key base tmp
	shift 2
	key=$( { echo "base v2 $root $kver${BUILD_ID:+ $BUILD_ID} $*"; sha256sum "$bb"; } |
		sha256sum | cut -c1-12)
	base="$QEMU_LIB_CACHE/initramfs/base-$kver-$key.cpio"
	if [ ! -s "$base" ]; then
		mkdir -p "$QEMU_LIB_CACHE/initramfs"
		(
			flock 7
			[ -s "$base" ] && exit 0
			echo "qemu: building base initramfs for $kver ($*)" >&2
			tmp=$(mktemp -d)
			trap 'rm -rf "$tmp"' EXIT
			mkdir -p "$tmp/bin" "$tmp/lib/mods" "$tmp/proc" "$tmp/sys" "$tmp/dev" \
				"$tmp/tmp" "$tmp/run" "$tmp/etc" "$tmp/root"
			cp "$bb" "$tmp/bin/busybox" || exit 1
			qemu_add_modules "$root" "$kver" "$tmp" "$@" || exit 1
			qemu_cpio "$tmp" "$base.tmp" && mv "$base.tmp" "$base"
		) 7>"$QEMU_LIB_CACHE/initramfs/.lock" || return 1
	fi
	echo "$base"
}

# shellcheck disable=SC2054 # commas inside QEMU option values
qemu_boot() { # qemu_boot --kernel FILE [options]: see the top of this file
	local kernel="" initrd="" append="" log=/dev/stdout secs=600 smp=1 mem=1G
	local qxl=64 disk="" icount=0 nice=0 exec=0
	local -a args cmd
	while [ $# -gt 0 ]; do
		case "$1" in
		--kernel) kernel=$2; shift 2 ;;
		--initrd) initrd=$2; shift 2 ;;
		--append) append=$2; shift 2 ;;
		--log) log=$2; shift 2 ;;
		--timeout) secs=$2; shift 2 ;;
		--smp) smp=$2; shift 2 ;;
		--mem) mem=$2; shift 2 ;;
		--qxl) qxl=$2; shift 2 ;;
		--no-gpu) qxl=""; shift ;;
		--disk) disk=$2; shift 2 ;;
		--icount) icount=1; shift ;;
		--nice) nice=1; shift ;;
		--exec) exec=1; shift ;;
		*) echo "qemu_boot: unknown option $1" >&2; return 2 ;;
		esac
	done
	[ -n "$kernel" ] || { echo "qemu_boot: --kernel is required" >&2; return 2; }
	# thread=single: with one host thread per vCPU (MTTCG), a vCPU was seen
	# to keep executing a stale INT3 of a kernel text patch (ftrace
	# (un)registration while another vCPU runs through the patched site):
	# the kernel's INT3 handler finds the byte already restored and sends
	# it back to the same address, forever (soft lockup), or oopses.  Real
	# CPUs serialise on the kernel's sync IPIs; round-robin TCG does too.
	args=(-machine q35 -cpu max -accel tcg,thread=single -m "$mem" -smp "$smp"
		-display none -monitor none -serial stdio -no-reboot -nic none -vga none)
	[ -z "$qxl" ] || args+=(-device "qxl-vga,vram_size_mb=$qxl")
	[ $icount = 0 ] || args+=(-icount shift=0,sleep=off)
	[ -z "$disk" ] || args+=(-drive "file=$disk,format=raw,if=virtio,readonly=on")
	args+=(-kernel "$kernel")
	[ -z "$initrd" ] || args+=(-initrd "$initrd")
	[ -z "$append" ] || args+=(-append "$append")
	# shellcheck disable=SC2206
	[ -z "${QEMU_EXTRA_ARGS:-}" ] || args+=($QEMU_EXTRA_ARGS)
	cmd=(timeout -k 10 "$secs")
	[ $nice = 0 ] || cmd+=(nice)
	cmd+=(qemu-system-x86_64 "${args[@]}")
	if [ $exec = 1 ]; then
		exec "${cmd[@]}" </dev/null >"$log" 2>&1
	fi
	"${cmd[@]}" </dev/null >"$log" 2>&1
}
