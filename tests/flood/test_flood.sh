#!/usr/bin/env bash
# Punt-path protection under a flood (issue: hostile input). The real binary
# gets, at line rate and forever (net_pcap infinite_rx), ARP who-has for the
# cluster IP and ICMP echo to its probe address on the LAN port, mixed with
# cluster traffic, while the member port replays the members' ARP replies.
# Health checks (method arp) must keep both members up, forwarding must go
# on without a drop, proxy ARP must keep answering up to its limit, and what
# is over each limit must be shed and counted by kind. A host claiming the
# cluster IP by gratuitous ARP is counted as a conflict, never answered.
# Usage: test_flood.sh BUILD_DIR        exit 0 pass, 1 fail, 77 skipped
set -uo pipefail
BUILD=${1:?usage: $0 BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$(dirname "$0")/../lib.sh"
instance_need "$BUILD"

work=$(mktemp -d /tmp/hf-flood.XXXXXX)
prefix=hf-flood-$$
pid=
ok=0
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "/var/run/dpdk/$prefix"; [ $ok -eq 1 ] && rm -rf "$work" || echo "work dir kept: $work"' EXIT
python3 "$HERE/mkflood.py" "$work" || { echo "FAIL: capture generator"; exit 1; }
cat >"$work/hf.conf" <<'C'
ports = (
  { name = "lan0"; device = "net_pcap0"; mac = "02:00:00:00:00:01"; },
  { name = "vpn0"; device = "net_pcap1"; mac = "02:00:00:00:00:02"; }
);
probe = { pool = [ "192.0.2.250" ]; };
punt = { arp_pps = 2000; local_pps = 2000; icmp_pps = 1000; vrrp_pps = 100; };
clusters = ( { name = "vpn-out"; ip = "192.0.2.1"; mac = "00:00:5e:00:01:01"; ports = [ "lan0" ];
  health = { method = "arp"; interval_ms = 50; timeout_ms = 100; rise = 2; fall = 3; };
  members = (
    { name = "vpn-a"; ip = "192.0.2.11"; mac = "02:00:00:00:01:01"; port = "vpn0"; },
    { name = "vpn-b"; ip = "192.0.2.12"; mac = "02:00:00:00:01:02"; port = "vpn0"; }
  ); } );
C
"$HF" -l 0,1 --no-huge -m 512 --no-pci --file-prefix "$prefix" \
	--vdev "net_pcap0,rx_pcap=$work/lan.pcap,infinite_rx=1" \
	--vdev "net_pcap1,rx_pcap=$work/vpn.pcap,infinite_rx=1" \
	-- -c "$work/hf.conf" --status-interval 1000 --stats-file "$work/stats.json" \
	>"$work/hyperflow.log" 2>&1 &
pid=$!
wait_up || { echo "FAIL: instance did not start"; cat "$work/hyperflow.log"; exit 1; }
# counters are compared from the moment both members are up (at start they
# are unknown until their first reply, and cluster traffic has no member)
up=0
for _ in $(seq 100); do
	tel "/hyperflow/cluster,vpn-out" >"$work/c0.json"
	python3 -c "import json,sys; d=list(json.load(open(sys.argv[1])).values())[0]; sys.exit(0 if d['members_live'] == 2 else 1)" "$work/c0.json" && { up=1; break; }
	sleep 0.05
done
[ $up -eq 1 ] || { echo "FAIL: members never came up under the flood"; kill "$pid"; exit 1; }
tel /hyperflow/stats >"$work/s0.json"
sleep 3   # 3 s of flood
tel /hyperflow/stats >"$work/s1.json"
tel "/hyperflow/cluster,vpn-out" >"$work/c1.json"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[ $rc -eq 0 ] || { echo "FAIL: hyperflow exited $rc"; cat "$work/hyperflow.log"; exit 1; }
grep status: "$work/hyperflow.log" | tail -n 2
python3 - "$work" <<'PY' && ok=1
import json, sys
w = sys.argv[1]
def load(n):
    return list(json.load(open(f"{w}/{n}")).values())[0]
s0, s1, c0, c1 = load("s0.json"), load("s1.json"), load("c0.json"), load("c1.json")
d = {k: s1["drops"][k] - s0["drops"][k] for k in s1["drops"]}
c = {k: s1["control"][k] - s0["control"][k] for k in s1["control"]}
rx, crx, ctx = s1["rx"] - s0["rx"], c1["rx"] - c0["rx"], c1["tx"] - c0["tx"]
states = {m["name"]: m["state"] for m in c1.values() if isinstance(m, dict)}
print(f"in 3 s of flood: {rx} frames in; cluster forwarded {ctx} of {crx}")
print(f"shed: arp {d['punt_limit_arp']}, icmp {d['punt_limit_icmp']}, local {d['punt_limit_local']}; "
      f"punt ring full {d['punt_full']}")
print(f"conflicting claims of the cluster IP counted {c['ip_conflicts']}, "
      f"logged {open(w + '/hyperflow.log').read().count('claims cluster IP')} times")
print(f"proxy ARP replies {c['arp_replies']}, echo replies {c['echo_replies']}, "
      f"probes {c['probes_sent']}, probe replies {c['probe_replies']}, "
      f"member down events {c['member_down']}, states at the end {states}")
fails = []
if d["punt_limit_arp"] == 0: fails.append("ARP flood not limited")
if d["punt_limit_icmp"] == 0: fails.append("ICMP flood not limited")
if c["arp_replies"] == 0: fails.append("proxy ARP stopped answering")
if c["echo_replies"] == 0: fails.append("no echo reply at all for the probe address")
if c["probe_replies"] < c["probes_sent"] // 2: fails.append("health replies starved")
if c["member_down"] != 0: fails.append("a member went down during the flood")
if c["ip_conflicts"] == 0: fails.append("gratuitous ARP claiming the cluster IP not counted")
if any(v != "up" for v in states.values()): fails.append("members not up: %s" % states)
# rx and tx are read a few ns apart while traffic runs: allow one burst in flight
if crx == 0 or abs(crx - ctx) > 64 or c1["dropped"] != c0["dropped"]:
    fails.append("cluster traffic lost under the flood")
if d["no_member"] or d["tx_full"]: fails.append("forwarding drops under the flood")
for f in fails: print("FAIL:", f)
if not fails: print("PASS: health, proxy ARP and forwarding carried on through the flood")
sys.exit(1 if fails else 0)
PY
[ $ok -eq 1 ] && exit 0 || exit 1
