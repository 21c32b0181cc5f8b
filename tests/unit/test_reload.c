/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reload decision (reload.h), case by case: two configurations as an
 * operator would write them, the runtime state that matters, and the plan
 * that must come out.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include <hyperflow/reload.h>

/* Two ports, a probe pool, an optional ha block and the clusters given. */
static struct hf_config *
load(const char *pool, const char *ha, const char *clusters)
{
	char text[4096];
	struct hf_errlist errs;
	struct hf_config *cfg = NULL;
	char buf[HF_ERR_FILE_MAX + HF_ERR_MSG_MAX + 16];

	snprintf(text, sizeof(text),
		 "ports = ( { name = \"lan0\"; device = \"net_pcap0\"; mac = \"02:00:00:00:00:01\"; },\n"
		 "          { name = \"vpn0\"; device = \"net_pcap1\"; mac = \"02:00:00:00:00:02\"; },\n"
		 "          { name = \"lan1\"; device = \"net_pcap2\"; mac = \"02:00:00:00:00:03\"; } );\n"
		 "probe = { pool = [ %s ]; };\n%s\nclusters = ( %s );\n",
		 pool, ha, clusters);
	hf_errlist_init(&errs);
	if (hf_config_load_string(text, "test.conf", &cfg, &errs) != 0) {
		if (errs.n > 0)
			fprintf(stderr, "%s\n", hf_err_format(&errs.e[0], buf, sizeof(buf)));
		fail_msg("the test's configuration does not load");
	}
	return cfg;
}

#define POOL "\"192.0.2.250\", \"192.0.2.251\""
#define HA "ha = { port = \"lan0\"; vrid = 51; priority = 150; advert_ms = 100; };"

/* Cluster "vpn-out" with MAC mac, ports ports, health block health, members a and b. */
static const char *
cluster(char *buf, size_t len, const char *ip, const char *mac, const char *ports,
	const char *health, const char *members)
{
	snprintf(buf, len,
		 "{ name = \"vpn-out\"; ip = \"%s\"; mac = \"%s\"; ports = [ %s ]; health = { %s };\n"
		 "  members = ( %s ); }",
		 ip, mac, ports, health, members);
	return buf;
}

#define MAC1 "00:00:5e:00:01:01"
#define MAC2 "00:00:5e:00:01:02"
#define H_ARP "method = \"arp\"; interval_ms = 100; timeout_ms = 300; rise = 2; fall = 3;"
#define MA "{ name = \"a\"; ip = \"192.0.2.11\"; port = \"vpn0\"; }"
#define MB "{ name = \"b\"; ip = \"192.0.2.12\"; port = \"vpn0\"; }"

struct fixture {
	struct hf_config *old, *new;
	struct hf_ids ids;
	uint32_t cid[HF_MAX_CLUSTERS];
	uint32_t mid[64];
	struct hf_reload_plan plan;
};

/* Load old (ids assigned as at start), then new, and plan old -> new; when
 * full, every id not held by old is marked used first (none left to give). */
static void
plan_ids(struct fixture *f, struct hf_config *old, struct hf_config *new, uint32_t local_ip,
	 bool full)
{
	struct hf_reload_in in;
	int32_t om[64];

	memset(f, 0, sizeof(*f));
	f->old = old;
	f->new = new;
	hf_ids_init(&f->ids);
	assert_int_equal(hf_ids_assign(&f->ids, NULL, NULL, NULL, old, f->cid, f->mid, om), 0);
	if (full) {
		memset(f->ids.cluster_used, 1, sizeof(f->ids.cluster_used));
		memset(f->ids.member_used, 1, sizeof(f->ids.member_used));
	}
	memset(&in, 0, sizeof(in));
	in.old_cfg = old;
	in.new_cfg = new;
	in.ids = &f->ids;
	in.old_cid = f->cid;
	in.old_mid = f->mid;
	in.local_ip = local_ip;
	assert_int_equal(hf_reload_plan(&in, &f->plan), 0);
}

