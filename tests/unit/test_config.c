/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the configuration loader (src/config/config.c).
 *
 * Each error test loads a small text and checks the return code and that
 * one error carries the line of a marker string in that text and a
 * recognisable reason. The bundled conf/hyperflow.conf is loaded when its
 * path is given as argv[1] or in HF_CONF.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hyperflow/config.h>

static const char *bundled_conf;

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static uint32_t
ip(const char *s)
{
	uint32_t v;

	assert_int_equal(hf_ip4_parse(s, &v), 0);
	return v;
}

/* 1-based line of the first occurrence of marker in text. */
static int
line_of(const char *text, const char *marker)
{
	const char *at = strstr(text, marker);
	int line = 1;

	if (at == NULL)
		fail_msg("marker '%s' not in test text", marker);
	for (; text < at; text++)
		if (*text == '\n')
			line++;
	return line;
}

static void
print_errors(const struct hf_errlist *errs)
{
	fprintf(stderr, "errors reported (%u):\n", hf_errlist_count(errs));
	hf_errlist_print(errs, stderr);
}

/* Some error has this line (0: any line) and contains reason. */
static void
assert_has_error(const struct hf_errlist *errs, int line, const char *reason)
{
	unsigned int i;

	for (i = 0; i < errs->n; i++)
		if ((line == 0 || errs->e[i].line == line) &&
			strstr(errs->e[i].msg, reason) != NULL)
			return;
	print_errors(errs);
	fail_msg("no error at line %d containing \"%s\"", line, reason);
}

static void
assert_has_error_at(
	const struct hf_errlist *errs, const char *text, const char *marker, const char *reason)
{
	assert_has_error(errs, line_of(text, marker), reason);
}

/* Load text that must fail with -EINVAL; errs receives the errors. */
static void
load_bad(const char *text, struct hf_errlist *errs)
{
	struct hf_config *cfg = (struct hf_config *)0x1;
	int rc;

	hf_errlist_init(errs);
	rc = hf_config_load_string(text, "test.conf", &cfg, errs);
	if (rc != -EINVAL)
		print_errors(errs);
	assert_int_equal(rc, -EINVAL);
	assert_null(cfg);
	assert_true(hf_errlist_count(errs) > 0);
	assert_string_equal(errs->e[0].file, "test.conf");
}

/* Load text that must fail, with one error at marker's line naming reason. */
static void
expect_error(const char *text, const char *marker, const char *reason)
{
	struct hf_errlist errs;

	load_bad(text, &errs);
	assert_has_error_at(&errs, text, marker, reason);
}

static struct hf_config *
load_good(const char *text)
{
	struct hf_errlist errs;
	struct hf_config *cfg = NULL;
	int rc;

	hf_errlist_init(&errs);
	rc = hf_config_load_string(text, "test.conf", &cfg, &errs);
	if (rc != 0)
		print_errors(&errs);
	assert_int_equal(rc, 0);
	assert_non_null(cfg);
	assert_int_equal(hf_errlist_count(&errs), 0);
	return cfg;
}

/* Building blocks; every test text is a complete file. */
#define PORTS                                                                                      \
	"ports = ( { name = \"lan0\"; device = \"net_pcap0\"; },\n"                                \
	"          { name = \"vpn0\"; device = \"net_pcap1\"; } );\n"
#define PROBE "probe = { pool = [ \"192.0.2.250\" ]; };\n"
#define MEMBER_A                                                                                   \
	"      { name = \"vpn-a\"; ip = \"192.0.2.11\"; mac = \"02:00:00:00:01:01\"; port = "      \
	"\"vpn0\"; }"
#define MEMBER_B                                                                                   \
	"      { name = \"vpn-b\"; ip = \"192.0.2.12\"; mac = \"02:00:00:00:01:02\"; port = "      \
	"\"vpn0\"; }"
/* A cluster; extra goes between the head and the members. */
#define CLUSTER(name, addr, extra)                                                                 \
	"  { name = \"" name "\"; ip = \"" addr "\"; mac = \"00:00:5e:00:01:01\";\n"               \
	"    ports = [ \"lan0\" ];\n" extra "    members = (\n" MEMBER_A ",\n" MEMBER_B            \
	"\n    ); }"
#define CLUSTERS(body) "clusters = (\n" body "\n);\n"
#define ONE_CLUSTER(extra) CLUSTERS(CLUSTER("c1", "192.0.2.1", extra))
/* A cluster holding one member given in full. */
#define CLUSTER_M(member)                                                                          \
	CLUSTERS("  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"           \
		 "    ports = [ \"lan0\" ];\n"                                                     \
		 "    members = (\n      " member "\n    ); }")

/* ------------------------------------------------------------------ */
/* Valid files                                                        */
/* ------------------------------------------------------------------ */

static const char full_conf[] =
	"# every key set\n"
	"ports = (\n"
	"  { name = \"lan0\"; device = \"net_pcap0\"; mac = \"02:00:00:00:00:01\"; },\n"
	"  { name = \"vpn0\"; device = \"net_pcap1\"; }\n"
	");\n"
	"probe = { pool = [ \"192.0.2.250\", \"192.0.2.251\" ]; };\n"
	"unmatched = \"bridge\";\n"
	"flows = { size = 131072; timeout_ms = 60000; };\n"
	"clusters = (\n"
	"  {\n"
	"    name = \"vpn-out\";\n"
	"    type = \"firewall\";\n"
	"    ip = \"192.0.2.1\";\n"
	"    mac = \"00:00:5e:00:01:01\";\n"
	"    ports = [ \"lan0\", \"vpn0\" ];\n"
	"    hash = \"src-dst\";\n"
	"    buckets = 1024;\n"
	"    health = { method = \"tunnel\"; interval_ms = 200; timeout_ms = 500;\n"
	"               rise = 3; fall = 4; target = \"203.0.113.9\"; };\n"
	"    members = (\n"
	"      { name = \"vpn-a\"; ip = \"192.0.2.11\"; mac = \"02:00:00:00:01:01\";\n"
	"        port = \"vpn0\"; weight = 5; state = \"drain\"; },\n"
	"      { name = \"vpn-b\"; ip = \"192.0.2.12\"; port = \"vpn0\"; }\n"
	"    );\n"
	"  },\n"
	"  {\n"
	"    name = \"srv\";\n"
	"    type = \"server\";\n"
	"    ip = \"198.51.100.1\";\n"
	"    mac = \"02:00:00:00:00:10\";\n"
	"    ports = [ \"vpn0\" ];\n"
	"    hash = \"5-tuple\";\n"
	"    health = { };\n"
	"    members = (\n"
	"      { name = \"s1\"; ip = \"198.51.100.11\"; mac = \"02:00:00:00:02:01\";\n"
	"        port = \"lan0\"; state = \"down\"; },\n"
	"      { name = \"s2\"; ip = \"198.51.100.12\"; port = \"lan0\"; weight = 100;\n"
	"        state = \"up\"; }\n"
	"    );\n"
	"  }\n"
	");\n"
	"ha = { port = \"lan0\"; vrid = 51; priority = 200; advert_ms = 100;\n"
	"       preempt = false; peer = \"192.0.2.254\"; };\n";

static void
test_valid_full(void **state)
{
	struct hf_config *cfg = load_good(full_conf);
	const struct hf_cluster_conf *c;
	const struct hf_member_conf *m;
	char buf[HF_MAC_STRLEN];

	(void)state;
	assert_string_equal(cfg->path, "test.conf");

	assert_int_equal(cfg->nb_ports, 2);
	assert_string_equal(cfg->ports[0].name, "lan0");
	assert_string_equal(cfg->ports[0].device, "net_pcap0");
	assert_true(cfg->ports[0].has_mac);
	assert_string_equal(hf_mac_str(&cfg->ports[0].mac, buf), "02:00:00:00:00:01");
	assert_int_equal(cfg->ports[0].line, line_of(full_conf, "{ name = \"lan0\""));
	assert_string_equal(cfg->ports[1].name, "vpn0");
	assert_string_equal(cfg->ports[1].device, "net_pcap1");
	assert_false(cfg->ports[1].has_mac);

	assert_int_equal(cfg->nb_probe, 2);
	assert_int_equal(cfg->probe_pool[0], ip("192.0.2.250"));
	assert_int_equal(cfg->probe_pool[1], ip("192.0.2.251"));
	assert_int_equal(cfg->unmatched, HF_UNMATCHED_BRIDGE);
	assert_int_equal(cfg->flow_size, 131072);
	assert_int_equal(cfg->flow_timeout_ms, 60000);

	assert_int_equal(cfg->nb_clusters, 2);
	assert_int_equal(cfg->nb_members_total, 4);
	c = &cfg->clusters[0];
	assert_string_equal(c->name, "vpn-out");
	assert_int_equal(c->line, line_of(full_conf, "  {\n    name = \"vpn-out\""));
	assert_int_equal(c->type, HF_CLUSTER_FIREWALL);
	assert_int_equal(c->ip, ip("192.0.2.1"));
	assert_string_equal(hf_mac_str(&c->mac, buf), "00:00:5e:00:01:01");
	assert_int_equal(c->port_mask, 0x3);
	assert_int_equal(c->hash, HF_HASH_SRC_DST);
	assert_int_equal(c->buckets, 1024);
	assert_int_equal(c->health.method, HF_HEALTH_TUNNEL);
	assert_int_equal(c->health.interval_ms, 200);
	assert_int_equal(c->health.timeout_ms, 500);
	assert_int_equal(c->health.rise, 3);
	assert_int_equal(c->health.fall, 4);
	assert_int_equal(c->health.target, ip("203.0.113.9"));
	assert_int_equal(c->nb_members, 2);
	m = &c->members[0];
	assert_string_equal(m->name, "vpn-a");
	assert_int_equal(m->ip, ip("192.0.2.11"));
	assert_true(m->has_mac);
	assert_string_equal(hf_mac_str(&m->mac, buf), "02:00:00:00:01:01");
	assert_int_equal(m->port, 1);
	assert_int_equal(m->weight, 5);
	assert_int_equal(m->state, HF_ADMIN_DRAIN);
	assert_int_equal(m->line, line_of(full_conf, "{ name = \"vpn-a\""));
	m = &c->members[1];
	assert_string_equal(m->name, "vpn-b");
	assert_int_equal(m->ip, ip("192.0.2.12"));
	assert_false(m->has_mac);
	assert_int_equal(m->port, 1);
	assert_int_equal(m->weight, 1);
	assert_int_equal(m->state, HF_ADMIN_UP);

	c = &cfg->clusters[1];
	assert_string_equal(c->name, "srv");
	assert_int_equal(c->type, HF_CLUSTER_SERVER);
	assert_int_equal(c->ip, ip("198.51.100.1"));
	assert_int_equal(c->port_mask, 0x2);
	assert_int_equal(c->hash, HF_HASH_5TUPLE);
	assert_int_equal(c->buckets, HF_BUCKETS_DEFAULT);
	/* A health block without a method means ARP, with default timers. */
	assert_int_equal(c->health.method, HF_HEALTH_ARP);
	assert_int_equal(c->health.interval_ms, 100);
	assert_int_equal(c->health.timeout_ms, 300);
	assert_int_equal(c->health.rise, 2);
	assert_int_equal(c->health.fall, 3);
	assert_int_equal(c->health.target, 0);
	assert_int_equal(c->nb_members, 2);
	assert_int_equal(c->members[0].port, 0);
	assert_int_equal(c->members[0].state, HF_ADMIN_DOWN);
	assert_int_equal(c->members[1].weight, 100);

	assert_true(cfg->ha.enabled);
	assert_int_equal(cfg->ha.port, 0);
	assert_int_equal(cfg->ha.vrid, 51);
	assert_int_equal(cfg->ha.priority, 200);
	assert_int_equal(cfg->ha.advert_ms, 100);
	assert_false(cfg->ha.preempt);
	assert_int_equal(cfg->ha.peer, ip("192.0.2.254"));
	assert_int_equal(cfg->ha.line, line_of(full_conf, "ha = {"));

	assert_int_equal(hf_config_port_index(cfg, "vpn0"), 1);
	assert_int_equal(hf_config_port_index(cfg, "nope"), -1);
	assert_int_equal(hf_config_cluster_index(cfg, "srv"), 1);
	assert_int_equal(hf_config_cluster_index(cfg, "nope"), -1);
	hf_config_free(cfg);
}

