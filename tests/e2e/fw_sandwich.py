#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for tests/e2e/test_firewall_sandwich.sh (Python 3 standard library
only).

  fw_sandwich.py serve --port P [--port P...] --ready FILE
      TCP echo server on every address of its namespace, one listening socket
      per port; runs until SIGTERM.

  fw_sandwich.py talk --src IP,... --dst IP,... --port P,... --count N
                      [--first-id K] [--period-ms 150] [--jitter-ms 50]
                      [--open-ms 500] [--connect-timeout-ms 3000]
                      [--reply-timeout-ms 1000] [--max-s 40]
                      --ready FILE --status FILE --out JSON
      N conversations, each a long-lived TCP connection from one client
      address to one server address and port: conversation i uses address
      pair i (client i mod |src|, server (i div |src|) mod |dst|), so that
      N >= |src| x |dst| covers every pair (a src-dst hash spreads pairs, not
      connections). The connections are opened over OPEN ms; each then sends a
      64-byte request, waits for its echo, and sends the next one PERIOD +-
      JITTER ms later. A conversation breaks when its handshake takes longer
      than the connect timeout, when an echo takes longer than the reply
      timeout, differs from the request, or the connection is closed or
      reset; a broken one is closed with a reset and not reopened.
      READY is written (JSON) once every conversation has done its first
      exchange or broken; STATUS (JSON: counts) is rewritten every 100 ms.
      On SIGTERM (or after MAX s) it stops: no new request, the outstanding
      echoes are awaited (within the reply timeout), every socket is closed,
      and OUT gets one record per conversation: id, addresses and ports,
      state (ok | broken), reason, exchanges, times (epoch s) of the
      handshake, the last good exchange and the break.

  fw_sandwich.py watch --prefix P --cluster NAME... --device-member NAME...
                       --want out|in [--cut CMD] [--interval-ms 10]
                       [--timeout S] --json FILE
      polls /hyperflow/cluster,NAME of every cluster over one telemetry
      connection. A leg is live when its state is "up" and it holds buckets.
      --want out: until every member named by --device-member (the legs of
      one device, one per cluster) is not live while every other member is;
      --want in: until every member is live. With --cut the command (the
      cut or the restore) is run first (the wanted state must not hold
      before it) and the figure is the time from it.
      A split view, the first-queried cluster already past the change and a
      later-queried one not (the clusters are read in order, from snapshots
      no older than the one before, so a change published at once can only
      be seen in the other order), is counted. Exit 0 when reached, 1 on
      timeout, 2 on error.

  fw_sandwich.py snapshot --fw NAME,NS,FILE [--fw ...]
      each firewall's state, read in its namespace, to its FILE as JSON:
      conntrack entries (/proc/net/nf_conntrack), the forward chain's drop
      counter, and the conversations whose packets it dropped (the nft set
      "dropped").

  fw_sandwich.py on-fw --ready FILE --snap FILE
      how many conversations of a batch (its ready file) a firewall's
      snapshot holds.

  fw_sandwich.py check --phase NAME --talk JSON --ready JSON --snap FILE...
                       [--dead FW [--cut-at T --alive-after T --final-snap FILE...]]
                       --summary FILE
      the assertions on one batch of conversations (see cmd_check), with the
      figures printed. Exit 0 pass, 1 fail.
"""

import argparse
import heapq
import json
import os
import re
import selectors
import signal
import socket
import struct
import subprocess
import sys
import time

from ha_report import connect_retry
from pcaplib import Checks, write_figures

MSG_LEN = 64


def write_json(path, obj):
    """Replace path with obj as JSON (a reader never sees half a file)."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, sort_keys=True)
    os.replace(tmp, path)


def read_json(path):
    with open(path) as f:
        return json.load(f)


# --------------------------------------------------------------------------
# serve: the echo server
# --------------------------------------------------------------------------

