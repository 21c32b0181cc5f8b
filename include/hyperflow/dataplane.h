/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane snapshot: everything a worker reads to classify, select and
 * rewrite, precomputed by the control plane from the configuration and the
 * members' live state. Plain C: building and classifying need no EAL, so
 * both are unit-tested directly.
 *
 * Thread-safety: built by the control lcore (or main before the workers
 * start), never modified after publication. The control lcore publishes a
 * new snapshot with a release store of the pointer; workers load it with
 * acquire once per loop iteration and report an RCU quiescent state
 * (rte_rcu_qsbr) at the end of it; the old snapshot is freed only after a
 * grace period. See src/cp/control.c.
 *
 * One exception, read by workers but not part of the snapshot:
 * probe_window (one word per member uid, the health probes it has
 * outstanding, hf_health_window) lives as long as the runtime; the control
 * lcore is its only writer and stores each word with a relaxed atomic
 * store whenever that member's outstanding probes change; workers load it
 * relaxed. A stale word only sends a reply to the shared icmp budget, or a
 * duplicate to the probe budget: the control plane matches every reply
 * again, and the budget bounds what a wrong guess costs.
 */
#ifndef HF_DATAPLANE_H
#define HF_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <hyperflow/compiler.h>
#include <hyperflow/addrtab.h>
#include <hyperflow/cltab.h>
#include <hyperflow/config.h>
#include <hyperflow/flowtab.h>
#include <hyperflow/hash.h>
#include <hyperflow/probewin.h>
#include <hyperflow/icmp.h>
#include <hyperflow/maglev.h>
#include <hyperflow/pkt.h>
#include <hyperflow/stats.h>

#define HF_DP_NONE UINT32_MAX
#define HF_DP_NO_FLOW_ID 0xffffu   /* hf_dataplane.member_flow of a member in no group */

/* Values of the IPv4 address table: a cluster index, or a flag. */
#define HF_DP_IP_LOCAL 0x80000000u   /* the control plane's own (probe) address */
/* Values of the MAC table: a cluster index, or a flag. */
#define HF_DP_MAC_PORT 0x80000000u   /* one of our ports' MACs: ARP to it is punted */

/*
 * What a punted frame is, each kind with its own rate limit. The probe kind
 * is the health replies (hf_dp_punt_ipv4_local, the ARP branch of
 * hf_dp_classify): its budget comes from the configuration
 * (hf_config_probe_budget), not from the punt block, so that no other
 * traffic to the probe address can starve them.
 */
enum hf_punt_kind {
	HF_PUNT_ARP = 0,   /* ARP for a cluster IP */
	HF_PUNT_LOCAL,     /* ARP for/from our probe address or candidate, or to a port MAC */
	HF_PUNT_ICMP,      /* other IPv4 to our probe address */
	HF_PUNT_VRRP,
	HF_PUNT_PROBE,     /* health replies: echo replies to outstanding probes, members' ARP replies */
	HF_PUNT__MAX
};
/* The drop reason of each kind's limit follows the same order. */
_Static_assert(HF_DROP_PUNT_LIMIT_PROBE - HF_DROP_PUNT_LIMIT_ARP == HF_PUNT_PROBE,
	       "punt kinds and their drop reasons must line up");

struct hf_dp_port {
	uint16_t port_id;          /* DPDK port id */
	struct hf_mac mac;         /* MAC used as eth src on egress */
};

struct hf_dp_member {
	uint8_t eth[12];           /* precomputed header: dst = member MAC, src = port MAC */
	uint16_t pidx;             /* egress port, config index */
	uint16_t port_id;          /* egress port, DPDK id */
	uint32_t stat;             /* member counter id, stable across reloads */
	uint32_t uid;              /* flow-table value; equals stat */
	uint8_t live;              /* may take new flows (up, healthy, MAC known) */
	uint8_t usable;            /* may keep tracked flows (live, or draining and healthy) */
	uint16_t recovered_epoch;  /* recovery epoch of its last health recovery, 0 = none */
	/* what the control plane knew when it published, for telemetry and
	 * the stats file (never read by workers): they read these, not the
	 * control lcore's member state, which changes under them */
	uint8_t mac_known;         /* eth[0..5] is the member's MAC */
	uint8_t healthy;
	uint8_t health;            /* enum hf_health_state as last reported */
	uint8_t held;              /* not live/usable because another leg of its device is not */
};

