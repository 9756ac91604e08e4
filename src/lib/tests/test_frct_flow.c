/*
 * Ouroboros - unit tests of the library's FRCT driver (frct_flow.h):
 * two flows of this process, both kind FT_REMOTE, are the two ends of
 * one flow memory, as an application's flow and its peer's would be
 * with the layers between them taken out.
 *
 *   raw       the 1-byte header in the ring, the payload in place for
 *             ipcp_flow_peek (frf_peek) and ipcp_flow_reserve, partial
 *             reads, keepalives swallowed, FLOWGMAXPKT with and without
 *             the CRC of ber 0, a corrupted CRC dropped
 *   peer      a peer that sends nothing: FLOW_PEER once after the peer
 *             timeout, then -EFLOWPEER from reads and writes; an
 *             encrypted raw flow whose reader reads nothing for
 *             several timeouts while the peer's keepalives (and data)
 *             come: no FLOW_PEER, and the data is read after
 *   reliable  1 MiB in 100 000-byte messages through a 16 KiB ring
 *             (fragments, windows, acks), byte-identical, a writer
 *             thread and a reader; partial reads and FLOWFRNOPART
 *   unread    with the process eventfd of a session: a reliable flow
 *             whose application neither reads nor writes acks what
 *             arrives within the ack delay (the timer is woken by the
 *             arrival), so the sender's data is all acknowledged well
 *             before any timer of its own would run; then the reader
 *             gets the messages
 *             (also a message that came before the reader's end was
 *             set up, with no signal for it)
 *   nonblock  a non-blocking writer to a reader that reads nothing:
 *             -EAGAIN once the window (or the ring) is full, never a
 *             block; after the reader has read, writes go through
 *             again; every message intact and in order
 *   ring full a window larger than the ring, to a peer that speaks no
 *             FRCT: writes taken while the ring is full return at once
 *             (they spun on the full ring before; two ends doing so,
 *             each waiting for the other to read, never ended), and
 *             what waits goes out as the reader makes room
 */
#include "evwait.h"
#include "flow_table.h"
#include "frct_flow_priv.h"
#include "frct/frct_cc.h"
#include "frct/frct_wire.h"

#include "common/crypt.h"
#include "common/flow_shm.h"
#include "common/timeutil.h"

#include "../../../tests/check.h"

#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

int session_local_init(void);
int session_local_init(void)
{
        return ft_init();
}

/* An end of a flow memory as a flow of this process; with_frct false
 * leaves it a plain flow (a peer that never speaks FRCT). */
static struct crypt_flow * next_cf[2]; /* encrypt the next pair */
static int                 ev_efd = -1; /* the process eventfd, if any */

static int end_of(int               memfd,
                  int               side,
                  const qosspec_t * qs,
                  bool              with_frct)
{
        int fd = ft_reserve();

        CHECK(fd >= 0);
        ft_set_kind(fd, with_frct ? FT_REMOTE : FT_SPLICED);
        if (next_cf[side] != NULL) {
                ft_set_crypt(fd, next_cf[side]);
                next_cf[side] = NULL;
        }
        /* The flow owns the peer's eventfd it is given: a copy. */
        CHECK_EQ(ft_publish(fd, (uint32_t) fd + 1, memfd, side,
                            ev_efd < 0 ? -1 : dup(ev_efd), 1, qs), 0);
        if (with_frct)
                CHECK_EQ(frf_create(fd, ft_entry(fd)), 0);

        return fd;
}

/* A flow memory with rings of max_pkts packets each way. */
static int pair_memory(size_t max_pkt,
                       size_t max_pkts)
{
        struct flow_shm_conf conf;
        int                  memfd;

        flow_shm_conf_default(&conf);
        conf.ring_size = FLOW_SHM_RING_MIN;
        conf.max_pkt   = max_pkt;
        conf.max_pkts  = max_pkts;
        memfd = flow_shm_create(&conf);
        CHECK(memfd >= 0);

        return memfd;
}

static void make_pair_n(const qosspec_t * qs,
                        size_t            max_pkt,
                        size_t            max_pkts,
                        bool              b_frct,
                        int *             a,
                        int *             b)
{
        int memfd = pair_memory(max_pkt, max_pkts);

        *b = end_of(dup(memfd), 1, qs, b_frct);
        *a = end_of(memfd, 0, qs, true);
}

