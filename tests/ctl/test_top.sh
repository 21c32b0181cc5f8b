#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# `hyperflowctl top` on a terminal (issue 23, part 4), driven through tmux:
#  - hyperflow replays cluster traffic forever (net_pcap infinite_rx) to
#    vpn-out: vpn-a (weight 1), vpn-b (weight 2), vpn-c drained;
#  - top runs in a detached tmux session (its own server socket); the pane
#    is read with `tmux capture-pane -p` until it shows the cluster with
#    non-zero rates; then the figures must be sane: 2/3 live, both up
#    members carrying traffic, the drained one none (0, 0.0%), shares
#    summing to 100% (+-0.5, rounding), member rates summing to the
#    cluster's tx rate, rx and tx rates equal within 5%, the header's
#    rx rate the cluster's within 10% (read by another query, on a busy
#    machine);
#  - hyperflow is stopped: the pane says it waits for the instance; it is
#    started again (same file-prefix): top shows the new pid and rates;
#  - `q` quits: the session ends and top's exit status is 0;
#  - --batch --iterations 2 prints two frames and exits 0, the second with
#    rates; with no instance --iterations 1 exits 2.
# Every wait polls with a deadline.
# Usage: test_top.sh BUILD_DIR    exit 0 pass, 1 fail, 77 skipped
set -uo pipefail
BUILD=${1:?usage: $0 BUILD_DIR}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CTL=$SRC/tools/hyperflowctl
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 77; }
instance_need "$BUILD" hf-pcapgen

work=$(mktemp -d /tmp/hf-top.XXXXXX)
prefix=hf-top-$$
sock=hf-top-$$
pid=
ok=0
failed=0
tm() { tmux -L "$sock" "$@"; }
stop_hf() {
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
}
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	tm kill-server 2>/dev/null
	stop_hf
	rm -rf "/var/run/dpdk/$prefix"
	if [ "$ok" -eq 1 ]; then rm -rf "$work"; else echo "work dir kept: $work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; failed=1; }

ctl_captures 3 250 2000
{ ctl_conf_ports; cat <<'C'
clusters = ( { name = "vpn-out"; ip = "192.0.2.1"; mac = "00:00:5e:00:01:01"; ports = [ "lan0" ];
  health = { method = "none"; };
  members = (
    { name = "vpn-a"; ip = "192.0.2.11"; mac = "02:00:00:00:01:01"; port = "vpn0"; },
    { name = "vpn-b"; ip = "192.0.2.12"; mac = "02:00:00:00:01:02"; port = "vpn0"; weight = 2; },
    { name = "vpn-c"; ip = "192.0.2.13"; mac = "02:00:00:00:01:03"; port = "vpn0"; state = "drain"; }
  ); } );
C
} >"$work/hf.conf"
start_hf() {
	"$HF" -l 0,1 --no-huge -m 512 --no-pci --file-prefix "$prefix" \
		--vdev "net_pcap0,rx_pcap=$work/lan.pcap,infinite_rx=1" \
		--vdev "net_pcap1,rx_pcap=$work/empty.pcap" \
		-- -c "$work/hf.conf" --status-interval 0 >>"$work/hyperflow.log" 2>&1 &
	pid=$!
	wait_up || { echo "FAIL: instance did not start"; cat "$work/hyperflow.log"; exit 1; }
}

