/*
 * Ouroboros - the link-state database (behaviour in lsdb.h).
 *
 * Origins live in one array (live ones and tombstones), found through
 * an open-addressing hash of their addresses (linear probing, at most
 * half full). Removing an origin (a tombstone past its hold) moves the
 * last one into its place and rebuilds the index: removals come in
 * batches from lsdb_expire, so it is rebuilt once per batch, O(n).
 */
#include "lsdb.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NODES_MAX  (1U << 24)

struct node {
        uint64_t         origin;
        uint32_t         seqno;
        bool             live;
        uint64_t         taken;  /* when the LSA was taken */
        uint64_t         until;  /* live: end of lifetime; else of hold */
        uint16_t         n;
        struct lsa_nbr * nbrs;
};

struct lsdb {
        struct node *     nodes;
        size_t            count;
        size_t            cap;
        uint32_t *        index;  /* slot: node index + 1, 0: empty */
        size_t            mask;   /* slots - 1 */
        size_t            max;
        uint64_t          hold;
        uint64_t          gen;
        struct lsdb_stats st;
};

static uint64_t add_sat(uint64_t a,
                        uint64_t b)
{
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static size_t slot_of(const struct lsdb * db,
                      uint64_t            addr)
{
        /* splitmix64's finaliser: neighbouring addresses spread out. */
        addr ^= addr >> 30;
        addr *= 0xbf58476d1ce4e5b9ULL;
        addr ^= addr >> 27;
        addr *= 0x94d049bb133111ebULL;
        addr ^= addr >> 31;

        return (size_t) addr & db->mask;
}

static void index_put(struct lsdb * db,
                      size_t        i)
{
        size_t s = slot_of(db, db->nodes[i].origin);

        while (db->index[s] != 0)
                s = (s + 1) & db->mask;
        db->index[s] = (uint32_t) (i + 1);
}

static void index_rebuild(struct lsdb * db)
{
        size_t i;

        memset(db->index, 0, (db->mask + 1) * sizeof(db->index[0]));
        for (i = 0; i < db->count; ++i)
                index_put(db, i);
}

static struct node * find(const struct lsdb * db,
                          uint64_t            origin)
{
        size_t s = slot_of(db, origin);

        while (db->index[s] != 0) {
                struct node * nd = &db->nodes[db->index[s] - 1];
                if (nd->origin == origin)
                        return nd;
                s = (s + 1) & db->mask;
        }

        return NULL;
}

/* Room for one more node: the array and an index at most half full. */
static int grow(struct lsdb * db)
{
        struct node * nodes;
        uint32_t *    index;
        size_t        cap;

        if (db->count < db->cap)
                return 0;

        cap   = db->cap * 2;
        nodes = realloc(db->nodes, cap * sizeof(*nodes));
        if (nodes == NULL)
                return -ENOMEM;
        db->nodes = nodes;

        index = calloc(cap * 2, sizeof(*index));
        if (index == NULL)
                return -ENOMEM;
        free(db->index);
        db->index = index;
        db->mask  = cap * 2 - 1;
        db->cap   = cap;
        index_rebuild(db);

        return 0;
}

int lsdb_create(struct lsdb **          db,
                const struct lsdb_cfg * cfg)
{
        struct lsdb * d;

        if (cfg != NULL && cfg->max_nodes > NODES_MAX)
                return -EINVAL;

        d = calloc(1, sizeof(*d));
        if (d == NULL)
                return -ENOMEM;

        d->max  = cfg != NULL && cfg->max_nodes ? cfg->max_nodes
                : LSDB_NODES_DEF;
        d->hold = cfg != NULL && cfg->hold ? cfg->hold : LSDB_HOLD_DEF;
        d->cap  = 16;
        d->mask = 2 * d->cap - 1;
        d->gen  = 1;

        d->nodes = malloc(d->cap * sizeof(*d->nodes));
        d->index = calloc(d->mask + 1, sizeof(*d->index));
        if (d->nodes == NULL || d->index == NULL) {
                free(d->nodes);
                free(d->index);
                free(d);
                return -ENOMEM;
        }

        *db = d;

        return 0;
}

void lsdb_destroy(struct lsdb * db)
{
        size_t i;

        if (db == NULL)
                return;

        for (i = 0; i < db->count; ++i)
                free(db->nodes[i].nbrs);
        free(db->nodes);
        free(db->index);
        free(db);
}

static bool same_nbrs(const struct node * nd,
                      const struct lsa *  l)
{
        size_t i;

        if (!nd->live || nd->n != l->n)
                return false;

        for (i = 0; i < l->n; ++i)
                if (nd->nbrs[i].addr != l->nbrs[i].addr ||
                    nd->nbrs[i].metric != l->nbrs[i].metric)
                        return false;

        return true;
}

/* Put l into nd (a node known or just added), taken at now. */
static int store(struct lsdb *      db,
                 struct node *      nd,
                 const struct lsa * l,
                 uint64_t           now)
{
        struct lsa_nbr * nbrs = NULL;

        if (l->lifetime == 0) {  /* withdrawal: a tombstone at once */
                if (nd->live)
                        ++db->gen;
                free(nd->nbrs);
                nd->nbrs  = NULL;
                nd->n     = 0;
                nd->live  = false;
                nd->seqno = l->seqno;
                nd->taken = now;
                nd->until = add_sat(now, db->hold);
                ++db->st.withdrawn;
                return 0;
        }

        if (!same_nbrs(nd, l)) {
                if (l->n > 0) {
                        nbrs = malloc(l->n * sizeof(*nbrs));
                        if (nbrs == NULL)
                                return -ENOMEM;
                        memcpy(nbrs, l->nbrs, l->n * sizeof(*nbrs));
                }
                free(nd->nbrs);
                nd->nbrs = nbrs;
                nd->n    = l->n;
                ++db->gen;
        } else if (!nd->live) {
                ++db->gen;
        }

        nd->live  = true;
        nd->seqno = l->seqno;
        nd->taken = now;
        nd->until = add_sat(now, l->lifetime);

        return 0;
}

int lsdb_update(struct lsdb *      db,
                const struct lsa * l,
                uint64_t           now)
{
        struct node * nd;
        int           ret;

        ret = lsa_check(l);
        if (ret < 0) {
                ++db->st.bogus;
                return ret;
        }

        nd = find(db, l->origin);
        if (nd != NULL) {
                if (l->seqno == nd->seqno) {
                        ++db->st.duplicate;
                        return 0;
                }
                if (!lsa_seq_newer(l->seqno, nd->seqno)) {
                        ++db->st.old;
                        return 0;
                }
        } else {
                if (db->count >= db->max) {
                        ++db->st.full;
                        return -ENOSPC;
                }
                ret = grow(db);
                if (ret < 0)
                        return ret;
                nd = &db->nodes[db->count];
                memset(nd, 0, sizeof(*nd));
                nd->origin = l->origin;
                index_put(db, db->count++);
        }

        ret = store(db, nd, l, now);
        if (ret < 0)  /* a new node stays as a tombstone, harmless */
                return ret;

        ++db->st.accepted;

        return 1;
}

size_t lsdb_expire(struct lsdb * db,
                   uint64_t      now)
{
        size_t gone    = 0;
        bool   removed = false;
        size_t i       = 0;

        while (i < db->count) {
                struct node * nd = &db->nodes[i];

                if (nd->live && now >= nd->until) {
                        free(nd->nbrs);
                        nd->nbrs  = NULL;
                        nd->n     = 0;
                        nd->live  = false;
                        nd->until = add_sat(nd->until, db->hold);
                        ++db->gen;
                        ++db->st.expired;
                        ++gone;
                }

                if (!nd->live && now >= nd->until) {
                        free(nd->nbrs);
                        db->nodes[i] = db->nodes[--db->count];
                        removed = true;
                        continue;
                }
                ++i;
        }

        if (removed)
                index_rebuild(db);

        return gone;
}

uint64_t lsdb_next_expiry(const struct lsdb * db)
{
        uint64_t t = UINT64_MAX;
        size_t   i;

        for (i = 0; i < db->count; ++i)
                if (db->nodes[i].until < t)
                        t = db->nodes[i].until;

        return t;
}

int lsdb_get(const struct lsdb * db,
             uint64_t            origin,
             uint64_t            now,
             struct lsa *        l)
{
        const struct node * nd = find(db, origin);
        uint64_t            left;

        if (nd == NULL || !nd->live || now >= nd->until)
                return -ENOENT;

        left = nd->until - now;
        l->origin   = nd->origin;
        l->seqno    = nd->seqno;
        l->lifetime = left > LSA_LIFETIME_MAX ? LSA_LIFETIME_MAX
                : (uint32_t) left;
        l->n        = nd->n;
        if (nd->n > 0)
                memcpy(l->nbrs, nd->nbrs, nd->n * sizeof(l->nbrs[0]));

        return 0;
}

int lsdb_foreach(const struct lsdb * db,
                 uint64_t            now,
                 int              (* fn)(const struct lsdb_entry * e,
                                         void *                    arg),
                 void *              arg)
{
        struct lsdb_entry e;
        size_t            i;
        int               ret;

        for (i = 0; i < db->count; ++i) {
                const struct node * nd = &db->nodes[i];

                if (!nd->live || now >= nd->until)
                        continue;

                e.origin = nd->origin;
                e.seqno  = nd->seqno;
                e.age    = now > nd->taken ? now - nd->taken : 0;
                e.left   = nd->until - now;
                e.n      = nd->n;
                e.nbrs   = nd->nbrs;

                ret = fn(&e, arg);
                if (ret != 0)
                        return ret;
        }

        return 0;
}

uint64_t lsdb_gen(const struct lsdb * db)
{
        return db->gen;
}

void lsdb_stats(const struct lsdb * db,
                struct lsdb_stats * st)
{
        size_t i;

        *st            = db->st;
        st->nodes      = 0;
        st->tombstones = 0;
        for (i = 0; i < db->count; ++i) {
                if (db->nodes[i].live)
                        ++st->nodes;
                else
                        ++st->tombstones;
        }
}
