# shellcheck shell=bash
# Shared by the ctl tests that run hyperflow on two net_pcap ports (sourced
# after tests/lib.sh's instance_need, which sets GEN; the test sets work).

# ctl_captures SEED DESTS PACKETS: $work/lan.pcap (cluster traffic to the
# cluster MAC, IPv4 only, manifest $work/m.json) and an empty $work/empty.pcap
ctl_captures() {
	# shellcheck disable=SC2154  # work: set by the test
	if ! "$GEN" -o "$work/lan.pcap" --manifest "$work/m.json" --seed "$1" --clients 20 \
		--dests "$2" --packets "$3" --vlan-share 0 --ipv6-share 0 >/dev/null ||
		! "$GEN" -o "$work/empty.pcap" --empty >/dev/null; then
		echo "FAIL: hf-pcapgen"
		exit 1
	fi
}

# ctl_conf_ports: the ports (lan0 = net_pcap0, vpn0 = net_pcap1) and probe
# lines of the configuration; the test appends its clusters
ctl_conf_ports() {
	cat <<'C'
ports = (
  { name = "lan0"; device = "net_pcap0"; mac = "02:00:00:00:00:01"; },
  { name = "vpn0"; device = "net_pcap1"; mac = "02:00:00:00:00:02"; }
);
probe = { pool = [ "192.0.2.250" ]; };
C
}
