/*
 * Unit test of the routing policies on hand-made graphs: a line, a
 * ring, a ring with a chord, a grid, two equal-cost paths (ecmp), the
 * classic LFA cases where an alternate exists (link- and
 * node-protecting) and where it does not, the bidirectional check, a
 * link that fails and comes back, and what the data path picks.
 */
#include "topo.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "../../../../../tests/check.h"

/* dst's entry in t: its cost, its alternate (0: none) and its next
 * hops (n of them, in order); dist 0 means dst must be unreachable. */
static void want(const struct fwd_table * t,
                 uint64_t                 dst,
                 uint64_t                 dist,
                 uint64_t                 alt,
                 unsigned                 n,
                 ...)
{
        const struct fwd_entry * e = fwd_lookup(t, dst);
        va_list                  ap;
        unsigned                 i;

        if (dist == 0) {
                CHECK(e == NULL);
                return;
        }
        CHECK(e != NULL);
        if (e == NULL)
                return;
        CHECK_EQ(e->dist, dist);
        CHECK_EQ(e->alt, alt);
        CHECK_EQ(e->n, n);
        va_start(ap, n);
        for (i = 0; i < n && i < e->n; ++i)
                CHECK_EQ(e->nh[i], va_arg(ap, unsigned));
        va_end(ap);
}

static void ring(struct topo * t,
                 size_t        n)
{
        uint64_t a;

        topo_init(t, n);
        for (a = 1; a <= n; ++a)
                topo_link(t, a, a % n + 1, 1);
}

static void test_names(void)
{
        struct routing * r;

        CHECK(strcmp(routing_policy("link-state"), "link_state") == 0);
        CHECK(strcmp(routing_policy("link_state"), "link_state") == 0);
        CHECK(strcmp(routing_policy("lfa"), "lfa") == 0);
        CHECK(strcmp(routing_policy("ecmp"), "ecmp") == 0);
        CHECK(routing_policy("ospf") == NULL);
        CHECK(routing_policy(NULL) == NULL);
        CHECK_EQ(routing_create(&r, "rip", 0), -EINVAL);
        CHECK_EQ(routing_create(&r, "ecmp", FWD_NH_MAX + 1), -EINVAL);
        CHECK_EQ(routing_create(&r, "link-state", 0), 0);
        CHECK(strcmp(routing_name(r), "link_state") == 0);
        routing_destroy(r);
}

static void test_line(void)
{
        struct topo        t;
        struct lsdb *      db;
        struct fwd_table * tab;

        topo_init(&t, 4);
        topo_link(&t, 1, 2, 1);
        topo_link(&t, 2, 3, 1);
        topo_link(&t, 3, 4, 1);
        db = topo_db(&t);

        tab = topo_route(db, "link_state", 1);
        CHECK_EQ(tab->n, 3);
        CHECK_EQ(tab->self, 1);
        want(tab, 1, 0, 0, 0);
        want(tab, 2, 1, 0, 1, 2);
        want(tab, 3, 2, 0, 1, 2);
        want(tab, 4, 3, 0, 1, 2);
        fwd_table_free(tab);

        tab = topo_route(db, "lfa", 2);  /* no alternate on a line */
        want(tab, 1, 1, 0, 1, 1);
        want(tab, 3, 1, 0, 1, 3);
        want(tab, 4, 2, 0, 1, 3);
        fwd_table_free(tab);

        /* Not in the graph: an empty table. */
        tab = topo_route(db, "ecmp", 9);
        CHECK_EQ(tab->n, 0);
        fwd_table_free(tab);

        lsdb_destroy(db);
        topo_fini(&t);
}

