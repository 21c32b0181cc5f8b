/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cluster tables on rte_hash (src/dp/cltab_rte.c), the ones the
 * program runs with: the same answers as the hf_addrtab the other unit
 * tests use, one name per table so that snapshots coexist, and nothing
 * left behind. Starts EAL: --no-huge -m 512 --no-pci, a file prefix of its
 * own.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <hyperflow/cltab.h>
#include <hyperflow/dataplane.h>
#include <hyperflow/fastpath.h>

static struct hf_config *cfg;
static struct hf_dp_port ports[2];

static uint32_t
ip(const char *s)
{
	uint32_t v;

	assert_int_equal(hf_ip4_parse(s, &v), 0);
	return v;
}

/* Three clusters, two sharing a MAC (the first takes frames by MAC). */
static const char conf_text[] =
	"ports = ( { name = \"lan0\"; device = \"net_pcap0\"; mac = \"02:00:00:00:00:01\"; },\n"
	"          { name = \"vpn0\"; device = \"net_pcap1\"; mac = \"02:00:00:00:00:02\"; } );\n"
	"probe = { pool = [ \"192.0.2.250\" ]; };\n"
	"clusters = (\n"
	" { name = \"a\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\"; ports = [ \"lan0\" ];\n"
	"   members = ( { name = \"a1\"; ip = \"192.0.2.11\"; mac = \"02:00:00:00:01:01\";"
	" port = \"vpn0\"; } ); },\n"
	" { name = \"b\"; ip = \"192.0.2.2\"; mac = \"00:00:5e:00:01:02\"; ports = [ \"lan0\" ];\n"
	"   members = ( { name = \"b1\"; ip = \"192.0.2.21\"; mac = \"02:00:00:00:02:01\";"
	" port = \"vpn0\"; } ); },\n"
	" { name = \"c\"; ip = \"192.0.2.3\"; mac = \"00:00:5e:00:01:02\"; ports = [ \"lan0\" ];\n"
	"   members = ( { name = \"c1\"; ip = \"192.0.2.31\"; mac = \"02:00:00:00:03:01\";"
	" port = \"vpn0\"; } ); } );\n";

static int
group_setup(void **state)
{
	char prefix[64];
	char *argv[] = {(char *)"test_cltab_rte", (char *)"--no-huge", (char *)"-m",
			(char *)"512", (char *)"--no-pci", (char *)"--no-telemetry",
			(char *)"--log-level=lib.eal:error", (char *)"--file-prefix", prefix,
			(char *)"-l", (char *)"0", NULL};
	struct hf_errlist errs;
	int p;

	(void)state;
	snprintf(prefix, sizeof(prefix), "hf-ut-cltab-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	hf_errlist_init(&errs);
	if (hf_config_load_string(conf_text, "test.conf", &cfg, &errs) != 0)
		return -1;
	for (p = 0; p < 2; p++) {
		ports[p].port_id = (uint16_t)p;
		ports[p].mac = cfg->ports[p].mac;
	}
	return 0;
}

/* EAL's runtime directory (file-prefix) holds a few files: gone with us. */
static int
group_teardown(void **state)
{
	char dir[512], path[1024];
	struct dirent *e;
	DIR *d;

	(void)state;
	hf_config_free(cfg);
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	d = opendir(dir);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
		rmdir(dir);
	}
	return 0;
}

static struct hf_dataplane *
build(const struct hf_cltab_ops *ops, uint32_t local_ip, const struct hf_dataplane *prev)
{
	struct hf_dp_build in;
	struct hf_dataplane *dp;

	memset(&in, 0, sizeof(in));
	in.cfg = cfg;
	in.ports = ports;
	in.local_ip = local_ip;
	in.active = true;
	in.cltab_ops = ops;
	in.cltab_socket = (int)rte_socket_id();
	in.prev = prev;
	dp = hf_dataplane_build(&in);
	assert_non_null(dp);
	return dp;
}

