#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tools/hyperflowctl against a running hyperflow.
#
#   tests/ctl/test_hyperflowctl.sh BUILD_DIR
#
# Starts BUILD_DIR/hyperflow on two net_pcap vdevs (lan0 replays a capture
# made by hf-pcapgen, vpn0 reads an empty one) WITHOUT --exit-when-idle, so
# it keeps running once the capture is read, with --file-prefix hf-ctl-PID.
# The configuration it writes has two real clusters whose members cover
# every state (up, drain, down, unresolved) and 130 small ones, so that the
# cluster list needs two /hyperflow/clusters pages. Then it checks:
#  - every `show` table has the expected rows (clusters, members with their
#    states, ports) and --json output parses, agrees with the tables, with
#    the configuration, with the capture's manifest and with itself
#    (stats rx = sum of port rx, cluster tx = sum of member tx, ...);
#  - `metrics` passes a strict Prometheus text-format parser (HELP/TYPE
#    before a family's samples, families contiguous, counters end in
#    _total, valid names, escapes and values, no duplicate series) and
#    holds the expected series with the values telemetry gives;
#  - `reload` of the unchanged file: exit 0, generation + 1, counters kept;
#    a bad file: exit 1 with file:line in the output, generation and
#    traffic counters unchanged; changed ports: exit 1, refused; drain a
#    member by reload; `check` on good and bad files: 0/1;
#  - no instance, a stale socket, a DPDK process that is not hyperflow:
#    exit 2 with a clear message.
# Exit 0 pass, 1 fail, 77 skipped (with the reason). Only documentation
# addresses are used.
set -uo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
BUILD=$(cd "$1" 2>/dev/null && pwd) || { echo "SKIP: no build directory $1"; exit 77; }
SRC=$(cd "$(dirname "$0")/../.." && pwd)
HF=$BUILD/hyperflow
GEN=$BUILD/hf-pcapgen
CTL=$SRC/tools/hyperflowctl
PREFIX=hf-ctl-$$

skip() {
	echo "SKIP: $*"
	exit 77
}
[ -x "$HF" ] || skip "$HF is not built"
[ -x "$GEN" ] || skip "$GEN is not built"
command -v python3 >/dev/null || skip "python3 is not installed"
[ -x "$CTL" ] || { echo "FAIL: $CTL is missing or not executable"; exit 1; }

# The DPDK runtime directory, as EAL (and hyperflowctl) compute it.
if [ -n "${RUNTIME_DIRECTORY:-}" ]; then
	RUNDIR=$RUNTIME_DIRECTORY/dpdk
elif [ "$(id -u)" -eq 0 ]; then
	RUNDIR=/var/run/dpdk
else
	RUNDIR=${XDG_RUNTIME_DIR:-/tmp}/dpdk
fi

# Short path: the reload outcome travels as a telemetry string (<= 127 bytes).
T=$(mktemp -d /tmp/hfctl.XXXXXX) || exit 1
HF_PID=

stop_hyperflow() {
	[ -n "$HF_PID" ] || return 0
	if kill -0 "$HF_PID" 2>/dev/null; then
		kill -TERM "$HF_PID" 2>/dev/null
		for _ in $(seq 100); do
			kill -0 "$HF_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$HF_PID" 2>/dev/null && kill -KILL "$HF_PID" 2>/dev/null
	fi
	wait "$HF_PID" 2>/dev/null
	local rc=$?
	HF_PID=
	return $rc
}

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	stop_hyperflow
	rm -rf "$T"
	rm -rf "${RUNDIR:?}/$PREFIX"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---------------------------------------------------------------------------
# The checks, in Python (stdlib only).
# ---------------------------------------------------------------------------
cat >"$T/check.py" <<'PY'
import importlib.machinery
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

E = os.environ
CTL, PREFIX, CONF, SRC, T = E["CTL"], E["PREFIX"], E["CONF"], E["SRC"], E["T"]
FAILS = []

# ---- the configuration under test -----------------------------------------
# (name, ip, mac or None, weight, admin state, expected state)
VPN = [
    ("vpn-a", "192.0.2.11", "02:00:00:00:01:01", 1, "up", "up"),
    ("vpn-b", "192.0.2.12", "02:00:00:00:01:02", 2, "up", "up"),
    ("vpn-c", "192.0.2.13", "02:00:00:00:01:03", 1, "drain", "drain"),
    ("vpn-d", "192.0.2.14", "02:00:00:00:01:04", 1, "down", "down"),
    ("vpn-e", "192.0.2.15", None, 1, "up", "unresolved"),
]
FW = [
    ("fw-a", "198.51.100.11", "02:00:00:00:02:01", 1, "up", "up"),
    ("fw-b", "198.51.100.12", "02:00:00:00:02:02", 3, "up", "up"),
]
NPAGE = 130     # small clusters: 132 in all, more than one 128-name page
PORTS = [("lan0", "net_pcap0", "02:00:00:00:00:01"), ("vpn0", "net_pcap1", "02:00:00:00:00:02")]
CLUSTERS = [
    dict(name="vpn-out", type="vpn", ip="192.0.2.1", mac="00:00:5e:00:01:01",
         hash="dst-ip", buckets=4096, members=VPN),
    dict(name="fw-in", type="firewall", ip="198.51.100.1", mac="00:00:5e:00:01:02",
         hash="src-dst", buckets=1024, members=FW),
] + [
    dict(name="pg-%03d" % i, type="server", ip="198.51.100.%d" % (60 + i),
         mac="00:00:5e:00:01:63", hash="5-tuple", buckets=64,
         members=[("pg-m", "192.0.2.100", "02:00:00:00:03:01", 1, "up", "up")])
    for i in range(NPAGE)
]


