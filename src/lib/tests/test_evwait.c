/*
 * Ouroboros - unit tests of the dispatcher's passive watcher (evwait.c,
 * ew_watch_passive; the FRCT timer's): with nobody else polling it
 * sees a signal at once; while a waiter that comes back after each
 * event (a loop around fevent) polls, signals wake that waiter only
 * (the passive one is not woken per signal, and no dispatcher thread
 * starts); when that waiter stops, the passive one takes over within
 * its cover time; an event loop's ew_fd_self keeps it out of poll();
 * deactivated, it polls nothing (a signal stays in the counter).
 */
#include "evwait.h"

#include "common/timeutil.h"

#include "../../../tests/check.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define P_HINT  7ULL   /* a value for the passive watcher */
#define S_HINT  11ULL  /* and for the other one */
#define COVER   5000000 /* ns */
#define ROUNDS  2000

static int             efd;
static struct ew_watch pw;  /* passive */
static struct ew_watch sw;  /* a waiter */
static atomic_int      p_seen;
static atomic_int      s_seen;
static atomic_bool     p_stop;
static atomic_bool     s_stop;

/* A hint that contains ours (values summed) is ours too. */
static int p_dispatch(struct ew_watch * w,
                      uint64_t          hint,
                      bool              hot)
{
        (void) w;
        (void) hot;

        return hint == P_HINT || (hint != S_HINT && hint != 1) ? EW_NEW : 0;
}

static int s_dispatch(struct ew_watch * w,
                      uint64_t          hint,
                      bool              hot)
{
        (void) w;
        (void) hot;

        return hint == S_HINT || (hint != P_HINT && hint != 1) ? EW_NEW : 0;
}

static void * passive_main(void * arg)
{
        uint64_t g;

        (void) arg;

        ew_lock();
        while (!atomic_load(&p_stop)) {
                g = pw.gen;
                ew_wait(&pw, g, NULL);
                if (pw.gen != g)
                        atomic_fetch_add(&p_seen, 1);
        }
        ew_unlock();

        return NULL;
}

/* A waiter that comes back to wait after each event, as fevent's
 * caller does, until s_stop. */
static void * strong_main(void * arg)
{
        struct timespec ts;
        uint64_t        g;

        (void) arg;

        ew_lock();
        ew_activate(&sw);
        while (!atomic_load(&s_stop)) {
                g  = sw.gen;
                ts = ns_to_ts(now_ns() + 100 * NS_PER_MS);
                if (ew_wait(&sw, g, &ts) == 0)
                        atomic_fetch_add(&s_seen, 1);
        }
        ew_deactivate(&sw);
        ew_unlock();

        return NULL;
}

static void signal_efd(uint64_t v)
{
        CHECK_EQ(write(efd, &v, sizeof(v)), (ssize_t) sizeof(v));
}

/* Wait until *c exceeds was, at most ms; the time it took, ns, or -1. */
static int64_t wait_above(atomic_int * c,
                          int          was,
                          int          ms)
{
        int64_t t0 = now_ns();

        while (atomic_load(c) <= was) {
                if (now_ns() - t0 > (int64_t) ms * NS_PER_MS)
                        return -1;
                usleep(50);
        }

        return now_ns() - t0;
}

/* Threads of the process (its "Threads:" line). */
static int threads(void)
{
        FILE * f = fopen("/proc/self/status", "r");
        char   l[256];
        int    n = -1;

        CHECK(f != NULL);
        while (n < 0 && fgets(l, sizeof(l), f) != NULL)
                if (sscanf(l, "Threads: %d", &n) != 1)
                        n = -1;
        fclose(f);
        CHECK(n > 0);

        return n;
}

static uint64_t p_wakeups(void)
{
        uint64_t n;

        ew_lock();
        n = pw.wakeups;
        ew_unlock();

        return n;
}