static void
plan(struct fixture *f, struct hf_config *old, struct hf_config *new, uint32_t local_ip)
{
	plan_ids(f, old, new, local_ip, false);
}

static void
done(struct fixture *f)
{
	hf_reload_plan_free(&f->plan);
	hf_config_free(f->old);
	hf_config_free(f->new);
}

static uint32_t
ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* The same file again: everything kept, nothing announced, nothing restarted. */
static void
test_same_file(void **state)
{
	struct fixture f;
	char c[1024];

	(void)state;
	cluster(c, sizeof(c), "192.0.2.1", MAC1, "\"lan0\"", H_ARP, MA ", " MB);
	plan(&f, load(POOL, HA, c), load(POOL, HA, c), ip4("192.0.2.250"));
	assert_null(f.plan.refused);
	assert_int_equal(f.plan.nb_keep, 2);
	assert_int_equal(f.plan.nb_retime + f.plan.nb_fresh + f.plan.nb_announce, 0);
	assert_int_equal(f.plan.fate[0], HF_MEMBER_KEEP);
	assert_int_equal(f.plan.old_member[1], 1);
	assert_int_equal(f.plan.mid[0], f.mid[0]);
	assert_int_equal(f.plan.mid[1], f.mid[1]);
	assert_int_equal(f.plan.cid[0], f.cid[0]);
	assert_int_equal(f.plan.announce[0], 0);
	assert_false(f.plan.ha_restart);
	assert_false(f.plan.reprobe);
	done(&f);
}

/* Each field of the health block alone: members retimed, never restarted. */
static void
test_health_only(void **state)
{
	static const char *const changed[] = {
		"method = \"arp\"; interval_ms = 200; timeout_ms = 300; rise = 2; fall = 3;",
		"method = \"arp\"; interval_ms = 100; timeout_ms = 400; rise = 2; fall = 3;",
		"method = \"arp\"; interval_ms = 100; timeout_ms = 300; rise = 5; fall = 3;",
		"method = \"arp\"; interval_ms = 100; timeout_ms = 300; rise = 2; fall = 1;",
		"method = \"icmp\"; interval_ms = 100; timeout_ms = 300; rise = 2; fall = 3;",
		"method = \"tunnel\"; target = \"203.0.113.9\"; interval_ms = 100; timeout_ms = 300;",
		"method = \"none\";",
	};
	struct fixture f;
	char a[1024], b[1024];
	size_t i;

	(void)state;
	cluster(a, sizeof(a), "192.0.2.1", MAC1, "\"lan0\"", H_ARP, MA ", " MB);
	for (i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
		cluster(b, sizeof(b), "192.0.2.1", MAC1, "\"lan0\"", changed[i], MA ", " MB);
		plan(&f, load(POOL, HA, a), load(POOL, HA, b), ip4("192.0.2.250"));
		assert_null(f.plan.refused);
		assert_int_equal(f.plan.fate[0], HF_MEMBER_RETIME);
		assert_int_equal(f.plan.fate[1], HF_MEMBER_RETIME);
		assert_int_equal(f.plan.nb_retime, 2);
		assert_int_equal(f.plan.nb_keep + f.plan.nb_fresh + f.plan.nb_announce, 0);
		assert_false(f.plan.ha_restart);
		done(&f);
	}
	/* a tunnel target alone */
	cluster(a, sizeof(a), "192.0.2.1", MAC1, "\"lan0\"",
		"method = \"tunnel\"; target = \"203.0.113.9\";", MA);
	cluster(b, sizeof(b), "192.0.2.1", MAC1, "\"lan0\"",
		"method = \"tunnel\"; target = \"203.0.113.10\";", MA);
	plan(&f, load(POOL, HA, a), load(POOL, HA, b), ip4("192.0.2.250"));
	assert_int_equal(f.plan.fate[0], HF_MEMBER_RETIME);
	done(&f);
}

