#!/usr/bin/env bash
# Reload under continuous traffic (issue: live changes). The real binary
# replays a capture forever (net_pcap infinite_rx) towards members that each
# sit on their own net_null port, so per-port tx counters show where every
# frame went. While traffic runs it is reloaded to add a member, remove one,
# with a bad file, and many times in a row. Asserts:
#  - a tracked flow stays on its member when a member is added (the new
#    member's port gets nothing while only known destinations are replayed);
#  - nothing is sent to a removed member once the reload is acknowledged;
#  - a bad file is rejected and changes nothing;
#  - not one frame is lost: every received frame is counted as sent, no
#    drop counter moves, no tx queue refuses anything.
# Usage: test_reload.sh BUILD_DIR      exit 0 pass, 1 fail, 77 skipped
# HF_RELOADS=N sets the number of back-to-back reloads (default 20).
set -uo pipefail
BUILD=${1:?usage: $0 BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/../lib.sh"
instance_need "$BUILD" hf-pcapgen

work=$(mktemp -d /tmp/hf-reload.XXXXXX)
prefix=hf-reload-$$
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "/var/run/dpdk/$prefix"   # EAL leaves its runtime directory behind
	if [ "${failed:-1}" -eq 0 ]; then rm -rf "$work"; else echo "work dir kept: $work"; fi
}
trap cleanup EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# Only cluster traffic: 250 destinations, no ARP, nothing malformed.
"$GEN" -o "$work/traffic.pcap" --manifest "$work/m.json" --seed 7 --clients 20 --dests 250 \
	--packets 20000 --vlan-share 0 --ipv6-share 10 >/dev/null || { echo "FAIL: generator"; exit 1; }

# conf MEMBERS...: write a config with the named members (a b c d).
conf() {
	local out=$1; shift
	{
		cat <<'C'
ports = (
  { name = "lan0"; device = "net_pcap0"; mac = "02:00:00:00:00:01"; },
  { name = "pa"; device = "net_null0"; mac = "02:00:00:00:00:0a"; },
  { name = "pb"; device = "net_null1"; mac = "02:00:00:00:00:0b"; },
  { name = "pc"; device = "net_null2"; mac = "02:00:00:00:00:0c"; },
  { name = "pd"; device = "net_null3"; mac = "02:00:00:00:00:0d"; }
);
flows = { size = 65536; timeout_ms = 60000; };
clusters = ( { name = "vpn-out"; ip = "192.0.2.1"; mac = "00:00:5e:00:01:01";
  ports = [ "lan0" ];
  members = (
C
		local first=1 m n
		for m in "$@"; do
			case $m in a) n=1 ;; b) n=2 ;; c) n=3 ;; d) n=4 ;; esac
			[ $first -eq 1 ] || echo ","
			first=0
			printf '    { name = "vpn-%s"; ip = "192.0.2.1%s"; mac = "02:00:00:00:01:0%s"; port = "p%s"; }' \
				"$m" "$n" "$n" "$m"
		done
		printf '\n  ); } );\n'
	} >"$out"
}

port_tx() { jget "$(tel /hyperflow/ports)" "[v['tx'] for v in d.values() if v['name']=='$1'][0]"; }
generation() { jget "$(tel /hyperflow/config)" "d['generation']"; }

conf "$work/hf.conf" a b c
vdevs=(--vdev "net_pcap0,rx_pcap=$work/traffic.pcap,infinite_rx=1")
for i in 0 1 2 3; do vdevs+=(--vdev "net_null$i,no-rx=1"); done
"$HF" -l 0,1 --no-huge -m 512 --no-pci --file-prefix "$prefix" "${vdevs[@]}" \
	-- -c "$work/hf.conf" --status-interval 0 --stats-file "$work/stats.json" \
	>"$work/hyperflow.log" 2>&1 &
pid=$!
wait_up || { echo "FAIL: instance did not start"; cat "$work/hyperflow.log"; exit 1; }
sleep 0.5   # every destination is tracked by now (the capture loops in ~10 ms)

echo "== add member vpn-d while traffic runs"
conf "$work/hf.conf" a b c d
out=$(reload) || fail "reload (add)"
echo "   $(jget "$out" "d['last_reload'] + ': ' + d['last_reload_msg']")"
[ "$(jget "$out" "d['last_reload']")" = ok ] || fail "adding a member was rejected"
d0=$(port_tx pd)
sleep 0.5
d1=$(port_tx pd)
echo "   frames to vpn-d in 0.5 s of known flows: $((d1 - d0)) (expect 0: tracked flows stay put)"
[ "$d1" -eq "$d0" ] || fail "tracked flows moved to the new member"

