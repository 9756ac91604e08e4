/*
 * Ouroboros IRMd - reclaiming flows: processes that exit, connections
 * that close, IPCPs that die, deadlines that pass, and shutdown. Every
 * side still in use is marked dead or down in its flow memory so the
 * peer learns of it at once (flow_shm.h).
 */
#include "irmd.h"
#include "flow_priv.h"
#include "reg_flow.h"
#include "reg_ipcp.h"
#include "reg_proc.h"

#include "common/log.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdlib.h>

typedef bool (* flow_pred_t)(struct reg_flow *, const void *);

/* First flow matching pred, for restartable walks: among all halves, or
 * (pending) only those on the pending list. */
static struct reg_flow * find_in(bool         pending,
                                 flow_pred_t  pred,
                                 const void * arg)
{
        struct list_head * h = pending ? reg_flow_pending() : reg_flow_all();
        struct list_head * p;

        list_for_each(p, h) {
                struct reg_flow * f = pending ?
                        list_entry(p, struct reg_flow, pnext) :
                        list_entry(p, struct reg_flow, next);
                if (pred(f, arg))
                        return f;
        }

        return NULL;
}

#define find_flow(pred, arg)    find_in(false, pred, arg)
#define find_pending(pred, arg) find_in(true, pred, arg)

static bool held_by(struct reg_flow * f,
                    const void *      arg)
{
        return f->pid == *(const pid_t *) arg;
}

size_t flow_proc_gone(pid_t pid)
{
        struct list_head * p;
        struct list_head * t;
        struct reg_flow *  f;
        size_t             cnt = 0;

        list_for_each_safe(p, t, &flow_acceptors) {
                struct acceptor * a = list_entry(p, struct acceptor, next);
                if (a->pid == pid)
                        flow_acceptor_free(a);
        }
        flow_mem_proc_gone(pid);

        while ((f = find_flow(held_by, &pid)) != NULL) {
                ++cnt;
                if (f->state == FLOW_ALLOC_PENDING) {
                        flow_fail_x(f, -ECONNRESET);
                        continue;
                }
                if (f->mem != NULL)
                        flow_shm_mark_dead(f->mem->fd, f->side,
                                           reg_evfd_fd(f->peer_ev));
                log_info("Flow %u (%s) of pid %d reclaimed.", f->id,
                         f->name, pid);
                flow_release(f);
        }

        return cnt;
}

void flow_lost(struct reg_flow * y)
{
        log_info("Flow %u (%s) was lost by pid %d, reclaimed.", y->id,
                 y->name, y->pid);
        flow_shm_mark_dead(y->mem->fd, y->side, reg_evfd_fd(y->peer_ev));
        flow_release(y);
}

void flow_check_handed(struct conn *     c,
                       struct reg_flow * y)
{
        if (c->dead)
                flow_lost(y);
}

static bool acks_on(struct reg_flow * f,
                    const void *      arg)
{
        return f->ack.conn == arg;
}

static bool waits_on(struct reg_flow * f,
                     const void *      arg)
{
        return f->state == FLOW_ALLOC_PENDING && f->req.conn == arg;
}

void flow_conn_closed(struct conn * c)
{
        struct list_head * p;
        struct list_head * t;
        struct reg_flow *  x;

        list_for_each_safe(p, t, &flow_acceptors) {
                struct acceptor * a = list_entry(p, struct acceptor, next);
                if (a->req.conn == c)
                        flow_acceptor_free(a);
        }

        while ((x = find_pending(waits_on, c)) != NULL) {
                req_drop(&x->req);
                flow_fail_x(x, -ECONNRESET);
        }

        /* answered, but closed before the ack: the answer was lost */
        while ((x = find_pending(acks_on, c)) != NULL)
                flow_lost(x);
}

struct reg_evfd * flow_evref(pid_t pid)
{
        struct reg_proc * p = reg_proc_get(pid);

        return p != NULL ? reg_evfd_get(p->ev) : NULL;
}

