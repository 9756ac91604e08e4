/*
 * Ouroboros - the shim's directory: the hashes registered here, the
 * name queries in progress and the cache of their answers.
 *
 * A query (the IRMd's, or a flow allocation's to a hash not cached)
 * gets a random id and the transport's candidate addresses (none:
 * broadcast), and NAME_QUERY goes to them at once and every
 * SHIM_QUERY_RETX_MS. The first positive NAME_REPLY from a candidate
 * (any sender when broadcast) caches the sender for SHIM_DIR_TTL_MS and
 * answers every waiter; -ENAME after SHIM_QUERY_TIMEO_MS, or as soon as
 * every unicast candidate refused. Queries for the same hash share one.
 */
#include "shim_priv.h"

#include "common/log.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static struct squery * query_find_id(struct shim * sh,
                                     uint32_t      id)
{
        struct squery * q;

        for (q = sh->queries; q != NULL; q = q->next)
                if (q->id == id)
                        return q;

        return NULL;
}

static struct squery * query_find_hash(struct shim *   sh,
                                       const uint8_t * hash)
{
        struct squery * q;

        for (q = sh->queries; q != NULL; q = q->next)
                if (memcmp(q->hash, hash, sh->hlen) == 0)
                        return q;

        return NULL;
}

bool shim_dir_registered(struct shim *   sh,
                         const uint8_t * hash)
{
        struct sreg * r;

        for (r = sh->regs; r != NULL; r = r->next)
                if (memcmp(r->hash, hash, sh->hlen) == 0)
                        return true;

        return false;
}

int shim_dir_reg(struct shim *    sh,
                 struct ipcp_hash h)
{
        struct sreg * r;
        int           err;

        if (h.len != sh->hlen)
                return -EINVAL;

        if (shim_dir_registered(sh, h.p))
                return 0;

        r = calloc(1, sizeof(*r));
        if (r == NULL)
                return -ENOMEM;

        err = sh->t.reg != NULL ? sh->t.reg(sh->ctx, h) : 0;
        if (err < 0 && err != SHIM_LATER) {
                free(r);
                return err;
        }

        memcpy(r->hash, h.p, h.len);
        r->next  = sh->regs;
        sh->regs = r;

        return err == SHIM_LATER ? IPCP_LATER : 0;
}

/* Forget hash without telling the transport. */
static void dir_forget_reg(struct shim *   sh,
                           const uint8_t * hash)
{
        struct sreg ** rp;
        struct sreg *  r;

        for (rp = &sh->regs; *rp != NULL; rp = &(*rp)->next) {
                if (memcmp((*rp)->hash, hash, sh->hlen) == 0) {
                        r   = *rp;
                        *rp = r->next;
                        free(r);
                        return;
                }
        }
}

void shim_reg_done(struct shim *    sh,
                   struct ipcp_hash h,
                   ipcp_tok_t       tok,
                   int              err)
{
        if (err < 0 && h.len == sh->hlen)
                dir_forget_reg(sh, h.p);

        if (ipcp_answer(tok, err) < 0)
                log_dbg("Registration answered after the IRMd stopped "
                        "waiting.");
}

int shim_dir_unreg(struct shim *    sh,
                   struct ipcp_hash h)
{
        if (h.len != sh->hlen)
                return -EINVAL;

        if (!shim_dir_registered(sh, h.p))
                return 0; /* not registered: nothing to do */

        dir_forget_reg(sh, h.p);
        if (sh->t.unreg != NULL)
                sh->t.unreg(sh->ctx, h);

        return 0;
}

const struct shim_addr * shim_dir_cached(struct shim *   sh,
                                         const uint8_t * hash)
{
        struct sdir ** dp = &sh->dir;
        struct sdir *  d;
        int64_t        now = ipcp_now_ms();

        while (*dp != NULL) {
                d = *dp;
                if (d->expires <= now) {
                        *dp = d->next;
                        free(d);
                        continue;
                }
                if (memcmp(d->hash, hash, sh->hlen) == 0)
                        return &d->addr;
                dp = &d->next;
        }

        return NULL;
}

void shim_dir_forget(struct shim *   sh,
                     const uint8_t * hash)
{
        struct sdir ** dp;
        struct sdir *  d;

        for (dp = &sh->dir; *dp != NULL; dp = &(*dp)->next) {
                if (memcmp((*dp)->hash, hash, sh->hlen) == 0) {
                        d   = *dp;
                        *dp = d->next;
                        free(d);
                        return;
                }
        }
}

