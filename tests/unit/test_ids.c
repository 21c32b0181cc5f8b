/* SPDX-License-Identifier: BSD-3-Clause */
/* Stable cluster/member ids across reloads. */
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <hyperflow/ids.h>

#define MAXC 4
#define MAXM 8

struct cfgbuf {
	struct hf_config cfg;
	struct hf_cluster_conf c[MAXC];
	struct hf_member_conf m[MAXC][MAXM];
};

/* spec: "a:x,y;b:z" = cluster a with members x,y; cluster b with z */
static void
mkcfg(struct cfgbuf *b, const char *spec)
{
	char tmp[256], *cl, *save1;

	memset(b, 0, sizeof(*b));
	b->cfg.clusters = b->c;
	snprintf(tmp, sizeof(tmp), "%s", spec);
	for (cl = strtok_r(tmp, ";", &save1); cl != NULL; cl = strtok_r(NULL, ";", &save1)) {
		struct hf_cluster_conf *cc = &b->c[b->cfg.nb_clusters];
		char *colon = strchr(cl, ':'), *mem, *save2;

		*colon = '\0';
		snprintf(cc->name, sizeof(cc->name), "%s", cl);
		cc->members = b->m[b->cfg.nb_clusters];
		for (mem = strtok_r(colon + 1, ",", &save2); mem != NULL;
		     mem = strtok_r(NULL, ",", &save2)) {
			snprintf(cc->members[cc->nb_members++].name, HF_NAME_MAX, "%s", mem);
			b->cfg.nb_members_total++;
		}
		b->cfg.nb_clusters++;
	}
}

static void
test_first_assignment(void **state)
{
	struct cfgbuf a;
	struct hf_ids ids;
	uint32_t cid[MAXC], mid[MAXC * MAXM];
	int32_t om[MAXC * MAXM];

	(void)state;
	hf_ids_init(&ids);
	mkcfg(&a, "a:x,y;b:z");
	assert_int_equal(hf_ids_assign(&ids, NULL, NULL, NULL, &a.cfg, cid, mid, om), 0);
	assert_int_equal(cid[0], 0);
	assert_int_equal(cid[1], 1);
	assert_int_equal(mid[0], 0);
	assert_int_equal(mid[1], 1);
	assert_int_equal(mid[2], 2);
	assert_int_equal(om[0], -1);
	assert_int_equal(om[2], -1);
}

static void
test_reload_keeps_and_frees(void **state)
{
	struct cfgbuf a, b;
	struct hf_ids ids;
	uint32_t cid[MAXC], mid[MAXC * MAXM], cid2[MAXC], mid2[MAXC * MAXM];
	int32_t om[MAXC * MAXM];

	(void)state;
	hf_ids_init(&ids);
	mkcfg(&a, "a:x,y;b:z");
	assert_int_equal(hf_ids_assign(&ids, NULL, NULL, NULL, &a.cfg, cid, mid, om), 0);
	/* b goes first now, a loses y and gains w, c is new */
	mkcfg(&b, "b:z;a:w,x;c:v");
	assert_int_equal(hf_ids_assign(&ids, &a.cfg, cid, mid, &b.cfg, cid2, mid2, om), 0);
	assert_int_equal(cid2[0], cid[1]);     /* b kept */
	assert_int_equal(cid2[1], cid[0]);     /* a kept */
	assert_int_equal(cid2[2], 2);          /* c new, next-fit */
	assert_int_equal(mid2[0], mid[2]);     /* b.z */
	assert_int_equal(om[0], 2);
	assert_int_equal(mid2[2], mid[0]);     /* a.x */
	assert_int_equal(om[2], 0);
	assert_int_equal(om[1], -1);           /* a.w new */
	assert_int_equal(mid2[1], 3);          /* next-fit: freed id 1 (a.y) not reused yet */
	assert_int_equal(mid2[3], 4);
	assert_false(ids.member_used[1]);      /* a.y freed */
	assert_true(ids.member_used[3]);
}

static void
test_exhaustion_leaves_ids_untouched(void **state)
{
	struct cfgbuf a;
	struct hf_ids ids, before;
	uint32_t cid[MAXC], mid[MAXC * MAXM];
	int32_t om[MAXC * MAXM];

	(void)state;
	hf_ids_init(&ids);
	memset(ids.member_used, 1, sizeof(ids.member_used));
	ids.member_used[5] = 0;
	before = ids;
	mkcfg(&a, "a:x,y");
	assert_int_equal(hf_ids_assign(&ids, NULL, NULL, NULL, &a.cfg, cid, mid, om), -ENOSPC);
	assert_memory_equal(&ids, &before, sizeof(ids));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_assignment),
		cmocka_unit_test(test_reload_keeps_and_frees),
		cmocka_unit_test(test_exhaustion_leaves_ids_untouched),
	};

	return cmocka_run_group_tests_name("ids", tests, NULL, NULL);
}
