/*
 * Ouroboros - a directory member's outbox (a ring of encoded messages
 * for dht_pop) and the requests it awaits answers to (dht_priv.h).
 */
#include "dht_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* d->msg with the header filled for a message of type about key. */
struct dht_msg * dht_out_msg(struct dht *    d,
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
int dht_out_queue(struct dht * d,
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
int dht_out_requeue(struct dht *       d,
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
int dht_out_request(struct dht *               d,
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
        if (dht_out_queue(d, dst) < 0)
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
