/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration loader: a libconfig file becomes a struct hf_config.
 *
 * The whole file is validated before anything uses it. Parsing never stops
 * at the first problem: every error is appended to the caller's
 * struct hf_errlist with the file and line libconfig recorded for the
 * offending setting (the enclosing group's line for a missing key), and the
 * walk goes on. Cross-references (member and cluster ports, addresses used
 * twice, probe addresses) are checked in a second walk over the libconfig
 * tree so that their errors point at the setting at fault too.
 *
 * No DPDK and no logging here; see docs/configuration.md for every key.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libconfig.h>

#include <hyperflow/addrtab.h>
#include <hyperflow/cfghint.h>
#include <hyperflow/config.h>
#include <hyperflow/hash.h>
#include <hyperflow/health.h>

/* Parser state for one load. */
struct hf_cfg_parser {
	const char *file;   /* "file" for settings libconfig gives none */
	const char *incdir; /* directory of @include files, or NULL */
	struct hf_errlist *errs;
	unsigned int nerr; /* errors this load added */
	bool nomem;
	struct hf_config *cfg;
	bool total_reported; /* "too many members in total" said once */
	bool device_bad;     /* a `device` value was refused: groups are not compared */
};

/* Status of a key getter. */
#define HF_CFG_ABSENT 0 /* key not present (error already added if required) */
#define HF_CFG_OK 1	/* present and valid, *out set */
#define HF_CFG_BAD (-1) /* present but invalid, error added */

static const char *const hf_top_keys[] = {
	"ports", "probe", "clusters", "ha", "unmatched", "flows", "fragments", "punt", NULL};
static const char *const hf_port_keys[] = {"name", "device", "mac", NULL};
static const char *const hf_probe_keys[] = {"pool", NULL};
static const char *const hf_flows_keys[] = {"size", "timeout_ms", NULL};
static const char *const hf_frags_keys[] = {"size", "timeout_ms", NULL};
static const char *const hf_punt_keys[] = {"arp_pps", "local_pps", "icmp_pps", "vrrp_pps", NULL};
static const char *const hf_cluster_keys[] = {
	"name", "type", "ip", "mac", "ports", "hash", "buckets", "health", "members", NULL};
static const char *const hf_health_keys[] = {
	"method", "interval_ms", "timeout_ms", "rise", "fall", "target", NULL};
static const char *const hf_member_keys[] = {
	"name", "device", "ip", "mac", "port", "weight", "state", NULL};
static const char *const hf_ha_keys[] = {
	"port", "vrid", "priority", "advert_ms", "preempt", "peer", NULL};

/* Enum spellings, indexed by the enum value. */
static const char *const hf_cluster_type_names[] = {"vpn", "firewall", "server", NULL};
static const char *const hf_hash_names[] = {"dst-ip", "src-ip", "src-dst", "5-tuple", NULL};
static const char *const hf_state_names[] = {"up", "drain", "down", NULL};
static const char *const hf_method_names[] = {"none", "arp", "icmp", "tunnel", NULL};
static const char *const hf_unmatched_names[] = {"drop", "bridge", NULL};

/* ------------------------------------------------------------------ */
/* Errors                                                             */
/* ------------------------------------------------------------------ */

static int
hf_config_line(const config_setting_t *s)
{
	return s != NULL ? (int)config_setting_source_line(s) : 0;
}

/*
 * The file name to report for a setting read from file (libconfig keeps an
 * @include name as written; it was opened relative to incdir).
 */
static const char *
hf_config_file_name(const char *main, const char *incdir, const char *file, char *buf, size_t len)
{
	if (file == NULL)
		return main;
	if (incdir == NULL || file[0] == '/' || strcmp(file, main) == 0)
		return file;
	snprintf(buf, len, "%s/%s", incdir, file);
	return buf;
}

/*
 * Add one error located at setting s (NULL: no line). When where is not
 * NULL the message reads "where: reason".
 */
static void hf_config_err(struct hf_cfg_parser *p, const config_setting_t *s, const char *where,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
hf_config_err(
	struct hf_cfg_parser *p, const config_setting_t *s, const char *where, const char *fmt, ...)
{
	char msg[HF_ERR_MSG_MAX];
	char fbuf[HF_ERR_FILE_MAX];
	const char *file;
	va_list ap;

	file = hf_config_file_name(p->file, p->incdir,
		s != NULL ? config_setting_source_file(s) : NULL, fbuf, sizeof(fbuf));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (where != NULL)
		hf_errlist_add(p->errs, file, hf_config_line(s), "%s: %s", where, msg);
	else
		hf_errlist_add(p->errs, file, hf_config_line(s), "%s", msg);
	p->nerr++;
}

static void
hf_config_nomem(struct hf_cfg_parser *p)
{
	if (!p->nomem)
		hf_config_err(p, NULL, NULL, "out of memory");
	p->nomem = true;
}

static const char *
hf_config_type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "nothing";
	}
}

/* "a, b, c" from a NULL-terminated list of names. */
static const char *
hf_config_join(const char *const *names, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; names[i] != NULL && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i > 0 ? ", " : "", names[i]);
	return buf;
}

/* Levenshtein distance, UINT_MAX for strings longer than a name. */
static unsigned int
hf_config_distance(const char *a, const char *b)
{
	unsigned int row[HF_NAME_MAX + 1];
	size_t la = strlen(a), lb = strlen(b);
	size_t i, j;

	if (la >= HF_NAME_MAX || lb >= HF_NAME_MAX)
		return UINT_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		unsigned int diag = row[0];

		row[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			unsigned int up = row[j];
			unsigned int best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Closest known key to a misspelt one, or NULL. */
static const char *
hf_config_suggest(const char *key, const char *const *known)
{
	const char *best = NULL;
	unsigned int best_d = UINT_MAX;
	unsigned int i;

	for (i = 0; known[i] != NULL; i++) {
		unsigned int d = hf_config_distance(key, known[i]);
		unsigned int limit = strlen(known[i]) <= 4 ? 1 : 2;

		/* "hashing" for "hash", "interval" for "interval_ms" */
		if (d > limit &&
			(strncmp(key, known[i], strlen(known[i])) == 0 ||
				strncmp(key, known[i], strlen(key)) == 0) &&
			strlen(key) >= 3)
			d = limit;
		if (d <= limit && d < best_d) {
			best = known[i];
			best_d = d;
		}
	}
	return best;
}

/* Every key of group g must be in known; where NULL means the top level. */
static void
hf_config_check_keys(struct hf_cfg_parser *p, const config_setting_t *g, const char *const *known,
	const char *where)
{
	int i, n = config_setting_length(g);

	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned int)i);
		const char *key = config_setting_name(s);
		const char *hint;
		unsigned int k;

		if (key == NULL)
			continue;
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(key, known[k]) == 0)
				break;
		if (known[k] != NULL)
			continue;
		hint = hf_config_suggest(key, known);
		hf_config_err(p, s, NULL, "unknown key '%s' %s%s%s%s%s", key,
			where != NULL ? "in " : "at top level", where != NULL ? where : "",
			hint != NULL ? " (did you mean '" : "", hint != NULL ? hint : "",
			hint != NULL ? "'?)" : "");
	}
}

/* ------------------------------------------------------------------ */
/* Typed getters: HF_CFG_OK, HF_CFG_ABSENT or HF_CFG_BAD              */
/* ------------------------------------------------------------------ */

static config_setting_t *
hf_config_find(struct hf_cfg_parser *p, const config_setting_t *g, const char *key,
	const char *where, bool required)
{
	config_setting_t *s = config_setting_get_member(g, key);

	if (s == NULL && required)
		hf_config_err(p, g, where, "missing required key '%s'", key);
	return s;
}

static int
hf_config_get_str(struct hf_cfg_parser *p, const config_setting_t *g, const char *key,
	const char *where, bool required, const char **out)
{
	config_setting_t *s = hf_config_find(p, g, key, where, required);

	if (s == NULL)
		return HF_CFG_ABSENT;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		hf_config_err(
			p, s, where, "'%s' must be a string, not %s", key, hf_config_type_name(s));
		return HF_CFG_BAD;
	}
	*out = config_setting_get_string(s);
	return HF_CFG_OK;
}

static int
hf_config_get_uint(struct hf_cfg_parser *p, const config_setting_t *g, const char *key,
	const char *where, bool required, long long lo, long long hi, uint32_t *out)
{
	config_setting_t *s = hf_config_find(p, g, key, where, required);
	long long v;

	if (s == NULL)
		return HF_CFG_ABSENT;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
		config_setting_type(s) != CONFIG_TYPE_INT64) {
		hf_config_err(p, s, where, "'%s' must be an integer, not %s", key,
			hf_config_type_name(s));
		return HF_CFG_BAD;
	}
	v = config_setting_get_int64(s);
	if (v < lo || v > hi) {
		hf_config_err(p, s, where, "%s %lld is out of range %lld..%lld", key, v, lo, hi);
		return HF_CFG_BAD;
	}
	*out = (uint32_t)v;
	return HF_CFG_OK;
}

