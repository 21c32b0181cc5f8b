/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hf-microbench: cycles (and, where the CPU lets us count them, instructions)
 * per packet of the worker's per-packet work, without rx or tx: the same
 * functions src/dp/worker.c calls (include/hyperflow/fastpath.h), in the
 * same two passes per burst:
 *
 *   hf_fp_plan_burst (parse, classify with bulk lookups of the cluster
 *   tables, hash, flow key, prefetch) for the burst,
 *   then hf_fp_forward (flow table or bucket table, 12-byte Ethernet
 *   rewrite from the member template, counters) frame by frame.
 *
 * The snapshot is built the way the control plane builds it: a
 * configuration file (generated into a temporary file for the preset
 * scenarios, or given with --config) through hf_config_load and
 * hf_dataplane_build, with synthetic hf_dp_port entries (lan0 = DPDK port 0,
 * vpn0 = port 1). Frames sit in real mbufs from rte_pktmbuf_pool_create:
 * --bursts bursts of 32. Before each burst is processed the harness stamps
 * the next 32 flows of the traffic list into it (MAC pair, IP addresses,
 * L4 ports: 24 bytes, which also undoes the previous pass's rewrite), so
 * every pass does the same work and a large flow list really walks a large
 * flow table. The stamping is timed on its own ("harness") and subtracted.
 *
 * Scenarios (--scenario):
 *   small   1 cluster x 4 members, dst-ip, 512 flows (the demo shape)
 *   large   512 clusters x 16 members, dst-ip, 32768 flows over all clusters
 *   flows   512 x 16, 5-tuple, 2^20 flows, flow table of 2^21 entries
 *   small5  1 x 4, 5-tuple, 512 flows (isolates the hash mode from "flows")
 * The DESIGN benchmark names 1,000 clusters; see docs/performance.md for
 * why 512 is the most that documentation addresses (RFC 5737) allow here.
 *
 * Frames go to the cluster MAC with a remote destination IP (the proxy-ARP
 * case of DESIGN.md: IP-table miss, MAC-table hit), like hf-pcapgen's
 * cluster frames: 60-byte IPv4/UDP.
 *
 * Timing: each run (--run-ms) is timed twice, harness alone and harness +
 * work, with rte_rdtsc; a run during which another process took this CPU
 * (an involuntary context switch, common on a shared machine) is timed by
 * this thread's CPU time instead. cycles_pkt = median(work) - median(harness).
 * The instruction counter (perf_event_open) is used where the CPU exposes
 * one; VMs usually do not, hence --callgrind.
 *
 * Modes:
 *   default        timed runs, median of --runs (default 5)
 *   --callgrind    a fixed number of packets, for
 *                  valgrind --tool=callgrind --collect-atstart=no
 *                  --toggle-collect=mb_measured_burst: Ir / packets
 *   --variant single     one frame at a time (plan, then forward, then
 *                  the next frame): no table line prefetched ahead
 *                  (comparison)
 *   --gen-only     write --write-config / --write-pcap and exit (no EAL)
 *
 * Usage: hf-microbench [EAL options --] [options]; without "--" the EAL gets
 * --no-huge -m 512 --no-pci --no-telemetry --file-prefix hf-mb-PID -l CPU.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_getcpu */
#endif
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <hyperflow/config.h>
#include <hyperflow/dataplane.h>
#include <hyperflow/fastpath.h>
#include <hyperflow/flowtab.h>
#include <hyperflow/pkt.h>
#include <hyperflow/stats.h>

#define MB_BURST 32
_Static_assert(MB_BURST <= HF_FP_BURST, "one burst is planned at once");
#define MB_FRAME_LEN 60		    /* minimum Ethernet frame without FCS */
#define MB_OFF_IP (HF_ETH_HLEN)	    /* 14 */
#define MB_OFF_SRC (MB_OFF_IP + 12) /* 26: IPv4 src, dst */
#define MB_OFF_L4 (MB_OFF_IP + 20)  /* 34: UDP ports */
#define MB_MAX_GEN_CLUSTERS 512	    /* see the header comment */
#define MB_CLIENTS 190		    /* 198.51.100.10 .. .199, as hf-pcapgen */
#define MB_PORT_LAN 0
#define MB_PORT_VPN 1

/* One flow of the traffic list: what the harness stamps into a frame. */
struct mb_flow {
	uint8_t mac[12];  /* dst = cluster MAC, src = client MAC */
	uint8_t addr[8];  /* IPv4 src, dst (network order) */
	uint8_t ports[4]; /* UDP sport, dport (network order) */
	uint16_t cluster; /* intended cluster (config index) */
	uint8_t pad[6];
};
_Static_assert(sizeof(struct mb_flow) == 32, "two flows per cache line");

struct mb_opts {
	const char *scenario;
	const char *config; /* user configuration instead of a generated one */
	const char *write_config;
	const char *write_pcap;
	uint32_t pcap_frames;
	uint32_t clusters;
	uint32_t members;
	int hash; /* enum hf_hash_mode, -1 = scenario's */
	uint32_t flows;
	uint32_t table; /* flows.size */
	uint32_t bursts;
	uint32_t runs;
	uint32_t run_ms;
	uint32_t cg_packets;
	uint32_t seed;
	bool callgrind;
	bool gen_only;
	bool variant_single;
	bool addrtab;   /* --tables addrtab */
	bool quiet;
};

/* What one worker would hold: its counters, its flow table, the snapshot. */
struct mb_ctx {
	const struct hf_dataplane *dp;
	struct hf_lcore_stats *st;
	struct hf_flowtab *flows;
	uint64_t now;
	uint64_t fwd;	 /* frames rewritten for a member */
	uint64_t other;	 /* frames that took another way: a harness error */
	uint64_t sum;	 /* member indices, so nothing is optimised out */
	bool variant_single; /* --variant single */
};

struct mb {
	struct mb_opts o;
	struct hf_config *cfg;
	struct hf_dataplane *dp;
	struct mb_flow *fl;
	uint32_t nb_fl;
	uint32_t fl_next;
	struct rte_mempool *pool;
	struct rte_mbuf **m; /* bursts * 32 */
	struct mb_ctx c;
	char cfg_path[256];
	bool cfg_tmp;
	int perf_fd;
};

/* ---- traffic and configuration -------------------------------------------- */

static inline uint32_t
ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t v[4] = {a, b, c, d};
	uint32_t ip;

	memcpy(&ip, v, 4);
	return ip;
}

