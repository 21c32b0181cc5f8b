#!/usr/bin/env python3
"""Write the captures of the health-under-flood test (stdlib only).

lan.pcap: ICMP echo requests (a ping flood) and TCP SYNs (a SYN flood) to
the probe address 192.0.2.250, with ordinary cluster traffic mixed in
(1 frame in 16).
vpn.pcap: the echo replies the members would send to our health probes:
for each member, a reply for every sequence number 0..SEQS-1, with the
echo id that carries the member (id = 0x4846 ^ member uid, src/cp/icmp.c).
Members vpn-a and vpn-b (uids 0, 1) are probed with method icmp and answer
from their own address; members tun-a and tun-b (uids 2, 3) with method
tunnel: the reply comes from the far-end target 203.0.113.1 through the
member (Ethernet source = the member's MAC).

Replayed forever by net_pcap infinite_rx, the member port offers the reply
to each outstanding probe about once a replay loop (well under a
millisecond), and the replies to every other sequence number besides: a
replayed capture cannot answer exactly once, so it also floods the probe
address with replies that answer nothing. Sequence numbers start at 0 and
advance one per interval_ms (100 ms), so SEQS = 600 covers a minute of run.
"""
import struct
import sys

from mkflood import arp, csum, ipv4, mac, pad, udp, write  # noqa: F401

SEQS = 600
ID_MAGIC = 0x4846
TARGET = "203.0.113.1"
# name, uid, member IP, member MAC, the address its replies come from
MEMBERS = [
    ("vpn-a", 0, "192.0.2.11", "02:00:00:00:01:01", "192.0.2.11"),
    ("vpn-b", 1, "192.0.2.12", "02:00:00:00:01:02", "192.0.2.12"),
    ("tun-a", 2, "192.0.2.21", "02:00:00:00:02:01", TARGET),
    ("tun-b", 3, "192.0.2.22", "02:00:00:00:02:02", TARGET),
]

def icmp(dmac, smac, src, dst, typ, ident, seq, payload):
    body = struct.pack("!BBHHH", typ, 0, 0, ident, seq) + payload
    body = body[:2] + csum(body) + body[4:]
    return pad(mac(dmac) + mac(smac) + b"\x08\x00" + ipv4(src, dst, 1, body))

def tcp_syn(dmac, smac, src, dst, sport, dport):
    t = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, 0x02, 65535, 0, 0)
    return pad(mac(dmac) + mac(smac) + b"\x08\x00" + ipv4(src, dst, 6, t))

def main(out):
    cluster_mac, lan_mac, vpn_mac = "00:00:5e:00:01:01", "02:00:00:00:00:01", "02:00:00:00:00:02"
    lan = []
    for i in range(4000):
        c = "02:00:00:01:%02x:%02x" % (i // 256 % 256, i % 256)
        csrc = "198.51.100.%d" % (10 + i % 200)
        if i % 16 == 0:
            lan.append(udp(cluster_mac, c, csrc, "203.0.113.%d" % (10 + i % 200), 4500, 4500))
        elif i % 2:
            lan.append(icmp(lan_mac, c, csrc, "192.0.2.250", 8, 0x1234, i, b"flood"))
        else:
            lan.append(tcp_syn(lan_mac, c, csrc, "192.0.2.250", 1024 + i, 80 + i % 3))
    write(out + "/lan.pcap", lan)
    vpn = []
    for seq in range(SEQS):
        for _, uid, _, mmac, src in MEMBERS:
            vpn.append(icmp(vpn_mac, mmac, src, "192.0.2.250", 0, ID_MAGIC ^ uid, seq,
                            b"hyperflow"))
    write(out + "/vpn.pcap", vpn)

if __name__ == "__main__":
    main(sys.argv[1])
