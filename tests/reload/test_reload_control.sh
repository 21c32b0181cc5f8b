#!/usr/bin/env bash
# Reloads that change the control plane's own settings (no traffic needed):
#  - a changed ha block restarts VRRP: a MASTER first hands over with a
#    priority-0 advert, then runs with the new vrid and becomes MASTER again;
#  - a probe pool that no longer holds the address in use makes the control
#    plane choose a new one from the new pool.
# Usage: test_reload_control.sh BUILD_DIR   exit 0 pass, 1 fail, 77 skipped
set -uo pipefail
BUILD=${1:?usage: $0 BUILD_DIR}
. "$(dirname "$0")/../lib.sh"
instance_need "$BUILD"

work=$(mktemp -d /tmp/hf-reloadcp.XXXXXX)
prefix=hf-reloadcp-$$
pid=
failed=0
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "/var/run/dpdk/$prefix"; [ $failed -eq 0 ] && rm -rf "$work" || echo "work dir kept: $work"' EXIT
fail() { echo "FAIL: $*"; failed=1; }

# conf VRID POOL_ADDRESS
conf() {
	cat >"$work/hf.conf" <<C
ports = ( { name = "lan0"; device = "net_pcap0"; mac = "02:00:00:00:00:01"; },
          { name = "vpn0"; device = "net_null0"; mac = "02:00:00:00:00:02"; } );
probe = { pool = [ "$2" ]; };
ha = { port = "lan0"; vrid = $1; priority = 150; advert_ms = 50; };
clusters = ( { name = "vpn-out"; ip = "192.0.2.1"; mac = "00:00:5e:00:01:01"; ports = [ "lan0" ];
  members = ( { name = "vpn-a"; ip = "192.0.2.11"; mac = "02:00:00:00:01:01"; port = "vpn0"; } ); } );
C
}
ha_field() { python3 -c "import json,sys; print(list(json.loads(sys.argv[1]).values())[0].get(sys.argv[2]))" "$(tel /hyperflow/ha)" "$1"; }
# wait_ha FIELD VALUE: up to 3 s
wait_ha() {
	for _ in $(seq 60); do
		[ "$(ha_field "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

python3 - "$work/empty.pcap" <<'PY'
import struct, sys
open(sys.argv[1], "wb").write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
PY
conf 51 192.0.2.250
"$HF" -l 0,1 --no-huge -m 512 --no-pci --file-prefix "$prefix" \
	--vdev "net_pcap0,rx_pcap=$work/empty.pcap" --vdev net_null0,no-rx=1 \
	-- -c "$work/hf.conf" --status-interval 0 >"$work/hyperflow.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -n "$(tel /hyperflow/config)" ] && break; sleep 0.1; done
wait_ha state master || fail "not MASTER at start (alone on the segment)"
echo "start: state $(ha_field state), vrid $(ha_field vrid), address $(ha_field address)"

conf 52 192.0.2.250
kill -HUP "$pid"
wait_ha vrid 52 || fail "the new vrid was not applied"
wait_ha state master || fail "not MASTER again after the restart"
grep -q "vrid 51: leaving as MASTER, priority 0 sent" "$work/hyperflow.log" ||
	fail "no priority-0 hand-over under the old vrid"
grep -q "vrid 52: restarting with the reloaded ha settings" "$work/hyperflow.log" ||
	fail "no restart logged"
echo "ha reload: state $(ha_field state), vrid $(ha_field vrid)"

conf 52 192.0.2.251
kill -HUP "$pid"
wait_ha address 192.0.2.251 || fail "the probe address was not chosen again from the new pool"
wait_ha state master || fail "not MASTER after the probe address changed"
grep -q "probe pool changed: choosing a probe address again" "$work/hyperflow.log" ||
	fail "pool change not logged"
echo "pool reload: address $(ha_field address), state $(ha_field state)"

kill -TERM "$pid"
wait "$pid" || fail "hyperflow exited non-zero"
pid=
[ $failed -eq 0 ] && { echo "PASS: control-plane settings reloaded"; exit 0; }
grep -v EAL "$work/hyperflow.log" | tail -20
exit 1
