/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the worker's per-packet path on hostile frames.
 *
 * The input is one Ethernet frame (no FCS), exactly as rx_burst would hand
 * it over. It goes through what a worker does with it: hf_pkt_parse, then
 * hf_dp_classify against two fixed snapshots (HA off and unmatched = drop;
 * HA on and unmatched = bridge, and a probe window for health replies), then, for every hash mode and every
 * cluster, hf_hash_pkt, hf_dp_bucket_member and hf_dp_flow_key.
 *
 * The worker's own first pass, hf_fp_plan (hf_fp_plan_burst for one
 * frame: inline parse of the common frame, else hf_pkt_parse), must reach the same verdict, hash and flow
 * key as that slow route (a fragment for a 5-tuple cluster: HF_ACT_FRAG,
 * then hf_fp_fragment's second pass).
 *
 * Besides memory safety (ASan sees a read one byte past the frame: libFuzzer
 * hands over a heap copy of exactly `size` bytes), it checks the contracts
 * in pkt.h, dataplane.h, hash.h and flowtab.h that the worker relies on.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <hyperflow/config.h>
#include <hyperflow/dataplane.h>
#include <hyperflow/fastpath.h>
#include <hyperflow/flowtab.h>
#include <hyperflow/hash.h>
#include <hyperflow/pkt.h>

#include "fuzz.h"

#define NB_PORTS 2
#define NB_CLUSTERS 3
#define NB_SNAPSHOTS 2

/*
 * The configuration, by hand (as in tests/unit/test_dataplane.c):
 *   lan0 02:00:00:00:00:01, vpn0 02:00:00:00:00:02; probe address 192.0.2.250
 *   c0 192.0.2.1    00:00:5e:00:01:01 dst-ip   64 buckets: three live members,
 *                                             weights 1, 2, 1
 *   c1 198.51.100.1 00:00:5e:00:01:01 5-tuple  64 buckets: one member admin
 *                                             down, one with no MAC (no live
 *                                             member: every bucket is NONE);
 *                                             shares c0's MAC
 *   c2 203.0.113.1  00:00:5e:00:01:02 src-dst  64 buckets: one live, one drain
 * Health: c0 icmp, c2 tunnel to 198.51.100.99, c1 none (b1's MAC is resolved
 * by ARP); the second snapshot has a probe window (every member uid with
 * probes 0..15 outstanding), the first none (any sequence number).
 */
static struct hf_member_conf c0_members[] = {
	{.name = "a0",
		.ip = IP4(192, 0, 2, 11),
		.key = IP4(192, 0, 2, 11),   /* as the loader derives it: no device */
		.has_mac = true,
		.mac = {{0x02, 0x00, 0x00, 0x00, 0x01, 0x01}},
		.port = 1,
		.weight = 1,
		.state = HF_ADMIN_UP},
	{.name = "a1",
		.ip = IP4(192, 0, 2, 12),
		.key = IP4(192, 0, 2, 12),   /* as the loader derives it: no device */
		.has_mac = true,
		.mac = {{0x02, 0x00, 0x00, 0x00, 0x01, 0x02}},
		.port = 1,
		.weight = 2,
		.state = HF_ADMIN_UP},
	{.name = "a2",
		.ip = IP4(192, 0, 2, 13),
		.key = IP4(192, 0, 2, 13),   /* as the loader derives it: no device */
		.has_mac = true,
		.mac = {{0x02, 0x00, 0x00, 0x00, 0x01, 0x03}},
		.port = 1,
		.weight = 1,
		.state = HF_ADMIN_UP},
};
static struct hf_member_conf c1_members[] = {
	{.name = "b0",
		.ip = IP4(198, 51, 100, 11),
		.key = IP4(198, 51, 100, 11),   /* as the loader derives it: no device */
		.has_mac = true,
		.mac = {{0x02, 0x00, 0x00, 0x00, 0x02, 0x01}},
		.port = 1,
		.weight = 1,
		.state = HF_ADMIN_DOWN},
	{.name = "b1",
		.ip = IP4(198, 51, 100, 12),
		.key = IP4(198, 51, 100, 12),   /* as the loader derives it: no device */
		.has_mac = false,
		.port = 1,
		.weight = 1,
		.state = HF_ADMIN_UP},
};
static struct hf_member_conf c2_members[] = {
	{.name = "d0",
		.ip = IP4(203, 0, 113, 11),
		.key = IP4(203, 0, 113, 11),   /* as the loader derives it: no device */
		.has_mac = true,
		.mac = {{0x02, 0x00, 0x00, 0x00, 0x03, 0x01}},
		.port = 0,
		.weight = 1,
		.state = HF_ADMIN_UP},
	{.name = "d1",
		.ip = IP4(203, 0, 113, 12),
		.key = IP4(203, 0, 113, 12),   /* as the loader derives it: no device */
		.has_mac = true,
		.mac = {{0x02, 0x00, 0x00, 0x00, 0x03, 0x02}},
		.port = 1,
		.weight = 1,
		.state = HF_ADMIN_DRAIN},
};
static struct hf_cluster_conf clusters[NB_CLUSTERS] = {
	{.name = "c0",
		.group = 0,   /* shares no device */
		.ip = IP4(192, 0, 2, 1),
		.mac = {{0x00, 0x00, 0x5e, 0x00, 0x01, 0x01}},
		.port_mask = 1,
		.hash = HF_HASH_DST_IP,
		.buckets = 64,
		.health = {.method = HF_HEALTH_ICMP, .interval_ms = 100, .timeout_ms = 300},
		.nb_members = 3,
		.members = c0_members},
	{.name = "c1",
		.group = 1,   /* shares no device */
		.ip = IP4(198, 51, 100, 1),
		.mac = {{0x00, 0x00, 0x5e, 0x00, 0x01, 0x01}},
		.port_mask = 3,
		.hash = HF_HASH_5TUPLE,
		.buckets = 64,
		.nb_members = 2,
		.members = c1_members},
	{.name = "c2",
		.group = 2,   /* shares no device */
		.ip = IP4(203, 0, 113, 1),
		.mac = {{0x00, 0x00, 0x5e, 0x00, 0x01, 0x02}},
		.port_mask = 1,
		.hash = HF_HASH_SRC_DST,
		.buckets = 64,
		.health = {.method = HF_HEALTH_TUNNEL,
			.interval_ms = 100,
			.timeout_ms = 300,
			.target = IP4(198, 51, 100, 99)},
		.nb_members = 2,
		.members = c2_members},
};
static const struct hf_dp_port ports[NB_PORTS] = {
	{.port_id = 0, .mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}}},
	{.port_id = 1, .mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}}},
};

