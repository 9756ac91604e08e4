/*
 * Ouroboros - unit tests of event sets over the dispatcher (fqueue.c,
 * evwait.c): the test plays every peer itself, mapping the other side
 * of each flow with the process eventfd as the peer's, so it needs no
 * IRMd. Covers: events on set A's flows never wake set B's thread; a
 * set of 5 000 flows learns of the one flow with data without looking
 * at the others; the flow of the last signal is served before the
 * eventfd is read, and a signal summed into it meanwhile is not lost; fset_fd is level-triggered; many writers and armed
 * flows lose no wake-up, also with a hostile peer adding garbage to the
 * process eventfd.
 */
#include "evwait.h"
#include "flow_table.h"
#include "fqueue_priv.h"
#include "session.h"

#include "common/flow_shm.h"
#include "common/timeutil.h"

#include "../../../tests/check.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define MAXF 6000

static int               efd = -1;
static struct flow_shm * peer[MAXF]; /* the other side of flow fd */

int session_local_init(void)
{
        if (efd >= 0)
                return 0;
        if (ft_init() < 0)
                return -ENOMEM;
        efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (efd < 0)
                return -errno;
        evwait_init(efd);

        return 0;
}

/* A new flow: this process reads side 0, peer[fd] writes side 1 and
 * signals our eventfd. */
static int make_flow(void)
{
        struct flow_shm_conf conf;
        int                  memfd;
        int                  dupfd;
        int                  fd;

        flow_shm_conf_default(&conf);
        conf.ring_size = FLOW_SHM_RING_MIN;
        conf.max_pkt   = 256;
        conf.max_pkts  = 64;
        memfd = flow_shm_create(&conf);
        CHECK(memfd >= 0);
        dupfd = dup(memfd);
        CHECK(dupfd >= 0);
        fd = ft_reserve();
        CHECK(fd >= 0 && fd < MAXF);
        CHECK_EQ(ft_publish(fd, (uint32_t) fd + 1, memfd, 0, -1, 1,
                            &qos_data), 0);
        CHECK_EQ(flow_shm_map(dupfd, 1, efd, &peer[fd]), 0);
        close(dupfd);

        return fd;
}

static void peer_write(int fd)
{
        char b = 'x';

        CHECK_EQ(flow_shm_write(peer[fd], &b, 1, true, NULL), 1);
}

/* flow_read's path: one packet, then the drained hook. */
static bool read_one(int fd)
{
        struct ft_flow * f;
        const void *     p;
        int              err;
        bool             got;

        f = ft_get(fd, &err);
        CHECK(f != NULL);
        got = flow_shm_peek(f->shm, &p, true, NULL) >= 0;
        if (got)
                flow_shm_consume(f->shm);
        if (flow_shm_rxqlen(f->shm) == 0)
                fq_drained(fd);
        ft_put(f);

        return got;
}

static bool readable(int fd,
                     int ms)
{
        struct pollfd pfd = { .fd = fd, .events = POLLIN };

        return poll(&pfd, 1, ms) == 1 && (pfd.revents & POLLIN);
}

/* A caller that only ever polls (zero timeout) sees what arrived on an
 * armed flow, though no thread waits on the eventfd. */
static void test_poll_only(void)
{
        struct timespec zero = { 0, 0 };
        fset_t *        set  = fset_create();
        fqueue_t *      fq   = fqueue_create();
        int             fd   = make_flow();
        int             i;

        CHECK_EQ(fset_add(set, fd), 0);
        CHECK_EQ(fevent(set, fq, &zero), -ETIMEDOUT); /* armed now */
        for (i = 0; i < 100; ++i) {
                peer_write(fd);
                CHECK_EQ(fevent(set, fq, &zero), 1);
                CHECK(read_one(fd));
                CHECK_EQ(fevent(set, fq, &zero), -ETIMEDOUT);
        }
        fqueue_destroy(fq);
        fset_destroy(set);
}

/* A flow that keeps packets queued does not hide another's signal: it
 * is reported by the next poll at the latest. */
static bool polled(fset_t *   set,
                   fqueue_t * fq,
                   int        want)
{
        struct timespec zero = { 0, 0 };
        int             fd;
        bool            seen = false;

        CHECK(fevent(set, fq, &zero) > 0);
        while ((fd = fqueue_next(fq)) >= 0)
                seen = seen || fd == want;

        return seen;
}

