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
#define HF_PUNT_ICMP_PPS_DEFAULT  10000  /* ICMP to our own address (health replies) */
#define HF_PUNT_VRRP_PPS_DEFAULT  2000   /* VRRP adverts */
#define HF_PUNT_PPS_MAX           1000000

#endif /* HF_LIMITS_H */
