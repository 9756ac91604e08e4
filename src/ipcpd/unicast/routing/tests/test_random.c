/*
 * Unit test of the routing policies on random graphs against a simple
 * reference: Floyd-Warshall distances over the same graph (with one-way
 * advertisements that must not count, and asymmetric metrics), and the
 * next hops, equal-cost sets and loop-free alternates derived from them
 * by brute force. Then the computation time for 50, 200 and 1000 nodes
 * (graph build included, mean degree 4, and 8 once), printed, never
 * asserted.
 *
 * SEED=n in the environment picks another sequence of graphs.
 */
#include "topo.h"

#include <stdio.h>

#include "../../../../../tests/check.h"

#define INF  UINT64_MAX

static uint64_t rng;

static uint64_t rnd(void)
{
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
}

/* A connected random graph: a random tree, then links until the mean
 * degree is about deg; metrics 1..10, a few asymmetric; and some
 * one-way advertisements (to nodes not yet linked) to be ignored. */
static void random_topo(struct topo * t,
                        size_t        n,
                        size_t        deg)
{
        size_t i;
        size_t links = n * deg / 2;

        topo_init(t, n);
        for (i = 1; i < n; ++i)
                topo_link(t, i + 1, rnd() % i + 1, (uint32_t) (rnd() % 10 + 1));
        for (i = n - 1; i < links; ++i) {
                size_t a = rnd() % n;
                size_t b = rnd() % n;
                if (a == b || t->w[a * n + b] != 0)
                        continue;
                t->w[a * n + b] = (uint32_t) (rnd() % 10 + 1);
                t->w[b * n + a] = rnd() % 4 == 0
                        ? (uint32_t) (rnd() % 10 + 1) : t->w[a * n + b];
        }
        for (i = 0; i < n / 10; ++i) {
                size_t a = rnd() % n;
                size_t b = rnd() % n;
                if (a != b && t->w[a * n + b] == 0 && t->w[b * n + a] == 0)
                        t->w[a * n + b] = 1;
        }
}

/* All-pairs distances over the edges both ends advertise. */
static uint64_t * floyd_warshall(const struct topo * t)
{
        size_t     n = t->n;
        uint64_t * d = malloc(n * n * sizeof(*d));
        size_t     i;
        size_t     j;
        size_t     k;

        if (d == NULL)
                abort();
        for (i = 0; i < n; ++i) {
                for (j = 0; j < n; ++j) {
                        uint32_t w = t->w[i * n + j];
                        d[i * n + j] = i == j ? 0
                                : w != 0 && t->w[j * n + i] != 0 ? w : INF;
                }
        }
        for (k = 0; k < n; ++k)
                for (i = 0; i < n; ++i) {
                        if (d[i * n + k] == INF)
                                continue;
                        for (j = 0; j < n; ++j) {
                                uint64_t via;
                                if (d[k * n + j] == INF)
                                        continue;
                                via = d[i * n + k] + d[k * n + j];
                                if (via < d[i * n + j])
                                        d[i * n + j] = via;
                        }
                }

        return d;
}

static bool adj(const struct topo * t,
                size_t              i,
                size_t              j)
{
        return t->w[i * t->n + j] != 0 && t->w[j * t->n + i] != 0;
}

/* The expected alternate of s towards d (address, 0: none). */
static uint64_t ref_alt(const struct topo * t,
                        const uint64_t *    fw,
                        size_t              s,
                        size_t              d,
                        size_t              p)
{
        size_t   n    = t->n;
        uint64_t best = 0;
        uint64_t cost = INF;
        bool     prot = false;
        size_t   j;

        for (j = 0; j < n; ++j) {
                uint64_t c;
                bool     np;

                if (j == p || j == s || !adj(t, s, j))
                        continue;
                if (fw[j * n + d] == INF ||
                    fw[j * n + d] >= fw[j * n + s] + fw[s * n + d])
                        continue;
                np = p != d && fw[j * n + p] != INF &&
                        fw[j * n + d] < fw[j * n + p] + fw[p * n + d];
                c  = t->w[s * n + j] + fw[j * n + d];
                if (best != 0 && (np < prot || (np == prot && c >= cost)))
                        continue;
                best = j + 1;
                cost = c;
                prot = np;
        }

        return best;
}

