#!/usr/bin/env bash
# Benchmark of the control plane at scale (not a test: it prints figures).
#
# hyperflow runs in a network namespace on two af_packet ports: "lan" (HA,
# VRRP adverts, watched by tcpdump in a second namespace) and "vpn", whose
# veth peer sits in a third namespace that holds every member address
# (198.18.0.0/15), so a real Linux kernel answers every ARP (and ICMP)
# health probe. CLUSTERS x MEMBERS members, health on; then the last
# member's address is removed. Reported:
#   - time from start to all members healthy (and from the probe address
#     being bound);
#   - member-down events before the cut (a healthy member marked down);
#   - the longest control-loop pass; snapshots published; bucket tables
#     built; probes sent, deferred for room and lost (control tx ring full
#     or no mbuf);
#   - the publish latency of the one member's death, from the pass that
#     saw it to the new snapshot swapped in;
#   - the largest gap between VRRP adverts from the first one on;
#   - while members flap: down events against flaps (no collateral), the
#     longest pass, control frames lost.
#
# Usage: scripts/bench-control.sh [--clusters N] [--members M]
#            [--method arp|icmp] [--interval-ms MS] [--advert-ms MS]
#            [--seconds S] [--flap N]
# Defaults: 1024 x 16 members (16,384), arp, 1000 ms, adverts 100 ms,
# 10 s of steady state before the cut, then 64 members (spread over the
# clusters) lose their address and get it back, twice (--flap 0: none).
# As root; it creates and removes the
# namespaces hfbc-hf, hfbc-lan and hfbc-mem.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

clusters=1024 members=16 method=arp interval=1000 advert=100 seconds=10 flap=64
while [ $# -gt 0 ]; do
	case $1 in
	--clusters) clusters=$2; shift 2 ;;
	--members) members=$2; shift 2 ;;
	--method) method=$2; shift 2 ;;
	--interval-ms) interval=$2; shift 2 ;;
	--advert-ms) advert=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--flap) flap=$2; shift 2 ;;
	*) echo "usage: $0 [--clusters N] [--members M] [--method arp|icmp] [--interval-ms MS] [--advert-ms MS] [--seconds S] [--flap N]" >&2; exit 2 ;;
	esac
done
case $method in arp|icmp) ;; *) echo "--method: arp or icmp" >&2; exit 2 ;; esac
total=$((clusters * members))
[ "$clusters" -ge 1 ] && [ "$clusters" -le 1024 ] || { echo "--clusters: 1..1024" >&2; exit 2; }
[ "$members" -ge 1 ] && [ "$members" -le 64 ] && [ "$total" -le 16384 ] ||
	{ echo "--members: 1..64, at most 16384 in all" >&2; exit 2; }

hf_need_root
hf_deps
hf_build
HF=$HF_BUILD/hyperflow
TEL=$(command -v dpdk-telemetry.py)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

