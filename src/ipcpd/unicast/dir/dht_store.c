/*
 * Ouroboros - the value store of the directory (contract in
 * dht_store.h): keys in an array sorted by their bytes (binary
 * search), each with a small array of values.
 */
#include "dht_store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct val {
        uint64_t addr;
        uint64_t expiry;  /* ms; DHT_EXPIRY_NEVER for own */
        bool     own;
        bool     gone;    /* a tombstone: withdrawn until expiry */
};

struct kent {
        uint8_t      key[DHT_KEY_MAX];
        uint64_t     due;
        bool         sparse;
        size_t       n;
        struct val * v;   /* max_vals */
};

struct dht_store {
        size_t        klen;
        size_t        max_keys;
        size_t        max_vals;
        size_t        n;
        size_t        cap;
        struct kent * k;
        uint64_t      refused_keys;
        uint64_t      refused_vals;
        uint64_t      expired;
};

int dht_store_create(struct dht_store ** s,
                     size_t              klen,
                     size_t              max_keys,
                     size_t              max_vals)
{
        struct dht_store * st;

        if (!dht_klen_ok(klen) || max_vals > DHT_MSG_VALS_MAX)
                return -EINVAL;

        st = calloc(1, sizeof(*st));
        if (st == NULL)
                return -ENOMEM;
        st->klen     = klen;
        st->max_keys = max_keys ? max_keys : DHT_KEYS_DEF;
        st->max_vals = max_vals ? max_vals : DHT_VALS_DEF;
        *s           = st;

        return 0;
}

void dht_store_destroy(struct dht_store * s)
{
        size_t i;

        if (s == NULL)
                return;
        for (i = 0; i < s->n; ++i)
                free(s->k[i].v);
        free(s->k);
        free(s);
}

/* Index of key, or of where it would go (*found 0). */
static size_t search(const struct dht_store * s,
                     const uint8_t *          key,
                     bool *                   found)
{
        size_t lo = 0;
        size_t hi = s->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int    c   = memcmp(s->k[mid].key, key, s->klen);
                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;

        return lo;
}

static struct kent * insert_key(struct dht_store * s,
                                const uint8_t *    key,
                                size_t             at)
{
        struct kent * k;

        if (s->n == s->max_keys) {
                s->refused_keys++;
                return NULL;
        }
        if (s->n == s->cap) {
                size_t        cap = s->cap ? 2 * s->cap : 16;
                struct kent * nk  = realloc(s->k, cap * sizeof(*nk));
                if (nk == NULL)
                        return NULL;
                s->k   = nk;
                s->cap = cap;
        }
        memmove(&s->k[at + 1], &s->k[at], (s->n - at) * sizeof(*s->k));
        k = &s->k[at];
        memset(k, 0, sizeof(*k));
        k->v = calloc(s->max_vals, sizeof(*k->v));
        if (k->v == NULL) {
                memmove(&s->k[at], &s->k[at + 1],
                        (s->n - at) * sizeof(*s->k));
                return NULL;
        }
        memcpy(k->key, key, s->klen);
        s->n++;

        return k;
}

static void drop_key(struct dht_store * s,
                     size_t             i)
{
        free(s->k[i].v);
        memmove(&s->k[i], &s->k[i + 1], (s->n - i - 1) * sizeof(*s->k));
        s->n--;
}

int dht_store_put(struct dht_store * s,
                  const uint8_t *    key,
                  uint64_t           addr,
                  uint64_t           expiry,
                  bool               own)
{
        struct kent * k;
        bool          found;
        size_t        i;
        size_t        j;

        if (addr == 0)
                return -EINVAL;

        i = search(s, key, &found);
        if (!found) {
                k = insert_key(s, key, i);
                if (k == NULL)
                        return s->n == s->max_keys ? -ENOSPC : -ENOMEM;
        } else {
                k = &s->k[i];
        }

        for (j = 0; j < k->n; ++j) {
                struct val * v = &k->v[j];
                if (v->addr != addr)
                        continue;
                if (v->gone) {  /* back from the dead */
                        v->gone   = false;
                        v->own    = own;
                        v->expiry = own ? DHT_EXPIRY_NEVER : expiry;
                        return 1;
                }
                if (own) {
                        v->own    = true;
                        v->expiry = DHT_EXPIRY_NEVER;
                } else if (expiry > v->expiry) {
                        v->expiry = expiry;
                }
                return 0;
        }

        if (k->n == s->max_vals) {
                s->refused_vals++;
                return -ENOSPC;
        }

        k->v[k->n].addr   = addr;
        k->v[k->n].own    = own;
        k->v[k->n].gone   = false;
        k->v[k->n].expiry = own ? DHT_EXPIRY_NEVER : expiry;
        k->n++;

        return 1;
}

static struct val * find_val(const struct dht_store * s,
                             const uint8_t *          key,
                             uint64_t                 addr)
{
        bool   found;
        size_t i = search(s, key, &found);
        size_t j;

        if (!found)
                return NULL;
        for (j = 0; j < s->k[i].n; ++j)
                if (s->k[i].v[j].addr == addr)
                        return &s->k[i].v[j];
        return NULL;
}

int dht_store_bury(struct dht_store * s,
                   const uint8_t *    key,
                   uint64_t           addr,
                   uint64_t           until)
{
        struct val * v = find_val(s, key, addr);
        bool         found;
        int          ret;

        if (v != NULL && v->own)
                return -EPERM;
        if (v != NULL) {
                ret       = v->gone ? 0 : 1;
                v->gone   = true;
                if (ret == 1 || until > v->expiry)
                        v->expiry = until;
                return ret;
        }

        ret = dht_store_put(s, key, addr, until, false);
        if (ret < 0)
                return ret;
        v = find_val(s, key, addr);
        v->gone = true;
        /* a key of tombstones only is never due */
        s->k[search(s, key, &found)].due = DHT_EXPIRY_NEVER;

        return 0;
}