static const char *
ip_s(uint32_t ip, char buf[HF_IP4_STRLEN])
{
	return hf_ip4_str(ip, buf);
}

static uint64_t
rnd(uint64_t *s)
{
	/* splitmix64: deterministic for a seed */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int
parse_hash(const char *s)
{
	static const char *const names[] = {"dst-ip", "src-ip", "src-dst", "5-tuple"};
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

/* Apply a preset; explicit options given on the command line win. */
static int
apply_scenario(struct mb_opts *o)
{
	struct {
		const char *name;
		uint32_t cl, mb, flows, table;
		int hash;
	} p[] = {
		{"small", 1, 4, 512, 65536, HF_HASH_DST_IP},
		{"large", 512, 16, 32768, 65536, HF_HASH_DST_IP},
		{"flows", 512, 16, 1u << 20, 1u << 21, HF_HASH_5TUPLE},
		{"small5", 1, 4, 512, 65536, HF_HASH_5TUPLE},
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(p); i++) {
		if (strcmp(o->scenario, p[i].name) != 0)
			continue;
		if (o->clusters == 0)
			o->clusters = p[i].cl;
		if (o->members == 0)
			o->members = p[i].mb;
		if (o->flows == 0)
			o->flows = p[i].flows;
		if (o->table == 0)
			o->table = p[i].table;
		if (o->hash < 0)
			o->hash = p[i].hash;
		return 0;
	}
	fprintf(stderr, "hf-microbench: unknown scenario '%s' (small, large, flows, small5)\n",
		o->scenario);
	return -EINVAL;
}

/*
 * Cluster i: IP 192.0.2.1 for a single cluster (as conf/hyperflow.conf),
 * else 192.0.2.0-255 then 198.51.100.0-255; MAC 00:00:5e:00:01:01 for a
 * single cluster, else 00:00:5e:00:1x:yy. Members: 203.0.113.1.. (they
 * may repeat across clusters), MACs 02:00:00:xx:yy:zz distinct overall.
 * 203.0.113.0/24 stays free of cluster IPs: it is where traffic goes.
 */
static int
write_generated_config(const struct mb_opts *o, FILE *f)
{
	static const char *const hash_names[] = {"dst-ip", "src-ip", "src-dst", "5-tuple"};
	char a[HF_IP4_STRLEN];
	uint32_t i, j, gm = 0;

	fprintf(f,
		"# generated by hf-microbench: scenario %s, %u cluster(s) x %u member(s)\n"
		"# documentation addresses only (RFC 5737)\n",
		o->scenario, o->clusters, o->members);
	fprintf(f,
		"ports = (\n"
		"    { name = \"lan0\"; device = \"net_pcap0\"; mac = \"02:00:00:00:00:01\"; },\n"
		"    { name = \"vpn0\"; device = \"net_null0\"; mac = \"02:00:00:00:00:02\"; }\n"
		");\n"
		"unmatched = \"drop\";\n"
		"flows = { size = %u; timeout_ms = 86400000; };\n"
		"clusters = (\n",
		o->table);
	for (i = 0; i < o->clusters; i++) {
		uint32_t ip = o->clusters == 1 ? ip4(192, 0, 2, 1)
			      : i < 256	       ? ip4(192, 0, 2, (uint8_t)i)
					       : ip4(198, 51, 100, (uint8_t)(i - 256));

		fprintf(f, "  { name = \"c%u\"; ip = \"%s\"; ", i, ip_s(ip, a));
		if (o->clusters == 1)
			fprintf(f, "mac = \"00:00:5e:00:01:01\";\n");
		else
			fprintf(f, "mac = \"00:00:5e:00:%02x:%02x\";\n", 0x10 + (i >> 8), i & 0xff);
		fprintf(f,
			"    ports = [ \"lan0\" ]; hash = \"%s\"; health = { method = \"none\"; "
			"};\n"
			"    members = (\n",
			hash_names[o->hash]);
		for (j = 0; j < o->members; j++, gm++) {
			uint32_t mip = o->clusters == 1 ? ip4(192, 0, 2, (uint8_t)(11 + j))
							: ip4(203, 0, 113, (uint8_t)(1 + j));

			fprintf(f,
				"      { name = \"m%u\"; ip = \"%s\"; mac = "
				"\"02:00:00:%02x:%02x:%02x\"; "
				"port = \"vpn0\"; }%s\n",
				j, ip_s(mip, a), 0x10 + (gm >> 16), (gm >> 8) & 0xff, gm & 0xff,
				j + 1 < o->members ? "," : "");
		}
		fprintf(f, "    ); }%s\n", i + 1 < o->clusters ? "," : "");
	}
	fprintf(f, ");\n");
	return ferror(f) ? -EIO : 0;
}

static int
load_config(struct mb *b)
{
	struct hf_errlist *errs = malloc(sizeof(*errs));
	const char *path = b->o.config;
	int ret;

	if (errs == NULL)
		return -ENOMEM;
	if (path == NULL) {
		const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
		FILE *f;
		int fd;

		snprintf(b->cfg_path, sizeof(b->cfg_path), "%s/hf-microbench-XXXXXX.conf", dir);
		fd = mkstemps(b->cfg_path, 5);
		if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
			fprintf(stderr, "hf-microbench: temporary config: %s\n", strerror(errno));
			free(errs);
			return -errno;
		}
		b->cfg_tmp = true;
		ret = write_generated_config(&b->o, f);
		if (fclose(f) != 0 || ret != 0) {
			free(errs);
			return -EIO;
		}
		path = b->cfg_path;
	}
	hf_errlist_init(errs);
	ret = hf_config_load(path, &b->cfg, errs);
	if (ret != 0) {
		fprintf(stderr, "hf-microbench: %s rejected:\n", path);
		hf_errlist_print(errs, stderr);
	}
	free(errs);
	return ret;
}

static int
build_dataplane(struct mb *b, const struct hf_cltab_ops *ops, const struct hf_dataplane *prev)
{
	struct hf_dp_port ports[HF_MAX_PORTS];
	struct hf_dp_build in;
	uint32_t p;

	memset(ports, 0, sizeof(ports));
	for (p = 0; p < b->cfg->nb_ports; p++) {
		ports[p].port_id = (uint16_t)p;
		if (b->cfg->ports[p].has_mac)
			ports[p].mac = b->cfg->ports[p].mac;
		else
			ports[p].mac = (struct hf_mac){{0x02, 0, 0, 0, 0, (uint8_t)(p + 1)}};
	}
	memset(&in, 0, sizeof(in));
	in.cfg = b->cfg;
	in.ports = ports;
	in.active = true;
	in.generation = 1;
	in.recover_epoch = 1;
	in.hz = rte_get_tsc_hz() ? rte_get_tsc_hz() : 1000000000ull;
	in.nb_workers = 1;
	in.cltab_ops = ops;
	in.prev = prev;   /* same configuration: its cluster tables are taken */
	in.cltab_socket = ops != NULL ? (int)rte_socket_id() : -1;
	b->dp = hf_dataplane_build(&in);
	if (b->dp == NULL) {
		fprintf(stderr, "hf-microbench: hf_dataplane_build: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

static double median(double *v, uint32_t n);

static double
us_since(uint64_t t0)
{
	return (double)(rte_rdtsc() - t0) * 1e6 / (double)rte_get_tsc_hz();
}

/*
 * What the cluster tables alone cost to build at 1,024 clusters (more than
 * the scenarios reach): a cluster-IP table and a cluster-MAC table of 1,024
 * keys each (IPs from 198.18.0.0/15), created, filled and freed, in us.
 */
static double
time_cltabs(const struct hf_cltab_ops *ops)
{
	uint64_t t0 = rte_rdtsc();
	struct hf_cltabs *t = hf_cltabs_new(ops, (int)rte_socket_id(), 1025, 1026);
	uint32_t i, k4;
	uint64_t k8;

	if (t == NULL)
		return -1;
	for (i = 0; i < 1024; i++) {
		k4 = ip4(198, 18, (uint8_t)(i >> 8), (uint8_t)i);
		k8 = 0x00005e000000ull | i;
		if (hf_cltabs_add_ip(t, k4, i) != 0 || hf_cltabs_add_mac(t, k8, i) != 0) {
			hf_cltabs_put(t);
			return -1;
		}
	}
	hf_cltabs_put(t);
	return us_since(t0);
}

/*
 * With EAL up: the snapshot again, its cluster tables on rte_hash (unless
 * --tables addrtab), as the control plane builds it; and what a publish
 * costs, with new cluster tables (a reload) and with the previous
 * snapshot's (a member's state change), the median of 5 builds each.
 */
static int
rebuild_dataplane(struct mb *b)
{
	const struct hf_cltab_ops *ops = b->o.addrtab ? NULL : hf_cltab_rte();
	struct hf_dataplane *prev;
	double t_new[5], t_shared[5], t_tabs[5];
	uint64_t t0;
	int r, ret;

	hf_dataplane_free(b->dp);
	b->dp = NULL;
	for (r = 0; r < 5; r++) {
		t0 = rte_rdtsc();
		ret = build_dataplane(b, ops, NULL);
		t_new[r] = us_since(t0);
		if (ret != 0)
			return ret;
		prev = b->dp;
		t0 = rte_rdtsc();
		ret = build_dataplane(b, ops, prev);
		t_shared[r] = us_since(t0);
		if (ret != 0) {
			hf_dataplane_free(prev);
			return ret;
		}
		hf_dataplane_free(prev);
		t_tabs[r] = time_cltabs(ops != NULL ? ops : hf_cltab_addrtab());
		if (r < 4) {
			hf_dataplane_free(b->dp);
			b->dp = NULL;
		}
	}
	if (!b->o.quiet)
		printf("BUILD tables=%s clusters=%u snapshot_new_us=%.1f snapshot_shared_us=%.1f "
		       "cltabs_1024_us=%.1f\n",
		       ops != NULL ? ops->name : "addrtab", b->cfg->nb_clusters, median(t_new, 5),
		       median(t_shared, 5), median(t_tabs, 5));
	return 0;
}

/*
 * Destination addresses: 203.0.113.0-255, 198.51.100.0-255, 192.0.2.0-255,
 * leaving out every address the snapshot classifies by IP (cluster IPs), so
 * that every frame takes the proxy-ARP way (IP miss, cluster-MAC hit).
 */
static uint32_t
remote_addrs(const struct hf_dataplane *dp, uint32_t *out)
{
	static const uint8_t nets[3][3] = {{203, 0, 113}, {198, 51, 100}, {192, 0, 2}};
	uint32_t n = 0, k, h;

	for (k = 0; k < 3; k++)
		for (h = 0; h < 256; h++) {
			uint32_t ip = ip4(nets[k][0], nets[k][1], nets[k][2], (uint8_t)h);

			if (hf_dp_ip_lookup(dp, ip) == HF_CLTAB_MISS)
				out[n++] = ip;
		}
	return n;
}

/*
 * Flow f belongs to cluster f % C and is the k-th (k = f / C) of that
 * cluster; k maps to fields so that the cluster's hash mode sees k distinct
 * keys: dst-ip varies the destination, src-ip the source, src-dst and
 * 5-tuple a pair / the source port. The list is shuffled, so consecutive
 * packets hit unrelated flow-table buckets (no locality: the worst case).
 */
static int
build_flows(struct mb *b)
{
	const struct hf_config *cfg = b->cfg;
	uint32_t C = cfg->nb_clusters, nr, f, per_cluster_max;
	uint32_t remote[768];
	uint64_t seed = b->o.seed;

	nr = remote_addrs(b->dp, remote);
	if (nr == 0 || C == 0)
		return -EINVAL;
	switch (b->o.hash < 0 ? HF_HASH_DST_IP : b->o.hash) {
	case HF_HASH_DST_IP:
	case HF_HASH_SRC_IP:
		per_cluster_max = nr;
		break;
	case HF_HASH_SRC_DST:
		per_cluster_max = nr * nr;
		break;
	default:
		per_cluster_max = nr * 60000;
		break;
	}
	if ((uint64_t)(b->o.flows + C - 1) / C > per_cluster_max) {
		fprintf(stderr,
			"hf-microbench: %u flows over %u cluster(s): this hash mode has only %u "
			"distinct keys per cluster from documentation addresses; use --hash "
			"5-tuple\n",
			b->o.flows, C, per_cluster_max);
		return -EINVAL;
	}
	b->nb_fl = b->o.flows;
	b->fl = calloc(b->nb_fl, sizeof(*b->fl));
	if (b->fl == NULL)
		return -ENOMEM;
	for (f = 0; f < b->nb_fl; f++) {
		struct mb_flow *x = &b->fl[f];
		uint32_t c = f % C, k = f / C, cl = c % MB_CLIENTS;
		uint32_t d = (k + c * 37) % nr; /* clusters do not all share the same few */
		uint32_t src = ip4(198, 51, 100, (uint8_t)(10 + cl)), dst = remote[d];
		uint16_t sport = rte_cpu_to_be_16(4500), dport = rte_cpu_to_be_16(4500);
		const struct hf_mac *cm = &cfg->clusters[c].mac;
		uint8_t cmac[6] = {0x02, 0x00, 0x00, 0x01, (uint8_t)(cl >> 8), (uint8_t)cl};

		switch (b->o.hash) {
		case HF_HASH_SRC_IP:
			src = remote[d];
			dst = remote[(d + 1) % nr];
			break;
		case HF_HASH_SRC_DST:
			src = remote[d];
			dst = remote[(k / nr + d + 1) % nr];
			break;
		case HF_HASH_5TUPLE:
			sport = rte_cpu_to_be_16((uint16_t)(1024 + k / nr));
			break;
		default:
			break;
		}
		memcpy(x->mac, cm->b, 6);
		memcpy(x->mac + 6, cmac, 6);
		memcpy(x->addr, &src, 4);
		memcpy(x->addr + 4, &dst, 4);
		memcpy(x->ports, &sport, 2);
		memcpy(x->ports + 2, &dport, 2);
		x->cluster = (uint16_t)c;
	}
	for (f = b->nb_fl; f > 1; f--) {
		uint32_t j = (uint32_t)(rnd(&seed) % f);
		struct mb_flow t = b->fl[f - 1];

		b->fl[f - 1] = b->fl[j];
		b->fl[j] = t;
	}
	return 0;
}

/* A 60-byte IPv4/UDP frame; the flow fields are stamped in later. */
static void
base_frame(uint8_t *p)
{
	uint16_t ck;

	memset(p, 0, MB_FRAME_LEN);
	p[12] = 0x08; /* IPv4 */
	p[MB_OFF_IP + 0] = 0x45;
	p[MB_OFF_IP + 3] = 46;	 /* total length 20 + 8 + 18 */
	p[MB_OFF_IP + 6] = 0x40; /* DF */
	p[MB_OFF_IP + 8] = 64;
	p[MB_OFF_IP + 9] = HF_IPPROTO_UDP;
	p[MB_OFF_L4 + 5] = 26; /* UDP length 8 + 18 */
	ck = hf_inet_cksum(p + MB_OFF_IP, 20);
	memcpy(p + MB_OFF_IP + 10, &ck, 2);
}

static inline void
stamp(uint8_t *p, const struct mb_flow *x)
{
	memcpy(p, x->mac, 12);
	memcpy(p + MB_OFF_SRC, x->addr, 8);
	memcpy(p + MB_OFF_L4, x->ports, 4);
}

/* pcap (microsecond, Ethernet) of the first n flows, cycling. */
static int
write_pcap(const struct mb *b, const char *path, uint32_t n)
{
	const uint32_t hdr[6] = {0xa1b2c3d4u, 2u | 4u << 16, 0, 0, 65535, 1};
	uint8_t fr[MB_FRAME_LEN];
	FILE *f = fopen(path, "wb");
	uint32_t i;

	if (f == NULL) {
		fprintf(stderr, "hf-microbench: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fwrite(hdr, sizeof(hdr), 1, f);
	for (i = 0; i < n; i++) {
		const uint32_t rec[4] = {1, i, MB_FRAME_LEN, MB_FRAME_LEN};
		uint16_t ck = 0;

		base_frame(fr);
		stamp(fr, &b->fl[i % b->nb_fl]);
		memcpy(fr + MB_OFF_IP + 10, &ck, 2);
		ck = hf_inet_cksum(fr + MB_OFF_IP, 20);
		memcpy(fr + MB_OFF_IP + 10, &ck, 2);
		fwrite(rec, sizeof(rec), 1, f);
		fwrite(fr, sizeof(fr), 1, f);
	}
	if (fclose(f) != 0)
		return -EIO;
	return 0;
}

static int
copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	size_t n;
	int ret = 0;

	if (in == NULL || out == NULL)
		ret = -errno;
	while (ret == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			ret = -EIO;
	if (in != NULL)
		fclose(in);
	if (out != NULL && fclose(out) != 0 && ret == 0)
		ret = -EIO;
	return ret;
}

/* ---- the measured work ------------------------------------------------------ */

/* forward_cluster() of src/dp/worker.c: the same call, less the tx buffer. */
HF_HOT_INLINE void
forward(struct mb_ctx *c, const struct hf_dataplane *dp, struct hf_flowtab *flows,
	struct hf_lcore_stats *st, uint64_t now, uint8_t *eth, const struct hf_fp_plan *fp)
{
	const struct hf_dp_member *mb;
	uint8_t drop;

	mb = hf_fp_forward(dp, flows, st, eth, fp, now, &drop);
	if (unlikely(mb == NULL)) {
		c->other++;
		return;
	}
	c->fwd++;
	c->sum += mb->stat;
}

/*
 * process_burst() of src/dp/worker.c for cluster traffic: the first pass
 * plans every frame (parse, classify, hash, prefetch the tables), the
 * second forwards them; the burst's invariants in locals, as there.
 */
HF_HOT_INLINE void
process_body(struct mb_ctx *c, struct rte_mbuf **pkts, uint16_t n)
{
	const struct hf_dataplane *dp = c->dp;
	struct hf_flowtab *flows = c->flows;
	struct hf_lcore_stats *st = c->st;
	const uint64_t now = c->now;
	struct hf_fp_plan plan[MB_BURST];
	const uint8_t *frames[MB_BURST];
	uint32_t lens[MB_BURST];
	uint16_t i;

	for (i = 0; i < n; i++) {
		frames[i] = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		lens[i] = rte_pktmbuf_data_len(pkts[i]);
	}
	hf_fp_plan_burst(dp, flows, frames, lens, n, plan);
	for (i = 0; i < n; i++) {
		if (likely(plan[i].v.action == HF_ACT_CLUSTER))
			forward(c, dp, flows, st, now, rte_pktmbuf_mtod(pkts[i], uint8_t *), &plan[i]);
		else
			c->other++;
	}
}

/*
 * For comparison (--variant single): one frame at a time, each planned
 * and forwarded before the next, so no table line is prefetched ahead.
 */
__attribute__((noinline)) void mb_process_burst_single(
	struct mb_ctx *c, struct rte_mbuf **pkts, uint16_t n);
__attribute__((noinline)) void
mb_process_burst_single(struct mb_ctx *c, struct rte_mbuf **pkts, uint16_t n)
{
	struct hf_fp_plan plan;
	uint16_t i;

	for (i = 0; i < n; i++) {
		uint8_t *eth = rte_pktmbuf_mtod(pkts[i], uint8_t *);

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		hf_fp_plan(c->dp, c->flows, eth, rte_pktmbuf_data_len(pkts[i]), &plan);
		if (likely(plan.v.action == HF_ACT_CLUSTER))
			forward(c, c->dp, c->flows, c->st, c->now, eth, &plan);
		else
			c->other++;
	}
}

/*
 * The worker's per-burst work, compiled as in worker.c: the per-packet
 * helpers are always_inline there and here; what the worker calls out of
 * line (hf_pkt_parse for uncommon frames, flow-table misses and inserts)
 * is called here too.
 */
__attribute__((noinline)) void mb_process_burst(
	struct mb_ctx *c, struct rte_mbuf **pkts, uint16_t n);
__attribute__((noinline)) void
mb_process_burst(struct mb_ctx *c, struct rte_mbuf **pkts, uint16_t n)
{
	process_body(c, pkts, n);
}

/*
 * What callgrind collects (--toggle-collect=mb_measured_burst): the
 * measured passes call mb_process_burst through it, warm-up passes do not.
 */
__attribute__((noinline)) void mb_measured_burst(
	struct mb_ctx *c, struct rte_mbuf **pkts, uint16_t n);
__attribute__((noinline)) void
mb_measured_burst(struct mb_ctx *c, struct rte_mbuf **pkts, uint16_t n)
{
	if (c->variant_single)
		mb_process_burst_single(c, pkts, n);
	else
		mb_process_burst(c, pkts, n);
	__asm__ volatile("" ::: "memory"); /* keep this frame: no tail call */
}

/* Stamp the next 32 flows into burst pkts (the harness part, timed apart). */
__attribute__((noinline)) void mb_stamp_burst(struct mb *b, struct rte_mbuf **pkts);
__attribute__((noinline)) void
mb_stamp_burst(struct mb *b, struct rte_mbuf **pkts)
{
	uint32_t i, next = b->fl_next;

	for (i = 0; i < MB_BURST; i++) {
		stamp(rte_pktmbuf_mtod(pkts[i], uint8_t *), &b->fl[next]);
		if (++next == b->nb_fl)
			next = 0;
	}
	b->fl_next = next;
}

enum mb_pass { PASS_STAMP, PASS_WARM, PASS_MEASURE };

/* nb_bursts bursts over the prepared mbufs; the worker's per-loop part included. */
static void
run_bursts(struct mb *b, uint64_t nb_bursts, enum mb_pass kind)
{
	uint32_t bi = 0;
	uint64_t i;

	for (i = 0; i < nb_bursts; i++) {
		struct rte_mbuf **pkts = &b->m[(size_t)bi * MB_BURST];

		mb_stamp_burst(b, pkts);
		if (kind != PASS_STAMP) {
			b->c.dp = __atomic_load_n(&b->dp, __ATOMIC_ACQUIRE);
			b->c.now = rte_rdtsc();
			hf_ctr_add(&b->c.st->port[MB_PORT_LAN].rx, MB_BURST);
			if (kind == PASS_WARM && !b->c.variant_single)
				mb_process_burst(&b->c, pkts, MB_BURST);
			else if (kind == PASS_WARM)
				mb_process_burst_single(&b->c, pkts, MB_BURST);
			else
				mb_measured_burst(&b->c, pkts, MB_BURST);
		}
		if (++bi == b->o.bursts)
			bi = 0;
	}
}

/* ---- instruction counter (perf_event_open), where the CPU offers one ------- */

static int
perf_open(void)
{
	struct perf_event_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_HARDWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_HW_INSTRUCTIONS;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	return fd;
}

static uint64_t
perf_read(int fd)
{
	uint64_t v = 0;

	if (fd < 0 || read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* After rte_eal_cleanup: remove this process's EAL runtime directory (files, then itself). */
static void
remove_runtime_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < (int)sizeof(path))
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* ---- driver -------------------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, uint32_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int
prepare_mbufs(struct mb *b)
{
	uint32_t n = b->o.bursts * MB_BURST, i;

	b->pool = rte_pktmbuf_pool_create(
		"hf_mb_pool", n + 64, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	b->m = calloc(n, sizeof(*b->m));
	if (b->pool == NULL || b->m == NULL) {
		fprintf(stderr, "hf-microbench: mbuf pool: %s\n", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (rte_pktmbuf_alloc_bulk(b->pool, b->m, n) != 0)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(b->m[i], MB_FRAME_LEN);

		if (p == NULL)
			return -ENOMEM;
		base_frame(p);
	}
	return 0;
}

static int
setup_worker(struct mb *b)
{
	uint64_t hz = rte_get_tsc_hz();

	b->c.st = rte_zmalloc("hf_mb_stats", sizeof(*b->c.st), 64);
	b->c.flows =
		hf_flowtab_create(b->cfg->flow_size, hz / 1000 * (uint64_t)b->cfg->flow_timeout_ms);
	if (b->c.st == NULL || b->c.flows == NULL)
		return -ENOMEM;
	b->c.dp = b->dp;
	b->c.variant_single = b->o.variant_single;
	return 0;
}

static void
print_flowtab(const struct mb *b, const char *when)
{
	struct hf_flowtab_stats s;

	hf_flowtab_get_stats(b->c.flows, &s);
	if (!b->o.quiet)
		printf("flow table %s: capacity %u, entries %" PRIu64 ", inserts %" PRIu64
		       ", hits %" PRIu64 ", misses %" PRIu64 ", full %" PRIu64 "\n",
			when, hf_flowtab_capacity(b->c.flows), s.entries, s.inserts, s.hits,
			s.misses, s.full);
}

/* Every flow once: fills the flow table and checks every frame is forwarded. */
static int
warm_up(struct mb *b)
{
	uint64_t nb = ((uint64_t)b->nb_fl + MB_BURST - 1) / MB_BURST;

	b->fl_next = 0;
	run_bursts(b, nb, PASS_WARM);
	run_bursts(b, b->o.bursts, PASS_WARM); /* and every mbuf once more */
	print_flowtab(b, "after warm-up");
	if (b->c.other != 0 || b->c.fwd == 0) {
		fprintf(stderr,
			"hf-microbench: %" PRIu64 " of %" PRIu64
			" frames were not forwarded to a member: the traffic does not match the "
			"configuration\n",
			b->c.other, b->c.other + b->c.fwd);
		return -EINVAL;
	}
	return 0;
}

static const char *
hash_name(int h)
{
	static const char *const n[] = {"dst-ip", "src-ip", "src-dst", "5-tuple"};

	return h >= 0 && h < 4 ? n[h] : "?";
}

static const char *
scen_name(const struct mb *b)
{
	return b->o.config != NULL ? "config" : b->o.scenario;
}

static int
run_callgrind(struct mb *b)
{
	uint64_t nb = b->o.cg_packets / MB_BURST;

	if (warm_up(b) != 0)
		return -EINVAL;
	b->c.fwd = 0;
	run_bursts(b, nb, PASS_MEASURE);
	print_flowtab(b, "after the measured pass");
	printf("CALLGRIND scenario=%s clusters=%u members_total=%u hash=%s flows=%u "
	       "packets=%" PRIu64 " forwarded=%" PRIu64 "\n",
		scen_name(b), b->cfg->nb_clusters, b->cfg->nb_members_total, hash_name(b->o.hash),
		b->nb_fl, nb * MB_BURST, b->c.fwd);
	return b->c.fwd == nb * MB_BURST ? 0 : -EINVAL;
}

/* Involuntary context switches of this thread so far: a run that had one is not kept. */
static long
preemptions(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return 0;
	return ru.ru_nivcsw;
}

static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * One timed pass of nb bursts: TSC cycles per packet, or, when another
 * process took the CPU meanwhile (this is a shared machine), this thread's
 * own CPU time in TSC cycles, which leaves the time it was not running
 * out. Returns whether the pass was preempted.
 */
static bool
timed_pass(struct mb *b, uint64_t nb, enum mb_pass kind, double *cyc, double *ins)
{
	long cs = preemptions();
	uint64_t i0 = perf_read(b->perf_fd), c0 = thread_cpu_ns(), t0 = rte_rdtsc_precise();
	double tsc, cpu;

	run_bursts(b, nb, kind);
	tsc = (double)(rte_rdtsc_precise() - t0);
	cpu = (double)(thread_cpu_ns() - c0) * (double)rte_get_tsc_hz() / 1e9;
	*ins = (double)(perf_read(b->perf_fd) - i0) / (double)(nb * MB_BURST);
	if (preemptions() == cs) {
		*cyc = tsc / (double)(nb * MB_BURST);
		return false;
	}
	*cyc = (cpu < tsc ? cpu : tsc) / (double)(nb * MB_BURST);
	return true;
}

static int
run_timed(struct mb *b)
{
	uint64_t hz = rte_get_tsc_hz(), nb, t0;
	uint32_t r, preempted = 0, runs = b->o.runs;
	double *cyc, *ovh, *ins, *iov, cal;
	bool have_ins;

	cyc = calloc(runs, sizeof(double));
	ovh = calloc(runs, sizeof(double));
	ins = calloc(runs, sizeof(double));
	iov = calloc(runs, sizeof(double));
	if (cyc == NULL || ovh == NULL || ins == NULL || iov == NULL)
		return -ENOMEM;
	if (warm_up(b) != 0)
		return -EINVAL;
	/* calibrate: bursts per run for about run_ms */
	nb = 1024;
	t0 = rte_rdtsc_precise();
	run_bursts(b, nb, PASS_MEASURE);
	cal = (double)(rte_rdtsc_precise() - t0) / (double)nb;
	nb = (uint64_t)((double)hz * b->o.run_ms / 1000.0 / cal);
	if (nb < 256)
		nb = 256;
	b->perf_fd = perf_open();
	have_ins = b->perf_fd >= 0;
	if (have_ins) {
		ioctl(b->perf_fd, PERF_EVENT_IOC_RESET, 0);
		ioctl(b->perf_fd, PERF_EVENT_IOC_ENABLE, 0);
	}
	if (!b->o.quiet)
		printf("runs: %u x %" PRIu64
		       " packets (%u bursts of %u mbufs, %u flows), TSC %.3f GHz, "
		       "instructions counter: %s\n",
			runs, nb * MB_BURST, b->o.bursts, MB_BURST, b->nb_fl, (double)hz / 1e9,
			have_ins ? "yes" : "no (perf_event_open failed)");
	/* each run: the harness alone (stamping), then harness + work */
	for (r = 0; r < runs; r++) {
		bool pre;

		pre = timed_pass(b, nb, PASS_STAMP, &ovh[r], &iov[r]);
		pre = timed_pass(b, nb, PASS_MEASURE, &cyc[r], &ins[r]) || pre;
		preempted += pre;
		if (!b->o.quiet)
			printf("  run %u: %.1f cycles/pkt (harness %.1f) -> %.1f net%s%s", r + 1,
				cyc[r], ovh[r], cyc[r] - ovh[r],
				pre ? " (preempted: CPU time)" : "", have_ins ? "" : "\n");
		if (have_ins && !b->o.quiet)
			printf(", %.1f instr/pkt net\n", ins[r] - iov[r]);
	}
	print_flowtab(b, "after the runs");
	{
		double mc = median(cyc, r), mo = median(ovh, r);
		double mi = have_ins ? median(ins, r) - median(iov, r) : -1;
		char istr[32];

		snprintf(istr, sizeof(istr), have_ins ? "%.1f" : "na", mi);
		printf("RESULT scenario=%s%s tables=%s clusters=%u members_total=%u hash=%s flows=%u "
		       "table=%u "
		       "cycles_pkt=%.1f harness_pkt=%.1f raw_pkt=%.1f instr_pkt=%s mpps_core=%.2f "
		       "tsc_ghz=%.3f runs=%u preempted=%u other=%" PRIu64 "\n",
			scen_name(b), b->o.variant_single ? "+single" : "", b->dp->cltabs->ops->name,
			b->cfg->nb_clusters, b->cfg->nb_members_total, hash_name(b->o.hash), b->nb_fl,
			hf_flowtab_capacity(b->c.flows), mc - mo, mo, mc, istr,
			(double)hz / (mc - mo) / 1e6, (double)hz / 1e9, r, preempted, b->c.other);
	}
	if (b->perf_fd >= 0)
		close(b->perf_fd);
	free(cyc);
	free(ovh);
	free(ins);
	free(iov);
	return b->c.other == 0 ? 0 : -EINVAL;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: hf-microbench [EAL options --] [options]\n"
		"  -s, --scenario NAME     small (1x4, dst-ip), large (512x16, dst-ip),\n"
		"                          flows (512x16, 5-tuple, 2^20 flows, table 2^21),\n"
		"                          small5 (1x4, 5-tuple)   (default small)\n"
		"      --clusters N        generated clusters (1..%d)\n"
		"      --members N         members per generated cluster (1..64)\n"
		"      --hash MODE         dst-ip | src-ip | src-dst | 5-tuple\n"
		"      --flows N           distinct flows in the traffic\n"
		"      --table N           flow table entries (flows.size)\n"
		"  -c, --config FILE       use this configuration instead of a generated one\n"
		"                          (frames go to its cluster MACs; members need a mac,\n"
		"                          health is taken as up)\n"
		"      --bursts N          bursts of 32 mbufs cycled through (default 64)\n"
		"      --runs N            timed runs, the median is reported (default 5)\n"
		"      --run-ms MS         length of one timed run (default 50)\n"
		"      --callgrind         fixed packet count, no timing (run under\n"
		"                          valgrind --tool=callgrind --collect-atstart=no\n"
		"                          --toggle-collect=mb_measured_burst)\n"
		"      --callgrind-packets N  packets in the collected pass (default 65536)\n"
		"      --write-config FILE keep the generated configuration\n"
		"      --write-pcap FILE   write the traffic as a pcap (--pcap-frames, default "
		"4096)\n"
		"      --gen-only          only write the files above (no EAL)\n"
		"      --seed N            shuffle seed (default 1)\n"
		"      --variant V         worker (default): the worker's loop as it is;\n"
		"                          single: the loop before its two-pass split\n"
		"      --tables T          the cluster tables: rte_hash (default, as the\n"
		"                          program) or addrtab (the project's own, as unit tests)\n"
		"  -q, --quiet             only the RESULT / CALLGRIND line\n"
		"Without \"--\" the EAL runs with --no-huge -m 512 --no-pci --no-telemetry\n"
		"--file-prefix hf-mb-PID -l <current cpu>.\n",
		MB_MAX_GEN_CLUSTERS);
}

static int
parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 0);
	if (errno != 0 || *s == '\0' || *end != '\0' || x > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

static int
parse_opts(int argc, char **argv, struct mb_opts *o)
{
	enum {
		O_CL = 256,
		O_MB,
		O_HASH,
		O_FLOWS,
		O_TABLE,
		O_BURSTS,
		O_RUNS,
		O_RUNMS,
		O_CG,
		O_CGP,
		O_WC,
		O_WP,
		O_PF,
		O_GEN,
		O_SEED,
		O_VAR,
		O_TABLES
	};
	static const struct option lo[] = {
		{"scenario", required_argument, NULL, 's'},
		{"config", required_argument, NULL, 'c'},
		{"clusters", required_argument, NULL, O_CL},
		{"members", required_argument, NULL, O_MB},
		{"hash", required_argument, NULL, O_HASH},
		{"flows", required_argument, NULL, O_FLOWS},
		{"table", required_argument, NULL, O_TABLE},
		{"bursts", required_argument, NULL, O_BURSTS},
		{"runs", required_argument, NULL, O_RUNS},
		{"run-ms", required_argument, NULL, O_RUNMS},
		{"callgrind", no_argument, NULL, O_CG},
		{"callgrind-packets", required_argument, NULL, O_CGP},
		{"write-config", required_argument, NULL, O_WC},
		{"write-pcap", required_argument, NULL, O_WP},
		{"pcap-frames", required_argument, NULL, O_PF},
		{"gen-only", no_argument, NULL, O_GEN},
		{"seed", required_argument, NULL, O_SEED},
		{"variant", required_argument, NULL, O_VAR},
		{"tables", required_argument, NULL, O_TABLES},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint32_t *num = NULL;
	int c;

	o->scenario = "small";
	o->hash = -1;
	o->bursts = 64;
	o->runs = 5;
	o->run_ms = 50;
	o->cg_packets = 65536;
	o->pcap_frames = 4096;
	o->seed = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:c:qh", lo, NULL)) != -1) {
		num = NULL;
		switch (c) {
		case 's':
			o->scenario = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case O_CL:
			num = &o->clusters;
			break;
		case O_MB:
			num = &o->members;
			break;
		case O_FLOWS:
			num = &o->flows;
			break;
		case O_TABLE:
			num = &o->table;
			break;
		case O_BURSTS:
			num = &o->bursts;
			break;
		case O_RUNS:
			num = &o->runs;
			break;
		case O_RUNMS:
			num = &o->run_ms;
			break;
		case O_CGP:
			num = &o->cg_packets;
			break;
		case O_PF:
			num = &o->pcap_frames;
			break;
		case O_SEED:
			num = &o->seed;
			break;
		case O_CG:
			o->callgrind = true;
			break;
		case O_GEN:
			o->gen_only = true;
			break;
		case O_WC:
			o->write_config = optarg;
			break;
		case O_WP:
			o->write_pcap = optarg;
			break;
		case O_VAR:
			if (strcmp(optarg, "single") == 0) {
				o->variant_single = true;
			} else if (strcmp(optarg, "worker") != 0) {
				fprintf(stderr, "hf-microbench: --variant: worker or single\n");
				return -1;
			}
			break;
		case O_TABLES:
			if (strcmp(optarg, "addrtab") == 0) {
				o->addrtab = true;
			} else if (strcmp(optarg, "rte_hash") != 0) {
				fprintf(stderr, "hf-microbench: --tables: rte_hash or addrtab\n");
				return -1;
			}
			break;
		case O_HASH:
			o->hash = parse_hash(optarg);
			if (o->hash < 0) {
				fprintf(stderr, "hf-microbench: --hash: dst-ip, src-ip, src-dst or "
						"5-tuple\n");
				return -1;
			}
			break;
		default:
			usage(stderr);
			return -1;
		}
		if (num != NULL && parse_u32(optarg, num) != 0) {
			fprintf(stderr, "hf-microbench: not a number: %s\n", optarg);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hf-microbench: unexpected argument: %s\n", argv[optind]);
		return -1;
	}
	if (apply_scenario(o) != 0)
		return -1;
	if (o->clusters < 1 || o->clusters > MB_MAX_GEN_CLUSTERS || o->members < 1 ||
		o->members > HF_MAX_MEMBERS || o->clusters * o->members > HF_MAX_MEMBERS_TOTAL) {
		fprintf(stderr,
			"hf-microbench: clusters 1..%d, members 1..%d, %d members in all "
			"(more clusters would need cluster IPs outside the documentation ranges)\n",
			MB_MAX_GEN_CLUSTERS, HF_MAX_MEMBERS, HF_MAX_MEMBERS_TOTAL);
		return -1;
	}
	if (o->bursts < 1 || o->runs < 1 || o->runs > 1000 || o->flows < 1 ||
		o->cg_packets < MB_BURST) {
		fprintf(stderr, "hf-microbench: --bursts, --runs, --flows must be >= 1, "
				"--callgrind-packets >= 32\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct mb b; /* zeroed */
	char pfx[64], lcore[16], *eal_def[16], rtdir[PATH_MAX];
	char **eal_argv = argv;
	int dash, eal_argc, app_argc, ret, cpu;
	char **app_argv;

	for (dash = 1; dash < argc; dash++)
		if (strcmp(argv[dash], "--") == 0)
			break;
	app_argv = calloc((size_t)argc + 2, sizeof(char *));
	if (app_argv == NULL)
		return EXIT_FAILURE;
	app_argv[0] = argv[0];
	app_argc = 1;
	if (dash < argc) {
		eal_argc = dash;
		for (int i = dash + 1; i < argc; i++)
			app_argv[app_argc++] = argv[i];
	} else {
		/* no EAL options given: a private, hugepage-free EAL on this CPU */
		cpu = sched_getcpu();
		snprintf(pfx, sizeof(pfx), "hf-mb-%d", (int)getpid());
		snprintf(lcore, sizeof(lcore), "%d", cpu < 0 ? 0 : cpu);
		eal_argc = 0;
		eal_def[eal_argc++] = argv[0];
		eal_def[eal_argc++] = (char *)"--no-huge";
		eal_def[eal_argc++] = (char *)"-m";
		eal_def[eal_argc++] = (char *)"512";
		eal_def[eal_argc++] = (char *)"--no-pci";
		eal_def[eal_argc++] = (char *)"--no-telemetry";
		eal_def[eal_argc++] = (char *)"--log-level=lib.eal:error";
		eal_def[eal_argc++] = (char *)"--file-prefix";
		eal_def[eal_argc++] = pfx;
		eal_def[eal_argc++] = (char *)"-l";
		eal_def[eal_argc++] = lcore;
		eal_def[eal_argc] = NULL;
		eal_argv = eal_def;
		for (int i = 1; i < argc; i++)
			app_argv[app_argc++] = argv[i];
	}
	ret = parse_opts(app_argc, app_argv, &b.o);
	free(app_argv);
	if (ret != 0)
		return ret > 0 ? EXIT_SUCCESS : EXIT_FAILURE;

	/* configuration, snapshot and traffic: pure code, no EAL yet */
	ret = load_config(&b);
	if (ret == 0)
		ret = build_dataplane(&b, NULL, NULL);
	if (ret == 0) {
		if (b.o.config != NULL && b.o.hash < 0)
			b.o.hash = b.cfg->clusters[0].hash;
		ret = build_flows(&b);
	}
	if (ret == 0 && b.o.write_config != NULL)
		ret = copy_file(b.o.config != NULL ? b.o.config : b.cfg_path, b.o.write_config);
	if (ret == 0 && b.o.write_pcap != NULL)
		ret = write_pcap(&b, b.o.write_pcap, b.o.pcap_frames);
	if (b.cfg_tmp)
		unlink(b.cfg_path);
	if (ret != 0 || b.o.gen_only)
		goto out;

	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "hf-microbench: EAL init failed: %s\n", rte_strerror(rte_errno));
		ret = -1;
		goto out;
	}
	if (!b.o.quiet)
		printf("scenario %s: %u cluster(s), %u member(s) in all, hash %s, %u flow(s), "
		       "flow table %u, lcore %u\n",
			b.o.scenario, b.cfg->nb_clusters, b.cfg->nb_members_total,
			hash_name(b.o.hash), b.nb_fl, b.cfg->flow_size, rte_lcore_id());
	ret = rebuild_dataplane(&b);
	if (ret == 0)
		ret = prepare_mbufs(&b);
	if (ret == 0)
		ret = setup_worker(&b);
	if (ret == 0)
		ret = b.o.callgrind ? run_callgrind(&b) : run_timed(&b);
	if (b.m != NULL && b.pool != NULL)
		rte_pktmbuf_free_bulk(b.m, b.o.bursts * MB_BURST);
	hf_flowtab_free(b.c.flows);
	rte_free(b.c.st);
	rte_mempool_free(b.pool);
	/* its cluster tables are rte_hash: freed while EAL is up */
	hf_dataplane_free(b.dp);
	b.dp = NULL;
	snprintf(rtdir, sizeof(rtdir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	remove_runtime_dir(rtdir);
out:
	free(b.m);
	free(b.fl);
	hf_dataplane_free(b.dp);
	hf_config_free(b.cfg);
	return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