static void
test_valid_defaults(void **state)
{
	static const char text[] =
		"ports = ( { name = \"lan0\"; device = \"net_pcap0\"; } );\n"
		"clusters = ( { name = \"c\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
		"  ports = [ \"lan0\" ];\n"
		"  members = ( { name = \"m\"; ip = \"192.0.2.11\"; mac = \"02:00:00:00:01:01\";\n"
		"                port = \"lan0\"; } ); } );\n";
	struct hf_config *cfg = load_good(text);
	const struct hf_cluster_conf *c = &cfg->clusters[0];

	(void)state;
	assert_int_equal(cfg->nb_probe, 0);
	assert_int_equal(cfg->unmatched, HF_UNMATCHED_DROP);
	assert_int_equal(cfg->flow_size, HF_FLOWS_DEFAULT);
	assert_int_equal(cfg->flow_timeout_ms, HF_FLOW_TIMEOUT_MS_DEFAULT);
	assert_int_equal(cfg->punt.arp_pps, HF_PUNT_ARP_PPS_DEFAULT);
	assert_int_equal(cfg->punt.local_pps, HF_PUNT_LOCAL_PPS_DEFAULT);
	assert_int_equal(cfg->punt.icmp_pps, HF_PUNT_ICMP_PPS_DEFAULT);
	assert_int_equal(cfg->punt.vrrp_pps, HF_PUNT_VRRP_PPS_DEFAULT);
	assert_int_equal(c->type, HF_CLUSTER_VPN);
	assert_int_equal(c->hash, HF_HASH_DST_IP);
	assert_int_equal(c->buckets, HF_BUCKETS_DEFAULT);
	assert_int_equal(c->port_mask, 0x1);
	/* No health block: no probing at all. */
	assert_int_equal(c->health.method, HF_HEALTH_NONE);
	assert_int_equal(c->health.interval_ms, 100);
	assert_int_equal(c->health.timeout_ms, 300);
	assert_int_equal(c->health.rise, 2);
	assert_int_equal(c->health.fall, 3);
	assert_int_equal(c->members[0].weight, 1);
	assert_int_equal(c->members[0].state, HF_ADMIN_UP);
	assert_false(cfg->ha.enabled);
	assert_int_equal(cfg->ha.priority, 100);
	assert_int_equal(cfg->ha.advert_ms, 1000);
	assert_true(cfg->ha.preempt);
	assert_int_equal(cfg->nb_members_total, 1);
	hf_config_free(cfg);
}

static void
test_enum_strings(void **state)
{
	(void)state;
	assert_string_equal(hf_hash_mode_str(HF_HASH_DST_IP), "dst-ip");
	assert_string_equal(hf_hash_mode_str(HF_HASH_SRC_IP), "src-ip");
	assert_string_equal(hf_hash_mode_str(HF_HASH_SRC_DST), "src-dst");
	assert_string_equal(hf_hash_mode_str(HF_HASH_5TUPLE), "5-tuple");
	assert_string_equal(hf_hash_mode_str((enum hf_hash_mode)99), "unknown");
	assert_string_equal(hf_cluster_type_str(HF_CLUSTER_VPN), "vpn");
	assert_string_equal(hf_cluster_type_str(HF_CLUSTER_FIREWALL), "firewall");
	assert_string_equal(hf_cluster_type_str(HF_CLUSTER_SERVER), "server");
	assert_string_equal(hf_cluster_type_str((enum hf_cluster_type) - 1), "unknown");
	assert_string_equal(hf_admin_state_str(HF_ADMIN_UP), "up");
	assert_string_equal(hf_admin_state_str(HF_ADMIN_DRAIN), "drain");
	assert_string_equal(hf_admin_state_str(HF_ADMIN_DOWN), "down");
	assert_string_equal(hf_admin_state_str((enum hf_admin_state)3), "unknown");
	assert_string_equal(hf_health_method_str(HF_HEALTH_NONE), "none");
	assert_string_equal(hf_health_method_str(HF_HEALTH_ARP), "arp");
	assert_string_equal(hf_health_method_str(HF_HEALTH_ICMP), "icmp");
	assert_string_equal(hf_health_method_str(HF_HEALTH_TUNNEL), "tunnel");
	assert_string_equal(hf_health_method_str((enum hf_health_method)4), "unknown");
	assert_int_equal(hf_config_port_index(NULL, "x"), -1);
	assert_int_equal(hf_config_cluster_index(NULL, "x"), -1);
	hf_config_free(NULL);
}

/* ------------------------------------------------------------------ */
/* libconfig syntax                                                   */
/* ------------------------------------------------------------------ */

static void
test_syntax_error(void **state)
{
	static const char text[] = PORTS "clusters = (\n  { name = \"c1\"; ip = 192.0.2.1; }\n);\n";
	struct hf_errlist errs;

	(void)state;
	load_bad(text, &errs);
	assert_int_equal(hf_errlist_count(&errs), 1);
	assert_has_error_at(&errs, text, "ip = 192.0.2.1", "syntax error");
}

/* Load text that must fail with one syntax error at marker's line whose
 * message is exactly want (a hint, or the bare "syntax error"). */
static void
expect_syntax(const char *text, const char *marker, const char *want)
{
	struct hf_errlist errs;

	load_bad(text, &errs);
	assert_int_equal(hf_errlist_count(&errs), 1);
	assert_int_equal(errs.e[0].line, line_of(text, marker));
	if (strcmp(errs.e[0].msg, want) != 0) {
		print_errors(&errs);
		fail_msg("want \"%s\"", want);
	}
}

#define NO_COMMA                                                                                   \
	"syntax error: likely a missing comma between two groups of a list: "
#define NO_QUOTES "syntax error: likely an address without quotes: addresses and MACs are strings, "

/* The likely cause of a syntax error is told where it can be. */
static void
test_syntax_hints(void **state)
{
	(void)state;
	/* a list of groups, one per line, a comma missing */
	expect_syntax("ports = (\n"
		      "  { name = \"lan0\"; device = \"net_pcap0\"; }  # clients\n"
		      "\n"
		      "  { name = \"vpn0\"; device = \"net_pcap1\"; }\n"
		      ");\n",
		"{ name = \"vpn0\"", NO_COMMA "add ',' after the '}' on line 2");
	/* the same on one line */
	expect_syntax("ports = ( { name = \"lan0\"; device = \"net_pcap0\"; }"
		      " { name = \"vpn0\"; device = \"net_pcap1\"; } );\n",
		"ports", NO_COMMA "write \"}, {\"");
	/* addresses and MACs without quotes */
	expect_syntax(PORTS "clusters = (\n  { name = \"c1\";\n    ip = 192.0.2.1; }\n);\n",
		"ip = 192.0.2.1", NO_QUOTES "write \"192.0.2.1\"");
	expect_syntax(PORTS "probe = { pool = [ \"192.0.2.250\", 2001:db8::fa ]; };\n",
		"pool", "mismatched element type in array: likely an address without quotes: "
			"addresses and MACs are strings, write \"2001:db8::fa\"");
	expect_syntax(PORTS "probe = { pool = [ 2001:db8::fa ]; };\n",
		"pool", NO_QUOTES "write \"2001:db8::fa\"");
	expect_syntax("ports = ( { name = \"lan0\"; device = \"net_pcap0\";\n"
		      "            mac = 02:00:00:00:00:01; } );\n",
		"mac = 02", NO_QUOTES "write \"02:00:00:00:00:01\"");
	/* nothing to tell: an address in quotes or a comment is no cause,
	 * nor is a group after a line that closes none */
	expect_syntax("# ip = 192.0.2.1 and } {\n"
		      "ports = ( { name = \"192.0.2.1\" device = ; } );\n",
		"device = ;", "syntax error");
	expect_syntax("ports = (\n  { name = \"lan0\"; device = \"net_pcap0\"; },\n  { = }\n);\n",
		"{ = }", "syntax error");
}

static void
test_duplicate_setting(void **state)
{
	static const char text[] = PORTS "unmatched = \"drop\";\nunmatched = \"bridge\";\n";

	(void)state;
	expect_error(text, "unmatched = \"bridge\"", "duplicate setting");
}

/* ------------------------------------------------------------------ */
/* Keys and types                                                     */
/* ------------------------------------------------------------------ */

static void
test_unknown_keys(void **state)
{
	static const char text[] =
		"ports = ( { name = \"lan0\"; device = \"net_pcap0\"; speed = 10; },\n"
		"          { name = \"vpn0\"; device = \"net_pcap1\"; } );\n"
		"probe = { pool = [ \"192.0.2.250\" ]; tries = 3; };\n"
		"flows = { size = 4096; ttl = 5; };\n"
		"clusters = (\n"
		"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
		"    ports = [ \"lan0\" ];\n"
		"    hashing = \"src-ip\";\n"
		"    health = { method = \"arp\"; intervall_ms = 100; };\n"
		"    members = (\n"
		"      { name = \"vpn-a\"; ip = \"192.0.2.11\"; port = \"vpn0\"; colour = \"red\"; "
		"}\n"
		"    ); }\n"
		");\n"
		"ha = { port = \"lan0\"; vrid = 7; auth = \"x\"; };\n"
		"foo = 1;\n";
	struct hf_errlist errs;

	(void)state;
	load_bad(text, &errs);
	assert_int_equal(hf_errlist_count(&errs), 8);
	assert_has_error_at(&errs, text, "speed", "unknown key 'speed' in port 'lan0'");
	assert_has_error_at(&errs, text, "tries", "unknown key 'tries' in probe");
	assert_has_error_at(&errs, text, "ttl", "unknown key 'ttl' in flows");
	assert_has_error_at(&errs, text, "hashing",
		"unknown key 'hashing' in cluster 'c1' (did you mean 'hash'?)");
	assert_has_error_at(&errs, text, "intervall_ms",
		"unknown key 'intervall_ms' in health of cluster 'c1' (did you mean "
		"'interval_ms'?)");
	assert_has_error_at(
		&errs, text, "colour", "unknown key 'colour' in member 'vpn-a' of cluster 'c1'");
	assert_has_error_at(&errs, text, "auth", "unknown key 'auth' in ha");
	assert_has_error_at(&errs, text, "foo", "unknown key 'foo' at top level");
}

