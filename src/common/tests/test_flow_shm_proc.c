/*
 * Ouroboros - flow shared memory between processes: fork()ed producers
 * and consumers blocking both ways (no loss, no hang: every process runs
 * under an alarm), an eventfd-driven event loop that must never miss a
 * packet, and kill -9 of a process blocked in a futex wait or killed at a
 * random instant, after which the survivor still works and learns of the
 * death through mark_dead (the IRMd's role, played by the parent).
 */

#include "common/flow_shm.h"
#include "common/flow_shm_layout.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do {                                                   \
        if (!(c)) {                                                     \
                fprintf(stderr, "[%d] %s:%d: CHECK(%s) failed\n",       \
                        (int) getpid(), __FILE__, __LINE__, #c);        \
                exit(1);                                                \
        }                                                               \
} while (0)

#define CHECK_EQ(a, b) do {                                             \
        long long a_ = (long long) (a);                                 \
        long long b_ = (long long) (b);                                 \
        if (a_ != b_) {                                                 \
                fprintf(stderr, "[%d] %s:%d: %s == %lld, expected %lld\n", \
                        (int) getpid(), __FILE__, __LINE__, #a, a_, b_); \
                exit(1);                                                \
        }                                                               \
} while (0)

#define ALARM_S 15 /* any process still running after this has hung */

static void pkt_fill(uint8_t * buf,
                     size_t    len,
                     uint32_t  seq)
{
        size_t i;

        for (i = 0; i < len; ++i)
                buf[i] = (uint8_t) (seq ^ (i * 13));
        if (len >= 4)
                memcpy(buf, &seq, 4);
}

static void pkt_check(const uint8_t * buf,
                      size_t          len,
                      uint32_t        seq)
{
        uint32_t got;
        size_t   i;

        if (len >= 4) {
                memcpy(&got, buf, 4);
                CHECK_EQ(got, seq);
        }
        for (i = len >= 4 ? 4 : 0; i < len; ++i)
                CHECK_EQ(buf[i], (uint8_t) (seq ^ (i * 13)));
}

static size_t pkt_len(uint32_t seq,
                      size_t   max)
{
        uint32_t x = seq * 2654435761u;

        return (x >> 7) % 4 == 0 ? max - (x % 16) : (x >> 9) % (max + 1);
}

/* Random short stalls so each side in turn finds the ring full/empty. */
static void maybe_stall(unsigned int * seed)
{
        int r = rand_r(seed) % 512;

        if (r == 0)
                usleep(200);
        else if (r < 8)
                sched_yield();
}

struct dir {
        struct flow_shm * s;
        uint32_t          n;
        size_t            max;
        unsigned int      seed;
};

static void * writer_run(void * o)
{
        struct dir * d = o;
        uint8_t      buf[4096];
        uint32_t     i;
        size_t       len;

        for (i = 0; i < d->n; ++i) {
                len = pkt_len(i, d->max);
                pkt_fill(buf, len, i);
                CHECK_EQ(flow_shm_write(d->s, buf, len, false, NULL), len);
                maybe_stall(&d->seed);
        }

        return NULL;
}

static void reader_run(struct dir * d)
{
        const void * pkt;
        uint32_t     i;
        ssize_t      n;

        for (i = 0; i < d->n; ++i) {
                n = flow_shm_peek(d->s, &pkt, false, NULL);
                CHECK_EQ(n, pkt_len(i, d->max));
                pkt_check(pkt, (size_t) n, i);
                flow_shm_consume(d->s);
                maybe_stall(&d->seed);
        }
}

