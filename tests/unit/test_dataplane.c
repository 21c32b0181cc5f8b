/* SPDX-License-Identifier: BSD-3-Clause */
/* Snapshot building and classification, without EAL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <errno.h>

#include <hyperflow/dataplane.h>
#include <hyperflow/fastpath.h>
#include <hyperflow/flowtab.h>
#include <hyperflow/fragtab.h>
#include <hyperflow/health.h>
#include <stdbool.h>
#include <stdio.h>

#define NB_MEMBERS 4

struct fixture {
	struct hf_config cfg;
	struct hf_cluster_conf clusters[2];
	struct hf_member_conf members[2][NB_MEMBERS];
	struct hf_dp_port ports[2];
};

static uint32_t
ip(const char *s)
{
	uint32_t v;

	assert_int_equal(hf_ip4_parse(s, &v), 0);
	return v;
}

static struct hf_mac
mac(const char *s)
{
	struct hf_mac m;

	assert_int_equal(hf_mac_parse(s, &m), 0);
	return m;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char buf[32];
	int c, i;

	assert_non_null(f);
	f->cfg.nb_ports = 2;
	strcpy(f->cfg.ports[0].name, "lan0");
	strcpy(f->cfg.ports[1].name, "vpn0");
	f->ports[0].port_id = 7;
	f->ports[0].mac = mac("02:00:00:00:00:01");
	f->ports[1].port_id = 9;
	f->ports[1].mac = mac("02:00:00:00:00:02");
	f->cfg.nb_clusters = 2;
	f->cfg.clusters = f->clusters;
	for (c = 0; c < 2; c++) {
		struct hf_cluster_conf *cc = &f->clusters[c];

		snprintf(cc->name, sizeof(cc->name), "c%d", c);
		cc->ip = ip(c == 0 ? "192.0.2.1" : "192.0.2.2");
		cc->mac = mac(c == 0 ? "00:00:5e:00:01:01" : "00:00:5e:00:01:02");
		cc->port_mask = 1;
		cc->hash = c == 0 ? HF_HASH_DST_IP : HF_HASH_SRC_DST;
		cc->buckets = 256;
		cc->group = (uint32_t)c;   /* no device shared: a group of its own */
		cc->nb_members = NB_MEMBERS;
		cc->members = f->members[c];
		for (i = 0; i < NB_MEMBERS; i++) {
			struct hf_member_conf *mc = &f->members[c][i];

			snprintf(mc->name, sizeof(mc->name), "m%d", i);
			snprintf(buf, sizeof(buf), "192.0.2.%d", 10 + c * 10 + i);
			mc->ip = ip(buf);
			mc->key = mc->ip;   /* as the loader derives it for a member without a device */
			snprintf(buf, sizeof(buf), "02:00:00:00:%02x:%02x", c + 1, i + 1);
			mc->mac = mac(buf);
			mc->has_mac = true;
			mc->port = 1;
			mc->weight = 1;
			mc->state = HF_ADMIN_UP;
		}
	}
	f->cfg.nb_members_total = 2 * NB_MEMBERS;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

/* Snapshot of the fixture; NULL stat arrays = ids equal to the indices. */
static struct hf_dataplane *
build_with(struct fixture *f, const struct hf_member_view *rt, const uint32_t *cstat,
	   const uint32_t *mstat, bool active)
{
	struct hf_dp_build in;
	struct hf_dataplane *dp;

	memset(&in, 0, sizeof(in));
	in.cfg = &f->cfg;
	in.ports = f->ports;
	in.members = rt;
	in.cluster_stat = cstat;
	in.member_stat = mstat;
	in.local_ip = ip("192.0.2.250");
	in.active = active;
	dp = hf_dataplane_build(&in);
	assert_non_null(dp);
	return dp;
}

static struct hf_dataplane *
build(struct fixture *f, const struct hf_member_view *rt, const uint32_t *mstat)
{
	return build_with(f, rt, NULL, mstat, true);
}

/* Ethernet + IPv4/UDP frame from src to dst, addressed to dmac. */
static size_t
udp_frame(uint8_t *b, const char *dmac, const char *src, const char *dst, uint8_t proto)
{
	struct hf_mac d = mac(dmac);
	uint32_t s = ip(src), t = ip(dst);

	memset(b, 0, 64);
	memcpy(b, d.b, 6);
	memcpy(b + 6, "\x02\x00\x00\x00\x09\x09", 6);
	b[12] = 0x08;
	b[13] = 0x00;
	b[14] = 0x45;
	b[17] = 28;          /* total length 20 + 8 */
	b[22] = 64;
	b[23] = proto;
	memcpy(b + 26, &s, 4);
	memcpy(b + 30, &t, 4);
	b[35] = 53;          /* sport 53 */
	b[37] = 99;          /* dport 99 */
	b[39] = 8;
	return 60;
}

static struct hf_verdict
classify(const struct hf_dataplane *dp, const uint8_t *b, size_t len)
{
	struct hf_pkt_info pi;

	assert_int_equal(hf_pkt_parse(b, (uint32_t)len, &pi), HF_PKT_OK);
	return hf_dp_classify(dp, &pi, b);
}

static void
test_templates_and_tables(void **state)
{
	struct fixture *f = *state;
	struct hf_dataplane *dp = build(f, NULL, NULL);
	uint32_t counts[NB_MEMBERS], i;

	assert_int_equal(dp->nb_clusters, 2);
	assert_int_equal(dp->nb_members, 2 * NB_MEMBERS);
	for (i = 0; i < dp->nb_members; i++) {
		const struct hf_dp_member *m = &dp->members[i];

		assert_memory_equal(m->eth, f->members[i / NB_MEMBERS][i % NB_MEMBERS].mac.b, 6);
		assert_memory_equal(m->eth + 6, f->ports[1].mac.b, 6);
		assert_int_equal(m->port_id, 9);
		assert_int_equal(m->pidx, 1);
		assert_true(m->live);
		assert_int_equal(m->uid, i);
	}
	assert_int_equal(dp->clusters[1].member_base, NB_MEMBERS);
	assert_int_equal(dp->clusters[0].nb_live, NB_MEMBERS);
	assert_int_equal(hf_maglev_shares(dp->clusters[0].table, 256, NB_MEMBERS, counts), 0);
	for (i = 0; i < NB_MEMBERS; i++)
		assert_int_equal(counts[i], 64);
	hf_dataplane_free(dp);
}

static void
test_classify_order(void **state)
{
	struct fixture *f = *state;
	struct hf_dataplane *dp = build(f, NULL, NULL);
	uint8_t b[64];
	struct hf_verdict v;
	size_t len;

	/* to a cluster MAC, far destination: cluster 0 by MAC */
	len = udp_frame(b, "00:00:5e:00:01:01", "198.51.100.10", "203.0.113.5", HF_IPPROTO_UDP);
	v = classify(dp, b, len);
	assert_int_equal(v.action, HF_ACT_CLUSTER);
	assert_int_equal(v.cluster, 0);
	/* cluster IP wins over cluster MAC: IP of cluster 1 sent to MAC of cluster 0 */
	len = udp_frame(b, "00:00:5e:00:01:01", "198.51.100.10", "192.0.2.2", HF_IPPROTO_UDP);
	v = classify(dp, b, len);
	assert_int_equal(v.action, HF_ACT_CLUSTER);
	assert_int_equal(v.cluster, 1);
	/* to the control plane's own address: punted */
	len = udp_frame(b, "02:00:00:00:00:01", "198.51.100.10", "192.0.2.250", HF_IPPROTO_ICMP);
	assert_int_equal(classify(dp, b, len).action, HF_ACT_PUNT);
	/* somebody else's unicast: dropped as unmatched */
	len = udp_frame(b, "02:00:00:00:77:77", "198.51.100.10", "203.0.113.5", HF_IPPROTO_UDP);
	v = classify(dp, b, len);
	assert_int_equal(v.action, HF_ACT_DROP);
	assert_int_equal(v.drop, HF_DROP_UNMATCHED);
	/* VRRP is not punted without HA */
	len = udp_frame(b, "01:00:5e:00:00:12", "192.0.2.3", "224.0.0.18", HF_IPPROTO_VRRP);
	assert_int_equal(classify(dp, b, len).action, HF_ACT_DROP);
	hf_dataplane_free(dp);

	f->cfg.unmatched = HF_UNMATCHED_BRIDGE;
	f->cfg.ha.enabled = true;
	dp = build(f, NULL, NULL);
	len = udp_frame(b, "02:00:00:00:77:77", "198.51.100.10", "203.0.113.5", HF_IPPROTO_UDP);
	assert_int_equal(classify(dp, b, len).action, HF_ACT_BRIDGE);
	len = udp_frame(b, "01:00:5e:00:00:12", "192.0.2.3", "224.0.0.18", HF_IPPROTO_VRRP);
	assert_int_equal(classify(dp, b, len).action, HF_ACT_PUNT);
	hf_dataplane_free(dp);

	/* an HA Backup must not bridge: two bridges in parallel make a loop */
	{
		struct hf_dp_build in;

		memset(&in, 0, sizeof(in));
		in.cfg = &f->cfg;
		in.ports = f->ports;
		in.active = false;
		dp = hf_dataplane_build(&in);
		assert_non_null(dp);
		len = udp_frame(b, "02:00:00:00:77:77", "198.51.100.10", "203.0.113.5",
				HF_IPPROTO_UDP);
		v = classify(dp, b, len);
		assert_int_equal(v.action, HF_ACT_DROP);
		assert_int_equal(v.drop, HF_DROP_HA_BACKUP);
		hf_dataplane_free(dp);
	}
}

static void
test_classify_arp_and_non_ip(void **state)
{
	struct fixture *f = *state;
	struct hf_dataplane *dp = build(f, NULL, NULL);
	struct hf_mac bc = mac("ff:ff:ff:ff:ff:ff"), cm = mac("00:00:5e:00:01:01");
	struct hf_mac cl = mac("02:00:00:00:09:09"), zero = { { 0 } };
	uint8_t b[64];
	struct hf_verdict v;
	int len;

	len = hf_arp_build(b, sizeof(b), &bc, &cl, HF_ARP_OP_REQUEST, &cl, ip("198.51.100.10"), &zero,
			   ip("192.0.2.1"));
	assert_int_equal(len, 60);
	assert_int_equal(classify(dp, b, (size_t)len).action, HF_ACT_PUNT);
	/* reply to our probe address */
	len = hf_arp_build(b, sizeof(b), &bc, &cl, HF_ARP_OP_REPLY, &cl, ip("192.0.2.11"), &zero,
			   ip("192.0.2.250"));
	assert_int_equal(classify(dp, b, (size_t)len).action, HF_ACT_PUNT);
	/* ARP for some other host */
	len = hf_arp_build(b, sizeof(b), &bc, &cl, HF_ARP_OP_REQUEST, &cl, ip("198.51.100.10"), &zero,
			   ip("198.51.100.20"));
	v = classify(dp, b, (size_t)len);
	assert_int_equal(v.action, HF_ACT_DROP);
	assert_int_equal(v.drop, HF_DROP_UNMATCHED);
	/* non-IP frame to the cluster MAC */
	memset(b, 0, sizeof(b));
	memcpy(b, cm.b, 6);
	b[12] = 0x88;
	b[13] = 0xb5;
	v = classify(dp, b, 60);
	assert_int_equal(v.action, HF_ACT_DROP);
	assert_int_equal(v.drop, HF_DROP_CLUSTER_NON_IP);
	hf_dataplane_free(dp);
}

/*
 * While a probe address is only a candidate (RFC 5227 probing), ARP about
 * it from anyone else must reach the control plane: probes for it (sender
 * 0.0.0.0), announcements and any ARP sent from it. IPv4 to it is not ours
 * yet. Once bound, ARP sent from our address by someone else is punted too.
 */