static void test_fair(void)
{
        fset_t *   set = fset_create();
        fqueue_t * fq  = fqueue_create();
        int        a   = make_flow();
        int        b   = make_flow();
        int        i;

        CHECK_EQ(fset_add(set, a), 0);
        CHECK_EQ(fset_add(set, b), 0);
        peer_write(a);
        CHECK(polled(set, fq, a)); /* a stays listed: never drained */
        for (i = 0; i < 50; ++i) {
                peer_write(b);
                CHECK(polled(set, fq, b) || polled(set, fq, b));
                CHECK(read_one(b));
        }
        CHECK(read_one(a));
        fqueue_destroy(fq);
        fset_destroy(set);
}

/* A waiter woken by the eventfd looks at the flow of the last signal
 * before it reads the eventfd (ew_poll_hot): the eventfd stays readable
 * until its next call, and another flow's signal summed into it
 * meanwhile is reported by that call. */
static void test_hot(void)
{
        struct timespec t   = { 5, 0 };
        fset_t *        set = fset_create();
        fqueue_t *      fq  = fqueue_create();
        int             a   = make_flow();
        int             b   = make_flow();
        int             i;

        CHECK_EQ(fset_add(set, a), 0);
        CHECK_EQ(fset_add(set, b), 0);
        CHECK_EQ(fevent(set, fq, &(struct timespec) { 0, 0 }), -ETIMEDOUT);
        peer_write(a); /* read as usual: a's token becomes the hot one */
        CHECK_EQ(fevent(set, fq, &t), 1);
        CHECK(read_one(a));
        CHECK(!readable(efd, 0));
        /* Unlisted (a listed flow is looked at before any wait). */
        CHECK_EQ(fevent(set, fq, &(struct timespec) { 0, 0 }), -ETIMEDOUT);
        for (i = 0; i < 20; ++i) {
                peer_write(a);
                CHECK_EQ(fevent(set, fq, &t), 1);
                CHECK_EQ(fqueue_next(fq), a);
                CHECK(readable(efd, 0)); /* left for later */
                if (i % 2 == 0)
                        peer_write(b);
                CHECK(read_one(a));
                if (i % 2 == 0) {
                        CHECK_EQ(fevent(set, fq, &t), 1);
                        CHECK_EQ(fqueue_next(fq), b);
                        CHECK(read_one(b));
                }
                CHECK_EQ(fevent(set, fq, &(struct timespec) { 0, 0 }),
                         -ETIMEDOUT);
                CHECK(!readable(efd, 0));
        }
        fqueue_destroy(fq);
        fset_destroy(set);
}

/* One waiter, polling the eventfd itself (no dispatcher thread yet): a
 * flow that got its packet before it joined the set is seen at once. */
struct one {
        fset_t * set;
        ssize_t  n;
};

static void * one_wait(void * arg)
{
        struct one *    o  = arg;
        fqueue_t *      fq = fqueue_create();
        struct timespec t  = { 10, 0 };

        o->n = fevent(o->set, fq, &t);
        fqueue_destroy(fq);

        return NULL;
}

static void test_add_pending(void)
{
        struct one o = { fset_create(), 0 };
        pthread_t  t;
        int        fd = make_flow();
        int64_t    t0;

        CHECK_EQ(pthread_create(&t, NULL, one_wait, &o), 0);
        usleep(100000); /* asleep in poll() */
        peer_write(fd); /* not armed: no signal */
        t0 = check_now_ms();
        CHECK_EQ(fset_add(o.set, fd), 0);
        pthread_join(t, NULL);
        CHECK_EQ(o.n, 1);
        CHECK(check_now_ms() - t0 < 5000);
        CHECK(read_one(fd));
        fset_destroy(o.set);
}

/* Two threads on two sets: A's traffic never wakes B's thread. */
struct waiter {
        fset_t *         set;
        _Atomic uint64_t got;
        _Atomic bool     stop;
};

static void * wait_loop(void * arg)
{
        struct waiter * w  = arg;
        fqueue_t *      fq = fqueue_create();
        struct timespec t  = { 20, 0 };
        int             fd;

        while (!atomic_load(&w->stop)) {
                if (fevent(w->set, fq, &t) <= 0)
                        continue;
                while ((fd = fqueue_next(fq)) >= 0)
                        if (fqueue_type(fq) == FLOW_PKT)
                                while (read_one(fd))
                                        atomic_fetch_add(&w->got, 1);
        }
        fqueue_destroy(fq);

        return NULL;
}

