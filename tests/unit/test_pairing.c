/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Firewall pairing: clusters whose members are legs of the same devices
 * (the members' `device` key). Their bucket tables agree device for
 * device, a device fails and recovers in every cluster at once, and a
 * conversation's two directions share one flow-table entry.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <hyperflow/config.h>
#include <hyperflow/dataplane.h>
#include <hyperflow/flowtab.h>
#include <hyperflow/pkt.h>

#define MAX_FW 8

/* A sandwich of n firewalls: cluster "in" (lan0, 192.0.2.0/24 legs), "out" (vpn0). */
static struct hf_config *
sandwich(unsigned int n, unsigned int weight2)
{
	static char text[8192];
	struct hf_errlist errs;
	struct hf_config *cfg = NULL;
	size_t off;
	unsigned int side, i;

	off = (size_t)snprintf(text, sizeof(text),
			       "ports = ( { name = \"lan0\"; device = \"net_pcap0\"; },\n"
			       "          { name = \"vpn0\"; device = \"net_pcap1\"; } );\n"
			       "clusters = (\n");
	for (side = 0; side < 2; side++) {
		off += (size_t)snprintf(
			text + off, sizeof(text) - off,
			"  { name = \"%s\"; type = \"firewall\"; hash = \"src-dst\"; buckets = 256;\n"
			"    ip = \"%s\"; mac = \"00:00:5e:00:01:0%u\"; ports = [ \"%s\" ];\n"
			"    health = { method = \"none\"; };\n"
			"    members = (\n",
			side ? "out" : "in", side ? "198.51.100.1" : "192.0.2.1", side + 1,
			side ? "vpn0" : "lan0");
		for (i = 0; i < n; i++) {
			/* the outside legs listed in the reverse order, with other addresses */
			unsigned int k = side ? n - 1 - i : i;

			off += (size_t)snprintf(
				text + off, sizeof(text) - off,
				"      { name = \"fw%u-%s\"; device = \"fw%u\"; ip = \"%s.%u\";\n"
				"        mac = \"02:00:00:00:%02x:%02x\"; port = \"%s\"; weight = %u; }%s\n",
				k + 1, side ? "out" : "in", k + 1, side ? "198.51.100" : "192.0.2",
				20 + k * 7, side + 1, k + 1, side ? "vpn0" : "lan0",
				k == 1 ? weight2 : 1, i + 1 < n ? "," : "");
		}
		off += (size_t)snprintf(text + off, sizeof(text) - off, "    ); }%s\n",
					side ? "" : ",");
	}
	snprintf(text + off, sizeof(text) - off, ");\n");
	hf_errlist_init(&errs);
	assert_int_equal(hf_config_load_string(text, "pair.conf", &cfg, &errs), 0);
	return cfg;
}

static const struct hf_dp_port ports[2] = {
	{7, {{0x02, 0, 0, 0, 0, 0x01}}},
	{9, {{0x02, 0, 0, 0, 0, 0x02}}},
};

/* view[g]: healthy with its configured MAC, unless down[g] */
static struct hf_dataplane *
snapshot(const struct hf_config *cfg, const bool *down, const uint16_t *epoch, uint16_t recover)
{
	struct hf_member_view view[2 * MAX_FW];
	struct hf_dp_build in;
	struct hf_dataplane *dp;
	uint32_t g;

	memset(view, 0, sizeof(view));
	for (g = 0; g < cfg->nb_members_total; g++) {
		const struct hf_member_conf *mc = hf_config_member(cfg, g, NULL);

		view[g].healthy = down == NULL || !down[g];
		view[g].mac_known = true;
		view[g].mac = mc->mac;
		view[g].recovered_epoch = epoch != NULL ? epoch[g] : 0;
	}
	memset(&in, 0, sizeof(in));
	in.cfg = cfg;
	in.ports = ports;
	in.members = view;
	in.active = true;
	in.recover_epoch = recover;
	dp = hf_dataplane_build(&in);
	assert_non_null(dp);
	return dp;
}

/* The device name of member index mi (into dp->members), or "-" for none. */
static const char *
dev_of(const struct hf_config *cfg, uint32_t mi)
{
	if (mi == HF_DP_NONE)
		return "-";
	return hf_config_member(cfg, mi, NULL)->device;
}

/* Every bucket names the same device in both clusters; returns buckets of `dev`. */
static uint32_t
assert_tables_agree(const struct hf_config *cfg, const struct hf_dataplane *dp, const char *dev)
{
	const struct hf_dp_cluster *in = &dp->clusters[0], *out = &dp->clusters[1];
	uint32_t b, of_dev = 0;

	assert_int_equal(in->bucket_mask, out->bucket_mask);
	for (b = 0; b <= in->bucket_mask; b++) {
		const char *di = dev_of(cfg, hf_dp_bucket_member(dp, in, b));
		const char *dout = dev_of(cfg, hf_dp_bucket_member(dp, out, b));

		if (strcmp(di, dout) != 0)
			fail_msg("bucket %u: in -> %s, out -> %s", b, di, dout);
		of_dev += dev != NULL && strcmp(di, dev) == 0;
	}
	return of_dev;
}

static void
test_tables_agree(void **state)
{
	unsigned int n;

	(void)state;
	for (n = 2; n <= MAX_FW; n++) {
		struct hf_config *cfg = sandwich(n, n);   /* fw2 weighs n */
		struct hf_dataplane *dp = snapshot(cfg, NULL, NULL, 0);
		uint32_t fw2 = assert_tables_agree(cfg, dp, "fw2");

		/* weights hold across the pair: fw2 has n/(2n-1) of the buckets */
		assert_in_range(fw2, 256 * n / (2 * n - 1) - 2, 256 * n / (2 * n - 1) + 2);
		assert_int_equal(dp->clusters[0].flow_id, dp->clusters[1].flow_id);
		hf_dataplane_free(dp);
		hf_config_free(cfg);
	}
}

/*
 * A leg failing on either side takes its device out of both clusters;
 * only that device's buckets move, to the same device on both sides.
 */
static void
test_failure_symmetric(void **state)
{
	struct hf_config *cfg = sandwich(4, 1);
	struct hf_dataplane *all = snapshot(cfg, NULL, NULL, 0);
	uint32_t side, b, g;

	(void)state;
	for (side = 0; side < 2; side++) {
		bool down[2 * MAX_FW] = {false};
		struct hf_dataplane *dp;
		uint32_t leg = HF_DP_NONE, twin = HF_DP_NONE;

		/* fw3's leg on this side fails its health check */
		for (g = 0; g < cfg->nb_members_total; g++)
			if (strcmp(dev_of(cfg, g), "fw3") == 0) {
				if (cfg->member_cluster[g] == side)
					leg = g;
				else
					twin = g;
			}
		down[leg] = true;
		dp = snapshot(cfg, down, NULL, 0);
		assert_int_equal(assert_tables_agree(cfg, dp, "fw3"), 0);
		assert_false(dp->members[leg].live);
		assert_false(dp->members[twin].live);
		assert_false(dp->members[twin].usable);
		assert_true(dp->members[twin].held);    /* held by the other leg */
		assert_false(dp->members[leg].held);    /* down on its own */
		assert_true(dp->members[twin].healthy);
		assert_int_equal(dp->clusters[0].nb_live, 3);
		assert_int_equal(dp->clusters[1].nb_live, 3);
		/* only fw3's buckets moved */
		for (b = 0; b < 256; b++) {
			const char *was = dev_of(cfg, hf_dp_bucket_member(all, &all->clusters[side], b));
			const char *is = dev_of(cfg, hf_dp_bucket_member(dp, &dp->clusters[side], b));

			if (strcmp(was, "fw3") != 0)
				assert_string_equal(was, is);
		}
		hf_dataplane_free(dp);
	}
	hf_dataplane_free(all);
	hf_config_free(cfg);
}

/* drain on one leg drains the device; down on one leg takes it down. */
static void
test_admin_state_symmetric(void **state)
{
	struct hf_config *cfg = sandwich(3, 1);
	struct hf_member_conf *mc = NULL;
	struct hf_dataplane *dp;
	uint32_t g;

	(void)state;
	for (g = 0; g < cfg->nb_members_total; g++) {
		mc = (struct hf_member_conf *)hf_config_member(cfg, g, NULL);
		if (strcmp(mc->device, "fw1") == 0 && cfg->member_cluster[g] == 1)
			break;
	}
	mc->state = HF_ADMIN_DRAIN;
	dp = snapshot(cfg, NULL, NULL, 0);
	assert_int_equal(assert_tables_agree(cfg, dp, "fw1"), 0);
	for (g = 0; g < cfg->nb_members_total; g++)
		if (strcmp(dev_of(cfg, g), "fw1") == 0) {
			assert_false(dp->members[g].live);
			assert_true(dp->members[g].usable);   /* tracked flows stay while draining */
		}
	hf_dataplane_free(dp);
	mc->state = HF_ADMIN_DOWN;
	dp = snapshot(cfg, NULL, NULL, 0);
	for (g = 0; g < cfg->nb_members_total; g++)
		if (strcmp(dev_of(cfg, g), "fw1") == 0) {
			assert_false(dp->members[g].live);
			assert_false(dp->members[g].usable);
		}
	hf_dataplane_free(dp);
	hf_config_free(cfg);
}

/* A TCP-like frame from src to dst (ports sp -> dp) to the cluster MAC. */
static void
conv_pi(uint32_t client, uint32_t server, uint16_t cport, bool reply, struct hf_pkt_info *pi)
{
	uint8_t b[64] = {0};
	uint32_t s = reply ? server : client, d = reply ? client : server;
	uint16_t sp = reply ? 443 : cport, dp = reply ? cport : 443;

	memcpy(b, "\x00\x00\x5e\x00\x01\x01", 6);
	memcpy(b + 6, "\x02\x00\x00\x00\x09\x09", 6);
	b[12] = 0x08;
	b[14] = 0x45;
	b[17] = 40;
	b[22] = 64;
	b[23] = HF_IPPROTO_TCP;
	memcpy(b + 26, &s, 4);
	memcpy(b + 30, &d, 4);
	b[34] = (uint8_t)(sp >> 8);
	b[35] = (uint8_t)sp;
	b[36] = (uint8_t)(dp >> 8);
	b[37] = (uint8_t)dp;
	b[46] = 0x50;
	assert_int_equal(hf_pkt_parse(b, 60, pi), HF_PKT_OK);
}

#define NCONV 300

static uint32_t
client_ip(unsigned int i)
{
	return htonl(0xc0000200u | (100 + i % 100));   /* 192.0.2.100.. */
}

static uint32_t
server_ip(unsigned int i)
{
	return htonl(0xcb007100u | (1 + i / 100 * 7 + i % 13));   /* 203.0.113.x */
}

/*
 * One flow table entry per conversation for the group: the reply, through
 * the other cluster, meets the entry its request made and goes to the same
 * device even where the tables changed in between (a device added by a
 * reload: pinned conversations stay put in both directions).
 */
static void
test_flow_shared(void **state)
{
	struct hf_config *c3 = sandwich(3, 1), *c4 = sandwich(4, 1);
	struct hf_dataplane *d3 = snapshot(c3, NULL, NULL, 0), *d4;
	struct hf_flowtab *ft = hf_flowtab_create(4096, 1000000), *ft2;
	uint32_t req[NCONV];
	unsigned int i, moved = 0, entries;
	struct hf_flowtab_stats fst;
	struct hf_pkt_info pi;

	(void)state;
	assert_non_null(ft);
	for (i = 0; i < NCONV; i++) {
		conv_pi(client_ip(i), server_ip(i), (uint16_t)(10000 + i), false, &pi);
		req[i] = hf_dp_select(d3, &d3->clusters[0], &pi, ft, 1000);
		assert_int_not_equal(req[i], HF_DP_NONE);
	}
	hf_flowtab_get_stats(ft, &fst);
	entries = (unsigned int)fst.inserts;
	/* the replies through "out", same snapshot: same device, no new entry */
	for (i = 0; i < NCONV; i++) {
		uint32_t mi;

		conv_pi(client_ip(i), server_ip(i), (uint16_t)(10000 + i), true, &pi);
		mi = hf_dp_select(d3, &d3->clusters[1], &pi, ft, 1001);
		assert_string_equal(dev_of(c3, mi), dev_of(c3, req[i]));
	}
	hf_flowtab_get_stats(ft, &fst);
	assert_int_equal(fst.inserts, entries);

	/*
	 * A fourth device comes (uids: the "in" legs keep theirs, as the
	 * reload's id assignment would give them). Replies go to their
	 * request's device, although fw4 now owns some of their buckets.
	 */
	d4 = snapshot(c4, NULL, NULL, 0);
	for (i = 0; i < NCONV; i++) {
		uint32_t mi, bi;

		conv_pi(client_ip(i), server_ip(i), (uint16_t)(10000 + i), true, &pi);
		bi = hf_dp_bucket_member(d4, &d4->clusters[1],
					 hf_hash_pkt(&pi, HF_HASH_SRC_DST));
		mi = hf_dp_select(d4, &d4->clusters[1], &pi, ft, 1002);
		assert_string_equal(dev_of(c4, mi), dev_of(c3, req[i]));
		moved += strcmp(dev_of(c4, bi), dev_of(c3, req[i])) != 0;
	}
	/* the case the shared entry is for happened: about a quarter would have moved */
	assert_true(moved > NCONV / 8);

	/* without the entry (another worker's table, say) the tables still agree */
	ft2 = hf_flowtab_create(4096, 1000000);
	assert_non_null(ft2);
	for (i = 0; i < NCONV; i++) {
		uint32_t a, b;

		conv_pi(client_ip(i), server_ip(i), (uint16_t)(10000 + i), false, &pi);
		a = hf_dp_select(d4, &d4->clusters[0], &pi, ft2, 1003);
		conv_pi(client_ip(i), server_ip(i), (uint16_t)(10000 + i), true, &pi);
		b = hf_dp_select(d4, &d4->clusters[1], &pi, ft2, 1003);
		assert_string_equal(dev_of(c4, a), dev_of(c4, b));
	}
	hf_flowtab_free(ft2);
	hf_flowtab_free(ft);
	hf_dataplane_free(d3);
	hf_dataplane_free(d4);
	hf_config_free(c3);
	hf_config_free(c4);
}

/*
 * A pinned conversation whose device fails on one side leaves it in both
 * directions, to the same new device; one that recovers takes its
 * buckets back in both directions.
 */
static void
test_flow_failover_symmetric(void **state)
{
	struct hf_config *cfg = sandwich(4, 1);
	struct hf_dataplane *all = snapshot(cfg, NULL, NULL, 1), *dp, *back;
	struct hf_flowtab *ft = hf_flowtab_create(4096, 1000000);
	bool down[2 * MAX_FW] = {false};
	uint16_t epoch[2 * MAX_FW] = {0};
	uint32_t req[NCONV], g, fw2_out = HF_DP_NONE;
	unsigned int i, on_fw2 = 0;
	struct hf_pkt_info pi;

	(void)state;
	for (g = 0; g < cfg->nb_members_total; g++)
		if (strcmp(dev_of(cfg, g), "fw2") == 0 && cfg->member_cluster[g] == 1)
			fw2_out = g;
	for (i = 0; i < NCONV; i++) {
		conv_pi(client_ip(i), server_ip(i), (uint16_t)(20000 + i), false, &pi);
		req[i] = hf_dp_select(all, &all->clusters[0], &pi, ft, 1000);
		on_fw2 += strcmp(dev_of(cfg, req[i]), "fw2") == 0;
	}
	assert_true(on_fw2 > 0);
	/* fw2's outside leg dies */
	down[fw2_out] = true;
	dp = snapshot(cfg, down, NULL, 1);
	for (i = 0; i < NCONV; i++) {
		uint32_t a, b;

		conv_pi(client_ip(i), server_ip(i), (uint16_t)(20000 + i), true, &pi);
		b = hf_dp_select(dp, &dp->clusters[1], &pi, ft, 1001);
		conv_pi(client_ip(i), server_ip(i), (uint16_t)(20000 + i), false, &pi);
		a = hf_dp_select(dp, &dp->clusters[0], &pi, ft, 1001);
		assert_string_equal(dev_of(cfg, a), dev_of(cfg, b));
		assert_string_not_equal(dev_of(cfg, a), "fw2");
		/* the others stay where they were */
		if (strcmp(dev_of(cfg, req[i]), "fw2") != 0)
			assert_string_equal(dev_of(cfg, a), dev_of(cfg, req[i]));
	}
	/* it recovers (epoch 2, on the outside leg only): its conversations come back, both ways */
	epoch[fw2_out] = 2;
	back = snapshot(cfg, NULL, epoch, 2);
	for (i = 0; i < NCONV; i++) {
		uint32_t a, b;

		conv_pi(client_ip(i), server_ip(i), (uint16_t)(20000 + i), false, &pi);
		a = hf_dp_select(back, &back->clusters[0], &pi, ft, 1002);
		conv_pi(client_ip(i), server_ip(i), (uint16_t)(20000 + i), true, &pi);
		b = hf_dp_select(back, &back->clusters[1], &pi, ft, 1002);
		assert_string_equal(dev_of(cfg, a), dev_of(cfg, req[i]));
		assert_string_equal(dev_of(cfg, b), dev_of(cfg, req[i]));
	}
	hf_flowtab_free(ft);
	hf_dataplane_free(all);
	hf_dataplane_free(dp);
	hf_dataplane_free(back);
	hf_config_free(cfg);
}

/*
 * The group's flow id is its least cluster stat (ids follow names across
 * reloads), whichever cluster comes first in the file.
 */
static void
test_flow_id_least_stat(void **state)
{
	struct hf_config *cfg = sandwich(3, 1);
	const uint32_t cstat[2] = {9, 4};
	struct hf_dp_build in;
	struct hf_dataplane *dp;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.cfg = cfg;
	in.ports = ports;
	in.cluster_stat = cstat;
	in.active = true;
	dp = hf_dataplane_build(&in);
	assert_non_null(dp);
	assert_int_equal(dp->clusters[0].stat, 9);
	assert_int_equal(dp->clusters[0].flow_id, 4);
	assert_int_equal(dp->clusters[1].flow_id, 4);
	assert_int_equal(dp->member_flow[0], 4);
	hf_dataplane_free(dp);
	hf_config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_agree),
		cmocka_unit_test(test_failure_symmetric),
		cmocka_unit_test(test_admin_state_symmetric),
		cmocka_unit_test(test_flow_shared),
		cmocka_unit_test(test_flow_failover_symmetric),
		cmocka_unit_test(test_flow_id_least_stat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
