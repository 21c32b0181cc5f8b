/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's transmit side, a leaf below the loop: frames the
 * control plane builds (probes, ARP replies, gratuitous ARP, VRRP adverts)
 * go to worker 0 through one single-producer ring per port, and worker 0
 * sends them on its own tx queue. The modules (monitor, HA) send through
 * here and never call up into the loop (control.c).
 */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <hyperflow/ha.h>
#include <hyperflow/log.h>
#include <hyperflow/outbox.h>
#include <hyperflow/runtime.h>

static inline void
ctl_count(struct hf_runtime *rt, enum hf_ctl_ctr c)
{
	hf_ctr_add(&rt->ctl_stats->ctl[c], 1);
}

/* Queue a frame the control plane built for worker 0 to send on port pidx. */
int
hf_outbox_send(struct hf_runtime *rt, uint32_t pidx, const uint8_t *frame, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(rt->pool);
	char *d;

	if (m == NULL) {
		ctl_count(rt, HF_CTL_ALLOC_FAIL);
		return -ENOMEM;
	}
	d = rte_pktmbuf_append(m, len);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		ctl_count(rt, HF_CTL_ALLOC_FAIL);
		return -ENOSPC;
	}
	memcpy(d, frame, len);
	if (rte_ring_sp_enqueue(rt->ctl_tx[pidx], m) != 0) {
		rte_pktmbuf_free(m);
		ctl_count(rt, HF_CTL_TX_FULL);
		return -ENOBUFS;
	}
	return 0;
}

/* One gratuitous ARP for cluster ci on port p; true when it was queued. */
static bool
garp_one(struct hf_runtime *rt, uint32_t ci, uint32_t p)
{
	static const struct hf_mac bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	static const struct hf_mac zero = { { 0 } };
	const struct hf_cluster_conf *cc = &rt->cfg->clusters[ci];
	uint8_t frame[HF_ETH_MIN_FRAME];
	int len;

	len = hf_arp_build(frame, sizeof(frame), &bcast, &cc->mac, HF_ARP_OP_REQUEST, &cc->mac,
			   cc->ip, &zero, cc->ip);
	if (len <= 0 || hf_outbox_send(rt, p, frame, (uint16_t)len) != 0)
		return false;
	ctl_count(rt, HF_CTL_GARP_SENT);
	return true;
}

/* Announce cluster ci (config index) on the ports of port_mask: queued, see hf_outbox_announce. */
void
hf_outbox_garp(struct hf_runtime *rt, uint32_t ci, uint32_t port_mask)
{
	char ip[HF_IP4_STRLEN];

	port_mask &= rt->cfg->clusters[ci].port_mask;
	if (port_mask == 0)
		return;
	if (rt->announce[ci] == 0)
		rt->announce_pending++;
	rt->announce[ci] |= port_mask;
	HF_LOG(control, DEBUG, "cluster '%s': gratuitous ARP for %s queued",
	       rt->cfg->clusters[ci].name, hf_ip4_str(rt->cfg->clusters[ci].ip, ip));
}

/* Forget every queued announcement (the box is no longer Master). */
void
hf_outbox_garp_cancel(struct hf_runtime *rt)
{
	if (rt->announce_pending == 0)
		return;
	HF_LOG(control, INFO, "gratuitous ARP for %u cluster(s) not sent: no longer Master",
	       rt->announce_pending);
	memset(rt->announce, 0, rt->cfg->nb_clusters * sizeof(rt->announce[0]));
	rt->announce_pending = 0;
	rt->announce_cursor = 0;
}

/* Gratuitous ARP for every cluster IP on every port the cluster serves. */
void
hf_outbox_garp_all(struct hf_runtime *rt)
{
	uint32_t ci;

	for (ci = 0; ci < rt->cfg->nb_clusters; ci++)
		hf_outbox_garp(rt, ci, rt->cfg->clusters[ci].port_mask);
	HF_LOG(control, INFO, "gratuitous ARP for %u cluster IP(s) queued", rt->cfg->nb_clusters);
}

/*
 * Send queued announcements while the ports' control rings have room
 * (HF_CTL_GARP_ROOM slots stay free for answers and adverts); what does
 * not fit waits for the next pass. A Master's 1,024 announcements thus
 * leave over a few passes instead of overflowing the 1,024-slot ring.
 */
void
hf_outbox_announce(struct hf_runtime *rt)
{
	uint32_t n = rt->cfg->nb_clusters, i, p;

	/*
	 * Only a Master announces: what a Master queued and a preemption
	 * left unsent must not point the clients at a Backup.
	 */
	if (rt->announce_pending > 0 && !hf_ha_active(rt)) {
		hf_outbox_garp_cancel(rt);
		return;
	}

	for (i = 0; i < n && rt->announce_pending > 0; i++) {
		uint32_t ci = (rt->announce_cursor + i) % n;

		if (rt->announce[ci] == 0)
			continue;   /* nothing queued: not one of the announce_pending */
		for (p = 0; p < rt->nb_ports && rt->announce[ci] != 0; p++) {
			if (!(rt->announce[ci] & (1u << p)))
				continue;
			if (rte_ring_free_count(rt->ctl_tx[p]) <= HF_CTL_GARP_ROOM) {
				rt->announce_cursor = ci;   /* go on from here next pass */
				return;
			}
			garp_one(rt, ci, p);   /* a frame lost without room for an mbuf is counted */
			rt->announce[ci] &= ~(1u << p);
		}
		if (rt->announce[ci] == 0)
			rt->announce_pending--;
	}
	rt->announce_cursor = 0;
}
