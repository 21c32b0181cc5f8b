#!/usr/bin/env bash
# Run hyperflow on the bundled configuration (conf/hyperflow.conf) with the
# bundled capture (pcap/demo.pcap) on net_pcap vdevs, then print what it did.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hf_need_root
hf_deps
hf_build

out=${HF_DEMO_OUT:-$HF_ROOT/out/demo}
rm -rf "$out" && mkdir -p "$out"
conf=$HF_ROOT/conf/hyperflow.conf
in=$HF_ROOT/pcap/demo.pcap

hf_log "checking $conf"
"$HF_BUILD/hyperflow" -- -c "$conf" --check-config

hf_log "running hyperflow: lan0 = net_pcap0 reads $in, vpn0 = net_pcap1"
"$HF_BUILD/hyperflow" -l 0,1 --no-huge -m 512 --no-pci --file-prefix hf-demo \
	--vdev "net_pcap0,rx_pcap=$in,tx_pcap=$out/lan0.pcap" \
	--vdev "net_pcap1,rx_pcap=$HF_ROOT/pcap/empty.pcap,tx_pcap=$out/vpn0.pcap" \
	-- -c "$conf" --exit-when-idle 500 --stats-file "$out/stats.json" --status-interval 0 \
	>"$out/hyperflow.log" 2>&1 || { cat "$out/hyperflow.log"; exit 1; }

python3 - "$out/stats.json" "$HF_ROOT/pcap/demo.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
m = json.load(open(sys.argv[2]))
t = s["totals"]
ctl = s["control"]
fwd = sum(c["tx"] for c in s["clusters"])
print()
# Every frame in is forwarded, bridged, dropped or punted; every frame out
# is one forwarded (or bridged) or one the control plane sent.
print(f"hyperflow demo: {t['rx']} frames in = {fwd} forwarded + {t['bridged']} bridged + "
      f"{t['dropped']} dropped + {t['punted']} punted to the control plane (ARP requests)")
sent = {"proxy ARP replies": ctl["arp_replies"], "gratuitous ARP": ctl["garp_sent"],
        "ARP probes for the probe address": ctl["addr_probes"],
        "announcements of it": ctl["addr_announced"]}
print(f"  {t['tx']} frames out = {fwd} forwarded to members + {t['bridged']} bridged + "
      + " + ".join(f"{v} {k}" for k, v in sent.items()))
if fwd + t["bridged"] + t["dropped"] + t["punted"] != t["rx"] or \
        fwd + t["bridged"] + sum(sent.values()) != t["tx"]:
    print("  (these do not add up: some frames went where no counter names)")
print(f"  input (pcap/demo.json): {m['cluster']} cluster frames to {m['destinations']} "
      f"destinations, {m['arp_requests']} ARP requests, {m['unmatched']} unmatched, "
      f"{m['cluster_non_ip']} non-IP to the cluster MAC, "
      f"{sum(m['malformed'].values())} malformed")
for c in s["clusters"]:
    tx = max(c["tx"], 1)
    print(f"  cluster {c['name']}: {c['rx']} in, {c['tx']} forwarded, {c['dropped']} dropped")
    for mb in c["members"]:
        print(f"    {mb['name']:<12} {mb['state']:<10} {mb['tx']:>7} frames  "
              f"{100.0 * mb['tx'] / tx:5.1f}%")
print("  drops by reason:")
for k, v in s["drops"].items():
    if v:
        print(f"    {k:<18} {v}")
print(f"  control plane: {ctl['arp_requests']} ARP requests, {ctl['arp_replies']} proxy ARP "
      f"replies, {ctl['garp_sent']} gratuitous ARP")
PY
echo
echo "  output captures: $out/lan0.pcap (ARP replies and probes), $out/vpn0.pcap (to members, probes)"
echo "  counters: $out/stats.json   log: $out/hyperflow.log"
echo "  look inside: tcpdump -enr $out/vpn0.pcap | head"
if [ -x "$HF_BUILD/hf-pcapcheck" ]; then
	echo
	hf_log "verifying every output frame against the configuration"
	"$HF_BUILD/hf-pcapcheck" -c "$conf" -i "$in" --out "lan0=$out/lan0.pcap" \
		--out "vpn0=$out/vpn0.pcap"
fi
