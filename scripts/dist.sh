#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the release tarball and the packages.  The version comes from
# dkms.conf (PACKAGE_VERSION) only: debian/changelog must agree with it,
# the RPM spec is generated from rpm/dmem-backport-dkms.spec.in with it.
# Outputs go to build/ (gitignored).  Works in a git checkout (packages the
# work tree as it is) and in a snapshot without .git.
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

SPEC=rpm/$name-dkms.spec

# Files of DIST_PATHS as in the work tree (tracked or new, not ignored),
# so uncommitted work can be packaged and tested.  Without .git (a
# downloaded archive of the repository, or an unpacked release tarball):
# every file except what .gitignore ignores (kbuild's outputs).  A snapshot
# unpacked inside some other git work tree is a snapshot too.
list_files() {
	if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$top" ]; then
		# shellcheck disable=SC2086
		git ls-files --cached --others --exclude-standard -- $DIST_PATHS |
			while read -r f; do [ -f "$f" ] && echo "$f"; done
	else
		# shellcheck disable=SC2086
		find $DIST_PATHS -type f ! -name '*.o' ! -name '*.ko' ! -name '*.ko.*' \
			! -name '*.mod' ! -name '*.mod.c' ! -name '*.cmd' ! -name '*.a' \
			! -name Module.symvers ! -name modules.order \
			! -path '*/.tmp_versions/*'
	fi
}

# The spec with its version: generated from $SPEC.in (a git checkout or
# archive), or the one of an unpacked release tarball, checked.
stage_spec() { # stage_spec STAGE
	if [ -f "$SPEC.in" ]; then
		sed "s/@VERSION@/$version/g" "$SPEC.in" >"$1/$SPEC"
		rm -f "$1/$SPEC.in"
	fi
	if ! grep -q "^Version:[[:space:]]*$version\$" "$1/$SPEC" 2>/dev/null; then
		echo "dist: $SPEC does not have Version: $version (dkms.conf)" >&2
		exit 1
	fi
}

tarball() {
	local stage=$out/dist/$name-$version
	rm -rf "$out/dist"
	mkdir -p "$stage"
	list_files | LC_ALL=C sort | tar -cf - -T - | tar -xf - -C "$stage"
	stage_spec "$stage"
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
	# source (.dsc: debian/tests/control becomes its Testsuite) and binary
	(cd "$out/deb/$name-$version" && dpkg-buildpackage -us -uc)
	ls "$out/deb/"*.dsc "$out/deb/"*.deb
	;;
rpm)
	tarball >/dev/null
	rm -rf "$out/rpm"
	mkdir -p "$out/rpm"
	# the spec inside the tarball, as a user or a build service does
	rpmbuild -ta --define "_topdir $out/rpm" "$out/$name-$version.tar.gz"
	find "$out/rpm/RPMS" "$out/rpm/SRPMS" -name '*.rpm'
	;;
*)
	echo "usage: $0 version|tarball|deb|rpm" >&2
	exit 2
	;;
esac
