/*
 * Ouroboros - a member of the directory (contract in dht.h): its life,
 * the lookups it runs, its timers and what it is asked by the IPCP.
 * The outbox and the requests awaiting answers are in dht_out.c, what
 * it does with messages received in dht_rcv.c; the state all three
 * share is in dht_priv.h.
 *
 * Timers, all driven by dht_tick(now):
 *   request deadline  t_req after sending: the contact failed
 *   lookup deadline   t_lookup after starting: DHT_LK_TIMEOUT
 *   publish           own keys when due (at register, then t_refresh)
 *   refresh           every t_refresh: a lookup of the own id
 *   replicate         every t_replicate: STORE of all values held
 *   expiry            values held past their ttl, at every tick
 */
#include "dht_priv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DEF(x, v) ((x) = (x) ? (x) : (v))

int dht_create(struct dht **          d,
               const struct dht_cfg * cfg,
               const uint8_t *        self,
               uint64_t               addr,
               uint64_t               now)
{
        struct dht * m;
        struct dht_cfg c = *cfg;

        DEF(c.k, 8);
        DEF(c.alpha, 3);
        DEF(c.t_expire, 86400);
        DEF(c.t_refresh, 900);
        DEF(c.t_replicate, 900);
        DEF(c.t_req, DHT_T_REQ_DEF);
        DEF(c.t_lookup, DHT_T_LOOKUP_DEF);
        DEF(c.rounds_max, DHT_ROUNDS_DEF);
        DEF(c.max_lookups, DHT_LOOKUPS_DEF);
        DEF(c.max_reqs, DHT_REQS_DEF);
        DEF(c.max_out, DHT_OUT_DEF);
        if (!dht_klen_ok(c.klen) || addr == 0 ||
            c.k > DHT_MSG_CONTACTS_MAX || c.alpha > DHT_MSG_CONTACTS_MAX)
                return -EINVAL;

        m = calloc(1, sizeof(*m));
        if (m == NULL)
                return -ENOMEM;
        m->cfg  = c;
        m->addr = addr;
        memcpy(m->self, self, c.klen);
        m->reqs  = calloc(c.max_reqs, sizeof(*m->reqs));
        m->slots = calloc(c.max_lookups, sizeof(*m->slots));
        m->out   = calloc(c.max_out, sizeof(*m->out));
        if (m->reqs == NULL || m->slots == NULL || m->out == NULL ||
            dht_table_create(&m->tbl, self, c.klen, c.k) < 0 ||
            dht_store_create(&m->st, c.klen, c.max_keys, c.max_vals) < 0) {
                dht_destroy(m);
                return -ENOMEM;
        }
        m->next_req     = (uint32_t) (addr * 2654435761U);
        m->refresh_at   = now + (uint64_t) c.t_refresh * 1000;
        *d = m;

        return 0;
}

void dht_destroy(struct dht * d)
{
        size_t i;

        if (d == NULL)
                return;
        if (d->slots != NULL)
                for (i = 0; i < d->cfg.max_lookups; ++i)
                        dht_lookup_destroy(d->slots[i].lk);
        if (d->reqs != NULL)
                for (i = 0; i < d->cfg.max_reqs; ++i)
                        free(d->reqs[i].copy);
        if (d->out != NULL)
                for (i = 0; i < d->out_n; ++i)
                        free(d->out[(d->out_h + i) % d->cfg.max_out]);
        dht_table_destroy(d->tbl);
        dht_store_destroy(d->st);
        free(d->reqs);
        free(d->slots);
        free(d->out);
        free(d);
}

struct slot * dht_slot_of(struct dht * d,
                          int          id)
{
        size_t i;

        for (i = 0; i < d->cfg.max_lookups; ++i)
                if (d->slots[i].lk != NULL && d->slots[i].id == id)
                        return &d->slots[i];
        return NULL;
}

/* Send the lookup's requests in out[0..n); a request that cannot go
 * counts as unanswered at once. What is still to send never exceeds
 * alpha (the lookup's requests in flight), so todo has room. */
void dht_lk_send(struct dht *               d,
                 struct slot *              s,
                 const struct dht_contact * out,
                 size_t                     n,
                 uint64_t                   now)
{
        struct dht_contact todo[DHT_MSG_CONTACTS_MAX];
        const uint8_t *    key = dht_lookup_key(s->lk);
        uint8_t            type;
        size_t             nm;

        type = s->p == P_QUERY ? DHT_FIND_VALUE : DHT_FIND_NODE;
        memcpy(todo, out, n * sizeof(*out));
        while (n > 0) {
                struct dht_contact c = todo[--n];
                dht_out_msg(d, type, 0, key);
                if (dht_out_request(d, R_LOOKUP, c.addr, c.id, s->id, now) == 0)
                        continue;
                dht_lookup_timeout(s->lk, c.id, todo + n, &nm);
                n += nm;
        }

        if (dht_lookup_state(s->lk) != DHT_LK_RUNNING)
                dht_lk_done(d, s, now);
}

