#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test_firewall_sandwich.sh BUILD_DIR
#
# End-to-end tier: a firewall sandwich with real stateful firewalls. N
# two-legged Linux firewalls (default 4) are load-balanced by two clusters of
# one hyperflow, one per side, whose members are paired by `device`: both
# directions of every TCP conversation must cross the same firewall, and a
# firewall whose leg fails on either side must leave both clusters at once.
#
#   switch ns: bridge brin (inside, 192.0.2.0/24)   bridge brout (outside, 198.51.100.0/24)
#     shi ─ hi [net_af_packet0] hyperflow ns [net_af_packet1] ho ─ sho
#     scl ─ c0 clients 192.0.2.101..                               ssv ─ s0 servers 198.51.100.101..
#     si1 ─ fwi fw1 192.0.2.11  (fw1 ns, forwarding) fwo 198.51.100.11 ─ so1
#     ...                                                          ...
#     siN ─ fwi fwN 192.0.2.(10+N)                   fwo 198.51.100.(10+N) ─ soN
#
# One hyperflow port per side, each a veth into that side's bridge; the
# firewalls' legs, the clients and the servers sit on the same bridges, so a
# firewall forwards to a client or a server directly (ARP), never back
# through a cluster. Cluster "inside" (192.0.2.1) is the clients' gateway to
# the servers' prefix, members fwK-in; cluster "outside" (198.51.100.1) the
# servers' gateway back, members fwK-out; both type firewall, hash src-dst,
# member K of each has device "fwK". Health is ARP, since hyperflow has one
# probe address (192.0.2.250) for both sides: a firewall answers ARP for its
# leg from an off-subnet sender on that leg (rp_filter off), while an ICMP
# echo reply to 192.0.2.250 would leave by the inside leg whatever leg was
# asked.
#
# Each firewall's nftables forward chain (policy drop) accepts new
# connections from inside to outside and only `ct state established,related`
# from outside to inside; everything else is counted (`counter drop`), and
# the TCP conversations it dropped are kept in a set; nf_conntrack_tcp_loose
# is 0, so a mid-stream packet of a conversation it never saw is invalid and
# dropped. A reply, or a request, at the wrong firewall is therefore a drop.
#
# Traffic (tests/e2e/fw_sandwich.py): clients at 12 addresses open long-lived
# TCP connections to echo servers at 10 addresses on 2 ports (every address
# pair used), each exchanging a 64-byte request and its echo every
# 150 +- 50 ms. Rounds, one per side in HFE_FW_CUTS (default "outside
# inside"):
#   a. a batch of 300 conversations: every handshake and first exchange done;
#      then every firewall's conntrack holds each conversation exactly once,
#      ESTABLISHED and ASSURED (the reply crossed the firewall that saw the
#      request), no firewall dropped anything;
#   b. ... and every firewall carries some of them (printed per firewall);
#   c. one firewall's leg on that side goes down (the firewall's own veth):
#      within the health detection bound both legs of that device leave both
#      clusters (telemetry: not "up", no buckets) while every other leg stays,
#      and no poll sees one cluster without the device and a cluster read
#      after it with it; a second batch of 120 conversations opened after the
#      cut all complete, none on the dead firewall; the first batch's
#      conversations on the other firewalls all go on working (every one has
#      an exchange after the dead firewall's have broken), only the dead
#      firewall's break, and the live firewalls drop packets of no other
#      conversation;
#   d. the leg comes back: both legs return to both clusters within the bound
#      (and the next batch uses that firewall again).
# A last batch of 120 checks (a) and (b) once more; no leg but the ones cut
# may ever have failed its health check (hyperflow's log), and the example
# conf/firewall-sandwich.conf must be accepted. Figures printed:
# conversations per firewall, detection and return times, conversations
# broken (only the dead firewall's), new ones completed.
#
# Everything lives in namespaces and veth pairs created here and removed on
# exit (also on failure or interrupt). Only documentation addresses are
# used. The run is bounded: a watchdog stops it after 170 s; a normal run
# takes 35 to 45 s on a 2-CPU machine shared with other work (4 firewalls).
#
# Exit: 0 pass, 1 fail (the work directory is kept and named), 77 skipped.
# Environment:
#   HFE_FW_N=N          number of firewalls (2..60, default 4)
#   HFE_FW_CUTS="..."   the legs cut, one round each: outside | inside
#                       (default "outside inside")
#   HFE_FW_NETS="A.B.C D.E.F"  the inside and outside /24s, documentation or
#                       benchmarking ranges (default "192.0.2 198.51.100")
#   HFE_FW_PAIRING=device | none | crossed
#                       none leaves `device` out (each cluster's table seeded
#                       by its own members' IPs); crossed pairs the legs of
#                       different firewalls. Both must FAIL: they show that
#                       the test sees a sandwich that is not symmetric.
#   HFE_KEEP=1 keeps the work directory; HFE_DEBUG=1 runs hyperflow with
#   --log-level=hyperflow.*:debug.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
root=$(cd "$here/../.." && pwd)
hfe_args "$@"
tool=$here/fw_sandwich.py

