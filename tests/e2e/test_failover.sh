#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_failover.sh BUILD_DIR
#
# End-to-end tier: member failover measured on real Linux hosts.
#
#   client ns                 hyperflow ns                switch ns          member ns (x3)
#   c0 192.0.2.100 ─ veth ─ hl [net_af_packet0]
#                             hv [net_af_packet1] ─ veth ─ sh ┐
#                                                          br0 ├ sm1 ─ veth ─ m1 192.0.2.11 vpn-a
#                                                              ├ sm2 ─ veth ─ m2 192.0.2.12 vpn-b
#                                                              └ sm3 ─ veth ─ m3 192.0.2.13 vpn-c
#
# hyperflow runs inside its own namespace on af_packet vdevs bound to two
# veths; the members are kernels answering ARP and ICMP for their address
# (health method icmp, probe source 192.0.2.250, member MACs resolved by
# ARP). The client sends UDP to 60 destinations 203.0.113.1..60 through the
# cluster IP 192.0.2.1 while each member captures what reaches it. Midway
# vpn-b is cut (its bridge port goes down) and later restored; the captures
# then show the detection time, the packets lost, the flows moved, and
# whether vpn-b takes its destinations back (tests/e2e/failover_report.py
# does the checks, see there).
#
# Everything lives in namespaces and veth pairs created here and removed on
# exit (also on failure or interrupt); nothing touches the root namespace's
# interfaces or routes. Only documentation addresses are used. The whole run
# is bounded (a watchdog stops it after 170 s; a normal run takes about 10 s).
#
# Exit: 0 pass, 1 fail (the work directory is kept and named), 77 skipped.
# Environment: HFE_KEEP=1 keeps the work directory on a pass too;
#              HFE_DEBUG=1 runs hyperflow with --log-level=hyperflow.*:debug.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
root=$(cd "$here/../.." && pwd)
hfe_args "$@"

# --- can this machine run it? ---------------------------------------------------
hfe_check_host
command -v dpdk-telemetry.py >/dev/null 2>&1 || skip "dpdk-telemetry.py not found (package dpdk)"
telemetry=(dpdk-telemetry.py)

# --- names, work directory, cleanup ---------------------------------------------------
id=$$
prefix=hfe-$id
ns_app=hfe-app-$id
ns_cl=hfe-cl-$id
ns_sw=hfe-sw-$id
ns_m=("hfe-m1-$id" "hfe-m2-$id" "hfe-m3-$id")
m_name=(vpn-a vpn-b vpn-c)
m_ip=(192.0.2.11 192.0.2.12 192.0.2.13)
m_mac=(02:00:00:00:01:01 02:00:00:00:01:02 02:00:00:00:01:03)
lan_mac=02:00:00:00:00:01
vpn_mac=02:00:00:00:00:02
cluster_ip=192.0.2.1
cluster_mac=00:00:5e:00:01:01
# health method: icmp (default) or arp (HFE_METHOD), both answered by real kernels
method=${HFE_METHOD:-icmp}
case $method in icmp | arp) ;; *) echo "HFE_METHOD must be icmp or arp" >&2; exit 2 ;; esac
interval_ms=50
timeout_ms=50
rise=2
fall=3
move_bound_ms=$(((fall + 1) * interval_ms + 150))
return_bound_ms=$(((rise + 1) * interval_ms + 150))

hfe_name=failover
dpdk_prefixes=("$prefix")
keep_failed=1
hf_pid=

# shellcheck disable=SC2317  # invoked by hfe_cleanup
stop_processes() {
	stop_pid "$snd_pid" TERM 2
	stop_dumps 2
	stop_pid "$hf_pid" TERM 10
}
hfe_begin hfe-failover "$ns_app"

# One telemetry command; prints its data as JSON on one line (empty on error).
tel() { tel_cmd "$prefix" "$1"; }

# --- topology ----------------------------------------------------------------------------
log "topology: namespaces ${ns_app} ${ns_cl} ${ns_sw} ${ns_m[*]}"
make_ns "$ns_cl" "$ns_sw" "${ns_m[@]}"

