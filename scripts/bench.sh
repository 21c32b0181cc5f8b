#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark (DESIGN.md, test tier 4; not a test, not run by scripts/test.sh):
#
#  1. the whole binary against dpdk-testpmd --forward-mode=macswap on the
#     same vdevs, alternated A B C A B C ... (--runs rounds):
#       A  build/hyperflow, 1 worker, 1 cluster x 4 members
#       B  dpdk-testpmd macswap, 1 forwarding core
#       C  build/hyperflow, 1 worker, 512 clusters x 16 members
#       D  (ring only) build/hyperflow, 512 x 16, 5-tuple, 1,048,576 flows
#          tracked (hf-gen --flows), flow table 2^21
#     on two kinds of rx port (--rx), tx = net_null0 (no-rx=1: a sink):
#       pcap  net_pcap0 replaying a generated capture from memory
#             (infinite_rx=1): the worker copies every frame in; --no-huge;
#       ring  net_ring0 fed by build/hf-gen, the project's generator, a DPDK
#             secondary process on CPU 0 (--gen-cpu): frames arrive written by another
#             core, as from a NIC; needs hugepages (reserved for the run as
#             root when there are too few, and given back at exit).
#     The rate is the rx counter of port 0 (/ethdev/stats,0 over DPDK
#     telemetry, the same counter for both programs) over --seconds S,
#     after 1 s of warm-up. Around every ring run, hf-memprobe --pingpong
#     G,1 times a cache line's round trip between the two CPUs (the ring
#     runs are a two-CPU pipeline); the report gives the ring figures over
#     all runs and over the runs where the CPUs were near (both readings
#     below the widest gap between the readings, see xcpu_report).
#  2. hf-microbench: cycles/packet of the worker's per-packet work for the
#     scenarios small (1x4), large (512x16), flows (512x16, 2^20 flows) and
#     small5 (1x4, 5-tuple), and instructions/packet (perf counter, or
#     callgrind where the CPU exposes none, as in most VMs).
#
# usage: scripts/bench.sh [--runs N] [--seconds S] [--rx pcap|ring|both]
#                         [--no-micro] [--no-callgrind] [--gen-cpu G]
#                         [--out FILE] [--keep]
#        scripts/bench.sh --print-sampler   (the rate sampler, for bench-scaling.sh)
#        scripts/bench.sh --xcpu-cutoff < READINGS   (the near/far cutoff of
#                         round-trip readings in ns, one per line; for tests)
# --gen-cpu G puts hf-gen on CPU G (default 0, shared with the control
# lcore; on a machine with 3 or more CPUs give it one of its own).
# Needs 2 CPUs (lcores 0 and 1), dpdk-testpmd (package dpdk-dev) for B,
# valgrind for instruction counts on CPUs without a counter. See
# docs/performance.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

RUNS=5
SECS=5
WARM=1
MICRO=1
CALLGRIND=1
OUT=
KEEP=0
RX=both
GEN_CPU=0

