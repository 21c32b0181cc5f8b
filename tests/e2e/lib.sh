# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/e2e/lib.sh: the harness shared by the e2e tests (test_failover.sh,
# test_ha.sh). Sourced, not run; the test sets `here` (its own directory)
# first.
#
# What it gives a test:
#   - the start: hfe_args (usage, build directory), hfe_check_host (the skip
#     checks: root, tools, CPUs, hyperflow built with the af_packet PMD);
#   - the run: hfe_begin creates the first namespace and the work directory,
#     sets the EXIT / INT / TERM / HUP traps and starts the watchdog;
#   - the end, on every exit (pass, fail, skip, interrupt, watchdog):
#     hfe_cleanup calls the test's stop_processes, deletes every namespace in
#     made_ns and the DPDK runtime directory of every prefix in dpdk_prefixes,
#     removes the work directory, prints the run time and PASS/FAIL;
#   - helpers: fail, must, log, now, ms_since, sleep_until, stop_pid,
#     make_ns, start_dump, start_sender, stop_sender, tel_cmd, ...
#
# The test sets, before hfe_begin:
#   hfe_name        the PASS/FAIL lines say "e2e $hfe_name"
#   dpdk_prefixes   the --file-prefix of every hyperflow it starts
#   keep_failed     non-empty: keep the work directory when the test fails
#                   (HFE_KEEP=1 keeps it in every case)
#   on_fail         optional: a command fail runs after its FAIL line
#   stop_processes  a function that stops what the test started (with
#                   stop_pid), in the order it needs
#
# Exit status: 0 pass, 1 fail, 77 skipped (with the reason), 2 usage.

# Variables this file sets for the test (stopped_rc, t0, ...) and the ones the
# test sets for it (here, telemetry) are not used / assigned in this file.
# shellcheck disable=SC2034,SC2154

set -u

# hf_plugin_dirs
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

result=1
hfe_name=e2e
dpdk_prefixes=()
keep_failed=
on_fail=
made_ns=()
work=
watchdog=
snd_pid=
dump_pids=()

skip() {
	echo "SKIP: $*"
	result=77
	exit 77
}

# hfe_args "$@": the test's one argument, the build directory; sets build and
# hyperflow.
hfe_args() {
	if [ $# -ne 1 ]; then
		echo "usage: $0 BUILD_DIR" >&2
		exit 2
	fi
	[ -d "$1" ] || skip "build directory $1 does not exist"
	build=$(cd "$1" && pwd)
	hyperflow=$build/hyperflow
}

# The af_packet PMD: linked into the binary, or in EAL's plugin directory
# (the directory is compiled into librte_eal).
af_packet_present() {
	local dirs dir

	ldd "$hyperflow" 2>/dev/null | grep -q librte_net_af_packet && return 0
	dirs=$(hf_plugin_dirs "$hyperflow")
	# no shared EAL anywhere: DPDK is linked in, drivers register by name
	[ -n "$dirs" ] || { grep -aq 'net_af_packet' "$hyperflow"; return; }
	while read -r dir; do
		ls "$dir"/librte_net_af_packet.so* >/dev/null 2>&1 && return 0
	done <<<"$dirs"
	return 1
}

# hfe_check_host: skip unless this machine can run an e2e test; sets ncpu
# and py (the interpreter itself, not a wrapper: a pyenv shim costs 0.3 s a
# call).
hfe_check_host() {
	local c

	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, af_packet, DPDK)"
	[ -x "$hyperflow" ] || skip "$hyperflow is not built"
	for c in ip tcpdump python3 timeout awk; do
		command -v "$c" >/dev/null 2>&1 || skip "$c not found"
	done
	py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
	[ -x "$py" ] || py=python3
	ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
	[ "$ncpu" -ge 2 ] || skip "needs 2 CPUs for -l 0,1, this host has $ncpu"
	af_packet_present || skip "the DPDK af_packet PMD (librte_net_af_packet) is not installed"
}

now() { date +%s.%N; }
log() { printf '[%6.2f] %s\n' "$(awk -v a="$t_start" -v b="$(now)" 'BEGIN { print b - a }')" "$*"; }
ms_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

