#!/usr/bin/env bash
# Reloads under continuous traffic that must keep what did not change and
# announce what did (issue: control plane under reloads):
#  - a reload that changes only a cluster's health block (interval, timeout,
#    rise, fall) keeps every member's health state: not one frame dropped
#    for want of a live member, no member-down event, members stay up;
#  - a reload that changes a cluster's MAC sends gratuitous ARP with the new
#    MAC on every port the cluster serves, and one that adds a cluster IP
#    (a new cluster) announces it on its ports;
#  - a reload that only adds a cluster after unchanged ones announces it
#    (the announcements used to stop at the first cluster with nothing to
#    announce).
# The LAN port replays cluster traffic forever (net_pcap infinite_rx); the
# member port replays the members' ARP replies to the probe address, as
# their kernels would answer the ARP health probes; the two LAN ports write
# what they send, read at the end frame by frame.
# Usage: test_reload_state.sh BUILD_DIR   exit 0 pass, 1 fail, 77 skipped
set -uo pipefail
BUILD=${1:?usage: $0 BUILD_DIR}
. "$(dirname "$0")/../lib.sh"
instance_need "$BUILD" hf-pcapgen

work=$(mktemp -d /tmp/hf-reloadst.XXXXXX)
prefix=hf-reloadst-$$
pid=
failed=0
cleanup() {
	local rc=$1
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "/var/run/dpdk/$prefix"
	if [ "$rc" -eq 0 ]; then rm -rf "$work"; else echo "work dir kept: $work"; fi
}
trap 'cleanup $?' EXIT
fail() { echo "FAIL: $*"; failed=1; }

# Cluster traffic only (to the cluster MAC, 250 destinations).
"$GEN" -o "$work/traffic.pcap" --manifest "$work/m.json" --seed 11 --clients 20 --dests 250 \
	--packets 4000 --vlan-share 0 --ipv6-share 0 >/dev/null || { echo "FAIL: generator"; exit 1; }
# The members' ARP replies to the probe address, and an empty capture.
python3 - "$work" <<'PY' || { echo "FAIL: capture writer"; exit 1; }
import struct, sys
w = sys.argv[1]
def mac(s): return bytes(int(x, 16) for x in s.split(":"))
def ip(s): return bytes(int(x) for x in s.split("."))
def arp_reply(sha, sip, tha, tip):
    f = mac(tha) + mac(sha) + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + \
        mac(sha) + ip(sip) + mac(tha) + ip(tip)
    return f + b"\0" * (60 - len(f))
def write(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 0, i, len(fr), len(fr)) + fr)
# an odd count: bursts start on either member in turn
write(w + "/vpn.pcap", [arp_reply("02:00:00:00:01:0%d" % (1 + i % 2), "192.0.2.1%d" % (1 + i % 2),
                                  "02:00:00:00:00:02", "192.0.2.250") for i in range(63)])
write(w + "/empty.pcap", [])
PY

