/*
 * Ouroboros - event sets (fset_t) and event queues (fqueue_t): wait for
 * packets and state changes on many flows at once.
 *
 * A set keeps a ready list: the members that may have something
 * pending. fevent() looks at those only, never at the whole set, so a
 * set of thousands of flows costs what its active flows cost. The list
 * is filled by the dispatcher of evwait.h (a peer's signal names the
 * flow through its wake-up token; a value naming none makes the
 * dispatcher check the members not already listed), by fset_add (a new
 * member), and once in full when the set is first armed.
 *
 * Arming: the first fevent() that finds nothing pending (or fset_fd)
 * arms every member and the set stays armed (new members are armed as
 * they join) until fset_zero or fset_destroy: disarming and re-arming
 * around each fevent() would touch every member. A busy server thus
 * lets its peers signal once per "nothing pending -> something
 * pending" transition of each flow; a process that never waits on a
 * set arms nothing and its peers' writes stay free of system calls.
 *
 * Why no event is lost. A member leaves the ready list only under the
 * dispatcher lock, after flow_shm_pending found nothing (R: seq_cst
 * loads of the peer's tail and of the state words, after this process's
 * last consume stored its head). A peer that publishes afterwards (P1)
 * loads the head (P2, seq_cst) and, the ring being empty as R saw it,
 * signals the eventfd; that signal is dispatched under the same lock
 * later, and re-lists the member. A signal dispatched before R cannot
 * be missed either: the dispatch ran first under the lock, the change it
 * announced was published before the signal, so R sees it and the
 * member stays. The set is armed before its one full listing, so a
 * change before arming is in that listing and one after it signals.
 * Level-triggered fd: the set's eventfd is readable exactly while its
 * ready list is non-empty (both change under the dispatcher lock), a
 * member with packets left stays listed, and flow_read() of the last
 * packet rechecks the flow in the sets with an fd (fq_drained).
 *
 * Fairness: a call that returns listed events without waiting first
 * reads the eventfd (ew_poll_now, one system call, only when no
 * dispatcher thread runs), so flows that keep packets queued cannot
 * keep others' signals unread: a flow signalled before a call is
 * reported by it or by the next one.
 *
 * The set polled by its owner (the IPCP loop) and the awake marks that
 * spare peers' signals: fset_awake.c.
 *
 * Locks: the dispatcher lock (evwait.h) guards the ready lists and is
 * taken before a set's own lock (members), never the other way round.
 * Nothing is held across a sleep but the dispatcher lock, released by
 * the condition variable: a member may be deallocated meanwhile (it
 * then leaves the set).
 */
#include "evwait.h"
#include "flow_table.h"
#include "fqueue_priv.h"
#include "fset_priv.h"
#include "frct_flow.h"
#include "local_msg.h"
#include "session.h"

#include "common/api.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

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
        int *           snap;   /* scratch: the ready list being looked at */
        size_t          snap_cap;
};

atomic_int              fq_fd_sets;
atomic_int              fq_sets;
static _Atomic uint64_t st_examined;
static _Atomic uint64_t st_dispatched;
static _Atomic uint64_t st_full;

static uint64_t         tok_key;
static pthread_once_t   tok_once = PTHREAD_ONCE_INIT;

static void tok_init(void)
{
        if (getrandom(&tok_key, sizeof(tok_key), 0) != sizeof(tok_key))
                tok_key = (uint64_t) now_ns() * 0x9e3779b97f4a7c15ULL;
}

static uint64_t mix64(uint64_t x)
{
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9ULL;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebULL;
        x ^= x >> 31;

        return x;
}

/*
 * Token: bit 61 set, 41 bits of a keyed hash of (fd, gen), fd in the
 * low 20 bits. Below 2^62 (flow_shm.h); two summed carry into bit 62,
 * and a peer that adds anything to a token it cannot see turns it into
 * a valid one with odds of 2^-41.
 */
#define TOK_FD_BITS 20
#define TOK_TAG     (1ULL << 61)