struct hf_dp_cluster {
	const uint8_t *table;      /* buckets -> index into the cluster's members, or HF_MAGLEV_NONE */
	uint32_t bucket_mask;      /* buckets - 1 */
	uint32_t member_base;      /* first member in hf_dataplane.members */
	uint16_t nb_members;
	uint16_t nb_live;
	uint8_t hash_mode;         /* enum hf_hash_mode */
	uint8_t type;              /* enum hf_cluster_type */
	uint32_t port_mask;        /* ports where proxy ARP answers */
	uint32_t ip;               /* network order */
	struct hf_mac mac;
	uint32_t stat;             /* cluster counter id, stable across reloads */
	/*
	 * The flow-table key's cluster field: the least stat of its device
	 * group's clusters (its own stat when it shares no device), so that a
	 * conversation's two directions, one through each cluster of the
	 * group, share one flow-table entry (hf_dp_select_hashed).
	 */
	uint16_t flow_id;
	/* grouped clusters: device slot (hf_device_conf.slot) -> index into
	 * its members; NULL when it shares no device */
	const uint8_t *slot_member;
};

/*
 * What the control plane knows of one member, as a snapshot is built from
 * it. The control plane keeps it as the first field of its own per-member
 * state (struct hf_member_rt, monitor.h), which the build walks with a
 * stride: the data plane knows nothing of the health state machine.
 */
#define HF_DP_HEALTH_UP 1   /* enum hf_health_state's UP, for members built without a view */

struct hf_member_view {
	bool healthy;              /* health monitor says up (true when method none) */
	bool mac_known;
	uint8_t health;            /* enum hf_health_state as last reported (telemetry) */
	uint16_t recovered_epoch;  /* see hf_dataplane.recover_epoch */
	struct hf_mac mac;         /* configured or resolved */
};

/*
 * Flow-table values: member uid in the low 16 bits, the recovery epoch at
 * insertion in the high 16. A member that recovers (health down -> up) gets
 * the next epoch; a tracked flow whose bucket belongs to a member that
 * recovered after the flow was inserted goes back to that member ("takes
 * its buckets back"), while flows pinned across reloads, added members and
 * weight changes stay put.
 */
#define HF_FLOW_VAL(uid, epoch) ((uint32_t)(uid) | (uint32_t)(epoch) << 16)
#define HF_FLOW_UID(val) ((val) & 0xffffu)
#define HF_FLOW_EPOCH(val) ((uint16_t)((val) >> 16))

struct hf_dp_build {
	const struct hf_config *cfg;
	const struct hf_dp_port *ports;        /* cfg->nb_ports entries */
	const struct hf_member_view *members;  /* cfg->nb_members_total entries, config order;
						  NULL: healthy, MAC from config */
	size_t member_stride;                  /* bytes from one entry to the next;
						  0: sizeof(struct hf_member_view) */
	const uint32_t *cluster_stat;          /* per cluster stat id; NULL: index */
	const uint32_t *member_stat;           /* per member stat id; NULL: index */
	uint32_t local_ip;                     /* probe source address, 0 = none */
	uint32_t probe_cand;                   /* probe address being probed, 0 = none */
	bool active;                           /* HA master (or no HA) */
	uint64_t generation;
	uint16_t recover_epoch;                /* current recovery epoch */
	uint64_t hz;                           /* worker clock (TSC) rate, for punt limits */
	uint32_t nb_workers;                   /* punt limits are shared out among them */
	/* the snapshot in force, or NULL: a cluster whose configuration (same
	 * cfg, by serial) and live members did not change takes its bucket
	 * table as it is instead of building it again */
	const struct hf_dataplane *prev;
	/* hf_dp_base_tables(cfg), or NULL: a table that must be built is then
	 * the base table with who is live applied, not a whole Maglev build */
	const uint8_t *base;
	const uint32_t *probe_window;          /* per member uid, HF_MAX_MEMBERS_TOTAL words
						  (hf_health_window); NULL: any sequence */
	/* the cluster tables' implementation (cltab.h); NULL: hf_addrtab, no EAL */
	const struct hf_cltab_ops *cltab_ops;
	int cltab_socket;                      /* their NUMA socket, -1: any */
};

