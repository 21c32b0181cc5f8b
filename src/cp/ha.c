/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <string.h>

#include <hyperflow/ha.h>
#include <hyperflow/log.h>
#include <hyperflow/outbox.h>
#include <hyperflow/monitor.h>

static inline void
count(struct hf_runtime *rt, enum hf_ctl_ctr c)
{
	hf_ctr_add(&rt->ctl_stats->ctl[c], 1);
}

bool
hf_ha_active(const struct hf_runtime *rt)
{
	return !rt->cfg->ha.enabled || hf_vrrp_is_master(&rt->vrrp);
}

/*
 * The IPv4 id our adverts carry, so that an advert from our own address
 * that someone else sent can be told from ours heard back: the HA port's
 * MAC folded to 16 bits (never 0, which means "unknown" to vrrp.c). Two
 * boxes' MACs differ; consecutive ones fold to different ids.
 */
static uint16_t
advert_ip_id(const struct hf_runtime *rt)
{
	const uint8_t *b = rt->ports[rt->cfg->ha.port].mac.b;
	uint16_t id = (uint16_t)((b[0] ^ b[2] ^ b[4]) << 8 | (b[1] ^ b[3] ^ b[5]));

	return id != 0 ? id : 1;
}

static void
send_advert(struct hf_runtime *rt, uint8_t priority)
{
	const struct hf_config *cfg = rt->cfg;
	static const struct hf_mac bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	uint32_t vips[255], n = 0, ci, dst;
	uint8_t frame[HF_VRRP_FRAME_MAX];
	int len;

	for (ci = 0; ci < cfg->nb_clusters && n < 255; ci++)
		vips[n++] = cfg->clusters[ci].ip;
	dst = cfg->ha.peer != 0 ? cfg->ha.peer : htonl(HF_VRRP_MCAST_GROUP);
	len = hf_vrrp_build(frame, sizeof(frame), NULL, cfg->ha.peer != 0 ? &bcast : NULL,
			    rt->local_ip, dst, cfg->ha.vrid, priority, rt->vrrp.advert_cs, vips,
			    (uint8_t)n);
	if (len > 0)
		hf_vrrp_stamp_id(frame, (uint32_t)len, advert_ip_id(rt));
	if (len > 0 && hf_outbox_send(rt, cfg->ha.port, frame, (uint16_t)len) == 0)
		count(rt, HF_CTL_VRRP_SENT);
}

/* Send what the state machine asked for; report a change of role to the loop. */
static enum hf_ha_event
apply(struct hf_runtime *rt, const struct hf_vrrp_out *out, uint64_t now_ms)
{
	char why[HF_VRRP_REASON_MAX];
	bool master;

	if (out->flags & HF_VRRP_OUT_CONFLICT) {
		char ip[HF_IP4_STRLEN];

		count(rt, HF_CTL_VRRP_CONFLICTS);
		if (!rt->vrrp_conflict_logged || now_ms - rt->vrrp_conflict_logged_ms >= 1000) {
			rt->vrrp_conflict_logged = true;
			rt->vrrp_conflict_logged_ms = now_ms;
			HF_LOG(ha, WARNING, "vrid %u: another router sends adverts from our probe "
			       "address %s (priority %u): address conflict, its adverts are "
			       "not taken as ours", rt->cfg->ha.vrid, hf_ip4_str(out->peer_ip, ip),
			       out->peer_priority);
		}
	}
	if (out->flags & HF_VRRP_OUT_SEND_ADVERT)
		send_advert(rt, out->advert_priority);
	if (!(out->flags & (HF_VRRP_OUT_BECAME_MASTER | HF_VRRP_OUT_BECAME_BACKUP)))
		return HF_HA_EV_NONE;
	master = (out->flags & HF_VRRP_OUT_BECAME_MASTER) != 0;
	count(rt, master ? HF_CTL_HA_MASTER : HF_CTL_HA_BACKUP);
	HF_LOG(ha, NOTICE, "vrid %u: %s (%s)", rt->cfg->ha.vrid, master ? "MASTER" : "BACKUP",
	       hf_vrrp_out_str(out, why, sizeof(why)));
	return master ? HF_HA_EV_MASTER : HF_HA_EV_BACKUP;
}

