#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for tests/e2e/test_ha.sh (Python 3 standard library only).

  ha_report.py query PREFIX COMMAND
      one telemetry command; prints the reply's data as JSON on one line.

  ha_report.py watch --prefix P --state S [--master-ip IP] [--members-up N]
                     [--kill PID[,PID...] --signal SIG] [--then CMD]
                     [--interval-ms 20] [--timeout S] [--json FILE]
      polls /hyperflow/ha (and, with --members-up, /hyperflow/cluster,vpn-out)
      over one telemetry connection every INTERVAL ms until the instance is
      in state S (and follows master IP, and has N members up), or the
      timeout passes. With --kill it first checks the instance is *not* in
      S yet, then sends SIG to the PIDs (in the order given), records that
      moment and runs CMD (a shell command, not waited for): the figure is
      the time from the kill to the first poll that shows S. Exit 0 when
      reached, 1 on timeout, 2 on error.

  ha_report.py pair --prefix P1 --prefix P2 [--max-both-ms 2000] [--hold-ms 1000]
                    [--interval-ms 20] [--timeout S] [--json FILE]
      two instances started together (tests/e2e/test_ha_pair_start.sh): polls
      /hyperflow/ha of both, each over its own telemetry connection, every
      INTERVAL ms until both have bound a probe address and started VRRP,
      then until exactly one is MASTER, then HOLD ms more. Fails when both
      bound the same address, when no single MASTER appears before the
      timeout, or when both are MASTER for longer than MAX-BOTH ms at any
      time: two routers of equal priority whose master-down timers run out
      together are both MASTER until the first advert crosses (RFC 5798:
      one advert interval, a few more on a loaded machine), while two boxes
      that each take the other's adverts for their own stay so for ever.
      Exit 0 pass, 1 fail, 2 error.

  ha_report.py arp-probe --iface IF --mac MAC --ip IP --target IP [--wait-ms 300]
      sends one ARP who-has TARGET from IF (raw socket; run it in the
      client's namespace) and prints every reply seen within WAIT ms as JSON:
      [{"ip": ..., "mac": ..., "ms": ...}].

  ha_report.py takeover --pcap FILE --kill-time T --old-ip IP --new-ip IP
                        --cluster-ip IP --cluster-mac MAC [--since T] --summary FILE
      one takeover as the LAN saw it (tcpdump of VRRP and ARP): the old
      master's last advert and its priority-0 advert, the new master's first
      advert and gratuitous ARP, all in ms from the kill, and the measured
      master-down and skew intervals; KEY=VALUE lines to FILE.

  ha_report.py traffic --sent CSV --member NAME,MAC,PCAP ... --via NAME,MAC ...
                       --kill-time T --summary FILE [--plot PNG]
      what the members received around a box crash: which box delivered each
      packet (the Ethernet source is the box's member-side port), losses
      (only between the last packet the old master delivered and the first
      the new one did), duplicates, and each destination's member before
      and after (it must not change).
"""

import argparse
import errno
import ipaddress
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time

from pcaplib import (Checks, ETH_P_ARP, ETH_P_IP, ether_type, ip4, mac_bytes, mac_str,
                     parse_sender, plot_rates, read_pcap, read_sent, write_figures,
                     write_summary)

SOCKET_NAME = "dpdk_telemetry.v2"


# --------------------------------------------------------------------------
# telemetry
# --------------------------------------------------------------------------

def runtime_dir(prefix):
    base = os.environ.get("RUNTIME_DIRECTORY")
    if not base:
        base = "/var/run" if os.getuid() == 0 else os.environ.get("XDG_RUNTIME_DIR", "/tmp")
    return os.path.join(base, "dpdk", prefix)


class Tel:
    def __init__(self, prefix, timeout=2.0):
        self.path = os.path.join(runtime_dir(prefix), SOCKET_NAME)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(timeout)
        self.sock.connect(self.path)
        hello = json.loads(self.sock.recv(1 << 16).decode())
        self.bufsize = max(1 << 16, int(hello.get("max_output_len", 0)) * 2)

    def query(self, cmd):
        self.sock.send(cmd.encode())
        data = self.sock.recv(self.bufsize)
        if not data:
            raise OSError(errno.ECONNRESET, "telemetry closed the connection")
        reply = json.loads(data.decode("utf-8", "replace"))
        if isinstance(reply, dict) and len(reply) == 1:
            return next(iter(reply.values()))
        return reply

    def close(self):
        self.sock.close()


def connect_retry(prefix, deadline):
    """A telemetry connection, retrying until deadline (the socket appears late)."""
    last = None
    while True:
        try:
            return Tel(prefix)
        except (OSError, ValueError) as e:
            last = e
        if time.time() >= deadline:
            raise OSError("no telemetry for prefix %s: %s" % (prefix, last))
        time.sleep(0.05)


def members_up(cluster):
    if not isinstance(cluster, dict):
        return 0, "no-answer"
    ms = [v for k, v in sorted(cluster.items()) if k.startswith("member") and isinstance(v, dict)]
    up = sum(1 for m in ms if m.get("state") == "up")
    return up, ",".join("%s=%s" % (m.get("name"), m.get("state")) for m in ms)


def cmd_query(a):
    t = connect_retry(a.prefix, time.time() + 3)
    try:
        print(json.dumps(t.query(a.command), sort_keys=True))
    finally:
        t.close()
    return 0


def cmd_watch(a):
    deadline = time.time() + a.timeout
    try:
        t = connect_retry(a.prefix, deadline)
    except OSError as e:
        print("watch: %s" % e)
        return 2

    def poll():
        ha = t.query("/hyperflow/ha")
        up, states = (None, "")
        if a.members_up is not None:
            up, states = members_up(t.query("/hyperflow/cluster," + a.cluster))
        return time.time(), ha, up, states

    def reached(ha, up):
        if not isinstance(ha, dict) or ha.get("state") != a.state:
            return False
        if a.master_ip and ha.get("master_ip") != a.master_ip:
            return False
        if a.members_up is not None and (up or 0) < a.members_up:
            return False
        return True

    res = {"prefix": a.prefix, "want": a.state, "interval_ms": a.interval_ms}
    t_kill = None
    before = None
    try:
        if a.kill:
            ts, ha, up, _ = poll()
            before = ha
            if reached(ha, up):
                print("watch: %s is already %s before the kill" % (a.prefix, a.state))
                return 2
            pids = [int(p) for p in a.kill.split(",") if p]
            sig = getattr(signal, "SIG" + a.signal)
            t_kill = time.time()
            for p in pids:
                try:
                    os.kill(p, sig)
                except ProcessLookupError:
                    print("watch: pid %d already gone" % p)
            if a.then:
                subprocess.Popen(a.then, shell=True, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            res["t_kill"] = t_kill
            res["before"] = before
        last_seen = None
        polls = 0
        while True:
            ts, ha, up, states = poll()
            polls += 1
            if reached(ha, up):
                res.update(ok=True, t_reached=ts, ha=ha, members_up=up, members=states,
                           polls=polls)
                if t_kill is not None:
                    res["after_kill_ms"] = round((ts - t_kill) * 1000.0, 1)
                    # the change happened after the previous poll
                    res["prev_poll_ms"] = round(((last_seen or t_kill) - t_kill) * 1000.0, 1)
                break
            last_seen = ts
            if ts >= deadline:
                res.update(ok=False, ha=ha, members_up=up, members=states, polls=polls)
                break
            time.sleep(max(0.0, a.interval_ms / 1000.0 - (time.time() - ts)))
    except (OSError, ValueError) as e:
        res.update(ok=False, error=str(e))
    finally:
        t.close()
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, sort_keys=True)
    ha = res.get("ha") or {}
    line = "%s: state %s master_ip %s" % (a.prefix, ha.get("state"), ha.get("master_ip"))
    if a.members_up is not None:
        line += " members %s" % res.get("members")
    if "after_kill_ms" in res:
        line += " (%s ms after the kill, previous poll at %s ms)" % (res["after_kill_ms"],
                                                                     res["prev_poll_ms"])
    if res.get("error"):
        line += " error: %s" % res["error"]
    print(line)
    return 0 if res.get("ok") else 1


def cmd_pair(a):
    deadline = time.time() + a.timeout
    tels = []
    try:
        for p in a.prefix:
            tels.append(connect_retry(p, deadline))
    except OSError as e:
        print("pair: %s" % e)
        for t in tels:
            t.close()
        return 2
    limit = a.max_both_ms / 1000.0
    t_first = time.time()
    started = settled = both_since = None
    longest_both = 0.0
    episodes = polls = 0
    states = addrs = None
    why = None
    retries = 0
    try:
        while True:
            ts = time.time()
            try:
                has = [t.query("/hyperflow/ha") for t in tels]
            except (OSError, ValueError) as e:
                # a box starved of CPU for the socket timeout (a loaded
                # machine, EAL still starting): connect again and go on;
                # nothing is known of the time in between
                if ts >= deadline:
                    raise
                retries += 1
                both_since = None
                for i, t in enumerate(tels):
                    t.close()
                    tels[i] = connect_retry(a.prefix[i], deadline)
                print("pair: telemetry: %s; connected again" % e, file=sys.stderr)
                continue
            polls += 1
            has = [h if isinstance(h, dict) else {} for h in has]
            states = [h.get("state") for h in has]
            addrs = [h.get("address") for h in has]
            if started is None and all(st in ("master", "backup") for st in states):
                started = ts
                if addrs[0] == addrs[1]:
                    why = "both bound the probe address %s" % addrs[0]
                    break
            if states.count("master") == 2:
                if both_since is None:
                    both_since = ts
                    episodes += 1
                longest_both = max(longest_both, ts - both_since)
                if ts - both_since > limit:
                    why = "both MASTER for %.0f ms (more than %.0f ms)" % (
                        (ts - both_since) * 1000.0, a.max_both_ms)
                    break
            else:
                both_since = None
            if started is not None and settled is None and sorted(states) == ["backup", "master"]:
                settled = ts
            if settled is not None and ts - settled >= a.hold_ms / 1000.0:
                break
            if ts >= deadline:
                why = "no single MASTER within %.0f s" % a.timeout
                break
            time.sleep(max(0.0, a.interval_ms / 1000.0 - (time.time() - ts)))
    except (OSError, ValueError) as e:
        why = "telemetry: %s" % e
    finally:
        for t in tels:
            t.close()
    res = {"prefixes": a.prefix, "states": states, "addresses": addrs, "polls": polls,
           "telemetry_retries": retries,
           "ok": why is None, "why": why, "both_master_episodes": episodes,
           "both_master_longest_ms": round(longest_both * 1000.0, 1),
           "started_ms": None if started is None else round((started - t_first) * 1000.0),
           "settled_ms": None if settled is None else round((settled - t_first) * 1000.0)}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, sort_keys=True)
    print("states %s addresses %s; VRRP running at %s ms, one MASTER at %s ms; "
          "both MASTER %d time(s), longest %.0f ms%s" % (
              ",".join(str(x) for x in states or []), ",".join(str(x) for x in addrs or []),
              res["started_ms"], res["settled_ms"], episodes, longest_both * 1000.0,
              "" if why is None else "; FAIL: " + why))
    return 0 if why is None else 1


# --------------------------------------------------------------------------
# ARP probe from a namespace
# --------------------------------------------------------------------------

def cmd_arp_probe(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
    s.bind((a.iface, 0x0806))
    smac = mac_bytes(a.mac)
    sip = socket.inet_aton(a.ip)
    tip = socket.inet_aton(a.target)
    req = (b"\xff" * 6 + smac + b"\x08\x06" +
           struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + smac + sip + b"\0" * 6 + tip)
    req += b"\0" * (60 - len(req))
    t0 = time.time()
    s.send(req)
    out = []
    end = t0 + a.wait_ms / 1000.0
    while True:
        left = end - time.time()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            f = s.recv(2048)
        except socket.timeout:
            break
        if len(f) < 42 or f[12:14] != b"\x08\x06":
            continue
        op = struct.unpack_from("!H", f, 20)[0]
        if op == 2 and f[28:32] == tip and f[38:42] == sip:
            out.append({"ip": a.target, "mac": mac_str(f[22:28]), "eth_src": mac_str(f[6:12]),
                        "ms": round((time.time() - t0) * 1000.0, 1)})
    s.close()
    print(json.dumps(out))
    return 0


# --------------------------------------------------------------------------
# the LAN capture: VRRP adverts and ARP about the cluster IP
# --------------------------------------------------------------------------

def lan_events(path, cluster_ip):
    """(ts, kind, fields) for VRRP adverts and ARP frames about cluster_ip."""
    ev = []
    for ts, f in read_pcap(path, missing_ok=True):
        et, off = ether_type(f)
        if et == ETH_P_ARP and len(f) >= off + 28:
            op = struct.unpack_from("!H", f, off + 6)[0]
            sha = mac_str(f[off + 8:off + 14])
            spa = ip4(f[off + 14:off + 18])
            tpa = ip4(f[off + 24:off + 28])
            if spa != cluster_ip and tpa != cluster_ip:
                continue
            kind = "garp" if spa == tpa == cluster_ip else ("arp-reply" if op == 2 else "arp-req")
            ev.append((ts, kind, {"op": op, "sha": sha, "spa": spa, "tpa": tpa,
                                  "eth_src": mac_str(f[6:12])}))
        elif et == ETH_P_IP and len(f) >= off + 20 and f[off + 9] == 112:
            ihl = (f[off] & 0x0F) * 4
            v = off + ihl
            if len(f) < v + 8:
                continue
            ev.append((ts, "vrrp", {"src": ip4(f[off + 12:off + 16]), "vrid": f[v + 1],
                                    "prio": f[v + 2], "ver": f[v] >> 4,
                                    "adver_cs": struct.unpack_from("!H", f, v + 4)[0] & 0xFFF,
                                    "count": f[v + 3], "eth_src": mac_str(f[6:12])}))
    ev.sort(key=lambda e: e[0])
    return ev


def cmd_takeover(a):
    """Figures of one takeover seen on the LAN, as KEY=VALUE lines."""
    ev = lan_events(a.pcap, a.cluster_ip)
    kill = a.kill_time

    def rel(ts):
        return "%.1f" % ((ts - kill) * 1000.0) if ts is not None else "none"

    adv_old = [(ts, d) for ts, k, d in ev if k == "vrrp" and d["src"] == a.old_ip]
    adv_new = [(ts, d) for ts, k, d in ev if k == "vrrp" and d["src"] == a.new_ip
               and ts >= a.since]
    garps = [ts for ts, k, d in ev if k == "garp" and d["sha"] == a.cluster_mac
             and d["eth_src"] == a.cluster_mac]
    replies = [ts for ts, k, d in ev if k == "arp-reply" and d["sha"] == a.cluster_mac]
    new_first = next((ts for ts, d in adv_new if ts >= kill and d["prio"] > 0), None)
    # the old master's last advert that still claimed the role
    old_last = max((ts for ts, d in adv_old if d["prio"] > 0 and
                    (new_first is None or ts < new_first)), default=None)
    old_zero = next((ts for ts, d in adv_old if d["prio"] == 0 and ts >= kill), None)
    new_garp = next((ts for ts in garps if ts >= kill), None)
    # how regular the new master's adverts were, until the old one speaks again
    # or the new one leaves (priority 0)
    old_back = next((ts for ts, d in adv_old if new_first is not None and ts > new_first
                     and d["prio"] > 0), None)
    new_bye = next((ts for ts, d in adv_new if new_first is not None and ts > new_first
                    and d["prio"] == 0), None)
    end = min(t for t in (old_back, new_bye, float("inf")) if t is not None)
    own = [ts for ts, d in adv_new if new_first is not None and new_first <= ts < end]
    gap_max = max((b - a for a, b in zip(own, own[1:])), default=None)
    fig = {
        "old_adverts": len(adv_old),
        "old_prio": max((d["prio"] for _, d in adv_old), default="none"),
        "old_version": max((d["ver"] for _, d in adv_old), default="none"),
        "old_adver_cs": max((d["adver_cs"] for _, d in adv_old), default="none"),
        "old_last_advert_ms": rel(old_last),
        "old_prio0_ms": rel(old_zero),
        "new_first_advert_ms": rel(new_first),
        "new_prio": next((d["prio"] for ts, d in adv_new if ts >= kill), "none"),
        "new_adverts_before_kill": sum(1 for ts, d in adv_new if ts < kill and d["prio"] > 0),
        "new_garp_ms": rel(new_garp),
        "garps_after": sum(1 for ts in garps if ts >= kill),
        "garps_before": sum(1 for ts in garps if a.since <= ts < kill),
        "replies_before": sum(1 for ts in replies if a.since <= ts < kill),
        "new_advert_gap_max_ms": "%.1f" % (gap_max * 1000.0) if gap_max is not None else "none",
        "down_measured_ms": ("%.1f" % ((new_first - old_last) * 1000.0)
                             if new_first is not None and old_last is not None else "none"),
        "skew_measured_ms": ("%.1f" % ((new_first - old_zero) * 1000.0)
                             if new_first is not None and old_zero is not None else "none"),
    }
    write_summary(a.summary, fig)
    print(" ".join("%s=%s" % kv for kv in fig.items()))
    return 0


# --------------------------------------------------------------------------
# traffic across a box crash
# --------------------------------------------------------------------------

def cmd_traffic(a):
    check = Checks()
    sent = read_sent(a.sent)
    dsts = sorted({d for d, _ in sent.values()}, key=ipaddress.IPv4Address)
    vias = {}
    for spec in a.via:
        name, mac = spec.split(",")
        vias[mac_bytes(mac)] = name
    old_box, new_box = [spec.split(",")[0] for spec in a.via]
    kill = a.kill_time

    deliveries = {}     # seq -> [(ts, member, box)]
    flooded = 0
    for spec in a.member:
        name, mac, path = spec.split(",", 2)
        mb = mac_bytes(mac)
        for ts, fr in read_pcap(path, missing_ok=True):
            p = parse_sender(fr)
            if p is None:
                continue
            dmac, smac, seq, _dst, _sent, _off = p
            if dmac != mb:
                flooded += 1
                continue
            deliveries.setdefault(seq, []).append((ts, name, vias.get(smac, mac_str(smac))))
    arrivals = sorted((v[0], v[1], v[2], s) for s, vs in deliveries.items() for v in vs)
    print("captured: %d packets addressed to a member, %d flooded copies ignored"
          % (len(arrivals), flooded))

    unknown_box = sorted({b for _, _, b, _ in arrivals if b not in (old_box, new_box)})
    check(not unknown_box, "packets delivered by an unknown source MAC: %s" % unknown_box)
    new_before = [x for x in arrivals if x[2] == new_box and x[0] < kill]
    old_after = [x for x in arrivals if x[2] == old_box and x[0] > kill + 0.05]
    check(not new_before, "%d packet(s) delivered by %s (the backup) before the kill"
          % (len(new_before), new_box))
    check(not old_after, "%d packet(s) delivered by %s more than 50 ms after it was killed"
          % (len(old_after), old_box))
    via_old = sum(1 for x in arrivals if x[2] == old_box)
    via_new = sum(1 for x in arrivals if x[2] == new_box)
    first_new = min((x[0] for x in arrivals if x[2] == new_box), default=None)
    last_old = max((x[0] for x in arrivals if x[2] == old_box), default=None)
    check(first_new is not None, "%s never delivered a packet after the kill" % new_box)

    # each destination's member, by box
    mem = {old_box: {}, new_box: {}}
    for ts, name, box, seq in arrivals:
        if box in mem:
            mem[box].setdefault(sent.get(seq, ("?",))[0], set()).add(name)
    changed = []
    for d in dsts:
        b = mem[old_box].get(d, set())
        n = mem[new_box].get(d, set())
        check(len(b) == 1, "destination %s reached %s via %s" % (d, sorted(b) or "no member",
                                                                 old_box))
        check(len(n) == 1, "destination %s reached %s via %s" % (d, sorted(n) or "no member",
                                                                 new_box))
        if b and n and b != n:
            changed.append(d)
    check(not changed, "%d destination(s) changed member across the takeover: %s"
          % (len(changed), " ".join(changed)))
    per_member = {}
    for d in dsts:
        for m in mem[old_box].get(d, ()):
            per_member[m] = per_member.get(m, 0) + 1
    check(len(per_member) >= 2, "traffic used only %s before the kill" % sorted(per_member))

    dups = [s for s, v in deliveries.items() if len(v) > 1]
    check(not dups, "%d packet(s) delivered more than once" % len(dups))
    lost = sorted(s for s in sent if s not in deliveries)
    # The switch: what the old master had not delivered when it died (queued
    # in it, or sent to it before the new master's gratuitous ARP) is lost;
    # nothing else. By sequence number: every lost packet lies after the last
    # one the old master delivered and before the first the new one did.
    last_old_seq = max((x[3] for x in arrivals if x[2] == old_box), default=-1)
    first_new_seq = min((x[3] for x in arrivals if x[2] == new_box), default=len(sent))
    lost_in = [s for s in lost if last_old_seq < s < first_new_seq]
    lost_out = [s for s in lost if not last_old_seq < s < first_new_seq]
    lost_pre = [s for s in lost_in if sent[s][1] < kill]
    for s in lost_out[:10]:
        print("  lost outside the switch: seq %d to %s sent at kill%+.1f ms (%s delivered "
              "up to seq %d, %s from seq %d)" % (s, sent[s][0], (sent[s][1] - kill) * 1000.0,
                                                old_box, last_old_seq, new_box, first_new_seq))
    check(not lost_out, "%d packet(s) lost outside the switch" % len(lost_out))
    gap_ms = (first_new - kill) * 1000.0 if first_new is not None else None
    check(gap_ms is None or gap_ms <= a.bound_ms,
          "first packet via %s only %.1f ms after the kill (bound %.0f ms)"
          % (new_box, gap_ms or 0, a.bound_ms))
    lost_seq = ""
    if lost_in:
        lost_seq = "%d..%d" % (lost_in[0], lost_in[-1])
        contiguous = lost_in[-1] - lost_in[0] + 1 == len(lost_in)
        lost_seq += " (contiguous)" if contiguous else " (with gaps)"

    print("destination      via %-6s via %-6s" % (old_box, new_box))
    for d in dsts:
        print("  %-15s %-10s %-10s%s" % (d, "/".join(sorted(mem[old_box].get(d, ()))) or "-",
                                         "/".join(sorted(mem[new_box].get(d, ()))) or "-",
                                         "  CHANGED" if d in changed else ""))
    fig = {
        "sent": len(sent),
        "delivered": len(deliveries),
        "via_old": via_old,
        "via_new": via_new,
        "lost": len(lost),
        "lost_in_window": len(lost_in),
        "lost_sent_before_kill": len(lost_pre),
        "lost_seq": lost_seq or "none",
        "duplicates": len(dups),
        "traffic_gap_ms": "%.1f" % gap_ms if gap_ms is not None else "none",
        "last_old_ms": "%.1f" % ((last_old - kill) * 1000.0) if last_old is not None else "none",
        "destinations": len(dsts),
        "changed_member": len(changed),
        "per_member": " ".join("%s=%d" % kv for kv in sorted(per_member.items())),
        "checks_failed": len(check.failures),
    }
    write_figures(a.summary, fig)
    if a.plot:
        plot_rates(a.plot, "member rates via each box around the kill of %s (at 0)" % old_box,
                   [("%s via %s" % (m, box), [x[0] for x in arrivals if x[1] == m and x[2] == box])
                    for box in (old_box, new_box) for m in sorted({x[1] for x in arrivals})],
                   kill, [(kill, "kill %s" % old_box)], bin_ms=50.0)
    return 1 if check.failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("query")
    p.add_argument("prefix")
    p.add_argument("command")
    p.set_defaults(fn=cmd_query)

    p = sub.add_parser("watch")
    p.add_argument("--prefix", required=True)
    p.add_argument("--state", required=True, choices=("init", "backup", "master"))
    p.add_argument("--master-ip")
    p.add_argument("--members-up", type=int)
    p.add_argument("--cluster", default="vpn-out")
    p.add_argument("--kill", help="PID[,PID...] to signal once polling starts")
    p.add_argument("--signal", default="TERM")
    p.add_argument("--then", help="shell command started right after the kill")
    p.add_argument("--interval-ms", type=float, default=20.0)
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--json")
    p.set_defaults(fn=cmd_watch)

    p = sub.add_parser("pair")
    p.add_argument("--prefix", action="append", required=True)
    p.add_argument("--max-both-ms", type=float, default=2000.0)
    p.add_argument("--hold-ms", type=float, default=1000.0)
    p.add_argument("--interval-ms", type=float, default=20.0)
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--json")
    p.set_defaults(fn=cmd_pair)

    p = sub.add_parser("arp-probe")
    p.add_argument("--iface", required=True)
    p.add_argument("--mac", required=True)
    p.add_argument("--ip", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--wait-ms", type=float, default=300.0)
    p.set_defaults(fn=cmd_arp_probe)

    p = sub.add_parser("takeover")
    p.add_argument("--pcap", required=True)
    p.add_argument("--kill-time", type=float, required=True)
    p.add_argument("--since", type=float, default=0.0,
                   help="count the new master's GARPs and ARP replies from here to the kill")
    p.add_argument("--old-ip", required=True)
    p.add_argument("--new-ip", required=True)
    p.add_argument("--cluster-ip", required=True)
    p.add_argument("--cluster-mac", required=True)
    p.add_argument("--summary", required=True)
    p.set_defaults(fn=cmd_takeover)

    p = sub.add_parser("traffic")
    p.add_argument("--sent", required=True)
    p.add_argument("--member", action="append", required=True, help="NAME,MAC,PCAP")
    p.add_argument("--via", action="append", required=True,
                   help="BOX,MAC of the box's member-side port: the old master first")
    p.add_argument("--kill-time", type=float, required=True)
    p.add_argument("--bound-ms", type=float, required=True)
    p.add_argument("--summary", required=True)
    p.add_argument("--plot", metavar="PNG",
                   help="also plot each member's rate via each box over time (gnuplot)")
    p.set_defaults(fn=cmd_traffic)

    a = ap.parse_args()
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
