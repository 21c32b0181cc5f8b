#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Failover analysis for tests/e2e/test_failover.sh (Python 3 stdlib only).

Reads what the sender sent (udp_sender.py CSV) and what each member
captured (tcpdump -w, pcap with micro- or nanosecond timestamps, read with
pcaplib.py), and checks what a failover must look like:

  - before the cut every destination maps to exactly one member, and every
    member carries traffic;
  - after the cut every destination of the cut member reaches another member
    within --move-bound-ms (measured from the cut time, one machine clock);
  - destinations of the other members never move;
  - after the restore, the cut member's destinations are back on it within
    --return-bound-ms and stay there;
  - no packet reaches two members (or one member twice);
  - packets are lost only inside the failover window (from the cut to the
    first packet that went to another member), and only for the cut
    member's destinations.

Also checks that the IPv4 header (TTL, checksum) and, with
--check-udp-checksum, the UDP checksum arrive as sent, and reports, from the
ARP and ICMP frames in the same captures, how regular hyperflow's health
probes were (a starved control lcore shows as probes far apart) and what
the cut member's link saw after the restore.

A frame counts as delivered to a member only when its destination MAC is
that member's MAC: a bridge floods frames for a MAC it has just forgotten,
and those copies are not deliveries.

Prints the per-destination table and the figures, writes KEY=VALUE lines to
--summary, exits 0 when every check holds, 1 otherwise.
"""

import argparse
import ipaddress
import struct
import sys

from pcaplib import (Checks, ETH_P_ARP, ETH_P_IP, ether_type, ip4, mac_bytes, mac_str,
                     parse_sender, plot_rates, read_pcap, read_sent, write_figures)


def csum16(data):
    """Internet checksum (RFC 1071) of data; 0 when data holds a valid checksum."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def l3_intact(frame, check_udp):
    """Whether the IPv4 header (and the UDP checksum) of our packet is as sent."""
    _, off = ether_type(frame)
    ihl = (frame[off] & 0x0F) * 4
    ip = frame[off:off + ihl]
    if csum16(ip) != 0 or ip[8] != 64:    # header checksum, TTL as the client sent it
        return False
    if not check_udp:
        return True
    tot = struct.unpack_from("!H", ip, 2)[0]
    udp = frame[off + ihl:off + tot]
    if len(udp) != tot - ihl or struct.unpack_from("!H", udp, 6)[0] == 0:
        return len(udp) == tot - ihl
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, len(udp))
    return csum16(pseudo + udp) == 0


def parse_control(frame):
    """A short text for an ARP or ICMP echo frame, or None."""
    if len(frame) < 14:
        return None
    etype = struct.unpack_from("!H", frame, 12)[0]
    if etype == ETH_P_ARP and len(frame) >= 42:
        op = struct.unpack_from("!H", frame, 20)[0]
        spa = ip4(frame[28:32])
        tpa = ip4(frame[38:42])
        if op == 1:
            return "arp who-has %s tell %s" % (tpa, spa)
        return "arp %s is-at %s" % (spa, mac_str(frame[22:28]))
    if etype != ETH_P_IP or len(frame) < 34 or frame[23] != 1:
        return None
    ihl = (frame[14] & 0x0F) * 4
    icmp = 14 + ihl
    if len(frame) < icmp + 8:
        return None
    typ = frame[icmp]
    ident, seq = struct.unpack_from("!HH", frame, icmp + 4)
    src = ip4(frame[26:30])
    dst = ip4(frame[30:34])
    name = {8: "echo request", 0: "echo reply"}.get(typ, "icmp type %d" % typ)
    return "%s %s > %s id %d seq %d" % (name, src, dst, ident, seq)