static void
test_wrong_types(void **state)
{
	static const char text[] =
		"ports = ( { name = \"lan0\"; device = 0; },\n"
		"          { name = \"vpn0\"; device = \"net_pcap1\"; } );\n"
		"probe = \"192.0.2.250\";\n"
		"flows = { size = 4096.0; };\n"
		"clusters = (\n"
		"  { name = \"c1\"; ip = 3221225985; mac = \"00:00:5e:00:01:01\";\n"
		"    ports = \"lan0\";\n"
		"    health = \"arp\";\n"
		"    members = (\n"
		"      { name = \"vpn-a\"; ip = \"192.0.2.11\"; port = \"vpn0\"; weight = \"2\"; "
		"},\n"
		"      \"vpn-b\" ); }\n"
		");\n"
		"ha = { port = \"lan0\"; vrid = 7; preempt = 1; };\n";
	struct hf_errlist errs;

	(void)state;
	load_bad(text, &errs);
	assert_has_error_at(&errs, text, "device = 0", "'device' must be a string, not an integer");
	assert_has_error_at(
		&errs, text, "probe =", "'probe' must be a group { ... }, not a string");
	assert_has_error_at(&errs, text, "size = 4096.0", "'size' must be an integer, not a float");
	assert_has_error_at(&errs, text, "ip = 3221225985", "'ip' must be a string");
	assert_has_error_at(
		&errs, text, "ports = \"lan0\"", "'ports' must be an array of port names");
	assert_has_error_at(&errs, text, "health = \"arp\"", "'health' must be a group");
	assert_has_error_at(
		&errs, text, "weight = \"2\"", "'weight' must be an integer, not a string");
	assert_has_error_at(&errs, text, "\"vpn-b\"", "member #2 of cluster 'c1' must be a group");
	assert_has_error_at(&errs, text, "preempt = 1", "'preempt' must be a boolean");
}

static void
test_missing_required(void **state)
{
	static const char text[] =
		"ports = ( { name = \"lan0\"; },\n"
		"          { device = \"net_pcap1\"; } );\n"
		"clusters = (\n"
		"  { name = \"c1\"; mac = \"00:00:5e:00:01:01\"; ports = [ \"lan0\" ];\n"
		"    members = (\n"
		"      { name = \"vpn-a\"; mac = \"02:00:00:00:01:01\"; }\n"
		"    ); }\n"
		");\n"
		"ha = { priority = 10; };\n";
	struct hf_errlist errs;

	(void)state;
	load_bad(text, &errs);
	assert_has_error_at(
		&errs, text, "{ name = \"lan0\"", "port 'lan0': missing required key 'device'");
	assert_has_error_at(&errs, text, "{ device", "port #2: missing required key 'name'");
	assert_has_error_at(
		&errs, text, "{ name = \"c1\"", "cluster 'c1': missing required key 'ip'");
	assert_has_error_at(&errs, text, "{ name = \"vpn-a\"",
		"member 'vpn-a' of cluster 'c1': missing required key 'ip'");
	assert_has_error_at(&errs, text, "{ name = \"vpn-a\"",
		"member 'vpn-a' of cluster 'c1': missing required key 'port'");
	assert_has_error_at(&errs, text, "ha =", "ha: missing required key 'port'");
	assert_has_error_at(&errs, text, "ha =", "ha: missing required key 'vrid'");
}

static void
test_ports_missing_or_empty(void **state)
{
	struct hf_errlist errs;

	(void)state;
	load_bad(ONE_CLUSTER(""), &errs);
	assert_has_error(&errs, 0, "missing required key 'ports'");
	expect_error("ports = ();\n" ONE_CLUSTER(""), "ports = ()", "must list at least one port");
}

static void
test_clusters_missing_or_empty(void **state)
{
	struct hf_errlist errs;

	struct hf_config *cfg;

	(void)state;
	load_bad(PORTS, &errs);
	assert_int_equal(errs.n, 1);
	assert_has_error(&errs, 0, "no clusters and unmatched = \"drop\"");
	expect_error(PORTS "clusters = ();\n", "clusters = ()",
		"no clusters and unmatched = \"drop\": every frame would be dropped");

	/* A pure bridge needs no cluster. */
	cfg = load_good(PORTS "unmatched = \"bridge\";\n");
	assert_int_equal(cfg->nb_clusters, 0);
	assert_null(cfg->clusters);
	assert_int_equal(cfg->nb_members_total, 0);
	hf_config_free(cfg);
	cfg = load_good(PORTS "unmatched = \"bridge\";\nclusters = ();\n");
	assert_int_equal(cfg->nb_clusters, 0);
	hf_config_free(cfg);
}

/* ------------------------------------------------------------------ */
/* Addresses                                                          */
/* ------------------------------------------------------------------ */

static void
test_bad_ipv4(void **state)
{
	static const char text[] = PORTS CLUSTERS(
		"  { name = \"c1\"; ip = \"192.0.2.300\"; mac = \"00:00:5e:00:01:01\";\n"
		"    ports = [ \"lan0\" ];\n"
		"    members = (\n"
		"      { name = \"m1\"; ip = \"192.0.2\"; mac = \"02:00:00:00:01:01\"; port = "
		"\"vpn0\"; },\n"
		"      { name = \"m2\"; ip = \"0.0.0.0\"; mac = \"02:00:00:00:01:02\"; port = "
		"\"vpn0\"; }\n"
		"    ); }");
	struct hf_errlist errs;

	(void)state;
	load_bad(text, &errs);
	assert_has_error_at(&errs, text, "192.0.2.300",
		"cluster 'c1': ip '192.0.2.300' is not a valid IPv4 address");
	assert_has_error_at(&errs, text, "\"192.0.2\"",
		"member 'm1' of cluster 'c1': ip '192.0.2' is not a valid IPv4 address");
	assert_has_error_at(&errs, text, "0.0.0.0", "not a unicast host address");
}

static void
test_bad_mac(void **state)
{
	static const char text[] =
		PORTS CLUSTERS("  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01\";\n"
			       "    ports = [ \"lan0\" ];\n"
			       "    members = (\n"
			       "      { name = \"m1\"; ip = \"192.0.2.11\"; mac = "
			       "\"02-00-00-00-01-01\"; port = \"vpn0\"; }\n"
			       "    ); }");
	struct hf_errlist errs;

	(void)state;
	load_bad(text, &errs);
	assert_has_error_at(&errs, text, "00:00:5e:00:01\"",
		"cluster 'c1': mac '00:00:5e:00:01' is not a valid MAC address");
	assert_has_error_at(&errs, text, "02-00-00-00-01-01", "not a valid MAC address");
}

static void
test_multicast_or_zero_mac(void **state)
{
	static const char text[] =
		"ports = ( { name = \"lan0\"; device = \"net_pcap0\"; mac = \"ff:ff:ff:ff:ff:ff\"; "
		"},\n"
		"          { name = \"vpn0\"; device = \"net_pcap1\"; mac = \"00:00:00:00:00:00\"; "
		"} );\n" CLUSTERS(
			"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"01:00:5e:00:00:01\";\n"
			"    ports = [ \"lan0\" ];\n"
			"    members = (\n"
			"      { name = \"m1\"; ip = \"192.0.2.11\"; mac = \"03:00:00:00:01:01\"; "
			"port = \"vpn0\"; },\n"
			"      { name = \"m2\"; ip = \"192.0.2.12\"; mac = \"00:00:00:00:00:00\"; "
			"port = \"vpn0\"; }\n"
			"    ); }");
	struct hf_errlist errs;

	(void)state;
	load_bad(text, &errs);
	assert_has_error_at(&errs, text, "ff:ff:ff:ff:ff:ff",
		"port 'lan0': mac ff:ff:ff:ff:ff:ff is a multicast/broadcast address");
	assert_has_error_at(
		&errs, text, "net_pcap1", "port 'vpn0': mac 00:00:00:00:00:00 is the all-zero");
	assert_has_error_at(&errs, text, "01:00:5e:00:00:01",
		"cluster 'c1': mac 01:00:5e:00:00:01 is a multicast");
	assert_has_error_at(&errs, text, "03:00:00:00:01:01",
		"member 'm1' of cluster 'c1': mac 03:00:00:00:01:01 is a multicast");
	assert_has_error_at(&errs, text, "name = \"m2\"",
		"member 'm2' of cluster 'c1': mac 00:00:00:00:00:00 is the all-zero");
}

static void
test_member_mac_is_cluster_mac(void **state)
{
	static const char text[] = PORTS CLUSTER_M("{ name = \"m1\"; ip = \"192.0.2.11\"; mac = "
						   "\"00:00:5e:00:01:01\"; port = \"vpn0\"; }");

	(void)state;
	expect_error(text, "name = \"m1\"", "mac 00:00:5e:00:01:01 is the MAC of cluster 'c1'");
}

/* ------------------------------------------------------------------ */
/* Duplicates and references                                          */
/* ------------------------------------------------------------------ */

static void
test_duplicate_port_name(void **state)
{
	static const char text[] =
		"ports = ( { name = \"lan0\"; device = \"net_pcap0\"; },\n"
		"          { name = \"vpn0\"; device = \"net_pcap1\"; },\n"
		"          { name = \"lan0\"; device = \"net_pcap2\"; } );\n" ONE_CLUSTER("");

	(void)state;
	expect_error(text, "net_pcap2", "duplicate port name 'lan0' (first defined at line 1)");
}

static void
test_duplicate_port_device(void **state)
{
	static const char text[] =
		"ports = ( { name = \"lan0\"; device = \"net_pcap0\"; },\n"
		"          { name = \"vpn0\"; device = \"net_pcap0\"; } );\n" ONE_CLUSTER("");

	(void)state;
	expect_error(text, "\"vpn0\"",
		"port 'vpn0': device 'net_pcap0' is already used by port 'lan0' (line 1)");
}

static void
test_duplicate_cluster_name(void **state)
{
	static const char text[] =
		PORTS CLUSTERS(CLUSTER("c1", "192.0.2.1", "") ",\n" CLUSTER("c1", "192.0.2.2", ""));

	(void)state;
	expect_error(text, "192.0.2.2", "duplicate cluster name 'c1' (first defined at line 4)");
}

static void
test_duplicate_cluster_ip(void **state)
{
	static const char text[] =
		PORTS CLUSTERS(CLUSTER("c1", "192.0.2.1", "") ",\n" CLUSTER("c2", "192.0.2.1", ""));

	(void)state;
	expect_error(
		text, "\"c2\"", "cluster 'c2': ip 192.0.2.1 is already the IP of cluster 'c1'");
}

static void
test_member_unknown_port(void **state)
{
	static const char text[] = PORTS CLUSTER_M("{ name = \"m1\"; ip = \"192.0.2.11\"; mac = "
						   "\"02:00:00:00:01:01\"; port = \"vpn9\"; }");

	(void)state;
	expect_error(
		text, "vpn9", "member 'm1' of cluster 'c1': port 'vpn9' is not a configured port");
}