/* Both directions at once: a writer thread, the reader in main. */
static void duplex(int      fd,
                   int      side,
                   uint32_t n,
                   size_t   max,
                   unsigned seed)
{
        struct dir   w;
        struct dir   r;
        pthread_t    t;
        const void * pkt;

        CHECK_EQ(flow_shm_map(fd, side, -1, &w.s), 0);
        r.s    = w.s;
        w.n    = r.n   = n;
        w.max  = r.max = max;
        w.seed = seed;
        r.seed = seed * 7 + 1;

        CHECK_EQ(pthread_create(&t, NULL, writer_run, &w), 0);
        reader_run(&r);
        pthread_join(t, NULL);

        /* Side 1 closes once the peer took all it sent; side 0 must
         * then see the end of the flow, and closes in turn. */
        if (side == 1) {
                while (flow_shm_txqlen(w.s) > 0)
                        usleep(100);
                flow_shm_close(w.s);
                CHECK_EQ(flow_shm_peek(r.s, &pkt, true, NULL), -ENOTALLOC);
        } else {
                CHECK_EQ(flow_shm_peek(r.s, &pkt, false, NULL), -EFLOWDOWN);
                CHECK_EQ(flow_shm_txqlen(w.s), 0);
                flow_shm_close(w.s);
        }
        flow_shm_unmap(w.s);
}

static void wait_ok(pid_t pid)
{
        int st;

        CHECK_EQ(waitpid(pid, &st, 0), pid);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "child failed (status %#x)\n", st);
                exit(1);
        }
}

static void test_duplex(void)
{
        struct flow_shm_conf c;
        pid_t                pid;
        int                  run;
        int                  fd;

        for (run = 0; run < 25; ++run) {
                c.ring_size = 16384;
                c.max_pkt   = run % 3 == 0 ? 64 : 4096;
                c.max_pkts  = run % 5 == 0 ? 1 : (run % 5 == 1 ? 2 : 64);

                fd = flow_shm_create(&c);
                CHECK(fd >= 0);
                pid = fork();
                CHECK(pid >= 0);
                if (pid == 0) {
                        alarm(ALARM_S);
                        duplex(fd, 1, 8000, c.max_pkt, run + 100);
                        _exit(0);
                }
                duplex(fd, 0, 8000, c.max_pkt, run);
                wait_ok(pid);
                close(fd);
        }
}

/*
 * An event loop in the child that sleeps only on its eventfd and reads
 * nonblocking, as fevent does: an edge the writer does not signal would
 * leave it asleep with packets waiting and fail the poll timeout.
 */
static void evloop_child(int      fd,
                         int      evfd,
                         uint32_t n)
{
        struct flow_shm * s;
        struct pollfd     pfd = { evfd, POLLIN, 0 };
        const void *      pkt;
        uint32_t          i = 0;
        uint64_t          v;
        ssize_t           r;
        int               ev;

        CHECK_EQ(flow_shm_map(fd, 1, -1, &s), 0);
        flow_shm_arm(s, true);
        for (;;) {
                ev = flow_shm_events(s);
                if (ev & FLOW_SHM_EV_PKT) {
                        while ((r = flow_shm_peek(s, &pkt, true, NULL)) >= 0) {
                                CHECK_EQ(r, pkt_len(i, 1024));
                                pkt_check(pkt, (size_t) r, i);
                                flow_shm_consume(s);
                                ++i;
                        }
                        CHECK(r == -EAGAIN || r == -EFLOWDOWN);
                }
                if (ev & FLOW_SHM_EV_DEALLOC)
                        break;
                if (poll(&pfd, 1, 5000) != 1) {
                        /* rxqlen > 0: a lost edge; 0: the writer hung. */
                        fprintf(stderr, "[%d] evloop: no signal for 5 s at"
                                " packet %u, rxqlen %zu, events %#x\n",
                                (int) getpid(), i, flow_shm_rxqlen(s),
                                flow_shm_events(s));
                        exit(1);
                }
                CHECK_EQ(read(evfd, &v, 8), 8);
        }
        CHECK_EQ(i, n);
        CHECK_EQ(flow_shm_peek(s, &pkt, true, NULL), -EFLOWDOWN);
        flow_shm_unmap(s);
}

