/*
 * Ouroboros - unit tests of in-place writes into the flow memory
 * (flow_shm_reserve / flow_shm_commit): packets of random sizes reserved
 * large and committed shorter, mixed with copying writes, through a
 * small ring that wraps all the time; the errors; a state change between
 * reserve and commit; a blocked reserve woken by the reader; the
 * eventfd edge of a commit.
 */

#include "common/flow_shm.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define CHECK(c) do {                                                   \
        if (!(c)) {                                                     \
                fprintf(stderr, "%s:%d: CHECK(%s) failed\n",            \
                        __FILE__, __LINE__, #c);                        \
                exit(1);                                                \
        }                                                               \
} while (0)

#define CHECK_EQ(a, b) do {                                             \
        long long a_ = (long long) (a);                                 \
        long long b_ = (long long) (b);                                 \
        if (a_ != b_) {                                                 \
                fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", \
                        __FILE__, __LINE__, #a, a_, #b, b_);            \
                exit(1);                                                \
        }                                                               \
} while (0)

#define RING    16384
#define MAX_PKT 4096

struct pair {
        int               fd;
        struct flow_shm * s[2];
};

static void pair_open(struct pair * p,
                      size_t        max_pkts,
                      int           ev1)
{
        struct flow_shm_conf c = { RING, max_pkts, MAX_PKT };

        p->fd = flow_shm_create(&c);
        CHECK(p->fd >= 0);
        CHECK_EQ(flow_shm_map(p->fd, 0, ev1, &p->s[0]), 0);
        CHECK_EQ(flow_shm_map(p->fd, 1, -1, &p->s[1]), 0);
}

static void pair_close(struct pair * p)
{
        flow_shm_unmap(p->s[0]);
        flow_shm_unmap(p->s[1]);
        close(p->fd);
}

static uint8_t pat(uint32_t seq,
                   size_t   i)
{
        return (uint8_t) (seq * 13 + i * 5 + 1);
}

/* Random sizes, reserved at up to max_pkt and committed shorter, every
 * third packet a copying write: all arrive intact and in order. */
static void test_stream(void)
{
        struct pair  p;
        uint8_t      buf[MAX_PKT];
        size_t       lens[64];
        const void * pkt;
        unsigned int seed = 777;
        uint32_t     wseq = 0;
        uint32_t     rseq = 0;
        ssize_t      n;
        size_t       i;

        pair_open(&p, 64, -1);

        while (rseq < 50000) {
                int burst = rand_r(&seed) % 12;
                while (burst-- > 0 && wseq < 50000) {
                        size_t res = (size_t) rand_r(&seed) % (MAX_PKT + 1);
                        size_t len = res - (size_t) rand_r(&seed) % (res + 1);
                        void * room;
                        int    r;
                        if (wseq % 3 == 2) {
                                for (i = 0; i < len; ++i)
                                        buf[i] = pat(wseq, i);
                                n = flow_shm_write(p.s[0], buf, len, true,
                                                   NULL);
                                if (n == -EAGAIN)
                                        break;
                                CHECK_EQ(n, len);
                        } else {
                                r = flow_shm_reserve(p.s[0], res, &room,
                                                     true, NULL);
                                if (r == -EAGAIN)
                                        break;
                                CHECK_EQ(r, 0);
                                CHECK_EQ((uintptr_t) room % 8, 0);
                                for (i = 0; i < len; ++i)
                                        ((uint8_t *) room)[i] = pat(wseq, i);
                                CHECK_EQ(flow_shm_commit(p.s[0], len), 0);
                        }
                        lens[wseq % 64] = len;
                        ++wseq;
                }
                burst = rand_r(&seed) % 12;
                while (burst-- > 0) {
                        n = flow_shm_peek(p.s[1], &pkt, true, NULL);
                        if (n == -EAGAIN) {
                                CHECK_EQ(rseq, wseq);
                                break;
                        }
                        CHECK_EQ(n, lens[rseq % 64]);
                        for (i = 0; i < (size_t) n; ++i)
                                CHECK_EQ(((const uint8_t *) pkt)[i],
                                         pat(rseq, i));
                        flow_shm_consume(p.s[1]);
                        ++rseq;
                }
        }

        CHECK_EQ(flow_shm_rxqlen(p.s[1]), 0);
        pair_close(&p);
}

static void test_errors(void)
{
        struct pair     p;
        void *          room;
        void *          room2;
        const void *    pkt;
        uint8_t         b = 'w';
        struct timespec past = { 0, 0 };
        int             i;

        pair_open(&p, 4, -1);

        CHECK_EQ(flow_shm_commit(p.s[0], 0), -EINVAL); /* nothing reserved */
        CHECK_EQ(flow_shm_reserve(p.s[0], MAX_PKT + 1, &room, true, NULL),
                 -EMSGSIZE);
        CHECK_EQ(flow_shm_commit(p.s[0], 0), -EINVAL);

        /* Too long a commit; a second reserve replaces the first. */
        CHECK_EQ(flow_shm_reserve(p.s[0], 10, &room, true, NULL), 0);
        CHECK_EQ(flow_shm_commit(p.s[0], 11), -EINVAL);
        CHECK_EQ(flow_shm_commit(p.s[0], 1), -EINVAL); /* dropped */
        CHECK_EQ(flow_shm_reserve(p.s[0], 10, &room, true, NULL), 0);
        CHECK_EQ(flow_shm_reserve(p.s[0], 20, &room2, true, NULL), 0);
        CHECK(room == room2);
        memcpy(room2, "abcdefghijklmnopqrst", 20);
        CHECK_EQ(flow_shm_commit(p.s[0], 20), 0);
        CHECK_EQ(flow_shm_commit(p.s[0], 20), -EINVAL); /* used up */

        /* A write in between drops the reservation. */
        CHECK_EQ(flow_shm_reserve(p.s[0], 10, &room, true, NULL), 0);
        CHECK_EQ(flow_shm_write(p.s[0], &b, 1, true, NULL), 1);
        CHECK_EQ(flow_shm_commit(p.s[0], 1), -EINVAL);

        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), 20);
        CHECK_EQ(memcmp(pkt, "abcdefghijklmnopqrst", 20), 0);
        flow_shm_consume(p.s[1]);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), 1);
        flow_shm_consume(p.s[1]);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), -EAGAIN);

        /* Packet bound: full, nonblocking -EAGAIN, past deadline. */
        for (i = 0; i < 4; ++i) {
                CHECK_EQ(flow_shm_reserve(p.s[0], 8, &room, true, NULL), 0);
                CHECK_EQ(flow_shm_commit(p.s[0], 0), 0);
        }
        CHECK_EQ(flow_shm_reserve(p.s[0], 8, &room, true, NULL), -EAGAIN);
        CHECK_EQ(flow_shm_reserve(p.s[0], 8, &room, false, &past),
                 -ETIMEDOUT);
        for (i = 0; i < 4; ++i) {
                CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), 0);
                flow_shm_consume(p.s[1]);
        }

        /* The peer goes down between reserve and commit: not sent. */
        CHECK_EQ(flow_shm_reserve(p.s[0], 8, &room, true, NULL), 0);
        flow_shm_set_down(p.s[1], true);
        CHECK_EQ(flow_shm_commit(p.s[0], 8), -EFLOWDOWN);
        flow_shm_set_down(p.s[1], false);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), -EAGAIN);

        /* Closed: the peer's, then ours. */
        CHECK_EQ(flow_shm_reserve(p.s[0], 8, &room, true, NULL), 0);
        flow_shm_close(p.s[1]);
        CHECK_EQ(flow_shm_commit(p.s[0], 8), -EFLOWDOWN);
        CHECK_EQ(flow_shm_reserve(p.s[0], 8, &room, true, NULL), -EFLOWDOWN);
        flow_shm_close(p.s[0]);
        CHECK_EQ(flow_shm_reserve(p.s[0], 8, &room, true, NULL), -ENOTALLOC);

        pair_close(&p);
}

