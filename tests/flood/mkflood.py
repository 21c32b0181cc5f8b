#!/usr/bin/env python3
"""Write the captures of the punt-flood test (stdlib only).

lan.pcap: a flood of ARP who-has for the cluster IP and ICMP echo requests
to the probe address, with ordinary cluster traffic mixed in (1 frame in 8)
and now and then a gratuitous ARP from a host claiming the cluster IP.
vpn.pcap: ARP replies from the two members to the probe address, as their
kernels would send them when probed.
Replayed forever by net_pcap infinite_rx, both become line-rate floods.
"""
import struct
import sys

def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))

def ip(s):
    return bytes(int(x) for x in s.split("."))

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return struct.pack("!H", ~s & 0xffff)

def pad(f):
    return f + b"\0" * max(0, 60 - len(f))

def arp(dst, src, op, sha, sip, tha, tip):
    return pad(mac(dst) + mac(src) + b"\x08\x06" +
               struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) +
               mac(sha) + ip(sip) + mac(tha) + ip(tip))

def ipv4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBB", 0x45, 0, 20 + len(payload), 0, 0, 64, proto) + b"\0\0" + ip(src) + ip(dst)
    return h[:10] + csum(h) + h[12:] + payload

def icmp_echo(dmac, smac, src, dst, seq):
    body = struct.pack("!BBHHH", 8, 0, 0, 0x1234, seq) + b"flood"
    body = body[:2] + csum(body) + body[4:]
    return pad(mac(dmac) + mac(smac) + b"\x08\x00" + ipv4(src, dst, 1, body))

def udp(dmac, smac, src, dst, sport, dport):
    u = struct.pack("!HHHH", sport, dport, 8 + 16, 0) + b"x" * 16
    return pad(mac(dmac) + mac(smac) + b"\x08\x00" + ipv4(src, dst, 17, u))

def write(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(fr), len(fr)) + fr)

def main(out):
    cluster_mac, lan_mac, vpn_mac = "00:00:5e:00:01:01", "02:00:00:00:00:01", "02:00:00:00:00:02"
    lan = []
    for i in range(4000):
        c = "02:00:00:01:%02x:%02x" % (i // 256 % 256, i % 256)
        csrc = "198.51.100.%d" % (10 + i % 200)
        k = i % 8
        if k == 0:
            lan.append(udp(cluster_mac, c, csrc, "203.0.113.%d" % (1 + i % 200), 4500, 4500))
        elif i % 64 == 1:
            # a host that claims the cluster IP (gratuitous ARP): a conflict
            lan.append(arp("ff:ff:ff:ff:ff:ff", c, 1, c, "192.0.2.1", "00:00:00:00:00:00",
                           "192.0.2.1"))
        elif k < 6:
            lan.append(arp("ff:ff:ff:ff:ff:ff", c, 1, c, csrc, "00:00:00:00:00:00", "192.0.2.1"))
        else:
            lan.append(icmp_echo(lan_mac, c, csrc, "192.0.2.250", i))
    write(out + "/lan.pcap", lan)
    # an odd count: bursts of 32 start on either member in turn (the limiter
    # admits at most one frame of a kind per burst, the first)
    vpn = []
    for i in range(63):
        m = 1 + i % 2
        vpn.append(arp(vpn_mac, "02:00:00:00:01:0%d" % m, 2, "02:00:00:00:01:0%d" % m,
                       "192.0.2.1%d" % m, vpn_mac, "192.0.2.250"))
    write(out + "/vpn.pcap", vpn)

if __name__ == "__main__":
    main(sys.argv[1])