static int
hf_config_get_bool(struct hf_cfg_parser *p, const config_setting_t *g, const char *key,
	const char *where, bool *out)
{
	config_setting_t *s = hf_config_find(p, g, key, where, false);

	if (s == NULL)
		return HF_CFG_ABSENT;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		hf_config_err(p, s, where, "'%s' must be a boolean (true or false), not %s", key,
			hf_config_type_name(s));
		return HF_CFG_BAD;
	}
	*out = config_setting_get_bool(s) != 0;
	return HF_CFG_OK;
}

/* A group-valued key. */
static int
hf_config_get_group(struct hf_cfg_parser *p, const config_setting_t *g, const char *key,
	const char *where, bool required, config_setting_t **out)
{
	config_setting_t *s = hf_config_find(p, g, key, where, required);

	if (s == NULL)
		return HF_CFG_ABSENT;
	if (!config_setting_is_group(s)) {
		hf_config_err(p, s, where, "'%s' must be a group { ... }, not %s", key,
			hf_config_type_name(s));
		return HF_CFG_BAD;
	}
	*out = s;
	return HF_CFG_OK;
}

/* A list ( ... ) or array [ ... ]; elements are checked by the caller. */
static int
hf_config_get_list(struct hf_cfg_parser *p, const config_setting_t *g, const char *key,
	const char *where, bool required, const char *shape, config_setting_t **out)
{
	config_setting_t *s = hf_config_find(p, g, key, where, required);

	if (s == NULL)
		return HF_CFG_ABSENT;
	if (!config_setting_is_list(s) && !config_setting_is_array(s)) {
		hf_config_err(
			p, s, where, "'%s' must be %s, not %s", key, shape, hf_config_type_name(s));
		return HF_CFG_BAD;
	}
	*out = s;
	return HF_CFG_OK;
}

static int
hf_config_get_enum(struct hf_cfg_parser *p, const config_setting_t *g, const char *key,
	const char *where, const char *const *names, int *out)
{
	const char *v;
	char list[128];
	int r, i;

	r = hf_config_get_str(p, g, key, where, false, &v);
	if (r != HF_CFG_OK)
		return r;
	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return HF_CFG_OK;
		}
	}
	hf_config_err(p, config_setting_get_member(g, key), where,
		"%s '%.64s' is not valid; expected one of: %s", key, v,
		hf_config_join(names, list, sizeof(list)));
	return HF_CFG_BAD;
}

/* A name: 1..HF_NAME_MAX-1 characters of [A-Za-z0-9_.-]. */
static bool
hf_config_name_ok(struct hf_cfg_parser *p, const config_setting_t *s, const char *where,
	const char *key, const char *v)
{
	size_t len = strlen(v);
	size_t i;

	if (len == 0) {
		hf_config_err(p, s, where, "%s must not be empty", key);
		return false;
	}
	if (len >= HF_NAME_MAX) {
		hf_config_err(p, s, where, "%s '%.40s...' is too long (%zu characters, max %d)",
			key, v, len, HF_NAME_MAX - 1);
		return false;
	}
	for (i = 0; i < len; i++) {
		char c = v[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '_' || c == '.' || c == '-')
			continue;
		hf_config_err(p, s, where,
			"%s '%s' contains '%c'; use only letters, digits, '_', '.' and '-'", key, v,
			c);
		return false;
	}
	return true;
}

/*
 * The name of an object. A name that fits is copied into out even when it
 * has bad characters, so references to it do not add a second error.
 */
static int
hf_config_get_name(struct hf_cfg_parser *p, const config_setting_t *g, const char *where,
	char out[HF_NAME_MAX])
{
	const char *v;
	int r;

	r = hf_config_get_str(p, g, "name", where, true, &v);
	if (r != HF_CFG_OK)
		return r;
	if (strlen(v) < HF_NAME_MAX)
		snprintf(out, HF_NAME_MAX, "%s", v);
	if (!hf_config_name_ok(p, config_setting_get_member(g, "name"), where, "name", v))
		return HF_CFG_BAD;
	return HF_CFG_OK;
}

/* A host address: not 0/8, loopback, multicast or 240/4 (incl. broadcast). */
static bool
hf_config_ip_is_host(uint32_t ip_be)
{
	uint32_t a = ntohl(ip_be) >> 24;

	return a != 0 && a != 127 && a < 224;
}

static int
hf_config_get_ip(struct hf_cfg_parser *p, const config_setting_t *g, const char *key,
	const char *where, bool required, uint32_t *out)
{
	config_setting_t *s;
	const char *v;
	uint32_t ip;
	int r;

	r = hf_config_get_str(p, g, key, where, required, &v);
	if (r != HF_CFG_OK)
		return r;
	s = config_setting_get_member(g, key);
	if (hf_ip4_parse(v, &ip) != 0) {
		hf_config_err(p, s, where, "%s '%.64s' is not a valid IPv4 address", key, v);
		return HF_CFG_BAD;
	}
	if (!hf_config_ip_is_host(ip)) {
		hf_config_err(p, s, where, "%s %s is not a unicast host address", key, v);
		return HF_CFG_BAD;
	}
	*out = ip;
	return HF_CFG_OK;
}

static int
hf_config_get_mac(struct hf_cfg_parser *p, const config_setting_t *g, const char *key,
	const char *where, bool required, struct hf_mac *out)
{
	config_setting_t *s;
	struct hf_mac mac;
	const char *v;
	int r;

	r = hf_config_get_str(p, g, key, where, required, &v);
	if (r != HF_CFG_OK)
		return r;
	s = config_setting_get_member(g, key);
	if (hf_mac_parse(v, &mac) != 0) {
		hf_config_err(p, s, where,
			"%s '%.64s' is not a valid MAC address (expected aa:bb:cc:dd:ee:ff)", key,
			v);
		return HF_CFG_BAD;
	}
	if (hf_mac_is_multicast(&mac)) {
		hf_config_err(p, s, where, "%s %s is a multicast/broadcast address", key, v);
		return HF_CFG_BAD;
	}
	if (hf_mac_is_zero(&mac)) {
		hf_config_err(p, s, where, "%s %s is the all-zero address", key, v);
		return HF_CFG_BAD;
	}
	*out = mac;
	return HF_CFG_OK;
}

/* Line of key inside group g, else the group's own line. */
static const config_setting_t *
hf_config_at(const config_setting_t *g, const char *key)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	return s != NULL ? s : g;
}

/* ------------------------------------------------------------------ */
/* Sections                                                           */
/* ------------------------------------------------------------------ */

static void
hf_config_parse_port(struct hf_cfg_parser *p, const config_setting_t *s, unsigned int idx)
{
	struct hf_config *cfg = p->cfg;
	struct hf_port_conf *pc = &cfg->ports[idx];
	char where[64];
	const char *dev;
	unsigned int j;

	pc->line = hf_config_line(s);
	if (!config_setting_is_group(s)) {
		hf_config_err(p, s, NULL,
			"port #%u must be a group { name = ...; device = ...; }, not %s", idx + 1,
			hf_config_type_name(s));
		return;
	}
	snprintf(where, sizeof(where), "port #%u", idx + 1);
	if (hf_config_get_name(p, s, where, pc->name) == HF_CFG_OK)
		snprintf(where, sizeof(where), "port '%s'", pc->name);
	hf_config_check_keys(p, s, hf_port_keys, where);

	if (hf_config_get_str(p, s, "device", where, true, &dev) == HF_CFG_OK) {
		size_t len = strlen(dev);

		if (len == 0 || len >= HF_DEVICE_MAX)
			hf_config_err(p, hf_config_at(s, "device"), where,
				"device must be 1..%d characters, got %zu", HF_DEVICE_MAX - 1, len);
		else if (strpbrk(dev, " \t\r\n") != NULL)
			hf_config_err(p, hf_config_at(s, "device"), where,
				"device '%s' must not contain white space", dev);
		else
			snprintf(pc->device, sizeof(pc->device), "%s", dev);
	}
	if (hf_config_get_mac(p, s, "mac", where, false, &pc->mac) == HF_CFG_OK)
		pc->has_mac = true;

	for (j = 0; j < idx; j++) {
		const struct hf_port_conf *o = &cfg->ports[j];

		if (pc->name[0] != '\0' && strcmp(pc->name, o->name) == 0)
			hf_config_err(p, hf_config_at(s, "name"), NULL,
				"duplicate port name '%s' (first defined at line %d)", pc->name,
				o->line);
		if (pc->device[0] != '\0' && strcmp(pc->device, o->device) == 0)
			hf_config_err(p, hf_config_at(s, "device"), where,
				"device '%s' is already used by port '%s' (line %d)", pc->device,
				o->name, o->line);
	}
}