# client <-> hyperflow LAN port
must ip -n "$ns_app" link add hl type veth peer name c0 netns "$ns_cl"
# hyperflow VPN port <-> switch
must ip -n "$ns_app" link add hv type veth peer name sh netns "$ns_sw"
must ip -n "$ns_app" link set hl address "$lan_mac"
must ip -n "$ns_app" link set hv address "$vpn_mac"
must ip -n "$ns_app" link set hl up
must ip -n "$ns_app" link set hv up

must ip -n "$ns_cl" link set c0 address 02:00:00:00:00:64
must ip -n "$ns_cl" addr add 192.0.2.100/24 dev c0
must ip -n "$ns_cl" link set c0 up
must ip -n "$ns_cl" route add 203.0.113.0/24 via "$cluster_ip"
# A veth leaves UDP checksums to "hardware" (CHECKSUM_PARTIAL) and af_packet
# hands them on unfinished; with the offload off the client's packets carry
# real checksums, and the members can check that hyperflow left L3/L4 alone.
udp_csum=()
if command -v ethtool >/dev/null 2>&1 &&
	ip netns exec "$ns_cl" ethtool -K c0 tx off >/dev/null 2>&1; then
	udp_csum=(--check-udp-checksum)
else
	echo "note: cannot turn off checksum offload on the client (ethtool); UDP checksums" \
		"are not checked"
fi

must ip -n "$ns_sw" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
must ip -n "$ns_sw" link set sh master br0
must ip -n "$ns_sw" link set sh up
for i in 0 1 2; do
	n=$((i + 1))
	must ip -n "$ns_sw" link add "sm$n" type veth peer name "m$n" netns "${ns_m[$i]}"
	must ip -n "$ns_sw" link set "sm$n" master br0
	must ip -n "$ns_sw" link set "sm$n" up
	must ip -n "${ns_m[$i]}" link set "m$n" address "${m_mac[$i]}"
	must ip -n "${ns_m[$i]}" addr add "${m_ip[$i]}/24" dev "m$n"
	must ip -n "${ns_m[$i]}" link set "m$n" up
done
must ip -n "$ns_sw" link set br0 up

# --- configuration -------------------------------------------------------------------------
conf=$work/hyperflow.conf
cat > "$conf" <<EOF
# written by tests/e2e/test_failover.sh
ports = (
    { name = "lan0"; device = "net_af_packet0"; mac = "$lan_mac"; },
    { name = "vpn0"; device = "net_af_packet1"; mac = "$vpn_mac"; }
);
probe = { pool = [ "192.0.2.250" ]; };
clusters = (
    {
        name = "vpn-out";
        type = "vpn";
        ip = "$cluster_ip";
        mac = "$cluster_mac";
        ports = [ "lan0" ];
        hash = "dst-ip";
        health = { method = "$method"; interval_ms = $interval_ms; timeout_ms = $timeout_ms;
                   rise = $rise; fall = $fall; };
        members = (
            { name = "${m_name[0]}"; ip = "${m_ip[0]}"; port = "vpn0"; },
            { name = "${m_name[1]}"; ip = "${m_ip[1]}"; port = "vpn0"; },
            { name = "${m_name[2]}"; ip = "${m_ip[2]}"; port = "vpn0"; }
        );
    }
);
EOF
check_conf "$conf"

# --- captures on every member ---------------------------------------------------------------
for n in 1 2 3; do
	start_dump "${ns_m[$((n - 1))]}" "m$n" "$work/m$n.pcap" \
		'(udp and dst net 203.0.113.0/24) or icmp or arp'
done

# --- hyperflow ---------------------------------------------------------------------------
log "starting hyperflow (file-prefix $prefix, log $work/hyperflow.log)"
t_hf=$(now)
hf_cmd_for "$ns_app" "$prefix" hl hv 512 "$conf"
"${hf_cmd[@]}" --stats-file "$work/stats.json" > "$work/hyperflow.log" 2>&1 &
hf_pid=$!

show_diag() {
	echo "--- hyperflow log (last 30 lines):"
	tail -n 30 "$work/hyperflow.log"
	echo "--- telemetry /hyperflow/cluster,vpn-out:"
	tel /hyperflow/cluster,vpn-out
	echo "--- telemetry /hyperflow/stats:"
	tel /hyperflow/stats
}

