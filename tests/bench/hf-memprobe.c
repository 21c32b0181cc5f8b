/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hf-memprobe: what random memory access costs on this machine, the floor
 * under a flow table far bigger than the cache (docs/performance.md).
 *
 * Over a 64 MiB region (huge pages advised, as hf_flowtab_create does):
 *   chase  one dependent load after another: the latency of a miss;
 *   burst  for bursts of --burst random 256-byte blocks, prefetch the
 *          first N lines of every block, then read and write them, as the
 *          worker's two passes do with flow-table buckets: the cost per
 *          block when misses overlap, for N = 1..4 lines.
 * Cycles by rdtsc (x86-64) or the monotonic clock elsewhere.
 *
 * --pingpong A,B instead: two threads pinned to CPUs A and B hand one
 * cache line back and forth; the time per round trip (nanoseconds) is what
 * moving a line between those CPUs costs, as every frame and ring slot
 * does in a two-core pipeline (hf-gen feeding a worker over net_ring). On
 * a virtual machine it changes when the host moves the vCPUs apart; see
 * docs/performance.md.
 *
 * A benchmark: it prints figures and asserts nothing.
 *
 * Usage: hf-memprobe [--burst N] [--mib M]
 *        hf-memprobe --pingpong A,B
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#define LINE 64
#define BLOCK 256
#define ACCESSES (1u << 20)

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static volatile uint64_t sink; /* what the loads read: keeps them in the build */

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Cycles where the CPU has a cycle counter, else nanoseconds. */
static uint64_t
ticks(void)
{
#if defined(__x86_64__)
	return __rdtsc();
#else
	return now_ns();
#endif
}

/* One random cyclic permutation of the region's lines, followed load by load. */
static double
chase(uint8_t *mem, size_t size)
{
	size_t n = size / LINE, i;
	uint32_t *perm = malloc(n * sizeof(*perm));
	uint64_t t0, t1, x = 0;
	const uint32_t loads = 1000000;

	if (perm == NULL)
		return -1;
	for (i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	for (i = n - 1; i > 0; i--) {
		size_t j = rng() % (i + 1);
		uint32_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < n; i++)
		memcpy(mem + (size_t)perm[i] * LINE,
			&(uint64_t){(uint64_t)perm[(i + 1) % n] * LINE}, sizeof(uint64_t));
	free(perm);
	t0 = ticks();
	for (i = 0; i < loads; i++)
		memcpy(&x, mem + x, sizeof(x));
	t1 = ticks();
	sink = x;
	return (double)(t1 - t0) / loads;
}

/* Prefetch `lines` lines of each block of a burst, then read and write them. */
static double
burst_blocks(uint8_t *mem, const uint32_t *idx, unsigned int burst, unsigned int lines)
{
	uint64_t t0, t1, sum = 0;
	uint32_t i;
	unsigned int j, l;

	t0 = ticks();
	for (i = 0; i + burst <= ACCESSES; i += burst) {
		for (j = 0; j < burst; j++) {
			const uint8_t *b = mem + (size_t)idx[i + j] * BLOCK;

			for (l = 0; l < lines; l++)
				__builtin_prefetch(b + l * LINE, 1, 3);
		}
		for (j = 0; j < burst; j++) {
			uint8_t *b = mem + (size_t)idx[i + j] * BLOCK;

			for (l = 0; l < lines; l++)
				sum += b[l * LINE];
			b[0]++;
		}
	}
	t1 = ticks();
	sink = sum;
	return (double)(t1 - t0) / (ACCESSES / burst * burst);
}

/* ---- --pingpong ------------------------------------------------------------ */

#define PP_BATCHES 5
#define PP_ROUNDS 20000u   /* round trips per batch */

/* The line both threads write, alone in its cache line. */
static struct {
	uint64_t seq;
	uint8_t pad[LINE - sizeof(uint64_t)];
} pp_line __attribute__((aligned(LINE)));

static cpu_set_t
one_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return set;
}

