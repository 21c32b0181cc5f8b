/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the control plane's decoders of punted frames.
 *
 * The input is one Ethernet frame as a worker punts it. It goes through
 * hf_pkt_parse, then each consumer the control lcore has for it:
 *   - ICMP: hf_icmp_echo_reply_from_request into an output buffer of exactly
 *     the size it needs (ASan catches one byte too many) and into one a
 *     byte too small (must be -ENOSPC, writing nothing past it); a reply,
 *     when one is built, must parse back as the echo reply icmp.h describes;
 *   - ARP: hf_probeaddr_arp on a probe-address state that is probing and on
 *     one that is bound, checked against the rules in probeaddr.h; the
 *     proxy-ARP reply to a request (hf_arp_build) must parse back;
 *   - VRRP: hf_vrrp_parse (vrrp.h), given the parse result and parsing on
 *     its own; an advert it accepts must rebuild (hf_vrrp_build) into one
 *     that parses back the same, and goes through hf_vrrp_rx of a backup
 *     and of a master router, checked against the rules in vrrp.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <hyperflow/addr.h>
#include <hyperflow/icmp.h>
#include <hyperflow/pkt.h>
#include <hyperflow/probeaddr.h>
#include <hyperflow/vrrp.h>

#include "fuzz.h"

/* Our port's MAC: what the probes and replies are sent from. */
static const struct hf_mac our_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
/* the box id our probes would carry (another port's MAC) */
static const struct hf_mac our_id = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x05}};
static const uint32_t pool[2] = {IP4(192, 0, 2, 250), IP4(192, 0, 2, 251)};

#define T_PROBE 1000u /* ms: probing state's clock */
#define T_BOUND 5000u /* ms: the bound state's clock when it sees the frame */

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool
ip_unanswerable(uint32_t ip_be)
{
	uint32_t h = ntohl(ip_be);

	return h == 0 || h >> 24 == 127 || h >> 24 >= 224;
}

/* The reply icmp.h promises for the request req (parsed as rq). */
static void
check_echo_reply(
	const uint8_t *req, size_t len, const struct hf_pkt_info *rq, const uint8_t *out, int olen)
{
	const uint8_t *rl3 = req + rq->l2_len, *ol3;
	uint32_t icmp_len = rd16(rl3 + 2) - rq->l3_len;
	uint32_t want = rq->l2_len + 20u + icmp_len;
	struct hf_pkt_info pi;

	/* only a well-formed echo request is answered */
	HF_FUZZ_CHECK(rq->kind == HF_PKT_IPV4 && rq->proto == HF_IPPROTO_ICMP);
	HF_FUZZ_CHECK(!rq->is_fragment && rq->l4_valid);
	HF_FUZZ_CHECK(rq->icmp_type == HF_ICMP_ECHO_REQUEST && rq->icmp_code == 0);
	HF_FUZZ_CHECK(!(req[6] & 1));
	HF_FUZZ_CHECK(!ip_unanswerable(rq->src_key) && !ip_unanswerable(rq->dst_key));
	HF_FUZZ_CHECK(hf_inet_cksum(rl3, rq->l3_len) == 0);
	HF_FUZZ_CHECK(icmp_len >= HF_ICMP_HLEN && rq->l2_len + rq->l3_len + icmp_len <= len);
	HF_FUZZ_CHECK(hf_inet_cksum(rl3 + rq->l3_len, icmp_len) == 0);

	HF_FUZZ_CHECK((uint32_t)olen == (want < HF_ETH_MIN_FRAME ? HF_ETH_MIN_FRAME : want));
	HF_FUZZ_CHECK(hf_pkt_parse(out, (uint32_t)olen, &pi) == HF_PKT_OK);
	HF_FUZZ_CHECK(memcmp(out, req + 6, 6) == 0);
	HF_FUZZ_CHECK(memcmp(out + 6, our_mac.b, 6) == 0);
	HF_FUZZ_CHECK(pi.nb_vlan == rq->nb_vlan && pi.l2_len == rq->l2_len);
	HF_FUZZ_CHECK(memcmp(out + 12, req + 12, rq->l2_len - 12u) == 0);
	HF_FUZZ_CHECK(pi.kind == HF_PKT_IPV4 && pi.proto == HF_IPPROTO_ICMP && pi.l3_len == 20);
	HF_FUZZ_CHECK(!pi.is_fragment && pi.l4_valid && pi.ttl == HF_ICMP_DEFAULT_TTL);
	HF_FUZZ_CHECK(pi.icmp_type == HF_ICMP_ECHO_REPLY && pi.icmp_code == 0);
	HF_FUZZ_CHECK(pi.icmp_id == rq->icmp_id && pi.icmp_seq == rq->icmp_seq);
	HF_FUZZ_CHECK(pi.src_key == rq->dst_key && pi.dst_key == rq->src_key);
	ol3 = out + pi.l2_len;
	HF_FUZZ_CHECK(rd16(ol3 + 2) == 20u + icmp_len);
	HF_FUZZ_CHECK(hf_inet_cksum(ol3, 20) == 0);
	HF_FUZZ_CHECK(hf_inet_cksum(ol3 + 20, icmp_len) == 0);
	HF_FUZZ_CHECK(memcmp(ol3 + 20 + HF_ICMP_HLEN, rl3 + rq->l3_len + HF_ICMP_HLEN,
			      icmp_len - HF_ICMP_HLEN) == 0);
}