# Members up, from one /hyperflow/cluster reply: prints "N_UP STATES".
members_up() {
	python3 -c '
import json, sys
try:
    d = json.loads(sys.stdin.read())
except ValueError:
    print("0 no-answer"); sys.exit()
if isinstance(d, dict) and len(d) == 1 and next(iter(d)).startswith("/"):
    d = next(iter(d.values()))
if not isinstance(d, dict):
    print("0 no-answer"); sys.exit()
ms = [v for k, v in sorted(d.items()) if k.startswith("member") and isinstance(v, dict)]
up = sum(1 for m in ms if m.get("state") == "up")
print(up, ",".join("%s=%s/%s/%s" % (m.get("name"), m.get("state"), m.get("health"),
                                    m.get("mac")) for m in ms) or "no-members")
'
}

# Wait (bounded) until every member is up.
all_up=
states=
up_deadline=$(awk -v t="$t_hf" 'BEGIN { printf "%.0f", t + 20 }')
while [ "$(date +%s)" -lt "$up_deadline" ]; do
	kill -0 "$hf_pid" 2>/dev/null || {
		hf_vdev_skip "$work/hyperflow.log"
		show_diag
		fail "hyperflow exited during start-up"
	}
	read -r up states < <(tel /hyperflow/cluster,vpn-out | members_up)
	if [ "${up:-0}" -eq 3 ]; then
		all_up=$(ms_since "$t_hf")
		break
	fi
	sleep 0.1
done
[ -n "$all_up" ] || { show_diag; fail "members not all up within 20 s: $states"; }
log "all 3 members up ${all_up} ms after hyperflow started: $states"

# ARP resolution gave the members' real MACs
for i in 0 1 2; do
	case $states in
	*"${m_name[$i]}=up/up/${m_mac[$i]}"*) ;;
	*) fail "${m_name[$i]}: telemetry shows ${states}; expected MAC ${m_mac[$i]}" ;;
	esac
done