def write_conf(path, states=None, vpn0_device="net_pcap1"):
    """Write the configuration; states overrides admin states by member
    name. Returns {member name: line number} of the vpn-out members."""
    states = states or {}
    lines = ["# hyperflowctl test configuration (generated)", "ports = ("]
    for i, (n, d, m) in enumerate(PORTS):
        d = vpn0_device if n == "vpn0" else d
        lines.append('  { name = "%s"; device = "%s"; mac = "%s"; }%s'
                     % (n, d, m, "," if i < len(PORTS) - 1 else ""))
    lines += [");", 'probe = { pool = [ "192.0.2.250" ]; };', 'unmatched = "drop";',
              "flows = { size = 4096; timeout_ms = 3600000; };", "clusters = ("]
    where = {}
    for ci, c in enumerate(CLUSTERS):
        lines += ["  {",
                  '    name = "%s"; type = "%s"; ip = "%s"; mac = "%s";'
                  % (c["name"], c["type"], c["ip"], c["mac"]),
                  '    ports = [ "lan0" ]; hash = "%s"; buckets = %d;' % (c["hash"], c["buckets"]),
                  '    health = { method = "none"; };',
                  "    members = ("]
        for mi, (n, ip, mac, w, st, _) in enumerate(c["members"]):
            st = states.get(n, st)
            where[n] = len(lines) + 1
            lines.append('      { name = "%s"; ip = "%s"; %sport = "vpn0"; weight = %d; '
                         'state = "%s"; }%s' % (n, ip, 'mac = "%s"; ' % mac if mac else "", w,
                                                st, "," if mi < len(c["members"]) - 1 else ""))
        lines += ["    );", "  }%s" % ("," if ci < len(CLUSTERS) - 1 else "")]
    lines.append(");")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return where


if sys.argv[1] == "conf":
    write_conf(sys.argv[2])
    sys.exit(0)

# ---- helpers ---------------------------------------------------------------


def check(cond, what, detail=None):
    if cond:
        print("ok   " + what)
    else:
        print("FAIL " + what + ("" if detail is None else "\n       %s" % (detail,)))
        FAILS.append(what)
    return bool(cond)


def ctl(*args, prefix=PREFIX, env=None):
    cmd = [CTL] + (["--file-prefix", prefix] if prefix else []) + list(args)
    e = dict(os.environ)
    e["HYPERFLOW_BIN"] = E["HF"]
    if env:
        e.update(env)
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, env=e, timeout=120)


def show_json(what):
    r = ctl("--json", "show", what)
    if not check(r.returncode == 0, "show %s --json exits 0" % what, r.stderr.strip()):
        return None
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        check(False, "show %s --json parses" % what, e)
        return None


def table(what):
    """Rows of a `show` table: a list of dicts keyed by the header words."""
    r = ctl("show", what)
    check(r.returncode == 0, "show %s exits 0" % what, r.stderr.strip())
    lines = [l for l in r.stdout.split("\n") if l.strip()]
    if not lines:
        return []
    head = lines[0].split()
    rows = []
    for l in lines[1:]:
        cells = l.split()
        if len(cells) != len(head):
            check(False, "show %s: row has %d columns, header %d" % (what, len(cells), len(head)), l)
            continue
        rows.append(dict(zip(head, cells)))
    return rows


def c_names(path, array):
    """The strings of `const char *const ARRAY[...] = { [X] = "name", ... }`."""
    text = open(path).read()
    m = re.search(re.escape(array) + r"\[[^]]*\]\s*=\s*\{(.*?)\};", text, re.S)
    return re.findall(r'=\s*"([^"]+)"', m.group(1)) if m else []


def expected_members():
    for c in CLUSTERS:
        for (n, ip, mac, w, admin, state) in c["members"]:
            yield c, n, ip, mac, w, admin, state


# ---- a strict parser of the Prometheus text format 0.0.4 -------------------
NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def parse_value(s):
    if s in ("NaN", "+Inf", "-Inf"):
        return float(s.replace("+", ""))
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", s):
        raise ValueError("bad value %r" % s)
    return float(s)


