#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# run_case.sh CASE_DIR BUILD_DIR
#
# One case of the pcap test tier: generate the input capture, run the real
# hyperflow binary on net_pcap vdevs until it goes idle, then check
#   1. every output frame, packet by packet (hf-pcapcheck), and
#   2. the binary's own counters (--stats-file) against the generator's
#      manifest and the checker's independent counts.
#
# CASE_DIR holds:
#   hyperflow.conf  the configuration; ports in order map to net_pcap0, 1, ...
#                   (each port's `device` must be its net_pcapN); the input
#                   goes to the first port, every other port reads an empty
#                   capture
#   gen.args        hf-pcapgen arguments (one line; lines starting with # are
#                   comments); -o and --manifest are added here
#   expect.json     optional: {"stats.path": value} added to, or replacing,
#                   the automatic expectations; null drops a check. Paths are
#                   dot-separated; in a list, a segment is an index or the
#                   "name" of an element; "sum(PATH)" sums every match of a
#                   path with * wildcards, e.g. "sum(drops.malformed_*)".
#
# Exit: 0 pass, 1 fail (the work directory is kept and named), 77 skipped.
# HF_PCAP_KEEP=1 in the environment keeps the work directory on a pass too.

set -u

if [ $# -ne 2 ]; then
  echo "usage: $0 CASE_DIR BUILD_DIR" >&2
  exit 2
fi

skip() {
  echo "SKIP: $*"
  exit 77
}

[ -d "$1" ] || { echo "FAIL: no case directory $1"; exit 1; }
[ -d "$2" ] || skip "build directory $2 does not exist"
case_dir=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
name=$(basename "$case_dir")
conf=$case_dir/hyperflow.conf

for b in hyperflow hf-pcapgen hf-pcapcheck; do
  [ -x "$build/$b" ] || skip "$build/$b is not built"
done
command -v python3 >/dev/null 2>&1 || skip "python3 not found"
command -v timeout >/dev/null 2>&1 || skip "timeout (coreutils) not found"
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
[ "$ncpu" -ge 2 ] || skip "needs 2 CPUs for -l 0,1, this host has $ncpu"
[ -r "$conf" ] || { echo "FAIL: $conf not found"; exit 1; }
[ -r "$case_dir/gen.args" ] || { echo "FAIL: $case_dir/gen.args not found"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/hf-pcap-$name.XXXXXX") || exit 1
prefix="hf-pcap-$name-$$"

finish() {
  local rc=$1

  for d in "/var/run/dpdk/$prefix" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$prefix"; do
    [ -d "$d" ] && rm -rf "$d"
  done
  if [ "$rc" -eq 0 ] && [ -z "${HF_PCAP_KEEP:-}" ]; then
    rm -rf "$work"
    echo "PASS: pcap case $name"
  elif [ "$rc" -eq 0 ]; then
    echo "PASS: pcap case $name; work directory kept (HF_PCAP_KEEP): $work"
  else
    echo "FAIL: pcap case $name; work directory kept: $work"
  fi
  exit "$rc"
}

# Print a command line, quoting only what needs it.
show() {
  local a line="+"

  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
      line+=" $a"
    else
      line+=" $(printf '%q' "$a")"
    fi
  done
  echo "$line"
}

# Print a command, then run it.
run() {
  show "$@"
  "$@"
}

# The same with the command's output into a file: run_to FILE CMD...
run_to() {
  local out=$1

  shift
  show "$@" ">" "$out" "2>&1"
  "$@" > "$out" 2>&1
}

echo "== pcap case $name ($case_dir)"

# --- 1. input ---------------------------------------------------------------
read -r -a gen_args <<< "$(grep -v '^[[:space:]]*#' "$case_dir/gen.args" | tr '\n' ' ')"
run "$build/hf-pcapgen" "${gen_args[@]}" -o "$work/in.pcap" --manifest "$work/manifest.json" ||
  finish 1
run "$build/hf-pcapgen" --empty -o "$work/empty.pcap" || finish 1

# --- 2. the binary ------------------------------------------------------------
"$build/hf-pcapcheck" -c "$conf" --describe > "$work/describe.txt" || {
  echo "FAIL: $conf does not load"
  finish 1
}
vdevs=()
outs=()
first=1
expect_dev=0
while read -r kind pname dev _; do
  [ "$kind" = port ] || continue
  if [ "$dev" != "net_pcap$expect_dev" ]; then
    echo "FAIL: port '$pname' has device '$dev'; the pcap tier wants net_pcap$expect_dev"
    finish 1
  fi
  if [ $first -eq 1 ]; then rx=$work/in.pcap; else rx=$work/empty.pcap; fi
  vdevs+=(--vdev "$dev,rx_pcap=$rx,tx_pcap=$work/out_$pname.pcap")
  outs+=(--out "$pname=$work/out_$pname.pcap")
  first=0
  expect_dev=$((expect_dev + 1))
done < "$work/describe.txt"
[ ${#vdevs[@]} -gt 0 ] || { echo "FAIL: no port in $conf"; finish 1; }

rc=0
run_to "$work/hyperflow.log" timeout 60 "$build/hyperflow" -l 0,1 --no-huge -m 512 --no-pci \
  --file-prefix "$prefix" "${vdevs[@]}" -- -c "$conf" --exit-when-idle 500 \
  --stats-file "$work/stats.json" || rc=$?
if [ $rc -ne 0 ]; then
  if [ $rc -eq 124 ]; then
    echo "FAIL: hyperflow did not exit within 60 s"
  else
    echo "FAIL: hyperflow exited with status $rc"
  fi
  echo "--- last lines of $work/hyperflow.log:"
  tail -n 20 "$work/hyperflow.log"
  finish 1
fi
# A clean stop removes EAL's runtime directory (src/main.c, remove_runtime_dir)
for d in "/var/run/dpdk/$prefix" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$prefix"; do
  if [ -e "$d" ]; then
    echo "FAIL: hyperflow stopped cleanly but left $d: $(ls -A "$d" | tr '\n' ' ')"
    finish 1
  fi
done
for p in "${outs[@]}"; do
  [ "$p" = --out ] && continue
  [ -f "${p#*=}" ] || { echo "FAIL: hyperflow wrote no ${p#*=}"; finish 1; }
done
[ -s "$work/stats.json" ] || { echo "FAIL: hyperflow wrote no stats file"; finish 1; }

# --- 3. packet by packet --------------------------------------------------------
status=0
run "$build/hf-pcapcheck" -c "$conf" -i "$work/in.pcap" "${outs[@]}" \
  --summary-json "$work/check.json" || status=1
[ -s "$work/check.json" ] || finish 1

# --- 4. counters -------------------------------------------------------------------
expect=""
[ -f "$case_dir/expect.json" ] && expect=$case_dir/expect.json
echo "+ compare $work/stats.json with manifest.json and check.json${expect:+ and $expect}"
python3 - "$work/stats.json" "$work/manifest.json" "$work/check.json" "$expect" <<'EOF' ||
import fnmatch
import json
import sys

stats = json.load(open(sys.argv[1]))
man = json.load(open(sys.argv[2]))
chk = json.load(open(sys.argv[3]))
override = json.load(open(sys.argv[4])) if sys.argv[4] else {}


def resolve(node, segs):
    """Every value under node matching the path segments (with * globs)."""
    if not segs:
        return [node]
    seg, rest = segs[0], segs[1:]
    out = []
    if isinstance(node, dict):
        for key, val in node.items():
            if fnmatch.fnmatchcase(key, seg):
                out += resolve(val, rest)
    elif isinstance(node, list):
        for i, val in enumerate(node):
            label = val.get("name") if isinstance(val, dict) else None
            if seg == str(i) or (label is not None and fnmatch.fnmatchcase(label, seg)):
                out += resolve(val, rest)
    return out


def lookup(path):
    if path.startswith("sum(") and path.endswith(")"):
        vals = resolve(stats, path[4:-1].split("."))
        if not vals:
            raise KeyError(path)
        return sum(vals)
    vals = resolve(stats, path.split("."))
    if len(vals) != 1:
        raise KeyError(path)
    return vals[0]


checks = {}      # path -> (expected, why, optional)


def want(path, value, why, optional=False):
    checks[path] = (value, why, optional)


counts = chk["counts"]
mode = chk["unmatched_mode"]
failures = 0


def cross(what, a, b):
    """The generator and the checker must agree on the input."""
    global failures
    if a != b:
        failures += 1
        print(f"  FAIL  input: manifest {what} = {a}, checker counted {b}")


cross("packets", man["packets"], chk["input_frames"])
cross("cluster", man["cluster"], counts["cluster"])
cross("arp_requests", man["arp_requests"], counts["arp_served"] + counts["arp_not_served"])
cross("cluster_non_ip", man["cluster_non_ip"], counts["cluster_non_ip"])
cross("unmatched", man["unmatched"],
      counts["unmatched_dropped"] + counts["bridged"] + counts["bridge_same_port"])
for r in ("short", "vlan", "arp", "ipv4", "ipv6"):
    cross("malformed." + r, man["malformed"][r], counts["malformed_" + r])

want("totals.rx", man["packets"], "manifest packets")
for i, p in enumerate(chk["ports"]):
    want(f"ports.{p['name']}.rx", man["packets"] if i == 0 else 0,
         "input on the first port only")
    want(f"ports.{p['name']}.tx", p["out_frames"], "frames in its tx capture")
    want(f"ports.{p['name']}.tx_dropped", 0, "nothing refused")
for r in ("short", "vlan", "arp", "ipv4", "ipv6"):
    want(f"drops.malformed_{r}", man["malformed"][r], f"manifest malformed.{r}")
want("sum(drops.malformed_*)", man["malformed_total"], "manifest malformed total")
if mode == "drop":
    want("drops.unmatched", man["unmatched"], "manifest unmatched (unmatched = drop)")
    want("drops.bridge_same_port", 0, "no bridge")
    want("totals.bridged", 0, "no bridge", optional=True)
else:
    want("drops.unmatched", counts["unmatched_dropped"], "checker: nowhere to flood")
    want("drops.bridge_same_port", man["unmatched_same_port"],
         "manifest unmatched_same_port")
    want("totals.bridged", counts["bridged"], "checker: frames bridged", optional=True)
want("drops.no_member", counts["no_member"], "checker: cluster frames, no live member")
want("drops.frag_timeout", counts["frag_orphan"],
     "checker: later fragments of 5-tuple clusters whose first never came")
for d in ("frag_full", "frag_hold_full"):
    want("drops." + d, 0, "the fragment tables have room")
want("drops.cluster_non_ip", man["cluster_non_ip"], "manifest cluster_non_ip")
want("drops.arp_not_served", counts["arp_not_served"], "checker: ARP on an unserved port")
for d in ("ha_backup", "punt_full", "tx_full"):
    want("drops." + d, 0, "never in a pcap run")
want("control.arp_requests", man["arp_requests"], "manifest arp_requests")
want("control.arp_replies", counts["arp_served"], "checker: requests on served ports")
want("control.garp_sent", chk["garp_expected"], "one per cluster per serving port")
if stats.get("probe", {}).get("state") == "bound":
    want("control.addr_announced", len(chk["ports"]),
         "the bound probe address announced once on every port")
for cl in chk["clusters"]:
    c = cl["name"]
    want(f"clusters.{c}.rx", cl["rx"], "checker: cluster frames")
    want(f"clusters.{c}.tx", cl["tx"], "checker: to a live member")
    want(f"clusters.{c}.dropped", cl["no_member"] + cl["frag_orphan"],
         "checker: no live member, later fragments without a first")
    for m in cl["members"]:
        if m["state"] == "down":
            state = "down"
        elif not m["has_mac"]:
            state = "unresolved"
        elif m.get("held") and m["state"] == "up":
            state = "held"   # another leg of its device is out
        else:
            state = m["state"]
        want(f"clusters.{c}.members.{m['name']}.state", state,
             "admin state, health none, device")
        want(f"clusters.{c}.members.{m['name']}.tx", m["expected"], "checker: bucket table")
want("sum(clusters.*.members.*.tx)", counts["cluster_forwarded"],
     "cluster frames sent to live members")

for path, value in override.items():
    if value is None:
        checks.pop(path, None)
    else:
        want(path, value, "expect.json")

for path, (value, why, optional) in checks.items():
    try:
        got = lookup(path)
    except (KeyError, IndexError, TypeError):
        if optional:
            continue
        failures += 1
        print(f"  FAIL  {path}: not in the stats file (expected {value}; {why})")
        continue
    if got == value:
        print(f"  ok    {path} = {json.dumps(got)}")
    else:
        failures += 1
        print(f"  FAIL  {path} = {json.dumps(got)}, expected {json.dumps(value)} ({why})")

print(f"counters: {failures} failure(s)")
sys.exit(1 if failures else 0)
EOF
  status=1

finish $status
