#!/usr/bin/env bash
# Build and run every test tier this machine can run; exit non-zero on any
# failure. Tiers: unit (cmocka), pcap (the real binary on net_pcap vdevs),
# e2e (network namespaces; skipped with the reason where they are not
# available). Ends with one line: "tests: N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
hf_need_root
hf_deps
hf_build || { echo "tests: 0 passed, 1 failed (build)"; exit 1; }

passed=0 failed=0 skipped=0
failed_names=()

# Run one meson suite and add its per-test results to the totals.
run_suite() {
	local suite=$1
	hf_log "tier: $suite"
	meson test -C "$HF_BUILD" --suite "$suite" --print-errorlogs --num-processes 1 \
		--logbase "testlog-$suite" || true
	local counts
	counts=$(python3 - "$HF_BUILD/meson-logs/testlog-$suite.json" <<'PY'
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
            bad.append(r.get("name", "?"))
except FileNotFoundError:
    f += 1
    bad.append("(no test log)")
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

for t in "$HF_ROOT"/tests/e2e/test_*.sh; do
	[ -e "$t" ] || continue
	run_script "e2e-$(basename "$t" .sh)" "$t" "$HF_BUILD"
done

echo
[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