static void
test_classify_probe_candidate(void **state)
{
	struct fixture *f = *state;
	struct hf_mac bc = mac("ff:ff:ff:ff:ff:ff"), peer = mac("02:00:00:00:00:99");
	struct hf_mac zero = { { 0 } };
	uint32_t cand = ip("192.0.2.251");
	struct hf_dp_build in;
	struct hf_dataplane *dp;
	struct hf_verdict v;
	uint8_t b[64];
	int len;

	memset(&in, 0, sizeof(in));
	in.cfg = &f->cfg;
	in.ports = f->ports;
	in.active = true;
	in.probe_cand = cand;
	dp = hf_dataplane_build(&in);
	assert_non_null(dp);
	assert_int_equal(dp->probe_cand, cand);

	/* another box's probe for the candidate */
	len = hf_arp_build(b, sizeof(b), &bc, &peer, HF_ARP_OP_REQUEST, &peer, 0, &zero, cand);
	v = classify(dp, b, (size_t)len);
	assert_int_equal(v.action, HF_ACT_PUNT);
	assert_int_equal(v.punt, HF_PUNT_LOCAL);
	/* its announcement */
	len = hf_arp_build(b, sizeof(b), &bc, &peer, HF_ARP_OP_REQUEST, &peer, cand, &zero, cand);
	v = classify(dp, b, (size_t)len);
	assert_int_equal(v.action, HF_ACT_PUNT);
	assert_int_equal(v.punt, HF_PUNT_LOCAL);
	/* the candidate's owner asking for someone else */
	len = hf_arp_build(b, sizeof(b), &bc, &peer, HF_ARP_OP_REQUEST, &peer, cand, &zero,
			   ip("198.51.100.20"));
	v = classify(dp, b, (size_t)len);
	assert_int_equal(v.action, HF_ACT_PUNT);
	assert_int_equal(v.punt, HF_PUNT_LOCAL);
	/* a probe for some other address is still unmatched */
	len = hf_arp_build(b, sizeof(b), &bc, &peer, HF_ARP_OP_REQUEST, &peer, 0, &zero,
			   ip("192.0.2.252"));
	v = classify(dp, b, (size_t)len);
	assert_int_equal(v.action, HF_ACT_DROP);
	assert_int_equal(v.drop, HF_DROP_UNMATCHED);
	/* IPv4 to the candidate is not ours yet */
	len = (int)udp_frame(b, "02:00:00:00:77:77", "198.51.100.10", "192.0.2.251",
			     HF_IPPROTO_UDP);
	v = classify(dp, b, (size_t)len);
	assert_int_equal(v.action, HF_ACT_DROP);
	assert_int_equal(v.drop, HF_DROP_UNMATCHED);
	hf_dataplane_free(dp);

	/* no candidate: a probe (sender 0.0.0.0) does not match a zero candidate */
	in.probe_cand = 0;
	dp = hf_dataplane_build(&in);
	assert_non_null(dp);
	len = hf_arp_build(b, sizeof(b), &bc, &peer, HF_ARP_OP_REQUEST, &peer, 0, &zero, cand);
	v = classify(dp, b, (size_t)len);
	assert_int_equal(v.action, HF_ACT_DROP);
	assert_int_equal(v.drop, HF_DROP_UNMATCHED);
	hf_dataplane_free(dp);

	/* bound: someone else's ARP sent from our address */
	in.local_ip = cand;
	dp = hf_dataplane_build(&in);
	assert_non_null(dp);
	len = hf_arp_build(b, sizeof(b), &bc, &peer, HF_ARP_OP_REQUEST, &peer, cand, &zero,
			   ip("198.51.100.20"));
	v = classify(dp, b, (size_t)len);
	assert_int_equal(v.action, HF_ACT_PUNT);
	assert_int_equal(v.punt, HF_PUNT_LOCAL);
	hf_dataplane_free(dp);
}

static void
test_member_states(void **state)
{
	struct fixture *f = *state;
	struct hf_member_view rt[2 * NB_MEMBERS];
	struct hf_dataplane *dp, *base;
	uint32_t i, counts[NB_MEMBERS];

	base = build(f, NULL, NULL);
	memset(rt, 0, sizeof(rt));
	for (i = 0; i < 2 * NB_MEMBERS; i++) {
		rt[i].health = HF_HEALTH_UP;
		rt[i].healthy = true;
		rt[i].mac_known = true;
		rt[i].mac = f->members[i / NB_MEMBERS][i % NB_MEMBERS].mac;
	}
	f->members[0][1].state = HF_ADMIN_DRAIN;
	f->members[0][2].state = HF_ADMIN_DOWN;
	rt[3].healthy = false;
	rt[3].health = HF_HEALTH_DOWN;
	rt[4].mac_known = false;
	dp = build(f, rt, NULL);
	/* the control plane's view as published: what telemetry shows, whatever
	 * the control lcore does to rt[] afterwards */
	rt[3].health = HF_HEALTH_UP;
	rt[3].healthy = true;
	rt[0].mac.b[5] ^= 0xff;
	assert_int_equal(dp->members[3].health, HF_HEALTH_DOWN);
	assert_false(dp->members[3].healthy);
	assert_int_equal(dp->members[0].health, HF_HEALTH_UP);
	assert_true(dp->members[0].healthy && dp->members[0].mac_known);
	assert_memory_equal(dp->members[0].eth, f->members[0][0].mac.b, 6);
	assert_false(dp->members[4].mac_known);
	assert_true(base->members[0].mac_known && base->members[0].healthy);
	assert_int_equal(base->members[0].health, HF_HEALTH_UP);
	rt[3].healthy = false;
	assert_true(dp->members[0].live && dp->members[0].usable);
	assert_true(!dp->members[1].live && dp->members[1].usable);   /* drain */
	assert_true(!dp->members[2].live && !dp->members[2].usable);  /* down */
	assert_true(!dp->members[3].live && !dp->members[3].usable);  /* failed */
	assert_true(!dp->members[4].live && !dp->members[4].usable);  /* unresolved */
	assert_int_equal(dp->clusters[0].nb_live, 1);
	assert_int_equal(dp->clusters[1].nb_live, NB_MEMBERS - 1);
	/* every bucket of cluster 0 now on member 0; buckets of live members never moved */
	hf_maglev_shares(dp->clusters[0].table, 256, NB_MEMBERS, counts);
	assert_int_equal(counts[0], 256);
	for (i = 0; i < 256; i++) {
		uint8_t was = base->clusters[1].table[i], now = dp->clusters[1].table[i];

		if (was != 0)
			assert_int_equal(was, now);
		else
			assert_int_not_equal(now, 0);
	}
	hf_dataplane_free(dp);
	/* no live member: every bucket empty, selection fails */
	for (i = 0; i < NB_MEMBERS; i++)
		rt[i].healthy = false;
	dp = build(f, rt, NULL);
	assert_int_equal(hf_dp_bucket_member(dp, &dp->clusters[0], 12345), HF_DP_NONE);
	hf_dataplane_free(dp);
	hf_dataplane_free(base);
}

/* Only clusters whose live members changed get their bucket table built again. */
static void
test_incremental_tables(void **state)
{
	struct fixture *f = *state;
	struct hf_member_view rt[2 * NB_MEMBERS];
	struct hf_dataplane *d1, *d2, *d3, *fresh;
	struct hf_dp_build in;
	uint32_t i;

	memset(rt, 0, sizeof(rt));
	for (i = 0; i < 2 * NB_MEMBERS; i++) {
		rt[i].healthy = true;
		rt[i].mac_known = true;
		rt[i].mac = f->members[i / NB_MEMBERS][i % NB_MEMBERS].mac;
		rt[i].health = HF_HEALTH_UP;
	}
	f->cfg.serial = 7;
	memset(&in, 0, sizeof(in));
	in.cfg = &f->cfg;
	in.ports = f->ports;
	in.members = rt;
	d1 = hf_dataplane_build(&in);
	assert_non_null(d1);
	assert_int_equal(d1->nb_rebuilt, 2);
	assert_int_equal(d1->cfg_serial, 7);
	/* nothing changed: both tables taken as they are */
	in.prev = d1;
	d2 = hf_dataplane_build(&in);
	assert_non_null(d2);
	assert_int_equal(d2->nb_rebuilt, 0);
	assert_memory_equal(d2->clusters[0].table, d1->clusters[0].table, 256);
	assert_memory_equal(d2->clusters[1].table, d1->clusters[1].table, 256);
	assert_ptr_not_equal(d2->clusters[0].table, d1->clusters[0].table);
	/* a member of cluster 1 fails: only cluster 1 is built again, and its
	 * table is the one a full build gives */
	rt[NB_MEMBERS + 2].healthy = false;
	in.prev = d2;
	d3 = hf_dataplane_build(&in);
	assert_non_null(d3);
	assert_int_equal(d3->nb_rebuilt, 1);
	assert_memory_equal(d3->clusters[0].table, d1->clusters[0].table, 256);
	in.prev = NULL;
	fresh = hf_dataplane_build(&in);
	assert_non_null(fresh);
	assert_int_equal(fresh->nb_rebuilt, 2);
	assert_memory_equal(d3->clusters[1].table, fresh->clusters[1].table, 256);
	assert_memory_not_equal(d3->clusters[1].table, d1->clusters[1].table, 256);
	/* with the configuration's base tables: the same tables, live set applied */
	in.base = hf_dp_base_tables(&f->cfg);
	assert_non_null(in.base);
	in.prev = NULL;
	hf_dataplane_free(fresh);
	fresh = hf_dataplane_build(&in);
	assert_non_null(fresh);
	assert_int_equal(fresh->nb_rebuilt, 2);
	assert_memory_equal(fresh->clusters[0].table, d1->clusters[0].table, 256);
	assert_memory_equal(fresh->clusters[1].table, d3->clusters[1].table, 256);
	free((void *)in.base);
	in.base = NULL;
	/* a cluster that cannot have a table: no base tables, EINVAL */
	f->clusters[1].nb_members = 0;
	errno = 0;
	assert_null(hf_dp_base_tables(&f->cfg));
	assert_int_equal(errno, EINVAL);
	f->clusters[1].nb_members = NB_MEMBERS;
	/* another configuration (a reload): everything built again, even if equal */
	f->cfg.serial = 8;
	in.prev = d3;
	hf_dataplane_free(d2);
	d2 = hf_dataplane_build(&in);
	assert_non_null(d2);
	assert_int_equal(d2->nb_rebuilt, 2);
	/* hand-made configurations (serial 0) never reuse */
	f->cfg.serial = 0;
	hf_dataplane_free(d1);
	in.prev = d2;
	d1 = hf_dataplane_build(&in);
	assert_non_null(d1);
	assert_int_equal(d1->nb_rebuilt, 2);
	hf_dataplane_free(d1);
	hf_dataplane_free(d2);
	hf_dataplane_free(d3);
	hf_dataplane_free(fresh);
}

static void
test_uids_and_determinism(void **state)
{
	struct fixture *f = *state;
	uint32_t mstat[2 * NB_MEMBERS] = { 40, 41, 42, 43, 7, 8, 9, 10 };
	struct hf_dataplane *a = build(f, NULL, mstat), *b = build(f, NULL, mstat);
	uint32_t i;

	assert_int_equal(a->uid_cap, 44);
	for (i = 0; i < 2 * NB_MEMBERS; i++)
		assert_int_equal(a->uid_to_member[mstat[i]], i);
	assert_int_equal(a->uid_to_member[0], HF_DP_NONE);
	assert_memory_equal(a->tables, b->tables, 2 * 256 * sizeof(*a->tables));
	hf_dataplane_free(a);
	hf_dataplane_free(b);
}