static void make_pair(const qosspec_t * qs,
                      size_t            max_pkt,
                      bool              b_frct,
                      int *             a,
                      int *             b)
{
        make_pair_n(qs, max_pkt, 256, b_frct, a, b);
}

static void close_flow(int fd)
{
        uint32_t id;

        CHECK_EQ(ft_close_begin(fd, &id), 0);
        flow_shm_close(ft_entry(fd)->shm);
        ft_close_end(fd);
}

static ssize_t wr(int          fd,
                  const void * buf,
                  size_t       n,
                  bool         nonblock)
{
        struct ft_flow * f = ft_entry(fd);
        ssize_t          r;

        pthread_mutex_lock(&f->wr_lock);
        r = frf_write(f, buf, n, nonblock, NULL);
        frf_wr_unlock(f);

        return r;
}

static ssize_t rd(int    fd,
                  void * buf,
                  size_t n,
                  bool   nopart,
                  bool   nonblock)
{
        struct ft_flow * f = ft_entry(fd);
        ssize_t          r;

        pthread_mutex_lock(&f->rd_lock);
        r = frf_read(f, buf, n, nopart, nonblock, NULL);
        pthread_mutex_unlock(&f->rd_lock);

        return r;
}

static void test_raw(void)
{
        qosspec_t    qs = qos_raw;
        struct ft_flow * fa;
        struct ft_flow * fb;
        const void * ring;
        const void * in;
        void *       room;
        uint8_t      ka = FRCT_KA;
        uint8_t      bad[8] = { FRCT_FL_CRC, 'b', 'a', 'd', 0, 0, 0, 0 };
        char         buf[64];
        int          a;
        int          b;

        qs.timeout = 0;
        make_pair(&qs, 1024, true, &a, &b);
        fa = ft_entry(a);
        fb = ft_entry(b);
        CHECK_EQ(ft_max_write(fa), 1024 - 1);

        /* the header in the ring, the payload in place after it */
        CHECK_EQ(wr(a, "hello", 5, true), 5);
        CHECK_EQ(flow_shm_peek(fb->shm, &ring, true, NULL), 6);
        CHECK_EQ(((const uint8_t *) ring)[0], 0);
        CHECK_EQ(frf_peek(fb, &in), 5);
        CHECK(in == (const uint8_t *) ring + 1);
        CHECK(memcmp(in, "hello", 5) == 0);
        frf_consume(fb);
        CHECK_EQ(flow_shm_rxqlen(fb->shm), 0);

        /* reserve/commit in place; a partial read */
        CHECK_EQ(frf_reserve(fa, 3, &room), 0);
        memcpy(room, "abc", 3);
        CHECK_EQ(frf_commit(fa, 3), 0);
        CHECK_EQ(rd(b, buf, 2, false, true), 2);
        CHECK_EQ(frf_rxqlen(fb), 1);
        CHECK_EQ(rd(b, buf + 2, sizeof(buf), false, true), 1);
        CHECK(memcmp(buf, "abc", 3) == 0);
        CHECK_EQ(rd(b, buf, 1, true, true), -EAGAIN);

        /* a keepalive is swallowed, never shown */
        CHECK_EQ(flow_shm_write(fa->shm, &ka, 1, true, NULL), 1);
        CHECK_EQ(rd(b, buf, sizeof(buf), false, true), -EAGAIN);
        CHECK_EQ(flow_shm_rxqlen(fb->shm), 0);
        CHECK_EQ(wr(a, "", 0, true), 0); /* an empty packet is data */
        CHECK_EQ(rd(b, buf, sizeof(buf), false, true), 0);

        /* nopart keeps a packet too big for the buffer */
        CHECK_EQ(wr(a, "0123456789", 10, true), 10);
        CHECK_EQ(rd(b, buf, 4, true, true), -EMSGSIZE);
        CHECK_EQ(rd(b, buf, sizeof(buf), true, true), 10);
        close_flow(a);
        close_flow(b);

        /* ber 0: a CRC trailer; a corrupted packet is dropped */
        qs = qos_raw_no_errors;
        qs.timeout = 0;
        make_pair(&qs, 1024, true, &a, &b);
        CHECK_EQ(ft_max_write(ft_entry(a)), 1024 - 1 - FRCT_CRC_LEN);
        frct_crc_put(bad, 4);
        bad[2] ^= 0x10;
        CHECK_EQ(flow_shm_write(ft_entry(a)->shm, bad, 8, true, NULL), 8);
        CHECK_EQ(wr(a, "crc", 3, true), 3);
        CHECK_EQ(rd(b, buf, sizeof(buf), false, true), 3);
        CHECK(memcmp(buf, "crc", 3) == 0);
        close_flow(a);
        close_flow(b);
}