def parse_labels(s, i):
    """Parse from s[i] == '{' to the matching '}'; return (dict, index after)."""
    labels = {}
    i += 1
    if s[i:i + 1] == "}":
        return labels, i + 1
    while True:
        m = LABEL_RE.match(s, i)
        if not m:
            raise ValueError("bad label name at %d" % i)
        name = m.group(0)
        i = m.end()
        if s[i:i + 2] != '="':
            raise ValueError("expected =\" after label %s" % name)
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise ValueError("unterminated label value")
            ch = s[i]
            if ch == "\\":
                nxt = s[i + 1:i + 2]
                if nxt not in ("\\", '"', "n"):
                    raise ValueError("bad escape \\%s" % nxt)
                val.append("\n" if nxt == "n" else nxt)
                i += 2
            elif ch == '"':
                i += 1
                break
            elif ch == "\n":
                raise ValueError("raw newline in label value")
            else:
                val.append(ch)
                i += 1
        if name in labels:
            raise ValueError("label %s twice" % name)
        labels[name] = "".join(val)
        if s[i:i + 1] == ",":
            i += 1
            continue
        if s[i:i + 1] == "}":
            return labels, i + 1
        raise ValueError("expected , or } at %d" % i)


def parse_prom(text):
    """Returns ({family: {"type", "help", "samples": {labelkey: (labels, value)}}}, errors)."""
    fams, errors, done = {}, [], set()
    current = None
    if not text.endswith("\n"):
        errors.append("does not end with a newline")
    for no, line in enumerate(text.split("\n")[:-1], 1):
        err = lambda msg: errors.append("line %d: %s: %r" % (no, msg, line))
        if line == "":
            err("empty line")
            continue
        if line.startswith("#"):
            m = re.fullmatch(r"# (HELP|TYPE) (\S+) ?(.*)", line)
            if not m:
                if line.startswith("# HELP") or line.startswith("# TYPE"):
                    err("malformed HELP/TYPE")
                continue
            kind, name, rest = m.groups()
            if not NAME_RE.fullmatch(name):
                err("bad metric name")
                continue
            f = fams.setdefault(name, {"type": None, "help": None, "samples": {}})
            if f["samples"]:
                err("%s after samples of %s" % (kind, name))
            if kind == "HELP":
                if f["help"] is not None:
                    err("second HELP")
                if "\\" in re.sub(r"\\[\\n]", "", rest):
                    err("bad escape in HELP")
                f["help"] = rest
            else:
                if f["type"] is not None:
                    err("second TYPE")
                if rest not in TYPES:
                    err("unknown type")
                if rest == "counter" and not name.endswith("_total"):
                    err("counter name does not end in _total")
                f["type"] = rest
            continue
        m = NAME_RE.match(line)
        if not m:
            err("bad sample name")
            continue
        name, i = m.group(0), m.end()
        labels = {}
        if line[i:i + 1] == "{":
            try:
                labels, i = parse_labels(line, i)
            except (ValueError, IndexError) as e:
                err(str(e))
                continue
        parts = line[i:].split(" ")
        if len(parts) not in (2, 3) or parts[0] != "":
            err("expected ' value [timestamp]'")
            continue
        try:
            value = parse_value(parts[1])
            if len(parts) == 3:
                int(parts[2])
        except ValueError as e:
            err(str(e))
            continue
        f = fams.get(name)
        if f is None or f["type"] is None or f["help"] is None:
            err("sample before HELP and TYPE of its family")
            f = fams.setdefault(name, {"type": None, "help": None, "samples": {}})
        if name != current:
            if name in done:
                err("samples of %s are not contiguous" % name)
            if current is not None:
                done.add(current)
            current = name
        key = tuple(sorted(labels.items()))
        if key in f["samples"]:
            err("duplicate series")
        f["samples"][key] = (labels, value)
    return fams, errors


def series(fams, name, **labels):
    f = fams.get(name)
    if f is None:
        return None
    s = f["samples"].get(tuple(sorted(labels.items())))
    return None if s is None else s[1]


def metrics():
    r = ctl("metrics")
    check(r.returncode == 0, "metrics exits 0", r.stderr.strip())
    fams, errors = parse_prom(r.stdout)
    check(not errors, "metrics parse as Prometheus text format 0.0.4 (strict)", errors[:5])
    return fams


# ---- phase: read-only checks on the running instance -------------------------


def wait_traffic(man):
    """Wait until the capture is read and the snapshot generation is quiet.

    The generation counts published snapshots: +1 per successful reload,
    and +1 whenever the monitor republishes (here once, when the probe
    source address is taken; health is off and nothing answers ARP for the
    MAC-less member, so nothing else changes afterwards).
    """
    deadline = time.time() + 60
    st = None
    while time.time() < deadline:
        st = show_json_quiet("stats")
        if st and st.get("rx") == man["packets"]:
            break
        time.sleep(0.2)
    else:
        check(False, "hyperflow received the whole capture (%d frames)" % man["packets"],
              st and st.get("rx"))
        return False
    last, since = None, time.time()
    while time.time() < deadline:
        cfg = show_json_quiet("config") or {}
        if cfg.get("generation") != last:
            last, since = cfg.get("generation"), time.time()
        elif time.time() - since >= 3:
            return True
        time.sleep(0.25)
    check(False, "the snapshot generation settles within 60 s", last)
    return False