/* Another address, port or configured MAC is another device: fresh. Added: fresh. */
static void
test_member_changes(void **state)
{
	struct fixture f;
	char a[1024], b[1024];

	(void)state;
	cluster(a, sizeof(a), "192.0.2.1", MAC1, "\"lan0\"", H_ARP, MA ", " MB);
	cluster(b, sizeof(b), "192.0.2.1", MAC1, "\"lan0\"", H_ARP,
		"{ name = \"a\"; ip = \"192.0.2.21\"; port = \"vpn0\"; }, "
		"{ name = \"b\"; ip = \"192.0.2.12\"; port = \"vpn0\"; mac = \"02:00:00:00:01:02\"; },"
		"{ name = \"c\"; ip = \"192.0.2.13\"; port = \"vpn0\"; },"
		"{ name = \"d\"; ip = \"192.0.2.14\"; port = \"lan1\"; }");
	plan(&f, load(POOL, HA, a), load(POOL, HA, b), ip4("192.0.2.250"));
	assert_null(f.plan.refused);
	assert_int_equal(f.plan.fate[0], HF_MEMBER_FRESH);   /* new address */
	assert_int_equal(f.plan.fate[1], HF_MEMBER_FRESH);   /* MAC now configured */
	assert_int_equal(f.plan.fate[2], HF_MEMBER_FRESH);   /* added */
	assert_int_equal(f.plan.old_member[2], -1);
	assert_int_equal(f.plan.nb_fresh, 4);
	assert_int_equal(f.plan.mid[0], f.mid[0]);           /* same name: same id */
	done(&f);
	/* member moved to another port; the other one kept although the order changed */
	cluster(b, sizeof(b), "192.0.2.1", MAC1, "\"lan0\"", H_ARP,
		MB ", { name = \"a\"; ip = \"192.0.2.11\"; port = \"lan1\"; }");
	plan(&f, load(POOL, HA, a), load(POOL, HA, b), ip4("192.0.2.250"));
	assert_int_equal(f.plan.fate[0], HF_MEMBER_KEEP);
	assert_int_equal(f.plan.old_member[0], 1);
	assert_int_equal(f.plan.fate[1], HF_MEMBER_FRESH);
	done(&f);
}

/* A new MAC or IP announces on every served port; a new port alone, on it only. */
static void
test_announce(void **state)
{
	struct fixture f;
	char a[1024], b[1024], c2[2048];

	(void)state;
	cluster(a, sizeof(a), "192.0.2.1", MAC1, "\"lan0\"", H_ARP, MA);
	cluster(b, sizeof(b), "192.0.2.1", MAC2, "\"lan0\", \"lan1\"", H_ARP, MA);
	plan(&f, load(POOL, HA, a), load(POOL, HA, b), ip4("192.0.2.250"));
	assert_int_equal(f.plan.announce[0], (1u << 0) | (1u << 2));
	assert_int_equal(f.plan.nb_announce, 1);
	assert_int_equal(f.plan.fate[0], HF_MEMBER_KEEP);
	done(&f);
	cluster(b, sizeof(b), "192.0.2.1", MAC1, "\"lan0\", \"lan1\"", H_ARP, MA);
	plan(&f, load(POOL, HA, a), load(POOL, HA, b), ip4("192.0.2.250"));
	assert_int_equal(f.plan.announce[0], 1u << 2);
	done(&f);
	cluster(b, sizeof(b), "192.0.2.5", MAC1, "\"lan0\"", H_ARP, MA);
	plan(&f, load(POOL, HA, a), load(POOL, HA, b), ip4("192.0.2.250"));
	assert_int_equal(f.plan.announce[0], 1u << 0);
	done(&f);
	/* a port taken away: nothing to announce */
	cluster(a, sizeof(a), "192.0.2.1", MAC1, "\"lan0\", \"lan1\"", H_ARP, MA);
	cluster(b, sizeof(b), "192.0.2.1", MAC1, "\"lan0\"", H_ARP, MA);
	plan(&f, load(POOL, HA, a), load(POOL, HA, b), ip4("192.0.2.250"));
	assert_int_equal(f.plan.nb_announce, 0);
	done(&f);
	/* a cluster added (a new cluster IP): announced on its ports */
	snprintf(c2, sizeof(c2), "%s, { name = \"vpn-in\"; ip = \"192.0.2.2\"; mac = \"%s\"; "
		 "ports = [ \"lan1\" ]; members = ( { name = \"z\"; ip = \"192.0.2.31\"; "
		 "port = \"vpn0\"; } ); }", a, MAC2);
	plan(&f, load(POOL, HA, a), load(POOL, HA, c2), ip4("192.0.2.250"));
	assert_int_equal(f.plan.announce[0], 0);
	assert_int_equal(f.plan.announce[1], 1u << 2);
	assert_int_equal(f.plan.fate[1], HF_MEMBER_FRESH);
	done(&f);
}