static void test_evloop(void)
{
        struct flow_shm_conf c = { 65536, 256, 1024 };
        struct flow_shm *    s;
        unsigned int         seed = 5;
        uint8_t              buf[1024];
        uint32_t             i;
        pid_t                pid;
        int                  evfd;
        int                  fd;
        int                  run;

        for (run = 0; run < 4; ++run) {
                fd = flow_shm_create(&c);
                CHECK(fd >= 0);
                evfd = eventfd(0, EFD_CLOEXEC);
                CHECK(evfd >= 0);
                pid = fork();
                CHECK(pid >= 0);
                if (pid == 0) {
                        alarm(ALARM_S);
                        evloop_child(fd, evfd, 50000);
                        _exit(0);
                }
                CHECK_EQ(flow_shm_map(fd, 0, evfd, &s), 0);
                for (i = 0; i < 50000; ++i) {
                        pkt_fill(buf, pkt_len(i, 1024), i);
                        CHECK(flow_shm_write(s, buf, pkt_len(i, 1024),
                                             false, NULL) >= 0);
                        if (run > 0)
                                maybe_stall(&seed);
                }
                flow_shm_close(s);
                wait_ok(pid);
                flow_shm_unmap(s);
                close(evfd);
                close(fd);
        }
}

static struct shm_hdr * hdr_of(int fd)
{
        void * p = mmap(NULL, SHM_HDR_SIZE, PROT_READ | PROT_WRITE,
                        MAP_SHARED, fd, 0);

        CHECK(p != MAP_FAILED);

        return p;
}

/* Wait until the child announced itself as a sleeper, then some. */
static void wait_sleeper(_Atomic uint32_t * waiters)
{
        int64_t end = now_ns() + 5 * NS_PER_S;

        while (atomic_load(waiters) == 0) {
                CHECK(now_ns() < end);
                usleep(1000);
        }
        usleep(20000);
}

struct peeker {
        struct flow_shm * s;
        _Atomic ssize_t   ret;
};

static void * peeker_run(void * o)
{
        struct peeker * p = o;
        const void *    pkt;

        p->ret = flow_shm_peek(p->s, &pkt, false, NULL);

        return NULL;
}

/* kill -9 a child asleep in peek, then in write; the parent survives. */
static void test_kill_blocked(void)
{
        struct flow_shm_conf c = { 16384, 4, 1024 };
        struct flow_shm *    s;
        struct shm_hdr *     h;
        struct peeker        pk;
        pthread_t            t;
        const void *         pkt;
        uint8_t              buf[64] = { 0 };
        uint64_t             v;
        pid_t                pid;
        int                  evfd;
        int                  fd;
        int                  i;
        int                  st;

        fd = flow_shm_create(&c);
        CHECK(fd >= 0);
        h = hdr_of(fd);
        CHECK_EQ(flow_shm_map(fd, 0, -1, &s), 0);

        /* Child sleeps reading an empty channel 0. */
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                struct flow_shm * cs;
                alarm(ALARM_S);
                CHECK_EQ(flow_shm_map(fd, 1, -1, &cs), 0);
                flow_shm_peek(cs, &pkt, false, NULL);
                _exit(3); /* must not get here */
        }
        wait_sleeper(&h->chan[0].rwaiters);
        kill(pid, SIGKILL);
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        CHECK_EQ(atomic_load(&h->chan[0].rwaiters), 1); /* left behind */

        /* Survivor: writes still work (a spare wake is harmless). */
        for (i = 0; i < 4; ++i)
                CHECK_EQ(flow_shm_write(s, buf, 64, true, NULL), 64);
        CHECK_EQ(flow_shm_write(s, buf, 64, true, NULL), -EAGAIN);

        /* A new child fills its channel 1, then sleeps writing. */
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                struct flow_shm * cs;
                alarm(ALARM_S);
                CHECK_EQ(flow_shm_map(fd, 1, -1, &cs), 0);
                for (;;)
                        CHECK_EQ(flow_shm_write(cs, buf, 64, false, NULL),
                                 64);
        }
        wait_sleeper(&h->chan[1].wwaiters);
        kill(pid, SIGKILL);
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        CHECK(WIFSIGNALED(st));

        /* The packets it wrote before dying are intact and readable. */
        for (i = 0; i < 4; ++i) {
                CHECK_EQ(flow_shm_peek(s, &pkt, true, NULL), 64);
                flow_shm_consume(s);
        }

        /* A thread of ours now sleeps reading; the IRMd marks side 1
         * dead: it wakes with -EFLOWDOWN and the armed eventfd fires. */
        evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        CHECK(evfd >= 0);
        flow_shm_arm(s, true);
        pk.s   = s;
        pk.ret = 1;
        CHECK_EQ(pthread_create(&t, NULL, peeker_run, &pk), 0);
        usleep(20000);
        CHECK_EQ(pk.ret, 1);
        CHECK_EQ(flow_shm_mark_dead(fd, 1, evfd), 0);
        pthread_join(t, NULL);
        CHECK_EQ(pk.ret, -EFLOWDOWN);
        CHECK_EQ(read(evfd, &v, 8), 8);
        CHECK_EQ(flow_shm_events(s), FLOW_SHM_EV_DEALLOC);
        CHECK_EQ(flow_shm_write(s, buf, 64, true, NULL), -EFLOWDOWN);

        flow_shm_unmap(s);
        munmap(h, SHM_HDR_SIZE);
        close(evfd);
        close(fd);
}

