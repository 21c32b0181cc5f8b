#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The near/far cutoff that scripts/bench.sh draws through the cross-CPU
# round-trip readings taken around its ring runs (bench.sh --xcpu-cutoff):
# the geometric middle of the widest gap of 2x or more between sorted
# readings, the largest reading when there is no such gap, nothing when
# there is no reading (bench.sh then says "no round trip measured").
#
#   tests/bench/test_bench_report.sh SOURCE_DIR
#
# Exit 0 pass, 1 fail.
set -uo pipefail
S=${1:?usage: test_bench_report.sh SOURCE_DIR}
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

# cutoff READING...: bench.sh's cutoff of the readings given, one per line
cutoff() { printf '%s\n' "$@" | timeout 10 "$S/scripts/bench.sh" --xcpu-cutoff; }

# two groups, a missing reading ("-") ignored: sqrt(60.1 * 340) = 142.9
expect 0 '^142.9$' cutoff 53.3 - 55 60.1 340 351
# the order of the readings does not matter
expect 0 '^142.9$' cutoff 351 60.1 340 - 55 53.3
# one group: every run is near, the cutoff is the largest reading
expect 0 '^70.0$' cutoff 53 55 70
# of two gaps of 2x or more, the wider: 55 -> 340 (6.2x) over 10 -> 53 (5.3x)
expect 0 '^136.7$' cutoff 10 53 55 340
# a zero reading opens no gap: sqrt(55 * 340)
expect 0 '^136.7$' cutoff 0 55 340
# 2x exactly is a gap; just under is not
expect 0 '^70.7$' cutoff 50 100
expect 0 '^99.0$' cutoff 50 99
# no reading at all: an empty line
expect 0 '^$' cutoff -
expect 0 '^$' cutoff - -

[ "$fail" = 0 ] && echo "bench.sh --xcpu-cutoff: $n cases as expected"
exit "$fail"