static const enum hf_hash_mode modes[] = {
	HF_HASH_DST_IP,
	HF_HASH_SRC_IP,
	HF_HASH_SRC_DST,
	HF_HASH_5TUPLE,
};

static struct hf_dataplane *snap[NB_SNAPSHOTS];
static uint32_t probe_window[HF_MAX_MEMBERS_TOTAL];

/* Built once, on the first input; reachable until exit (not a leak). */
static void
build_snapshots(void)
{
	static struct hf_config cfg;
	struct hf_dp_build in;
	int s;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nb_ports = NB_PORTS;
	strcpy(cfg.ports[0].name, "lan0");
	strcpy(cfg.ports[0].device, "net_null0");
	strcpy(cfg.ports[1].name, "vpn0");
	strcpy(cfg.ports[1].device, "net_null1");
	cfg.nb_probe = 1;
	cfg.probe_pool[0] = IP4(192, 0, 2, 250);
	cfg.nb_clusters = NB_CLUSTERS;
	cfg.clusters = clusters;
	cfg.nb_members_total = 3 + 2 + 2;
	for (s = 0; s < HF_MAX_MEMBERS_TOTAL; s++)
		probe_window[s] = 15u << 16 | 0xffffu;
	for (s = 0; s < NB_SNAPSHOTS; s++) {
		cfg.ha.enabled = s == 1;
		cfg.unmatched = s == 1 ? HF_UNMATCHED_BRIDGE : HF_UNMATCHED_DROP;
		memset(&in, 0, sizeof(in));
		in.cfg = &cfg;
		in.ports = ports;
		in.local_ip = IP4(192, 0, 2, 250);
		in.active = true;
		in.generation = (uint64_t)s + 1;
		in.probe_window = s == 1 ? probe_window : NULL;
		snap[s] = hf_dataplane_build(&in);
		HF_FUZZ_CHECK(snap[s] != NULL);
		HF_FUZZ_CHECK(snap[s]->nb_clusters == NB_CLUSTERS);
	}
}