void shim_dir_flush(struct shim * sh)
{
        struct sdir * d;

        while (sh->dir != NULL) {
                d       = sh->dir;
                sh->dir = d->next;
                free(d);
        }
}

static void dir_put(struct shim *            sh,
                    const uint8_t *          hash,
                    const struct shim_addr * a)
{
        struct sdir * d;

        shim_dir_forget(sh, hash);

        d = calloc(1, sizeof(*d));
        if (d == NULL)
                return; /* no cache: the next allocation queries again */

        memcpy(d->hash, hash, sh->hlen);
        d->addr    = *a;
        d->expires = ipcp_now_ms() + SHIM_DIR_TTL_MS;
        d->next    = sh->dir;
        sh->dir    = d;
}

static void query_send(struct shim *   sh,
                       struct squery * q)
{
        struct mgmt_msg m;
        size_t          i;

        memset(&m, 0, sizeof(m));
        m.type     = MGMT_NAME_QUERY;
        m.id       = q->id;
        m.name     = q->hash;
        m.name_len = sh->hlen;

        if (q->bcast) {
                ++sh->ctr[SHIM_C_QUERIES_OUT];
                shim_send_mgmt(sh, NULL, &m);
                return;
        }

        for (i = 0; i < q->n_cands; ++i) {
                ++sh->ctr[SHIM_C_QUERIES_OUT];
                shim_send_mgmt(sh, &q->cands[i], &m);
        }
}

/* Answer every waiter of q (addr NULL: failed with err) and free q. */
static void query_done(struct shim *            sh,
                       struct squery *          q,
                       const struct shim_addr * addr,
                       int                      err)
{
        struct squery ** qp;
        struct sflow *   f;
        size_t           i;

        for (qp = &sh->queries; *qp != NULL; qp = &(*qp)->next) {
                if (*qp == q) {
                        *qp = q->next;
                        break;
                }
        }

        if (q->timer != NULL)
                ipcp_timer_cancel(q->timer);

        for (i = 0; i < q->n_toks; ++i)
                ipcp_answer(q->toks[i], addr != NULL ? 0 : err);

        while (q->flows != NULL) {
                f        = q->flows;
                q->flows = f->q_next;
                f->q_next = NULL;
                f->query  = NULL;
                shim_flow_resolved(sh, f, addr, err);
        }

        free(q->toks);
        free(q);
}

static void query_tick(void * arg)
{
        struct squery * q   = arg;
        struct shim *   sh  = q->sh;
        int64_t         now = ipcp_now_ms();

        q->timer = NULL;

        if (now >= q->deadline) {
                query_done(sh, q, NULL, -ENAME);
                return;
        }

        if (!q->resolving)
                query_send(sh, q);

        q->timer = ipcp_timer_add(SHIM_QUERY_RETX_MS, query_tick, q);
        if (q->timer == NULL)
                query_done(sh, q, NULL, -ENOMEM);
}

/* Ask the transport for the candidates and send the first NAME_QUERY;
 * 0, or an error (q is then freed). */
static int query_start(struct shim *   sh,
                       struct squery * q)
{
        struct ipcp_hash h = { q->hash, sh->hlen };
        int              n = 0;

        if (sh->t.resolve != NULL)
                n = sh->t.resolve(sh->ctx, h, q->id, q->cands,
                                  SHIM_QUERY_CANDS);
        if (n == SHIM_LATER) {
                q->resolving = true;
        } else if (n < 0) {
                return n;
        } else {
                q->n_cands = (size_t) n;
                q->bcast   = n == 0;
                query_send(sh, q);
        }

        q->timer = ipcp_timer_add(SHIM_QUERY_RETX_MS, query_tick, q);
        if (q->timer == NULL)
                return -ENOMEM;

        return 0;
}

/* Wait for hash: tok (the IRMd's query) or f (an allocation). 0 or an
 * error; an error for f has not called shim_flow_resolved. */
int shim_dir_query(struct shim *   sh,
                   const uint8_t * hash,
                   ipcp_tok_t *    tok,
                   struct sflow *  f)
{
        struct squery * q     = query_find_hash(sh, hash);
        bool            fresh = q == NULL;
        ipcp_tok_t *    toks;
        int             err;

        if (fresh) {
                q = calloc(1, sizeof(*q));
                if (q == NULL)
                        return -ENOMEM;
                q->sh = sh;
                memcpy(q->hash, hash, sh->hlen);
                if (getrandom(&q->id, sizeof(q->id), 0) < 0)
                        q->id = (uint32_t) ipcp_now_ms();
                while (q->id == 0 || query_find_id(sh, q->id) != NULL)
                        ++q->id; /* few queries: ends at once */
                q->deadline = ipcp_now_ms() + SHIM_QUERY_TIMEO_MS;
        }

