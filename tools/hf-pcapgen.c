/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hf-pcapgen: deterministic input captures for hyperflow's pcap test tier
 * and demo.
 *
 * Writes one Ethernet capture (libpcap, DLT_EN10MB) that a client LAN would
 * send to hyperflow, plus a JSON manifest counting what was written by
 * class. Everything comes from a seeded PRNG (splitmix64): the same
 * arguments give the same bytes on every host and every run; no clock is
 * read (timestamps start at a fixed epoch and advance 10 us per frame).
 *
 * Frame classes, interleaved at random:
 *   cluster        clients -> cluster MAC, dst IP = a remote destination
 *                  (203.0.113.0/24, then 198.51.100.200-254; IPv6 forms in
 *                  2001:db8:0:2::/64): UDP 4500 (NAT-T ESP) and 500 (IKE),
 *                  ESP, TCP, ICMP echo, IPv4 fragments, IPv6 UDP/TCP; some
 *                  with one 802.1Q tag (1 in 8 of those with two tags);
 *                  payload 0..max bytes, recognisable (frame number inside)
 *   to_cluster_ip  IPv4 to the cluster IP itself (IKE, NAT-T, ESP)
 *   arp_requests   who-has cluster IP from clients (1 in 5 unicast to the
 *                  cluster MAC, as a Linux neighbour refresh does)
 *   unmatched      not for a cluster: unicast IPv4/IPv6 to an unknown router
 *                  MAC, ARP for other hosts, a non-IP ethertype (0x88b5),
 *                  and client-to-client unicast to a client that already
 *                  sent an unmatched frame ("unmatched_same_port": a
 *                  learning bridge knows that MAC on the input port)
 *   cluster_non_ip non-IP ethertype sent to the cluster MAC
 *   malformed      round robin over every hf_pkt_err reason and variant
 *   frag pairs     (--frag-pairs) two NAT-T flows (UDP sport -> 4500, the
 *                  second from the same client and destination half the
 *                  time): a whole datagram of each, then one datagram of
 *                  each in three fragments, the six fragments in a random
 *                  order (in order, later fragments first, interleaved),
 *                  then another whole datagram of each; ten cluster
 *                  frames, untagged; IPv6 (Fragment header) for
 *                  --ipv6-share of the pairs, else IPv4
 *
 * Every frame is parsed back with hf_pkt_parse before it is written; a
 * frame that does not parse as its class intends is a generator bug and
 * stops the run, so the manifest always matches what the parser sees.
 *
 * --foreign-probe IP puts one more frame first, before the interleaved
 * ones: another host's RFC 5227 ARP probe for IP (broadcast, sender IP
 * 0.0.0.0, target IP), sent from GEN_FOREIGN_MAC, which is higher than
 * every port MAC of the cases (02:00:00:00:xx:xx), so hyperflow probing IP
 * must give it up. The manifest counts it as foreign_probes.
 *
 * Several clusters: repeat --cluster-ip/--cluster-mac (paired in order);
 * cluster frames and ARP requests are spread uniformly over them and the
 * manifest counts them per cluster.
 *
 * --reply-share PCT makes that share of the cluster frames (not those to
 * the cluster IP) replies: the destination's frame back to the client,
 * addresses and ports swapped, to whichever cluster the frame was given.
 * With two clusters (the two sides of a firewall sandwich) and few
 * clients and destinations, the same conversations cross both clusters in
 * both directions.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include <hyperflow/addr.h>
#include <hyperflow/pkt.h>

#define GEN_MAX_CLUSTERS 32
#define GEN_MAX_CLIENTS 190 /* 198.51.100.10 .. .199 */
#define GEN_MAX_DESTS 309   /* 203.0.113.1-254, 198.51.100.200-254 */
#define GEN_FRAME_MAX 2048
#define GEN_SNAPLEN 65535
#define GEN_TS_START 1700000000L /* fixed epoch: no clock is read */
#define GEN_TS_STEP_US 10
#define GEN_ETHERTYPE_EXP 0x88b5 /* IEEE local experimental */
#define GEN_IPPROTO_ESP 50
#define GEN_NB_ROUTERS 8 /* unknown unicast MACs, never a source */
/* the source of --foreign-probe: neither a client nor a router MAC */
#define GEN_FOREIGN_MAC                                                                            \
	{                                                                                          \
		{                                                                                  \
			0x02, 0x00, 0x00, 0x03, 0x00, 0x01                                         \
		}                                                                                  \
	}

enum gen_class {
	C_CLUSTER,
	C_TO_CLUSTER_IP,
	C_ARP,
	C_UNMATCHED,
	C_CLUSTER_NON_IP,
	C_MALFORMED,
	C_FRAG_PAIR, /* ten frames: see the top of this file */
};

enum gen_l4 {
	L4_UDP,
	L4_TCP,
	L4_ICMP,
	L4_ESP,
	L4_FRAG_FIRST, /* IPv4 UDP, MF set, offset 0 */
	L4_FRAG_LATER, /* IPv4, offset 1480, no L4 header */
};

struct gen_cluster {
	uint32_t ip;
	struct hf_mac mac;
	uint64_t n_cluster; /* includes n_to_ip */
	uint64_t n_to_ip;
	uint64_t n_arp;
	uint64_t n_non_ip;
};

struct gen {
	/* options */
	const char *out_path;
	const char *manifest_path;
	bool empty;
	uint64_t seed;
	uint32_t nb_clusters;
	uint32_t nb_cl_mac;
	struct gen_cluster cl[GEN_MAX_CLUSTERS];
	struct hf_mac lan_mac;
	uint32_t clients;
	uint32_t dests;
	uint32_t packets;
	uint32_t to_ip;
	uint32_t arp;
	uint32_t unmatched;
	uint32_t non_ip;
	uint32_t malformed;
	uint32_t vlan_share;
	uint32_t ipv6_share;
	uint32_t reply_share;
	uint32_t max_payload;
	uint32_t foreign_probe; /* network order, 0 = none */
	uint32_t frag_pairs;
	/* state */
	uint64_t rng;
	uint64_t seq; /* frames written so far */
	pcap_t *pcap;
	pcap_dumper_t *dump;
	bool learned[GEN_MAX_CLIENTS];
	/* counts for the manifest */
	uint64_t n_unmatched_same_port;
	uint64_t n_malformed[HF_PKT_ERR__MAX];
	uint32_t malformed_next;
};

struct ipspec {
	const struct hf_mac *dst_mac;
	const struct hf_mac *src_mac;
	uint32_t nb_vlan;
	uint16_t vid;
	bool v6;
	uint32_t src4; /* network order */
	uint32_t dst4;
	uint8_t src6[16];
	uint8_t dst6[16];
	enum gen_l4 l4;
	uint16_t sport; /* host order */
	uint16_t dport;
	uint32_t plen; /* payload bytes after the L4 header */
	bool frag_set; /* IPv4: ip_id and frag as given (else id = frame number, DF) */
	uint16_t ip_id;
	uint16_t frag;	/* flags and offset field */
};

/* ---- PRNG ---------------------------------------------------------------- */