struct hf_dataplane {
	uint64_t generation;
	uint32_t nb_ports;
	struct hf_dp_port ports[HF_MAX_PORTS];
	uint32_t nb_clusters;
	struct hf_dp_cluster *clusters;
	uint32_t nb_members;
	struct hf_dp_member *members;
	/*
	 * The cluster tables (cltab.h): ip, IPv4 -> cluster index |
	 * HF_DP_IP_LOCAL; mac, cluster MAC -> first cluster with it, port
	 * MAC -> HF_DP_MAC_PORT | port. Shared with the previous snapshot
	 * when built from the same keys.
	 */
	struct hf_cltabs *cltabs;
	struct hf_addrtab member_tab;  /* IPv4 of a member we ARP (health or MAC) -> member index */
	const uint32_t *probe_window;  /* see the top of this file; NULL: any sequence */
	uint32_t local_ip;
	/*
	 * The probe address candidate while it is being probed (RFC 5227), 0
	 * when none: ARP for it or from it is punted (HF_PUNT_LOCAL) so that
	 * another host's probe or claim reaches the probe-address state machine
	 * before the address is ours. It is not in the ip table: IPv4 to it is not
	 * ours yet.
	 */
	uint32_t probe_cand;
	uint8_t unmatched;             /* enum hf_unmatched */
	uint8_t active;                /* forward cluster traffic and answer ARP */
	uint8_t ha_enabled;
	uint16_t recover_epoch;        /* stamped into new flow-table entries */
	uint16_t uid_cap;              /* size of uid_to_member */
	uint32_t *uid_to_member;       /* member uid -> index in members, or HF_DP_NONE */
	/*
	 * Per member index, kept out of struct hf_dp_member (read per packet):
	 * with icmp/tunnel health, where its echo replies come from (member IP
	 * or tunnel target, network order); else 0.
	 */
	uint32_t *probe_src;
	/*
	 * Per member index, for members of grouped clusters (read only when a
	 * flow-table entry names another cluster's member, see
	 * hf_dp_select_hashed): the device slot, and the flow_id of its cluster.
	 */
	uint8_t *member_slot;
	uint16_t *member_flow;
	uint8_t *slot_members;         /* storage of the clusters' slot_member maps */
	uint8_t *tables;               /* storage of all bucket tables */
	/*
	 * Per-worker punt limits (GCRA period and tolerance, in hz units). The
	 * punt block's kinds are shared out among the workers; the probe kind
	 * is given in full to every worker (RSS may put all replies on one).
	 */
	uint64_t punt_period[HF_PUNT__MAX];
	uint64_t punt_tau[HF_PUNT__MAX];
	uint64_t probe_pps;            /* the probe kind's budget (hf_config_probe_budget) */
	size_t bytes;                  /* memory the snapshot holds */
	uint64_t cfg_serial;           /* hf_config.serial it was built from */
	uint32_t nb_rebuilt;           /* bucket tables built anew (not taken from prev) */
};

/* Build a snapshot. NULL with errno (EINVAL, ENOMEM) on failure. */
struct hf_dataplane *hf_dataplane_build(const struct hf_dp_build *in);

/*
 * Every cluster's base bucket table (hf_maglev_base: all members, liveness
 * left out), laid out like a snapshot's tables: computed once per
 * configuration, so a snapshot build only applies who is live. malloc'd;
 * NULL with errno on failure.
 */
uint8_t *hf_dp_base_tables(const struct hf_config *cfg);
void hf_dataplane_free(struct hf_dataplane *dp);

/* What a worker does with one frame. */
enum hf_action {
	HF_ACT_DROP = 0,
	HF_ACT_CLUSTER,   /* hash and select a member of cluster */
	HF_ACT_PUNT,      /* to the control lcore */
	HF_ACT_BRIDGE,    /* L2 bridge */
	HF_ACT_FRAG,      /* a fragment for a 5-tuple cluster: hf_fp_fragment (fastpath.h) */
};

struct hf_verdict {
	uint8_t action;      /* enum hf_action */
	uint8_t drop;        /* enum hf_drop when action == HF_ACT_DROP */
	uint8_t punt;        /* enum hf_punt_kind when action == HF_ACT_PUNT */
	uint16_t cluster;    /* when action == HF_ACT_CLUSTER */
};