/* The far side (started on its CPU): answers each odd sequence number with the next even one. */
static void *
pp_pong(void *arg)
{
	uint64_t i, total = (uint64_t)PP_BATCHES * PP_ROUNDS;

	(void)arg;
	for (i = 0; i < total; i++) {
		while (__atomic_load_n(&pp_line.seq, __ATOMIC_ACQUIRE) != 2 * i + 1)
			;
		__atomic_store_n(&pp_line.seq, 2 * i + 2, __ATOMIC_RELEASE);
	}
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Round trips of one cache line between CPUs a and b, in nanoseconds: the
 * median of PP_BATCHES batches (and the fastest, into *best). -errno when a
 * thread cannot be pinned (a CPU this process may not use).
 */
static int
pingpong(int a, int b, double *median, double *best)
{
	double ns[PP_BATCHES];
	pthread_attr_t attr;
	cpu_set_t set;
	pthread_t t;
	uint64_t i = 0, t0;
	unsigned int k;
	int rc;

	set = one_cpu(a);
	rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (rc != 0)
		return -rc;
	__atomic_store_n(&pp_line.seq, 0, __ATOMIC_RELEASE);
	/* the far side starts on its own CPU: it need not wait for this one to yield */
	set = one_cpu(b);
	rc = pthread_attr_init(&attr);
	if (rc != 0)
		return -rc;
	rc = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (rc == 0)
		rc = pthread_create(&t, &attr, pp_pong, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return -rc;
	for (k = 0; k < PP_BATCHES; k++) {
		uint64_t end = i + PP_ROUNDS;

		t0 = now_ns();
		for (; i < end; i++) {
			__atomic_store_n(&pp_line.seq, 2 * i + 1, __ATOMIC_RELEASE);
			while (__atomic_load_n(&pp_line.seq, __ATOMIC_ACQUIRE) != 2 * i + 2)
				;
		}
		ns[k] = (double)(now_ns() - t0) / PP_ROUNDS;
	}
	pthread_join(t, NULL);
	qsort(ns, PP_BATCHES, sizeof(ns[0]), cmp_double);
	*median = ns[PP_BATCHES / 2];
	*best = ns[0];
	return 0;
}

static int
pingpong_main(const char *arg)
{
	double med = 0, best = 0;
	char *end;
	long a, b;
	int rc;

	a = strtol(arg, &end, 10);
	if (end == arg || *end != ',')
		goto usage;
	arg = end + 1;
	b = strtol(arg, &end, 10);
	if (end == arg || *end != '\0' || a < 0 || b < 0 || a >= CPU_SETSIZE ||
	    b >= CPU_SETSIZE || a == b)
		goto usage;
	rc = pingpong((int)a, (int)b, &med, &best);
	if (rc < 0) {
		fprintf(stderr, "hf-memprobe: cannot run on CPUs %ld and %ld: %s\n", a, b,
			strerror(-rc));
		return 1;
	}
	printf("hf-memprobe: pingpong CPU %ld <-> CPU %ld: %.1f ns per round trip "
	       "(median of %u batches of %u; fastest batch %.1f)\n",
	       a, b, med, PP_BATCHES, PP_ROUNDS, best);
	return 0;
usage:
	fprintf(stderr, "hf-memprobe: --pingpong A,B takes two different CPU numbers\n");
	return 2;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"burst", required_argument, NULL, 'b'},
		{"mib", required_argument, NULL, 'm'},
		{"pingpong", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned int burst = 32, mib = 64, lines;
	size_t size;
	uint32_t *idx, i;
	void *mem = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "b:m:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			return pingpong_main(optarg);
		case 'b':
			burst = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'm':
			mib = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr,
				"usage: hf-memprobe [--burst N (1..1024)] [--mib M (4..4096)]\n"
				"       hf-memprobe --pingpong A,B   (CPU numbers)\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (burst < 1 || burst > 1024 || mib < 4 || mib > 4096) {
		fprintf(stderr, "hf-memprobe: --burst 1..1024, --mib 4..4096\n");
		return 2;
	}
	size = (size_t)mib << 20;
	if (posix_memalign(&mem, 2u << 20, size) != 0) {
		fprintf(stderr, "hf-memprobe: cannot allocate %u MiB\n", mib);
		return 1;
	}
#ifdef MADV_HUGEPAGE
	(void)madvise(mem, size, MADV_HUGEPAGE);
#endif
	memset(mem, 1, size);
	idx = malloc(ACCESSES * sizeof(*idx));
	if (idx == NULL) {
		free(mem);
		return 1;
	}
	for (i = 0; i < ACCESSES; i++)
		idx[i] = (uint32_t)(rng() % (size / BLOCK));

	printf("hf-memprobe: %u MiB, %s per access\n", mib,
#if defined(__x86_64__)
		"TSC cycles"
#else
		"nanoseconds"
#endif
	);
	printf("  chase (dependent loads):           %7.1f\n", chase(mem, size));
	for (lines = 1; lines <= BLOCK / LINE; lines++)
		printf("  burst %4u, %u line(s) per block:  %7.1f\n", burst, lines,
			burst_blocks(mem, idx, burst, lines));
	free(idx);
	free(mem);
	return 0;
}
