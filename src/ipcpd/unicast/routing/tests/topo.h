/*
 * Ouroboros tests - topologies for the routing tests: a metric matrix
 * of n nodes (node i has address i + 1), turned into one LSA per node
 * and loaded into a link-state database, the way the layer would.
 * w[i * n + j] is the metric i advertises towards j (0: none), so a
 * link advertised by one end only can be written too.
 */
#ifndef OUROBOROS_ROUTING_TESTS_TOPO_H
#define OUROBOROS_ROUTING_TESTS_TOPO_H

#include "routing.h"

#include <stdlib.h>
#include <string.h>

struct topo {
        size_t     n;
        uint32_t * w;
        uint32_t   seq;  /* of the LSAs loaded last */
};

static struct lsa topo_lsa;

static inline void topo_init(struct topo * t,
                             size_t        n)
{
        t->n   = n;
        t->seq = 0;
        t->w   = calloc(n * n, sizeof(*t->w));
        if (t->w == NULL)
                abort();
}

static inline void topo_fini(struct topo * t)
{
        free(t->w);
}

/* A link between addresses a and b, metric m both ways (0: cut). */
static inline void topo_link(struct topo * t,
                             uint64_t      a,
                             uint64_t      b,
                             uint32_t      m)
{
        t->w[(a - 1) * t->n + (b - 1)] = m;
        t->w[(b - 1) * t->n + (a - 1)] = m;
}

/* The LSA of node i (index) with sequence number seq into db. */
static inline int topo_send(const struct topo * t,
                            struct lsdb *       db,
                            size_t              i,
                            uint32_t            seq,
                            uint64_t            now)
{
        size_t j;

        memset(&topo_lsa, 0, sizeof(topo_lsa));
        topo_lsa.origin   = i + 1;
        topo_lsa.seqno    = seq;
        topo_lsa.lifetime = 60000;
        for (j = 0; j < t->n; ++j)
                if (t->w[i * t->n + j] != 0)
                        topo_lsa.nbrs[topo_lsa.n++] = (struct lsa_nbr) {
                                j + 1, t->w[i * t->n + j] };

        return lsdb_update(db, &topo_lsa, now);
}

/* Every node's LSA, with the next sequence number. */
static inline void topo_load(struct topo * t,
                             struct lsdb * db,
                             uint64_t      now)
{
        size_t i;

        ++t->seq;
        for (i = 0; i < t->n; ++i)
                if (topo_send(t, db, i, t->seq, now) != 1)
                        abort();
}

/* A fresh database holding t. */
static inline struct lsdb * topo_db(struct topo * t)
{
        struct lsdb_cfg cfg = { .max_nodes = t->n + 1, .hold = 0 };
        struct lsdb *   db;

        if (lsdb_create(&db, &cfg) < 0)
                abort();
        topo_load(t, db, 0);

        return db;
}

/* self's table under policy over db (aborts on an error). */
static inline struct fwd_table * topo_route(const struct lsdb * db,
                                            const char *        policy,
                                            uint64_t            self)
{
        struct routing *   r;
        struct fwd_table * tab;

        if (routing_create(&r, policy, 0) < 0)
                abort();
        if (routing_compute(r, db, self, 0, &tab) < 0)
                abort();
        routing_destroy(r);

        return tab;
}

#endif /* OUROBOROS_ROUTING_TESTS_TOPO_H */