/* Eventfd of the process holding side s of f's memory, -1 if unknown. */
static int side_evfd(const struct reg_flow * f,
                     int                     s)
{
        if (f->side != s)
                return reg_evfd_fd(f->peer_ev);
        if (f->pid != 0 && flow_proc_evfd(f->pid) >= 0)
                return flow_proc_evfd(f->pid);

        return f->peer != NULL ? reg_evfd_fd(f->peer->peer_ev) : -1;
}

static void mark_down(struct reg_flow * f)
{
        /* once per memory: by side 0, or by a lone side 1 */
        if (f->mem == NULL || (f->side == 1 && f->peer != NULL &&
                               f->peer->state == FLOW_ALLOCATED))
                return;

        flow_shm_mark_down(f->mem->fd, side_evfd(f, 0), side_evfd(f, 1));
}

static bool pending_at(struct reg_flow * f,
                       const void *      arg)
{
        return f->ipcp == arg && f->state != FLOW_ALLOCATED;
}

void flow_ipcp_gone(struct reg_ipcp * e)
{
        struct list_head * p;
        struct reg_flow *  f;

        while ((f = find_pending(pending_at, e)) != NULL) {
                if (f->state == FLOW_ALLOC_PENDING) {
                        flow_fail_x(f, -EIPCP);
                } else if (f->peer != NULL) {
                        flow_fail_x(f->peer, -EIPCP);
                } else {
                        f->ipcp = NULL;
                        flow_release(f);
                }
        }

        list_for_each(p, reg_flow_all()) {
                f = list_entry(p, struct reg_flow, next);
                if (f->ipcp != e)
                        continue;
                mark_down(f);
                f->ipcp = NULL;
        }
}

int64_t flow_next_deadline(void)
{
        struct list_head * p;
        int64_t            dl = flow_query_next_deadline();

        list_for_each(p, &flow_acceptors) {
                struct acceptor * a = list_entry(p, struct acceptor, next);
                if (a->deadline != 0 && (dl == 0 || a->deadline < dl))
                        dl = a->deadline;
        }

        list_for_each(p, reg_flow_pending()) {
                struct reg_flow * f = list_entry(p, struct reg_flow, pnext);
                if (f->deadline != 0 && (dl == 0 || f->deadline < dl))
                        dl = f->deadline;
        }

        return dl;
}

static bool expired(struct reg_flow * f,
                    const void *      arg)
{
        return f->deadline != 0 && f->deadline <= *(const int64_t *) arg;
}

void flow_expire(int64_t now)
{
        struct list_head * p;
        struct reg_flow *  f;

        flow_query_expire(now);

        /* answering may close a connection, which frees its other
         * acceptors: restart the walk after each one */
        for (p = flow_acceptors.nxt; p != &flow_acceptors; p = p->nxt) {
                struct acceptor * a = list_entry(p, struct acceptor, next);
                if (a->deadline == 0 || a->deadline > now)
                        continue;
                list_del(&a->next);
                req_fail(&a->req, -ETIMEDOUT);
                free(a);
                p = &flow_acceptors;
        }

        while ((f = find_pending(expired, &now)) != NULL) {
                f->deadline = 0;
                if (f->state == FLOW_ALLOCATED)
                        continue;
                if (f->state == FLOW_ALLOC_PENDING)
                        flow_fail_x(f, -ETIMEDOUT);
                else if (f->peer != NULL)
                        flow_fail_x(f->peer, -ETIMEDOUT);
                else
                        flow_refuse(f, -ETIMEDOUT);
        }
}

void flow_fini(void)
{
        struct list_head * p;
        struct list_head * t;

        list_for_each_safe(p, t, &flow_acceptors)
                flow_acceptor_free(list_entry(p, struct acceptor, next));

        list_for_each(p, reg_flow_all()) {
                struct reg_flow * f = list_entry(p, struct reg_flow, next);
                if (f->state == FLOW_ALLOCATED)
                        mark_down(f);
                req_drop(&f->req);
                req_drop(&f->ack);
        }
}
