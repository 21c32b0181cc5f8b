#!/usr/bin/env bash
# Build and run every test tier this machine can run; exit non-zero on any
# failure. Tiers: unit (cmocka), pcap (the real binary on net_pcap vdevs),
# e2e (network namespaces; skipped with the reason where they are not
# available), then, unless HF_NO_SANITIZE=1, unit and pcap again under
# ASan + UBSan (build-asan) and the fuzzers for HF_FUZZ_SECONDS (default 20)
# each (build-fuzz, clang; skipped without it; 0 skips). See docs/testing.md.
# Ends with one line: "tests: N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
hf_need_root
hf_deps
hf_build || { echo "tests: 0 passed, 1 failed (build)"; exit 1; }

passed=0 failed=0 skipped=0
failed_names=()

# Run one meson suite in a build directory (default $HF_BUILD) and add its
# per-test results to the totals; failed tests are named with the prefix.
run_suite() {
	local suite=$1 build=${2:-$HF_BUILD} prefix=${3:-}
	hf_log "tier: $prefix$suite"
	HF_BUILD=$build meson test -C "$build" --suite "$suite" --print-errorlogs --num-processes 1 \
		--logbase "testlog-$suite" || true
	local counts
	counts=$(python3 - "$build/meson-logs/testlog-$suite.json" "$prefix" <<'PY'
import json, sys
p = f = s = 0
bad = []
try:
    for line in open(sys.argv[1]):
        r = json.loads(line)
        res = r.get("result")
        if res in ("OK", "EXPECTEDFAIL"):
            p += 1
        elif res == "SKIP":
            s += 1
        else:
            f += 1
            bad.append(sys.argv[2] + r.get("name", "?"))
except FileNotFoundError:
    f += 1
    bad.append(sys.argv[2] + "(no test log)")
print(p, f, s, " ".join(bad))
PY
)
	read -r p f s bad <<<"$counts"
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	[ -n "${bad:-}" ] && failed_names+=($bad)
}

run_suite unit
run_suite pcap
run_suite reload
run_suite ctl

# Standalone tiers: scripts that exit 0 (pass), 77 (skipped) or other (fail).
run_script() {
	local name=$1; shift
	hf_log "tier: $name"
	"$@"
	local rc=$?
	case $rc in
	0) passed=$((passed + 1)) ;;
	77) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)); failed_names+=("$name") ;;
	esac
}

# The Debian package: built in a temporary copy, installed, used, purged.
run_script package "$HF_ROOT/tests/pkg/test_package.sh" "$HF_ROOT"

for t in "$HF_ROOT"/tests/e2e/test_*.sh; do
	[ -e "$t" ] || continue
	run_script "e2e-$(basename "$t" .sh)" "$t" "$HF_BUILD"
done

# Sanitizer tiers; HF_NO_SANITIZE=1 leaves them out.
if [ "${HF_NO_SANITIZE:-0}" != 1 ]; then
	# ASan + UBSan (gcc, -Dsanitize=true) in build-asan: unit and pcap again,
	# the pcap cases running the instrumented binary (--no-huge works there).
	#  detect_leaks=1: leak check at exit; LSan is also on by default on
	#    x86_64 Linux, this keeps it on when the default or a caller's
	#    environment says otherwise.
	#  abort_on_error=0: a report ends the process with exit status 1
	#    rather than SIGABRT, so meson and run_case.sh (which runs the
	#    binary under timeout(1)) see a plain failing status and print the
	#    log with the report in it.
	#  detect_odr_violation=0: only matters when DPDK itself is built with
	#    ASan; then a symbol defined both in a librte_* and in a driver
	#    loaded as a plugin is reported as an ODR violation, which is
	#    DPDK's packaging, not a bug of ours.
	#  UBSan: print_stacktrace=1 says where (it prints none by default);
	#  halt_on_error=1 stops at the first report (the build also passes
	#    -fno-sanitize-recover=all, so this holds with either).
	#  LSan suppressions: libconfig 1.5's own leaks only (tests/lsan.supp).
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_odr_violation=0
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	export LSAN_OPTIONS=suppressions=$HF_ROOT/tests/lsan.supp:print_suppressions=0
	asan_build=$HF_ROOT/build-asan
	if (HF_BUILD=$asan_build && hf_build -Dsanitize=true); then
		run_suite unit "$asan_build" asan-
		run_suite pcap "$asan_build" asan-
	else
		failed=$((failed + 1)); failed_names+=(asan-build)
	fi
	# libFuzzer targets (clang; skipped when it is not there or installable).
	if [ "${HF_FUZZ_SECONDS:-20}" != 0 ]; then
		run_script fuzz bash "$HF_ROOT/scripts/fuzz.sh" "${HF_FUZZ_SECONDS:-20}"
	fi
fi

echo
[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
