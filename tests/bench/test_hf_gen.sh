#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# build/hf-gen, the benchmark's generator (scripts/bench.sh), refuses what
# it cannot use, with a reason and exit 2 (usage) or 1 (nothing to feed):
# a missing or bad option, no primary's ring, a capture it cannot read, no
# mbuf pool of that name, --flows it cannot make from the capture. Its
# working path needs a hugepage-backed primary and runs in scripts/bench.sh
# and in the cases at the end. Here hf-gen runs as a --no-huge primary of
# its own; the ring, where a case needs one, comes from a net_ring vdev in
# the same process. At the end, with root: hf-gen as the secondary of a
# hugepage-backed dpdk-testpmd, fed and refused (a pool without a ring),
# and of build/hf-poolprim, refused (pools no stock primary makes).
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
# hf_hugepages_reserve, hf_plugin_dirs
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

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

# Against a hugepage-backed primary, as in scripts/bench.sh: dpdk-testpmd
# (rxonly, so every frame hf-gen enqueues is received and freed) with a
# net_ring port, hf-gen as its secondary process. With the default pool
# handler hf-gen feeds it; with EAL's --mbuf-pool-ops-name stack the pool
# has no ring of its free mbufs to take them from, and hf-gen refuses it.
# (A pool whose handler is ring_sp_sc still has a multi-producer/consumer
# ring, with single-thread access in the primary: hf-gen cannot tell, see
# pool_ring_problem.) The stand-in primary build/hf-poolprim holds the
# pools no stock primary makes: one on a single-producer/consumer ring,
# and one on the stack handler beside a ring named like its free ring;
# hf-gen refuses both, saying why. Needs root to reserve 64 2 MiB
# hugepages for the test (given back at exit) and to mount hugetlbfs in a
# mount namespace of the test's own; skipped otherwise. The primary's pid is kept in a file:
# whatever ends the test (meson's timeout too), the EXIT trap kills it
# before it gives the pages back.
HP_NEED=64
# kill the primary a case left running (SIGKILL: its own shutdown can hang
# once its secondary is gone), and wait until it is gone
primary_kill() {
  local pid i
  for f in "$WD"/primary*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill -KILL "$pid" 2>/dev/null
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$f"
  done
}
GUARD=/run/hf-gent-guard-$$.pid
# the guardian (below) is stopped last: meson's timeout sends SIGTERM,
# then SIGKILL while this trap may still be waiting for the primary
trap 'primary_kill; hf_hugepages_restore; rm -rf "$WD" /var/run/dpdk/"$PFX"-*
  [ ! -f "$GUARD" ] || kill "$(cat "$GUARD")" 2>/dev/null; rm -f "$GUARD"' EXIT