int main(void)
{
        pthread_t pt;
        pthread_t st;
        uint64_t  w0;
        uint64_t  v;
        int64_t   dt;
        int64_t   t0;
        int       n0;
        int       i;

        efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        CHECK(efd >= 0);
        evwait_init(efd);
        ew_watch_init(&pw, p_dispatch);
        ew_watch_init(&sw, s_dispatch);
        CHECK_EQ(ew_watch_passive(&pw, COVER), 0);
        CHECK(pthread_create(&pt, NULL, passive_main, NULL) == 0);

        /* Inactive: it polls nothing; the signal stays. */
        usleep(20000);
        signal_efd(P_HINT);
        usleep(50000);
        CHECK_EQ(atomic_load(&p_seen), 0);
        CHECK_EQ(read(efd, &v, sizeof(v)), (ssize_t) sizeof(v));
        CHECK_EQ(v, P_HINT);

        /* Active, alone: it polls, and sees a signal at once. */
        ew_lock();
        ew_activate(&pw);
        ew_wake(&pw); /* look again (as frt_add does) */
        ew_unlock();
        usleep(20000);
        n0 = atomic_load(&p_seen);
        signal_efd(P_HINT);
        dt = wait_above(&p_seen, n0, 1000);
        CHECK(dt >= 0);
        printf("evwait: passive alone saw a signal in %lld us\n",
               (long long) dt / 1000);

        /* A waiter that comes back: every signal for it wakes it, the
         * passive one is hardly woken at all, and no thread starts. */
        n0 = threads();
        CHECK(pthread_create(&st, NULL, strong_main, NULL) == 0);
        usleep(20000);
        w0 = p_wakeups();
        t0 = now_ns();
        for (i = 0; i < ROUNDS; ++i) {
                int was = atomic_load(&s_seen);
                signal_efd(S_HINT);
                CHECK(wait_above(&s_seen, was, 1000) >= 0);
        }
        dt = now_ns() - t0;
        printf("evwait: %d signals to a waiter in %lld ms: %llu wake-ups "
               "of the passive one\n", ROUNDS, (long long) dt / 1000000,
               (unsigned long long) (p_wakeups() - w0));
        /* About two per cover time (and a few for the start), not one
         * per signal. */
        CHECK(p_wakeups() - w0 <= (uint64_t) (8 + 3 * dt / COVER));
        CHECK_EQ(threads(), n0 + 1);

        /* Its signals still reach it (dispatched by the waiter). */
        n0 = atomic_load(&p_seen);
        signal_efd(P_HINT);
        CHECK(wait_above(&p_seen, n0, 1000) >= 0);

        /* The waiter stops: the passive one polls again in time. */
        atomic_store(&s_stop, true);
        CHECK(pthread_join(st, NULL) == 0);
        usleep(1000);
        n0 = atomic_load(&p_seen);
        signal_efd(P_HINT);
        dt = wait_above(&p_seen, n0, 1000);
        CHECK(dt >= 0 && dt < 4 * COVER + 50 * NS_PER_MS);
        printf("evwait: waiter gone, passive saw a signal in %lld us\n",
               (long long) dt / 1000);

        /* An event loop that polls the eventfd itself: hands off. */
        ew_lock();
        CHECK(ew_fd_self(&sw) >= 0);
        ew_unlock();
        usleep(20000);
        w0 = p_wakeups();
        signal_efd(S_HINT);
        usleep(20000);
        CHECK_EQ(p_wakeups(), w0);
        CHECK_EQ(read(efd, &v, sizeof(v)), (ssize_t) sizeof(v));
        CHECK_EQ(v, S_HINT); /* for the loop to read */

        atomic_store(&p_stop, true);
        ew_lock();
        ew_wake(&pw);
        ew_unlock();
        CHECK(pthread_join(pt, NULL) == 0);
        ew_watch_fini(&sw);
        ew_watch_fini(&pw);

        printf("test_evwait: ok\n");

        return 0;
}
