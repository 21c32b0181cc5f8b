#!/usr/bin/env bash
# Benchmark: reload the configuration N times (default 200) while the real
# binary forwards a replayed capture at full speed; prints frames lost
# (expected 0) and reload latency (min, median, p99, max). The assertions
# are those of tests/reload/test_reload.sh, which this runs with more
# reloads.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hf_need_root
hf_deps
hf_build
HF_RELOADS=${1:-200} exec "$HF_ROOT/tests/reload/test_reload.sh" "$HF_BUILD"
