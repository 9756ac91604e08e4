/*
 * Ouroboros - unit tests of the flow shared memory within one process:
 * configuration and header checks, ring wrap-around, full/empty/timeout
 * errors, state changes and events, the eventfd only when armed (and
 * not while the reader is awake), a
 * corrupt peer, and local close / third-party mark_dead waking a blocked
 * thread.
 */

#include "common/flow_shm.h"
#include "common/flow_shm_layout.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
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

struct pair {
        int               fd;
        struct flow_shm * s[2];
};

static void pair_open(struct pair * p,
                      size_t        ring,
                      size_t        max_pkts,
                      size_t        max_pkt,
                      int           ev0,
                      int           ev1)
{
        struct flow_shm_conf c = { ring, max_pkts, max_pkt };

        p->fd = flow_shm_create(&c);
        CHECK(p->fd >= 0);
        /* side 0 gets the eventfd of the process reading side 1 */
        CHECK_EQ(flow_shm_map(p->fd, 0, ev1, &p->s[0]), 0);
        CHECK_EQ(flow_shm_map(p->fd, 1, ev0, &p->s[1]), 0);
}

static void pair_close(struct pair * p)
{
        flow_shm_unmap(p->s[0]);
        flow_shm_unmap(p->s[1]);
        close(p->fd);
}

static struct timespec in_ms(int ms)
{
        return ns_to_ts(now_ns() + ms * NS_PER_MS);
}

static void test_conf(void)
{
        struct flow_shm_conf c;

        flow_shm_conf_default(&c);
        CHECK_EQ(flow_shm_conf_check(&c), 0);

        c.ring_size = FLOW_SHM_RING_DEF + 1;
        CHECK_EQ(flow_shm_conf_check(&c), -EINVAL);
        flow_shm_conf_default(&c);
        c.ring_size = FLOW_SHM_RING_MIN / 2;
        CHECK_EQ(flow_shm_conf_check(&c), -EINVAL);
        flow_shm_conf_default(&c);
        c.max_pkt = c.ring_size / 4 + 1;
        CHECK_EQ(flow_shm_conf_check(&c), -EINVAL);
        flow_shm_conf_default(&c);
        c.max_pkts = 0;
        CHECK_EQ(flow_shm_conf_check(&c), -EINVAL);
        CHECK_EQ(flow_shm_create(&c), -EINVAL);
}

/* Deterministic payload: sequence number and a checksum of the rest. */
static void pkt_fill(uint8_t * buf,
                     size_t    len,
                     uint32_t  seq)
{
        size_t i;

        for (i = 0; i < len; ++i)
                buf[i] = (uint8_t) (seq * 31 + i * 7);
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
                if (buf[i] != (uint8_t) (seq * 31 + i * 7)) {
                        fprintf(stderr, "pkt %u byte %zu corrupt\n", seq, i);
                        exit(1);
                }
}

/*
 * 100000 packets of random sizes 0..max_pkt through a 16 KiB ring with
 * 4 KiB packets: lots of wrap markers. Random bursts on both sides.
 */