# conf INTERVAL TIMEOUT RISE FALL CLUSTER_MAC [second [third]]
conf() {
	cat >"$work/hf.conf" <<C
ports = (
  { name = "lan0"; device = "net_pcap0"; mac = "02:00:00:00:00:01"; },
  { name = "lan1"; device = "net_pcap1"; mac = "02:00:00:00:00:03"; },
  { name = "vpn0"; device = "net_pcap2"; mac = "02:00:00:00:00:02"; }
);
probe = { pool = [ "192.0.2.250" ]; };
flows = { size = 65536; timeout_ms = 60000; };
clusters = ( { name = "vpn-out"; ip = "192.0.2.1"; mac = "$5"; ports = [ "lan0", "lan1" ];
  health = { method = "arp"; interval_ms = $1; timeout_ms = $2; rise = $3; fall = $4; };
  members = (
    { name = "vpn-a"; ip = "192.0.2.11"; mac = "02:00:00:00:01:01"; port = "vpn0"; },
    { name = "vpn-b"; ip = "192.0.2.12"; mac = "02:00:00:00:01:02"; port = "vpn0"; }
  ); }
C
	if [ "${6:-}" = second ]; then
		cat >>"$work/hf.conf" <<'C'
  , { name = "vpn-in"; ip = "192.0.2.2"; mac = "00:00:5e:00:01:03"; ports = [ "lan1" ];
  health = { method = "none"; };
  members = ( { name = "vpn-c"; ip = "192.0.2.21"; mac = "02:00:00:00:01:21"; port = "vpn0"; } ); }
C
	fi
	if [ "${7:-}" = third ]; then
		cat >>"$work/hf.conf" <<'C'
  , { name = "vpn-x"; ip = "192.0.2.3"; mac = "00:00:5e:00:01:04"; ports = [ "lan0" ];
  health = { method = "none"; };
  members = ( { name = "vpn-y"; ip = "192.0.2.31"; mac = "02:00:00:00:01:31"; port = "vpn0"; } ); }
C
	fi
	echo ");" >>"$work/hf.conf"
}

live() { jget "$(tel /hyperflow/cluster,vpn-out)" "d['members_live']"; }
# counter GROUP NAME: drops.no_member, control.garp_sent, ...
counter() { jget "$(tel /hyperflow/stats)" "d['$1']['$2']"; }

conf 50 100 2 3 00:00:5e:00:01:01
"$HF" -l 0,1 --no-huge -m 512 --no-pci --file-prefix "$prefix" \
	--vdev "net_pcap0,rx_pcap=$work/traffic.pcap,infinite_rx=1,tx_pcap=$work/lan0.pcap" \
	--vdev "net_pcap1,rx_pcap=$work/empty.pcap,tx_pcap=$work/lan1.pcap" \
	--vdev "net_pcap2,rx_pcap=$work/vpn.pcap,infinite_rx=1" \
	-- -c "$work/hf.conf" --status-interval 0 >"$work/hyperflow.log" 2>&1 &
pid=$!
wait_up || { echo "FAIL: instance did not start"; cat "$work/hyperflow.log"; exit 1; }
up=0
for _ in $(seq 100); do [ "$(live)" = 2 ] && { up=1; break; }; sleep 0.05; done
[ $up -eq 1 ] || { echo "FAIL: members never came up"; exit 1; }

echo "== health block changed (interval, timeout, rise, fall) under traffic"
nm0=$(counter drops no_member)
down0=$(counter control member_down)
conf 80 150 3 4 00:00:5e:00:01:01
out=$(reload) || fail "reload (health)"
echo "   $(jget "$out" "d['last_reload'] + ': ' + d['last_reload_msg']")"
[ "$(jget "$out" "d['last_reload']")" = ok ] || fail "the health change was rejected"
# A member the new timers would lose shows late: fall 4 x interval 80 +
# timeout 150 = 470 ms after the reload. Watch for 1.5 s, every ~0.1 s,
# and stop at the first sign. One telemetry connection held open: through
# tel, each poll (three calls) takes longer than the whole window.
python3 - "/var/run/dpdk/$prefix/dpdk_telemetry.v2" "$nm0" "$down0" <<'PY' || failed=1
import json, socket, sys, time
path, nm0, down0 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(path)
size = json.loads(s.recv(1024).decode())["max_output_len"]
def q(cmd):
    s.send(cmd.encode())
    return list(json.loads(s.recv(size).decode()).values())[0]
start = time.monotonic()
polls = 0
while True:
    st = q("/hyperflow/stats")
    live = q("/hyperflow/cluster,vpn-out")["members_live"]
    nm, down = st["drops"]["no_member"], st["control"]["member_down"]
    polls += 1
    t = time.monotonic() - start
    bad = []
    if nm != nm0:
        bad.append("frames dropped for want of a live member after a health-only reload")
    if down != down0:
        bad.append("a member went down on a health-only reload")
    if live != 2:
        bad.append("members not live after a health-only reload")
    if bad or t >= 1.5:
        break
    time.sleep(0.1)
print(f"   watched {polls} polls over {t:.2f} s: no_member drops {nm - nm0} (expect 0); "
      f"member-down events: {down - down0} (expect 0); live {live}/2")
for m in bad:
    print(f"FAIL: {m} (poll {polls}, {t:.2f} s)")
sys.exit(1 if bad else 0)
PY

echo "== cluster MAC changed, and a cluster added, under traffic"
g0=$(counter control garp_sent)
conf 80 150 3 4 00:00:5e:00:01:02 second
out=$(reload) || fail "reload (mac)"
echo "   $(jget "$out" "d['last_reload'] + ': ' + d['last_reload_msg']")"
[ "$(jget "$out" "d['last_reload']")" = ok ] || fail "the MAC change was rejected"
# vpn-out on lan0 and lan1, vpn-in on lan1: 3 announcements
for _ in $(seq 100); do [ "$(counter control garp_sent)" -ge $((g0 + 3)) ] && break; sleep 0.02; done
g1=$(counter control garp_sent)
echo "   gratuitous ARPs sent for the reload: $((g1 - g0)) (expect 3)"
[ "$g1" -eq $((g0 + 3)) ] || fail "expected 3 gratuitous ARPs after the reload, got $((g1 - g0))"

echo "== a cluster added after two unchanged ones"
conf 80 150 3 4 00:00:5e:00:01:02 second third
out=$(reload) || fail "reload (third cluster)"
echo "   $(jget "$out" "d['last_reload'] + ': ' + d['last_reload_msg']")"
[ "$(jget "$out" "d['last_reload']")" = ok ] || fail "adding a cluster was rejected"
# vpn-x on lan0: 1 announcement; nothing for the unchanged vpn-out and vpn-in
# (a deadline, not a count: each look is a telemetry call, slow on a busy machine)
end=$((SECONDS + 3))
while [ $SECONDS -lt $end ]; do [ "$(counter control garp_sent)" -ge $((g1 + 1)) ] && break; sleep 0.05; done
g2=$(counter control garp_sent)
echo "   gratuitous ARPs sent for the reload: $((g2 - g1)) (expect 1)"
[ "$g2" -eq $((g1 + 1)) ] || fail "expected 1 gratuitous ARP after adding vpn-x, got $((g2 - g1))"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] || fail "hyperflow exited $rc"
# What each LAN port sent: gratuitous ARPs (sender IP = target IP = a cluster IP).
python3 - "$work" <<'PY' || failed=1
import struct, sys
w = sys.argv[1]
def garps(path):
    data = open(path, "rb").read()
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack("<IIII", data[off:off + 16])
        f = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if len(f) >= 42 and f[12:14] == b"\x08\x06" and f[0:6] == b"\xff" * 6:
            sha, sip, tip = f[22:28], f[28:32], f[38:42]
            if sip == tip and sip != b"\0\0\0\0":
                out.append((".".join(map(str, sip)), ":".join("%02x" % b for b in sha),
                            ":".join("%02x" % b for b in f[6:12])))
    return out