/* What pkt.h promises about a frame it accepted. */
static void
check_info(const struct hf_pkt_info *pi, size_t size)
{
	HF_FUZZ_CHECK(pi->kind <= HF_PKT_IPV6);
	HF_FUZZ_CHECK(pi->nb_vlan <= 2);
	HF_FUZZ_CHECK(pi->l2_len == HF_ETH_HLEN + 4u * pi->nb_vlan);
	HF_FUZZ_CHECK(pi->l2_len <= size);
	if (!pi->l4_valid)
		HF_FUZZ_CHECK(pi->sport == 0 && pi->dport == 0);
	if (!pi->is_fragment)
		HF_FUZZ_CHECK(pi->frag_id == 0 && pi->frag_off == 0);
	switch (pi->kind) {
	case HF_PKT_ARP:
		HF_FUZZ_CHECK(pi->ethertype == HF_ETHERTYPE_ARP);
		HF_FUZZ_CHECK((size_t)pi->l2_len + 28 <= size);
		break;
	case HF_PKT_IPV4:
		HF_FUZZ_CHECK(pi->ethertype == HF_ETHERTYPE_IPV4);
		HF_FUZZ_CHECK(pi->l3_len >= 20 && pi->l3_len <= 60 && pi->l3_len % 4 == 0);
		HF_FUZZ_CHECK((size_t)pi->l2_len + pi->l3_len <= size);
		/* only a first fragment has ports, and no fragment ICMP fields */
		if (pi->is_fragment)
			HF_FUZZ_CHECK(pi->frag_off == 0 || !pi->l4_valid);
		if (pi->is_fragment && pi->proto == HF_IPPROTO_ICMP)
			HF_FUZZ_CHECK(!pi->l4_valid);
		break;
	case HF_PKT_IPV6:
		HF_FUZZ_CHECK(pi->ethertype == HF_ETHERTYPE_IPV6);
		HF_FUZZ_CHECK(pi->l3_len == 40);
		HF_FUZZ_CHECK((size_t)pi->l2_len + pi->l3_len <= size);
		if (pi->is_fragment)
			HF_FUZZ_CHECK(pi->frag_off == 0 || !pi->l4_valid);
		break;
	default:
		break;
	}
}

/* hash.h and flowtab.h: symmetric src-dst, unused key fields zero. */
static void
check_hash(const struct hf_pkt_info *pi, enum hf_hash_mode mode, uint16_t cluster)
{
	struct hf_pkt_info rev = *pi;
	struct hf_flow_key k, kr;

	hf_dp_flow_key(pi, (uint8_t)mode, cluster, &k);
	HF_FUZZ_CHECK(k.cluster == cluster);
	HF_FUZZ_CHECK(k.family == (pi->kind == HF_PKT_IPV6 ? 6 : 4));
	switch (mode) {
	case HF_HASH_DST_IP:
		HF_FUZZ_CHECK(k.src == 0 && k.dst == pi->dst_key);
		HF_FUZZ_CHECK(k.sport == 0 && k.dport == 0 && k.proto == 0);
		break;
	case HF_HASH_SRC_IP:
		HF_FUZZ_CHECK(k.dst == 0 && k.src == pi->src_key);
		HF_FUZZ_CHECK(k.sport == 0 && k.dport == 0 && k.proto == 0);
		break;
	case HF_HASH_SRC_DST:
		HF_FUZZ_CHECK(k.sport == 0 && k.dport == 0 && k.proto == 0);
		rev.src_key = pi->dst_key;
		rev.dst_key = pi->src_key;
		HF_FUZZ_CHECK(hf_hash_pkt(&rev, mode) == hf_hash_pkt(pi, mode));
		hf_dp_flow_key(&rev, (uint8_t)mode, cluster, &kr);
		HF_FUZZ_CHECK(memcmp(&k, &kr, sizeof(k)) == 0);
		break;
	case HF_HASH_5TUPLE:
		HF_FUZZ_CHECK(k.src == pi->src_key && k.dst == pi->dst_key);
		HF_FUZZ_CHECK(k.proto == pi->proto && k.sport == pi->sport && k.dport == pi->dport);
		break;
	}
}

static void
check_select(const struct hf_dataplane *dp, const struct hf_pkt_info *pi)
{
	uint32_t c, h, mi;
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		h = hf_hash_pkt(pi, modes[i]);
		HF_FUZZ_CHECK(h == hf_hash_pkt(pi, modes[i]));
		for (c = 0; c < dp->nb_clusters; c++) {
			const struct hf_dp_cluster *cl = &dp->clusters[c];

			mi = hf_dp_bucket_member(dp, cl, h);
			if (cl->nb_live == 0) {
				HF_FUZZ_CHECK(mi == HF_DP_NONE);
				continue;
			}
			/* maglev.h: every bucket goes to a live member while one is */
			HF_FUZZ_CHECK(mi != HF_DP_NONE);
			HF_FUZZ_CHECK(
				mi >= cl->member_base && mi - cl->member_base < cl->nb_members);
			HF_FUZZ_CHECK(dp->members[mi].live);
			check_hash(pi, modes[i], (uint16_t)cl->stat);
		}
	}
}

