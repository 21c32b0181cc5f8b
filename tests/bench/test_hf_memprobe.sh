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
fail=0
n=0

# expect RC PATTERN -- hf-memprobe arguments
expect() {
  local rc=$1 pat=$2 got out
  shift 3
  n=$((n + 1))
  out=$(timeout 20 "$B/hf-memprobe" "$@" 2>&1)
  got=$?
  if [ "$got" != "$rc" ] || ! grep -q -- "$pat" <<<"$out"; then
    echo "FAIL case $n ($*): exit $got (want $rc), output:"
    sed 's/^/  | /' <<<"$out"
    fail=1
  else
    echo "ok   case $n: exit $got, '$pat'"
  fi
}

expect 2 "two different CPU numbers" -- --pingpong 0,0
expect 2 "two different CPU numbers" -- --pingpong 0
expect 2 "two different CPU numbers" -- --pingpong 0,1x
expect 2 "two different CPU numbers" -- --pingpong -1,1
expect 1 "cannot run on CPUs 0 and 1023" -- --pingpong 0,1023
# the first two CPUs this process may use ("0-3,6" -> 0 1)
read -r a b < <(taskset -pc $$ 2>/dev/null | sed 's/.*: //' | tr ',' '\n' |
  awk -F- '{ if (NF == 2) for (i = $1; i <= $2; i++) print i; else print $1 }' |
  head -n 2 | tr '\n' ' ')
if [ -n "${b:-}" ]; then
  expect 0 "ns per round trip" -- --pingpong "$a,$b"
  ns=$(timeout 20 "$B/hf-memprobe" --pingpong "$a,$b" |
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