static inline uint8_t
hf_drop_of_pkt_err(int err)
{
	switch (err) {
	case HF_PKT_ERR_SHORT: return HF_DROP_MALFORMED_SHORT;
	case HF_PKT_ERR_VLAN: return HF_DROP_MALFORMED_VLAN;
	case HF_PKT_ERR_ARP: return HF_DROP_MALFORMED_ARP;
	case HF_PKT_ERR_IPV4: return HF_DROP_MALFORMED_IPV4;
	default: return HF_DROP_MALFORMED_IPV6;
	}
}

/*
 * The kind of an IPv4 frame to our probe address: a health reply (probe)
 * when it is an ICMP echo reply whose id names a member probed with icmp or
 * tunnel, from the address that member's replies come from, answering one
 * of its outstanding probes (dp->probe_window); anything else (ping, TCP,
 * UDP, stale or foreign replies) is icmp. Needs the ICMP fields
 * (l4_valid): hf_pkt_parse_fast does not read them, see hf_fp_plan_end_.
 */
HF_HOT_INLINE uint8_t
hf_dp_punt_ipv4_local(const struct hf_dataplane *dp, const struct hf_pkt_info *pi)
{
	uint32_t uid, mi;

	if (pi->proto != HF_IPPROTO_ICMP || !pi->l4_valid || pi->icmp_type != HF_ICMP_ECHO_REPLY)
		return HF_PUNT_ICMP;
	uid = hf_icmp_uid_of_id(hf_be16(pi->icmp_id));
	mi = uid < dp->uid_cap ? dp->uid_to_member[uid] : HF_DP_NONE;
	if (mi == HF_DP_NONE || dp->probe_src[mi] == 0 || dp->probe_src[mi] != pi->src_key)
		return HF_PUNT_ICMP;
	if (dp->probe_window != NULL &&
	    (uid >= HF_MAX_MEMBERS_TOTAL ||
	     !hf_health_window_has(__atomic_load_n(&dp->probe_window[uid], __ATOMIC_RELAXED),
				   hf_be16(pi->icmp_seq))))
		return HF_PUNT_ICMP;
	return HF_PUNT_PROBE;
}

/*
 * Classify a parsed, well-formed frame, in the order of DESIGN.md:
 * control traffic (ARP for our addresses, ARP for or from the probe address
 * or its candidate, VRRP, IPv4 to our own address) is punted; IPv4 to a cluster IP, then any frame to a cluster MAC, is
 * cluster traffic; everything else is bridged or dropped per config.
 *
 * In two steps, each after one lookup that the worker's first pass makes
 * for the whole burst at once (hf_fp_plan_burst): hf_dp_classify_ip with
 * the ip table's value for hf_dp_ip_key (VRRP, the probe address, cluster
 * IPs, ARP), then, for the frames it leaves undecided,
 * hf_dp_classify_mac with the mac table's value for the destination MAC
 * (cluster MACs, port MACs, unmatched). hf_dp_classify does both for one
 * frame.
 */

/* The ip table key of a frame: the IPv4 destination, or the ARP target. */
HF_HOT_INLINE bool
hf_dp_ip_key(const struct hf_pkt_info *pi, uint32_t *key)
{
	if (pi->kind == HF_PKT_IPV4) {
		*key = pi->dst_key;
		return true;
	}
	if (pi->kind == HF_PKT_ARP) {
		*key = pi->arp_tip;
		return true;
	}
	return false;
}

/*
 * First step; c: the ip table's value for hf_dp_ip_key (HF_CLTAB_MISS when
 * absent or none). True when *v is the verdict; false: go on with the mac
 * table.
 */