# pane_check WHAT PID [waiting]: poll the pane (20 s at most) until it shows
# the cluster with rates from the instance PID (or, with "waiting", the
# waiting line); then check the figures. Prints the last screen on failure.
pane_check() {
	tm capture-pane -p -t top >"$work/pane.txt" 2>/dev/null
	python3 - "$work/pane.txt" "$2" "${3:-}" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
want_pid, mode = sys.argv[2], sys.argv[3]
if mode == "waiting":
    sys.exit(0 if "waiting for the instance" in text else 3)
head = re.search(r"^hyperflow \S+  file-prefix \S+  pid (\d+) ", text, re.M)
tot = re.search(r"^pps: rx (\d+)  tx (\d+)  dropped (\d+)", text, re.M)
cl = re.search(r"^vpn-out \[vpn\]\s+(ok|no live member)\s+(\d+)/(\d+)\s+(\d+)\s+(\d+)\s+(\d+)"
               r"\s+(\d+)$", text, re.M)
mem = {m.group(1): m.groups()[1:] for m in
       re.finditer(r"^  (vpn-\w)\s+(\S+)\s+(\d+)\s+([0-9.]+)%\s+(\d+)$", text, re.M)}
if not (head and head.group(1) == want_pid and tot and cl and len(mem) == 3
        and int(cl.group(5)) > 0):
    sys.exit(3)     # not there yet
fails = []
def check(c, what):
    print(("ok   " if c else "FAIL ") + what)
    c or fails.append(what)
rx, tx = int(cl.group(4)), int(cl.group(5))
share = {k: float(v[2]) for k, v in mem.items()}
pps = {k: int(v[1]) for k, v in mem.items()}
print("   cluster rx %d pps, tx %d pps; members %s" % (rx, tx, ", ".join(
    "%s %s %d pps %.1f%%" % (k, mem[k][0], pps[k], share[k]) for k in sorted(mem))))
check(cl.group(1) == "ok" and cl.group(2, 3) == ("2", "3"), "cluster vpn-out: ok, 2/3 live")
check([mem[k][0] for k in ("vpn-a", "vpn-b", "vpn-c")] == ["up", "up", "drain"],
      "member states up, up, drain")
check(pps["vpn-a"] > 0 and pps["vpn-b"] > 0 and 5 < share["vpn-a"] < 95
      and 5 < share["vpn-b"] < 95, "both up members carry traffic")
check(pps["vpn-c"] == 0 and share["vpn-c"] == 0.0, "the drained member carries none")
check(abs(sum(share.values()) - 100.0) <= 0.5, "shares sum to 100%% (%.1f)" % sum(share.values()))
check(abs(sum(pps.values()) - tx) <= max(2, 0.01 * tx),
      "member rates sum to the cluster's tx rate (%d vs %d)" % (sum(pps.values()), tx))
check(abs(rx - tx) <= 0.05 * rx, "cluster rx and tx rates within 5%")
# all traffic is the cluster's; the two are read by different queries
check(abs(int(tot.group(1)) - rx) <= 0.1 * rx and int(tot.group(3)) == 0,
      "header: total rx rate the cluster's (within 10%), no drops")
sys.exit(1 if fails else 0)
PY
}

# wait_pane WHAT PID [waiting]
wait_pane() {
	local rc=3
	for _ in $(seq 100); do
		pane_check "$@"
		rc=$?
		[ $rc -ne 3 ] && break
		sleep 0.2
	done
	case $rc in
	0) echo "ok   $1" ;;
	3) fail "$1: not shown within 20 s; the pane:"; cat "$work/pane.txt" ;;
	*) fail "$1"; cat "$work/pane.txt" ;;
	esac
}

start_hf
echo "hyperflow running: pid $pid, file-prefix $prefix"
tm new-session -d -s top -x 132 -y 30 \
	"$CTL --file-prefix $prefix top --interval 0.5; echo \$? >$work/top.rc" ||
	{ echo "FAIL: tmux new-session"; exit 1; }
wait_pane "top shows vpn-out and its members with sane rates" "$pid"

stop_hf
wait_pane "top waits for the instance once it stopped" 0 waiting
start_hf
echo "hyperflow started again: pid $pid"
wait_pane "top finds the restarted instance (new pid) and shows rates again" "$pid"

tm send-keys -t top q
gone=0
for _ in $(seq 50); do
	tm has-session -t top 2>/dev/null || { gone=1; break; }
	sleep 0.1
done
if [ $gone -eq 1 ] && [ "$(cat "$work/top.rc" 2>/dev/null)" = 0 ]; then
	echo "ok   q quits: the session ended, top exited 0"
else
	fail "q did not quit top within 5 s (session gone: $gone, status: $(cat "$work/top.rc" 2>/dev/null))"
fi

out=$("$CTL" --file-prefix "$prefix" top --batch --iterations 2 --interval 0.5)
rc=$?
frames=$(grep -c '^CLUSTER/MEMBER' <<<"$out")
last=$(grep '^vpn-out ' <<<"$out" | tail -n 1)
if [ $rc -eq 0 ] && [ "$frames" -eq 2 ] && [[ $last =~ ^vpn-out\ \[vpn\]\ +ok\ +2/3\ +[1-9][0-9]*\ +[1-9] ]]; then
	echo "ok   --batch --iterations 2: exit 0, two frames, rates in the second"
else
	fail "--batch --iterations 2: exit $rc, $frames frame(s), last cluster row '$last'"
fi
stop_hf
out=$("$CTL" --file-prefix "$prefix" top --iterations 1 </dev/null 2>&1)
rc=$?
if [ $rc -eq 2 ] && grep -q "waiting for the instance" <<<"$out"; then
	echo "ok   no instance, --iterations 1: exit 2, says it waits for the instance"
else
	fail "no instance, --iterations 1: exit $rc: $out"
fi

[ $failed -eq 0 ] && ok=1
[ $ok -eq 1 ] && echo "all checks passed"
exit $failed
