/*
 * Simulated layer for the directory: N in-process members (default
 * 100; N=50..200 in the environment, SEED=n another run) whose
 * messages pass through a queue in this test with a fixed latency and
 * random loss, on a simulated clock (no real time, no threads).
 *
 *   1. members join one by one through a random earlier member; the
 *      first registers a name before the others come;
 *   2. with 2% loss, names registered by random members are found from
 *      every other member, each looking all of them up at once; lookups end within rounds_max rounds (the
 *      mean rounds and messages per lookup are printed);
 *   3. the names are withdrawn: no copy is left after a replication
 *      period; the member that registered a new name and the member
 *      holding it closest to its key are removed, with 10% of the
 *      others: the name is still found from every member left; lookups
 *      that met dead contacts marked them stale;
 *   4. after t_replicate, the k closest members left hold it again;
 *   5. new members join: stale contacts are replaced by them.
 */
#include "dht.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../../../tests/check.h"

#define KL      32

#include "rnd.h"
#define NMAX    220
#define LAT     10       /* ms one way */
#define K       8
#define NAMES   10

struct msg {
        uint64_t  at;
        uint64_t  dst;
        size_t    len;
        uint8_t * data;
};

struct node {
        struct dht * d;
        uint8_t      id[KL];
        uint64_t     addr;
        int          alive;
};

static struct node  nodes[NMAX];
static size_t       nn;
static struct msg * q;
static size_t       qh;
static size_t       qn;
static size_t       qcap;
static uint64_t     now;
static unsigned     loss;     /* per mille */
static uint64_t     lost;
static uint8_t      buf[DHT_MSG_LEN_MAX];

static const struct dht_cfg cfg = {
        .klen        = KL,
        .k           = K,
        .alpha       = 3,
        .t_expire    = 3600,
        .t_refresh   = 1800,
        .t_replicate = 600,
        .t_req       = 200,
        .t_lookup    = 5000,
        .max_reqs    = 256,
        .max_lookups = 64
};

static void add_node(void)
{
        struct node * n = &nodes[nn];

        rnd_key(n->id);
        n->addr  = 1000 + nn;
        n->alive = 1;
        CHECK_EQ(dht_create(&n->d, &cfg, n->id, n->addr, now), 0);
        if (nn > 0) {
                size_t via;
                do
                        via = rnd() % nn;
                while (!nodes[via].alive);
                CHECK_EQ(dht_join(n->d, nodes[via].addr, now), 0);
        }
        ++nn;
}

static struct node * by_addr(uint64_t addr)
{
        if (addr < 1000 || addr >= 1000 + nn)
                return NULL;
        return &nodes[addr - 1000];
}

/* Move what the members want to send into the network (with loss). */
static void drain(void)
{
        size_t  i;
        ssize_t len;

        for (i = 0; i < nn; ++i) {
                uint64_t dst;
                if (!nodes[i].alive)
                        continue;
                while ((len = dht_pop(nodes[i].d, &dst, buf,
                                      sizeof(buf))) > 0) {
                        struct msg * m;
                        if (rnd() % 1000 < loss) {
                                ++lost;
                                continue;
                        }
                        if (qn == qcap) {
                                size_t       nc = qcap ? 2 * qcap : 1024;
                                struct msg * nq = malloc(nc * sizeof(*nq));
                                size_t       j;
                                CHECK(nq != NULL);
                                for (j = 0; j < qn; ++j)
                                        nq[j] = q[(qh + j) % qcap];
                                free(q);
                                q    = nq;
                                qh   = 0;
                                qcap = nc;
                        }
                        m       = &q[(qh + qn) % qcap];
                        m->at   = now + LAT;
                        m->dst  = dst;
                        m->len  = (size_t) len;
                        m->data = malloc((size_t) len);
                        CHECK(m->data != NULL);
                        memcpy(m->data, buf, (size_t) len);
                        ++qn;
                }
                CHECK(len == 0);
        }
}

/* Run the layer until the clock reaches end. */
static void run(uint64_t end)
{
        while (1) {
                uint64_t t = UINT64_MAX;
                size_t   i;

                drain();
                if (qn > 0)
                        t = q[qh].at;
                for (i = 0; i < nn; ++i)
                        if (nodes[i].alive && dht_next(nodes[i].d) < t)
                                t = dht_next(nodes[i].d);
                if (t > end) {
                        now = end;
                        break;
                }
                if (t > now)
                        now = t;

                while (qn > 0 && q[qh].at <= now) {
                        struct msg *  m = &q[qh];
                        struct node * n = by_addr(m->dst);
                        if (n != NULL && n->alive)
                                CHECK_EQ(dht_rcv(n->d, m->data, m->len,
                                                 now), 0);
                        free(m->data);
                        qh = (qh + 1) % qcap;
                        --qn;
                }
                for (i = 0; i < nn; ++i)
                        if (nodes[i].alive && dht_next(nodes[i].d) <= now)
                                dht_tick(nodes[i].d, now);
        }
}