enum hf_ha_event
hf_ha_poll(struct hf_runtime *rt, uint64_t now_ms)
{
	const struct hf_ha_conf *ha = &rt->cfg->ha;
	struct hf_vrrp_out out;

	if (!ha->enabled)
		return HF_HA_EV_NONE;
	if (rt->vrrp.state == HF_VRRP_INIT) {
		struct hf_vrrp_conf vc;

		if (rt->local_ip == 0 || rt->vrrp_stopped)
			return HF_HA_EV_NONE;   /* no source address yet */
		memset(&vc, 0, sizeof(vc));
		vc.vrid = ha->vrid;
		vc.priority = ha->priority;
		vc.advert_ms = ha->advert_ms;
		vc.preempt = ha->preempt;
		vc.primary_ip = rt->local_ip;
		vc.ip_id = advert_ip_id(rt);
		pthread_mutex_lock(&rt->lock);
		hf_vrrp_init(&rt->vrrp, &vc, now_ms);
		memset(&out, 0, sizeof(out));
		hf_vrrp_start(&rt->vrrp, now_ms, &out);
		pthread_mutex_unlock(&rt->lock);
		HF_LOG(ha, INFO, "vrid %u: started, priority %u, advert every %u ms, master down "
		       "after %u ms", ha->vrid, ha->priority, ha->advert_ms,
		       hf_vrrp_master_down_ms(&rt->vrrp));
		return apply(rt, &out, now_ms);
	}
	memset(&out, 0, sizeof(out));
	pthread_mutex_lock(&rt->lock);
	hf_vrrp_tick(&rt->vrrp, now_ms, &out);
	pthread_mutex_unlock(&rt->lock);
	return out.flags != 0 ? apply(rt, &out, now_ms) : HF_HA_EV_NONE;
}

enum hf_ha_event
hf_ha_rx(struct hf_runtime *rt, uint32_t pidx, const struct hf_pkt_info *pi, const uint8_t *frame,
	 uint32_t len, uint64_t rx_ms)
{
	const struct hf_ha_conf *ha = &rt->cfg->ha;
	struct hf_vrrp_adv adv;
	struct hf_vrrp_out out;
	int err;

	count(rt, HF_CTL_VRRP_RX);
	/* not started yet (no probe address): nothing to compare with */
	if (ha->enabled && rt->vrrp.state == HF_VRRP_INIT)
		return HF_HA_EV_NONE;
	/* trust rule: adverts only on the HA port */
	if (!ha->enabled || pidx != ha->port) {
		count(rt, HF_CTL_VRRP_REJECTED);
		return HF_HA_EV_NONE;
	}
	err = hf_vrrp_parse(frame, len, pi, &adv);
	pthread_mutex_lock(&rt->lock);
	if (err != HF_VRRP_OK) {
		hf_vrrp_count_bad(&rt->vrrp, err);
		pthread_mutex_unlock(&rt->lock);
		count(rt, HF_CTL_VRRP_REJECTED);
		return HF_HA_EV_NONE;
	}
	memset(&out, 0, sizeof(out));
	hf_vrrp_rx(&rt->vrrp, &adv, rx_ms, &out);
	pthread_mutex_unlock(&rt->lock);
	return out.flags != 0 ? apply(rt, &out, rx_ms) : HF_HA_EV_NONE;
}

void
hf_ha_restart(struct hf_runtime *rt)
{
	pthread_mutex_lock(&rt->lock);
	memset(&rt->vrrp, 0, sizeof(rt->vrrp));   /* INIT: hf_ha_poll starts it */
	rt->vrrp_stopped = false;
	pthread_mutex_unlock(&rt->lock);
	if (rt->cfg->ha.enabled)
		HF_LOG(ha, NOTICE, "vrid %u: restarting with the reloaded ha settings",
		       rt->cfg->ha.vrid);
}

void
hf_ha_shutdown(struct hf_runtime *rt)
{
	struct hf_vrrp_out out;
	bool send;

	if (!rt->cfg->ha.enabled || rt->vrrp.state == HF_VRRP_INIT)
		return;
	memset(&out, 0, sizeof(out));
	pthread_mutex_lock(&rt->lock);
	send = hf_vrrp_shutdown(&rt->vrrp, hf_monitor_now_ms(rt), &out);
	rt->vrrp_stopped = true;
	pthread_mutex_unlock(&rt->lock);
	if (send) {
		send_advert(rt, out.advert_priority);
		HF_LOG(ha, NOTICE, "vrid %u: leaving as MASTER, priority 0 sent", rt->cfg->ha.vrid);
	}
}
