#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# What scripts/bench.sh and scripts/bench-scaling.sh refuse before they
# measure anything: option values (exit 2, with the reason), HF_NO_BUILD=1
# without a build, and bench.sh's ring runs without the hugepages they
# need, without root to reserve them, with root when reserving them
# fails, on a kernel without 2 MiB pages, or when no hugetlbfs can be
# mounted (exit 77, skipped, nr_hugepages given back, its work directory
# and any mount point it made removed); and bench-scaling.sh's exit 1
# when no run of a count succeeded (against a stand-in hyperflow that
# fails at once). No case runs a benchmark.
#
#   tests/bench/test_bench_refusals.sh BUILD_DIR SOURCE_DIR
#
# Exit 0 pass, 1 fail.
set -uo pipefail
B=${1:?usage: test_bench_refusals.sh BUILD_DIR SOURCE_DIR}
S=${2:?usage: test_bench_refusals.sh BUILD_DIR SOURCE_DIR}
B=$(cd "$B" && pwd)
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"
# HF_HPD, the 2 MiB hugepage pool
# shellcheck source=scripts/lib.sh
. "$S/scripts/lib.sh"
export HF_NO_BUILD=1 HF_BUILD=$B   # this test runs inside ninja's test run

bench() { timeout 30 "$S/scripts/bench.sh" "$@"; }
scaling() { timeout 30 "$S/scripts/bench-scaling.sh" "$@"; }

# bench.sh --gen-cpu: a CPU number, not the worker's CPU 1 (01 is 1), below nproc
expect 2 'takes a CPU number' bench --gen-cpu x
expect 2 'gen-cpu 1: not CPU 1 (the worker' bench --gen-cpu 01
expect 2 "gen-cpu $(nproc): not CPU 1 (the worker's), and below $(nproc)" bench --gen-cpu "$(nproc)"
expect 2 '--runs, --seconds >= 1' bench --seconds 0

# bench-scaling.sh --workers: counts, each once, in range, not with --max-workers
expect 2 'no count given' scaling --workers ' '
expect 2 'no count given' scaling --workers ''
expect 2 'not a number: 2x' scaling --workers '1 2x'
expect 2 '1 given twice' scaling --workers '1 01'
expect 2 ': 17: each count 1 .. 16' scaling --workers '1 17'
expect 2 "$(nproc): each count 1 .. 16 and below $(nproc)" scaling --workers "1 $(nproc)"
expect 2 'do not go together' scaling --workers 1 --max-workers 1
expect 2 'at least 1' scaling --seconds 0

# HF_NO_BUILD=1 with no build where HF_BUILD points: refused, nothing run
expect 1 'HF_NO_BUILD=1 but no build in /nonexistent/hf-build' \
  env HF_BUILD=/nonexistent/hf-build "$S/scripts/bench.sh" --rx pcap --no-micro

# bench-scaling.sh where no hyperflow run succeeds (a stand-in that fails
# at once): the count's row reads fail and the script exits 1
F=$(mktemp -d /tmp/hf-bench-refusals.XXXXXX)
trap 'rm -rf "$F"' EXIT
cp "$B/hf-pcapgen" "$F/" && printf '#!/bin/sh\nexit 1\n' >"$F/hyperflow" && chmod +x "$F/hyperflow"
if [ "$(nproc)" -ge 2 ]; then
  expect 1 'no hyperflow run succeeded with 1 worker(s)' \
    env HF_BUILD="$F" "$S/scripts/bench-scaling.sh" --workers 1 --runs 1 --seconds 1 --no-testpmd
  expect 0 '^1 *fail ' sh -c "env HF_BUILD='$F' '$S/scripts/bench-scaling.sh' --workers 1 \
    --runs 1 --seconds 1 --no-testpmd 2>/dev/null; true"
fi

# bench.sh --rx ring as a user without hugepages: skipped with the reason,
# its work directory gone. Not where 576 pages are free: it would run.
free=$(cat "$HF_HPD/free_hugepages" 2>/dev/null || echo 0)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1 &&
  [ "${free:-0}" -lt 576 ]; then
  # a copy nobody can read and run, wherever the checkout lies (/root is 0700)
  C=$(mktemp -d /run/hf-bench-refusals.XXXXXX)
  trap 'rm -rf "$F" "$C"' EXIT
  mkdir -p "$C/build" && cp -r "$S/scripts" "$S/conf" "$C/" &&
    cp "$B/hyperflow" "$B/hf-pcapgen" "$B/hf-microbench" "$B/hf-gen" "$B/hf-memprobe" "$C/build/" &&
    chmod -R a+rX "$C"
  before=$(ls -d /tmp/hf-bench.* 2>/dev/null | wc -l)
  expect 77 "--rx ring: needs 576 free 2 MiB hugepages (${free:-0} free) and root to reserve them" \
    setpriv --reuid=nobody --regid=nogroup --clear-groups env HF_NO_BUILD=1 HF_BUILD="$C/build" \
    timeout 60 "$C/scripts/bench.sh" --rx ring --runs 1 --seconds 1 --no-micro
  expect 0 "^$before\$" sh -c 'ls -d /tmp/hf-bench.* 2>/dev/null | wc -l'
else
  echo "(ring-without-hugepages case not run: needs root, setpriv, user nobody and fewer than 576 free hugepages)"
fi