static void
test_cluster_ports(void **state)
{
	static const char twice[] = PORTS CLUSTERS(
		"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
		"    ports = [ \"lan0\",\n"
		"              \"lan0\" ];\n"
		"    members = (\n" MEMBER_A "\n    ); }");
	static const char empty[] = PORTS CLUSTERS(
		"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
		"    ports = [ ];\n"
		"    members = (\n" MEMBER_A "\n    ); }");
	static const char missing[] = PORTS CLUSTERS(
		"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
		"    members = (\n" MEMBER_A "\n    ); }");
	struct hf_errlist errs;

	(void)state;
	load_bad(twice, &errs);
	assert_has_error(&errs, 6, "cluster 'c1': port 'lan0' is listed twice in 'ports'");
	expect_error(empty, "ports = [ ]", "cluster 'c1': 'ports' must name at least one port");
	expect_error(missing, "{ name = \"c1\"", "cluster 'c1': missing required key 'ports'");
}

static void
test_cluster_unknown_port(void **state)
{
	static const char text[] = PORTS CLUSTERS(
		"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
		"    ports = [ \"lan0\", \"wan0\" ];\n"
		"    members = (\n" MEMBER_A "\n    ); }");

	(void)state;
	expect_error(text, "wan0", "cluster 'c1': 'ports' entry 'wan0' is not a configured port");
}

static void
test_cluster_without_members(void **state)
{
	static const char empty[] = PORTS CLUSTERS(
		"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
		"    ports = [ \"lan0\" ];\n"
		"    members = ( ); }");
	static const char missing[] = PORTS CLUSTERS(
		"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
		"    ports = [ \"lan0\" ]; }");

	(void)state;
	expect_error(empty, "members = ( )", "cluster 'c1': cluster has no members");
	expect_error(missing, "{ name = \"c1\"", "cluster 'c1': missing required key 'members'");
}

static void
test_duplicate_member(void **state)
{
	static const char text[] = PORTS CLUSTERS(
		"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
		"    ports = [ \"lan0\" ];\n"
		"    members = (\n"
		"      { name = \"m1\"; ip = \"192.0.2.11\"; mac = \"02:00:00:00:01:01\"; port = "
		"\"vpn0\"; },\n"
		"      { name = \"m1\"; ip = \"192.0.2.12\"; mac = \"02:00:00:00:01:02\"; port = "
		"\"vpn0\"; },\n"
		"      { name = \"m3\"; ip = \"192.0.2.11\"; mac = \"02:00:00:00:01:03\"; port = "
		"\"vpn0\"; }\n"
		"    ); }");
	struct hf_errlist errs;

	(void)state;
	load_bad(text, &errs);
	assert_int_equal(hf_errlist_count(&errs), 2);
	assert_has_error_at(&errs, text, "192.0.2.12",
		"duplicate member name 'm1' in cluster 'c1' (first at line 7)");
	assert_has_error_at(&errs, text, "\"m3\"",
		"member 'm3' of cluster 'c1': ip 192.0.2.11 is already used by member 'm1' (line "
		"7)");
}

static void
test_member_ip_is_cluster_ip(void **state)
{
	static const char own[] = PORTS CLUSTER_M("{ name = \"m1\"; ip = \"192.0.2.1\"; mac = "
						  "\"02:00:00:00:01:01\"; port = \"vpn0\"; }");
	/* A member of the first cluster uses the IP of a later one. */
	static const char other[] = PORTS CLUSTERS(
		CLUSTER("c1", "192.0.2.1", "") ",\n" CLUSTER("c2", "192.0.2.11", ""));
	struct hf_errlist errs;

	(void)state;
	expect_error(own, "name = \"m1\"",
		"member 'm1' of cluster 'c1': ip 192.0.2.1 is the IP of cluster 'c1'");
	load_bad(other, &errs);
	assert_has_error_at(&errs, other, "\"vpn-a\"",
		"member 'vpn-a' of cluster 'c1': ip 192.0.2.11 is the IP of cluster 'c2'");
}

/* ------------------------------------------------------------------ */
/* Probe pool                                                         */
/* ------------------------------------------------------------------ */

static void
test_probe_pool(void **state)
{
	static const char text[] = PORTS "probe = { pool = [ \"192.0.2.250\",\n"
					 "                   \"192.0.2.x\",\n"
					 "                   \"192.0.2.250\",\n"
					 "                   \"192.0.2.1\",\n"
					 "                   \"192.0.2.12\",\n"
					 "                   \"192.0.2.1\" ]; };\n" ONE_CLUSTER("");
	struct hf_errlist errs;

	(void)state;
	load_bad(text, &errs);
	/* The repeated cluster IP is reported as repeated, not twice as the cluster's. */
	assert_int_equal(hf_errlist_count(&errs), 5);
	assert_has_error(&errs, 8, "probe: pool address 192.0.2.1 is listed twice");
	assert_has_error_at(&errs, text, "192.0.2.x",
		"probe: pool address '192.0.2.x' is not a valid IPv4 address");
	assert_has_error(&errs, 5, "probe: pool address 192.0.2.250 is listed twice");
	assert_has_error(&errs, 6, "probe: pool address 192.0.2.1 is the IP of cluster 'c1'");
	assert_has_error(&errs, 7,
		"probe: pool address 192.0.2.12 is the IP of member 'vpn-b' of cluster 'c1'");
}

static void
test_probe_pool_empty_or_too_big(void **state)
{
	static const char empty[] = PORTS "probe = { pool = [ ]; };\n" ONE_CLUSTER("");
	static const char big[] =
		PORTS "probe = { pool = [ \"192.0.2.200\", \"192.0.2.201\", \"192.0.2.202\",\n"
		      "  \"192.0.2.203\", \"192.0.2.204\", \"192.0.2.205\", \"192.0.2.206\",\n"
		      "  \"192.0.2.207\", \"192.0.2.208\", \"192.0.2.209\", \"192.0.2.210\",\n"
		      "  \"192.0.2.211\", \"192.0.2.212\", \"192.0.2.213\", \"192.0.2.214\",\n"
		      "  \"192.0.2.215\", \"192.0.2.216\" ]; };\n" ONE_CLUSTER("");

	(void)state;
	expect_error(empty, "pool = [ ]", "probe: 'pool' must list at least one address");
	expect_error(big, "probe =", "too many pool addresses: 17 (max 16)");
}

static void
test_probe_needed(void **state)
{
	static const char health[] = PORTS ONE_CLUSTER("    health = { method = \"icmp\"; };\n");
	static const char nomac[] =
		PORTS CLUSTER_M("{ name = \"m1\"; ip = \"192.0.2.11\"; port = \"vpn0\"; }");
	static const char ha[] = PORTS ONE_CLUSTER("") "ha = { port = \"lan0\"; vrid = 1; };\n";

	(void)state;
	expect_error(health, "method = \"icmp\"",
		"cluster 'c1': health method 'icmp' needs a probe address");
	expect_error(nomac, "name = \"m1\"",
		"member 'm1' of cluster 'c1': no 'mac', and resolving it by ARP needs a probe");
	expect_error(ha, "ha =", "ha needs a probe address");
}

/* ------------------------------------------------------------------ */
/* Enums and ranges                                                   */
/* ------------------------------------------------------------------ */

static void
test_enum_values(void **state)
{
	static const char text[] = PORTS PROBE "unmatched = \"flood\";\n" CLUSTERS(
		"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
		"    ports = [ \"lan0\" ];\n"
		"    type = \"router\";\n"
		"    hash = \"dst-port\";\n"
		"    health = { method = \"http\"; };\n"
		"    members = (\n"
		"      { name = \"m1\"; ip = \"192.0.2.11\"; port = \"vpn0\"; state = \"off\"; }\n"
		"    ); }");
	struct hf_errlist errs;

	(void)state;
	load_bad(text, &errs);
	assert_int_equal(hf_errlist_count(&errs), 5);
	assert_has_error_at(&errs, text, "flood",
		"unmatched 'flood' is not valid; expected one of: drop, bridge");
	assert_has_error_at(&errs, text, "router",
		"cluster 'c1': type 'router' is not valid; expected one of: vpn, firewall, server");
	assert_has_error_at(&errs, text, "dst-port",
		"hash 'dst-port' is not valid; expected one of: dst-ip, src-ip, src-dst, 5-tuple");
	assert_has_error_at(&errs, text, "http",
		"health of cluster 'c1': method 'http' is not valid; expected one of: none, arp, "
		"icmp, tunnel");
	assert_has_error_at(&errs, text, "\"off\"",
		"member 'm1' of cluster 'c1': state 'off' is not valid; expected one of: up, "
		"drain, down");
}

static void
test_punt(void **state)
{
	static const char good[] = PORTS PROBE
		"punt = { arp_pps = 100; local_pps = 200; icmp_pps = 300; vrrp_pps = 10; };\n"
		CLUSTERS("  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
			 "    ports = [ \"lan0\" ];\n"
			 "    members = ( { name = \"m1\"; ip = \"192.0.2.11\"; port = \"vpn0\"; } ); }");
	static const char bad[] = PORTS PROBE
		"punt = { arp_pps = 9;\n"
		"         icmp_pps = 1000001;\n"
		"         tcp_pps = 5; };\n"
		CLUSTERS("  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
			 "    ports = [ \"lan0\" ];\n"
			 "    members = ( { name = \"m1\"; ip = \"192.0.2.11\"; port = \"vpn0\"; } ); }");
	struct hf_config *cfg = load_good(good);
	struct hf_errlist errs;

	(void)state;
	assert_int_equal(cfg->punt.arp_pps, 100);
	assert_int_equal(cfg->punt.local_pps, 200);
	assert_int_equal(cfg->punt.icmp_pps, 300);
	assert_int_equal(cfg->punt.vrrp_pps, 10);
	hf_config_free(cfg);
	load_bad(bad, &errs);
	assert_int_equal(hf_errlist_count(&errs), 3);
	assert_has_error_at(&errs, bad, "arp_pps = 9", "arp_pps 9 is out of range 10..1000000");
	assert_has_error_at(&errs, bad, "1000001", "icmp_pps 1000001 is out of range 10..1000000");
	assert_has_error_at(&errs, bad, "tcp_pps", "unknown key 'tcp_pps'");
}

