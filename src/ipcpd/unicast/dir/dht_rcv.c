/*
 * Ouroboros - what a directory member does with a message received
 * (dht_rcv): refreshes the sender in its k-buckets (handing a newcomer
 * the values it should hold), answers requests and takes replies to
 * its own.
 */
#include "dht_priv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Take the values of a STORE; returns those it withdrew that this
 * member held, in gone. */
static size_t take_store(struct dht *     d,
                         uint64_t         now,
                         struct dht_val * gone)
{
        struct dht_msg * in = &d->in;
        size_t           ng = 0;
        size_t           i;

        for (i = 0; i < in->nv; ++i) {
                uint64_t ttl = in->vals[i].ttl;
                if (ttl == 0) {
                        if (dht_store_bury(d->st, in->key, in->vals[i].addr,
                                           now + (uint64_t) d->cfg.t_expire
                                           * 1000) == 1)
                                gone[ng++] = in->vals[i];
                        continue;
                }
                /* a copy of a withdrawn value: only its owner's publish
                 * (the full t_expire) brings it back */
                if (ttl < d->cfg.t_expire &&
                    dht_store_buried(d->st, in->key, in->vals[i].addr))
                        continue;
                if (ttl > d->cfg.t_expire)
                        ttl = d->cfg.t_expire;
                dht_store_put(d->st, in->key, in->vals[i].addr,
                              now + ttl * 1000, false);
        }

        /* someone just stored it: no need to replicate soon */
        if (dht_store_own(d->st, in->key) == 0)
                dht_store_due(d->st, in->key, dht_due(d, in->key, now));

        return ng;
}

static void answer(struct dht * d,
                   uint64_t     now)
{
        struct dht_contact c[2 * DHT_MSG_CONTACTS_MAX];
        struct dht_val     gone[DHT_MSG_VALS_MAX];
        struct dht_msg *   in = &d->in;
        struct dht_msg *   m;
        size_t             ng = 0;
        size_t             n;

        m = dht_out_msg(d, in->type | DHT_REPLY, in->reqid, in->key);

        switch (in->type) {
        case DHT_FIND_VALUE:
                m->nv = (uint16_t) dht_store_get(d->st, in->key, now,
                                                 d->cfg.t_expire, false,
                                                 m->vals, DHT_MSG_VALS_MAX);
                if (m->nv > 0)
                        break;
                /* fall through */
        case DHT_FIND_NODE:
                m->nc = (uint16_t) dht_table_closest(d->tbl, in->key, in->id,
                                                     m->contacts, d->cfg.k);
                break;
        case DHT_STORE:
                ng = take_store(d, now, gone);
                break;
        default:
                break;
        }

        dht_out_queue(d, in->src);

        /* a withdrawal follows the copies: a holder passes it on, to
         * the 2k closest (a holder replicates to k others than itself,
         * so copies may sit a little beyond the k closest) */
        if (ng > 0) {
                n = dht_table_closest(d->tbl, in->key, in->id, c,
                                      2 * d->cfg.k);
                dht_send_store(d, in->key, c, n, gone, ng, now);
        }
}

static struct req * match(struct dht *           d,
                          const struct dht_msg * in)
{
        size_t i;

        for (i = 0; i < d->cfg.max_reqs; ++i) {
                struct req * r = &d->reqs[i];
                if (r->used && r->id == in->reqid && r->dst == in->src &&
                    (r->type | DHT_REPLY) == in->type)
                        return r;
        }
        return NULL;
}

static void reply(struct dht * d,
                  uint64_t     now)
{
        struct dht_contact out[DHT_MSG_CONTACTS_MAX];
        struct dht_msg *   in = &d->in;
        struct req *       r;
        struct slot *      s;
        size_t             nout;

        r = match(d, in);
        if (r == NULL) {
                d->stats.unmatched++;
                return;
        }
        r->used = false;
        free(r->copy);
        r->copy = NULL;

        switch (r->kind) {
        case R_JOIN:
                dht_lk_start(d, d->self, P_SELF, 0, now);
                break;
        case R_LOOKUP:
                s = dht_slot_of(d, r->lk);
                if (s == NULL || dht_lookup_state(s->lk) != DHT_LK_RUNNING)
                        break;
                dht_lookup_reply(s->lk, in->id, in->contacts, in->nc,
                                 in->vals, in->nv, out, &nout);
                dht_lk_send(d, s, out, nout, now);
                break;
        default:
                break;
        }
}

struct newcomer {
        struct dht *               d;
        const struct dht_contact * c;
        uint64_t                   now;
};

static int hand_key(const struct dht_store_key * k,
                    void *                       arg)
{
        struct newcomer * w = arg;
        struct dht *      d = w->d;
        struct dht_val    v[DHT_MSG_VALS_MAX];
        size_t            nv;

        /* an owner publishes again when it reached fewer than k */
        if (k->own) {
                if (k->sparse && k->due != DHT_EXPIRY_NEVER)
                        dht_store_due(d->st, k->key, w->now);
                return 0;
        }
        /* closer to the key than this member, and both among the k
         * closest it knows: values move towards their key, never away */
        if (dht_key_cmp(k->key, w->c->id, d->self, d->cfg.klen) > 0)
                return 0;
        if (dht_table_closer(d->tbl, k->key, d->self, d->cfg.k) >= d->cfg.k)
                return 0;

        nv = dht_store_get(d->st, k->key, w->now, d->cfg.t_expire, false,
                           v, DHT_MSG_VALS_MAX);
        dht_send_store(d, k->key, w->c, 1, v, nv, w->now);

        return 0;
}

/* A member new in the k-buckets gets the values it should hold: those
 * of keys it is closer to than this member, when this member is among
 * the k closest to the key it knows (so the newcomer is too). An
 * owner whose last publish reached fewer than k members publishes
 * again (a lookup finds the right ones; its own view of a far key is
 * too thin to hand over on): so a name registered before others joined
 * is found at once. */
static void hand_over(struct dht *               d,
                      const struct dht_contact * c,
                      uint64_t                   now)
{
        struct newcomer w = { d, c, now };

        dht_store_foreach(d->st, hand_key, &w);
}

int dht_rcv(struct dht *    d,
            const uint8_t * buf,
            size_t          n,
            uint64_t        now)
{
        struct dht_contact c;
        struct dht_contact ping;
        int                ret;

        ret = dht_msg_parse(buf, n, d->cfg.klen, &d->in);
        if (ret < 0) {
                d->stats.bad++;
                return ret;
        }
        if (dht_key_eq(d->in.id, d->self, d->cfg.klen)) {
                d->stats.bad++;
                return -EINVAL;
        }
        d->stats.rcv++;

        memcpy(c.id, d->in.id, d->cfg.klen);
        c.addr = d->in.src;
        switch (dht_table_update(d->tbl, &c, now, &ping)) {
        case DHT_TBL_PING:
                dht_out_msg(d, DHT_FIND_NODE, 0, d->self);
                dht_out_request(d, R_PING, ping.addr, ping.id, 0, now);
                break;
        case DHT_TBL_ADDED:
                hand_over(d, &c, now);
                break;
        default:
                break;
        }

        if (d->in.type & DHT_REPLY)
                reply(d, now);
        else
                answer(d, now);

        return 0;
}