static void
fuzz_icmp(const uint8_t *data, size_t size, const struct hf_pkt_info *pi)
{
	size_t cap = size < HF_ETH_MIN_FRAME ? HF_ETH_MIN_FRAME : size;
	uint8_t *out, *small;
	int ret, ret2;

	/* A reply is never longer than its request (no IP options), or 60. */
	out = malloc(cap);
	HF_FUZZ_CHECK(out != NULL);
	ret = hf_icmp_echo_reply_from_request(data, (uint32_t)size, out, (uint32_t)cap, &our_mac);
	HF_FUZZ_CHECK(ret > 0 || ret == -EINVAL);
	if (ret > 0) {
		HF_FUZZ_CHECK(pi != NULL);
		check_echo_reply(data, size, pi, out, ret);
		/* one byte short: refused, and nothing written past the buffer */
		small = malloc((size_t)ret - 1);
		HF_FUZZ_CHECK(small != NULL);
		ret2 = hf_icmp_echo_reply_from_request(
			data, (uint32_t)size, small, (uint32_t)ret - 1, &our_mac);
		HF_FUZZ_CHECK(ret2 == -ENOSPC);
		free(small);
	}
	free(out);
}

/* hf_probeaddr_arp on a state that is probing pool[0] (one probe sent). */
static void
fuzz_probing(const struct hf_pkt_info *pi)
{
	struct hf_probeaddr pa;
	enum hf_pa_conflict c;
	uint32_t ip = 0, cand;
	bool conflict, wins;

	HF_FUZZ_CHECK(hf_probeaddr_init(&pa, pool, 2, T_PROBE) == 0);
	HF_FUZZ_CHECK(hf_probeaddr_step(&pa, T_PROBE, &ip) == HF_PA_SEND_PROBE);
	cand = hf_probeaddr_candidate(&pa);
	HF_FUZZ_CHECK(cand == pool[0] && ip == pool[0]);

	/* a simultaneous probe wins by the box id in its target MAC, else by its sender MAC */
	hf_probeaddr_set_id(&pa, &our_id);
	wins = hf_mac_is_zero(&pi->arp_tha) ? memcmp(pi->arp_sha.b, our_mac.b, 6) > 0
					    : memcmp(pi->arp_tha.b, our_id.b, 6) > 0;
	conflict = pi->kind == HF_PKT_ARP && !hf_mac_eq(&pi->arp_sha, &our_mac) &&
		   (pi->arp_sip == cand || (pi->arp_sip == 0 && pi->arp_tip == cand && wins));
	c = hf_probeaddr_arp(&pa, pi, &our_mac, T_PROBE + 1);
	if (conflict) {
		HF_FUZZ_CHECK(c == HF_PA_CONFLICT_NEXT);
		HF_FUZZ_CHECK(hf_probeaddr_candidate(&pa) == pool[1]);
		HF_FUZZ_CHECK(pa.stats.rejected == 1);
		/* the next candidate is probed at once */
		HF_FUZZ_CHECK(hf_probeaddr_step(&pa, T_PROBE + 1, &ip) == HF_PA_SEND_PROBE);
		HF_FUZZ_CHECK(ip == pool[1]);
	} else {
		HF_FUZZ_CHECK(c == HF_PA_CONFLICT_NONE);
		HF_FUZZ_CHECK(hf_probeaddr_candidate(&pa) == pool[0]);
	}
	HF_FUZZ_CHECK(hf_probeaddr_bound(&pa) == 0);
}