uint64_t fq_token(int      fd,
                  uint32_t gen)
{
        uint64_t h;

        pthread_once(&tok_once, tok_init);
        h = mix64(tok_key ^ ((uint64_t) gen << TOK_FD_BITS) ^ (uint64_t) fd);

        return TOK_TAG | ((h >> 23) << TOK_FD_BITS) | (uint64_t) fd;
}

int fq_token_fd(uint64_t v)
{
        struct ft_flow * f;
        int              fd = (int) (v & ((1U << TOK_FD_BITS) - 1));

        if ((v >> 61) != 1 || fd >= ft_size())
                return -1;

        f = ft_entry(fd);
        if (f == NULL || fq_token(fd, atomic_load(&f->gen)) != v)
                return -1;

        return fd;
}

void fq_stats(struct fq_stats * st)
{
        st->examined   = atomic_load(&st_examined);
        st->dispatched = atomic_load(&st_dispatched);
        st->full       = atomic_load(&st_full);
}

uint64_t fq_wakeups(fset_t * set)
{
        uint64_t n;

        ew_lock();
        n = set->w.wakeups;
        ew_unlock();

        return n;
}

/* Dispatcher lock held (fset_priv.h). */
void fs_rdy_push(fset_t * set,
                 int      fd)
{
        if (set->inrdy[fd])
                return;

        set->inrdy[fd]         = 1;
        set->rdy[set->nrdy++]  = fd;
        ew_light(&set->w, true);
}

/* Events beyond the flow memory's: a message FRCT or the joining of
 * large local messages holds, FLOW_PEER. */
static bool more_pending(const struct ft_flow * f)
{
        if (f->fr != NULL)
                return frf_pending(f);

        return lmsg_pending(f);
}

/* Dispatcher lock held: has member m of set anything (or is it gone)? */
static bool member_pending(const struct member * m)
{
        struct ft_flow * f = ft_get_gen(m->fd, m->gen);
        bool             p;

        atomic_fetch_add_explicit(&st_dispatched, 1, memory_order_relaxed);
        if (f == NULL)
                return true; /* gone: fevent prunes it */

        p = flow_shm_pending(f->shm) || more_pending(f);
        ft_put(f);

        return p;
}

/* The dispatch callback (evwait.h): dispatcher lock held. */
static int set_dispatch(struct ew_watch * w,
                        uint64_t          hint,
                        bool              hot)
{
        fset_t * set   = (fset_t *) ((char *) w - offsetof(fset_t, w));
        size_t   was   = set->nrdy;
        int      fd    = fq_token_fd(hint);
        int      named = 0;
        size_t   i;

        if (fd < 0 && hot)
                return 0;

        pthread_mutex_lock(&set->lock);
        if (fd >= 0) {
                i = fd < set->size ? set->pos[fd] : 0;
                if (i != 0 && set->m[i - 1].gen ==
                    atomic_load(&ft_entry(fd)->gen))
                        named = EW_NAMED; /* fq_token_fd: the flow's now */
                if (i != 0 && !set->inrdy[fd] && member_pending(&set->m[i - 1]))
                        fs_rdy_push(set, fd);
        } else {
                atomic_fetch_add_explicit(&st_full, 1, memory_order_relaxed);
                for (i = 0; i < set->n; ++i)
                        if (!set->inrdy[set->m[i].fd] &&
                            member_pending(&set->m[i]))
                                fs_rdy_push(set, set->m[i].fd);
        }
        pthread_mutex_unlock(&set->lock);

        return (set->nrdy > was ? EW_NEW : 0) | named;
}

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

        s->size  = ft_size();
        s->pos   = calloc((size_t) s->size, sizeof(*s->pos));
        s->m     = calloc((size_t) s->size, sizeof(*s->m));
        s->rdy   = calloc((size_t) s->size, sizeof(*s->rdy));
        s->inrdy = calloc((size_t) s->size, sizeof(*s->inrdy));
        if (s->pos == NULL || s->m == NULL || s->rdy == NULL ||
            s->inrdy == NULL) {
                free(s->pos);
                free(s->m);
                free(s->rdy);
                free(s->inrdy);
                free(s);
                return NULL;
        }

        pthread_mutex_init(&s->lock, NULL);
        ew_watch_init(&s->w, set_dispatch);
        atomic_fetch_add(&fq_sets, 1);

        return s;
}