def show_json_quiet(what):
    r = ctl("--json", "show", what)
    try:
        return json.loads(r.stdout) if r.returncode == 0 else None
    except ValueError:
        return None


def counters(cl):
    """The traffic counters that stay put once the capture is read."""
    out = {}
    for name, c in cl.items():
        out[name] = (c["rx"], c["tx"], c["dropped"],
                     tuple(v.get("tx") for v in c.values() if isinstance(v, dict)))
    return out


def read_only(man):
    stats_c = os.path.join(SRC, "src/common/stats.c")
    drop_names = c_names(stats_c, "hf_drop_names")
    ctl_names = c_names(stats_c, "hf_ctl_names")
    check(drop_names and ctl_names, "drop reasons and control events read from src/common/stats.c")
    names = [c["name"] for c in CLUSTERS]

    # tables
    rows = table("clusters")
    check([r["CLUSTER"] for r in rows] == names,
          "show clusters: one row per cluster, in configuration order (%d, two pages)" % len(names),
          [r.get("CLUSTER") for r in rows][:5])
    byname = {r["CLUSTER"]: r for r in rows}
    for c in CLUSTERS[:2]:
        r = byname.get(c["name"], {})
        up = sum(1 for m in c["members"] if m[5] == "up")
        check(r.get("TYPE") == c["type"] and r.get("IP") == c["ip"] and r.get("MAC") == c["mac"]
              and r.get("HASH") == c["hash"] and r.get("LIVE") == "%d/%d" % (up, len(c["members"])),
              "show clusters: row of %s (type, ip, mac, hash, live %d/%d)"
              % (c["name"], up, len(c["members"])), r)

    rows = table("members")
    got = [(r["CLUSTER"], r["MEMBER"], r["STATE"]) for r in rows]
    want = [(c["name"], n, state) for c, n, _, _, _, _, state in expected_members()]
    check(got == want, "show members: %d rows, every member with its state (up, drain, down, "
          "unresolved)" % len(want), [g for g in got if g not in want][:5])
    for r in rows[:len(VPN) + len(FW)]:
        c = CLUSTERS[0] if r["CLUSTER"] == "vpn-out" else CLUSTERS[1]
        m = [x for x in c["members"] if x[0] == r["MEMBER"]][0]
        check(r["IP"] == m[1] and r["MAC"] == (m[2] or "unresolved") and r["PORT"] == "vpn0"
              and r["WEIGHT"] == str(m[3]) and r["ADMIN"] == m[4],
              "show members: row of %s/%s" % (r["CLUSTER"], r["MEMBER"]), r)

    rows = table("ports")
    check([(r["PORT"], r["DEVICE"], r["MAC"], r["LINK"]) for r in rows]
          == [(n, d, m, "up") for n, d, m in PORTS], "show ports: lan0 and vpn0, devices, MACs, link up",
          rows)

    for what, words in (("stats", ["rx", "worker0", "DROP", "unmatched", "CONTROL", "arp_requests",
                                   "probe_address", "192.0.2.250"]),
                        ("flows", ["capacity", "entries"]),
                        ("ha", ["enabled", "state"]),
                        ("config", [CONF, "generation", "last_reload"])):
        r = ctl("show", what)
        check(r.returncode == 0 and all(w in r.stdout for w in words),
              "show %s: table with %s" % (what, ", ".join(words)), r.stdout + r.stderr)

    # JSON
    st, ports, cl, mem = (show_json(w) for w in ("stats", "ports", "clusters", "members"))
    fl, ha, cfg = (show_json(w) for w in ("flows", "ha", "config"))
    if None in (st, ports, cl, mem, fl, ha, cfg):
        return None
    check(st["rx"] == man["packets"] == sum(p["rx"] for p in ports.values()),
          "stats rx = sum of port rx = frames in the capture (%d)" % man["packets"],
          (st["rx"], [p["rx"] for p in ports.values()]))
    lc = {k: v for k, v in st.items() if re.fullmatch(r"worker\d+|control_lcore", k)}
    check("worker0" in lc and "control_lcore" in lc, "stats has worker0 and control_lcore", list(st))
    check(sum(v["rx"] for v in lc.values()) == st["rx"] and
          sum(v["tx"] for v in lc.values()) == st["tx"] and
          sum(v["dropped"] for v in lc.values()) == st["dropped"],
          "stats rx/tx/dropped = sums over lcores", lc)
    check(list(st["drops"]) == drop_names, "stats drops: every reason of hf_drop_names", list(st["drops"]))
    check(list(st["control"]) == ctl_names, "stats control: every event of hf_ctl_names",
          list(st["control"]))
    check(st["dropped"] == sum(st["drops"].values()), "stats dropped = sum of drops by reason")
    check(st["drops"].get("unmatched") == man["unmatched"],
          "drops unmatched = unmatched frames in the capture (%d)" % man["unmatched"], st["drops"])
    mal = {"malformed_" + k: v for k, v in man["malformed"].items()}
    check(all(st["drops"].get(k) == v for k, v in mal.items()),
          "drops malformed_* = malformed frames in the capture, by reason", st["drops"])
    check(st["control"].get("arp_requests") == man["arp_requests"],
          "control arp_requests = ARP requests in the capture (%d)" % man["arp_requests"],
          st["control"])

    check(list(cl) == names, "show clusters --json: every cluster, paged", list(cl)[:5])
    by_ip = {c["ip"]: c for c in man["clusters"]}
    for c in CLUSTERS:
        j = cl.get(c["name"])
        if j is None:
            continue
        ms = [v for v in j.values() if isinstance(v, dict)]
        ok = (j["type"] == c["type"] and j["ip"] == c["ip"] and j["mac"] == c["mac"]
              and j["hash"] == c["hash"] and j["buckets"] == c["buckets"] and j["ports"] == "lan0"
              and j["health"] == "none" and j["members_total"] == len(c["members"]))
        ok = ok and [m["name"] for m in ms] == [m[0] for m in c["members"]]
        ok = ok and j["members_live"] == sum(1 for m in ms if m["state"] == "up")
        ok = ok and sum(m["buckets"] for m in ms) == j["buckets"]
        ok = ok and all(m["buckets"] == 0 and m["tx"] == 0 for m in ms if m["state"] != "up")
        ok = ok and j["tx"] == sum(m["tx"] for m in ms)
        rx = by_ip.get(c["ip"], {}).get("cluster", 0)
        ok = ok and j["rx"] == rx and j["dropped"] == 0 and j["tx"] == rx
        for (n, ip, mac, w, admin, state), m in zip(c["members"], ms):
            ok = ok and (m["ip"], m["mac"], m["port"], m["weight"], m["admin"], m["state"]) == \
                (ip, mac or "unresolved", "vpn0", w, admin, state)
        if c in CLUSTERS[:3] or not ok:
            check(ok, "cluster %s: fields match the configuration; rx = tx = %d frames of the "
                  "capture; tx = sum of member tx; buckets shared by live members only"
                  % (c["name"], rx), j)
    check(all(cl[c["name"]]["rx"] == 0 for c in CLUSTERS[2:]),
          "no traffic counted on the %d idle clusters" % NPAGE)
    derived = {n: {v["name"]: v for v in c.values() if isinstance(v, dict)} for n, c in cl.items()}
    check(mem == derived, "show members --json = the members of show clusters --json")

    for n, d, m in PORTS:
        p = ports.get(n, {})
        check(p.get("device") == d and p.get("mac") == m and p.get("link") == "up"
              and isinstance(p.get("port_id"), int) and isinstance(p.get("tx_dropped"), int),
              "port %s: device, mac, link, port_id, counters" % n, p)

    check(0 < fl["entries"] <= fl["capacity"] and fl["inserts"] >= fl["entries"]
          and fl["workers"] >= 1 and isinstance(fl.get("sample"), list),
          "flows: 0 < entries <= capacity, inserts >= entries, a sample list", fl)
    check(ha.get("enabled") == 0 and ha.get("state") == "disabled" and ha.get("active") == "yes",
          "ha: disabled, this box active", ha)
    check(cfg["file"] == CONF and cfg["generation"] >= 1 and cfg["reload_attempts"] == 0
          and cfg["last_reload"] == "none" and cfg["pid"] == int(E["HF_PID"])
          and cfg["clusters"] == len(CLUSTERS)
          and cfg["members"] == sum(len(c["members"]) for c in CLUSTERS)
          and cfg["workers"] >= 1 and cfg["uptime_ms"] > 0 and cfg["loaded_at"] > 1.5e9,
          "config: file, pid, a generation, no reload yet, cluster and member counts", cfg)

    # metrics
    fams = metrics()
    want = [("hyperflow_port_rx_packets_total", {"port": n}, ports[n]["rx"]) for n, _, _ in PORTS]
    for n, c in cl.items():
        want += [("hyperflow_cluster_rx_packets_total", {"cluster": n}, c["rx"]),
                 ("hyperflow_cluster_tx_packets_total", {"cluster": n}, c["tx"]),
                 ("hyperflow_cluster_dropped_packets_total", {"cluster": n}, c["dropped"]),
                 ("hyperflow_cluster_members_live", {"cluster": n}, c["members_live"])]
        for m in (v for v in c.values() if isinstance(v, dict)):
            lab = {"cluster": n, "member": m["name"]}
            want += [("hyperflow_member_tx_packets_total", lab, m["tx"]),
                     ("hyperflow_member_up", lab, 1 if m["state"] == "up" else 0),
                     ("hyperflow_member_admin_up", lab, 1 if m["admin"] == "up" else 0)]
    want += [("hyperflow_dropped_packets_total", {"reason": r}, v) for r, v in st["drops"].items()]
    want += [("hyperflow_port_speed_bytes", {"port": n}, ports[n]["speed_mbps"] * 125000)
             for n, _, _ in PORTS]
    want += [("hyperflow_control_events_total", {"event": "arp_requests"},
              st["control"]["arp_requests"]),
             ("hyperflow_punted_packets_total", {}, st["punted"]),
             ("hyperflow_flow_entries", {}, fl["entries"]),
             ("hyperflow_ha_master", {}, 1),
             ("hyperflow_config_generation", {}, cfg["generation"]),
             ("hyperflow_config_last_reload_successful", {}, 1),
             ("hyperflow_config_reload_failures_total", {}, 0),
             ("hyperflow_worker_lcores", {}, cfg["workers"])]
    bad = [(n, l, v, series(fams, n, **l)) for n, l, v in want if series(fams, n, **l) != v]
    check(not bad, "metrics: %d expected series with the values telemetry gives" % len(want), bad[:5])
    check(all(series(fams, "hyperflow_control_events_total", event=e) is not None for e in ctl_names),
          "metrics: hyperflow_control_events_total for every control event")
    check(all(series(fams, "hyperflow_port_%s_total" % k, port=n) is not None
              for n, _, _ in PORTS for k in ("tx_packets", "tx_dropped_packets")),
          "metrics: port tx and tx_dropped counters")
    check(all(f["type"] == "counter" for n, f in fams.items() if n.endswith("_total")) and
          all(fams[n]["type"] == "gauge" for n in ("hyperflow_member_up", "hyperflow_flow_entries",
                                                   "hyperflow_cluster_members_live",
                                                   "hyperflow_ha_master",
                                                   "hyperflow_config_generation",
                                                   "hyperflow_config_last_reload_successful")
                if n in fams),
          "metrics: *_total are counters, states and levels are gauges")

    # label escaping, through the tool's own renderer
    ldr = importlib.machinery.SourceFileLoader("hyperflowctl", CTL)
    spec = importlib.util.spec_from_loader("hyperflowctl", ldr)
    mod = importlib.util.module_from_spec(spec)
    ldr.exec_module(mod)
    m = mod.Metrics()
    weird = 'a\\b"c\nd,e}f=g'
    m.counter("hyperflow_test_total", 'help with \\ and\nnewline', 3, port=weird, other="x")
    fams2, errors = parse_prom(m.render())
    check(not errors and series(fams2, "hyperflow_test_total", port=weird, other="x") == 3
          and fams2["hyperflow_test_total"]["help"] == "help with \\\\ and\\nnewline",
          "metrics: label values and HELP escaped per the format", (errors, m.render()))
    return cl, cfg["generation"]