/* Start a lookup; returns its id or -EBUSY/-ENOMEM. */
int dht_lk_start(struct dht *    d,
                 const uint8_t * key,
                 enum purpose    p,
                 uint64_t        addr,
                 uint64_t        now)
{
        struct dht_contact    seeds[DHT_MSG_CONTACTS_MAX];
        struct dht_contact    out[DHT_MSG_CONTACTS_MAX];
        struct dht_lookup_cfg c;
        struct slot *         s = NULL;
        size_t                i;
        size_t                ns;
        size_t                nout;
        int                   ret;

        for (i = 0; i < d->cfg.max_lookups; ++i) {
                if (d->slots[i].lk == NULL) {
                        s = &d->slots[i];
                        break;
                }
        }
        if (s == NULL)
                return -EBUSY;

        c.self       = d->self;
        c.klen       = d->cfg.klen;
        c.k          = d->cfg.k;
        c.alpha      = d->cfg.alpha;
        c.rounds_max = d->cfg.rounds_max;
        c.deadline   = now + d->cfg.t_lookup;

        ns  = dht_table_closest(d->tbl, key, NULL, seeds, d->cfg.k);
        ret = dht_lookup_start(&s->lk, &c, key,
                               p == P_QUERY ? DHT_FIND_VALUE : DHT_FIND_NODE,
                               seeds, ns, out, &nout);
        if (ret < 0)
                return ret;

        if (++d->next_lk <= 0)
                d->next_lk = 1;
        s->id   = d->next_lk;
        s->p    = p;
        s->addr = addr;
        d->stats.lookups++;
        ret     = s->id;
        dht_lk_send(d, s, out, nout, now);

        return ret;
}

/* STORE vals[0..nv) of key to the contacts c[0..n). */
void dht_send_store(struct dht *               d,
                    const uint8_t *            key,
                    const struct dht_contact * c,
                    size_t                     n,
                    const struct dht_val *     vals,
                    size_t                     nv,
                    uint64_t                   now)
{
        size_t i;

        if (nv == 0)
                return;
        for (i = 0; i < n; ++i) {
                struct dht_msg * m = dht_out_msg(d, DHT_STORE, 0, key);
                memcpy(m->vals, vals, nv * sizeof(*vals));
                m->nv = (uint16_t) nv;
                dht_out_request(d, R_STORE, c[i].addr, c[i].id, 0, now);
        }
}

/* When key is next published: own values every t_refresh, values
 * held for others every t_replicate, plus up to a tenth of it that
 * depends on the key and the member, so the holders of one key do not
 * all replicate it at once. */
uint64_t dht_due(const struct dht * d,
                 const uint8_t *    key,
                 uint64_t           now)
{
        uint64_t ms;
        uint32_t h;

        if (dht_store_own(d->st, key) == 1)
                return now + (uint64_t) d->cfg.t_refresh * 1000;

        ms = (uint64_t) d->cfg.t_replicate * 1000;
        h  = (uint32_t) (key[0] ^ d->self[0]) << 8 | (key[1] ^ d->self[1]);

        return now + ms + ms / 10 * h / 65536;
}

/* Did the lookup find k members closer to key than this one? Then
 * this member's copies (not its own) belong to them: it drops them
 * without storing them (they got them from the owner or from nearer
 * holders; a copy left behind must not bring back a withdrawn value). */
static bool far_holder(const struct dht *         d,
                       const uint8_t *            key,
                       const struct dht_contact * c,
                       size_t                     n)
{
        if (dht_store_own(d->st, key) != 0 || n < d->cfg.k)
                return false;

        return dht_key_cmp(key, c[d->cfg.k - 1].id, d->self,
                           d->cfg.klen) < 0;
}

static void drop_copies(struct dht *           d,
                        const uint8_t *        key,
                        const struct dht_val * v,
                        size_t                 nv)
{
        size_t i;

        for (i = 0; i < nv; ++i)
                dht_store_del(d->st, key, v[i].addr, false);
}

