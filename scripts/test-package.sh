#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install test of the packages, as a user installs them.
#
#  1. Build the release tarball (make dist), the Debian source and binary
#     packages (dpkg-buildpackage, lintian, debian/tests/control) and the
#     RPMs (rpmbuild -ta; the source RPM rebuilt on its own; rpmlint) from
#     one version source (dkms.conf) and check their contents; the same
#     from a snapshot of the sources without .git (a downloaded archive).
#  2. Debootstrap a minimal Debian 12 with a Debian 6.12 kernel, its headers
#     and dkms (cached under ~/.cache/dmem-backport/pkgtest/, keyed by a hash
#     of the code below that makes it).
#  3. In a throw-away overlay of it: install our .deb, check that DKMS built,
#     signed (dkms MOK key) and installed the module for that kernel.
#  4. Boot that root file system in QEMU (TCG, qxl) with init= a script of
#     ours: modprobe dmem_backport, lsmod, dmem.* files in /sys/fs/cgroup.
#  5. apt purge leaves no module behind; the .rpm's scriptlets do the same
#     dkms add/build/install and remove; debian/tests/control's test
#     (dkms-autopkgtest) passes as autopkgtest would run it.
#
# usage: scripts/test-package.sh [--host-only]
#   --host-only  steps 1 only (no root file system, no boot): a quick check
#                of the packaging while working on it
#
# Suite contract (tests/shared/results.sh): `ok N name` / `not ok N name`
# lines, then `N passed, N failed`; exit status 0 iff nothing failed.  The
# guest is booted by tests/vm/lib/qemu.sh.  Must run as root (debootstrap,
# chroot).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${DMEM_CACHE:-$HOME/.cache/dmem-backport}/pkgtest
work=$top/build/pkgtest
MIRROR=${DMEM_MIRROR:-}
host_only=0
[ "${1:-}" != --host-only ] || host_only=1
SUITE=bookworm
SERIES=6.12

# shellcheck source=tests/shared/results.sh
. "$top/tests/shared/results.sh"
# shellcheck source=tests/vm/lib/qemu.sh
. "$top/tests/vm/lib/qemu.sh"

t_start=$(date +%s)
mounts=()

ok() { result_ok "$*"; }
notok() { result_fail "$@"; }
check() { # check NAME COMMAND...: one test from a command's status
	local name=$1
	shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}
note() { echo "# $*"; }
elapsed() { echo $(($(date +%s) - $1)); }

finish() {
	note "wall time: $(elapsed "$t_start") s"
	results_summary
	exit
}

# Remaining tests cannot run: report them as failed so the breakage shows.
bail() {
	local t
	note "bailing out: $1"
	shift
	for t in "$@"; do notok "$t" "prerequisite failed"; done
	finish
}

# shellcheck source=scripts/pkgtest/root.sh
. "$top/scripts/pkgtest/root.sh"