def cmd_serve(a):
    sel = selectors.DefaultSelector()
    for port in a.port:
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("0.0.0.0", port))
        ls.listen(4096)
        ls.setblocking(False)
        sel.register(ls, selectors.EVENT_READ, None)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    write_json(a.ready, {"ports": a.port, "t": time.time()})
    pending = {}     # socket -> bytes not yet sent back
    while not stop:
        for key, ev in sel.select(0.2):
            s = key.fileobj
            if key.data is None:
                try:
                    c, _ = s.accept()
                except OSError:
                    continue
                c.setblocking(False)
                pending[c] = b""
                sel.register(c, selectors.EVENT_READ, "conn")
                continue
            if ev & selectors.EVENT_READ:
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(s)
                    pending.pop(s, None)
                    s.close()
                    continue
                pending[s] += data
            try:
                n = s.send(pending[s]) if pending[s] else 0
            except BlockingIOError:
                n = 0
            except OSError:
                sel.unregister(s)
                pending.pop(s, None)
                s.close()
                continue
            pending[s] = pending[s][n:]
            sel.modify(s, selectors.EVENT_READ | (selectors.EVENT_WRITE if pending[s] else 0),
                       "conn")
    return 0


# --------------------------------------------------------------------------
# talk: the conversations
# --------------------------------------------------------------------------

class Conv:
    __slots__ = ("id", "src", "dst", "dport", "sport", "sock", "state", "token", "seq",
                 "rbuf", "expect", "exchanges", "t_open", "t_est", "t_last_ok", "t_break",
                 "reason", "rtt_max")

    def __init__(self, cid, src, dst, dport):
        self.id, self.src, self.dst, self.dport = cid, src, dst, dport
        self.sport = None
        self.sock = None
        self.state = "new"          # new connecting idle waiting ok broken
        self.token = 0
        self.seq = 0
        self.rbuf = b""
        self.expect = b""
        self.exchanges = 0
        self.t_open = self.t_est = self.t_last_ok = self.t_break = None
        self.reason = ""
        self.rtt_max = 0.0

    def record(self):
        return {"id": self.id, "src": self.src, "sport": self.sport, "dst": self.dst,
                "dport": self.dport, "state": self.state, "reason": self.reason,
                "exchanges": self.exchanges, "t_open": self.t_open, "t_est": self.t_est,
                "t_last_ok": self.t_last_ok, "t_break": self.t_break,
                "rtt_max_ms": round(self.rtt_max * 1000.0, 1)}