/* fragments = { size; timeout_ms; }: values, defaults, ranges, unknown keys. */
static void
test_fragments_conf(void **state)
{
	static const char good[] = PORTS PROBE
		"fragments = { size = 4096; timeout_ms = 2000; };\n" CLUSTERS(
			"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
			"    ports = [ \"lan0\" ];\n"
			"    members = (\n" MEMBER_A "\n    ); }");
	static const char dflt[] = PORTS PROBE CLUSTERS(
		"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
		"    ports = [ \"lan0\" ];\n"
		"    members = (\n" MEMBER_A "\n    ); }");
	static const char bad[] = PORTS PROBE
		"fragments = { size = 3;\n"
		"              timeout_ms = 60001;\n"
		"              hold = 8; };\n" CLUSTERS(
			"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
			"    ports = [ \"lan0\" ];\n"
			"    members = (\n" MEMBER_A "\n    ); }");
	static const char high[] = PORTS PROBE
		"fragments = { size = 65537;\n"
		"              timeout_ms = 9; };\n" CLUSTERS(
			"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
			"    ports = [ \"lan0\" ];\n"
			"    members = (\n" MEMBER_A "\n    ); }");
	struct hf_config *cfg;
	struct hf_errlist errs;

	(void)state;
	cfg = load_good(good);
	assert_int_equal(cfg->frag_size, 4096);
	assert_int_equal(cfg->frag_timeout_ms, 2000);
	hf_config_free(cfg);
	cfg = load_good(dflt);
	assert_int_equal(cfg->frag_size, HF_FRAGS_DEFAULT);
	assert_int_equal(cfg->frag_timeout_ms, HF_FRAG_TIMEOUT_MS_DEFAULT);
	hf_config_free(cfg);
	load_bad(bad, &errs);
	assert_int_equal(hf_errlist_count(&errs), 3);
	assert_has_error_at(&errs, bad, "size = 3", "fragments: size 3 is out of range 4..65536");
	assert_has_error_at(&errs, bad, "60001",
		"fragments: timeout_ms 60001 is out of range 10..60000");
	assert_has_error_at(&errs, bad, "hold", "unknown key 'hold'");
	load_bad(high, &errs);
	assert_int_equal(hf_errlist_count(&errs), 2);
	assert_has_error_at(&errs, high, "65537", "size 65537 is out of range");
	assert_has_error_at(&errs, high, "timeout_ms = 9", "timeout_ms 9 is out of range");
}

static void
test_ranges(void **state)
{
	static const char text[] = PORTS PROBE
		"flows = { size = 1023;\n"
		"          timeout_ms = 86400001; };\n" CLUSTERS(
			"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
			"    ports = [ \"lan0\" ];\n"
			"    health = { interval_ms = 9;\n"
			"               timeout_ms = 60001;\n"
			"               rise = 0;\n"
			"               fall = 101; };\n"
			"    members = (\n"
			"      { name = \"m1\"; ip = \"192.0.2.11\"; port = \"vpn0\"; weight = 0; "
			"},\n"
			"      { name = \"m2\"; ip = \"192.0.2.12\"; port = \"vpn0\"; weight = "
			"101; }\n"
			"    ); }") "ha = { port = \"lan0\";\n"
				    "       vrid = 256;\n"
				    "       priority = 255;\n"
				    "       advert_ms = 40960; };\n";
	struct hf_errlist errs;

	(void)state;
	load_bad(text, &errs);
	assert_int_equal(hf_errlist_count(&errs), 11);
	assert_has_error_at(
		&errs, text, "size = 1023", "flows: size 1023 is out of range 1024..4194304");
	assert_has_error_at(&errs, text, "86400001",
		"flows: timeout_ms 86400001 is out of range 100..86400000");
	assert_has_error_at(
		&errs, text, "interval_ms = 9", "interval_ms 9 is out of range 10..60000");
	assert_has_error_at(&errs, text, "60001", "timeout_ms 60001 is out of range 1..60000");
	assert_has_error_at(&errs, text, "rise = 0", "rise 0 is out of range 1..100");
	assert_has_error_at(&errs, text, "fall = 101", "fall 101 is out of range 1..100");
	assert_has_error_at(&errs, text, "weight = 0",
		"member 'm1' of cluster 'c1': weight 0 is out of range 1..100");
	assert_has_error_at(&errs, text, "weight = 101", "weight 101 is out of range 1..100");
	assert_has_error_at(&errs, text, "vrid = 256", "ha: vrid 256 is out of range 1..255");
	assert_has_error_at(
		&errs, text, "priority = 255", "ha: priority 255 is out of range 1..254");
	assert_has_error_at(&errs, text, "40960", "ha: advert_ms 40960 is out of range 10..40950");
}

static void
test_range_low_and_high(void **state)
{
	static const char text[] = PORTS PROBE
		"flows = { size = 4194305;\n"
		"          timeout_ms = 99; };\n" CLUSTERS(
			"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
			"    ports = [ \"lan0\" ];\n"
			"    health = { interval_ms = 60001;\n"
			"               timeout_ms = 0; };\n"
			"    members = (\n" MEMBER_A "\n    ); }") "ha = { port = \"lan0\";\n"
								   "       vrid = 0;\n"
								   "       priority = 0;\n"
								   "       advert_ms = 105; };\n";
	struct hf_errlist errs;

	(void)state;
	load_bad(text, &errs);
	assert_has_error_at(&errs, text, "4194305", "size 4194305 is out of range");
	assert_has_error_at(&errs, text, "timeout_ms = 99", "timeout_ms 99 is out of range");
	assert_has_error_at(
		&errs, text, "interval_ms = 60001", "interval_ms 60001 is out of range");
	assert_has_error_at(&errs, text, "timeout_ms = 0", "timeout_ms 0 is out of range");
	assert_has_error_at(&errs, text, "vrid = 0", "vrid 0 is out of range");
	assert_has_error_at(&errs, text, "priority = 0", "priority 0 is out of range");
	assert_has_error_at(
		&errs, text, "advert_ms = 105", "advert_ms 105 is not a multiple of 10");
}

static void
test_buckets(void **state)
{
	static const char text[] =
		PORTS CLUSTERS(CLUSTER("c1", "192.0.2.1", "    buckets = 1000;\n") ",\n" CLUSTER(
			"c2", "192.0.2.2", "    buckets = 32;\n") ",\n" CLUSTER("c3", "192.0.2.3",
			"    buckets = 131072;\n") ",\n" CLUSTER("c4", "192.0.2.4",
			"    buckets = 65536;\n"));
	struct hf_errlist errs;

	(void)state;
	load_bad(text, &errs);
	assert_int_equal(hf_errlist_count(&errs), 3);
	assert_has_error_at(
		&errs, text, "buckets = 1000", "cluster 'c1': buckets 1000 is not a power of two");
	assert_has_error_at(&errs, text, "buckets = 32", "buckets 32 is out of range 64..65536");
	assert_has_error_at(
		&errs, text, "buckets = 131072", "buckets 131072 is out of range 64..65536");
}

static void
test_tunnel_needs_target(void **state)
{
	static const char text[] =
		PORTS PROBE ONE_CLUSTER("    health = { method = \"tunnel\"; };\n");

	(void)state;
	expect_error(text, "method = \"tunnel\"",
		"health of cluster 'c1': method 'tunnel' requires 'target'");
}

/* icmp and tunnel replies are matched through a 16-probe window: timeout_ms
 * may be at most HF_HEALTH_MAX_OUTSTANDING x interval_ms (arp is not bound). */
static void
test_health_window(void **state)
{
	static const char icmp[] = PORTS PROBE CLUSTERS(
		CLUSTER("c1", "192.0.2.1", "    health = { method = \"icmp\"; interval_ms = 100;\n"
					   "               timeout_ms = 1601; };\n"));
	/* timeout_ms left at its default (300): the error is on interval_ms */
	static const char tunnel[] = PORTS PROBE CLUSTERS(CLUSTER("c1", "192.0.2.1",
		"    health = { method = \"tunnel\"; target = \"203.0.113.9\";\n"
		"               interval_ms = 18; };\n"));
	static const char icmp_edge[] = PORTS PROBE CLUSTERS(
		CLUSTER("c1", "192.0.2.1", "    health = { method = \"icmp\"; interval_ms = 100;\n"
					   "               timeout_ms = 1600; };\n"));
	static const char tunnel_edge[] = PORTS PROBE CLUSTERS(CLUSTER("c1", "192.0.2.1",
		"    health = { method = \"tunnel\"; target = \"203.0.113.9\";\n"
		"               interval_ms = 10; timeout_ms = 160; };\n"));
	static const char arp[] = PORTS PROBE CLUSTERS(
		CLUSTER("c1", "192.0.2.1", "    health = { method = \"arp\"; interval_ms = 10;\n"
					   "               timeout_ms = 1000; };\n"));
	struct hf_errlist errs;
	struct hf_config *cfg;

	(void)state;
	load_bad(icmp, &errs);
	assert_int_equal(hf_errlist_count(&errs), 1);
	assert_has_error_at(&errs, icmp, "timeout_ms = 1601",
		"health of cluster 'c1': timeout_ms 1601 is more than 16 x interval_ms 100 = 1600: "
		"method 'icmp' allows at most 16 probes outstanding");
	load_bad(tunnel, &errs);
	assert_int_equal(hf_errlist_count(&errs), 1);
	assert_has_error_at(&errs, tunnel, "interval_ms = 18",
		"timeout_ms 300 is more than 16 x interval_ms 18 = 288: method 'tunnel'");
	cfg = load_good(icmp_edge);
	assert_int_equal(cfg->clusters[0].health.timeout_ms, 1600);
	hf_config_free(cfg);
	cfg = load_good(tunnel_edge);
	assert_int_equal(cfg->clusters[0].health.timeout_ms, 160);
	hf_config_free(cfg);
	cfg = load_good(arp);
	assert_int_equal(cfg->clusters[0].health.timeout_ms, 1000);
	hf_config_free(cfg);
}

static void
test_ha_unknown_port(void **state)
{
	static const char text[] =
		PORTS PROBE ONE_CLUSTER("") "ha = { port = \"wan0\"; vrid = 1; };\n";

	(void)state;
	expect_error(text, "wan0", "ha: port 'wan0' is not a configured port");
}

/* ------------------------------------------------------------------ */
/* Limits                                                             */
/* ------------------------------------------------------------------ */

static void
test_names(void **state)
{
	static const char text[] =
		"ports = ( { name = \"lan 0\"; device = \"net_pcap0\"; },\n"
		"          { name = \"\"; device = \"net_pcap1\"; },\n"
		"          { name = \"vpn0\"; device = \"net_pcap2\"; } );\n" CLUSTERS(
			"  { name = \"c23456789012345678901234567890123\"; ip = \"192.0.2.1\";\n"
			"    mac = \"00:00:5e:00:01:01\"; ports = [ \"vpn0\" ];\n"
			"    members = (\n"
			"      { name = \"m/1\"; ip = \"192.0.2.11\"; mac = \"02:00:00:00:01:01\"; "
			"port = \"vpn0\"; },\n"
			"      { name = \"m123456789012345678901234567890\"; ip = \"192.0.2.12\";\n"
			"        mac = \"02:00:00:00:01:02\"; port = \"vpn0\"; }\n"
			"    ); }");
	struct hf_errlist errs;
	struct hf_config *cfg;

	(void)state;
	load_bad(text, &errs);
	assert_int_equal(hf_errlist_count(&errs), 4);
	assert_has_error_at(&errs, text, "lan 0", "port #1: name 'lan 0' contains ' '");
	assert_has_error_at(&errs, text, "name = \"\"", "port #2: name must not be empty");
	assert_has_error_at(&errs, text, "c2345", "cluster #1: name 'c2345");
	assert_has_error_at(&errs, text, "c2345", "is too long (33 characters, max 31)");
	assert_has_error_at(&errs, text, "m/1", "contains '/'");

	/* 31 characters of every allowed class is fine. */
	cfg = load_good(PORTS CLUSTERS(
		"  { name = \"Az09_.-Az09_.-Az09_.-Az09_.-Az0\"; ip = \"192.0.2.1\";\n"
		"    mac = \"00:00:5e:00:01:01\"; ports = [ \"vpn0\" ];\n"
		"    members = (\n" MEMBER_A "\n    ); }"));
	assert_string_equal(cfg->clusters[0].name, "Az09_.-Az09_.-Az09_.-Az09_.-Az0");
	hf_config_free(cfg);
}

