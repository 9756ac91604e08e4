/*
 * Ouroboros - event sets (fset_t) and event queues (fqueue_t): wait for
 * packets and state changes on many flows at once.
 *
 * fevent() first scans the set without arming (a busy server pays no
 * arming cost); if nothing is pending it arms every flow (so peers signal
 * the process eventfd), then scans and sleeps through the dispatcher of
 * evwait.h until the generation moves, rescans, and disarms on return.
 * Nothing is held across the sleep: a flow of the set may be deallocated
 * meanwhile (it then simply leaves the set).
 */
#include "evwait.h"
#include "flow_table.h"
#include "session.h"

#include "common/api.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct member {
        int      fd;
        uint32_t gen; /* allocation of the flow when it was added */
};

struct flow_set {
        pthread_mutex_t lock;
        atomic_uint     ver;    /* bumped by fset_add/del: rescan in fevent */
        int             size;   /* descriptors in the table */
        size_t *        pos;    /* pos[fd]: index in m + 1, 0 = absent */
        struct member * m;
        size_t          n;
};

struct fq_ent {
        int fd;
        int ev;
};

struct fqueue {
        struct fq_ent * e;
        size_t          n;
        size_t          cap;
        size_t          next;
        int             last;   /* event of the fd last returned */
        struct member * snap;   /* scratch: the set being waited on */
        size_t          snap_cap;
};

static const int ev_order[] = {
        FLOW_PKT, FLOW_DOWN, FLOW_UP, FLOW_DEALLOC, FLOW_PEER
};

OURO_API fset_t * fset_create(void)
{
        struct flow_set * s;

        if (session_local_init() < 0)
                return NULL;

        s = calloc(1, sizeof(*s));
        if (s == NULL)
                return NULL;

        s->size = ft_size();
        s->pos  = calloc((size_t) s->size, sizeof(*s->pos));
        s->m    = calloc((size_t) s->size, sizeof(*s->m));
        if (s->pos == NULL || s->m == NULL) {
                free(s->pos);
                free(s->m);
                free(s);
                return NULL;
        }

        pthread_mutex_init(&s->lock, NULL);

        return s;
}

OURO_API void fset_destroy(fset_t * set)
{
        if (set == NULL)
                return;

        pthread_mutex_destroy(&set->lock);
        free(set->pos);
        free(set->m);
        free(set);
}

OURO_API void fset_zero(fset_t * set)
{
        size_t i;

        if (set == NULL)
                return;

        pthread_mutex_lock(&set->lock);
        for (i = 0; i < set->n; ++i)
                set->pos[set->m[i].fd] = 0;
        set->n = 0;
        pthread_mutex_unlock(&set->lock);
}

OURO_API int fset_add(fset_t * set,
                      int      fd)
{
        struct ft_flow * f;
        int              err;

        if (set == NULL)
                return -EINVAL;

        f = ft_get(fd, &err);
        if (f == NULL)
                return err;

        pthread_mutex_lock(&set->lock);
        if (set->pos[fd] == 0) {
                set->m[set->n].fd = fd;
                set->pos[fd]      = ++set->n;
        }
        set->m[set->pos[fd] - 1].gen = atomic_load(&f->gen);
        atomic_fetch_add(&set->ver, 1);
        pthread_mutex_unlock(&set->lock);

        ft_put(f);

        evwait_kick(); /* a waiting fevent() takes the new member now */

        return 0;
}

/* Called with set->lock held. */
static void del_locked(fset_t * set,
                       int      fd)
{
        size_t i = set->pos[fd];

        if (i-- == 0)
                return;

        set->m[i] = set->m[--set->n];
        set->pos[set->m[i].fd] = i + 1;
        set->pos[fd] = 0;
}

OURO_API void fset_del(fset_t * set,
                       int      fd)
{
        if (set == NULL || fd < 0 || fd >= set->size)
                return;

        pthread_mutex_lock(&set->lock);
        del_locked(set, fd);
        pthread_mutex_unlock(&set->lock);
}

OURO_API bool fset_has(const fset_t * set,
                       int            fd)
{
        struct ft_flow * f = NULL;
        size_t           i;

        if (set == NULL || fd < 0 || fd >= set->size)
                return false;

        /* A member whose flow was deallocated (or replaced) since it was
         * added has left the set, even before fevent() prunes it. */
        pthread_mutex_lock((pthread_mutex_t *) &set->lock);
        i = set->pos[fd];
        if (i != 0)
                f = ft_get_gen(fd, set->m[i - 1].gen);
        pthread_mutex_unlock((pthread_mutex_t *) &set->lock);

        if (f == NULL)
                return false;

        ft_put(f);

        return true;
}

OURO_API fqueue_t * fqueue_create(void)
{
        return calloc(1, sizeof(struct fqueue));
}

OURO_API void fqueue_destroy(struct fqueue * fq)
{
        if (fq == NULL)
                return;

        free(fq->e);
        free(fq->snap);
        free(fq);
}