# Sampler: waits for the telemetry socket and for port 0 to receive, lets
# WARM seconds pass, then reads /ethdev/stats,0 twice, SECS apart, and the
# on-CPU time of the polling threads (EAL "rte-worker-N", from
# /proc/PID/task/TID/schedstat) over the same window. Prints
#   RATE <pps wall> <pps per on-CPU second> <cpu share> <preemptions> port=...
#        ... flows=<entries in hyperflow's flow tables at the end, or ->
# The second figure is packets per second of polling-thread CPU time, i.e.
# per busy core: what a core does when nothing else runs on it (on a shared
# machine other processes take turns on the worker's CPU). queues= gives
# the wall-clock rate of each rx queue of port 0.
sampler_py() {
  cat <<'PY'
import json, os, socket, sys, time
prefix, warm, secs, pid = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
dirs = ["/var/run/dpdk", os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")]
path = None
deadline = time.monotonic() + 30
while path is None:
    for d in dirs:
        p = os.path.join(d, prefix, "dpdk_telemetry.v2")
        if os.path.exists(p):
            path = p
    if path is None:
        if time.monotonic() > deadline or not os.path.exists("/proc/%d" % pid):
            print("ERROR no telemetry socket for", prefix); sys.exit(1)
        time.sleep(0.1)
def query(cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.recv(1 << 16)                       # greeting
    s.send(cmd.encode())
    r = json.loads(s.recv(1 << 20).decode())
    s.close()
    return r[cmd.split(",")[0]]
def workers():
    """(on-CPU ns, involuntary context switches) summed over the polling lcores"""
    ns = ics = 0
    base = "/proc/%d/task" % pid
    for tid in os.listdir(base):
        try:
            comm = open("%s/%s/comm" % (base, tid)).read().strip()
            if not (comm.startswith("rte-worker-") or comm.startswith("lcore-worker-")):
                continue
            ns += int(open("%s/%s/schedstat" % (base, tid)).read().split()[0])
            for line in open("%s/%s/status" % (base, tid)):
                if line.startswith("nonvoluntary_ctxt_switches"):
                    ics += int(line.split()[1])
        except (OSError, ValueError):
            pass
    return ns, ics
# wait until port 0 receives, so start-up (capture preload) is not counted
deadline = time.monotonic() + 30
while True:
    try:
        if query("/ethdev/stats,0")["ipackets"] > 0:
            break
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if time.monotonic() > deadline or not os.path.exists("/proc/%d" % pid):
        print("ERROR port 0 never received"); sys.exit(1)
    time.sleep(0.05)
name = query("/ethdev/info,0").get("name", "?")
time.sleep(warm)
w0 = workers(); t0 = time.monotonic(); s0 = query("/ethdev/stats,0")
time.sleep(secs)
w1 = workers(); t1 = time.monotonic(); s1 = query("/ethdev/stats,0")
a, b = s0["ipackets"], s1["ipackets"]
cpu = (w1[0] - w0[0]) / 1e9
queues = [y - x for x, y in zip(s0.get("q_ipackets", []), s1.get("q_ipackets", []))]
while len(queues) > 1 and queues[-1] == 0:
    queues.pop()
try:
    flows = query("/hyperflow/flows")["entries"]   # hyperflow only
except (OSError, ValueError, KeyError, TypeError):
    flows = "-"
print("RATE %.0f %.0f %.3f %d port=%s packets=%d seconds=%.3f queues=%s flows=%s" % (
    (b - a) / (t1 - t0), (b - a) / cpu if cpu > 0 else 0, cpu / (t1 - t0), w1[1] - w0[1],
    name, b - a, t1 - t0, ",".join("%.0f" % (q / (t1 - t0)) for q in queues), flows))
PY
}

usage() {
  sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

# The near/far cutoff of the cross-CPU round-trip readings on stdin (ns,
# one per line; "-" for a missing reading): the geometric middle of the
# widest gap between consecutive sorted readings where the value above is
# 2x or more the one below; without such a gap, the largest reading (every
# run counts as near). Nothing when there is no reading.
xcpu_cutoff() {
  { grep -v '^-$' || true; } | sort -g | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) exit
      best = 1; at = 0
      for (i = 1; i < NR; i++)
        if (v[i] > 0 && v[i + 1] / v[i] > best) { best = v[i + 1] / v[i]; at = i }
      if (best >= 2) printf "%.1f", sqrt(v[at] * v[at + 1])
      else printf "%.1f", v[NR]
    }'
}

while [ $# -gt 0 ]; do
  case $1 in
  --runs) RUNS=$2; shift 2 ;;
  --seconds) SECS=$2; shift 2 ;;
  --no-micro) MICRO=0; shift ;;
  --no-callgrind) CALLGRIND=0; shift ;;
  --out) OUT=$2; shift 2 ;;
  --rx) RX=$2; shift 2 ;;
  --gen-cpu) GEN_CPU=$2; shift 2 ;;
  --keep) KEEP=1; shift ;;
  --print-sampler) sampler_py; exit 0 ;;   # shared with scripts/bench-scaling.sh
  --xcpu-cutoff) xcpu_cutoff; echo; exit 0 ;;
  -h|--help) usage; exit 0 ;;
  *) echo "bench.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$RUNS$SECS" in *[!0-9]*|'') echo "bench.sh: --runs and --seconds take integers" >&2; exit 2 ;; esac
if [ "$RUNS" -lt 1 ] || [ "$SECS" -lt 1 ]; then
  echo "bench.sh: --runs, --seconds >= 1" >&2
  exit 2
fi

