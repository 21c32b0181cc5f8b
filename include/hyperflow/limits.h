/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compile-time bounds of every table hyperflow keeps. The configuration is
 * validated against them; nothing grows past them at run time.
 */
#ifndef HF_LIMITS_H
#define HF_LIMITS_H

#define HF_NAME_MAX            32     /* names of ports, clusters, members, incl. NUL */
#define HF_DEVICE_MAX          128    /* DPDK device names */
#define HF_MAX_PORTS           32     /* ports; a cluster's port set is a 32-bit mask */
#define HF_MAX_CLUSTERS        1024
#define HF_MAX_MEMBERS         64     /* per cluster */
#define HF_MAX_MEMBERS_TOTAL   16384  /* over all clusters */
#define HF_MAX_WORKERS         16     /* worker lcores */
#define HF_MAX_PROBE_POOL      16

#define HF_BUCKETS_DEFAULT     4096   /* per-cluster bucket table, power of two */
#define HF_BUCKETS_MIN         64
#define HF_BUCKETS_MAX         65536

#define HF_FLOWS_DEFAULT       65536  /* flow table entries per worker lcore */
#define HF_FLOWS_MAX           (1u << 22)
#define HF_FLOW_TIMEOUT_MS_DEFAULT 30000

#define HF_FRAGS_DEFAULT       1024   /* fragmented datagrams tracked per worker lcore */
#define HF_FRAGS_MAX           65536
#define HF_FRAG_TIMEOUT_MS_DEFAULT 1000

#define HF_BRIDGE_FDB_SIZE     4096   /* per worker lcore, power of two */

/* Frames per second each kind may send to the control lcore (whole box). */
#define HF_PUNT_ARP_PPS_DEFAULT   20000  /* ARP for cluster IPs (proxy ARP) */
#define HF_PUNT_LOCAL_PPS_DEFAULT 10000  /* ARP to our own address or port MACs */
#define HF_PUNT_ICMP_PPS_DEFAULT  10000  /* other IPv4 to our own address (ping, TCP, UDP) */
#define HF_PUNT_VRRP_PPS_DEFAULT  2000   /* VRRP adverts */
#define HF_PUNT_PPS_MAX           1000000

/*
 * Health replies (probe kind) have a budget of their own, sized from the
 * configuration (hf_config_probe_budget): every member's probe rate, plus
 * its ARP refresh when its MAC is resolved, times this headroom. A
 * configuration that needs more than HF_PROBE_REPLY_PPS_MAX is refused:
 * that is what we let the control lcore spend on health replies (it
 * also takes the other kinds' punts, each at most tens of thousands a
 * second, on one core), a choice, not a measured capacity.
 */
#define HF_PROBE_REPLY_HEADROOM   2
#define HF_PROBE_REPLY_PPS_MAX    100000
#define HF_MAC_REFRESH_MS         5000   /* a resolved member MAC is asked for again this often */

#endif /* HF_LIMITS_H */