static uint64_t
rnd(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static uint32_t
rnd_below(struct gen *g, uint32_t n)
{
	return (uint32_t)((rnd(g) >> 11) % n);
}

static bool
rnd_pct(struct gen *g, uint32_t pct)
{
	return rnd_below(g, 100) < pct;
}

/* ---- byte helpers ---------------------------------------------------------- */

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t x[4] = {a, b, c, d};
	uint32_t v;

	memcpy(&v, x, 4);
	return v;
}

/* ---- addresses ------------------------------------------------------------- */

static void
client_mac(uint32_t i, struct hf_mac *m)
{
	uint8_t b[6] = {0x02, 0x00, 0x00, 0x01, (uint8_t)((i + 1) >> 8), (uint8_t)(i + 1)};

	memcpy(m->b, b, 6);
}

static uint32_t
client_ip(uint32_t i)
{
	return ip4(198, 51, 100, (uint8_t)(10 + i));
}

static void
client_ip6(uint32_t i, uint8_t a[16])
{
	static const uint8_t pfx[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1};

	memset(a, 0, 16);
	memcpy(a, pfx, 8);
	wr16(a + 14, (uint16_t)(0x100 + i));
}

static uint32_t
dest_ip(uint32_t d)
{
	if (d < 254)
		return ip4(203, 0, 113, (uint8_t)(1 + d));
	return ip4(198, 51, 100, (uint8_t)(200 + (d - 254)));
}

static void
dest_ip6(uint32_t d, uint8_t a[16])
{
	static const uint8_t pfx[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 2};

	memset(a, 0, 16);
	memcpy(a, pfx, 8);
	wr16(a + 14, (uint16_t)(1 + d));
}

static void
router_mac(uint32_t i, struct hf_mac *m)
{
	uint8_t b[6] = {0x02, 0x00, 0x00, 0x02, 0x00, (uint8_t)(1 + i)};

	memcpy(m->b, b, 6);
}

static bool
is_cluster_ip(const struct gen *g, uint32_t ip)
{
	uint32_t i;

	for (i = 0; i < g->nb_clusters; i++)
		if (g->cl[i].ip == ip)
			return true;
	return false;
}

static bool
is_cluster_mac(const struct gen *g, const struct hf_mac *m)
{
	uint32_t i;

	for (i = 0; i < g->nb_clusters; i++)
		if (hf_mac_eq(&g->cl[i].mac, m))
			return true;
	return false;
}

/* ---- frame builders ---------------------------------------------------------- */

/* Recognisable payload: "HFpc", the frame number, then a counting pattern. */
static void
fill_payload(uint8_t *p, uint32_t len, uint64_t seq)
{
	static const uint8_t magic[4] = {'H', 'F', 'p', 'c'};
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i + seq);
	if (len >= 8) {
		memcpy(p, magic, 4);
		wr32(p + 4, (uint32_t)seq);
	}
}

static uint32_t
put_eth(uint8_t *f, const struct hf_mac *dst, const struct hf_mac *src, uint32_t nb_vlan,
	uint16_t vid, uint16_t ethertype)
{
	uint32_t off = 12;

	memcpy(f, dst->b, 6);
	memcpy(f + 6, src->b, 6);
	if (nb_vlan == 2) {
		wr16(f + off, HF_ETHERTYPE_QINQ);
		wr16(f + off + 2, (uint16_t)(vid + 1000));
		off += 4;
	}
	if (nb_vlan >= 1) {
		wr16(f + off, HF_ETHERTYPE_VLAN);
		wr16(f + off + 2, vid);
		off += 4;
	}
	wr16(f + off, ethertype);
	return off + 2;
}

static uint16_t
cksum_pseudo(const uint8_t *pseudo, uint32_t plen, const uint8_t *l4, uint32_t len)
{
	uint8_t tmp[40 + GEN_FRAME_MAX];

	memcpy(tmp, pseudo, plen);
	memcpy(tmp + plen, l4, len);
	return hf_inet_cksum(tmp, plen + len);
}

/* L4 checksum over the pseudo header of s; the checksum field must be 0. */
static uint16_t
l4_cksum(const struct ipspec *s, uint8_t proto, const uint8_t *l4, uint32_t len)
{
	uint8_t ph[40];

	if (s->v6) {
		memcpy(ph, s->src6, 16);
		memcpy(ph + 16, s->dst6, 16);
		wr32(ph + 32, len);
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = proto;
		return cksum_pseudo(ph, 40, l4, len);
	}
	memcpy(ph, &s->src4, 4);
	memcpy(ph + 4, &s->dst4, 4);
	ph[8] = 0;
	ph[9] = proto;
	wr16(ph + 10, (uint16_t)len);
	return cksum_pseudo(ph, 12, l4, len);
}

/* L4 header plus payload at p; returns its length, sets *proto. */
static uint32_t
put_l4(struct gen *g, uint8_t *p, const struct ipspec *s, uint8_t *proto)
{
	uint32_t len;
	uint16_t ck;

	switch (s->l4) {
	case L4_TCP:
		*proto = HF_IPPROTO_TCP;
		len = 20 + s->plen;
		wr16(p, s->sport);
		wr16(p + 2, s->dport);
		wr32(p + 4, (uint32_t)rnd(g));
		wr32(p + 8, (uint32_t)rnd(g));
		p[12] = 5 << 4;
		p[13] = 0x18; /* PSH|ACK */
		wr16(p + 14, 65535);
		wr16(p + 16, 0);
		wr16(p + 18, 0);
		fill_payload(p + 20, s->plen, g->seq);
		ck = l4_cksum(s, *proto, p, len);
		memcpy(p + 16, &ck, 2);
		return len;
	case L4_ICMP:
		*proto = HF_IPPROTO_ICMP;
		len = 8 + s->plen;
		p[0] = 8;
		p[1] = 0;
		wr16(p + 2, 0);
		wr16(p + 4, s->sport);	       /* echo id */
		wr16(p + 6, (uint16_t)g->seq); /* echo sequence */
		fill_payload(p + 8, s->plen, g->seq);
		ck = hf_inet_cksum(p, len);
		memcpy(p + 2, &ck, 2);
		return len;
	case L4_ESP:
		*proto = GEN_IPPROTO_ESP;
		len = 8 + s->plen;
		wr32(p, 0x1000u + s->sport);	   /* SPI */
		wr32(p + 4, (uint32_t)g->seq + 1); /* ESP sequence */
		fill_payload(p + 8, s->plen, g->seq);
		return len;
	case L4_FRAG_FIRST:
		*proto = HF_IPPROTO_UDP;
		len = 8 + s->plen;
		wr16(p, s->sport);
		wr16(p + 2, s->dport);
		wr16(p + 4, (uint16_t)(len + 1480)); /* the datagram goes on */
		wr16(p + 6, 0);
		fill_payload(p + 8, s->plen, g->seq);
		return len;
	case L4_FRAG_LATER:
		*proto = HF_IPPROTO_UDP;
		fill_payload(p, s->plen, g->seq);
		return s->plen;
	case L4_UDP:
	default:
		*proto = HF_IPPROTO_UDP;
		len = 8 + s->plen;
		wr16(p, s->sport);
		wr16(p + 2, s->dport);
		wr16(p + 4, (uint16_t)len);
		wr16(p + 6, 0);
		if (s->dport == 4500 && s->plen >= 8) {
			fill_payload(p + 8, s->plen, g->seq);
			wr32(p + 8, 0x1000u + s->sport); /* non-zero: ESP in UDP */
		} else {
			fill_payload(p + 8, s->plen, g->seq);
		}
		ck = l4_cksum(s, *proto, p, len);
		if (ck == 0)
			ck = 0xffff;
		memcpy(p + 6, &ck, 2);
		return len;
	}
}