/* What is fixed at start is refused with the reason; nothing else is decided. */
static void
test_refused(void **state)
{
	struct fixture f;
	struct hf_config *o, *n;
	char a[1024];

	(void)state;
	cluster(a, sizeof(a), "192.0.2.1", MAC1, "\"lan0\"", H_ARP, MA);
	o = load(POOL, HA, a);
	n = load(POOL, HA, a);
	n->flow_size *= 2;
	plan(&f, o, n, 0);
	assert_non_null(f.plan.refused);
	assert_non_null(strstr(f.plan.refused, "flows.size"));
	assert_null(f.plan.fate);
	done(&f);
	o = load(POOL, HA, a);
	n = load(POOL, HA, a);
	n->flow_timeout_ms += 1;
	plan(&f, o, n, 0);
	assert_non_null(f.plan.refused);
	assert_non_null(strstr(f.plan.refused, "flows.size or flows.timeout_ms"));
	assert_null(f.plan.fate);
	done(&f);
	o = load(POOL, HA, a);
	n = load(POOL, HA, a);
	n->frag_timeout_ms += 1;
	plan(&f, o, n, 0);
	assert_non_null(strstr(f.plan.refused, "fragments.size or fragments.timeout_ms"));
	done(&f);
	o = load(POOL, HA, a);
	n = load(POOL, HA, a);
	n->frag_size *= 2;
	plan(&f, o, n, 0);
	assert_non_null(strstr(f.plan.refused, "fragments"));
	done(&f);
	o = load(POOL, HA, a);
	n = load(POOL, HA, a);
	snprintf(n->ports[1].device, sizeof(n->ports[1].device), "net_pcap9");
	plan(&f, o, n, 0);
	assert_non_null(strstr(f.plan.refused, "port"));
	done(&f);
	o = load(POOL, HA, a);
	n = load(POOL, HA, a);
	n->ports[0].mac.b[5] ^= 1;
	plan(&f, o, n, 0);
	assert_non_null(strstr(f.plan.refused, "MAC"));
	done(&f);
}

/* The pool and the ha block: when VRRP restarts and the address is chosen again. */
static void
test_probe_and_ha(void **state)
{
	struct fixture f;
	char a[1024];

	(void)state;
	cluster(a, sizeof(a), "192.0.2.1", MAC1, "\"lan0\"", H_ARP, MA);
	/* the address in use stays in the new pool: nothing moves */
	plan(&f, load(POOL, HA, a), load("\"192.0.2.251\", \"192.0.2.250\"", HA, a),
	     ip4("192.0.2.250"));
	assert_false(f.plan.reprobe);
	assert_false(f.plan.ha_restart);
	done(&f);
	/* it left the pool: chosen again, and VRRP (which sends from it) restarts */
	plan(&f, load(POOL, HA, a), load("\"192.0.2.251\"", HA, a), ip4("192.0.2.250"));
	assert_true(f.plan.reprobe);
	assert_true(f.plan.ha_restart);
	done(&f);
	/* none bound yet and the pool changed: probing starts over on the new pool */
	plan(&f, load(POOL, HA, a), load("\"192.0.2.252\"", HA, a), 0);
	assert_true(f.plan.reprobe);
	done(&f);
	/* the ha block alone */
	plan(&f, load(POOL, HA, a),
	     load(POOL, "ha = { port = \"lan0\"; vrid = 52; priority = 150; advert_ms = 100; };", a),
	     ip4("192.0.2.250"));
	assert_true(f.plan.ha_restart);
	assert_false(f.plan.reprobe);
	assert_int_equal(f.plan.fate[0], HF_MEMBER_KEEP);
	done(&f);
	plan(&f, load(POOL, HA, a), load(POOL, "", a), ip4("192.0.2.250"));
	assert_true(f.plan.ha_restart);
	done(&f);
}

