#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/bench-bundle.sh: the bundle runs the benchmark binaries on a
# machine without DPDK. Simulated in a mount namespace whose EAL plugin
# directory is an empty tmpfs, so nothing of this machine's DPDK plugins
# is seen: without env.sh a DPDK program there has no mempool driver; with
# it, hf-microbench and dpdk-testpmd (pcap, ring and null ports) run from
# the bundle's libraries. env.sh refuses a plugin directory that holds
# another DPDK's plugins, or a bundle without its plugin list.
# bench-bundle.sh refuses /tmp, a machine without dpdk-testpmd, a build
# without its binaries, a hyperflow without a shared EAL, an EAL naming no
# plugin directory (or a missing or empty one), a plugin linking a
# library this machine lacks, and a directory that is not a bundle.
#
#   tests/bench/test_bench_bundle.sh BUILD_DIR SOURCE_DIR
#
# Exit 0 pass, 1 fail, 77 skip (not root, or no mount namespace).
set -uo pipefail
B=${1:?usage: test_bench_bundle.sh BUILD_DIR SOURCE_DIR}
S=${2:?usage: test_bench_bundle.sh BUILD_DIR SOURCE_DIR}
B=$(cd "$B" && pwd)
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] ||
  ! unshare -m sh -c 'mount -t tmpfs hf-probe /mnt && umount /mnt' 2>/dev/null; then
  echo "SKIP: needs root and a mount namespace (unshare -m, mount)"
  exit 77
fi
if ! command -v dpdk-testpmd >/dev/null; then
  echo "SKIP: needs dpdk-testpmd (package dpdk-dev), which the bundle carries"
  exit 77
fi
# /run: EAL loads no plugin from under a world-writable directory like /tmp
T=$(mktemp -d /run/hf-bundle-test.XXXXXX)
trap 'rm -rf "$T"; rm -rf /var/run/dpdk/hf-bundle-$$-* 2>/dev/null' EXIT

# under /tmp: refused, as EAL would refuse its plugins
expect 1 '/tmp is world-writable, and EAL loads no plugin from under it' \
  env HF_NO_BUILD=1 HF_BUILD="$B" "$S/scripts/bench-bundle.sh" "/tmp/hf-bundle-$$"
rm -rf "/tmp/hf-bundle-$$"
# a build without the benchmark binaries: refused, naming the first missing
mkdir -p "$T/nobuild"
expect 1 "$T/nobuild/hyperflow missing" \
  env HF_NO_BUILD=1 HF_BUILD="$T/nobuild" "$S/scripts/bench-bundle.sh" "$T/nb"
# a build whose hyperflow links no shared EAL (here, a script): refused
mkdir -p "$T/noeal"
for b in hyperflow hf-pcapgen hf-microbench hf-gen hf-memprobe; do
  printf '#!/bin/sh\n' >"$T/noeal/$b" && chmod +x "$T/noeal/$b"
done
expect 1 "$T/noeal/hyperflow links no shared librte_eal" \
  env HF_NO_BUILD=1 HF_BUILD="$T/noeal" "$S/scripts/bench-bundle.sh" "$T/ne"
# standin D PMD_DIR: in D, a one-function librte_eal.so.23 naming the
# plugin directory PMD_DIR, and the five benchmark binaries as programs
# linking it
standin() {
  local b
  printf 'const char *hf_pmd_path = "%s";\nint rte_eal_init(void) { return hf_pmd_path[0]; }\n' \
    "$2" | ${CC:-cc} -shared -fPIC -Wl,-soname,librte_eal.so.23 -o "$1/librte_eal.so.23" -x c - ||
    return 1
  for b in hyperflow hf-pcapgen hf-microbench hf-gen hf-memprobe; do
    printf 'int rte_eal_init(void);\nint main(void) { return rte_eal_init(); }\n' |
      ${CC:-cc} -o "$1/$b" -x c - -L"$1" -l:librte_eal.so.23 -Wl,-rpath,"$1" || return 1
  done
}
# a build whose hyperflow links a shared librte_eal that names no plugin
# directory, or one that does not exist: refused, naming that library; one
# that names an empty plugin directory: refused, naming the first plugin
# missing. Nothing is created.
mkdir -p "$T/nopmd" "$T/gonepmd" "$T/emptypmd/pmds-23.0"
for d in nopmd gonepmd emptypmd; do
  case $d in
  nopmd) dir=/nonexistent/hf-$$/dpdk ;;
  gonepmd) dir=/nonexistent/hf-$$/dpdk/pmds-23.0 ;;
  emptypmd) dir=$T/emptypmd/pmds-23.0 ;;
  esac
  standin "$T/$d" "$dir" || { echo "FAIL: cannot build the stand-in EAL in $T/$d"; exit 1; }
  why="no plugin directory found in $T/$d/librte_eal.so.23"
  [ "$d" = emptypmd ] && why="plugin librte_bus_vdev not in $dir"
  expect 1 "$why" env HF_NO_BUILD=1 HF_BUILD="$T/$d" "$S/scripts/bench-bundle.sh" "$T/np"
