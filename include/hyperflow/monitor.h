/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Member monitoring (src/cp/monitor.c): probe address, MAC resolution,
 * health checks and link watch, driven by the control lcore.
 *
 * Thread-safety: control lcore only. Member state lives in
 * hf_runtime.members; a change is made visible to the workers by
 * republishing the dataplane snapshot.
 */
#ifndef HF_MONITOR_H
#define HF_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include <hyperflow/health.h>
#include <hyperflow/runtime.h>

/*
 * The control plane's state of one member (config order, carried across
 * reloads with the member): what snapshots are built from first (the
 * build reads it through a stride, dataplane.h), then what only the
 * monitor uses.
 *
 * Thread-safety: the control lcore's alone; others see the published view.
 */
struct hf_member_rt {
	struct hf_member_view view;
	uint64_t arp_next_ms;      /* next ARP resolution/refresh request */
	uint64_t mac_changed_ms;   /* last time the MAC was learnt or changed */
	struct hf_health health;
};

_Static_assert(HF_DP_HEALTH_UP == HF_HEALTH_UP, "the view's health is enum hf_health_state");

uint64_t hf_monitor_now_ms(const struct hf_runtime *rt);

/* Set up probe-address selection and initial link states. */
int hf_monitor_init(struct hf_runtime *rt);

/*
 * Fresh runtime state for member g (global index) of rt->cfg (start, or
 * changed by a reload), its first probe paced into the interval.
 */
void hf_monitor_member_init(struct hf_runtime *rt, struct hf_member_rt *m,
			    const struct hf_cluster_conf *cc, const struct hf_member_conf *mc,
			    uint32_t g, uint32_t nb_members, uint64_t now);

/*
 * Member g of a configuration of nb_members members keeps its state under
 * cc's new health block (a reload, hf_health_reconfigure); probes of
 * another method or target start in the member's place of the interval.
 */
void hf_monitor_member_retime(struct hf_member_rt *m, const struct hf_cluster_conf *cc, uint32_t g,
			      uint32_t nb_members, uint64_t now);

/*
 * After a reload: a member whose health state no longer matches its
 * published liveness (new settings switched it to method none) goes
 * through the ordinary transition (counted, logged, recovery epoch).
 */
void hf_monitor_settle(struct hf_runtime *rt);

/* Timers: links, probe address, probes, timeouts, MAC refresh. Call often. */
void hf_monitor_poll(struct hf_runtime *rt);

/*
 * A punted ARP frame received on port pidx at rx_ms (when the worker got it,
 * so a reply is judged by its arrival, not by when this lcore got to it);
 * true when it was for us.
 */
bool hf_monitor_arp(struct hf_runtime *rt, uint32_t pidx, const struct hf_pkt_info *pi,
		    uint64_t rx_ms);

/* A punted ICMP frame received at rx_ms; true when it was for our probe address. */
bool hf_monitor_icmp(struct hf_runtime *rt, uint32_t pidx, const struct hf_pkt_info *pi,
		     const uint8_t *frame, uint32_t len, uint64_t rx_ms);

#endif /* HF_MONITOR_H */