void dht_lk_done(struct dht *  d,
                 struct slot * s,
                 uint64_t      now)
{
        struct dht_contact c[DHT_MSG_CONTACTS_MAX];
        struct dht_val     v[DHT_MSG_VALS_MAX];
        const uint8_t *    key = dht_lookup_key(s->lk);
        size_t             n;
        size_t             nv = 0;

        if (s->p == P_QUERY)
                return;  /* kept for dht_result */

        n = dht_lookup_closest(s->lk, c, d->cfg.k, false);
        if (s->p == P_PUBLISH) {
                nv = dht_store_get(d->st, key, now, d->cfg.t_expire, false,
                                   v, DHT_MSG_VALS_MAX);
                dht_store_due(d->st, key, dht_due(d, key, now));
                dht_store_sparse(d->st, key, n < d->cfg.k);
                if (far_holder(d, key, c, n)) {
                        drop_copies(d, key, v, nv);
                        nv = 0;
                }
        } else if (s->p == P_WITHDRAW) {
                n = dht_lookup_closest(s->lk, c, 2 * d->cfg.k, true);
                v[0].addr = s->addr;
                v[0].ttl  = 0;
                nv        = 1;
        }
        dht_send_store(d, key, c, n, v, nv, now);

        dht_lookup_destroy(s->lk);
        s->lk = NULL;
}

int dht_join(struct dht * d,
             uint64_t     addr,
             uint64_t     now)
{
        dht_out_msg(d, DHT_FIND_NODE, 0, d->self);

        return dht_out_request(d, R_JOIN, addr, NULL, 0, now);
}


static void timeouts(struct dht * d,
                     uint64_t     now)
{
        struct dht_contact out[DHT_MSG_CONTACTS_MAX];
        size_t             i;
        size_t             nout;

        for (i = 0; i < d->cfg.max_reqs; ++i) {
                struct req *  r = &d->reqs[i];
                struct slot * s;
                if (!r->used || r->deadline > now)
                        continue;
                d->stats.timeouts++;
                if (r->copy != NULL && r->tries > 0 &&
                    dht_out_requeue(d, r->copy) == 0) {
                        r->tries--;
                        r->deadline = now + d->cfg.t_req;
                        dht_table_fail(d->tbl, r->dst_id);
                        continue;
                }
                r->used = false;
                free(r->copy);
                r->copy = NULL;
                if (r->kind == R_JOIN)
                        continue;
                dht_table_fail(d->tbl, r->dst_id);
                if (r->kind != R_LOOKUP)
                        continue;
                s = dht_slot_of(d, r->lk);
                if (s == NULL || dht_lookup_state(s->lk) != DHT_LK_RUNNING)
                        continue;
                dht_lookup_timeout(s->lk, r->dst_id, out, &nout);
                dht_lk_send(d, s, out, nout, now);
        }

        for (i = 0; i < d->cfg.max_lookups; ++i) {
                struct slot * s = &d->slots[i];
                if (s->lk == NULL ||
                    dht_lookup_state(s->lk) != DHT_LK_RUNNING)
                        continue;
                if (dht_lookup_expire(s->lk, now) != DHT_LK_RUNNING)
                        dht_lk_done(d, s, now);
        }
}

struct walk {
        struct dht * d;
        uint64_t     now;
};

static int publish_key(const struct dht_store_key * k,
                       void *                       arg)
{
        struct walk * w = arg;
        struct dht *  d = w->d;
        int           id;

        if (k->due > w->now)
                return 0;
        if (k->live == 0) {
                dht_store_due(d->st, k->key, DHT_EXPIRY_NEVER);
                return 0;
        }
        id = dht_lk_start(d, k->key, P_PUBLISH, 0, w->now);
        if (id < 0)  /* no lookup free: try again in a while */
                dht_store_due(d->st, k->key, w->now + DHT_TICK_MS);
        else if (dht_slot_of(d, id) != NULL)  /* running: not due till done */
                dht_store_due(d->st, k->key, DHT_EXPIRY_NEVER);

        return 0;
}

size_t dht_tick(struct dht * d,
                uint64_t     now)
{
        struct walk w = { d, now };
        uint64_t    sent = d->stats.sent;

        timeouts(d, now);
        dht_store_expire(d->st, now);
        dht_store_foreach(d->st, publish_key, &w);

        if (now >= d->refresh_at) {
                d->refresh_at = now + (uint64_t) d->cfg.t_refresh * 1000;
                dht_lk_start(d, d->self, P_SELF, 0, now);
        }

        return (size_t) (d->stats.sent - sent);
}

