#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# `hyperflowctl exporter` scraped by a real Prometheus (issue 23, part 3):
#  - the alert rules of conf/prometheus pass `promtool check rules` and
#    their unit tests (`promtool test rules`);
#  - hyperflow runs on net_pcap vdevs (a finite capture, then idle) with
#    two clusters: vpn-out (vpn-a, vpn-b up, vpn-c drained) and fw-in
#    (its only member configured down: no live member);
#  - the exporter on a free loopback port serves / and /metrics, and what
#    it serves passes `promtool check metrics`;
#  - a Prometheus on loopback (own config, storage and port; scrape and
#    rule evaluation every second, the shipped rules loaded) reports the
#    target up, and its query API gives the configuration's figures
#    (4 members, 3 in vpn-out, 2 live there, vpn-c not admin-up), the
#    packet counters telemetry gives, and the HyperflowClusterNoLiveMember
#    alert for fw-in (pending or firing);
#  - once hyperflow stops, the exporter answers 503 with the reason and
#    Prometheus marks the target down.
# Every wait polls with a deadline.
# Usage: test_prometheus.sh BUILD_DIR    exit 0 pass, 1 fail, 77 skipped
set -uo pipefail
BUILD=${1:?usage: $0 BUILD_DIR}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CTL=$SRC/tools/hyperflowctl
RULES=$SRC/conf/prometheus/hyperflow-alerts.yml
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
for t in prometheus promtool; do
	command -v "$t" >/dev/null || { echo "SKIP: $t not installed (Debian package prometheus)"; exit 77; }
done
# the rules need no instance: they are checked wherever promtool is
echo "== alert rules: promtool check rules, promtool test rules"
promtool check rules "$RULES" || { echo "FAIL: promtool check rules $RULES"; exit 1; }
promtool test rules "${RULES%.yml}.test.yml" || { echo "FAIL: promtool test rules"; exit 1; }
instance_need "$BUILD" hf-pcapgen

work=$(mktemp -d /tmp/hf-prom.XXXXXX)
prefix=hf-prom-$$
pid=
exp_pid=
ok=0
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	local p
	# Prometheus is the checker's child; its pid file outlives the checker
	# only when the checker was killed before it could stop it
	[ -s "$work/prometheus.pid" ] && kill "$(cat "$work/prometheus.pid")" 2>/dev/null
	for p in "$exp_pid" "$pid"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "/var/run/dpdk/$prefix"
	if [ "$ok" -eq 1 ]; then rm -rf "$work"; else echo "work dir kept: $work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ctl_captures 5 100 600
{ ctl_conf_ports; cat <<'C'
clusters = (
  { name = "vpn-out"; ip = "192.0.2.1"; mac = "00:00:5e:00:01:01"; ports = [ "lan0" ];
    health = { method = "none"; };
    members = (
      { name = "vpn-a"; ip = "192.0.2.11"; mac = "02:00:00:00:01:01"; port = "vpn0"; },
      { name = "vpn-b"; ip = "192.0.2.12"; mac = "02:00:00:00:01:02"; port = "vpn0"; },
      { name = "vpn-c"; ip = "192.0.2.13"; mac = "02:00:00:00:01:03"; port = "vpn0"; state = "drain"; }
    ); },
  { name = "fw-in"; type = "firewall"; ip = "198.51.100.1"; mac = "00:00:5e:00:01:02"; ports = [ "lan0" ];
    health = { method = "none"; };
    members = (
      { name = "fw-a"; ip = "198.51.100.11"; mac = "02:00:00:00:02:01"; port = "vpn0"; state = "down"; }
    ); }
);
C
} >"$work/hf.conf"
"$HF" -l 0,1 --no-huge -m 512 --no-pci --file-prefix "$prefix" \
	--vdev "net_pcap0,rx_pcap=$work/lan.pcap" \
	--vdev "net_pcap1,rx_pcap=$work/empty.pcap,tx_pcap=$work/vpn0.pcap" \
	-- -c "$work/hf.conf" --status-interval 0 >"$work/hyperflow.log" 2>&1 &
pid=$!
wait_up || { echo "FAIL: instance did not start"; cat "$work/hyperflow.log"; exit 1; }

"$CTL" --file-prefix "$prefix" exporter --listen 127.0.0.1:0 >"$work/exporter.log" 2>&1 &
exp_pid=$!

# The checks: stdlib Python against the exporter and Prometheus' HTTP API.
export work prefix pid exp_pid RULES
python3 - <<'PY' || exit 1
import json, os, re, signal, socket, subprocess, sys, time, urllib.error, urllib.parse
import urllib.request