static void test_peer(void)
{
        qosspec_t        qs = qos_raw;
        struct ft_flow * fa;
        int64_t          t0 = now_ns();
        char             buf[8];
        int              ev = 0;
        int              a;
        int              b;

        qs.timeout = 300;
        make_pair(&qs, 1024, false, &a, &b); /* b never speaks FRCT */
        fa = ft_entry(a);
        while (!frf_pending(fa) && now_ns() - t0 < 3 * NS_PER_S)
                usleep(10000);
        CHECK(frf_pending(fa));
        CHECK(now_ns() - t0 >= 250 * NS_PER_MS);
        ev = frf_events(fa, 0);
        CHECK_EQ(ev, FLOW_PEER);
        CHECK_EQ(frf_events(fa, 0), 0); /* once */
        CHECK_EQ(rd(a, buf, sizeof(buf), false, true), -EFLOWPEER);
        CHECK_EQ(wr(a, "x", 1, true), -EFLOWPEER);
        close_flow(a);
        close_flow(b);

        /* reliable too, and a blocking read wakes up for it */
        qs = qos_data;
        qs.timeout = 300;
        make_pair(&qs, 1024, false, &a, &b);
        CHECK_EQ(rd(a, buf, sizeof(buf), false, false), -EFLOWPEER);
        CHECK_EQ(wr(a, "x", 1, false), -EFLOWPEER);
        close_flow(a);
        close_flow(b);
}

/* The next make_pair's ends encrypt, with keys of one exchange. */
static void crypt_next(void)
{
        struct crypt_kex * ka;
        struct crypt_kex * kb;
        uint8_t            pa[CRYPT_PUBKEY_LEN];
        uint8_t            pb[CRYPT_PUBKEY_LEN];

        CHECK_EQ(crypt_kex_new(&ka, pa), 0);
        CHECK_EQ(crypt_kex_new(&kb, pb), 0);
        CHECK_EQ(crypt_flow_new(ka, pb, 0, &next_cf[1]), 0);
        CHECK_EQ(crypt_flow_new(kb, pa, 1, &next_cf[0]), 0);
}

/* An encrypted raw flow whose reader does not read: the peer's
 * keepalives, and its data, keep it up (the clock opens what waits in
 * the ring), and what came is read after. */
static void test_peer_unread(void)
{
        qosspec_t        qs = qos_raw;
        struct ft_flow * fa;
        char             buf[8];
        int              a;
        int              b;

        qs.timeout = 200;
        crypt_next();
        make_pair(&qs, 1024, true, &a, &b);
        fa = ft_entry(a);
        CHECK(fa->cf != NULL && ft_entry(b)->cf != NULL);
        usleep(700000); /* keepalives only */
        CHECK(!frf_pending(fa));
        CHECK_EQ(wr(b, "hello", 5, true), 5);
        usleep(700000); /* data, then keepalives behind it */
        CHECK(!frf_pending(fa));
        CHECK_EQ(frf_events(fa, FLOW_PKT), FLOW_PKT);
        CHECK_EQ(rd(a, buf, sizeof(buf), false, true), 5);
        CHECK(memcmp(buf, "hello", 5) == 0);
        CHECK_EQ(rd(a, buf, sizeof(buf), false, true), -EAGAIN);
        CHECK_EQ(wr(a, "x", 1, true), 1);
        close_flow(a);
        close_flow(b);
}

#define MSG   100000
#define TOTAL (1 << 20)

static uint8_t pat(size_t i)
{
        return (uint8_t) (i * 7 + (i >> 11));
}

static void * writer(void * arg)
{
        static uint8_t m[MSG];
        int            a = *(int *) arg;
        size_t         off;
        size_t         i;

        for (off = 0; off < TOTAL; off += MSG) {
                for (i = 0; i < MSG; ++i)
                        m[i] = pat(off + i);
                CHECK_EQ(wr(a, m, MSG, false), MSG);
        }

        return NULL;
}

