/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration: a libconfig file turned into plain structs and validated
 * completely before anything uses it. See docs/configuration.md for every
 * key. Nothing here needs EAL.
 *
 * Thread-safety: a struct hf_config is built by one thread (main at start,
 * the control lcore on reload) and is read-only afterwards. Workers never
 * see it; they read the dataplane snapshot built from it.
 */
#ifndef HF_CONFIG_H
#define HF_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <hyperflow/addr.h>
#include <hyperflow/err.h>
#include <hyperflow/limits.h>

enum hf_cluster_type { HF_CLUSTER_VPN, HF_CLUSTER_FIREWALL, HF_CLUSTER_SERVER };

enum hf_hash_mode {
	HF_HASH_DST_IP,   /* "dst-ip" (default): one VPN tunnel = one member */
	HF_HASH_SRC_IP,   /* "src-ip" */
	HF_HASH_SRC_DST,  /* "src-dst": symmetric, both directions agree */
	HF_HASH_5TUPLE,   /* "5-tuple": addresses, protocol, L4 ports */
};

enum hf_admin_state { HF_ADMIN_UP, HF_ADMIN_DRAIN, HF_ADMIN_DOWN };

enum hf_health_method { HF_HEALTH_NONE, HF_HEALTH_ARP, HF_HEALTH_ICMP, HF_HEALTH_TUNNEL };

enum hf_unmatched { HF_UNMATCHED_DROP, HF_UNMATCHED_BRIDGE };

struct hf_port_conf {
	char name[HF_NAME_MAX];
	char device[HF_DEVICE_MAX];   /* DPDK device name, e.g. "net_pcap0" */
	bool has_mac;
	struct hf_mac mac;            /* else the device's own MAC */
	int line;
};

struct hf_health_conf {
	enum hf_health_method method;  /* default: arp */
	uint32_t interval_ms;          /* default 100, range 10..60000 */
	uint32_t timeout_ms;           /* default 300, range 1..60000 */
	uint32_t rise;                 /* default 2, range 1..100 */
	uint32_t fall;                 /* default 3, range 1..100 */
	uint32_t target;               /* tunnel method: far-end IPv4 (network order) */
};

struct hf_member_conf {
	char name[HF_NAME_MAX];
	char device[HF_NAME_MAX];      /* "" = none: the member is a device of its own */
	uint32_t ip;                   /* network order */
	/*
	 * Identity in the bucket table (hf_maglev_member.key, network order):
	 * hf_config_device_key(device) when the member names a device, else
	 * its IP. Legs of one device in different clusters share the key, so
	 * the clusters' tables agree device for device.
	 */
	uint32_t key;
	bool has_mac;
	struct hf_mac mac;             /* else resolved by ARP */
	uint16_t port;                 /* index into hf_config.ports */
	uint32_t weight;               /* default 1, range 1..100 */
	enum hf_admin_state state;     /* default up */
	int line;
};

struct hf_cluster_conf {
	char name[HF_NAME_MAX];
	enum hf_cluster_type type;     /* default vpn */
	uint32_t ip;                   /* cluster IP, network order */
	struct hf_mac mac;             /* cluster MAC */
	uint32_t port_mask;            /* bit i = ports[i]: where proxy ARP answers */
	enum hf_hash_mode hash;        /* default dst-ip */
	uint32_t buckets;              /* bucket table size, power of two */
	struct hf_health_conf health;
	uint32_t nb_members;
	struct hf_member_conf *members;  /* nb_members entries */
	uint32_t first_member;         /* global index of members[0] (derived) */
	/*
	 * Derived: the device group, the index of the group's first cluster
	 * (itself when no other cluster shares its devices). Clusters of one
	 * group have the same devices, weights, buckets and hash (src-dst),
	 * hence the same bucket table device for device.
	 */
	uint32_t group;
	int line;
};

/*
 * A device named by members' `device` key: its legs are those members, at
 * most one per cluster, in cluster order. Derived at load.
 */
struct hf_device_conf {
	char name[HF_NAME_MAX];
	uint32_t group;                /* hf_cluster_conf.group of its clusters */
	uint32_t slot;                 /* rank of its name within the group: 0.. */
	uint32_t first_leg;            /* index into hf_config.device_legs */
	uint32_t nb_legs;
};

struct hf_ha_conf {
	bool enabled;                  /* true when an "ha" block is present */
	uint16_t port;                 /* index into ports */
	uint8_t vrid;                  /* 1..255 */
	uint8_t priority;              /* 1..254, default 100 */
	uint32_t advert_ms;            /* default 1000, 10..40950, multiple of 10 */
	bool preempt;                  /* default true */
	uint32_t peer;                 /* optional unicast peer, 0 = multicast */
	int line;
};

/* Rate limits of what workers punt to the control lcore, per kind. */
struct hf_punt_conf {
	uint32_t arp_pps;     /* ARP for cluster IPs */
	uint32_t local_pps;   /* ARP for our probe address or to our port MACs */
	uint32_t icmp_pps;    /* IPv4 to our probe address */
	uint32_t vrrp_pps;    /* VRRP */
};