/* hf_probeaddr_arp, twice, on a state bound to pool[0]: never given up. */
static void
fuzz_bound(const struct hf_pkt_info *pi)
{
	struct hf_probeaddr pa;
	enum hf_pa_action a = HF_PA_NONE;
	enum hf_pa_conflict c1, c2;
	uint64_t now = 0;
	uint32_t ip = 0;
	bool conflict;
	int i;

	HF_FUZZ_CHECK(hf_probeaddr_init(&pa, pool, 2, now) == 0);
	for (i = 0; i < 100; i++, now += 10) {
		a = hf_probeaddr_step(&pa, now, &ip);
		if (a == HF_PA_BOUND)
			break;
	}
	HF_FUZZ_CHECK(a == HF_PA_BOUND && ip == pool[0]);
	HF_FUZZ_CHECK(hf_probeaddr_bound(&pa) == pool[0]);

	conflict = pi->kind == HF_PKT_ARP && !hf_mac_eq(&pi->arp_sha, &our_mac) &&
		   pi->arp_sip == pool[0];
	c1 = hf_probeaddr_arp(&pa, pi, &our_mac, T_BOUND);
	c2 = hf_probeaddr_arp(&pa, pi, &our_mac, T_BOUND + 1);
	if (conflict) {
		HF_FUZZ_CHECK(c1 == HF_PA_CONFLICT_DEFEND);
		/* at most one defence per HF_PA_DEFEND_INTERVAL_MS */
		HF_FUZZ_CHECK(c2 == HF_PA_CONFLICT_SEEN);
		HF_FUZZ_CHECK(pa.stats.conflicts == 2 && pa.stats.defends == 1);
	} else {
		HF_FUZZ_CHECK(c1 == HF_PA_CONFLICT_NONE && c2 == HF_PA_CONFLICT_NONE);
		HF_FUZZ_CHECK(pa.stats.conflicts == 0);
	}
	HF_FUZZ_CHECK(hf_probeaddr_bound(&pa) == pool[0]);
	HF_FUZZ_CHECK(hf_probeaddr_step(&pa, T_BOUND + 2, &ip) == HF_PA_NONE);
}

/* Proxy ARP: the reply to a request must parse back with the fields swapped. */
static void
fuzz_arp_reply(const struct hf_pkt_info *pi)
{
	static const struct hf_mac cluster_mac = {{0x00, 0x00, 0x5e, 0x00, 0x01, 0x01}};
	uint8_t buf[HF_ETH_MIN_FRAME];
	struct hf_pkt_info r;
	int len;

	len = hf_arp_build(buf, sizeof(buf), &pi->arp_sha, &cluster_mac, HF_ARP_OP_REPLY,
		&cluster_mac, pi->arp_tip, &pi->arp_sha, pi->arp_sip);
	HF_FUZZ_CHECK(len == HF_ETH_MIN_FRAME);
	HF_FUZZ_CHECK(hf_pkt_parse(buf, (uint32_t)len, &r) == HF_PKT_OK);
	HF_FUZZ_CHECK(r.kind == HF_PKT_ARP && r.arp_op == HF_ARP_OP_REPLY);
	HF_FUZZ_CHECK(r.arp_sip == pi->arp_tip && r.arp_tip == pi->arp_sip);
	HF_FUZZ_CHECK(hf_mac_eq(&r.arp_sha, &cluster_mac) && hf_mac_eq(&r.arp_tha, &pi->arp_sha));
	HF_FUZZ_CHECK(
		hf_arp_build(buf, HF_ETH_MIN_FRAME - 1, &pi->arp_sha, &cluster_mac, HF_ARP_OP_REPLY,
			&cluster_mac, pi->arp_tip, &pi->arp_sha, pi->arp_sip) == -ENOSPC);
}

/* Our VRRP router: vrid 51, priority 100, 100 ms, preempt, 192.0.2.253. */
#define VR_VRID 51
#define VR_PRIO 100
#define VR_IPID 0x0101 /* the IPv4 id of the router's own adverts */

