/*
 * Ouroboros - a member of the directory (contract in dht.h): the
 * requests awaiting answers, the lookups running, the outbox, and the
 * answers to what other members ask.
 *
 * Timers, all driven by dht_tick(now):
 *   request deadline  t_req after sending: the contact failed
 *   lookup deadline   t_lookup after starting: DHT_LK_TIMEOUT
 *   publish           own keys when due (at register, then t_refresh)
 *   refresh           every t_refresh: a lookup of the own id
 *   replicate         every t_replicate: STORE of all values held
 *   expiry            values held past their ttl, at every tick
 */
#include "dht.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum req_kind { R_PING, R_LOOKUP, R_STORE, R_JOIN };

struct req {
        bool          used;
        enum req_kind kind;
        uint8_t       type;
        uint32_t      id;
        uint64_t      dst;
        uint8_t       dst_id[DHT_KEY_MAX];
        uint64_t      deadline;
        int           lk;      /* R_LOOKUP: lookup id */
        struct pkt *  copy;    /* R_STORE: to send again */
        unsigned      tries;   /* R_STORE: sends left */
};

enum purpose { P_QUERY, P_PUBLISH, P_WITHDRAW, P_SELF };

struct slot {
        struct dht_lookup * lk;
        int                 id;
        enum purpose        p;
        uint64_t            addr;  /* P_WITHDRAW */
};

struct pkt {
        uint64_t dst;
        size_t   len;
        uint8_t  data[];
};

struct dht {
        struct dht_cfg     cfg;
        uint8_t            self[DHT_KEY_MAX];
        uint64_t           addr;
        struct dht_table * tbl;
        struct dht_store * st;
        struct req *       reqs;
        struct slot *      slots;
        struct pkt **      out;     /* ring of max_out */
        size_t             out_h;
        size_t             out_n;
        uint32_t           next_req;
        int                next_lk;
        uint64_t           refresh_at;
        struct dht_stats   stats;
        struct dht_msg     in;
        struct dht_msg     msg;
        uint8_t            buf[DHT_MSG_LEN_MAX];
};

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

/* d->msg with the header filled for a message of type about key. */
static struct dht_msg * msg_new(struct dht *    d,
                                uint8_t         type,
                                uint32_t        reqid,
                                const uint8_t * key)
{
        struct dht_msg * m = &d->msg;

        m->type  = type;
        m->klen  = (uint8_t) d->cfg.klen;
        m->reqid = reqid;
        m->src   = d->addr;
        m->nc    = 0;
        m->nv    = 0;
        memcpy(m->id, d->self, d->cfg.klen);
        memcpy(m->key, key, d->cfg.klen);

        return m;
}

/* Queue d->msg for dst. Returns 0, -EBUSY (outbox full) or -ENOMEM. */
static int queue(struct dht * d,
                 uint64_t     dst)
{
        struct pkt * p;
        ssize_t      len;

        if (d->out_n == d->cfg.max_out) {
                d->stats.refused++;
                return -EBUSY;
        }
        len = dht_msg_encode(d->buf, sizeof(d->buf), &d->msg);
        if (len < 0)
                return (int) len;
        p = malloc(sizeof(*p) + (size_t) len);
        if (p == NULL)
                return -ENOMEM;
        p->dst = dst;
        p->len = (size_t) len;
        memcpy(p->data, d->buf, (size_t) len);
        d->out[(d->out_h + d->out_n) % d->cfg.max_out] = p;
        d->out_n++;
        d->stats.sent++;

        return 0;
}

/* A copy of the packet queued last, or NULL. */
static struct pkt * last_copy(const struct dht * d)
{
        const struct pkt * p;
        struct pkt *       c;

        p = d->out[(d->out_h + d->out_n - 1) % d->cfg.max_out];
        c = malloc(sizeof(*c) + p->len);
        if (c != NULL)
                memcpy(c, p, sizeof(*c) + p->len);

        return c;
}

/* Queue copy c again (a STORE unanswered). Returns 0 or -EBUSY. */
static int requeue(struct dht *       d,
                   const struct pkt * c)
{
        struct pkt * p;

        if (d->out_n == d->cfg.max_out) {
                d->stats.refused++;
                return -EBUSY;
        }
        p = malloc(sizeof(*p) + c->len);
        if (p == NULL)
                return -ENOMEM;
        memcpy(p, c, sizeof(*p) + c->len);
        d->out[(d->out_h + d->out_n) % d->cfg.max_out] = p;
        d->out_n++;
        d->stats.sent++;
        d->stats.resent++;

        return 0;
}

/* Send d->msg (a request, header from msg_new) to c, awaiting an
 * answer. Returns 0, or -EBUSY (requests or outbox full). */
static int request(struct dht *               d,
                   enum req_kind              kind,
                   uint64_t                   dst,
                   const uint8_t *            dst_id,
                   int                        lk,
                   uint64_t                   now)
{
        struct req * r = NULL;
        size_t       i;

        for (i = 0; i < d->cfg.max_reqs; ++i) {
                if (!d->reqs[i].used) {
                        r = &d->reqs[i];
                        break;
                }
        }
        if (r == NULL) {
                d->stats.refused++;
                return -EBUSY;
        }

        d->msg.reqid = ++d->next_req;
        if (queue(d, dst) < 0)
                return -EBUSY;

        r->used     = true;
        r->kind     = kind;
        r->type     = d->msg.type;
        r->id       = d->msg.reqid;
        r->dst      = dst;
        r->deadline = now + d->cfg.t_req;
        r->lk       = lk;
        r->copy     = kind == R_STORE ? last_copy(d) : NULL;
        r->tries    = DHT_STORE_TRIES - 1;
        if (dst_id != NULL)
                memcpy(r->dst_id, dst_id, d->cfg.klen);
        else
                memset(r->dst_id, 0, sizeof(r->dst_id));

        return 0;
}

