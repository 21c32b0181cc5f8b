#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark (not a test): forwarding rate with 1, 2, ... worker lcores (up to
# nproc - 1, lcore 0 being the control lcore), hyperflow and, for reference,
# dpdk-testpmd --forward-mode=macswap with as many forwarding cores.
#
# Several rx queues without a NIC: net_pcap opens one rx queue per rx_pcap
# argument, so the same capture is given once per worker
#   --vdev net_pcap0,rx_pcap=a.pcap,rx_pcap=a.pcap,infinite_rx=1
# and hyperflow's port setup (src/dp/port.c: one rx and one tx queue per
# worker, max_rx_queues must cover them) gets exactly one queue per worker.
# net_null0 (no-rx=1) takes the members' traffic on as many tx queues.
#
# Where the machine has fewer than 3 CPUs the rate table has one row, and a
# functional check runs 2 workers on one shared CPU (--lcores 2@1): it shows
# that the multi-queue setup is accepted and that both queues forward, not a
# rate.
#
# usage: scripts/bench-scaling.sh [--seconds S] [--runs N] [--max-workers N]
#                                 [--workers "1 2 4 8"] [--no-testpmd] [--keep]
#                                 [--plot PNG]
#        scripts/bench-scaling.sh --plot-from SUMMARY [--plot PNG]
# --workers measures only the worker counts listed (each 1 .. 16 and below
# nproc, no count twice; measured in ascending order, the smallest the
# efficiency's base) instead of every count from 1 to --max-workers; the
# two options do not go together.
# --plot PNG: where the plot of Mpps against workers goes (gnuplot, when
# installed; default build/plots/scaling.png, its data beside it as .dat);
# without gnuplot the script says so and goes on. --plot-from SUMMARY
# measures nothing: it plots a table this script printed (its
# summary.txt), e.g. one brought back from a machine without gnuplot.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SECS=5
RUNS=3
WARM=1
MAXW=$(($(nproc) - 1))
TESTPMD=$(command -v dpdk-testpmd || true)
KEEP=0
WLIST=
HAVE_WLIST=0
HAVE_MAXW=0
PLOT=
PLOT_FROM=

while [ $# -gt 0 ]; do
  case $1 in
  --seconds) SECS=$2; shift 2 ;;
  --runs) RUNS=$2; shift 2 ;;
  --max-workers) MAXW=$2; HAVE_MAXW=1; shift 2 ;;
  --workers) WLIST=$2; HAVE_WLIST=1; shift 2 ;;
  --no-testpmd) TESTPMD=; shift ;;
  --keep) KEEP=1; shift ;;
  --plot) PLOT=$2; shift 2 ;;
  --plot-from) PLOT_FROM=$2; shift 2 ;;
  -h|--help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) echo "bench-scaling.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
PLOT=${PLOT:-$HF_BUILD/plots/scaling.png}

# plot SUMMARY PNG: Mpps against workers from the table below (its rows:
# workers, "wall / on-CPU" Mpps, efficiency, testpmd's, ratio), with the
# line of perfect scaling from the first count; "no plot: why" otherwise
plot() {
  local sum=$1 png=$2 dat title
  if ! command -v gnuplot >/dev/null; then
    echo "no plot: gnuplot is not installed (Debian: gnuplot-nox)"
    return 0
  fi
  mkdir -p "$(dirname "$png")" || { echo "no plot: cannot create $(dirname "$png")"; return 0; }
  dat=${png%.png}.dat
  # drop the " / on-CPU" halves: then workers, hyperflow, efficiency, testpmd, ratio
  awk '$1 ~ /^[0-9]+$/ { gsub(/ \/ [0-9.]+/, "") }
    $1 ~ /^[0-9]+$/ && NF >= 4 {
      hw = ($2 == "fail" ? "NaN" : $2); tw = ($4 == "-" ? "NaN" : $4)
      if (base == "" && hw != "NaN") { base = hw / $1 }
      print $1, hw, tw, (base == "" ? "NaN" : base * $1) }' "$sum" >"$dat"
  if ! awk '$2 != "NaN"' "$dat" | grep -q .; then
    echo "no plot: no hyperflow rate in $sum"
    return 0
  fi
  title=$(head -n 1 "$sum" | sed 's/"/'"'"'/g')
  if gnuplot 2>&1 <<G; then
set terminal pngcairo size 900,520 font 'sans,10' noenhanced
set output "$png"
set title "$title"
set xlabel "worker lcores"
set ylabel "Mpps (wall clock, median)"
set key left top
set grid
set xrange [0:*]
set yrange [0:*]
set datafile missing "NaN"
plot "$dat" using 1:4 with lines dt 2 lc rgb "gray50" title "hyperflow scaled perfectly from its first count", \
     "$dat" using 1:2 with linespoints lw 2 pt 7 title "hyperflow", \
     "$dat" using 1:3 with linespoints lw 2 pt 5 title "testpmd macswap"
G
    echo "plot: $png (data $dat)"
  else
    echo "no plot: gnuplot failed"
  fi
}