static void
test_shared_mac_and_bad_input(void **state)
{
	struct fixture *f = *state;
	struct hf_dataplane *dp;
	struct hf_dp_build in;
	uint8_t b[64];

	f->clusters[1].mac = f->clusters[0].mac;
	dp = build(f, NULL, NULL);
	udp_frame(b, "00:00:5e:00:01:01", "198.51.100.10", "203.0.113.5", HF_IPPROTO_UDP);
	assert_int_equal(classify(dp, b, 60).cluster, 0);
	hf_dataplane_free(dp);

	memset(&in, 0, sizeof(in));
	in.cfg = &f->cfg;
	assert_null(hf_dataplane_build(&in));   /* no ports */
	f->members[1][0].port = 5;              /* port outside the config */
	in.ports = f->ports;
	assert_null(hf_dataplane_build(&in));
}

static void
test_flow_keys(void **state)
{
	struct hf_pkt_info a, b;
	struct hf_flow_key ka, kb;
	uint8_t fa[64], fb[64];

	(void)state;
	udp_frame(fa, "00:00:5e:00:01:01", "198.51.100.10", "203.0.113.5", HF_IPPROTO_UDP);
	udp_frame(fb, "00:00:5e:00:01:01", "203.0.113.5", "198.51.100.10", HF_IPPROTO_UDP);
	assert_int_equal(hf_pkt_parse(fa, 60, &a), 0);
	assert_int_equal(hf_pkt_parse(fb, 60, &b), 0);
	hf_dp_flow_key(&a, HF_HASH_SRC_DST, 3, &ka);
	hf_dp_flow_key(&b, HF_HASH_SRC_DST, 3, &kb);
	assert_memory_equal(&ka, &kb, sizeof(ka));
	assert_int_equal(ka.cluster, 3);
	hf_dp_flow_key(&a, HF_HASH_DST_IP, 3, &ka);
	assert_int_equal(ka.src, 0);
	assert_int_equal(ka.dst, a.dst_key);
	assert_int_equal(ka.sport, 0);
	hf_dp_flow_key(&a, HF_HASH_5TUPLE, 3, &ka);
	assert_int_equal(ka.sport, a.sport);
	assert_int_equal(ka.dport, a.dport);
	assert_int_equal(ka.proto, HF_IPPROTO_UDP);
	hf_dp_flow_key(&b, HF_HASH_5TUPLE, 3, &kb);
	assert_memory_not_equal(&ka, &kb, sizeof(ka));
}

/* The worker's one-step hash and key equal hf_hash_pkt and hf_dp_flow_key, in every mode. */
static void
test_hash_key_matches(void **state)
{
	struct hf_pkt_info pi[3];
	struct hf_flow_key k, want;
	uint8_t f[2][64];
	int mode, i;

	(void)state;
	udp_frame(f[0], "00:00:5e:00:01:01", "198.51.100.10", "203.0.113.5", HF_IPPROTO_UDP);
	/* as stored, f[0]'s source is above its destination and f[1]'s below: src-dst orders both */
	udp_frame(f[1], "00:00:5e:00:01:01", "192.0.2.9", "203.0.113.77", HF_IPPROTO_TCP);
	assert_int_equal(hf_pkt_parse(f[0], 60, &pi[0]), 0);
	assert_int_equal(hf_pkt_parse(f[1], 60, &pi[1]), 0);
	pi[2] = pi[1];
	pi[2].kind = HF_PKT_IPV6;   /* the family byte follows the kind */
	for (mode = HF_HASH_DST_IP; mode <= HF_HASH_5TUPLE; mode++)
		for (i = 0; i < 3; i++) {
			memset(&k, 0xa5, sizeof(k));
			assert_int_equal(hf_dp_hash_key(&pi[i], (uint8_t)mode, 7, &k),
					 hf_hash_pkt(&pi[i], (enum hf_hash_mode)mode));
			hf_dp_flow_key(&pi[i], (uint8_t)mode, 7, &want);
			assert_memory_equal(&k, &want, sizeof(k));
		}
}

/* Parse a UDP frame to the cluster MAC from a client to 203.0.113.x / 198.51.100.x. */
static void
pi_for_dst(int i, struct hf_pkt_info *pi)
{
	uint8_t b[64];
	char dst[32];

	snprintf(dst, sizeof(dst), "%s.%d", i < 250 ? "203.0.113" : "198.51.100", i % 250 + 1);
	udp_frame(b, "00:00:5e:00:01:01", "198.51.100.10", dst, HF_IPPROTO_UDP);
	assert_int_equal(hf_pkt_parse(b, 60, pi), HF_PKT_OK);
}

#define NDST 400

static void
select_all(const struct hf_dataplane *dp, struct hf_flowtab *ft, int from, int to, uint32_t *out)
{
	struct hf_pkt_info pi;
	int i;

	for (i = from; i < to; i++) {
		pi_for_dst(i, &pi);
		out[i] = hf_dp_select(dp, &dp->clusters[0], &pi, ft, 1000);
	}
}

static void
test_select_flow_pinning(void **state)
{
	struct fixture *f = *state;
	struct hf_flowtab *ft = hf_flowtab_create(4096, 1000000);
	struct hf_member_view rt[2 * NB_MEMBERS];
	struct hf_dataplane *a, *b, *c;
	uint32_t first[NDST], now[NDST], nolive[NDST];
	struct hf_pkt_info pi;
	int i, moved = 0, to_new = 0;

	assert_non_null(ft);
	/* A: three members; 200 flows get pinned */
	f->clusters[0].nb_members = 3;
	f->cfg.nb_members_total = 2 * NB_MEMBERS - 1;
	a = build(f, NULL, NULL);
	select_all(a, ft, 0, NDST / 2, first);
	/* B: a fourth member is added; tracked flows stay, new ones follow B's table */
	f->clusters[0].nb_members = NB_MEMBERS;
	f->cfg.nb_members_total = 2 * NB_MEMBERS;
	b = build(f, NULL, NULL);
	select_all(b, ft, 0, NDST, now);
	for (i = 0; i < NDST / 2; i++)
		assert_int_equal(now[i], first[i]);
	for (i = NDST / 2; i < NDST; i++) {
		pi_for_dst(i, &pi);
		assert_int_equal(now[i],
				 hf_dp_bucket_member(b, &b->clusters[0], hf_hash_pkt(&pi, HF_HASH_DST_IP)));
		to_new += now[i] == 3;
	}
	assert_true(to_new > 0);   /* the new member takes new flows */
	for (i = 0; i < NDST / 2; i++)
		assert_int_not_equal(first[i], 3);
	hf_dataplane_free(a);

	/* C: member 1 drains: its tracked flows stay, no new flow goes to it */
	f->members[0][1].state = HF_ADMIN_DRAIN;
	c = build(f, NULL, NULL);
	select_all(c, ft, 0, NDST, now);
	for (i = 0; i < NDST / 2; i++)
		assert_int_equal(now[i], first[i]);
	memset(nolive, 0, sizeof(nolive));
	for (i = 0; i < NDST; i++) {
		struct hf_pkt_info p2;
		char dst[32];
		uint8_t fr[64];

		/* flows never seen before */
		snprintf(dst, sizeof(dst), "192.0.2.%d", 100 + i % 100);
		udp_frame(fr, "00:00:5e:00:01:01", "198.51.100.10", dst, HF_IPPROTO_UDP);
		assert_int_equal(hf_pkt_parse(fr, 60, &p2), 0);
		assert_int_not_equal(hf_dp_select(c, &c->clusters[0], &p2, ft, 1000), 1);
	}
	hf_dataplane_free(c);

	/* D: member 1 down: everything leaves it at once, other flows stay */
	f->members[0][1].state = HF_ADMIN_DOWN;
	c = build(f, NULL, NULL);
	select_all(c, ft, 0, NDST / 2, now);
	for (i = 0; i < NDST / 2; i++) {
		assert_int_not_equal(now[i], 1);
		if (first[i] != 1)
			assert_int_equal(now[i], first[i]);
		else
			moved++;
	}
	assert_true(moved > 0);
	hf_dataplane_free(c);
	f->members[0][1].state = HF_ADMIN_UP;

	/* E: member 0 fails its health checks: its flows move */
	for (i = 0; i < 2 * NB_MEMBERS; i++) {
		rt[i].healthy = i != 0;
		rt[i].mac_known = true;
		rt[i].mac = f->members[i / NB_MEMBERS][i % NB_MEMBERS].mac;
		rt[i].recovered_epoch = 0;
	}
	c = build(f, rt, NULL);
	select_all(c, ft, 0, NDST / 2, nolive);
	for (i = 0; i < NDST / 2; i++)
		assert_int_not_equal(nolive[i], 0);
	hf_dataplane_free(c);
	/* F: it recovers (epoch 1): it takes exactly its buckets back */
	rt[0].healthy = true;
	rt[0].recovered_epoch = 1;
	{
		struct hf_dp_build in;

		memset(&in, 0, sizeof(in));
		in.cfg = &f->cfg;
		in.ports = f->ports;
		in.members = rt;
		in.active = true;
		in.recover_epoch = 1;
		c = hf_dataplane_build(&in);
		assert_non_null(c);
	}
	select_all(c, ft, 0, NDST / 2, now);
	for (i = 0; i < NDST / 2; i++) {
		pi_for_dst(i, &pi);
		if (hf_dp_bucket_member(c, &c->clusters[0], hf_hash_pkt(&pi, HF_HASH_DST_IP)) == 0)
			assert_int_equal(now[i], 0);
		else
			assert_int_equal(now[i], nolive[i]);
	}
	hf_dataplane_free(c);
	hf_dataplane_free(b);
	hf_flowtab_free(ft);
}

/* Stat ids unlike the indices: a counter bumped by index instead of by id shows. */
static const uint32_t fp_cstat[2] = {5, 2};
static const uint32_t fp_mstat[2 * NB_MEMBERS] = {40, 41, 42, 43, 7, 8, 9, 10};

static struct hf_dataplane *
build_fp(struct fixture *f, const struct hf_member_view *rt, bool active)
{
	return build_with(f, rt, fp_cstat, fp_mstat, active);
}

/* Zeroed counters; the struct is 64-byte aligned, more than calloc promises. */
static struct hf_lcore_stats *
fp_stats(void)
{
	struct hf_lcore_stats *st = aligned_alloc(64, sizeof(*st));

	assert_non_null(st);
	memset(st, 0, sizeof(*st));
	return st;
}

/* hf_fp_plan into a plan full of junk, so a field it fails to set cannot pass by being zero. */
static struct hf_fp_plan
plan_of(const struct hf_dataplane *dp, const struct hf_flowtab *ft, const uint8_t *b, size_t len)
{
	struct hf_fp_plan p;

	memset(&p, 0xa5, sizeof(p));
	hf_fp_plan(dp, ft, b, (uint32_t)len, &p);
	return p;
}

#define FP_BURST 12

/*
 * A burst for both clusters: even frames to cluster 0 by MAC (dst-ip hash),
 * odd ones to cluster 1 by IP (src-dst hash); the last one is VLAN-tagged,
 * so hf_fp_plan's slow branch is in the burst too.
 */
static void
fp_burst(uint8_t b[FP_BURST][64], size_t *len)
{
	static const char *const dmac[2] = {"00:00:5e:00:01:01", "00:00:5e:00:01:02"};
	char a[32];
	int i;

	for (i = 0; i < FP_BURST; i++) {
		snprintf(a, sizeof(a), "%s.%d", i % 2 ? "198.51.100" : "203.0.113", 10 + i);
		len[i] = udp_frame(b[i], dmac[i % 2], i % 2 ? a : "198.51.100.9",
			i % 2 ? "192.0.2.2" : a, HF_IPPROTO_UDP);
	}
	memmove(b[FP_BURST - 1] + 16, b[FP_BURST - 1] + 12, 44);
	memcpy(b[FP_BURST - 1] + 12, "\x81\x00\x00\x05", 4);
	len[FP_BURST - 1] = 64;
}