sleep_until() {   # sleep_until EPOCH_SECONDS
	sleep "$(awk -v t="$1" -v n="$(now)" 'BEGIN { d = t - n; if (d < 0) d = 0; printf "%.3f", d }')"
}

fail() {
	echo "FAIL: $*"
	[ -n "$on_fail" ] && "$on_fail"
	exit 1
}

# Run one command, failing the test with its output if it fails.
must() {
	local out

	out=$("$@" 2>&1) || fail "command failed: $* : $out"
}

# stop_pid PID SIGNAL WAIT_S: signal one of our background jobs (a timeout
# wrapper passes the signal on), wait for it (bounded), then SIGKILL it and
# its children; its exit status is left in $stopped_rc.
stopped_rc=0
stop_pid() {
	local pid=$1 sig=$2 n=$(($3 * 10)) c=()

	stopped_rc=0
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -"$sig" "$pid" 2>/dev/null
		while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
			sleep 0.1
			n=$((n - 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			read -ra c < "/proc/$pid/task/$pid/children" 2>/dev/null
			[ ${#c[@]} -gt 0 ] && kill -KILL "${c[@]}" 2>/dev/null
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	wait "$pid" 2>/dev/null
	stopped_rc=$?
	return 0
}

# stop_dumps: stop every capture (SIGINT: tcpdump flushes its file), bounded.
stop_dumps() {
	local p

	for p in "${dump_pids[@]}"; do
		stop_pid "$p" INT "${1:-2}"
	done
	dump_pids=()
}

# shellcheck disable=SC2317  # invoked by the EXIT trap
hfe_cleanup() {
	local ns p d

	trap - EXIT INT TERM HUP
	[ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null && wait "$watchdog" 2>/dev/null
	stop_processes
	for ns in "${made_ns[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	for p in "${dpdk_prefixes[@]}"; do
		for d in "/var/run/dpdk/$p" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$p"; do
			[ -d "$d" ] && rm -rf "$d"
		done
	done
	if [ -n "${HFE_KEEP:-}" ] || { [ "$result" -eq 1 ] && [ -n "$keep_failed" ]; }; then
		echo "work directory kept: $work"
	else
		rm -rf "$work"
	fi
	printf 'total run time: %.1f s\n' "$(awk -v a="$t_start" -v b="$(now)" \
		'BEGIN { print b - a }')"
	case $result in
	0) echo "PASS: e2e $hfe_name" ;;
	77) ;;
	*) echo "FAIL: e2e $hfe_name" ;;
	esac
	exit "$result"
}

# hfe_begin WORK_NAME NAMESPACE [WATCHDOG_S]: create the first namespace (skip
# when namespaces cannot be made) and the work directory
# ${TMPDIR:-/tmp}/WORK_NAME.XXXXXX, clean up on any exit from here on, and
# stop the whole run after WATCHDOG_S (170) seconds.
hfe_begin() {
	local limit=${3:-170}

	ip netns add "$2" 2>/dev/null || skip "cannot create a network namespace (ip netns add failed)"
	made_ns=("$2")
	work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
	t_start=$(now)
	trap hfe_cleanup EXIT
	trap 'echo "interrupted"; exit 1' INT TERM HUP
	(
		sleep "$limit" &
		s=$!
		trap 'kill $s 2>/dev/null; exit 0' TERM
		wait $s
		echo "FAIL: watchdog: still running after $limit s"
		kill -TERM $$
	) &
	watchdog=$!
}

# make_ns NS...: more namespaces; then loopback up and no IPv6 chatter (router
# solicitations, MLD) in every namespace of the test.
make_ns() {
	local ns

	for ns in "$@"; do
		ip netns add "$ns" || fail "ip netns add $ns"
		made_ns+=("$ns")
	done
	for ns in "${made_ns[@]}"; do
		must ip -n "$ns" link set lo up
		must ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
}

# plug NS IF MAC SWPORT BRIDGE: a veth from namespace NS (end IF, with MAC,
# up) to port SWPORT of BRIDGE in the switch namespace $ns_sw.
plug() {
	must ip -n "$ns_sw" link add "$4" type veth peer name "$2" netns "$1"
	must ip -n "$1" link set dev "$2" address "$3"
	must ip -n "$1" link set dev "$2" up
	must ip -n "$ns_sw" link set dev "$4" master "$5"
	must ip -n "$ns_sw" link set dev "$4" up
}

# check_conf FILE: fail unless hyperflow accepts the configuration.
check_conf() {
	"$hyperflow" -- -c "$1" --check-config > "$work/check.txt" 2>&1 ||
		fail "the test's configuration $1 is refused: $(cat "$work/check.txt")"
}

# start_dump NS IF FILE FILTER: tcpdump FILE (log FILE.log) in a namespace,
# bounded; fail unless it is listening within 5 s.
start_dump() {
	local log=$3.log

	ip netns exec "$1" timeout -k 2 150 tcpdump -i "$2" -n -p -U --immediate-mode -s 200 -Z root \
		--time-stamp-precision=nano -w "$3" "$4" 2> "$log" &
	dump_pids+=($!)
	for _ in $(seq 50); do
		grep -q 'listening on' "$log" 2>/dev/null && return 0
		kill -0 "$!" 2>/dev/null || break
		sleep 0.1
	done
	fail "tcpdump on $2 did not start: $(cat "$log")"
}

# hf_cmd_for NS PREFIX LAN_IF VPN_IF MEM_MB CONF: sets hf_cmd, the command line
# of hyperflow in a namespace on two af_packet vdevs (lcores 0,1, no
# hugepages, no status lines), bounded to 150 s by a timeout wrapper, at
# debug log level with HFE_DEBUG=1; the caller adds options and starts it
# with &, so that $! is the timeout wrapper, hyperflow its child.
hf_cmd_for() {
	local loglevel=()

	[ -n "${HFE_DEBUG:-}" ] && loglevel=(--log-level='hyperflow.*:debug')
	hf_cmd=(ip netns exec "$1" timeout -k 5 150 "$hyperflow" -l "0,1" --no-huge -m "$5" --no-pci
		--file-prefix "$2" --vdev "net_af_packet0,iface=$3" --vdev "net_af_packet1,iface=$4"
		"${loglevel[@]}" -- -c "$6" --status-interval 0)
}

# hf_vdev_skip LOG: after hyperflow exited, skip when its log says EAL could
# not create the af_packet vdevs.
hf_vdev_skip() {
	if grep -qiE 'net_af_packet.*(not found|unknown|failed to parse)|Driver .*net_af_packet' "$1"; then
		cat "$1"
		skip "EAL cannot create the af_packet vdevs (see the log above)"
	fi
}

# client_warm_up NS: one UDP packet from the client, so that it resolves the
# cluster IP (its route to 203.0.113.0/24).
client_warm_up() {
	ip netns exec "$1" "$py" -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"warm-up", ("203.0.113.250", 9))
' || fail "client: warm-up packet not sent"
}

# start_sender NS NFLOWS RATE DURATION: udp_sender.py in the client's
# namespace to 203.0.113.1..NFLOWS (log $work/sent.csv); sets snd_pid and t0,
# the time it started sending.
start_sender() {
	ip netns exec "$1" timeout -k 2 20 "$py" "$here/udp_sender.py" --first 203.0.113.1 \
		--count "$2" --rate "$3" --duration "$4" --log "$work/sent.csv" \
		--ready "$work/sender.ready" > "$work/sender.log" 2>&1 &
	snd_pid=$!
	for _ in $(seq 50); do
		[ -s "$work/sender.ready" ] && break
		sleep 0.1
	done
	[ -s "$work/sender.ready" ] || fail "the sender did not start: $(cat "$work/sender.log")"
	t0=$(cat "$work/sender.ready")
}

# stop_sender: let the sender finish (at most 10 s more), then reap it.
stop_sender() {
	for _ in $(seq 100); do
		kill -0 "$snd_pid" 2>/dev/null || break
		sleep 0.1
	done
	stop_pid "$snd_pid" TERM 2
	snd_pid=
}

# tel_cmd PREFIX COMMAND: one telemetry command through ${telemetry[@]} (the
# stock dpdk-telemetry.py, which reads commands on stdin); its reply as JSON
# on one line, empty on error.
tel_cmd() {
	echo "$2" | timeout 5 "${telemetry[@]}" -f "$1" 2>/dev/null | tail -n 1
}