static void test_wrap(void)
{
        struct pair   p;
        uint8_t       buf[4096];
        const void *  pkt;
        uint32_t      wseq = 0;
        uint32_t      rseq = 0;
        size_t        lens[64];
        unsigned int  seed = 12345;
        ssize_t       n;
        int           burst;

        pair_open(&p, 16384, 64, 4096, -1, -1);

        while (rseq < 100000) {
                burst = rand_r(&seed) % 16;
                while (burst-- > 0 && wseq < 100000) {
                        size_t len = rand_r(&seed) % 5 == 0 ?
                                (size_t) (4096 - rand_r(&seed) % 8) :
                                (size_t) rand_r(&seed) % 4097;
                        pkt_fill(buf, len, wseq);
                        n = flow_shm_write(p.s[0], buf, len, true, NULL);
                        if (n == -EAGAIN)
                                break;
                        CHECK_EQ(n, len);
                        lens[wseq % 64] = len;
                        ++wseq;
                        CHECK_EQ(flow_shm_txqlen(p.s[0]), wseq - rseq);
                        CHECK_EQ(flow_shm_rxqlen(p.s[1]), wseq - rseq);
                }
                burst = rand_r(&seed) % 16;
                while (burst-- > 0) {
                        n = flow_shm_peek(p.s[1], &pkt, true, NULL);
                        if (n == -EAGAIN) {
                                CHECK_EQ(rseq, wseq);
                                break;
                        }
                        CHECK_EQ(n, lens[rseq % 64]);
                        pkt_check(pkt, (size_t) n, rseq);
                        CHECK_EQ((uintptr_t) pkt % 8, 0);
                        flow_shm_consume(p.s[1]);
                        ++rseq;
                }
        }

        CHECK_EQ(flow_shm_rxqlen(p.s[1]), 0);
        CHECK_EQ(flow_shm_txqlen(p.s[0]), 0);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), -EAGAIN);
        pair_close(&p);
}

static void test_full_and_errors(void)
{
        struct pair     p;
        uint8_t         buf[4096] = { 0 };
        const void *    pkt;
        struct timespec t;
        int64_t         t0;
        int             i;

        pair_open(&p, 16384, 8, 4096, -1, -1);

        CHECK_EQ(flow_shm_max_pkt(p.s[0]), 4096);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 4097, true, NULL), -EMSGSIZE);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 4097, false, NULL), -EMSGSIZE);

        /* Packet bound: max_pkts small packets, then -EAGAIN. */
        for (i = 0; i < 8; ++i)
                CHECK_EQ(flow_shm_write(p.s[0], buf, 1, true, NULL), 1);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 1, true, NULL), -EAGAIN);
        CHECK_EQ(flow_shm_txqlen(p.s[0]), 8);
        CHECK_EQ(flow_shm_rxqlen(p.s[1]), 8);
        CHECK_EQ(flow_shm_rxqlen(p.s[0]), 0);
        CHECK_EQ(flow_shm_txqlen(p.s[1]), 0);

        /* Blocking write on a full ring times out. */
        t0 = now_ns();
        t  = in_ms(50);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 1, false, &t), -ETIMEDOUT);
        CHECK(now_ns() - t0 >= 45 * NS_PER_MS);
        CHECK(now_ns() - t0 < 1000 * NS_PER_MS);

        /* Peek is idempotent until consumed. */
        for (i = 0; i < 8; ++i) {
                CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), 1);
                CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), 1);
                flow_shm_consume(p.s[1]);
                flow_shm_consume(p.s[1]); /* no-op */
        }
        CHECK_EQ(flow_shm_rxqlen(p.s[1]), 0);

        /* Byte bound: 16 KiB ring, 4 KiB + 8 records. */
        for (i = 0; i < 3; ++i)
                CHECK_EQ(flow_shm_write(p.s[0], buf, 4096, true, NULL), 4096);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 4096, true, NULL), -EAGAIN);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 0, true, NULL), 0);
        for (i = 0; i < 3; ++i) {
                CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), 4096);
                flow_shm_consume(p.s[1]);
        }
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), 0);
        flow_shm_consume(p.s[1]);

        /* Empty: nonblock -EAGAIN, deadline -ETIMEDOUT. */
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), -EAGAIN);
        t0 = now_ns();
        t  = in_ms(50);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, false, &t), -ETIMEDOUT);
        CHECK(now_ns() - t0 >= 45 * NS_PER_MS);
        t = in_ms(-10); /* already past */
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, false, &t), -ETIMEDOUT);

        pair_close(&p);
}

