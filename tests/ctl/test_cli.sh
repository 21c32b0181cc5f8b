#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The first things a new user types, through the real binary:
#
#   tests/ctl/test_cli.sh BUILD_DIR VERSION
#
#  - `hyperflow --help` / `--version` before "--" (no EAL options given)
#    and after it: exit 0, the usage text / "hyperflow VERSION";
#  - `--eal-help`: EAL's own option list, exit 0;
#  - `hyperflow --check-config FILE` (the short form the package's docs
#    and unit use): 0 on a good file, 1 with the error on a bad one;
#  - EAL without hugepages: hyperflow's own hint names --no-huge -m 512.
#    --huge-dir points at a directory that is no hugetlbfs mount, so EAL
#    finds no usable hugepages on any machine, whatever it has reserved;
#  - hyperflow(8) and hyperflowctl(8) (docs/man/*.scd) name every option
#    and command the programs' --help prints.
# Exit 0 pass, 1 fail, 77 skipped (with the reason).
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR VERSION" >&2; exit 2; }
HF=$1/hyperflow
VERSION=$2
SRC=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$HF" ] || { echo "SKIP: $HF is not built"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for DPDK"; exit 77; }

PREFIX=hf-cli-$$
T=$(mktemp -d /tmp/hf-cli.XXXXXX) || exit 1
trap 'rm -rf "$T" "/var/run/dpdk/$PREFIX"' EXIT
failed=0

# expect NAME WANT_RC PATTERN CMD...: CMD exits WANT_RC and its output
# (stdout and stderr) matches the extended regex PATTERN
expect() {
	local name=$1 want=$2 pat=$3 rc=0

	shift 3
	"$@" >"$T/out" 2>&1 || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: $name: exit $rc, want $want"; sed 's/^/    /' "$T/out" | tail -n 15
		failed=1
	elif ! grep -Eq -- "$pat" "$T/out"; then
		echo "FAIL: $name: output does not match /$pat/"; sed 's/^/    /' "$T/out" | tail -n 15
		failed=1
	else
		echo "ok    $name"
	fi
}

expect "--help before --" 0 '^usage: .*-- -c FILE' "$HF" --help
expect "-h before --" 0 '^usage: ' "$HF" -h
expect "--help after --" 0 '^usage: ' "$HF" -- --help
expect "--help among EAL options" 0 '^usage: ' "$HF" -l 0 --help -- -c /nonexistent
expect "--version before --" 0 "^hyperflow $VERSION\$" "$HF" --version
expect "-V after --" 0 "^hyperflow $VERSION\$" "$HF" -- -V
expect "--eal-help" 0 'EAL common options' "$HF" --eal-help
expect "no -c" 1 'no configuration: give -c FILE' "$HF" -l 0
expect "--check-config FILE before --" 0 'hyperflow.conf: OK: 2 port' \
	"$HF" --check-config "$SRC/conf/hyperflow.conf"
printf 'ports = ( { name = "lan0"; device = "net_pcap0"; }\n  { name = "vpn0"; device = "net_pcap1"; } );\n' \
	>"$T/bad.conf"
expect "--check-config of a bad FILE" 1 'bad.conf:2: syntax error: likely a missing comma' \
	"$HF" --check-config "$T/bad.conf"
expect "--check-config without FILE" 1 'give the FILE to check' "$HF" --check-config
expect "hugepage hint" 1 'hint: .*--no-huge -m 512' \
	timeout 30 "$HF" -l 0 --no-pci --huge-dir "$T" --file-prefix "$PREFIX" \
	-- -c "$SRC/conf/hyperflow.conf"

# The man pages keep up with the programs: every option `hyperflow --help`
# prints is in hyperflow(8), every command and option of `hyperflowctl
# --help` in hyperflowctl(8) (hyperflow.conf(5) is made from
# docs/configuration.md, docs/man/meson.build).
man_has() {
	local page=$1 what=$2 w

	shift 2
	for w in "$@"; do
		grep -qE -- "(^|[^a-z-])$w([^a-z-]|\$)" "$SRC/docs/man/$page.scd" ||
			{ echo "FAIL: docs/man/$page.scd lacks $what $w"; failed=1; }
	done
}
mapfile -t opts < <("$HF" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
man_has hyperflow.8 "option" "${opts[@]}"
ctl_help=$(python3 "$SRC/tools/hyperflowctl" --help)
mapfile -t cmds < <(sed -n '/^positional arguments:/,/^options:/p' <<<"$ctl_help" |
	grep -oE '^    [a-z]+( |$)' | tr -d ' ')
mapfile -t copts < <(sed -n '/^options:/,$p' <<<"$ctl_help" | grep -oE -- '--[a-z][a-z-]+' | sort -u)
[ ${#opts[@]} -ge 5 ] && [ ${#cmds[@]} -ge 3 ] ||
	{ echo "FAIL: could not read the options from --help"; failed=1; }
man_has hyperflowctl.8 "command" "${cmds[@]}"
man_has hyperflowctl.8 "option" "${copts[@]}"
[ $failed -eq 0 ] && echo "ok    man pages name every option and command (${#opts[@]} + ${#cmds[@]} + ${#copts[@]})"

[ $failed -eq 0 ] && echo "PASS: hyperflow's command line" || echo "FAIL: hyperflow's command line"
exit $failed