# --- settings -----------------------------------------------------------------------
nfw=${HFE_FW_N:-4}
cuts=${HFE_FW_CUTS:-outside inside}
pairing=${HFE_FW_PAIRING:-device}
nets=${HFE_FW_NETS:-192.0.2 198.51.100}
case $nfw in '' | *[!0-9]*) echo "HFE_FW_N must be a number" >&2; exit 2 ;; esac
if [ "$nfw" -lt 2 ] || [ "$nfw" -gt 60 ]; then echo "HFE_FW_N must be 2..60" >&2; exit 2; fi
for s in $cuts; do
	case $s in inside | outside) ;; *) echo "HFE_FW_CUTS: inside or outside, not $s" >&2; exit 2 ;; esac
done
case $pairing in device | none | crossed) ;; *) echo "HFE_FW_PAIRING: device, none or crossed" >&2; exit 2 ;; esac
net_re='(192\.0\.2|198\.51\.100|203\.0\.113|198\.1[89]\.[0-9]{1,3})'
if ! [[ $nets =~ ^$net_re\ $net_re$ ]] || [ "${nets% *}" = "${nets#* }" ]; then
	echo "HFE_FW_NETS: two different /24s of 192.0.2, 198.51.100, 203.0.113, 198.18-19.x" >&2
	exit 2
fi

# --- can this machine run it? ---------------------------------------------------
hfe_check_host
for c in nft ethtool; do
	command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || skip "$c not found"
done
PATH=$PATH:/usr/sbin

# --- names, addresses -------------------------------------------------------------
id=$$
prefix=hfw-$id
ns_sw=hfw-sw-$id
ns_app=hfw-app-$id
ns_cl=hfw-cl-$id
ns_sv=hfw-sv-$id
ns_fw=()
for k in $(seq "$nfw"); do ns_fw+=("hfw-fw$k-$id"); done
read -r in_net out_net <<<"$nets"
in_ip=$in_net.1
out_ip=$out_net.1
in_mac=00:00:5e:00:01:01
out_mac=00:00:5e:00:01:02
probe_ip=$in_net.250
nclients=12
nservers=10
ports=7001,7002
clients=() servers=()
for i in $(seq "$nclients"); do clients+=("$in_net.$((100 + i))"); done
for i in $(seq "$nservers"); do servers+=("$out_net.$((100 + i))"); done
batch_a=300
batch_b=120
# 100 ms: other DPDK processes pinned to the same 2 CPUs (a shared CI machine)
# can stall hyperflow's lcores for longer than 3 x 50 ms
interval_ms=100
timeout_ms=100
rise=2
fall=3
# slack for a loaded 2-CPU machine: the control lcore's scheduling, the
# telemetry polls (one seen at 650 ms for a nominal 400 with load 18)
margin_ms=500
out_bound_ms=$(((fall + 1) * interval_ms + timeout_ms + margin_ms))
in_bound_ms=$(((rise + 1) * interval_ms + margin_ms))
reply_timeout_ms=2000

