/*
 * Ouroboros - one poller at a time on the process eventfd, everyone else
 * on a condition variable. The correctness argument is in evwait.h.
 */
#include "evwait.h"

#include "common/timeutil.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

static struct {
        pthread_mutex_t lock;
        pthread_cond_t  cond;    /* CLOCK_MONOTONIC */
        uint64_t        gen;
        bool            polling; /* a thread is in poll() */
        int             efd;
} ew = { .lock = PTHREAD_MUTEX_INITIALIZER, .efd = -1 };

static pthread_once_t cond_once = PTHREAD_ONCE_INIT;
static bool           cond_ready;

static void cond_setup(void)
{
        pthread_condattr_t attr;

        cond_ready = true;

        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&ew.cond, &attr);
        pthread_condattr_destroy(&attr);
}

void evwait_init(int efd)
{
        pthread_once(&cond_once, cond_setup);

        pthread_mutex_lock(&ew.lock);
        ew.efd = efd;
        pthread_mutex_unlock(&ew.lock);
}

uint64_t evwait_gen(void)
{
        uint64_t g;

        pthread_mutex_lock(&ew.lock);
        g = ew.gen;
        pthread_mutex_unlock(&ew.lock);

        return g;
}

void evwait_kick(void)
{
        int efd;

        pthread_once(&cond_once, cond_setup);

        pthread_mutex_lock(&ew.lock);
        ++ew.gen;
        efd = ew.efd;
        pthread_cond_broadcast(&ew.cond);
        pthread_mutex_unlock(&ew.lock);

        /* Wake the poller too: it sleeps in poll(), not on cond. */
        if (efd >= 0) {
                uint64_t one = 1;
                ssize_t  n   = write(efd, &one, sizeof(one));
                (void) n;
        }
}

/* Poll the eventfd without the lock; true if it fired. */
static bool poll_efd(int                     efd,
                     const struct timespec * abstime)
{
        struct pollfd pfd = { .fd = efd, .events = POLLIN };
        uint64_t      cnt;
        int           r;

        r = poll(&pfd, 1, abstime == NULL ? -1 : ts_ms_left(abstime));
        if (r <= 0)
                return false; /* timeout or EINTR: caller rechecks */

        if (read(efd, &cnt, sizeof(cnt)) < 0)
                return errno == EAGAIN; /* another poller got it: fine */

        return true;
}

int evwait_wait(uint64_t                g,
                const struct timespec * abstime)
{
        int r = 0;

        pthread_once(&cond_once, cond_setup);

        pthread_mutex_lock(&ew.lock);
        while (ew.gen == g) {
                if (abstime != NULL && ts_to_ns(abstime) <= now_ns()) {
                        r = -ETIMEDOUT;
                        break;
                }
                if (!ew.polling && ew.efd >= 0) {
                        int  efd = ew.efd;
                        bool hit;
                        ew.polling = true;
                        pthread_mutex_unlock(&ew.lock);
                        hit = poll_efd(efd, abstime);
                        pthread_mutex_lock(&ew.lock);
                        ew.polling = false;
                        if (hit)
                                ++ew.gen;
                        /* Either a new generation, or we leave the
                         * poller role: let someone take it over. */
                        pthread_cond_broadcast(&ew.cond);
                        continue;
                }
                if (abstime == NULL)
                        pthread_cond_wait(&ew.cond, &ew.lock);
                else if (pthread_cond_timedwait(&ew.cond, &ew.lock,
                                                abstime) == ETIMEDOUT &&
                         ew.gen == g) {
                        r = -ETIMEDOUT;
                        break;
                }
        }
        pthread_mutex_unlock(&ew.lock);

        return r;
}

void evwait_reset_child(void)
{
        pthread_mutex_init(&ew.lock, NULL);
        if (cond_ready) /* the parent's may be mid-use: renew it */
                cond_setup();
        ew.polling = false;
        ew.efd     = -1;
        ++ew.gen;
}