/* fastpath.h: the worker's first pass agrees with parse + classify + hash. */
static uint8_t frag_scratch[64];

static uint8_t *
frag_eth_of(void *pkt)
{
	(void)pkt;
	return frag_scratch;
}

/*
 * The second pass of a fragment for a 5-tuple cluster (fastpath.h), on a
 * copy of the frame, with one fragment table kept across inputs (the
 * fragments it holds are a dummy; a clock that moves one unit per input
 * ages them out): held, or sent to a usable member of the cluster with
 * at most HF_FRAG_HOLD released, or dropped for a fragment's reason.
 */
static void
check_fragment(const struct hf_dataplane *dp, const struct hf_fp_plan *plan, const uint8_t *data,
	       size_t size)
{
	static struct hf_fragtab *frags;
	static struct hf_lcore_stats *st;
	static uint64_t now;
	static int dummy;
	struct hf_frag_expired out[HF_FRAGTAB_SET_HOLD];
	struct hf_fp_frag r;
	uint8_t copy[1600];

	if (frags == NULL) {
		frags = hf_fragtab_create(16, 100);
		st = aligned_alloc(64, sizeof(*st));
		HF_FUZZ_CHECK(frags != NULL && st != NULL);
		memset(st, 0, sizeof(*st));
	}
	if (size > sizeof(copy))
		return;
	memcpy(copy, data, size);
	hf_fp_fragment(dp, NULL, frags, st, copy, (uint32_t)size, &dummy, frag_eth_of, plan, ++now,
		       &r);
	HF_FUZZ_CHECK(r.nb_rel <= HF_FRAG_HOLD);
	if (r.held) {
		HF_FUZZ_CHECK(r.mb == NULL && r.nb_rel == 0);
	} else if (r.mb != NULL) {
		uint32_t mi = (uint32_t)(r.mb - dp->members);

		HF_FUZZ_CHECK(mi - plan->cl->member_base < plan->cl->nb_members);
		HF_FUZZ_CHECK(r.mb->usable);
		HF_FUZZ_CHECK(memcmp(copy, r.mb->eth, 12) == 0);
	} else {
		HF_FUZZ_CHECK(r.drop == HF_DROP_NO_MEMBER || r.drop == HF_DROP_HA_BACKUP ||
			      r.drop == HF_DROP_FRAG_FULL || r.drop == HF_DROP_FRAG_HOLD_FULL);
	}
	(void)hf_fragtab_age(frags, now, 1, out, HF_FRAGTAB_SET_HOLD);
}