static void test_isolation(void)
{
        struct waiter a = { fset_create(), 0, false };
        struct waiter b = { fset_create(), 0, false };
        pthread_t     ta;
        pthread_t     tb;
        int           fa[8];
        int           fb[8];
        uint64_t      wb;
        int64_t       end;
        int           i;

        for (i = 0; i < 8; ++i) {
                fa[i] = make_flow();
                fb[i] = make_flow();
                CHECK_EQ(fset_add(a.set, fa[i]), 0);
                CHECK_EQ(fset_add(b.set, fb[i]), 0);
        }
        CHECK_EQ(pthread_create(&ta, NULL, wait_loop, &a), 0);
        CHECK_EQ(pthread_create(&tb, NULL, wait_loop, &b), 0);
        usleep(100000); /* both asleep */

        wb = fq_wakeups(b.set);
        for (i = 0; i < 2000; ++i) {
                peer_write(fa[i % 8]);
                end = check_now_ms() + 10000;
                while (atomic_load(&a.got) < (uint64_t) i + 1)
                        CHECK(check_now_ms() < end);
        }
        CHECK_EQ(fq_wakeups(b.set), wb); /* B slept through it all */
        CHECK_EQ(atomic_load(&b.got), 0);

        /* B still gets its own. */
        peer_write(fb[3]);
        end = check_now_ms() + 10000;
        while (atomic_load(&b.got) < 1)
                CHECK(check_now_ms() < end);

        atomic_store(&a.stop, true);
        atomic_store(&b.stop, true);
        peer_write(fa[0]);
        peer_write(fb[0]);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        printf("isolation: 2000 events on A's flows, B's thread woke 0 "
               "times for them\n");
        fset_destroy(a.set);
        fset_destroy(b.set);
}

/* fset_add kicks the process eventfd once per new member, so a waiter
 * in poll() comes out; kicks that pile up in the counter are read as one
 * value naming no flow, which the dispatcher answers with a full check
 * of its sets. A slow dispatcher thread (TSan) may still be doing so
 * after the adds return: drain the counter and wait until the
 * dispatcher is quiet before measuring. */
static void settle(void)
{
        struct fq_stats a;
        struct fq_stats b;
        uint64_t        v;

        do {
                while (read(efd, &v, sizeof(v)) == (ssize_t) sizeof(v))
                        ;
                fq_stats(&a);
                usleep(50000);
                fq_stats(&b);
        } while (a.full != b.full || a.dispatched != b.dispatched);
}

/* 5 000 flows, one gets data: fevent looks at that one only. */
struct big {
        fset_t *  set;
        int       fd;
        ssize_t   n;
};

static void * big_wait(void * arg)
{
        struct big *    b  = arg;
        fqueue_t *      fq = fqueue_create();
        struct timespec t  = { 20, 0 };

        b->n  = fevent(b->set, fq, &t);
        b->fd = fqueue_next(fq);
        fqueue_destroy(fq);

        return NULL;
}

static void test_big_set(void)
{
        struct timespec zero = { 0, 0 };
        struct big      b;
        struct fq_stats s0;
        struct fq_stats s1;
        fqueue_t *      fq = fqueue_create();
        pthread_t       t;
        int             fds[5000];
        int             i;

        b.set = fset_create();
        for (i = 0; i < 5000; ++i) {
                fds[i] = make_flow();
                CHECK_EQ(fset_add(b.set, fds[i]), 0);
        }
        /* The first look lists (and arms) every member, once. */
        CHECK_EQ(fevent(b.set, fq, &zero), -ETIMEDOUT);
        settle();

        fq_stats(&s0);
        CHECK_EQ(pthread_create(&t, NULL, big_wait, &b), 0);
        usleep(100000);
        peer_write(fds[4321]);
        pthread_join(t, NULL);
        fq_stats(&s1);

        CHECK_EQ(b.n, 1);
        CHECK_EQ(b.fd, fds[4321]);
        printf("5000 flows, one with data: fevent examined %llu, "
               "dispatcher %llu, full dispatches %llu\n",
               (unsigned long long) (s1.examined - s0.examined),
               (unsigned long long) (s1.dispatched - s0.dispatched),
               (unsigned long long) (s1.full - s0.full));
        CHECK(s1.examined - s0.examined <= 2);
        CHECK(s1.dispatched - s0.dispatched <= 2);
        CHECK_EQ(s1.full - s0.full, 0);

        CHECK(read_one(fds[4321]));
        fqueue_destroy(fq);
        fset_destroy(b.set);
        for (i = 0; i < 5000; ++i) {
                uint32_t id;
                flow_shm_unmap(peer[fds[i]]);
                peer[fds[i]] = NULL;
                CHECK_EQ(ft_close_begin(fds[i], &id), 0);
                ft_close_end(fds[i]);
        }
}

