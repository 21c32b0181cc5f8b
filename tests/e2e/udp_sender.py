#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Bounded UDP sender for the end-to-end tier (Python 3 standard library only).

Sends RATE packets per second in total, round robin over COUNT destinations
FIRST, FIRST+1, ..., for DURATION seconds, then writes what it sent as CSV
(seq,dst,time) to LOG. Each payload carries:

    magic  4 bytes  b"HFE1"
    seq    4 bytes  big endian, 0, 1, 2, ... over the whole run
    dst    4 bytes  the destination IPv4 address
    time   8 bytes  big-endian double, time.time() at send

padded to 64 bytes. The whole run is bounded by DURATION; a send error is
recorded (the packet counts as not sent) and stops nothing.

usage: udp_sender.py --first 203.0.113.1 --count 60 --rate 2000
                     --duration 4.5 --log sent.csv [--port 9] [--ready FILE]
"""

import argparse
import ipaddress
import socket
import struct
import sys
import time

MAGIC = b"HFE1"
PAYLOAD_LEN = 64


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--first", required=True, help="first destination IPv4 address")
    ap.add_argument("--count", type=int, required=True, help="number of destinations")
    ap.add_argument("--rate", type=float, required=True, help="packets per second, in total")
    ap.add_argument("--duration", type=float, required=True, help="seconds (at most 30)")
    ap.add_argument("--port", type=int, default=9, help="UDP destination port (default 9)")
    ap.add_argument("--log", required=True, help="CSV of what was sent: seq,dst,time")
    ap.add_argument("--ready", help="file written with the start time once sending starts")
    a = ap.parse_args()
    if not (1 <= a.count <= 250 and 0 < a.rate <= 20000 and 0 < a.duration <= 30):
        ap.error("count 1..250, rate 1..20000, duration 0..30 s")

    first = int(ipaddress.IPv4Address(a.first))
    dsts = [str(ipaddress.IPv4Address(first + i)) for i in range(a.count)]
    dst_raw = [socket.inet_aton(d) for d in dsts]
    total = int(a.rate * a.duration)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    sent = []          # (seq, dst index, time)
    errors = 0
    pad = bytes(PAYLOAD_LEN - 20)

    t0 = time.time()
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("%.9f\n" % t0)
    seq = 0
    deadline = t0 + a.duration + 2.0    # hard stop even if sends stall
    while seq < total:
        now = time.time()
        if now > deadline:
            break
        due = min(total, int((now - t0) * a.rate) + 1)
        while seq < due:
            i = seq % a.count
            ts = time.time()
            payload = MAGIC + struct.pack("!I4sd", seq, dst_raw[i], ts) + pad
            try:
                sock.sendto(payload, (dsts[i], a.port))
                sent.append((seq, i, ts))
            except OSError:
                errors += 1
            seq += 1
        time.sleep(0.0005)
    sock.close()

    with open(a.log, "w") as f:
        f.write("seq,dst,time\n")
        for s, i, ts in sent:
            f.write("%d,%s,%.9f\n" % (s, dsts[i], ts))
    print("sender: %d packets to %d destinations in %.2f s, %d send errors"
          % (len(sent), a.count, time.time() - t0, errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
