#!/usr/bin/env bash
# Fuzz the hostile-input parsers with libFuzzer: scripts/fuzz.sh [SECONDS]
#
# Configures build-fuzz with clang and -Dfuzz=true (ASan + UBSan + libFuzzer),
# builds the fuzz_<target> executables and runs each for SECONDS (default 60)
# on a scratch copy of its seeds (tests/fuzz/corpus/<target>) and regression
# inputs (tests/fuzz/regress/<target>); the checked-in corpus is never
# written to. Targets (tests/fuzz/fuzz_<target>.c):
#   packet   hf_pkt_parse, hf_dp_classify, hf_hash_pkt, hf_dp_flow_key
#   control  ICMP echo replies, probe-address ARP rules, proxy-ARP replies, VRRP
#   config   hf_config_load_string on the input as text
#
# config fuzzes without leak detection (libconfig 1.5 leaks on syntax errors,
# see tests/lsan.supp, which makes libFuzzer's per-input leak check 30 times
# slower), then replays its grown corpus once with it.
#
# On a finding (crash, sanitizer report, leak, timeout over 5 s, over 2 GB
# RSS) it prints the reproducer and the report, copies the input into
# tests/fuzz/regress/<target>/ (HF_FUZZ_SAVE=0: don't), where the
# replay-<target> test of every build re-runs it from then on, and exits 1.
# Exit: 0 no finding, 1 finding or build failure, 77 no usable clang/libFuzzer.
#
# Environment: HF_FUZZ_BUILD (default build-fuzz), HF_FUZZ_TARGETS
# (default "packet control config"), HF_FUZZ_KEEP=1 keeps the scratch
# directory (grown corpus, logs) on success too. See docs/testing.md.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

secs=${1:-60}
case $secs in
'' | *[!0-9]*)
  echo "usage: $0 [SECONDS]" >&2
  exit 2
  ;;
esac
build=${HF_FUZZ_BUILD:-$HF_ROOT/build-fuzz}
read -r -a targets <<<"${HF_FUZZ_TARGETS:-packet control config}"
fuzz_dir=$HF_ROOT/tests/fuzz

skip() {
  echo "SKIP: fuzz: $*"
  exit 77
}

# Does $CC link a libFuzzer target with ASan + UBSan?
fuzzer_links() {
  local d rc
  d=$(mktemp -d) || return 1
  printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return (int)(d == NULL && n > 0); }' \
    >"$d/t.c"
  "$CC" -fsanitize=fuzzer,address,undefined "$d/t.c" -o "$d/t" >/dev/null 2>&1
  rc=$?
  rm -rf "$d"
  return $rc
}

# clang with libFuzzer: the distribution's clang (Debian 12: clang-14) and
# the compiler-rt package of the same major version; installed when missing
# and we are root.
CC=${CC:-clang}
case $(basename "$CC") in clang*) ;; *) CC=clang ;; esac
if ! command -v "$CC" >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || skip "$CC not found (apt-get install clang libclang-rt-<N>-dev)"
  hf_deps clang || skip "could not install clang"
fi
if ! fuzzer_links; then
  major=$("$CC" --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)
  [ -n "$major" ] || skip "cannot tell the version of $CC"
  [ "$(id -u)" -eq 0 ] || skip "$CC cannot link -fsanitize=fuzzer: apt-get install libclang-rt-$major-dev"
  hf_deps "libclang-rt-$major-dev" || skip "could not install libclang-rt-$major-dev"
  fuzzer_links || skip "$CC still cannot link -fsanitize=fuzzer"
fi
export CC

if [ ! -f "$build/build.ninja" ]; then
  hf_log "configuring $build (CC=$CC, -Dfuzz=true)"
  meson setup "$build" "$HF_ROOT" -Dfuzz=true >/dev/null || {
    echo "FAIL: fuzz: meson setup $build"
    exit 1
  }
else
  meson configure "$build" -Dfuzz=true >/dev/null || exit 1