/* Set lock held: arm or disarm member m's flow memory. */
static void arm_member(struct member * m,
                       bool            on)
{
        struct ft_flow * f;

        if (m->armed == on)
                return;

        m->armed = on;
        f = ft_get_gen(m->fd, m->gen);
        if (f == NULL)
                return; /* gone: its memory is gone too */

        if (on)
                flow_shm_set_token(f->shm, fq_token(m->fd, m->gen));
        flow_shm_arm(f->shm, on);
        ft_put(f);
}

/* Dispatcher and set lock held: disarm every member and forget the arming. */
static void disarm_all(fset_t * set)
{
        size_t i;

        fs_awake_all_off(set);

        for (i = 0; i < set->n; ++i)
                arm_member(&set->m[i], false);
        if (set->armed)
                ew_deactivate(&set->w);
        set->armed = false;
}

/* Dispatcher and set lock held: arm every member and list them all, once. */
static void arm_all(fset_t * set)
{
        size_t i;

        if (set->armed)
                return;

        set->armed = true;
        ew_activate(&set->w);
        for (i = 0; i < set->n; ++i) {
                arm_member(&set->m[i], true);
                fs_rdy_push(set, set->m[i].fd);
        }
}

/* Dispatcher lock held: empty the ready list. */
static void rdy_clear(fset_t * set)
{
        size_t i;

        for (i = 0; i < set->nrdy; ++i)
                set->inrdy[set->rdy[i]] = 0;
        set->nrdy = 0;
        ew_light(&set->w, false);
}

OURO_API void fset_destroy(fset_t * set)
{
        if (set == NULL)
                return;

        atomic_fetch_sub(&fq_sets, 1);
        ew_lock();
        if (set->fdref > 0)
                atomic_fetch_sub(&fq_fd_sets, 1);
        pthread_mutex_lock(&set->lock);
        disarm_all(set); /* and off the active list */
        pthread_mutex_unlock(&set->lock);
        ew_unlock();
        ew_watch_fini(&set->w);

        pthread_mutex_destroy(&set->lock);
        free(set->pos);
        free(set->m);
        free(set->rdy);
        free(set->inrdy);
        free(set);
}

OURO_API void fset_zero(fset_t * set)
{
        size_t i;

        if (set == NULL)
                return;

        ew_lock();
        pthread_mutex_lock(&set->lock);
        disarm_all(set);
        for (i = 0; i < set->n; ++i)
                set->pos[set->m[i].fd] = 0;
        set->n = 0;
        if (set->fdref > 0) /* an fd keeps the set armed */
                arm_all(set);
        rdy_clear(set);
        pthread_mutex_unlock(&set->lock);
        ew_unlock();
}

OURO_API int fset_add(fset_t * set,
                      int      fd)
{
        struct ft_flow * f;
        struct member *  m;
        uint32_t         m_gen;
        int              err;

        if (set == NULL)
                return -EINVAL;

        f = ft_get(fd, &err);
        if (f == NULL)
                return err;

        ew_lock();
        pthread_mutex_lock(&set->lock);
        if (set->pos[fd] == 0) {
                set->m[set->n].fd    = fd;
                set->m[set->n].armed = false;
                set->pos[fd]         = ++set->n;
        }
        m = &set->m[set->pos[fd] - 1];
        if (m->gen != atomic_load(&f->gen)) {
                arm_member(m, false); /* an earlier flow in this slot */
                m->gen = atomic_load(&f->gen);
        }
        if (set->armed)
                arm_member(m, true);
        m_gen = m->gen;
        pthread_mutex_unlock(&set->lock);

        /* Listed: the next fevent looks at it (armed first, see top);
         * a waiter may be the one in poll(): the token brings it out. */
        fs_rdy_push(set, fd);
        ew_wake(&set->w);
        ew_unlock();
        evwait_kick(fq_token(fd, m_gen));

        ft_put(f);

        return 0;
}

