/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hf-gen: the benchmark's traffic generator (scripts/bench.sh). A DPDK
 * secondary process that feeds the net_ring port of the program under
 * test (hyperflow, or dpdk-testpmd for the reference) from another core.
 *
 * The program under test is the primary: it creates the port with
 *   --vdev net_ring0,nodeaction=NAME:0:CREATE
 * which makes the ring "ETH_RXTX0_NAME". hf-gen attaches to the same
 * DPDK runtime (--proc-type=secondary --file-prefix of the primary),
 * looks the ring up, and enqueues bursts of 32 frames cut from a pcap,
 * replayed in a loop. The program under test sends them to a net_null
 * port, which frees them.
 *
 * Mbufs come from the primary's own pool (--pool: "hf_mbuf" for
 * hyperflow, "mb_pool_0" for testpmd), taken straight from the pool's
 * ring. Not through the mempool API: a pool records its handler as an
 * index into a table each process fills as its libraries load, and
 * dpdk-testpmd and hf-gen fill it in different orders (a pool of
 * hf-gen's own, freed by testpmd, lost its mbufs to another handler). So
 * hf-gen requires a ring-based pool (ring "MP_<pool>", the default
 * handler) and dequeues from that ring itself; the primary frees into it.
 * What it checks is the ring's own flags. A primary started with EAL's
 * --mbuf-pool-ops-name ring_sp_sc (or _sp_mc, _mp_sc) passes that check
 * and must not be used: those handlers make the same multi-thread ring
 * but take from it (or free into it) without the atomic step, so hf-gen
 * taking mbufs at the same time would corrupt it, and the handler is not
 * visible from here (the index problem above).
 *
 * hf-gen must be the only producer on the ring once the primary is
 * running (the ring is single-producer, and nothing here can check it):
 * start it after the primary's start-up (hyperflow sends gratuitous ARPs
 * on its cluster ports at start), run the primary with nothing else to
 * send on that port (health "none"), and replay nothing it would answer
 * (no ARP request for a cluster IP, no ICMP to its probe address).
 *
 * --flows N makes the replay N distinct flows for a table of that size:
 * flow f is capture frame f % F (F frames) with its UDP/TCP source port
 * set to 1024 + f / F, and after flow N - 1 the replay starts again at
 * flow 0. Every frame must then be untagged, unfragmented IPv4 without
 * options carrying UDP or TCP, and the frames must differ in their other
 * flow fields (the bench's captures go to distinct cluster/destination
 * pairs; not checked). A UDP checksum is cleared (none, valid for IPv4);
 * a TCP checksum is left wrong, which neither program under test reads.
 *
 * It counts what the ring took and how often it waited (ring full: the
 * consumer is behind; no free mbuf) and prints that on exit (SIGINT,
 * SIGTERM, or --seconds).
 *
 * Usage: hf-gen EAL-options -- --ring NAME --pool NAME --pcap FILE [--seconds S]
 *                              [--flows N]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <hyperflow/pkt.h>

#define GEN_BURST 32
#define GEN_MAX_FRAMES 65536
#define GEN_MAX_LEN 128 /* frames are copied whole: keep them short */
#define GEN_SPORT_BASE 1024
#define GEN_MAX_FLOWS (1u << 24)
#define GEN_L4_OFF (14 + 20) /* untagged IPv4 without options */

struct gen_frame {
	uint16_t len;
	uint8_t b[GEN_MAX_LEN];
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Frames of at most GEN_MAX_LEN bytes from an Ethernet pcap; the count, or -1. */
static int
load_pcap(const char *path, struct gen_frame *f, unsigned int max)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned int n = 0, skipped = 0;
	pcap_t *p = pcap_open_offline(path, err);

	if (p == NULL) {
		fprintf(stderr, "hf-gen: %s: %s\n", path, err);
		return -1;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "hf-gen: %s: not an Ethernet capture\n", path);
		pcap_close(p);
		return -1;
	}
	while (n < max && pcap_next_ex(p, &h, &d) == 1) {
		if (h->caplen != h->len || h->caplen < 14 || h->caplen > GEN_MAX_LEN) {
			skipped++;
			continue;
		}
		f[n].len = (uint16_t)h->caplen;
		memcpy(f[n].b, d, h->caplen);
		n++;
	}
	pcap_close(p);
	if (n == 0) {
		fprintf(stderr, "hf-gen: %s: no frame of 14..%d bytes\n", path, GEN_MAX_LEN);
		return -1;
	}
	if (skipped != 0)
		fprintf(stderr, "hf-gen: %s: %u frame(s) skipped (truncated or longer than %d)\n",
			path, skipped, GEN_MAX_LEN);
	return (int)n;
}

