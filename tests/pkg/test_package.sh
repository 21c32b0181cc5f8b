#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The Debian package, built, installed, used and purged:
#
#   tests/pkg/test_package.sh [SOURCE_DIR]
#
#  1. `dpkg-buildpackage -us -uc -b` in a copy of the tree (the tracked and
#     untracked-but-not-ignored files) under a temporary directory, so that
#     nothing is written into the repository or beside it; the unit tier is
#     left out (-Pnocheck: scripts/test.sh runs it anyway);
#  2. the .deb is hyperflow_VERSION_ARCH.deb with VERSION = meson.build's
#     project version = debian/changelog's; it holds the binaries in
#     /usr/sbin, the unit, the conffiles and the three man pages (dpkg -c);
#     lintian, when installed, reports no error (E:) tag;
#  3. `apt-get install ./hyperflow_*.deb`, with --path-include for the man
#     pages in case a dpkg.cfg.d file excludes /usr/share/man (Docker-style
#     images do); then from PATH: `hyperflow --check-config
#     /etc/hyperflow/hyperflow.conf`, `hyperflowctl check`, `man -w` of
#     hyperflow(8), hyperflowctl(8), hyperflow.conf(5) and a key of the
#     configuration in the rendered hyperflow.conf(5); the conffiles as
#     dpkg records them; `systemd-analyze verify` of the unit when there is
#     one; and the installed binary on the packaged example captures
#     (--no-huge, net_pcap vdevs: the packaged DPDK plugins load);
#  4. `dpkg --purge hyperflow`: nothing of it left, also when a step failed.
#
# Exit 0 pass, 1 fail, 77 skipped: not root, debhelper / dpkg-dev missing and
# not installable, or a package named hyperflow already installed (the test
# would replace it). Takes about 2 to 3 minutes on 2 CPUs, most of it the build.
set -uo pipefail

SRC=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
. "$SRC/scripts/lib.sh"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (apt-get install, dpkg --purge)"
command -v dpkg >/dev/null || skip "not a Debian system (no dpkg)"
if dpkg-query -W -f='${Status}' hyperflow 2>/dev/null | grep -q 'install ok installed'; then
	skip "a hyperflow package is installed already; this test would replace it"
fi
hf_deps debhelper dpkg-dev scdoc 2>/dev/null ||
	skip "debhelper / dpkg-dev / scdoc are missing and could not be installed"
command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
	skip "dpkg-buildpackage or dh not found"

