/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VRRPv3 for IPv4 (see vrrp.h): advertisement codec and the RFC 5798 6.4
 * state machine. Pure: no allocation, no logging, no clock of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hyperflow/bytes.h>
#include <hyperflow/vrrp.h>

#define IPV4_HLEN 20
#define IPV4_MF 0x2000
#define IPV4_OFF_MASK 0x1fff
#define ADVERT_MS_MIN 10
#define ADVERT_MS_MAX (HF_VRRP_MAX_ADVER_CS * 10)

/* Reasons: static strings, formatted with the advert by hf_vrrp_out_str. */
static const char R_NONE[] = "";
static const char R_OWNER[] = "address owner (priority 255) at startup";
static const char R_STARTUP[] = "startup";
static const char R_MASTER_DOWN[] = "master down interval expired";
static const char R_RELEASED[] = "master released (priority 0), skew time expired";
static const char R_PREEMPTED[] = "preempted by higher priority advert";
static const char R_TIE[] = "preempted by equal priority advert with higher address";
static const char R_CONFLICT[] = "address conflict: equal priority, higher IP ID";
static const char R_SHUTDOWN[] = "shutdown";

static const uint8_t mcast_mac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x12};


/* One's complement sum of big-endian 16-bit words, not folded. */
static uint32_t
csum_add(uint32_t acc, const uint8_t *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		acc += hf_rd16(p + i);
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	return acc;
}

static uint16_t
csum_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* Sum of the IPv4 pseudo-header: src, dst (network order), 0, 112, len. */
static uint32_t
pseudo_sum(uint32_t src_ip, uint32_t dst_ip, uint32_t vrrp_len)
{
	uint8_t ph[12];

	memcpy(ph, &src_ip, 4);
	memcpy(ph + 4, &dst_ip, 4);
	ph[8] = 0;
	ph[9] = HF_IPPROTO_VRRP;
	hf_wr16(ph + 10, (uint16_t)vrrp_len);
	return csum_add(0, ph, sizeof(ph));
}