/* No id left for what is new: refused (ids untouched); what only keeps ids still goes. */
static void
test_no_free_id(void **state)
{
	struct fixture f;
	char a[1024], b[1024], c2[2048];

	(void)state;
	cluster(a, sizeof(a), "192.0.2.1", MAC1, "\"lan0\"", H_ARP, MA);
	/* a member added, no member id free */
	cluster(b, sizeof(b), "192.0.2.1", MAC1, "\"lan0\"", H_ARP, MA ", " MB);
	plan_ids(&f, load(POOL, HA, a), load(POOL, HA, b), ip4("192.0.2.250"), true);
	assert_non_null(f.plan.refused);
	assert_string_equal(f.plan.refused, "no free cluster or member id");
	assert_int_equal(memcmp(&f.plan.ids, &f.ids, sizeof(f.ids)), 0);
	done(&f);
	/* a cluster added, no cluster id free */
	snprintf(c2, sizeof(c2), "%s, { name = \"vpn-in\"; ip = \"192.0.2.2\"; mac = \"%s\"; "
		 "ports = [ \"lan1\" ]; members = ( { name = \"z\"; ip = \"192.0.2.31\"; "
		 "port = \"vpn0\"; } ); }", a, MAC2);
	plan_ids(&f, load(POOL, HA, a), load(POOL, HA, c2), ip4("192.0.2.250"), true);
	assert_non_null(f.plan.refused);
	assert_string_equal(f.plan.refused, "no free cluster or member id");
	done(&f);
	/* nothing new: kept ids need no free one */
	cluster(b, sizeof(b), "192.0.2.1", MAC2, "\"lan0\"", H_ARP, MA);
	plan_ids(&f, load(POOL, HA, a), load(POOL, HA, b), ip4("192.0.2.250"), true);
	assert_null(f.plan.refused);
	assert_int_equal(f.plan.fate[0], HF_MEMBER_KEEP);
	assert_int_equal(f.plan.mid[0], f.mid[0]);
	done(&f);
}

/* A cluster is its name: renamed, it is a new cluster (new id, announced on
 * its ports) and its members are new members, whatever their addresses. */
static void
test_cluster_renamed(void **state)
{
	struct fixture f;
	char a[1024], b[1024];

	(void)state;
	cluster(a, sizeof(a), "192.0.2.1", MAC1, "\"lan0\", \"lan1\"", H_ARP, MA ", " MB);
	snprintf(b, sizeof(b),
		 "{ name = \"vpn-out2\"; ip = \"192.0.2.1\"; mac = \"%s\"; "
		 "ports = [ \"lan0\", \"lan1\" ]; health = { %s };\n  members = ( %s ); }",
		 MAC1, H_ARP, MA ", " MB);
	plan(&f, load(POOL, HA, a), load(POOL, HA, b), ip4("192.0.2.250"));
	assert_null(f.plan.refused);
	assert_int_not_equal(f.plan.cid[0], f.cid[0]);
	assert_int_equal(f.plan.announce[0], (1u << 0) | (1u << 2));
	assert_int_equal(f.plan.nb_announce, 1);
	assert_int_equal(f.plan.fate[0], HF_MEMBER_FRESH);
	assert_int_equal(f.plan.fate[1], HF_MEMBER_FRESH);
	assert_int_equal(f.plan.old_member[0], -1);
	assert_int_equal(f.plan.old_member[1], -1);
	assert_int_equal(f.plan.nb_fresh, 2);
	assert_int_equal(f.plan.nb_keep + f.plan.nb_retime, 0);
	assert_int_not_equal(f.plan.mid[0], f.mid[0]);
	assert_int_not_equal(f.plan.mid[1], f.mid[1]);
	done(&f);
	/* the only free ids are the ones the old names held: the new cluster
	 * reuses the old one's id, and is still new */
	plan_ids(&f, load(POOL, HA, a), load(POOL, HA, b), ip4("192.0.2.250"), true);
	assert_null(f.plan.refused);
	assert_int_equal(f.plan.cid[0], f.cid[0]);
	assert_int_equal(f.plan.announce[0], (1u << 0) | (1u << 2));
	assert_int_equal(f.plan.nb_fresh, 2);
	assert_int_equal(f.plan.old_member[0], -1);
	done(&f);
}

