#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# build/hf-memprobe --pingpong, which scripts/bench.sh runs around every
# ring run: it refuses bad CPU pairs with exit 2 (usage) or 1 (a CPU it may
# not use), and on two CPUs prints a positive round trip in the form
# bench.sh parses ("<ns> ns per round trip").
#
#   tests/bench/test_hf_memprobe.sh BUILD_DIR
#
# Exit 0 pass, 1 fail.
set -uo pipefail
B=${1:?usage: test_hf_memprobe.sh BUILD_DIR}
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

memprobe() { timeout 20 "$B/hf-memprobe" "$@"; }

expect 2 "two different CPU numbers" memprobe --pingpong 0,0
expect 2 "two different CPU numbers" memprobe --pingpong 0
expect 2 "two different CPU numbers" memprobe --pingpong 0,1x
expect 2 "two different CPU numbers" memprobe --pingpong -1,1
expect 1 "cannot run on CPUs 0 and 1023" memprobe --pingpong 0,1023
# the first two CPUs this process may use ("0-3,6" -> 0 1)
read -r a b < <(taskset -pc $$ 2>/dev/null | sed 's/.*: //' | tr ',' '\n' |
  awk -F- '{ if (NF == 2) for (i = $1; i <= $2; i++) print i; else print $1 }' |
  head -n 2 | tr '\n' ' ')
if [ -n "${b:-}" ]; then
  expect 0 "ns per round trip" memprobe --pingpong "$a,$b"
  ns=$(memprobe --pingpong "$a,$b" |
    sed -n 's/.*: \([0-9.]*\) ns per round trip.*/\1/p')
  if awk -v x="$ns" 'BEGIN { exit !(x > 0) }'; then
    echo "ok   round trip $ns ns, as bench.sh reads it"
  else
    echo "FAIL: bench.sh's pattern read '$ns' from the output"
    fail=1
  fi
else
  echo "skip the measuring case: one usable CPU"
fi

[ "$fail" = 0 ] && echo "hf-memprobe --pingpong: $n cases as expected"
exit "$fail"