static inline uint32_t
be32(uint32_t ip_be)
{
	const uint8_t *b = (const uint8_t *)&ip_be;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

void
hf_vrrp_vmac(uint8_t vrid, struct hf_mac *mac)
{
	mac->b[0] = 0x00;
	mac->b[1] = 0x00;
	mac->b[2] = 0x5e;
	mac->b[3] = 0x00;
	mac->b[4] = 0x01;
	mac->b[5] = vrid;
}

int
hf_vrrp_build(uint8_t *buf, uint32_t buflen, const struct hf_mac *src_mac,
	const struct hf_mac *eth_dst, uint32_t src_ip, uint32_t dst_ip, uint8_t vrid,
	uint8_t priority, uint16_t max_adver_int_cs, const uint32_t *vips, uint8_t nvips)
{
	uint32_t vlen = HF_VRRP_HLEN + 4u * nvips;
	uint32_t flen = HF_VRRP_FRAME_LEN(nvips);
	uint8_t *ip = buf + HF_ETH_HLEN;
	uint8_t *vr = ip + IPV4_HLEN;
	struct hf_mac vmac;
	uint16_t ck;

	(void)src_mac;
	if (buf == NULL || vrid == 0 || max_adver_int_cs == 0 ||
		max_adver_int_cs > HF_VRRP_MAX_ADVER_CS || (vips == NULL && nvips > 0))
		return -EINVAL;
	if (buflen < flen || buflen < HF_ETH_MIN_FRAME)
		return -ENOSPC;

	/* Ethernet */
	if (eth_dst == NULL)
		memcpy(buf, mcast_mac, 6);
	else
		memcpy(buf, eth_dst->b, 6);
	hf_vrrp_vmac(vrid, &vmac);
	memcpy(buf + 6, vmac.b, 6);
	hf_wr16(buf + 12, HF_ETHERTYPE_IPV4);

	/* IPv4: no options, id 0, no DF, TTL 255 */
	ip[0] = 0x45;
	ip[1] = HF_VRRP_TOS;
	hf_wr16(ip + 2, (uint16_t)(IPV4_HLEN + vlen));
	hf_wr16(ip + 4, 0);
	hf_wr16(ip + 6, 0);
	ip[8] = HF_VRRP_TTL;
	ip[9] = HF_IPPROTO_VRRP;
	hf_wr16(ip + 10, 0);
	memcpy(ip + 12, &src_ip, 4);
	memcpy(ip + 16, &dst_ip, 4);
	ck = hf_inet_cksum(ip, IPV4_HLEN);
	memcpy(ip + 10, &ck, 2);

	/* VRRP */
	vr[0] = (HF_VRRP_VERSION << 4) | HF_VRRP_TYPE_ADVERT;
	vr[1] = vrid;
	vr[2] = priority;
	vr[3] = nvips;
	hf_wr16(vr + 4, max_adver_int_cs); /* the 4 reserved bits are 0 */
	hf_wr16(vr + 6, 0);
	if (nvips > 0)
		memcpy(vr + HF_VRRP_HLEN, vips, 4u * nvips);
	hf_wr16(vr + 6, (uint16_t)~csum_fold(
			     pseudo_sum(src_ip, dst_ip, vlen) + csum_fold(csum_add(0, vr, vlen))));

	if (flen < HF_ETH_MIN_FRAME) {
		memset(buf + flen, 0, HF_ETH_MIN_FRAME - flen);
		flen = HF_ETH_MIN_FRAME;
	}
	return (int)flen;
}

static inline bool
ip_is_multicast(uint32_t ip_be)
{
	return (be32(ip_be) >> 28) == 0xe;
}

int
hf_vrrp_stamp_id(uint8_t *frame, uint32_t len, uint16_t id)
{
	uint8_t *ip = frame + HF_ETH_HLEN;
	uint16_t ck;

	if (frame == NULL || len < HF_ETH_HLEN + IPV4_HLEN)
		return -EINVAL;
	hf_wr16(ip + 4, id);
	hf_wr16(ip + 10, 0);
	ck = hf_inet_cksum(ip, IPV4_HLEN);
	memcpy(ip + 10, &ck, 2);
	return 0;
}

int
hf_vrrp_parse(
	const uint8_t *frame, uint32_t len, const struct hf_pkt_info *pi, struct hf_vrrp_adv *out)
{
	struct hf_pkt_info local;
	const uint8_t *ip, *vr;
	uint32_t ihl, tot, vlen, src, dst, body;
	uint32_t group_be;
	static const uint8_t grp[4] = {224, 0, 0, 18};
	unsigned int i;

	if (frame == NULL || out == NULL)
		return HF_VRRP_ERR_PROTO;
	if (pi == NULL) {
		if (hf_pkt_parse(frame, len, &local) != HF_PKT_OK)
			return HF_VRRP_ERR_PROTO;
		pi = &local;
	}
	if (pi->kind != HF_PKT_IPV4 || pi->proto != HF_IPPROTO_VRRP)
		return HF_VRRP_ERR_PROTO;

	/* Re-check the bounds: pi may come from elsewhere than this frame. */
	ihl = pi->l3_len;
	if (ihl < IPV4_HLEN || (uint32_t)pi->l2_len + ihl > len)
		return HF_VRRP_ERR_PROTO;
	ip = frame + pi->l2_len;
	if ((hf_rd16(ip + 6) & (IPV4_MF | IPV4_OFF_MASK)) != 0)
		return HF_VRRP_ERR_PROTO;
	tot = hf_rd16(ip + 2);
	if (tot < ihl || tot > len - pi->l2_len || tot - ihl < HF_VRRP_HLEN)
		return HF_VRRP_ERR_LEN;
	if (csum_fold(csum_add(0, ip, ihl)) != 0xffff)
		return HF_VRRP_ERR_IP_CKSUM;
	if (ip[8] != HF_VRRP_TTL)
		return HF_VRRP_ERR_TTL;

	vr = ip + ihl;
	vlen = tot - ihl;
	if ((vr[0] >> 4) != HF_VRRP_VERSION)
		return HF_VRRP_ERR_VERSION;
	if ((vr[0] & 0x0f) != HF_VRRP_TYPE_ADVERT)
		return HF_VRRP_ERR_TYPE;
	if (vlen != HF_VRRP_HLEN + 4u * vr[3])
		return HF_VRRP_ERR_LEN;

	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	memcpy(&group_be, grp, 4);
	body = csum_fold(csum_add(0, vr, vlen));
	out->cksum_compat = false;
	if (csum_fold(pseudo_sum(src, dst, vlen) + body) != 0xffff) {
		if (ip_is_multicast(dst) ||
			csum_fold(pseudo_sum(src, group_be, vlen) + body) != 0xffff)
			return HF_VRRP_ERR_CKSUM;
		out->cksum_compat = true;
	}

	out->src_ip = src;
	out->dst_ip = dst;
	out->ip_id = hf_rd16(ip + 4);
	out->vrid = vr[1];
	out->priority = vr[2];
	out->count = vr[3];
	out->max_adver_int_cs = hf_rd16(vr + 4) & 0x0fff;
	out->nb_vips = out->count < HF_VRRP_MAX_VIPS ? out->count : HF_VRRP_MAX_VIPS;
	for (i = 0; i < out->nb_vips; i++)
		memcpy(&out->vips[i], vr + HF_VRRP_HLEN + 4 * i, 4);
	return HF_VRRP_OK;
}

static const char *const vrrp_err_names[HF_VRRP_ERR__MAX] = {
	[HF_VRRP_OK] = "ok",
	[HF_VRRP_ERR_PROTO] = "not an unfragmented IPv4 VRRP packet",
	[HF_VRRP_ERR_TTL] = "TTL is not 255",
	[HF_VRRP_ERR_VERSION] = "VRRP version is not 3",
	[HF_VRRP_ERR_TYPE] = "VRRP type is not advertisement",
	[HF_VRRP_ERR_LEN] = "VRRP packet truncated or address count inconsistent",
	[HF_VRRP_ERR_CKSUM] = "bad VRRP checksum",
	[HF_VRRP_ERR_IP_CKSUM] = "bad IPv4 header checksum",
};

const char *
hf_vrrp_err_str(int err)
{
	if (err < 0 || err >= HF_VRRP_ERR__MAX)
		return "unknown VRRP error";
	return vrrp_err_names[err];
}

/* ---- State machine ---- */

static inline void
out_clear(struct hf_vrrp_out *out)
{
	memset(out, 0, sizeof(*out));
}

uint32_t
hf_vrrp_skew_ms(const struct hf_vrrp *v)
{
	return (uint32_t)(((uint64_t)(256 - v->priority) * v->master_adver_ms) / 256);
}

uint32_t
hf_vrrp_master_down_ms(const struct hf_vrrp *v)
{
	return 3 * v->master_adver_ms + hf_vrrp_skew_ms(v);
}

/* Max Adver Int from the wire, in ms (0 read as 1 cs: the master is there). */
static inline uint32_t
adv_ms(const struct hf_vrrp_adv *a)
{
	uint32_t cs = a->max_adver_int_cs & HF_VRRP_MAX_ADVER_CS;

	return (cs == 0 ? 1 : cs) * 10;
}

static void
set_state(struct hf_vrrp *v, enum hf_vrrp_state s, uint64_t now, const char *reason,
	const struct hf_vrrp_adv *a, struct hf_vrrp_out *out)
{
	v->state = s;
	v->last_change = now;
	v->reason = reason;
	v->reason_ip = a != NULL ? a->src_ip : 0;
	v->reason_priority = a != NULL ? a->priority : 0;
	v->stats.transitions++;
	out->reason = reason;
	out->peer_ip = v->reason_ip;
	out->peer_priority = v->reason_priority;
}

static void
send_advert(struct hf_vrrp *v, uint8_t prio, struct hf_vrrp_out *out)
{
	out->flags |= HF_VRRP_OUT_SEND_ADVERT;
	out->advert_priority = prio;
	v->stats.adverts_sent++;
}

static void
become_master(struct hf_vrrp *v, uint64_t now, const char *reason, struct hf_vrrp_out *out)
{
	set_state(v, HF_VRRP_MASTER, now, reason, NULL, out);
	v->stats.became_master++;
	v->master_ip = v->primary_ip;
	v->master_priority = v->priority;
	out->flags |= HF_VRRP_OUT_BECAME_MASTER;
	send_advert(v, v->priority, out);
	v->adver_at = now + v->advert_ms;
}

/* Learn the master from a (non-zero priority) advert and restart the timer. */
static void
follow_master(struct hf_vrrp *v, const struct hf_vrrp_adv *a, uint64_t now)
{
	v->master_adver_ms = adv_ms(a);
	v->master_ip = a->src_ip;
	v->master_priority = a->priority;
	v->master_down_at = now + hf_vrrp_master_down_ms(v);
	v->down_reason = R_MASTER_DOWN;
}

int
hf_vrrp_init(struct hf_vrrp *v, const struct hf_vrrp_conf *c, uint64_t now)
{
	if (v == NULL || c == NULL || c->vrid == 0 || c->priority == 0 ||
		c->advert_ms < ADVERT_MS_MIN || c->advert_ms > ADVERT_MS_MAX)
		return -EINVAL;

	memset(v, 0, sizeof(*v));
	v->vrid = c->vrid;
	v->priority = c->priority;
	v->preempt = c->preempt;
	v->advert_ms = c->advert_ms / 10 * 10;
	v->advert_cs = (uint16_t)(c->advert_ms / 10);
	v->primary_ip = c->primary_ip;
	v->ip_id = c->ip_id;
	v->state = HF_VRRP_INIT;
	v->master_adver_ms = v->advert_ms;
	v->last_change = now;
	v->reason = R_NONE;
	v->down_reason = R_MASTER_DOWN;
	return 0;
}

void
hf_vrrp_start(struct hf_vrrp *v, uint64_t now, struct hf_vrrp_out *out)
{
	out_clear(out);
	if (v->state != HF_VRRP_INIT)
		return;

	v->master_adver_ms = v->advert_ms;
	v->master_ip = 0;
	v->master_priority = 0;
	if (v->priority == HF_VRRP_PRIO_OWNER) {
		become_master(v, now, R_OWNER, out);
		return;
	}
	set_state(v, HF_VRRP_BACKUP, now, R_STARTUP, NULL, out);
	v->stats.became_backup++;
	out->flags |= HF_VRRP_OUT_BECAME_BACKUP;
	v->master_down_at = now + hf_vrrp_master_down_ms(v);
	v->down_reason = R_MASTER_DOWN;
}

void
hf_vrrp_tick(struct hf_vrrp *v, uint64_t now, struct hf_vrrp_out *out)
{
	out_clear(out);
	switch (v->state) {
	case HF_VRRP_BACKUP:
		if (now >= v->master_down_at)
			become_master(v, now, v->down_reason, out);
		break;
	case HF_VRRP_MASTER:
		if (now >= v->adver_at) {
			send_advert(v, v->priority, out);
			v->adver_at = now + v->advert_ms;
		}
		break;
	default:
		break;
	}
}

static void
rx_backup(struct hf_vrrp *v, const struct hf_vrrp_adv *a, uint64_t now)
{
	if (a->priority == HF_VRRP_PRIO_STOP) {
		/* The master is leaving: take over after Skew_Time. */
		v->master_down_at = now + hf_vrrp_skew_ms(v);
		v->down_reason = R_RELEASED;
		return;
	}
	if (!v->preempt || a->priority >= v->priority) {
		follow_master(v, a, now);
		return;
	}
	/* Lower priority and we preempt: let the master-down timer run out. */
	v->stats.rx_ignored++;
}

static void
rx_master(struct hf_vrrp *v, const struct hf_vrrp_adv *a, uint64_t now, struct hf_vrrp_out *out)
{
	const char *reason;

	if (a->priority == HF_VRRP_PRIO_STOP) {
		send_advert(v, v->priority, out);
		v->adver_at = now + v->advert_ms;
		return;
	}
	if (a->priority > v->priority)
		reason = R_PREEMPTED;
	else if (a->priority == v->priority && be32(a->src_ip) > be32(v->primary_ip))
		reason = R_TIE;
	else if (a->priority == v->priority && a->src_ip == v->primary_ip && a->ip_id > v->ip_id)
		reason = R_CONFLICT; /* hf_vrrp_rx let it through: not ours */
	else {
		v->stats.rx_ignored++;
		return;
	}
	set_state(v, HF_VRRP_BACKUP, now, reason, a, out);
	v->stats.became_backup++;
	out->flags |= HF_VRRP_OUT_BECAME_BACKUP;
	follow_master(v, a, now);
}

void
hf_vrrp_rx(struct hf_vrrp *v, const struct hf_vrrp_adv *a, uint64_t now, struct hf_vrrp_out *out)
{
	out_clear(out);
	v->stats.adverts_rx++;
	if (a->vrid != v->vrid) {
		v->stats.rx_wrong_vrid++;
		return;
	}
	if (a->src_ip == v->primary_ip) {
		if (v->ip_id == 0 || a->ip_id == v->ip_id) {
			v->stats.rx_own++;
			return;
		}
		/* someone else uses our address: say so, then treat it as theirs */
		v->stats.rx_conflict++;
		out->flags |= HF_VRRP_OUT_CONFLICT;
		out->peer_ip = a->src_ip;
		out->peer_priority = a->priority;
	}
	if (a->priority == HF_VRRP_PRIO_STOP)
		v->stats.rx_prio_zero++;

	switch (v->state) {
	case HF_VRRP_BACKUP:
		rx_backup(v, a, now);
		break;
	case HF_VRRP_MASTER:
		rx_master(v, a, now, out);
		break;
	default:
		v->stats.rx_ignored++;
		break;
	}
}

bool
hf_vrrp_shutdown(struct hf_vrrp *v, uint64_t now, struct hf_vrrp_out *out)
{
	bool was_master = v->state == HF_VRRP_MASTER;

	out_clear(out);
	if (v->state == HF_VRRP_INIT)
		return false;
	if (was_master)
		send_advert(v, HF_VRRP_PRIO_STOP, out);
	set_state(v, HF_VRRP_INIT, now, R_SHUTDOWN, NULL, out);
	out->flags |= HF_VRRP_OUT_STOPPED;
	v->master_ip = 0;
	v->master_priority = 0;
	return was_master;
}

uint64_t
hf_vrrp_next_timeout(const struct hf_vrrp *v, uint64_t now)
{
	uint64_t at;

	switch (v->state) {
	case HF_VRRP_BACKUP:
		at = v->master_down_at;
		break;
	case HF_VRRP_MASTER:
		at = v->adver_at;
		break;
	default:
		return HF_VRRP_NO_TIMEOUT;
	}
	return at <= now ? 0 : at - now;
}

void
hf_vrrp_count_bad(struct hf_vrrp *v, int err)
{
	if (err > HF_VRRP_OK && err < HF_VRRP_ERR__MAX)
		v->stats.rx_bad[err]++;
}

const char *
hf_vrrp_state_str(enum hf_vrrp_state s)
{
	switch (s) {
	case HF_VRRP_INIT:
		return "init";
	case HF_VRRP_BACKUP:
		return "backup";
	case HF_VRRP_MASTER:
		return "master";
	default:
		return "unknown";
	}
}

static const char *
reason_fmt(const char *reason, uint32_t ip, uint8_t prio, char *buf, size_t size)
{
	char ipbuf[HF_IP4_STRLEN];

	if (size == 0)
		return buf;
	if (reason == NULL)
		reason = R_NONE;
	if (ip != 0)
		snprintf(buf, size, "%s from %s (priority %u)", reason, hf_ip4_str(ip, ipbuf),
			(unsigned int)prio);
	else
		snprintf(buf, size, "%s", reason);
	return buf;
}

const char *
hf_vrrp_out_str(const struct hf_vrrp_out *out, char *buf, size_t size)
{
	return reason_fmt(out->reason, out->peer_ip, out->peer_priority, buf, size);
}

const char *
hf_vrrp_reason_str(const struct hf_vrrp *v, char *buf, size_t size)
{
	return reason_fmt(v->reason, v->reason_ip, v->reason_priority, buf, size);
}