/*
 * Whether --flows can set frame f's source port: the worker's own common
 * frame (hf_pkt_parse_fast: untagged IPv4 without options), not a
 * fragment (a later one has no L4 header), UDP or TCP, with the 8 bytes
 * of the L4 header it writes (ports; the UDP checksum) in the frame.
 */
static bool
has_port(const struct gen_frame *f)
{
	struct hf_pkt_info pi;

	return f->len >= GEN_L4_OFF + 8 && hf_pkt_parse_fast(f->b, f->len, &pi) &&
	       !pi.is_fragment && (pi.proto == HF_IPPROTO_UDP || pi.proto == HF_IPPROTO_TCP);
}

/* Whether --flows N can be made from the capture's nfr frames; says why not. */
static bool
flows_fit(const struct gen_frame *frames, unsigned int nfr, long flows, const char *path)
{
	unsigned int i;

	for (i = 0; i < nfr; i++) {
		if (!has_port(&frames[i])) {
			fprintf(stderr,
				"hf-gen: --flows: frame %u of %s is not untagged IPv4 "
				"(no options, not a fragment) with UDP or TCP\n",
				i + 1, path);
			return false;
		}
	}
	if ((flows + nfr - 1) / nfr > 65536 - GEN_SPORT_BASE) {
		fprintf(stderr, "hf-gen: --flows %ld needs more than %d source ports per frame of %u\n",
			flows, 65536 - GEN_SPORT_BASE, nfr);
		return false;
	}
	return true;
}

/*
 * Why hf-gen cannot take mbufs from pool's ring, or NULL when it can:
 * it dequeues while the primary enqueues, so the ring must be the pool's
 * and multi-thread safe both ways.
 */