# ---- phase: reload and check ----------------------------------------------------


def reload_and_check(cl0, g0):
    where = write_conf(CONF)
    before = counters(cl0)

    r = ctl("reload")
    cfg = show_json("config")
    check(r.returncode == 0 and r.stdout.startswith("reload ok:"),
          "reload of the unchanged file: exit 0, 'reload ok: ...'", (r.returncode, r.stdout, r.stderr))
    check(cfg and cfg["generation"] == g0 + 1 and cfg["reload_attempts"] == 1
          and cfg["last_reload"] == "ok" and re.search(r"\bgeneration %d\b" % (g0 + 1), cfg["last_reload_msg"]),
          "after reload: generation %d -> %d, one attempt, last reload ok" % (g0, g0 + 1), cfg)
    loaded = cfg and cfg["loaded_at"]
    cl = show_json("clusters")
    check(cl and counters(cl) == before, "after reload: cluster and member counters kept")

    # a bad file: an invalid member state on a known line
    where = write_conf(CONF, states={"vpn-d": "sideways"})
    line = where["vpn-d"]
    r = ctl("reload")
    first = r.stdout.split("\n")[0]
    check(r.returncode == 1 and first.startswith("reload rejected:") and
          ("%s:%d:" % (CONF, line)) in first,
          "reload of a bad file: exit 1, 'reload rejected: ...%s:%d: ...'" % (CONF, line),
          (r.returncode, r.stdout, r.stderr))
    check("sideways" in r.stdout, "reload of a bad file: the reason is printed", r.stdout)
    cfg = show_json("config")
    check(cfg and cfg["generation"] == g0 + 1 and cfg["loaded_at"] == loaded
          and cfg["reload_attempts"] == 2 and cfg["last_reload"] == "rejected"
          and ("%s:%d" % (CONF, line)) in cfg["last_reload_msg"],
          "after the rejected reload: generation still %d, same load time, last reload "
          "rejected with file:line" % (g0 + 1), cfg)
    r = ctl("show", "config")
    check(r.returncode == 0 and "rejected" in r.stdout
          and re.search(r"generation\s+%d\n" % (g0 + 1), r.stdout),
          "show config: generation %d, last reload rejected" % (g0 + 1), r.stdout)
    cl = show_json("clusters")
    check(cl and counters(cl) == before, "after the rejected reload: traffic counters unchanged")
    rows = table("members")
    check([(r["CLUSTER"], r["MEMBER"], r["STATE"]) for r in rows] ==
          [(c["name"], n, s) for c, n, _, _, _, _, s in expected_members()],
          "after the rejected reload: the old configuration still runs (member states)")
    fams = metrics()
    check(series(fams, "hyperflow_config_last_reload_successful") == 0 and
          series(fams, "hyperflow_config_generation") == g0 + 1 and
          series(fams, "hyperflow_control_events_total", event="reload_failures") == 1 and
          series(fams, "hyperflow_config_reload_failures_total") == 1 and
          series(fams, "hyperflow_control_events_total", event="reloads") == 1,
          "metrics after the rejected reload: last_reload_successful 0, generation kept, "
          "reloads 1, reload_failures 1, reload_failures_total 1")

    # check: bad file, good file, missing file
    r = ctl("check", CONF, prefix=None)
    check(r.returncode == 1 and ("%s:%d:" % (CONF, line)) in (r.stdout + r.stderr),
          "check of the bad file: exit 1 with file:line", (r.returncode, r.stdout, r.stderr))
    r = ctl("check", os.path.join(T, "missing.conf"), prefix=None)
    check(r.returncode == 1, "check of a missing file: exit 1", (r.returncode, r.stderr))
    write_conf(CONF)
    r = ctl("check", CONF, prefix=None)
    check(r.returncode == 0 and "OK" in r.stdout, "check of the good file: exit 0, OK",
          (r.returncode, r.stdout, r.stderr))

    # ports cannot change at run time
    write_conf(CONF, vpn0_device="net_pcap7")
    r = ctl("reload")
    check(r.returncode == 1 and "device or MAC changed: this cannot change at run time" in r.stdout,
          "reload with a changed port device: exit 1, 'this cannot change at run time'",
          (r.returncode, r.stdout, r.stderr))

    # drain a member by reload, then undo it
    write_conf(CONF, states={"vpn-b": "drain"})
    r = ctl("reload")
    cl = show_json("clusters")
    mb = cl and {v["name"]: v for v in cl["vpn-out"].values() if isinstance(v, dict)}
    check(r.returncode == 0 and mb and mb["vpn-b"]["state"] == "drain"
          and mb["vpn-b"]["buckets"] == 0 and cl["vpn-out"]["members_live"] == 1
          and mb["vpn-a"]["buckets"] == cl["vpn-out"]["buckets"],
          "drain vpn-b by reload: state drain, no buckets, vpn-a takes them all",
          (r.stdout, r.stderr, mb))
    check(cl and counters(cl) == before, "drain by reload: counters of kept members carried over")
    write_conf(CONF)
    r = ctl("reload")
    cfg = show_json("config")
    check(r.returncode == 0 and cfg and cfg["generation"] == g0 + 3 and cfg["last_reload"] == "ok"
          and cfg["reload_attempts"] == 5,
          "reload of the original file: exit 0, generation %d, 5 attempts" % (g0 + 3), (r.stdout, cfg))