if [ -n "$PLOT_FROM" ]; then
  [ -r "$PLOT_FROM" ] || { echo "bench-scaling.sh: --plot-from: cannot read $PLOT_FROM" >&2; exit 2; }
  plot "$PLOT_FROM" "$PLOT"
  exit 0
fi
case "$SECS$RUNS$MAXW" in *[!0-9]*|'') echo "bench-scaling.sh: integers expected" >&2; exit 2 ;; esac
if [ "$((10#$SECS))" -lt 1 ] || [ "$((10#$RUNS))" -lt 1 ]; then
  echo "bench-scaling.sh: --seconds and --runs at least 1" >&2
  exit 2
fi
if [ "$MAXW" -lt 1 ]; then
  echo "bench-scaling.sh: needs at least 2 CPUs (control lcore + one worker)"
  exit 77
fi
[ "$MAXW" -le 16 ] || MAXW=16   # HF_MAX_WORKERS
if [ "$HAVE_WLIST" = 1 ]; then
  if [ "$HAVE_MAXW" = 1 ]; then
    echo "bench-scaling.sh: --workers and --max-workers do not go together" >&2
    exit 2
  fi
  read -r -a ws <<<"$WLIST"
  if [ ${#ws[@]} -eq 0 ]; then
    echo "bench-scaling.sh: --workers: no count given" >&2
    exit 2
  fi
  WLIST=
  for w in "${ws[@]}"; do
    case $w in *[!0-9]*|'') echo "bench-scaling.sh: --workers: not a number: $w" >&2; exit 2 ;; esac
    w=$((10#$w))
    if [ "$w" -lt 1 ] || [ "$w" -gt 16 ] || [ "$w" -ge "$(nproc)" ]; then
      echo "bench-scaling.sh: --workers: $w: each count 1 .. 16 and below $(nproc) (nproc)" >&2
      exit 2
    fi
    case " $WLIST " in *" $w "*) echo "bench-scaling.sh: --workers: $w given twice" >&2; exit 2 ;; esac
    WLIST+="$w "
  done
  WLIST=$(tr ' ' '\n' <<<"$WLIST" | grep . | sort -n | tr '\n' ' ')
  MAXW=$(tr ' ' '\n' <<<"$WLIST" | grep . | tail -1)
else
  WLIST=$(seq "$MAXW" | tr '\n' ' ')
fi
NW=$(wc -w <<<"$WLIST")
# the shared-CPU check stands in for the rates a 2-CPU machine cannot give
CHECK2=0
[ "$(nproc)" -ge 3 ] || CHECK2=1
progs=1
[ -z "$TESTPMD" ] || progs=2
expected=$((RUNS * NW * progs * (SECS + WARM + 2) + CHECK2 * (SECS + WARM + 2) + 10))
hf_log "bench-scaling: $(echo $WLIST) worker(s), $RUNS round(s), $SECS s each; expected duration" \
  "about ${expected} s (each run is stopped at $((SECS + 30)) s at the latest)"

hf_build
B=$HF_BUILD
WD=$(mktemp -d /tmp/hf-scaling.XXXXXX)
PFX=hf-scaling-$$
CHILD=
cleanup() {
  if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
    kill -KILL "$CHILD" 2>/dev/null || true
  fi
  rm -rf /var/run/dpdk/"$PFX"-* 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then echo "bench-scaling.sh: files kept in $WD"; else rm -rf "$WD"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$B/hf-pcapgen" -o "$WD/t.pcap" --packets 4096 --dests 309 --clients 190 --max-payload 0 \
  --vlan-share 0 --ipv6-share 0
"$HF_ROOT/scripts/bench.sh" --print-sampler >"$WD/sample.py"
cp "$HF_ROOT/conf/bench.conf" "$WD/t.conf"   # the configuration of bench.sh run A


# run PROG WORKERS LCORE-ARGS... : sets LINE to the sampler's RATE line or "fail"
run() {
  local prog=$1 w=$2 pfx=$PFX-$1-$2-$RANDOM log rx="" q
  shift 2
  for q in $(seq "$w"); do rx+=",rx_pcap=$WD/t.pcap"; done
  if [ "$prog" = hyperflow ]; then
    "$B/hyperflow" "$@" --no-huge -m 1024 --no-pci --file-prefix "$pfx" \
      --vdev "net_pcap0${rx},infinite_rx=1" --vdev net_null0,no-rx=1 \
      -- -c "$WD/t.conf" --status-interval 0 >"$WD/$pfx.log" 2>&1 &
  else
    stdbuf -oL "$TESTPMD" "$@" --no-huge -m 1024 --no-pci --file-prefix "$pfx" \
      --vdev "net_pcap0${rx},infinite_rx=1" --vdev net_null0,no-rx=1 \
      -- --forward-mode=macswap --nb-cores="$w" --rxq="$w" --txq="$w" \
      --total-num-mbufs=$((8192 + 8192 * w)) --stats-period 1 \
      </dev/null >"$WD/$pfx.log" 2>&1 &
  fi
  CHILD=$!
  log=$WD/$pfx.log
  LINE=$(timeout $((SECS + 30)) python3 "$WD/sample.py" "$pfx" "$WARM" "$SECS" "$CHILD" \
    2>>"$log" || true)
  hf_stop "$CHILD"
  CHILD=
  rm -rf /var/run/dpdk/"$pfx" 2>/dev/null || true
  case $LINE in RATE*) ;; *) LINE=fail; tail -5 "$log" | sed 's/^/    /' >&2 ;; esac
}

field() { awk -v n="$1" '{print $n}'; }
# num: the numbers among the lines on stdin (none when every run failed)
num() { grep -E '^[0-9.]+$' || true; }

declare -A WALL CPU
PROGS=(hyperflow)
[ -z "$TESTPMD" ] || PROGS+=(testpmd)
for r in $(seq "$RUNS"); do
  for w in $WLIST; do
    for p in "${PROGS[@]}"; do
      run "$p" "$w" -l "0-$w"
      WALL[$p,$w]+="$(field 2 <<<"$LINE") "
      CPU[$p,$w]+="$(field 3 <<<"$LINE") "
      hf_log "round $r: $p, $w worker(s): $LINE"
    done
  done
done

{
  echo "hyperflow scaling, $(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo |
    sed 's/.*: //'), $(nproc) CPUs"
  echo "rx: net_pcap, one infinite_rx replay queue per worker; tx: net_null; median of $RUNS"
  echo "Mpps wall-clock / Mpps per busy worker core (on-CPU time);" \
    "efficiency = (rate(w) / w) / (rate(w1) / w1), w1 the first count; ratio = hyperflow / testpmd"
  printf '%-8s %-26s %-10s %-26s %s\n' workers "hyperflow" efficiency "testpmd macswap" ratio
  h1= w1=
  for w in $WLIST; do
    hw=$(tr ' ' '\n' <<<"${WALL[hyperflow,$w]}" | num | hf_median)
    hc=$(tr ' ' '\n' <<<"${CPU[hyperflow,$w]}" | num | hf_median)
    [ -n "$h1" ] || { h1=$hw; w1=$w; }
    [ "$hw" != nan ] || echo "$w" >>"$WD/failed"
    tw=nan tc=nan
    if [ -n "$TESTPMD" ]; then
      tw=$(tr ' ' '\n' <<<"${WALL[testpmd,$w]}" | num | hf_median)
      tc=$(tr ' ' '\n' <<<"${CPU[testpmd,$w]}" | num | hf_median)
    fi
    awk -v w="$w" -v hw="$hw" -v hc="$hc" -v h1="$h1" -v w1="$w1" -v tw="$tw" -v tc="$tc" 'BEGIN {
      printf "%-8s %-26s %-10s %-26s %s\n", w,
        (hw == "nan" ? "fail" : sprintf("%.2f / %.2f", hw / 1e6, hc / 1e6)),
        (hw == "nan" || h1 == "nan" || h1 == 0 ? "-" : sprintf("%.2f", (hw / w) / (h1 / w1))),
        (tw == "nan" ? "-" : sprintf("%.2f / %.2f", tw / 1e6, tc / 1e6)),
        (hw == "nan" || tw == "nan" || tw == 0 ? "-" : sprintf("%.2f", hw / tw)) }'
  done
} | tee "$WD/summary.txt"
plot "$WD/summary.txt" "$PLOT"
if [ -s "$WD/failed" ]; then
  echo "bench-scaling.sh: no hyperflow run succeeded with $(tr '\n' ' ' <"$WD/failed")worker(s)" >&2
  exit 1
fi

if [ "$CHECK2" = 1 ]; then
  echo
  hf_log "functional check: 2 workers on one shared CPU (--lcores 0@0,1@1,2@1), not a rate"
  run hyperflow 2 --lcores 0@0,1@1,2@1
  q=$(sed -n 's/.* queues=\([^ ]*\).*/\1/p' <<<"$LINE")
  if [ "$LINE" != fail ]; then
    echo "2 workers: accepted (port lan0 with 2 rx queues, one rx_pcap each);" \
      "rx pps per queue: ${q:-?}"
    case $q in
    *,*,*|'') echo "unexpected queue list"; exit 1 ;;
    0,*|*,0) echo "FAILED: one of the two queues received nothing"; exit 1 ;;
    *,*) ;;
    *) echo "FAILED: only one queue received"; exit 1 ;;
    esac
  else
    echo "2 workers: FAILED, see the log:"
    tail -20 "$WD"/"$PFX"-hyperflow-2-*.log
    exit 1
  fi
fi