hfe_name=firewall-sandwich
dpdk_prefixes=("$prefix")
keep_failed=1
hf_pid=
srv_pid=
talk_pids=()

# shellcheck disable=SC2317  # invoked by hfe_cleanup
stop_processes() {
	local p

	for p in "${talk_pids[@]}"; do
		stop_pid "$p" TERM 5
	done
	stop_pid "$srv_pid" TERM 2
	stop_pid "$hf_pid" TERM 10
}

# shellcheck disable=SC2317  # invoked by fail
show_diag() {
	echo "--- hyperflow log (last 30 lines):"
	tail -n 30 "$work/hyperflow.log"
}
on_fail=show_diag

status=0
check() {   # check CONDITION-STATUS MESSAGE: record a failed check, go on
	if [ "$1" -ne 0 ]; then
		echo "FAIL: $2"
		status=1
	fi
}
# json_get FILE KEY...: values of a JSON object on one line ("-" when absent)
json_get() {
	"$py" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("-" if d.get(k) is None else str(d.get(k)) for k in sys.argv[2:]))' "$@" 2>/dev/null
}
# jnum FILE KEY: a number of a JSON file written by fw_sandwich.py (sorted
# keys, "key": value), read by bash alone: a Python start costs up to half a
# second on a loaded machine, too much for a poll
jnum() {
	local re="\"$2\": ([0-9.]+)"
	[[ $(< "$1") =~ $re ]] && echo "${BASH_REMATCH[1]}"
}
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a ~ /^[0-9.]+$/ && a + 0 <= b + 0) }'; }

hfe_begin hfe-fw "$ns_sw"

# --- topology ----------------------------------------------------------------------
log "topology: $nfw firewalls, namespaces hfw-{sw,app,cl,sv,fw1..fw$nfw}-$id"
make_ns "$ns_app" "$ns_cl" "$ns_sv" "${ns_fw[@]}"
# One `ip -batch` per namespace (a few hundred commands one by one take
# seconds on a loaded machine): the switch's first (bridges, veths), then
# each namespace's own ends.
declare -A ipb=()
ipb[$ns_sw]="link add brin type bridge stp_state 0 forward_delay 0 mcast_snooping 0
link add brout type bridge stp_state 0 forward_delay 0 mcast_snooping 0
link set brin up
link set brout up
"
# plug_b NS IF MAC SWPORT BRIDGE: plug of lib.sh, into the batches
plug_b() {
	ipb[$ns_sw]+="link add $4 type veth peer name $2 netns $1
link set $4 master $5
link set $4 up
"
	ipb[$1]+="link set $2 address $3
link set $2 up
"
}
plug_b "$ns_app" hi 02:00:00:00:00:01 shi brin
plug_b "$ns_app" ho 02:00:00:00:00:02 sho brout
plug_b "$ns_cl" c0 02:00:00:00:00:64 scl brin
plug_b "$ns_sv" s0 02:00:00:00:00:65 ssv brout
for a in "${clients[@]}"; do ipb[$ns_cl]+="addr add $a/24 dev c0"$'\n'; done
for a in "${servers[@]}"; do ipb[$ns_sv]+="addr add $a/24 dev s0"$'\n'; done
ipb[$ns_cl]+="route add $out_net.0/24 via $in_ip"$'\n'
ipb[$ns_sv]+="route add $in_net.0/24 via $out_ip"$'\n'
for k in $(seq "$nfw"); do
	ns=${ns_fw[$((k - 1))]}
	plug_b "$ns" fwi "$(printf '02:00:00:01:00:%02x' "$k")" "si$k" brin
	plug_b "$ns" fwo "$(printf '02:00:00:02:00:%02x' "$k")" "so$k" brout
	ipb[$ns]+="addr add $in_net.$((10 + k))/24 dev fwi
