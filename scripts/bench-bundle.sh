#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Package the benchmark binaries with the DPDK libraries they load, for a
# machine that has neither a compiler nor DPDK (a borrowed bigger machine
# for scripts/bench-scaling.sh; x86-64, glibc at least this machine's).
#
#   scripts/bench-bundle.sh DIR
#
# DIR must not lie under a world-writable directory such as /tmp: EAL
# loads no plugin from there.
# DIR gets build/ (hyperflow, hf-pcapgen, hf-microbench, hf-gen,
# hf-memprobe), bin/dpdk-testpmd, lib/ (every shared library these and the
# five plugins the benchmarks use need, glibc's own left out) and env.sh.
# There, as root, from a checkout of the same commit:
#
#   . DIR/env.sh && scripts/bench-scaling.sh --workers "1 2 4 8"
#
# env.sh links the plugins (bus_vdev, net_pcap, net_null, net_ring,
# mempool_ring) into EAL's plugin directory, which it creates (it refuses
# one that holds anything else: a DPDK of the machine's own), puts lib/ on
# LD_LIBRARY_PATH and bin/ on PATH, and sets HF_NO_BUILD=1 and HF_BUILD
# for the scripts. The plugins link to the files in lib/, so a library
# that dpdk-testpmd also links directly is loaded once. The scripts there
# need what they need here besides DPDK: bash, python3 (the rate
# sampler), coreutils, root. A DIR that exists must be empty or hold an
# earlier bundle, which is replaced.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

DIR=${1:-}
case $DIR in
-h|--help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
'') sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 1 ;;
esac
PLUGINS=(librte_bus_vdev librte_net_pcap librte_net_null librte_net_ring librte_mempool_ring)
BINS=(hyperflow hf-pcapgen hf-microbench hf-gen hf-memprobe)

hf_build
TESTPMD=$(command -v dpdk-testpmd || true)
[ -n "$TESTPMD" ] && [ -f "$TESTPMD" ] && [ -x "$TESTPMD" ] ||
  { echo "bench-bundle.sh: dpdk-testpmd not found (package dpdk-dev)" >&2; exit 1; }
for b in "${BINS[@]}"; do
  [ -x "$HF_BUILD/$b" ] || { echo "bench-bundle.sh: $HF_BUILD/$b missing" >&2; exit 1; }
done
# the bundle carries the shared EAL hyperflow links, and plugins from the
# directory compiled into it
EAL=$(hf_eal_of "$HF_BUILD/hyperflow")
[ -n "$EAL" ] || { echo "bench-bundle.sh: $HF_BUILD/hyperflow links no shared librte_eal" >&2; exit 1; }
PMD_DIR=$(hf_plugin_dirs "$HF_BUILD/hyperflow" | head -1)
[ -n "$PMD_DIR" ] && [ -d "$PMD_DIR" ] ||
  { echo "bench-bundle.sh: no plugin directory found in $EAL" >&2; exit 1; }
# plugin_so NAME: the plugin's file named by its soname (NAME.so.<major>), or nothing
plugin_so() {
  local f
  for f in "$PMD_DIR/$1".so.[0-9]*; do
    case $f in *.so.[0-9]*.*|*'*'*) continue ;; esac
    echo "$f"
    return 0
  done
}
# everything the bundle copies, and every library it needs, found before
# anything is created
objs=("${BINS[@]/#/$HF_BUILD/}" "$TESTPMD")
for p in "${PLUGINS[@]}"; do
  f=$(plugin_so "$p")
  [ -n "$f" ] || { echo "bench-bundle.sh: plugin $p not in $PMD_DIR" >&2; exit 1; }
  objs+=("$f")
done
bad='' deps=''
for o in "${objs[@]}"; do
  out=$(ldd "$o" 2>/dev/null) || { bad+=" $o"; continue; }
  deps+=$out$'\n'
done
[ -z "$bad" ] ||
  { echo "bench-bundle.sh: not a dynamic executable or library (ldd fails):$bad" >&2; exit 1; }
missing=$(awk '/not found/ {print $1}' <<<"$deps" | sort -u)
[ -z "$missing" ] || { echo "bench-bundle.sh: libraries not found here: $missing" >&2; exit 1; }

