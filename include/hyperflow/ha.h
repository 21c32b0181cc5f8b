/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active/passive HA on the control lcore (src/cp/ha.c): runs the VRRPv3
 * state machine (vrrp.h) on the configured port, with the probe address as
 * primary address and every cluster IP as a virtual address, sends and
 * receives adverts, and flips the snapshot's `active` flag: only the Master
 * answers ARP for cluster IPs and forwards cluster traffic. Health checks
 * run in both roles, so a Backup takes over with warm member state, and
 * since bucket tables are deterministic, a takeover moves no flow to
 * another member.
 *
 * Thread-safety: control lcore only; telemetry reads hf_runtime.vrrp under
 * hf_runtime.lock, which the control lcore holds while it changes state.
 */
#ifndef HF_HA_H
#define HF_HA_H

#include <stdbool.h>
#include <stdint.h>

#include <hyperflow/runtime.h>

/*
 * What a call saw happen to the role, for the loop to act on (publish the
 * snapshot with the new `active` flag at once; gratuitous ARP for every
 * cluster when it became Master). The module sends its own adverts
 * (outbox.c) and never calls up into the loop.
 */
enum hf_ha_event {
	HF_HA_EV_NONE = 0,
	HF_HA_EV_MASTER,    /* became Master */
	HF_HA_EV_BACKUP,    /* became Backup (from Master or Init) */
};

/* Start once the probe address is bound (VRRP needs a source address). */
enum hf_ha_event hf_ha_poll(struct hf_runtime *rt, uint64_t now_ms);

/* A punted VRRP frame received on port pidx. */
enum hf_ha_event hf_ha_rx(struct hf_runtime *rt, uint32_t pidx, const struct hf_pkt_info *pi,
			  const uint8_t *frame, uint32_t len, uint64_t rx_ms);

/* Leaving: a Master sends priority 0 so the Backup takes over at once. */
void hf_ha_shutdown(struct hf_runtime *rt);

/*
 * After a reload changed the ha block or the probe address: start again
 * (from Init: not active until elected; the caller publishes).
 */
void hf_ha_restart(struct hf_runtime *rt);

/* Active (Master, or no HA configured). */
bool hf_ha_active(const struct hf_runtime *rt);

#endif /* HF_HA_H */