done
# a plugin linking a library this machine lacks: refused, naming the
# library, before anything is created. The stand-in EAL names a directory
# of five one-function plugins; the net_pcap one links libhfgone.so.1,
# which is deleted once built.
d=$T/gonelib
mkdir -p "$d/pmds-23.0"
printf 'int hf_gone(void) { return 1; }\n' |
  ${CC:-cc} -shared -fPIC -Wl,-soname,libhfgone.so.1 -o "$d/libhfgone.so.1" -x c - ||
  { echo "FAIL: cannot build the stand-in library in $d"; exit 1; }
for p in librte_bus_vdev librte_net_pcap librte_net_null librte_net_ring librte_mempool_ring; do
  if [ "$p" = librte_net_pcap ]; then
    printf 'int hf_gone(void);\nint hf_plugin(void) { return hf_gone(); }\n' |
      ${CC:-cc} -shared -fPIC -Wl,-soname,"$p.so.23" -o "$d/pmds-23.0/$p.so.23" -x c - \
        -L"$d" -l:libhfgone.so.1
  else
    printf 'int hf_plugin(void) { return 0; }\n' |
      ${CC:-cc} -shared -fPIC -Wl,-soname,"$p.so.23" -o "$d/pmds-23.0/$p.so.23" -x c -
  fi || { echo "FAIL: cannot build the stand-in plugin $p in $d"; exit 1; }
done
standin "$d" "$d/pmds-23.0" || { echo "FAIL: cannot build the stand-in EAL in $d"; exit 1; }
rm "$d/libhfgone.so.1"
expect 1 'libraries not found here: libhfgone.so.1$' \
  env HF_NO_BUILD=1 HF_BUILD="$d" "$S/scripts/bench-bundle.sh" "$T/np"
expect 0 "^nothing$" sh -c "[ ! -e '$T/np' ] && echo nothing"
# a build with the real hyperflow but a script for hf-gen: refused, naming it
mkdir -p "$T/script"
for b in hyperflow hf-pcapgen hf-microbench hf-memprobe; do cp "$B/$b" "$T/script/"; done
printf '#!/bin/sh\n' >"$T/script/hf-gen" && chmod +x "$T/script/hf-gen"
expect 1 "not a dynamic executable or library (ldd fails): $T/script/hf-gen$" \
  env HF_NO_BUILD=1 HF_BUILD="$T/script" "$S/scripts/bench-bundle.sh" "$T/np"
expect 0 "^nothing$" sh -c "[ ! -e '$T/np' ] && echo nothing"
# no usable dpdk-testpmd on this machine (a mount namespace puts /dev/null in its place): refused
tp_path=$(command -v dpdk-testpmd)
expect 1 'dpdk-testpmd not found (package dpdk-dev)' \
  unshare -m sh -c 'mount --bind /dev/null "$1" || exit 99
    HF_NO_BUILD=1 HF_BUILD="$2" exec "$3/scripts/bench-bundle.sh" "$4"' sh "$tp_path" "$B" "$S" "$T/np"
expect 0 '^nothing$' sh -c "[ ! -e '$T/np' ] && echo nothing"
# the bundle, from the build as it is (this test runs inside ninja's test run)
expect 0 'bench-bundle.sh: .*, [0-9]* libraries' \
  env HF_NO_BUILD=1 HF_BUILD="$B" "$S/scripts/bench-bundle.sh" "$T/b"
