/*
 * Ouroboros - k-buckets of the directory (contract in dht_table.h).
 *
 * Buckets are arrays of at most k entries, allocated when first used,
 * kept in least-recently-seen order; 8 klen + 1 buckets (the last one,
 * for the member's own id, stays empty).
 */
#include "dht_table.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct entry {
        struct dht_contact c;
        uint64_t           seen;
        unsigned           fails;
};

struct bucket {
        struct entry *     e;       /* k entries, oldest first */
        size_t             n;
        bool               pinging; /* ping of e[0] in flight */
        bool               has_cand;
        struct dht_contact cand;
};

struct dht_table {
        uint8_t          self[DHT_KEY_MAX];
        size_t           klen;
        size_t           k;
        size_t           nb;
        struct bucket *  b;
        uint64_t         evicted;
        uint64_t         replaced;
        uint64_t         dropped;
};

int dht_table_create(struct dht_table ** t,
                     const uint8_t *     self,
                     size_t              klen,
                     size_t              k)
{
        struct dht_table * tb;

        if (!dht_klen_ok(klen) || k == 0 || k > DHT_MSG_CONTACTS_MAX)
                return -EINVAL;

        tb = calloc(1, sizeof(*tb));
        if (tb == NULL)
                return -ENOMEM;

        tb->nb = klen * 8 + 1;
        tb->b  = calloc(tb->nb, sizeof(*tb->b));
        if (tb->b == NULL) {
                free(tb);
                return -ENOMEM;
        }
        memcpy(tb->self, self, klen);
        tb->klen = klen;
        tb->k    = k;
        *t       = tb;

        return 0;
}

void dht_table_destroy(struct dht_table * t)
{
        size_t i;

        if (t == NULL)
                return;
        for (i = 0; i < t->nb; ++i)
                free(t->b[i].e);
        free(t->b);
        free(t);
}

static struct bucket * bucket_of(const struct dht_table * t,
                                 const uint8_t *          id)
{
        return &t->b[dht_key_prefix(t->self, id, t->klen)];
}

static ssize_t find(const struct dht_table * t,
                    const struct bucket *    b,
                    const uint8_t *          id)
{
        size_t i;

        for (i = 0; i < b->n; ++i)
                if (dht_key_eq(b->e[i].c.id, id, t->klen))
                        return (ssize_t) i;
        return -1;
}

static void take_out(struct bucket * b,
                     size_t          i)
{
        memmove(&b->e[i], &b->e[i + 1], (b->n - i - 1) * sizeof(*b->e));
        b->n--;
}

static void append(struct bucket *            b,
                   const struct dht_contact * c,
                   uint64_t                   now)
{
        b->e[b->n].c     = *c;
        b->e[b->n].seen  = now;
        b->e[b->n].fails = 0;
        b->n++;
}

int dht_table_update(struct dht_table *         t,
                     const struct dht_contact * c,
                     uint64_t                   now,
                     struct dht_contact *       ping)
{
        struct bucket * b;
        ssize_t         i;
        size_t          j;

        if (c->addr == 0 || dht_key_eq(c->id, t->self, t->klen))
                return -EINVAL;

        b = bucket_of(t, c->id);
        if (b->e == NULL) {
                b->e = calloc(t->k, sizeof(*b->e));
                if (b->e == NULL)
                        return -ENOMEM;
        }

        i = find(t, b, c->id);
        if (i >= 0) {
                if (i == 0 && b->pinging) {  /* the oldest answered */
                        b->pinging = false;
                        if (b->has_cand)
                                t->dropped++;
                        b->has_cand = false;
                }
                take_out(b, (size_t) i);
                append(b, c, now);
                return 0;
        }

        if (b->n < t->k) {
                append(b, c, now);
                return DHT_TBL_ADDED;
        }

        for (j = 0; j < b->n; ++j) {
                if (b->e[j].fails >= DHT_STALE_FAILS &&
                    !(j == 0 && b->pinging)) {
                        take_out(b, j);
                        append(b, c, now);
                        t->replaced++;
                        return DHT_TBL_ADDED;
                }
        }

        b->cand     = *c;
        b->has_cand = true;
        if (b->pinging)
                return 0;

