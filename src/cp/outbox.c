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

#include <hyperflow/log.h>
#include <hyperflow/runtime.h>

static inline void
ctl_count(struct hf_runtime *rt, enum hf_ctl_ctr c)
{
	hf_ctr_add(&rt->ctl_stats->ctl[c], 1);
}

/* Queue a frame the control plane built for worker 0 to send on port pidx. */
int
hf_control_send(struct hf_runtime *rt, uint32_t pidx, const uint8_t *frame, uint16_t len)
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

/* Gratuitous ARP for cluster ci on the ports of port_mask. */
void
hf_control_send_garp(struct hf_runtime *rt, uint32_t ci, uint32_t port_mask)
{
	static const struct hf_mac bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	static const struct hf_mac zero = { { 0 } };
	const struct hf_cluster_conf *cc = &rt->cfg->clusters[ci];
	uint8_t frame[HF_ETH_MIN_FRAME];
	char ip[HF_IP4_STRLEN];
	unsigned int sent = 0;
	uint32_t p;

	for (p = 0; p < rt->nb_ports; p++) {
		int len;

		if (!(port_mask & (1u << p)))
			continue;
		len = hf_arp_build(frame, sizeof(frame), &bcast, &cc->mac, HF_ARP_OP_REQUEST,
				   &cc->mac, cc->ip, &zero, cc->ip);
		if (len > 0 && hf_control_send(rt, p, frame, (uint16_t)len) == 0) {
			ctl_count(rt, HF_CTL_GARP_SENT);
			sent++;
		}
	}
	HF_LOG(control, INFO, "cluster '%s': gratuitous ARP for %s on %u port(s)", cc->name,
	       hf_ip4_str(cc->ip, ip), sent);
}

/* Gratuitous ARP for every cluster IP on every port the cluster serves. */
void
hf_control_send_garps(struct hf_runtime *rt)
{
	uint32_t ci;

	for (ci = 0; ci < rt->cfg->nb_clusters; ci++)
		hf_control_send_garp(rt, ci, rt->cfg->clusters[ci].port_mask);
}