/* A member is its cluster's name and its own: moved to another cluster
 * (same name, same device), it is a different member there: fresh. */
static void
test_member_moved_cluster(void **state)
{
	struct fixture f;
	char a[1024], b[1024], o[2048], n[2048];

	(void)state;
	cluster(a, sizeof(a), "192.0.2.1", MAC1, "\"lan0\"", H_ARP, MA ", " MB);
	snprintf(o, sizeof(o), "%s, { name = \"vpn-in\"; ip = \"192.0.2.2\"; mac = \"%s\"; "
		 "ports = [ \"lan1\" ]; health = { %s }; members = ( { name = \"z\"; "
		 "ip = \"192.0.2.31\"; port = \"vpn0\"; } ); }", a, MAC2, H_ARP);
	cluster(b, sizeof(b), "192.0.2.1", MAC1, "\"lan0\"", H_ARP, MB);
	snprintf(n, sizeof(n), "%s, { name = \"vpn-in\"; ip = \"192.0.2.2\"; mac = \"%s\"; "
		 "ports = [ \"lan1\" ]; health = { %s }; members = ( { name = \"z\"; "
		 "ip = \"192.0.2.31\"; port = \"vpn0\"; }, %s ); }", b, MAC2, H_ARP, MA);
	plan(&f, load(POOL, HA, o), load(POOL, HA, n), ip4("192.0.2.250"));
	assert_null(f.plan.refused);
	/* new order: vpn-out/b, vpn-in/z, vpn-in/a; old: vpn-out/a, vpn-out/b, vpn-in/z */
	assert_int_equal(f.plan.fate[0], HF_MEMBER_KEEP);
	assert_int_equal(f.plan.old_member[0], 1);
	assert_int_equal(f.plan.fate[1], HF_MEMBER_KEEP);
	assert_int_equal(f.plan.old_member[1], 2);
	assert_int_equal(f.plan.fate[2], HF_MEMBER_FRESH);
	assert_int_equal(f.plan.old_member[2], -1);
	assert_int_not_equal(f.plan.mid[2], f.mid[0]);
	assert_int_equal(f.plan.nb_fresh, 1);
	assert_int_equal(f.plan.nb_keep, 2);
	assert_int_equal(f.plan.cid[0], f.cid[0]);
	assert_int_equal(f.plan.cid[1], f.cid[1]);
	assert_int_equal(f.plan.nb_announce, 0);
	done(&f);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(hf_member_fate_str(HF_MEMBER_FRESH), "fresh");
	assert_string_equal(hf_member_fate_str(HF_MEMBER_KEEP), "keep");
	assert_string_equal(hf_member_fate_str(HF_MEMBER_RETIME), "retime");
	assert_string_equal(hf_member_fate_str((enum hf_member_fate)9), "invalid");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_file),
		cmocka_unit_test(test_health_only),
		cmocka_unit_test(test_member_changes),
		cmocka_unit_test(test_announce),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_probe_and_ha),
		cmocka_unit_test(test_no_free_id),
		cmocka_unit_test(test_cluster_renamed),
		cmocka_unit_test(test_member_moved_cluster),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
