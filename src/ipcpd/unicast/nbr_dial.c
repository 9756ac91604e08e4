/*
 * Ouroboros - ipcpd-unicast: adjacencies, dialling (nbr_priv.h). A
 * connect this member was asked for is a "want" (dst, component, QoS);
 * `irm ipcp connect` waits on it (an nreq) until its adjacency is up or
 * failed. The dialer keeps the want and dials again, after
 * NBR_REDIAL_MS doubling up to NBR_REDIAL_MAX_MS, an adjacency that was
 * up and was lost to a failure (silence, flow down, read error), until
 * `irm ipcp disconnect`; one the peer deallocated is not dialled again.
 * A connect to a name an adjacency of that component already has (the
 * name dialled, or the peer IPCP's name) answers 0 at once, or -EEXIST
 * when it asks for another QoS than the one this member dialled with
 * (disconnect first); one the peer dialled takes the peer's QoS.
 */
#include "nbr_priv.h"

#include "common/log.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void nreq_done(struct nreq * r,
                      int           err)
{
        if (err < 0 && r->err == 0)
                r->err = err;
        if (--r->left > 0)
                return;

        r->cb(r->arg, r->err);
        free(r);
}

void nbr_want_notify(struct want * w,
                     int           err)
{
        size_t n = w->n_wt;
        size_t i;

        w->n_wt = 0;
        for (i = 0; i < n; ++i)
                nreq_done(w->wt[i], err);
}

void nbr_want_free(struct want * w)
{
        struct want ** pp;

        for (pp = &nbr.wants; *pp != NULL; pp = &(*pp)->next) {
                if (*pp == w) {
                        *pp = w->next;
                        break;
                }
        }

        if (w->redial != NULL)
                ipcp_timer_cancel(w->redial);
        w->redial = NULL;
        nbr_want_notify(w, -ECANCELED);
        if (w->adj != NULL)
                w->adj->w = NULL;

        if (w->dialing)
                w->gone = true; /* conn_cb frees it */
        else
                free(w);
}

static int  dial(struct want * w);

static void redial_cb(void * arg)
{
        struct want * w = arg;
        int           err;

        w->redial = NULL;
        ++nbr.c[C_REDIALS];

        err = dial(w);
        if (err < 0) {
                w->redial = ipcp_timer_add(w->backoff, redial_cb, w);
                if (w->backoff < NBR_REDIAL_MAX_MS)
                        w->backoff *= 2;
        }
}

/* The want's adjacency failed or could not be made: tell who waits;
 * dial again later if it was up once (retry), else forget it. */
void nbr_want_failed(struct want * w,
                     int           err,
                     bool          retry)
{
        w->adj = NULL;
        nbr_want_notify(w, err);

        if (!retry || !w->was_up || !nbr.on) {
                nbr_want_free(w);
                return;
        }

        if (w->redial == NULL)
                w->redial = ipcp_timer_add(w->backoff, redial_cb, w);
        if (w->backoff < NBR_REDIAL_MAX_MS)
                w->backoff *= 2;
}

static void conn_cb(void *                    arg,
                    int                       fd,
                    int                       result,
                    const struct lower_info * ans)
{
        struct want * w = arg;
        struct adj *  a;
        int           err = result;

        w->dialing = false;

        if (w->gone) {
                if (fd >= 0)
                        flow_dealloc(fd);
                free(w);
                return;
        }

        if (fd >= 0 && !nbr.on)
                err = -EIPCPSTATE;
        else if (fd >= 0 && w->comp == NBR_DT)
                err = nbr_check_max(fd, w->dst);
        else if (fd >= 0)
                err = 0;

        if (err < 0) {
                if (fd >= 0)
                        flow_dealloc(fd);
                ++nbr.c[C_CONNECT_FAILED];
                if (w->was_up) /* a redial: at most once a second */
                        WARN_RL(C_CONNECT_FAILED, "Dialling %s to %s again "
                                "failed: %d.", nbr_comp_name[w->comp], w->dst,
                                err);
                else
                        log_warn("Connecting %s to %s failed: %d.",
                                 nbr_comp_name[w->comp], w->dst, err);
                nbr_want_failed(w, err, true);
                return;
        }

        a = nbr_adj_new(w->comp, fd, w, ans->name);
        if (a == NULL) {
                flow_dealloc(fd);
                nbr_want_failed(w, -ENOMEM, true);
                return;
        }
        w->adj = a;

        err = nbr_send_hello(a, 0);
        if (err < 0)
                nbr_adj_close(a, C_CONNECT_FAILED, err, true, "hello not sent");
}

static int dial(struct want * w)
{
        struct lower_info req;
        int               err;

        memset(&req, 0, sizeof(req));
        req.proto = NBR_VERSION;
        snprintf(req.comp, sizeof(req.comp), "%s", nbr_comp_name[w->comp]);
        snprintf(req.layer, sizeof(req.layer), "%s", uni_conf.lc.layer);

        err = ipcp_lower_connect(w->dst, &w->qs, NBR_CONNECT_MS, &req,
                                 conn_cb, w);
        if (err == 0)
                w->dialing = true;

        return err;
}

static bool adj_named(const struct adj * a,
                      const char *       dst)
{
        return strcmp(a->peer, dst) == 0 ||
                (a->w != NULL && strcmp(a->w->dst, dst) == 0);
}