static void
hf_config_parse_ports(struct hf_cfg_parser *p, const config_setting_t *root)
{
	config_setting_t *list;
	unsigned int i, n;

	if (hf_config_get_list(p, root, "ports", NULL, true,
		    "a list of port groups ( { ... }, ... )", &list) != HF_CFG_OK)
		return;
	n = (unsigned int)config_setting_length(list);
	if (n == 0) {
		hf_config_err(p, list, NULL, "'ports' must list at least one port");
		return;
	}
	if (n > HF_MAX_PORTS) {
		hf_config_err(p, list, NULL, "too many ports: %u (max %d)", n, HF_MAX_PORTS);
		n = HF_MAX_PORTS;
	}
	for (i = 0; i < n; i++)
		hf_config_parse_port(p, config_setting_get_elem(list, i), i);
	p->cfg->nb_ports = n;
}

/* Port index by name for a reference; an error at s when unknown. */
static int
hf_config_port_ref(struct hf_cfg_parser *p, const config_setting_t *s, const char *where,
	const char *key, const char *name)
{
	int idx = hf_config_port_index(p->cfg, name);

	if (idx < 0)
		hf_config_err(p, s, where, "%s '%.64s' is not a configured port", key, name);
	return idx;
}

static void
hf_config_parse_probe(struct hf_cfg_parser *p, const config_setting_t *root)
{
	struct hf_config *cfg = p->cfg;
	config_setting_t *g, *pool;
	unsigned int i, j, n;

	if (hf_config_get_group(p, root, "probe", NULL, false, &g) != HF_CFG_OK)
		return;
	hf_config_check_keys(p, g, hf_probe_keys, "probe");
	if (hf_config_get_list(p, g, "pool", "probe", true, "an array of IPv4 address strings",
		    &pool) != HF_CFG_OK)
		return;
	n = (unsigned int)config_setting_length(pool);
	if (n == 0) {
		hf_config_err(p, pool, "probe", "'pool' must list at least one address");
		return;
	}
	if (n > HF_MAX_PROBE_POOL) {
		hf_config_err(p, pool, "probe", "too many pool addresses: %u (max %d)", n,
			HF_MAX_PROBE_POOL);
		n = HF_MAX_PROBE_POOL;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(pool, i);
		const char *v;
		uint32_t ip;

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			hf_config_err(p, e, "probe", "pool entry #%u must be a string, not %s",
				i + 1, hf_config_type_name(e));
			continue;
		}
		v = config_setting_get_string(e);
		if (hf_ip4_parse(v, &ip) != 0) {
			hf_config_err(p, e, "probe",
				"pool address '%.64s' is not a valid IPv4 address", v);
			continue;
		}
		if (!hf_config_ip_is_host(ip)) {
			hf_config_err(
				p, e, "probe", "pool address %s is not a unicast host address", v);
			continue;
		}
		for (j = 0; j < cfg->nb_probe; j++)
			if (cfg->probe_pool[j] == ip)
				break;
		if (j < cfg->nb_probe) {
			hf_config_err(p, e, "probe", "pool address %s is listed twice", v);
			continue;
		}
		cfg->probe_pool[cfg->nb_probe++] = ip;
	}
}

static void
hf_config_parse_flows(struct hf_cfg_parser *p, const config_setting_t *root)
{
	config_setting_t *g;

	if (hf_config_get_group(p, root, "flows", NULL, false, &g) != HF_CFG_OK)
		return;
	hf_config_check_keys(p, g, hf_flows_keys, "flows");
	hf_config_get_uint(p, g, "size", "flows", false, 1024, HF_FLOWS_MAX, &p->cfg->flow_size);
	hf_config_get_uint(
		p, g, "timeout_ms", "flows", false, 100, 86400000, &p->cfg->flow_timeout_ms);
}

static void
hf_config_parse_fragments(struct hf_cfg_parser *p, const config_setting_t *root)
{
	config_setting_t *g;

	if (hf_config_get_group(p, root, "fragments", NULL, false, &g) != HF_CFG_OK)
		return;
	hf_config_check_keys(p, g, hf_frags_keys, "fragments");
	hf_config_get_uint(p, g, "size", "fragments", false, 4, HF_FRAGS_MAX, &p->cfg->frag_size);
	hf_config_get_uint(
		p, g, "timeout_ms", "fragments", false, 10, 60000, &p->cfg->frag_timeout_ms);
}

static void
hf_config_parse_punt(struct hf_cfg_parser *p, const config_setting_t *root)
{
	struct hf_punt_conf *pc = &p->cfg->punt;
	config_setting_t *g;

	if (hf_config_get_group(p, root, "punt", NULL, false, &g) != HF_CFG_OK)
		return;
	hf_config_check_keys(p, g, hf_punt_keys, "punt");
	hf_config_get_uint(p, g, "arp_pps", "punt", false, 10, HF_PUNT_PPS_MAX, &pc->arp_pps);
	hf_config_get_uint(p, g, "local_pps", "punt", false, 10, HF_PUNT_PPS_MAX, &pc->local_pps);
	hf_config_get_uint(p, g, "icmp_pps", "punt", false, 10, HF_PUNT_PPS_MAX, &pc->icmp_pps);
	hf_config_get_uint(p, g, "vrrp_pps", "punt", false, 10, HF_PUNT_PPS_MAX, &pc->vrrp_pps);
}

static void
hf_config_parse_health(struct hf_cfg_parser *p, const config_setting_t *cs,
	struct hf_cluster_conf *c, const char *cwhere)
{
	struct hf_health_conf *h = &c->health;
	config_setting_t *g;
	char where[96];
	int v, ri, rt;

	h->method = HF_HEALTH_NONE;
	h->interval_ms = 100;
	h->timeout_ms = 300;
	h->rise = 2;
	h->fall = 3;
	if (hf_config_get_group(p, cs, "health", cwhere, false, &g) != HF_CFG_OK)
		return;
	snprintf(where, sizeof(where), "health of %s", cwhere);
	hf_config_check_keys(p, g, hf_health_keys, where);

	h->method = HF_HEALTH_ARP;
	if (hf_config_get_enum(p, g, "method", where, hf_method_names, &v) == HF_CFG_OK)
		h->method = (enum hf_health_method)v;
	ri = hf_config_get_uint(p, g, "interval_ms", where, false, 10, 60000, &h->interval_ms);
	rt = hf_config_get_uint(p, g, "timeout_ms", where, false, 1, 60000, &h->timeout_ms);
	hf_config_get_uint(p, g, "rise", where, false, 1, 100, &h->rise);
	hf_config_get_uint(p, g, "fall", where, false, 1, 100, &h->fall);
	if (hf_config_get_ip(p, g, "target", where, false, &h->target) == HF_CFG_ABSENT &&
		h->method == HF_HEALTH_TUNNEL)
		hf_config_err(p, g, where,
			"method 'tunnel' requires 'target' (the far-end address to ping)");
	/*
	 * Replies to icmp and tunnel probes are matched by sequence number
	 * through a window of HF_HEALTH_MAX_OUTSTANDING consecutive numbers
	 * (hf_health_window): every probe still waiting must be among the
	 * last that many sent, so timeout_ms may not pass that many intervals.
	 */
	if ((h->method == HF_HEALTH_ICMP || h->method == HF_HEALTH_TUNNEL) &&
		ri != HF_CFG_BAD && rt != HF_CFG_BAD &&
		(uint64_t)h->timeout_ms > (uint64_t)HF_HEALTH_MAX_OUTSTANDING * h->interval_ms)
		hf_config_err(p, hf_config_at(g, rt == HF_CFG_OK ? "timeout_ms" : "interval_ms"),
			where,
			"timeout_ms %u is more than %u x interval_ms %u = %u: method '%s' allows at "
			"most %u probes outstanding (HF_HEALTH_MAX_OUTSTANDING); lower timeout_ms "
			"or raise interval_ms",
			h->timeout_ms, HF_HEALTH_MAX_OUTSTANDING, h->interval_ms,
			HF_HEALTH_MAX_OUTSTANDING * h->interval_ms, hf_method_names[h->method],
			HF_HEALTH_MAX_OUTSTANDING);
}

static void
hf_config_parse_member(struct hf_cfg_parser *p, const config_setting_t *s,
	struct hf_cluster_conf *c, unsigned int idx)
{
	struct hf_member_conf *m = &c->members[idx];
	const config_setting_t *ps;
	char where[128];
	char ipbuf[HF_IP4_STRLEN];
	const char *pname, *dname;
	bool dev_reported = false;
	unsigned int j;
	int v;

