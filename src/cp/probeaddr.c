/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Probe source address selection, RFC 5227 style (see probeaddr.h). Pure
 * state machine: no allocation, no logging, no clock of its own.
 */
#include <errno.h>
#include <string.h>

#include <hyperflow/probeaddr.h>

static void
start_candidate(struct hf_probeaddr *pa, uint32_t idx, uint64_t now)
{
	pa->state = HF_PA_ST_PROBING;
	pa->reported = false;
	pa->idx = idx;
	pa->nb_probes = 0;
	pa->next_at = now;
}

int
hf_probeaddr_init(struct hf_probeaddr *pa, const uint32_t *pool, uint32_t n, uint64_t now)
{
	uint32_t i;

	if (pa == NULL || pool == NULL || n == 0 || n > HF_MAX_PROBE_POOL)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (pool[i] == 0)
			return -EINVAL;

	memset(pa, 0, sizeof(*pa));
	memcpy(pa->pool, pool, n * sizeof(pool[0]));
	pa->nb_pool = n;
	pa->stats.rounds = 1;
	start_candidate(pa, 0, now);
	return 0;
}

void
hf_probeaddr_set_id(struct hf_probeaddr *pa, const struct hf_mac *id)
{
	pa->has_id = id != NULL;
	if (id != NULL)
		pa->id = *id;
}

/* A simultaneous probe for our candidate from another host: does it win? */
static bool
probe_wins(
	const struct hf_probeaddr *pa, const struct hf_pkt_info *pi, const struct hf_mac *our_mac)
{
	if (pa->has_id && !hf_mac_is_zero(&pi->arp_tha))
		return memcmp(pi->arp_tha.b, pa->id.b, sizeof(pa->id.b)) > 0;
	return memcmp(pi->arp_sha.b, our_mac->b, sizeof(our_mac->b)) > 0;
}

enum hf_pa_action
hf_probeaddr_step(struct hf_probeaddr *pa, uint64_t now, uint32_t *probe_ip)
{
	switch (pa->state) {
	case HF_PA_ST_PROBING:
		if (now < pa->next_at)
			return HF_PA_NONE;
		if (pa->nb_probes < HF_PA_PROBE_NUM) {
			pa->nb_probes++;
			pa->stats.probes_sent++;
			pa->next_at =
				now + (pa->nb_probes < HF_PA_PROBE_NUM ? HF_PA_PROBE_INTERVAL_MS
								       : HF_PA_ANNOUNCE_WAIT_MS);
			*probe_ip = pa->pool[pa->idx];
			return HF_PA_SEND_PROBE;
		}
		pa->state = HF_PA_ST_BOUND;
		pa->bound_ip = pa->pool[pa->idx];
		pa->reported = true;
		*probe_ip = pa->bound_ip;
		return HF_PA_BOUND;
	case HF_PA_ST_EXHAUSTED:
		if (!pa->reported) {
			pa->reported = true;
			return HF_PA_EXHAUSTED;
		}
		if (now < pa->next_at)
			return HF_PA_NONE;
		pa->stats.rounds++;
		start_candidate(pa, 0, now);
		return hf_probeaddr_step(pa, now, probe_ip);
	case HF_PA_ST_BOUND:
	default:
		return HF_PA_NONE;
	}
}

enum hf_pa_conflict
hf_probeaddr_conflict(struct hf_probeaddr *pa, uint32_t ip, uint64_t now)
{
	if (ip == 0)
		return HF_PA_CONFLICT_NONE;

	switch (pa->state) {
	case HF_PA_ST_PROBING:
		if (ip != pa->pool[pa->idx])
			return HF_PA_CONFLICT_NONE;
		pa->stats.rejected++;
		if (pa->idx + 1 < pa->nb_pool) {
			start_candidate(pa, pa->idx + 1, now);
		} else {
			pa->state = HF_PA_ST_EXHAUSTED;
			pa->reported = false;
			pa->nb_probes = 0;
			pa->next_at = now + HF_PA_RETRY_MS;
		}
		return HF_PA_CONFLICT_NEXT;
	case HF_PA_ST_BOUND:
		if (ip != pa->bound_ip)
			return HF_PA_CONFLICT_NONE;
		pa->stats.conflicts++;
		if (pa->defended && now - pa->last_defend < HF_PA_DEFEND_INTERVAL_MS)
			return HF_PA_CONFLICT_SEEN;
		pa->defended = true;
		pa->last_defend = now;
		pa->stats.defends++;
		return HF_PA_CONFLICT_DEFEND;
	case HF_PA_ST_EXHAUSTED:
	default:
		return HF_PA_CONFLICT_NONE;
	}
}

enum hf_pa_conflict
hf_probeaddr_arp(struct hf_probeaddr *pa, const struct hf_pkt_info *pi,
	const struct hf_mac *our_mac, uint64_t now)
{
	uint32_t ip;

	if (pi == NULL || pi->kind != HF_PKT_ARP || hf_mac_eq(&pi->arp_sha, our_mac))
		return HF_PA_CONFLICT_NONE;

	switch (pa->state) {
	case HF_PA_ST_PROBING:
		ip = pa->pool[pa->idx];
		if (pi->arp_sip == ip)
			return hf_probeaddr_conflict(pa, ip, now);
		/* a simultaneous probe: the higher id (or MAC) keeps the candidate */
		if (pi->arp_sip == 0 && pi->arp_tip == ip && probe_wins(pa, pi, our_mac))
			return hf_probeaddr_conflict(pa, ip, now);
		return HF_PA_CONFLICT_NONE;
	case HF_PA_ST_BOUND:
		/* A probe for our address is answered, not defended against. */
		if (pi->arp_sip == pa->bound_ip)
			return hf_probeaddr_conflict(pa, pa->bound_ip, now);
		return HF_PA_CONFLICT_NONE;
	case HF_PA_ST_EXHAUSTED:
	default:
		return HF_PA_CONFLICT_NONE;
	}
}

uint32_t
hf_probeaddr_candidate(const struct hf_probeaddr *pa)
{
	return pa->state == HF_PA_ST_PROBING ? pa->pool[pa->idx] : 0;
}

int
hf_probeaddr_build(uint8_t *buf, uint32_t buflen, const struct hf_mac *mac, const struct hf_mac *id,
	uint32_t ip, bool announce)
{
	static const struct hf_mac bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	static const struct hf_mac zero = {{0, 0, 0, 0, 0, 0}};

	if (mac == NULL)
		return -EINVAL;
	return hf_arp_build(buf, buflen, &bcast, mac, HF_ARP_OP_REQUEST, mac, announce ? ip : 0,
		announce || id == NULL ? &zero : id, ip);
}

const char *
hf_pa_action_str(enum hf_pa_action a)
{
	switch (a) {
	case HF_PA_NONE:
		return "none";
	case HF_PA_SEND_PROBE:
		return "send-probe";
	case HF_PA_BOUND:
		return "bound";
	case HF_PA_EXHAUSTED:
		return "exhausted";
	}
	return "invalid";
}