static void test_close_drain(void)
{
        struct pair  p;
        const void * pkt;
        uint8_t      buf[100];
        int          i;

        pair_open(&p, 16384, 64, 1024, -1, -1);

        for (i = 0; i < 5; ++i) {
                pkt_fill(buf, sizeof(buf), (uint32_t) i);
                CHECK_EQ(flow_shm_write(p.s[0], buf, 100, true, NULL), 100);
        }
        flow_shm_close(p.s[0]);
        CHECK_EQ(flow_shm_peer_state(p.s[1]), FLOW_SIDE_CLOSED);
        CHECK_EQ(flow_shm_events(p.s[1]),
                 FLOW_SHM_EV_PKT | FLOW_SHM_EV_DEALLOC);
        CHECK_EQ(flow_shm_events(p.s[1]), FLOW_SHM_EV_PKT); /* once */

        /* Writes to a closed peer fail, own writes after close too. */
        CHECK_EQ(flow_shm_write(p.s[1], buf, 1, true, NULL), -EFLOWDOWN);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 1, true, NULL), -ENOTALLOC);
        CHECK_EQ(flow_shm_peek(p.s[0], &pkt, true, NULL), -ENOTALLOC);

        for (i = 0; i < 5; ++i) {
                CHECK_EQ(flow_shm_peek(p.s[1], &pkt, false, NULL), 100);
                pkt_check(pkt, 100, (uint32_t) i);
                flow_shm_consume(p.s[1]);
        }
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, false, NULL), -EFLOWDOWN);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), -EFLOWDOWN);
        CHECK_EQ(flow_shm_events(p.s[1]), 0);

        pair_close(&p);
}

/* The loss count: what side 0's writer adds, side 1's reader sees,
 * and not the other way round; nothing else changes. */
static void test_lost(void)
{
        struct pair  p;
        const void * pkt;
        uint8_t      buf[8] = { 1 };

        pair_open(&p, 16384, 64, 1024, -1, -1);

        CHECK_EQ(flow_shm_lost(p.s[1]), 0);
        flow_shm_lost_add(p.s[0], 3);
        flow_shm_lost_add(p.s[0], 4);
        CHECK_EQ(flow_shm_lost(p.s[1]), 7);
        CHECK_EQ(flow_shm_lost(p.s[0]), 0);     /* the other channel */
        CHECK(flow_shm_write(p.s[0], buf, sizeof(buf), true, NULL) >= 0);
        CHECK_EQ(flow_shm_rxqlen(p.s[1]), 1);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), (ssize_t) sizeof(buf));
        flow_shm_consume(p.s[1]);
        CHECK_EQ(flow_shm_events(p.s[1]), 0);   /* no event of its own */
        flow_shm_lost_add(p.s[1], 1);
        CHECK_EQ(flow_shm_lost(p.s[0]), 1);

        pair_close(&p);
}

