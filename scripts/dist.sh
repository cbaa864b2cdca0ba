#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the release tarball and the packages.  The version comes from
# dkms.conf (PACKAGE_VERSION) only.  Outputs go to build/ (gitignored).
#
# usage: scripts/dist.sh version|tarball|deb|rpm
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
out=$top/build
name=dmem-backport

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
[ -n "$version" ] || { echo "dist: no PACKAGE_VERSION in dkms.conf" >&2; exit 1; }

# What a release (and DKMS) needs: the module sources and the packaging.
# Tests, kunit/ and developer scripts stay out.
DIST_PATHS="dkms.conf Makefile README.md src include debian rpm"

# Files of DIST_PATHS as in the work tree (tracked or new, not ignored),
# so uncommitted work can be packaged and tested.
list_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		git ls-files --cached --others --exclude-standard -- $DIST_PATHS |
			while read -r f; do [ -f "$f" ] && echo "$f"; done
	else
		# shellcheck disable=SC2086
		find $DIST_PATHS -type f ! -name '*.o' ! -name '*.ko' \
			! -name '*.cmd' ! -name '*.mod*'
	fi
}

tarball() {
	local stage=$out/dist/$name-$version
	rm -rf "$out/dist"
	mkdir -p "$stage"
	list_files | LC_ALL=C sort | tar -cf - -T - | tar -xf - -C "$stage"
	tar -C "$out/dist" --owner=0 --group=0 --sort=name \
		-czf "$out/$name-$version.tar.gz" "$name-$version"
	echo "$out/$name-$version.tar.gz"
}

check_versions() {
	local deb
	deb=$(dpkg-parsechangelog -l debian/changelog -S Version)
	deb=${deb%-*}
	if [ "$deb" != "$version" ]; then
		echo "dist: debian/changelog has $deb, dkms.conf has $version" >&2
		exit 1
	fi
}

case "${1:-}" in
version)
	echo "$version"
	;;
tarball)
	tarball
	;;
deb)
	check_versions
	tarball >/dev/null
	rm -rf "$out/deb"
	mkdir -p "$out/deb"
	tar -C "$out/deb" -xzf "$out/$name-$version.tar.gz"
	(cd "$out/deb/$name-$version" && dpkg-buildpackage -us -uc -b)
	ls "$out/deb/"*.deb
	;;
rpm)
	tarball >/dev/null
	rm -rf "$out/rpm"
	mkdir -p "$out/rpm"
	rpmbuild -ba --define "_topdir $out/rpm" --define "_sourcedir $out" \
		--define "pkg_version $version" rpm/dmem-backport-dkms.spec
	find "$out/rpm/RPMS" "$out/rpm/SRPMS" -name '*.rpm'
	;;
*)
	echo "usage: $0 version|tarball|deb|rpm" >&2
	exit 2
	;;
esac
