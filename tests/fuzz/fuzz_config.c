/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the configuration loader on hostile text.
 *
 * The input is configuration text (cut at its first NUL, as a file read
 * into a C string would be). hf_config_load_string must either accept it
 * with no error listed, or refuse it with at least one error and no
 * config (config.h). An accepted config must also hold what the rest of
 * the program relies on without checking again: the limits of limits.h,
 * ports that exist, lookups by name that find each object, and a
 * dataplane snapshot that builds from it (hf_dataplane_build), with the
 * first probe-pool address as our own address.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hyperflow/config.h>
#include <hyperflow/dataplane.h>
#include <hyperflow/err.h>
#include <hyperflow/limits.h>

#include "fuzz.h"

/* libconfig has no size limit of its own; real files are small. */
#define MAX_TEXT (64 * 1024)

static void
check_config(const struct hf_config *cfg)
{
	struct hf_dp_port ports[HF_MAX_PORTS];
	struct hf_dataplane *dp;
	struct hf_dp_build in;
	uint32_t i, j, total = 0;

	HF_FUZZ_CHECK(cfg->nb_ports >= 1 && cfg->nb_ports <= HF_MAX_PORTS);
	HF_FUZZ_CHECK(cfg->nb_probe <= HF_MAX_PROBE_POOL);
	HF_FUZZ_CHECK(cfg->nb_clusters <= HF_MAX_CLUSTERS);
	HF_FUZZ_CHECK(cfg->nb_clusters == 0 || cfg->clusters != NULL);
	HF_FUZZ_CHECK(cfg->nb_members_total <= HF_MAX_MEMBERS_TOTAL);
	for (i = 0; i < cfg->nb_probe; i++)
		HF_FUZZ_CHECK(cfg->probe_pool[i] != 0);
	for (i = 0; i < cfg->nb_ports; i++) {
		HF_FUZZ_CHECK(memchr(cfg->ports[i].name, 0, HF_NAME_MAX) != NULL);
		HF_FUZZ_CHECK(memchr(cfg->ports[i].device, 0, HF_DEVICE_MAX) != NULL);
		HF_FUZZ_CHECK(hf_config_port_index(cfg, cfg->ports[i].name) == (int)i);
	}
	if (cfg->ha.enabled) {
		HF_FUZZ_CHECK(cfg->ha.port < cfg->nb_ports);
		HF_FUZZ_CHECK(cfg->ha.vrid >= 1);
	}
	for (i = 0; i < cfg->nb_clusters; i++) {
		const struct hf_cluster_conf *cc = &cfg->clusters[i];

		HF_FUZZ_CHECK(memchr(cc->name, 0, HF_NAME_MAX) != NULL);
		HF_FUZZ_CHECK(hf_config_cluster_index(cfg, cc->name) == (int)i);
		HF_FUZZ_CHECK(cc->nb_members >= 1 && cc->nb_members <= HF_MAX_MEMBERS);
		HF_FUZZ_CHECK(cc->members != NULL);
		HF_FUZZ_CHECK(cc->buckets >= HF_BUCKETS_MIN && cc->buckets <= HF_BUCKETS_MAX);
		HF_FUZZ_CHECK((cc->buckets & (cc->buckets - 1)) == 0);
		HF_FUZZ_CHECK(cc->buckets >= cc->nb_members);
		HF_FUZZ_CHECK(cc->port_mask != 0);
		if (cfg->nb_ports < 32)
			HF_FUZZ_CHECK((cc->port_mask >> cfg->nb_ports) == 0);
		HF_FUZZ_CHECK(hf_hash_mode_str(cc->hash) != NULL);
		HF_FUZZ_CHECK(hf_cluster_type_str(cc->type) != NULL);
		HF_FUZZ_CHECK(hf_health_method_str(cc->health.method) != NULL);
		for (j = 0; j < cc->nb_members; j++) {
			const struct hf_member_conf *mc = &cc->members[j];

			HF_FUZZ_CHECK(memchr(mc->name, 0, HF_NAME_MAX) != NULL);
			HF_FUZZ_CHECK(mc->port < cfg->nb_ports);
			HF_FUZZ_CHECK(mc->weight >= 1);
			HF_FUZZ_CHECK(hf_admin_state_str(mc->state) != NULL);
		}
		total += cc->nb_members;
	}
	HF_FUZZ_CHECK(total == cfg->nb_members_total);

	/* what main and the control lcore do with it: build a snapshot */
	memset(ports, 0, sizeof(ports));
	for (i = 0; i < cfg->nb_ports; i++) {
		ports[i].port_id = (uint16_t)i;
		if (cfg->ports[i].has_mac) {
			ports[i].mac = cfg->ports[i].mac;
		} else {
			ports[i].mac.b[0] = 0x02;
			ports[i].mac.b[5] = (uint8_t)(0x80 + i);
		}
	}
	memset(&in, 0, sizeof(in));
	in.cfg = cfg;
	in.ports = ports;
	in.local_ip = cfg->nb_probe > 0 ? cfg->probe_pool[0] : 0;
	in.active = true;
	in.generation = 1;
	dp = hf_dataplane_build(&in);
	HF_FUZZ_CHECK(dp != NULL || errno == ENOMEM);
	if (dp != NULL) {
		HF_FUZZ_CHECK(dp->nb_clusters == cfg->nb_clusters);
		HF_FUZZ_CHECK(dp->nb_members == cfg->nb_members_total);
	}
	hf_dataplane_free(dp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hf_errlist errs; /* 33 KB: not on the stack */
	struct hf_config *cfg = (struct hf_config *)(uintptr_t)1;
	char msg[HF_ERR_FILE_MAX + HF_ERR_MSG_MAX + 32];
	unsigned int i;
	char *text;
	int rc;

	if (size > MAX_TEXT)
		return 0;
	text = malloc(size + 1);
	HF_FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';

	hf_errlist_init(&errs);
	rc = hf_config_load_string(text, "fuzz.conf", &cfg, &errs);
	free(text); /* the config must not keep pointers into the text */
	if (rc == 0) {
		HF_FUZZ_CHECK(cfg != NULL);
		HF_FUZZ_CHECK(hf_errlist_count(&errs) == 0);
		check_config(cfg);
	} else {
		HF_FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM || rc == -ENOENT);
		HF_FUZZ_CHECK(cfg == NULL);
		HF_FUZZ_CHECK(hf_errlist_count(&errs) >= 1);
		HF_FUZZ_CHECK(errs.n >= 1 && errs.n <= HF_ERR_MAX);
		for (i = 0; i < errs.n; i++) {
			hf_err_format(&errs.e[i], msg, sizeof(msg));
			HF_FUZZ_CHECK(memchr(msg, 0, sizeof(msg)) != NULL);
		}
	}
	hf_config_free(cfg);
	return 0;
}