static void test_down_up(void)
{
        struct pair  p;
        const void * pkt;
        uint8_t      buf[8] = { 0 };

        pair_open(&p, 16384, 64, 1024, -1, -1);

        CHECK_EQ(flow_shm_events(p.s[1]), 0);
        CHECK(!flow_shm_is_down(p.s[1]));
        flow_shm_set_down(p.s[0], true);
        CHECK(flow_shm_is_down(p.s[0]));
        CHECK(flow_shm_is_down(p.s[1]));
        CHECK_EQ(flow_shm_peer_state(p.s[1]), FLOW_SIDE_DOWN);
        CHECK_EQ(flow_shm_events(p.s[1]), FLOW_SHM_EV_DOWN);
        CHECK_EQ(flow_shm_events(p.s[1]), 0);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 8, true, NULL), -EFLOWDOWN);
        CHECK_EQ(flow_shm_write(p.s[1], buf, 8, true, NULL), -EFLOWDOWN);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, false, NULL), -EFLOWDOWN);

        flow_shm_set_down(p.s[0], false);
        CHECK_EQ(flow_shm_events(p.s[1]), FLOW_SHM_EV_UP);
        CHECK_EQ(flow_shm_events(p.s[1]), 0);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 8, true, NULL), 8);

        /* IRMd: an IPCP under the flow died. */
        CHECK_EQ(flow_shm_mark_down(p.fd, -1, -1), 0);
        CHECK_EQ(flow_shm_peer_state(p.s[1]), FLOW_SIDE_DOWN);
        CHECK_EQ(flow_shm_peer_state(p.s[0]), FLOW_SIDE_DOWN);
        CHECK_EQ(flow_shm_events(p.s[1]), FLOW_SHM_EV_PKT | FLOW_SHM_EV_DOWN);
        CHECK_EQ(flow_shm_events(p.s[0]), FLOW_SHM_EV_DOWN);
        CHECK_EQ(flow_shm_write(p.s[1], buf, 8, true, NULL), -EFLOWDOWN);
        /* Data queued before still drains. */
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), 8);
        flow_shm_consume(p.s[1]);

        /* mark_dead of side 0: side 1 sees DEALLOC. */
        CHECK_EQ(flow_shm_mark_dead(p.fd, 0, -1), 0);
        CHECK_EQ(flow_shm_peer_state(p.s[1]), FLOW_SIDE_DEAD);
        CHECK_EQ(flow_shm_events(p.s[1]), FLOW_SHM_EV_DEALLOC);
        CHECK_EQ(flow_shm_mark_dead(p.fd, 2, -1), -EINVAL);

        pair_close(&p);
}

static uint64_t evfd_count(int efd)
{
        uint64_t v;

        if (read(efd, &v, sizeof(v)) != sizeof(v))
                return 0; /* EAGAIN: nonblocking and not signalled */

        return v;
}

static void test_eventfd_armed(void)
{
        struct pair  p;
        const void * pkt;
        uint8_t      buf[8] = { 0 };
        int          ev1;
        int          i;

        ev1 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        CHECK(ev1 >= 0);
        pair_open(&p, 16384, 64, 1024, -1, ev1);

        /* Not armed: no signal for packets or state changes. */
        CHECK_EQ(flow_shm_write(p.s[0], buf, 8, true, NULL), 8);
        flow_shm_set_down(p.s[0], true);
        flow_shm_set_down(p.s[0], false);
        CHECK_EQ(evfd_count(ev1), 0);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), 8);
        flow_shm_consume(p.s[1]);

        /* Armed: the empty -> non-empty edge signals, not every packet. */
        flow_shm_arm(p.s[1], true);
        CHECK_EQ(flow_shm_events(p.s[1]) & FLOW_SHM_EV_PKT, 0);
        for (i = 0; i < 3; ++i)
                CHECK_EQ(flow_shm_write(p.s[0], buf, 8, true, NULL), 8);
        CHECK_EQ(evfd_count(ev1), 1);
        CHECK_EQ(flow_shm_events(p.s[1]), FLOW_SHM_EV_PKT);
        for (i = 0; i < 3; ++i) {
                CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), 8);
                flow_shm_consume(p.s[1]);
        }
        CHECK_EQ(flow_shm_events(p.s[1]), 0);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 8, true, NULL), 8);
        CHECK_EQ(evfd_count(ev1), 1);
        flow_shm_set_down(p.s[0], true);
        CHECK_EQ(evfd_count(ev1), 1);
        CHECK_EQ(flow_shm_events(p.s[1]), FLOW_SHM_EV_PKT | FLOW_SHM_EV_DOWN);
        flow_shm_set_down(p.s[0], false);
        CHECK_EQ(evfd_count(ev1), 1);

        /* Counted: two arms need two disarms. */
        flow_shm_arm(p.s[1], true);
        flow_shm_arm(p.s[1], false);
        flow_shm_close(p.s[0]);
        CHECK_EQ(evfd_count(ev1), 1);
        flow_shm_arm(p.s[1], false);
        flow_shm_arm(p.s[1], false); /* stays at 0 */
        CHECK_EQ(flow_shm_mark_dead(p.fd, 0, ev1), 0);
        CHECK_EQ(evfd_count(ev1), 0);

        pair_close(&p);
        close(ev1);
}