work=$(mktemp -d /tmp/hf-benchctl.XXXXXX)
prefix=hf-benchctl-$$
hfpid= dumppid=
cleanup() {
	[ -n "$hfpid" ] && kill "$hfpid" 2>/dev/null && wait "$hfpid" 2>/dev/null
	[ -n "$dumppid" ] && kill "$dumppid" 2>/dev/null && wait "$dumppid" 2>/dev/null
	for ns in hfbc-hf hfbc-lan hfbc-mem; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "/var/run/dpdk/$prefix"
	if [ -n "${HF_BENCH_KEEP:-}" ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

now_ms() { date +%s%3N; }
# the client through the system python, not a shim: the observer shares the 2 CPUs
tel() { echo "$1" | ip netns exec hfbc-hf "$PY" "$TEL" -f "$prefix" 2>/dev/null | tail -n 1 | grep '^{' || true; }
# ctl JSON FIELD: a field of a /hyperflow/control reply; 0 while the command is not there yet
ctl() { "$PY" -c "import json,sys; d=list(json.loads(sys.argv[1] or '{\"x\":null}').values())[0]; print((d or {}).get('$2', 0))" "$1"; }

hf_log "namespaces and veths"
for ns in hfbc-hf hfbc-lan hfbc-mem; do
	ip netns del "$ns" 2>/dev/null || true
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add hfbc-l0 netns hfbc-hf type veth peer name hfbc-l1 netns hfbc-lan
ip link add hfbc-v0 netns hfbc-hf type veth peer name hfbc-v1 netns hfbc-mem
for l in hfbc-l0 hfbc-v0; do ip -n hfbc-hf link set "$l" up; done
ip -n hfbc-lan link set hfbc-l1 up
ip -n hfbc-mem link set hfbc-v1 up
# every member address on the member side, one /15
hf_log "adding $total member addresses (198.18.0.0/15) in hfbc-mem"
"$PY" - "$total" >"$work/addrs.batch" <<'PY'
import sys
for k in range(int(sys.argv[1])):
    n = k + 1
    print(f"addr add 198.18.{n >> 8}.{n & 255}/15 dev hfbc-v1")
PY
# removing one address must not take the others with it (the first is primary)
ip netns exec hfbc-mem sysctl -qw net.ipv4.conf.all.promote_secondaries=1 \
	net.ipv4.conf.hfbc-v1.promote_secondaries=1
ip -n hfbc-mem -batch "$work/addrs.batch"
ip netns exec hfbc-mem sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=1000000

"$PY" - "$work/hf.conf" "$clusters" "$members" "$method" "$interval" "$advert" <<'PY'
import sys
out, nc, nm, method, iv, adv = sys.argv[1], *map(str, sys.argv[2:])
nc, nm, iv, adv = int(nc), int(nm), int(iv), int(adv)
with open(out, "w") as f:
    f.write('ports = ( { name = "lan"; device = "net_af_packet0"; mac = "02:00:00:00:0b:01"; },\n'
            '          { name = "vpn"; device = "net_af_packet1"; mac = "02:00:00:00:0b:02"; } );\n')
    f.write('probe = { pool = [ "198.19.255.250", "198.19.255.251" ]; };\n')
    f.write(f'ha = {{ port = "lan"; vrid = 51; priority = 150; advert_ms = {adv}; }};\n')
    f.write('clusters = (\n')
    k = 0
    for c in range(nc):
        ms = []
        for m in range(nm):
            k += 1
            ms.append(f'{{ name = "m{m}"; ip = "198.18.{k >> 8}.{k & 255}"; port = "vpn"; }}')
        timeout = max(10, iv // 2)
        f.write(f'{{ name = "c{c}"; ip = "198.19.{c >> 8}.{(c & 255)}"; mac = "00:00:5e:00:01:01"; '
                f'ports = [ "lan" ]; buckets = 4096; '
                f'health = {{ method = "{method}"; interval_ms = {iv}; timeout_ms = {timeout}; '
                f'rise = 2; fall = 3; }};\n  members = ( ' + ", ".join(ms) + ' ); }'
                + (",\n" if c + 1 < nc else "\n"))
    f.write(');\n')
PY
"$HF" -- -c "$work/hf.conf" --check-config >"$work/check.txt" 2>&1 ||
	{ cat "$work/check.txt"; echo "bench-control: the generated configuration is refused" >&2; exit 1; }

ip netns exec hfbc-lan tcpdump -i hfbc-l1 -n -p -U -s 96 -w "$work/vrrp.pcap" 'ip proto 112' \
	>"$work/tcpdump.log" 2>&1 &
dumppid=$!
for _ in $(seq 50); do grep -q listening "$work/tcpdump.log" 2>/dev/null && break; sleep 0.1; done

hf_log "starting hyperflow: $clusters clusters x $members members, $method health every $interval ms"
t0=$(now_ms)
ip netns exec hfbc-hf "$HF" -l 0,1 --no-huge -m 1024 --no-pci --file-prefix "$prefix" \
	--vdev net_af_packet0,iface=hfbc-l0 --vdev net_af_packet1,iface=hfbc-v0 \
	-- -c "$work/hf.conf" --status-interval 0 >"$work/hyperflow.log" 2>&1 &
hfpid=$!
# all healthy: every member live in the published snapshot
limit=$((t0 + 120000))
t_up= t_ready=
while [ "$(now_ms)" -lt "$limit" ]; do
	kill -0 "$hfpid" 2>/dev/null || { tail -n 20 "$work/hyperflow.log"; echo "bench-control: hyperflow exited" >&2; exit 1; }
	j=$(tel /hyperflow/control)
	[ -z "$t_ready" ] && [ -n "$j" ] && [ "$(ctl "$j" members)" -gt 0 ] && t_ready=$(now_ms)
	if [ "$(ctl "$j" members_live)" -ge "$total" ]; then t_up=$(now_ms); break; fi
	sleep 0.2
done
[ -n "$t_up" ] || { echo "bench-control: not all members healthy within 120 s (live: $(ctl "$j" members_live))" >&2; exit 1; }
hf_log "all $total members healthy after $(( (t_up - t0) )) ms; steady state for $seconds s"
sleep "$seconds"
before=$(tel /hyperflow/control)

# the last member: a secondary address, its removal touches no other
last="198.18.$((total >> 8)).$((total & 255))"
hf_log "cutting the last member ($last)"
ip -n hfbc-mem addr del "$last/15" dev hfbc-v1
t_cut=$(now_ms)
down=
while [ "$(now_ms)" -lt $((t_cut + 30000)) ]; do
	j=$(tel /hyperflow/control)
	if [ "$(ctl "$j" member_down)" -gt "$(ctl "$before" member_down)" ]; then down=$j; break; fi
	sleep 0.1
done
[ -n "$down" ] || { echo "bench-control: the cut member was not marked down within 30 s" >&2; exit 1; }
sleep 1
after=$(tel /hyperflow/control)

# flapping: FLAP members (every 16th cluster's second) lose their address and
# get it back, twice; no other member may go down
flapped=0
if [ "$flap" -gt 0 ]; then
	hf_log "flapping $flap members twice"
	: >"$work/flap.batch"
	: >"$work/unflap.batch"
	for i in $(seq 0 $((flap - 1))); do
		k=$(( (i * 16 * members) % (total - 2) + 2 ))   # never the primary (the first)
		echo "addr del 198.18.$((k >> 8)).$((k & 255))/15 dev hfbc-v1" >>"$work/flap.batch"
		echo "addr add 198.18.$((k >> 8)).$((k & 255))/15 dev hfbc-v1" >>"$work/unflap.batch"
	done
	for round in 1 2; do
		base_down=$(ctl "$(tel /hyperflow/control)" member_down)
		ip -n hfbc-mem -batch "$work/flap.batch"
		t_f=$(now_ms)
		while [ "$(now_ms)" -lt $((t_f + 30000)) ]; do
			[ "$(ctl "$(tel /hyperflow/control)" member_down)" -ge $((base_down + flap)) ] && break
			sleep 0.2
		done
		ip -n hfbc-mem -batch "$work/unflap.batch"
		t_f=$(now_ms)
		while [ "$(now_ms)" -lt $((t_f + 30000)) ]; do
			[ "$(ctl "$(tel /hyperflow/control)" members_live)" -ge $((total - 1)) ] && break
			sleep 0.2
		done
		flapped=$((flapped + flap))
	done
	sleep 1
fi
final=$(tel /hyperflow/control)
kill "$hfpid"; wait "$hfpid" 2>/dev/null || true; hfpid=
kill "$dumppid"; wait "$dumppid" 2>/dev/null || true; dumppid=

"$PY" - "$work" "$t0" "$t_up" "$total" "$advert" "$interval" "$before" "$down" "$after" "$t_ready" \
	"$final" "$flapped" <<'PY'
import json, struct, sys
w, t0, t_up, total, advert, interval = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
t_ready = int(sys.argv[10])
val = lambda s: list(json.loads(s).values())[0]
before, down, after = val(sys.argv[7]), val(sys.argv[8]), val(sys.argv[9])
final, flapped = val(sys.argv[11]), int(sys.argv[12])
# VRRP adverts as tcpdump saw them
data = open(f"{w}/vrrp.pcap", "rb").read()
ts, off = [], 24
while off + 16 <= len(data):
    sec, usec, cap, _ = struct.unpack("<IIII", data[off:off + 16])
    ts.append(sec + usec / 1e6)
    off += 16 + cap
gaps = [b - a for a, b in zip(ts, ts[1:])]
worst_gap = max(gaps) * 1000 if gaps else float("nan")
late = [(a - ts[0], b - a) for a, b in zip(ts, ts[1:]) if (b - a) * 1000 > 1.5 * advert]
lost = after["ctl_tx_full"] + after["ctl_alloc_fail"]
rows = [
    ("members", f"{total}", ""),
    ("start to all healthy", f"{t_up - t0} ms ({t_up - t_ready} after init)",
     f"target: rise x interval + 1 s = {2 * interval + 1000} ms"),
    ("member-down events before the cut", f"{before['member_down']}", "target 0"),
    ("longest control-loop pass", f"{after['pass_max_us'] / 1000:.2f} ms "
     f"(at {after['pass_max_at_ms']} ms)", "target <= 10 ms"),
    ("longest pass before the cut", f"{before['pass_max_us'] / 1000:.2f} ms "
     f"(at {before['pass_max_at_ms']} ms)", ""),
    ("publish of one member's death", f"{after['publish_last_us'] / 1000:.2f} ms", "target <= 5 ms"),
    ("snapshots published / tables built", f"{after['publishes']} / {after['tables_rebuilt']}", ""),
    ("probes sent / deferred for room / control frames lost",
     f"{after['probes_sent']} / {after['probes_deferred']} / {lost}", "target: 0 lost"),
    ("largest gap between VRRP adverts", f"{worst_gap:.1f} ms over {len(ts)} adverts",
     f"target <= 1.5 x {advert} ms = {1.5 * advert:.0f} ms"),
]
if flapped:
    rows += [
        ("flapping: member-down events / flaps",
         f"{final['member_down'] - after['member_down']} / {flapped}", "target: equal"),
        ("flapping: longest pass overall", f"{final['pass_max_us'] / 1000:.2f} ms "
         f"(at {final['pass_max_at_ms']} ms)", "target <= 10 ms"),
        ("flapping: control frames lost",
         f"{final['ctl_tx_full'] + final['ctl_alloc_fail']}", "target 0"),
    ]
print()
for k, v, t in rows:
    print(f"  {k:<55} {v:<28} {t}")
if late:
    print("  adverts late (s after the first advert: gap ms): " +
          ", ".join(f"{at:.1f}: {g * 1000:.0f}" for at, g in late[:10]))
print()
PY