static uint32_t
pad_min(uint8_t *f, uint32_t len)
{
	if (len < HF_ETH_MIN_FRAME) {
		memset(f + len, 0, HF_ETH_MIN_FRAME - len);
		len = HF_ETH_MIN_FRAME;
	}
	return len;
}

/* A complete IPv4 or IPv6 frame; returns its length. */
static uint32_t
build_ip(struct gen *g, uint8_t *f, const struct ipspec *s)
{
	uint32_t off, l4len;
	uint8_t proto = 0;
	uint8_t *ip;
	uint16_t ck;

	off = put_eth(f, s->dst_mac, s->src_mac, s->nb_vlan, s->vid,
		s->v6 ? HF_ETHERTYPE_IPV6 : HF_ETHERTYPE_IPV4);
	ip = f + off;
	if (s->v6 && s->frag_set) {
		/* a Fragment header (RFC 8200 4.5): offset and M as in frag, id 0x10000 + ip_id */
		l4len = put_l4(g, ip + 48, s, &proto);
		ip[40] = proto;
		ip[41] = 0;
		wr16(ip + 42, (uint16_t)((s->frag & 0x1fff) << 3 | (s->frag & 0x2000 ? 1 : 0)));
		wr32(ip + 44, 0x10000u + s->ip_id);
		wr32(ip, 0x60000000u | ((uint32_t)g->seq & 0xfffff)); /* flow label */
		wr16(ip + 4, (uint16_t)(l4len + 8));
		ip[6] = 44;
		ip[7] = 64;
		memcpy(ip + 8, s->src6, 16);
		memcpy(ip + 24, s->dst6, 16);
		return pad_min(f, off + 48 + l4len);
	}
	if (s->v6) {
		l4len = put_l4(g, ip + 40, s, &proto);
		wr32(ip, 0x60000000u | ((uint32_t)g->seq & 0xfffff)); /* flow label */
		wr16(ip + 4, (uint16_t)l4len);
		ip[6] = proto;
		ip[7] = 64;
		memcpy(ip + 8, s->src6, 16);
		memcpy(ip + 24, s->dst6, 16);
		return pad_min(f, off + 40 + l4len);
	}
	l4len = put_l4(g, ip + 20, s, &proto);
	ip[0] = 0x45;
	ip[1] = 0;
	wr16(ip + 2, (uint16_t)(20 + l4len));
	wr16(ip + 4, s->frag_set ? s->ip_id : (uint16_t)g->seq); /* IP id */
	if (s->frag_set)
		wr16(ip + 6, s->frag);
	else if (s->l4 == L4_FRAG_FIRST)
		wr16(ip + 6, 0x2000);
	else if (s->l4 == L4_FRAG_LATER)
		wr16(ip + 6, 1480 / 8);
	else
		wr16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = proto;
	wr16(ip + 10, 0);
	memcpy(ip + 12, &s->src4, 4);
	memcpy(ip + 16, &s->dst4, 4);
	ck = hf_inet_cksum(ip, 20);
	memcpy(ip + 10, &ck, 2);
	return pad_min(f, off + 20 + l4len);
}

static uint32_t
payload_len(struct gen *g)
{
	uint32_t r = rnd_below(g, 100);

	/* mostly small (acks, keepalives), some full-size */
	if (r < 15)
		return 0;
	if (r < 55)
		return rnd_below(g, g->max_payload < 128 ? g->max_payload + 1 : 129);
	return rnd_below(g, g->max_payload + 1);
}

static void
pick_vlan(struct gen *g, struct ipspec *s)
{
	s->nb_vlan = 0;
	s->vid = 0;
	if (g->vlan_share > 0 && rnd_pct(g, g->vlan_share)) {
		s->nb_vlan = rnd_below(g, 8) == 0 ? 2 : 1;
		s->vid = (uint16_t)(100 + rnd_below(g, 10));
	}
}

/* ---- frame classes ------------------------------------------------------------ */

/* A reply (--reply-share): the same conversation the other way. */
static void
maybe_reply(struct gen *g, struct ipspec *s)
{
	uint8_t a6[16];
	uint32_t a;
	uint16_t p;

	if (g->reply_share == 0 || !rnd_pct(g, g->reply_share))
		return;
	a = s->src4;
	s->src4 = s->dst4;
	s->dst4 = a;
	memcpy(a6, s->src6, 16);
	memcpy(s->src6, s->dst6, 16);
	memcpy(s->dst6, a6, 16);
	p = s->sport;
	s->sport = s->dport;
	s->dport = p;
}

static uint32_t
gen_cluster_frame(struct gen *g, uint8_t *f, uint32_t ci, bool to_ip)
{
	struct gen_cluster *cl = &g->cl[ci];
	uint32_t c = rnd_below(g, g->clients);
	uint32_t d = rnd_below(g, g->dests);
	struct hf_mac smac;
	struct ipspec s;
	uint32_t r;

	memset(&s, 0, sizeof(s));
	client_mac(c, &smac);
	s.dst_mac = &cl->mac;
	s.src_mac = &smac;
	pick_vlan(g, &s);
	s.src4 = client_ip(c);
	s.plen = payload_len(g);
	if (to_ip) {
		/* IKE / NAT-T / ESP towards the VPN gateway address itself */
		s.dst4 = cl->ip;
		r = rnd_below(g, 3);
		s.l4 = r == 2 ? L4_ESP : L4_UDP;
		s.sport = s.dport = r == 0 ? 500 : 4500;
		if (s.l4 == L4_ESP)
			s.sport = (uint16_t)(c << 4 | (d & 15));
		return build_ip(g, f, &s);
	}
	s.dst4 = dest_ip(d);
	if (rnd_pct(g, g->ipv6_share)) {
		s.v6 = true;
		client_ip6(c, s.src6);
		dest_ip6(d, s.dst6);
		r = rnd_below(g, 10);
		if (r < 6) {
			s.l4 = L4_UDP;
			s.sport = s.dport = 4500;
		} else if (r < 8) {
			s.l4 = L4_UDP;
			s.sport = s.dport = 500;
		} else {
			s.l4 = L4_TCP;
			s.sport = (uint16_t)(32768 + rnd_below(g, 28000));
			s.dport = 443;
		}
		maybe_reply(g, &s);
		return build_ip(g, f, &s);
	}
	r = rnd_below(g, 100);
	if (r < 35) {
		s.l4 = L4_UDP;
		s.sport = s.dport = 4500;
	} else if (r < 47) {
		s.l4 = L4_UDP;
		s.sport = s.dport = 500;
	} else if (r < 57) {
		s.l4 = L4_ESP;
		s.sport = (uint16_t)(c << 4 | (d & 15));
	} else if (r < 80) {
		s.l4 = L4_TCP;
		s.sport = (uint16_t)(32768 + rnd_below(g, 28000));
		s.dport = rnd_below(g, 4) == 0 ? 22 : 443;
	} else if (r < 96) {
		s.l4 = L4_ICMP;
		s.sport = (uint16_t)(0x4000 + c);
	} else {
		s.l4 = r < 98 ? L4_FRAG_FIRST : L4_FRAG_LATER;
		s.sport = (uint16_t)(32768 + rnd_below(g, 28000));
		s.dport = 4500;
	}
	maybe_reply(g, &s);
	return build_ip(g, f, &s);
}