HF_HOT_INLINE bool
hf_dp_classify_ip(const struct hf_dataplane *dp, const struct hf_pkt_info *pi, uint32_t c,
		  struct hf_verdict *v)
{
	if (pi->kind == HF_PKT_IPV4) {
		if (pi->proto == HF_IPPROTO_VRRP && dp->ha_enabled) {
			v->action = HF_ACT_PUNT;
			v->punt = HF_PUNT_VRRP;
			return true;
		}
		if (c != HF_CLTAB_MISS) {
			if (c & HF_DP_IP_LOCAL) {
				v->action = HF_ACT_PUNT;
				v->punt = hf_dp_punt_ipv4_local(dp, pi);
			} else {
				v->action = HF_ACT_CLUSTER;
				v->cluster = (uint16_t)c;
			}
			return true;
		}
	} else if (pi->kind == HF_PKT_ARP) {
		if (c != HF_CLTAB_MISS) {
			v->action = HF_ACT_PUNT;
			v->punt = (c & HF_DP_IP_LOCAL) ? HF_PUNT_LOCAL : HF_PUNT_ARP;
			/* a member's ARP reply to our address: a health reply or MAC refresh */
			if ((c & HF_DP_IP_LOCAL) && pi->arp_op == HF_ARP_OP_REPLY &&
			    hf_addrtab_lookup(&dp->member_tab, pi->arp_sip) != HF_ADDRTAB_EMPTY)
				v->punt = HF_PUNT_PROBE;
			return true;
		}
		/* address conflict detection: probes for the candidate, and
		 * anything claiming it or our bound address as its sender */
		if ((dp->probe_cand != 0 && pi->arp_tip == dp->probe_cand) ||
		    (pi->arp_sip != 0 &&
		     (pi->arp_sip == dp->probe_cand || pi->arp_sip == dp->local_ip))) {
			v->action = HF_ACT_PUNT;
			v->punt = HF_PUNT_LOCAL;
			return true;
		}
	}
	return false;
}

/*
 * Second step; c: the mac table's value for the frame's destination MAC
 * (hf_mac_key8 of the frame), HF_CLTAB_MISS when absent or when the frame
 * is multicast (not looked up).
 */
HF_HOT_INLINE struct hf_verdict
hf_dp_classify_mac(const struct hf_dataplane *dp, const struct hf_pkt_info *pi, uint32_t c)
{
	struct hf_verdict v = { HF_ACT_DROP, HF_DROP_UNMATCHED, 0, 0 };

	if (c != HF_CLTAB_MISS && (c & HF_DP_MAC_PORT)) {
		/* ARP to one of our ports: replies to our own probes */
		if (pi->kind == HF_PKT_ARP) {
			v.action = HF_ACT_PUNT;
			v.punt = HF_PUNT_LOCAL;
			return v;
		}
	} else if (c != HF_CLTAB_MISS) {
		if (pi->kind == HF_PKT_IPV4 || pi->kind == HF_PKT_IPV6) {
			v.action = HF_ACT_CLUSTER;
			v.cluster = (uint16_t)c;
		} else {
			v.drop = HF_DROP_CLUSTER_NON_IP;
		}
		return v;
	}
	if (dp->unmatched == HF_UNMATCHED_BRIDGE) {
		/* a Backup must not bridge too: two bridges in parallel loop */
		if (dp->active)
			v.action = HF_ACT_BRIDGE;
		else
			v.drop = HF_DROP_HA_BACKUP;
	}
	return v;
}

/* The ip table's value for an IPv4 address (network order), or HF_CLTAB_MISS. */
static inline uint32_t
hf_dp_ip_lookup(const struct hf_dataplane *dp, uint32_t ip)
{
	return hf_cltab_get(dp->cltabs, dp->cltabs->ip, &ip);
}

/* One frame (frame: a whole Ethernet header, 14 bytes), both steps. */
static inline struct hf_verdict
hf_dp_classify(const struct hf_dataplane *dp, const struct hf_pkt_info *pi, const uint8_t *frame)
{
	struct hf_verdict v = { HF_ACT_DROP, HF_DROP_UNMATCHED, 0, 0 };
	uint32_t key;
	uint64_t mac;

	if (hf_dp_classify_ip(dp, pi, hf_dp_ip_key(pi, &key) ? hf_dp_ip_lookup(dp, key) :
							       HF_CLTAB_MISS, &v))
		return v;
	mac = hf_mac_key8(frame);
	return hf_dp_classify_mac(dp, pi, (frame[0] & 1) ? HF_CLTAB_MISS :
				  hf_cltab_get(dp->cltabs, dp->cltabs->mac, &mac));
}

