/*
 * Ouroboros - unit tests of how much of its ring a flow uses and when a
 * blocked writer is woken: a quiet flow touches only the start of its
 * ring, a flood grows it to a bounded window (also for a non-blocking
 * writer: IPCPs write so), a reader that lags after keeping up still
 * finds the window grown at the wrap point, a process may raise the
 * window of its writers (the shims), a 1 MiB packet passes by
 * default (three in flight), and a writer sleeping on a full ring is
 * woken once half of it was read, not at the first packet read (also
 * when the packet count is full and the next packet must wrap). A
 * random mix of sizes up to 1 MiB between two blocking threads checks
 * that no wake-up is lost with the window and the wake target.
 */

#include "common/flow_shm.h"
#include "common/flow_shm_layout.h"
#include "common/timeutil.h"

#include "../../../tests/check.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIB (1024 * 1024)

struct pair {
        int               fd;
        struct flow_shm * s[2];
};

static void pair_open(struct pair *                p,
                      const struct flow_shm_conf * c)
{
        p->fd = flow_shm_create(c);
        CHECK(p->fd >= 0);
        CHECK_EQ(flow_shm_map(p->fd, 0, -1, &p->s[0]), 0);
        CHECK_EQ(flow_shm_map(p->fd, 1, -1, &p->s[1]), 0);
}

static void pair_close(struct pair * p)
{
        flow_shm_unmap(p->s[0]);
        flow_shm_unmap(p->s[1]);
        close(p->fd);
}

/* Pages of channel 0's ring (side 0 writes it) allocated in the memfd. */
static size_t ring0_pages(const struct pair * p,
                          size_t              ring)
{
        size_t          pg  = (size_t) sysconf(_SC_PAGESIZE);
        size_t          len = SHM_HDR_SIZE + 2 * ring;
        unsigned char * vec;
        uint8_t *       m;
        size_t          i;
        size_t          n = 0;

        m = mmap(NULL, len, PROT_READ, MAP_SHARED, p->fd, 0);
        CHECK(m != MAP_FAILED);
        vec = malloc(len / pg);
        CHECK(vec != NULL);
        CHECK_EQ(mincore(m, len, vec), 0);
        for (i = SHM_HDR_SIZE / pg; i < (SHM_HDR_SIZE + ring) / pg; ++i)
                n += vec[i] & 1;
        free(vec);
        munmap(m, len);

        return n;
}

static void fill(uint8_t * buf,
                 size_t    len,
                 uint32_t  seq)
{
        size_t i;

        for (i = 0; i < len; ++i)
                buf[i] = (uint8_t) (seq * 13 + i * 7 + (i >> 12));
}

static void check_pkt(const uint8_t * pkt,
                      size_t          len,
                      uint32_t        seq)
{
        size_t i;

        for (i = 0; i < len; ++i)
                if (pkt[i] != (uint8_t) (seq * 13 + i * 7 + (i >> 12))) {
                        fprintf(stderr, "packet %u byte %zu corrupt\n",
                                seq, i);
                        exit(1);
                }
}

/* The defaults carry 1 MiB; a quiet flow touches 32 KiB of its ring. */
static void test_quiet_flow(void)
{
        struct flow_shm_conf c;
        struct pair          p;
        const void *         pkt;
        uint8_t              buf[1500];
        size_t               pg = (size_t) sysconf(_SC_PAGESIZE);
        int                  i;

        flow_shm_conf_default(&c);
        CHECK(c.max_pkt >= MIB);
        pair_open(&p, &c);
        CHECK(flow_shm_max_pkt(p.s[0]) >= MIB);

        /* 15 MB in lock step: a plain byte ring would touch all of it. */
        for (i = 0; i < 10000; ++i) {
                fill(buf, sizeof(buf), (uint32_t) i);
                CHECK_EQ(flow_shm_write(p.s[0], buf, sizeof(buf), true, NULL),
                         sizeof(buf));
                CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL),
                         sizeof(buf));
                check_pkt(pkt, sizeof(buf), (uint32_t) i);
                flow_shm_consume(p.s[1]);
        }
        CHECK(ring0_pages(&p, c.ring_size) <= FLOW_SHM_WIN_INIT / pg);
        pair_close(&p);
}