static bool qos_same(const qosspec_t * a,
                     const qosspec_t * b)
{
        return a->delay == b->delay && a->bandwidth == b->bandwidth &&
                a->availability == b->availability && a->loss == b->loss &&
                a->ber == b->ber && a->in_order == b->in_order &&
                a->max_gap == b->max_gap && a->cypher_s == b->cypher_s &&
                a->timeout == b->timeout;
}

/* One component: 0 (adjacent already), 1 (r waits) or an error. */
static int connect_comp(const char *      dst,
                        enum nbr_comp     comp,
                        const qosspec_t * qs,
                        struct nreq *     r)
{
        struct adj *  a;
        struct want * w;
        int           err;

        for (a = nbr.adjs; a != NULL; a = a->next)
                if (a->st == ADJ_UP && a->comp == comp && adj_named(a, dst))
                        return qs != NULL && a->w != NULL &&
                                !qos_same(&a->w->qs, qs) ? -EEXIST : 0;

        for (w = nbr.wants; w != NULL; w = w->next)
                if (w->comp == comp && strcmp(w->dst, dst) == 0)
                        break;

        if (w != NULL && qs != NULL && !qos_same(&w->qs, qs))
                return -EEXIST;

        if (w == NULL) {
                w = calloc(1, sizeof(*w));
                if (w == NULL)
                        return -ENOMEM;
                w->comp    = comp;
                w->qs      = qs != NULL ? *qs : qos_raw;
                w->backoff = NBR_REDIAL_MS;
                snprintf(w->dst, sizeof(w->dst), "%s", dst);
                err = dial(w);
                if (err < 0) {
                        free(w);
                        return err;
                }
                w->next  = nbr.wants;
                nbr.wants = w;
        } else if (w->n_wt == NBR_WAITERS) {
                return -EBUSY;
        } else if (!w->dialing && w->adj == NULL) {
                if (w->redial != NULL)
                        ipcp_timer_cancel(w->redial);
                w->redial = NULL;
                err = dial(w);
                if (err < 0)
                        return err;
        }

        w->wt[w->n_wt++] = r;

        return 1;
}

static int comps_of(const char *    comp,
                    enum nbr_comp * c)
{
        if (comp == NULL || comp[0] == '\0') {
                c[0] = NBR_DT;
                c[1] = NBR_MGMT;
                return 2;
        }
        if (strcmp(comp, "dt") == 0) {
                c[0] = NBR_DT;
                return 1;
        }
        if (strcmp(comp, "mgmt") == 0) {
                c[0] = NBR_MGMT;
                return 1;
        }

        return -EINVAL;
}

/* Start the connects: 0 (adjacent already: no cb), 1 (cb will run) or
 * an error (no cb). */
int nbr_connect_cb(const char *      dst,
                   const char *      comp,
                   const qosspec_t * qs,
                   nbr_done_cb       cb,
                   void *            arg)
{
        enum nbr_comp c[2];
        struct nreq * r;
        int           n;
        int           i;
        int           x;

        if (!nbr.on)
                return -EIPCPSTATE;

        n = comps_of(comp, c);
        if (n < 0 || dst == NULL || dst[0] == '\0')
                return -EINVAL;

        r = calloc(1, sizeof(*r));
        if (r == NULL)
                return -ENOMEM;

        r->cb   = cb;
        r->arg  = arg;
        r->left = 0;
        for (i = 0; i < n; ++i) {
                x = connect_comp(dst, c[i], qs, r);
                if (x > 0)
                        ++r->left;
                else if (x < 0 && r->err == 0)
                        r->err = x;
        }

        if (r->left > 0)
                return 1;

        x = r->err;
        free(r);

        return x;
}

static void answer_cb(void * arg,
                      int    err)
{
        ipcp_tok_t tok = (ipcp_tok_t) (uintptr_t) arg;

        if (ipcp_answer(tok, err) < 0)
                log_warn("Could not answer a connect request.");
}

int nbr_connect(const char *      dst,
                const char *      comp,
                const qosspec_t * qs)
{
        ipcp_tok_t tok = ipcp_req_tok();
        int        r;

        r = nbr_connect_cb(dst, comp, qs, answer_cb,
                           (void *) (uintptr_t) tok);

        return r == 1 ? IPCP_LATER : r;
}

int nbr_disconnect(const char * dst,
                   const char * comp)
{
        enum nbr_comp c[2];
        struct want * w;
        struct want * wn;
        struct adj *  a;
        struct adj *  an;
        int           n;
        int           i;
        int           k = 0;

        n = comps_of(comp, c);
        if (n < 0 || dst == NULL)
                return -EINVAL;

        for (i = 0; i < n; ++i) {
                for (w = nbr.wants; w != NULL; w = wn) {
                        wn = w->next;
                        if (w->comp != c[i] || strcmp(w->dst, dst) != 0)
                                continue;
                        ++k;
                        if (w->adj != NULL) /* frees w too */
                                nbr_adj_close(w->adj, C_MAX, -ECANCELED, false,
                                              "disconnected");
                        else
                                nbr_want_free(w);
                }
                for (a = nbr.adjs; a != NULL; a = an) {
                        an = a->next;
                        if (a->comp != c[i] || !adj_named(a, dst))
                                continue;
                        ++k;
                        nbr_adj_close(a, C_MAX, -ECANCELED, false,
                                      "disconnected");
                }
        }

        return k > 0 ? 0 : -ENOENT;
}
