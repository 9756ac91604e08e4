/*
 * Unit test of the link-state database: newer LSAs taken, duplicates
 * and older ones ignored (around the sequence-number wrap too), bogus
 * ones refused, lifetimes and withdrawals with tombstones that stop
 * replays, the node bound with its counter, and the generation number
 * that tells the routing thread to recompute.
 */
#include "lsdb.h"

#include <errno.h>
#include <string.h>

#include "../../../../../tests/check.h"

static struct lsa l;

/* l := origin's LSA listing nbrs (count n, metric 1 each). */
static const struct lsa * mk(uint64_t         origin,
                             uint32_t         seqno,
                             uint32_t         lifetime,
                             const uint64_t * nbrs,
                             size_t           n)
{
        size_t i;

        memset(&l, 0, sizeof(l));
        l.origin   = origin;
        l.seqno    = seqno;
        l.lifetime = lifetime;
        l.n        = (uint16_t) n;
        for (i = 0; i < n; ++i)
                l.nbrs[i] = (struct lsa_nbr) { nbrs[i], LSA_METRIC_DEF };

        return &l;
}

struct count {
        size_t   nodes;
        size_t   adj;
        uint64_t age;
};

static int count_fn(const struct lsdb_entry * e,
                    void *                    arg)
{
        struct count * c = arg;

        c->nodes++;
        c->adj += e->n;
        c->age  = e->age;

        return 0;
}

static void test_order(void)
{
        static const uint64_t n1[] = { 2, 3 };
        static const uint64_t n2[] = { 2, 4 };
        struct lsdb *         db;
        struct lsdb_stats     st;
        struct lsa            got;
        uint64_t              gen;

        CHECK_EQ(lsdb_create(&db, NULL), 0);
        gen = lsdb_gen(db);

        CHECK_EQ(lsdb_update(db, mk(1, 10, 1000, n1, 2), 0), 1);
        CHECK(lsdb_gen(db) != gen);
        gen = lsdb_gen(db);
        CHECK_EQ(lsdb_update(db, mk(1, 10, 1000, n2, 2), 0), 0); /* dup */
        CHECK_EQ(lsdb_update(db, mk(1, 9, 1000, n2, 2), 0), 0);  /* old */
        CHECK(lsdb_gen(db) == gen);
        CHECK_EQ(lsdb_get(db, 1, 100, &got), 0);
        CHECK(got.seqno == 10 && got.n == 2 && got.nbrs[1].addr == 3);
        CHECK_EQ(got.lifetime, 900);  /* what is left at 100 */

        /* A refresh that says the same: taken, same generation. */
        CHECK_EQ(lsdb_update(db, mk(1, 11, 1000, n1, 2), 50), 1);
        CHECK(lsdb_gen(db) == gen);
        /* A change: a new generation. */
        CHECK_EQ(lsdb_update(db, mk(1, 12, 1000, n2, 2), 60), 1);
        CHECK(lsdb_gen(db) != gen);
        gen = lsdb_gen(db);
        /* The replay of an older one changes nothing. */
        CHECK_EQ(lsdb_update(db, mk(1, 11, 1000, n1, 2), 70), 0);
        CHECK(lsdb_gen(db) == gen);
        CHECK_EQ(lsdb_get(db, 1, 70, &got), 0);
        CHECK(got.seqno == 12 && got.nbrs[1].addr == 4);

        /* Around the wrap: 0xfffffffe, then 1 is newer, then 0xffffffff
         * is older than 1. */
        CHECK_EQ(lsdb_update(db, mk(7, 0xfffffffe, 1000, n1, 2), 0), 1);
        CHECK_EQ(lsdb_update(db, mk(7, 1, 1000, n1, 2), 0), 1);
        CHECK_EQ(lsdb_update(db, mk(7, 0xffffffff, 1000, n1, 2), 0), 0);
        /* Exactly 2^31 ahead: newer in neither direction, ignored. */
        CHECK_EQ(lsdb_update(db, mk(7, 0x80000001, 1000, n1, 2), 0), 0);

        lsdb_stats(db, &st);
        CHECK_EQ(st.accepted, 5);
        CHECK_EQ(st.duplicate, 1);
        CHECK_EQ(st.old, 4);
        CHECK_EQ(st.nodes, 2);

        CHECK_EQ(lsdb_get(db, 99, 0, &got), -ENOENT);
        lsdb_destroy(db);
}

