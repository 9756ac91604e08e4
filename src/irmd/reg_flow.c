/*
 * Ouroboros IRMd - the flow registry (see reg_flow.h).
 */
#include "reg_flow.h"
#include "reg_proc.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define N_BUCKETS 4096 /* power of two */

static struct list_head flows   = LIST_HEAD_INIT(flows);
static struct list_head pending = LIST_HEAD_INIT(pending);
static struct list_head buckets[N_BUCKETS];
static size_t           n_flows;
static uint32_t         next_id = 1;
static void           (*mem_free)(struct flow_mem * m);

const char * reg_flow_state_str(enum flow_state s)
{
        switch (s) {
        case FLOW_ALLOC_PENDING:  return "alloc-pending";
        case FLOW_ACCEPT_PENDING: return "accept-pending";
        case FLOW_ALLOCATED:      return "allocated";
        }

        return "?";
}

static struct list_head * bucket(uint32_t id)
{
        struct list_head * b = &buckets[id & (N_BUCKETS - 1)];

        if (b->nxt == NULL) /* first use */
                list_init(b);

        return b;
}

struct reg_flow * reg_flow_get(uint32_t id)
{
        struct list_head * p;

        list_for_each(p, bucket(id)) {
                struct reg_flow * f = list_entry(p, struct reg_flow, hnext);
                if (f->id == id)
                        return f;
        }

        return NULL;
}

int reg_flow_add(enum flow_state    st,
                 int                side,
                 pid_t              pid,
                 struct reg_flow ** out)
{
        struct reg_flow * f;

        if ((side != 0 && side != 1) || st > FLOW_ALLOCATED)
                return -EINVAL;
        if (n_flows >= REG_FLOW_MAX)
                return -ENOSPC;

        f = calloc(1, sizeof(*f));
        if (f == NULL)
                return -ENOMEM;

        /* ids are never 0 and not reused while in use */
        do {
                f->id = next_id++;
                if (next_id == 0)
                        next_id = 1;
        } while (reg_flow_get(f->id) != NULL);

        f->state = st;
        f->side  = side;
        f->pid   = pid;
        f->qos   = qos_raw;
        list_add_tail(&f->next, &flows);
        list_add_tail(&f->hnext, bucket(f->id));
        if (st != FLOW_ALLOCATED)
                list_add_tail(&f->pnext, &pending);
        else
                list_init(&f->pnext);
        ++n_flows;

        *out = f;

        return 0;
}

int reg_flow_splice(struct reg_flow * a,
                    struct reg_flow * b)
{
        if (a == b || a->peer != NULL || b->peer != NULL)
                return -EBUSY;

        a->peer = b;
        b->peer = a;

        return 0;
}

int reg_flow_attach_mem(struct reg_flow * f,
                        int               memfd)
{
        struct flow_mem * m;

        if (memfd < 0 || f->mem != NULL ||
            (f->peer != NULL && f->peer->mem != NULL))
                return -EINVAL;

        m = malloc(sizeof(*m));
        if (m == NULL)
                return -ENOMEM;

        m->fd      = memfd;
        m->refs    = 1;
        m->max_pkt = 0;
        m->pair[0] = 0;
        m->pair[1] = 0;
        f->mem  = m;
        if (f->peer != NULL) {
                f->peer->mem = m;
                ++m->refs;
        }

        return 0;
}

void reg_flow_set_state(struct reg_flow * f,
                        enum flow_state   s)
{
        assert(s == FLOW_ALLOCATED && f->state != FLOW_ALLOCATED);

        f->state = s;
        list_del(&f->pnext);
        list_init(&f->pnext);
}

void reg_flow_on_mem_free(void (*fn)(struct flow_mem * m))
{
        mem_free = fn;
}

void reg_flow_del(struct reg_flow * f)
{
        if (f->peer != NULL)
                f->peer->peer = NULL;

        if (f->mem != NULL && --f->mem->refs == 0) {
                if (mem_free != NULL)
                        mem_free(f->mem);
                else
                        close(f->mem->fd);
                free(f->mem);
        }

        reg_evfd_put(f->peer_ev);

        list_del(&f->next);
        list_del(&f->hnext);
        list_del(&f->pnext); /* a no-op once ALLOCATED */
        --n_flows;
        free(f);
}

struct list_head * reg_flow_all(void)
{
        return &flows;
}

struct list_head * reg_flow_pending(void)
{
        return &pending;
}

size_t reg_flow_count(void)
{
        return n_flows;
}

void reg_flow_fini(void)
{
        struct list_head * p;
        struct list_head * t;

        list_for_each_safe(p, t, &flows)
                reg_flow_del(list_entry(p, struct reg_flow, next));
}