/* The awake flag: no signal for packets while the reader's poller is
 * out of poll(), the packet seen by the look after the flag went;
 * state changes always signal; refused and cleared with two sets. */
static void test_eventfd_awake(void)
{
        struct pair  p;
        const void * pkt;
        uint8_t      buf[8] = { 0 };
        int          ev1;

        ev1 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        CHECK(ev1 >= 0);
        pair_open(&p, 16384, 64, 1024, -1, ev1);

        CHECK(!flow_shm_set_awake(p.s[1], true)); /* not armed */
        flow_shm_arm(p.s[1], true);
        CHECK(flow_shm_set_awake(p.s[1], true));
        CHECK_EQ(flow_shm_write(p.s[0], buf, 8, true, NULL), 8);
        CHECK_EQ(evfd_count(ev1), 0);             /* spared */
        flow_shm_set_down(p.s[0], true);          /* state: signalled */
        CHECK_EQ(evfd_count(ev1), 1);
        flow_shm_set_down(p.s[0], false);
        CHECK_EQ(evfd_count(ev1), 1);
        CHECK(flow_shm_set_awake(p.s[1], false));
        CHECK(flow_shm_pending(p.s[1]));          /* the look before a sleep */
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), 8);
        flow_shm_consume(p.s[1]);

        /* Off: the empty -> non-empty edge signals again. */
        CHECK_EQ(flow_shm_write(p.s[0], buf, 8, true, NULL), 8);
        CHECK_EQ(evfd_count(ev1), 1);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), 8);
        flow_shm_consume(p.s[1]);

        /* A second set: the flag goes and cannot come back. */
        CHECK(flow_shm_set_awake(p.s[1], true));
        flow_shm_arm(p.s[1], true);
        CHECK(!flow_shm_set_awake(p.s[1], true));
        CHECK_EQ(flow_shm_write(p.s[0], buf, 8, true, NULL), 8);
        CHECK_EQ(evfd_count(ev1), 1);
        flow_shm_arm(p.s[1], false);
        flow_shm_arm(p.s[1], false);

        pair_close(&p);
        close(ev1);
}

/* The IRMd's mark_dead signals the surviving side's eventfd if armed. */
static void test_eventfd_mark_dead(void)
{
        struct pair p;
        int         ev0;

        ev0 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        CHECK(ev0 >= 0);
        pair_open(&p, 16384, 64, 1024, ev0, -1);
        CHECK_EQ(flow_shm_mark_down(p.fd, ev0, -1), 0);
        CHECK_EQ(evfd_count(ev0), 0); /* not armed */
        flow_shm_set_down(p.s[0], false);
        flow_shm_set_down(p.s[1], false);
        flow_shm_arm(p.s[0], true);
        CHECK_EQ(flow_shm_events(p.s[0]) & FLOW_SHM_EV_DEALLOC, 0);
        CHECK_EQ(flow_shm_mark_dead(p.fd, 1, ev0), 0);
        CHECK_EQ(evfd_count(ev0), 1);
        CHECK_EQ(flow_shm_events(p.s[0]), FLOW_SHM_EV_DEALLOC);
        pair_close(&p);
        close(ev0);
}