static struct slot * slot_of(struct dht * d,
                             int          id)
{
        size_t i;

        for (i = 0; i < d->cfg.max_lookups; ++i)
                if (d->slots[i].lk != NULL && d->slots[i].id == id)
                        return &d->slots[i];
        return NULL;
}

static void lk_done(struct dht *  d,
                    struct slot * s,
                    uint64_t      now);

/* Send the lookup's requests in out[0..n); a request that cannot go
 * counts as unanswered at once. What is still to send never exceeds
 * alpha (the lookup's requests in flight), so todo has room. */
static void lk_send(struct dht *               d,
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
                msg_new(d, type, 0, key);
                if (request(d, R_LOOKUP, c.addr, c.id, s->id, now) == 0)
                        continue;
                dht_lookup_timeout(s->lk, c.id, todo + n, &nm);
                n += nm;
        }

        if (dht_lookup_state(s->lk) != DHT_LK_RUNNING)
                lk_done(d, s, now);
}

/* Start a lookup; returns its id or -EBUSY/-ENOMEM. */
static int lk_start(struct dht *    d,
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
        lk_send(d, s, out, nout, now);

        return ret;
}

/* STORE vals[0..nv) of key to the contacts c[0..n). */
static void store_to(struct dht *               d,
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
                struct dht_msg * m = msg_new(d, DHT_STORE, 0, key);
                memcpy(m->vals, vals, nv * sizeof(*vals));
                m->nv = (uint16_t) nv;
                request(d, R_STORE, c[i].addr, c[i].id, 0, now);
        }
}

/* When key is next published: own values every t_refresh, values
 * held for others every t_replicate, plus up to a tenth of it that
 * depends on the key and the member, so the holders of one key do not
 * all replicate it at once. */
static uint64_t next_due(const struct dht * d,
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

static void lk_done(struct dht *  d,
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
                dht_store_due(d->st, key, next_due(d, key, now));
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
        store_to(d, key, c, n, v, nv, now);

        dht_lookup_destroy(s->lk);
        s->lk = NULL;
}

int dht_join(struct dht * d,
             uint64_t     addr,
             uint64_t     now)
{
        msg_new(d, DHT_FIND_NODE, 0, d->self);

        return request(d, R_JOIN, addr, NULL, 0, now);
}

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
                dht_store_due(d->st, in->key, next_due(d, in->key, now));

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

        m = msg_new(d, in->type | DHT_REPLY, in->reqid, in->key);

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

        queue(d, in->src);

        /* a withdrawal follows the copies: a holder passes it on, to
         * the 2k closest (a holder replicates to k others than itself,
         * so copies may sit a little beyond the k closest) */
        if (ng > 0) {
                n = dht_table_closest(d->tbl, in->key, in->id, c,
                                      2 * d->cfg.k);
                store_to(d, in->key, c, n, gone, ng, now);
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
                lk_start(d, d->self, P_SELF, 0, now);
                break;
        case R_LOOKUP:
                s = slot_of(d, r->lk);
                if (s == NULL || dht_lookup_state(s->lk) != DHT_LK_RUNNING)
                        break;
                dht_lookup_reply(s->lk, in->id, in->contacts, in->nc,
                                 in->vals, in->nv, out, &nout);
                lk_send(d, s, out, nout, now);
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
        store_to(d, k->key, w->c, 1, v, nv, w->now);

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
                msg_new(d, DHT_FIND_NODE, 0, d->self);
                request(d, R_PING, ping.addr, ping.id, 0, now);
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
                    requeue(d, r->copy) == 0) {
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
                s = slot_of(d, r->lk);
                if (s == NULL || dht_lookup_state(s->lk) != DHT_LK_RUNNING)
                        continue;
                dht_lookup_timeout(s->lk, r->dst_id, out, &nout);
                lk_send(d, s, out, nout, now);
        }

        for (i = 0; i < d->cfg.max_lookups; ++i) {
                struct slot * s = &d->slots[i];
                if (s->lk == NULL ||
                    dht_lookup_state(s->lk) != DHT_LK_RUNNING)
                        continue;
                if (dht_lookup_expire(s->lk, now) != DHT_LK_RUNNING)
                        lk_done(d, s, now);
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
        id = lk_start(d, k->key, P_PUBLISH, 0, w->now);
        if (id < 0)  /* no lookup free: try again in a while */
                dht_store_due(d->st, k->key, w->now + DHT_TICK_MS);
        else if (slot_of(d, id) != NULL)  /* running: not due till done */
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
                lk_start(d, d->self, P_SELF, 0, now);
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

ssize_t dht_pop(struct dht * d,
                uint64_t *   dst,
                uint8_t *    buf,
                size_t       cap)
{
        struct pkt * p;
        size_t       len;

        if (d->out_n == 0)
                return 0;
        p = d->out[d->out_h];
        if (cap < p->len)
                return -ENOBUFS;

        len  = p->len;
        *dst = p->dst;
        memcpy(buf, p->data, len);
        free(p);
        d->out_h = (d->out_h + 1) % d->cfg.max_out;
        d->out_n--;

        return (ssize_t) len;
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
        ret = lk_start(d, key, P_WITHDRAW, d->addr, now);

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

        return lk_start(d, key, P_QUERY, 0, now);
}

int dht_result(struct dht *              d,
               int                       id,
               uint64_t *                addrs,
               size_t                    cap,
               size_t *                  n,
               struct dht_lookup_stats * st)
{
        struct dht_val v[DHT_MSG_VALS_MAX];
        struct slot *  s = slot_of(d, id);
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