/* kill -9 a flooding writer at a random instant: no hang, no garbage. */
static void test_kill_random(void)
{
        struct flow_shm_conf c = { 16384, 16, 1024 };
        struct flow_shm *    s;
        const void *         pkt;
        unsigned int         seed = 77;
        uint32_t             i;
        ssize_t              n;
        pid_t                pid;
        int                  run;
        int                  fd;

        for (run = 0; run < 10; ++run) {
                fd = flow_shm_create(&c);
                CHECK(fd >= 0);
                CHECK_EQ(flow_shm_map(fd, 1, -1, &s), 0);
                pid = fork();
                CHECK(pid >= 0);
                if (pid == 0) {
                        struct dir d;
                        alarm(ALARM_S);
                        CHECK_EQ(flow_shm_map(fd, 0, -1, &d.s), 0);
                        d.n    = UINT32_MAX;
                        d.max  = 1024;
                        d.seed = (unsigned) run;
                        writer_run(&d);
                        _exit(0);
                }
                /* Read for a while, then kill it mid-flight. */
                for (i = 0; i < 2000 + (uint32_t) (rand_r(&seed) % 3000); ++i) {
                        n = flow_shm_peek(s, &pkt, false, NULL);
                        CHECK_EQ(n, pkt_len(i, 1024));
                        pkt_check(pkt, (size_t) n, i);
                        flow_shm_consume(s);
                }
                kill(pid, SIGKILL);
                CHECK_EQ(waitpid(pid, NULL, 0), pid);
                CHECK_EQ(flow_shm_mark_dead(fd, 0, -1), 0);
                /* Drain what it published, intact, then -EFLOWDOWN. */
                while ((n = flow_shm_peek(s, &pkt, false, NULL)) >= 0) {
                        CHECK_EQ(n, pkt_len(i, 1024));
                        pkt_check(pkt, (size_t) n, i);
                        flow_shm_consume(s);
                        ++i;
                }
                CHECK_EQ(n, -EFLOWDOWN);
                flow_shm_unmap(s);
                close(fd);
        }
}

int main(void)
{
        alarm(ALARM_S * 3);

        test_duplex();
        test_evloop();
        test_kill_blocked();
        test_kill_random();

        printf("test_flow_shm_proc: all passed\n");

        return 0;
}
