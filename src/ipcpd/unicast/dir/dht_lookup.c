/*
 * Ouroboros - the iterative lookup state machine of the directory
 * (contract in dht_lookup.h).
 *
 * The shortlist is an array sorted by distance to the key. When it is
 * full, a closer newcomer pushes out the farthest entry that is not
 * awaiting an answer; one that is farther than all is dropped.
 */
#include "dht_lookup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum cand_state {
        C_NEW = 0,
        C_SENT,
        C_DONE,
        C_FAILED
};

struct cand {
        struct dht_contact c;
        enum cand_state    st;
        size_t             depth;
        size_t             tries;  /* requests that timed out */
};

struct dht_lookup {
        uint8_t                 key[DHT_KEY_MAX];
        uint8_t                 self[DHT_KEY_MAX];
        int                     kind;
        size_t                  klen;
        size_t                  k;
        size_t                  alpha;
        size_t                  rounds_max;
        uint64_t                deadline;
        int                     state;
        size_t                  inflight;
        struct dht_lookup_stats st;
        size_t                  n;
        size_t                  cap;
        struct cand *           c;
        size_t                  nv;
        struct dht_val          v[DHT_MSG_VALS_MAX];
};

static ssize_t find(const struct dht_lookup * lk,
                    const uint8_t *           id)
{
        size_t i;

        for (i = 0; i < lk->n; ++i)
                if (dht_key_eq(lk->c[i].c.id, id, lk->klen))
                        return (ssize_t) i;
        return -1;
}

static void add(struct dht_lookup *        lk,
                const struct dht_contact * c,
                size_t                     depth)
{
        ssize_t f;
        size_t  i;

        if (dht_key_eq(c->id, lk->self, lk->klen) || c->addr == 0)
                return;
        f = find(lk, c->id);
        if (f >= 0) {
                if (lk->c[f].st == C_NEW && depth < lk->c[f].depth)
                        lk->c[f].depth = depth;
                return;
        }

        if (lk->n == lk->cap) {
                /* make room: drop the farthest not awaited, if farther */
                for (i = lk->n; i-- > 0;)
                        if (lk->c[i].st != C_SENT)
                                break;
                if (i == SIZE_MAX ||
                    dht_key_cmp(lk->key, c->id, lk->c[i].c.id,
                                lk->klen) >= 0)
                        return;
                memmove(&lk->c[i], &lk->c[i + 1],
                        (lk->n - i - 1) * sizeof(*lk->c));
                lk->n--;
        }

        i = lk->n;
        while (i > 0 &&
               dht_key_cmp(lk->key, c->id, lk->c[i - 1].c.id, lk->klen) < 0) {
                lk->c[i] = lk->c[i - 1];
                --i;
        }
        lk->c[i].c     = *c;
        lk->c[i].st    = C_NEW;
        lk->c[i].depth = depth;
        lk->c[i].tries = 0;
        lk->n++;
}

/* Pick what to ask next among the k closest live entries; decide if
 * the lookup is done. */
static int step(struct dht_lookup *  lk,
                struct dht_contact * out,
                size_t *             nout)
{
        size_t i;
        size_t live  = 0;
        size_t open  = 0;  /* of the k closest: not answered, askable */

        *nout = 0;
        if (lk->state != DHT_LK_RUNNING)
                return lk->state;

        for (i = 0; i < lk->n && live < lk->k; ++i) {
                struct cand * c = &lk->c[i];
                if (c->st == C_FAILED)
                        continue;
                if (c->st == C_NEW && c->depth > lk->rounds_max)
                        continue;  /* too deep: never asked */
                ++live;
                if (c->st == C_DONE)
                        continue;
                ++open;
                if (c->st == C_NEW && lk->inflight < lk->alpha) {
                        c->st = C_SENT;
                        out[(*nout)++] = c->c;
                        lk->inflight++;
                        lk->st.sent++;
                }
        }

        if (open == 0)
                lk->state = DHT_LK_CLOSEST;

        return lk->state;
}

int dht_lookup_start(struct dht_lookup **          lk,
                     const struct dht_lookup_cfg * cfg,
                     const uint8_t *               key,
                     int                           kind,
                     const struct dht_contact *    seeds,
                     size_t                        nseeds,
                     struct dht_contact *          out,
                     size_t *                      nout)
{
        struct dht_lookup * l;
        size_t              i;

        if (!dht_klen_ok(cfg->klen) || cfg->k == 0 ||
            cfg->k > DHT_MSG_CONTACTS_MAX || cfg->alpha == 0 ||
            cfg->alpha > DHT_MSG_CONTACTS_MAX)
                return -EINVAL;
        if (kind != DHT_FIND_NODE && kind != DHT_FIND_VALUE)
                return -EINVAL;

        l = calloc(1, sizeof(*l));
        if (l == NULL)
                return -ENOMEM;
        l->cap = 2 * cfg->k + cfg->alpha;
        l->c   = calloc(l->cap, sizeof(*l->c));
        if (l->c == NULL) {
                free(l);
                return -ENOMEM;
        }

        memcpy(l->key, key, cfg->klen);
        memcpy(l->self, cfg->self, cfg->klen);
        l->kind       = kind;
        l->klen       = cfg->klen;
        l->k          = cfg->k;
        l->alpha      = cfg->alpha;
        l->rounds_max = cfg->rounds_max ? cfg->rounds_max : DHT_ROUNDS_DEF;
        l->deadline   = cfg->deadline;
        l->state      = DHT_LK_RUNNING;

        for (i = 0; i < nseeds; ++i)
                add(l, &seeds[i], 1);

        step(l, out, nout);
        *lk = l;

        return 0;
}