/* A flood (write until full, read all) grows to the flood window only. */
static void test_flood_window(void)
{
        struct flow_shm_conf c;
        struct pair          p;
        const void *         pkt;
        uint8_t              buf[1500] = { 0 };
        size_t               pg = (size_t) sysconf(_SC_PAGESIZE);
        size_t               n;
        int                  round;

        flow_shm_conf_default(&c);
        c.max_pkts = 100000;
        pair_open(&p, &c);
        for (round = 0; round < 20; ++round) {
                n = 0;
                while (flow_shm_write(p.s[0], buf, sizeof(buf), true,
                                      NULL) > 0)
                        ++n;
                /* the window filled: at least the initial, at most 1 MiB */
                CHECK(n * (sizeof(buf) + REC_HDR) >= FLOW_SHM_WIN_INIT / 2);
                CHECK(n * (sizeof(buf) + REC_HDR) <= FLOW_SHM_WIN_FLOOD);
                while (n-- > 0) {
                        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL),
                                 sizeof(buf));
                        flow_shm_consume(p.s[1]);
                }
        }
        CHECK(ring0_pages(&p, c.ring_size) <= FLOW_SHM_WIN_FLOOD / pg);
        CHECK(ring0_pages(&p, c.ring_size) > FLOW_SHM_WIN_INIT / pg);
        pair_close(&p);
}

/*
 * A non-blocking writer grows its window like a blocking one: with a
 * reader that reads nothing, writes (copied and in place) succeed until
 * the flood window is full, not only the initial 32 KiB.
 */
static void test_nonblock_grows(void)
{
        struct flow_shm_conf c;
        struct pair          p;
        uint8_t              buf[1450] = { 0 };
        size_t               rec = REC_HDR + ((sizeof(buf) + 7) & ~7UL);
        void *               w;
        size_t               n;
        int                  inplace;

        for (inplace = 0; inplace < 2; ++inplace) {
                flow_shm_conf_default(&c);
                pair_open(&p, &c);
                n = 0;
                for (;;) {
                        if (inplace) {
                                if (flow_shm_reserve(p.s[0], sizeof(buf), &w,
                                                     true, NULL) < 0)
                                        break;
                                CHECK_EQ(flow_shm_commit(p.s[0],
                                                         sizeof(buf)), 0);
                        } else if (flow_shm_write(p.s[0], buf, sizeof(buf),
                                                  true, NULL) < 0) {
                                break;
                        }
                        ++n;
                }
                CHECK_EQ(flow_shm_write(p.s[0], buf, sizeof(buf), true,
                                        NULL), -EAGAIN);
                CHECK(n * rec > FLOW_SHM_WIN_FLOOD - rec);
                CHECK(n * rec <= FLOW_SHM_WIN_FLOOD);
                pair_close(&p);
        }
}

/* A process that raised its writers' window (the eth and udp shims:
 * flow_shm_win_flood) queues up to it for a reader that reads nothing
 * (4 MiB: the whole default ring, minus what max_pkts allows), and
 * lowers it back for the flows it opens after. */
static void test_raised_window(void)
{
        struct flow_shm_conf c;
        struct pair          p;
        uint8_t              buf[1400] = { 0 };
        size_t               rec = REC_HDR + ((sizeof(buf) + 7) & ~7UL);
        size_t               n;

        flow_shm_win_flood(FLOW_SHM_WIN_RX);
        flow_shm_conf_default(&c);
        CHECK(c.ring_size >= FLOW_SHM_WIN_RX);
        pair_open(&p, &c);
        for (n = 0; flow_shm_write(p.s[0], buf, sizeof(buf), true,
                                   NULL) > 0; ++n)
                ;
        CHECK(n * rec > 2 * FLOW_SHM_WIN_FLOOD);
        CHECK(n == c.max_pkts || n * rec > FLOW_SHM_WIN_RX - rec);
        pair_close(&p);

        flow_shm_win_flood(FLOW_SHM_WIN_FLOOD);
        pair_open(&p, &c);
        for (n = 0; flow_shm_write(p.s[0], buf, sizeof(buf), true,
                                   NULL) > 0; ++n)
                ;
        CHECK(n * rec <= FLOW_SHM_WIN_FLOOD);
        pair_close(&p);
}