static void
check_plan(const uint8_t *data, size_t size, int rc, const struct hf_pkt_info *pi)
{
	static struct hf_flowtab *ft; /* only prefetched into by hf_fp_plan */
	struct hf_pkt_info fast;
	struct hf_fp_plan plan;
	struct hf_flow_key k;
	struct hf_verdict v;
	int s;

	if (ft == NULL)
		ft = hf_flowtab_create(64, 1000);
	HF_FUZZ_CHECK(ft != NULL);

	if (hf_pkt_parse_fast(data, (uint32_t)size, &fast)) {
		HF_FUZZ_CHECK(rc == HF_PKT_OK);
		HF_FUZZ_CHECK(fast.kind == pi->kind && fast.proto == pi->proto);
		HF_FUZZ_CHECK(fast.is_fragment == pi->is_fragment);
		HF_FUZZ_CHECK(fast.src_key == pi->src_key && fast.dst_key == pi->dst_key);
		HF_FUZZ_CHECK(fast.sport == pi->sport && fast.dport == pi->dport);
	}
	for (s = 0; s < NB_SNAPSHOTS; s++) {
		hf_fp_plan(snap[s], ft, data, (uint32_t)size, &plan);
		if (rc != HF_PKT_OK) {
			HF_FUZZ_CHECK(plan.v.action == HF_ACT_DROP);
			HF_FUZZ_CHECK(plan.v.drop == hf_drop_of_pkt_err(rc));
			continue;
		}
		v = hf_dp_classify(snap[s], pi, data);
		/* a fragment for a 5-tuple cluster is planned for hf_fp_fragment */
		if (v.action == HF_ACT_CLUSTER && pi->is_fragment &&
		    snap[s]->clusters[v.cluster].hash_mode == HF_HASH_5TUPLE)
			HF_FUZZ_CHECK(plan.v.action == HF_ACT_FRAG);
		else
			HF_FUZZ_CHECK(plan.v.action == v.action);
		switch (v.action) {
		case HF_ACT_DROP:
			HF_FUZZ_CHECK(plan.v.drop == v.drop);
			break;
		case HF_ACT_PUNT:
			HF_FUZZ_CHECK(plan.v.punt == v.punt);
			break;
		case HF_ACT_CLUSTER:
			HF_FUZZ_CHECK(plan.v.cluster == v.cluster);
			HF_FUZZ_CHECK(plan.hash ==
				      hf_hash_pkt(pi, (enum hf_hash_mode)snap[s]
							       ->clusters[v.cluster]
							       .hash_mode));
			hf_dp_flow_key(pi, snap[s]->clusters[v.cluster].hash_mode,
				       snap[s]->clusters[v.cluster].flow_id, &k);
			HF_FUZZ_CHECK(memcmp(&plan.key, &k, sizeof(k)) == 0);
			HF_FUZZ_CHECK(plan.fr.h == hf_flowtab_hash(&k));
			if (plan.v.action == HF_ACT_FRAG)
				check_fragment(snap[s], &plan, data, size);
			break;
		default:
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hf_pkt_info pi;
	struct hf_verdict v;
	int rc, s;

	if (snap[0] == NULL)
		build_snapshots();
	if (size > UINT16_MAX) /* larger than any frame a port delivers */
		return 0;

	rc = hf_pkt_parse(data, (uint32_t)size, &pi);
	check_plan(data, size, rc, &pi);
	HF_FUZZ_CHECK(rc >= HF_PKT_OK && rc < HF_PKT_ERR__MAX);
	HF_FUZZ_CHECK(hf_pkt_err_str(rc) != NULL);
	if (rc != HF_PKT_OK) {
		HF_FUZZ_CHECK(hf_drop_of_pkt_err(rc) <= HF_DROP_MALFORMED_IPV6);
		if (size < HF_ETH_HLEN)
			HF_FUZZ_CHECK(rc == HF_PKT_ERR_SHORT);
		return 0;
	}
	HF_FUZZ_CHECK(size >= HF_ETH_HLEN);
	check_info(&pi, size);

	for (s = 0; s < NB_SNAPSHOTS; s++) {
		const struct hf_dataplane *dp = snap[s];

		v = hf_dp_classify(dp, &pi, data);
		HF_FUZZ_CHECK(v.action <= HF_ACT_BRIDGE);
		switch (v.action) {
		case HF_ACT_DROP:
			HF_FUZZ_CHECK(
				v.drop == HF_DROP_UNMATCHED || v.drop == HF_DROP_CLUSTER_NON_IP);
			break;
		case HF_ACT_CLUSTER:
			HF_FUZZ_CHECK(v.cluster < dp->nb_clusters);
			HF_FUZZ_CHECK(pi.kind == HF_PKT_IPV4 || pi.kind == HF_PKT_IPV6);
			break;
		case HF_ACT_BRIDGE:
			HF_FUZZ_CHECK(dp->unmatched == HF_UNMATCHED_BRIDGE);
			break;
		default:
			HF_FUZZ_CHECK(v.punt < HF_PUNT__MAX);
			/* dataplane.h: health replies are echo replies to members' probes, ARP replies */
			if (v.punt == HF_PUNT_PROBE && pi.kind == HF_PKT_IPV4)
				HF_FUZZ_CHECK(pi.proto == HF_IPPROTO_ICMP && pi.l4_valid &&
					      pi.icmp_type == HF_ICMP_ECHO_REPLY &&
					      pi.dst_key == dp->local_ip &&
					      (s == 0 || hf_be16(pi.icmp_seq) < 16) &&
					      (pi.src_key == IP4(198, 51, 100, 99) ||
						      pi.src_key == IP4(192, 0, 2, 11) ||
						      pi.src_key == IP4(192, 0, 2, 12) ||
						      pi.src_key == IP4(192, 0, 2, 13)));
			else if (v.punt == HF_PUNT_PROBE)
				HF_FUZZ_CHECK(pi.kind == HF_PKT_ARP && pi.arp_op == HF_ARP_OP_REPLY &&
					      pi.arp_sip == IP4(198, 51, 100, 12));
			break;
		}
		check_select(dp, &pi);
	}
	return 0;
}
