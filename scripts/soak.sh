#!/usr/bin/env bash
# Soak (a benchmark, not a test): the real binary forwards a replayed
# capture at full speed (net_pcap infinite_rx) to members on null ports for
# SECONDS (default 60), while every second a reload flaps a member (down,
# then up again, alternating which) and changes a weight. Prints frames
# in/out, drops by reason, reloads done and the process RSS after warm-up
# and at the end: expected no RSS growth, no drop, nothing lost.
# Usage: scripts/soak.sh [SECONDS]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hf_need_root
hf_deps
hf_build
secs=${1:-60}
work=$(mktemp -d /tmp/hf-soak.XXXXXX)
prefix=hf-soak-$$
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work" "/var/run/dpdk/$prefix"' EXIT

"$HF_BUILD/hf-pcapgen" -o "$work/traffic.pcap" --seed 11 --clients 100 --dests 300 \
	--packets 6000 --arp 20 --vlan-share 10 --ipv6-share 20 >/dev/null

# conf DOWN WEIGHT: member DOWN (a..d or -) is down, vpn-a has weight WEIGHT
conf() {
	local m n st
	{
		cat <<'C'
ports = (
  { name = "lan0"; device = "net_pcap0"; mac = "02:00:00:00:00:01"; },
  { name = "vpn0"; device = "net_null0"; mac = "02:00:00:00:00:02"; }
);
flows = { size = 65536; timeout_ms = 2000; };
clusters = ( { name = "vpn-out"; ip = "192.0.2.1"; mac = "00:00:5e:00:01:01";
  ports = [ "lan0" ];
  members = (
C
		for m in a b c d; do
			case $m in a) n=1 ;; b) n=2 ;; c) n=3 ;; d) n=4 ;; esac
			st=up
			[ "$m" = "$1" ] && st=down
			printf '    { name = "vpn-%s"; ip = "192.0.2.1%s"; mac = "02:00:00:00:01:0%s"; port = "vpn0"; state = "%s"; weight = %s; }%s\n' \
				"$m" "$n" "$n" "$st" "$([ "$m" = a ] && echo "$2" || echo 1)" "$([ "$m" = d ] || echo ,)"
		done
		printf '  ); } );\n'
	} >"$work/hf.conf"
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

conf - 1
"$HF_BUILD/hyperflow" -l 0,1 --no-huge -m 512 --no-pci --file-prefix "$prefix" \
	--vdev "net_pcap0,rx_pcap=$work/traffic.pcap,infinite_rx=1" --vdev net_null0,no-rx=1 \
	-- -c "$work/hf.conf" --status-interval 10000 --stats-file "$work/stats.json" \
	>"$work/hyperflow.log" 2>&1 &
pid=$!
hf_log "soaking for $secs s (pid $pid); a reload every second"
sleep 3
[ -d "/proc/$pid" ] || { cat "$work/hyperflow.log"; exit 1; }
rss0=$(rss_kb "$pid")
reloads=0
flap=(a - b - c - d -)
for i in $(seq "$secs"); do
	conf "${flap[$((i % 8))]}" $((1 + i % 3))
	kill -HUP "$pid"
	reloads=$((reloads + 1))
	sleep 1
done
rss1=$(rss_kb "$pid")
kill -TERM "$pid"
wait "$pid" || true
pid=
grep -c "reload: .*generation" "$work/hyperflow.log" >"$work/ok" || true
python3 - "$work/stats.json" "$rss0" "$rss1" "$reloads" "$(cat "$work/ok")" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
rss0, rss1, sent, ok = (int(x) for x in sys.argv[2:6])
t, cl = s["totals"], s["clusters"][0]
lan = [p for p in s["ports"] if p["name"] == "lan0"][0]
print(f"frames in {lan['rx']}, cluster in {cl['rx']}, forwarded {cl['tx']}, "
      f"punted {t['punted']}, dropped {t['dropped']}")
for k, v in s["drops"].items():
    if v:
        print(f"  drop {k}: {v}")
print(f"reloads: {sent} signalled, {ok} applied, {s['control']['reload_failures']} rejected")
print(f"RSS after warm-up {rss0} KiB, at the end {rss1} KiB, growth {rss1 - rss0} KiB")
lost = cl["rx"] - cl["tx"] - cl["dropped"]
print(f"unexplained loss: {lost}")
PY