addr add $out_net.$((10 + k))/24 dev fwo
"
done
for ns in "$ns_sw" "$ns_app" "$ns_cl" "$ns_sv" "${ns_fw[@]}"; do
	printf '%s' "${ipb[$ns]}" > "$work/$ns.ip"
	must ip -n "$ns" -batch "$work/$ns.ip"
done
# af_packet hands a CHECKSUM_PARTIAL frame on unfinished: the TCP senders must
# fill their checksums themselves, or the firewalls' conntrack drops the
# segments as invalid
must ip netns exec "$ns_cl" ethtool -K c0 tx off
must ip netns exec "$ns_sv" ethtool -K s0 tx off

nft_rules=$work/fw.nft
cat > "$nft_rules" <<'EOF'
flush ruleset
table inet fw {
	set dropped {
		type ipv4_addr . ipv4_addr . inet_service . inet_service
		flags dynamic
		size 65536
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		iifname "fwi" oifname "fwo" ct state new,established,related accept
		iifname "fwo" oifname "fwi" ct state established,related accept
		meta l4proto tcp add @dropped { ip saddr . ip daddr . tcp sport . tcp dport }
		counter drop
	}
}
EOF
# a kernel without nftables or conntrack cannot run it
out=$(ip netns exec "${ns_fw[0]}" nft -f "$nft_rules" 2>&1) ||
	skip "nft cannot load the firewall rules (kernel without nf_tables?): $out"
ip netns exec "${ns_fw[0]}" test -r /proc/net/nf_conntrack ||
	skip "no /proc/net/nf_conntrack (kernel without CONFIG_NF_CONNTRACK_PROCFS)"
# forwarding; ARP answered from any sender (rp_filter off); the rules; then
# conntrack's sysctls, which exist once the rules have loaded it
for ns in "${ns_fw[@]}"; do
	must ip netns exec "$ns" sh -c "sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.fwi.rp_filter=0 \
		net.ipv4.conf.fwo.rp_filter=0 net.ipv4.conf.all.send_redirects=0 &&
		nft -f '$nft_rules' && sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0"
done