/*
 * Both passes over the burst with ft; checks every frame against the member
 * in want[] (global index), its rewrite and the counters in expect.
 */
static void
fp_run(const struct hf_dataplane *dp, struct hf_flowtab *ft, struct hf_lcore_stats *st,
	struct hf_lcore_stats *expect, const uint32_t *want, uint64_t now)
{
	uint8_t b[FP_BURST][64], orig[FP_BURST][64];
	struct hf_fp_plan p[FP_BURST];
	size_t len[FP_BURST];
	int i;

	/* fresh frames each time: a rewritten frame no longer goes to a cluster MAC */
	fp_burst(b, len);
	memcpy(orig, b, sizeof(b));
	for (i = 0; i < FP_BURST; i++) {
		p[i] = plan_of(dp, ft, b[i], len[i]);
		assert_int_equal(p[i].v.action, HF_ACT_CLUSTER);
		assert_int_equal(p[i].v.cluster, i % 2);
		assert_ptr_equal(p[i].cl, &dp->clusters[i % 2]);
	}
	for (i = 0; i < FP_BURST; i++) {
		const struct hf_dp_member *mb;
		uint8_t drop = 0xff;
		uint32_t w = want[i];
		/* dst = the member's configured MAC, src = its port's (vpn0) */
		const uint8_t dmac[6] = {2, 0, 0, 0, w / NB_MEMBERS + 1, w % NB_MEMBERS + 1};

		mb = hf_fp_forward(dp, ft, st, b[i], &p[i], now, &drop);
		assert_ptr_equal(mb, &dp->members[w]);
		assert_memory_equal(b[i], dmac, 6);
		assert_memory_equal(b[i] + 6, "\x02\x00\x00\x00\x00\x02", 6);
		assert_memory_equal(b[i] + 12, orig[i] + 12, len[i] - 12);
		assert_int_equal(drop, 0xff);
		expect->cluster[fp_cstat[i % 2]].tx++;
		expect->member_tx[fp_mstat[w]]++;
	}
	assert_memory_equal(st, expect, sizeof(*st));
}

static void
test_fastpath_forward(void **state)
{
	struct fixture *f = *state;
	struct hf_dataplane *dp = build_fp(f, NULL, true), *dp2;
	struct hf_flowtab *ft = hf_flowtab_create(1024, 1000000);
	struct hf_lcore_stats *st = fp_stats(), *expect = fp_stats();
	struct hf_flowtab_stats fs;
	struct hf_pkt_info pi;
	uint8_t b[FP_BURST][64];
	size_t len[FP_BURST];
	uint32_t want[FP_BURST], used = 0;
	int i;

	assert_non_null(ft);
	/* the one-step path's choice: hf_dp_select on hf_pkt_parse's view, bucket table only */
	fp_burst(b, len);
	for (i = 0; i < FP_BURST; i++) {
		assert_int_equal(hf_pkt_parse(b[i], (uint32_t)len[i], &pi), HF_PKT_OK);
		want[i] = hf_dp_select(dp, &dp->clusters[i % 2], &pi, NULL, 1000);
		assert_true(want[i] < 2 * NB_MEMBERS);
		used |= 1u << want[i];
	}
	/* several members per cluster, or agreeing on the member would prove little */
	assert_true(__builtin_popcount(used & 0x0f) > 1 && __builtin_popcount(used & 0xf0) > 1);

	fp_run(dp, NULL, st, expect, want, 1000);
	/* with a flow table: the first pass pins every flow, the second finds them all */
	fp_run(dp, ft, st, expect, want, 1000);
	hf_flowtab_get_stats(ft, &fs);
	assert_int_equal(fs.inserts, FP_BURST);
	assert_int_equal(fs.hits, 0);
	fp_run(dp, ft, st, expect, want, 1001);
	hf_flowtab_get_stats(ft, &fs);
	assert_int_equal(fs.inserts, FP_BURST);
	assert_int_equal(fs.hits, FP_BURST);

	/* frame 0's member drains: the bucket table moves the flow, the flow table keeps it */
	f->members[0][want[0]].state = HF_ADMIN_DRAIN;
	dp2 = build_fp(f, NULL, true);
	assert_int_equal(hf_pkt_parse(b[0], (uint32_t)len[0], &pi), HF_PKT_OK);
	assert_int_not_equal(hf_dp_select(dp2, &dp2->clusters[0], &pi, NULL, 1002), want[0]);
	fp_run(dp2, ft, st, expect, want, 1002);
	hf_dataplane_free(dp2);
	hf_dataplane_free(dp);
	hf_flowtab_free(ft);
	free(st);
	free(expect);
}

static void
test_fastpath_drops(void **state)
{
	struct fixture *f = *state;
	struct hf_flowtab *ft = hf_flowtab_create(1024, 1000000);
	struct hf_lcore_stats *st = fp_stats(), *expect = fp_stats();
	struct hf_member_view rt[2 * NB_MEMBERS];
	const struct hf_dp_member *mb;
	struct hf_flowtab_stats fs;
	struct hf_dataplane *dp;
	struct hf_fp_plan p;
	uint8_t b[FP_BURST][64], orig[FP_BURST][64], drop;
	size_t len[FP_BURST];
	int i;

	assert_non_null(ft);
	fp_burst(b, len);
	memcpy(orig, b, sizeof(b));
	/* HA Backup: still cluster frames by classification, but none is sent */
	dp = build_fp(f, NULL, false);
	for (i = 0; i < FP_BURST; i++) {
		p = plan_of(dp, ft, b[i], len[i]);
		assert_int_equal(p.v.action, HF_ACT_CLUSTER);
		drop = 0xff;
		assert_null(hf_fp_forward(dp, ft, st, b[i], &p, 1000, &drop));
		assert_int_equal(drop, HF_DROP_HA_BACKUP);
		expect->cluster[fp_cstat[i % 2]].dropped++;
	}
	assert_memory_equal(b, orig, sizeof(b));
	assert_memory_equal(st, expect, sizeof(*st));
	/* nor does it pin flows: they would outlive its becoming Master */
	hf_flowtab_get_stats(ft, &fs);
	assert_int_equal(fs.inserts, 0);
	hf_dataplane_free(dp);

	/* cluster 0's members all fail their health checks; cluster 1's stay live */
	memset(rt, 0, sizeof(rt));
	for (i = 0; i < 2 * NB_MEMBERS; i++) {
		rt[i].healthy = i >= NB_MEMBERS;
		rt[i].mac_known = true;
		rt[i].mac = f->members[i / NB_MEMBERS][i % NB_MEMBERS].mac;
	}
	dp = build_fp(f, rt, true);
	for (i = 0; i < FP_BURST; i++) {
		p = plan_of(dp, ft, b[i], len[i]);
		assert_int_equal(p.v.action, HF_ACT_CLUSTER);
		drop = 0xff;
		mb = hf_fp_forward(dp, ft, st, b[i], &p, 1000, &drop);
		if (i % 2 == 0) {
			assert_null(mb);
			assert_int_equal(drop, HF_DROP_NO_MEMBER);
			assert_memory_equal(b[i], orig[i], len[i]);
			expect->cluster[fp_cstat[0]].dropped++;
		} else {
			/* one cluster without members leaves the other alone */
			assert_non_null(mb);
			assert_true(mb >= &dp->members[NB_MEMBERS] &&
				    mb < &dp->members[2 * NB_MEMBERS]);
			expect->cluster[fp_cstat[1]].tx++;
			expect->member_tx[fp_mstat[mb - dp->members]]++;
		}
	}
	assert_memory_equal(st, expect, sizeof(*st));
	hf_dataplane_free(dp);
	hf_flowtab_free(ft);
	free(st);
	free(expect);
}

static void
test_fastpath_plan_other(void **state)
{
	struct fixture *f = *state;
	struct hf_dataplane *dp = build_fp(f, NULL, true);
	struct hf_mac bc = mac("ff:ff:ff:ff:ff:ff"), cl = mac("02:00:00:00:09:09");
	struct hf_mac zero = {{0}};
	struct hf_fp_plan p;
	uint8_t b[64];
	size_t len;

	/* ARP for a cluster IP goes to the control plane (proxy ARP) */
	len = (size_t)hf_arp_build(b, sizeof(b), &bc, &cl, HF_ARP_OP_REQUEST, &cl,
		ip("198.51.100.10"), &zero, ip("192.0.2.1"));
	p = plan_of(dp, NULL, b, len);
	assert_int_equal(p.v.action, HF_ACT_PUNT);
	assert_int_equal(p.v.punt, HF_PUNT_ARP);
	/* somebody else's unicast */
	len = udp_frame(b, "02:00:00:00:77:77", "198.51.100.10", "203.0.113.5", HF_IPPROTO_UDP);
	p = plan_of(dp, NULL, b, len);
	assert_int_equal(p.v.action, HF_ACT_DROP);
	assert_int_equal(p.v.drop, HF_DROP_UNMATCHED);

	/* a cluster frame, whole; then cut short, through the slow branch */
	len = udp_frame(b, "00:00:5e:00:01:01", "198.51.100.10", "203.0.113.5", HF_IPPROTO_UDP);
	assert_int_equal(plan_of(dp, NULL, b, len).v.action, HF_ACT_CLUSTER);
	p = plan_of(dp, NULL, b, 30);
	assert_int_equal(p.v.action, HF_ACT_DROP);
	assert_int_equal(p.v.drop, HF_DROP_MALFORMED_IPV4);
	p = plan_of(dp, NULL, b, 10);
	assert_int_equal(p.v.action, HF_ACT_DROP);
	assert_int_equal(p.v.drop, HF_DROP_MALFORMED_SHORT);
	hf_dataplane_free(dp);
}

/*
 * hf_fp_plan_burst looks the burst's keys up in two bulk lookups (ip
 * table, then mac table for what is left): each frame's verdict must be
 * the one hf_dp_classify gives it alone, for every way of DESIGN.md's
 * order, with frames of all kinds mixed in one full burst.
 */