/* Append printf output to a growing buffer. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3))) sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if (b->len + (size_t)n < b->cap)
			break;
		b->cap = b->cap * 2 + (size_t)n + 1;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	b->len += (size_t)n;
}

static void
sb_init(struct sbuf *b)
{
	b->cap = 4096;
	b->len = 0;
	b->p = malloc(b->cap);
	assert_non_null(b->p);
	b->p[0] = '\0';
}

/* A documentation address, i in 0..761. */
static void
doc_ip(unsigned int i, char *buf, size_t len)
{
	static const char *const nets[] = {"192.0.2", "198.51.100", "203.0.113"};

	snprintf(buf, len, "%s.%u", nets[i / 254], i % 254 + 1);
}

/* nc clusters of nm members each; cluster IPs from 198.51.100.0/24 on. */
static char *
gen_clusters(unsigned int nports, unsigned int nc, unsigned int nm)
{
	struct sbuf b;
	char cip[HF_IP4_STRLEN];
	unsigned int i, j;

	sb_init(&b);
	sb_add(&b, "ports = (\n");
	for (i = 0; i < nports; i++)
		sb_add(&b, "  %s{ name = \"p%u\"; device = \"net_null%u\"; }\n", i > 0 ? "," : "",
			i, i);
	sb_add(&b, ");\nclusters = (\n");
	for (i = 0; i < nc; i++) {
		doc_ip(254 + i % 508, cip, sizeof(cip));
		sb_add(&b,
			"  %s{ name = \"c%u\"; ip = \"%s\"; mac = \"02:00:00:00:00:01\";\n"
			"    ports = [ \"p0\" ]; members = (\n",
			i > 0 ? "," : "", i, cip);
		for (j = 0; j < nm; j++)
			sb_add(&b,
				"      %s{ name = \"m%u\"; ip = \"192.0.2.%u\"; mac = "
				"\"02:00:00:00:01:01\"; port = \"p0\"; }\n",
				j > 0 ? "," : "", j, j + 1);
		sb_add(&b, "    ); }\n");
	}
	sb_add(&b, ");\n");
	return b.p;
}

static void
test_limit_ports(void **state)
{
	char *text = gen_clusters(HF_MAX_PORTS + 1, 1, 1);
	struct hf_errlist errs;
	struct hf_config *cfg;

	(void)state;
	load_bad(text, &errs);
	assert_int_equal(hf_errlist_count(&errs), 1);
	assert_has_error(&errs, 1, "too many ports: 33 (max 32)");
	free(text);

	text = gen_clusters(HF_MAX_PORTS, 1, 1);
	cfg = load_good(text);
	assert_int_equal(cfg->nb_ports, HF_MAX_PORTS);
	hf_config_free(cfg);
	free(text);
}

static void
test_limit_members_per_cluster(void **state)
{
	char *text = gen_clusters(1, 1, HF_MAX_MEMBERS + 1);
	struct hf_errlist errs;
	struct hf_config *cfg;

	(void)state;
	load_bad(text, &errs);
	assert_int_equal(hf_errlist_count(&errs), 1);
	assert_has_error(&errs, 6, "cluster 'c0': too many members: 65 (max 64 per cluster)");
	free(text);

	text = gen_clusters(1, 1, HF_MAX_MEMBERS);
	cfg = load_good(text);
	assert_int_equal(cfg->clusters[0].nb_members, HF_MAX_MEMBERS);
	hf_config_free(cfg);
	free(text);
}

static void
test_limit_members_total(void **state)
{
	unsigned int nc = HF_MAX_MEMBERS_TOTAL / HF_MAX_MEMBERS;
	char *text = gen_clusters(1, nc + 1, HF_MAX_MEMBERS);
	struct hf_errlist errs;
	struct hf_config *cfg;

	(void)state;
	load_bad(text, &errs);
	assert_int_equal(hf_errlist_count(&errs), 1);
	assert_has_error(&errs, 0, "cluster 'c256': too many members in total: more than 16384");
	free(text);

	text = gen_clusters(1, nc, HF_MAX_MEMBERS);
	cfg = load_good(text);
	assert_int_equal(cfg->nb_members_total, HF_MAX_MEMBERS_TOTAL);
	assert_int_equal(cfg->nb_clusters, nc);
	hf_config_free(cfg);
	free(text);
}

/*
 * nc clusters of 64 members probed by ICMP every interval_ms, members with
 * MACs; each cluster's health block on a line of its own ("# health cN").
 */
static char *
gen_probed(unsigned int nc, unsigned int interval_ms)
{
	static const char *const net[3] = {"192.0.2", "198.51.100", "203.0.113"};
	struct sbuf b;
	unsigned int i, j, n;

	sb_init(&b);
	sb_add(&b, PORTS PROBE "clusters = (\n");
	for (i = 0; i < nc; i++) {
		sb_add(&b,
			"  %s{ name = \"c%u\"; ip = \"203.0.113.%u\"; mac = \"00:00:5e:00:01:01\";\n"
			"    ports = [ \"lan0\" ];\n"
			"    health = { method = \"icmp\"; interval_ms = %u; timeout_ms = %u; };"
			" # health c%u\n"
			"    members = (\n",
			i > 0 ? "," : "", i, 200 + i, interval_ms, 2 * interval_ms, i);
		for (j = 0; j < HF_MAX_MEMBERS; j++) {
			n = i * HF_MAX_MEMBERS + j;
			sb_add(&b,
				"      %s{ name = \"m%u\"; ip = \"%s.%u\"; mac = \"02:00:00:00:01:01\";"
				" port = \"vpn0\"; }\n",
				j > 0 ? "," : "", j, net[n / 190], n % 190 + 1);
		}
		sb_add(&b, "    ); }\n");
	}
	sb_add(&b, ");\n");
	return b.p;
}

/*
 * Health replies have a budget of their own, which the control lcore must be
 * able to take: 7 clusters of 64 members probed every 10 ms need 7 x 64 x
 * 100 x 2 = 89,600 replies a second with the headroom; an eighth goes over
 * HF_PROBE_REPLY_PPS_MAX and is refused at its health block, with the rate.
 */
static void
test_limit_probe_rate(void **state)
{
	char *text = gen_probed(8, 10);
	struct hf_errlist errs;
	struct hf_probe_budget pb;
	struct hf_config *cfg;

	(void)state;
	load_bad(text, &errs);
	assert_int_equal(hf_errlist_count(&errs), 1);
	assert_has_error_at(&errs, text, "# health c7",
		"health of cluster 'c7': health probes of the clusters up to this one bring back 102400 "
		"replies a second (2x headroom included");
	assert_has_error(&errs, 0, "over the 100000 the control lcore takes; raise interval_ms");
	free(text);

	text = gen_probed(7, 10);
	cfg = load_good(text);
	hf_config_probe_budget(cfg, cfg->nb_clusters, &pb);
	assert_int_equal(pb.pps, 89600);
	assert_int_equal(pb.burst, 7 * 64 * 2 * 2);
	hf_config_free(cfg);
	free(text);

	/* the same eight clusters, probed every 20 ms, fit */
	text = gen_probed(8, 20);
	cfg = load_good(text);
	hf_config_free(cfg);
	free(text);
}

static void
test_limit_clusters(void **state)
{
	/* Only 508 distinct cluster IPs exist in the generator's ranges. */
	char *text = gen_clusters(1, HF_MAX_CLUSTERS + 1, 1);
	struct hf_errlist errs;

	(void)state;
	load_bad(text, &errs);
	assert_has_error(&errs, 0, "too many clusters: 1025 (max 1024)");
	assert_has_error(&errs, 0, "is already the IP of cluster");
	assert_true(errs.dropped > 0);
	free(text);
}

/* ------------------------------------------------------------------ */
/* Several errors, files                                              */
/* ------------------------------------------------------------------ */

static void
test_many_errors_reported(void **state)
{
	static const char text[] =
		"ports = ( { name = \"lan0\"; device = \"net_pcap0\"; mac = \"02:00:00:00:00\"; "
		"},\n"
		"          { name = \"vpn0\"; device = \"net_pcap1\"; } );\n"
		"unmatched = \"maybe\";\n"
		"clusters = (\n"
		"  { name = \"c1\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
		"    ports = [ \"lan1\" ];\n"
		"    buckets = 100;\n"
		"    members = (\n"
		"      { name = \"m1\"; ip = \"192.0.2.11\"; mac = \"02:00:00:00:01:01\"; port = "
		"\"vpn1\"; },\n"
		"      { name = \"m2\"; ip = \"192.0.2.1\"; mac = \"02:00:00:00:01:02\"; port = "
		"\"vpn0\";\n"
		"        weight = 1000; }\n"
		"    ); }\n"
		");\n"
		"ha = { port = \"lan0\"; vrid = 1; advert_ms = 15; };\n";
	struct hf_errlist errs;

	(void)state;
	load_bad(text, &errs);
	assert_int_equal(hf_errlist_count(&errs), 9);
	assert_has_error(&errs, 1, "not a valid MAC address");
	assert_has_error(&errs, 3, "unmatched 'maybe' is not valid");
	assert_has_error(&errs, 6, "'ports' entry 'lan1' is not a configured port");
	assert_has_error(&errs, 7, "buckets 100 is not a power of two");
	assert_has_error(&errs, 9, "port 'vpn1' is not a configured port");
	assert_has_error(&errs, 10, "ip 192.0.2.1 is the IP of cluster 'c1'");
	assert_has_error(&errs, 11, "weight 1000 is out of range");
	assert_has_error(&errs, 14, "advert_ms 15 is not a multiple of 10");
	assert_has_error(&errs, 14, "ha needs a probe address");
}

static void
test_error_format(void **state)
{
	struct hf_errlist errs;
	char buf[HF_ERR_FILE_MAX + HF_ERR_MSG_MAX + 16];

	(void)state;
	load_bad(PORTS "unmatched = 1;\n" ONE_CLUSTER(""), &errs);
	assert_int_equal(errs.n, 1);
	assert_string_equal(hf_err_format(&errs.e[0], buf, sizeof(buf)),
		"test.conf:3: 'unmatched' must be a string, not an integer");
}

