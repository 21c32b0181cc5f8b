# SPDX-License-Identifier: BSD-3-Clause
"""What the e2e reports (failover_report.py, ha_report.py) share: reading
tcpdump's pcap files and udp_sender.py's CSV, picking the sender's packets
out of the frames, writing the KEY=VALUE figures, and plotting member
rates over time with gnuplot when it is installed (Python 3 standard
library only)."""

import csv
import ipaddress
import os
import shutil
import struct
import subprocess

MAGIC = b"HFE1"          # udp_sender.py's payload starts with it
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
ETH_P_8021Q = 0x8100

_PCAP_MAGIC = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),    # nanosecond timestamps
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}


def read_pcap(path, missing_ok=False):
    """Yield (timestamp, frame bytes) for each record of a pcap file of
    Ethernet frames, micro- or nanosecond timestamps. A truncated last record
    (the capture stopped mid-write) is dropped; with missing_ok, a file that
    cannot be read yields nothing."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        if missing_ok:
            return
        raise
    if len(data) < 24:
        return
    magic = data[:4]
    if magic not in _PCAP_MAGIC:
        raise ValueError("%s: not a pcap file (magic %s)" % (path, magic.hex()))
    endian, scale = _PCAP_MAGIC[magic]
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        raise ValueError("%s: link type %d, expected Ethernet (1)" % (path, linktype))
    off = 24
    rec = struct.Struct(endian + "IIII")
    while off + 16 <= len(data):
        sec, frac, incl, _orig = rec.unpack_from(data, off)
        off += 16
        if off + incl > len(data):
            break
        yield sec + frac * scale, data[off:off + incl]
        off += incl


def ether_type(frame):
    """(EtherType, offset of the L3 header) of a frame, past one 802.1Q tag;
    (None, 14) for a frame too short to have one."""
    if len(frame) < 14:
        return None, 14
    etype = struct.unpack_from("!H", frame, 12)[0]
    if etype == ETH_P_8021Q and len(frame) >= 18:
        return struct.unpack_from("!H", frame, 16)[0], 18
    return etype, 14


def parse_sender(frame):
    """(dst MAC, src MAC, seq, dst IP, send time, L3 offset) of one of
    udp_sender.py's packets, or None for any other frame."""
    etype, off = ether_type(frame)
    if etype != ETH_P_IP or len(frame) < off + 20:
        return None
    vihl = frame[off]
    ihl = (vihl & 0x0F) * 4
    if vihl >> 4 != 4 or ihl < 20 or frame[off + 9] != 17:
        return None
    pay = off + ihl + 8
    if len(frame) < pay + 20 or frame[pay:pay + 4] != MAGIC:
        return None
    seq, dst, sent = struct.unpack_from("!I4sd", frame, pay + 4)
    if dst != frame[off + 16:off + 20]:
        return None    # payload and header disagree: not ours
    return frame[0:6], frame[6:12], seq, ip4(dst), sent, off


def read_sent(path):
    """udp_sender.py's CSV: {seq: (dst IP, send time)}."""
    sent = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            sent[int(row["seq"])] = (row["dst"], float(row["time"]))
    return sent


def ip4(b):
    return str(ipaddress.IPv4Address(bytes(b)))


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def mac_str(b):
    return ":".join("%02x" % x for x in b)


class Checks:
    """check(cond, msg): a failed check prints "FAIL: msg" and is counted."""

    def __init__(self):
        self.failures = []

    def __call__(self, cond, msg):
        if not cond:
            self.failures.append(msg)
            print("FAIL: " + msg)
        return cond


def write_summary(path, fig):
    """The figures (a dict) as KEY=VALUE lines, for the test script."""
    with open(path, "w") as f:
        for k, v in fig.items():
            f.write("%s=%s\n" % (k, v))


def write_figures(path, fig):
    """Print the figures on one "figures:" line and write them to path."""
    print("figures: " + ", ".join("%s=%s" % kv for kv in fig.items()))
    write_summary(path, fig)


def plot_rates(png, title, series, t0, marks, bin_ms=50.0, xlabel=None):
    """Plot packets per second of each series over time, with gnuplot.

    series: [(name, [timestamps])]; t0: the time shown as 0 (the cut, the
    kill); marks: [(time, label)] drawn as vertical lines. Writes PNG and,
    beside it, the binned data (PNG with .dat). Prints where, or why there
    is no plot (gnuplot missing or failing): a plot never fails a test.
    Returns the path, or None.
    """
    gnuplot = shutil.which("gnuplot")
    if gnuplot is None:
        print("no plot: gnuplot is not installed (Debian: gnuplot-nox)")
        return None
    series = [(n, ts) for n, ts in series if ts]
    if not series:
        print("no plot: no packets to plot")
        return None
    bin_s = bin_ms / 1000.0
    first = min(min(ts) for _, ts in series)
    last = max(max(ts) for _, ts in series)
    nbins = int((last - first) / bin_s) + 1
    counts = []
    for _, ts in series:
        c = [0] * nbins
        for t in ts:
            c[int((t - first) / bin_s)] += 1
        counts.append(c)
    os.makedirs(os.path.dirname(os.path.abspath(png)), exist_ok=True)
    dat = os.path.splitext(png)[0] + ".dat"
    with open(dat, "w") as f:
        f.write("# ms_from_t0 " + " ".join(n.replace(" ", "_") for n, _ in series) + "\n")
        for i in range(nbins):
            x = (first + (i + 0.5) * bin_s - t0) * 1000.0
            f.write("%.1f %s\n" % (x, " ".join("%.0f" % (c[i] / bin_s) for c in counts)))
    q = lambda text: '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')
    lines = ["set terminal pngcairo size 1000,480 font 'sans,10' noenhanced",
             "set output " + q(png),
             "set title " + q(title),
             "set xlabel " + q(xlabel or "ms from the event (bins of %g ms)" % bin_ms),
             "set ylabel 'packets/s'",
             "set key below horizontal",
             "set grid",
             "set yrange [0:*]"]
    # the marks stay in view, also one after the last packet
    x0 = (min([first] + [t for t, _ in marks]) - t0) * 1000.0 - bin_ms
    x1 = (max([last] + [t for t, _ in marks]) - t0) * 1000.0 + bin_ms
    lines.append("set xrange [%.1f:%.1f]" % (x0, x1))
    for t, label in marks:
        x = (t - t0) * 1000.0
        lines.append("set arrow from %.1f, graph 0 to %.1f, graph 1 nohead dt 2 lc rgb 'gray30'"
                     % (x, x))
        # near the right edge the label goes left of its line
        side = "right offset -0.5,0" if x > x0 + 0.85 * (x1 - x0) else "left offset 0.5,0"
        lines.append("set label %s at %.1f, graph 0.97 %s" % (q(label), x, side))
    lines.append("plot " + ", ".join("%s using 1:%d with steps lw 2 title %s" % (q(dat), i + 2, q(n))
                                     for i, (n, _) in enumerate(series)))
    try:
        r = subprocess.run([gnuplot], input="\n".join(lines) + "\n", universal_newlines=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        print("no plot: gnuplot: %s" % e)
        return None
    if r.returncode != 0 or not os.path.exists(png):
        print("no plot: gnuplot exited %d: %s" % (r.returncode, r.stdout.strip()[-300:]))
        return None
    print("plot: %s (data %s)" % (png, dat))
    return png