# ---- phase: no instance, stale socket, not hyperflow ---------------------------------


def fake_server(path, stop):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(path)
    s.listen(4)
    s.settimeout(0.2)
    while not stop.is_set():
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        c.send(json.dumps({"version": "DPDK 22.11.0", "pid": os.getpid(),
                           "max_output_len": 16384}).encode())
        try:
            while True:
                cmd = c.recv(1024).decode()
                if not cmd:
                    break
                c.send(json.dumps({cmd.split(",")[0]: None}).encode())
        except OSError:
            pass
        c.close()
    s.close()


def errors_phase():
    none = "hf-ctl-none-%d" % os.getpid()
    path = os.path.join(E["RUNDIR"], none, "dpdk_telemetry.v2")
    msg = "no hyperflow instance with file-prefix %s: %s not found" % (none, path)
    for args in (["show", "stats"], ["show", "members"], ["metrics"], ["reload"]):
        r = ctl(*args, prefix=none)
        check(r.returncode == 2 and msg in r.stderr,
              "%s with no instance: exit 2, '%s'" % (" ".join(args), msg), (r.returncode, r.stderr))

    rt = os.path.join(T, "rt")
    env = {"RUNTIME_DIRECTORY": rt}
    os.makedirs(os.path.join(rt, "dpdk", "stale"))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(os.path.join(rt, "dpdk", "stale", "dpdk_telemetry.v2"))
    s.close()       # the file stays, nobody listens: connect() is refused
    r = ctl("show", "stats", prefix="stale", env=env)
    check(r.returncode == 2 and "refused" in r.stderr,
          "stale socket: exit 2, 'refused the connection'", (r.returncode, r.stderr))

    os.makedirs(os.path.join(rt, "dpdk", "other"))
    stop = threading.Event()
    th = threading.Thread(target=fake_server,
                          args=(os.path.join(rt, "dpdk", "other", "dpdk_telemetry.v2"), stop))
    th.start()
    time.sleep(0.3)
    try:
        r = ctl("show", "ports", prefix="other", env=env)
        check(r.returncode == 2 and "does not answer /hyperflow/config" in r.stderr,
              "a DPDK process that is not hyperflow: exit 2, clear message",
              (r.returncode, r.stderr))
    finally:
        stop.set()
        th.join()

    r = ctl("show", "bogus")
    check(r.returncode == 2, "bad usage: exit 2", r.returncode)
    r = ctl("check", os.path.join(T, "x.conf"), prefix=None, env={"HYPERFLOW_BIN": "/nonexistent/hyperflow"})
    check(r.returncode == 2 and "/nonexistent/hyperflow" in r.stderr,
          "check with HYPERFLOW_BIN pointing nowhere: exit 2", (r.returncode, r.stderr))