# bench.sh --rx ring as root when reserving the pages fails: skipped with
# the reason, nr_hugepages given back, its work directory gone. In a mount
# namespace of its own, the 2 MiB pool's free_hugepages is a file that
# says 0 and its nr_hugepages a file holding 7: the raise to 7 + 576 is
# written there and reserves nothing, so the file must read 7 again after.
echo 0 >"$F/free_hugepages"
echo 7 >"$F/nr_hugepages"
fake_pool='mount --bind "$1/free_hugepages" "$2/free_hugepages" &&
  mount --bind "$1/nr_hugepages" "$2/nr_hugepages"'
if [ "$(id -u)" = 0 ] && [ -d "$HF_HPD" ] &&
  unshare -m --propagation private sh -c "$fake_pool" sh "$F" "$HF_HPD" 2>/dev/null; then
  real=$(cat "$HF_HPD/nr_hugepages")
  before=$(ls -d /tmp/hf-bench.* 2>/dev/null | wc -l)
  expect 77 '--rx ring: could reserve only 0 of 576 2 MiB hugepages' \
    unshare -m --propagation private sh -c "$fake_pool || exit 99
      exec timeout 60 \"\$3/scripts/bench.sh\" --rx ring --runs 1 --seconds 1 --no-micro" \
    sh "$F" "$HF_HPD" "$S"
  expect 0 '^7$' cat "$F/nr_hugepages"
  expect 0 "^$real\$" cat "$HF_HPD/nr_hugepages"
  expect 0 "^$before\$" sh -c 'ls -d /tmp/hf-bench.* 2>/dev/null | wc -l'
  # a kernel without 2 MiB pages: the pool's directory gone (an empty tmpfs over its parent)
  expect 77 "--rx ring: this kernel has no 2 MiB hugepages ($HF_HPD)" \
    unshare -m --propagation private sh -c 'mount -t tmpfs hf-nohuge "$(dirname "$1")" || exit 99
      exec timeout 60 "$2/scripts/bench.sh" --rx ring --runs 1 --seconds 1 --no-micro' \
    sh "$HF_HPD" "$S"
else
  echo "(failed-reservation cases not run: need root, 2 MiB hugepages and bind mounts in a mount namespace)"
fi

# bench.sh --rx ring when the pages are there but no hugetlbfs can be
# mounted: skipped with the reason, nothing left mounted or created. In a
# mount namespace of its own the pool is faked (free_hugepages says 600,
# nothing to reserve; nr_hugepages a file holding 7, which must read 7
# after), the namespace's hugetlbfs mounts are gone, and /dev is a tmpfs
# holding the few devices bench.sh uses, so whatever bench.sh creates
# there never reaches the host's /dev. bench.sh runs as root of a user
# namespace, where the kernel refuses to mount hugetlbfs. Per case,
# /dev/hugepages is: missing (bench.sh creates it, and removes it again),
# a directory, a file, or a directory already holding a mount of another
# file system, in which case bench.sh picks /dev/hugepages-2M instead (and
# removes that). What is left in the namespace's /dev goes to $F/left.
echo 600 >"$F/free_hugepages"
echo 7 >"$F/nr_hugepages"
no_mount=$fake_pool' || exit 99
  F=$1 S=$3 KIND=$4
  for m in $(awk '"'"'$3 == "hugetlbfs" {print $2}'"'"' /proc/mounts); do umount "$m" || exit 99; done
  mkdir -p "$F/dev" && mount --bind /dev "$F/dev" && mount -t tmpfs hf-dev /dev || exit 99
  for d in null zero full random urandom; do
    : >"/dev/$d" && mount --bind "$F/dev/$d" "/dev/$d" || exit 99
  done
  ln -s /proc/self/fd /dev/fd
  case $KIND in
  dir) mkdir /dev/hugepages ;;
  file) : >/dev/hugepages ;;
  other) mkdir /dev/hugepages && mount -t tmpfs hf-other /dev/hugepages || exit 99 ;;
  esac
  unshare -U -r timeout 60 "$S/scripts/bench.sh" --rx ring --runs 1 --seconds 1 --no-micro
  rc=$?
  ls -A /dev | grep hugepages >"$F/left"
  exit $rc'
if [ "$(id -u)" = 0 ] && [ -d "$HF_HPD" ] &&
  unshare -m --propagation private sh -c 'mount -t tmpfs hf-dev /dev && exec unshare -U -r true' \
    2>/dev/null; then
  before=$(ls -d /tmp/hf-bench.* 2>/dev/null | wc -l)
  real=$(cat "$HF_HPD/nr_hugepages")
  for kind in none dir file other; do
    mnt=/dev/hugepages left=
    case $kind in
    dir | file) left=hugepages ;;
    other) mnt=/dev/hugepages-2M left=hugepages ;;
    esac
    : >"$F/left"
    expect 77 "--rx ring: no hugetlbfs for 2 MiB pages mounted, and mounting one on $mnt failed" \
      unshare -m --propagation private sh -c "$no_mount" sh "$F" "$HF_HPD" "$S" "$kind"
    expect 0 "^/dev: \[$left\] nr_hugepages 7\$" \
      sh -c 'echo "/dev: [$(tr "\n" " " <"$1" | sed "s/ \$//")] nr_hugepages $(cat "$2")"' \
      sh "$F/left" "$F/nr_hugepages"
  done
  expect 0 "^$real\$" cat "$HF_HPD/nr_hugepages"
  expect 0 "^$before\$" sh -c 'ls -d /tmp/hf-bench.* 2>/dev/null | wc -l'
else
  echo "(failed-mount cases not run: need root, 2 MiB hugepages, and mount and user namespaces)"
fi

[ "$fail" = 0 ] && echo "bench refusals: $n cases as expected"
exit "$fail"