static void
test_fastpath_plan_burst(void **state)
{
	struct fixture *f = *state;
	struct hf_mac bc = mac("ff:ff:ff:ff:ff:ff"), cl = mac("02:00:00:00:09:09");
	struct hf_mac pm = mac("02:00:00:00:00:01"), zero = {{0}};
	static const struct {
		uint8_t action, arg;   /* arg: cluster, punt kind or drop reason */
	} want[] = {
		{HF_ACT_CLUSTER, 0},                    /* cluster MAC, far destination */
		{HF_ACT_CLUSTER, 1},                    /* cluster 1's IP to cluster 0's MAC */
		{HF_ACT_PUNT, HF_PUNT_ICMP},            /* ICMP to the probe address */
		{HF_ACT_DROP, HF_DROP_UNMATCHED},       /* somebody else's unicast */
		{HF_ACT_PUNT, HF_PUNT_VRRP},            /* VRRP with HA */
		{HF_ACT_PUNT, HF_PUNT_ARP},             /* ARP for a cluster IP */
		{HF_ACT_PUNT, HF_PUNT_LOCAL},           /* ARP reply to the probe address */
		{HF_ACT_PUNT, HF_PUNT_LOCAL},           /* ARP to a port MAC, for another host */
		{HF_ACT_DROP, HF_DROP_CLUSTER_NON_IP},  /* non-IP to a cluster MAC */
		{HF_ACT_DROP, HF_DROP_MALFORMED_IPV4},  /* cut short */
		{HF_ACT_CLUSTER, 0},                    /* VLAN-tagged: the slow parse */
		{HF_ACT_DROP, HF_DROP_UNMATCHED},       /* multicast IPv4: no MAC lookup */
	};
	enum { NK = sizeof(want) / sizeof(want[0]) };
	uint8_t b[HF_FP_BURST][64];
	const uint8_t *fr[HF_FP_BURST];
	uint32_t len[HF_FP_BURST];
	struct hf_fp_plan p[HF_FP_BURST];
	struct hf_dataplane *dp;
	struct hf_pkt_info pi;
	uint32_t i, k;

	f->cfg.ha.enabled = true;
	dp = build(f, NULL, NULL);
	for (i = 0; i < HF_FP_BURST; i++) {
		uint8_t *x = b[i];

		k = i % NK;
		switch (k) {
		case 0:
		case 10:
			len[i] = (uint32_t)udp_frame(x, "00:00:5e:00:01:01", "198.51.100.10",
						     "203.0.113.5", HF_IPPROTO_UDP);
			if (k == 10) {
				memmove(x + 16, x + 12, 44);
				memcpy(x + 12, "\x81\x00\x00\x05", 4);
				len[i] = 64;
			}
			break;
		case 1:
			len[i] = (uint32_t)udp_frame(x, "00:00:5e:00:01:01", "198.51.100.10",
						     "192.0.2.2", HF_IPPROTO_UDP);
			break;
		case 2:
			len[i] = (uint32_t)udp_frame(x, "02:00:00:00:00:01", "198.51.100.10",
						     "192.0.2.250", HF_IPPROTO_ICMP);
			break;
		case 3:
			len[i] = (uint32_t)udp_frame(x, "02:00:00:00:77:77", "198.51.100.10",
						     "203.0.113.5", HF_IPPROTO_UDP);
			break;
		case 4:
			len[i] = (uint32_t)udp_frame(x, "01:00:5e:00:00:12", "192.0.2.3",
						     "224.0.0.18", HF_IPPROTO_VRRP);
			break;
		case 5:
			len[i] = (uint32_t)hf_arp_build(x, 64, &bc, &cl, HF_ARP_OP_REQUEST, &cl,
							ip("198.51.100.10"), &zero, ip("192.0.2.1"));
			break;
		case 6:
			len[i] = (uint32_t)hf_arp_build(x, 64, &bc, &cl, HF_ARP_OP_REPLY, &cl,
							ip("198.51.100.11"), &zero, ip("192.0.2.250"));
			break;
		case 7:
			len[i] = (uint32_t)hf_arp_build(x, 64, &pm, &cl, HF_ARP_OP_REPLY, &cl,
							ip("198.51.100.11"), &pm, ip("198.51.100.12"));
			break;
		case 8:
			memset(x, 0, 64);
			memcpy(x, "\x00\x00\x5e\x00\x01\x01", 6);
			x[12] = 0x88;
			x[13] = 0xb5;
			len[i] = 60;
			break;
		case 9:
			udp_frame(x, "00:00:5e:00:01:01", "198.51.100.10", "203.0.113.5",
				  HF_IPPROTO_UDP);
			len[i] = 30;
			break;
		default:
			len[i] = (uint32_t)udp_frame(x, "01:00:5e:00:00:05", "198.51.100.10",
						     "224.0.0.5", HF_IPPROTO_UDP);
			break;
		}
		fr[i] = x;
	}
	memset(p, 0xa5, sizeof(p));
	hf_fp_plan_burst(dp, NULL, fr, len, HF_FP_BURST, p);
	for (i = 0; i < HF_FP_BURST; i++) {
		struct hf_verdict v;

		k = i % NK;
		assert_int_equal(p[i].v.action, want[k].action);
		if (want[k].action == HF_ACT_CLUSTER) {
			assert_int_equal(p[i].v.cluster, want[k].arg);
			assert_ptr_equal(p[i].cl, &dp->clusters[want[k].arg]);
		} else if (want[k].action == HF_ACT_PUNT) {
			assert_int_equal(p[i].v.punt, want[k].arg);
		} else {
			assert_int_equal(p[i].v.drop, want[k].arg);
		}
		if (hf_pkt_parse(fr[i], len[i], &pi) != HF_PKT_OK)
			continue;
		/* the same, frame by frame */
		v = hf_dp_classify(dp, &pi, fr[i]);
		assert_int_equal(v.action, p[i].v.action);
		assert_int_equal(v.action == HF_ACT_CLUSTER ? v.cluster :
				 v.action == HF_ACT_PUNT ? v.punt : v.drop, want[k].arg);
	}
	hf_dataplane_free(dp);
}

/*
 * Runs of equal destination MACs in a burst are looked up once: every
 * frame of a run still gets its own cluster's verdict, runs of two cluster
 * MACs and an unknown one alternating, broken by a frame the ip table
 * decides (a cluster IP) and by one that does not parse.
 */
static void
test_fastpath_plan_burst_runs(void **state)
{
	static const char *const macs[] = {"00:00:5e:00:01:01", "00:00:5e:00:01:02",
					   "02:00:00:00:77:77"};
	struct fixture *f = *state;
	uint8_t b[HF_FP_BURST][64];
	const uint8_t *fr[HF_FP_BURST];
	uint32_t len[HF_FP_BURST], i, m;
	struct hf_fp_plan p[HF_FP_BURST];
	struct hf_dataplane *dp = build(f, NULL, NULL);
	struct hf_pkt_info pi;

	for (i = 0; i < HF_FP_BURST; i++) {
		m = (i / 3 + i / 7) % 3;   /* runs of 1 to 3 */
		len[i] = (uint32_t)udp_frame(b[i], macs[m], "198.51.100.10",
					     i % 11 == 5 ? "192.0.2.2" : "203.0.113.5",
					     HF_IPPROTO_UDP);
		if (i % 13 == 4)
			len[i] = 30;
		fr[i] = b[i];
	}
	memset(p, 0xa5, sizeof(p));
	hf_fp_plan_burst(dp, NULL, fr, len, HF_FP_BURST, p);
	for (i = 0; i < HF_FP_BURST; i++) {
		struct hf_verdict v;

		m = (i / 3 + i / 7) % 3;
		if (i % 13 == 4) {
			assert_int_equal(p[i].v.action, HF_ACT_DROP);
			assert_int_equal(p[i].v.drop, HF_DROP_MALFORMED_IPV4);
			continue;
		}
		assert_int_equal(hf_pkt_parse(fr[i], len[i], &pi), HF_PKT_OK);
		v = hf_dp_classify(dp, &pi, fr[i]);
		assert_int_equal(p[i].v.action, v.action);
		if (i % 11 == 5) {
			assert_int_equal(p[i].v.action, HF_ACT_CLUSTER);
			assert_int_equal(p[i].v.cluster, 1);
		} else if (m < 2) {
			assert_int_equal(p[i].v.action, HF_ACT_CLUSTER);
			assert_int_equal(p[i].v.cluster, m);
		} else {
			assert_int_equal(p[i].v.action, HF_ACT_DROP);
			assert_int_equal(p[i].v.drop, HF_DROP_UNMATCHED);
		}
	}
	hf_dataplane_free(dp);
}

/* xorshift64: the same pseudo-random keys on every run */
static uint64_t
xs64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * The cluster tables' pre-filters (cltab.h) at 1,024 keys each, the most
 * DESIGN.md asks for: every key added passes its table's filter (a clear
 * bit must be a certain miss, or the burst would drop a cluster's
 * frames), and random absent keys mostly fail it (the false "maybe" rate
 * the sizing is for: docs/performance.md measured ~0.2 %; 1 % is the
 * bound here).
 */
static void
test_cltab_filter(void **state)
{
	enum { NKEYS = 1024, NPROBE = 200000 };
	struct hf_cltabs *t = hf_cltabs_new(hf_cltab_addrtab(), -1, NKEYS + 1, NKEYS + 2);
	uint32_t i, k4, fp4 = 0, n4 = 0, fp8 = 0, n8 = 0;
	uint64_t k8, s = 0x9e3779b97f4a7c15ull;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < NKEYS; i++) {
		/* 198.18.0.0/15 and 00:00:5e:00:xx:yy, as the benchmarks */
		assert_int_equal(hf_cltabs_add_ip(t, htonl(0xc6120000u + i), i), 0);
		assert_int_equal(hf_cltabs_add_mac(t, 0x00005e000000ull + i, i), 0);
	}
	for (i = 0; i < NKEYS; i++) {
		k4 = htonl(0xc6120000u + i);
		k8 = 0x00005e000000ull + i;
		assert_true(hf_cltab_filter_maybe(&t->ipf, hf_cltab_hash4(&k4)));
		assert_true(hf_cltab_filter_maybe(&t->macf, hf_cltab_hash8(&k8)));
		assert_int_equal(hf_cltab_get(t, t->ip, &k4), i);
		assert_int_equal(hf_cltab_get(t, t->mac, &k8), i);
	}
	for (i = 0; i < NPROBE; i++) {
		k4 = (uint32_t)xs64(&s);
		k8 = xs64(&s) >> 16;
		if (hf_cltab_get(t, t->ip, &k4) == HF_CLTAB_MISS) {
			n4++;
			fp4 += hf_cltab_filter_maybe(&t->ipf, hf_cltab_hash4(&k4));
		}
		if (hf_cltab_get(t, t->mac, &k8) == HF_CLTAB_MISS) {
			n8++;
			fp8 += hf_cltab_filter_maybe(&t->macf, hf_cltab_hash8(&k8));
		}
	}
	print_message("filter at %u keys: ip %u words, %.3f %% false maybe; mac %u words, %.3f %%\n",
		      NKEYS, t->ipf.mask + 1, 100.0 * fp4 / n4, t->macf.mask + 1,
		      100.0 * fp8 / n8);
	assert_true(n4 > NPROBE * 99 / 100 && n8 > NPROBE * 99 / 100);
	assert_true(fp4 * 100 < n4);
	assert_true(fp8 * 100 < n8);
	hf_cltabs_put(t);
}

/*
 * The cluster tables are built once per set of keys: a snapshot built from
 * the same configuration, port MACs and probe address takes its
 * predecessor's (a member's state change), any other builds its own; the
 * tables live as long as the last snapshot holding them.
 */