	m->line = hf_config_line(s);
	m->weight = 1;
	m->state = HF_ADMIN_UP;
	if (!config_setting_is_group(s)) {
		hf_config_err(p, s, NULL,
			"member #%u of cluster '%s' must be a group { ... }, not %s", idx + 1,
			c->name, hf_config_type_name(s));
		return;
	}
	snprintf(where, sizeof(where), "member #%u of cluster '%s'", idx + 1, c->name);
	if (hf_config_get_name(p, s, where, m->name) == HF_CFG_OK)
		snprintf(where, sizeof(where), "member '%s' of cluster '%s'", m->name, c->name);
	hf_config_check_keys(p, s, hf_member_keys, where);

	hf_config_get_ip(p, s, "ip", where, true, &m->ip);
	if (hf_config_get_mac(p, s, "mac", where, false, &m->mac) == HF_CFG_OK)
		m->has_mac = true;
	ps = hf_config_at(s, "port");
	if (hf_config_get_str(p, s, "port", where, true, &pname) == HF_CFG_OK) {
		v = hf_config_port_ref(p, ps, where, "port", pname);
		if (v >= 0)
			m->port = (uint16_t)v;
	}
	hf_config_get_uint(p, s, "weight", where, false, 1, 100, &m->weight);
	if (hf_config_get_enum(p, s, "state", where, hf_state_names, &v) == HF_CFG_OK)
		m->state = (enum hf_admin_state)v;
	/* a device name that fits is kept even when bad, as names are: no follow-on errors */
	v = hf_config_get_str(p, s, "device", where, false, &dname);
	if (v == HF_CFG_BAD ||
		(v == HF_CFG_OK &&
			!hf_config_name_ok(p, hf_config_at(s, "device"), where, "device", dname)))
		p->device_bad = true;
	if (v == HF_CFG_OK && strlen(dname) < HF_NAME_MAX)
		snprintf(m->device, sizeof(m->device), "%s", dname);
	m->key = m->device[0] != '\0' ? hf_config_device_key(m->device) : m->ip;

	for (j = 0; j < idx; j++) {
		const struct hf_member_conf *o = &c->members[j];

		if (m->device[0] != '\0' && !dev_reported && strcmp(m->device, o->device) == 0) {
			hf_config_err(p, hf_config_at(s, "device"), where,
				"device '%s' is already member '%s' of this cluster (line %d): a "
				"device has one leg per cluster",
				m->device, o->name, o->line);
			dev_reported = true;
		} else if (m->device[0] != '\0' && !dev_reported && o->device[0] != '\0' &&
			m->key == o->key) {
			hf_config_err(p, hf_config_at(s, "device"), where,
				"device names '%s' and '%s' (member '%s', line %d) have the same "
				"bucket-table key; rename one",
				m->device, o->device, o->name, o->line);
			dev_reported = true;
		}

		if (m->name[0] != '\0' && strcmp(m->name, o->name) == 0)
			hf_config_err(p, hf_config_at(s, "name"), NULL,
				"duplicate member name '%s' in cluster '%s' (first at line %d)",
				m->name, c->name, o->line);
		if (m->ip != 0 && m->ip == o->ip)
			hf_config_err(p, hf_config_at(s, "ip"), where,
				"ip %s is already used by member '%s' (line %d)",
				hf_ip4_str(m->ip, ipbuf), o->name, o->line);
	}
}

/* Cluster "ports": names of the ports where proxy ARP answers. */
static void
hf_config_parse_cluster_ports(struct hf_cfg_parser *p, const config_setting_t *cs,
	struct hf_cluster_conf *c, const char *where)
{
	config_setting_t *list;
	unsigned int i, n;

	if (hf_config_get_list(p, cs, "ports", where, true, "an array of port names [ \"...\" ]",
		    &list) != HF_CFG_OK)
		return;
	n = (unsigned int)config_setting_length(list);
	if (n == 0) {
		hf_config_err(p, list, where, "'ports' must name at least one port");
		return;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(list, i);
		const char *name;
		int idx;

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			hf_config_err(p, e, where,
				"'ports' entry #%u must be a port name string, not %s", i + 1,
				hf_config_type_name(e));
			continue;
		}
		name = config_setting_get_string(e);
		idx = hf_config_port_ref(p, e, where, "'ports' entry", name);
		if (idx < 0)
			continue;
		if (c->port_mask & (1u << idx))
			hf_config_err(p, e, where, "port '%s' is listed twice in 'ports'", name);
		c->port_mask |= 1u << idx;
	}
}

static void
hf_config_parse_members(struct hf_cfg_parser *p, const config_setting_t *cs,
	struct hf_cluster_conf *c, const char *where)
{
	struct hf_config *cfg = p->cfg;
	config_setting_t *list;
	unsigned int i, n;

	if (hf_config_get_list(p, cs, "members", where, true,
		    "a list of member groups ( { ... }, ... )", &list) != HF_CFG_OK)
		return;
	n = (unsigned int)config_setting_length(list);
	if (n == 0) {
		hf_config_err(p, list, where, "cluster has no members");
		return;
	}
	if (n > HF_MAX_MEMBERS) {
		hf_config_err(p, list, where, "too many members: %u (max %d per cluster)", n,
			HF_MAX_MEMBERS);
		n = HF_MAX_MEMBERS;
	}
	if (cfg->nb_members_total + n > HF_MAX_MEMBERS_TOTAL && !p->total_reported) {
		hf_config_err(p, list, where, "too many members in total: more than %d",
			HF_MAX_MEMBERS_TOTAL);
		p->total_reported = true;
	}
	c->members = calloc(n, sizeof(*c->members));
	if (c->members == NULL) {
		hf_config_nomem(p);
		return;
	}
	c->nb_members = n;
	cfg->nb_members_total += n;
	for (i = 0; i < n; i++)
		hf_config_parse_member(p, config_setting_get_elem(list, i), c, i);
}

static void
hf_config_parse_cluster(struct hf_cfg_parser *p, const config_setting_t *cs, unsigned int idx)
{
	struct hf_config *cfg = p->cfg;
	struct hf_cluster_conf *c = &cfg->clusters[idx];
	char ipbuf[HF_IP4_STRLEN];
	char where[64];
	bool buckets_ok;
	unsigned int j;
	int v;

	c->line = hf_config_line(cs);
	c->type = HF_CLUSTER_VPN;
	c->hash = HF_HASH_DST_IP;
	c->buckets = HF_BUCKETS_DEFAULT;
	if (!config_setting_is_group(cs)) {
		hf_config_err(p, cs, NULL, "cluster #%u must be a group { ... }, not %s", idx + 1,
			hf_config_type_name(cs));
		return;
	}
	snprintf(where, sizeof(where), "cluster #%u", idx + 1);
	if (hf_config_get_name(p, cs, where, c->name) == HF_CFG_OK)
		snprintf(where, sizeof(where), "cluster '%s'", c->name);
	else if (c->name[0] == '\0')
		snprintf(c->name, sizeof(c->name), "#%u", idx + 1);
	hf_config_check_keys(p, cs, hf_cluster_keys, where);

	if (hf_config_get_enum(p, cs, "type", where, hf_cluster_type_names, &v) == HF_CFG_OK)
		c->type = (enum hf_cluster_type)v;
	hf_config_get_ip(p, cs, "ip", where, true, &c->ip);
	hf_config_get_mac(p, cs, "mac", where, true, &c->mac);
	hf_config_parse_cluster_ports(p, cs, c, where);
	if (hf_config_get_enum(p, cs, "hash", where, hf_hash_names, &v) == HF_CFG_OK)
		c->hash = (enum hf_hash_mode)v;
	buckets_ok = hf_config_get_uint(p, cs, "buckets", where, false, HF_BUCKETS_MIN,
			     HF_BUCKETS_MAX, &c->buckets) != HF_CFG_BAD;
	if (buckets_ok && (c->buckets & (c->buckets - 1)) != 0) {
		hf_config_err(p, hf_config_at(cs, "buckets"), where,
			"buckets %u is not a power of two", c->buckets);
		buckets_ok = false;
	}
	hf_config_parse_health(p, cs, c, where);
	hf_config_parse_members(p, cs, c, where);
	if (buckets_ok && c->buckets < c->nb_members)
		hf_config_err(p, hf_config_at(cs, "buckets"), where,
			"buckets %u is smaller than the member count %u", c->buckets,
			c->nb_members);

	for (j = 0; j < idx; j++) {
		const struct hf_cluster_conf *o = &cfg->clusters[j];

		if (c->name[0] != '#' && strcmp(c->name, o->name) == 0)
			hf_config_err(p, hf_config_at(cs, "name"), NULL,
				"duplicate cluster name '%s' (first defined at line %d)", c->name,
				o->line);
		if (c->ip != 0 && c->ip == o->ip)
			hf_config_err(p, hf_config_at(cs, "ip"), where,
				"ip %s is already the IP of cluster '%s' (line %d)",
				hf_ip4_str(c->ip, ipbuf), o->name, o->line);
	}
}