def main():
    man = json.load(open(E["MANIFEST"]))
    if wait_traffic(man):
        got = read_only(man)
        if got is not None:
            reload_and_check(*got)
    errors_phase()
    print("%d check(s) failed" % len(FAILS) if FAILS else "all checks passed")
    return 1 if FAILS else 0


sys.exit(main())
PY

# ---------------------------------------------------------------------------
# Input, configuration, instance
# ---------------------------------------------------------------------------
CONF=$T/hyperflow.conf
MANIFEST=$T/lan0-in.json
export CTL PREFIX CONF SRC T HF RUNDIR MANIFEST
python3 "$T/check.py" conf "$CONF" || { echo "FAIL: writing the configuration"; exit 1; }
"$GEN" -o "$T/lan0-in.pcap" --manifest "$MANIFEST" --seed 7 \
	--cluster-ip 192.0.2.1 --cluster-mac 00:00:5e:00:01:01 \
	--cluster-ip 198.51.100.1 --cluster-mac 00:00:5e:00:01:02 \
	--lan-mac 02:00:00:00:00:01 --clients 20 --dests 50 --packets 400 \
	--arp 6 --unmatched 12 --malformed 5 >/dev/null || { echo "FAIL: hf-pcapgen"; exit 1; }
"$GEN" -o "$T/empty.pcap" --empty >/dev/null || { echo "FAIL: hf-pcapgen --empty"; exit 1; }