case $RX in pcap|ring|both) ;; *) echo "bench.sh: --rx pcap, ring or both" >&2; exit 2 ;; esac
case $GEN_CPU in *[!0-9]*|'') echo "bench.sh: --gen-cpu takes a CPU number" >&2; exit 2 ;; esac
GEN_CPU=$((10#$GEN_CPU))
if [ "$GEN_CPU" = 1 ] || [ "$GEN_CPU" -ge "$(nproc)" ]; then
  echo "bench.sh: --gen-cpu $GEN_CPU: not CPU 1 (the worker's), and below $(nproc)" >&2
  exit 2
fi

if [ "$(nproc)" -lt 2 ]; then
  echo "bench.sh: needs 2 CPUs (main lcore 0 and one worker lcore 1); this machine has $(nproc)"
  exit 77
fi
TESTPMD=$(command -v dpdk-testpmd || true)
VALGRIND=$(command -v valgrind || true)
[ "$CALLGRIND" = 1 ] || VALGRIND=

# Each program run: start-up (EAL, capture preload) ~1.5 s, warm-up, S s
# measured, stop ~0.5 s. Every run is killed at S + 30 s at the latest.
MODES=(pcap ring)
[ "$RX" = both ] || MODES=("$RX")
D_FLOWS=1048576
# kinds_of MODE: the programs run on that rx kind
kinds_of() { if [ "$1" = ring ]; then echo A B C D; else echo A B C; fi; }
nruns=0   # program runs per round
for m in "${MODES[@]}"; do nruns=$((nruns + $(kinds_of "$m" | wc -w))); done
per_run=$((SECS + WARM + 3))
expected=$((RUNS * nruns * per_run + (MICRO ? 40 : 0) + (MICRO && ${#VALGRIND} ? 30 : 0) + 10))
bound=$((RUNS * nruns * (SECS + 45) + (MICRO ? 200 : 0) + (MICRO && ${#VALGRIND} ? 600 : 0) + 60))
hf_log "bench: $RUNS round(s) of A B C (and D on ring) on rx ${MODES[*]}, $SECS s each;" \
  "expected duration" \
  "about ${expected} s (bounded by ${bound} s)"

hf_build
B=$HF_BUILD
for x in hyperflow hf-pcapgen hf-microbench hf-gen hf-memprobe; do
  [ -x "$B/$x" ] || { echo "bench.sh: $B/$x missing after the build" >&2; exit 1; }
done

WD=$(mktemp -d /tmp/hf-bench.XXXXXX)
PFX=hf-bench-$$
CHILD=
GEN=
HP_MOUNTED=    # the hugetlbfs mount point, when it mounted one
HP_MKDIR=      # the mount point, when it created it
# A DPDK primary leaves its hugepage files (<prefix>map_N) on every
# hugetlbfs mount when it exits; they keep the pages taken. Remove those of
# prefix $1 (a glob).
hugepage_files_rm() {
  local m
  for m in $(awk '$3 == "hugetlbfs" {print $2}' /proc/mounts); do
    rm -f "$m"/$1map_* 2>/dev/null || true
  done
}
cleanup() {
  for c in $GEN $CHILD; do
    if kill -0 "$c" 2>/dev/null; then
      kill -KILL "$c" 2>/dev/null || true
      wait "$c" 2>/dev/null || true
    fi
  done
  hugepage_files_rm "$PFX-*"
  if [ -n "$HP_MOUNTED" ]; then
    umount "$HP_MOUNTED" 2>/dev/null || true
  fi
  if [ -n "$HP_MKDIR" ]; then
    rmdir "$HP_MKDIR" 2>/dev/null || true
  fi
  hf_hugepages_restore
  rm -rf /var/run/dpdk/"$PFX"-* "${XDG_RUNTIME_DIR:-/nonexistent}"/dpdk/"$PFX"-* 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then
    echo "bench.sh: files kept in $WD"
  else
    rm -rf "$WD"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- traffic and configurations -------------------------------------------

# A: many destinations to one cluster of 4 members, 60-byte IPv4 frames
# (hf-pcapgen's cluster mix: UDP 500/4500, ESP, TCP, ICMP, fragments).
"$B/hf-pcapgen" -o "$WD/small.pcap" --manifest "$WD/small.json" --packets 4096 \
  --dests 309 --clients 190 --max-payload 0 --vlan-share 0 --ipv6-share 0
cp "$HF_ROOT/conf/bench.conf" "$WD/small.conf"
# C: 512 clusters x 16 members. hf-pcapgen stops at 32 clusters, so the
# configuration and the capture (frames to every cluster MAC) come from
# hf-microbench, the same ones its "large" scenario measures.
"$B/hf-microbench" --scenario large --gen-only --write-config "$WD/large.conf" \
  --write-pcap "$WD/large.pcap" --pcap-frames 4096 -q
# D (ring only): the same clusters with the 5-tuple hash and a flow table
# of 2^21 (hf-microbench's "flows" configuration), fed large.pcap by
# hf-gen --flows 1048576: every frame a flow of its own 1M, each seen again
# a million frames later
"$B/hf-microbench" --scenario flows --gen-only --write-config "$WD/flows.conf" -q
for c in small large flows; do
  "$B/hyperflow" -- -c "$WD/$c.conf" --check-config >/dev/null
done
# the same on net_ring: lan0 is the ring port "hfin"
for c in small large flows; do
  sed 's/"net_pcap0"/"hfin"/' "$WD/$c.conf" >"$WD/$c-ring.conf"
  grep -q '"hfin"' "$WD/$c-ring.conf" || { echo "bench.sh: $c.conf has no net_pcap0 port" >&2; exit 1; }
done

sampler_py >"$WD/sample.py"
notes=()

# ---- hugepages for the ring runs ---------------------------------------------

# A DPDK secondary process shares the primary's memory only when it is
# hugepage-backed (--no-huge memory is private). Each ring run needs 1 GiB
# (-m 1024) plus DPDK's own: with fewer free 2 MiB pages, reserve the
# difference (root; hf_hugepages_reserve gives a failed raise back at once,
# the pcap runs need the memory), mount hugetlbfs for 2 MiB pages if none
# is mounted, and undo both at exit. Sets HF_HP_WHY and returns non-zero
# when that cannot be done. (Not run in a subshell: HF_HP_OLD and
# HP_MOUNTED must reach cleanup.)
hugepages_setup() {
  local mnt
  hf_hugepages_reserve 576 || return 1
  if ! awk '$3 == "hugetlbfs" && $4 ~ /pagesize=2M/ {found=1} END {exit !found}' /proc/mounts; then
    mnt=/dev/hugepages
    # /dev/hugepages may hold another size's mount
    awk -v m="$mnt" '$2 == m {found=1} END {exit !found}' /proc/mounts && mnt=/dev/hugepages-2M
    [ -d "$mnt" ] || { mkdir -p "$mnt" && HP_MKDIR=$mnt; }
    mount -t hugetlbfs -o pagesize=2M nodev "$mnt" 2>/dev/null || {
      HF_HP_WHY="no hugetlbfs for 2 MiB pages mounted, and mounting one on $mnt failed"
      hf_hugepages_restore
      return 1
    }
    HP_MOUNTED=$mnt
  fi
  return 0
}
if [ "$RX" != pcap ]; then
  if hugepages_setup; then
    hf_log "ring runs: $(cat "$HF_HPD/free_hugepages") free 2 MiB" \
      "hugepages${HF_HP_OLD:+ (nr_hugepages raised from $HF_HP_OLD for this run)}"
  else
    notes+=("ring runs skipped: $HF_HP_WHY")
    MODES=(pcap)
    [ "$RX" = ring ] && { echo "bench.sh: --rx ring: $HF_HP_WHY" >&2; exit 77; }
  fi
fi

# ---- program runs -----------------------------------------------------------

# wait_until PID CMD...: up to 10 s until CMD succeeds, or PID has exited
wait_until() {
  local pid=$1 t
  shift
  for t in $(seq 100); do
    "$@" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
}

# xcpu_ns: a cache line's round trip between hf-gen's CPU and the worker's
# (CPU 1) in ns, or "-"
xcpu_ns() {
  timeout 5 "$B/hf-memprobe" --pingpong "$GEN_CPU",1 2>/dev/null |
    sed -n 's/.*: \([0-9.]*\) ns per round trip.*/\1/p' | grep . || echo -
}

# run_one MODE KIND IDX: sets W (wall pps), C (pps per on-CPU second of the
# worker), U (worker CPU share, 1.0 = had its CPU to itself) and P
# (involuntary context switches of the worker), or W=C=fail; F, the
# entries in hyperflow's flow tables at the end ("-" for testpmd); for
# ring runs also X0 and X1, xcpu_ns before and after the run
run_one() {
  local mode=$1 kind=$2 idx=$3 pfx=$PFX-$1-$2-$3 log=$WD/$1-$2-$3.log rate
  local conf=$WD/small.conf pcap=$WD/small.pcap eal rxdev pool genflows=()
  [ "$kind" = C ] && conf=$WD/large.conf pcap=$WD/large.pcap
  [ "$kind" = D ] && conf=$WD/flows.conf pcap=$WD/large.pcap genflows=(--flows "$D_FLOWS")
  if [ "$mode" = pcap ]; then
    eal=(--no-huge -m 1024 --no-pci)
    rxdev="net_pcap0,rx_pcap=$pcap,infinite_rx=1"
  else
    # the ring is "ETH_RXTX0_hfin", the port's name "hfin"
    eal=(-m 1024 --no-pci)
    rxdev="net_ring0,nodeaction=hfin:0:CREATE"
    conf=${conf%.conf}-ring.conf
    X0=$(xcpu_ns)
  fi
  case $kind in
  A|C|D)
    "$B/hyperflow" -l 0,1 "${eal[@]}" --file-prefix "$pfx" \
      --vdev "$rxdev" --vdev net_null0,no-rx=1 \
      -- -c "$conf" --stats-file "$WD/$mode-$kind-$idx.json" --status-interval 0 \
      >"$log" 2>&1 &
    pool=hf_mbuf
    ;;
  B)
    # --stats-period keeps testpmd forwarding without a terminal (else it
    # stops at "Press enter to exit" on EOF); it prints from the main lcore.
    stdbuf -oL "$TESTPMD" -l 0,1 "${eal[@]}" --file-prefix "$pfx" \
      --vdev "$rxdev" --vdev net_null0,no-rx=1 \
      -- --forward-mode=macswap --nb-cores=1 --total-num-mbufs=16384 --stats-period 1 \
      </dev/null >"$log" 2>&1 &
    pool=mb_pool_0
    ;;
  esac
  CHILD=$!
  if [ "$mode" = ring ]; then
    # after the primary's start-up (hyperflow's gratuitous ARPs go out on
    # this port: hf-gen must be the ring's only producer), from CPU GEN_CPU as
    # lcore 8, an id the primary does not use
    wait_until "$CHILD" test -S /var/run/dpdk/"$pfx"/dpdk_telemetry.v2
    sleep 2
    "$B/hf-gen" --proc-type=secondary --file-prefix "$pfx" --lcores "8@$GEN_CPU" --no-pci \
      --log-level=error -- --ring hfin --pool "$pool" --pcap "$pcap" "${genflows[@]}" \
      --seconds $((WARM + SECS + 8)) >"$WD/$mode-$kind-$idx.gen" 2>&1 &
    GEN=$!
    # the sampler's warm-up starts when frames flow: port 0 has already
    # received hyperflow's own gratuitous ARPs, so wait for hf-gen's start
    wait_until "$GEN" grep -q 'frame(s) from' "$WD/$mode-$kind-$idx.gen"
  fi
  rate=$(timeout $((SECS + 30)) python3 "$WD/sample.py" "$pfx" "$WARM" "$SECS" "$CHILD" \
    2>>"$log" || true)
  if [ -n "$GEN" ]; then
    kill -INT "$GEN" 2>/dev/null || true
    wait "$GEN" 2>/dev/null || true
    GEN=
  fi
  hf_stop "$CHILD"
  CHILD=
  if [ "$mode" = ring ]; then
    hugepage_files_rm "$pfx"
    X1=$(xcpu_ns)
  fi
  rm -rf /var/run/dpdk/"$pfx" 2>/dev/null || true
  echo "$rate" >>"$log"
  case $rate in
  RATE*) read -r _ W C U P _ <<<"$rate"; F=$(sed -n 's/.* flows=\([^ ]*\).*/\1/p' <<<"$rate") ;;
  *) W=fail C=fail U=- P=- F=- ;;
  esac
}

# A, C and D must forward every frame: check the final counters. On the ring
# the port also receives hyperflow's own gratuitous ARPs back (one ring for
# rx and tx), punted and counted as dropped "punt_other": those only.
check_hf() {
  python3 - "$1" "$2" <<'PY' 2>/dev/null || echo "unreadable stats"
import json, sys
d = json.load(open(sys.argv[2]))
t = d["totals"]
own = d["drops"].get("punt_other", 0) if sys.argv[1] == "ring" else 0
fwd = t["rx"] - own
print("ok" if t["dropped"] == own and fwd > 0 and 0 <= t["tx"] - fwd <= 2048
      else "rx %d tx %d dropped %d" % (t["rx"], t["tx"], t["dropped"]))
PY
}

# runs_of ARRAY MODE KIND: the values of KIND's runs on MODE, failed runs left out
runs_of() {
  local -n arr=$1
  local i
  for i in $(seq "$RUNS"); do
    [ "${arr[$2,$3,$i]:-fail}" = fail ] || echo "${arr[$2,$3,$i]}"
  done
  return 0
}
# mpps RATE: in Mpps; "fail" for a failed run, "n/a" for the median of no run
mpps() { awk -v x="$1" 'BEGIN { if (x == "fail" || x == "") print "fail"; else if (x == "nan") print "n/a"
  else printf "%.2f", x/1e6 }'; }

declare -A RW RC RU RF RX0 RX1
X0= X1= F=-
LOADS=()
[ -n "$TESTPMD" ] || notes+=("dpdk-testpmd not found (package dpdk-dev): B skipped")
for i in $(seq "$RUNS"); do
  LOADS[i]=$(cut -d' ' -f1 /proc/loadavg)
  for m in "${MODES[@]}"; do
    line=
    for k in $(kinds_of "$m"); do
      if [ "$k" = B ] && [ -z "$TESTPMD" ]; then
        W=fail C=fail U=- P=- F=-
      else
        run_one "$m" "$k" "$i"
      fi
      RW[$m,$k,$i]=$W RC[$m,$k,$i]=$C RU[$m,$k,$i]=$U RF[$m,$k,$i]=$F
      [ "$m" = pcap ] || { RX0[$m,$k,$i]=$X0 RX1[$m,$k,$i]=$X1; }
      if [ "$k" != B ]; then
        s=$(check_hf "$m" "$WD/$m-$k-$i.json")
        [ "$s" = ok ] || notes+=("$m $k run $i: $s")
      fi
      line+="$k $(mpps "$W") ($P preemptions${X0:+, xcpu $X0/$X1 ns}$([ "$k" != D ] || echo ", $F flows")) "
      X0= X1=
    done
    hf_log "round $i/$RUNS, rx $m: ${line}Mpps (load ${LOADS[i]})"
  done
done

# ---- microbenchmark ---------------------------------------------------------

SCEN=(small large flows small5)
MB_ROUNDS=5
declare -A CYC INS MPC SPREAD
if [ "$MICRO" = 1 ]; then
  # MB_ROUNDS rounds over the scenarios, each a median of 5 timed runs: a
  # neighbour's burst then hits one round of every scenario, not all the
  # runs of one; the figure is the median of the rounds, with their range.
  declare -A RCYC
  TSC_GHZ=0
  for r in $(seq "$MB_ROUNDS"); do
    for s in "${SCEN[@]}"; do
      res=$("$B/hf-microbench" --no-huge -m 512 --no-pci --no-telemetry \
        --file-prefix "$PFX-mb" -l 1 -- --scenario "$s" --runs 5 -q 2>>"$WD/micro.log" |
        grep '^RESULT' || true)
      echo "$res" >>"$WD/micro.log"
      c=$(sed -n 's/.* cycles_pkt=\([^ ]*\).*/\1/p' <<<"$res")
      [ -n "$c" ] && RCYC[$s]+="$c "
      ins=$(sed -n 's/.* instr_pkt=\([^ ]*\).*/\1/p' <<<"$res")
      [ -n "${INS[$s]:-}" ] || INS[$s]=$ins
      t=$(sed -n 's/.* tsc_ghz=\([^ ]*\).*/\1/p' <<<"$res")
      [ -z "$t" ] || TSC_GHZ=$t
    done
  done
  for s in "${SCEN[@]}"; do
    CYC[$s]=$(tr ' ' '\n' <<<"${RCYC[$s]:-}" | { grep . || true; } | hf_median)
    SPREAD[$s]=$(tr ' ' '\n' <<<"${RCYC[$s]:-}" | { grep . || true; } | sort -g |
      awk 'NR==1 {lo=$1} {hi=$1} END {if (NR) printf "%s-%s", lo, hi}')
    if [ "${CYC[$s]}" = nan ]; then CYC[$s]=fail; INS[$s]=na; MPC[$s]=; else
      MPC[$s]=$(awk -v c="${CYC[$s]}" -v g="$TSC_GHZ" \
        'BEGIN { if (c > 0 && g > 0) printf "%.2f", g * 1000 / c }')
    fi
    [ -n "${INS[$s]}" ] || INS[$s]=na
    if [ "${INS[$s]}" = na ] && [ -n "$VALGRIND" ]; then
      c=$(timeout 600 "$VALGRIND" --tool=callgrind --callgrind-out-file="$WD/cg.$s" \
        --collect-atstart=no --toggle-collect=mb_measured_burst \
        "$B/hf-microbench" --no-huge -m 512 --no-pci --no-telemetry \
        --file-prefix "$PFX-cg" -l 1 -- --scenario "$s" --callgrind -q \
        2>>"$WD/callgrind.log" | grep '^CALLGRIND' || true)
      pk=$(sed -n 's/.* packets=\([0-9]*\).*/\1/p' <<<"$c")
      ir=$(sed -n 's/^summary: *//p' "$WD/cg.$s" 2>/dev/null || true)
      if [ -n "$pk" ] && [ -n "$ir" ]; then
        INS[$s]=$(awk -v i="$ir" -v p="$pk" 'BEGIN { printf "%.1f (callgrind)", i/p }')
      fi
    fi
  done
  rm -rf /var/run/dpdk/"$PFX"-mb /var/run/dpdk/"$PFX"-cg 2>/dev/null || true
fi

# ---- report -------------------------------------------------------------------

# The ring runs' cross-CPU round trips, and the ring figures over the runs
# where the two CPUs were near (on a VM the host places the vCPUs near or
# far, and a far placement slows both programs several-fold). The readings
# fall into two groups there (~50-120 ns, ~330-380 ns here): the cutoff is
# the geometric middle of the widest gap between consecutive sorted
# readings when the values on either side differ by 2x or more; otherwise
# the readings are one group and every run counts as near.
# near_rates KIND THRESHOLD: the ring rates of KIND's runs with both
# round-trip readings <= THRESHOLD ns, one per line
near_rates() {
  local i
  for i in $(seq "$RUNS"); do
    if [ "${RW[ring,$1,$i]}" != fail ] &&
      awk -v a="${RX0[ring,$1,$i]:--}" -v b="${RX1[ring,$1,$i]:--}" -v t="$2" \
        'BEGIN { exit !(a != "-" && b != "-" && a + 0 <= t + 0 && b + 0 <= t + 0) }'; then
      echo "${RW[ring,$1,$i]}"
    fi
  done
  return 0
}
xcpu_report() {
  local k i thr line rates
  declare -A NW NN
  echo "cross-CPU round trip (hf-memprobe --pingpong $GEN_CPU,1), ns before / after each ring run:"
  printf '%-6s' run
  printf ' %-24s' $(kinds_of ring)
  echo
  for i in $(seq "$RUNS"); do
    printf '%-6s' "$i"
    for k in $(kinds_of ring); do
      printf ' %-24s' "${RX0[ring,$k,$i]:--} / ${RX1[ring,$k,$i]:--}"
    done
    echo
  done
  thr=$(for k in $(kinds_of ring); do for i in $(seq "$RUNS"); do
    echo "${RX0[ring,$k,$i]:--}"; echo "${RX1[ring,$k,$i]:--}"; done; done | xcpu_cutoff)
  if [ -z "$thr" ]; then
    echo "rx ring, CPUs near: n/a (no round trip measured)"
    return 0
  fi
  line=
  for k in $(kinds_of ring); do
    rates=$(near_rates "$k" "$thr")
    NW[$k]=$(printf "%s" "$rates" | hf_median)
    NN[$k]=$(grep -c . <<<"$rates" || true)
    line+="$k $(mpps "${NW[$k]}") (${NN[$k]} of $RUNS runs)  "
  done
  echo "CPUs near (both readings <= $thr ns): median Mpps ${line}"
  awk -v a="${NW[A]}" -v b="${NW[B]}" -v c="${NW[C]}" -v d="${NW[D]}" 'BEGIN {
    if (a != "nan" && b != "nan" && b > 0)
      printf "rx ring, CPUs near: ratio hyperflow/testpmd (A/B): %.2f", a/b
    else printf "rx ring, CPUs near: ratio A/B n/a (no near run of A or B)"
    if (a != "nan" && c != "nan" && a > 0) printf ", C/A %.2f", c/a
    if (a != "nan" && d != "nan" && a > 0) printf ", D/A %.2f", d/a
    print "" }'
}

{
  echo "hyperflow benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo |
    sed 's/.*: //'), $(nproc) CPUs, kernel $(uname -r)"
  echo "tx: net_null; rate: port 0 rx counter over $SECS s after ${WARM} s of warm-up;" \
    "one worker core each"
  for m in "${MODES[@]}"; do
    echo
    if [ "$m" = pcap ]; then
      echo "rx pcap: net_pcap infinite_rx replay of a 4096-frame capture (60-byte frames), --no-huge"
    else
      echo "rx ring: net_ring fed by hf-gen (secondary process, CPU $GEN_CPU) from the same captures, hugepages"
    fi
    echo "each cell: Mpps wall-clock / Mpps per on-CPU second of the worker (worker CPU share)"
    read -r -a KINDS <<<"$(kinds_of "$m")"
    printf '%-6s %-24s %-24s %-24s' run "A hyperflow 1x4" "B testpmd macswap" "C hyperflow 512x16"
    [ "$m" = pcap ] || printf ' %-24s' "D 512x16, 1M flows"
    printf ' %s\n' load
    for i in $(seq "$RUNS"); do
      printf '%-6s' "$i"
      for k in "${KINDS[@]}"; do
        printf ' %-24s' "$(mpps "${RW[$m,$k,$i]}") / $(mpps "${RC[$m,$k,$i]}") (${RU[$m,$k,$i]})"
      done
      printf ' %s\n' "${LOADS[i]}"
    done
    unset MW MC BW
    declare -A MW MC BW
    for k in "${KINDS[@]}"; do
      MW[$k]=$(runs_of RW "$m" "$k" | hf_median)
      MC[$k]=$(runs_of RC "$m" "$k" | hf_median)
      BW[$k]=$(runs_of RW "$m" "$k" | sort -g | tail -n 1)
    done
    printf '%-6s' median
    for k in "${KINDS[@]}"; do
      printf ' %-24s' "$(mpps "${MW[$k]}") / $(mpps "${MC[$k]}")"
    done
    echo
    printf '%-6s' best
    for k in "${KINDS[@]}"; do
      printf ' %-24s' "$(mpps "${BW[$k]:-fail}")"
    done
    echo
    awk -v m="$m" -v a="${MW[A]}" -v b="${MW[B]}" -v c="${MW[C]}" -v ac="${MC[A]}" \
      -v bc="${MC[B]}" -v cc="${MC[C]}" -v ba="${BW[A]:-0}" -v bb="${BW[B]:-0}" \
      -v bc2="${BW[C]:-0}" -v d="${MW[D]:-nan}" -v dc="${MC[D]:-nan}" -v bd="${BW[D]:-0}" 'BEGIN {
      if (a != "nan" && b != "nan" && b > 0)
        printf "rx %s: ratio hyperflow/testpmd (A/B): %.2f wall-clock, %.2f per on-CPU second\n",
          m, a/b, (bc > 0 ? ac/bc : 0)
      else print "rx " m ": ratio hyperflow/testpmd: n/a (a side failed)"
      if (a != "nan" && c != "nan" && a > 0)
        printf "rx %s: 512x16 vs 1x4 (C/A): %.2f wall-clock, %.2f per on-CPU second\n", m, c/a,
          (ac > 0 ? cc/ac : 0)
      if (a != "nan" && d != "nan" && a > 0)
        printf "rx %s: 512x16 with 1M flows vs 1x4 (D/A): %.2f wall-clock, %.2f per on-CPU second\n",
          m, d/a, (ac > 0 && dc != "nan" ? dc/ac : 0)
      if (ba > 0 && bb > 0) {
        printf "rx %s: best runs, A/B %.2f, C/A %.2f", m, ba/bb, bc2/ba
        if (bd > 0) printf ", D/A %.2f", bd/ba
        print ""
      } }'
    # A and B of a round ran one after the other, under the same neighbours:
    # the ratio of each round, and how those spread
    rates=$(for i in $(seq "$RUNS"); do
      awk -v a="${RW[$m,A,$i]}" -v b="${RW[$m,B,$i]}" \
        'BEGIN { if (a != "fail" && b != "fail" && b > 0) printf "%.3f\n", a / b }'
    done | sort -g)
    if [ -n "$rates" ]; then
      awk -v m="$m" -v med="$(hf_median <<<"$rates")" '
        { v[NR] = $1; if ($1 >= 0.85) reached++ }
        END { printf "rx %s: A/B round by round: median %.2f, range %.2f-%.2f, >= 0.85 in %d of %d rounds\n",
          m, med, v[1], v[NR], reached, NR }' <<<"$rates"
    fi
    if [ "$m" = ring ]; then
      echo "D: entries in the flow table at the end of each run:" \
        "$(for i in $(seq "$RUNS"); do printf '%s ' "${RF[ring,D,$i]:--}"; done)(of $D_FLOWS flows generated)"
      xcpu_report
    fi
  done
  for n in "${notes[@]+"${notes[@]}"}"; do echo "warning: $n"; done
  if [ "$MICRO" = 1 ]; then
    echo
    echo "hf-microbench (parse + classify + select + rewrite + counters, no rx/tx):" \
      "cycles/pkt = median of $MB_ROUNDS interleaved rounds (each the median of 5 runs), range"
    printf '%-8s %-46s %-20s %-22s %s\n' scenario shape cycles/pkt instr/pkt "Mpps/core"
    declare -A SHAPE=([small]="1 x 4, dst-ip, 512 flows"
      [large]="512 x 16, dst-ip, 32768 flows"
      [flows]="512 x 16, 5-tuple, 1048576 flows, table 2^21"
      [small5]="1 x 4, 5-tuple, 512 flows")
    for s in "${SCEN[@]}"; do
      printf '%-8s %-46s %-20s %-22s %s\n' "$s" "${SHAPE[$s]}" \
        "${CYC[$s]} (${SPREAD[$s]:-})" "${INS[$s]}" "${MPC[$s]:-}"
    done
    awk -v s="${CYC[small]}" -v f="${CYC[flows]}" -v l="${CYC[large]}" \
      -v si="${INS[small]%% *}" -v fi="${INS[flows]%% *}" 'BEGIN {
      if (s + 0 > 0 && f + 0 > 0)
        printf "growth 1x4 -> 512x16 with 1M flows: cycles %+.0f%%", (f - s) / s * 100
      if (si + 0 > 0 && fi + 0 > 0)
        printf ", instructions %+.0f%%", (fi - si) / si * 100
      if (s + 0 > 0 && l + 0 > 0)
        printf "; 1x4 -> 512x16 (no big flow table): cycles %+.0f%%", (l - s) / s * 100
      print "" }'
  fi
} | tee "$WD/summary.txt"
[ -z "$OUT" ] || cp "$WD/summary.txt" "$OUT"