static void
hf_config_parse_clusters(struct hf_cfg_parser *p, const config_setting_t *root)
{
	struct hf_config *cfg = p->cfg;
	config_setting_t *list = NULL;
	unsigned int i, n = 0;
	int r;

	r = hf_config_get_list(p, root, "clusters", NULL, false,
		"a list of cluster groups ( { ... }, ... )", &list);
	if (r == HF_CFG_BAD)
		return;
	if (r == HF_CFG_OK)
		n = (unsigned int)config_setting_length(list);
	if (n == 0) {
		/* A pure L2 bridge is a valid (if unusual) set-up; a box that
		 * drops everything is not. */
		if (cfg->unmatched != HF_UNMATCHED_BRIDGE)
			hf_config_err(p, list, NULL,
				"no clusters and unmatched = \"drop\": every frame would be "
				"dropped; add a cluster or set unmatched = \"bridge\"");
		return;
	}
	if (n > HF_MAX_CLUSTERS) {
		hf_config_err(p, list, NULL, "too many clusters: %u (max %d)", n, HF_MAX_CLUSTERS);
		n = HF_MAX_CLUSTERS;
	}
	cfg->clusters = calloc(n, sizeof(*cfg->clusters));
	if (cfg->clusters == NULL) {
		hf_config_nomem(p);
		return;
	}
	cfg->nb_clusters = n;
	for (i = 0; i < n && !p->nomem; i++)
		hf_config_parse_cluster(p, config_setting_get_elem(list, i), i);
}

static void
hf_config_parse_ha(struct hf_cfg_parser *p, const config_setting_t *root)
{
	struct hf_ha_conf *ha = &p->cfg->ha;
	config_setting_t *g;
	const char *pname;
	uint32_t v;
	int idx;

	if (hf_config_get_group(p, root, "ha", NULL, false, &g) != HF_CFG_OK)
		return;
	ha->enabled = true;
	ha->line = hf_config_line(g);
	hf_config_check_keys(p, g, hf_ha_keys, "ha");
	if (hf_config_get_str(p, g, "port", "ha", true, &pname) == HF_CFG_OK) {
		idx = hf_config_port_ref(p, hf_config_at(g, "port"), "ha", "port", pname);
		if (idx >= 0)
			ha->port = (uint16_t)idx;
	}
	if (hf_config_get_uint(p, g, "vrid", "ha", true, 1, 255, &v) == HF_CFG_OK)
		ha->vrid = (uint8_t)v;
	if (hf_config_get_uint(p, g, "priority", "ha", false, 1, 254, &v) == HF_CFG_OK)
		ha->priority = (uint8_t)v;
	if (hf_config_get_uint(p, g, "advert_ms", "ha", false, 10, 40950, &ha->advert_ms) ==
			HF_CFG_OK &&
		ha->advert_ms % 10 != 0)
		hf_config_err(p, hf_config_at(g, "advert_ms"), "ha",
			"advert_ms %u is not a multiple of 10 (VRRPv3 counts centiseconds)",
			ha->advert_ms);
	hf_config_get_bool(p, g, "preempt", "ha", &ha->preempt);
	hf_config_get_ip(p, g, "peer", "ha", false, &ha->peer);
}

/* ------------------------------------------------------------------ */
/* Cross checks over the whole file                                   */
/* ------------------------------------------------------------------ */

struct hf_cfg_key {
	uint64_t key;	  /* IPv4 (host order) or MAC key */
	uint32_t cluster; /* index of the cluster holding it */
};

static int
hf_config_key_cmp(const void *a, const void *b)
{
	const struct hf_cfg_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->cluster < y->cluster ? -1 : (x->cluster > y->cluster);
}