static void
vrrp_router(struct hf_vrrp *v, bool master)
{
	const struct hf_vrrp_conf conf = {
		.vrid = VR_VRID,
		.priority = VR_PRIO,
		.advert_ms = 100,
		.preempt = true,
		.primary_ip = IP4(192, 0, 2, 253),
		.ip_id = VR_IPID,
	};
	struct hf_vrrp_out out;

	HF_FUZZ_CHECK(hf_vrrp_init(v, &conf, 0) == 0);
	hf_vrrp_start(v, 0, &out);
	HF_FUZZ_CHECK(v->state == HF_VRRP_BACKUP);
	if (master) {
		hf_vrrp_tick(v, 10000, &out);
		HF_FUZZ_CHECK(v->state == HF_VRRP_MASTER);
	}
}

static void
check_reason(const struct hf_vrrp_out *out)
{
	char buf[4 * HF_VRRP_REASON_MAX];

	hf_vrrp_out_str(out, buf, sizeof(buf));
	HF_FUZZ_CHECK(strlen(buf) < HF_VRRP_REASON_MAX);
}

/* An accepted advert: what vrrp.h says was checked, and a faithful rebuild. */
static void
check_advert(const uint8_t *data, const struct hf_pkt_info *pi, const struct hf_vrrp_adv *a)
{
	const uint8_t *l3 = data + pi->l2_len, *vr = l3 + pi->l3_len;
	uint8_t buf[HF_VRRP_FRAME_LEN(HF_VRRP_MAX_VIPS) + HF_ETH_MIN_FRAME];
	struct hf_vrrp_adv b;
	struct hf_pkt_info bp;
	int len;

	HF_FUZZ_CHECK(pi->kind == HF_PKT_IPV4 && pi->proto == HF_IPPROTO_VRRP);
	HF_FUZZ_CHECK(!pi->is_fragment && pi->ttl == HF_VRRP_TTL);
	HF_FUZZ_CHECK(hf_inet_cksum(l3, pi->l3_len) == 0);
	HF_FUZZ_CHECK(rd16(l3 + 2) == pi->l3_len + HF_VRRP_HLEN + 4u * a->count);
	HF_FUZZ_CHECK(vr[0] == (HF_VRRP_VERSION << 4 | HF_VRRP_TYPE_ADVERT));
	HF_FUZZ_CHECK(a->vrid == vr[1] && a->priority == vr[2] && a->count == vr[3]);
	HF_FUZZ_CHECK(a->max_adver_int_cs == (rd16(vr + 4) & 0x0fff));
	HF_FUZZ_CHECK(a->src_ip == pi->src_key && a->dst_ip == pi->dst_key);
	HF_FUZZ_CHECK(a->ip_id == rd16(l3 + 4));
	HF_FUZZ_CHECK(a->nb_vips == (a->count < HF_VRRP_MAX_VIPS ? a->count : HF_VRRP_MAX_VIPS));
	HF_FUZZ_CHECK(memcmp(a->vips, vr + HF_VRRP_HLEN, 4u * a->nb_vips) == 0);
	if (a->vrid == 0 || a->max_adver_int_cs == 0 || a->count > HF_VRRP_MAX_VIPS)
		return; /* hf_vrrp_build refuses these, or keeps fewer addresses */

	len = hf_vrrp_build(buf, sizeof(buf), &our_mac, NULL, a->src_ip, a->dst_ip, a->vrid,
		a->priority, a->max_adver_int_cs, a->vips, a->nb_vips);
	HF_FUZZ_CHECK(len >= HF_ETH_MIN_FRAME && (size_t)len <= sizeof(buf));
	HF_FUZZ_CHECK(hf_pkt_parse(buf, (uint32_t)len, &bp) == HF_PKT_OK);
	HF_FUZZ_CHECK(hf_vrrp_parse(buf, (uint32_t)len, &bp, &b) == HF_VRRP_OK);
	HF_FUZZ_CHECK(!b.cksum_compat);
	HF_FUZZ_CHECK(b.src_ip == a->src_ip && b.dst_ip == a->dst_ip && b.vrid == a->vrid);
	HF_FUZZ_CHECK(b.priority == a->priority && b.max_adver_int_cs == a->max_adver_int_cs);
	HF_FUZZ_CHECK(b.count == a->count && b.nb_vips == a->nb_vips);
	HF_FUZZ_CHECK(memcmp(b.vips, a->vips, 4u * a->nb_vips) == 0);
}