uint64_t dht_next(const struct dht * d)
{
        uint64_t t = d->refresh_at;
        size_t   i;

        for (i = 0; i < d->cfg.max_reqs; ++i)
                if (d->reqs[i].used && d->reqs[i].deadline < t)
                        t = d->reqs[i].deadline;
        for (i = 0; i < d->cfg.max_lookups; ++i) {
                const struct slot * s = &d->slots[i];
                if (s->lk != NULL &&
                    dht_lookup_state(s->lk) == DHT_LK_RUNNING &&
                    dht_lookup_deadline(s->lk) < t)
                        t = dht_lookup_deadline(s->lk);
        }
        if (dht_store_next(d->st) < t)
                t = dht_store_next(d->st);

        return t;
}


int dht_register(struct dht *    d,
                 const uint8_t * key,
                 uint64_t        now)
{
        struct walk w = { d, now };
        int         ret;

        ret = dht_store_put(d->st, key, d->addr, DHT_EXPIRY_NEVER, true);
        if (ret < 0)
                return ret;
        dht_store_due(d->st, key, now);
        dht_store_foreach(d->st, publish_key, &w);

        return 0;
}

int dht_unregister(struct dht *    d,
                   const uint8_t * key,
                   uint64_t        now)
{
        int ret;

        ret = dht_store_del(d->st, key, d->addr, true);
        if (ret < 0)
                return ret;
        dht_store_bury(d->st, key, d->addr,
                       now + (uint64_t) d->cfg.t_expire * 1000);
        ret = dht_lk_start(d, key, P_WITHDRAW, d->addr, now);

        return ret < 0 ? ret : 0;
}

static size_t addrs_of(const struct dht_val * v,
                       size_t                 nv,
                       uint64_t *             addrs,
                       size_t                 cap)
{
        size_t i;

        for (i = 0; i < nv && i < cap; ++i)
                addrs[i] = v[i].addr;
        return i;
}

int dht_query(struct dht *    d,
              const uint8_t * key,
              uint64_t        now,
              uint64_t *      addrs,
              size_t          cap,
              size_t *        n)
{
        struct dht_val v[DHT_MSG_VALS_MAX];
        size_t         nv;

        nv = dht_store_get(d->st, key, now, d->cfg.t_expire, false, v,
                           DHT_MSG_VALS_MAX);
        if (nv > 0) {
                *n = addrs_of(v, nv, addrs, cap);
                return 0;
        }

        return dht_lk_start(d, key, P_QUERY, 0, now);
}

int dht_result(struct dht *              d,
               int                       id,
               uint64_t *                addrs,
               size_t                    cap,
               size_t *                  n,
               struct dht_lookup_stats * st)
{
        struct dht_val v[DHT_MSG_VALS_MAX];
        struct slot *  s = dht_slot_of(d, id);
        size_t         nv;

        if (s == NULL || s->p != P_QUERY)
                return -ENOENT;
        if (dht_lookup_state(s->lk) == DHT_LK_RUNNING)
                return -EINPROGRESS;

        nv = dht_lookup_values(s->lk, v, DHT_MSG_VALS_MAX);
        *n = addrs_of(v, nv, addrs, cap);
        if (st != NULL)
                dht_lookup_stats(s->lk, st);
        dht_lookup_destroy(s->lk);
        s->lk = NULL;

        return 0;
}

void dht_stats(const struct dht * d,
               struct dht_stats * st)
{
        *st = d->stats;
        dht_table_stats(d->tbl, &st->table);
        dht_store_stats(d->st, &st->store);
}

struct lister {
        const struct dht * d;
        uint64_t           now;
        int             (* fn)(const struct dht_entry * e,
                               void *                   arg);
        void *             arg;
};

static int list_key(const struct dht_store_key * k,
                    void *                       arg)
{
        struct lister *  l = arg;
        struct dht_val   v[DHT_MSG_VALS_MAX];
        struct dht_entry e;

        e.key  = k->key;
        e.own  = k->own;
        e.vals = v;
        e.nv   = dht_store_get(l->d->st, k->key, l->now,
                               l->d->cfg.t_expire, false, v,
                               DHT_MSG_VALS_MAX);

        return e.nv > 0 ? l->fn(&e, l->arg) : 0;
}

int dht_entries(const struct dht * d,
                uint64_t           now,
                int             (* fn)(const struct dht_entry * e,
                                       void *                   arg),
                void *             arg)
{
        struct lister l = { d, now, fn, arg };

        return dht_store_foreach(d->st, list_key, &l);
}

size_t dht_closest(const struct dht *   d,
                   const uint8_t *      key,
                   struct dht_contact * out,
                   size_t               n)
{
        return dht_table_closest(d->tbl, key, NULL, out, n);
}