static void test_ring(void)
{
        struct topo        t;
        struct lsdb *      db;
        struct fwd_table * tab;

        ring(&t, 6);
        db = topo_db(&t);

        tab = topo_route(db, "link_state", 1);
        want(tab, 2, 1, 0, 1, 2);
        want(tab, 3, 2, 0, 1, 2);
        want(tab, 4, 3, 0, 1, 2);     /* a tie: the lower address */
        want(tab, 5, 2, 0, 1, 6);
        want(tab, 6, 1, 0, 1, 6);
        fwd_table_free(tab);

        tab = topo_route(db, "ecmp", 1);
        want(tab, 3, 2, 0, 1, 2);
        want(tab, 4, 3, 0, 2, 2, 6);  /* both ways round */
        fwd_table_free(tab);

        /* The classic case without an LFA: in a ring of 6, 6's path to
         * 3 (6-5-4-3, cost 3) is not shorter than 6-1 then 1's (3):
         * 6 could send it back. 4 has an equal-cost alternate; a
         * direct neighbour is protected by the other way round. */
        tab = topo_route(db, "lfa", 1);
        want(tab, 3, 2, 0, 1, 2);
        want(tab, 5, 2, 0, 1, 6);
        want(tab, 4, 3, 6, 1, 2);
        want(tab, 2, 1, 0, 1, 2);     /* 6-5-4-3-2 is 4, not < 1 + 1 */
        fwd_table_free(tab);
        lsdb_destroy(db);
        topo_fini(&t);

        /* A ring of 5: odd, so 5 is loop-free towards 3 (5-4-3: 2 <
         * 1 + 2), and towards 2 as well (5-4-3-2: 3 < 1 + 1? no). */
        ring(&t, 5);
        db = topo_db(&t);
        tab = topo_route(db, "lfa", 1);
        want(tab, 3, 2, 5, 1, 2);
        want(tab, 2, 1, 0, 1, 2);
        want(tab, 4, 2, 2, 1, 5);
        fwd_table_free(tab);
        lsdb_destroy(db);
        topo_fini(&t);
}

static void test_chord(void)
{
        struct topo        t;
        struct lsdb *      db;
        struct fwd_table * tab;

        ring(&t, 6);
        topo_link(&t, 1, 4, 1);
        db = topo_db(&t);

        tab = topo_route(db, "ecmp", 1);
        want(tab, 4, 1, 0, 1, 4);
        want(tab, 3, 2, 0, 2, 2, 4);
        want(tab, 5, 2, 0, 2, 4, 6);
        want(tab, 2, 1, 0, 1, 2);
        fwd_table_free(tab);

        tab = topo_route(db, "link_state", 1);
        want(tab, 3, 2, 0, 1, 2);
        want(tab, 5, 2, 0, 1, 4);
        fwd_table_free(tab);

        /* A chord of metric 3 costs as much as the ring both ways. */
        topo_link(&t, 1, 4, 3);
        topo_load(&t, db, 0);
        tab = topo_route(db, "ecmp", 1);
        want(tab, 4, 3, 0, 3, 2, 4, 6);
        fwd_table_free(tab);
        lsdb_destroy(db);
        topo_fini(&t);
}

/* 1 2 3
 * 4 5 6
 * 7 8 9 */
static void test_grid(void)
{
        struct topo        t;
        struct lsdb *      db;
        struct fwd_table * tab;
        uint64_t           a;

        topo_init(&t, 9);
        for (a = 1; a <= 9; ++a) {
                if (a % 3 != 0)
                        topo_link(&t, a, a + 1, 1);
                if (a <= 6)
                        topo_link(&t, a, a + 3, 1);
        }
        db = topo_db(&t);

        tab = topo_route(db, "ecmp", 1);
        CHECK_EQ(tab->n, 8);
        want(tab, 9, 4, 0, 2, 2, 4);
        want(tab, 3, 2, 0, 1, 2);
        want(tab, 7, 2, 0, 1, 4);
        want(tab, 5, 2, 0, 2, 2, 4);
        fwd_table_free(tab);

        tab = topo_route(db, "ecmp", 5);
        want(tab, 1, 2, 0, 2, 2, 4);
        want(tab, 9, 2, 0, 2, 6, 8);
        want(tab, 2, 1, 0, 1, 2);
        fwd_table_free(tab);

        tab = topo_route(db, "lfa", 5);
        want(tab, 1, 2, 4, 1, 2);     /* 4 is as good as 2 */
        want(tab, 2, 1, 0, 1, 2);     /* 4-1-2: 2, not < 1 + 1 */
        fwd_table_free(tab);
        lsdb_destroy(db);
        topo_fini(&t);
}