static void test_bogus(void)
{
        static const uint64_t self[] = { 2, 5 };
        static const uint64_t dup[]  = { 2, 2 };
        static const uint64_t zero[] = { 0 };
        struct lsdb *         db;
        struct lsdb_stats     st;

        CHECK_EQ(lsdb_create(&db, NULL), 0);
        CHECK_EQ(lsdb_update(db, mk(5, 1, 1000, self, 2), 0), -ELOOP);
        CHECK_EQ(lsdb_update(db, mk(5, 1, 1000, dup, 2), 0), -ENOTUNIQ);
        CHECK_EQ(lsdb_update(db, mk(5, 1, 1000, zero, 1), 0), -EINVAL);
        CHECK_EQ(lsdb_update(db, mk(0, 1, 1000, NULL, 0), 0), -EINVAL);
        CHECK_EQ(lsdb_update(db, mk(5, 1, LSA_LIFETIME_MAX + 1, NULL, 0),
                             0), -ERANGE);
        lsdb_stats(db, &st);
        CHECK_EQ(st.bogus, 5);
        CHECK_EQ(st.accepted, 0);
        CHECK_EQ(st.nodes + st.tombstones, 0);
        lsdb_destroy(db);
}

static void test_lifetime(void)
{
        static const uint64_t n1[] = { 2 };
        struct lsdb_cfg       cfg = { .max_nodes = 0, .hold = 500 };
        struct lsdb *         db;
        struct lsdb_stats     st;
        struct count          c;
        struct lsa            got;
        uint64_t              gen;

        CHECK_EQ(lsdb_create(&db, &cfg), 0);
        CHECK_EQ(lsdb_next_expiry(db), UINT64_MAX);
        CHECK_EQ(lsdb_update(db, mk(1, 1, 1000, n1, 1), 100), 1);
        CHECK_EQ(lsdb_update(db, mk(2, 1, 3000, NULL, 0), 100), 1);
        CHECK_EQ(lsdb_next_expiry(db), 1100);

        memset(&c, 0, sizeof(c));
        lsdb_foreach(db, 600, count_fn, &c);
        CHECK_EQ(c.nodes, 2);
        CHECK_EQ(c.adj, 1);
        CHECK_EQ(c.age, 500);

        gen = lsdb_gen(db);
        CHECK_EQ(lsdb_expire(db, 1099), 0);
        CHECK(lsdb_gen(db) == gen);
        CHECK_EQ(lsdb_expire(db, 1100), 1);    /* 1's lifetime ran out */
        CHECK(lsdb_gen(db) != gen);
        CHECK_EQ(lsdb_get(db, 1, 1100, &got), -ENOENT);
        lsdb_stats(db, &st);
        CHECK(st.nodes == 1 && st.tombstones == 1 && st.expired == 1);

        /* The tombstone remembers seqno 1: a replay stays out. */
        CHECK_EQ(lsdb_update(db, mk(1, 1, 1000, n1, 1), 1200), 0);
        CHECK_EQ(lsdb_next_expiry(db), 1600);  /* its hold */
        CHECK_EQ(lsdb_expire(db, 1600), 0);    /* forgotten */
        lsdb_stats(db, &st);
        CHECK(st.nodes == 1 && st.tombstones == 0);
        /* Now an old copy may come back (hence: hold >= lifetime). */
        CHECK_EQ(lsdb_update(db, mk(1, 1, 1000, n1, 1), 1700), 1);
        /* A newer one after a tombstone brings the origin back. */
        CHECK_EQ(lsdb_update(db, mk(1, 3, 1000, n1, 1), 1700), 1);

        /* A withdrawal: out of the graph at once, then a tombstone. */
        gen = lsdb_gen(db);
        CHECK_EQ(lsdb_update(db, mk(1, 4, 0, NULL, 0), 1800), 1);
        CHECK(lsdb_gen(db) != gen);
        CHECK_EQ(lsdb_get(db, 1, 1800, &got), -ENOENT);
        CHECK_EQ(lsdb_update(db, mk(1, 3, 1000, n1, 1), 1900), 0);
        CHECK_EQ(lsdb_update(db, mk(1, 5, 1000, n1, 1), 1900), 1);
        CHECK_EQ(lsdb_get(db, 1, 1900, &got), 0);
        lsdb_stats(db, &st);
        CHECK_EQ(st.withdrawn, 1);

        /* Lifetime and the node past it but not yet expired: not shown. */
        memset(&c, 0, sizeof(c));
        lsdb_foreach(db, 3100, count_fn, &c);
        CHECK_EQ(c.nodes, 0);
        CHECK_EQ(lsdb_expire(db, 3100), 2);
        lsdb_destroy(db);
}