/* fset_fd: readable while a packet is left, not once drained. */
static void test_level_fd(void)
{
        struct timespec zero = { 0, 0 };
        fset_t *        set  = fset_create();
        fqueue_t *      fq   = fqueue_create();
        int             f1   = make_flow();
        int             f2   = make_flow();
        int             sfd;
        int             n    = 0;
        int             i;

        CHECK_EQ(fset_add(set, f1), 0);
        CHECK_EQ(fset_add(set, f2), 0);
        sfd = fset_fd(set);
        CHECK(sfd >= 0);
        CHECK_EQ(fset_fd(set), sfd);

        /* The new members are listed until looked at. */
        CHECK_EQ(fevent(set, fq, &zero), -ETIMEDOUT);
        CHECK(!readable(sfd, 0));

        peer_write(f1);
        peer_write(f1);
        peer_write(f2);
        CHECK(readable(sfd, 5000));
        /* The dispatcher thread may have lit the fd for f1 before it
         * dispatched f2's signal: f2 comes with this call or a later
         * one (fqueue.c, "Fairness"), never lost. */
        for (i = 0; i < 500 && (n = fevent(set, fq, &zero)) != 2; ++i)
                usleep(10000);
        CHECK_EQ(n, 2);
        CHECK(read_one(f1));
        CHECK(readable(sfd, 0)); /* one left on f1, one on f2 */
        CHECK(read_one(f2));
        CHECK(readable(sfd, 0)); /* one left on f1 */
        CHECK(read_one(f1));
        CHECK(!readable(sfd, 0)); /* drained */

        /* Without fevent at all: one packet per wake-up. */
        peer_write(f2);
        peer_write(f2);
        CHECK(readable(sfd, 5000));
        CHECK(read_one(f2));
        CHECK(readable(sfd, 0));
        CHECK(read_one(f2));
        CHECK(!readable(sfd, 0));

        /* A member that leaves takes its packets' readability along. */
        peer_write(f2);
        CHECK(readable(sfd, 5000));
        fset_del(set, f2);
        CHECK(!readable(sfd, 0));
        CHECK_EQ(fset_add(set, f2), 0);
        CHECK(readable(sfd, 0));
        CHECK(read_one(f2));
        CHECK(!readable(sfd, 0));

        /* A state change is an event too, until reported. */
        flow_shm_set_down(peer[f1], true);
        CHECK(readable(sfd, 5000));
        CHECK_EQ(fevent(set, fq, &zero), 1);
        CHECK_EQ(fqueue_next(fq), f1);
        CHECK_EQ(fqueue_type(fq), FLOW_DOWN);
        CHECK_EQ(fevent(set, fq, &zero), -ETIMEDOUT);
        CHECK(!readable(sfd, 0));
        flow_shm_set_down(peer[f1], false);
        CHECK(readable(sfd, 5000));
        CHECK_EQ(fevent(set, fq, &zero), 1);
        CHECK_EQ(fqueue_type(fq), 0); /* before fqueue_next */
        fqueue_next(fq);
        CHECK_EQ(fqueue_type(fq), FLOW_UP);
        CHECK_EQ(fevent(set, fq, &zero), -ETIMEDOUT);
        CHECK(!readable(sfd, 0));

        fqueue_destroy(fq);
        fset_destroy(set);
}

/* Many writers, many armed flows, two kinds of readers, a hostile
 * peer adding garbage to the eventfd: every packet is seen. */
#define WRITERS 4
#define PERW    32
#define PKTS    3000 /* per writer */