static void test_reliable(void)
{
        static uint8_t m[MSG];
        qosspec_t      qs = qos_data;
        pthread_t      th;
        size_t         off;
        size_t         i;
        char           head[10];
        int            a;
        int            b;

        make_pair(&qs, 4096, true, &a, &b);
        CHECK_EQ(ft_max_write(ft_entry(a)), 16u << 20);
        CHECK(pthread_create(&th, NULL, writer, &a) == 0);
        for (off = 0; off < TOTAL; off += MSG) {
                if (off == 0) { /* a partial read, then the rest */
                        CHECK_EQ(rd(b, m, 10, true, false), -EMSGSIZE);
                        CHECK_EQ(rd(b, head, 10, false, false), 10);
                        CHECK_EQ(rd(b, m + 10, MSG, false, false),
                                 MSG - 10);
                        memcpy(m, head, 10);
                } else {
                        CHECK_EQ(rd(b, m, MSG, true, false), MSG);
                }
                for (i = 0; i < MSG; ++i)
                        if (m[i] != pat(off + i))
                                break;
                CHECK_EQ(i, MSG);
        }
        pthread_join(th, NULL);
        CHECK_EQ(rd(b, m, MSG, false, true), -EAGAIN);
        close_flow(a);
        close_flow(b);
}

static bool flushed(int fd)
{
        struct frf * r = ft_entry(fd)->fr;
        bool         d;

        pthread_mutex_lock(&r->lock);
        d = frct_flushed(r->fr);
        pthread_mutex_unlock(&r->lock);

        return d;
}

static void test_unread(void)
{
        qosspec_t qs = qos_data;
        char      m[64];
        int64_t   t0;
        int       a;
        int       b;
        int       i;

        ev_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        CHECK(ev_efd >= 0);
        evwait_init(ev_efd);

        make_pair(&qs, 1024, true, &a, &b);
        for (i = 0; i < 3; ++i) {
                /* Both ends idle: the first message's ack comes
                 * within the ack delay (5 ms), far below a timer of
                 * the sender's (initial RTO 1 s, keepalives 30 s). */
                usleep(50000);
                t0 = now_ns();
                memset(m, 'a' + i, sizeof(m));
                CHECK_EQ(wr(a, m, sizeof(m), false), (ssize_t) sizeof(m));
                while (!flushed(a) && now_ns() - t0 < 500 * NS_PER_MS)
                        usleep(1000);
                CHECK(flushed(a));
                printf("unread: acked in %lld us\n",
                       (long long) (now_ns() - t0) / 1000);
        }
        for (i = 0; i < 3; ++i) {
                CHECK_EQ(rd(b, m, sizeof(m), true, true), (ssize_t) sizeof(m));
                CHECK_EQ(m[0], 'a' + i);
        }
        CHECK_EQ(rd(b, m, sizeof(m), true, true), -EAGAIN);
        close_flow(a);
        close_flow(b);
}

/* A message that lands before the reader's end exists (the peer wrote
 * at once): the reader's memory, armed with it already there, signals
 * nothing for it or what follows (the ring is not drained); the
 * reader's timer looks all the same, at once (the kick of frt_add, and
 * frf_create's own look for what its dispatch may have missed). */
static void test_unread_early(void)
{
        qosspec_t qs = qos_data;
        char      m[64];
        int64_t   t0;
        int       memfd = pair_memory(1024, 256);
        int       a;
        int       b;

        a = end_of(dup(memfd), 0, &qs, true);
        memset(m, 'e', sizeof(m));
        t0 = now_ns();
        CHECK_EQ(wr(a, m, sizeof(m), true), (ssize_t) sizeof(m));
        usleep(20000);
        b = end_of(memfd, 1, &qs, true);
        while (!flushed(a) && now_ns() - t0 < 500 * NS_PER_MS)
                usleep(1000);
        CHECK(flushed(a));
        printf("unread, early: acked in %lld us\n",
               (long long) (now_ns() - t0) / 1000);
        CHECK_EQ(rd(b, m, sizeof(m), true, true), (ssize_t) sizeof(m));
        CHECK_EQ(m[0], 'e');
        close_flow(a);
        close_flow(b);
}

static void nb_msg(char * m,
                   size_t n,
                   int    i)
{
        memset(m, 'A' + i % 26, n);
        memcpy(m, &i, sizeof(i));
}

static void nb_check(int fd,
                     int i)
{
        char m[1000];
        char w[1000];

        nb_msg(w, sizeof(w), i);
        CHECK_EQ(rd(fd, m, sizeof(m), true, false), (ssize_t) sizeof(m));
        CHECK(memcmp(m, w, sizeof(m)) == 0);
}