static void * map_all(int fd)
{
        void * p = mmap(NULL, SHM_HDR_SIZE + 2 * 16384,
                        PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

        CHECK(p != MAP_FAILED);

        return p;
}

static void test_bad_header(void)
{
        struct flow_shm_conf c = { 16384, 64, 1024 };
        struct flow_shm *    s;
        struct shm_hdr *     h;
        uint64_t             save;
        int                  fd;
        int                  raw;

        fd = flow_shm_create(&c);
        CHECK(fd >= 0);
        h = map_all(fd);

        CHECK_EQ(flow_shm_map(fd, 2, -1, &s), -EINVAL);

        h->magic ^= 1;
        CHECK_EQ(flow_shm_map(fd, 0, -1, &s), -EBADMSG);
        CHECK_EQ(flow_shm_mark_dead(fd, 0, -1), -EBADMSG);
        h->magic ^= 1;

        h->version = 99;
        CHECK_EQ(flow_shm_map(fd, 0, -1, &s), -EBADMSG);
        h->version = SHM_VERSION;

        save = h->ring_size;
        h->ring_size = 32768; /* larger than the memfd */
        CHECK_EQ(flow_shm_map(fd, 0, -1, &s), -EBADMSG);
        h->total_size = SHM_HDR_SIZE + 2 * 32768;
        h->ring_off[1] = SHM_HDR_SIZE + 32768;
        CHECK_EQ(flow_shm_map(fd, 0, -1, &s), -EBADMSG);
        h->ring_size = save;
        h->total_size = SHM_HDR_SIZE + 2 * save;
        h->ring_off[1] = SHM_HDR_SIZE + save;

        save = h->max_pkt;
        h->max_pkt = 16384;
        CHECK_EQ(flow_shm_map(fd, 0, -1, &s), -EBADMSG);
        h->max_pkt = save;

        h->ring_off[0] = 0;
        CHECK_EQ(flow_shm_map(fd, 0, -1, &s), -EBADMSG);
        h->ring_off[0] = SHM_HDR_SIZE;

        /* A tail beyond the consumer's head + ring. */
        atomic_store(&h->chan[0].tail, 1u << 20);
        CHECK_EQ(flow_shm_map(fd, 0, -1, &s), -EBADMSG);
        atomic_store(&h->chan[0].tail, 0);

        CHECK_EQ(flow_shm_map(fd, 0, -1, &s), 0);
        flow_shm_unmap(s);
        munmap(h, SHM_HDR_SIZE + 2 * 16384);
        close(fd);

        /* Same header copied into an unsealed memfd: rejected. */
        fd = flow_shm_create(&c);
        CHECK(fd >= 0);
        raw = memfd_create("raw", MFD_CLOEXEC);
        CHECK(raw >= 0);
        CHECK_EQ(ftruncate(raw, SHM_HDR_SIZE + 2 * 16384), 0);
        h = map_all(fd);
        CHECK_EQ(pwrite(raw, h, SHM_HDR_SIZE, 0), SHM_HDR_SIZE);
        CHECK_EQ(flow_shm_map(raw, 0, -1, &s), -EBADMSG);
        CHECK_EQ(flow_shm_mark_down(raw, -1, -1), -EBADMSG);
        /* Too small, and not a flow at all. */
        CHECK_EQ(ftruncate(raw, 100), 0);
        CHECK_EQ(flow_shm_map(raw, 0, -1, &s), -EBADMSG);
        CHECK_EQ(ftruncate(raw, 0), 0);
        CHECK_EQ(ftruncate(raw, 1 << 20), 0);
        CHECK_EQ(flow_shm_map(raw, 0, -1, &s), -EBADMSG);
        munmap(h, SHM_HDR_SIZE + 2 * 16384);
        close(raw);
        close(fd);
}

/* A peer that scribbles on the ring: -EBADMSG, never a crash. */
static void test_bad_record(void)
{
        struct pair      p;
        struct shm_hdr * h;
        uint8_t *        ring0;
        const void *     pkt;
        uint8_t          buf[64] = { 0 };
        uint8_t          big[1000] = { 0 };
        uint32_t         v;

        /* A huge length. */
        pair_open(&p, 16384, 64, 1024, -1, -1);
        h = map_all(p.fd);
        ring0 = (uint8_t *) h + h->ring_off[0];
        CHECK_EQ(flow_shm_write(p.s[0], buf, 64, true, NULL), 64);
        v = 0x7fffffff;
        memcpy(ring0, &v, 4);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), -EBADMSG);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, false, NULL), -EBADMSG);
        munmap(h, SHM_HDR_SIZE + 2 * 16384);
        pair_close(&p);

        /* A length within max_pkt but beyond what was published. */
        pair_open(&p, 16384, 64, 1024, -1, -1);
        h = map_all(p.fd);
        ring0 = (uint8_t *) h + h->ring_off[0];
        CHECK_EQ(flow_shm_write(p.s[0], buf, 64, true, NULL), 64);
        v = 1000;
        memcpy(ring0, &v, 4);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), -EBADMSG);
        munmap(h, SHM_HDR_SIZE + 2 * 16384);
        pair_close(&p);

        /* A length above max_pkt, though within what was published. */
        pair_open(&p, 16384, 64, 1024, -1, -1);
        h = map_all(p.fd);
        ring0 = (uint8_t *) h + h->ring_off[0];
        for (v = 0; v < 10; ++v)
                CHECK_EQ(flow_shm_write(p.s[0], buf, 64, true, NULL), 64);
        for (v = 0; v < 10; ++v)
                CHECK_EQ(flow_shm_write(p.s[0], big, 1000, true, NULL),
                         1000);
        v = 1100;
        memcpy(ring0, &v, 4);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), -EBADMSG);
        munmap(h, SHM_HDR_SIZE + 2 * 16384);
        pair_close(&p);

        /* A wrap marker where there is no room for a record after it. */
        pair_open(&p, 16384, 64, 1024, -1, -1);
        h = map_all(p.fd);
        ring0 = (uint8_t *) h + h->ring_off[0];
        CHECK_EQ(flow_shm_write(p.s[0], buf, 64, true, NULL), 64);
        v = REC_WRAP;
        memcpy(ring0, &v, 4);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), -EBADMSG);
        munmap(h, SHM_HDR_SIZE + 2 * 16384);
        pair_close(&p);

        /* A forged tail: beyond the ring, and misaligned. */
        pair_open(&p, 16384, 64, 1024, -1, -1);
        h = map_all(p.fd);
        atomic_store(&h->chan[0].tail, 3 * 16384);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), -EBADMSG);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), -EBADMSG);
        munmap(h, SHM_HDR_SIZE + 2 * 16384);
        pair_close(&p);

        pair_open(&p, 16384, 64, 1024, -1, -1);
        h = map_all(p.fd);
        atomic_store(&h->chan[0].tail, 12);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), -EBADMSG);
        munmap(h, SHM_HDR_SIZE + 2 * 16384);
        pair_close(&p);

        /* A forged head (reader ahead of the writer): writer refuses. */
        pair_open(&p, 16384, 2, 1024, -1, -1);
        h = map_all(p.fd);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 64, true, NULL), 64);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 64, true, NULL), 64);
        atomic_store(&h->chan[0].head, 1u << 30);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 64, true, NULL), -EBADMSG);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 64, true, NULL), -EBADMSG);
        munmap(h, SHM_HDR_SIZE + 2 * 16384);
        pair_close(&p);

        /* A garbage state word reads as dead. */
        pair_open(&p, 16384, 64, 1024, -1, -1);
        h = map_all(p.fd);
        atomic_store(&h->state[0], 77);
        CHECK_EQ(flow_shm_peer_state(p.s[1]), FLOW_SIDE_DEAD);
        CHECK_EQ(flow_shm_write(p.s[1], buf, 8, true, NULL), -EFLOWDOWN);
        munmap(h, SHM_HDR_SIZE + 2 * 16384);
        pair_close(&p);
}