        if (tok != NULL) {
                toks = realloc(q->toks, (q->n_toks + 1) * sizeof(*toks));
                if (toks == NULL) {
                        if (fresh)
                                free(q);
                        return -ENOMEM;
                }
                q->toks = toks;
                q->toks[q->n_toks++] = *tok;
        }

        if (f != NULL) {
                f->query  = q;
                f->q_next = q->flows;
                q->flows  = f;
        }

        if (!fresh)
                return 0;

        q->next     = sh->queries;
        sh->queries = q;

        err = query_start(sh, q);
        if (err < 0) {
                /* Nobody but this caller waits on a fresh query. */
                if (f != NULL) {
                        q->flows = NULL;
                        f->query = NULL;
                }
                q->n_toks = 0;
                query_done(sh, q, NULL, err);
                return err;
        }

        return 0;
}

void shim_dir_unwait(struct shim *  sh,
                     struct sflow * f)
{
        struct squery * q = f->query;
        struct sflow ** fp;

        (void) sh;

        if (q == NULL)
                return;

        for (fp = &q->flows; *fp != NULL; fp = &(*fp)->q_next) {
                if (*fp == f) {
                        *fp = f->q_next;
                        break;
                }
        }

        f->query  = NULL;
        f->q_next = NULL;
}

void shim_resolved(struct shim *            sh,
                   uint32_t                 id,
                   const struct shim_addr * addrs,
                   size_t                   n,
                   int                      err)
{
        struct squery * q = query_find_id(sh, id);

        if (q == NULL || !q->resolving)
                return; /* timed out meanwhile */

        q->resolving = false;
        if (n == 0 && err < 0) {
                query_done(sh, q, NULL, err);
                return;
        }

        if (n > SHIM_QUERY_CANDS)
                n = SHIM_QUERY_CANDS;
        memcpy(q->cands, addrs, n * sizeof(*addrs));
        q->n_cands = n;
        q->bcast   = n == 0;
        query_send(sh, q);
}

static bool is_cand(const struct squery *    q,
                    const struct shim_addr * a)
{
        size_t i;

        for (i = 0; i < q->n_cands; ++i)
                if (shim_addr_eq(&q->cands[i], a))
                        return true;

        return false;
}

static void rcv_query(struct shim *            sh,
                      const struct shim_addr * from,
                      bool                     bcast,
                      const struct mgmt_msg *  m)
{
        struct mgmt_msg r;
        bool            known;

        ++sh->ctr[SHIM_C_QUERIES_IN];

        known = m->name_len == sh->hlen && shim_dir_registered(sh, m->name);
        if (!known && bcast)
                return;

        memset(&r, 0, sizeof(r));
        r.type     = MGMT_NAME_REPLY;
        r.id       = m->id;
        r.result   = known ? 0 : (int16_t) -ENAME;
        r.name     = m->name;
        r.name_len = m->name_len;

        shim_send_mgmt(sh, from, &r);
}

static void rcv_reply(struct shim *            sh,
                      const struct shim_addr * from,
                      const struct mgmt_msg *  m)
{
        struct squery * q = query_find_id(sh, m->id);

        if (q == NULL || m->name_len != sh->hlen ||
            memcmp(m->name, q->hash, sh->hlen) != 0 ||
            (!q->bcast && !is_cand(q, from))) {
                ++sh->ctr[SHIM_C_DROP_MGMT]; /* late, or not asked */
                return;
        }

        if (m->result < 0) {
                if (!q->bcast && ++q->n_refused >= q->n_cands)
                        query_done(sh, q, NULL, -ENAME);
                return;
        }

        dir_put(sh, q->hash, from);
        query_done(sh, q, from, 0);
}

void shim_dir_rcv(struct shim *            sh,
                  const struct shim_addr * from,
                  bool                     bcast,
                  const struct mgmt_msg *  m)
{
        if (m->type == MGMT_NAME_QUERY)
                rcv_query(sh, from, bcast, m);
        else
                rcv_reply(sh, from, m);
}

void shim_dir_fini(struct shim * sh)
{
        struct sreg * r;

        while (sh->queries != NULL)
                query_done(sh, sh->queries, NULL, -EIPCPSTATE);

        while (sh->regs != NULL) {
                r        = sh->regs;
                sh->regs = r->next;
                free(r);
        }

        shim_dir_flush(sh);
}