# A test killed with SIGKILL runs no trap: a guardian outside its process
# group and tree (its parent exits at once) gives the pages back, and
# removes the work and runtime directories, once this shell is gone
# (the primary dies with it, and its pages with its mount namespace). guard
# OLD: the pool's size to give back.
guard() {
  (setsid sh -c 'echo $$ >"$6"; while kill -0 "$1" 2>/dev/null; do sleep 1; done
    echo "$2" >"$3"; rm -rf "$4" /var/run/dpdk/"$5"-* "$6"' \
    sh "$$" "$1" "$HF_HPD/nr_hugepages" "$WD" "$PFX" "$GUARD" </dev/null >/dev/null 2>&1 &)
}
hp_why=
hp_reserve() {
  if [ "$(id -u)" != 0 ] || ! command -v dpdk-testpmd >/dev/null; then
    hp_why="needs root and dpdk-testpmd"
    return 1
  fi
  mkdir -p "$WD/probe"
  if ! unshare -m --propagation private mount -t hugetlbfs -o pagesize=2M nodev "$WD/probe" \
    2>/dev/null; then
    hp_why="cannot mount hugetlbfs for 2 MiB pages in a mount namespace"
    return 1
  fi
  # the guardian first: it must know the size to give back before the raise
  [ "$(cat "$HF_HPD/free_hugepages")" -ge "$HP_NEED" ] || guard "$(cat "$HF_HPD/nr_hugepages")"
  hf_hugepages_reserve "$HP_NEED" || { hp_why=$HF_HP_WHY; return 1; }
}
# secondary PRIMARY POOL HF-GEN-OPTIONS...: the primary, then hf-gen on
# its pool POOL; exits with hf-gen's status and prints both programs'
# output (the primary's also in $WD/primary$n.log). PRIMARY is a pool
# handler for testpmd (ring_mp_mc, stack), or "poolprim" for
# build/hf-poolprim (tests/bench/hf-poolprim.c), whose pools no stock
# primary makes.
secondary() {
  local ops=$1 pool=$2
  shift 2
  mkdir -p "$WD/huge$n"
  unshare -m --propagation private sh -c '
    H=$1 P=$2 OPS=$3 LOG=$4 GEN=$5 PIDF=$6 POOL=$7 PRIM=$8
    shift 8
    mount -t hugetlbfs -o pagesize=2M nodev "$H" || exit 99
    if [ "$OPS" = poolprim ]; then
      "$PRIM" -l 0 -m 64 --huge-dir "$H" --no-pci --file-prefix "$P" \
        --vdev net_ring0,nodeaction=gent:0:CREATE >"$LOG" 2>&1 &
      ready="hf-poolprim: ready"
    else
      dpdk-testpmd -l 0,1 -m 64 --huge-dir "$H" --no-pci --file-prefix "$P" \
        --mbuf-pool-ops-name "$OPS" --vdev net_ring0,nodeaction=gent:0:CREATE -- \
        --total-num-mbufs=2048 --forward-mode=rxonly --nb-cores=1 --stats-period 1 >"$LOG" 2>&1 &
      ready="Port statistics"
    fi
    tp=$!
    echo "$tp" >"$PIDF"
    i=0
    until grep -q "$ready" "$LOG" || ! kill -0 "$tp" 2>/dev/null || [ $i -ge 100 ]; do
      sleep 0.1
      i=$((i + 1))
    done
    timeout --foreground -k 2 10 "$GEN" --proc-type=secondary --file-prefix "$P" --lcores 8@0 \
      --no-pci --huge-dir "$H" --log-level=error -- --ring gent --pool "$POOL" "$@"
    rc=$?
    kill "$tp" 2>/dev/null
    i=0
    while kill -0 "$tp" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL "$tp" 2>/dev/null
    wait "$tp"
    rm -f "$PIDF"
    cat "$LOG"
    exit $rc' sh "$WD/huge$n" "$PFX-$n" "$ops" "$WD/primary$n.log" "$B/hf-gen" \
    "$WD/primary$n.pid" "$pool" "$B/hf-poolprim" "$@"
}
# the stack handler is a plugin of its own in EAL's plugin directory
stack_plugin() {
  local dir
  for dir in $(hf_plugin_dirs "$B/hf-gen"); do
    ls "$dir"/librte_mempool_stack.so* >/dev/null 2>&1 && return 0
  done
  return 1
}
if hp_reserve; then
  expect 0 "hf-gen: sent [1-9][0-9]* in" secondary ring_mp_mc mb_pool_0 \
    --pcap "$WD/udp4.pcap" --seconds 1
  expect 0 "RX-packets: [1-9]" cat "$WD/primary$n.log"
  # a pool whose free ring is single-producer/single-consumer
  expect 1 "no mbuf pool hfp_sp on a multi-producer/consumer ring MP_hfp_sp: the ring is not multi-producer/multi-consumer" \
    secondary poolprim hfp_sp --pcap "$WD/udp4.pcap" --seconds 1
  if stack_plugin; then
    expect 1 "no mbuf pool mb_pool_0 on a multi-producer/consumer ring MP_mb_pool_0: no ring of that name" \
      secondary stack mb_pool_0 --pcap "$WD/udp4.pcap" --seconds 1
    expect 0 "preferred mempool ops selected: stack" cat "$WD/primary$n.log"
    # a ring named like the pool's free ring that is not the pool's
    expect 1 "no mbuf pool hfp_st on a multi-producer/consumer ring MP_hfp_st: the pool does not use that ring" \
      secondary poolprim hfp_st --pcap "$WD/udp4.pcap" --seconds 1
  else
    echo "(stack-handler cases not run: no mempool_stack plugin in EAL's plugin directory)"
  fi
else
  echo "(hugepage-backed primary cases not run: $hp_why)"
fi

[ "$fail" = 0 ] && echo "hf-gen: $n cases as expected"
exit "$fail"
