#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_ha.sh BUILD_DIR
#
# End-to-end tier: active/passive HA (VRRPv3) measured on real hosts, with a
# stock keepalived as the peer and then with two hyperflow boxes.
#
#   LAN bridge (switch ns, brl)                  member-side bridge (switch ns, brv)
#     sal ─ lana [net_af_packet0] hyperflow A [net_af_packet1] vpna ─ sav
#     sbl ─ lanb [net_af_packet0] hyperflow B [net_af_packet1] vpnb ─ sbv
#     scl ─ c0 client 192.0.2.100                              sm1 ─ m1 member vpn-a 192.0.2.11
#     skl ─ k0 keepalived 192.0.2.252                          sm2 ─ m2 member vpn-b 192.0.2.12
#
# Both boxes serve cluster vpn-out (192.0.2.1, MAC 00:00:5e:00:01:01) with the
# same two members (health icmp: a Backup keeps checking them), and run VRRP
# vrid 51 on their LAN port with adverts every 100 ms; their probe (and VRRP
# source) addresses are 192.0.2.250 (A) and 192.0.2.251 (B).
#
# Part 1, keepalived (priority 200) and A (priority 100):
#   - keepalived is MASTER, A BACKUP following 192.0.2.252; A does not
#     answer ARP for the cluster IP (only keepalived's MAC replies) and sends
#     no gratuitous ARP;
#   - keepalived stopped with SIGTERM (it sends priority 0): A is MASTER after
#     its skew time, sends gratuitous ARP with the cluster MAC, answers ARP;
#   - keepalived started again takes the role back (preemption); killed
#     with SIGKILL (no priority 0): A is MASTER after the master-down
#     interval (3 x 100 ms + skew).
# Part 2, A (priority 200, MASTER) and B (priority 100, BACKUP) with UDP
#   traffic from the client to 40 destinations: A is killed with SIGKILL;
#   B takes over after the master-down interval; the members' captures give
#   the packets lost, and show that every destination kept its member (the
#   bucket tables are the same on both boxes) and that only the master
#   forwarded.
# Times are measured from the kill: by polling the survivor's telemetry
# (/hyperflow/ha, every 20 ms, tests/e2e/ha_report.py watch) and from a
# capture on the client's LAN port (VRRP adverts, gratuitous ARP).
#
# Everything lives in namespaces and veth pairs created here, with the work
# files (configurations, keepalived pid files, logs, captures) in a temporary
# directory; all of it, and every process started here, is removed on exit,
# also on failure or interrupt. Only documentation addresses are used. The
# run is bounded: a watchdog stops it after 170 s (a normal run takes about
# 20 s).
#
# Exit: 0 pass, 1 fail, 77 skipped (with the reason).
# Environment: HFE_KEEP=1 keeps the work directory; HFE_DEBUG=1 runs
#              hyperflow with --log-level=hyperflow.*:debug.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
hfe_args "$@"
report=$here/ha_report.py

# --- can this machine run it? ---------------------------------------------------
hfe_check_host
keepalived=$(command -v keepalived 2>/dev/null || true)
[ -z "$keepalived" ] && [ -x /usr/sbin/keepalived ] && keepalived=/usr/sbin/keepalived
[ -n "$keepalived" ] || skip "keepalived not found (the HA peer of part 1)"
stock_telemetry=$(command -v dpdk-telemetry.py 2>/dev/null)
[ -n "$stock_telemetry" ] && telemetry=("$py" "$stock_telemetry")

# --- names, addresses ---------------------------------------------------------------
id=$$
ns_sw=hfh-sw-$id
ns_a=hfh-a-$id
ns_b=hfh-b-$id
ns_cl=hfh-cl-$id
ns_ka=hfh-ka-$id
ns_m=("hfh-m1-$id" "hfh-m2-$id")
declare -A prefix=([A]=hfh-a-$id [B]=hfh-b-$id)
m_name=(vpn-a vpn-b)
m_ip=(192.0.2.11 192.0.2.12)
m_mac=(02:00:00:00:01:01 02:00:00:00:01:02)
declare -A lan_mac=([A]=02:00:00:00:0a:01 [B]=02:00:00:00:0b:01)
declare -A vpn_mac=([A]=02:00:00:00:0a:02 [B]=02:00:00:00:0b:02)
declare -A probe_ip=([A]=192.0.2.250 [B]=192.0.2.251)
cl_ip=192.0.2.100
cl_mac=02:00:00:00:00:64
ka_ip=192.0.2.252
ka_mac=02:00:00:00:00:fc
cluster_ip=192.0.2.1
cluster_mac=00:00:5e:00:01:01
vrid=51
advert_ms=100
poll_ms=20
# slack for a loaded 2-CPU machine: scheduling of the control lcore, telemetry
# polling (poll_ms), keepalived's own shutdown
margin_ms=150