static void
test_cltabs_shared(void **state)
{
	struct fixture *f = *state;
	struct hf_dataplane *dp1, *dp2, *dp3, *dp4, *dp5;
	struct hf_dp_build in;

	f->cfg.serial = 7;
	memset(&in, 0, sizeof(in));
	in.cfg = &f->cfg;
	in.ports = f->ports;
	in.local_ip = ip("192.0.2.250");
	in.active = true;
	dp1 = hf_dataplane_build(&in);
	assert_non_null(dp1);
	assert_int_equal(dp1->cltabs->refs, 1);
	/* a member goes down: same keys */
	f->members[0][1].state = HF_ADMIN_DOWN;
	in.prev = dp1;
	dp2 = hf_dataplane_build(&in);
	assert_non_null(dp2);
	assert_ptr_equal(dp2->cltabs, dp1->cltabs);
	assert_int_equal(dp2->cltabs->refs, 2);
	/* the first snapshot retires: the second still finds everything */
	hf_dataplane_free(dp1);
	assert_int_equal(dp2->cltabs->refs, 1);
	assert_int_equal(hf_dp_ip_lookup(dp2, ip("192.0.2.2")), 1);
	assert_int_equal(hf_dp_ip_lookup(dp2, ip("192.0.2.250")), HF_DP_IP_LOCAL);
	/* a new probe address: new tables, with it */
	in.prev = dp2;
	in.local_ip = ip("192.0.2.251");
	dp3 = hf_dataplane_build(&in);
	assert_non_null(dp3);
	assert_ptr_not_equal(dp3->cltabs, dp2->cltabs);
	assert_int_equal(hf_dp_ip_lookup(dp3, ip("192.0.2.251")), HF_DP_IP_LOCAL);
	assert_int_equal(hf_dp_ip_lookup(dp3, ip("192.0.2.250")), HF_CLTAB_MISS);
	/* a reload (new serial), then another port MAC: new tables each */
	in.prev = dp3;
	f->cfg.serial = 8;
	f->clusters[1].ip = ip("192.0.2.3");
	dp4 = hf_dataplane_build(&in);
	assert_non_null(dp4);
	assert_ptr_not_equal(dp4->cltabs, dp3->cltabs);
	assert_int_equal(hf_dp_ip_lookup(dp4, ip("192.0.2.3")), 1);
	assert_int_equal(hf_dp_ip_lookup(dp4, ip("192.0.2.2")), HF_CLTAB_MISS);
	in.prev = dp4;
	f->ports[0].mac = mac("02:00:00:00:00:05");
	dp5 = hf_dataplane_build(&in);
	assert_non_null(dp5);
	assert_ptr_not_equal(dp5->cltabs, dp4->cltabs);
	/* serial 0 (a configuration not loaded from a file) never shares */
	hf_dataplane_free(dp4);
	f->cfg.serial = 0;
	in.prev = dp5;
	dp4 = hf_dataplane_build(&in);
	assert_non_null(dp4);
	assert_ptr_not_equal(dp4->cltabs, dp5->cltabs);
	hf_dataplane_free(dp5);
	hf_dataplane_free(dp4);
	hf_dataplane_free(dp3);
	hf_dataplane_free(dp2);
}

/* Echo reply (type 0) from src to the probe address with id and seq (host order). */
static size_t
echo_reply(uint8_t *b, const char *src, uint16_t id, uint16_t seq)
{
	struct hf_mac d = mac("02:00:00:00:00:02"), s = mac("02:00:00:00:02:01");
	int len = hf_icmp_echo_build(b, 64, &d, &s, ip(src), ip("192.0.2.250"), HF_ICMP_ECHO_REPLY,
		id, seq, (const uint8_t *)"hyperflow", 9, 64);

	assert_int_equal(len, 60);
	return (size_t)len;
}

/* The punt kind of frame b, by the slow route and by the worker's first pass, which must agree. */
static uint8_t
punt_of(const struct hf_dataplane *dp, const uint8_t *b, size_t len)
{
	struct hf_verdict v = classify(dp, b, len);
	struct hf_fp_plan p = plan_of(dp, NULL, b, len);

	assert_int_equal(v.action, HF_ACT_PUNT);
	assert_int_equal(p.v.action, HF_ACT_PUNT);
	assert_int_equal(p.v.punt, v.punt);
	return v.punt;
}

static uint32_t probe_window[HF_MAX_MEMBERS_TOTAL];

/*
 * Health replies get the probe kind only when they answer an outstanding
 * probe of the member their echo id names, from the address its replies
 * come from; everything else to the probe address stays icmp.
 */
static void
test_classify_probe_replies(void **state)
{
	struct fixture *f = *state;
	struct hf_health h;
	struct hf_dp_build in;
	struct hf_dataplane *dp;
	uint8_t b[64];
	uint16_t seq;
	int i;

	f->clusters[0].health = (struct hf_health_conf){
		.method = HF_HEALTH_ICMP, .interval_ms = 100, .timeout_ms = 300, .rise = 2, .fall = 3};
	f->clusters[1].health = f->clusters[0].health;
	f->clusters[1].health.method = HF_HEALTH_TUNNEL;
	f->clusters[1].health.target = ip("203.0.113.1");
	memset(probe_window, 0, sizeof(probe_window));
	memset(&in, 0, sizeof(in));
	in.cfg = &f->cfg;
	in.ports = f->ports;
	in.local_ip = ip("192.0.2.250");
	in.active = true;
	in.probe_window = probe_window;
	dp = hf_dataplane_build(&in);
	assert_non_null(dp);
	assert_int_equal(dp->probe_src[0], ip("192.0.2.10"));
	assert_int_equal(dp->probe_src[4], ip("203.0.113.1"));

	/* member 0 (uid 0) has probes 0, 1, 2 out */
	assert_int_equal(hf_health_init(&h, &f->clusters[0].health, 0), 0);
	for (i = 0; i < 3; i++) {
		assert_true(hf_health_due(&h, (uint64_t)i * 100, &seq));
		assert_int_equal(seq, i);
	}
	probe_window[0] = hf_health_window(&h);
	assert_int_equal(probe_window[0], 2u << 16 | 7u);
	for (i = 0; i < 3; i++)
		assert_int_equal(punt_of(dp, b, echo_reply(b, "192.0.2.10", hf_icmp_id_for(0), i)),
				 HF_PUNT_PROBE);
	/* a probe not sent yet, one long gone */
	assert_int_equal(punt_of(dp, b, echo_reply(b, "192.0.2.10", hf_icmp_id_for(0), 3)),
			 HF_PUNT_ICMP);
	assert_int_equal(punt_of(dp, b, echo_reply(b, "192.0.2.10", hf_icmp_id_for(0), 65535)),
			 HF_PUNT_ICMP);
	/* answered: a replay of the same reply is not a health reply any more */
	assert_int_not_equal(hf_health_reply(&h, 1, 250), HF_HT_IGNORED);
	probe_window[0] = hf_health_window(&h);
	assert_int_equal(punt_of(dp, b, echo_reply(b, "192.0.2.10", hf_icmp_id_for(0), 1)),
			 HF_PUNT_ICMP);
	assert_int_equal(punt_of(dp, b, echo_reply(b, "192.0.2.10", hf_icmp_id_for(0), 2)),
			 HF_PUNT_PROBE);
	/* from another address, with another member's id, or an unknown id */
	assert_int_equal(punt_of(dp, b, echo_reply(b, "198.51.100.10", hf_icmp_id_for(0), 2)),
			 HF_PUNT_ICMP);
	assert_int_equal(punt_of(dp, b, echo_reply(b, "192.0.2.10", hf_icmp_id_for(1), 2)),
			 HF_PUNT_ICMP);
	assert_int_equal(punt_of(dp, b, echo_reply(b, "192.0.2.10", hf_icmp_id_for(999), 2)),
			 HF_PUNT_ICMP);
	/* a ping and a TCP SYN to the probe address */
	{
		struct hf_mac d = mac("02:00:00:00:00:01"), s = mac("02:00:00:00:09:09");

		assert_int_equal(hf_icmp_echo_build(b, 64, &d, &s, ip("192.0.2.10"),
					 ip("192.0.2.250"), HF_ICMP_ECHO_REQUEST, hf_icmp_id_for(0), 2,
					 NULL, 0, 64),
			60);
		assert_int_equal(punt_of(dp, b, 60), HF_PUNT_ICMP);
	}
	assert_int_equal(punt_of(dp, b, udp_frame(b, "02:00:00:00:00:01", "192.0.2.10",
						 "192.0.2.250", HF_IPPROTO_TCP)),
			 HF_PUNT_ICMP);
	/* tunnel (member 4, uid 4): the reply comes from the far-end target */
	probe_window[4] = 7u << 16 | 1u;
	assert_int_equal(punt_of(dp, b, echo_reply(b, "203.0.113.1", hf_icmp_id_for(4), 7)),
			 HF_PUNT_PROBE);
	assert_int_equal(punt_of(dp, b, echo_reply(b, "192.0.2.20", hf_icmp_id_for(4), 7)),
			 HF_PUNT_ICMP);
	hf_dataplane_free(dp);

	/* without a window (tests, fuzzing) any sequence number goes */
	in.probe_window = NULL;
	dp = hf_dataplane_build(&in);
	assert_non_null(dp);
	assert_int_equal(punt_of(dp, b, echo_reply(b, "192.0.2.10", hf_icmp_id_for(0), 4242)),
			 HF_PUNT_PROBE);
	hf_dataplane_free(dp);

	/* health none: echo replies are never health replies */
	f->clusters[0].health.method = HF_HEALTH_NONE;
	in.probe_window = probe_window;
	dp = hf_dataplane_build(&in);
	assert_non_null(dp);
	assert_int_equal(dp->probe_src[0], 0);
	assert_int_equal(punt_of(dp, b, echo_reply(b, "192.0.2.10", hf_icmp_id_for(0), 2)),
			 HF_PUNT_ICMP);
	hf_dataplane_free(dp);
}

/* Sequence numbers wrap: the window follows them through 65535 -> 0. */
static void
test_probe_window_wraps(void **state)
{
	const struct hf_health_conf hc = {
		.method = HF_HEALTH_ICMP, .interval_ms = 10, .timeout_ms = 1000, .rise = 1, .fall = 1};
	struct hf_health h;
	uint16_t seq;
	uint32_t w;
	int i;

	(void)state;
	assert_int_equal(hf_health_init(&h, &hc, 0), 0);
	assert_int_equal(hf_health_window(&h), 0);
	h.next_seq = 65534;
	for (i = 0; i < 3; i++)
		assert_true(hf_health_due(&h, (uint64_t)i * 10, &seq));
	w = hf_health_window(&h);
	assert_true(hf_health_window_has(w, 65534));
	assert_true(hf_health_window_has(w, 65535));
	assert_true(hf_health_window_has(w, 0));
	assert_false(hf_health_window_has(w, 1));
	assert_false(hf_health_window_has(w, 65533));
	/* a full ring: the last 16 probes are out, the one before was evicted */
	for (i = 3; i < 40; i++)
		assert_true(hf_health_due(&h, (uint64_t)i * 10, &seq));
	w = hf_health_window(&h);
	assert_int_equal(w & 0xffff, 0xffff);
	assert_true(hf_health_window_has(w, seq));
	assert_true(hf_health_window_has(w, (uint16_t)(seq - 15)));
	assert_false(hf_health_window_has(w, (uint16_t)(seq - 16)));
}

/*
 * ARP replies from a member we ARP (ARP health, or a MAC to resolve) to our
 * address are health replies; requests, and replies from anyone else, are not.
 */
static void
test_classify_probe_arp(void **state)
{
	struct fixture *f = *state;
	struct hf_mac bc = mac("ff:ff:ff:ff:ff:ff"), pm = mac("02:00:00:00:00:02");
	struct hf_mac mm = mac("02:00:00:00:01:01"), zero = {{0}};
	struct hf_dataplane *dp;
	uint8_t b[64];

	f->clusters[0].health.method = HF_HEALTH_ARP;
	f->members[1][2].has_mac = false;   /* cluster 1, method none: its MAC is resolved */
	dp = build(f, NULL, NULL);
	assert_int_equal(hf_arp_build(b, sizeof(b), &pm, &mm, HF_ARP_OP_REPLY, &mm,
				      ip("192.0.2.10"), &pm, ip("192.0.2.250")), 60);
	assert_int_equal(punt_of(dp, b, 60), HF_PUNT_PROBE);
	assert_int_equal(hf_arp_build(b, sizeof(b), &pm, &mm, HF_ARP_OP_REPLY, &mm,
				      ip("192.0.2.22"), &pm, ip("192.0.2.250")), 60);
	assert_int_equal(punt_of(dp, b, 60), HF_PUNT_PROBE);
	/* cluster 1's other members have a MAC and no ARP health */
	assert_int_equal(hf_arp_build(b, sizeof(b), &pm, &mm, HF_ARP_OP_REPLY, &mm,
				      ip("192.0.2.21"), &pm, ip("192.0.2.250")), 60);
	assert_int_equal(punt_of(dp, b, 60), HF_PUNT_LOCAL);
	assert_int_equal(hf_arp_build(b, sizeof(b), &pm, &mm, HF_ARP_OP_REPLY, &mm,
				      ip("198.51.100.10"), &pm, ip("192.0.2.250")), 60);
	assert_int_equal(punt_of(dp, b, 60), HF_PUNT_LOCAL);
	assert_int_equal(hf_arp_build(b, sizeof(b), &bc, &mm, HF_ARP_OP_REQUEST, &mm,
				      ip("192.0.2.10"), &zero, ip("192.0.2.250")), 60);
	assert_int_equal(punt_of(dp, b, 60), HF_PUNT_LOCAL);
	hf_dataplane_free(dp);
}