struct hf_addrtab;

/* A member by global index, as grouped by address (see hf_config_members_at). */
struct hf_member_ref {
	uint32_t ip;                   /* network order */
	uint32_t g;                    /* global member index, config order */
};

struct hf_config {
	char path[HF_ERR_FILE_MAX];
	uint64_t serial;                          /* distinct for every config loaded */
	uint32_t nb_ports;
	struct hf_port_conf ports[HF_MAX_PORTS];
	uint32_t nb_probe;
	uint32_t probe_pool[HF_MAX_PROBE_POOL];   /* network order */
	enum hf_unmatched unmatched;              /* default drop */
	uint32_t flow_size;                       /* flows.size, per worker */
	uint32_t flow_timeout_ms;                 /* flows.timeout_ms */
	uint32_t frag_size;                       /* fragments.size, per worker */
	uint32_t frag_timeout_ms;                 /* fragments.timeout_ms */
	struct hf_punt_conf punt;
	uint32_t nb_clusters;
	struct hf_cluster_conf *clusters;         /* nb_clusters entries */
	uint32_t nb_members_total;
	struct hf_ha_conf ha;
	/*
	 * Derived at load, read-only like the rest: each member's cluster by
	 * global index (config order), and the members grouped by address, so
	 * the control plane finds a member in O(1) (hf_config_member,
	 * hf_config_members_at).
	 */
	uint32_t *member_cluster;                 /* nb_members_total entries */
	struct hf_member_ref *member_by_ip;       /* sorted by address */
	struct hf_addrtab *member_ip_tab;         /* address -> first in member_by_ip */
	/* devices (members' `device` key), sorted by (group, name) */
	uint32_t nb_devices;
	struct hf_device_conf *devices;
	uint32_t *device_legs;                    /* global member indexes, by device */
	uint32_t *member_device;                  /* per member: device index or HF_CFG_NONE */
};

#define HF_CFG_NONE UINT32_MAX

/*
 * The bucket-table key of a device name, network order: FNV-1a over the
 * name, mixed. The same name gives the same key on every box and every
 * start. Changing it moves conversations between devices after an
 * upgrade; don't.
 */
uint32_t hf_config_device_key(const char *name);

/*
 * Parse and validate a file. On success returns 0 and *out holds a new
 * config (free with hf_config_free). On any error returns -EINVAL (or
 * -ENOENT/-ENOMEM), *out is NULL and errs lists every problem found, each
 * with file, line and reason.
 */
int hf_config_load(const char *path, struct hf_config **out, struct hf_errlist *errs);

/* The same over an in-memory text; name is used as the "file" in errors. */
int hf_config_load_string(const char *text, const char *name, struct hf_config **out,
			  struct hf_errlist *errs);

void hf_config_free(struct hf_config *cfg);

/* Member g (global index, config order) and, when cc is not NULL, its cluster. O(1). */
static inline const struct hf_member_conf *
hf_config_member(const struct hf_config *cfg, uint32_t g, const struct hf_cluster_conf **cc)
{
	const struct hf_cluster_conf *c = &cfg->clusters[cfg->member_cluster[g]];

	if (cc != NULL)
		*cc = c;
	return &c->members[g - c->first_member];
}

/* The members whose address is ip (any cluster): *refs and the count, 0 if none. O(1). */
uint32_t hf_config_members_at(const struct hf_config *cfg, uint32_t ip,
			      const struct hf_member_ref **refs);

/* Lookups by name; return index or -1. */
int hf_config_port_index(const struct hf_config *cfg, const char *name);
int hf_config_cluster_index(const struct hf_config *cfg, const char *name);

/*
 * The budget of the probe punt kind (health replies) this configuration
 * needs, whole box and per worker alike (RSS may put every reply on one
 * queue): over all members, 1000 / interval_ms replies a second for
 * methods arp, icmp and tunnel, plus 1000 / HF_MAC_REFRESH_MS for a member
 * whose MAC is resolved by ARP, times HF_PROBE_REPLY_HEADROOM, rounded up.
 * burst: the replies that may arrive at once, the same headroom over every
 * member's probes in flight (timeout_ms / interval_ms rounded up, at most
 * HF_HEALTH_MAX_OUTSTANDING) and one ARP reply. Both 0 when nothing is
 * probed or resolved. The configuration loader refuses a budget over
 * HF_PROBE_REPLY_PPS_MAX.
 */
struct hf_probe_budget {
	uint64_t pps;
	uint64_t burst;
};

void hf_config_probe_budget(const struct hf_config *cfg, uint32_t nb_clusters,
			    struct hf_probe_budget *out);

const char *hf_hash_mode_str(enum hf_hash_mode m);
const char *hf_cluster_type_str(enum hf_cluster_type t);
const char *hf_admin_state_str(enum hf_admin_state s);
const char *hf_health_method_str(enum hf_health_method m);

#endif /* HF_CONFIG_H */