static void
test_load_missing_file(void **state)
{
	struct hf_errlist errs;
	struct hf_config *cfg = (struct hf_config *)0x1;

	(void)state;
	hf_errlist_init(&errs);
	assert_int_equal(hf_config_load("/nonexistent/hyperflow.conf", &cfg, &errs), -ENOENT);
	assert_null(cfg);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.e[0].file, "/nonexistent/hyperflow.conf");
	assert_non_null(strstr(errs.e[0].msg, "No such file or directory"));

	hf_errlist_init(&errs);
	assert_int_equal(hf_config_load("/tmp", &cfg, &errs), -EISDIR);
	assert_null(cfg);
	assert_int_equal(hf_config_load(NULL, &cfg, &errs), -EINVAL);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Errors name the file (and the included file) they come from. */
static void
test_load_file_and_include(void **state)
{
	char dir[] = "/tmp/hf_test_config.XXXXXX";
	char main_path[64], inc_path[64];
	struct hf_errlist errs;
	struct hf_config *cfg = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(main_path, sizeof(main_path), "%s/main.conf", dir);
	snprintf(inc_path, sizeof(inc_path), "%s/ports.conf", dir);
	write_file(inc_path, PORTS);
	write_file(main_path, "@include \"ports.conf\"\n" ONE_CLUSTER(""));

	hf_errlist_init(&errs);
	assert_int_equal(hf_config_load(main_path, &cfg, &errs), 0);
	assert_non_null(cfg);
	assert_string_equal(cfg->path, main_path);
	assert_int_equal(cfg->nb_ports, 2);
	hf_config_free(cfg);

	/* A bad value in the included file is reported against it. */
	write_file(inc_path, "ports = ( { name = \"lan0\"; device = \"net_pcap0\"; },\n"
			     "          { name = \"vpn0\"; device = \"net_pcap0\"; } );\n");
	hf_errlist_init(&errs);
	assert_int_equal(hf_config_load(main_path, &cfg, &errs), -EINVAL);
	assert_null(cfg);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.e[0].file, inc_path);
	assert_int_equal(errs.e[0].line, 2);

	/* A syntax error in the main file. */
	write_file(main_path, "@include \"ports.conf\"\nclusters = (\n");
	hf_errlist_init(&errs);
	assert_int_equal(hf_config_load(main_path, &cfg, &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.e[0].file, main_path);
	assert_int_equal(errs.e[0].line, 3);
	assert_non_null(strstr(errs.e[0].msg, "syntax error"));

	/* ... and in the included file, with its likely cause read from it */
	write_file(main_path, "@include \"ports.conf\"\n" ONE_CLUSTER(""));
	write_file(inc_path, "ports = ( { name = \"lan0\"; device = \"net_pcap0\"; }\n"
			     "          { name = \"vpn0\"; device = \"net_pcap1\"; } );\n");
	hf_errlist_init(&errs);
	assert_int_equal(hf_config_load(main_path, &cfg, &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.e[0].file, inc_path);
	assert_int_equal(errs.e[0].line, 2);
	assert_string_equal(errs.e[0].msg, NO_COMMA "add ',' after the '}' on line 1");

	unlink(main_path);
	unlink(inc_path);
	rmdir(dir);
}

static void
test_bundled_conf(void **state)
{
	struct hf_errlist errs;
	struct hf_config *cfg = NULL;
	const struct hf_cluster_conf *c;
	char buf[HF_MAC_STRLEN];
	unsigned int i;
	int rc;

	(void)state;
	if (bundled_conf == NULL) {
		fprintf(stderr, "skipped: pass conf/hyperflow.conf as argv[1] or HF_CONF\n");
		skip();
	}
	hf_errlist_init(&errs);
	rc = hf_config_load(bundled_conf, &cfg, &errs);
	if (rc != 0)
		print_errors(&errs);
	assert_int_equal(rc, 0);
	assert_int_equal(cfg->nb_ports, 2);
	assert_string_equal(cfg->ports[0].name, "lan0");
	assert_string_equal(cfg->ports[0].device, "net_pcap0");
	assert_string_equal(hf_mac_str(&cfg->ports[0].mac, buf), "02:00:00:00:00:01");
	assert_string_equal(cfg->ports[1].name, "vpn0");
	assert_string_equal(cfg->ports[1].device, "net_pcap1");
	assert_string_equal(hf_mac_str(&cfg->ports[1].mac, buf), "02:00:00:00:00:02");
	assert_int_equal(cfg->nb_probe, 2);
	assert_int_equal(cfg->probe_pool[0], ip("192.0.2.250"));
	assert_int_equal(cfg->probe_pool[1], ip("192.0.2.251"));
	assert_int_equal(cfg->unmatched, HF_UNMATCHED_DROP);
	assert_int_equal(cfg->flow_size, 65536);
	assert_int_equal(cfg->flow_timeout_ms, 30000);
	assert_false(cfg->ha.enabled);
	assert_int_equal(cfg->nb_clusters, 1);
	c = &cfg->clusters[0];
	assert_string_equal(c->name, "vpn-out");
	assert_int_equal(c->type, HF_CLUSTER_VPN);
	assert_int_equal(c->ip, ip("192.0.2.1"));
	assert_string_equal(hf_mac_str(&c->mac, buf), "00:00:5e:00:01:01");
	assert_int_equal(c->port_mask, 0x1);
	assert_int_equal(c->hash, HF_HASH_DST_IP);
	assert_int_equal(c->health.method, HF_HEALTH_NONE);
	assert_int_equal(c->nb_members, 4);
	for (i = 0; i < 4; i++) {
		char want[HF_MAC_STRLEN], name[8], addr[HF_IP4_STRLEN];

		snprintf(name, sizeof(name), "vpn-%c", 'a' + i);
		snprintf(addr, sizeof(addr), "192.0.2.%u", 11 + i);
		snprintf(want, sizeof(want), "02:00:00:00:01:%02x", 1 + i);
		assert_string_equal(c->members[i].name, name);
		assert_int_equal(c->members[i].ip, ip(addr));
		assert_true(c->members[i].has_mac);
		assert_string_equal(hf_mac_str(&c->members[i].mac, buf), want);
		assert_int_equal(c->members[i].port, 1);
		assert_int_equal(c->members[i].state, i == 3 ? HF_ADMIN_DOWN : HF_ADMIN_UP);
	}
	hf_config_free(cfg);
}

/* The derived indexes: each member's cluster, members by address, a serial per load. */
static void
test_member_index(void **state)
{
	const char *text =
		"ports = ( { name = \"lan0\"; device = \"net_pcap0\"; },"
		"          { name = \"vpn0\"; device = \"net_pcap1\"; } );\n"
		"probe = { pool = [ \"192.0.2.250\" ]; };\n"
		"clusters = (\n"
		" { name = \"in\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\"; ports = [ \"lan0\" ];"
		"   health = { method = \"none\"; };"
		"   members = ( { name = \"a\"; ip = \"192.0.2.11\"; port = \"vpn0\"; },"
		"               { name = \"b\"; ip = \"192.0.2.12\"; port = \"vpn0\"; } ); },\n"
		" { name = \"out\"; ip = \"198.51.100.1\"; mac = \"00:00:5e:00:01:02\"; ports = [ \"vpn0\" ];"
		"   health = { method = \"none\"; };"
		"   members = ( { name = \"c\"; ip = \"192.0.2.13\"; port = \"lan0\"; },"
		"               { name = \"b2\"; ip = \"192.0.2.12\"; port = \"lan0\"; },"
		"               { name = \"d\"; ip = \"192.0.2.14\"; port = \"lan0\"; } ); }\n"
		");\n";
	struct hf_config *c1, *c2;
	const struct hf_cluster_conf *cc;
	const struct hf_member_ref *refs = NULL;
	uint32_t n;

	(void)state;
	c1 = load_good(text);
	c2 = load_good(text);
	assert_int_not_equal(c1->serial, 0);
	assert_true(c2->serial > c1->serial);
	assert_int_equal(c1->clusters[0].first_member, 0);
	assert_int_equal(c1->clusters[1].first_member, 2);
	assert_string_equal(hf_config_member(c1, 0, &cc)->name, "a");
	assert_string_equal(cc->name, "in");
	assert_string_equal(hf_config_member(c1, 3, &cc)->name, "b2");
	assert_string_equal(cc->name, "out");
	assert_string_equal(hf_config_member(c1, 4, NULL)->name, "d");
	/* one address, two clusters: both, in config order */
	n = hf_config_members_at(c1, ip("192.0.2.12"), &refs);
	assert_int_equal(n, 2);
	assert_int_equal(refs[0].g, 1);
	assert_int_equal(refs[1].g, 3);
	n = hf_config_members_at(c1, ip("192.0.2.14"), &refs);
	assert_int_equal(n, 1);
	assert_int_equal(refs[0].g, 4);
	assert_int_equal(hf_config_members_at(c1, ip("192.0.2.1"), &refs), 0);
	assert_int_equal(hf_config_members_at(c1, ip("203.0.113.12"), &refs), 0);
	hf_config_free(c1);
	hf_config_free(c2);
}


/* ------------------------------------------------------------------ */
/* Devices: the two legs of a firewall in two clusters                */
/* ------------------------------------------------------------------ */

/*
 * A sandwich: cluster "in" (lan0) and "out" (vpn0), members fwN-in /
 * fwN-out. in_m and out_m are the member lines; in_x and out_x go into
 * the cluster heads (hash, buckets).
 */
static char *
sandwich(const char *in_x, const char *in_m, const char *out_x, const char *out_m)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf),
		 PORTS PROBE "clusters = (\n"
			     "  { name = \"in\"; type = \"firewall\"; ip = \"192.0.2.1\";\n"
			     "    mac = \"00:00:5e:00:01:01\"; ports = [ \"lan0\" ];\n"
			     "%s"
			     "    members = (\n%s\n    ); },\n"
			     "  { name = \"out\"; type = \"firewall\"; ip = \"198.51.100.1\";\n"
			     "    mac = \"00:00:5e:00:01:02\"; ports = [ \"vpn0\" ];\n"
			     "%s"
			     "    members = (\n%s\n    ); }\n"
			     ");\n",
		 in_x, in_m, out_x, out_m);
	return buf;
}

#define SD "    hash = \"src-dst\";\n"
#define LEG(name, dev, addr, port, extra)                                                          \
	"      { name = \"" name "\"; device = \"" dev "\"; ip = \"" addr "\"; port = \"" port     \
	"\";" extra " }"
#define IN3                                                                                        \
	LEG("fw1-in", "fw1", "192.0.2.11", "lan0", "") ",\n"                                       \
	LEG("fw2-in", "fw2", "192.0.2.12", "lan0", "") ",\n"                                       \
	LEG("fw3-in", "fw3", "192.0.2.13", "lan0", "")
/* the outside legs listed in another order than the inside ones */
#define OUT3                                                                                       \
	LEG("fw3-out", "fw3", "198.51.100.13", "vpn0", "") ",\n"                                   \
	LEG("fw1-out", "fw1", "198.51.100.11", "vpn0", "") ",\n"                                   \
	LEG("fw2-out", "fw2", "198.51.100.12", "vpn0", "")