/*
 * The probe kind's budget comes from the configuration and goes in full to
 * every worker; the punt block's kinds are shared out among them.
 */
static void
test_probe_budget(void **state)
{
	struct fixture *f = *state;
	struct hf_probe_budget pb;
	struct hf_dp_build in;
	struct hf_dataplane *dp;

	/* nothing probed, nothing resolved */
	hf_config_probe_budget(&f->cfg, f->cfg.nb_clusters, &pb);
	assert_int_equal(pb.pps, 0);
	assert_int_equal(pb.burst, 0);
	/* 4 members x 10 probes/s x 2, 3 in flight each; then 4 x 20/s, 1 in flight */
	f->clusters[0].health = (struct hf_health_conf){
		.method = HF_HEALTH_ICMP, .interval_ms = 100, .timeout_ms = 300, .rise = 2, .fall = 3};
	f->clusters[1].health = (struct hf_health_conf){
		.method = HF_HEALTH_ARP, .interval_ms = 50, .timeout_ms = 40, .rise = 2, .fall = 3};
	hf_config_probe_budget(&f->cfg, 1, &pb);
	assert_int_equal(pb.pps, 80);
	assert_int_equal(pb.burst, 24);
	hf_config_probe_budget(&f->cfg, 2, &pb);
	assert_int_equal(pb.pps, 80 + 160);
	assert_int_equal(pb.burst, 24 + 8);
	/* a MAC to resolve adds its refresh: 2 x 1000 / 5000 a second, rounded up */
	f->members[0][0].has_mac = false;
	hf_config_probe_budget(&f->cfg, 2, &pb);
	assert_int_equal(pb.pps, 241);
	assert_int_equal(pb.burst, 34);

	memset(&in, 0, sizeof(in));
	in.cfg = &f->cfg;
	in.ports = f->ports;
	in.local_ip = ip("192.0.2.250");
	in.active = true;
	in.hz = 1000000000;
	in.nb_workers = 4;
	f->cfg.punt.icmp_pps = 1000;
	f->cfg.punt.arp_pps = 20000;
	f->cfg.punt.local_pps = 10000;
	f->cfg.punt.vrrp_pps = 2000;
	dp = hf_dataplane_build(&in);
	assert_non_null(dp);
	assert_int_equal(dp->probe_pps, 241);
	assert_int_equal(dp->punt_period[HF_PUNT_PROBE], 1000000000 / 241);
	assert_int_equal(dp->punt_tau[HF_PUNT_PROBE], 33 * (1000000000 / 241));
	assert_int_equal(dp->punt_period[HF_PUNT_ICMP], 1000000000 / 250);
	/*
	 * ARP (not IP: RSS leaves it all on one queue) and VRRP (one flow)
	 * reach one worker whatever the worker count: a share of their limit
	 * would cut it by that count, so each worker has it whole.
	 */
	assert_int_equal(dp->punt_period[HF_PUNT_ARP], 1000000000 / f->cfg.punt.arp_pps);
	assert_int_equal(dp->punt_period[HF_PUNT_LOCAL], 1000000000 / f->cfg.punt.local_pps);
	assert_int_equal(dp->punt_period[HF_PUNT_VRRP], 1000000000 / f->cfg.punt.vrrp_pps);
	assert_int_equal(dp->punt_tau[HF_PUNT_ARP],
			 (f->cfg.punt.arp_pps / 10 - 1) * (1000000000 / f->cfg.punt.arp_pps));
	hf_dataplane_free(dp);
}


/* ---- fragments of 5-tuple clusters ---- */

#define FR_TO "203.0.113.50"

/*
 * An IPv4 UDP frame from src to FR_TO by cluster 0's MAC: a fragment at
 * offset off (8-byte units, MF as mf) of datagram id, or a whole datagram
 * (off 0, !mf). The first fragment and a whole datagram carry the UDP
 * header (sport -> 4500); a later fragment carries payload bytes that
 * would read as other ports.
 */
static size_t
frag4(uint8_t *b, const char *src, uint16_t sport, uint16_t id, uint16_t off, bool mf)
{
	size_t len = udp_frame(b, "00:00:5e:00:01:01", src, FR_TO, HF_IPPROTO_UDP);
	uint16_t fo = (uint16_t)((mf ? 0x2000 : 0) | off);

	b[18] = (uint8_t)(id >> 8);
	b[19] = (uint8_t)id;
	b[20] = (uint8_t)(fo >> 8);
	b[21] = (uint8_t)fo;
	if (off == 0) {
		b[34] = (uint8_t)(sport >> 8);
		b[35] = (uint8_t)sport;
		b[36] = 4500 >> 8;
		b[37] = 4500 & 0xff;
	} else {
		memcpy(b + 34, "\x77\x77\x88\x88", 4);
	}
	return len;
}

/*
 * The same for IPv6, from 2001:db8::<host> to 2001:db8:1::50, with a
 * Fragment header unless whole.
 */