int dht_store_buried(const struct dht_store * s,
                     const uint8_t *          key,
                     uint64_t                 addr)
{
        const struct val * v = find_val(s, key, addr);

        return v != NULL && v->gone;
}

int dht_store_del(struct dht_store * s,
                  const uint8_t *    key,
                  uint64_t           addr,
                  bool               own)
{
        struct kent * k;
        bool          found;
        size_t        i;
        size_t        j;

        i = search(s, key, &found);
        if (!found)
                return -ENOENT;
        k = &s->k[i];

        for (j = 0; j < k->n; ++j) {
                if (k->v[j].addr != addr)
                        continue;
                if (k->v[j].own && !own)
                        return -ENOENT;
                k->v[j] = k->v[--k->n];
                if (k->n == 0)
                        drop_key(s, i);
                return 0;
        }

        return -ENOENT;
}

size_t dht_store_get(const struct dht_store * s,
                     const uint8_t *          key,
                     uint64_t                 now,
                     uint32_t                 own_ttl,
                     bool                     own_only,
                     struct dht_val *         out,
                     size_t                   n)
{
        const struct kent * k;
        bool                found;
        size_t              i;
        size_t              j;
        size_t              cnt = 0;

        i = search(s, key, &found);
        if (!found)
                return 0;
        k = &s->k[i];

        for (j = 0; j < k->n && cnt < n; ++j) {
                const struct val * v = &k->v[j];
                uint64_t           left;
                if ((own_only && !v->own) || v->gone)
                        continue;
                if (!v->own && v->expiry <= now)
                        continue;
                /* others' values: whole seconds left, rounded down (at
                 * least 1), so only an owner's publish says own_ttl */
                left = v->own ? own_ttl : (v->expiry - now) / 1000;
                if (left == 0)
                        left = 1;
                out[cnt].addr = v->addr;
                out[cnt].ttl  = left > UINT32_MAX ? UINT32_MAX
                        : (uint32_t) left;
                ++cnt;
        }

        return cnt;
}

int dht_store_own(const struct dht_store * s,
                  const uint8_t *          key)
{
        bool   found;
        size_t i = search(s, key, &found);
        size_t j;

        if (!found)
                return -ENOENT;
        for (j = 0; j < s->k[i].n; ++j)
                if (s->k[i].v[j].own)
                        return 1;

        return 0;
}

static struct kent * key_of(const struct dht_store * s,
                            const uint8_t *          key)
{
        bool   found;
        size_t i = search(s, key, &found);

        return found ? &s->k[i] : NULL;
}

int dht_store_sparse(struct dht_store * s,
                     const uint8_t *    key,
                     bool               sparse)
{
        struct kent * k = key_of(s, key);

        if (k == NULL)
                return -ENOENT;
        k->sparse = sparse;

        return 0;
}

int dht_store_due(struct dht_store * s,
                  const uint8_t *    key,
                  uint64_t           due)
{
        struct kent * k = key_of(s, key);

        if (k == NULL)
                return -ENOENT;
        k->due = due;

        return 0;
}

size_t dht_store_expire(struct dht_store * s,
                        uint64_t           now)
{
        size_t i;
        size_t j;
        size_t cnt = 0;

        for (i = s->n; i-- > 0;) {
                struct kent * k = &s->k[i];
                for (j = k->n; j-- > 0;) {
                        if (k->v[j].expiry > now)
                                continue;
                        k->v[j] = k->v[--k->n];
                        ++cnt;
                }
                if (k->n == 0)
                        drop_key(s, i);
        }
        s->expired += cnt;

        return cnt;
}

uint64_t dht_store_next(const struct dht_store * s)
{
        uint64_t t = UINT64_MAX;
        size_t   i;
        size_t   j;

        for (i = 0; i < s->n; ++i) {
                if (s->k[i].due < t)
                        t = s->k[i].due;
                for (j = 0; j < s->k[i].n; ++j)
                        if (s->k[i].v[j].expiry < t)
                                t = s->k[i].v[j].expiry;
        }

        return t;
}

int dht_store_foreach(const struct dht_store * s,
                      int                   (* fn)(
                              const struct dht_store_key * k,
                              void *                       arg),
                      void *                   arg)
{
        size_t i;
        size_t j;
        int    ret;

        for (i = 0; i < s->n; ++i) {
                struct dht_store_key k = { s->k[i].key, false, s->k[i].due,
                                           s->k[i].sparse, 0 };
                for (j = 0; j < s->k[i].n; ++j) {
                        k.own  |= s->k[i].v[j].own;
                        k.live += !s->k[i].v[j].gone;
                }
                ret = fn(&k, arg);
                if (ret != 0)
                        return ret;
        }

        return 0;
}

void dht_store_stats(const struct dht_store * s,
                     struct dht_store_stats * st)
{
        size_t i;

        memset(st, 0, sizeof(*st));
        for (i = 0; i < s->n; ++i) {
                size_t j;
                size_t live = 0;
                for (j = 0; j < s->k[i].n; ++j)
                        live += !s->k[i].v[j].gone;
                st->keys   += live > 0;
                st->vals   += live;
                st->buried += s->k[i].n - live;
        }
        st->refused_keys = s->refused_keys;
        st->refused_vals = s->refused_vals;
        st->expired      = s->expired;
}