static const struct hf_cfg_key *
hf_config_key_find(const struct hf_cfg_key *tab, uint32_t n, uint64_t key)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (tab[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && tab[lo].key == key ? &tab[lo] : NULL;
}

/* Group of cluster i in the tree, or NULL. */
static const config_setting_t *
hf_config_cluster_elem(const config_setting_t *root, uint32_t i)
{
	const config_setting_t *cl = config_setting_get_member(root, "clusters");
	const config_setting_t *cs;

	if (cl == NULL || !config_setting_is_aggregate(cl))
		return NULL;
	cs = config_setting_get_elem(cl, i);
	return cs != NULL && config_setting_is_group(cs) ? cs : NULL;
}

/* Group of member j of cluster i in the tree, or NULL. */
static const config_setting_t *
hf_config_member_elem(const config_setting_t *root, uint32_t i, uint32_t j)
{
	const config_setting_t *cs = hf_config_cluster_elem(root, i);
	const config_setting_t *ml, *ms;

	if (cs == NULL || (ml = config_setting_get_member(cs, "members")) == NULL ||
		!config_setting_is_aggregate(ml))
		return NULL;
	ms = config_setting_get_elem(ml, j);
	return ms != NULL && config_setting_is_group(ms) ? ms : NULL;
}

/* Member IPs and MACs against every cluster's IP and MAC. */
static void
hf_config_check_members(struct hf_cfg_parser *p, const config_setting_t *root)
{
	struct hf_config *cfg = p->cfg;
	struct hf_cfg_key *ips, *macs;
	char buf[HF_MAC_STRLEN];
	uint32_t i, j;

	if (cfg->nb_clusters == 0)
		return;
	ips = calloc(cfg->nb_clusters, sizeof(*ips));
	macs = calloc(cfg->nb_clusters, sizeof(*macs));
	if (ips == NULL || macs == NULL) {
		free(ips);
		free(macs);
		hf_config_nomem(p);
		return;
	}
	for (i = 0; i < cfg->nb_clusters; i++) {
		ips[i].key = ntohl(cfg->clusters[i].ip);
		ips[i].cluster = i;
		macs[i].key = hf_mac_key(cfg->clusters[i].mac.b);
		macs[i].cluster = i;
	}
	qsort(ips, cfg->nb_clusters, sizeof(*ips), hf_config_key_cmp);
	qsort(macs, cfg->nb_clusters, sizeof(*macs), hf_config_key_cmp);

	for (i = 0; i < cfg->nb_clusters; i++) {
		const struct hf_cluster_conf *c = &cfg->clusters[i];

		for (j = 0; j < c->nb_members; j++) {
			const struct hf_member_conf *m = &c->members[j];
			const config_setting_t *ms = hf_config_member_elem(root, i, j);
			const struct hf_cfg_key *k;
			char where[128];

			snprintf(where, sizeof(where), "member '%s' of cluster '%s'", m->name,
				c->name);
			if (m->ip != 0 && (k = hf_config_key_find(
						   ips, cfg->nb_clusters, ntohl(m->ip))) != NULL)
				hf_config_err(p, ms != NULL ? hf_config_at(ms, "ip") : NULL, where,
					"ip %s is the IP of cluster '%s' (line %d)",
					hf_ip4_str(m->ip, buf), cfg->clusters[k->cluster].name,
					cfg->clusters[k->cluster].line);
			if (m->has_mac && (k = hf_config_key_find(macs, cfg->nb_clusters,
						   hf_mac_key(m->mac.b))) != NULL)
				hf_config_err(p, ms != NULL ? hf_config_at(ms, "mac") : NULL, where,
					"mac %s is the MAC of cluster '%s' (line %d)",
					hf_mac_str(&m->mac, buf), cfg->clusters[k->cluster].name,
					cfg->clusters[k->cluster].line);
		}
	}
	free(ips);
	free(macs);
}

/* ------------------------------------------------------------------ */
/* Devices: members of several clusters that are one device           */
/* ------------------------------------------------------------------ */

uint32_t
hf_config_device_key(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a 64 */

	for (; *name != '\0'; name++)
		h = (h ^ (uint8_t)*name) * 0x100000001b3ull;
	return htonl((uint32_t)(hf_mix64(h) >> 32));
}

/* One member naming a device. */
struct hf_cfg_leg {
	const char *device;
	uint32_t ci;   /* cluster index */
	uint32_t mi;   /* member index in the cluster */
	uint32_t g;    /* global member index */
};

static int
hf_config_leg_cmp(const void *a, const void *b)
{
	const struct hf_cfg_leg *x = a, *y = b;
	int c = strcmp(x->device, y->device);

	if (c != 0)
		return c;
	return x->ci < y->ci ? -1 : (x->ci > y->ci);
}

/* Order of devices: by group, then name. */
static int
hf_config_dev_cmp(const void *a, const void *b)
{
	const struct hf_device_conf *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return strcmp(x->name, y->name);
}

static uint32_t
hf_config_find_root(uint32_t *parent, uint32_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

/* The leg of device `device` in cluster ci among the sorted legs, or NULL. */
static const struct hf_cfg_leg *
hf_config_leg_find(const struct hf_cfg_leg *legs, uint32_t n, const char *device, uint32_t ci)
{
	struct hf_cfg_leg k = {.device = device, .ci = ci};

	return bsearch(&k, legs, n, sizeof(*legs), hf_config_leg_cmp);
}

/* Cluster c against the first cluster a of its group (see hf_config_check_devices). */
static void
hf_config_check_group_member(struct hf_cfg_parser *p, const config_setting_t *root,
	const struct hf_cfg_leg *legs, uint32_t nb_legs, uint32_t ai, uint32_t ci)
{
	const struct hf_config *cfg = p->cfg;
	const struct hf_cluster_conf *a = &cfg->clusters[ai], *c = &cfg->clusters[ci];
	const config_setting_t *cs = hf_config_cluster_elem(root, ci);
	char where[64];
	uint32_t j;

	snprintf(where, sizeof(where), "cluster '%s'", c->name);
	if (c->buckets != a->buckets)
		hf_config_err(p, cs != NULL ? hf_config_at(cs, "buckets") : NULL, where,
			"buckets %u differs from %u of cluster '%s' (line %d), which shares its "
			"devices: clusters that share devices must have the same bucket table size",
			c->buckets, a->buckets, a->name, a->line);
	/* what a has and c lacks */
	for (j = 0; j < a->nb_members; j++) {
		const struct hf_member_conf *am = &a->members[j];

		if (am->device[0] != '\0' &&
			hf_config_leg_find(legs, nb_legs, am->device, ci) == NULL)
			hf_config_err(p, cs, where,
				"no member is device '%s', which is member '%s' of cluster '%s' "
				"(line %d): clusters that share devices must have the same devices",
				am->device, am->name, a->name, am->line);
	}
	/* what c has and a lacks, and weights */
	for (j = 0; j < c->nb_members; j++) {
		const struct hf_member_conf *m = &c->members[j];
		const config_setting_t *ms = hf_config_member_elem(root, ci, j);
		const struct hf_cfg_leg *al;
		char mwhere[128];

		if (m->device[0] == '\0')
			continue;
		snprintf(mwhere, sizeof(mwhere), "member '%s' of cluster '%s'", m->name, c->name);
		al = hf_config_leg_find(legs, nb_legs, m->device, ai);
		if (al == NULL) {
			hf_config_err(p, ms != NULL ? hf_config_at(ms, "device") : NULL, mwhere,
				"device '%s' has no member in cluster '%s' (line %d), which shares "
				"other devices with this cluster: clusters that share devices must "
				"have the same devices",
				m->device, a->name, a->line);
			continue;
		}
		if (m->weight != a->members[al->mi].weight)
			hf_config_err(p, ms != NULL ? hf_config_at(ms, "weight") : NULL, mwhere,
				"weight %u differs from weight %u of member '%s' of cluster '%s' "
				"(line %d), the same device '%s': the legs of a device must have "
				"the same weight",
				m->weight, a->members[al->mi].weight, a->members[al->mi].name, a->name,
				a->members[al->mi].line, m->device);
	}
}

/*
 * The `device` keys. In a cluster, every member names a device or none
 * does. Clusters that share a device (directly or through others) form a
 * group; each cluster of a group has the same devices with the same
 * weights, the same buckets, and hash "src-dst", so that their bucket
 * tables agree device for device and a conversation's two directions,
 * one through each cluster, pick the same device. Derives each cluster's
 * group and the device list (config.h) as it goes.
 */
static void
hf_config_check_devices(struct hf_cfg_parser *p, const config_setting_t *root)
{
	struct hf_config *cfg = p->cfg;
	struct hf_cfg_leg *legs = NULL;
	uint32_t *parent = NULL;
	uint32_t ci, mi, i, j, g = 0, n = 0, nd = 0;
	bool mixed_err = false;   /* a cluster mixes members with and without devices */

	for (ci = 0; ci < cfg->nb_clusters; ci++) {
		const struct hf_cluster_conf *c = &cfg->clusters[ci];
		uint32_t with = 0, first = HF_CFG_NONE;

		cfg->clusters[ci].group = ci;
		for (mi = 0; mi < c->nb_members; mi++)
			if (c->members[mi].device[0] != '\0') {
				with++;
				if (first == HF_CFG_NONE)
					first = mi;
			}
		n += with;
		if (with == 0 || with == c->nb_members)
			continue;
		mixed_err = true;
		for (mi = 0; mi < c->nb_members; mi++) {
			const struct hf_member_conf *m = &c->members[mi];
			char where[128];

			if (m->device[0] != '\0')
				continue;
			snprintf(where, sizeof(where), "member '%s' of cluster '%s'", m->name,
				c->name);
			hf_config_err(p, hf_config_member_elem(root, ci, mi), where,
				"has no device, but %u of this cluster's members have one (e.g. "
				"'%s', line %d): give every member of a cluster a device, or none",
				with, c->members[first].name, c->members[first].line);
		}
	}
	cfg->member_device = malloc((cfg->nb_members_total ? cfg->nb_members_total : 1) *
				    sizeof(*cfg->member_device));
	if (cfg->member_device == NULL)
		goto nomem;
	for (g = 0; g < cfg->nb_members_total; g++)
		cfg->member_device[g] = HF_CFG_NONE;
	if (n == 0)
		return;
	legs = calloc(n, sizeof(*legs));
	parent = malloc(cfg->nb_clusters * sizeof(*parent));
	cfg->devices = calloc(n, sizeof(*cfg->devices));
	cfg->device_legs = calloc(n, sizeof(*cfg->device_legs));
	if (legs == NULL || parent == NULL || cfg->devices == NULL || cfg->device_legs == NULL)
		goto nomem;
	for (ci = 0, g = 0, i = 0; ci < cfg->nb_clusters; ci++) {
		parent[ci] = ci;
		for (mi = 0; mi < cfg->clusters[ci].nb_members; mi++, g++)
			if (cfg->clusters[ci].members[mi].device[0] != '\0')
				legs[i++] = (struct hf_cfg_leg){
					cfg->clusters[ci].members[mi].device, ci, mi, g};
	}
	qsort(legs, n, sizeof(*legs), hf_config_leg_cmp);
	/* groups: clusters joined by a device they share; the root is the lowest index */
	for (i = 1; i < n; i++)
		if (strcmp(legs[i].device, legs[i - 1].device) == 0) {
			uint32_t x = hf_config_find_root(parent, legs[i - 1].ci);
			uint32_t y = hf_config_find_root(parent, legs[i].ci);

			if (x < y)
				parent[y] = x;
			else if (y < x)
				parent[x] = y;
		}
	for (ci = 0; ci < cfg->nb_clusters; ci++)
		cfg->clusters[ci].group = hf_config_find_root(parent, ci);
	for (ci = 0; ci < cfg->nb_clusters; ci++) {
		const struct hf_cluster_conf *c = &cfg->clusters[ci];
		const config_setting_t *cs;
		uint32_t other = c->group;

		if (other == ci) {
			/* the group's first cluster: its hash matters if others joined it */
			for (other = ci + 1; other < cfg->nb_clusters; other++)
				if (cfg->clusters[other].group == ci)
					break;
			if (other == cfg->nb_clusters)
				continue;
		}
		cs = hf_config_cluster_elem(root, ci);
		if (c->hash != HF_HASH_SRC_DST)
			hf_config_err(p, cs != NULL ? hf_config_at(cs, "hash") : NULL, NULL,
				"cluster '%s' shares devices with cluster '%s' (line %d): its hash "
				"must be \"src-dst\" (both directions of a conversation must pick "
				"the same device), not \"%s\"",
				c->name, cfg->clusters[other].name, cfg->clusters[other].line,
				hf_hash_names[c->hash]);
		/* a cluster missing devices for members without one, or a bad
		 * device name: said already, comparing would only repeat it */
		if (c->group != ci && !mixed_err && !p->device_bad)
			hf_config_check_group_member(p, root, legs, n, c->group, ci);
	}
	/* the devices: one per name; first_leg indexes legs until they are laid out */
	for (i = 0; i < n; i = j) {
		struct hf_device_conf *d = &cfg->devices[nd++];

		snprintf(d->name, sizeof(d->name), "%s", legs[i].device);
		d->group = cfg->clusters[legs[i].ci].group;
		for (j = i; j < n && strcmp(legs[j].device, legs[i].device) == 0; j++)
			;
		d->first_leg = i;
		d->nb_legs = j - i;
	}
	qsort(cfg->devices, nd, sizeof(*cfg->devices), hf_config_dev_cmp);
	for (i = 0, j = 0; i < nd; i++) {
		struct hf_device_conf *d = &cfg->devices[i];
		uint32_t k, first = d->first_leg;

		d->slot = i > 0 && cfg->devices[i - 1].group == d->group ?
				  cfg->devices[i - 1].slot + 1 : 0;
		d->first_leg = j;
		for (k = 0; k < d->nb_legs; k++) {
			cfg->device_legs[j++] = legs[first + k].g;
			cfg->member_device[legs[first + k].g] = i;
		}
	}
	cfg->nb_devices = nd;
	free(legs);
	free(parent);
	return;
nomem:
	free(legs);
	free(parent);
	hf_config_nomem(p);
}

/* Probe pool addresses against cluster and member IPs. */
static void
hf_config_check_probe(struct hf_cfg_parser *p, const config_setting_t *root)
{
	struct hf_config *cfg = p->cfg;
	const config_setting_t *g = config_setting_get_member(root, "probe");
	const config_setting_t *pool = g != NULL ? config_setting_get_member(g, "pool") : NULL;
	uint32_t done[HF_MAX_PROBE_POOL];
	char buf[HF_IP4_STRLEN];
	uint32_t i, e, c, m, nb_done = 0;

	if (pool == NULL || !config_setting_is_aggregate(pool))
		return;
	for (e = 0; e < (uint32_t)config_setting_length(pool) && e < HF_MAX_PROBE_POOL; e++) {
		const config_setting_t *s = config_setting_get_elem(pool, e);
		uint32_t ip;

		if (config_setting_type(s) != CONFIG_TYPE_STRING ||
			hf_ip4_parse(config_setting_get_string(s), &ip) != 0)
			continue;
		/* Only addresses kept in the pool, each once. */
		for (i = 0; i < cfg->nb_probe; i++)
			if (cfg->probe_pool[i] == ip)
				break;
		if (i == cfg->nb_probe)
			continue;
		for (i = 0; i < nb_done; i++)
			if (done[i] == ip)
				break;
		if (i < nb_done)
			continue;
		done[nb_done++] = ip;
		for (c = 0; c < cfg->nb_clusters; c++) {
			const struct hf_cluster_conf *cc = &cfg->clusters[c];
			char cwhere[64];

			snprintf(cwhere, sizeof(cwhere), "cluster '%s'", cc->name);
			if (cc->ip == ip)
				hf_config_err(p, s, "probe",
					"pool address %s is the IP of cluster '%s' (line %d)",
					hf_ip4_str(ip, buf), cc->name, cc->line);
			for (m = 0; m < cc->nb_members; m++)
				if (cc->members[m].ip == ip)
					hf_config_err(p, s, "probe",
						"pool address %s is the IP of member '%s' of %s",
						hf_ip4_str(ip, buf), cc->members[m].name, cwhere);
		}
	}
}

#define HF_PROBE_HINT "add probe = { pool = [ \"...\" ]; }"

/*
 * The control plane needs an address of its own for ARP/ICMP probes, ARP
 * resolution of members without a MAC and VRRP adverts: without a probe
 * block, say which setting needs one (once).
 */
static void
hf_config_check_probe_needed(struct hf_cfg_parser *p, const config_setting_t *root)
{
	const struct hf_config *cfg = p->cfg;
	uint32_t c, m;

	if (config_setting_get_member(root, "probe") != NULL)
		return;
	for (c = 0; c < cfg->nb_clusters; c++) {
		const struct hf_cluster_conf *cc = &cfg->clusters[c];
		const config_setting_t *cs = hf_config_cluster_elem(root, c);
		const config_setting_t *hs = NULL;
		char where[128];

		if (cs != NULL)
			hs = config_setting_get_member(cs, "health");
		if (cc->health.method != HF_HEALTH_NONE) {
			snprintf(where, sizeof(where), "cluster '%s'", cc->name);
			hf_config_err(p, hs != NULL ? hf_config_at(hs, "method") : cs, where,
				"health method '%s' needs a probe address; %s",
				hf_health_method_str(cc->health.method), HF_PROBE_HINT);
			return;
		}
		for (m = 0; m < cc->nb_members; m++) {
			const struct hf_member_conf *mb = &cc->members[m];

			if (mb->has_mac || mb->ip == 0)
				continue;
			snprintf(where, sizeof(where), "member '%s' of cluster '%s'", mb->name,
				cc->name);
			hf_config_err(p, hf_config_member_elem(root, c, m), where,
				"no 'mac', and resolving it by ARP needs a probe address; %s",
				HF_PROBE_HINT);
			return;
		}
	}
	if (cfg->ha.enabled)
		hf_config_err(p, config_setting_get_member(root, "ha"), NULL,
			"ha needs a probe address as the VRRP source; %s", HF_PROBE_HINT);
}

void
hf_config_probe_budget(
	const struct hf_config *cfg, uint32_t nb_clusters, struct hf_probe_budget *out)
{
	uint64_t mpps = 0, burst = 0; /* mpps: thousandths of a reply a second */
	uint32_t c, m;

	for (c = 0; c < nb_clusters && c < cfg->nb_clusters; c++) {
		const struct hf_cluster_conf *cc = &cfg->clusters[c];
		const struct hf_health_conf *h = &cc->health;
		uint32_t ival = h->interval_ms ? h->interval_ms : 1;
		uint32_t fly = (h->timeout_ms + ival - 1) / ival;

		if (fly == 0)
			fly = 1;
		if (fly > HF_HEALTH_MAX_OUTSTANDING)
			fly = HF_HEALTH_MAX_OUTSTANDING;
		for (m = 0; m < cc->nb_members; m++) {
			if (h->method != HF_HEALTH_NONE) {
				mpps += 1000000u / ival;
				burst += fly;
			}
			/* the monitor refreshes an unconfigured MAC unless ARP probes do */
			if (!cc->members[m].has_mac && h->method != HF_HEALTH_ARP) {
				mpps += 1000000u / HF_MAC_REFRESH_MS;
				burst += 1;
			}
		}
	}
	out->pps = (HF_PROBE_REPLY_HEADROOM * mpps + 999) / 1000;
	out->burst = HF_PROBE_REPLY_HEADROOM * burst;
}

/*
 * The health replies the clusters' probes bring back must fit what the
 * control lcore is given for them: refuse at the cluster that goes over.
 */
static void
hf_config_check_probe_rate(struct hf_cfg_parser *p, const config_setting_t *root)
{
	const struct hf_config *cfg = p->cfg;
	struct hf_probe_budget b;
	uint32_t c;

	for (c = 1; c <= cfg->nb_clusters; c++) {
		const struct hf_cluster_conf *cc = &cfg->clusters[c - 1];
		const config_setting_t *cs = hf_config_cluster_elem(root, c - 1);
		const config_setting_t *hs =
			cs != NULL ? config_setting_get_member(cs, "health") : NULL;
		char where[128];

		hf_config_probe_budget(cfg, c, &b);
		if (b.pps <= HF_PROBE_REPLY_PPS_MAX)
			continue;
		snprintf(where, sizeof(where), "health of cluster '%s'", cc->name);
		hf_config_err(p, hs != NULL ? hs : cs, where,
			"health probes of the clusters up to this one bring back %" PRIu64
			" replies a second (%ux headroom included: members x 1000 / interval_ms, "
			"plus ARP refreshes), over the %u the control lcore takes; "
			"raise interval_ms or probe fewer members",
			b.pps, HF_PROBE_REPLY_HEADROOM, HF_PROBE_REPLY_PPS_MAX);
		return;
	}
}

/* ------------------------------------------------------------------ */
/* Entry points                                                       */
/* ------------------------------------------------------------------ */

void
hf_config_free(struct hf_config *cfg)
{
	uint32_t i;

	if (cfg == NULL)
		return;
	if (cfg->clusters != NULL)
		for (i = 0; i < cfg->nb_clusters; i++)
			free(cfg->clusters[i].members);
	free(cfg->clusters);
	free(cfg->member_cluster);
	free(cfg->member_by_ip);
	if (cfg->member_ip_tab != NULL)
		hf_addrtab_free(cfg->member_ip_tab);
	free(cfg->member_ip_tab);
	free(cfg->devices);
	free(cfg->device_legs);
	free(cfg->member_device);
	free(cfg);
}

static int
ref_cmp(const void *a, const void *b)
{
	const struct hf_member_ref *x = a, *y = b;

	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return x->g < y->g ? -1 : x->g > y->g;
}

/* The derived indexes of a valid config (see config.h). 0 or -ENOMEM. */
static int
hf_config_index(struct hf_config *cfg)
{
	uint32_t n = cfg->nb_members_total, ci, mi, g = 0;

	cfg->member_cluster = calloc(n ? n : 1, sizeof(*cfg->member_cluster));
	cfg->member_by_ip = calloc(n ? n : 1, sizeof(*cfg->member_by_ip));
	cfg->member_ip_tab = calloc(1, sizeof(*cfg->member_ip_tab));
	if (cfg->member_cluster == NULL || cfg->member_by_ip == NULL ||
	    cfg->member_ip_tab == NULL || hf_addrtab_init(cfg->member_ip_tab, n) != 0)
		return -ENOMEM;
	for (ci = 0; ci < cfg->nb_clusters; ci++) {
		cfg->clusters[ci].first_member = g;
		for (mi = 0; mi < cfg->clusters[ci].nb_members; mi++, g++) {
			cfg->member_cluster[g] = ci;
			cfg->member_by_ip[g].ip = cfg->clusters[ci].members[mi].ip;
			cfg->member_by_ip[g].g = g;
		}
	}
	qsort(cfg->member_by_ip, n, sizeof(*cfg->member_by_ip), ref_cmp);
	for (g = 0; g < n; g++) {
		int ret = hf_addrtab_add(cfg->member_ip_tab, cfg->member_by_ip[g].ip, g);

		if (ret != 0 && ret != -EEXIST)   /* EEXIST: the group's first is in */
			return ret;
	}
	return 0;
}

uint32_t
hf_config_members_at(const struct hf_config *cfg, uint32_t ip, const struct hf_member_ref **refs)
{
	uint32_t i, n = 0;

	if (cfg->member_ip_tab == NULL)
		return 0;
	i = hf_addrtab_lookup(cfg->member_ip_tab, ip);
	if (i == HF_ADDRTAB_EMPTY)
		return 0;
	*refs = &cfg->member_by_ip[i];
	while (i + n < cfg->nb_members_total && cfg->member_by_ip[i + n].ip == ip)
		n++;
	return n;
}

static uint64_t hf_config_serial;

/* Build and validate a config from a parsed libconfig tree. */
static int
hf_config_build(const config_t *lc, const char *name, const char *incdir, struct hf_config **out,
	struct hf_errlist *errs)
{
	struct hf_cfg_parser p = {.file = name, .incdir = incdir, .errs = errs};
	const config_setting_t *root = config_root_setting(lc);
	struct hf_config *cfg;
	int v;

	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		hf_errlist_add(errs, name, 0, "out of memory");
		return -ENOMEM;
	}
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	cfg->unmatched = HF_UNMATCHED_DROP;
	cfg->flow_size = HF_FLOWS_DEFAULT;
	cfg->flow_timeout_ms = HF_FLOW_TIMEOUT_MS_DEFAULT;
	cfg->frag_size = HF_FRAGS_DEFAULT;
	cfg->frag_timeout_ms = HF_FRAG_TIMEOUT_MS_DEFAULT;
	cfg->punt.arp_pps = HF_PUNT_ARP_PPS_DEFAULT;
	cfg->punt.local_pps = HF_PUNT_LOCAL_PPS_DEFAULT;
	cfg->punt.icmp_pps = HF_PUNT_ICMP_PPS_DEFAULT;
	cfg->punt.vrrp_pps = HF_PUNT_VRRP_PPS_DEFAULT;
	cfg->ha.priority = 100;
	cfg->ha.advert_ms = 1000;
	cfg->ha.preempt = true;
	p.cfg = cfg;

	hf_config_check_keys(&p, root, hf_top_keys, NULL);
	hf_config_parse_ports(&p, root);
	hf_config_parse_probe(&p, root);
	if (hf_config_get_enum(&p, root, "unmatched", NULL, hf_unmatched_names, &v) == HF_CFG_OK)
		cfg->unmatched = (enum hf_unmatched)v;
	hf_config_parse_flows(&p, root);
	hf_config_parse_fragments(&p, root);
	hf_config_parse_punt(&p, root);
	hf_config_parse_clusters(&p, root);
	hf_config_parse_ha(&p, root);
	if (!p.nomem) {
		hf_config_check_members(&p, root);
		hf_config_check_devices(&p, root);
		hf_config_check_probe(&p, root);
		hf_config_check_probe_needed(&p, root);
		hf_config_check_probe_rate(&p, root);
	}

	if (!p.nomem && p.nerr == 0 && hf_config_index(cfg) != 0) {
		hf_errlist_add(errs, name, 0, "out of memory");
		p.nomem = true;
	}
	if (p.nomem || p.nerr > 0) {
		hf_config_free(cfg);
		return p.nomem ? -ENOMEM : -EINVAL;
	}
	/* configurations are loaded by one thread at a time (main, then the
	 * control lcore): a plain counter names each one */
	cfg->serial = ++hf_config_serial;
	*out = cfg;
	return 0;
}

/*
 * A libconfig read failure as one error, with its likely cause when one
 * can be told (cfghint.h) from src (the text read; NULL: the file).
 */
static void
hf_config_syntax_err(const config_t *lc, const char *src, const char *name, const char *incdir,
	struct hf_errlist *errs)
{
	char fbuf[HF_ERR_FILE_MAX], hbuf[HF_ERR_MSG_MAX];
	const char *file =
		hf_config_file_name(name, incdir, config_error_file(lc), fbuf, sizeof(fbuf));
	const char *text = config_error_text(lc) != NULL ? config_error_text(lc) : "parse error";
	int line = config_error_line(lc);
	const char *hint = src != NULL && config_error_file(lc) == NULL
				   ? hf_cfghint_text(src, line, hbuf, sizeof(hbuf))
				   : hf_cfghint_file(file, line, hbuf, sizeof(hbuf));

	if (hint != NULL)
		hf_errlist_add(errs, file, line, "%s: %s", text, hint);
	else
		hf_errlist_add(errs, file, line, "%s", text);
}

int
hf_config_load_string(
	const char *text, const char *name, struct hf_config **out, struct hf_errlist *errs)
{
	struct hf_errlist scratch;
	config_t lc;
	int rc;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (errs == NULL) {
		hf_errlist_init(&scratch);
		errs = &scratch;
	}
	if (name == NULL)
		name = "<string>";
	if (text == NULL) {
		hf_errlist_add(errs, name, 0, "no configuration text");
		return -EINVAL;
	}
	config_init(&lc);
	if (config_read_string(&lc, text) != CONFIG_TRUE) {
		hf_config_syntax_err(&lc, text, name, NULL, errs);
		config_destroy(&lc);
		return -EINVAL;
	}
	rc = hf_config_build(&lc, name, NULL, out, errs);
	config_destroy(&lc);
	return rc;
}

int
hf_config_load(const char *path, struct hf_config **out, struct hf_errlist *errs)
{
	struct hf_errlist scratch;
	char dir[PATH_MAX];
	const char *incdir;
	struct stat st;
	config_t lc;
	int rc;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (errs == NULL) {
		hf_errlist_init(&scratch);
		errs = &scratch;
	}
	if (path == NULL || path[0] == '\0') {
		hf_errlist_add(errs, NULL, 0, "no configuration file given");
		return -EINVAL;
	}
	if (stat(path, &st) != 0) {
		rc = errno;
		hf_errlist_add(errs, path, 0, "cannot open configuration file: %s", strerror(rc));
		return -rc;
	}
	if (S_ISDIR(st.st_mode)) {
		hf_errlist_add(
			errs, path, 0, "cannot open configuration file: %s", strerror(EISDIR));
		return -EISDIR;
	}

	config_init(&lc);
	/* @include "x.conf" is relative to the directory of the main file. */
	snprintf(dir, sizeof(dir), "%s", path);
	incdir = dirname(dir);
	config_set_include_dir(&lc, incdir);
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		rc = config_error_type(&lc) == CONFIG_ERR_FILE_IO ? -EIO : -EINVAL;
		if (rc == -EIO)
			hf_errlist_add(errs, path, 0, "cannot read configuration file");
		else
			hf_config_syntax_err(&lc, NULL, path, incdir, errs);
		config_destroy(&lc);
		return rc;
	}
	rc = hf_config_build(&lc, path, incdir, out, errs);
	config_destroy(&lc);
	return rc;
}

int
hf_config_port_index(const struct hf_config *cfg, const char *name)
{
	uint32_t i;

	if (cfg == NULL || name == NULL)
		return -1;
	for (i = 0; i < cfg->nb_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
hf_config_cluster_index(const struct hf_config *cfg, const char *name)
{
	uint32_t i;

	if (cfg == NULL || name == NULL)
		return -1;
	for (i = 0; i < cfg->nb_clusters; i++)
		if (strcmp(cfg->clusters[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *
hf_hash_mode_str(enum hf_hash_mode m)
{
	return (unsigned int)m < HF_HASH_5TUPLE + 1u ? hf_hash_names[m] : "unknown";
}

const char *
hf_cluster_type_str(enum hf_cluster_type t)
{
	return (unsigned int)t < HF_CLUSTER_SERVER + 1u ? hf_cluster_type_names[t] : "unknown";
}

const char *
hf_admin_state_str(enum hf_admin_state s)
{
	return (unsigned int)s < HF_ADMIN_DOWN + 1u ? hf_state_names[s] : "unknown";
}

const char *
hf_health_method_str(enum hf_health_method m)
{
	return (unsigned int)m < HF_HEALTH_TUNNEL + 1u ? hf_method_names[m] : "unknown";
}