struct reserver {
        struct flow_shm * s;
        int               r;
};

static void * reserve_run(void * o)
{
        struct reserver * w = o;
        void *            room;

        w->r = flow_shm_reserve(w->s, MAX_PKT, &room, false, NULL);
        if (w->r == 0) {
                memset(room, 'z', MAX_PKT);
                w->r = flow_shm_commit(w->s, MAX_PKT);
        }

        return NULL;
}

/* A blocking reserve on a full ring sleeps and the reader wakes it. */
static void test_blocked(void)
{
        struct pair     p;
        struct reserver w;
        pthread_t       t;
        uint8_t         buf[MAX_PKT] = { 0 };
        const void *    pkt;
        int             i;

        pair_open(&p, 64, -1);
        for (i = 0; i < 3; ++i)
                CHECK_EQ(flow_shm_write(p.s[0], buf, MAX_PKT, true, NULL),
                         MAX_PKT);

        w.s = p.s[0];
        w.r = 1;
        CHECK_EQ(pthread_create(&t, NULL, reserve_run, &w), 0);
        usleep(50000);
        CHECK_EQ(w.r, 1); /* still waiting for room */

        for (i = 0; i < 3; ++i) {
                CHECK_EQ(flow_shm_peek(p.s[1], &pkt, false, NULL), MAX_PKT);
                flow_shm_consume(p.s[1]);
        }
        CHECK_EQ(pthread_join(t, NULL), 0);
        CHECK_EQ(w.r, 0);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), MAX_PKT);
        CHECK_EQ(((const uint8_t *) pkt)[MAX_PKT - 1], 'z');
        flow_shm_consume(p.s[1]);

        pair_close(&p);
}

/* An armed reader's eventfd is signalled by a commit, not a reserve. */
static void test_eventfd(void)
{
        struct pair p;
        void *      room;
        uint64_t    v;
        int         ev1;

        ev1 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        CHECK(ev1 >= 0);
        pair_open(&p, 64, ev1);
        flow_shm_arm(p.s[1], true);

        CHECK_EQ(flow_shm_reserve(p.s[0], 100, &room, true, NULL), 0);
        CHECK_EQ(read(ev1, &v, sizeof(v)), -1);
        CHECK_EQ(flow_shm_events(p.s[1]), 0);
        CHECK_EQ(flow_shm_commit(p.s[0], 50), 0);
        CHECK_EQ(read(ev1, &v, sizeof(v)), sizeof(v));
        CHECK_EQ(flow_shm_events(p.s[1]), FLOW_SHM_EV_PKT);

        pair_close(&p);
        close(ev1);
}

int main(void)
{
        alarm(30); /* a lost wake-up fails the test instead of hanging */

        test_stream();
        test_errors();
        test_blocked();
        test_eventfd();

        printf("test_flow_shm_inplace: all passed\n");

        return 0;
}