static void test_bound(void)
{
        struct lsdb_cfg   cfg = { .max_nodes = 100, .hold = 10 };
        struct lsdb *     db;
        struct lsdb_stats st;
        struct lsa        got;
        uint64_t          a;

        CHECK_EQ(lsdb_create(&db, &cfg), 0);
        for (a = 1; a <= 100; ++a)
                CHECK_EQ(lsdb_update(db, mk(a, 1, 1000, NULL, 0), 0), 1);
        CHECK_EQ(lsdb_update(db, mk(101, 1, 1000, NULL, 0), 0), -ENOSPC);
        CHECK_EQ(lsdb_update(db, mk(102, 1, 1000, NULL, 0), 0), -ENOSPC);
        /* A known origin still gets its newer LSAs. */
        CHECK_EQ(lsdb_update(db, mk(50, 2, 1000, NULL, 0), 0), 1);
        lsdb_stats(db, &st);
        CHECK_EQ(st.full, 2);
        CHECK_EQ(st.nodes, 100);
        for (a = 1; a <= 100; ++a)
                CHECK_EQ(lsdb_get(db, a, 1, &got), 0);

        /* Room again once the old ones are forgotten. */
        CHECK_EQ(lsdb_expire(db, 1000), 100);
        CHECK_EQ(lsdb_update(db, mk(101, 1, 1000, NULL, 0), 1005), -ENOSPC);
        CHECK_EQ(lsdb_expire(db, 1010), 0);
        CHECK_EQ(lsdb_update(db, mk(101, 1, 1000, NULL, 0), 1010), 1);
        CHECK_EQ(lsdb_get(db, 101, 1010, &got), 0);
        CHECK_EQ(lsdb_get(db, 50, 1010, &got), -ENOENT);
        lsdb_destroy(db);

        cfg.max_nodes = (1U << 24) + 1;
        CHECK_EQ(lsdb_create(&db, &cfg), -EINVAL);
        CHECK_EQ(lsdb_create(&db, NULL), 0);
        /* Many origins: the index grows and finds every one. */
        for (a = 1; a <= 3000; ++a)
                CHECK_EQ(lsdb_update(db, mk(a * 7919, 1, 1000, NULL, 0), 0),
                         1);
        for (a = 1; a <= 3000; ++a)
                CHECK_EQ(lsdb_get(db, a * 7919, 0, &got), 0);
        CHECK_EQ(lsdb_get(db, 7918, 0, &got), -ENOENT);
        lsdb_destroy(db);
}

int main(void)
{
        test_order();
        test_bogus();
        test_lifetime();
        test_bound();

        return check_report("routing lsdb");
}