static void
test_ops(void **state)
{
	const struct hf_cltab_ops *ops = hf_cltab_rte();
	uint32_t k4[HF_CLTAB_BULK], vals[HF_CLTAB_BULK], hashes[HF_CLTAB_BULK], i, v;
	const void *keys[HF_CLTAB_BULK];
	uint64_t k8 = 0x00005e0001010000ull;
	void *t4, *t8;

	(void)state;
	t4 = ops->create("ip", 4, 16, (int)rte_socket_id());
	t8 = ops->create("mac", 8, 16, (int)rte_socket_id());
	assert_non_null(t4);
	assert_non_null(t8);
	for (i = 0; i < 16; i++) {
		k4[i] = ip("192.0.2.0") + (i << 24);
		assert_int_equal(ops->add(t4, &k4[i], i * 3), 0);
	}
	/* the first value stays, as in hf_addrtab; the miss value is refused */
	assert_int_equal(ops->add(t4, &k4[5], 99), -EEXIST);
	assert_int_equal(ops->add(t8, &k8, HF_CLTAB_MISS), -EINVAL);
	assert_int_equal(ops->add(t8, &k8, 0), 0);
	/* a full bulk, hits and misses interleaved */
	for (i = 0; i < HF_CLTAB_BULK; i++) {
		if (i % 2 == 0)
			k4[i] = ip("192.0.2.0") + ((i / 2) << 24);
		else
			k4[i] = ip("198.51.100.0") + (i << 24);
		keys[i] = &k4[i];
		hashes[i] = hf_cltab_hash4(&k4[i]);
	}
	ops->lookup_bulk(t4, keys, hashes, HF_CLTAB_BULK, vals);
	for (i = 0; i < HF_CLTAB_BULK; i++)
		assert_int_equal(vals[i], i % 2 == 0 ? (i / 2) * 3 : HF_CLTAB_MISS);
	keys[0] = &k8;
	hashes[0] = hf_cltab_hash8(&k8);
	ops->lookup_bulk(t8, keys, hashes, 1, &v);
	assert_int_equal(v, 0);
	assert_true(ops->bytes(t4) > 0);
	ops->free(t4);
	ops->free(t8);
}

/* Every key and some misses: rte_hash and hf_addrtab give the same values. */
static void
test_same_as_addrtab(void **state)
{
	struct hf_dataplane *r = build(hf_cltab_rte(), ip("192.0.2.250"), NULL);
	struct hf_dataplane *a = build(NULL, ip("192.0.2.250"), NULL);
	static const char *const ips[] = {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.250",
					  "192.0.2.4", "203.0.113.1"};
	static const uint8_t macs[][6] = {{0, 0, 0x5e, 0, 1, 1}, {0, 0, 0x5e, 0, 1, 2},
					  {2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2},
					  {2, 0, 0, 0, 0, 3}};
	uint32_t i;

	(void)state;
	assert_string_equal(r->cltabs->ops->name, "rte_hash");
	assert_string_equal(a->cltabs->ops->name, "addrtab");
	for (i = 0; i < sizeof(ips) / sizeof(ips[0]); i++)
		assert_int_equal(hf_dp_ip_lookup(r, ip(ips[i])), hf_dp_ip_lookup(a, ip(ips[i])));
	assert_int_equal(hf_dp_ip_lookup(r, ip("192.0.2.3")), 2);
	assert_int_equal(hf_dp_ip_lookup(r, ip("192.0.2.4")), HF_CLTAB_MISS);
	for (i = 0; i < sizeof(macs) / sizeof(macs[0]); i++) {
		uint64_t k = hf_mac_key(macs[i]);

		assert_int_equal(hf_cltab_get(r->cltabs, r->cltabs->mac, &k),
				 hf_cltab_get(a->cltabs, a->cltabs->mac, &k));
	}
	/* the shared MAC is the first cluster's; port MACs carry their flag */
	{
		uint64_t k = hf_mac_key(macs[1]), kp = hf_mac_key(macs[3]);

		assert_int_equal(hf_cltab_get(r->cltabs, r->cltabs->mac, &k), 1);
		assert_int_equal(hf_cltab_get(r->cltabs, r->cltabs->mac, &kp), HF_DP_MAC_PORT | 1);
	}
	hf_dataplane_free(r);
	hf_dataplane_free(a);
}

