# SPDX-License-Identifier: BSD-3-Clause
# tests/bench/lib.sh: the case runner shared by the bench tools' tests
# (test_hf_gen.sh, test_hf_memprobe.sh, test_bench_report.sh,
# test_bench_bundle.sh, test_bench_refusals.sh). Sourced; sets n (cases
# run) and fail (1 after a failed case).
n=0
fail=0

# expect RC PATTERN CMD...: run CMD; the case passes when it exits RC and
# its output (stdout and stderr) contains PATTERN. n counts the case before
# CMD runs, so CMD may use it (a per-case --file-prefix).
expect() {
  local rc=$1 pat=$2 got out
  shift 2
  n=$((n + 1))
  out=$("$@" 2>&1)
  got=$?
  if [ "$got" != "$rc" ] || ! grep -q -- "$pat" <<<"$out"; then
    echo "FAIL case $n ($*): exit $got (want $rc), output:"
    sed 's/^/  | /' <<<"$out"
    fail=1
  else
    echo "ok   case $n: exit $got, '$pat'"
  fi
}