# Skew_Time and Master_Down_Interval of RFC 5798 for a priority, in ms (vrrp.h)
skew_ms() { echo $(((256 - $1) * advert_ms / 256)); }
down_ms() { echo $((3 * advert_ms + $(skew_ms "$1"))); }

hfe_name=ha
dpdk_prefixes=("${prefix[A]}" "${prefix[B]}")
declare -A hf_tpid=() hf_pid=()
ka_tpid=

# shellcheck disable=SC2317  # invoked by hfe_cleanup
stop_processes() {
	local b

	stop_pid "$snd_pid" TERM 2
	stop_keepalived
	for b in A B; do
		stop_pid "${hf_tpid[$b]:-}" TERM 10
	done
	stop_dumps 2
}

# The pid in a pid file, if that process is still a keepalived.
ka_pid_from() {
	local p

	p=$(cat "$1" 2>/dev/null) || return 0
	[ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = keepalived ] && echo "$p"
}

# Stop keepalived (SIGTERM to the parent, which stops its VRRP child), bounded;
# then make sure neither process is left.
# shellcheck disable=SC2317  # invoked by stop_processes
stop_keepalived() {
	local p c

	[ -n "$ka_tpid" ] || return 0
	p=$(ka_pid_from "$work/ka.pid")
	c=$(ka_pid_from "$work/ka_vrrp.pid")
	[ -n "$p" ] && kill -TERM "$p" 2>/dev/null
	stop_pid "$ka_tpid" TERM 5
	for p in $p $c; do
		kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
	done
	ka_tpid=
	rm -f "$work/ka.pid" "$work/ka_vrrp.pid"
}

show_diag() {
	local b

	for b in A B; do
		[ -s "$work/hf-$b.log" ] || continue
		echo "--- hyperflow $b log (last 25 lines):"
		tail -n 25 "$work/hf-$b.log"
	done
	for f in "$work"/ka*.log; do
		[ -s "$f" ] || continue
		echo "--- $(basename "$f") (last 15 lines):"
		tail -n 15 "$f"
	done
}

on_fail=show_diag

status=0
check() {   # check CONDITION-STATUS MESSAGE: record a failed check, go on
	if [ "$1" -ne 0 ]; then
		echo "FAIL: $2"
		status=1
	fi
}

# One telemetry command for box A or B; its data as JSON on one line.
tel() { timeout 5 "$py" "$report" query "${prefix[$1]}" "$2" 2>/dev/null; }

# json_get JSON KEY.SUBKEY...: one value ("" when absent).
json_get() {
	"$py" -c '
import json, sys
try:
    d = json.loads(sys.argv[1])
except ValueError:
    sys.exit()
for k in sys.argv[2].split("."):
    d = d.get(k) if isinstance(d, dict) else None
print("" if d is None else d)
' "$1" "$2"
}

# KEY=VALUE files written by ha_report.py
fig() { sed -n "s/^$2=//p" "$1"; }

# le A B / ge A B: numeric comparisons of figures ("none" fails)
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a ~ /^-?[0-9.]+$/ && a + 0 <= b + 0) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a ~ /^-?[0-9.]+$/ && a + 0 >= b + 0) }'; }

hfe_begin hfe-ha "$ns_sw"

# --- topology ----------------------------------------------------------------------------
log "topology: namespaces hfh-{sw,a,b,cl,ka,m1,m2}-$id"
make_ns "$ns_a" "$ns_b" "$ns_cl" "$ns_ka" "${ns_m[@]}"
must ip -n "$ns_sw" link add brl type bridge stp_state 0 forward_delay 0 mcast_snooping 0
must ip -n "$ns_sw" link add brv type bridge stp_state 0 forward_delay 0 mcast_snooping 0

plug "$ns_a" lana "${lan_mac[A]}" sal brl
plug "$ns_a" vpna "${vpn_mac[A]}" sav brv
plug "$ns_b" lanb "${lan_mac[B]}" sbl brl
plug "$ns_b" vpnb "${vpn_mac[B]}" sbv brv
plug "$ns_cl" c0 "$cl_mac" scl brl
plug "$ns_ka" k0 "$ka_mac" skl brl
for i in 0 1; do
	plug "${ns_m[$i]}" "m$((i + 1))" "${m_mac[$i]}" "sm$((i + 1))" brv
	must ip -n "${ns_m[$i]}" addr add "${m_ip[$i]}/24" dev "m$((i + 1))"
