/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hf-pcapcheck: packet-by-packet check of what hyperflow wrote to its
 * net_pcap tx files, against the input capture and the configuration.
 *
 * It never reads the binary's counters. From the config (hf_config_load)
 * and the input (fed to the FIRST configured port; every other port is
 * given an empty capture) it computes, with the core's own hf_pkt_parse,
 * hf_hash_pkt and hf_maglev_build, where every input frame must go:
 *
 *   malformed                 nowhere
 *   IPv4 to a cluster IP, or  the member table[hash & (buckets - 1)] of the
 *   IPv4/IPv6 to a cluster    cluster (members live = state up and MAC
 *   MAC                       known, and so is every other leg of its
 *                             device: members of any cluster with the same
 *                             `device`; the table keyed by device name
 *                             where there is one), on that member's port,
 *                             eth dst = member MAC, eth src = port MAC,
 *                             bytes 12..end unchanged; nowhere when no
 *                             member is live
 *   ARP request for a         an ARP reply on the same port when the
 *   cluster IP                cluster serves it, else nothing; the request
 *                             itself is never forwarded
 *   fragment for a 5-tuple    its flow's member: the first fragment by its
 *   cluster                   own ports, a later one by the ports of its
 *                             datagram's first fragment (same cluster,
 *                             addresses, protocol and IP id) wherever that
 *                             is in the input; a later fragment before its
 *                             first leaves after it (not in input order);
 *                             with no first fragment in the input: nowhere
 *                             (held, then dropped as frag_timeout)
 *   other frame to a cluster  nowhere (cluster_non_ip)
 *   MAC
 *   anything else             unmatched = "drop": nowhere; "bridge": an
 *                             ideal learning bridge (learns the source of
 *                             every bridged frame): known unicast on another
 *                             port there, on its own port nowhere, else all
 *                             other ports; byte-identical
 *
 * Pairing: every conversation (address pair, either direction) sent
 * through clusters whose members name devices must reach one device,
 * whichever cluster it crossed; a configuration with devices shared by
 * several clusters whose input has no conversation crossing two of them
 * fails (the case would check nothing).
 *
 * Then it reads every output capture and accounts for every frame: data
 * frames are traced back to their input frame by content (bytes 12..end),
 * and must appear exactly once on each port they should, in input order per
 * port. ARP replies and gratuitous ARPs (one per cluster per serving port)
 * are checked field by field. ARP requests the control plane sends from a
 * port's own MAC (address probes, member resolution) are tolerated and
 * counted. Anything else is a failure.
 *
 * Exit: 0 all good, 1 any failure, 2 usage or input error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include <hyperflow/config.h>
#include <hyperflow/err.h>
#include <hyperflow/hash.h>
#include <hyperflow/maglev.h>
#include <hyperflow/pkt.h>

#define CK_REPORT_DEFAULT 25
#define CK_NONE UINT32_MAX

struct frame {
	uint32_t len;
	uint8_t *data;
	uint64_t key; /* content key over bytes 12..end */
};

struct capture {
	const char *path;
	uint32_t n;
	uint32_t cap;
	struct frame *f;
};

/* Where an input frame must go. */
enum disp {
	X_MALFORMED,
	X_CLUSTER,   /* forwarded to a member */
	X_NO_MEMBER, /* cluster traffic, no live member */
	X_ARP_SERVED,
	X_ARP_NOT_SERVED,
	X_ARP_OTHER, /* ARP for a cluster IP that is not a request */
	X_CLUSTER_NON_IP,
	X_UNMATCHED, /* dropped (unmatched = drop, or nowhere to flood) */
	X_BRIDGED,
	X_BRIDGE_SAME_PORT,
	X_IGNORED, /* for the control plane's own address: not checked */
	X_FRAG_ORPHAN, /* later fragment of a 5-tuple cluster, its first fragment never sent */
	X__MAX
};

static const char *const disp_names[X__MAX] = {
	[X_MALFORMED] = "malformed",
	[X_CLUSTER] = "cluster",
	[X_NO_MEMBER] = "cluster, no live member",
	[X_ARP_SERVED] = "ARP request, served",
	[X_ARP_NOT_SERVED] = "ARP request, port not served",
	[X_ARP_OTHER] = "ARP for a cluster IP, not a request",
	[X_CLUSTER_NON_IP] = "non-IP to a cluster MAC",
	[X_UNMATCHED] = "unmatched, dropped",
	[X_BRIDGED] = "bridged",
	[X_BRIDGE_SAME_PORT] = "bridged, destination on its input port",
	[X_IGNORED] = "control-plane address (not checked)",
	[X_FRAG_ORPHAN] = "later fragment, no first fragment (held, dropped)",
};

struct expect {
	uint8_t disp;
	uint8_t err;	   /* enum hf_pkt_err when malformed */
	uint8_t misrouted; /* seen on a wrong port (reported there) */
	uint8_t held;	   /* later fragment before its first: leaves after it, out of order */
	uint16_t cluster;
	uint32_t member; /* index in the cluster, CK_NONE */
	uint32_t hash;
	uint32_t want; /* ports where the frame must appear */
	uint32_t seen; /* ports where it did */
};

struct reply_exp {
	uint32_t in_idx; /* request's input frame */
	uint32_t port;
	bool seen;
	uint8_t frame[HF_ETH_MIN_FRAME];
};

struct obs {
	uint32_t cluster;
	uint32_t hash;
	uint32_t member;
	uint32_t in_idx;
};

/* One frame of a conversation sent to a device (pairing check). */
struct conv {
	uint8_t family;
	uint32_t lo, hi;        /* the folded addresses, ordered */
	uint16_t cluster;
	const char *device;
	uint32_t in_idx;
};

struct member_ck {
	bool live;
	bool held;   /* up with a MAC, but another leg of its device is not */
	uint64_t expected;
	uint64_t seen;
};

struct cluster_ck {
	uint8_t *table;
	struct member_ck *m;
	uint64_t rx; /* cluster frames */
	uint64_t tx; /* to a member */
	uint64_t no_member;
	uint64_t frag_orphan; /* later fragments whose first fragment never came */
	uint32_t garp[HF_MAX_PORTS];
};

/* A first fragment of a 5-tuple cluster in the input: its datagram and ports. */
struct frag_head {
	uint32_t cluster;
	uint32_t src, dst, id; /* as in struct hf_pkt_info */
	uint8_t proto, family;
	uint16_t sport, dport;
	uint32_t in_idx;
};

struct port_ck {
	const char *out_path;
	struct capture out;
	uint32_t last_in; /* last input frame matched here, CK_NONE */
	uint64_t data;
	uint64_t replies;
	uint64_t garps;
	uint64_t ctl; /* tolerated control-plane requests */
};

struct fdb_ent {
	uint64_t mac;
	uint32_t port;
};

struct ck {
	const char *cfg_path;
	const char *in_path;
	const char *summary_path;
	bool quiet;
	bool verbose;
	unsigned int max_report;
	struct hf_config *cfg;
	struct capture in;
	struct expect *x;
	struct cluster_ck *cl;
	struct port_ck port[HF_MAX_PORTS];
	struct reply_exp *rep;
	uint32_t nb_rep;
	struct obs *obs;
	uint32_t nb_obs;
	uint32_t cap_obs;
	struct fdb_ent *fdb;
	uint32_t nb_fdb;
	struct frag_head *heads;
	uint32_t nb_heads;
	uint64_t counts[X__MAX];
	uint64_t malformed[HF_PKT_ERR__MAX];
	uint64_t failures;
	uint64_t garp_expected;
	/* conversations through clusters with devices (pairing check) */
	struct conv *conv;
	uint32_t nb_conv;
	bool shared_devices;   /* some device has legs in several clusters */
	uint64_t conv_crossing;   /* conversations seen through two clusters or more */
	/* sorted (key, index) of input frames, for tracing output frames back */
	uint64_t *idx_key;
	uint32_t *idx_pos;
};