/* A reader that keeps up, then lags: the writer reached its wrap point
 * with most of the window unread, so the lap after it is longer, and a
 * non-blocking writer (an IPCP) finds room for far more than the first
 * window before -EAGAIN. Growing only on a full window would have
 * wrapped at 32 KiB and left about 10 KiB of room in a 4 MiB ring. */
static void test_lagging_reader(void)
{
        struct flow_shm_conf c;
        struct pair          p;
        const void *         pkt;
        uint8_t              buf[1000] = { 0 };
        size_t               rec = REC_HDR + sizeof(buf);
        size_t               n = 0;
        size_t               i;

        flow_shm_conf_default(&c);
        pair_open(&p, &c);
        /* close to the first wrap point, a third of it read */
        for (i = 0; (i + 2) * rec <= FLOW_SHM_WIN_INIT; ++i)
                CHECK_EQ(flow_shm_write(p.s[0], buf, sizeof(buf), true,
                                        NULL), sizeof(buf));
        for (i = 0; i < FLOW_SHM_WIN_INIT / 3 / rec; ++i) {
                CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL),
                         sizeof(buf));
                flow_shm_consume(p.s[1]);
        }
        /* then the reader stops */
        while (flow_shm_write(p.s[0], buf, sizeof(buf), true, NULL) > 0)
                ++n;
        CHECK(n * rec >= 2 * FLOW_SHM_WIN_INIT);
        pair_close(&p);
}

/* 1 MiB packets after small ones: three in flight, intact. */
static void test_big_packets(void)
{
        struct flow_shm_conf c;
        struct pair          p;
        const void *         pkt;
        uint8_t *            buf;
        uint32_t             i;

        flow_shm_conf_default(&c);
        pair_open(&p, &c);
        buf = malloc(MIB);
        CHECK(buf != NULL);

        CHECK_EQ(flow_shm_write(p.s[0], buf, 100, true, NULL), 100);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), 100);
        flow_shm_consume(p.s[1]);

        for (i = 0; i < 3; ++i) {
                fill(buf, MIB, i);
                CHECK_EQ(flow_shm_write(p.s[0], buf, MIB, true, NULL), MIB);
        }
        CHECK_EQ(flow_shm_write(p.s[0], buf, MIB, true, NULL), -EAGAIN);
        CHECK_EQ(flow_shm_write(p.s[0], buf, MIB + 1, true, NULL), -EMSGSIZE);
        for (i = 0; i < 3; ++i) {
                CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), MIB);
                check_pkt(pkt, MIB, i);
                flow_shm_consume(p.s[1]);
        }
        /* Small again after the big ones. */
        fill(buf, 200, 7);
        CHECK_EQ(flow_shm_write(p.s[0], buf, 200, true, NULL), 200);
        CHECK_EQ(flow_shm_peek(p.s[1], &pkt, true, NULL), 200);
        check_pkt(pkt, 200, 7);
        flow_shm_consume(p.s[1]);

        free(buf);
        pair_close(&p);
}

struct writer {
        struct flow_shm * s;
        size_t            len;
        _Atomic ssize_t   ret;
};

static void * writer_run(void * o)
{
        struct writer * w = o;
        static uint8_t  buf[32000];

        atomic_store(&w->ret, flow_shm_write(w->s, buf, w->len, false,
                                             NULL));
        return NULL;
}

static void consume(struct flow_shm * s,
                    int               n)
{
        const void * pkt;

        while (n-- > 0) {
                CHECK(flow_shm_peek(s, &pkt, true, NULL) >= 0);
                flow_shm_consume(s);
        }
}

/*
 * A writer blocked on a full ring sleeps until half of what was queued
 * is read: 15 packets of 1 KiB queued, it needs room for one (1 read)
 * but is woken only at the 8th (half the bytes and the packets).
 */