done
must ip -n "$ns_sw" link set brl up
must ip -n "$ns_sw" link set brv up
must ip -n "$ns_cl" addr add "$cl_ip/24" dev c0
must ip -n "$ns_cl" route add 203.0.113.0/24 via "$cluster_ip"
# a gratuitous ARP must update the client's entry at once
must ip netns exec "$ns_cl" sysctl -qw net.ipv4.neigh.c0.locktime=0
must ip -n "$ns_ka" addr add "$ka_ip/24" dev k0

# --- configurations -------------------------------------------------------------------------
# hf_conf BOX PRIORITY FILE
hf_conf() {
	cat > "$3" <<EOF
# written by tests/e2e/test_ha.sh: box $1
ports = (
    { name = "lan0"; device = "net_af_packet0"; mac = "${lan_mac[$1]}"; },
    { name = "vpn0"; device = "net_af_packet1"; mac = "${vpn_mac[$1]}"; }
);
probe = { pool = [ "${probe_ip[$1]}" ]; };
clusters = (
    {
        name = "vpn-out";
        type = "vpn";
        ip = "$cluster_ip";
        mac = "$cluster_mac";
        ports = [ "lan0" ];
        hash = "dst-ip";
        health = { method = "icmp"; interval_ms = 50; timeout_ms = 100; rise = 2; fall = 3; };
        members = (
            { name = "${m_name[0]}"; ip = "${m_ip[0]}"; mac = "${m_mac[0]}"; port = "vpn0"; },
            { name = "${m_name[1]}"; ip = "${m_ip[1]}"; mac = "${m_mac[1]}"; port = "vpn0"; }
        );
    }
);
ha = { port = "lan0"; vrid = $vrid; priority = $2; advert_ms = $advert_ms; preempt = true; };
EOF
	check_conf "$3"
}
hf_conf A 100 "$work/a-100.conf"
hf_conf A 200 "$work/a-200.conf"
hf_conf B 100 "$work/b-100.conf"

ka_prio=200
cat > "$work/keepalived.conf" <<EOF
# written by tests/e2e/test_ha.sh
global_defs {
    router_id hfe_ha_$id
    vrrp_version 3
}
vrrp_instance VI_$vrid {
    state BACKUP
    interface k0
    virtual_router_id $vrid
    priority $ka_prio
    advert_int $(awk -v a=$advert_ms 'BEGIN { print a / 1000 }')
    version 3
    virtual_ipaddress {
        $cluster_ip/24
    }
}
EOF

# --- captures --------------------------------------------------------------------------------
start_dump "$ns_cl" c0 "$work/lan.pcap" 'arp or ip proto 112'
start_dump "${ns_m[0]}" m1 "$work/m1.pcap" 'udp and dst net 203.0.113.0/24'
start_dump "${ns_m[1]}" m2 "$work/m2.pcap" 'udp and dst net 203.0.113.0/24'

# --- processes ---------------------------------------------------------------------------------
# start_hf BOX CONF: hyperflow in the box's namespace; hf_pid is the
# hyperflow process itself (a child of timeout, which bounds it)
start_hf() {
	local b=$1 ns lan vpn c

	if [ "$b" = A ]; then ns=$ns_a lan=lana vpn=vpna; else ns=$ns_b lan=lanb vpn=vpnb; fi
	hf_cmd_for "$ns" "${prefix[$b]}" "$lan" "$vpn" 256 "$2"
	"${hf_cmd[@]}" >> "$work/hf-$b.log" 2>&1 &
	hf_tpid[$b]=$!
	hf_pid[$b]=
	for _ in $(seq 100); do
		c=$(cat "/proc/${hf_tpid[$b]}/task/${hf_tpid[$b]}/children" 2>/dev/null)
		[ -n "$c" ] && { hf_pid[$b]=${c%% *}; break; }
		sleep 0.02
	done
	[ -n "${hf_pid[$b]}" ] || fail "hyperflow $b did not start"
}

# hf_alive BOX: fail (or skip, when the af_packet vdevs cannot be created) if
# the box's hyperflow has exited
hf_alive() {
	kill -0 "${hf_pid[$1]}" 2>/dev/null && return 0
	hf_vdev_skip "$work/hf-$1.log"
	fail "hyperflow $1 exited"
}

# watch BOX ARGS...: ha_report.py watch on a box (see there)
watch() {
	local b=$1

	shift
	hf_alive "$b"
	timeout 20 "$py" "$report" watch --prefix "${prefix[$b]}" --interval-ms "$poll_ms" "$@"
}

# start_keepalived LOG: keepalived (VRRP only, no fork, console log) in its namespace
start_keepalived() {
	rm -f "$work/ka.pid" "$work/ka_vrrp.pid"
	ip netns exec "$ns_ka" timeout -k 2 120 "$keepalived" -n -l -D -G -P -R \
		-f "$work/keepalived.conf" -p "$work/ka.pid" -r "$work/ka_vrrp.pid" > "$1" 2>&1 &
	ka_tpid=$!
}