T=$(mktemp -d /tmp/hf-pkg.XXXXXX) || exit 1
PREFIX=hf-pkg-$$
installed=0
cleanup() {
	if [ $installed -eq 1 ]; then
		dpkg --purge hyperflow >"$T/purge.log" 2>&1 || cat "$T/purge.log"
	fi
	rm -rf "$T" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT

failed=0
fail() { echo "FAIL: $*"; failed=1; }
ok() { echo "ok    $*"; }
# must NAME CMD...: run CMD; on failure say so with its output
must() {
	local name=$1
	shift
	if "$@" >"$T/out" 2>&1; then
		ok "$name"
	else
		fail "$name (exit $?)"; sed 's/^/    /' "$T/out" | tail -n 20
	fi
}

version=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" "$SRC/meson.build" | head -n 1)
arch=$(dpkg --print-architecture)
deb=hyperflow_${version}_${arch}.deb
[ -n "$version" ] || { echo "FAIL: no project version in $SRC/meson.build"; exit 1; }

# --- 1. build in a copy ---------------------------------------------------------
mkdir -p "$T/src/hyperflow"
if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$SRC" ls-files -co --exclude-standard -z |
		(cd "$SRC" && xargs -0 cp -P --parents -t "$T/src/hyperflow") || exit 1
else
	tar -C "$SRC" --exclude=./build --exclude='./build-*' --exclude=./out --exclude=./.git \
		-cf - . | tar -C "$T/src/hyperflow" -xf - || exit 1
fi
start=$(date +%s)
if ! (cd "$T/src/hyperflow" &&
	DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b -Pnocheck) \
	>"$T/build.log" 2>&1; then
	echo "FAIL: dpkg-buildpackage"; tail -n 40 "$T/build.log"
	exit 1
fi
echo "ok    dpkg-buildpackage -us -uc -b ($(($(date +%s) - start)) s)"

# --- 2. the .deb ------------------------------------------------------------------
if [ ! -f "$T/src/$deb" ]; then
	fail "no $deb; built: $(cd "$T/src" && ls -- *.deb 2>/dev/null | tr '\n' ' ')"
	exit 1
fi
ok "$deb"
cl=$(cd "$T/src/hyperflow" && dpkg-parsechangelog -S Version)
[ "$cl" = "$version" ] && ok "debian/changelog version $cl" ||
	fail "debian/changelog says $cl, meson.build $version"
dpkg -c "$T/src/$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$T/files"
for f in /usr/sbin/hyperflow /usr/sbin/hyperflowctl /lib/systemd/system/hyperflow.service \
	/lib/systemd/system/hyperflow-exporter.service \
	/etc/hyperflow/hyperflow.conf /etc/default/hyperflow \
	/usr/share/man/man8/hyperflow.8.gz /usr/share/man/man8/hyperflowctl.8.gz \
	/usr/share/man/man5/hyperflow.conf.5.gz /usr/share/doc/hyperflow/examples/demo.pcap; do
	grep -qx -- "$f" "$T/files" && ok "in the .deb: $f" || fail "not in the .deb: $f"
done
if command -v lintian >/dev/null; then
	lintian --no-tag-display-limit "$T/src/$deb" >"$T/lintian" 2>&1
	if grep -q '^E: ' "$T/lintian"; then
		fail "lintian errors:"; grep '^E: ' "$T/lintian" | sed 's/^/    /'
	else
		ok "lintian: no error ($(grep -c '^W: ' "$T/lintian") warning(s))"
	fi
	grep '^W: ' "$T/lintian" | sed 's/^/    /'
else
	echo "note: lintian not installed, not run"
fi

# --- 3. installed ------------------------------------------------------------------
excl=$(grep -ls '^path-exclude.*/usr/share/man' /etc/dpkg/dpkg.cfg.d/* 2>/dev/null | tr '\n' ' ')
[ -n "$excl" ] && echo "note: $excl exclude(s) /usr/share/man; installing with --path-include"
installed=1
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	-o Dpkg::Options::=--path-include=/usr/share/man/* "$T/src/$deb" >"$T/install.log" 2>&1; then
	echo "FAIL: apt-get install ./$deb"; tail -n 20 "$T/install.log"
	exit 1
fi
ok "apt-get install ./$deb"
hash -r
[ "$(command -v hyperflow)" = /usr/sbin/hyperflow ] && ok "hyperflow on PATH: /usr/sbin/hyperflow" ||
	fail "hyperflow on PATH is '$(command -v hyperflow)'"
[ "$(command -v hyperflowctl)" = /usr/sbin/hyperflowctl ] && ok "hyperflowctl on PATH" ||
	fail "hyperflowctl on PATH is '$(command -v hyperflowctl)'"
must "hyperflow --check-config /etc/hyperflow/hyperflow.conf" \
	hyperflow --check-config /etc/hyperflow/hyperflow.conf
must "hyperflowctl check /etc/hyperflow/hyperflow.conf" \
	hyperflowctl check /etc/hyperflow/hyperflow.conf
[ "$(hyperflow --version)" = "hyperflow $version" ] && ok "hyperflow --version" ||
	fail "hyperflow --version says '$(hyperflow --version)'"
for page in "8 hyperflow" "8 hyperflowctl" "5 hyperflow.conf"; do
	set -- $page
	w=$(man -w "$1" "$2" 2>&1)
	[ "$w" = "/usr/share/man/man$1/$2.$1.gz" ] && ok "man -w $2: $w" || fail "man -w $1 $2: $w"
done
# hyperflow.conf(5) is docs/configuration.md: its keys are in it
MANWIDTH=100 man 5 hyperflow.conf 2>/dev/null >"$T/conf.5.txt"
for key in timeout_ms advert_ms arp_pps "COMMON VALUE RULES"; do
	grep -q -- "$key" "$T/conf.5.txt" && ok "hyperflow.conf(5) has $key" ||
		fail "hyperflow.conf(5) lacks $key"
done
conff=$(dpkg-query -W -f='${Conffiles}\n' hyperflow)
for f in /etc/hyperflow/hyperflow.conf /etc/default/hyperflow; do
	grep -q " $f " <<<"$conff " && ok "conffile $f" || fail "$f is not a conffile"
done
if command -v systemd-analyze >/dev/null; then
	for u in hyperflow.service hyperflow-exporter.service; do
		systemd-analyze verify "/lib/systemd/system/$u" >"$T/verify" 2>&1
		rc=$?
		# only what concerns the unit itself (not other units of this machine)
		if [ $rc -ne 0 ] || grep -q "$u" "$T/verify"; then
			fail "systemd-analyze verify $u (exit $rc)"; sed 's/^/    /' "$T/verify"
		else
			ok "systemd-analyze verify $u"
		fi
	done
else
	echo "note: systemd-analyze not installed, unit not verified"
fi
ex=/usr/share/doc/hyperflow/examples
if [ "$(nproc)" -ge 2 ]; then
	must "installed hyperflow on $ex/demo.pcap" \
		timeout 60 hyperflow -l 0,1 --no-huge -m 512 --no-pci --file-prefix "$PREFIX" \
		--vdev "net_pcap0,rx_pcap=$ex/demo.pcap,tx_pcap=$T/lan0.pcap" \
		--vdev "net_pcap1,rx_pcap=$ex/empty.pcap,tx_pcap=$T/vpn0.pcap" \
		-- -c /etc/hyperflow/hyperflow.conf --exit-when-idle 300 --status-interval 0 \
		--stats-file "$T/stats.json"
	python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["totals"]; sys.exit(t["rx"] != 3240)' \
		"$T/stats.json" 2>/dev/null && ok "it read the 3240 frames" || fail "stats: $(cat "$T/stats.json" 2>&1 | head -c 300)"
fi

# --- 4. purged ------------------------------------------------------------------------
if dpkg --purge hyperflow >"$T/purge.log" 2>&1; then
	installed=0
	ok "dpkg --purge hyperflow"
else
	fail "dpkg --purge hyperflow"; cat "$T/purge.log"
fi
for f in /usr/sbin/hyperflow /usr/sbin/hyperflowctl /etc/hyperflow /etc/default/hyperflow \
	/lib/systemd/system/hyperflow.service /lib/systemd/system/hyperflow-exporter.service \
	/usr/share/man/man8/hyperflow.8.gz; do
	[ ! -e "$f" ] || fail "$f left after the purge"
done
dpkg-query -W hyperflow >/dev/null 2>&1 && fail "dpkg still knows hyperflow" || ok "nothing left"

[ $failed -eq 0 ] && echo "PASS: Debian package" || echo "FAIL: Debian package"
exit $failed