static void
test_devices_pair(void **state)
{
	struct hf_config *cfg;
	uint32_t d, k;

	(void)state;
	cfg = load_good(sandwich(SD, IN3, SD, OUT3));
	assert_int_equal(cfg->clusters[0].group, 0);
	assert_int_equal(cfg->clusters[1].group, 0);
	assert_int_equal(cfg->nb_devices, 3);
	for (d = 0; d < 3; d++) {
		const struct hf_device_conf *dc = &cfg->devices[d];
		char want[8];

		snprintf(want, sizeof(want), "fw%u", d + 1);
		assert_string_equal(dc->name, want);   /* sorted by name within the group */
		assert_int_equal(dc->slot, d);
		assert_int_equal(dc->nb_legs, 2);
		for (k = 0; k < 2; k++) {
			uint32_t g = cfg->device_legs[dc->first_leg + k];
			const struct hf_cluster_conf *cc;
			const struct hf_member_conf *mc = hf_config_member(cfg, g, &cc);

			assert_int_equal(cc - cfg->clusters, k);   /* legs in cluster order */
			assert_string_equal(mc->device, want);
			assert_int_equal(cfg->member_device[g], d);
			/* the key is the device's, the same in both clusters */
			assert_int_equal(mc->key, hf_config_device_key(want));
		}
	}
	hf_config_free(cfg);

	/* without devices: the key is the IP, each cluster a group of its own */
	cfg = load_good(PORTS PROBE CLUSTERS(CLUSTER("c1", "192.0.2.1", "") ",\n"
						     CLUSTER("c2", "192.0.2.2", "")));
	assert_int_equal(cfg->clusters[0].group, 0);
	assert_int_equal(cfg->clusters[1].group, 1);
	assert_int_equal(cfg->nb_devices, 0);
	assert_int_equal(cfg->clusters[1].members[0].key, cfg->clusters[1].members[0].ip);
	assert_int_equal(cfg->member_device[0], HF_CFG_NONE);
	hf_config_free(cfg);
}

static void
test_device_key_stable(void **state)
{
	(void)state;
	/* fixed forever: the bucket tables of every box and version depend on it */
	assert_int_equal(ntohl(hf_config_device_key("fw1")), 0x94f4d723u);
	assert_int_equal(ntohl(hf_config_device_key("fw2")), 0x001280f6u);
	assert_int_not_equal(hf_config_device_key("fw1"), hf_config_device_key("fw10"));
}

static void
test_devices_errors(void **state)
{
	char *t;

	(void)state;
	/* one leg per cluster */
	t = sandwich(SD,
		     LEG("fw1-in", "fw1", "192.0.2.11", "lan0", "") ",\n" LEG(
			     "fw1-bis", "fw1", "192.0.2.12", "lan0", ""),
		     SD, LEG("fw1-out", "fw1", "198.51.100.11", "vpn0", ""));
	expect_error(t, "fw1-bis",
		     "device 'fw1' is already member 'fw1-in' of this cluster (line 9)");
	/* all or none in a cluster */
	t = sandwich(SD,
		     LEG("fw1-in", "fw1", "192.0.2.11", "lan0", "") ",\n"
		     "      { name = \"plain\"; ip = \"192.0.2.12\"; port = \"lan0\"; }",
		     SD, LEG("fw1-out", "fw1", "198.51.100.11", "vpn0", ""));
	expect_error(t, "\"plain\"", "has no device, but 1 of this cluster's members have one");
	/* the same devices on both sides */
	t = sandwich(SD, IN3, SD,
		     LEG("fw1-out", "fw1", "198.51.100.11", "vpn0", "") ",\n" LEG(
			     "fw2-out", "fw2", "198.51.100.12", "vpn0", ""));
	expect_error(t, "name = \"out\"",
		     "no member is device 'fw3', which is member 'fw3-in' of cluster 'in' (line 11)");
	t = sandwich(SD, IN3, SD,
		     OUT3 ",\n" LEG("fw4-out", "fw4", "198.51.100.14", "vpn0", ""));
	expect_error(t, "fw4-out", "device 'fw4' has no member in cluster 'in' (line 5)");
	/* the same weights */
	t = sandwich(SD, IN3, SD,
		     LEG("fw3-out", "fw3", "198.51.100.13", "vpn0", " weight = 2;") ",\n" LEG(
			     "fw1-out", "fw1", "198.51.100.11", "vpn0", "") ",\n"
			     LEG("fw2-out", "fw2", "198.51.100.12", "vpn0", ""));
	expect_error(t, "fw3-out",
		     "weight 2 differs from weight 1 of member 'fw3-in' of cluster 'in' (line 11), "
		     "the same device 'fw3'");
	/* the same bucket table size */
	t = sandwich(SD, IN3, SD "    buckets = 512;\n", OUT3);
	expect_error(t, "buckets = 512", "buckets 512 differs from 4096 of cluster 'in' (line 5)");
	/* src-dst on every cluster of the group, the first one included */
	t = sandwich("", IN3, SD, OUT3);
	expect_error(t, "name = \"in\"",
		     "cluster 'in' shares devices with cluster 'out' (line 12): its hash must be "
		     "\"src-dst\"");
	t = sandwich(SD, IN3, "    hash = \"5-tuple\";\n", OUT3);
	expect_error(t, "5-tuple", "not \"5-tuple\"");
	/* a device name is a name */
	t = sandwich(SD, LEG("fw1-in", "fw 1", "192.0.2.11", "lan0", ""), SD,
		     LEG("fw1-out", "fw1", "198.51.100.11", "vpn0", ""));
	expect_error(t, "fw 1", "device 'fw 1' contains ' '");
	/* one mistake, one error: a bad name or a missing device says nothing more */
	{
		struct hf_errlist errs;

		t = sandwich(SD, IN3, SD,
			     LEG("fw3-out", "fw 3", "198.51.100.13", "vpn0", "") ",\n" LEG(
				     "fw1-out", "fw1", "198.51.100.11", "vpn0", "") ",\n"
				     LEG("fw2-out", "fw2", "198.51.100.12", "vpn0", ""));
		load_bad(t, &errs);
		assert_int_equal(hf_errlist_count(&errs), 1);
		t = sandwich(SD, IN3, SD,
			     "      { name = \"fw3-out\"; ip = \"198.51.100.13\"; port = \"vpn0\"; },\n"
			     LEG("fw1-out", "fw1", "198.51.100.11", "vpn0", "") ",\n"
			     LEG("fw2-out", "fw2", "198.51.100.12", "vpn0", ""));
		load_bad(t, &errs);
		assert_has_error_at(&errs, t, "\"fw3-out\"", "has no device");
		assert_int_equal(hf_errlist_count(&errs), 1);
	}
}

static void
test_devices_groups(void **state)
{
	struct hf_config *cfg;
	char text[4096];

	(void)state;
	/* a three-legged device: in, out and a DMZ; an unrelated cluster keeps its own group */
	snprintf(text, sizeof(text),
		 PORTS PROBE "clusters = (\n"
			     "  { name = \"plain\"; ip = \"203.0.113.1\"; mac = \"00:00:5e:00:01:09\";\n"
			     "    ports = [ \"lan0\" ]; members = ( { name = \"p\"; ip = \"203.0.113.11\";"
			     " port = \"lan0\"; } ); },\n"
			     "  { name = \"in\"; ip = \"192.0.2.1\"; mac = \"00:00:5e:00:01:01\";\n"
			     "    ports = [ \"lan0\" ];\n" SD "    members = (\n" IN3 "\n    ); },\n"
			     "  { name = \"out\"; ip = \"198.51.100.1\"; mac = \"00:00:5e:00:01:02\";\n"
			     "    ports = [ \"vpn0\" ];\n" SD "    members = (\n" OUT3 "\n    ); },\n"
			     "  { name = \"dmz\"; ip = \"198.51.100.129\"; mac = \"00:00:5e:00:01:03\";\n"
			     "    ports = [ \"vpn0\" ];\n" SD "    members = (\n"
			 LEG("fw2-dmz", "fw2", "198.51.100.142", "vpn0", "") ",\n"
			 LEG("fw1-dmz", "fw1", "198.51.100.141", "vpn0", "") ",\n"
			 LEG("fw3-dmz", "fw3", "198.51.100.143", "vpn0", "") "\n    ); }\n);\n");
	cfg = load_good(text);
	assert_int_equal(cfg->clusters[0].group, 0);
	assert_int_equal(cfg->clusters[1].group, 1);
	assert_int_equal(cfg->clusters[2].group, 1);
	assert_int_equal(cfg->clusters[3].group, 1);
	assert_int_equal(cfg->nb_devices, 3);
	assert_int_equal(cfg->devices[0].nb_legs, 3);
	/* fw1's legs: in (g 1), out (g 5), dmz (g 8) */
	assert_int_equal(cfg->device_legs[cfg->devices[0].first_leg + 0], 1);
	assert_int_equal(cfg->device_legs[cfg->devices[0].first_leg + 1], 5);
	assert_int_equal(cfg->device_legs[cfg->devices[0].first_leg + 2], 8);
	hf_config_free(cfg);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_full),
		cmocka_unit_test(test_member_index),
		cmocka_unit_test(test_valid_defaults),
		cmocka_unit_test(test_enum_strings),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_syntax_hints),
		cmocka_unit_test(test_duplicate_setting),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_ports_missing_or_empty),
		cmocka_unit_test(test_clusters_missing_or_empty),
		cmocka_unit_test(test_bad_ipv4),
		cmocka_unit_test(test_bad_mac),
		cmocka_unit_test(test_multicast_or_zero_mac),
		cmocka_unit_test(test_member_mac_is_cluster_mac),
		cmocka_unit_test(test_duplicate_port_name),
		cmocka_unit_test(test_duplicate_port_device),
		cmocka_unit_test(test_duplicate_cluster_name),
		cmocka_unit_test(test_duplicate_cluster_ip),
		cmocka_unit_test(test_member_unknown_port),
		cmocka_unit_test(test_cluster_ports),
		cmocka_unit_test(test_cluster_unknown_port),
		cmocka_unit_test(test_cluster_without_members),
		cmocka_unit_test(test_duplicate_member),
		cmocka_unit_test(test_member_ip_is_cluster_ip),
		cmocka_unit_test(test_probe_pool),
		cmocka_unit_test(test_probe_pool_empty_or_too_big),
		cmocka_unit_test(test_probe_needed),
		cmocka_unit_test(test_enum_values),
		cmocka_unit_test(test_punt),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_fragments_conf),
		cmocka_unit_test(test_range_low_and_high),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_tunnel_needs_target),
		cmocka_unit_test(test_health_window),
		cmocka_unit_test(test_ha_unknown_port),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_limit_ports),
		cmocka_unit_test(test_limit_members_per_cluster),
		cmocka_unit_test(test_limit_members_total),
		cmocka_unit_test(test_limit_clusters),
		cmocka_unit_test(test_limit_probe_rate),
		cmocka_unit_test(test_many_errors_reported),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_file_and_include),
		cmocka_unit_test(test_bundled_conf),
		cmocka_unit_test(test_devices_pair),
		cmocka_unit_test(test_device_key_stable),
		cmocka_unit_test(test_devices_errors),
		cmocka_unit_test(test_devices_groups),
	};

	bundled_conf = argc > 1 ? argv[1] : getenv("HF_CONF");
	if (bundled_conf != NULL && bundled_conf[0] == '\0')
		bundled_conf = NULL;
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