/* ---- reporting --------------------------------------------------------------- */

static void __attribute__((format(printf, 2, 3))) fail(struct ck *k, const char *fmt, ...)
{
	va_list ap;

	k->failures++;
	if (!k->verbose && k->failures > k->max_report) {
		if (k->failures == k->max_report + 1)
			printf("FAIL ... more failures not shown (use --verbose)\n");
		return;
	}
	va_start(ap, fmt);
	printf("FAIL ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

static const char *
macs(const uint8_t *b, char buf[HF_MAC_STRLEN])
{
	struct hf_mac m;

	memcpy(m.b, b, 6);
	return hf_mac_str(&m, buf);
}

static const char *
pname(const struct ck *k, uint32_t p)
{
	return k->cfg->ports[p].name;
}

/* ---- captures ------------------------------------------------------------------ */

static uint64_t
content_key(const uint8_t *d, uint32_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ len;
	uint32_t i = len >= 12 ? 12 : 0;

	for (; i < len; i++) {
		h ^= d[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static bool
same_content(const struct frame *a, const struct frame *b)
{
	uint32_t off = a->len >= 12 ? 12 : 0;

	return a->len == b->len && memcmp(a->data + off, b->data + off, a->len - off) == 0;
}

static int
cap_load(struct capture *c, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	int ret;

	memset(c, 0, sizeof(*c));
	c->path = path;
	p = pcap_open_offline(path, errbuf);
	if (p == NULL) {
		fprintf(stderr, "hf-pcapcheck: %s: %s\n", path, errbuf);
		return -EIO;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "hf-pcapcheck: %s: not an Ethernet capture\n", path);
		pcap_close(p);
		return -EINVAL;
	}
	while ((ret = pcap_next_ex(p, &h, &d)) == 1) {
		struct frame *f;

		if (c->n == c->cap) {
			uint32_t ncap = c->cap ? c->cap * 2 : 1024;
			struct frame *nf = realloc(c->f, ncap * sizeof(*nf));

			if (nf == NULL) {
				pcap_close(p);
				return -ENOMEM;
			}
			c->f = nf;
			c->cap = ncap;
		}
		if (h->caplen < h->len)
			fprintf(stderr, "hf-pcapcheck: %s: frame %u truncated in the capture\n",
				path, c->n + 1);
		f = &c->f[c->n];
		f->len = h->caplen;
		f->data = malloc(h->caplen ? h->caplen : 1);
		if (f->data == NULL) {
			pcap_close(p);
			return -ENOMEM;
		}
		memcpy(f->data, d, h->caplen);
		f->key = content_key(f->data, f->len);
		c->n++;
	}
	if (ret == -1) {
		fprintf(stderr, "hf-pcapcheck: %s: %s\n", path, pcap_geterr(p));
		pcap_close(p);
		return -EIO;
	}
	pcap_close(p);
	return 0;
}

static void
cap_free(struct capture *c)
{
	uint32_t i;

	for (i = 0; i < c->n; i++)
		free(c->f[i].data);
	free(c->f);
	memset(c, 0, sizeof(*c));
}

/* ---- configuration view ------------------------------------------------------------ */

static int
cluster_by_ip(const struct ck *k, uint32_t ip)
{
	uint32_t i;

	for (i = 0; i < k->cfg->nb_clusters; i++)
		if (k->cfg->clusters[i].ip == ip)
			return (int)i;
	return -1;
}

/* First cluster in config order with this MAC (clusters may share one). */
static int
cluster_by_mac(const struct ck *k, const uint8_t *b)
{
	uint32_t i;

	for (i = 0; i < k->cfg->nb_clusters; i++)
		if (memcmp(k->cfg->clusters[i].mac.b, b, 6) == 0)
			return (int)i;
	return -1;
}

static bool
is_probe_ip(const struct ck *k, uint32_t ip)
{
	uint32_t i;

	for (i = 0; i < k->cfg->nb_probe; i++)
		if (k->cfg->probe_pool[i] == ip)
			return true;
	return false;
}

static const char *
member_state(const struct hf_member_conf *mc)
{
	if (!mc->has_mac)
		return "no-mac";
	return hf_admin_state_str(mc->state);
}

/*
 * A member is live when it is up with a MAC, and so is every member of
 * another cluster naming the same device (the device's other legs).
 */
static bool
device_live(struct ck *k, uint32_t c, const struct hf_member_conf *mc)
{
	uint32_t o, i;

	if (mc->state != HF_ADMIN_UP || !mc->has_mac)
		return false;
	if (mc->device[0] == '\0')
		return true;
	for (o = 0; o < k->cfg->nb_clusters; o++) {
		const struct hf_cluster_conf *oc = &k->cfg->clusters[o];

		for (i = 0; i < oc->nb_members && o != c; i++)
			if (strcmp(oc->members[i].device, mc->device) == 0) {
				k->shared_devices = true;
				if (oc->members[i].state != HF_ADMIN_UP || !oc->members[i].has_mac)
					return false;
			}
	}
	return true;
}

static int
build_tables(struct ck *k)
{
	struct hf_maglev_member mm[HF_MAX_MEMBERS];
	uint32_t c, i;
	int ret;

	k->cl = calloc(k->cfg->nb_clusters ? k->cfg->nb_clusters : 1, sizeof(*k->cl));
	if (k->cl == NULL)
		return -ENOMEM;
	for (c = 0; c < k->cfg->nb_clusters; c++) {
		const struct hf_cluster_conf *cc = &k->cfg->clusters[c];
		struct cluster_ck *cl = &k->cl[c];

		cl->table = malloc(cc->buckets * sizeof(*cl->table));
		cl->m = calloc(cc->nb_members ? cc->nb_members : 1, sizeof(*cl->m));
		if (cl->table == NULL || cl->m == NULL || cc->nb_members > HF_MAX_MEMBERS)
			return -ENOMEM;
		for (i = 0; i < cc->nb_members; i++) {
			const struct hf_member_conf *mc = &cc->members[i];

			cl->m[i].live = device_live(k, c, mc);
			cl->m[i].held = !cl->m[i].live && mc->state == HF_ADMIN_UP && mc->has_mac;
			mm[i].key = mc->device[0] != '\0' ? hf_config_device_key(mc->device) : mc->ip;
			mm[i].weight = mc->weight;
			mm[i].live = cl->m[i].live;
		}
		ret = hf_maglev_build(mm, cc->nb_members, cc->buckets, cl->table);
		if (ret < 0) {
			fprintf(stderr, "hf-pcapcheck: cluster '%s': bucket table: %s\n", cc->name,
				strerror(-ret));
			return ret;
		}
		for (i = 0; i < HF_MAX_PORTS; i++)
			if (cc->port_mask & (1u << i))
				k->garp_expected++;
	}
	return 0;
}

/* ---- expectations --------------------------------------------------------------------- */

static uint32_t
fdb_lookup(const struct ck *k, uint64_t mac)
{
	uint32_t i;

	for (i = 0; i < k->nb_fdb; i++)
		if (k->fdb[i].mac == mac)
			return k->fdb[i].port;
	return CK_NONE;
}

static int
fdb_learn(struct ck *k, uint64_t mac, uint32_t port)
{
	uint32_t i;
	struct fdb_ent *n;

	for (i = 0; i < k->nb_fdb; i++) {
		if (k->fdb[i].mac == mac) {
			k->fdb[i].port = port;
			return 0;
		}
	}
	n = realloc(k->fdb, (k->nb_fdb + 1) * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	k->fdb = n;
	k->fdb[k->nb_fdb].mac = mac;
	k->fdb[k->nb_fdb].port = port;
	k->nb_fdb++;
	return 0;
}

/*
 * The cluster an IPv4/IPv6 frame goes to, as build_expectations decides
 * (cluster IP first, then cluster MAC), or -1. For fragments only: the
 * probe address and VRRP are not fragmented in the inputs we generate.
 */
static int
cluster_of_ip_frame(const struct ck *k, const uint8_t *eth, const struct hf_pkt_info *pi)
{
	int c;

	if (pi->kind == HF_PKT_IPV4 && (c = cluster_by_ip(k, pi->dst_key)) >= 0)
		return c;
	if (pi->kind == HF_PKT_IPV4 && is_probe_ip(k, pi->dst_key))
		return -1;
	if ((pi->kind == HF_PKT_IPV4 || pi->kind == HF_PKT_IPV6) && !(eth[0] & 1))
		return cluster_by_mac(k, eth);
	return -1;
}

/* Every first fragment for a 5-tuple cluster in the input, in input order. */
static int
collect_frag_heads(struct ck *k)
{
	struct hf_pkt_info pi;
	struct frag_head *h;
	uint32_t i;
	int c;

	for (i = 0; i < k->in.n; i++) {
		if (hf_pkt_parse(k->in.f[i].data, k->in.f[i].len, &pi) != HF_PKT_OK ||
		    !pi.is_fragment || pi.frag_off != 0)
			continue;
		c = cluster_of_ip_frame(k, k->in.f[i].data, &pi);
		if (c < 0 || k->cfg->clusters[c].hash != HF_HASH_5TUPLE)
			continue;
		h = realloc(k->heads, (k->nb_heads + 1) * sizeof(*h));
		if (h == NULL)
			return -ENOMEM;
		k->heads = h;
		h = &k->heads[k->nb_heads++];
		h->cluster = (uint32_t)c;
		h->src = pi.src_key;
		h->dst = pi.dst_key;
		h->id = pi.frag_id;
		h->proto = pi.proto;
		h->family = pi.kind == HF_PKT_IPV6 ? 6 : 4;
		h->sport = pi.sport;
		h->dport = pi.dport;
		h->in_idx = i;
	}
	return 0;
}

/* The first fragment of the datagram a later fragment belongs to, or NULL. */
static const struct frag_head *
frag_head_of(const struct ck *k, uint32_t c, const struct hf_pkt_info *pi)
{
	uint8_t family = pi->kind == HF_PKT_IPV6 ? 6 : 4;
	uint32_t i;

	for (i = 0; i < k->nb_heads; i++) {
		const struct frag_head *h = &k->heads[i];

		if (h->cluster == c && h->src == pi->src_key && h->dst == pi->dst_key &&
		    h->id == pi->frag_id && h->proto == pi->proto && h->family == family)
			return h;
	}
	return NULL;
}

static int
expect_cluster(struct ck *k, struct expect *x, uint32_t idx, uint32_t c,
	const struct hf_pkt_info *pi)
{
	const struct hf_cluster_conf *cc = &k->cfg->clusters[c];
	struct cluster_ck *cl = &k->cl[c];
	struct hf_pkt_info flow;
	uint8_t m;

	x->cluster = (uint16_t)c;
	if (cc->hash == HF_HASH_5TUPLE && pi->is_fragment && pi->frag_off != 0) {
		/* a later fragment goes by its datagram's first fragment's ports */
		const struct frag_head *h = frag_head_of(k, c, pi);

		if (h == NULL) {
			x->disp = X_FRAG_ORPHAN;
			cl->rx++;
			cl->frag_orphan++;
			return 0;
		}
		flow = *pi;
		flow.sport = h->sport;
		flow.dport = h->dport;
		pi = &flow;
		x->held = h->in_idx > idx;
	}
	x->hash = hf_hash_pkt(pi, cc->hash);
	m = cl->table[x->hash & (cc->buckets - 1)];
	cl->rx++;
	if (m == HF_MAGLEV_NONE) {
		x->disp = X_NO_MEMBER;
		cl->no_member++;
		return 0;
	}
	x->disp = X_CLUSTER;
	x->member = m;
	x->want = 1u << cc->members[m].port;
	cl->tx++;
	cl->m[m].expected++;
	if (cc->members[m].device[0] != '\0') {
		struct conv *n = realloc(k->conv, (k->nb_conv + 1) * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		k->conv = n;
		n[k->nb_conv++] = (struct conv){
			pi->kind == HF_PKT_IPV6 ? 6 : 4,
			pi->src_key < pi->dst_key ? pi->src_key : pi->dst_key,
			pi->src_key < pi->dst_key ? pi->dst_key : pi->src_key,
			(uint16_t)c, cc->members[m].device, idx};
	}
	return 0;
}

static int
cmp_conv(const void *a, const void *b)
{
	const struct conv *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return x->in_idx < y->in_idx ? -1 : (x->in_idx > y->in_idx);
}

/* Every conversation through clusters with devices reaches one device. */
static void
check_pairing(struct ck *k)
{
	char a[HF_IP4_STRLEN], b[HF_IP4_STRLEN];
	uint32_t i, j, l;

	if (k->nb_conv > 0)   /* qsort's array may not be NULL, even for 0 elements */
		qsort(k->conv, k->nb_conv, sizeof(*k->conv), cmp_conv);
	for (i = 0; i < k->nb_conv; i = j) {
		bool crossing = false;

		for (j = i + 1; j < k->nb_conv && k->conv[j].family == k->conv[i].family &&
			k->conv[j].lo == k->conv[i].lo && k->conv[j].hi == k->conv[i].hi; j++)
			;
		for (l = i + 1; l < j; l++) {
			crossing = crossing || k->conv[l].cluster != k->conv[i].cluster;
			if (strcmp(k->conv[l].device, k->conv[i].device) != 0)
				fail(k, "pairing: conversation %s <-> %s (IPv%u) goes to device %s "
					"through cluster %s (input #%u) and to device %s through "
					"cluster %s (input #%u)",
					hf_ip4_str(k->conv[i].lo, a), hf_ip4_str(k->conv[i].hi, b),
					k->conv[i].family, k->conv[i].device,
					k->cfg->clusters[k->conv[i].cluster].name, k->conv[i].in_idx + 1,
					k->conv[l].device, k->cfg->clusters[k->conv[l].cluster].name,
					k->conv[l].in_idx + 1);
		}
		k->conv_crossing += crossing;
	}
	if (k->shared_devices && k->conv_crossing == 0)
		fail(k, "pairing: clusters share devices but no conversation of the input crossed "
			"two of them: the case checks nothing");
}

static int
expect_arp(struct ck *k, struct expect *x, uint32_t idx, uint32_t c, uint32_t in_port,
	const struct hf_pkt_info *pi)
{
	const struct hf_cluster_conf *cc = &k->cfg->clusters[c];
	struct reply_exp *r, *n;

	x->cluster = (uint16_t)c;
	if (pi->arp_op != HF_ARP_OP_REQUEST) {
		x->disp = X_ARP_OTHER;
		return 0;
	}
	if (!(cc->port_mask & (1u << in_port))) {
		x->disp = X_ARP_NOT_SERVED;
		return 0;
	}
	x->disp = X_ARP_SERVED;
	n = realloc(k->rep, (k->nb_rep + 1) * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	k->rep = n;
	r = &k->rep[k->nb_rep++];
	memset(r, 0, sizeof(*r));
	r->in_idx = idx;
	r->port = in_port;
	/* the one frame the contract allows, built independently of the binary */
	memcpy(r->frame, k->in.f[idx].data + 6, 6); /* eth dst = requester */
	memcpy(r->frame + 6, cc->mac.b, 6);	    /* eth src = cluster MAC */
	r->frame[12] = 0x08;
	r->frame[13] = 0x06;
	r->frame[15] = 1;    /* htype Ethernet */
	r->frame[16] = 0x08; /* ptype IPv4 */
	r->frame[18] = 6;
	r->frame[19] = 4;
	r->frame[21] = HF_ARP_OP_REPLY;
	memcpy(r->frame + 22, cc->mac.b, 6);	 /* sha */
	memcpy(r->frame + 28, &cc->ip, 4);	 /* spa */
	memcpy(r->frame + 32, pi->arp_sha.b, 6); /* tha = requester sha */
	memcpy(r->frame + 38, &pi->arp_sip, 4);	 /* tpa = requester spa */
	return 0;
}

static int
expect_unmatched(struct ck *k, struct expect *x, const uint8_t *eth, uint32_t in_port)
{
	uint32_t all = k->cfg->nb_ports >= 32 ? UINT32_MAX : (1u << k->cfg->nb_ports) - 1;
	uint32_t where;

	if (k->cfg->unmatched != HF_UNMATCHED_BRIDGE) {
		x->disp = X_UNMATCHED;
		return 0;
	}
	if (!(eth[6] & 1) && fdb_learn(k, hf_mac_key(eth + 6), in_port) < 0)
		return -ENOMEM;
	where = (eth[0] & 1) ? CK_NONE : fdb_lookup(k, hf_mac_key(eth));
	if (where == in_port) {
		x->disp = X_BRIDGE_SAME_PORT;
	} else if (where != CK_NONE) {
		x->disp = X_BRIDGED;
		x->want = 1u << where;
	} else {
		x->want = all & ~(1u << in_port);
		x->disp = x->want ? X_BRIDGED : X_UNMATCHED;
	}
	return 0;
}

static int
build_expectations(struct ck *k)
{
	const uint32_t in_port = 0;
	uint32_t i;
	int c, ret;

	k->x = calloc(k->in.n ? k->in.n : 1, sizeof(*k->x));
	if (k->x == NULL)
		return -ENOMEM;
	ret = collect_frag_heads(k);
	if (ret < 0)
		return ret;
	for (i = 0; i < k->in.n; i++) {
		const uint8_t *eth = k->in.f[i].data;
		struct expect *x = &k->x[i];
		struct hf_pkt_info pi;
		int err = hf_pkt_parse(eth, k->in.f[i].len, &pi);

		x->member = CK_NONE;
		ret = 0;
		if (err != HF_PKT_OK) {
			x->disp = X_MALFORMED;
			x->err = (uint8_t)err;
			k->malformed[err]++;
		} else if (pi.kind == HF_PKT_IPV4 && (c = cluster_by_ip(k, pi.dst_key)) >= 0) {
			ret = expect_cluster(k, x, i, (uint32_t)c, &pi);
		} else if ((pi.kind == HF_PKT_IPV4 && is_probe_ip(k, pi.dst_key)) ||
			   (pi.kind == HF_PKT_IPV4 && pi.proto == HF_IPPROTO_VRRP &&
				   k->cfg->ha.enabled) ||
			   (pi.kind == HF_PKT_ARP && is_probe_ip(k, pi.arp_tip))) {
			x->disp = X_IGNORED;
		} else if (pi.kind == HF_PKT_ARP && (c = cluster_by_ip(k, pi.arp_tip)) >= 0) {
			ret = expect_arp(k, x, i, (uint32_t)c, in_port, &pi);
		} else if (!(eth[0] & 1) && (c = cluster_by_mac(k, eth)) >= 0) {
			if (pi.kind == HF_PKT_IPV4 || pi.kind == HF_PKT_IPV6) {
				ret = expect_cluster(k, x, i, (uint32_t)c, &pi);
			} else {
				x->disp = X_CLUSTER_NON_IP;
				x->cluster = (uint16_t)c;
			}
		} else {
			ret = expect_unmatched(k, x, eth, in_port);
		}
		if (ret < 0)
			return ret;
		k->counts[x->disp]++;
	}
	return 0;
}

/* ---- tracing output frames back to input frames ---------------------------------------- */

struct idx_ent {
	uint64_t key;
	uint32_t pos;
};

static int
cmp_idx(const void *a, const void *b)
{
	const struct idx_ent *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

static int
build_index(struct ck *k)
{
	uint32_t n = k->in.n ? k->in.n : 1, i;
	struct idx_ent *e = malloc(n * sizeof(*e));

	k->idx_pos = malloc(n * sizeof(uint32_t));
	k->idx_key = malloc(n * sizeof(uint64_t));
	if (e == NULL || k->idx_pos == NULL || k->idx_key == NULL) {
		free(e);
		return -ENOMEM;
	}
	for (i = 0; i < k->in.n; i++) {
		e[i].key = k->in.f[i].key;
		e[i].pos = i;
	}
	qsort(e, k->in.n, sizeof(*e), cmp_idx);
	for (i = 0; i < k->in.n; i++) {
		k->idx_key[i] = e[i].key;
		k->idx_pos[i] = e[i].pos;
	}
	free(e);
	return 0;
}

/* First position in the index with this key, or in.n. */
static uint32_t
index_first(const struct ck *k, uint64_t key)
{
	uint32_t lo = 0, hi = k->in.n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (k->idx_key[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Member of cluster c on port p with this MAC, or CK_NONE. */
static uint32_t
member_by_mac(const struct ck *k, uint32_t c, uint32_t p, const uint8_t *mac)
{
	const struct hf_cluster_conf *cc = &k->cfg->clusters[c];
	uint32_t i;

	for (i = 0; i < cc->nb_members; i++)
		if (cc->members[i].has_mac && cc->members[i].port == p &&
			memcmp(cc->members[i].mac.b, mac, 6) == 0)
			return i;
	return CK_NONE;
}

static int
record_obs(struct ck *k, uint32_t c, uint32_t hash, uint32_t m, uint32_t in_idx)
{
	struct obs *n;

	if (k->nb_obs == k->cap_obs) {
		uint32_t ncap = k->cap_obs ? k->cap_obs * 2 : 1024;

		n = realloc(k->obs, ncap * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		k->obs = n;
		k->cap_obs = ncap;
	}
	k->obs[k->nb_obs].cluster = c;
	k->obs[k->nb_obs].hash = hash;
	k->obs[k->nb_obs].member = m;
	k->obs[k->nb_obs].in_idx = in_idx;
	k->nb_obs++;
	return 0;
}

/* Headers of a cluster frame found on its expected port. */
static void
check_cluster_frame(struct ck *k, uint32_t p, uint32_t on, uint32_t i, const struct frame *o)
{
	const struct expect *x = &k->x[i];
	const struct hf_cluster_conf *cc = &k->cfg->clusters[x->cluster];
	const struct hf_member_conf *want = &cc->members[x->member];
	const struct hf_port_conf *pc = &k->cfg->ports[p];
	char a[HF_MAC_STRLEN], b[HF_MAC_STRLEN];
	uint32_t got;

	got = member_by_mac(k, x->cluster, p, o->data);
	if (got != CK_NONE) {
		k->cl[x->cluster].m[got].seen++;
		record_obs(k, x->cluster, x->hash, got, i);
	}
	if (memcmp(o->data, want->mac.b, 6) != 0) {
		if (got != CK_NONE)
			fail(k,
				"%s out #%u: input #%u of cluster %s went to member %s (%s), "
				"expected %s",
				pname(k, p), on, i + 1, cc->name, cc->members[got].name,
				member_state(&cc->members[got]), want->name);
		else
			fail(k,
				"%s out #%u: input #%u of cluster %s: eth dst %s, expected member "
				"%s %s",
				pname(k, p), on, i + 1, cc->name, macs(o->data, a), want->name,
				hf_mac_str(&want->mac, b));
	}
	if (pc->has_mac && memcmp(o->data + 6, pc->mac.b, 6) != 0)
		fail(k, "%s out #%u: input #%u: eth src %s, expected port MAC %s", pname(k, p), on,
			i + 1, macs(o->data + 6, a), hf_mac_str(&pc->mac, b));
}

/* A frame found on a port it should not be on. */
static void
report_misplaced(struct ck *k, uint32_t p, uint32_t on, uint32_t i, const struct frame *o)
{
	struct expect *x = &k->x[i];
	const struct hf_cluster_conf *cc;
	uint32_t got, q;

	if (x->disp == X_CLUSTER || x->disp == X_NO_MEMBER) {
		cc = &k->cfg->clusters[x->cluster];
		got = member_by_mac(k, x->cluster, p, o->data);
		if (got != CK_NONE) {
			k->cl[x->cluster].m[got].seen++;
			record_obs(k, x->cluster, x->hash, got, i);
		}
		if (x->disp == X_NO_MEMBER) {
			fail(k, "%s out #%u: input #%u of cluster %s (no live member) was sent%s%s",
				pname(k, p), on, i + 1, cc->name, got != CK_NONE ? " to " : "",
				got != CK_NONE ? cc->members[got].name : "");
			return;
		}
		x->misrouted = 1;
		for (q = 0; q < k->cfg->nb_ports && !(x->want & (1u << q)); q++)
			;
		fail(k,
			"%s out #%u: input #%u of cluster %s went to %s%s%s on %s, expected "
			"member %s on %s",
			pname(k, p), on, i + 1, cc->name,
			got != CK_NONE ? "member " : "an unknown MAC",
			got != CK_NONE ? cc->members[got].name : "",
			got != CK_NONE && !k->cl[x->cluster].m[got].live ? " (not live)" : "",
			pname(k, p), cc->members[x->member].name, pname(k, q));
		return;
	}
	if (x->disp == X_MALFORMED) {
		fail(k, "%s out #%u: malformed input #%u (%s) was forwarded", pname(k, p), on,
			i + 1, hf_pkt_err_str(x->err));
		return;
	}
	fail(k, "%s out #%u: input #%u (%s) should not be on this port", pname(k, p), on, i + 1,
		disp_names[x->disp]);
}

static void
check_data_frame(struct ck *k, uint32_t p, uint32_t on, const struct frame *o)
{
	struct port_ck *pk = &k->port[p];
	uint32_t pos = index_first(k, o->key), first = CK_NONE, dup = CK_NONE, best = CK_NONE;
	char a[HF_MAC_STRLEN], b[HF_MAC_STRLEN];

	for (; pos < k->in.n && k->idx_key[pos] == o->key; pos++) {
		uint32_t i = k->idx_pos[pos];
		const struct expect *x = &k->x[i];

		if (!same_content(&k->in.f[i], o))
			continue;
		if (first == CK_NONE)
			first = i;
		if (x->want & (1u << p)) {
			if (!(x->seen & (1u << p))) {
				best = i;
				break;
			}
			if (dup == CK_NONE)
				dup = i;
		}
	}
	pk->data++;
	if (best == CK_NONE) {
		if (dup != CK_NONE)
			fail(k, "%s out #%u: input #%u (%s) sent again (duplicate)", pname(k, p),
				on, dup + 1, disp_names[k->x[dup].disp]);
		else if (first != CK_NONE)
			report_misplaced(k, p, on, first, o);
		else
			fail(k, "%s out #%u: %u-byte frame %s > %s matches no input frame",
				pname(k, p), on, o->len, o->len >= 12 ? macs(o->data + 6, a) : "?",
				o->len >= 12 ? macs(o->data, b) : "?");
		return;
	}
	k->x[best].seen |= 1u << p;
	/* a fragment held for its first one leaves after it: out of input order */
	if (!k->x[best].held && pk->last_in != CK_NONE && best < pk->last_in)
		fail(k, "%s out #%u: input #%u sent after input #%u (order not kept)", pname(k, p),
			on, best + 1, pk->last_in + 1);
	if (!k->x[best].held && (pk->last_in == CK_NONE || best > pk->last_in))
		pk->last_in = best;
	if (k->x[best].disp == X_CLUSTER)
		check_cluster_frame(k, p, on, best, o);
	else if (memcmp(o->data, k->in.f[best].data, 12) != 0)
		fail(k, "%s out #%u: bridged input #%u changed its Ethernet addresses", pname(k, p),
			on, best + 1);
}

/* An ARP reply matching no expected one: say which fields differ from the closest. */
static void
report_bad_reply(struct ck *k, uint32_t p, uint32_t on, const struct frame *o,
	const struct hf_cluster_conf *cc, const struct hf_pkt_info *pi)
{
	static const struct {
		const char *name;
		uint32_t off, len;
	} fields[] = {
		{"eth dst", 0, 6},
		{"eth src", 6, 6},
		{"ethertype", 12, 2},
		{"htype/ptype/hlen/plen", 14, 6},
		{"op", 20, 2},
		{"sha", 22, 6},
		{"spa", 28, 4},
		{"tha", 32, 6},
		{"tpa", 38, 4},
		{"padding", HF_ARP_FRAME_LEN, HF_ETH_MIN_FRAME - HF_ARP_FRAME_LEN},
	};
	const struct reply_exp *best = NULL;
	char a[HF_IP4_STRLEN], diff[160];
	size_t off = 0;
	uint32_t i;

	for (i = 0; i < k->nb_rep && best == NULL; i++)
		if (!k->rep[i].seen && k->rep[i].port == p &&
			memcmp(k->rep[i].frame + 38, &pi->arp_tip, 4) == 0)
			best = &k->rep[i];
	for (i = 0; i < k->nb_rep && best == NULL; i++)
		if (!k->rep[i].seen && k->rep[i].port == p)
			best = &k->rep[i];
	diff[0] = '\0';
	if (o->len != HF_ETH_MIN_FRAME)
		off += (size_t)snprintf(diff, sizeof(diff), " length %u (want 60)", o->len);
	for (i = 0; best != NULL && i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint32_t end = fields[i].off + fields[i].len;

		if (off >= sizeof(diff) - 32)
			break;
		if (end > o->len || memcmp(o->data + fields[i].off, best->frame + fields[i].off,
					    fields[i].len) != 0)
			off += (size_t)snprintf(
				diff + off, sizeof(diff) - off, " %s", fields[i].name);
	}
	if (best != NULL)
		fail(k,
			"%s out #%u: ARP reply for %s (cluster %s) wrong vs the reply to input #%u:"
			"%s",
			pname(k, p), on, hf_ip4_str(cc->ip, a), cc->name, best->in_idx + 1,
			diff[0] ? diff : " (identical reply already counted)");
	else
		fail(k, "%s out #%u: ARP reply for %s (cluster %s) answers no request on this port",
			pname(k, p), on, hf_ip4_str(cc->ip, a), cc->name);
}

/* Gratuitous ARP or ARP reply from a cluster MAC; false when not one. */
static bool
check_cluster_arp(
	struct ck *k, uint32_t p, uint32_t on, const struct frame *o, const struct hf_pkt_info *pi)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const struct hf_cluster_conf *cc = NULL;
	char a[HF_IP4_STRLEN];
	uint32_t c, i, z;

	for (c = 0; c < k->cfg->nb_clusters; c++) {
		if (memcmp(k->cfg->clusters[c].mac.b, o->data + 6, 6) == 0 &&
			k->cfg->clusters[c].ip == pi->arp_sip) {
			cc = &k->cfg->clusters[c];
			break;
		}
	}
	if (cc == NULL)
		return false;
	for (z = HF_ARP_FRAME_LEN; z < o->len && o->data[z] == 0; z++)
		;
	if (pi->arp_op == HF_ARP_OP_REQUEST) {
		k->port[p].garps++;
		k->cl[c].garp[p]++;
		if (!(cc->port_mask & (1u << p)))
			fail(k,
				"%s out #%u: gratuitous ARP for cluster %s on a port it does not "
				"serve",
				pname(k, p), on, cc->name);
		if (memcmp(o->data, bcast, 6) != 0 || pi->nb_vlan != 0 ||
			!hf_mac_eq(&pi->arp_sha, &cc->mac) || pi->arp_tip != cc->ip ||
			!hf_mac_is_zero(&pi->arp_tha) || o->len != HF_ETH_MIN_FRAME || z != o->len)
			fail(k,
				"%s out #%u: gratuitous ARP for %s (cluster %s) is malformed "
				"(want bcast dst, sha = cluster MAC, spa = tpa, tha 0, 60 bytes)",
				pname(k, p), on, hf_ip4_str(cc->ip, a), cc->name);
		return true;
	}
	k->port[p].replies++;
	for (i = 0; i < k->nb_rep; i++) {
		struct reply_exp *r = &k->rep[i];

		if (r->seen || r->port != p || o->len != HF_ETH_MIN_FRAME ||
			memcmp(r->frame, o->data, HF_ETH_MIN_FRAME) != 0)
			continue;
		r->seen = true;
		return true;
	}
	report_bad_reply(k, p, on, o, cc, pi);
	return true;
}

static void
check_port(struct ck *k, uint32_t p)
{
	struct port_ck *pk = &k->port[p];
	const struct hf_port_conf *pc = &k->cfg->ports[p];
	uint32_t j;

	pk->last_in = CK_NONE;
	for (j = 0; j < pk->out.n; j++) {
		const struct frame *o = &pk->out.f[j];
		struct hf_pkt_info pi;
		int err = hf_pkt_parse(o->data, o->len, &pi);

		if (err == HF_PKT_OK && pi.kind == HF_PKT_ARP) {
			if (check_cluster_arp(k, p, j + 1, o, &pi))
				continue;
			/* the control plane's own ARP (address probe, member resolution) */
			if (pc->has_mac && memcmp(o->data + 6, pc->mac.b, 6) == 0) {
				pk->ctl++;
				continue;
			}
		}
		check_data_frame(k, p, j + 1, o);
	}
}

/* ---- after all ports ---------------------------------------------------------------------- */

static int
cmp_obs(const void *a, const void *b)
{
	const struct obs *x = a, *y = b;

	if (x->cluster != y->cluster)
		return x->cluster < y->cluster ? -1 : 1;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->in_idx < y->in_idx ? -1 : (x->in_idx > y->in_idx);
}

static void
final_checks(struct ck *k)
{
	char a[HF_IP4_STRLEN];
	uint32_t i, c, p;

	for (i = 0; i < k->in.n; i++) {
		const struct expect *x = &k->x[i];
		uint32_t miss = x->want & ~x->seen;

		if (miss == 0 || x->misrouted)
			continue;
		for (p = 0; p < k->cfg->nb_ports; p++) {
			if (!(miss & (1u << p)))
				continue;
			if (x->disp == X_CLUSTER)
				fail(k, "input #%u (cluster %s, member %s) missing on %s", i + 1,
					k->cfg->clusters[x->cluster].name,
					k->cfg->clusters[x->cluster].members[x->member].name,
					pname(k, p));
			else
				fail(k, "input #%u (%s) missing on %s", i + 1, disp_names[x->disp],
					pname(k, p));
		}
	}
	for (i = 0; i < k->nb_rep; i++)
		if (!k->rep[i].seen)
			fail(k, "input #%u: ARP request got no (correct) reply on %s",
				k->rep[i].in_idx + 1, pname(k, k->rep[i].port));
	for (c = 0; c < k->cfg->nb_clusters; c++) {
		const struct hf_cluster_conf *cc = &k->cfg->clusters[c];

		for (p = 0; p < k->cfg->nb_ports; p++) {
			if (!(cc->port_mask & (1u << p)) || k->cl[c].garp[p] == 1)
				continue;
			fail(k, "cluster %s: %u gratuitous ARP(s) for %s on %s, expected one",
				cc->name, k->cl[c].garp[p], hf_ip4_str(cc->ip, a), pname(k, p));
		}
	}
	/* the same hash key always went to the same member */
	qsort(k->obs, k->nb_obs, sizeof(*k->obs), cmp_obs);
	for (i = 1; i < k->nb_obs; i++) {
		const struct obs *x = &k->obs[i - 1], *y = &k->obs[i];
		const struct hf_cluster_conf *cc = &k->cfg->clusters[y->cluster];

		if (x->cluster == y->cluster && x->hash == y->hash && x->member != y->member)
			fail(k, "cluster %s: hash 0x%08x went to %s (input #%u) and %s (input #%u)",
				cc->name, y->hash, cc->members[x->member].name, x->in_idx + 1,
				cc->members[y->member].name, y->in_idx + 1);
	}
	for (c = 0; c < k->cfg->nb_clusters; c++) {
		const struct hf_cluster_conf *cc = &k->cfg->clusters[c];

		for (i = 0; i < cc->nb_members; i++)
			if (!k->cl[c].m[i].live && k->cl[c].m[i].seen > 0)
				fail(k, "cluster %s: member %s is %s but got %" PRIu64 " frame(s)",
					cc->name, cc->members[i].name,
					member_state(&cc->members[i]), k->cl[c].m[i].seen);
	}
}

/* ---- output -----------------------------------------------------------------------------------
 */

static void
print_summary(const struct ck *k)
{
	uint64_t arp_seen = 0, garp_seen = 0, ctl = 0;
	uint32_t c, i, p;

	for (p = 0; p < k->cfg->nb_ports; p++) {
		arp_seen += k->port[p].replies;
		garp_seen += k->port[p].garps;
		ctl += k->port[p].ctl;
	}
	if (!k->quiet) {
		printf("input %s: %u frames: %" PRIu64 " cluster (%" PRIu64 " to a member, %" PRIu64
		       " no live member), %" PRIu64 " ARP for cluster IPs (%" PRIu64
		       " served, %" PRIu64 " not served), %" PRIu64 " non-IP to cluster MAC\n",
			k->in_path, k->in.n, k->counts[X_CLUSTER] + k->counts[X_NO_MEMBER],
			k->counts[X_CLUSTER], k->counts[X_NO_MEMBER],
			k->counts[X_ARP_SERVED] + k->counts[X_ARP_NOT_SERVED] +
				k->counts[X_ARP_OTHER],
			k->counts[X_ARP_SERVED], k->counts[X_ARP_NOT_SERVED],
			k->counts[X_CLUSTER_NON_IP]);
		printf("  unmatched (%s): %" PRIu64 " dropped, %" PRIu64 " bridged, %" PRIu64
		       " same-port; malformed: %" PRIu64 " short, %" PRIu64 " vlan, %" PRIu64
		       " arp, %" PRIu64 " ipv4, %" PRIu64 " ipv6\n",
			k->cfg->unmatched == HF_UNMATCHED_BRIDGE ? "bridge" : "drop",
			k->counts[X_UNMATCHED], k->counts[X_BRIDGED], k->counts[X_BRIDGE_SAME_PORT],
			k->malformed[HF_PKT_ERR_SHORT], k->malformed[HF_PKT_ERR_VLAN],
			k->malformed[HF_PKT_ERR_ARP], k->malformed[HF_PKT_ERR_IPV4],
			k->malformed[HF_PKT_ERR_IPV6]);
		for (c = 0; c < k->cfg->nb_clusters; c++) {
			const struct hf_cluster_conf *cc = &k->cfg->clusters[c];
			const struct cluster_ck *cl = &k->cl[c];

			printf("cluster %s (%s, %u buckets): %" PRIu64 " frames, %" PRIu64
			       " to members, %" PRIu64 " no live member, %" PRIu64
			       " fragment(s) without a first\n",
				cc->name, hf_hash_mode_str(cc->hash), cc->buckets, cl->rx, cl->tx,
				cl->no_member, cl->frag_orphan);
			for (i = 0; i < cc->nb_members; i++) {
				const struct member_ck *m = &cl->m[i];

				printf("  %-16s %-7s w%-3u %-8s %7" PRIu64 " %5.1f%%%s\n",
					cc->members[i].name, member_state(&cc->members[i]),
					cc->members[i].weight, pname(k, cc->members[i].port),
					m->seen,
					cl->tx ? 100.0 * (double)m->seen / (double)cl->tx : 0.0,
					m->seen != m->expected ? " (expected differs)" : "");
			}
		}
		for (p = 0; p < k->cfg->nb_ports; p++)
			printf("port %s: %u frames out (%" PRIu64 " data, %" PRIu64
			       " ARP replies, %" PRIu64 " GARPs, %" PRIu64 " control requests)\n",
				pname(k, p), k->port[p].out.n, k->port[p].data, k->port[p].replies,
				k->port[p].garps, k->port[p].ctl);
		printf("ARP replies: %" PRIu64 " seen, %u expected; GARPs: %" PRIu64
		       " seen, %" PRIu64 " expected%s\n",
			arp_seen, k->nb_rep, garp_seen, k->garp_expected,
			ctl ? "; control-plane requests tolerated" : "");
		if (k->nb_conv > 0)
			printf("pairing: %u frames to devices, %" PRIu64
			       " conversation(s) through two clusters or more, each on one device\n",
				k->nb_conv, k->conv_crossing);
		if (k->counts[X_IGNORED])
			printf("not checked: %" PRIu64
			       " frame(s) for the control plane's address\n",
				k->counts[X_IGNORED]);
	}
	printf("%s: %" PRIu64 " failure(s)\n", k->failures ? "FAIL" : "PASS", k->failures);
}

static int
write_summary_json(const struct ck *k)
{
	static const char *const mal[HF_PKT_ERR__MAX] = {
		[HF_PKT_ERR_SHORT] = "short",
		[HF_PKT_ERR_VLAN] = "vlan",
		[HF_PKT_ERR_ARP] = "arp",
		[HF_PKT_ERR_IPV4] = "ipv4",
		[HF_PKT_ERR_IPV6] = "ipv6",
	};
	uint32_t c, i, p;
	FILE *f;

	if (k->summary_path == NULL)
		return 0;
	f = fopen(k->summary_path, "w");
	if (f == NULL) {
		fprintf(stderr, "hf-pcapcheck: %s: %s\n", k->summary_path, strerror(errno));
		return -errno;
	}
	fprintf(f, "{\n  \"result\": \"%s\",\n  \"failures\": %" PRIu64 ",\n",
		k->failures ? "fail" : "pass", k->failures);
	fprintf(f, "  \"unmatched_mode\": \"%s\",\n",
		k->cfg->unmatched == HF_UNMATCHED_BRIDGE ? "bridge" : "drop");
	fprintf(f, "  \"input_frames\": %u,\n  \"counts\": {", k->in.n);
	fprintf(f,
		"\"cluster\": %" PRIu64 ", \"cluster_forwarded\": %" PRIu64
		", \"no_member\": %" PRIu64 ", \"arp_served\": %" PRIu64
		", \"arp_not_served\": %" PRIu64 ", \"arp_other\": %" PRIu64
		", \"cluster_non_ip\": %" PRIu64 ", \"unmatched_dropped\": %" PRIu64
		", \"bridged\": %" PRIu64 ", \"bridge_same_port\": %" PRIu64
		", \"ignored\": %" PRIu64 ", \"frag_orphan\": %" PRIu64,
		k->counts[X_CLUSTER] + k->counts[X_NO_MEMBER] + k->counts[X_FRAG_ORPHAN],
		k->counts[X_CLUSTER],
		k->counts[X_NO_MEMBER], k->counts[X_ARP_SERVED], k->counts[X_ARP_NOT_SERVED],
		k->counts[X_ARP_OTHER], k->counts[X_CLUSTER_NON_IP], k->counts[X_UNMATCHED],
		k->counts[X_BRIDGED], k->counts[X_BRIDGE_SAME_PORT], k->counts[X_IGNORED],
		k->counts[X_FRAG_ORPHAN]);
	for (i = 1; i < HF_PKT_ERR__MAX; i++)
		fprintf(f, ", \"malformed_%s\": %" PRIu64, mal[i], k->malformed[i]);
	fprintf(f, "},\n  \"garp_expected\": %" PRIu64 ",\n  \"ports\": [", k->garp_expected);
	for (p = 0; p < k->cfg->nb_ports; p++)
		fprintf(f,
			"%s\n    {\"name\": \"%s\", \"device\": \"%s\", \"rx\": %u, "
			"\"out_frames\": %u, \"data\": %" PRIu64 ", \"arp_replies\": %" PRIu64
			", \"garps\": %" PRIu64 ", \"control\": %" PRIu64 "}",
			p ? "," : "", k->cfg->ports[p].name, k->cfg->ports[p].device,
			p == 0 ? k->in.n : 0, k->port[p].out.n, k->port[p].data, k->port[p].replies,
			k->port[p].garps, k->port[p].ctl);
	fprintf(f, "\n  ],\n  \"clusters\": [");
	for (c = 0; c < k->cfg->nb_clusters; c++) {
		const struct hf_cluster_conf *cc = &k->cfg->clusters[c];

		fprintf(f,
			"%s\n    {\"name\": \"%s\", \"rx\": %" PRIu64 ", \"tx\": %" PRIu64
			", \"no_member\": %" PRIu64 ", \"frag_orphan\": %" PRIu64
			", \"members\": [",
			c ? "," : "", cc->name, k->cl[c].rx, k->cl[c].tx, k->cl[c].no_member,
			k->cl[c].frag_orphan);
		for (i = 0; i < cc->nb_members; i++)
			fprintf(f,
				"%s{\"name\": \"%s\", \"state\": \"%s\", \"has_mac\": %s, "
				"\"live\": %s, \"held\": %s, \"expected\": %" PRIu64
				", \"seen\": %" PRIu64 "}",
				i ? ", " : "", cc->members[i].name,
				hf_admin_state_str(cc->members[i].state),
				cc->members[i].has_mac ? "true" : "false",
				k->cl[c].m[i].live ? "true" : "false",
				k->cl[c].m[i].held ? "true" : "false", k->cl[c].m[i].expected,
				k->cl[c].m[i].seen);
		fprintf(f, "]}");
	}
	fprintf(f, "\n  ]\n}\n");
	return fclose(f) == 0 ? 0 : -EIO;
}

/* One line per port and cluster, for scripts (run_case.sh). */
static void
describe(const struct hf_config *cfg)
{
	char ip[HF_IP4_STRLEN], mac[HF_MAC_STRLEN];
	uint32_t i, p;

	printf("unmatched %s\n", cfg->unmatched == HF_UNMATCHED_BRIDGE ? "bridge" : "drop");
	for (p = 0; p < cfg->nb_ports; p++)
		printf("port %s %s %s\n", cfg->ports[p].name, cfg->ports[p].device,
			cfg->ports[p].has_mac ? hf_mac_str(&cfg->ports[p].mac, mac) : "-");
	for (i = 0; i < cfg->nb_clusters; i++) {
		const struct hf_cluster_conf *cc = &cfg->clusters[i];

		printf("cluster %s %s %s %s", cc->name, hf_ip4_str(cc->ip, ip),
			hf_mac_str(&cc->mac, mac), hf_hash_mode_str(cc->hash));
		for (p = 0; p < cfg->nb_ports; p++)
			if (cc->port_mask & (1u << p))
				printf(" %s", cfg->ports[p].name);
		printf("\n");
	}
}

/* ---- main ------------------------------------------------------------------------------------ */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: hf-pcapcheck -c CONFIG -i INPUT.pcap --out NAME=FILE.pcap ... [options]\n"
		"       hf-pcapcheck -c CONFIG --describe\n"
		"  -c, --config FILE        hyperflow configuration the binary ran with\n"
		"  -i, --input FILE         capture fed to the first configured port\n"
		"      --out NAME=FILE      what the binary wrote on port NAME (every port)\n"
		"      --summary-json FILE  write computed and observed counts as JSON\n"
		"      --describe           print ports and clusters of CONFIG and exit\n"
		"  -q, --quiet              print failures and the verdict only\n"
		"  -v, --verbose            print every failure (default: first %u)\n",
		CK_REPORT_DEFAULT);
}

static int
add_out(struct ck *k, char *arg, const char **pending, uint32_t *nb_pending)
{
	if (strchr(arg, '=') == NULL) {
		fprintf(stderr, "hf-pcapcheck: --out wants NAME=FILE, got '%s'\n", arg);
		return -EINVAL;
	}
	if (*nb_pending == HF_MAX_PORTS) {
		fprintf(stderr, "hf-pcapcheck: too many --out\n");
		return -EINVAL;
	}
	(void)k;
	pending[(*nb_pending)++] = arg;
	return 0;
}

static int
bind_outs(struct ck *k, const char **pending, uint32_t n)
{
	uint32_t i, p;
	int idx;

	for (i = 0; i < n; i++) {
		char name[HF_NAME_MAX];
		const char *eq = strchr(pending[i], '=');
		size_t len = (size_t)(eq - pending[i]);

		if (len >= sizeof(name)) {
			fprintf(stderr, "hf-pcapcheck: --out %s: name too long\n", pending[i]);
			return -EINVAL;
		}
		memcpy(name, pending[i], len);
		name[len] = '\0';
		idx = hf_config_port_index(k->cfg, name);
		if (idx < 0) {
			fprintf(stderr, "hf-pcapcheck: --out %s: no port '%s' in %s\n", pending[i],
				name, k->cfg_path);
			return -EINVAL;
		}
		k->port[idx].out_path = eq + 1;
	}
	for (p = 0; p < k->cfg->nb_ports; p++) {
		if (k->port[p].out_path == NULL) {
			fprintf(stderr, "hf-pcapcheck: no --out for port '%s'\n", pname(k, p));
			return -EINVAL;
		}
		if (!k->cfg->ports[p].has_mac)
			fprintf(stderr,
				"hf-pcapcheck: warning: port '%s' has no configured MAC; "
				"eth src of its frames is not checked\n",
				pname(k, p));
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"input", required_argument, NULL, 'i'},
		{"out", required_argument, NULL, 'o'},
		{"summary-json", required_argument, NULL, 's'},
		{"describe", no_argument, NULL, 'd'},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct ck k;
	static struct hf_errlist errs;
	const char *pending[HF_MAX_PORTS];
	uint32_t nb_pending = 0, p;
	bool do_describe = false;
	int opt, ret;

	k.max_report = CK_REPORT_DEFAULT;
	while ((opt = getopt_long(argc, argv, "c:i:qvh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			k.cfg_path = optarg;
			break;
		case 'i':
			k.in_path = optarg;
			break;
		case 'o':
			if (add_out(&k, optarg, pending, &nb_pending) < 0)
				return 2;
			break;
		case 's':
			k.summary_path = optarg;
			break;
		case 'd':
			do_describe = true;
			break;
		case 'q':
			k.quiet = true;
			break;
		case 'v':
			k.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || k.cfg_path == NULL || (!do_describe && k.in_path == NULL)) {
		usage(stderr);
		return 2;
	}
	hf_errlist_init(&errs);
	if (hf_config_load(k.cfg_path, &k.cfg, &errs) < 0) {
		fprintf(stderr, "hf-pcapcheck: %s is not a valid configuration:\n", k.cfg_path);
		hf_errlist_print(&errs, stderr);
		return 2;
	}
	if (do_describe) {
		describe(k.cfg);
		hf_config_free(k.cfg);
		return 0;
	}
	if (bind_outs(&k, pending, nb_pending) < 0 || cap_load(&k.in, k.in_path) < 0)
		return 2;
	for (p = 0; p < k.cfg->nb_ports; p++)
		if (cap_load(&k.port[p].out, k.port[p].out_path) < 0)
			return 2;
	ret = build_tables(&k);
	if (ret == 0)
		ret = build_expectations(&k);
	if (ret == 0)
		ret = build_index(&k);
	if (ret < 0) {
		fprintf(stderr, "hf-pcapcheck: %s\n", strerror(-ret));
		return 2;
	}
	for (p = 0; p < k.cfg->nb_ports; p++)
		check_port(&k, p);
	final_checks(&k);
	check_pairing(&k);
	print_summary(&k);
	if (write_summary_json(&k) < 0)
		return 2;

	for (p = 0; p < k.cfg->nb_ports; p++)
		cap_free(&k.port[p].out);
	cap_free(&k.in);
	free(k.conv);
	hf_config_free(k.cfg);
	return k.failures ? 1 : 0;
}
