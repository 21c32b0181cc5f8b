/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hf-poolprim: a stand-in DPDK primary for tests/bench/test_hf_gen.sh,
 * holding the two kinds of mbuf pool no stock primary makes and hf-gen
 * must refuse (pool_ring_problem in hf-gen.c):
 *
 *   hfp_sp  an mbuf pool created with single-producer put and
 *           single-consumer get: its ring MP_hfp_sp is single-thread both
 *           ways, and hf-gen dequeuing from it while the primary frees
 *           into it would corrupt it;
 *   hfp_st  an mbuf pool on the "stack" handler beside a ring that is
 *           merely named like its free ring (MP_hfp_st): not the pool's.
 *           Only where the mempool_stack plugin is loaded.
 *
 *   hf-poolprim EAL-options
 *
 * Give it the net_ring vdev hf-gen looks for (--vdev
 * net_ring0,nodeaction=NAME:0:CREATE) and hugepages (a secondary shares
 * only hugepage-backed memory). It prints "hf-poolprim: ready" with the
 * pools it made, then waits for SIGINT or SIGTERM. Exit 0, or 1 with the
 * reason when EAL or a pool cannot be set up.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#define POOL_N 511
#define POOL_ELT (sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE)

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * An mbuf pool of POOL_N on handler ops with the given pool flags; NULL
 * with the reason printed.
 */
static struct rte_mempool *
mbuf_pool(const char *name, const char *ops, unsigned int flags)
{
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE,
		.mbuf_priv_size = 0,
	};
	struct rte_mempool *mp;

	mp = rte_mempool_create_empty(name, POOL_N, POOL_ELT, 0, sizeof(priv), rte_socket_id(),
				      flags);
	if (mp == NULL) {
		fprintf(stderr, "hf-poolprim: pool %s: %s\n", name, rte_strerror(rte_errno));
		return NULL;
	}
	if (rte_mempool_set_ops_byname(mp, ops, NULL) != 0) {
		fprintf(stderr, "hf-poolprim: pool %s: no handler %s\n", name, ops);
		rte_mempool_free(mp);
		return NULL;
	}
	rte_pktmbuf_pool_init(mp, &priv);
	if (rte_mempool_populate_default(mp) < 0) {
		fprintf(stderr, "hf-poolprim: pool %s: cannot populate: %s\n", name,
			rte_strerror(rte_errno));
		rte_mempool_free(mp);
		return NULL;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
}

/* Whether a mempool handler of that name is registered (plugins included). */
static bool
have_ops(const char *name)
{
	unsigned int i;

	for (i = 0; i < rte_mempool_ops_table.num_ops; i++)
		if (strcmp(rte_mempool_ops_table.ops[i].name, name) == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	struct rte_mempool *sp, *st = NULL;
	struct rte_ring *fake = NULL;
	char rname[RTE_RING_NAMESIZE];

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "hf-poolprim: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	sp = mbuf_pool("hfp_sp", "ring_sp_sc", RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET);
	if (sp == NULL) {
		rte_eal_cleanup();
		return 1;
	}
	/* the stack handler is a plugin: without it, only hfp_sp */
	if (have_ops("stack")) {
		st = mbuf_pool("hfp_st", "stack", 0);
		snprintf(rname, sizeof(rname), "%shfp_st", RTE_MEMPOOL_MZ_PREFIX);
		if (st != NULL) {
			fake = rte_ring_create(rname, 64, rte_socket_id(), 0);
			if (fake == NULL)
				fprintf(stderr, "hf-poolprim: ring %s: %s\n", rname,
					rte_strerror(rte_errno));
		}
		if (fake == NULL) {
			rte_mempool_free(st);
			rte_mempool_free(sp);
			rte_eal_cleanup();
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("hf-poolprim: ready: hfp_sp%s\n", st != NULL ? " hfp_st" : "");
	fflush(stdout);
	while (!stop)
		usleep(100000);
	rte_ring_free(fake);
	rte_mempool_free(st);
	rte_mempool_free(sp);
	rte_eal_cleanup();
	return 0;
}