struct figures {
        size_t lookups;
        size_t local;     /* answered from the member's own store */
        size_t rounds;
        size_t sent;
        size_t max_rounds;
        size_t found;
};

static int has(const uint64_t * a,
               size_t           n,
               uint64_t         addr)
{
        size_t j;

        for (j = 0; j < n && a[j] != addr; ++j)
                ;
        return j < n;
}

/* Every live member looks up the nk keys at once (nk lookups running
 * on each member); all must find the address of each. */
static void find_everywhere(const uint8_t    (* key)[KL],
                            const uint64_t *    addr,
                            size_t              nk,
                            struct figures *    f)
{
        static int ids[NMAX][NAMES];
        uint64_t   a[DHT_MSG_VALS_MAX];
        size_t     n;
        size_t     i;
        size_t     k;

        for (i = 0; i < nn; ++i) {
                for (k = 0; k < nk; ++k) {
                        ids[i][k] = 0;
                        if (!nodes[i].alive)
                                continue;
                        ids[i][k] = dht_query(nodes[i].d, key[k], now, a,
                                              64, &n);
                        CHECK(ids[i][k] >= 0);
                        if (ids[i][k] == 0) {
                                CHECK(has(a, n, addr[k]));
                                f->local++;
                                f->found++;
                        }
                }
        }
        run(now + 2 * cfg.t_lookup);

        for (i = 0; i < nn; ++i) {
                for (k = 0; k < nk; ++k) {
                        struct dht_lookup_stats st;
                        if (ids[i][k] <= 0)
                                continue;
                        CHECK_EQ(dht_result(nodes[i].d, ids[i][k], a, 64, &n,
                                            &st), 0);
                        if (!has(a, n, addr[k]))
                                fprintf(stderr, "member %zu did not find "
                                        "%llu\n", i,
                                        (unsigned long long) addr[k]);
                        CHECK(has(a, n, addr[k]));
                        f->found++;
                        f->lookups++;
                        f->rounds += st.rounds;
                        f->sent   += st.sent;
                        if (st.rounds > f->max_rounds)
                                f->max_rounds = st.rounds;
                }
        }
}

static void print_figures(const char *           what,
                          const struct figures * f)
{
        printf("%s: %zu lookups (%zu more answered locally): "
               "mean %.2f rounds (max %zu), %.2f requests per lookup\n",
               what, f->lookups, f->local,
               f->lookups ? (double) f->rounds / (double) f->lookups : 0.0,
               f->max_rounds,
               f->lookups ? (double) f->sent / (double) f->lookups : 0.0);
}

/* Members alive sorted by distance to key: the k closest in out. */
static size_t closest_alive(const uint8_t * key,
                            size_t *        out,
                            size_t          k)
{
        size_t n = 0;
        size_t i;

        for (i = 0; i < nn; ++i) {
                size_t j;
                if (!nodes[i].alive)
                        continue;
                j = n < k ? n++ : k;
                if (j == k && dht_key_cmp(key, nodes[i].id,
                                          nodes[out[k - 1]].id, KL) >= 0)
                        continue;
                if (j == k)
                        --j;
                while (j > 0 && dht_key_cmp(key, nodes[i].id,
                                            nodes[out[j - 1]].id, KL) < 0) {
                        out[j] = out[j - 1];
                        --j;
                }
                out[j] = i;
        }

        return n;
}

/* Does member i hold key (one name registered per phase: any key)? */
static int holds(size_t i)
{
        struct dht_stats st;

        dht_stats(nodes[i].d, &st);
        return st.store.keys > 0;
}

/* Fresh contacts of live members that point to dead ones. */
static size_t dead_fresh(void)
{
        static struct dht_contact c[4096];
        uint8_t                   any[KL] = { 0 };
        size_t                    cnt = 0;
        size_t                    i;
        size_t                    j;

        for (i = 0; i < nn; ++i) {
                size_t n;
                if (!nodes[i].alive)
                        continue;
                n = dht_closest(nodes[i].d, any, c, 4096);
                for (j = 0; j < n; ++j)
                        if (!by_addr(c[j].addr)->alive)
                                ++cnt;
        }

        return cnt;
}