/* One frame of a frag pair: a whole datagram, or fragment k (0..2) of datagram id. */
static uint32_t
frag_pair_frame(struct gen *g, uint8_t *f, uint32_t ci, uint32_t c, uint32_t d, uint16_t sport,
	int k, uint16_t id, bool v6)
{
	/* first: UDP header + 16 bytes = 3 units of 8; second: 24 bytes; last: 24 */
	static const uint16_t frag[3] = {0x2000, 0x2000 | 3, 6};
	struct hf_mac smac;
	struct ipspec s;

	memset(&s, 0, sizeof(s));
	client_mac(c, &smac);
	s.dst_mac = &g->cl[ci].mac;
	s.src_mac = &smac;
	s.src4 = client_ip(c);
	s.dst4 = dest_ip(d);
	s.v6 = v6;
	if (v6) {
		client_ip6(c, s.src6);
		dest_ip6(d, s.dst6);
	}
	s.sport = sport;
	s.dport = 4500;
	if (k < 0) {
		s.l4 = L4_UDP;
		s.plen = payload_len(g);
		return build_ip(g, f, &s);
	}
	s.l4 = k == 0 ? L4_FRAG_FIRST : L4_FRAG_LATER;
	s.plen = k == 0 ? 16 : 24;
	s.frag_set = true;
	s.ip_id = id;
	s.frag = frag[k];
	return build_ip(g, f, &s);
}

static int self_check(const struct gen *g, const uint8_t *f, uint32_t len, enum gen_class cls,
	int reason);
static int write_frame(struct gen *g, const uint8_t *f, uint32_t len);