fi
exes=()
for t in "${targets[@]}"; do exes+=("tests/fuzz/fuzz_$t"); done
hf_log "building ${exes[*]}"
ninja -C "$build" "${exes[@]}" >/dev/null || {
  echo "FAIL: fuzz: build"
  exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/hf-fuzz.XXXXXX") || exit 1
# Leak reports are findings; the suppressions name libconfig's own leaks
# only (see tests/lsan.supp). UBSan stops at the first report (the targets
# are built with -fno-sanitize-recover=all); the stack says where.
export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$HF_ROOT/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for t in "${targets[@]}"; do
  exe=$build/tests/fuzz/fuzz_$t
  corpus=$work/$t/corpus
  arts=$work/$t/artifacts
  mkdir -p "$corpus" "$arts"
  cp "$fuzz_dir/corpus/$t"/* "$corpus"/ 2>/dev/null
  [ -d "$fuzz_dir/regress/$t" ] && cp "$fuzz_dir/regress/$t"/* "$corpus"/ 2>/dev/null
  nseed=$(find "$corpus" -type f | wc -l)
  opts=(-max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$arts/")
  [ -f "$fuzz_dir/$t.dict" ] && opts+=(-dict="$fuzz_dir/$t.dict")
  # config: libconfig 1.5 leaks on most syntax errors (tests/lsan.supp), and
  # libFuzzer runs a whole leak check after every input that leaks: 30 times
  # slower. So it fuzzes without, then replays its whole corpus once with
  # leak detection: every input that reached new code is checked for leaks.
  leakpass=0
  if [ "$t" = config ]; then
    opts+=(-detect_leaks=0)
    leakpass=1
  fi
  hf_log "fuzz_$t: ${secs}s from $nseed inputs"
  "$exe" "${opts[@]}" "$corpus" >"$work/$t/fuzz.log" 2>&1
  rc=$?
  if [ $rc -eq 0 ] && [ $leakpass -eq 1 ]; then
    "$exe" -runs=0 -detect_leaks=1 -timeout=5 -rss_limit_mb=2048 -artifact_prefix="$arts/" \
      "$corpus" >"$work/$t/leaks.log" 2>&1
    rc=$?
    [ $rc -eq 0 ] || cat "$work/$t/leaks.log" >>"$work/$t/fuzz.log"
  fi
  # one summary line: executions, speed, coverage (edges, features), corpus
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t/fuzz.log" | tail -n 1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t/fuzz.log" | tail -n 1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$work/$t/fuzz.log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$work/$t/fuzz.log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$last")
  echo "fuzz_$t: ${runs:-?} runs, ${eps:-?} exec/s, cov ${cov:-?} edges, ft ${ft:-?}," \
    "corpus ${corp:-?} (from $nseed), peak RSS ${rss:-?} MB, exit $rc"
  [ "$rc" -eq 0 ] && continue

  failed+=("$t")
  echo "FAIL: fuzz_$t found a problem (exit $rc); report:"
  # the report and its stack, without libFuzzer's and libc's own frames
  grep -E 'ERROR: |SUMMARY: |contract broken|runtime error|#[0-9]+ 0x' "$work/$t/fuzz.log" |
    grep -vE ' in (fuzzer::|__sanitizer_print_stack_trace|__pthread_kill|raise|abort|main|_start|__libc_start)|libc\.so' |
    head -n 40 | sed 's/^/    /'
  found=0
  for a in "$arts"/crash-* "$arts"/leak-* "$arts"/timeout-* "$arts"/oom-*; do
    [ -f "$a" ] || continue
    found=1
    echo "  reproducer: $a"
    echo "    input (hex): $(od -An -tx1 -v -N 256 "$a" | tr -d ' \n')$([ "$(stat -c %s "$a")" -gt 256 ] && echo ...)"
    echo "    replay: $exe $a"
    if [ "${HF_FUZZ_SAVE:-1}" != 0 ]; then
      mkdir -p "$fuzz_dir/regress/$t"
      cp "$a" "$fuzz_dir/regress/$t/"
      echo "    saved as regression input: tests/fuzz/regress/$t/$(basename "$a")" \
        "(commit it with the fix; replay-$t runs it)"
    fi
  done
  [ $found -eq 1 ] || echo "  no reproducer written; the full log is $work/$t/fuzz.log"
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]}; logs and artifacts kept in $work"
  exit 1
fi
if [ -n "${HF_FUZZ_KEEP:-}" ]; then
  echo "fuzz: no finding; grown corpora and logs kept in $work"
else
  rm -rf "$work"
  echo "fuzz: no finding"
fi
exit 0