/* Two paths 1-2-4 and 1-3-4: equal, then not. */
static void test_two_paths(void)
{
        struct topo        t;
        struct lsdb *      db;
        struct fwd_table * tab;

        topo_init(&t, 4);
        topo_link(&t, 1, 2, 1);
        topo_link(&t, 2, 4, 1);
        topo_link(&t, 1, 3, 1);
        topo_link(&t, 3, 4, 1);
        db = topo_db(&t);

        tab = topo_route(db, "ecmp", 1);
        want(tab, 4, 2, 0, 2, 2, 3);
        fwd_table_free(tab);
        tab = topo_route(db, "link_state", 1);
        want(tab, 4, 2, 0, 1, 2);
        fwd_table_free(tab);

        topo_link(&t, 1, 2, 2);
        topo_load(&t, db, 0);
        tab = topo_route(db, "ecmp", 1);
        want(tab, 4, 2, 0, 1, 3);
        want(tab, 2, 2, 0, 1, 2);     /* direct: 2, via 3 and 4: 3 */
        fwd_table_free(tab);
        lsdb_destroy(db);
        topo_fini(&t);
}

/*
 * LFA with a choice: S = 1, primary E = 2 towards D = 4.
 *
 *        1 ---- 2          1-2, 2-4, 1-3, 3-2: metric 1
 *       / \     |          3-4: metric 5
 *      5   3 ---'          1-5, 5-4: metric 2
 *       \       |
 *        '----- 4
 *
 * 3 is loop-free (3-2-4: 2 < 1 + 2) but only protects the link: its
 * path goes through E. 5 (5-4: 2 < 2 + 2) also protects E, so it is
 * chosen though S-5-4 (4) costs more than S-3-4 (3). Without 5, 3.
 */
static void test_lfa_choice(void)
{
        struct topo        t;
        struct lsdb *      db;
        struct fwd_table * tab;

        topo_init(&t, 5);
        topo_link(&t, 1, 2, 1);
        topo_link(&t, 2, 4, 1);
        topo_link(&t, 1, 3, 1);
        topo_link(&t, 3, 2, 1);
        topo_link(&t, 3, 4, 5);
        topo_link(&t, 1, 5, 2);
        topo_link(&t, 5, 4, 2);
        db = topo_db(&t);

        tab = topo_route(db, "lfa", 1);
        want(tab, 4, 2, 5, 1, 2);
        want(tab, 2, 1, 3, 1, 2);     /* 3-2: 1 < 1 + 1 */
        fwd_table_free(tab);

        topo_link(&t, 1, 5, 0);
        topo_link(&t, 5, 4, 0);
        topo_load(&t, db, 0);
        tab = topo_route(db, "lfa", 1);
        want(tab, 4, 2, 3, 1, 2);
        want(tab, 5, 0, 0, 0);        /* cut off */
        fwd_table_free(tab);
        lsdb_destroy(db);
        topo_fini(&t);
}

/* An adjacency counts only when both ends advertise it. */
static void test_bidirectional(void)
{
        struct topo        t;
        struct lsdb *      db;
        struct fwd_table * tab;

        topo_init(&t, 3);
        topo_link(&t, 1, 2, 1);
        t.w[1 * 3 + 2] = 1;           /* 2 says 3; 3 does not say 2 */
        db = topo_db(&t);
        tab = topo_route(db, "link_state", 1);
        want(tab, 2, 1, 0, 1, 2);
        want(tab, 3, 0, 0, 0);
        fwd_table_free(tab);
        lsdb_destroy(db);
        topo_fini(&t);

        /* 2 lists 3, which has no LSA at all. */
        topo_init(&t, 3);
        topo_link(&t, 1, 2, 1);
        topo_link(&t, 2, 3, 1);
        CHECK_EQ(lsdb_create(&db, NULL), 0);
        CHECK_EQ(topo_send(&t, db, 0, 1, 0), 1);
        CHECK_EQ(topo_send(&t, db, 1, 1, 0), 1);
        tab = topo_route(db, "ecmp", 1);
        CHECK_EQ(tab->n, 1);
        want(tab, 3, 0, 0, 0);
        fwd_table_free(tab);
        /* Once it advertises, it is there. */
        CHECK_EQ(topo_send(&t, db, 2, 1, 0), 1);
        tab = topo_route(db, "ecmp", 1);
        want(tab, 3, 2, 0, 1, 2);
        fwd_table_free(tab);
        lsdb_destroy(db);
        topo_fini(&t);

        /* Asymmetric metrics: each direction its own. */
        topo_init(&t, 2);
        t.w[0 * 2 + 1] = 5;
        t.w[1 * 2 + 0] = 7;
        db = topo_db(&t);
        tab = topo_route(db, "link_state", 1);
        want(tab, 2, 5, 0, 1, 2);
        fwd_table_free(tab);
        tab = topo_route(db, "link_state", 2);
        want(tab, 1, 7, 0, 1, 1);
        fwd_table_free(tab);
        lsdb_destroy(db);
        topo_fini(&t);
}