static void
fuzz_vrrp(const uint8_t *data, size_t size, const struct hf_pkt_info *pi)
{
	struct hf_vrrp_adv a, a2;
	struct hf_vrrp_out out;
	struct hf_vrrp v;
	bool wins, own, conflict;
	int rc, rc2;

	/* parsing on its own (pi NULL) must agree with parsing from pi */
	rc = hf_vrrp_parse(data, (uint32_t)size, pi, &a);
	rc2 = hf_vrrp_parse(data, (uint32_t)size, NULL, &a2);
	HF_FUZZ_CHECK(rc >= HF_VRRP_OK && rc < HF_VRRP_ERR__MAX);
	HF_FUZZ_CHECK(hf_vrrp_err_str(rc) != NULL);
	HF_FUZZ_CHECK(rc == rc2);
	if (pi->kind != HF_PKT_IPV4 || pi->proto != HF_IPPROTO_VRRP || pi->is_fragment)
		HF_FUZZ_CHECK(rc == HF_VRRP_ERR_PROTO);
	if (rc != HF_VRRP_OK) {
		vrrp_router(&v, false);
		hf_vrrp_count_bad(&v, rc);
		HF_FUZZ_CHECK(v.stats.rx_bad[rc] == 1);
		return;
	}
	HF_FUZZ_CHECK(a.src_ip == a2.src_ip && a.dst_ip == a2.dst_ip && a.vrid == a2.vrid);
	HF_FUZZ_CHECK(a.priority == a2.priority && a.max_adver_int_cs == a2.max_adver_int_cs);
	HF_FUZZ_CHECK(a.count == a2.count && a.nb_vips == a2.nb_vips);
	HF_FUZZ_CHECK(a.cksum_compat == a2.cksum_compat);
	HF_FUZZ_CHECK(memcmp(a.vips, a2.vips, 4u * a.nb_vips) == 0);
	check_advert(data, pi, &a);

	/* a backup stays backup whatever it hears: only its timer promotes it */
	vrrp_router(&v, false);
	hf_vrrp_rx(&v, &a, 20, &out);
	HF_FUZZ_CHECK(v.state == HF_VRRP_BACKUP && !(out.flags & HF_VRRP_OUT_BECAME_MASTER));
	HF_FUZZ_CHECK(v.stats.adverts_rx == 1);
	check_reason(&out);

	/* a master yields to a higher priority, or the same from a greater address */
	vrrp_router(&v, true);
	hf_vrrp_rx(&v, &a, 10020, &out);
	/* from our address with another IP id: someone else's, and a conflict */
	own = a.src_ip == v.primary_ip && a.ip_id == VR_IPID;
	conflict = a.vrid == VR_VRID && a.src_ip == v.primary_ip && !own;
	wins = a.vrid == VR_VRID && !own &&
	       (a.priority > VR_PRIO ||
		       (a.priority == VR_PRIO && (ntohl(a.src_ip) > ntohl(v.primary_ip) ||
							 (conflict && a.ip_id > VR_IPID))));
	HF_FUZZ_CHECK(v.stats.rx_conflict == (conflict ? 1u : 0u));
	HF_FUZZ_CHECK(!(out.flags & HF_VRRP_OUT_CONFLICT) == !conflict);
	if (wins) {
		HF_FUZZ_CHECK(v.state == HF_VRRP_BACKUP);
		HF_FUZZ_CHECK(out.flags & HF_VRRP_OUT_BECAME_BACKUP);
	} else {
		HF_FUZZ_CHECK(v.state == HF_VRRP_MASTER);
		HF_FUZZ_CHECK(!(out.flags & HF_VRRP_OUT_BECAME_BACKUP));
	}
	if (a.vrid == VR_VRID && !own && a.priority == HF_VRRP_PRIO_STOP)
		HF_FUZZ_CHECK(out.flags & HF_VRRP_OUT_SEND_ADVERT);
	HF_FUZZ_CHECK(hf_vrrp_next_timeout(&v, 10020) != HF_VRRP_NO_TIMEOUT);
	check_reason(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hf_pkt_info pi;
	int rc;

	if (size > UINT16_MAX)
		return 0;
	rc = hf_pkt_parse(data, (uint32_t)size, &pi);
	/* the ICMP decoder parses on its own: it must refuse what parse refuses */
	fuzz_icmp(data, size, rc == HF_PKT_OK ? &pi : NULL);
	if (rc != HF_PKT_OK)
		return 0;
	fuzz_probing(&pi);
	fuzz_bound(&pi);
	if (pi.kind == HF_PKT_ARP)
		fuzz_arp_reply(&pi);
	fuzz_vrrp(data, size, &pi);
	return 0;
}