# --- the client resolves the cluster IP (proxy ARP) -----------------------------------------
client_warm_up "$ns_cl"
lladdr=
for _ in $(seq 30); do
	lladdr=$(ip -n "$ns_cl" neigh show "$cluster_ip" dev c0 |
		awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
	[ -n "$lladdr" ] && break
	sleep 0.1
done
[ "$lladdr" = "$cluster_mac" ] ||
	{ show_diag; fail "client: $cluster_ip resolved to '${lladdr}', expected $cluster_mac"; }
log "client: $cluster_ip is at $lladdr (proxy ARP)"

# --- traffic, cut, restore --------------------------------------------------------------------
rate=2000
duration=4.0
nflows=60
log "traffic: $rate packets/s to 203.0.113.1..$nflows for $duration s"
start_sender "$ns_cl" "$nflows" "$rate" "$duration"

sleep_until "$(awk -v t="$t0" 'BEGIN { printf "%.6f", t + 1.0 }')"
t_cut=$(now)
ip -n "$ns_sw" link set sm2 down || fail "cannot cut vpn-b"
log "cut: vpn-b's bridge port down"

# the control plane's view while vpn-b is cut
sleep_until "$(awk -v t="$t_cut" 'BEGIN { printf "%.6f", t + 0.7 }')"
read -r up_cut states_cut < <(tel /hyperflow/cluster,vpn-out | members_up)

sleep_until "$(awk -v t="$t_cut" 'BEGIN { printf "%.6f", t + 1.5 }')"
t_restore=$(now)
ip -n "$ns_sw" link set sm2 up || fail "cannot restore vpn-b"
log "restore: vpn-b's bridge port up"
log "telemetry 0.7 s into the cut: ${up_cut:-?} up: ${states_cut:-no answer}"

stop_sender
cat "$work/sender.log"
sleep 0.3    # let the last packets reach the captures

read -r up_end states_end < <(tel /hyperflow/cluster,vpn-out | members_up)
tel /hyperflow/stats > "$work/telemetry-stats.json"

# --- stop everything, collect -------------------------------------------------------------------
stop_dumps 3
stop_pid "$hf_pid" TERM 10
hf_pid=
hf_rc=$stopped_rc
for n in 1 2 3; do
	tail -n 3 "$work/m$n.pcap.log" | sed "s/^/m$n: /"
done
log "hyperflow stopped"

status=0
echo
echo "== analysis"
python3 "$here/failover_report.py" --sent "$work/sent.csv" \
	--member "vpn-a,${m_mac[0]},$work/m1.pcap" \
	--member "vpn-b,${m_mac[1]},$work/m2.pcap" \
	--member "vpn-c,${m_mac[2]},$work/m3.pcap" \
	--cut-member vpn-b --cut-time "$t_cut" --restore-time "$t_restore" \
	--move-bound-ms "$move_bound_ms" --return-bound-ms "$return_bound_ms" \
	--interval-ms "$interval_ms" "${udp_csum[@]}" \
	--flow-period-ms "$(awk -v r="$rate" -v n="$nflows" 'BEGIN { print n * 1000 / r }')" \
	--summary "$work/summary.txt" --plot "$build/plots/failover-$method.png" || status=1
[ -s "$work/summary.txt" ] || fail "the analysis wrote no summary"

# --- hyperflow's own view ---------------------------------------------------------------------------
if [ "${up_cut:-0}" -ne 2 ] || [[ $states_cut != *"vpn-b=failed/down"* ]]; then
	echo "FAIL: 0.7 s into the cut telemetry shows ${up_cut:-?} up: ${states_cut:-no answer}"
	status=1
fi
[ "$hf_rc" -eq 0 ] || { echo "FAIL: hyperflow exited with status $hf_rc after SIGTERM"; status=1; }
[ "${up_end:-0}" -eq 3 ] ||
	{ echo "FAIL: after the restore telemetry shows ${up_end:-?} up: ${states_end:-no answer}"
	  status=1; }
if [ -s "$work/stats.json" ]; then
	ctl=$(python3 - "$work/stats.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1])).get("control", {})
keys = ("member_down", "member_up", "probes_sent", "probe_replies", "probe_ignored",
        "addr_probes", "mac_resolved")
print(" ".join("%s=%s" % (k, c.get(k, "?")) for k in keys))
EOF
)
else
	ctl="(no stats file)"
fi
ctr() { sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<<"$ctl"; }
[ "$(ctr member_down)" -ge 1 ] 2>/dev/null ||
	{ echo "FAIL: stats: member_down < 1 ($ctl)"; status=1; }
[ "$(ctr member_up)" -ge 4 ] 2>/dev/null ||
	{ echo "FAIL: stats: member_up < 4 ($ctl)"; status=1; }
grep -q "member 'vpn-b': down" "$work/hyperflow.log" ||
	{ echo "FAIL: no \"member 'vpn-b': down\" line in the log"; status=1; }
grep -q "member 'vpn-b': up" "$work/hyperflow.log" ||
	{ echo "FAIL: no \"member 'vpn-b': up\" line in the log"; status=1; }
grep "member 'vpn-b'" "$work/hyperflow.log" | sed 's/^/log: /'

# --- summary -------------------------------------------------------------------------------------------
fig() { sed -n "s/^$1=//p" "$work/summary.txt"; }
echo
echo "==== failover summary (health ${method}, interval ${interval_ms} ms, timeout ${timeout_ms} ms," \
	"rise ${rise}, fall ${fall}) ===="
echo "time to all members up:   ${all_up} ms after hyperflow started"
echo "detection:                $(fig detection_ms) ms (cut -> first vpn-b flow at another" \
	"member; bound ${move_bound_ms} ms)"
echo "all vpn-b flows moved:    $(fig all_moved_ms) ms after the cut (each shows it with its" \
	"next packet, $((nflows * 1000 / rate)) ms apart)"
echo "back on vpn-b:            $(fig return_first_ms) ms after link up, all $(fig return_all_ms) ms" \
	"(bound ${return_bound_ms} ms)"
echo "packets:                  sent $(fig sent), lost $(fig lost)" \
	"($(fig lost_in_window) in the failover window), duplicates $(fig duplicates)," \
	"altered $(fig altered)"
echo "flows moved:              $(fig flows_moved) of $nflows ($(fig flows_on_cut_member) on vpn-b;" \
	"$(fig flows_unmoved_other) on vpn-a/vpn-c stayed)"
echo "hyperflow control:        $ctl"
echo "probe spacing (max):      $(fig probe_gap_max_ms) ms (interval ${interval_ms} ms);" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg) on $ncpu CPUs"
[ "$status" -eq 0 ] || { echo "--- hyperflow log (last 20 lines):"; tail -n 20 "$work/hyperflow.log"; }
result=$status
exit "$result"