void dht_lookup_destroy(struct dht_lookup * lk)
{
        if (lk == NULL)
                return;
        free(lk->c);
        free(lk);
}

static void add_vals(struct dht_lookup *    lk,
                     const struct dht_val * vals,
                     size_t                 nv)
{
        size_t i;
        size_t j;

        for (i = 0; i < nv; ++i) {
                for (j = 0; j < lk->nv; ++j)
                        if (lk->v[j].addr == vals[i].addr)
                                break;
                if (j < lk->nv) {
                        if (vals[i].ttl > lk->v[j].ttl)
                                lk->v[j].ttl = vals[i].ttl;
                } else if (lk->nv < DHT_MSG_VALS_MAX) {
                        lk->v[lk->nv++] = vals[i];
                }
        }
}

/* The entry of id that awaits an answer, or NULL. */
static struct cand * awaited(struct dht_lookup * lk,
                             const uint8_t *     id)
{
        ssize_t f = find(lk, id);

        if (f < 0 || lk->c[f].st != C_SENT)
                return NULL;
        lk->inflight--;
        return &lk->c[f];
}

int dht_lookup_reply(struct dht_lookup *        lk,
                     const uint8_t *            id,
                     const struct dht_contact * contacts,
                     size_t                     nc,
                     const struct dht_val *     vals,
                     size_t                     nv,
                     struct dht_contact *       out,
                     size_t                     * nout)
{
        struct cand * c;
        size_t        depth;
        size_t        i;

        *nout = 0;
        c = awaited(lk, id);
        if (c == NULL)
                return -ENOENT;

        c->st = C_DONE;
        depth = c->depth;
        lk->st.answers++;
        if (depth > lk->st.rounds)
                lk->st.rounds = depth;

        if (lk->state != DHT_LK_RUNNING)
                return lk->state;

        if (lk->kind == DHT_FIND_VALUE && nv > 0) {
                add_vals(lk, vals, nv);
                lk->state = DHT_LK_VALUE;
                return lk->state;
        }

        for (i = 0; i < nc; ++i)
                add(lk, &contacts[i], depth + 1);

        return step(lk, out, nout);
}

int dht_lookup_timeout(struct dht_lookup *  lk,
                       const uint8_t *      id,
                       struct dht_contact * out,
                       size_t *             nout)
{
        struct cand * c;

        *nout = 0;
        c = awaited(lk, id);
        if (c == NULL)
                return -ENOENT;

        /* asked again once: a lost message is not a dead member */
        c->st = ++c->tries < DHT_LOOKUP_TRIES ? C_NEW : C_FAILED;
        lk->st.timeouts++;

        return step(lk, out, nout);
}

int dht_lookup_expire(struct dht_lookup * lk,
                      uint64_t            now)
{
        if (lk->state == DHT_LK_RUNNING && now >= lk->deadline)
                lk->state = DHT_LK_TIMEOUT;

        return lk->state;
}

int dht_lookup_state(const struct dht_lookup * lk)
{
        return lk->state;
}

uint64_t dht_lookup_deadline(const struct dht_lookup * lk)
{
        return lk->deadline;
}

const uint8_t * dht_lookup_key(const struct dht_lookup * lk)
{
        return lk->key;
}

size_t dht_lookup_closest(const struct dht_lookup * lk,
                          struct dht_contact *      out,
                          size_t                    n,
                          bool                      all)
{
        size_t i;
        size_t cnt = 0;

        for (i = 0; i < lk->n && cnt < n; ++i)
                if (all || lk->c[i].st == C_DONE)
                        out[cnt++] = lk->c[i].c;

        return cnt;
}

size_t dht_lookup_values(const struct dht_lookup * lk,
                         struct dht_val *          out,
                         size_t                    n)
{
        size_t cnt = lk->nv < n ? lk->nv : n;

        memcpy(out, lk->v, cnt * sizeof(*out));

        return cnt;
}

void dht_lookup_stats(const struct dht_lookup * lk,
                      struct dht_lookup_stats * st)
{
        *st = lk->st;
}