E = os.environ
work = E["work"]
fails = []


def check(cond, what, detail=None):
    print(("ok   " if cond else "FAIL ") + what + ("" if cond or detail is None
                                                  else "\n       %r" % (detail,)))
    if not cond:
        fails.append(what)
    return bool(cond)


def poll(fn, what, limit=60.0, step=0.2):
    """fn() until it returns a true value, at most limit seconds."""
    deadline = time.monotonic() + limit
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
        except (OSError, ValueError, KeyError, IndexError) as e:
            last = None
            err = e
        if last:
            return last
        time.sleep(step)
    check(False, what + " (within %.0f s)" % limit)
    return None


def get(url):
    """(status, content type, body); HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def done():
    print("%d check(s) failed" % len(fails) if fails else "all checks passed")
    sys.exit(1 if fails else 0)


# ---- the exporter --------------------------------------------------------------
def listening():
    m = re.search(r"serving http://(127\.0\.0\.1:[0-9]+)/metrics", open(work + "/exporter.log").read())
    return m and m.group(1)


exp = poll(listening, "the exporter says where it listens")
if not exp:
    print(open(work + "/exporter.log").read())
    done()
st, ctype, body = get("http://%s/" % exp)
check(st == 200 and 'href="/metrics"' in body and E["prefix"] in body,
      "GET / : 200, a link to /metrics, the file-prefix", (st, body[:200]))
check(get("http://%s/nothing" % exp)[0] == 404, "GET /nothing: 404")

# The capture is read once; then the counters stand still.
def settled():
    a = get("http://%s/metrics" % exp)[2]
    time.sleep(0.3)
    b = get("http://%s/metrics" % exp)[2]
    pick = lambda t: re.findall(r"^hyperflow_port_rx_packets_total\{.*$", t, re.M)
    return pick(a) == pick(b) and re.search(r'port="lan0"\} [1-9]', a) and b


body = poll(settled, "hyperflow read the capture (lan0 rx counter settled)")
if not body:
    done()
st, ctype, _ = get("http://%s/metrics" % exp)
check(st == 200 and ctype.startswith("text/plain; version=0.0.4"),
      "GET /metrics: 200, Content-Type text/plain; version=0.0.4", (st, ctype))
r = subprocess.run(["promtool", "check", "metrics"], input=body, universal_newlines=True,
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
check(r.returncode == 0 and not r.stdout.strip(),
      "promtool check metrics: no error and no lint warning", r.stdout)


def sample(text, name, **labels):
    want = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
    for line in text.split("\n"):
        m = re.fullmatch(r"([a-z_:]+)(?:\{(.*)\})? (\S+)", line)
        if m and m.group(1) == name and ",".join(sorted((m.group(2) or "").split(","))) == \
                ",".join(sorted(want.split(","))):
            return float(m.group(3))
    return None


rx_lan0 = sample(body, "hyperflow_port_rx_packets_total", port="lan0")
tx_vpn = sample(body, "hyperflow_cluster_tx_packets_total", cluster="vpn-out")
man = json.load(open(work + "/m.json"))
check(rx_lan0 == man["packets"], "exporter: lan0 rx = the capture's %d frames" % man["packets"],
      rx_lan0)

# ---- Prometheus ------------------------------------------------------------------
def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


prom = "127.0.0.1:%d" % free_port()
with open(work + "/prometheus.yml", "w") as f:
    f.write("""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [ "%s" ]
scrape_configs:
  - job_name: hyperflow
    static_configs: [ { targets: [ "%s" ] } ]