        b->pinging = true;
        *ping      = b->e[0].c;

        return DHT_TBL_PING;
}

int dht_table_fail(struct dht_table * t,
                   const uint8_t *    id)
{
        struct bucket * b;
        ssize_t         i;
        bool            evict;

        b = bucket_of(t, id);
        i = find(t, b, id);
        if (i < 0)
                return -ENOENT;

        b->e[i].fails++;
        evict = (i == 0 && b->pinging) ||
                (b->has_cand && b->e[i].fails >= DHT_STALE_FAILS);
        if (!evict || !b->has_cand) {
                if (i == 0)
                        b->pinging = false;
                return 0;
        }

        if (i == 0)
                b->pinging = false;
        take_out(b, (size_t) i);
        append(b, &b->cand, 0);
        b->has_cand = false;
        t->evicted++;

        return 1;
}

int dht_table_remove(struct dht_table * t,
                     const uint8_t *    id)
{
        struct bucket * b;
        ssize_t         i;

        b = bucket_of(t, id);
        i = find(t, b, id);
        if (i < 0)
                return -ENOENT;
        if (i == 0)
                b->pinging = false;
        take_out(b, (size_t) i);

        return 0;
}

/* Insert c into out[0..*n) sorted by distance to key, at most cap. */
static void keep_closest(const uint8_t *            key,
                         size_t                     klen,
                         const struct dht_contact * c,
                         struct dht_contact *       out,
                         size_t *                   n,
                         size_t                     cap)
{
        size_t i = *n;

        if (i == cap && dht_key_cmp(key, c->id, out[i - 1].id, klen) >= 0)
                return;
        if (i == cap)
                --i;
        while (i > 0 && dht_key_cmp(key, c->id, out[i - 1].id, klen) < 0) {
                out[i] = out[i - 1];
                --i;
        }
        out[i] = *c;
        if (*n < cap)
                (*n)++;
}

size_t dht_table_closest(const struct dht_table * t,
                         const uint8_t *          key,
                         const uint8_t *          skip,
                         struct dht_contact *     out,
                         size_t                   n)
{
        size_t i;
        size_t j;
        size_t cnt = 0;

        if (n == 0)
                return 0;

        for (i = 0; i < t->nb; ++i) {
                const struct bucket * b = &t->b[i];
                for (j = 0; j < b->n; ++j) {
                        if (b->e[j].fails >= DHT_STALE_FAILS)
                                continue;
                        if (skip != NULL &&
                            dht_key_eq(b->e[j].c.id, skip, t->klen))
                                continue;
                        keep_closest(key, t->klen, &b->e[j].c, out, &cnt,
                                     n);
                }
        }

        return cnt;
}

size_t dht_table_closer(const struct dht_table * t,
                        const uint8_t *          key,
                        const uint8_t *          id,
                        size_t                   max)
{
        size_t i;
        size_t j;
        size_t cnt = 0;

        for (i = 0; i < t->nb && cnt < max; ++i) {
                const struct bucket * b = &t->b[i];
                for (j = 0; j < b->n && cnt < max; ++j)
                        if (b->e[j].fails < DHT_STALE_FAILS &&
                            dht_key_cmp(key, b->e[j].c.id, id, t->klen) < 0)
                                ++cnt;
        }

        return cnt;
}

int dht_table_has(const struct dht_table * t,
                  const uint8_t *          id)
{
        const struct bucket * b = bucket_of(t, id);
        ssize_t               i = find(t, b, id);

        return i >= 0 && b->e[i].fails < DHT_STALE_FAILS;
}

void dht_table_stats(const struct dht_table * t,
                     struct dht_table_stats * st)
{
        size_t i;
        size_t j;

        memset(st, 0, sizeof(*st));
        for (i = 0; i < t->nb; ++i) {
                st->contacts += t->b[i].n;
                for (j = 0; j < t->b[i].n; ++j)
                        if (t->b[i].e[j].fails >= DHT_STALE_FAILS)
                                st->stale++;
        }
        st->evicted  = t->evicted;
        st->replaced = t->replaced;
        st->dropped  = t->dropped;
}
