/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters. Every lcore (each worker and the control lcore) owns one
 * struct hf_lcore_stats and is its only writer; it updates with a relaxed
 * load and store (no atomic read-modify-write, no shared cache lines).
 * Readers sum over lcores with relaxed loads, whenever they like.
 *
 * Cluster and member counters are indexed by the stable ids the control
 * plane gives them (struct hf_dp_cluster.stat, struct hf_dp_member.stat),
 * so a reload that keeps a cluster or member keeps its counters.
 *
 * Thread-safety: single writer per struct (its lcore); any reader.
 */
#ifndef HF_STATS_H
#define HF_STATS_H

#include <stdint.h>
#include <stdio.h>

#include <hyperflow/limits.h>

/* Why a packet was dropped; one counter each. Keep hf_drop_names in sync. */
enum hf_drop {
	HF_DROP_MALFORMED_SHORT,   /* shorter than an Ethernet header */
	HF_DROP_MALFORMED_VLAN,
	HF_DROP_MALFORMED_ARP,
	HF_DROP_MALFORMED_IPV4,
	HF_DROP_MALFORMED_IPV6,
	HF_DROP_UNMATCHED,         /* not for a cluster, unmatched = drop */
	HF_DROP_NO_MEMBER,         /* cluster has no live member */
	HF_DROP_HA_BACKUP,         /* cluster traffic while HA backup */
	HF_DROP_PUNT_FULL,         /* ring to the control lcore full */
	HF_DROP_TX_FULL,           /* tx queue refused the packet */
	HF_DROP_CLUSTER_NON_IP,    /* non-IP frame to a cluster MAC */
	HF_DROP_BRIDGE_SAME_PORT,  /* bridged frame whose destination is behind its input port */
	HF_DROP_ARP_NOT_SERVED,    /* ARP for a cluster IP on a port the cluster does not serve */
	HF_DROP_PUNT_OTHER,        /* punted frame the control plane had no use for */
	HF_DROP_PUNT_LIMIT_ARP,    /* over punt.arp_pps: ARP for cluster IPs shed */
	HF_DROP_PUNT_LIMIT_LOCAL,  /* over punt.local_pps */
	HF_DROP_PUNT_LIMIT_ICMP,   /* over punt.icmp_pps */
	HF_DROP_PUNT_LIMIT_VRRP,   /* over punt.vrrp_pps */
	HF_DROP_PUNT_LIMIT_PROBE,  /* health replies over the budget the configuration sizes */
	HF_DROP_FRAG_FULL,         /* 5-tuple fragment: fragment table full, no room for its datagram */
	HF_DROP_FRAG_HOLD_FULL,    /* later fragment before its first: HF_FRAG_HOLD already held */
	HF_DROP_FRAG_TIMEOUT,      /* held fragment whose first fragment never came (or hyperflow stopped) */
	HF_DROP__MAX
};

extern const char *const hf_drop_names[HF_DROP__MAX];

struct hf_port_ctr {
	uint64_t rx;
	uint64_t tx;
	uint64_t tx_dropped;
};

/*
 * Per lcore, a cluster frame is counted once: sent to a member (tx) or
 * dropped. What the cluster received is their sum (struct hf_cluster_sum),
 * one counter less on the hot path.
 */
struct hf_cluster_ctr {
	uint64_t tx;
	uint64_t dropped;
};

struct hf_cluster_sum {
	uint64_t rx;          /* tx + dropped */
	uint64_t tx;
	uint64_t dropped;
};

/* Control-plane event counters (written by the control lcore only). */
enum hf_ctl_ctr {
	HF_CTL_ARP_REQUESTS,     /* who-has for a cluster or local IP received */
	HF_CTL_ARP_REPLIES,      /* proxy ARP replies sent */
	HF_CTL_GARP_SENT,        /* gratuitous ARPs sent */
	HF_CTL_TX_FULL,          /* control frames lost: ring to the worker full */
	HF_CTL_ALLOC_FAIL,       /* control frames lost: no mbuf */
	HF_CTL_RELOADS,          /* successful reloads */
	HF_CTL_RELOAD_FAILURES,  /* rejected reloads */
	HF_CTL_PROBES_SENT,      /* health probes sent (ARP or ICMP) */
	HF_CTL_PROBE_REPLIES,    /* health replies matched to a probe */
	HF_CTL_PROBE_IGNORED,    /* replies that matched no probe, member, port or address */
	HF_CTL_MEMBER_UP,        /* member transitions to up */
	HF_CTL_MEMBER_DOWN,      /* member transitions to down */
	HF_CTL_MAC_RESOLVED,     /* member MACs learnt or changed by ARP */
	HF_CTL_ADDR_PROBES,      /* ARP probes for our own probe address */
	HF_CTL_ADDR_ANNOUNCED,   /* ARP announcements of it: bound (one a port), defended */
	HF_CTL_ADDR_CONFLICTS,   /* someone else claims our (candidate) address */
	HF_CTL_ECHO_REPLIES,     /* ICMP echo replies sent for our address */
	HF_CTL_LINK_CHANGES,     /* port link up/down events */
	HF_CTL_VRRP_SENT,        /* VRRP adverts sent */
	HF_CTL_VRRP_RX,          /* VRRP frames received */
	HF_CTL_VRRP_REJECTED,    /* ... refused: wrong port, bad TTL/version/checksum/length */
	HF_CTL_HA_MASTER,        /* transitions to MASTER */
	HF_CTL_HA_BACKUP,        /* transitions to BACKUP */
	HF_CTL_IP_CONFLICTS,     /* ARP from another MAC claiming a cluster IP (never adopted) */
	HF_CTL_VRRP_CONFLICTS,   /* VRRP adverts from our probe address not sent by us */
	HF_CTL__MAX
};

extern const char *const hf_ctl_names[HF_CTL__MAX];

struct hf_lcore_stats {
	uint64_t drops[HF_DROP__MAX];
	uint64_t punted;
	uint64_t bridged;
	uint64_t ctl[HF_CTL__MAX];
	struct hf_port_ctr port[HF_MAX_PORTS];       /* by config port index */
	struct hf_cluster_ctr cluster[HF_MAX_CLUSTERS];  /* by cluster stat id */
	uint64_t member_tx[HF_MAX_MEMBERS_TOTAL];    /* by member stat id */
} __attribute__((aligned(64)));

static inline void
hf_ctr_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline uint64_t
hf_ctr_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* A sum over n lcores' stats, taken with relaxed loads. */
struct hf_stats_sum {
	uint64_t drops[HF_DROP__MAX];
	uint64_t dropped;     /* sum of drops[] */
	uint64_t punted;
	uint64_t bridged;
	uint64_t ctl[HF_CTL__MAX];
	uint64_t rx;          /* sum over ports */
	uint64_t tx;
	struct hf_port_ctr port[HF_MAX_PORTS];
	struct hf_cluster_sum cluster[HF_MAX_CLUSTERS];
	uint64_t member_tx[HF_MAX_MEMBERS_TOTAL];
};

void hf_stats_sum(const struct hf_lcore_stats *const *ls, unsigned int n, struct hf_stats_sum *out);

#endif /* HF_STATS_H */