def ms(x):
    return "%.1f" % (x * 1000.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sent", required=True, help="CSV written by udp_sender.py")
    ap.add_argument("--member", action="append", required=True,
                    help="NAME,MAC,PCAP (in member order)")
    ap.add_argument("--cut-member", required=True, help="name of the member that is cut")
    ap.add_argument("--cut-time", type=float, required=True)
    ap.add_argument("--restore-time", type=float, required=True)
    ap.add_argument("--move-bound-ms", type=float, required=True)
    ap.add_argument("--return-bound-ms", type=float, required=True)
    ap.add_argument("--flow-period-ms", type=float, default=0,
                    help="time between two packets to one destination")
    ap.add_argument("--interval-ms", type=float, default=0,
                    help="health probe interval, to report how regular the probes were")
    ap.add_argument("--check-udp-checksum", action="store_true",
                    help="the sender's checksums are complete on the wire (no offload): "
                    "check them at the members too")
    ap.add_argument("--window-margin-ms", type=float, default=20.0,
                    help="slack around the failover window for losses (default 20)")
    ap.add_argument("--summary", required=True, help="KEY=VALUE output file")
    ap.add_argument("--plot", metavar="PNG",
                    help="also plot each member's rate over time (gnuplot, when installed)")
    a = ap.parse_args()

    check = Checks()

    # --- what was sent ---------------------------------------------------------
    sent = read_sent(a.sent)
    dsts = sorted({d for d, _ in sent.values()}, key=lambda d: ipaddress.IPv4Address(d))

    # --- what arrived ----------------------------------------------------------
    members = []
    for spec in a.member:
        name, mac, path = spec.split(",", 2)
        members.append((name, mac_bytes(mac), path))
    names = [m[0] for m in members]
    if a.cut_member not in names:
        print("FAIL: cut member %s is not one of %s" % (a.cut_member, names))
        return 1
    cut, restore = a.cut_time, a.restore_time
    control = {}               # member -> [(ts, text)] for ARP and ICMP echo frames
    deliveries = {}            # seq -> [(member, ts)]
    arrivals = []              # (ts, member, dst, seq)
    flooded = 0
    altered = 0
    for name, mac, path in members:
        for ts, frame in read_pcap(path):
            p = parse_sender(frame)
            if p is None:
                c = parse_control(frame)
                if c is not None:
                    control.setdefault(name, []).append((ts, c))
                continue
            dmac, _smac, seq, dst, _sent, _off = p
            if dmac != mac:
                flooded += 1     # a copy flooded by the bridge, not addressed to it
                continue
            if not l3_intact(frame, a.check_udp_checksum):
                altered += 1
            deliveries.setdefault(seq, []).append((name, ts))
            arrivals.append((ts, name, dst, seq))
    arrivals.sort()
    print("captured: %d packets addressed to a member, %d flooded copies ignored"
          % (len(arrivals), flooded))
    check(altered == 0, "%d packet(s) arrived with their IP header%s changed (TTL, "
          "checksum): hyperflow must rewrite only the Ethernet header"
          % (altered, " or UDP checksum" if a.check_udp_checksum else ""))

    # --- before the cut --------------------------------------------------------
    before = {}
    for ts, name, dst, _ in arrivals:
        if ts < cut:
            before.setdefault(dst, set()).add(name)
    for d in dsts:
        check(d in before, "destination %s: no packet reached any member before the cut" % d)
        check(len(before.get(d, ())) <= 1, "destination %s used several members before the "
              "cut: %s" % (d, ", ".join(sorted(before.get(d, ())))))
    owner = {d: next(iter(s)) for d, s in before.items() if len(s) == 1}
    per_member = {n: sorted((d for d, o in owner.items() if o == n),
                            key=lambda d: ipaddress.IPv4Address(d)) for n in names}
    for n in names:
        check(per_member[n], "member %s got no traffic before the cut" % n)
    cut_dsts = set(per_member[a.cut_member])

    # --- the cut: detection and moves ------------------------------------------
    first_moved = {}          # cut-member destination -> first arrival elsewhere
    during = {}               # destination -> members after it moved, until restore
    for ts, name, dst, _ in arrivals:
        if ts < cut or ts >= restore:
            continue
        if dst in cut_dsts and name != a.cut_member:
            first_moved.setdefault(dst, ts)
        if dst not in cut_dsts or dst in first_moved:
            during.setdefault(dst, set()).add(name)
    detection = min(first_moved.values()) - cut if first_moved else None
    all_moved = max(first_moved.values()) - cut if len(first_moved) == len(cut_dsts) else None
    check(detection is not None, "no destination of %s reached another member after the cut"
          % a.cut_member)
    for d in sorted(cut_dsts - set(first_moved), key=lambda d: ipaddress.IPv4Address(d)):
        check(False, "destination %s (on %s) never moved to another member during the cut"
              % (d, a.cut_member))
    if detection is not None:
        check(detection * 1000.0 <= a.move_bound_ms,
              "failover too slow: the first destination of %s reached another member %s ms "
              "after the cut (bound %.0f ms)" % (a.cut_member, ms(detection), a.move_bound_ms))
    if all_moved is not None:
        # a destination shows its move only with its next packet: one period later
        check(all_moved * 1000.0 <= a.move_bound_ms + a.flow_period_ms,
              "failover too slow: the last destination of %s moved %s ms after the cut "
              "(bound %.0f ms + %.0f ms between two packets of one destination)"
              % (a.cut_member, ms(all_moved), a.move_bound_ms, a.flow_period_ms))
    for d in cut_dsts:
        s = during.get(d, set())
        check(a.cut_member not in s, "destination %s reached %s while it was cut"
              % (d, a.cut_member))
        check(len(s) <= 1, "destination %s used several members during the cut: %s"
              % (d, ", ".join(sorted(s))))

    # --- other members' destinations never move ----------------------------------
    unmoved_bad = {}
    for ts, name, dst, _ in arrivals:
        if dst in owner and dst not in cut_dsts and name != owner[dst]:
            unmoved_bad.setdefault(dst, set()).add(name)
    for d, s in sorted(unmoved_bad.items()):
        check(False, "destination %s of %s moved to %s" % (d, owner[d], ", ".join(sorted(s))))

    # --- the restore: the member takes its destinations back ---------------------
    returned = {}
    for ts, name, dst, _ in arrivals:
        if ts >= restore and dst in cut_dsts and name == a.cut_member:
            returned.setdefault(dst, ts)
    first_back = min(returned.values()) - restore if returned else None
    all_back = max(returned.values()) - restore if len(returned) == len(cut_dsts) else None
    for d in sorted(cut_dsts - set(returned), key=lambda d: ipaddress.IPv4Address(d)):
        check(False, "destination %s never came back to %s after the restore"
              % (d, a.cut_member))
    if all_back is not None:
        check(all_back * 1000.0 <= a.return_bound_ms + a.flow_period_ms,
              "restore too slow: the last destination came back to %s %s ms after the "
              "link came up (bound %.0f ms + %.0f ms)" % (a.cut_member, ms(all_back), a.return_bound_ms,
                                                 a.flow_period_ms))
    settled = restore + a.return_bound_ms / 1000.0
    after = {}
    for ts, name, dst, _ in arrivals:
        if ts >= settled:
            after.setdefault(dst, set()).add(name)
    for d in dsts:
        s = after.get(d, set())
        check(s, "destination %s: no packet after the restore settled" % d)
        if d in owner:
            check(s <= {owner[d]}, "destination %s: on %s after the restore, expected %s"
                  % (d, ", ".join(sorted(s)), owner[d]))
    # a returned destination does not go back to its failover member
    for ts, name, dst, _ in arrivals:
        if dst in returned and ts > returned[dst] and name != a.cut_member:
            check(False, "destination %s went back to %s after returning to %s"
                  % (dst, name, a.cut_member))
            break

    # --- duplicates and loss ---------------------------------------------------------
    dups = {s: v for s, v in deliveries.items() if len(v) > 1}
    for s, v in sorted(dups.items())[:10]:
        print("  duplicate seq %d (%s): %s" % (s, sent.get(s, ("?",))[0],
                                               ", ".join(n for n, _ in v)))
    check(not dups, "%d packet(s) delivered more than once (to two members or twice)"
          % len(dups))
    unknown = [s for s in deliveries if s not in sent]
    check(not unknown, "%d packet(s) captured that the sender did not log" % len(unknown))
    lost = sorted(s for s in sent if s not in deliveries)
    margin = a.window_margin_ms / 1000.0
    win_lo = cut - margin
    win_hi = cut + (detection if detection is not None else 0.0) + margin
    lost_in = [s for s in lost if win_lo <= sent[s][1] <= win_hi]
    lost_out = [s for s in lost if not win_lo <= sent[s][1] <= win_hi]
    lost_other = [s for s in lost_in if sent[s][0] not in cut_dsts]
    for s in lost_out[:10]:
        d, t = sent[s]
        print("  lost outside the window: seq %d to %s sent at cut%+.1f ms"
              % (s, d, (t - cut) * 1000.0))
    check(not lost_out, "%d packet(s) lost outside the failover window [cut-%.0f ms, "
          "detection+%.0f ms]" % (len(lost_out), a.window_margin_ms, a.window_margin_ms))
    check(not lost_other, "%d packet(s) lost in the failover window to destinations not "
          "on %s" % (len(lost_other), a.cut_member))

    moved = set(first_moved) | set(unmoved_bad)

    # --- what the cut member's link saw after the restore (health probes) -----------
    if a.cut_member in control:
        end = restore + (all_back if all_back is not None else 1.0) + 0.02
        lines = [(ts, c) for ts, c in control[a.cut_member] if restore - 0.06 <= ts <= end]
        print("%s: ARP and ICMP on its link from the restore until its flows were back "
              "(ms after link up):" % a.cut_member)
        for ts, c in lines[:40]:
            print("  %+8.1f  %s" % ((ts - restore) * 1000.0, c))
        if len(lines) > 40:
            print("  ... %d more" % (len(lines) - 40))

    # --- how regular were hyperflow's probes? (CPU starvation shows here) ---------
    gaps = []
    for name in names:
        reqs = [ts for ts, c in control.get(name, ()) if c.startswith("echo request")]
        for t1, t2 in zip(reqs, reqs[1:]):
            if name == a.cut_member and t1 < restore and t2 > cut:
                continue    # the gap that spans the cut
            gaps.append(t2 - t1)
    gaps.sort()
    starved = False
    if gaps:
        gmax = gaps[-1]
        print("probe spacing seen at the members: median %s ms, max %s ms over %d gaps"
              % (ms(gaps[len(gaps) // 2]), ms(gmax), len(gaps)))
        if a.interval_ms and gmax * 1000.0 > 2 * a.interval_ms + 20:
            starved = True
            print("NOTE: hyperflow's probes (interval %.0f ms) were up to %s ms apart: its "
                  "control lcore or worker did not get the CPU in time (busy machine?); "
                  "timing figures from such a run are not meaningful"
                  % (a.interval_ms, ms(gmax)))

    # --- the table ---------------------------------------------------------------------
    def show(s):
        return "/".join(sorted(s)) if s else "-"

    print("destination       before   during   after")
    for d in dsts:
        print("  %-15s %-8s %-8s %-8s%s" % (d, show(before.get(d, ())), show(during.get(d, ())),
                                              show(after.get(d, ())),
                                              "  moved" if d in moved else ""))
    for n in names:
        print("%s before the cut: %d destinations" % (n, len(per_member[n])))

    fig = {
        "detection_ms": ms(detection) if detection is not None else "none",
        "all_moved_ms": ms(all_moved) if all_moved is not None else "none",
        "return_first_ms": ms(first_back) if first_back is not None else "none",
        "return_all_ms": ms(all_back) if all_back is not None else "none",
        "sent": len(sent),
        "delivered": len(deliveries),
        "lost": len(lost),
        "lost_in_window": len(lost_in),
        "duplicates": len(dups),
        "altered": altered,
        "flows_moved": len(moved),
        "flows_on_cut_member": len(cut_dsts),
        "flows_unmoved_other": len(owner) - len(cut_dsts) - len(unmoved_bad),
        "window_ms": ms(win_hi - win_lo),
        "probe_gap_max_ms": ms(gaps[-1]) if gaps else "none",
        "cpu_starved": "yes" if starved else "no",
        "checks_failed": len(check.failures),
    }
    write_figures(a.summary, fig)
    if a.plot:
        plot_rates(a.plot, "member rates around the failover of %s (cut at 0)" % a.cut_member,
                   [(n, [t for t, m, _d, _s in arrivals if m == n]) for n in names],
                   cut, [(cut, "cut"), (restore, "restore")], bin_ms=50.0)
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