qemu_pid=
cleanup() {
	[ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null
	umount_all
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# ------------------------------------------------------------------ main
mkdir -p "$work" "$cache"
exec 8>"$cache/.lock"
flock 8

if [ "$(id -u)" != 0 ]; then
	notok "test-package runs as root" "debootstrap, chroot, mount"
	finish
fi

version=$(bash "$top/scripts/dist.sh" version)
note "version $version (dkms.conf)"

# -- version sources and supported-kernel regex
re=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' "$top/dkms.conf")
deb_version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
check "debian/changelog version matches dkms.conf" [ "${deb_version%-*}" = "$version" ]
regex_ok() {
	local k
	for k in 6.1.0-56-amd64 6.1.192 6.6.0-28.0.0.34.oe2403.x86_64 6.6.84-amd64-desktop \
		6.12.117+deb12-amd64 6.12.0 6.8.0-31-generic 6.11.0-29-generic 6.10.3-amd64 6.13.1; do
		[[ $k =~ $re ]] || { echo "# regex rejects $k"; return 1; }
	done
	for k in 6.14.0 6.16.3+deb13-amd64 5.15.0-100 6.0.12 7.0.1 16.1.0 6.140.1; do
		[[ $k =~ $re ]] && { echo "# regex accepts $k"; return 1; }
	done
	return 0
}
check "BUILD_EXCLUSIVE_KERNEL accepts 6.1-6.13 only" regex_ok
grep -q '^AUTOINSTALL="yes"$' "$top/dkms.conf" &&
	grep -q '^MAKE\[0\]="make KDIR=${kernel_source_dir}' "$top/dkms.conf"
check "dkms.conf autoinstalls and builds with KDIR=\${kernel_source_dir}" [ $? -eq 0 ]

# -- release tarball (make dist)
tarball=
if bash "$top/scripts/dist.sh" tarball >"$work/dist.log" 2>&1; then
	tarball=$top/build/dmem-backport-$version.tar.gz
fi
tar_list() { tar -tzf "$1" | sed 's|^[^/]*/||' | grep -v '/$' | LC_ALL=C sort; }
tarball_contents() {
	local list spec=dmem-backport-$version/rpm/dmem-backport-dkms.spec
	[ -n "$tarball" ] || { tail -n 20 "$work/dist.log"; return 1; }
	list=$(tar_list "$tarball")
	echo "$list" | grep -qx dkms.conf &&
		echo "$list" | grep -qx debian/examples/dmem-backport.modprobe.conf &&
		echo "$list" | grep -qx debian/examples/dmem-backport.modules-load.conf &&
		echo "$list" | grep -qx debian/tests/control &&
		! echo "$list" | grep -qE '^(tests|kunit|scripts)/|\.o$|\.ko$|\.spec\.in$' &&
		grep -q '^Version:[[:space:]]*@VERSION@$' "$top/rpm/dmem-backport-dkms.spec.in" &&
		tar -xOzf "$tarball" "$spec" | grep -q "^Version:[[:space:]]*$version\$"
}
check "make dist: tarball with sources, packaging, examples; its RPM spec carries dkms.conf's version" \
	tarball_contents

# -- .deb (source and binary packages)
t=$(date +%s)
deb=
if nice bash "$top/scripts/dist.sh" deb >"$work/deb.log" 2>&1; then
	deb=$(ls "$top/build/deb/dmem-backport-dkms_${version}_all.deb" 2>/dev/null)
fi
check "deb builds (dpkg-buildpackage -us -uc: source and binary)" [ -n "$deb" ]
note "deb build: $(elapsed "$t") s"
[ -n "$deb" ] || { tail -n 20 "$work/deb.log"; }
if [ -n "$deb" ]; then
	lintian --pedantic -I --fail-on error,warning,info,pedantic \
		"$top/build/deb/dmem-backport_${version}_amd64.changes" >"$work/lintian.log" 2>&1
	st=$?
	grep -v 'running with root privileges' "$work/lintian.log" | sed 's/^/# lintian: /'
	check "lintian clean on source and binary (pedantic, with justified overrides)" [ $st -eq 0 ]
	deb_contents() {
		local list
		list=$(dpkg-deb -c "$deb" | awk '{print $6}')
		echo "$list" | grep -qx "./usr/src/dmem-backport-$version/dkms.conf" &&
			echo "$list" | grep -qx "./usr/src/dmem-backport-$version/Makefile" &&
			echo "$list" | grep -q "^./usr/src/dmem-backport-$version/src/.*\.c$" &&
			echo "$list" | grep -q "^./usr/src/dmem-backport-$version/include/.*\.h$" &&
			echo "$list" | grep -q '^./usr/share/doc/dmem-backport-dkms/examples/.*modprobe' &&
			echo "$list" | grep -q '^./usr/share/doc/dmem-backport-dkms/examples/.*modules-load' &&
			! echo "$list" | grep -qE '/(tests|kunit|scripts)/|\.o$|\.ko$|^\./etc/'
	}
	check "deb ships sources, dkms.conf, examples; no tests, objects or /etc" deb_contents
else
	notok "lintian clean" "no deb"
	notok "deb contents" "no deb"
fi
# Debian's convention for DKMS packages: the dkms package's common test.
autopkgtest_control() {
	local c=$top/debian/tests/control dsc=$top/build/deb/dmem-backport_$version.dsc
	[ -f "$c" ] || { note "no debian/tests/control"; return 1; }
	grep -qx 'Test-Command: /usr/lib/dkms/dkms-autopkgtest' "$c" &&
		grep -Eq '^Restrictions:.*\<needs-root\>' "$c" &&
		grep -Eq '^Depends:.*@' "$c" &&
		# dpkg-source read it: the source package announces the test suite
		grep -qx 'Testsuite: autopkgtest' "$dsc"
}
check "debian/tests/control runs dkms-autopkgtest (needs-root); the .dsc has Testsuite: autopkgtest" \
	autopkgtest_control

# -- .rpm
t=$(date +%s)
rpm=
srpm=
if nice bash "$top/scripts/dist.sh" rpm >"$work/rpm.log" 2>&1; then
	rpm=$(ls "$top/build/rpm/RPMS/noarch/dmem-backport-dkms-$version-1"*.noarch.rpm 2>/dev/null)
	srpm=$(ls "$top/build/rpm/SRPMS/dmem-backport-dkms-$version-1"*.src.rpm 2>/dev/null)
fi
check "rpm builds (rpmbuild -ta with the tarball's spec, noarch)" [ -n "$rpm" ]
note "rpm build: $(elapsed "$t") s"
[ -n "$rpm" ] || { tail -n 20 "$work/rpm.log"; }
if [ -n "$rpm" ]; then
	rpm_contents() {
		local list
		list=$(rpm -qpl "$rpm")
		[ "$(rpm -qp --qf '%{VERSION} %{ARCH}' "$rpm")" = "$version noarch" ] &&
			echo "$list" | grep -qx "/usr/src/dmem-backport-$version/dkms.conf" &&
			echo "$list" | grep -q "^/usr/src/dmem-backport-$version/src/.*\.c$" &&
			rpm -qpR "$rpm" | grep -qx dkms &&
			! echo "$list" | grep -qE '/(tests|kunit|scripts)/|\.o$|\.ko$|^/etc/'
	}
	check "rpm ships sources and dkms.conf, requires dkms, no tests" rpm_contents
else
	notok "rpm contents" "no rpm"
fi
# What COPR, OBS and openEuler's build system do with a source RPM.
srpm_rebuild() {
	local d=$work/rpm-rebuild
	[ -n "$srpm" ] || return 1
	rm -rf "$d"
	rpmbuild --rebuild --define "_topdir $d" "$srpm" >"$work/rpm-rebuild.log" 2>&1 ||
		{ grep -iE 'error' "$work/rpm-rebuild.log" | head -n 5 | sed 's/^/# /'; return 1; }
	[ "$(rpm -qp --qf '%{VERSION}' "$d/RPMS/noarch/dmem-backport-dkms-$version-1"*.noarch.rpm)" = "$version" ]
}
check "source RPM rebuilds on its own (rpmbuild --rebuild, no --define)" srpm_rebuild
if command -v rpmlint >/dev/null; then
	rpmlint_clean() {
		[ -n "$rpm" ] && [ -n "$srpm" ] || return 1
		rpmlint -c "$top/rpm/rpmlint.toml" "$rpm" "$srpm" >"$work/rpmlint.log" 2>&1
		local st=$?
		grep -E '^[^ ]+: [EW]: |errors, .* warnings' "$work/rpmlint.log" | sed 's/^/# rpmlint: /'
		[ $st -eq 0 ] && grep -q ' 0 errors, 0 warnings' "$work/rpmlint.log"
	}
	check "rpmlint clean (rpm/rpmlint.toml: Fedora's policy, DKMS sources in /usr/src)" rpmlint_clean
else
	result_skip "rpmlint clean" "rpmlint not installed"
fi

# -- the same from a snapshot without .git (a downloaded archive)
t=$(date +%s)
snap=$work/snapshot/dmem-backport
snapshot() {
	rm -rf "$work/snapshot"
	mkdir -p "$snap"
	if [ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" = "$top" ]; then
		# what `git archive` of this work tree, committed, would hold
		(cd "$top" && git ls-files --cached --others --exclude-standard |
			while read -r f; do [ -f "$f" ] && echo "$f"; done | tar -cf - -T -) |
			tar -xf - -C "$snap"
	else
		tar -C "$top" --exclude=./build -cf - . | tar -xf - -C "$snap"
	fi
	# What an in-tree module build leaves (.gitignore): never packaged.
	touch "$snap/dmem_backport.ko" "$snap/dmem_backport.mod" "$snap/dmem_backport.mod.c" \
		"$snap/.dmem_backport.ko.cmd" "$snap/src/dmem_core.o" "$snap/src/.dmem_core.o.cmd" \
		"$snap/Module.symvers" "$snap/modules.order"
	# Inside $top's git work tree, but no repository of its own.
	[ ! -e "$snap/.git" ] && make -C "$snap" dist deb rpm
}
snapshot >"$work/snapshot.log" 2>&1
snap_tar=$snap/build/dmem-backport-$version.tar.gz
same_files() {
	[ -f "$snap_tar" ] && [ -n "$tarball" ] || return 1
	diff <(tar_list "$tarball") <(tar_list "$snap_tar") | sed 's/^/# /'
	[ "${PIPESTATUS[0]}" -eq 0 ]
}
check "snapshot without .git: make dist packs the same files as in git (no build outputs)" same_files
snap_packages() {
	ls "$snap/build/deb/dmem-backport-dkms_${version}_all.deb" \
		"$snap/build/rpm/RPMS/noarch/dmem-backport-dkms-$version-1"*.noarch.rpm >/dev/null
}
check "snapshot without .git: make deb and make rpm build" snap_packages
[ "$RESULTS_FAILED" -eq 0 ] || tail -n 15 "$work/snapshot.log" | sed 's/^/# snapshot: /'
note "snapshot builds: $(elapsed "$t") s"

# -- the installed system
REST=("base Debian $SUITE root with a $SERIES kernel, headers and dkms"
	"deb installs; DKMS builds and installs the module for the kernel"
	"module is signed with the dkms MOK key"
	"module version is dkms.conf's PACKAGE_VERSION"
	"guest boots the installed kernel"
	"guest: modprobe dmem_backport"
	"guest: lsmod lists dmem_backport"
	"guest: dmem.* files in /sys/fs/cgroup (root, and a child after +dmem)"
	"guest: no kernel warnings"
	"apt purge removes the module and the dkms registration"
	"rpm scriptlets: install, upgrade (\$1=2, then old %preun \$1=1), erase"
	"autopkgtest: debian/tests/control's Test-Command (dkms-autopkgtest) passes")
[ $host_only = 0 ] || finish
[ -n "$deb" ] && [ -n "$rpm" ] && [ -n "$tarball" ] || bail "packages did not build" "${REST[@]}"

MIRROR=${MIRROR:-$(host_mirror)}
SECURITY_MIRROR=$(host_security_mirror)
kver=$(pick_kernel)
[ -n "$kver" ] || { apt-get update -qq && kver=$(pick_kernel); }
[ -n "$kver" ] || bail "no $SERIES kernel in the apt lists" "${REST[@]}"
note "kernel $kver, mirror $MIRROR"

t=$(date +%s)
ensure_base "$kver"
st=$?
base=$BASE
note "base root: $(elapsed "$t") s ($([ -n "$BASE_BUILT" ] && echo built || echo cached))"
# For check.sh's fresh-machine estimate.
timings=${DMEM_CACHE:-$HOME/.cache/dmem-backport}/timings
mkdir -p "$timings"
[ -n "$BASE_BUILT" ] && [ $st -eq 0 ] && elapsed "$t" >"$timings/pkgtest-base.cold"
elapsed "$t" >"$timings/pkgtest-base.last"
if [ $st -ne 0 ]; then
	tail -n 30 "$work/base.log"
	bail "base root failed (log: $work/base.log)" "${REST[@]}"
fi
ok "${REST[0]}"
REST=("${REST[@]:1}")
rm -f "$work/base.log"

# A throw-away overlay over the cached base.
t=$(date +%s)
rm -rf "$work/upper" "$work/ovl" "$work/root"
mkdir -p "$work/upper" "$work/ovl" "$work/root"
root=$work/root
if ! mount_add "$root" -t overlay overlay \
	-o "lowerdir=$base,upperdir=$work/upper,workdir=$work/ovl"; then
	note "overlayfs unavailable, copying the base"
	cp -a "$base/." "$root/"
fi

install_deb() {
	cp "$deb" "$root/tmp/" &&
		chroot_mount "$root" &&
		in_chroot "$root" nice apt-get install -y -q "/tmp/$(basename "$deb")" &&
		# Normally done by the postinst for every kernel with headers;
		# this is what a user runs when it was not (e.g. -k in a chroot).
		{ in_chroot "$root" dkms status -m dmem-backport -k "$kver" | grep -q installed ||
			in_chroot "$root" nice dkms autoinstall -k "$kver"; }
}
install_deb >"$work/install.log" 2>&1
dkms_status=$(in_chroot "$root" dkms status 2>/dev/null)
note "dkms status: $dkms_status"
mod=$(ls "$root/lib/modules/$kver/updates/dkms/"dmem_backport.ko* 2>/dev/null | head -n 1)
if echo "$dkms_status" | grep -q "^dmem-backport/$version, $kver, x86_64: installed" &&
	[ -n "$mod" ]; then
	ok "${REST[0]}"
else
	tail -n 40 "$work/install.log"
	notok "${REST[0]}"
fi
REST=("${REST[@]:1}")
note "deb install + dkms build: $(elapsed "$t") s"

signed_by_mok() {
	local m=${mod#"$root"} signer key pub=$root/var/lib/dkms/mok.pub serial skid
	[ -n "$mod" ] && [ -f "$pub" ] || return 1
	signer=$(in_chroot "$root" modinfo -F signer "$m")
	# kmod prints the signing certificate's serial (or key id) as sig_key.
	key=$(in_chroot "$root" modinfo -F sig_key "$m" | tr -d ':\n ' | tr a-f A-F | sed 's/^0*//')
	serial=$(openssl x509 -inform DER -in "$pub" -noout -serial | sed 's/^serial=//; s/^0*//' | tr a-f A-F)
	skid=$(openssl x509 -inform DER -in "$pub" -noout -ext subjectKeyIdentifier 2>/dev/null |
		tail -n 1 | tr -d ': ' | tr a-f A-F | sed 's/^0*//')
	note "module signer '$signer' sig_key $key; mok.pub serial $serial skid $skid"
	[ -n "$key" ] && { [ "$key" = "$serial" ] || [ "$key" = "$skid" ]; }
}
check "${REST[0]}" signed_by_mok
REST=("${REST[@]:1}")
mod_version=$([ -n "$mod" ] && in_chroot "$root" modinfo -F version "${mod#"$root"}" 2>/dev/null)
check "${REST[0]} ($mod_version)" [ "$mod_version" = "$version" ]
REST=("${REST[@]:1}")

# -- boot it
t=$(date +%s)
write_guest_init "$root"
# The documented modprobe.d example, activated as the README says.
sed 's/^#options/options/' "$root/usr/share/doc/dmem-backport-dkms/examples/dmem-backport.modprobe.conf" \
	>"$root/etc/modprobe.d/dmem-backport.conf"
umount_all_but_overlay() {
	local i keep=()
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		if [ "${mounts[i]}" = "$root" ]; then continue; fi
		umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}"
	done
	for i in "${mounts[@]}"; do [ "$i" = "$root" ] && keep+=("$i"); done
	mounts=("${keep[@]}")
}
umount_all_but_overlay
img=$work/root.img
rm -f "$img"
log=$work/guest.log
: >"$log"
booted=
if make_initrd "$root" "$kver" "$work/initrd.img" >"$work/initrd.log" 2>&1 &&
	nice mkfs.ext4 -q -F -L pkgtest -d "$root" "$img" 3G >"$work/mkfs.log" 2>&1; then
	note "image: $(elapsed "$t") s"
	t_boot=$(date +%s)
	# The guest boots from its own image: meanwhile remove the packages
	# from the chroot.
	boot_guest "$root/boot/vmlinuz-$kver" "$work/initrd.img" "$img" "$log" &
	qemu_pid=$!
	booted=1
else
	cat "$work/initrd.log" "$work/mkfs.log"
fi

# -- remove (while the guest runs)
t=$(date +%s)
purge_clean() {
	chroot_mount "$root" &&
		in_chroot "$root" apt-get purge -y -q dmem-backport-dkms >"$work/purge.log" 2>&1 || return 1
	local left st
	left=$(find "$root/lib/modules" -name 'dmem_backport.ko*')
	st=$(in_chroot "$root" dkms status 2>/dev/null)
	[ -z "$left" ] && [ -z "$st" ] && [ ! -e "$root/usr/src/dmem-backport-$version" ] ||
		{ echo "# left: $left; dkms status: $st"; return 1; }
}
purge_clean >"$work/purge-check.log" 2>&1
purge_st=$?
note "purge: $(elapsed "$t") s"

# The .rpm's payload and scriptlets on the same system (no rpm database
# here): %post with $1=1 installs the module; an upgrade (%post with $1=2)
# drops the other version's DKMS registration and keeps this one; the old
# package's %preun with $1=1 changes nothing; erase (%preun $1=0) removes it.
t=$(date +%s)
rpm_scriptlets() {
	local post preun d=/usr/src/dmem-backport st
	post=$(rpm -qp --qf '%{POSTIN}' "$rpm")
	preun=$(rpm -qp --qf '%{PREUN}' "$rpm")
	(cd "$root" && rpm2cpio "$rpm" | cpio -idm --quiet) || return 1
	echo "$post" >"$root/tmp/post.sh"
	echo "$preun" >"$root/tmp/preun.sh"
	rpm_installed() {
		in_chroot "$root" dkms status -m dmem-backport -v "$version" -k "$kver" 2>/dev/null |
			grep -q installed &&
			ls "$root/lib/modules/$kver/updates/dkms/"dmem_backport.ko* >/dev/null 2>&1
	}
	in_chroot "$root" nice sh /tmp/post.sh 1 || return 1
	rpm_installed || { echo "# %post 1 did not install"; return 1; }
	# An older version registered with DKMS, as a previous package left it.
	cp -a "$root$d-$version" "$root$d-0.0.1" &&
		sed -i 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="0.0.1"/' "$root$d-0.0.1/dkms.conf" &&
		in_chroot "$root" dkms add -m dmem-backport -v 0.0.1 || return 1
	in_chroot "$root" sh /tmp/post.sh 2 || return 1
	st=$(in_chroot "$root" dkms status 2>/dev/null)
	echo "# after upgrade: $st"
	echo "$st" | grep -q '0\.0\.1' && { echo "# upgrade left 0.0.1"; return 1; }
	rpm_installed || { echo "# upgrade lost $version"; return 1; }
	in_chroot "$root" sh /tmp/preun.sh 1 || return 1
	rpm_installed || { echo "# %preun 1 removed $version"; return 1; }
	in_chroot "$root" sh /tmp/preun.sh 0 || return 1
	st=$(in_chroot "$root" dkms status 2>/dev/null)
	[ -z "$st" ] && [ -z "$(find "$root/lib/modules" -name 'dmem_backport.ko*')" ] ||
		{ echo "# erase left: $st"; return 1; }
}
rpm_scriptlets >"$work/rpm-scriptlets.log" 2>&1
rpm_st=$?
note "rpm scriptlets: $(elapsed "$t") s"

# debian/tests/control's test, run as autopkgtest runs it: the Depends
# available (here from a local repository: the chroot has no network),
# then the Test-Command as root in the unpacked source package.  The
# dkms-autopkgtest it names purges and installs the package itself (with
# DKMS's autoinstall off), then builds and installs the module for every
# kernel with headers: so "@" is not installed first, which would build
# the module once more for nothing.
t=$(date +%s)
autopkgtest_debs=${DMEM_CACHE:-$HOME/.cache/dmem-backport}/autopkgtest-debs
run_autopkgtest() {
	local repo=/srv/pkgtest-repo src=/srv/pkgtest-src cmd
	cmd=$(sed -n 's/^Test-Command:[[:space:]]*//p' "$top/debian/tests/control" 2>/dev/null)
	[ -n "$cmd" ] || { echo "# no Test-Command"; return 1; }
	# With no package argument the test reads debian/control with
	# grep-dctrl, which it would install from the archive.
	mkdir -p "$autopkgtest_debs" "$root$repo" "$root$src"
	ls "$autopkgtest_debs"/dctrl-tools_*.deb >/dev/null 2>&1 ||
		(cd "$autopkgtest_debs" && apt-get download -q -o APT::Sandbox::User=root dctrl-tools) ||
		return 1
	cp "$deb" "$autopkgtest_debs"/dctrl-tools_*.deb "$root$repo/" &&
		(cd "$root$repo" && dpkg-scanpackages . /dev/null >Packages) || return 1
	echo "deb [trusted=yes] file:$repo ./" >"$root/etc/apt/sources.list.d/pkgtest-local.list"
	mountpoint -q "$root/proc" || chroot_mount "$root" || return 1
	in_chroot "$root" apt-get update -q -o Dir::Etc::SourceList=/dev/null || return 1
	in_chroot "$root" apt-get install -y -q dkms || return 1
	tar -C "$root$src" -xzf "$tarball" || return 1
	in_chroot "$root" env AUTOPKGTEST_TMP=/tmp AUTOPKGTEST_ARTIFACTS=/tmp \
		sh -c "cd $src/dmem-backport-$version && $cmd" || return 1
}
run_autopkgtest >"$work/autopkgtest.log" 2>&1
autopkgtest_st=$?
grep -q "^I: PASS $kver\$" "$work/autopkgtest.log" || autopkgtest_st=1
note "autopkgtest: $(elapsed "$t") s"

if [ -n "$booted" ]; then
	wait "$qemu_pid"
	qemu_pid=
	note "boot (in parallel with the removal): $(elapsed "$t_boot") s"
fi
rm -f "$img"
grep -a 'PKGTEST' "$log" | sed 's/^/# guest: /'
check "${REST[0]}" grep -aq "PKGTEST kernel $kver" "$log"
check "${REST[1]}" grep -aq 'PKGTEST modprobe ok' "$log"
check "${REST[2]}" grep -aq 'PKGTEST lsmod ok' "$log"
dmem_files() {
	local f
	for f in 'file dmem.capacity' 'file dmem.current' '+dmem ok' 'child file dmem.min' \
		'child file dmem.low' 'child file dmem.max' 'child file dmem.current'; do
		grep -aq "PKGTEST $f" "$log" || { note "missing: $f"; return 1; }
	done
	# The qxl VRAM is a region, named as upstream names DRM regions.
	grep -aq 'PKGTEST dmem.capacity: drm/' "$log" || { note "no drm/ region"; return 1; }
	# The modprobe.d example's option reached the module.
	grep -aq 'PKGTEST param host memory' "$log"
}
check "${REST[3]}" dmem_files
no_warnings() {
	grep -aq 'PKGTEST done' "$log" &&
		! grep -aE 'BUG:|WARNING:|Oops|Call Trace|Kernel panic' "$log"
}
check "${REST[4]}" no_warnings
[ "$RESULTS_FAILED" -eq 0 ] || tail -n 40 "$log" | sed 's/^/# console: /'
REST=("${REST[@]:5}")

grep '^# ' "$work/purge-check.log"
[ $purge_st -eq 0 ] || tail -n 20 "$work/purge.log"
check "${REST[0]}" [ $purge_st -eq 0 ]
grep '^# ' "$work/rpm-scriptlets.log"
[ $rpm_st -eq 0 ] || grep -v readelf "$work/rpm-scriptlets.log" | tail -n 20
check "${REST[1]}" [ $rpm_st -eq 0 ]
grep -E '^I: (PASS|FAIL|SKIP)|^E: |^# ' "$work/autopkgtest.log" | sed 's/^\([^#]\)/# autopkgtest: \1/'
[ $autopkgtest_st -eq 0 ] || tail -n 20 "$work/autopkgtest.log"
check "${REST[2]}" [ $autopkgtest_st -eq 0 ]

umount_all
rm -rf "$work/upper" "$work/ovl" "$work/root" "$work/initrd"
finish