PMD_DIR=$(sed -n 's/^hf_pmd_dir=//p' "$T/b/env.sh")
[ -n "$PMD_DIR" ] && [ -d "$PMD_DIR" ] || { echo "FAIL: no plugin directory in env.sh"; exit 1; }
"$B/hf-pcapgen" -o "$T/in.pcap" --packets 64 >/dev/null || { echo "FAIL: hf-pcapgen"; exit 1; }

# inns SCRIPT: run SCRIPT (bash) in a mount namespace with an empty plugin directory
inns() {
  unshare -m bash -c "mount -t tmpfs hf-bundle-test '$PMD_DIR' && cd '$T' && $1"
}
EAL="--no-huge -m 256 --no-pci --no-telemetry --log-level=error"
mb="\$HF_BUILD/hf-microbench $EAL --file-prefix hf-bundle-$$-mb -l 0 -- --scenario small --runs 1 -q"
tp="dpdk-testpmd $EAL --file-prefix hf-bundle-$$-tp -l 0,1 --vdev net_pcap0,rx_pcap=in.pcap \
--vdev net_ring0 --vdev net_null0 -- --total-num-mbufs=4096 </dev/null"

# every library of the bundle's programs and plugins, glibc's own aside, resolves inside it
closure_outside() {
  local f
  for f in b/build/* b/bin/* b/lib/*; do LD_LIBRARY_PATH=$T/b/lib ldd "$f"; done |
    awk '$2 == "=>" {print $1, $3}' | sort -u |
    grep -vE '^(libc|libm|libpthread|libdl|librt|libresolv)\.so\.[0-9]+ |^ld-linux' |
    grep -v " $T/b/lib/" || echo "all inside"
}
expect 0 '^all inside$' bash -c "cd '$T' && $(declare -f closure_outside) && T='$T' closure_outside"
# an existing directory that is not a bundle: refused, left as it is
mkdir -p "$T/other" && : >"$T/other/keep"
expect 1 'holds something other than a bundle' \
  env HF_NO_BUILD=1 HF_BUILD="$B" "$S/scripts/bench-bundle.sh" "$T/other"
expect 0 '^kept$' bash -c "[ -e '$T/other/keep' ] && [ ! -e '$T/other/lib' ] && echo kept"

# without env.sh: no plugins at all, so no mempool driver (the namespace hides this machine's)
expect 1 'mbuf pool: Invalid argument' inns "HF_BUILD=$T/b/build; $mb"
# with it: the microbenchmark runs from the bundle's libraries
expect 0 '^RESULT scenario=small ' inns ". b/env.sh && $mb"
expect 0 "$T/b/lib/librte_eal.so" inns ". b/env.sh && ldd \$HF_BUILD/hyperflow"
# testpmd from the bundle probes the pcap, ring and null ports through the linked plugins
expect 0 'Configuring Port 2' inns ". b/env.sh && command -v dpdk-testpmd | grep -q '^$T/b/bin/' && $tp"
# a plugin directory holding another DPDK's plugin: refused, nothing linked
expect 1 'holds .*librte_other.so, not this bundle' \
  inns ": >'$PMD_DIR/librte_other.so' && . b/env.sh"
expect 0 '^ok$' inns ": >'$PMD_DIR/librte_other.so'; . b/env.sh; [ ! -e '$PMD_DIR/librte_net_pcap.so' ] && echo ok"

# a bundle without its plugin list: env.sh refuses, links nothing
mkdir -p "$T/nl" && cp -a "$T/b" "$T/nl/b" && rm "$T/nl/b/plugins"
expect 1 "env.sh: no plugin list in $T/nl/b" inns ". nl/b/env.sh"
expect 0 '^none$' inns ". nl/b/env.sh; ls -A '$PMD_DIR' | grep . || echo none"

# a bundle moved under a world-writable directory: env.sh refuses, links nothing
mkdir -p "$T/ww" && cp -a "$T/b" "$T/ww/b" && chmod o+w "$T/ww"
expect 1 "$T/ww is world-writable" inns ". ww/b/env.sh"
expect 0 '^none$' inns ". ww/b/env.sh; ls -A '$PMD_DIR' | grep . || echo none"

[ "$fail" = 0 ] && echo "bench-bundle.sh: $n cases as expected"
exit "$fail"