/* The ten frames of a frag pair for cluster ci (the top of this file), written. */
static int
gen_frag_pair(struct gen *g, uint32_t ci, uint32_t pair)
{
	uint8_t f[GEN_FRAME_MAX];
	uint32_t c[2], d[2], i, len;
	uint16_t sport[2], id[2];
	int order[6], ret = 0, step, j, t;
	bool v6 = rnd_pct(g, g->ipv6_share);

	c[0] = rnd_below(g, g->clients);
	d[0] = rnd_below(g, g->dests);
	if (rnd_pct(g, 50)) {
		c[1] = c[0];
		d[1] = d[0];
	} else {
		c[1] = rnd_below(g, g->clients);
		d[1] = rnd_below(g, g->dests);
	}
	for (i = 0; i < 2; i++) {
		sport[i] = (uint16_t)(1024 + rnd_below(g, 64000));
		id[i] = (uint16_t)(0x8000 + 2 * (pair & 0x3fff) + i);
	}
	if (c[1] == c[0] && sport[1] == sport[0])
		sport[1] ^= 1;
	for (i = 0; i < 6; i++)
		order[i] = (int)i;
	for (i = 5; i > 0; i--) {
		j = (int)rnd_below(g, i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (step = 0; step < 10 && ret == 0; step++) {
		if (step < 2 || step >= 8) {
			i = (uint32_t)step & 1;
			len = frag_pair_frame(g, f, ci, c[i], d[i], sport[i], -1, 0, v6);
		} else {
			i = (uint32_t)order[step - 2] / 3;
			len = frag_pair_frame(g, f, ci, c[i], d[i], sport[i], order[step - 2] % 3, id[i],
					      v6);
		}
		ret = self_check(g, f, len, C_CLUSTER, HF_PKT_OK);
		if (ret == 0)
			ret = write_frame(g, f, len);
	}
	g->cl[ci].n_cluster += 10;
	return ret;
}

static uint32_t
gen_arp_request(struct gen *g, uint8_t *f, uint32_t ci)
{
	static const struct hf_mac bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	static const struct hf_mac zero = {{0}};
	struct gen_cluster *cl = &g->cl[ci];
	uint32_t c = rnd_below(g, g->clients);
	struct hf_mac smac;
	bool unicast = rnd_below(g, 5) == 0;

	client_mac(c, &smac);
	return (uint32_t)hf_arp_build(f, GEN_FRAME_MAX, unicast ? &cl->mac : &bcast, &smac,
		HF_ARP_OP_REQUEST, &smac, client_ip(c), unicast ? &cl->mac : &zero, cl->ip);
}

static uint32_t
gen_exp_frame(uint8_t *f, const struct hf_mac *dst, const struct hf_mac *src, uint64_t seq)
{
	uint32_t off = put_eth(f, dst, src, 0, 0, GEN_ETHERTYPE_EXP);

	fill_payload(f + off, 46, seq);
	return off + 46;
}

/* A frame that matches no cluster; sets *same_port for a learned destination. */
static uint32_t
gen_unmatched(struct gen *g, uint8_t *f, bool *same_port)
{
	static const struct hf_mac bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	static const struct hf_mac zero = {{0}};
	uint32_t c = rnd_below(g, g->clients);
	uint32_t r = rnd_below(g, 100), tip, i, len;
	struct hf_mac smac, rmac, dmac;
	struct ipspec s;

	*same_port = false;
	client_mac(c, &smac);
	router_mac(rnd_below(g, GEN_NB_ROUTERS), &rmac);
	memset(&s, 0, sizeof(s));
	s.src_mac = &smac;
	s.src4 = client_ip(c);
	s.plen = payload_len(g);
	if (r < 20 && g->clients > 1) {
		/* client to client: only towards a client the bridge has learned */
		uint32_t start = rnd_below(g, g->clients);

		for (i = 0; i < g->clients; i++) {
			uint32_t b = (start + i) % g->clients;

			if (b != c && g->learned[b]) {
				client_mac(b, &dmac);
				s.dst_mac = &dmac;
				s.dst4 = client_ip(b);
				s.l4 = L4_UDP;
				s.sport = 5353;
				s.dport = 5353;
				*same_port = true;
				len = build_ip(g, f, &s);
				goto out;
			}
		}
		r = 20; /* nobody learned yet: fall through to a routed frame */
	}
	if (r < 50) {
		pick_vlan(g, &s);
		s.dst_mac = &rmac;
		s.dst4 = dest_ip(rnd_below(g, g->dests));
		s.l4 = rnd_below(g, 2) ? L4_UDP : L4_TCP;
		s.sport = (uint16_t)(32768 + rnd_below(g, 28000));
		s.dport = s.l4 == L4_UDP ? 53 : 80;
		len = build_ip(g, f, &s);
	} else if (r < 60) {
		s.dst_mac = &rmac;
		s.v6 = true;
		client_ip6(c, s.src6);
		dest_ip6(rnd_below(g, g->dests), s.dst6);
		s.l4 = L4_UDP;
		s.sport = 40000;
		s.dport = 53;
		len = build_ip(g, f, &s);
	} else if (r < 85) {
		/* who-has the LAN router or another client, never a cluster IP */
		tip = rnd_below(g, 2) ? ip4(198, 51, 100, 1) : client_ip(rnd_below(g, g->clients));
		if (is_cluster_ip(g, tip) || tip == s.src4)
			tip = ip4(198, 51, 100, 2);
		if (is_cluster_ip(g, tip))
			tip = ip4(198, 51, 100, 3);
		len = (uint32_t)hf_arp_build(f, GEN_FRAME_MAX, &bcast, &smac, HF_ARP_OP_REQUEST,
			&smac, s.src4, &zero, tip);
	} else {
		len = gen_exp_frame(f, rnd_below(g, 2) ? &bcast : &rmac, &smac, g->seq);
	}
out:
	g->learned[c] = true;
	return len;
}

/*
 * Malformed frame number k of its run: reasons in turn, and within a reason
 * its variants in turn. Returns the length, sets *reason.
 */
static uint32_t
gen_malformed(struct gen *g, uint8_t *f, uint32_t k, int *reason)
{
	const struct gen_cluster *cl = &g->cl[0];
	uint32_t c = rnd_below(g, g->clients);
	uint32_t v = k / 5, off, len;
	struct hf_mac smac;
	struct ipspec s;
	uint8_t *l3;

	client_mac(c, &smac);
	memset(&s, 0, sizeof(s));
	s.dst_mac = &cl->mac;
	s.src_mac = &smac;
	s.src4 = client_ip(c);
	s.dst4 = dest_ip(rnd_below(g, g->dests));
	s.l4 = L4_UDP;
	s.sport = s.dport = 4500;
	s.plen = 64;

	switch (k % 5) {
	case 0:
		/* shorter than an Ethernet header: 1..13 bytes */
		*reason = HF_PKT_ERR_SHORT;
		len = 1 + rnd_below(g, 13);
		memcpy(f, cl->mac.b, 6);
		memcpy(f + 6, smac.b, 6);
		f[12] = 0x08;
		return len;
	case 1:
		*reason = HF_PKT_ERR_VLAN;
		switch (v % 3) {
		case 0: /* one tag, cut after its TCI */
			put_eth(f, &cl->mac, &smac, 0, 0, HF_ETHERTYPE_VLAN);
			wr16(f + 14, 100);
			return 16;
		case 1: /* three tags */
			s.nb_vlan = 2;
			s.vid = 100;
			len = build_ip(g, f + 4, &s);
			memmove(f, f + 4, 12);
			wr16(f + 12, HF_ETHERTYPE_QINQ);
			wr16(f + 14, 2000);
			return len + 4;
		default: /* second tag cut after its TPID */
			off = put_eth(f, &cl->mac, &smac, 1, 100, HF_ETHERTYPE_VLAN);
			return off;
		}
	case 2:
		*reason = HF_PKT_ERR_ARP;
		len = (uint32_t)hf_arp_build(f, GEN_FRAME_MAX,
			&(struct hf_mac){{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}, &smac,
			HF_ARP_OP_REQUEST, &smac, s.src4, &(struct hf_mac){{0}}, cl->ip);
		switch (v % 4) {
		case 0: /* truncated: 20 of 28 ARP bytes */
			return HF_ETH_HLEN + 20;
		case 1: /* htype 6 (IEEE 802) */
			wr16(f + 14, 6);
			return len;
		case 2: /* ptype IPv6 */
			wr16(f + 16, HF_ETHERTYPE_IPV6);
			return len;
		default: /* hlen 8 */
			f[18] = 8;
			return len;
		}
	case 3:
		*reason = HF_PKT_ERR_IPV4;
		if (v % 6 == 5) {
			s.nb_vlan = 1;
			s.vid = 101;
		}
		len = build_ip(g, f, &s);
		l3 = f + HF_ETH_HLEN + 4 * s.nb_vlan;
		switch (v % 6) {
		case 0: /* version 6 in an IPv4 frame */
			l3[0] = 0x65;
			return len;
		case 1: /* IHL 4 */
			l3[0] = 0x44;
			return len;
		case 2: /* total length past the frame */
			wr16(l3 + 2, (uint16_t)(len + 100));
			return len;
		case 3: /* header cut at 10 bytes */
			return HF_ETH_HLEN + 10;
		case 4: /* total length shorter than the header */
			wr16(l3 + 2, 16);
			return len;
		default: /* VLAN-tagged, IHL 15 past the frame end: options cut */
			l3[0] = 0x4f;
			return (uint32_t)(l3 - f) + 40;
		}
	default:
		*reason = HF_PKT_ERR_IPV6;
		s.v6 = true;
		client_ip6(c, s.src6);
		dest_ip6(rnd_below(g, g->dests), s.dst6);
		len = build_ip(g, f, &s);
		l3 = f + HF_ETH_HLEN;
		switch (v % 3) {
		case 0: /* header cut at 30 bytes */
			return HF_ETH_HLEN + 30;
		case 1: /* version 4 in an IPv6 frame */
			l3[0] = (uint8_t)(0x40 | (l3[0] & 0x0f));
			return len;
		default: /* payload length past the frame */
			wr16(l3 + 4, (uint16_t)(len + 8));
			return len;
		}
	}
}

/* ---- output ------------------------------------------------------------------- */

static int
write_frame(struct gen *g, const uint8_t *f, uint32_t len)
{
	struct pcap_pkthdr h;
	uint64_t us = g->seq * GEN_TS_STEP_US;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = GEN_TS_START + (long)(us / 1000000);
	h.ts.tv_usec = (long)(us % 1000000);
	h.caplen = len;
	h.len = len;
	pcap_dump((u_char *)g->dump, &h, f);
	g->seq++;
	return 0;
}

/* The frame must parse the way its class says; anything else is our bug. */
static int
self_check(const struct gen *g, const uint8_t *f, uint32_t len, enum gen_class cls, int reason)
{
	struct hf_pkt_info pi;
	int err = hf_pkt_parse(f, len, &pi);
	bool ok;

	switch (cls) {
	case C_MALFORMED:
		ok = err == reason;
		break;
	case C_CLUSTER:
	case C_TO_CLUSTER_IP:
		ok = err == HF_PKT_OK && (pi.kind == HF_PKT_IPV4 || pi.kind == HF_PKT_IPV6);
		break;
	case C_ARP:
		ok = err == HF_PKT_OK && pi.kind == HF_PKT_ARP && pi.arp_op == HF_ARP_OP_REQUEST &&
		     is_cluster_ip(g, pi.arp_tip);
		break;
	case C_CLUSTER_NON_IP:
		ok = err == HF_PKT_OK && pi.kind == HF_PKT_OTHER;
		break;
	case C_UNMATCHED:
	default:
		ok = err == HF_PKT_OK && !is_cluster_mac(g, (const struct hf_mac *)f) &&
		     !(pi.kind == HF_PKT_IPV4 && is_cluster_ip(g, pi.dst_key)) &&
		     !(pi.kind == HF_PKT_ARP && is_cluster_ip(g, pi.arp_tip));
		break;
	}
	if (!ok) {
		fprintf(stderr,
			"hf-pcapgen: internal error: frame %" PRIu64
			" (class %d) parses as '%s' (kind %u)\n",
			g->seq + 1, (int)cls, hf_pkt_err_str(err), pi.kind);
		return -EINVAL;
	}
	return 0;
}

static int
write_manifest(const struct gen *g, uint64_t total)
{
	uint64_t n_cluster = 0, n_to_ip = 0, n_arp = 0, n_non_ip = 0, n_mal = 0;
	char ip[HF_IP4_STRLEN], mac[HF_MAC_STRLEN];
	uint32_t i;
	FILE *f;

	if (g->manifest_path == NULL)
		return 0;
	f = fopen(g->manifest_path, "w");
	if (f == NULL) {
		fprintf(stderr, "hf-pcapgen: %s: %s\n", g->manifest_path, strerror(errno));
		return -errno;
	}
	for (i = 0; i < g->nb_clusters; i++) {
		n_cluster += g->cl[i].n_cluster;
		n_to_ip += g->cl[i].n_to_ip;
		n_arp += g->cl[i].n_arp;
		n_non_ip += g->cl[i].n_non_ip;
	}
	for (i = 1; i < HF_PKT_ERR__MAX; i++)
		n_mal += g->n_malformed[i];
	fprintf(f, "{\n");
	fprintf(f, "  \"generator\": \"hf-pcapgen\",\n");
	fprintf(f, "  \"seed\": %" PRIu64 ",\n", g->seed);
	fprintf(f, "  \"packets\": %" PRIu64 ",\n", total);
	fprintf(f, "  \"foreign_probes\": %u,\n", g->foreign_probe != 0 ? 1u : 0u);
	fprintf(f, "  \"cluster\": %" PRIu64 ",\n", n_cluster);
	fprintf(f, "  \"to_cluster_ip\": %" PRIu64 ",\n", n_to_ip);
	fprintf(f, "  \"arp_requests\": %" PRIu64 ",\n", n_arp);
	fprintf(f, "  \"unmatched\": %u,\n", g->unmatched);
	fprintf(f, "  \"unmatched_same_port\": %" PRIu64 ",\n", g->n_unmatched_same_port);
	fprintf(f, "  \"cluster_non_ip\": %" PRIu64 ",\n", n_non_ip);
	fprintf(f, "  \"malformed_total\": %" PRIu64 ",\n", n_mal);
	fprintf(f,
		"  \"malformed\": {\"short\": %" PRIu64 ", \"vlan\": %" PRIu64 ", \"arp\": %" PRIu64
		", \"ipv4\": %" PRIu64 ", \"ipv6\": %" PRIu64 "},\n",
		g->n_malformed[HF_PKT_ERR_SHORT], g->n_malformed[HF_PKT_ERR_VLAN],
		g->n_malformed[HF_PKT_ERR_ARP], g->n_malformed[HF_PKT_ERR_IPV4],
		g->n_malformed[HF_PKT_ERR_IPV6]);
	fprintf(f, "  \"frag_pairs\": %u,\n", g->frag_pairs);
	fprintf(f, "  \"clients\": %u,\n", g->clients);
	fprintf(f, "  \"destinations\": %u,\n", g->dests);
	fprintf(f, "  \"clusters\": [");
	for (i = 0; i < g->nb_clusters; i++)
		fprintf(f,
			"%s\n    {\"ip\": \"%s\", \"mac\": \"%s\", \"cluster\": %" PRIu64
			", \"to_cluster_ip\": %" PRIu64 ", \"arp_requests\": %" PRIu64
			", \"cluster_non_ip\": %" PRIu64 "}",
			i ? "," : "", hf_ip4_str(g->cl[i].ip, ip), hf_mac_str(&g->cl[i].mac, mac),
			g->cl[i].n_cluster, g->cl[i].n_to_ip, g->cl[i].n_arp, g->cl[i].n_non_ip);
	fprintf(f, "\n  ]\n}\n");
	if (fclose(f) != 0) {
		fprintf(stderr, "hf-pcapgen: %s: %s\n", g->manifest_path, strerror(errno));
		return -EIO;
	}
	return 0;
}

static int
open_output(struct gen *g)
{
	g->pcap = pcap_open_dead(DLT_EN10MB, GEN_SNAPLEN);
	if (g->pcap == NULL) {
		fprintf(stderr, "hf-pcapgen: pcap_open_dead failed\n");
		return -ENOMEM;
	}
	g->dump = pcap_dump_open(g->pcap, g->out_path);
	if (g->dump == NULL) {
		fprintf(stderr, "hf-pcapgen: %s: %s\n", g->out_path, pcap_geterr(g->pcap));
		pcap_close(g->pcap);
		return -EIO;
	}
	return 0;
}

static int
close_output(struct gen *g)
{
	int ret = 0;

	if (pcap_dump_flush(g->dump) != 0) {
		fprintf(stderr, "hf-pcapgen: %s: write failed\n", g->out_path);
		ret = -EIO;
	}
	pcap_dump_close(g->dump);
	pcap_close(g->pcap);
	return ret;
}

static int
generate(struct gen *g)
{
	uint64_t total = (uint64_t)g->packets + g->to_ip + g->arp + g->unmatched + g->non_ip +
			 g->malformed + g->frag_pairs;
	uint8_t f[GEN_FRAME_MAX];
	uint32_t pairs = 0;
	uint8_t *cls;
	uint64_t i, k = 0;
	int ret;

	cls = malloc(total ? total : 1);
	if (cls == NULL)
		return -ENOMEM;
	memset(cls, C_CLUSTER, g->packets);
	k = g->packets;
	memset(cls + k, C_TO_CLUSTER_IP, g->to_ip);
	k += g->to_ip;
	memset(cls + k, C_ARP, g->arp);
	k += g->arp;
	memset(cls + k, C_UNMATCHED, g->unmatched);
	k += g->unmatched;
	memset(cls + k, C_CLUSTER_NON_IP, g->non_ip);
	k += g->non_ip;
	memset(cls + k, C_MALFORMED, g->malformed);
	k += g->malformed;
	memset(cls + k, C_FRAG_PAIR, g->frag_pairs);
	/* Fisher-Yates: a random interleaving of the classes */
	for (i = total; i > 1; i--) {
		uint64_t j = (rnd(g) >> 11) % i;
		uint8_t t = cls[i - 1];

		cls[i - 1] = cls[j];
		cls[j] = t;
	}

	ret = open_output(g);
	if (ret < 0) {
		free(cls);
		return ret;
	}
	if (g->foreign_probe != 0) {
		static const struct hf_mac bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
		static const struct hf_mac zero = {{0}};
		static const struct hf_mac fmac = GEN_FOREIGN_MAC;
		int len = hf_arp_build(f, GEN_FRAME_MAX, &bcast, &fmac, HF_ARP_OP_REQUEST, &fmac, 0,
			&zero, g->foreign_probe);

		ret = len > 0 ? write_frame(g, f, (uint32_t)len) : -EINVAL;
	}
	for (i = 0; i < total && ret == 0; i++) {
		uint32_t ci = rnd_below(g, g->nb_clusters), len;
		int reason = HF_PKT_OK;
		bool same_port;

		if (cls[i] == C_FRAG_PAIR) {
			ret = gen_frag_pair(g, ci, pairs++);
			continue;
		}
		switch (cls[i]) {
		case C_CLUSTER:
			len = gen_cluster_frame(g, f, ci, false);
			g->cl[ci].n_cluster++;
			break;
		case C_TO_CLUSTER_IP:
			len = gen_cluster_frame(g, f, ci, true);
			g->cl[ci].n_cluster++;
			g->cl[ci].n_to_ip++;
			break;
		case C_ARP:
			len = gen_arp_request(g, f, ci);
			g->cl[ci].n_arp++;
			break;
		case C_UNMATCHED:
			len = gen_unmatched(g, f, &same_port);
			g->n_unmatched_same_port += same_port;
			break;
		case C_CLUSTER_NON_IP: {
			struct hf_mac smac;

			client_mac(rnd_below(g, g->clients), &smac);
			len = gen_exp_frame(f, &g->cl[ci].mac, &smac, g->seq);
			g->cl[ci].n_non_ip++;
			break;
		}
		default:
			len = gen_malformed(g, f, g->malformed_next++, &reason);
			g->n_malformed[reason]++;
			break;
		}
		ret = self_check(g, f, len, (enum gen_class)cls[i], reason);
		if (ret == 0)
			ret = write_frame(g, f, len);
	}
	free(cls);
	if (close_output(g) < 0 && ret == 0)
		ret = -EIO;
	if (ret == 0)
		ret = write_manifest(g, total + (g->foreign_probe != 0) + 9ull * g->frag_pairs);
	return ret;
}

static int
write_empty(struct gen *g)
{
	int ret = open_output(g);

	if (ret < 0)
		return ret;
	return close_output(g);
}

/* ---- command line ----------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: hf-pcapgen -o FILE [--manifest FILE] [options]\n"
		"       hf-pcapgen -o FILE --empty\n"
		"  -o, --output FILE       capture to write (pcap, Ethernet)\n"
		"      --manifest FILE     JSON counts of what was written, by class\n"
		"      --empty             write a valid capture with no frame and exit\n"
		"      --seed N            PRNG seed (default 1); same arguments, same bytes\n"
		"      --cluster-ip A      cluster IP (default 192.0.2.1); repeat for more\n"
		"      --cluster-mac M     cluster MAC (default 00:00:5e:00:01:01), paired\n"
		"                          with --cluster-ip in order\n"
		"      --lan-mac M         hyperflow's LAN port MAC; never generated as a\n"
		"                          source (default 02:00:00:00:00:01)\n"
		"      --clients N         client hosts, 198.51.100.10.., MAC\n"
		"                          02:00:00:01:xx:xx (default 20, max %u)\n"
		"      --dests N           remote destinations: 203.0.113.1-254 then\n"
		"                          198.51.100.200-254 (default 200, max %u)\n"
		"      --packets N         cluster frames to remote destinations (default 1000)\n"
		"      --to-cluster-ip N   frames to the cluster IP itself (default 0)\n"
		"      --arp N             who-has cluster IP from clients (default 0)\n"
		"      --unmatched N       frames for no cluster (default 0)\n"
		"      --cluster-non-ip N  non-IP frames to the cluster MAC (default 0)\n"
		"      --malformed N       malformed frames, every parser reason (default 0)\n"
		"      --vlan-share PCT    802.1Q-tagged share of IP frames (default 5)\n"
		"      --ipv6-share PCT    IPv6 share of cluster frames (default 10)\n"
		"      --reply-share PCT   share of cluster frames sent as replies, destination\n"
		"                          to client (default 0)\n"
		"      --max-payload N     largest L4 payload, 0..1400 (default 1400)\n"
		"      --foreign-probe IP  first frame: another host's ARP probe for IP\n"
		"      --frag-pairs N      pairs of NAT-T flows with a datagram each in\n"
		"                          fragments, in a random order (10 frames a pair,\n"
		"                          IPv6 for --ipv6-share of them; default 0)\n",
		GEN_MAX_CLIENTS, GEN_MAX_DESTS);
}

static int
parse_u32(const char *opt, const char *s, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v > max) {
		fprintf(stderr, "hf-pcapgen: --%s: '%s' is not a number in 0..%u\n", opt, s, max);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

enum {
	OPT_MANIFEST = 256,
	OPT_EMPTY,
	OPT_SEED,
	OPT_CLUSTER_IP,
	OPT_CLUSTER_MAC,
	OPT_LAN_MAC,
	OPT_CLIENTS,
	OPT_DESTS,
	OPT_PACKETS,
	OPT_TO_IP,
	OPT_ARP,
	OPT_UNMATCHED,
	OPT_NON_IP,
	OPT_MALFORMED,
	OPT_VLAN_SHARE,
	OPT_IPV6_SHARE,
	OPT_REPLY_SHARE,
	OPT_MAX_PAYLOAD,
	OPT_FOREIGN_PROBE,
	OPT_FRAG_PAIRS,
};

static const struct option long_opts[] = {
	{"output", required_argument, NULL, 'o'},
	{"manifest", required_argument, NULL, OPT_MANIFEST},
	{"empty", no_argument, NULL, OPT_EMPTY},
	{"seed", required_argument, NULL, OPT_SEED},
	{"cluster-ip", required_argument, NULL, OPT_CLUSTER_IP},
	{"cluster-mac", required_argument, NULL, OPT_CLUSTER_MAC},
	{"lan-mac", required_argument, NULL, OPT_LAN_MAC},
	{"clients", required_argument, NULL, OPT_CLIENTS},
	{"dests", required_argument, NULL, OPT_DESTS},
	{"packets", required_argument, NULL, OPT_PACKETS},
	{"to-cluster-ip", required_argument, NULL, OPT_TO_IP},
	{"arp", required_argument, NULL, OPT_ARP},
	{"unmatched", required_argument, NULL, OPT_UNMATCHED},
	{"cluster-non-ip", required_argument, NULL, OPT_NON_IP},
	{"malformed", required_argument, NULL, OPT_MALFORMED},
	{"vlan-share", required_argument, NULL, OPT_VLAN_SHARE},
	{"ipv6-share", required_argument, NULL, OPT_IPV6_SHARE},
	{"reply-share", required_argument, NULL, OPT_REPLY_SHARE},
	{"max-payload", required_argument, NULL, OPT_MAX_PAYLOAD},
	{"foreign-probe", required_argument, NULL, OPT_FOREIGN_PROBE},
	{"frag-pairs", required_argument, NULL, OPT_FRAG_PAIRS},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int
parse_args(struct gen *g, int argc, char **argv)
{
	const uint32_t big = 10000000;
	uint32_t seed_lo;
	int opt, ret = 0;

	while ((opt = getopt_long(argc, argv, "o:h", long_opts, NULL)) != -1 && ret == 0) {
		switch (opt) {
		case 'o':
			g->out_path = optarg;
			break;
		case OPT_MANIFEST:
			g->manifest_path = optarg;
			break;
		case OPT_EMPTY:
			g->empty = true;
			break;
		case OPT_SEED:
			ret = parse_u32("seed", optarg, UINT32_MAX, &seed_lo);
			g->seed = seed_lo;
			break;
		case OPT_CLUSTER_IP:
			if (g->nb_clusters == GEN_MAX_CLUSTERS ||
				hf_ip4_parse(optarg, &g->cl[g->nb_clusters].ip) < 0) {
				fprintf(stderr, "hf-pcapgen: --cluster-ip: bad or too many: '%s'\n",
					optarg);
				ret = -EINVAL;
			}
			g->nb_clusters++;
			break;
		case OPT_CLUSTER_MAC:
			if (g->nb_cl_mac == GEN_MAX_CLUSTERS ||
				hf_mac_parse(optarg, &g->cl[g->nb_cl_mac].mac) < 0) {
				fprintf(stderr,
					"hf-pcapgen: --cluster-mac: bad or too many: '%s'\n",
					optarg);
				ret = -EINVAL;
			}
			g->nb_cl_mac++;
			break;
		case OPT_LAN_MAC:
			if (hf_mac_parse(optarg, &g->lan_mac) < 0) {
				fprintf(stderr, "hf-pcapgen: --lan-mac: bad MAC '%s'\n", optarg);
				ret = -EINVAL;
			}
			break;
		case OPT_CLIENTS:
			ret = parse_u32("clients", optarg, GEN_MAX_CLIENTS, &g->clients);
			break;
		case OPT_DESTS:
			ret = parse_u32("dests", optarg, GEN_MAX_DESTS, &g->dests);
			break;
		case OPT_PACKETS:
			ret = parse_u32("packets", optarg, big, &g->packets);
			break;
		case OPT_TO_IP:
			ret = parse_u32("to-cluster-ip", optarg, big, &g->to_ip);
			break;
		case OPT_ARP:
			ret = parse_u32("arp", optarg, big, &g->arp);
			break;
		case OPT_UNMATCHED:
			ret = parse_u32("unmatched", optarg, big, &g->unmatched);
			break;
		case OPT_NON_IP:
			ret = parse_u32("cluster-non-ip", optarg, big, &g->non_ip);
			break;
		case OPT_MALFORMED:
			ret = parse_u32("malformed", optarg, big, &g->malformed);
			break;
		case OPT_VLAN_SHARE:
			ret = parse_u32("vlan-share", optarg, 100, &g->vlan_share);
			break;
		case OPT_IPV6_SHARE:
			ret = parse_u32("ipv6-share", optarg, 100, &g->ipv6_share);
			break;
		case OPT_REPLY_SHARE:
			ret = parse_u32("reply-share", optarg, 100, &g->reply_share);
			break;
		case OPT_MAX_PAYLOAD:
			ret = parse_u32("max-payload", optarg, 1400, &g->max_payload);
			break;
		case OPT_FOREIGN_PROBE:
			if (hf_ip4_parse(optarg, &g->foreign_probe) < 0 || g->foreign_probe == 0) {
				fprintf(stderr, "hf-pcapgen: --foreign-probe: bad address '%s'\n",
					optarg);
				ret = -EINVAL;
			}
			break;
		case OPT_FRAG_PAIRS:
			ret = parse_u32("frag-pairs", optarg, 100000, &g->frag_pairs);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (ret < 0)
		return ret;
	if (optind != argc) {
		fprintf(stderr, "hf-pcapgen: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (g->out_path == NULL) {
		fprintf(stderr, "hf-pcapgen: -o FILE is required\n");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static int
validate(struct gen *g)
{
	struct hf_mac m;
	uint32_t i, j;

	if (g->nb_clusters == 0 && g->nb_cl_mac == 0) {
		hf_ip4_parse("192.0.2.1", &g->cl[0].ip);
		hf_mac_parse("00:00:5e:00:01:01", &g->cl[0].mac);
		g->nb_clusters = g->nb_cl_mac = 1;
	}
	if (g->nb_clusters != g->nb_cl_mac) {
		fprintf(stderr, "hf-pcapgen: %u --cluster-ip but %u --cluster-mac\n",
			g->nb_clusters, g->nb_cl_mac);
		return -EINVAL;
	}
	if (g->clients == 0 || g->dests == 0) {
		fprintf(stderr, "hf-pcapgen: --clients and --dests must be at least 1\n");
		return -EINVAL;
	}
	for (i = 0; i < g->nb_clusters; i++) {
		if (hf_mac_is_multicast(&g->cl[i].mac) || hf_mac_is_zero(&g->cl[i].mac)) {
			fprintf(stderr, "hf-pcapgen: cluster MAC must be unicast\n");
			return -EINVAL;
		}
		for (j = 0; j < g->clients; j++) {
			client_mac(j, &m);
			if (g->cl[i].ip == client_ip(j) || hf_mac_eq(&g->cl[i].mac, &m)) {
				fprintf(stderr, "hf-pcapgen: cluster %u collides with client %u\n",
					i, j);
				return -EINVAL;
			}
		}
		for (j = 0; j < g->dests; j++) {
			if (g->cl[i].ip == dest_ip(j)) {
				fprintf(stderr,
					"hf-pcapgen: cluster IP is destination %u; lower"
					" --dests\n",
					j);
				return -EINVAL;
			}
		}
		for (j = 0; j < GEN_NB_ROUTERS; j++) {
			router_mac(j, &m);
			if (hf_mac_eq(&g->cl[i].mac, &m)) {
				fprintf(stderr, "hf-pcapgen: cluster MAC is a router MAC\n");
				return -EINVAL;
			}
		}
	}
	for (j = 0; j < g->clients; j++) {
		client_mac(j, &m);
		if (hf_mac_eq(&g->lan_mac, &m)) {
			fprintf(stderr, "hf-pcapgen: --lan-mac collides with client %u\n", j);
			return -EINVAL;
		}
	}
	for (j = 0; j < GEN_NB_ROUTERS; j++) {
		router_mac(j, &m);
		if (hf_mac_eq(&g->lan_mac, &m)) {
			fprintf(stderr, "hf-pcapgen: --lan-mac collides with a router MAC\n");
			return -EINVAL;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct gen g;
	int ret;

	g.seed = 1;
	g.clients = 20;
	g.dests = 200;
	g.packets = 1000;
	g.vlan_share = 5;
	g.ipv6_share = 10;
	g.max_payload = 1400;
	hf_mac_parse("02:00:00:00:00:01", &g.lan_mac);

	if (parse_args(&g, argc, argv) < 0)
		return 2;
	if (g.empty)
		return write_empty(&g) < 0 ? 1 : 0;
	if (validate(&g) < 0)
		return 2;
	g.rng = g.seed;
	ret = generate(&g);
	return ret < 0 ? 1 : 0;
}