static void test_nonblock(void)
{
        qosspec_t qs = qos_data;
        char      m[1000];
        int64_t   t0;
        ssize_t   r = 0;
        int       a;
        int       b;
        int       n;
        int       i;

        alarm(30); /* a write that blocks fails the test (SIGALRM) */
        make_pair(&qs, 1024, true, &a, &b);
        t0 = now_ns();
        for (n = 0; n < 1000000; ++n) {
                nb_msg(m, sizeof(m), n);
                r = wr(a, m, sizeof(m), true);
                if (r != (ssize_t) sizeof(m))
                        break;
        }
        CHECK_EQ(r, -EAGAIN);
        CHECK(n > 0);
        printf("nonblock: %d messages taken, then -EAGAIN after %lld us\n",
               n, (long long) (now_ns() - t0) / 1000);
        for (i = 0; i < n; ++i)
                nb_check(b, i);
        /* read: acks open the window again */
        nb_msg(m, sizeof(m), n);
        t0 = now_ns();
        while ((r = wr(a, m, sizeof(m), true)) == -EAGAIN &&
               now_ns() - t0 < 5000 * NS_PER_MS)
                usleep(1000);
        CHECK_EQ(r, (ssize_t) sizeof(m));
        nb_check(b, n);
        CHECK_EQ(rd(b, m, sizeof(m), true, true), -EAGAIN);
        close_flow(a);
        close_flow(b);
        alarm(0);
}

/* RING_PKTS packets fill the ring while FRCT's first window is larger.
 * b speaks no FRCT (nothing drains its ring but this test): a write
 * whose packet finds the ring full leaves it with FRCT and returns at
 * once, and the timer hands it to the ring once the reader made room. */
#define RING_PKTS 4
#define RING_MSGS (2 * RING_PKTS)
#define RING_MSG  200 /* one packet each */

/* b's ring, read until RING_MSGS messages came, in order (FRCT's own
 * control packets, shorter, passed over). */
static void ring_drain(int b)
{
        struct flow_shm * shm = ft_entry(b)->shm;
        struct timespec   dl  = ns_to_ts(ns_after(5 * NS_PER_S));
        const void *      pkt;
        char              w[RING_MSG];
        ssize_t           n;
        int               i = 0;

        while (i < RING_MSGS) {
                n = flow_shm_peek(shm, &pkt, false, &dl);
                CHECK(n >= 0);
                if (n < 0)
                        return;
                if (n > (ssize_t) sizeof(w)) {
                        nb_msg(w, sizeof(w), i++);
                        CHECK(memmem(pkt, (size_t) n, w, sizeof(w)) != NULL);
                }
                flow_shm_consume(shm);
        }
}

static void test_ring_full(void)
{
        qosspec_t qs = qos_data;
        char      m[RING_MSG];
        uint64_t  full;
        int       a;
        int       b;
        int       i;

        CHECK(RING_MSGS <= FRCT_CWND_INIT);
        alarm(10); /* a write that spins on the full ring fails the test */
        make_pair_n(&qs, 1024, RING_PKTS, false, &a, &b);
        for (i = 0; i < RING_MSGS; ++i) {
                nb_msg(m, sizeof(m), i);
                CHECK_EQ(wr(a, m, sizeof(m), true), (ssize_t) sizeof(m));
        }
        CHECK_EQ(flow_shm_rxqlen(ft_entry(b)->shm), RING_PKTS);
        /* The ring stays full: the timer retries every millisecond or
         * so, nothing spins (a bound no retry schedule comes near) */
        full = atomic_load(&ft_entry(a)->fr->full);
        usleep(300000);
        full = atomic_load(&ft_entry(a)->fr->full) - full;
        printf("ring full: %llu flushes met it in 300 ms\n",
               (unsigned long long) full);
        CHECK(full < 3000);
        ring_drain(b); /* the rest by the timer's retries */
        close_flow(a);
        close_flow(b);
        alarm(0);
}

int main(void)
{
        CHECK_EQ(ft_init(), 0);

        test_raw();
        test_peer();
        test_peer_unread();
        test_reliable();
        test_unread();
        test_unread_early(); /* with test_unread's process eventfd */
        test_nonblock(); /* with test_unread's process eventfd */
        test_ring_full();

        printf("test_frct_flow: ok\n");

        return 0;
}