""" % (E["RULES"], exp))
log = open(work + "/prometheus.log", "w")
proc = subprocess.Popen(["prometheus", "--config.file=" + work + "/prometheus.yml",
                         "--storage.tsdb.path=" + work + "/data",
                         "--web.listen-address=" + prom, "--log.level=warn"],
                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
open(work + "/prometheus.pid", "w").write(str(proc.pid))


def api(path, **q):
    url = "http://%s/api/v1/%s" % (prom, path)
    if q:
        url += "?" + urllib.parse.urlencode(q)
    st, _, body = get(url)
    d = json.loads(body)
    if d.get("status") != "success":
        raise ValueError(d)
    return d["data"]


def query(expr):
    """[(labels, float)] of an instant query."""
    return [(r["metric"], float(r["value"][1])) for r in api("query", query=expr)["result"]]


def one(expr):
    r = query(expr)
    return r[0][1] if len(r) == 1 else None


def target_health(want):
    ts = api("targets")["activeTargets"]
    return len(ts) == 1 and ts[0]["health"] == want and ts[0]


try:
    t = poll(lambda: target_health("up"), "Prometheus: the exporter target is up", limit=90)
    if t:
        check(t["labels"].get("job") == "hyperflow" and t["scrapeUrl"] == "http://%s/metrics" % exp,
              "Prometheus: target job hyperflow, scrape URL the exporter's /metrics", t)
    # the first scrape may land between target up and the query: poll for the series
    v = poll(lambda: one("hyperflow_config_members") is not None and one("hyperflow_config_members"),
             "Prometheus: hyperflow_config_members is queryable", limit=30)
    nconf = len(re.findall(r'\{ name = "[^"]+"; ip = "[^"]+"; mac = "[^"]+"; port = ',
                           open(work + "/hf.conf").read()))
    check(v == nconf == 4, "Prometheus: hyperflow_config_members = %d, the configuration's "
          "member count" % nconf, v)
    check(one('count(hyperflow_member_up{cluster="vpn-out"})') == 3,
          "Prometheus: 3 members of vpn-out")
    check(one('hyperflow_cluster_members_live{cluster="vpn-out"}') == 2 and
          one('sum(hyperflow_member_up{cluster="vpn-out"})') == 2,
          "Prometheus: vpn-out has 2 live members, 2 member_up series at 1")
    check(one('hyperflow_member_admin_up{cluster="vpn-out",member="vpn-c"}') == 0 and
          one('hyperflow_member_admin_up{cluster="vpn-out",member="vpn-a"}') == 1,
          "Prometheus: vpn-c drained (admin_up 0), vpn-a admin_up 1")
    check(one('hyperflow_port_rx_packets_total{port="lan0"}') == rx_lan0 and
          one('hyperflow_cluster_tx_packets_total{cluster="vpn-out"}') == tx_vpn and tx_vpn > 0,
          "Prometheus: lan0 rx %d and vpn-out tx %d, as the exporter serves them"
          % (rx_lan0, tx_vpn or 0))
    check(one('sum(hyperflow_member_tx_packets_total{cluster="vpn-out"})') == tx_vpn,
          "Prometheus: vpn-out member tx sum to the cluster's tx")
    check(one('count(hyperflow_build_info{version=~".+"})') == 1, "Prometheus: build info")
    g = api("rules")["groups"]
    n = sum(len(x["rules"]) for x in g if x["name"] == "hyperflow")
    check(n == len(re.findall(r"^\s*- alert:", open(E["RULES"]).read(), re.M)) and n > 0,
          "Prometheus: the shipped rule group is loaded (%d rules)" % n)

    def nolive():
        al = [a for a in api("alerts")["alerts"] if a["labels"]["alertname"] ==
              "HyperflowClusterNoLiveMember"]
        return al
    al = poll(nolive, "Prometheus: HyperflowClusterNoLiveMember is raised", limit=30)
    check(al and [a["labels"].get("cluster") for a in al] == ["fw-in"] and
          al[0]["state"] in ("pending", "firing"),
          "Prometheus: HyperflowClusterNoLiveMember for fw-in only", al)
    check(not [a for a in api("alerts")["alerts"] if a["labels"]["alertname"] in
               ("HyperflowMemberDown", "HyperflowDown", "HyperflowReloadRejected")],
          "Prometheus: no member-down alert for the drained and configured-down members")

    # ---- hyperflow stops ------------------------------------------------------------
    os.kill(int(E["pid"]), signal.SIGTERM)
    def gone():
        st, _, body = get("http://%s/metrics" % exp)
        return st == 503 and (st, body)
    r = poll(gone, "the exporter answers 503 once hyperflow stopped", limit=30)
    if r:
        check("hyperflow is not answering" in r[1] and E["prefix"] in r[1],
              "503 body says why (no instance with file-prefix %s)" % E["prefix"], r[1])
    t = poll(lambda: target_health("down"), "Prometheus: target down after hyperflow stopped",
             limit=30)
    check(t and "503" in t.get("lastError", ""), "Prometheus: the target's error is the 503",
          t and t.get("lastError"))
    check(one('up{job="hyperflow"}') == 0, 'Prometheus: up{job="hyperflow"} = 0')
finally:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    os.unlink(work + "/prometheus.pid")
    log.close()
    if fails:
        print("--- prometheus log (tail)")
        print("".join(open(work + "/prometheus.log").readlines()[-20:]))
done()
PY
ok=1
