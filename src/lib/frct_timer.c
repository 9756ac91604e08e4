/*
 * Ouroboros - the FRCT clock of a process. See frct_timer.h.
 *
 * Wake-ups: frt_due stores a flow's deadline, then compares it with the
 * thread's planned wake-up (wake) and signals under the lock if it is
 * earlier. The thread sets wake to 0 before it scans the deadlines and
 * to the earliest after, both under the lock it sleeps with: a deadline
 * stored during the scan sees 0 or the new value, is earlier than that,
 * and its signal waits for the lock, so it reaches the sleeping thread.
 */
#include "frct_timer.h"

#include "flow_table.h"
#include "frct_flow.h"

#include "common/timeutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define FRT_BATCH 64

static struct {
        pthread_mutex_t  lock;
        pthread_cond_t   cond;     /* CLOCK_MONOTONIC */
        pthread_once_t   once;
        struct frt_ent * head;
        bool             running;
        _Atomic uint64_t wake;     /* the thread's next wake-up, ns */
} t = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
        PTHREAD_ONCE_INIT, NULL, false, UINT64_MAX };

static void cond_init(void)
{
        pthread_condattr_t a;

        pthread_condattr_init(&a);
        pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
        pthread_cond_destroy(&t.cond);
        pthread_cond_init(&t.cond, &a);
        pthread_condattr_destroy(&a);
}

struct due_fd {
        int      fd;
        uint32_t gen;
};

/* Lock held: the flows due at now into d (at most FRT_BATCH), and the
 * earliest deadline of the others. */
static size_t collect(uint64_t        now,
                      struct due_fd * d,
                      uint64_t *      next)
{
        struct frt_ent * e;
        size_t           n = 0;

        *next = UINT64_MAX;
        for (e = t.head; e != NULL; e = e->next) {
                uint64_t due = atomic_load(&e->due);
                if (due <= now && n < FRT_BATCH) {
                        d[n].fd    = e->fd;
                        d[n++].gen = e->gen;
                } else if (due < *next) {
                        *next = due;
                }
        }

        return n;
}

static void * timer_main(void * arg)
{
        struct due_fd d[FRT_BATCH];
        uint64_t      next;
        uint64_t      now;
        size_t        n;
        size_t        i;

        (void) arg;

        pthread_mutex_lock(&t.lock);
        while (t.head != NULL) {
                atomic_store(&t.wake, 0);
                now = (uint64_t) now_ns();
                n   = collect(now, d, &next);
                if (n == 0) {
                        struct timespec ts = ns_to_ts((int64_t) next);
                        atomic_store(&t.wake, next);
                        if (next == UINT64_MAX)
                                pthread_cond_wait(&t.cond, &t.lock);
                        else
                                pthread_cond_timedwait(&t.cond, &t.lock,
                                                       &ts);
                        continue;
                }
                pthread_mutex_unlock(&t.lock);
                for (i = 0; i < n; ++i) {
                        struct ft_flow * f = ft_get_gen(d[i].fd, d[i].gen);
                        if (f == NULL)
                                continue; /* being deallocated */
                        if (f->fr != NULL)
                                frf_on_timer(f, now);
                        ft_put(f);
                }
                pthread_mutex_lock(&t.lock);
        }
        t.running = false;
        atomic_store(&t.wake, UINT64_MAX);
        pthread_mutex_unlock(&t.lock);

        return NULL;
}

int frt_add(struct frt_ent * e)
{
        pthread_attr_t a;
        pthread_t      th;
        int            r = 0;

        pthread_once(&t.once, cond_init);

        pthread_mutex_lock(&t.lock);
        e->next = t.head;
        t.head  = e;
        if (!t.running) {
                pthread_attr_init(&a);
                pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
                r = -pthread_create(&th, &a, timer_main, NULL);
                pthread_attr_destroy(&a);
                if (r == 0)
                        t.running = true;
                else
                        t.head = e->next;
        }
        pthread_cond_signal(&t.cond);
        pthread_mutex_unlock(&t.lock);

        return r < 0 ? -EAGAIN : 0;
}

void frt_del(struct frt_ent * e)
{
        struct frt_ent ** pp;

        pthread_mutex_lock(&t.lock);
        for (pp = &t.head; *pp != NULL; pp = &(*pp)->next) {
                if (*pp == e) {
                        *pp = e->next;
                        break;
                }
        }
        if (t.head == NULL)
                pthread_cond_signal(&t.cond); /* the thread ends */
        pthread_mutex_unlock(&t.lock);
}

void frt_due(struct frt_ent * e,
             uint64_t         due)
{
        atomic_store(&e->due, due);
        if (due >= atomic_load(&t.wake))
                return;

        pthread_mutex_lock(&t.lock);
        pthread_cond_signal(&t.cond);
        pthread_mutex_unlock(&t.lock);
}

void frt_reset_child(void)
{
        pthread_mutex_init(&t.lock, NULL);
        cond_init();
        t.head    = NULL;
        t.running = false;
        atomic_store(&t.wake, UINT64_MAX);
}
