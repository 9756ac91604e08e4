/*
 * Ouroboros - unit tests of the eventfd dispatcher: several threads wait
 * on their own "flows" through one process eventfd; a producer wakes
 * them one event at a time and waits until the event was seen, so a
 * single lost or stolen wake-up shows as a timeout. Also: timeouts and
 * evwait_kick.
 */
#include "evwait.h"

#include "common/timeutil.h"

#include "../../../tests/check.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define WAITERS 4
#define ROUNDS  20000

static int               efd;
static _Atomic uint64_t  produced[WAITERS];
static _Atomic uint64_t  seen[WAITERS];
static _Atomic bool      done;

static void * waiter(void * o)
{
        int k = (int) (intptr_t) o;

        while (!atomic_load(&done)) {
                struct timespec dl  = ns_to_ts(now_ns() + 5 * NS_PER_S);
                uint64_t        g   = evwait_gen();
                uint64_t        cur = atomic_load(&produced[k]);
                if (cur != atomic_load(&seen[k])) {
                        atomic_store(&seen[k], cur);
                        continue;
                }
                if (evwait_wait(g, &dl) == -ETIMEDOUT &&
                    !atomic_load(&done)) {
                        fprintf(stderr, "waiter %d: lost wake-up\n", k);
                        exit(1);
                }
        }

        return NULL;
}

static void test_no_lost_wakeups(void)
{
        pthread_t th[WAITERS];
        uint64_t  one = 1;
        int       i;

        for (i = 0; i < WAITERS; ++i)
                CHECK(pthread_create(&th[i], NULL, waiter,
                                     (void *) (intptr_t) i) == 0);

        for (i = 0; i < ROUNDS; ++i) {
                int     k  = i % WAITERS;
                int64_t t0 = now_ns();
                uint64_t v = atomic_fetch_add(&produced[k], 1) + 1;
                CHECK(write(efd, &one, sizeof(one)) == sizeof(one));
                while (atomic_load(&seen[k]) != v) {
                        CHECK(now_ns() - t0 < 5 * NS_PER_S);
                        if (i % 64 == 0)
                                usleep(100); /* let them sleep for real */
                        else
                                sched_yield();
                }
        }

        atomic_store(&done, true);
        evwait_kick();
        for (i = 0; i < WAITERS; ++i)
                pthread_join(th[i], NULL);
}

static void test_timeout(void)
{
        struct timespec dl = ns_to_ts(now_ns() + 50 * NS_PER_MS);
        int64_t         t0 = now_ns();

        CHECK(evwait_wait(evwait_gen(), &dl) == -ETIMEDOUT);
        CHECK(now_ns() - t0 >= 45 * NS_PER_MS);
        CHECK(now_ns() - t0 < 1000 * NS_PER_MS);
}

static void * kicker(void * o)
{
        (void) o;
        usleep(50 * 1000);
        evwait_kick();

        return NULL;
}

static void test_kick(void)
{
        struct timespec dl = ns_to_ts(now_ns() + 5 * NS_PER_S);
        pthread_t       th;
        uint64_t        g = evwait_gen();

        CHECK(pthread_create(&th, NULL, kicker, NULL) == 0);
        CHECK(evwait_wait(g, &dl) == 0);
        CHECK(evwait_gen() != g);
        pthread_join(th, NULL);
}

int main(void)
{
        efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        CHECK(efd >= 0);
        evwait_init(efd);

        test_timeout();
        test_kick();
        test_no_lost_wakeups();

        return check_report("evwait");
}
