#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of the fuzz targets: tests/fuzz/corpus/<target>/.

    tests/fuzz/gen-seeds.py [OUTDIR]     (default: the corpus/ next to this file)

The seeds are checked in; this script documents how each was made and
rewrites them identically (run it after changing it, and commit the result).
Frames are Ethernet without FCS; only documentation addresses are used
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), plus the VRRP multicast
group 224.0.0.18 and MACs from the locally administered 02:... range and
the VRRP/IANA 00:00:5e:... range.
"""
import os
import struct
import sys

BCAST = "ff:ff:ff:ff:ff:ff"
PORT_LAN = "02:00:00:00:00:01"      # fuzz_packet / fuzz_control: lan0, our MAC
PORT_VPN = "02:00:00:00:00:02"      # fuzz_packet: vpn0
CLUSTER_MAC = "00:00:5e:00:01:01"   # cluster c0 (and c1)
CLIENT_MAC = "02:00:00:00:09:09"
OTHER_MAC = "02:00:00:00:0a:0a"


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def cksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return struct.pack("!H", ~s & 0xFFFF)


def eth(dst, src, etype, tags=()):
    h = mac(dst) + mac(src)
    for tpid, tci in tags:
        h += struct.pack("!HH", tpid, tci)
    return h + struct.pack("!H", etype)


def pad(f):
    return f + b"\0" * max(0, 60 - len(f))


def arp(op, sha, sip, tha, tip):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + mac(sha) + ip4(sip) + mac(tha) + ip4(tip)


def ipv4(src, dst, proto, payload, ttl=64, frag=0x4000, options=b""):
    ihl = 5 + len(options) // 4
    h = struct.pack("!BBHHHBBH", 0x40 | ihl, 0, 4 * ihl + len(payload), 0, frag, ttl, proto, 0)
    h += ip4(src) + ip4(dst) + options
    h = h[:10] + cksum(h) + h[12:]
    return h + payload


def icmp_echo(typ, ident, seq, data):
    h = struct.pack("!BBHHH", typ, 0, 0, ident, seq) + data
    return h[:2] + cksum(h) + h[4:]


def udp(sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def tcp(sport, dport):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x02, 65535, 0, 0)


def vrrp3(src, vrid, prio, adv_cs, addrs, cksum_dst="224.0.0.18"):
    body = struct.pack("!BBBBH", 0x31, vrid, prio, len(addrs), adv_cs & 0x0FFF) + b"\0\0"
    body += b"".join(ip4(a) for a in addrs)
    pseudo = ip4(src) + ip4(cksum_dst) + struct.pack("!BBH", 0, 112, len(body))
    ck = cksum(pseudo + body)
    return body[:6] + ck + body[8:]


def ipv6(src_last, dst_last, nh, payload):
    src = bytes.fromhex("20010db8000000000000000000000000")[:15] + bytes([src_last])
    dst = bytes.fromhex("20010db8000000000000000000000000")[:15] + bytes([dst_last])
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, 64) + src + dst + payload


def packet_seeds():
    s = {}
    echo = icmp_echo(8, 0x4846 ^ 1, 7, b"hyperflow-probe")
    s["arp-request-cluster"] = pad(eth(BCAST, CLIENT_MAC, 0x0806) +
                                   arp(1, CLIENT_MAC, "192.0.2.100", "00:00:00:00:00:00", "192.0.2.1"))
    s["arp-reply-to-port"] = pad(eth(PORT_LAN, "02:00:00:00:01:01", 0x0806) +
                                 arp(2, "02:00:00:00:01:01", "192.0.2.11", PORT_LAN, "192.0.2.250"))
    s["arp-probe-for-ours"] = pad(eth(BCAST, OTHER_MAC, 0x0806) +
                                  arp(1, OTHER_MAC, "0.0.0.0", "00:00:00:00:00:00", "192.0.2.250"))
    s["arp-announce-ours"] = pad(eth(BCAST, OTHER_MAC, 0x0806) +
                                 arp(1, OTHER_MAC, "192.0.2.250", "00:00:00:00:00:00", "192.0.2.250"))
    s["arp-vlan"] = pad(eth(BCAST, CLIENT_MAC, 0x0806, [(0x8100, 10)]) +
                        arp(1, CLIENT_MAC, "192.0.2.100", "00:00:00:00:00:00", "192.0.2.1"))
    s["ipv4-udp-cluster-ip"] = pad(eth(CLUSTER_MAC, CLIENT_MAC, 0x0800) +
                                   ipv4("192.0.2.100", "192.0.2.1", 17, udp(4500, 4500, b"esp-in-udp")))
    s["ipv4-tcp-cluster-mac"] = eth(CLUSTER_MAC, CLIENT_MAC, 0x0800) + \
        ipv4("192.0.2.100", "203.0.113.50", 6, tcp(40000, 443))
    s["ipv4-udp-qinq"] = pad(eth(CLUSTER_MAC, CLIENT_MAC, 0x0800, [(0x88a8, 100), (0x8100, 20)]) +
                             ipv4("198.51.100.7", "198.51.100.1", 17, udp(500, 500, b"ike")))
    s["ipv4-fragment"] = pad(eth(CLUSTER_MAC, CLIENT_MAC, 0x0800) +
                             ipv4("192.0.2.100", "192.0.2.1", 17, udp(1, 2, b"x" * 8), frag=0x2000))
    # fragments of an IKE datagram to the 5-tuple cluster c1: first, later, IPv6 first and later
    s["ipv4-fragment-5tuple-first"] = pad(eth(CLUSTER_MAC, CLIENT_MAC, 0x0800) +
                                          ipv4("198.51.100.7", "198.51.100.1", 17,
                                               udp(4500, 4500, b"ike" * 4), frag=0x2000))
    s["ipv4-fragment-5tuple-later"] = pad(eth(CLUSTER_MAC, CLIENT_MAC, 0x0800) +
                                          ipv4("198.51.100.7", "198.51.100.1", 17, b"ike" * 4,
                                               frag=0x00b9))
    s["ipv6-fragment-first"] = pad(eth(CLUSTER_MAC, CLIENT_MAC, 0x86DD) +
                                   ipv6(7, 1, 44, struct.pack("!BBHI", 17, 0, 1, 0x10203) +
                                        udp(4500, 4500, b"ike")))
    s["ipv6-fragment-later"] = pad(eth(CLUSTER_MAC, CLIENT_MAC, 0x86DD) +
                                   ipv6(7, 1, 44, struct.pack("!BBHI", 17, 0, 185 << 3, 0x10203) +
                                        b"ike" * 4))
    s["ipv4-options-sctp"] = pad(eth(CLUSTER_MAC, CLIENT_MAC, 0x0800) +
                                 ipv4("203.0.113.5", "203.0.113.1", 132, struct.pack("!HHII", 1, 2, 0, 0),
                                      options=b"\x01\x01\x01\x00"))
    s["ipv4-icmp-echo-to-us"] = pad(eth(PORT_LAN, CLIENT_MAC, 0x0800) +
                                    ipv4("192.0.2.100", "192.0.2.250", 1, echo))
    # health replies (fuzz_packet.c's snapshots: c0 a0 uid 0 icmp, c2 d0 uid 5
    # tunnel to 198.51.100.99, c1 b1 resolved by ARP)
    s["ipv4-probe-reply-icmp"] = pad(eth(PORT_VPN, "02:00:00:00:01:01", 0x0800) +
                                     ipv4("192.0.2.11", "192.0.2.250", 1,
                                          icmp_echo(0, 0x4846 ^ 0, 3, b"hyperflow")))
    s["ipv4-probe-reply-tunnel"] = pad(eth(PORT_VPN, "02:00:00:00:03:01", 0x0800) +
                                       ipv4("198.51.100.99", "192.0.2.250", 1,
                                            icmp_echo(0, 0x4846 ^ 5, 20, b"hyperflow")))
    s["arp-probe-reply-member"] = pad(eth(PORT_VPN, "02:00:00:00:02:02", 0x0806) +
                                      arp(2, "02:00:00:00:02:02", "198.51.100.12", PORT_VPN,
                                          "192.0.2.250"))
    s["ipv4-vrrp"] = pad(eth("01:00:5e:00:00:12", "00:00:5e:00:01:33", 0x0800) +
                         ipv4("192.0.2.252", "224.0.0.18", 112,
                              vrrp3("192.0.2.252", 51, 200, 10, ["192.0.2.1"]), ttl=255, frag=0))
    s["ipv6-udp-cluster-mac"] = pad(eth(CLUSTER_MAC, CLIENT_MAC, 0x86DD) +
                                    ipv6(0x64, 0x01, 17, udp(51820, 51820, b"wg")))
    s["ipv6-tcp-vlan"] = eth(CLUSTER_MAC, CLIENT_MAC, 0x86DD, [(0x8100, 30)]) + \
        ipv6(0x65, 0x02, 6, tcp(1234, 22))
    s["lldp-other"] = pad(eth("01:80:c2:00:00:0e", CLIENT_MAC, 0x88CC) + b"\x02\x07\x04" + mac(CLIENT_MAC))
    # truncated and broken frames
    s["short-13"] = eth(BCAST, CLIENT_MAC, 0x0800)[:13]
    s["vlan-truncated"] = eth(BCAST, CLIENT_MAC, 0x8100)[:14] + b"\x00"
    s["vlan-three-tags"] = pad(eth(BCAST, CLIENT_MAC, 0x0800, [(0x88a8, 1), (0x8100, 2), (0x8100, 3)]))
    s["arp-truncated"] = (eth(BCAST, CLIENT_MAC, 0x0806) +
                          arp(1, CLIENT_MAC, "192.0.2.100", "00:00:00:00:00:00", "192.0.2.1"))[:30]
    s["ipv4-truncated"] = (eth(CLUSTER_MAC, CLIENT_MAC, 0x0800) +
                           ipv4("192.0.2.100", "192.0.2.1", 17, udp(1, 2, b"")))[:24]
    long_ = bytearray(pad(eth(CLUSTER_MAC, CLIENT_MAC, 0x0800) +
                          ipv4("192.0.2.100", "192.0.2.1", 17, udp(1, 2, b""))))
    long_[16:18] = struct.pack("!H", 1500)   # IPv4 total length past the frame
    s["ipv4-total-too-long"] = bytes(long_)
    s["ipv6-truncated"] = (eth(CLUSTER_MAC, CLIENT_MAC, 0x86DD) + ipv6(1, 2, 17, udp(1, 2, b"")))[:40]
    return s


def control_seeds():
    s = {}
    echo = icmp_echo(8, 0x4846 ^ 1, 7, b"hyperflow-probe")
    s["icmp-echo-request"] = pad(eth(PORT_LAN, CLIENT_MAC, 0x0800) +
                                 ipv4("192.0.2.100", "192.0.2.250", 1, echo))
    s["icmp-echo-request-vlan"] = pad(eth(PORT_LAN, CLIENT_MAC, 0x0800, [(0x8100, 10)]) +
                                      ipv4("198.51.100.9", "192.0.2.250", 1, icmp_echo(8, 1, 1, b"")))
    s["icmp-echo-request-options"] = eth(PORT_LAN, CLIENT_MAC, 0x0800) + \
        ipv4("203.0.113.9", "192.0.2.250", 1, icmp_echo(8, 0x1234, 0xffff, bytes(range(64))),
             options=b"\x94\x04\x00\x00")
    s["icmp-echo-reply"] = pad(eth(PORT_LAN, "02:00:00:00:01:01", 0x0800) +
                               ipv4("203.0.113.10", "192.0.2.250", 1, icmp_echo(0, 0x4846 ^ 1, 7, b"")))
    bad = bytearray(pad(eth(PORT_LAN, CLIENT_MAC, 0x0800) + ipv4("192.0.2.100", "192.0.2.250", 1, echo)))
    bad[14 + 20 + 2] ^= 0xFF
    s["icmp-bad-checksum"] = bytes(bad)
    s["icmp-truncated"] = (eth(PORT_LAN, CLIENT_MAC, 0x0800) +
                           ipv4("192.0.2.100", "192.0.2.250", 1, echo))[:14 + 20 + 4]
    s["arp-reply-member"] = pad(eth(PORT_LAN, "02:00:00:00:01:01", 0x0806) +
                                arp(2, "02:00:00:00:01:01", "192.0.2.11", PORT_LAN, "192.0.2.250"))
    s["arp-probe-conflict"] = pad(eth(BCAST, OTHER_MAC, 0x0806) +
                                  arp(1, OTHER_MAC, "0.0.0.0", "00:00:00:00:00:00", "192.0.2.250"))
    s["arp-reply-conflict"] = pad(eth(PORT_LAN, OTHER_MAC, 0x0806) +
                                  arp(2, OTHER_MAC, "192.0.2.250", PORT_LAN, "192.0.2.250"))
    s["arp-our-own-probe"] = pad(eth(BCAST, PORT_LAN, 0x0806) +
                                 arp(1, PORT_LAN, "0.0.0.0", "00:00:00:00:00:00", "192.0.2.250"))
    s["arp-request-cluster"] = pad(eth(BCAST, CLIENT_MAC, 0x0806) +
                                   arp(1, CLIENT_MAC, "192.0.2.100", "00:00:00:00:00:00", "192.0.2.1"))
    s["arp-truncated"] = (eth(BCAST, CLIENT_MAC, 0x0806) +
                          arp(1, CLIENT_MAC, "192.0.2.100", "00:00:00:00:00:00", "192.0.2.1"))[:38]
    s["vrrp-advert"] = pad(eth("01:00:5e:00:00:12", "00:00:5e:00:01:33", 0x0800) +
                           ipv4("192.0.2.252", "224.0.0.18", 112,
                                vrrp3("192.0.2.252", 51, 200, 10, ["192.0.2.1"]), ttl=255, frag=0))
    s["vrrp-advert-two-addrs"] = eth("01:00:5e:00:00:12", "00:00:5e:00:01:33", 0x0800) + \
        ipv4("198.51.100.2", "224.0.0.18", 112,
             vrrp3("198.51.100.2", 7, 100, 100, ["198.51.100.1", "203.0.113.1"]), ttl=255, frag=0)
    s["vrrp-priority-zero"] = eth("01:00:5e:00:00:12", "00:00:5e:00:01:33", 0x0800) + \
        ipv4("192.0.2.252", "224.0.0.18", 112, vrrp3("192.0.2.252", 51, 0, 10, ["192.0.2.1"]),
             ttl=255, frag=0)
    # unicast peer: checksum over the real destination, and the old
    # keepalived way (224.0.0.18 in the pseudo-header whatever the destination)
    s["vrrp-unicast"] = pad(eth(PORT_LAN, "00:00:5e:00:01:33", 0x0800) +
                            ipv4("192.0.2.252", "192.0.2.253", 112,
                                 vrrp3("192.0.2.252", 51, 150, 100, ["192.0.2.1"], "192.0.2.253"),
                                 ttl=255, frag=0))
    s["vrrp-unicast-compat"] = pad(eth(PORT_LAN, "00:00:5e:00:01:33", 0x0800) +
                                   ipv4("192.0.2.252", "192.0.2.253", 112,
                                        vrrp3("192.0.2.252", 51, 150, 100, ["192.0.2.1"]),
                                        ttl=255, frag=0))
    vt = bytearray(s["vrrp-advert"])
    vt[14 + 8] = 64   # TTL != 255: must be refused
    vt[14 + 10:14 + 12] = b"\0\0"
    vt[14 + 10:14 + 12] = cksum(bytes(vt[14:34]))
    s["vrrp-ttl-64"] = bytes(vt)
    s["vrrp-truncated"] = s["vrrp-advert"][:14 + 20 + 6]
    s["short-1"] = b"\x02"
    return s


VALID_FULL = """\
ports = (
  { name = "lan0"; device = "net_pcap0"; mac = "02:00:00:00:00:01"; },
  { name = "vpn0"; device = "net_pcap1"; }
);
probe = { pool = [ "192.0.2.250", "192.0.2.251" ]; };
unmatched = "drop";
flows = { size = 65536; timeout_ms = 30000; };
clusters = (
  {
    name = "vpn-out";
    type = "vpn";
    ip = "192.0.2.1";
    mac = "00:00:5e:00:01:01";
    ports = [ "lan0" ];
    hash = "dst-ip";
    buckets = 256;
    health = { method = "arp"; interval_ms = 100; timeout_ms = 300; rise = 2; fall = 3; };
    members = (
      { name = "vpn-a"; ip = "192.0.2.11"; mac = "02:00:00:00:01:01";
        port = "vpn0"; weight = 1; state = "up"; },
      { name = "vpn-b"; ip = "192.0.2.12"; port = "vpn0"; weight = 3; state = "drain"; }
    );
  }
);
ha = { port = "lan0"; vrid = 51; priority = 200; advert_ms = 100; preempt = true; };
"""

VALID_MULTI = """\
ports = ( { name = "a"; device = "net_ring0"; }, { name = "b"; device = "net_ring1"; } );
probe = { pool = [ "198.51.100.250" ]; };
unmatched = "bridge";
punt = { arp_pps = 100; local_pps = 100; icmp_pps = 100; vrrp_pps = 10; };
clusters = (
  { name = "fw"; type = "firewall"; ip = "198.51.100.1"; mac = "00:00:5e:00:01:02";
    ports = [ "a", "b" ]; hash = "src-dst"; buckets = 64;
    health = { method = "tunnel"; target = "203.0.113.10"; };
    members = ( { name = "f1"; ip = "198.51.100.11"; port = "b"; } ); },
  { name = "web"; type = "server"; ip = "203.0.113.1"; mac = "00:00:5e:00:01:02";
    ports = [ "a" ]; hash = "5-tuple";
    health = { method = "icmp"; interval_ms = 10; timeout_ms = 1; rise = 100; fall = 1; };
    members = ( { name = "w1"; ip = "203.0.113.11"; mac = "02:00:00:00:03:01"; port = "a"; },
                { name = "w2"; ip = "203.0.113.12"; mac = "02:00:00:00:03:02"; port = "a";
                  state = "down"; } ); }
);
ha = { port = "b"; vrid = 1; advert_ms = 40950; preempt = false; peer = "198.51.100.252"; };
"""

VALID_BRIDGE_ONLY = """\
ports = ( { name = "p0"; device = "net_null0"; } );
unmatched = "bridge";
"""

CONFIG_SEEDS = {
    "valid-full": VALID_FULL,
    "valid-multi": VALID_MULTI,
    "valid-bridge-only": VALID_BRIDGE_ONLY,
    "bad-syntax": "ports = ( { name = \"lan0\"; device = \"net_pcap0\" } \nclusters = (",
    "bad-unknown-key": VALID_BRIDGE_ONLY + "prots = 1;\n",
    "bad-address": VALID_FULL.replace('"192.0.2.11"', '"192.0.2.311"'),
    "bad-multicast-ip": VALID_FULL.replace('ip = "192.0.2.1"', 'ip = "224.0.0.18"'),
    "bad-mac": VALID_FULL.replace('"02:00:00:00:01:01"', '"03:00:00:00:01:01"'),
    "bad-buckets": VALID_FULL.replace("buckets = 256", "buckets = 300"),
    "bad-port-ref": VALID_FULL.replace('port = "vpn0"; weight = 3', 'port = "vpn9"; weight = 3'),
    "bad-duplicate-member": VALID_FULL.replace('name = "vpn-b"', 'name = "vpn-a"'),
    "bad-types": VALID_FULL.replace("vrid = 51", "vrid = \"51\"").replace("weight = 1;", "weight = 1.5;"),
    "bad-ranges": VALID_FULL.replace("vrid = 51", "vrid = 0").replace("rise = 2", "rise = 1000")
                            .replace("advert_ms = 100", "advert_ms = 105"),
    "bad-tunnel-no-target": VALID_MULTI.replace(' target = "203.0.113.10";', ""),
    "bad-no-ports": "clusters = ();\n",
    "bad-pool-is-member": VALID_FULL.replace('"192.0.2.250", "192.0.2.251"', '"192.0.2.11"'),
    "bad-empty": "",
    # a bare string: libconfig 1.5 leaks the token (tests/lsan.supp)
    "bad-bare-string": '""',
}


def write(outdir, target, seeds):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(d, name), "wb") as f:
            f.write(bytes(data))


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    write(outdir, "packet", packet_seeds())
    write(outdir, "control", control_seeds())
    write(outdir, "config", CONFIG_SEEDS)


if __name__ == "__main__":
    main()