# hf_bundle_ww D: the first world-writable directory from D (which exists)
# up to /, or nothing. EAL loads no plugin whose real path passes through
# one ("is world-writable and insecure"): /tmp will not do. Also written
# into env.sh, which checks where the bundle lies now.
hf_bundle_ww() {
  local d
  d=$(cd -P -- "$1" >/dev/null && pwd -P) || return 0
  while :; do
    [ -z "$(find "$d" -maxdepth 0 -perm -o+w)" ] || { echo "$d"; return 0; }
    [ "$d" != / ] || return 0
    d=$(dirname "$d")
  done
}
# checked from the nearest existing directory up
d=$DIR
until [ -d "$d" ]; do d=$(dirname "$d"); done
ww=$(hf_bundle_ww "$d")
if [ -n "$ww" ]; then
  echo "bench-bundle.sh: $ww is world-writable, and EAL loads no plugin from under it:" \
    "choose a DIR elsewhere" >&2
  exit 1
fi
# a bundle made before is replaced whole, not mixed with this one; any
# other non-empty DIR is refused, never cleared
if [ -d "$DIR" ] && [ -n "$(ls -A "$DIR")" ] &&
  ! grep -qs '^# Source as root: the benchmark bundle made by scripts/bench-bundle.sh' "$DIR/env.sh"; then
  echo "bench-bundle.sh: $DIR exists and holds something other than a bundle: choose an empty DIR" >&2
  exit 1
fi
rm -rf "${DIR:?}/build" "${DIR:?}/bin" "${DIR:?}/lib" "${DIR:?}/plugins" "${DIR:?}/env.sh"
mkdir -p "$DIR/build" "$DIR/bin" "$DIR/lib"
for b in "${BINS[@]}"; do cp "$HF_BUILD/$b" "$DIR/build/"; done
cp "$TESTPMD" "$DIR/bin/"
# every library but glibc's own (the target machine's must be at least as new)
awk '$2 == "=>" && $3 ~ /^\// {print $3}' <<<"$deps" | sort -u |
  grep -vE '/(libc|libm|libpthread|libdl|librt|libresolv)\.so\.[0-9]+$|/ld-linux' |
  while read -r l; do cp -L "$l" "$DIR/lib/"; done
: >"$DIR/plugins"
for p in "${PLUGINS[@]}"; do
  soname=$(basename "$(plugin_so "$p")")
  cp -L "$PMD_DIR/$soname" "$DIR/lib/$soname"
  echo "$soname" >>"$DIR/plugins"
done

cat >"$DIR/env.sh" <<EOF
# Source as root: the benchmark bundle made by scripts/bench-bundle.sh
# (hyperflow $(git -C "$HF_ROOT" describe --always --dirty 2>/dev/null || echo '?')).
hf_bundle=\$(cd -P -- "\$(dirname "\${BASH_SOURCE[0]}")" >/dev/null && pwd -P)
hf_pmd_dir=$PMD_DIR
$(declare -f hf_bundle_ww)
hf_bundle_env() {
  local f d
  [ -r "\$hf_bundle/plugins" ] || { echo "env.sh: no plugin list in \$hf_bundle" >&2; return 1; }
  # EAL loads no plugin from under a world-writable directory (such as /tmp)
  d=\$(hf_bundle_ww "\$hf_bundle")
  if [ -n "\$d" ]; then
    echo "env.sh: \$d is world-writable, and EAL loads no plugin from under it:" \\
      "move the bundle elsewhere" >&2
    return 1
  fi
  mkdir -p "\$hf_pmd_dir" || return 1
  for f in "\$hf_pmd_dir"/*; do
    [ -e "\$f" ] || continue
    case \$(readlink "\$f") in
    "\$hf_bundle"/lib/*) ;;
    *) echo "env.sh: \$hf_pmd_dir holds \$f, not this bundle's (another DPDK's, or" \\
         "a bundle since moved: remove its links there)" >&2
       return 1 ;;
    esac
  done
  while read -r f; do
    # named <name>.so: EAL loads *.so and *.so.<ABI version> only
    ln -sfn "\$hf_bundle/lib/\$f" "\$hf_pmd_dir/\${f%%.so.*}.so" || return 1
  done <"\$hf_bundle/plugins"
  export LD_LIBRARY_PATH=\$hf_bundle/lib
  case :\$PATH: in *:\$hf_bundle/bin:*) ;; *) export PATH=\$hf_bundle/bin:\$PATH ;; esac
  export HF_NO_BUILD=1 HF_BUILD=\$hf_bundle/build
}
hf_bundle_env
EOF
du -sh "$DIR" | awk -v n="$(ls "$DIR/lib" | wc -l)" '{print "bench-bundle.sh: " $2 ": " $1 ", " n " libraries"}'