/* Member index (into dp->members) for a hash by the bucket table, or HF_DP_NONE. */
HF_HOT_INLINE uint32_t
hf_dp_bucket_member(const struct hf_dataplane *dp, const struct hf_dp_cluster *cl, uint32_t hash)
{
	uint8_t m = cl->table[hash & cl->bucket_mask];

	(void)dp;
	return m == HF_MAGLEV_NONE ? HF_DP_NONE : cl->member_base + m;
}

/*
 * Normalised flow-table key for a cluster's hash mode: fields the mode does
 * not use are zero; src-dst is ordered so both directions share one key.
 * Built as two 64-bit words and stored whole: the flow table reads the key
 * back as two words at once, and small stores followed by a wide load stall
 * the CPU (store forwarding fails).
 */
HF_HOT_INLINE void
hf_dp_flow_key_set_(struct hf_flow_key *k, uint32_t src, uint32_t dst, uint16_t sport,
		    uint16_t dport, uint16_t cluster, uint8_t proto, uint8_t family)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	_Static_assert(sizeof(struct hf_flow_key) == 16 &&
			       offsetof(struct hf_flow_key, dst) == 4 &&
			       offsetof(struct hf_flow_key, sport) == 8 &&
			       offsetof(struct hf_flow_key, dport) == 10 &&
			       offsetof(struct hf_flow_key, cluster) == 12 &&
			       offsetof(struct hf_flow_key, proto) == 14 &&
			       offsetof(struct hf_flow_key, family) == 15,
		       "the word layout below follows struct hf_flow_key");
	{
		/* the words in struct hf_flow_key's field order */
		uint64_t w[2];

		w[0] = (uint64_t)src | (uint64_t)dst << 32;
		w[1] = (uint64_t)sport | (uint64_t)dport << 16 | (uint64_t)cluster << 32 |
		       (uint64_t)proto << 48 | (uint64_t)family << 56;
		memcpy(k, w, sizeof(w));
	}
#else
	k->src = src;
	k->dst = dst;
	k->sport = sport;
	k->dport = dport;
	k->cluster = cluster;
	k->proto = proto;
	k->family = family;
#endif
}

/* The key's family byte: 6 for IPv6, else 4. */
HF_HOT_INLINE uint8_t
hf_dp_family_(const struct hf_pkt_info *pi)
{
	return pi->kind == HF_PKT_IPV6 ? 6 : 4;
}

static inline void
hf_dp_flow_key(const struct hf_pkt_info *pi, uint8_t hash_mode, uint16_t cluster,
	       struct hf_flow_key *k)
{
	uint32_t src = 0, dst = 0;
	uint16_t sport = 0, dport = 0;
	uint8_t proto = 0;

	switch (hash_mode) {
	case HF_HASH_DST_IP:
		dst = pi->dst_key;
		break;
	case HF_HASH_SRC_IP:
		src = pi->src_key;
		break;
	case HF_HASH_SRC_DST:
		src = pi->src_key < pi->dst_key ? pi->src_key : pi->dst_key;
		dst = pi->src_key < pi->dst_key ? pi->dst_key : pi->src_key;
		break;
	default:
		src = pi->src_key;
		dst = pi->dst_key;
		proto = pi->proto;
		sport = pi->sport;
		dport = pi->dport;
		break;
	}
	hf_dp_flow_key_set_(k, src, dst, sport, dport, cluster, proto, hf_dp_family_(pi));
}

/*
 * hf_hash_pkt(pi, hash_mode) and hf_dp_flow_key(pi, hash_mode, cluster, k)
 * together, with one branch on the mode: the worker's first pass.
 */
HF_HOT_INLINE uint32_t
hf_dp_hash_key(const struct hf_pkt_info *pi, uint8_t hash_mode, uint16_t cluster,
	       struct hf_flow_key *k)
{
	uint32_t src = 0, dst = 0, h;
	uint16_t sport = 0, dport = 0;
	uint8_t proto = 0;