/* A ring of 5: the link 1-2 fails (one end tells first, then both),
 * then comes back; the table follows every step. */
static void test_fail_restore(void)
{
        struct topo        t;
        struct lsdb *      db;
        struct fwd_table * tab;
        uint64_t           gen;
        uint32_t           s;

        ring(&t, 5);
        db  = topo_db(&t);
        gen = lsdb_gen(db);
        tab = topo_route(db, "link_state", 1);
        want(tab, 2, 1, 0, 1, 2);
        want(tab, 3, 2, 0, 1, 2);
        CHECK(tab->gen == gen);
        fwd_table_free(tab);

        /* 2 noticed first: its LSA alone drops the adjacency. */
        topo_link(&t, 1, 2, 0);
        CHECK_EQ(topo_send(&t, db, 1, ++t.seq, 10), 1);
        CHECK(lsdb_gen(db) != gen);
        tab = topo_route(db, "link_state", 1);
        want(tab, 2, 4, 0, 1, 5);
        want(tab, 3, 3, 0, 1, 5);
        want(tab, 4, 2, 0, 1, 5);
        fwd_table_free(tab);
        topo_load(&t, db, 20);        /* then everyone */
        tab = topo_route(db, "lfa", 1);
        want(tab, 2, 4, 0, 1, 5);
        fwd_table_free(tab);

        /* Restored. */
        topo_link(&t, 1, 2, 1);
        topo_load(&t, db, 30);
        tab = topo_route(db, "link_state", 1);
        want(tab, 2, 1, 0, 1, 2);
        want(tab, 3, 2, 0, 1, 2);
        want(tab, 4, 2, 0, 1, 5);
        fwd_table_free(tab);

        /* A member that goes silent: its LSA runs out (60 s). */
        s = ++t.seq;
        CHECK_EQ(topo_send(&t, db, 0, s, 50000), 1);
        CHECK_EQ(topo_send(&t, db, 4, s, 50000), 1);
        CHECK_EQ(topo_send(&t, db, 3, s, 50000), 1);
        CHECK_EQ(topo_send(&t, db, 2, s, 50000), 1);
        CHECK_EQ(lsdb_expire(db, 60030), 1);    /* 2 is gone */
        tab = topo_route(db, "link_state", 1);
        want(tab, 2, 0, 0, 0);
        want(tab, 3, 3, 0, 1, 5);
        fwd_table_free(tab);
        lsdb_destroy(db);
        topo_fini(&t);
}

static bool up_fn(uint64_t a,
                  void *   arg)
{
        const uint64_t * down = arg;

        return a != down[0] && a != down[1];
}

static void test_pick(void)
{
        struct topo        t;
        struct lsdb *      db;
        struct fwd_table * tab;
        uint64_t           down[2] = { 0, 0 };
        bool               seen[7] = { false };
        uint32_t           h;

        ring(&t, 6);
        db  = topo_db(&t);

        tab = topo_route(db, "lfa", 1);
        CHECK_EQ(fwd_pick(fwd_lookup(tab, 4), 7, up_fn, down), 2);
        down[0] = 2;                  /* the primary's link goes down */
        CHECK_EQ(fwd_pick(fwd_lookup(tab, 4), 7, up_fn, down), 6);
        CHECK_EQ(fwd_pick(fwd_lookup(tab, 3), 7, up_fn, down), 0);
        down[1] = 6;
        CHECK_EQ(fwd_pick(fwd_lookup(tab, 4), 7, up_fn, down), 0);
        fwd_table_free(tab);

        down[0] = down[1] = 0;
        tab = topo_route(db, "ecmp", 1);
        for (h = 0; h < 16; ++h)
                seen[fwd_pick(fwd_lookup(tab, 4), h, up_fn, down)] = true;
        CHECK(seen[2] && seen[6] && !seen[0]);
        down[0] = 6;
        for (h = 0; h < 16; ++h)
                CHECK_EQ(fwd_pick(fwd_lookup(tab, 4), h, up_fn, down), 2);
        fwd_table_free(tab);
        lsdb_destroy(db);
        topo_fini(&t);
}

int main(void)
{
        test_names();
        test_line();
        test_ring();
        test_chord();
        test_grid();
        test_two_paths();
        test_lfa_choice();
        test_bidirectional();
        test_fail_restore();
        test_pick();

        return check_report("routing policies");
}