want = {"lan0": [("192.0.2.1", "00:00:5e:00:01:02"), ("192.0.2.3", "00:00:5e:00:01:04")],
        "lan1": [("192.0.2.1", "00:00:5e:00:01:02"), ("192.0.2.2", "00:00:5e:00:01:03")]}
never = {"lan0": [("192.0.2.2", "00:00:5e:00:01:03")], "lan1": [("192.0.2.3", "00:00:5e:00:01:04")]}
ok = True
for port in ("lan0", "lan1"):
    g = garps(f"{w}/{port}.pcap")
    seen = {(ip, sha) for ip, sha, src in g}
    print(f"   {port} sent gratuitous ARP for {sorted(seen)}")
    for ip, sha in want[port]:
        if (ip, sha) not in seen:
            print(f"FAIL: {port}: no gratuitous ARP for {ip} with MAC {sha}"); ok = False
    for ip, sha in never[port]:
        if (ip, sha) in seen:
            print(f"FAIL: {port}: gratuitous ARP for {ip} on a port its cluster does not serve"); ok = False
    for ip, sha, src in g:
        if sha != src:
            print(f"FAIL: {port}: gratuitous ARP for {ip} from {src}, not from the cluster MAC {sha}"); ok = False
sys.exit(0 if ok else 1)
PY
if [ $failed -eq 0 ]; then echo "PASS: health-only reload kept member state; MAC change and new clusters announced"; exit 0; fi
exit 1