	/* the default mode first: one compare instead of a walk through the switch */
	if (hash_mode == HF_HASH_DST_IP) {
		hf_dp_flow_key_set_(k, 0, pi->dst_key, 0, 0, cluster, 0, hf_dp_family_(pi));
		return hf_mix32(hf_be32(pi->dst_key));
	}
	switch (hash_mode) {
	case HF_HASH_SRC_IP:
		src = pi->src_key;
		h = hf_mix32(hf_be32(src));
		break;
	case HF_HASH_SRC_DST:
		src = pi->src_key < pi->dst_key ? pi->src_key : pi->dst_key;
		dst = pi->src_key < pi->dst_key ? pi->dst_key : pi->src_key;
		h = hf_hash_pkt(pi, HF_HASH_SRC_DST);
		break;
	default:
		src = pi->src_key;
		dst = pi->dst_key;
		proto = pi->proto;
		sport = pi->sport;
		dport = pi->dport;
		h = hf_hash_pkt(pi, HF_HASH_5TUPLE);
		break;
	}
	hf_dp_flow_key_set_(k, src, dst, sport, dport, cluster, proto, hf_dp_family_(pi));
	return h;
}

/*
 * The leg in cluster cl of the device whose leg in another cluster is
 * member mi, or HF_DP_NONE when cl shares no device with that cluster.
 */
static inline uint32_t
hf_dp_twin_(const struct hf_dataplane *dp, const struct hf_dp_cluster *cl, uint32_t mi)
{
	if (cl->slot_member == NULL || dp->member_flow[mi] != cl->flow_id)
		return HF_DP_NONE;
	return cl->member_base + cl->slot_member[dp->member_slot[mi]];
}

/*
 * Member for a packet of cluster cl, or HF_DP_NONE (no live member).
 * With a flow table (flows != NULL, the calling worker's own): a tracked
 * flow stays on its member while that member is usable (up, or draining
 * and healthy), unless its bucket's owner recovered since the flow was
 * pinned; otherwise the bucket table decides and the flow is (re)pinned.
 * A full flow table only means the flow is not tracked.
 */
HF_HOT_INLINE uint32_t
hf_dp_select_hashed(const struct hf_dataplane *dp, const struct hf_dp_cluster *cl, uint32_t hash,
		    const struct hf_flow_key *k, struct hf_flowtab_ref fr, struct hf_flowtab *flows,
		    uint64_t now)
{
	uint32_t val, mi, bi;

	bi = hf_dp_bucket_member(dp, cl, hash);
	if (flows == NULL)
		return bi;
	if (hf_flowtab_lookup_ref(flows, fr, now, &val) && HF_FLOW_UID(val) < dp->uid_cap) {
		mi = dp->uid_to_member[HF_FLOW_UID(val)];
		/* the common case: the flow is where its bucket is (bucket tables hold live members) */
		if (mi == bi)
			return mi;
		/* pinned through another cluster of the device group: the same device's leg here */
		if (mi != HF_DP_NONE && mi - cl->member_base >= cl->nb_members) {
			mi = hf_dp_twin_(dp, cl, mi);
			if (mi == bi)   /* the other direction, where its bucket is */
				return mi;
		}
		if (mi != HF_DP_NONE && mi - cl->member_base < cl->nb_members &&
		    dp->members[mi].usable &&
		    (bi == HF_DP_NONE || dp->members[bi].recovered_epoch == 0 ||
		     (int16_t)(dp->members[bi].recovered_epoch - HF_FLOW_EPOCH(val)) <= 0))
			return mi;
	}
	if (bi != HF_DP_NONE)
		hf_flowtab_insert_h(flows, k, fr.h,
				    HF_FLOW_VAL(dp->members[bi].uid, dp->recover_epoch), now);
	return bi;
}

/* hf_dp_select_hashed with the hashes and key computed from the packet. */
static inline uint32_t
hf_dp_select(const struct hf_dataplane *dp, const struct hf_dp_cluster *cl,
	     const struct hf_pkt_info *pi, struct hf_flowtab *flows, uint64_t now)
{
	struct hf_flowtab_ref fr = {NULL, 0};
	struct hf_flow_key k;

	hf_dp_flow_key(pi, cl->hash_mode, cl->flow_id, &k);
	if (flows != NULL)
		fr = hf_flowtab_ref(flows, hf_flowtab_hash(&k));
	return hf_dp_select_hashed(dp, cl, hf_hash_pkt(pi, (enum hf_hash_mode)cl->hash_mode), &k,
				   fr, flows, now);
}

#endif /* HF_DATAPLANE_H */