static size_t
frag6(uint8_t *b, uint8_t host, uint16_t sport, uint32_t id, uint16_t off, bool mf, bool whole)
{
	struct hf_mac d = mac("00:00:5e:00:01:01");
	uint8_t *ip = b + 14, *l4;
	uint32_t plen = whole ? 16 : 24;

	memset(b, 0, 80);
	memcpy(b, d.b, 6);
	memcpy(b + 6, "\x02\x00\x00\x00\x09\x09", 6);
	b[12] = 0x86;
	b[13] = 0xdd;
	ip[0] = 0x60;
	ip[5] = (uint8_t)plen;
	ip[6] = whole ? HF_IPPROTO_UDP : 44;
	ip[7] = 64;
	memcpy(ip + 8, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0", 15);
	ip[23] = host;
	memcpy(ip + 24, "\x20\x01\x0d\xb8\0\x01\0\0\0\0\0\0\0\0\0\x50", 16);
	l4 = ip + 40;
	if (!whole) {
		l4[0] = HF_IPPROTO_UDP;
		l4[2] = (uint8_t)(off >> 5);
		l4[3] = (uint8_t)(off << 3 | (mf ? 1 : 0));
		l4[4] = (uint8_t)(id >> 24);
		l4[5] = (uint8_t)(id >> 16);
		l4[6] = (uint8_t)(id >> 8);
		l4[7] = (uint8_t)id;
		l4 += 8;
	}
	if (off == 0) {
		l4[0] = (uint8_t)(sport >> 8);
		l4[1] = (uint8_t)sport;
		l4[2] = 4500 >> 8;
		l4[3] = 4500 & 0xff;
	} else {
		memcpy(l4, "\x77\x77\x88\x88", 4);
	}
	return 14 + 40 + plen;
}

/* The worker's two passes for one frame at a time (test_fragments_*). */
struct fw {
	const struct hf_dataplane *dp;
	struct hf_flowtab *ft;
	struct hf_fragtab *frags;
	struct hf_lcore_stats *st;
	uint64_t now;
	/* what went out: frames (by pointer) and their members (global index) */
	int n;
	uint8_t *frame[16];
	uint32_t member[16];
};

static void
fw_sent(struct fw *w, uint8_t *b, const struct hf_dp_member *mb)
{
	assert_true(w->n < 16);
	w->frame[w->n] = b;
	w->member[w->n] = (uint32_t)(mb - w->dp->members);
	/* the member's header, as the worker writes it */
	assert_memory_equal(b, mb->eth, 12);
	w->n++;
}

/* The test's packets are the frames themselves. */
static uint8_t *
fw_eth_of(void *pkt)
{
	return pkt;
}

/*
 * One frame through both passes, as the worker dispatches it: whole
 * datagrams by hf_fp_forward, fragments by hf_fp_fragment. What it sends
 * is appended to w->frame/member; r gets hf_fp_fragment's result.
 */
static void
fw_send_r(struct fw *w, uint8_t *b, size_t len, struct hf_fp_frag *r)
{
	struct hf_fp_plan p = plan_of(w->dp, w->ft, b, len);
	const struct hf_dp_member *mb;
	uint8_t drop = 0xff;
	int i;

	memset(r, 0, sizeof(*r));
	if (p.v.action == HF_ACT_CLUSTER) {
		mb = hf_fp_forward(w->dp, w->ft, w->st, b, &p, w->now, &drop);
		assert_non_null(mb);
		fw_sent(w, b, mb);
		r->mb = mb;
		return;
	}
	assert_int_equal(p.v.action, HF_ACT_FRAG);
	hf_fp_fragment(w->dp, w->ft, w->frags, w->st, b, (uint32_t)len, b, fw_eth_of, &p, w->now,
		       r);
	if (r->mb == NULL)
		return;
	assert_int_equal(r->held, 0);
	fw_sent(w, b, r->mb);
	for (i = 0; i < r->nb_rel; i++)
		fw_sent(w, r->rel[i], r->mb);
}

static void
fw_send(struct fw *w, uint8_t *b, size_t len)
{
	struct hf_fp_frag r;

	fw_send_r(w, b, len, &r);
	assert_true(r.mb != NULL || r.held);
}

/* Send frames[0..n) one by one; returns how many frames went out. */
static int
fw_seq(struct fw *w, uint8_t (*b)[80], const size_t *len, const int *order, int n)
{
	int i;

	w->n = 0;
	for (i = 0; i < n; i++)
		fw_send(w, b[order[i]], len[order[i]]);
	return w->n;
}

/*
 * Every fragment of a datagram goes to the member its flow's whole
 * datagrams go to, in 5-tuple clusters: in order, later fragments first,
 * datagrams interleaved, IPv4 and IPv6.
 */
static void
test_fragments_follow_flow(void **state)
{
	static const int in_order[3] = {0, 1, 2}, reversed[3] = {2, 1, 0};
	struct fixture *f = *state;
	struct hf_dataplane *dp;
	struct fw w;
	uint8_t b[6][80];
	size_t len[6];
	uint32_t flow[8], used = 0;
	int i, j, k, moved = 0;
	char src[32];

	f->clusters[0].hash = HF_HASH_5TUPLE;
	dp = build_fp(f, NULL, true);
	memset(&w, 0, sizeof(w));
	w.dp = dp;
	w.ft = hf_flowtab_create(1024, 1000000);
	w.frags = hf_fragtab_create(64, 1000000);
	w.st = fp_stats();
	w.now = 1000;
	assert_non_null(w.ft);
	assert_non_null(w.frags);
	for (i = 0; i < 8; i++) {
		snprintf(src, sizeof(src), "198.51.100.%d", 20 + i);
		/* the flow's member: where its whole datagrams go */
		len[0] = frag4(b[0], src, (uint16_t)(1000 + i), 1, 0, false);
		assert_int_equal(fw_seq(&w, b, len, in_order, 1), 1);
		flow[i] = w.member[0];
		used |= 1u << flow[i];
		/* a later fragment's own view (ports 0) would pick another member */
		len[1] = frag4(b[1], src, 0, 2, 185, false);
		if (hf_dp_bucket_member(dp, &dp->clusters[0], plan_of(dp, NULL, b[1], len[1]).hash) !=
		    flow[i])
			moved++;

		for (k = 0; k < 2; k++) {
			const int *order = k == 0 ? in_order : reversed;
			uint16_t id = (uint16_t)(100 * i + k + 10);

			len[0] = frag4(b[0], src, (uint16_t)(1000 + i), id, 0, true);
			len[1] = frag4(b[1], src, 0, id, 185, true);
			len[2] = frag4(b[2], src, 0, id, 370, false);
			assert_int_equal(fw_seq(&w, b, len, order, 3), 3);
			/* later fragments that came first leave after the first one, in arrival order */
			for (j = 0; j < 3; j++) {
				assert_ptr_equal(w.frame[j], b[k == 0 ? j : (3 - j) % 3]);
				assert_int_equal(w.member[j], flow[i]);
			}
		}
	}
	/* the test proves something only if flows spread and fragments' own hashes differ */
	assert_true(__builtin_popcount(used) > 1);
	assert_true(moved > 0);

	/* two datagrams of two flows, interleaved, later fragments first */
	len[0] = frag4(b[0], "198.51.100.20", 1000, 900, 0, true);
	len[1] = frag4(b[1], "198.51.100.20", 0, 900, 185, true);
	len[2] = frag4(b[2], "198.51.100.20", 0, 900, 370, false);
	len[3] = frag4(b[3], "198.51.100.21", 1001, 900, 0, true);
	len[4] = frag4(b[4], "198.51.100.21", 0, 900, 185, true);
	len[5] = frag4(b[5], "198.51.100.21", 0, 900, 370, false);
	{
		static const int mix[6] = {1, 5, 3, 2, 0, 4};

		assert_int_equal(fw_seq(&w, b, len, mix, 6), 6);
		for (j = 0; j < 6; j++) {
			int fi = (int)(w.frame[j] - b[0]) / 80;

			assert_int_equal(w.member[j], flow[fi < 3 ? 0 : 1]);
		}
	}

	/*
	 * Flow 0's member drains: the bucket table moves new flows away, the
	 * flow table keeps flow 0 there, and its fragments, later ones first,
	 * follow it there too.
	 */
	{
		struct hf_dataplane *drained;
		uint32_t m0 = flow[0] - dp->clusters[0].member_base;
		static const int mix[4] = {2, 1, 3, 0};

		f->members[0][m0].state = HF_ADMIN_DRAIN;
		drained = build_fp(f, NULL, true);
		w.dp = drained;
		len[0] = frag4(b[0], "198.51.100.20", 1000, 950, 0, true);
		assert_int_not_equal(hf_dp_bucket_member(drained, &drained->clusters[0],
							 plan_of(drained, NULL, b[0], len[0]).hash),
				     flow[0]);
		len[1] = frag4(b[1], "198.51.100.20", 0, 950, 185, true);
		len[2] = frag4(b[2], "198.51.100.20", 0, 950, 370, false);
		len[3] = frag4(b[3], "198.51.100.20", 1000, 1, 0, false);
		assert_int_equal(fw_seq(&w, b, len, mix, 4), 4);
		for (j = 0; j < 4; j++)
			assert_int_equal(w.member[j], flow[0]);
		w.dp = dp;
		hf_dataplane_free(drained);
		f->members[0][m0].state = HF_ADMIN_UP;
	}

	/* IPv6: a whole datagram, then one in fragments, the last first */
	for (i = 0; i < 4; i++) {
		len[0] = frag6(b[0], (uint8_t)(0x20 + i), (uint16_t)(2000 + i), 0, 0, false, true);
		assert_int_equal(fw_seq(&w, b, len, in_order, 1), 1);
		flow[i] = w.member[0];
		len[0] = frag6(b[0], (uint8_t)(0x20 + i), (uint16_t)(2000 + i), 0x10000 + i, 0, true,
			       false);
		len[1] = frag6(b[1], (uint8_t)(0x20 + i), 0, 0x10000 + i, 1, true, false);
		len[2] = frag6(b[2], (uint8_t)(0x20 + i), 0, 0x10000 + i, 2, false, false);
		assert_int_equal(fw_seq(&w, b, len, reversed, 3), 3);
		for (j = 0; j < 3; j++)
			assert_int_equal(w.member[j], flow[i]);
	}

	/* other modes hash no ports: a fragment is an ordinary cluster frame there */
	len[0] = udp_frame(b[0], "00:00:5e:00:01:02", "198.51.100.20", FR_TO, HF_IPPROTO_UDP);
	b[0][21] = 185;
	assert_int_equal(plan_of(dp, w.ft, b[0], len[0]).v.action, HF_ACT_CLUSTER);

	hf_fragtab_free(w.frags);
	hf_flowtab_free(w.ft);
	free(w.st);
	hf_dataplane_free(dp);
}

/*
 * Fragments the table cannot place are dropped and counted by reason:
 * a full table, a datagram holding HF_FRAG_HOLD already, a first fragment
 * that never comes; and like whole datagrams on an HA backup or with no
 * live member. Without a table, fragments go by their own fields.
 */
static void
test_fragments_drops(void **state)
{
	struct fixture *f = *state;
	struct hf_frag_expired out[HF_FRAGTAB_SET_HOLD];
	struct hf_member_view rt[2 * NB_MEMBERS];
	struct hf_dataplane *dp, *down, *backup;
	const uint32_t c0 = fp_cstat[0];
	struct hf_fp_frag r;
	struct fw w;
	uint8_t b[6][80];
	size_t len[6];
	uint32_t flow, i;

	f->clusters[0].hash = HF_HASH_5TUPLE;
	dp = build_fp(f, NULL, true);
	backup = build_fp(f, NULL, false);
	memset(rt, 0, sizeof(rt));
	for (i = 0; i < 2 * NB_MEMBERS; i++)
		rt[i].mac_known = true; /* and none healthy */
	down = build_fp(f, rt, true);
	memset(&w, 0, sizeof(w));
	w.dp = dp;
	w.ft = hf_flowtab_create(1024, 1000000);
	w.frags = hf_fragtab_create(4, 100); /* one set of four datagrams */
	w.st = fp_stats();
	w.now = 1000;
	assert_non_null(w.ft);
	assert_non_null(w.frags);

	len[0] = frag4(b[0], "198.51.100.30", 3000, 1, 0, false);
	w.n = 0;
	fw_send(&w, b[0], len[0]);
	flow = w.member[0];

	/* four datagrams wait for their first fragments; the fifth finds no room */
	for (i = 0; i < 4; i++) {
		len[i] = frag4(b[i], "198.51.100.30", 0, (uint16_t)(10 + i), 185, true);
		fw_send_r(&w, b[i], len[i], &r);
		assert_int_equal(r.held, 1);
	}
	len[4] = frag4(b[4], "198.51.100.30", 0, 14, 185, true);
	fw_send_r(&w, b[4], len[4], &r);
	assert_null(r.mb);
	assert_int_equal(r.held, 0);
	assert_int_equal(r.drop, HF_DROP_FRAG_FULL);
	/* its first fragment still goes by its own ports */
	len[4] = frag4(b[4], "198.51.100.30", 3000, 14, 0, true);
	w.n = 0;
	fw_send_r(&w, b[4], len[4], &r);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.member[0], flow);
	/* datagram 13 holds HF_FRAG_HOLD fragments, no more */
	for (i = 1; i < HF_FRAG_HOLD; i++) {
		fw_send_r(&w, b[3], len[3], &r);
		assert_int_equal(r.held, 1);
	}
	fw_send_r(&w, b[3], len[3], &r);
	assert_null(r.mb);
	assert_int_equal(r.drop, HF_DROP_FRAG_HOLD_FULL);
	assert_int_equal(w.st->cluster[c0].dropped, 2);

	/* the first fragments never come: the ager hands the held ones back, counted */
	assert_int_equal(hf_fp_frag_age(w.frags, w.st, 1100, 1, out, HF_FRAGTAB_SET_HOLD), 0);
	assert_int_equal(hf_fp_frag_age(w.frags, w.st, 1101, 1, out, HF_FRAGTAB_SET_HOLD),
			 3 + HF_FRAG_HOLD);
	assert_int_equal(out[0].cluster, c0);
	assert_int_equal(w.st->drops[HF_DROP_FRAG_TIMEOUT], 3 + HF_FRAG_HOLD);
	assert_int_equal(w.st->cluster[c0].dropped, 2 + 3 + HF_FRAG_HOLD);

	/* HA backup: dropped like a whole datagram, nothing held */
	w.dp = backup;
	fw_send_r(&w, b[0], len[0], &r);
	assert_int_equal(r.held, 0);
	assert_int_equal(r.drop, HF_DROP_HA_BACKUP);

	/* no live member: the first fragment and those held for it are dropped */
	w.dp = down;
	len[1] = frag4(b[1], "198.51.100.30", 0, 20, 185, true);
	fw_send_r(&w, b[1], len[1], &r);
	assert_int_equal(r.held, 1);
	len[0] = frag4(b[0], "198.51.100.30", 3000, 20, 0, true);
	fw_send_r(&w, b[0], len[0], &r);
	assert_null(r.mb);
	assert_int_equal(r.drop, HF_DROP_NO_MEMBER);
	assert_int_equal(r.nb_rel, 1);
	assert_ptr_equal(r.rel[0], b[1]);
	assert_int_equal(w.st->cluster[c0].dropped, 2 + 3 + HF_FRAG_HOLD + 1 + 2);

	/* the worker stops: what is still held is dropped and counted */
	w.dp = dp;
	len[2] = frag4(b[2], "198.51.100.30", 0, 22, 185, true);
	fw_send_r(&w, b[2], len[2], &r);
	assert_int_equal(r.held, 1);
	assert_int_equal(hf_fp_frag_drain(w.frags, w.st, out, HF_FRAGTAB_SET_HOLD), 1);
	assert_ptr_equal(out[0].pkt, b[2]);
	assert_int_equal(hf_fp_frag_drain(w.frags, w.st, out, HF_FRAGTAB_SET_HOLD), 0);
	assert_int_equal(w.st->drops[HF_DROP_FRAG_TIMEOUT], 3 + HF_FRAG_HOLD + 1);
	assert_int_equal(w.st->cluster[c0].dropped, 2 + 3 + HF_FRAG_HOLD + 1 + 2 + 1);

	/* without a table: a later fragment by its own fields (ports 0) */
	hf_fragtab_free(w.frags);
	w.frags = NULL;
	len[1] = frag4(b[1], "198.51.100.30", 0, 21, 185, true);
	w.n = 0;
	fw_send_r(&w, b[1], len[1], &r);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.member[0],
			 hf_dp_bucket_member(dp, &dp->clusters[0],
					     plan_of(dp, NULL, b[1], len[1]).hash));

	hf_flowtab_free(w.ft);
	free(w.st);
	hf_dataplane_free(down);
	hf_dataplane_free(backup);
	hf_dataplane_free(dp);
}


int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_templates_and_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_classify_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_classify_arp_and_non_ip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_classify_probe_candidate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_member_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incremental_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uids_and_determinism, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_mac_and_bad_input, setup, teardown),
		cmocka_unit_test(test_flow_keys),
		cmocka_unit_test(test_hash_key_matches),
		cmocka_unit_test_setup_teardown(test_select_flow_pinning, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fastpath_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fastpath_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fastpath_plan_other, setup, teardown),
		cmocka_unit_test_setup_teardown(test_classify_probe_replies, setup, teardown),
		cmocka_unit_test(test_probe_window_wraps),
		cmocka_unit_test_setup_teardown(test_classify_probe_arp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragments_follow_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragments_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fastpath_plan_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fastpath_plan_burst_runs, setup, teardown),
		cmocka_unit_test(test_cltab_filter),
		cmocka_unit_test_setup_teardown(test_cltabs_shared, setup, teardown),
	};

	return cmocka_run_group_tests_name("dataplane", tests, NULL, NULL);
}