/* Documented in fqueue(3): -ENOENT when drained, -EINVAL for NULL. */
OURO_API int fqueue_next(fqueue_t * fq)
{
        if (fq == NULL)
                return -EINVAL;

        if (fq->next >= fq->n)
                return -ENOENT;

        fq->last = fq->e[fq->next].ev;

        return fq->e[fq->next++].fd;
}

/* 0 (no event) for a NULL queue or before the first fqueue_next: an
 * enum fqtype cannot carry a negative error number (its type is
 * unsigned with gcc and clang). */
OURO_API enum fqtype fqueue_type(fqueue_t * fq)
{
        if (fq == NULL || fq->next == 0)
                return (enum fqtype) 0;

        return (enum fqtype) fq->last;
}

/* Copy the members of set into fq->snap: their number or -ENOMEM. */
static ssize_t snapshot(fset_t *   set,
                        fqueue_t * fq)
{
        ssize_t n;

        pthread_mutex_lock(&set->lock);
        if (fq->snap_cap < set->n) {
                struct member * p = realloc(fq->snap, set->n * sizeof(*p));
                if (p == NULL) {
                        pthread_mutex_unlock(&set->lock);
                        return -ENOMEM;
                }
                fq->snap     = p;
                fq->snap_cap = set->n;
        }
        if (set->n > 0) /* snap may still be NULL */
                memcpy(fq->snap, set->m, set->n * sizeof(*set->m));
        n = (ssize_t) set->n;
        pthread_mutex_unlock(&set->lock);

        return n;
}

static int push(fqueue_t * fq,
                int        fd,
                int        ev)
{
        if (fq->n == fq->cap) {
                size_t          cap = fq->cap * 2 + 16;
                struct fq_ent * p   = realloc(fq->e, cap * sizeof(*p));
                if (p == NULL)
                        return -ENOMEM;
                fq->e   = p;
                fq->cap = cap;
        }

        fq->e[fq->n].fd   = fd;
        fq->e[fq->n++].ev = ev;

        return 0;
}

/* Drop members whose flow was deallocated (or replaced) since. */
static void prune(fset_t *              set,
                  const struct member * m)
{
        pthread_mutex_lock(&set->lock);
        if (set->pos[m->fd] != 0 && set->m[set->pos[m->fd] - 1].gen == m->gen)
                del_locked(set, m->fd);
        pthread_mutex_unlock(&set->lock);
}

/* Queue the pending events of the n snapshot members. */
static ssize_t scan(fset_t *   set,
                    fqueue_t * fq,
                    size_t     n)
{
        size_t i;
        size_t j;

        for (i = 0; i < n; ++i) {
                struct member *  m = &fq->snap[i];
                struct ft_flow * f = ft_get_gen(m->fd, m->gen);
                int              ev;
                if (f == NULL) {
                        prune(set, m);
                        continue;
                }
                ev = flow_shm_events(f->shm);
                ft_put(f);
                for (j = 0; j < sizeof(ev_order) / sizeof(*ev_order); ++j)
                        if ((ev & ev_order[j]) && push(fq, m->fd,
                                                       ev_order[j]) < 0)
                                return -ENOMEM;
        }

        return (ssize_t) fq->n;
}

static void arm_all(fqueue_t * fq,
                    size_t     n,
                    bool       on)
{
        size_t i;

        for (i = 0; i < n; ++i) {
                struct ft_flow * f = ft_get_gen(fq->snap[i].fd,
                                                fq->snap[i].gen);
                if (f == NULL)
                        continue; /* gone: its memory is gone too */
                flow_shm_arm(f->shm, on);
                ft_put(f);
        }
}

OURO_API ssize_t fevent(fset_t *                set,
                        fqueue_t *              fq,
                        const struct timespec * timeo)
{
        struct timespec         tbuf;
        const struct timespec * abstime = NULL;
        ssize_t                 n;
        ssize_t                 r;
        unsigned                ver;

        if (set == NULL || fq == NULL)
                return -EINVAL;

        if (timeo != NULL) {
                if (!ts_valid(timeo))
                        return -EINVAL;
                tbuf    = ts_deadline(timeo);
                abstime = &tbuf;
        }

        fq->n    = 0;
        fq->next = 0;

        ver = atomic_load(&set->ver);
        n = snapshot(set, fq);
        if (n < 0)
                return n;

        r = scan(set, fq, (size_t) n);
        if (r != 0)
                return r;

        arm_all(fq, (size_t) n, true);
        for (;;) {
                uint64_t g = evwait_gen();
                if (atomic_load(&set->ver) != ver) {
                        arm_all(fq, (size_t) n, false);
                        ver = atomic_load(&set->ver);
                        n = snapshot(set, fq);
                        if (n < 0)
                                return n;
                        arm_all(fq, (size_t) n, true);
                }
                r = scan(set, fq, (size_t) n);
                if (r != 0)
                        break;
                r = evwait_wait(g, abstime);
                if (r < 0)
                        break;
        }
        arm_all(fq, (size_t) n, false);

        return r;
}