int main(void)
{
        struct figures   f = { 0 };
        struct figures   g = { 0 };
        struct dht_stats st;
        uint8_t          key[NAMES][KL];
        size_t           owner[NAMES];
        uint64_t         addrs[NAMES];
        size_t           near[K];
        const char *     env;
        size_t           n = 100;
        size_t           i;
        size_t           held;
        size_t           dead0;
        size_t           dead1;
        uint64_t         replaced = 0;

        env = getenv("N");
        if (env != NULL)
                n = (size_t) atoi(env);
        if (n < 50 || n > 200) {
                fprintf(stderr, "N must be 50..200\n");
                return 1;
        }
        env = getenv("SEED");
        rng = env != NULL ? (uint64_t) atoll(env) * 2654435761ULL + 1
                : 0x9e3779b97f4a7c15ULL;

        /* 1. join; the first member registers a name while alone */
        for (i = 0; i < n; ++i) {
                add_node();
                if (i == 0) {
                        rnd_key(key[0]);
                        owner[0] = 0;
                        CHECK_EQ(dht_register(nodes[0].d, key[0], now), 0);
                }
                run(now + 100);
        }
        run(now + 5000);
        for (i = 0; i < nn; ++i) {
                dht_stats(nodes[i].d, &st);
                CHECK(st.table.contacts >= K);
        }

        /* 2. names registered and found everywhere, with loss */
        loss = getenv("LOSS") ? (unsigned) atoi(getenv("LOSS")) : 20;
        for (i = 1; i < NAMES; ++i) {
                rnd_key(key[i]);
                owner[i] = rnd() % nn;
                CHECK_EQ(dht_register(nodes[owner[i]].d, key[i], now), 0);
        }
        run(now + 2 * cfg.t_lookup);
        for (i = 0; i < NAMES; ++i)
                addrs[i] = nodes[owner[i]].addr;
        find_everywhere(key, addrs, NAMES, &f);
        CHECK_EQ(f.found, NAMES * nn);
        CHECK(f.max_rounds <= DHT_ROUNDS_DEF);
        CHECK((double) f.rounds / (double) f.lookups < log2((double) nn));
        printf("%zu members, k %d, alpha 3, loss %u/1000\n", nn, K, loss);
        print_figures("found", &f);

        /* 3. after a replication period (copies left on members no
         * longer among the k closest are dropped), withdrawals reach
         * every copy; then a new name; its owner, its closest holder
         * and 10% go */
        run(now + (uint64_t) cfg.t_replicate * 1100 + 10000);
        for (i = 0; i < NAMES; ++i)
                dht_unregister(nodes[owner[i]].d, key[i], now);
        run(now + 2 * cfg.t_lookup);
        for (i = 0, held = 0; i < nn; ++i)
                held += holds(i);
        printf("withdrawn: %zu copies left at once\n", held);
        /* a copy left far from its key is dropped at its holder's next
         * replication; none comes back */
        run(now + (uint64_t) cfg.t_replicate * 1100 + 10000);
        for (i = 0, held = 0; i < nn; ++i)
                held += holds(i);
        CHECK_EQ(held, 0);

        rnd_key(key[0]);
        owner[0] = rnd() % nn;
        CHECK_EQ(dht_register(nodes[owner[0]].d, key[0], now), 0);
        run(now + 2 * cfg.t_lookup);
        CHECK_EQ(closest_alive(key[0], near, K), K);
        for (i = 0, held = 0; i < K; ++i)
                held += holds(near[i]);
        printf("stored on %zu of the %d closest\n", held, K);
        CHECK(held >= K - 1);  /* a publish under loss may miss one */
        for (i = 0; i < K && !holds(near[i]); ++i)
                ;
        nodes[owner[0]].alive = 0;
        nodes[near[i]].alive  = 0;
        for (i = 0; i < nn / 10; ++i)
                nodes[rnd() % nn].alive = 0;
        for (i = 0, held = 0; i < nn; ++i)
                held += nodes[i].alive;
        printf("removed the owner, the closest holder and more: %zu left\n",
               held);

        dead0 = dead_fresh();
        addrs[0] = nodes[owner[0]].addr;
        find_everywhere(key, addrs, 1, &g);
        dead1 = dead_fresh();
        print_figures("found after removal", &g);
        printf("fresh contacts of dead members: %zu before the lookups, "
               "%zu after\n", dead0, dead1);
        CHECK(dead1 <= dead0);  /* marked stale, never made fresh */

        /* 4. replication restores the k closest */
        run(now + (uint64_t) cfg.t_replicate * 1000 + 10000);
        CHECK_EQ(closest_alive(key[0], near, K), K);
        for (i = 0, held = 0; i < K; ++i)
                held += holds(near[i]);
        printf("after replication: held by %zu of the %d closest left\n",
               held, K);
        CHECK_EQ(held, K);

        /* 5. newcomers replace stale contacts */
        for (i = 0; i < 20 && nn < NMAX; ++i) {
                add_node();
                run(now + 100);
        }
        run(now + 5000);
        for (i = 0; i < nn; ++i) {
                if (!nodes[i].alive)
                        continue;
                dht_stats(nodes[i].d, &st);
                replaced += st.table.replaced + st.table.evicted;
        }
        printf("stale or unanswering contacts replaced: %llu; "
               "fresh contacts of dead members now %zu; lost %llu\n",
               (unsigned long long) replaced, dead_fresh(),
               (unsigned long long) lost);
        CHECK(replaced > 0);

        for (i = 0; i < nn; ++i)
                dht_destroy(nodes[i].d);
        for (i = 0; i < qn; ++i)
                free(q[(qh + i) % qcap].data);
        free(q);

        return check_report("dht_sim");
}
