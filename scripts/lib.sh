# shellcheck shell=bash
# Shared by the entry-point scripts: dependencies, build, small helpers.
# Source it; do not run it.

HF_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HF_BUILD=${HF_BUILD:-$HF_ROOT/build}

# Debian packages the build and the test tiers need, and why:
#  build: meson ninja-build pkg-config gcc libdpdk-dev libconfig-dev libpcap-dev libcmocka-dev
#  dpdk-dev: dpdk-testpmd for the benchmarks; dpdk: dpdk-telemetry.py
#  python3: JSON checks in the pcap tier, hyperflowctl tests
#  iproute2: network namespaces and veths for the e2e tier
#  tcpdump: captures in the e2e tier; keepalived: the HA peer in the e2e tier
#  prometheus: promtool and a real server for the exporter test (ctl tier)
#  tmux: the terminal that drives hyperflowctl top in its test (ctl tier)
#  gnuplot-nox: the plots of the e2e failover/HA tests and bench-scaling.sh
#  nftables, ethtool: stateful firewalls and tx offload off in the firewall sandwich e2e
#  scdoc: the man pages (docs/man/); the package tier installs debhelper and
#    dpkg-dev itself
HF_PACKAGES=(meson ninja-build pkg-config gcc libdpdk-dev dpdk-dev dpdk libconfig-dev
	libpcap-dev libcmocka-dev python3 iproute2 tcpdump keepalived
	prometheus tmux gnuplot-nox nftables ethtool scdoc)

hf_log() { printf '==> %s\n' "$*"; }

hf_need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "run as root (DPDK and network namespaces need it)" >&2
		exit 1
	fi
}

# Install whatever of "$@" (default: HF_PACKAGES) is missing.
hf_deps() {
	local missing=() p
	local want=("$@")
	[ ${#want[@]} -gt 0 ] || want=("${HF_PACKAGES[@]}")
	for p in "${want[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	hf_log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# Configure (once) and build into $HF_BUILD; extra meson options in $@.
# With HF_NO_BUILD=1 the build in $HF_BUILD is used as it is: for a machine
# without the toolchain that runs binaries built elsewhere (the benchmarks
# on a borrowed bigger machine); each script still checks its binaries.
hf_build() {
	if [ "${HF_NO_BUILD:-0}" = 1 ]; then
		[ -d "$HF_BUILD" ] || { echo "HF_NO_BUILD=1 but no build in $HF_BUILD" >&2; return 1; }
		hf_log "using the build in $HF_BUILD as it is (HF_NO_BUILD=1)"
		return 0
	fi
	if [ ! -f "$HF_BUILD/build.ninja" ]; then
		hf_log "configuring $HF_BUILD"
		meson setup "$HF_BUILD" "$HF_ROOT" "$@" >/dev/null
	fi
	hf_log "building"
	ninja -C "$HF_BUILD" >/dev/null
}

# The median of the numbers on stdin, one per line; "nan" when there is none.
hf_median() {
	sort -g | awk '{v[NR]=$1} END {if (NR==0) {print "nan"; exit}
	if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}

# The shared librte_eal that binary $1 links, or nothing (DPDK linked in,
# or not a dynamic binary: ldd fails). Exits 0 either way.
hf_eal_of() {
	{ ldd "$1" 2>/dev/null || true; } | awk '$1 ~ /^librte_eal\.so/ && $3 ~ /^\// {print $3; exit}'
}

# EAL's plugin directories, one per line: compiled into the librte_eal that
# binary $1 links (for a binary that links none, the system's); nothing
# when there is no shared EAL at all (DPDK linked in), or when it names no
# such directory. Exits 0 either way, also under set -e -o pipefail: the
# callers say what is missing.
hf_plugin_dirs() {
	local eal
	eal=$(hf_eal_of "$1")
	[ -n "$eal" ] || eal=$(ldconfig -p 2>/dev/null | awk '/librte_eal\.so/ {print $NF; exit}')
	[ -n "$eal" ] || return 0
	{ grep -aoE '/[[:alnum:]_./-]*/pmds-[0-9.]+' "$eal" || true; } | sort -u
}

# The 2 MiB hugepage pool by its own sysfs files: /proc/sys/vm/nr_hugepages
# and /proc/meminfo count pages of the default size, 1 GiB on some hosts,
# where a count meant for 2 MiB pages would ask for 512 times the memory.
HF_HPD=/sys/kernel/mm/hugepages/hugepages-2048kB
HF_HP_OLD=   # the pool's size before hf_hugepages_reserve raised it
HF_HP_WHY=   # why hf_hugepages_reserve failed

# hf_hugepages_reserve N: at least N free 2 MiB hugepages, raising the pool
# by what is missing (root). Non-zero with HF_HP_WHY when that cannot be
# done, having given back what it took. While it holds a raise HF_HP_OLD
# is set: hf_hugepages_restore gives it back. Not in a subshell: the
# caller needs both variables.
hf_hugepages_reserve() {
	local need=$1 free total
	if [ ! -d "$HF_HPD" ]; then
		HF_HP_WHY="this kernel has no 2 MiB hugepages ($HF_HPD)"
		return 1
	fi
	free=$(cat "$HF_HPD/free_hugepages" 2>/dev/null || echo 0)
	[ "${free:-0}" -lt "$need" ] || return 0
	if [ "$(id -u)" != 0 ]; then
		HF_HP_WHY="needs $need free 2 MiB hugepages ($free free) and root to reserve them"
		return 1
	fi
	total=$(cat "$HF_HPD/nr_hugepages" 2>/dev/null || echo 0)
	HF_HP_OLD=$total
	echo $((total + need - free)) >"$HF_HPD/nr_hugepages" 2>/dev/null || true
	free=$(cat "$HF_HPD/free_hugepages" 2>/dev/null || echo 0)
	if [ "${free:-0}" -lt "$need" ]; then
		HF_HP_WHY="could reserve only $free of $need 2 MiB hugepages"
		hf_hugepages_restore
		return 1
	fi
}

# Give back what hf_hugepages_reserve raised the pool by, once.
hf_hugepages_restore() {
	if [ -n "$HF_HP_OLD" ]; then
		echo "$HF_HP_OLD" >"$HF_HPD/nr_hugepages" 2>/dev/null || true
		HF_HP_OLD=
	fi
}

# Stop a DPDK process politely (SIGINT: it flushes and writes its stats),
# then for good after 10 s, and reap it.
hf_stop() {
	local pid=$1 _
	[ -n "$pid" ] || return 0
	kill -INT "$pid" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