static void check_source(const struct topo * t,
                         const struct lsdb * db,
                         const uint64_t *    fw,
                         size_t              s)
{
        struct fwd_table * ls  = topo_route(db, "link_state", s + 1);
        struct fwd_table * lfa = topo_route(db, "lfa", s + 1);
        struct fwd_table * ec  = topo_route(db, "ecmp", s + 1);
        size_t             n   = t->n;
        size_t             d;
        size_t             j;

        for (d = 0; d < n; ++d) {
                const struct fwd_entry * e = fwd_lookup(ec, d + 1);
                uint64_t                 set[FWD_NH_MAX];
                uint32_t                 k = 0;
                uint32_t                 i;

                if (d == s || fw[s * n + d] == INF) {
                        CHECK(e == NULL && fwd_lookup(ls, d + 1) == NULL &&
                              fwd_lookup(lfa, d + 1) == NULL);
                        continue;
                }
                CHECK(e != NULL);
                CHECK_EQ(e->dist, fw[s * n + d]);
                /* Every neighbour that starts a shortest path. */
                for (j = 0; j < n && k < FWD_NH_MAX; ++j)
                        if (adj(t, s, j) && fw[j * n + d] != INF &&
                            t->w[s * n + j] + fw[j * n + d] == fw[s * n + d])
                                set[k++] = j + 1;
                CHECK_EQ(e->n, k);
                for (i = 0; i < k && i < e->n; ++i)
                        CHECK_EQ(e->nh[i], set[i]);

                e = fwd_lookup(ls, d + 1);
                CHECK(e != NULL && e->n == 1 && e->nh[0] == set[0]);
                CHECK(e->dist == fw[s * n + d] && e->alt == 0);

                e = fwd_lookup(lfa, d + 1);
                CHECK(e != NULL && e->n == 1 && e->nh[0] == set[0]);
                CHECK_EQ(e->alt, ref_alt(t, fw, s, d, set[0] - 1));
        }
        CHECK_EQ(ec->n, ls->n);
        CHECK_EQ(lfa->n, ls->n);

        fwd_table_free(ls);
        fwd_table_free(lfa);
        fwd_table_free(ec);
}

static void test_reference(size_t n,
                           size_t deg,
                           size_t sources)
{
        struct topo   t;
        struct lsdb * db;
        uint64_t *    fw;
        size_t        i;

        random_topo(&t, n, deg);
        db = topo_db(&t);
        fw = floyd_warshall(&t);
        for (i = 0; i < sources; ++i)
                check_source(&t, db, fw, i == 0 ? 0 : rnd() % n);

        /* A random link fails; the tables follow the reference. */
        for (i = 0; i < 3; ++i) {
                size_t a = rnd() % n;
                size_t b;
                for (b = 0; b < n && !adj(&t, a, b); ++b)
                        ;
                if (b == n)
                        continue;
                topo_link(&t, a + 1, b + 1, 0);
                topo_load(&t, db, 0);
                free(fw);
                fw = floyd_warshall(&t);
                check_source(&t, db, fw, a);
                check_source(&t, db, fw, rnd() % n);
        }

        free(fw);
        lsdb_destroy(db);
        topo_fini(&t);
}

#define RUNS  21

static int cmp_ns(const void * a,
                  const void * b)
{
        int64_t x = *(const int64_t *) a;
        int64_t y = *(const int64_t *) b;

        return x < y ? -1 : x > y;
}

static void bench(size_t n,
                  size_t deg)
{
        static const char * pol[] = { "link_state", "ecmp", "lfa" };
        struct topo         t;
        struct lsdb *       db;
        size_t              links = 0;
        size_t              p;

        random_topo(&t, n, deg);
        db = topo_db(&t);
        for (p = 0; p < n * n; ++p)
                links += p / n < p % n && adj(&t, p / n, p % n);
        printf("%5zu nodes, %5zu links:", n, links);
        for (p = 0; p < 3; ++p) {
                struct routing *   r;
                struct fwd_table * tab;
                int64_t            ns[RUNS];
                int                i;

                CHECK_EQ(routing_create(&r, pol[p], 0), 0);
                for (i = 0; i < RUNS; ++i) {
                        int64_t t0 = check_now_ns();
                        CHECK_EQ(routing_compute(r, db, rnd() % n + 1, 0,
                                                 &tab), (int) n - 1);
                        ns[i] = check_now_ns() - t0;
                        fwd_table_free(tab);
                }
                routing_destroy(r);
                qsort(ns, RUNS, sizeof(ns[0]), cmp_ns);
                printf("  %s %.3f/%.3f ms", pol[p], (double) ns[0] / 1e6,
                       (double) ns[RUNS / 2] / 1e6);
        }
        printf("  (best/median of %d, graph build included)\n", RUNS);
        lsdb_destroy(db);
        topo_fini(&t);
}

int main(void)
{
        const char * seed = getenv("SEED");
        int          i;

        rng = seed != NULL ? strtoull(seed, NULL, 0) : 0x9e3779b97f4a7c15ULL;
        if (rng == 0)
                rng = 1;
        printf("seed %s\n", seed != NULL ? seed : "default");

        for (i = 0; i < 20; ++i)
                test_reference(12, 3, 12);
        for (i = 0; i < 5; ++i)
                test_reference(50, 4, 10);
        test_reference(200, 4, 5);
        test_reference(200, 12, 3);

        bench(50, 4);
        bench(200, 4);
        bench(1000, 4);
        bench(1000, 8);

        return check_report("routing random graphs");
}