# wait_log FILE PATTERN SECONDS
wait_log() {
	local n=$(($3 * 20))

	while [ $n -gt 0 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

# arp_probe: who-has the cluster IP from the client; prints "MAC MAC ..." of the replies
arp_probe() {
	ip netns exec "$ns_cl" timeout 5 "$py" "$report" arp-probe --iface c0 --mac "$cl_mac" \
		--ip "$cl_ip" --target "$cluster_ip" --wait-ms 300 |
		"$py" -c 'import json, sys; print(" ".join(r["mac"] for r in json.load(sys.stdin)))'
}

# client_neigh: the client's neighbour entry for the cluster IP ("MAC STATE")
client_neigh() {
	ip -n "$ns_cl" neigh show "$cluster_ip" dev c0 |
		awk '{ m = ""; for (i = 1; i < NF; i++) if ($i == "lladdr") m = $(i + 1); print m, $NF }'
}

# ==============================================================================================
echo
echo "== part 1: keepalived (priority $ka_prio) and hyperflow A (priority 100)"
t_ka=$(now)
start_keepalived "$work/ka1.log"
wait_log "$work/ka1.log" 'Entering MASTER STATE' 5 ||
	fail "keepalived did not become MASTER within 5 s"
log "keepalived: MASTER $(ms_since "$t_ka") ms after its start"

t_a1=$(now)
start_hf A "$work/a-100.conf"
watch A --state backup --master-ip "$ka_ip" --members-up 2 --timeout 15 --json "$work/w-a-backup.json" ||
	fail "A did not become BACKUP of $ka_ip with 2 members up within 15 s"
log "A: BACKUP following $ka_ip, members up (checked while Backup), $(ms_since "$t_a1") ms after start"
# adverts that arrive before VRRP starts (no probe address yet) count as
# rejected too: from here on the count must not grow
a_rej0=$(json_get "$(tel A /hyperflow/stats)" control.vrrp_rejected)

# a few adverts later A must still be Backup and must have stayed silent
sleep 0.5
if [ -n "$stock_telemetry" ]; then
	ha=$(tel_cmd "${prefix[A]}" /hyperflow/ha)
	ha=$("$py" -c 'import json, sys; d = json.loads(sys.argv[1]); print(json.dumps(d.get("/hyperflow/ha", d)))' "$ha" 2>/dev/null)
	echo "A: /hyperflow/ha via dpdk-telemetry.py: $ha"
else
	ha=$(tel A /hyperflow/ha)
	echo "A: /hyperflow/ha: $ha"
fi
[ "$(json_get "$ha" state)" = backup ]; check $? "A is not backup under keepalived"
[ "$(json_get "$ha" master_ip)" = "$ka_ip" ]; check $? "A's master_ip is not $ka_ip"
[ "$(json_get "$ha" active)" = no ]; check $? "A says it is active while Backup"
[ "$(json_get "$ha" became_master)" = 0 ]; check $? "A became MASTER under a higher-priority keepalived"
a_down_ms=$(json_get "$ha" master_down_ms)
[ "$a_down_ms" = "$(down_ms 100)" ]
check $? "A's master_down_ms is ${a_down_ms}, expected $(down_ms 100) (3 x $advert_ms + skew)"

replies=$(arp_probe)
log "client: who-has $cluster_ip answered by: ${replies:-nobody}"
[ "$replies" = "$ka_mac" ]; check $? "ARP for $cluster_ip while A is Backup: replies '$replies', expected only keepalived's $ka_mac"
st=$(tel A /hyperflow/stats)
a_not_served=$(json_get "$st" drops.arp_not_served)
a_replies=$(json_get "$st" control.arp_replies)
a_garps=$(json_get "$st" control.garp_sent)
echo "A: stats: arp_not_served=$a_not_served arp_replies=$a_replies garp_sent=$a_garps vrrp_rx=$(json_get "$st" control.vrrp_rx) vrrp_rejected=$(json_get "$st" control.vrrp_rejected) ($a_rej0 before VRRP started) vrrp_sent=$(json_get "$st" control.vrrp_sent)"
ge "$a_not_served" 1; check $? "A: drops.arp_not_served is '$a_not_served', expected >= 1"
[ "$a_replies" = 0 ] && [ "$a_garps" = 0 ]; check $? "A answered ARP or sent GARP while Backup"

# --- SIGTERM: keepalived sends priority 0, A takes over after its skew time
ka_parent=$(ka_pid_from "$work/ka.pid")
[ -n "$ka_parent" ] || fail "no keepalived pid in $work/ka.pid"
log "keepalived: SIGTERM (priority 0 expected); polling A every $poll_ms ms"
watch A --state master --kill "$ka_parent" --signal TERM --timeout 3 --json "$work/w-term.json"
check $? "A did not become MASTER within 3 s of keepalived's SIGTERM"
t_term=$(json_get "$(cat "$work/w-term.json")" t_kill)
term_ms=$(json_get "$(cat "$work/w-term.json")" after_kill_ms)
stop_pid "$ka_tpid" TERM 5
ka_tpid=
rm -f "$work/ka.pid" "$work/ka_vrrp.pid"
sleep 0.3
ha=$(tel A /hyperflow/ha)
term_reason=$(json_get "$ha" last_reason)
echo "A: after SIGTERM: state $(json_get "$ha" state), reason \"$term_reason\""
[[ $term_reason == *"priority 0"* ]]; check $? "A's takeover reason is \"$term_reason\", expected the priority-0 release"
le "$term_ms" $(($(skew_ms 100) + margin_ms))
check $? "A became MASTER ${term_ms} ms after SIGTERM, bound skew $(skew_ms 100) + $margin_ms ms"
replies=$(arp_probe)
log "client: who-has $cluster_ip answered by: ${replies:-nobody}"
[ "$replies" = "$cluster_mac" ]; check $? "ARP for $cluster_ip with A MASTER: replies '$replies', expected only $cluster_mac"
grep -q 'Entering MASTER STATE' "$work/ka1.log"; check $? "keepalived's log has no 'Entering MASTER STATE'"
grep -q 'sent 0 priority' "$work/ka1.log"; check $? "keepalived's log does not say it sent priority 0"

# --- SIGKILL: keepalived takes the role back, then dies without a word
t_ka2=$(now)
start_keepalived "$work/ka2.log"
wait_log "$work/ka2.log" 'Entering MASTER STATE' 5 ||
	fail "keepalived (second start) did not become MASTER within 5 s"
watch A --state backup --master-ip "$ka_ip" --timeout 5 --json "$work/w-a-backup2.json" ||
	fail "A did not go back to BACKUP under keepalived"
t_bk2=$(now)
ha=$(tel A /hyperflow/ha)
pre_reason=$(json_get "$ha" last_reason)
log "keepalived: MASTER again $(ms_since "$t_ka2") ms after its start; A: BACKUP (\"$pre_reason\")"
[[ $pre_reason == *"higher priority"*"$ka_ip"* ]]
check $? "A's reason for going Backup is \"$pre_reason\", expected a higher-priority advert from $ka_ip"
# keepalived parsed A's adverts (checksum, version, addresses) and judged them
grep -qE "(received lower priority \(100\) advert|Received advert) from ${probe_ip[A]}" "$work/ka2.log"
check $? "keepalived's log shows no advert from A (${probe_ip[A]}) taken as valid"
sleep 0.3
ka_parent=$(ka_pid_from "$work/ka.pid")
ka_child=$(ka_pid_from "$work/ka_vrrp.pid")
if [ -z "$ka_parent" ] || [ -z "$ka_child" ]; then
	fail "keepalived pids not found ($work/ka*.pid)"
fi
log "keepalived: SIGKILL (VRRP child $ka_child, parent $ka_parent), its link down; polling A"
# (bash would report the SIGKILLed job on stderr: not an error here)
{
	watch A --state master --kill "$ka_child,$ka_parent" --signal KILL \
		--then "ip -n $ns_ka link set k0 down" --timeout 3 --json "$work/w-kill.json"
	rc=$?
	stop_pid "$ka_tpid" TERM 5
} 2>/dev/null
check $rc "A did not become MASTER within 3 s of keepalived's SIGKILL"
ka_tpid=
rm -f "$work/ka.pid" "$work/ka_vrrp.pid"
t_kill1=$(json_get "$(cat "$work/w-kill.json")" t_kill)
kill1_ms=$(json_get "$(cat "$work/w-kill.json")" after_kill_ms)
ha=$(tel A /hyperflow/ha)
kill_reason=$(json_get "$ha" last_reason)
echo "A: after SIGKILL: state $(json_get "$ha" state), reason \"$kill_reason\""
[[ $kill_reason == "master down interval expired" ]]
check $? "A's takeover reason is \"$kill_reason\", expected the master-down interval"
le "$kill1_ms" $(($(down_ms 100) + margin_ms))
check $? "A became MASTER ${kill1_ms} ms after SIGKILL, bound $(down_ms 100) + $margin_ms ms"
ge "$kill1_ms" $((2 * advert_ms))
check $? "A became MASTER ${kill1_ms} ms after SIGKILL: sooner than the master-down interval allows"

# --- A steps down: part 2 needs it at priority 200
a_rej1=$(json_get "$(tel A /hyperflow/stats)" control.vrrp_rejected)
[ "$a_rej1" = "$a_rej0" ]
check $? "A rejected $((a_rej1 - a_rej0)) of keepalived's adverts (checksum, TTL, version?) while running VRRP"
stop_pid "${hf_tpid[A]}" TERM 10
a1_rc=$stopped_rc
hf_tpid[A]=
[ "$a1_rc" -eq 0 ]; check $? "hyperflow A exited with status $a1_rc after SIGTERM"

# ==============================================================================================
echo
echo "== part 2: hyperflow A (priority 200) and B (priority 100), traffic, A crashes"
t_a=$(now)
start_hf A "$work/a-200.conf"
watch A --state master --members-up 2 --timeout 15 --json "$work/w-a-master.json" ||
	fail "A did not become MASTER with 2 members up within 15 s"
log "A: MASTER, members up, $(ms_since "$t_a") ms after start"
t_b=$(now)
start_hf B "$work/b-100.conf"
watch B --state backup --master-ip "${probe_ip[A]}" --members-up 2 --timeout 15 \
	--json "$work/w-b-backup.json" ||
	fail "B did not become BACKUP of ${probe_ip[A]} with 2 members up within 15 s"
log "B: BACKUP following ${probe_ip[A]}, members up, $(ms_since "$t_b") ms after start"
b_rej0=$(json_get "$(tel B /hyperflow/stats)" control.vrrp_rejected)

# the client resolves the cluster IP: only A answers, with the cluster MAC
client_warm_up "$ns_cl"
neigh=
for _ in $(seq 30); do
	neigh=$(client_neigh)
	[ "${neigh%% *}" = "$cluster_mac" ] && break
	sleep 0.1
done
log "client: ip neigh $cluster_ip: $neigh"
[ "${neigh%% *}" = "$cluster_mac" ]; check $? "client: $cluster_ip resolved to '$neigh', expected $cluster_mac"
replies=$(arp_probe)
log "client: who-has $cluster_ip answered by: ${replies:-nobody}"
[ "$replies" = "$cluster_mac" ]; check $? "ARP for $cluster_ip with A MASTER and B BACKUP: replies '$replies', expected one $cluster_mac"
st=$(tel B /hyperflow/stats)
b_not_served=$(json_get "$st" drops.arp_not_served)
ge "$b_not_served" 1; check $? "B: drops.arp_not_served is '$b_not_served', expected >= 1 (B saw the who-has)"
[ "$(json_get "$st" control.arp_replies)" = 0 ]; check $? "B (Backup) answered ARP"

# --- traffic, crash -----------------------------------------------------------------------------
rate=2000
duration=3.5
nflows=40
log "traffic: $rate packets/s to 203.0.113.1..$nflows for $duration s"
start_sender "$ns_cl" "$nflows" "$rate" "$duration"
sleep_until "$(awk -v t="$t0" 'BEGIN { printf "%.6f", t + 1.2 }')"
st=$(tel B /hyperflow/stats)
b_backup_drops=$(json_get "$st" drops.ha_backup)
b_rx_before=$(json_get "$st" rx)
log "A: SIGKILL (pid ${hf_pid[A]}); polling B every $poll_ms ms"
{
	watch B --state master --kill "${hf_pid[A]}" --signal KILL --timeout 3 --json "$work/w-crash.json"
	rc=$?
	stop_pid "${hf_tpid[A]}" TERM 2
} 2>/dev/null
check $rc "B did not become MASTER within 3 s of A's crash"
hf_tpid[A]=
t_crash=$(json_get "$(cat "$work/w-crash.json")" t_kill)
crash_ms=$(json_get "$(cat "$work/w-crash.json")" after_kill_ms)
stop_sender
sed 's/^/  /' "$work/sender.log"
sleep 0.3
ha=$(tel B /hyperflow/ha)
st=$(tel B /hyperflow/stats)
b_rej1=$(json_get "$st" control.vrrp_rejected)
[ "$b_rej1" = "$b_rej0" ]; check $? "B rejected $((b_rej1 - b_rej0)) of A's adverts while running VRRP"
crash_reason=$(json_get "$ha" last_reason)
echo "B: after A's crash: state $(json_get "$ha" state), reason \"$crash_reason\"; stats: rx $(json_get "$st" rx) tx $(json_get "$st" tx) ha_backup drops $(json_get "$st" drops.ha_backup) (before the crash: $b_backup_drops of rx $b_rx_before)"
[[ $crash_reason == "master down interval expired" ]]
check $? "B's takeover reason is \"$crash_reason\", expected the master-down interval"
le "$crash_ms" $(($(down_ms 100) + margin_ms))
check $? "B became MASTER ${crash_ms} ms after A's crash, bound $(down_ms 100) + $margin_ms ms"
neigh=$(client_neigh)
[ "${neigh%% *}" = "$cluster_mac" ]; check $? "client: after the takeover $cluster_ip is at '$neigh', expected $cluster_mac"

stop_pid "${hf_tpid[B]}" TERM 10
b_rc=$stopped_rc
hf_tpid[B]=
[ "$b_rc" -eq 0 ]; check $? "hyperflow B exited with status $b_rc after SIGTERM"
stop_dumps 3

# ==============================================================================================
echo
echo "== analysis"
"$py" "$report" takeover --pcap "$work/lan.pcap" --kill-time "$t_term" --since "$t_a1" \
	--old-ip "$ka_ip" --new-ip "${probe_ip[A]}" --cluster-ip "$cluster_ip" \
	--cluster-mac "$cluster_mac" --summary "$work/term.txt" > /dev/null
"$py" "$report" takeover --pcap "$work/lan.pcap" --kill-time "$t_kill1" --since "$t_bk2" \
	--old-ip "$ka_ip" --new-ip "${probe_ip[A]}" --cluster-ip "$cluster_ip" \
	--cluster-mac "$cluster_mac" --summary "$work/kill.txt" > /dev/null
"$py" "$report" takeover --pcap "$work/lan.pcap" --kill-time "$t_crash" --since "$t_b" \
	--old-ip "${probe_ip[A]}" --new-ip "${probe_ip[B]}" --cluster-ip "$cluster_ip" \
	--cluster-mac "$cluster_mac" --summary "$work/crash.txt" > /dev/null
"$py" "$report" traffic --sent "$work/sent.csv" \
	--member "${m_name[0]},${m_mac[0]},$work/m1.pcap" \
	--member "${m_name[1]},${m_mac[1]},$work/m2.pcap" \
	--via "A,${vpn_mac[A]}" --via "B,${vpn_mac[B]}" --kill-time "$t_crash" \
	--bound-ms $(($(down_ms 100) + margin_ms + 50)) --summary "$work/traffic.txt" \
	--plot "$build/plots/ha-crash.png"
check $? "traffic across A's crash (see above)"

# keepalived spoke VRRPv3 every 100 ms, at priority 200, and sent priority 0 on SIGTERM
[ "$(fig "$work/term.txt" old_version)" = 3 ] && [ "$(fig "$work/term.txt" old_adver_cs)" = 10 ] &&
	[ "$(fig "$work/term.txt" old_prio)" = "$ka_prio" ]
check $? "keepalived's adverts are not VRRPv3 / 10 cs / priority $ka_prio: $(tr '\n' ' ' < "$work/term.txt")"
[ "$(fig "$work/term.txt" old_prio0_ms)" != none ]; check $? "no priority-0 advert from keepalived after SIGTERM"
[ "$(fig "$work/kill.txt" old_prio0_ms)" = none ]; check $? "a priority-0 advert after SIGKILL?"
for f in term kill; do
	[ "$(fig "$work/$f.txt" garps_before)" = 0 ] && [ "$(fig "$work/$f.txt" replies_before)" = 0 ]
	check $? "$f run: A sent GARP or ARP replies for $cluster_ip while Backup ($(tr '\n' ' ' < "$work/$f.txt"))"
	[ "$(fig "$work/$f.txt" new_adverts_before_kill)" = 0 ]
	check $? "$f run: A advertised while keepalived was MASTER"
done
for f in term kill crash; do
	[ "$(fig "$work/$f.txt" new_garp_ms)" != none ]
	check $? "$f run: no gratuitous ARP for $cluster_ip from $cluster_mac after the takeover"
done
# Intervals measured on the LAN between two adverts: the upper bound is the
# RFC interval + margin_ms. Below, only a takeover clearly too early fails
# (under half the skew time; before 3 advert intervals); a few ms early is
# noted: hyperflow stamps a received frame with the time its worker's poll
# loop began, and a worker descheduled by a busy machine stamps the frames it
# finds on resuming that much too early.
early_note() {   # early_note WHAT MEASURED EXPECTED
	if ! ge "$2" $(($3 - 5)); then
		echo "NOTE: $1: ${2} ms, expected ${3} ms: the timer ran short by" \
			"$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", b - a }') ms (see above;" \
			"load average $(cut -d' ' -f1 /proc/loadavg) on $ncpu CPUs)"
	fi
}
skew_meas=$(fig "$work/term.txt" skew_measured_ms)
# a new master whose adverts come far apart did not get the CPU in time: the
# timing figures of such a run say more about the machine than about hyperflow
for f in term kill crash; do
	g=$(fig "$work/$f.txt" new_advert_gap_max_ms)
	ge "$g" $((2 * advert_ms + 50)) &&
		echo "NOTE: $f run: the new master's adverts were up to ${g} ms apart (every" \
			"$advert_ms ms expected): hyperflow was starved of CPU (load average" \
			"$(cut -d' ' -f1 /proc/loadavg) on $ncpu CPUs)"
done
ge "$skew_meas" $(($(skew_ms 100) / 2)) && le "$skew_meas" $(($(skew_ms 100) + margin_ms))
check $? "SIGTERM run: priority 0 -> A's first advert ${skew_meas} ms, expected skew $(skew_ms 100) ms (+ $margin_ms)"
early_note "SIGTERM run: keepalived's priority 0 -> A's first advert" "$skew_meas" "$(skew_ms 100)"
for f in kill crash; do
	d=$(fig "$work/$f.txt" down_measured_ms)
	ge "$d" $((3 * advert_ms)) && le "$d" $(($(down_ms 100) + margin_ms))
	check $? "$f run: last advert of the old master -> first of the new ${d} ms, expected $(down_ms 100) ms (+ $margin_ms)"
	early_note "$f run: old master's last advert -> new master's first" "$d" "$(down_ms 100)"
done

# ==============================================================================================
echo
echo "==== HA summary (VRRPv3 vrid $vrid, adverts every $advert_ms ms, telemetry polled every $poll_ms ms) ===="
echo "part 1: keepalived priority $ka_prio MASTER, hyperflow A priority 100 BACKUP (master_down_ms $a_down_ms)"
echo "  A while Backup:        ARP for $cluster_ip not answered (arp_not_served $a_not_served), no GARP, no advert"
echo "  keepalived SIGTERM:    A MASTER ${term_ms} ms after the kill (telemetry; skew $(skew_ms 100) ms);" \
	"LAN: priority 0 at $(fig "$work/term.txt" old_prio0_ms) ms, A's first advert" \
	"$(fig "$work/term.txt" new_first_advert_ms) ms, GARP $(fig "$work/term.txt" new_garp_ms) ms" \
	"(priority 0 -> advert ${skew_meas} ms)"
echo "  keepalived SIGKILL:    A MASTER ${kill1_ms} ms after the kill (telemetry; master down" \
	"$(down_ms 100) ms); LAN: last keepalived advert $(fig "$work/kill.txt" old_last_advert_ms) ms," \
	"A's first advert $(fig "$work/kill.txt" new_first_advert_ms) ms, GARP" \
	"$(fig "$work/kill.txt" new_garp_ms) ms (advert gap $(fig "$work/kill.txt" down_measured_ms) ms)"
grep -hE 'Entering (BACKUP|MASTER) STATE|sent 0 priority|received lower priority' \
	"$work/ka1.log" "$work/ka2.log" | sed -E 's/^.*: \(VI_[0-9]+\) /  keepalived: /' | uniq
echo "part 2: hyperflow A priority 200 MASTER, B priority 100 BACKUP, $rate pps to $nflows destinations"
echo "  A SIGKILL:             B MASTER ${crash_ms} ms after the kill (telemetry; master down $(down_ms 100) ms);" \
	"LAN: A's last advert $(fig "$work/crash.txt" old_last_advert_ms) ms, B's first advert" \
	"$(fig "$work/crash.txt" new_first_advert_ms) ms, GARP $(fig "$work/crash.txt" new_garp_ms) ms"
echo "  traffic:               first packet via B $(fig "$work/traffic.txt" traffic_gap_ms) ms after the kill;" \
	"sent $(fig "$work/traffic.txt" sent), lost $(fig "$work/traffic.txt" lost)" \
	"(seq $(fig "$work/traffic.txt" lost_seq); $(fig "$work/traffic.txt" lost_sent_before_kill)" \
	"sent before the kill, queued in A), duplicates $(fig "$work/traffic.txt" duplicates)"
echo "  members:               $(fig "$work/traffic.txt" changed_member) of $nflows destinations changed member" \
	"($(fig "$work/traffic.txt" per_member)); via A $(fig "$work/traffic.txt" via_old), via B" \
	"$(fig "$work/traffic.txt" via_new); B's ha_backup drops before the crash: $b_backup_drops"
echo "  load average $(cut -d' ' -f1-3 /proc/loadavg) on $ncpu CPUs"
[ "$status" -eq 0 ] || show_diag
result=$status
exit "$result"
