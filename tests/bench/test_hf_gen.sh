#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# build/hf-gen, the benchmark's generator (scripts/bench.sh), refuses what
# it cannot use, with a reason and exit 2 (usage) or 1 (nothing to feed):
# a missing or bad option, no primary's ring, a capture it cannot read, no
# mbuf pool of that name, --flows it cannot make from the capture. Its
# working path needs a hugepage-backed primary and runs in scripts/bench.sh
# only. Here hf-gen runs as a --no-huge primary of its own; the ring, where
# a case needs one, comes from a net_ring vdev in the same process.
#
#   tests/bench/test_hf_gen.sh BUILD_DIR
#
# Exit 0 pass, 1 fail.
set -uo pipefail
B=${1:?usage: test_hf_gen.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PFX=hf-gent-$$
WD=$(mktemp -d /tmp/hf-gent.XXXXXX)
trap 'rm -rf "$WD" /var/run/dpdk/"$PFX"-*' EXIT
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

# gen OPTIONS: hf-gen as a --no-huge primary of its own, one runtime per case
gen() {
  "$B/hf-gen" --no-huge -m 64 --no-pci --no-telemetry --log-level=error \
    --file-prefix "$PFX-$n" "$@"
}

RING=(--vdev net_ring0,nodeaction=gent:0:CREATE)
NOPOOL="no mbuf pool nosuch on a multi-producer/consumer ring MP_nosuch: no such pool"
expect 2 "usage: hf-gen" gen -- --ring gent --pcap "$ROOT/pcap/demo.pcap"
expect 2 "usage: hf-gen" gen -- --ring gent --pool p --pcap x --seconds nan
expect 2 "usage: hf-gen" gen -- --ring gent --pool p --pcap x --seconds 5s
expect 1 "ring ETH_RXTX0_gent not found" gen -- --ring gent --pool p --pcap x
expect 1 "No such file" gen "${RING[@]}" -- --ring gent --pool p --pcap "$WD/none.pcap"
printf 'not a capture' >"$WD/bad.pcap"
expect 1 "bad.pcap" gen "${RING[@]}" -- --ring gent --pool p --pcap "$WD/bad.pcap"
expect 1 "$NOPOOL" gen "${RING[@]}" -- --ring gent --pool nosuch \
  --pcap "$ROOT/pcap/demo.pcap"
# --flows: a count out of range; a capture with a frame that has no UDP/TCP
# port to set (the demo capture has ARP, ICMP, ESP...); more flows than
# source ports for the frames; a valid count passes on to the pool check
expect 2 "usage: hf-gen" gen -- --ring gent --pool p --pcap x --flows 0
expect 2 "usage: hf-gen" gen -- --ring gent --pool p --pcap x --flows 16777217
expect 2 "usage: hf-gen" gen -- --ring gent --pool p --pcap x --flows 12k
expect 2 "is not untagged IPv4 (no options, not a fragment) with UDP or TCP" \
  gen "${RING[@]}" -- --ring gent --pool p --pcap "$ROOT/pcap/demo.pcap" --flows 1000
"$B/hf-microbench" --scenario large --gen-only --write-pcap "$WD/udp4.pcap" --pcap-frames 4 -q ||
  { echo "FAIL: hf-microbench could not write the 4-frame UDP capture"; exit 1; }
expect 2 "needs more than 64512 source ports per frame of 4" gen "${RING[@]}" -- --ring gent \
  --pool p --pcap "$WD/udp4.pcap" --flows 258049
expect 1 "$NOPOOL" gen "${RING[@]}" -- --ring gent --pool nosuch \
  --pcap "$WD/udp4.pcap" --flows 258048

[ "$fail" = 0 ] && echo "hf-gen: $n refusals as expected"
exit "$fail"