static const char *
pool_ring_problem(const struct rte_mempool *pool, const struct rte_ring *r)
{
	if (pool == NULL)
		return "no such pool";
	if (r == NULL)
		return "no ring of that name";
	if (pool->pool_data != (const void *)r)
		return "the pool does not use that ring";
	if (r->prod.sync_type != RTE_RING_SYNC_MT || r->cons.sync_type != RTE_RING_SYNC_MT)
		return "the ring is not multi-producer/multi-consumer";
	return NULL;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: hf-gen EAL-options -- --ring NAME --pool NAME --pcap FILE "
		"[--seconds S]\n"
		"  --ring NAME   the primary's net_ring nodeaction name (ring ETH_RXTX0_NAME)\n"
		"  --pool NAME   the primary's mbuf pool (ring-based: ring MP_NAME)\n"
		"  --pcap FILE   frames to replay (Ethernet, at most %d bytes each)\n"
		"  --seconds S   stop after S seconds (default: at SIGINT / SIGTERM)\n"
		"  --flows N     N distinct flows (1..%u): source ports %d and up per pass\n",
		GEN_MAX_LEN, GEN_MAX_FLOWS, GEN_SPORT_BASE);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"ring", required_argument, NULL, 'r'},
		{"pcap", required_argument, NULL, 'p'},
		{"pool", required_argument, NULL, 'P'},
		{"seconds", required_argument, NULL, 's'},
		{"flows", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *ring_name = NULL, *pcap_path = NULL, *pool_name = NULL, *why;
	char rname[RTE_RING_NAMESIZE], pname[RTE_RING_NAMESIZE];
	struct rte_mbuf *m[GEN_BURST];
	struct gen_frame *frames;
	struct rte_mempool *pool;
	struct rte_ring *ring, *free_ring;
	uint64_t sent = 0, full = 0, nomem = 0, loops = 0, t0, end = 0;
	double seconds = 0;
	int ret, c, nfr;
	unsigned int k = 0, i, n, pending = 0, off = 0;
	long flows = 0;          /* --flows, 0 = the capture as it is */
	unsigned int fi = 0, v = 0;   /* flow index, pass over the capture */

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "hf-gen: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	while ((c = getopt_long(argc, argv, "r:p:P:s:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			ring_name = optarg;
			break;
		case 'p':
			pcap_path = optarg;
			break;
		case 'P':
			pool_name = optarg;
			break;
		case 's': {
			char *e;

			seconds = strtod(optarg, &e);
			if (*e != '\0' || e == optarg || !isfinite(seconds) || seconds > 1e6)
				seconds = -1;
			break;
		}
		case 'f': {
			char *e;

			flows = strtol(optarg, &e, 10);
			if (*e != '\0' || e == optarg || flows < 1 || flows > GEN_MAX_FLOWS)
				flows = -1;
			break;
		}
		default:
			usage();
			rte_eal_cleanup();
			return c == 'h' ? 0 : 2;
		}
	}
	if (ring_name == NULL || pcap_path == NULL || pool_name == NULL || seconds < 0 ||
	    flows < 0) {
		usage();
		rte_eal_cleanup();
		return 2;
	}
	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		fprintf(stderr, "hf-gen: not a secondary process: the ring will not be found\n");
	snprintf(rname, sizeof(rname), "ETH_RXTX0_%s", ring_name);
	ring = rte_ring_lookup(rname);
	if (ring == NULL) {
		fprintf(stderr,
			"hf-gen: ring %s not found (is the primary running with "
			"net_ring0,nodeaction=%s:0:CREATE?)\n",
			rname, ring_name);
		rte_eal_cleanup();
		return 1;
	}
	frames = malloc(sizeof(*frames) * GEN_MAX_FRAMES);
	if (frames == NULL || (nfr = load_pcap(pcap_path, frames, GEN_MAX_FRAMES)) < 0) {
		free(frames);
		rte_eal_cleanup();
		return 1;
	}
	if (flows > 0 && !flows_fit(frames, (unsigned int)nfr, flows, pcap_path)) {
		free(frames);
		rte_eal_cleanup();
		return 2;
	}
	pool = rte_mempool_lookup(pool_name);
	snprintf(pname, sizeof(pname), "%s%s", RTE_MEMPOOL_MZ_PREFIX, pool_name);
	free_ring = rte_ring_lookup(pname);
	why = pool_ring_problem(pool, free_ring);
	if (why != NULL) {
		fprintf(stderr, "hf-gen: no mbuf pool %s on a multi-producer/consumer ring %s: %s\n",
			pool_name, pname, why);
		free(frames);
		rte_eal_cleanup();
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("hf-gen: %d frame(s) from %s into ring %s, mbufs from %s, lcore %u", nfr,
		pcap_path, rname, pool_name, rte_lcore_id());
	if (flows > 0)
		printf(", %ld flows (source ports %d..%ld)", flows, GEN_SPORT_BASE,
		       GEN_SPORT_BASE + (flows - 1) / nfr);
	printf("\n");
	fflush(stdout);

	t0 = rte_rdtsc();
	if (seconds > 0)
		end = t0 + (uint64_t)(seconds * (double)rte_get_tsc_hz());
	while (!stop) {
		if (end != 0 && (++loops & 0x3ff) == 0 && rte_rdtsc() > end)
			break;
		if (pending == 0) {
			if (rte_ring_mc_dequeue_bulk(free_ring, (void **)m, GEN_BURST, NULL) == 0) {
				/* every mbuf is in flight: the consumer is behind */
				nomem++;
				rte_delay_us_block(1);
				continue;
			}
			for (i = 0; i < GEN_BURST; i++) {
				const struct gen_frame *f = &frames[k];
				uint8_t *d;

				/* what rte_pktmbuf_alloc would reset; a freed mbuf has one segment
				 */
				rte_pktmbuf_reset(m[i]);
				rte_mbuf_refcnt_set(m[i], 1);
				d = rte_pktmbuf_mtod(m[i], uint8_t *);
				memcpy(d, f->b, f->len);
				m[i]->data_len = f->len;
				m[i]->pkt_len = f->len;
				if (flows == 0) {
					if (++k == (unsigned int)nfr)
						k = 0;
					continue;
				}
				/* flow fi: frame k, source port 1024 + v (big-endian) */
				d[GEN_L4_OFF] = (uint8_t)((GEN_SPORT_BASE + v) >> 8);
				d[GEN_L4_OFF + 1] = (uint8_t)(GEN_SPORT_BASE + v);
				if (d[23] == HF_IPPROTO_UDP) {
					d[GEN_L4_OFF + 6] = 0;
					d[GEN_L4_OFF + 7] = 0;
				}
				if (++fi == (unsigned long)flows) {
					fi = k = v = 0;
				} else if (++k == (unsigned int)nfr) {
					k = 0;
					v++;
				}
			}
			pending = GEN_BURST;
			off = 0;
		}
		n = rte_ring_enqueue_burst(ring, (void **)(m + off), pending, NULL);
		sent += n;
		off += n;
		pending -= n;
		if (pending != 0) {
			/*
			 * Ring full: wait on the clock, not on the ring. Polling a
			 * full ring keeps its cache lines moving between the two
			 * cores and slows the consumer down, by a varying amount.
			 */
			full++;
			rte_delay_us_block(1);
		}
	}
	if (pending != 0)
		while (rte_ring_mp_enqueue_bulk(free_ring, (void **)(m + off), pending, NULL) == 0)
			;
	printf("hf-gen: sent %" PRIu64 " in %.1f s; waits: ring full %" PRIu64
	       ", no free mbuf %" PRIu64 "\n",
		sent, (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz(), full, nomem);
	free(frames);
	rte_eal_cleanup();
	return 0;
}