static int              sflows[WRITERS * PERW];
static _Atomic uint64_t sread;
static _Atomic bool     sdone;

static void * writer(void * arg)
{
        int      w = (int) (intptr_t) arg;
        unsigned seed = (unsigned) w;
        char     b = 'y';
        int      i;

        for (i = 0; i < PKTS; ++i) {
                int fd = sflows[w * PERW + rand_r(&seed) % PERW];
                while (flow_shm_write(peer[fd], &b, 1, true, NULL) ==
                       -EAGAIN)
                        sched_yield();
                if (rand_r(&seed) % 64 == 0)
                        usleep(50);
        }

        return NULL;
}

static void * hostile(void * arg)
{
        unsigned seed = 7;
        uint64_t v;

        (void) arg;
        while (!atomic_load(&sdone)) {
                switch (rand_r(&seed) % 4) {
                case 0: v = ((uint64_t) rand_r(&seed) << 32) | rand_r(&seed);
                        break;
                case 1: v = fq_token(sflows[rand_r(&seed) % PERW], 1);
                        break;
                case 2: v = (1ULL << 61) | (uint64_t) rand_r(&seed);
                        break;
                default: v = 0xfffffffffffffffeULL;
                }
                if (write(efd, &v, sizeof(v)) < 0)
                        usleep(10);
                usleep(100);
        }

        return NULL;
}

/* One packet of each flow with an event. */
static void read_events(fset_t *                set,
                        fqueue_t *              fq,
                        const struct timespec * t)
{
        int fd;

        if (fevent(set, fq, t) <= 0)
                return;
        while ((fd = fqueue_next(fq)) >= 0)
                if (read_one(fd))
                        atomic_fetch_add(&sread, 1);
}

/* Reader over fset_fd: poll, fevent(0), one packet per flow per wake. */
static void * fd_reader(void * arg)
{
        fset_t *        set  = arg;
        fqueue_t *      fq   = fqueue_create();
        struct timespec zero = { 0, 0 };
        int             sfd  = fset_fd(set);

        while (!atomic_load(&sdone))
                if (readable(sfd, 100))
                        read_events(set, fq, &zero);
        fqueue_destroy(fq);

        return NULL;
}

static void * ev_reader(void * arg)
{
        fset_t *        set = arg;
        fqueue_t *      fq  = fqueue_create();
        struct timespec t   = { 0, 100000000 };

        while (!atomic_load(&sdone))
                read_events(set, fq, &t);
        fqueue_destroy(fq);

        return NULL;
}

static void test_stress(void)
{
        fset_t *  s1 = fset_create();
        fset_t *  s2 = fset_create();
        pthread_t w[WRITERS];
        pthread_t r1;
        pthread_t r2;
        pthread_t h;
        int64_t   end;
        int       i;

        for (i = 0; i < WRITERS * PERW; ++i) {
                sflows[i] = make_flow();
                CHECK_EQ(fset_add(i % 2 ? s1 : s2, sflows[i]), 0);
        }
        CHECK_EQ(pthread_create(&r1, NULL, fd_reader, s1), 0);
        CHECK_EQ(pthread_create(&r2, NULL, ev_reader, s2), 0);
        CHECK_EQ(pthread_create(&h, NULL, hostile, NULL), 0);
        for (i = 0; i < WRITERS; ++i)
                CHECK_EQ(pthread_create(&w[i], NULL, writer,
                                        (void *) (intptr_t) i), 0);
        for (i = 0; i < WRITERS; ++i)
                pthread_join(w[i], NULL);

        end = check_now_ms() + 30000;
        while (atomic_load(&sread) < WRITERS * PKTS && check_now_ms() < end)
                usleep(1000);
        CHECK_EQ(atomic_load(&sread), WRITERS * PKTS);
        atomic_store(&sdone, true);
        pthread_join(r1, NULL);
        pthread_join(r2, NULL);
        pthread_join(h, NULL);
        fset_destroy(s1);
        fset_destroy(s2);
}

int main(void)
{
        alarm(120);
        CHECK_EQ(session_local_init(), 0);

        test_poll_only();   /* first: before any dispatcher thread */
        test_fair();
        test_hot();
        test_add_pending();
        test_level_fd();
        test_isolation();
        test_big_set();
        test_stress();

        printf("test_fset: %d passed\n", (int) check_passed);

        return 0;
}