# Two lcores (control + one worker) on the CPUs this process may use.
LCORES=$(python3 -c '
import os
c = sorted(os.sched_getaffinity(0))
print("-l %d,%d" % (c[0], c[1]) if len(c) > 1 else "--lcores 0@%d,1@%d" % (c[0], c[0]))')

# shellcheck disable=SC2086
"$HF" $LCORES --no-huge -m 512 --no-pci --file-prefix "$PREFIX" \
	--vdev "net_pcap0,rx_pcap=$T/lan0-in.pcap,tx_pcap=$T/lan0-out.pcap" \
	--vdev "net_pcap1,rx_pcap=$T/empty.pcap,tx_pcap=$T/vpn0-out.pcap" \
	-- -c "$CONF" --status-interval 0 >"$T/hyperflow.log" 2>&1 &
HF_PID=$!

ready=0
for _ in $(seq 300); do
	if ! kill -0 "$HF_PID" 2>/dev/null; then
		wait "$HF_PID"
		echo "hyperflow exited with status $? before its telemetry answered; log:"
		cat "$T/hyperflow.log"
		HF_PID=
		if grep -qiE "parse device|No such device|driver.*not found" "$T/hyperflow.log"; then
			skip "net_pcap vdevs are not available in this DPDK"
		fi
		exit 1
	fi
	if "$CTL" --file-prefix "$PREFIX" show config >/dev/null 2>&1; then
		ready=1
		break
	fi
	sleep 0.1
done
if [ "$ready" -ne 1 ]; then
	echo "FAIL: telemetry of hyperflow (file-prefix $PREFIX) did not answer within 30 s; log:"
	cat "$T/hyperflow.log"
	exit 1
fi
echo "hyperflow running: pid $HF_PID, file-prefix $PREFIX"

HF_PID=$HF_PID python3 "$T/check.py" run
rc=$?

# The instance stops cleanly, and then hyperflowctl says there is none.
stop_hyperflow
st=$?
if [ "$st" -eq 0 ]; then
	echo "ok   hyperflow exits 0 on SIGTERM"
else
	echo "FAIL hyperflow exit status $st on SIGTERM"
	rc=1
fi
out=$("$CTL" --file-prefix "$PREFIX" show stats 2>&1)
st=$?
want="no hyperflow instance with file-prefix $PREFIX: $RUNDIR/$PREFIX/dpdk_telemetry.v2 not found"
if [ "$st" -eq 2 ] && [ "$out" = "hyperflowctl: $want" ]; then
	echo "ok   after the instance stopped: exit 2, '$want'"
else
	echo "FAIL after the instance stopped: exit $st, '$out'"
	rc=1
fi

if [ "$rc" -ne 0 ]; then
	echo "--- hyperflow log (tail)"
	tail -n 30 "$T/hyperflow.log"
fi
exit "$rc"