static void test_writer_wake(void)
{
        struct flow_shm_conf c = { 16384, 64, 1024 };
        struct pair          p;
        struct writer        w;
        pthread_t            t;
        uint8_t              buf[1024] = { 0 };
        int                  n = 0;
        int                  i;

        pair_open(&p, &c);
        while (flow_shm_write(p.s[0], buf, sizeof(buf), true, NULL) > 0)
                ++n;
        CHECK_EQ(n, 15);

        w.s   = p.s[0];
        w.len = sizeof(buf);
        atomic_store(&w.ret, 1);
        CHECK_EQ(pthread_create(&t, NULL, writer_run, &w), 0);
        usleep(50000);
        CHECK_EQ(atomic_load(&w.ret), 1);

        for (i = 1; i <= 7; ++i) { /* room after 1, woken only after 8 */
                consume(p.s[1], 1);
                usleep(i == 1 ? 100000 : 10000);
                CHECK_EQ(atomic_load(&w.ret), 1);
                CHECK_EQ(flow_shm_rxqlen(p.s[1]), 15 - i);
        }

        consume(p.s[1], 1);
        pthread_join(t, NULL);
        CHECK_EQ(atomic_load(&w.ret), sizeof(buf));
        CHECK_EQ(flow_shm_rxqlen(p.s[1]), 8);
        pair_close(&p);
}

/*
 * The packet count full while the next record must wrap at a small
 * window with more bytes than are queued: the writer must grow its
 * window before it sleeps, or no consume ever reaches its target.
 */
static void test_count_full_wrap(void)
{
        struct flow_shm_conf c = { 1 << 20, 1, 32768 };
        struct pair          p;
        struct writer        w;
        pthread_t            t;
        uint8_t              buf[1000] = { 0 };
        int64_t              t0;

        pair_open(&p, &c);
        CHECK_EQ(flow_shm_write(p.s[0], buf, sizeof(buf), true, NULL), 1000);

        w.s   = p.s[0];
        w.len = 32000; /* 1008 + 32008 > the 32 KiB window: wraps */
        atomic_store(&w.ret, 1);
        CHECK_EQ(pthread_create(&t, NULL, writer_run, &w), 0);
        usleep(50000);
        CHECK_EQ(atomic_load(&w.ret), 1);

        t0 = now_ns();
        consume(p.s[1], 1);
        while (atomic_load(&w.ret) == 1 && now_ns() - t0 < NS_PER_S)
                usleep(1000);
        CHECK_EQ(atomic_load(&w.ret), 32000);
        pthread_join(t, NULL);
        pair_close(&p);
}

#define MIX_PKTS 3000

static size_t mix_len(uint32_t i)
{
        uint32_t h = i * 2654435761u;

        switch (h % 16) {
        case 0:
                return MIB - (h >> 8) % 64;
        case 1: case 2:
                return (h >> 8) % (256 * 1024);
        default:
                return (h >> 8) % 2000;
        }
}

static void * mix_writer(void * o)
{
        struct flow_shm * s = o;
        uint8_t *         buf = malloc(MIB);
        uint32_t          i;

        CHECK(buf != NULL);
        for (i = 0; i < MIX_PKTS; ++i) {
                fill(buf, mix_len(i), i);
                CHECK_EQ(flow_shm_write(s, buf, mix_len(i), false, NULL),
                         mix_len(i));
        }
        free(buf);

        return NULL;
}

/* Blocking writer and reader threads, sizes 0 .. 1 MiB: no hang. */
static void test_mix(void)
{
        struct flow_shm_conf c;
        struct pair          p;
        pthread_t            t;
        const void *         pkt;
        uint32_t             i;

        flow_shm_conf_default(&c);
        pair_open(&p, &c);
        CHECK_EQ(pthread_create(&t, NULL, mix_writer, p.s[0]), 0);
        for (i = 0; i < MIX_PKTS; ++i) {
                CHECK_EQ(flow_shm_peek(p.s[1], &pkt, false, NULL),
                         mix_len(i));
                check_pkt(pkt, mix_len(i), i);
                flow_shm_consume(p.s[1]);
        }
        pthread_join(t, NULL);
        pair_close(&p);
}

int main(void)
{
        alarm(60); /* a lost wake-up fails the test instead of hanging */

        test_quiet_flow();
        test_flood_window();
        test_nonblock_grows();
        test_raised_window();
        test_lagging_reader();
        test_big_packets();
        test_writer_wake();
        test_count_full_wrap();
        test_mix();

        printf("test_flow_shm_win: all passed\n");

        return 0;
}