struct blocker {
        struct flow_shm * s;
        bool              write;
        _Atomic ssize_t   ret;
        _Atomic int64_t   done;
};

static void * blocker_run(void * o)
{
        struct blocker * b = o;
        const void *     pkt;
        uint8_t          buf[64] = { 0 };

        if (b->write)
                b->ret = flow_shm_write(b->s, buf, 64, false, NULL);
        else
                b->ret = flow_shm_peek(b->s, &pkt, false, NULL);
        b->done = now_ns();

        return NULL;
}

/* Start a thread blocking in peek or write, make sure it sleeps. */
static void blocker_start(struct blocker * b,
                          pthread_t *      t,
                          struct flow_shm * s,
                          bool             write)
{
        b->s     = s;
        b->write = write;
        b->ret   = 1;
        CHECK_EQ(pthread_create(t, NULL, blocker_run, b), 0);
        usleep(50000);
        CHECK_EQ(b->ret, 1);
}

static void test_wake_blocked(void)
{
        struct pair    p;
        struct blocker b;
        pthread_t      t;
        uint8_t        buf[64] = { 0 };
        int64_t        t0;

        /* Local close wakes a blocked reader: -ENOTALLOC. */
        pair_open(&p, 16384, 64, 1024, -1, -1);
        blocker_start(&b, &t, p.s[1], false);
        t0 = now_ns();
        flow_shm_close(p.s[1]);
        pthread_join(t, NULL);
        CHECK_EQ(b.ret, -ENOTALLOC);
        CHECK(b.done - t0 < 500 * NS_PER_MS); /* promptly, not by a timeout */
        pair_close(&p);

        /* Local close wakes a blocked writer: -ENOTALLOC. */
        pair_open(&p, 16384, 1, 1024, -1, -1);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 64, true, NULL), 64);
        blocker_start(&b, &t, p.s[0], true);
        flow_shm_close(p.s[0]);
        pthread_join(t, NULL);
        CHECK_EQ(b.ret, -ENOTALLOC);
        pair_close(&p);

        /* A third party (the IRMd) marks the writer dead. */
        pair_open(&p, 16384, 64, 1024, -1, -1);
        blocker_start(&b, &t, p.s[1], false);
        CHECK_EQ(flow_shm_mark_dead(p.fd, 0, -1), 0);
        pthread_join(t, NULL);
        CHECK_EQ(b.ret, -EFLOWDOWN);
        pair_close(&p);

        /* ... or the reader dead: the blocked writer learns it. */
        pair_open(&p, 16384, 1, 1024, -1, -1);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 64, true, NULL), 64);
        blocker_start(&b, &t, p.s[0], true);
        CHECK_EQ(flow_shm_mark_dead(p.fd, 1, -1), 0);
        pthread_join(t, NULL);
        CHECK_EQ(b.ret, -EFLOWDOWN);
        pair_close(&p);

        /* A packet wakes a blocked reader; a consume a blocked writer. */
        pair_open(&p, 16384, 1, 1024, -1, -1);
        blocker_start(&b, &t, p.s[1], false);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 64, true, NULL), 64);
        pthread_join(t, NULL);
        CHECK_EQ(b.ret, 64);
        blocker_start(&b, &t, p.s[0], true);
        flow_shm_consume(p.s[1]);
        pthread_join(t, NULL);
        CHECK_EQ(b.ret, 64);
        pair_close(&p);

        /* mark_down wakes both. */
        pair_open(&p, 16384, 64, 1024, -1, -1);
        blocker_start(&b, &t, p.s[0], false);
        CHECK_EQ(flow_shm_mark_down(p.fd, -1, -1), 0);
        pthread_join(t, NULL);
        CHECK_EQ(b.ret, -EFLOWDOWN);
        pair_close(&p);
}

int main(void)
{
        alarm(30); /* a lost wake-up fails the test instead of hanging */

        test_conf();
        test_wrap();
        test_full_and_errors();
        test_close_drain();
        test_lost();
        test_down_up();
        test_eventfd_armed();
        test_eventfd_awake();
        test_eventfd_mark_dead();
        test_bad_header();
        test_bad_record();
        test_wake_blocked();

        printf("test_flow_shm: all passed\n");

        return 0;
}