/* The worker's first pass over rte_hash: a burst to every cluster IP and MAC. */
static void
test_plan_burst(void **state)
{
	struct hf_dataplane *dp = build(hf_cltab_rte(), ip("192.0.2.250"), NULL);
	uint8_t b[HF_FP_BURST][60];
	const uint8_t *fr[HF_FP_BURST];
	uint32_t len[HF_FP_BURST], i;
	struct hf_fp_plan p[HF_FP_BURST];

	(void)state;
	for (i = 0; i < HF_FP_BURST; i++) {
		/* even: to cluster i/2 % 3 by IP; odd: to cluster MAC 1 or 2, far address */
		uint32_t dst = i % 2 == 0 ? ip("192.0.2.1") + (((i / 2) % 3) << 24) :
					    ip("203.0.113.9");
		uint32_t src = ip("198.51.100.7");

		memset(b[i], 0, sizeof(b[i]));
		memcpy(b[i], i % 4 == 1 ? "\x00\x00\x5e\x00\x01\x01" : "\x00\x00\x5e\x00\x01\x02", 6);
		memcpy(b[i] + 6, "\x02\x00\x00\x00\x09\x09", 6);
		b[i][12] = 0x08;
		b[i][14] = 0x45;
		b[i][17] = 46;
		b[i][22] = 64;
		b[i][23] = 17;
		memcpy(b[i] + 26, &src, 4);
		memcpy(b[i] + 30, &dst, 4);
		b[i][39] = 8;
		fr[i] = b[i];
		len[i] = 60;
	}
	hf_fp_plan_burst(dp, NULL, fr, len, HF_FP_BURST, p);
	for (i = 0; i < HF_FP_BURST; i++) {
		assert_int_equal(p[i].v.action, HF_ACT_CLUSTER);
		assert_int_equal(p[i].v.cluster, i % 2 == 0 ? (i / 2) % 3 : (i % 4 == 1 ? 0 : 1));
	}
	hf_dataplane_free(dp);
}

/*
 * Snapshots coexist (each table its own rte_hash name), share their
 * tables when the keys are the same, and give all of DPDK's memory back
 * once the last is freed.
 */
static void
test_lifetime(void **state)
{
	struct rte_malloc_socket_stats before, after;
	struct hf_dataplane *dp[8];
	int socket = (int)rte_socket_id();
	uint32_t i;

	(void)state;
	assert_int_equal(rte_malloc_get_socket_stats(socket, &before), 0);
	dp[0] = build(hf_cltab_rte(), ip("192.0.2.250"), NULL);
	for (i = 1; i < 8; i++) {
		/* odd: a new probe address, new tables; even: the same keys, shared */
		dp[i] = build(hf_cltab_rte(), ip((i + 1) / 2 % 2 ? "192.0.2.251" : "192.0.2.250"),
			      dp[i - 1]);
		if (i % 2 == 0)
			assert_ptr_equal(dp[i]->cltabs, dp[i - 1]->cltabs);
		else
			assert_ptr_not_equal(dp[i]->cltabs, dp[i - 1]->cltabs);
	}
	for (i = 0; i < 8; i++)
		assert_int_equal(hf_dp_ip_lookup(dp[i], ip("192.0.2.2")), 1);
	for (i = 0; i < 8; i++)
		hf_dataplane_free(dp[i]);
	assert_int_equal(rte_malloc_get_socket_stats(socket, &after), 0);
	assert_int_equal(after.heap_allocsz_bytes, before.heap_allocsz_bytes);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_same_as_addrtab),
		cmocka_unit_test(test_plan_burst),
		cmocka_unit_test(test_lifetime),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