static void unlist(fset_t *    set,
                   const int * fds,
                   size_t      n);

/* Set lock held. */
static void del_locked(fset_t * set,
                       int      fd)
{
        size_t i = set->pos[fd];

        size_t k;

        if (i-- == 0)
                return;

        for (k = 0; k < set->awake_n; ++k) {
                if (set->awake_fd[k] == fd) {
                        fs_awake_off(set, k);
                        break;
                }
        }
        arm_member(&set->m[i], false);
        set->m[i] = set->m[--set->n];
        set->pos[set->m[i].fd] = i + 1;
        set->pos[fd] = 0;
}

OURO_API void fset_del(fset_t * set,
                       int      fd)
{
        if (set == NULL || fd < 0 || fd >= set->size)
                return;

        ew_lock();
        pthread_mutex_lock(&set->lock);
        del_locked(set, fd);
        pthread_mutex_unlock(&set->lock);
        unlist(set, &fd, 1); /* the set's fd may turn unreadable */
        ew_unlock();
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

/* fset_fd, and ipcp_fset_fd (fset_priv.h). */
int fs_set_fd(fset_t * set,
              bool     self)
{
        int r;

        if (set == NULL)
                return -EINVAL;

        ew_lock();
        r = self ? ew_fd_self(&set->w) : ew_fd(&set->w);
        if (r >= 0 && set->fdref == 0) {
                set->fdref = 1;
                atomic_fetch_add(&fq_fd_sets, 1);
                pthread_mutex_lock(&set->lock);
                arm_all(set);
                pthread_mutex_unlock(&set->lock);
                /* Members listed before the fd existed. */
                ew_light(&set->w, set->nrdy > 0);
        }
        ew_unlock();

        return r;
}

OURO_API int fset_fd(const fset_t * cset)
{
        return fs_set_fd((fset_t *) cset, false);
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

/* Dispatcher lock held: copy the ready list into fq->snap. */
static int snapshot(fset_t *   set,
                    fqueue_t * fq)
{
        if (fq->snap_cap < set->nrdy) {
                int * p = realloc(fq->snap, set->nrdy * sizeof(*p));
                if (p == NULL)
                        return -ENOMEM;
                fq->snap     = p;
                fq->snap_cap = set->nrdy;
        }
        if (set->nrdy > 0) /* snap may still be NULL */
                memcpy(fq->snap, set->rdy, set->nrdy * sizeof(*set->rdy));

        return (int) set->nrdy;
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

/* The member fd of set now (its generation), false if not a member. */
static bool member_gen(fset_t *   set,
                       int        fd,
                       uint32_t * gen)
{
        size_t i;

        pthread_mutex_lock(&set->lock);
        i = set->pos[fd];
        if (i != 0)
                *gen = set->m[i - 1].gen;
        pthread_mutex_unlock(&set->lock);

        return i != 0;
}

/* Drop member fd if its flow is still allocation gen (deallocated). */
static void prune(fset_t * set,
                  int      fd,
                  uint32_t gen)
{
        pthread_mutex_lock(&set->lock);
        if (set->pos[fd] != 0 && set->m[set->pos[fd] - 1].gen == gen)
                del_locked(set, fd);
        pthread_mutex_unlock(&set->lock);
}

/* Queue the pending events of the n listed descriptors in fq->snap. */
static int scan(fset_t *   set,
                fqueue_t * fq,
                size_t     n)
{
        size_t i;
        size_t j;

        for (i = 0; i < n; ++i) {
                int              fd = fq->snap[i];
                struct ft_flow * f;
                uint32_t         gen;
                int              ev;

                atomic_fetch_add_explicit(&st_examined, 1,
                                          memory_order_relaxed);
                if (!member_gen(set, fd, &gen))
                        continue; /* left the set */
                f = ft_get_gen(fd, gen);
                if (f == NULL) {
                        prune(set, fd, gen);
                        continue;
                }
                ev = flow_shm_events(f->shm);
                if (f->fr != NULL) /* packets are not messages */
                        ev = frf_events(f, ev);
                else if (lmsg_pending(f))
                        ev |= FLOW_PKT;
                ft_put(f);
                for (j = 0; j < sizeof(ev_order) / sizeof(*ev_order); ++j)
                        if ((ev & ev_order[j]) && push(fq, fd,
                                                       ev_order[j]) < 0)
                                return -ENOMEM;
        }

        return 0;
}

/* Dispatcher and set lock held: keep fd listed? Only a member whose
 * flow has something pending (R, see top). */
bool fs_still_pending(fset_t * set,
                      int      fd)
{
        struct ft_flow * f;
        size_t           i = set->pos[fd];
        bool             keep;

        if (i == 0)
                return false;

        f = ft_get_gen(fd, set->m[i - 1].gen);
        if (f == NULL)
                return false;

        keep = flow_shm_pending(f->shm) || more_pending(f);
        ft_put(f);

        return keep;
}

/* Dispatcher lock held: drop the first n of fds from the ready list
 * unless still pending; keeps what was listed meanwhile. */
static void unlist(fset_t *    set,
                   const int * fds,
                   size_t      n)
{
        size_t i;
        size_t j = 0;

        pthread_mutex_lock(&set->lock);
        for (i = 0; i < n; ++i)
                if (set->inrdy[fds[i]] && !fs_still_pending(set, fds[i]))
                        set->inrdy[fds[i]] = 0;
        pthread_mutex_unlock(&set->lock);

        for (i = 0; i < set->nrdy; ++i)
                if (set->inrdy[set->rdy[i]])
                        set->rdy[j++] = set->rdy[i];
        set->nrdy = j;
        if (j == 0)
                ew_light(&set->w, false);
}

static void drained(struct ew_watch * w,
                    void *            arg)
{
        fset_t * set = (fset_t *) ((char *) w - offsetof(fset_t, w));
        int      fd  = *(int *) arg;

        if (set->fdref > 0 && fd < set->size && set->inrdy[fd])
                unlist(set, &fd, 1);
}

void fq_drained(int fd)
{
        if (atomic_load(&fq_fd_sets) == 0)
                return;

        ew_lock();
        ew_for_each(set_dispatch, drained, &fd);
        ew_unlock();
}

OURO_API ssize_t fevent(fset_t *                set,
                        fqueue_t *              fq,
                        const struct timespec * timeo)
{
        struct timespec         tbuf;
        const struct timespec * abstime = NULL;
        ssize_t                 r;
        uint64_t                g;
        bool                    waited = false;
        bool                    own;
        int                     n;

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

        ew_lock();
        own = ew_is_owner(&set->w);
        pthread_mutex_lock(&set->lock);
        arm_all(set);
        pthread_mutex_unlock(&set->lock);
        for (;;) {
                n = snapshot(set, fq);
                if (n < 0) {
                        r = n;
                        break;
                }
                g = set->w.gen;
                ew_unlock();

                r = scan(set, fq, (size_t) n);

                ew_lock();
                unlist(set, fq->snap, (size_t) n);
                if (r < 0)
                        break;
                r = (ssize_t) fq->n;
                if (r > 0 && !waited && !own)
                        ew_poll_now(); /* fairness, see the top */
                if (r > 0)
                        break;
                /* Kept (a packet came during the scan) or listed
                 * meanwhile: look again, not as one that waited (its
                 * signal is still in the eventfd: the fairness read
                 * takes it, else they pile up there). */
                if (set->nrdy > 0 || set->w.gen != g)
                        continue;
                if (own && abstime != NULL && ts_to_ns(abstime) <= now_ns())
                        break; /* a poll: the owner read the eventfd */
                waited = true;
                r = ew_wait(&set->w, g, abstime);
                if (r < 0)
                        break;
        }
        ew_unlock();

        return r;
}
