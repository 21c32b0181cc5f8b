/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reload decision as a pure function: the configuration in force, the
 * new one and the runtime state that matters (ids, the probe address in
 * use) in; a plan out, saying for every new cluster and member what is
 * kept, restarted or started afresh, what must be announced, and whether
 * the whole reload is refused (and why). The control lcore only applies
 * plans (src/cp/control.c); every case is unit-tested here without EAL
 * (tests/unit/test_reload.c).
 *
 * Members (matched by cluster name + member name, see ids.h):
 *   KEEP    same address, port and MAC setting, same health block: the
 *           runtime state (health, learnt MAC, timers) is carried over.
 *   RETIME  same address, port and MAC setting, another health block:
 *           health state and learnt MAC are kept, the timers restart under
 *           the new settings (hf_health_reconfigure), so a health-only
 *           reload never takes a live member out of its bucket table.
 *   FRESH   new, or the same name on another address, port or configured
 *           MAC: it is another device, monitored from scratch.
 * Clusters: `announce` is the mask of ports that must get a gratuitous ARP
 * once the new snapshot is out (when this box is active): every port the
 * cluster serves when the cluster is new or its IP or MAC changed, else
 * the ports it serves now and did not before.
 * Whole reload:
 *   refused       ports (name, device, MAC), or the flow or fragment
 *                 tables' size or timeout changed (fixed at start), or no
 *                 free id;
 *   reprobe       the pool changed and no longer holds the probe address
 *                 in use (or none is bound yet): a new one is chosen from
 *                 the new pool;
 *   ha_restart    the ha block changed, or reprobe (VRRP's source address
 *                 changes): VRRP hands over and restarts.
 *
 * Thread-safety: none needed; inputs are read-only, the plan is the
 * caller's (the control lcore's).
 */
#ifndef HF_RELOAD_H
#define HF_RELOAD_H

#include <stdbool.h>
#include <stdint.h>

#include <hyperflow/config.h>
#include <hyperflow/ids.h>

enum hf_member_fate {
	HF_MEMBER_FRESH = 0,
	HF_MEMBER_KEEP,
	HF_MEMBER_RETIME,
};

struct hf_reload_in {
	const struct hf_config *old_cfg; /* loaded (hf_config_load*): the plan */
	const struct hf_config *new_cfg; /* reads old_cfg's derived member index */
	const struct hf_ids *ids;        /* ids in force */
	const uint32_t *old_cid;         /* per old cluster */
	const uint32_t *old_mid;         /* per old member, config order */
	uint32_t local_ip;               /* probe address in use, 0 = none */
};

struct hf_reload_plan {
	const char *refused;             /* non-NULL: change nothing, this is why */
	struct hf_ids ids;               /* ids once the plan is applied */
	uint32_t *cid;                   /* per new cluster: its id */
	uint32_t *mid;                   /* per new member: its id */
	int32_t *old_member;             /* per new member: index in old_cfg, or -1 */
	uint8_t *fate;                   /* per new member: enum hf_member_fate */
	uint32_t *announce;              /* per new cluster: ports for gratuitous ARP */
	bool ha_restart;
	bool reprobe;
	uint32_t nb_keep, nb_retime, nb_fresh, nb_announce;
};

/*
 * Decide. Returns 0 with *plan filled (plan->refused set when the reload
 * must change nothing), or -ENOMEM (plan empty). Free with
 * hf_reload_plan_free in every case.
 */
int hf_reload_plan(const struct hf_reload_in *in, struct hf_reload_plan *plan);
void hf_reload_plan_free(struct hf_reload_plan *plan);

/* Same device on the wire: address, port and MAC setting. */
bool hf_member_same_device(const struct hf_member_conf *a, const struct hf_member_conf *b);
bool hf_health_conf_same(const struct hf_health_conf *a, const struct hf_health_conf *b);

const char *hf_member_fate_str(enum hf_member_fate f);

#endif /* HF_RELOAD_H */