# --- configuration -------------------------------------------------------------------------
# members SIDE PORT NET: the member list of one side's cluster
members() {
	local k dev sep=
	for k in $(seq "$nfw"); do
		case $pairing/$1 in
		device/*) dev=" device = \"fw$k\";" ;;
		crossed/out) dev=" device = \"fw$((k % nfw + 1))\";" ;;
		crossed/in) dev=" device = \"fw$k\";" ;;
		none/*) dev= ;;
		esac
		printf '%s\n            { name = "fw%d-%s"; ip = "%s.%d"; port = "%s";%s }' "$sep" \
			"$k" "$1" "$3" $((10 + k)) "$2" "$dev"
		sep=,
	done
}
# cluster NAME IP MAC SIDE PORT NET: one side's cluster
cluster() {
	cat <<EOF
    {
        name = "$1";
        type = "firewall";
        ip = "$2";
        mac = "$3";
        ports = [ "$5" ];
        hash = "src-dst";
        health = { method = "arp"; interval_ms = $interval_ms; timeout_ms = $timeout_ms;
                   rise = $rise; fall = $fall; };
        members = ($(members "$4" "$5" "$6")
        );
    }
EOF
}
conf=$work/hyperflow.conf
cat > "$conf" <<EOF
# written by tests/e2e/test_firewall_sandwich.sh (pairing: $pairing)
ports = (
    { name = "in0"; device = "net_af_packet0"; mac = "02:00:00:00:00:01"; },
    { name = "out0"; device = "net_af_packet1"; mac = "02:00:00:00:00:02"; }
);
probe = { pool = [ "$probe_ip" ]; };
clusters = (
$(cluster inside "$in_ip" "$in_mac" in in0 "$in_net"),
$(cluster outside "$out_ip" "$out_mac" out out0 "$out_net")
);
EOF
check_conf "$conf"
# the example of this topology stays valid
check_conf "$root/conf/firewall-sandwich.conf"

# --- hyperflow, echo servers ---------------------------------------------------------------
log "starting hyperflow (file-prefix $prefix, log $work/hyperflow.log)"
t_hf=$(now)
hf_cmd_for "$ns_app" "$prefix" hi ho 512 "$conf"
"${hf_cmd[@]}" --stats-file "$work/stats.json" > "$work/hyperflow.log" 2>&1 &
hf_pid=$!

# shellcheck disable=SC2086  # $ports is a list
ip netns exec "$ns_sv" timeout -k 2 160 "$py" "$tool" serve --port ${ports//,/ --port } \
	--ready "$work/serve.ready" > "$work/serve.log" 2>&1 &
srv_pid=$!

# every leg of both clusters up (ARP resolved, healthy, holding buckets)
legs() { "$py" "$tool" watch --prefix "$prefix" --cluster inside --cluster outside "$@"; }
up=
for _ in $(seq 20); do
	kill -0 "$hf_pid" 2>/dev/null || {
		hf_vdev_skip "$work/hyperflow.log"
		fail "hyperflow exited during start-up"
	}
	if legs --want in --timeout 1 --json "$work/start.json" > "$work/start.txt" 2>&1; then
		up=1
		break
	fi
done
[ -n "$up" ] || fail "the legs are not all up 20 s after the start: $(cat "$work/start.txt")"
log "all $((2 * nfw)) legs up $(ms_since "$t_hf") ms after hyperflow started"
[ -s "$work/serve.ready" ] || fail "the echo servers did not start: $(cat "$work/serve.log")"

# --- helpers of a round -------------------------------------------------------------------------
csv() { local IFS=,; echo "$*"; }
first_id=0

# talk NAME COUNT: a batch of conversations in the clients' namespace
# (background); sets talk_pid
talk() {
	ip netns exec "$ns_cl" timeout -k 5 60 "$py" "$tool" talk --src "$(csv "${clients[@]}")" \
		--dst "$(csv "${servers[@]}")" --port "$ports" --count "$2" --first-id "$first_id" \
		--reply-timeout-ms "$reply_timeout_ms" --max-s 45 \
		--ready "$work/$1.ready" --status "$work/$1.status" --out "$work/$1.json" \
		> "$work/$1.log" 2>&1 &
	talk_pid=$!
	talk_pids+=("$talk_pid")
	first_id=$((first_id + 10000))
}

# poll SECONDS COMMAND...: run COMMAND every 50 ms until it succeeds (0) or
# SECONDS have passed (1)
poll() {
	local end

	end=$(awk -v t="$(now)" -v s="$1" 'BEGIN { printf "%.3f", t + s }')
	shift
	until "$@"; do
		le "$end" "$(now)" && return 1
		sleep 0.05
	done
}

# the first batch of a round: its conversations on the dead firewall have
# broken; each of the others has exchanged since t_after
# shellcheck disable=SC2317  # invoked through poll
dead_broken() { [ "$(jnum "$work/A$round.status" broken)" -ge "$on_dead" ] 2>/dev/null; }
# shellcheck disable=SC2317  # invoked through poll
went_on() { le "$t_after" "$(jnum "$work/A$round.status" oldest_last_ok)"; }

# wait_ready NAME: until every conversation of the batch had its first
# exchange or broke (bounded)
wait_ready() {
	poll 20 test -s "$work/$1.ready" || fail "batch $1: not ready in 20 s: $(cat "$work/$1.log")"
	log "batch $1: $(jnum "$work/$1.ready" exchanged) of $(jnum "$work/$1.ready" count)" \
		"conversations exchanged, $(jnum "$work/$1.ready" broken) broken"
}

# stop_talk PID NAME: stop a batch (SIGTERM, passed on by timeout: it awaits
# its outstanding echoes, then writes its results)
stop_talk() {
	stop_pid "$1" TERM 8
	[ -s "$work/$2.json" ] || fail "batch $2 wrote no results: $(cat "$work/$2.log")"
}

# snapshot TAG: every firewall's conntrack, drop counter and dropped set
snapshot() {
	local k fws=()
	snaps=()
	for k in $(seq "$nfw"); do
		fws+=(--fw "fw$k,${ns_fw[$((k - 1))]},$work/$1-fw$k.json")
		snaps+=(--snap "$work/$1-fw$k.json")
	done
	"$py" "$tool" snapshot "${fws[@]}" || fail "cannot read the firewalls"
}

# reset_firewalls: the rules loaded again (one transaction): drop counters
# at 0, dropped sets empty; conntrack keeps its entries
reset_firewalls() {
	local ns
	for ns in "${ns_fw[@]}"; do
		must ip netns exec "$ns" nft -f "$nft_rules"
	done
}

# the check of one batch (fw_sandwich.py check), its figures kept as FIG_<batch>
check_batch() {
	local name=$1
	shift
	"$py" "$tool" check --phase "$name" --talk "$work/$name.json" --ready "$work/$name.ready" \
		"$@" --summary "$work/$name.fig"
	check $? "batch $name"
}

# fig BATCH KEY: one figure of a batch's check
fig() { sed -n "s/^$2=//p" "$work/$1.fig"; }

# the legs' command for a cut or a restore
leg_if() { if [ "$1" = inside ]; then echo fwi; else echo fwo; fi; }

# --- rounds ------------------------------------------------------------------------------------
round=0
summary=()
cut_legs=()
for side in $cuts; do
	round=$((round + 1))
	dead=$(((round % nfw) + 1))
	dns=${ns_fw[$((dead - 1))]}
	dif=$(leg_if "$side")
	cut_legs+=("fw$dead-${side%side}")
	echo
	log "== round $round: fw$dead's $side leg goes down"
	reset_firewalls

	# (a), (b): a batch through every firewall
	talk "A$round" "$batch_a"
	pid_a=$talk_pid
	wait_ready "A$round"
	snapshot "A$round-pre"
	pre=("${snaps[@]}")
	on_dead=$("$py" "$tool" on-fw --ready "$work/A$round.ready" --snap "$work/A$round-pre-fw$dead.json")

	# (c): the cut
	legs --want out --device-member "fw$dead-in" --device-member "fw$dead-out" \
		--cut "ip -n $dns link set $dif down" --timeout 5 --json "$work/cut$round.json"
	check $? "round $round: fw$dead did not leave both clusters"
	read -r t_cut det_ms det_first split < <(json_get "$work/cut$round.json" t_cmd ms first_ms split_views)
	le "$det_ms" "$out_bound_ms"
	check $? "round $round: fw$dead left both clusters ${det_ms/-/never} ms after the cut (bound $out_bound_ms ms)"
	[ "$split" = 0 ]
	check $? "round $round: $split polls saw fw$dead out of one cluster and in a cluster read after it: $(json_get "$work/cut$round.json" split_example)"

	talk "B$round" "$batch_b"
	pid_b=$talk_pid
	wait_ready "B$round"
	snapshot "B$round-post"
	post=("${snaps[@]}")

	# the dead firewall's conversations break (reply timeout), then every other
	# one exchanges once more
	poll $((reply_timeout_ms / 1000 + 5)) dead_broken
	log "round $round: $(jnum "$work/A$round.status" broken) of batch A$round broken" \
		"($on_dead were on fw$dead)"
	t_after=$(now)
	poll 3 went_on
	stop_talk "$pid_a" "A$round"
	stop_talk "$pid_b" "B$round"
	talk_pids=()
	snapshot "A$round-final"
	final=("${snaps[@]}")
	check_batch "A$round" "${pre[@]}" --dead "fw$dead" --cut-at "$t_cut" --alive-after "$t_after" \
		"${final[@]/--snap/--final-snap}"
	check_batch "B$round" "${post[@]}" --dead "fw$dead"

	# (d): the leg comes back to both clusters
	legs --want in --device-member "fw$dead-in" --device-member "fw$dead-out" \
		--cut "ip -n $dns link set $dif up" --timeout 5 --json "$work/back$round.json"
	check $? "round $round: fw$dead did not come back to both clusters"
	read -r back_ms split < <(json_get "$work/back$round.json" ms split_views)
	le "$back_ms" "$in_bound_ms"
	check $? "round $round: fw$dead back in both clusters ${back_ms/-/never} ms after the restore (bound $in_bound_ms ms)"
	[ "$split" = 0 ]
	check $? "round $round: $split polls saw fw$dead back in one cluster and out of a cluster read after it"

	summary+=("round $round, fw$dead's $side leg cut:"
		"  batch A$round: $(fig "A$round" conversations) conversations per firewall $(fig "A$round" per_firewall)"
		"  both legs out of both clusters ${det_ms} ms after the cut (first cluster $det_first ms; bound $out_bound_ms ms), back ${back_ms} ms after the restore (bound $in_bound_ms ms)"
		"  broken: $(fig "A$round" broken) (on fw$dead: $(fig "A$round" on_dead), of them broken $(fig "A$round" broken_on_dead)); the other $(fig "A$round" others_ok) all kept working; they broke $(fig "A$round" break_ms_after_cut) ms after the cut"
		"  drops after the cut: $(fig "A$round" drops_after_cut) (all of fw$dead's conversations)"
		"  opened after the cut: $(fig "B$round" completed) of $(fig "B$round" conversations) completed, per firewall $(fig "B$round" per_firewall)")
done

# a last batch through every firewall, each back
echo
log "== last batch: every firewall back"
reset_firewalls
talk C "$batch_b"
pid_c=$talk_pid
wait_ready C
snapshot C
stop_talk "$pid_c" C
talk_pids=()
check_batch C "${snaps[@]}"
summary+=("last batch: $(fig C completed) of $(fig C conversations) completed, per firewall $(fig C per_firewall)")

kill -0 "$hf_pid" 2>/dev/null
check $? "hyperflow exited during the test"
stop_pid "$hf_pid" TERM 10
hf_pid=
[ "$stopped_rc" -eq 0 ]
check $? "hyperflow exited with status $stopped_rc after SIGTERM"
# only the legs cut failed their health checks (a flap of another one would
# have moved conversations for no reason)
downs=$(sed -n "s/.*member '\([^']*\)': down.*/\1/p" "$work/hyperflow.log" | sort | uniq -c |
	awk '{ printf "%s%s:%s", sep, $2, $1; sep = " " }')
stray=$(sed -n "s/.*member '\([^']*\)': down.*/\1/p" "$work/hyperflow.log" | grep -vxF -f <(printf '%s\n' "${cut_legs[@]}"))
[ -z "$stray" ]
check $? "legs that were not cut went down: $(echo "$stray" | sort | uniq -c | tr -s ' \n' ' ')"
ctl=$("$py" -c 'import json, sys
c = json.load(open(sys.argv[1])).get("control", {})
print("member_down %s, member_up %s" % (c.get("member_down"), c.get("member_up")))' "$work/stats.json" 2>&1)
summary+=("health: legs down ${downs:-none} (cut: ${cut_legs[*]}); hyperflow $ctl")

echo
echo "==== firewall sandwich: $nfw firewalls, inside $in_net.0/24, outside $out_net.0/24, pairing $pairing, health arp ${interval_ms}/${timeout_ms} ms rise $rise fall $fall ===="
printf '%s\n' "${summary[@]}"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $ncpu CPUs"
result=$status
exit "$result"