def cmd_talk(a):
    srcs = a.src.split(",")
    dsts = a.dst.split(",")
    ports = [int(p) for p in a.port.split(",")]
    convs = []
    for i in range(a.count):
        cid = a.first_id + i
        convs.append(Conv(cid, srcs[i % len(srcs)], dsts[(i // len(srcs)) % len(dsts)],
                          ports[i % len(ports)]))
    sel = selectors.DefaultSelector()
    timers = []                     # (when, conversation index, token)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    period = a.period_ms / 1000.0
    jitter = a.jitter_ms / 1000.0
    t_start = time.time()
    for i, c in enumerate(convs):
        heapq.heappush(timers, (t_start + a.open_ms / 1000.0 * i / max(1, a.count), i, 0))

    def arm(i, when):
        c = convs[i]
        c.token += 1
        heapq.heappush(timers, (when, i, c.token))

    def brk(i, reason, now):
        c = convs[i]
        c.state = "broken"
        c.reason = reason
        c.t_break = now
        c.token += 1
        if c.sock is not None:
            try:
                sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            try:    # a reset, not a FIN that would be retransmitted
                c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            c.sock.close()
            c.sock = None

    def send_request(i, now):
        c = convs[i]
        c.seq += 1
        head = b"%d %d %s " % (c.id, c.seq, c.src.encode())
        c.expect = head + b"x" * (MSG_LEN - 1 - len(head)) + b"\n"
        try:
            c.sock.send(c.expect)
        except OSError as e:
            brk(i, "send: %s" % (e.strerror or e), now)
            return
        c.state = "waiting"
        c.rbuf = b""
        arm(i, now + a.reply_timeout_ms / 1000.0)

    # the time each request left, by conversation
    sent_at = [0.0] * len(convs)

    def start(i, now):
        c = convs[i]
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((c.src, 0))
            s.connect_ex((c.dst, c.dport))
        except OSError as e:
            s.close()
            c.t_open = now
            brk(i, "connect: %s" % (e.strerror or e), now)
            return
        c.sock = s
        c.sport = s.getsockname()[1]
        c.t_open = now
        c.state = "connecting"
        sel.register(s, selectors.EVENT_WRITE, i)
        arm(i, now + a.connect_timeout_ms / 1000.0)

    ready_written = False
    last_status = 0.0
    t_stop = None
    while True:
        now = time.time()
        if stop or now - t_start > a.max_s:
            if t_stop is None:
                t_stop = now
                for i, c in enumerate(convs):
                    if c.state == "idle":
                        c.state = "ok"
                        c.token += 1
                    elif c.state == "new":
                        c.state = "broken"
                        c.reason = "never opened"
            if all(c.state in ("ok", "broken") for c in convs):
                break
        # timers
        while timers and timers[0][0] <= now:
            _, i, tok = heapq.heappop(timers)
            c = convs[i]
            if tok != c.token:
                continue
            if c.state == "new":
                if t_stop is None:
                    start(i, now)
            elif c.state == "connecting":
                brk(i, "handshake not done in %d ms" % a.connect_timeout_ms, now)
            elif c.state == "waiting":
                brk(i, "no echo of request %d in %d ms" % (c.seq, a.reply_timeout_ms), now)
            elif c.state == "idle":
                if t_stop is None:
                    sent_at[i] = now
                    send_request(i, now)
        # sockets
        wait = 0.05
        if timers:
            wait = max(0.0, min(wait, timers[0][0] - time.time()))
        for key, ev in sel.select(wait):
            i = key.data
            c = convs[i]
            now = time.time()
            if c.state == "connecting":
                err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    brk(i, "connect: %s" % os.strerror(err), now)
                    continue
                c.t_est = now
                sel.modify(c.sock, selectors.EVENT_READ, i)
                sent_at[i] = now
                send_request(i, now)
                continue
            try:
                data = c.sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError as e:
                brk(i, "recv: %s" % (e.strerror or e), now)
                continue
            if not data:
                brk(i, "closed by the server", now)
                continue
            if c.state != "waiting":
                brk(i, "unexpected data", now)
                continue
            c.rbuf += data
            if len(c.rbuf) < MSG_LEN:
                continue
            if c.rbuf != c.expect:
                brk(i, "echo differs from request %d" % c.seq, now)
                continue
            c.exchanges += 1
            c.t_last_ok = now
            c.rtt_max = max(c.rtt_max, now - sent_at[i])
            if t_stop is not None:
                c.state = "ok"
                c.token += 1
                continue
            c.state = "idle"
            arm(i, now + max(0.001, period + jitter * (2.0 * ((c.id * 7919 + c.seq * 104729)
                                                               % 1000) / 1000.0 - 1.0)))
        now = time.time()
        if not ready_written and all(c.exchanges > 0 or c.state == "broken" for c in convs):
            ready_written = True
            write_json(a.ready, counts(convs, now, t_start))
        if now - last_status >= 0.1:
            last_status = now
            write_json(a.status, counts(convs, now, t_start))
    for c in convs:
        if c.sock is not None:
            sel.unregister(c.sock)
            c.sock.close()
    if not ready_written:
        write_json(a.ready, counts(convs, time.time(), t_start))
    write_json(a.out, {"t_start": t_start, "t_stop": t_stop,
                       "conversations": [c.record() for c in convs]})
    write_json(a.status, counts(convs, time.time(), t_start))
    return 0


def counts(convs, now, t_start):
    """The progress of the batch: the ready and status files."""
    going = [c.t_last_ok or 0.0 for c in convs if c.state in ("idle", "waiting")]
    return {"t": now, "t_start": t_start, "count": len(convs),
            "established": sum(1 for c in convs if c.t_est is not None),
            "exchanged": sum(1 for c in convs if c.exchanges > 0),
            "broken": sum(1 for c in convs if c.state == "broken"),
            "exchanges": sum(c.exchanges for c in convs),
            "oldest_last_ok": min(going) if going else None,
            "tuples": [[c.src, c.sport, c.dst, c.dport] for c in convs]}


# --------------------------------------------------------------------------
# watch: the clusters' view of one device
# --------------------------------------------------------------------------

def legs_of(cluster):
    """{member name: (live, state, health, buckets)} of one /hyperflow/cluster reply."""
    out = {}
    if not isinstance(cluster, dict):
        return out
    for k, m in cluster.items():
        if k.startswith("member") and isinstance(m, dict):
            live = m.get("state") == "up" and (m.get("buckets") or 0) > 0
            out[m.get("name")] = (live, m.get("state"), m.get("health"), m.get("buckets"))
    return out


def cmd_watch(a):
    deadline = time.time() + a.timeout
    try:
        t = connect_retry(a.prefix, deadline)
    except OSError as e:
        print("watch: %s" % e)
        return 2
    dev = set(a.device_member)

    def poll():
        views = []
        for name in a.cluster:
            views.append(legs_of(t.query("/hyperflow/cluster," + name)))
        return time.time(), views

    def past_change(view):
        """This cluster already shows the wanted state of the device's leg(s)."""
        legs = [v for n, v in view.items() if n in dev]
        if a.want == "out":
            return bool(legs) and not any(v[0] for v in legs)
        return bool(legs) and all(v[0] for v in legs)

    def reached(views):
        for view in views:
            if not view:
                return False
            for name, v in view.items():
                if name in dev and a.want == "out":
                    if v[0]:
                        return False
                elif not v[0]:
                    return False
        return True

    res = {"prefix": a.prefix, "want": a.want, "interval_ms": a.interval_ms, "split_views": 0}
    try:
        if a.cut:
            ts, views = poll()
            if reached(views):
                print("watch: the device is already %s before the command" % a.want)
                return 2
        t_cmd = time.time()
        if a.cut:
            subprocess.run(a.cut, shell=True, check=True)
        res["t_cmd"] = t_cmd
        polls = 0
        first = None
        while True:
            ts, views = poll()
            polls += 1
            seen = [past_change(v) for v in views]
            if first is None and any(seen):
                first = ts
            # in query order: once one cluster shows the change, every later
            # one must (it read the same snapshot or a newer one)
            for k in range(1, len(seen)):
                if seen[k - 1] and not seen[k]:
                    res["split_views"] += 1
                    res["split_example"] = {n: views[j] for j, n in enumerate(a.cluster)}
            if reached(views):
                res.update(ok=True, t_reached=ts, polls=polls,
                           ms=round((ts - t_cmd) * 1000.0, 1),
                           first_ms=round(((first or ts) - t_cmd) * 1000.0, 1))
                break
            if ts >= deadline:
                res.update(ok=False, polls=polls)
                break
            time.sleep(max(0.0, a.interval_ms / 1000.0 - (time.time() - ts)))
        res["legs"] = {n: views[j] for j, n in enumerate(a.cluster)}
    except (OSError, ValueError, subprocess.CalledProcessError) as e:
        res.update(ok=False, error=str(e))
    finally:
        t.close()
    write_json(a.json, res)
    line = "device legs %s %s" % (",".join(a.device_member), a.want)
    if res.get("ok"):
        line += ": %s ms after the command (first cluster at %s ms, %d polls)" % (
            res["ms"], res["first_ms"], res["polls"])
    else:
        line += ": NOT reached; last view %s" % json.dumps(res.get("legs"), sort_keys=True)
    if res.get("error"):
        line += " error: %s" % res["error"]
    print(line)
    return 0 if res.get("ok") else 1


# --------------------------------------------------------------------------
# snapshot: one firewall's conntrack and drops
# --------------------------------------------------------------------------

CT_RE = re.compile(r"src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)")
SET_RE = re.compile(r"(\d+\.\d+\.\d+\.\d+) \. (\d+\.\d+\.\d+\.\d+) \. (\d+) \. (\d+)")
DROP_RE = re.compile(r"counter packets (\d+) bytes \d+ drop")


def ns_run(ns, *cmd):
    return subprocess.run(["ip", "netns", "exec", ns] + list(cmd), check=True,
                          stdout=subprocess.PIPE, universal_newlines=True).stdout


def cmd_snapshot(a):
    for spec in a.fw:
        fw, ns, out = spec.split(",")
        ct = []
        for line in ns_run(ns, "cat", "/proc/net/nf_conntrack").splitlines():
            f = line.split()
            if len(f) < 6 or f[2] != "tcp":
                continue
            m = CT_RE.search(line)
            if m:
                ct.append({"src": m.group(1), "dst": m.group(2), "sport": int(m.group(3)),
                           "dport": int(m.group(4)), "state": f[5],
                           "assured": "[ASSURED]" in line})
        chain = ns_run(ns, "nft", "list", "chain", "inet", "fw", "forward")
        m = DROP_RE.search(chain)
        if m is None:
            print("snapshot %s: no drop counter in the forward chain:\n%s" % (fw, chain))
            return 2
        dropped = [[g[0], g[1], int(g[2]), int(g[3])] for g in
                   SET_RE.findall(ns_run(ns, "nft", "list", "set", "inet", "fw", "dropped"))]
        write_json(out, {"fw": fw, "t": time.time(), "conntrack": ct,
                         "drops": int(m.group(1)), "dropped": dropped})
    return 0


# --------------------------------------------------------------------------
# check: one batch of conversations against the firewalls' state
# --------------------------------------------------------------------------

def cmd_on_fw(a):
    tuples = {tuple(t) for t in read_json(a.ready)["tuples"]}
    print(sum(1 for e in read_json(a.snap)["conntrack"] if key_of(e) in tuples))
    return 0


def key_of(c):
    return (c["src"], c["sport"], c["dst"], c["dport"])


def where(convs, snaps):
    """{conversation key: [firewalls whose conntrack holds it]}, and the states seen."""
    on = {key_of(c): [] for c in convs}
    states = {}
    for s in snaps:
        for e in s["conntrack"]:
            k = key_of(e)
            if k in on:
                on[k].append(s["fw"])
                st = e["state"] + ("" if e["assured"] else "/unassured")
                states[st] = states.get(st, 0) + 1
    return on, states


def cmd_check(a):
    check = Checks()
    talk = read_json(a.talk)
    ready = read_json(a.ready)
    snaps = [read_json(p) for p in a.snap]
    fws = [s["fw"] for s in snaps]
    convs = talk["conversations"]
    n = len(convs)
    fig = {"phase": a.phase, "conversations": n}
    name = a.phase

    # the handshakes and first exchanges, when the snapshot was taken
    check(ready["exchanged"] == n and ready["broken"] == 0,
          "%s: %d of %d conversations completed their handshake and first exchange, %d "
          "broken, before the firewalls were read" % (name, ready["exchanged"], n,
                                                     ready["broken"]))
    fig["ready_ms"] = round((ready["t"] - ready["t_start"]) * 1000.0)

    # each conversation on exactly one firewall, established both ways
    on, states = where(convs, snaps)
    fig["conntrack_states"] = ",".join("%s:%d" % kv for kv in sorted(states.items()))
    multi = [k for k, v in on.items() if len(v) > 1]
    none = [k for k, v in on.items() if not v]
    check(not multi, "%s: %d conversations in the conntrack of more than one firewall, "
          "e.g. %s on %s" % (name, len(multi), multi[:1], [on[k] for k in multi[:1]]))
    check(not none, "%s: %d conversations in no firewall's conntrack, e.g. %s"
          % (name, len(none), none[:3]))
    check(states.get("ESTABLISHED", 0) == n,
          "%s: conntrack states of the conversations %s, expected %d ESTABLISHED and ASSURED "
          "(a reply seen by the firewall that saw the request)" % (name, states, n))
    per_fw = {f: sum(1 for v in on.values() if v == [f]) for f in fws}
    fig["per_firewall"] = " ".join("%s:%d" % (f, per_fw[f]) for f in fws)
    print("%s: conversations per firewall: %s" % (name, fig["per_firewall"]))

    # read before the cut (every firewall up): nothing dropped, all of them used;
    # read after it: the batch opened after the cut, on the live ones only
    pre_cut = a.dead is None or a.final_snap is not None
    live = fws if pre_cut else [f for f in fws if f != a.dead]
    if pre_cut:
        drops = {s["fw"]: s["drops"] for s in snaps}
        fig["drops"] = " ".join("%s:%d" % (f, drops[f]) for f in fws)
        check(all(v == 0 for v in drops.values()),
              "%s: firewalls dropped packets (a reply at the wrong firewall): %s"
              % (name, fig["drops"]))
    empty = [f for f in live if per_fw[f] == 0]
    check(not empty, "%s: no conversation on %s (traffic not spread over every live "
          "firewall)" % (name, ",".join(empty)))
    if not pre_cut:
        check(per_fw.get(a.dead, 0) == 0, "%s: %d conversations opened after the cut went "
              "to the dead firewall %s" % (name, per_fw.get(a.dead, 0), a.dead))

    # the end of the batch
    broken = [c for c in convs if c["state"] != "ok"]
    fig["completed"] = n - len(broken)
    fig["broken"] = len(broken)
    fig["exchanges"] = sum(c["exchanges"] for c in convs)
    fig["rtt_max_ms"] = max([c["rtt_max_ms"] for c in convs] or [0])
    if a.final_snap is None:
        check(not broken, "%s: %d of %d conversations broke, e.g. %s" % (
            name, len(broken), n, [(c["id"], c["reason"]) for c in broken[:3]]))
    else:
        # cut during the batch: only the dead firewall's conversations may break
        dead = {key_of(c) for c in convs if on[key_of(c)] == [a.dead]}
        others = [c for c in convs if key_of(c) not in dead]
        bad = [c for c in others if c["state"] != "ok"]
        check(not bad, "%s: %d conversations on the live firewalls broke, e.g. %s" % (
            name, len(bad), [(c["id"], on[key_of(c)], c["reason"]) for c in bad[:3]]))
        # and they went on working through the failover, up to the stop
        late = [c for c in others if c["state"] == "ok" and
                (c["t_last_ok"] or 0) < a.alive_after]
        check(not late, "%s: %d conversations on the live firewalls had no exchange after "
              "the dead firewall's had broken, e.g. %s" % (name, len(late),
                                                          [c["id"] for c in late[:3]]))
        fig["on_dead"] = len(dead)
        fig["broken_on_dead"] = sum(1 for c in convs if key_of(c) in dead and
                                    c["state"] != "ok")
        fig["others_ok"] = len(others) - len(bad)
        breaks = sorted(c["t_break"] - a.cut_at for c in broken
                        if key_of(c) in dead and c["t_break"])
        if breaks:
            fig["break_ms_after_cut"] = "%d..%d" % (breaks[0] * 1000, breaks[-1] * 1000)
        # what the live firewalls dropped after the cut: only dead conversations'
        finals = [read_json(p) for p in a.final_snap]
        stray = []
        fdrops = {}
        for s in finals:
            fdrops[s["fw"]] = s["drops"]
            for sa, da, sp, dp in s["dropped"]:
                k = (sa, sp, da, dp)
                rk = (da, dp, sa, sp)
                if k in on or rk in on:
                    if k not in dead and rk not in dead:
                        stray.append((s["fw"], k))
        fig["drops_after_cut"] = " ".join("%s:%d" % (f, fdrops.get(f, 0)) for f in fws)
        check(not stray, "%s: firewalls dropped packets of %d conversations that were not on "
              "the dead firewall, e.g. %s" % (name, len(stray), stray[:3]))
    write_figures(a.summary, fig)
    return 1 if check.failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd")
    sub.required = True

    p = sub.add_parser("serve")
    p.add_argument("--port", type=int, action="append", required=True)
    p.add_argument("--ready", required=True)
    p.set_defaults(fn=cmd_serve)

    p = sub.add_parser("talk")
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--port", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--first-id", type=int, default=0)
    p.add_argument("--period-ms", type=float, default=150.0)
    p.add_argument("--jitter-ms", type=float, default=50.0)
    p.add_argument("--open-ms", type=float, default=500.0)
    p.add_argument("--connect-timeout-ms", type=int, default=3000)
    p.add_argument("--reply-timeout-ms", type=int, default=1000)
    p.add_argument("--max-s", type=float, default=40.0)
    p.add_argument("--ready", required=True)
    p.add_argument("--status", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(fn=cmd_talk)

    p = sub.add_parser("watch")
    p.add_argument("--prefix", required=True)
    p.add_argument("--cluster", action="append", required=True)
    p.add_argument("--device-member", action="append", default=[])
    p.add_argument("--want", choices=("out", "in"), required=True)
    p.add_argument("--cut")
    p.add_argument("--interval-ms", type=float, default=10.0)
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--json", required=True)
    p.set_defaults(fn=cmd_watch)

    p = sub.add_parser("snapshot")
    p.add_argument("--fw", action="append", required=True, help="NAME,NAMESPACE,FILE")
    p.set_defaults(fn=cmd_snapshot)

    p = sub.add_parser("on-fw")
    p.add_argument("--ready", required=True)
    p.add_argument("--snap", required=True)
    p.set_defaults(fn=cmd_on_fw)

    p = sub.add_parser("check")
    p.add_argument("--phase", required=True)
    p.add_argument("--talk", required=True)
    p.add_argument("--ready", required=True)
    p.add_argument("--snap", action="append", required=True)
    p.add_argument("--dead")
    p.add_argument("--cut-at", type=float)
    p.add_argument("--alive-after", type=float)
    p.add_argument("--final-snap", action="append")
    p.add_argument("--summary", required=True)
    p.set_defaults(fn=cmd_check)

    a = ap.parse_args()
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