echo "== remove member vpn-c while traffic runs"
conf "$work/hf.conf" a b d
out=$(reload) || fail "reload (remove)"
[ "$(jget "$out" "d['last_reload']")" = ok ] || fail "removing a member was rejected"
c0=$(port_tx pc)
d0=$(port_tx pd)
sleep 0.5
c1=$(port_tx pc)
d1=$(port_tx pd)
echo "   frames to removed vpn-c after the reload: $((c1 - c0)) (expect 0); vpn-d took $((d1 - d0)) of its flows' frames"
[ "$c1" -eq "$c0" ] || fail "frames sent to a removed member"
[ "$d1" -gt "$d0" ] || fail "vpn-c's flows went nowhere new"

echo "== a bad file changes nothing"
gen_before=$(generation)
cp "$work/hf.conf" "$work/good.conf"
printf 'clusters = ( { name = "x"; ip = "203.0.113.300"; } );\n' >>"$work/hf.conf"
out=$(reload) || fail "reload (bad)"
echo "   $(jget "$out" "d['last_reload'] + ': ' + d['last_reload_msg']")"
[ "$(jget "$out" "d['last_reload']")" = rejected ] || fail "a bad file was not rejected"
[ "$(generation)" -eq "$gen_before" ] || fail "a rejected reload changed the generation"
grep -q 'hf.conf:[0-9]*: ' "$work/hyperflow.log" || fail "the log does not name file:line"
# a valid file that changes what is fixed at start is refused with the reason
sed 's/size = 65536/size = 131072/' "$work/good.conf" >"$work/hf.conf"
out=$(reload) || fail "reload (flows)"
echo "   $(jget "$out" "d['last_reload'] + ': ' + d['last_reload_msg']")"
[ "$(jget "$out" "d['last_reload']")" = rejected ] || fail "a flow-table resize was not refused"
[ "$(generation)" -eq "$gen_before" ] || fail "a refused reload changed the generation"
cp "$work/good.conf" "$work/hf.conf"

nreloads=${HF_RELOADS:-20}
echo "== $nreloads reloads in a row under traffic"
lat=()
for i in $(seq "$nreloads"); do
	if [ $((i % 2)) -eq 1 ]; then conf "$work/hf.conf" a b c d; else conf "$work/hf.conf" a b d; fi
	out=$(reload) || { fail "reload $i"; break; }
	[ "$(jget "$out" "d['last_reload']")" = ok ] || fail "reload $i rejected"
	lat+=("$(jget "$out" "d['last_reload_us']")")
done
python3 - "${lat[@]}" <<'PY'
import statistics, sys
v = sorted(int(x) for x in sys.argv[1:])
if v:
    p99 = v[min(len(v) - 1, int(len(v) * 0.99))]
    print(f"   reload latency (parse, validate, plan, build, publish; the old snapshot is freed later), {len(v)} reloads: "
          f"min {v[0]} us, median {statistics.median(v):.0f} us, p99 {p99} us, max {v[-1]} us")
PY

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] || fail "hyperflow exited $rc"
python3 - "$work/stats.json" <<'PY' || failed=1
import json, sys
s = json.load(open(sys.argv[1]))
t, d = s["totals"], s["drops"]
lan = [p for p in s["ports"] if p["name"] == "lan0"][0]
cl = s["clusters"][0]
tx_members = sum(p["tx"] for p in s["ports"] if p["name"] != "lan0")
bad = {k: v for k, v in d.items() if v}
print(f"   received {lan['rx']} frames; cluster in {cl['rx']}, forwarded {cl['tx']}; "
      f"member ports sent {tx_members} (incl. control frames); drops {bad or 0}")
ok = True
if lan["rx"] != cl["rx"] or cl["rx"] != cl["tx"]:
    print("FAIL: frames lost: received", lan["rx"], "cluster rx", cl["rx"], "tx", cl["tx"]); ok = False
if bad:
    print("FAIL: drop counters moved:", bad); ok = False
if any(p["tx_dropped"] for p in s["ports"]):
    print("FAIL: a tx queue refused frames"); ok = False
if lan["rx"] < 100000:
    print("FAIL: too little traffic to mean anything:", lan["rx"]); ok = False
sys.exit(0 if ok else 1)
PY
if [ $failed -eq 0 ]; then echo "PASS: reload under traffic, 0 frames lost"; exit 0; fi
exit 1
