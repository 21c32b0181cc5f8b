#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Regenerate the demo input captures in pcap/ from conf/hyperflow.conf:
#   pcap/demo.pcap   what the client LAN sends to hyperflow's lan0
#   pcap/demo.json   the generator's manifest: frame counts by class
#   pcap/empty.pcap  a valid capture with no frame (rx of the other ports)
# The cluster IP and MAC and the LAN port's MAC are read from the
# configuration, so the captures follow it if it changes. The output is
# deterministic: same generator, same arguments, same bytes.
#
# usage: scripts/gen-pcaps.sh [CONFIG]     (build dir: $HF_BUILD, default build/)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

conf=${1:-$HF_ROOT/conf/hyperflow.conf}
out=$HF_ROOT/pcap

if [ ! -x "$HF_BUILD/hf-pcapgen" ] || [ ! -x "$HF_BUILD/hf-pcapcheck" ]; then
  hf_build
fi

# First cluster and first port of the configuration.
desc=$("$HF_BUILD/hf-pcapcheck" -c "$conf" --describe)
read -r _ _ cluster_ip cluster_mac _ <<< "$(grep -m1 '^cluster ' <<< "$desc")"
read -r _ _ _ lan_mac <<< "$(grep -m1 '^port ' <<< "$desc")"
[ -n "${cluster_ip:-}" ] || { echo "no cluster in $conf" >&2; exit 1; }
lan_args=()
[ "${lan_mac:--}" != - ] && lan_args=(--lan-mac "$lan_mac")

# Keep these in step with pcap/README.md.
args=(--seed 1 --cluster-ip "$cluster_ip" --cluster-mac "$cluster_mac" "${lan_args[@]}"
  --clients 40 --dests 200 --packets 3000 --to-cluster-ip 40 --arp 50 --malformed 40
  --unmatched 100 --cluster-non-ip 10 --vlan-share 5 --ipv6-share 10 --max-payload 256)

hf_log "hf-pcapgen ${args[*]}"
"$HF_BUILD/hf-pcapgen" "${args[@]}" -o "$out/demo.pcap" --manifest "$out/demo.json"
"$HF_BUILD/hf-pcapgen" --empty -o "$out/empty.pcap"
ls -l "$out/demo.pcap" "$out/demo.json" "$out/empty.pcap"
