/*
 * Unit test of the unicast IPCP's data transfer module (dt.c) on its
 * own, as member 10. The lower flows are in-memory stand-ins for the
 * library's (ipcp_flow_peek/consume/reserve/commit, fccntl, and
 * flow_read/flow_write for an encrypted one); the modules around dt.c
 * (routing, fa.c, nbr.c) and the framework's watch and timers are
 * played by the test, which records what dt.c does. Checked:
 *  - dt_send: the header's bytes, the payload, -EMSGSIZE above
 *    dt_max_sdu (the smallest lower flow less the header),
 *    -EHOSTUNREACH, delivery to itself;
 *  - receiving: to fa_rcv, to a component, keepalives, unknown
 *    components and malformed packets dropped and counted, nbr_heard;
 *  - forwarding: ttl - 1, ecn kept, the payload intact; ttl 1 dropped;
 *    no route dropped;
 *  - losses below a lower flow (ipcp_flow_lost): as many packets
 *    after them marked;
 *  - a full neighbour: packets wait in their cube's queue, marked for
 *    ECN, drained voice first by the retry timer, bounded (drop counted);
 *  - a flow that reports down: out of use at once, its queue dropped,
 *    routing told; dt_adj_down from inside the flow's own callback;
 *  - keepalives: header only, eid 0, ttl 1;
 *  - an encrypted lower flow through flow_read / flow_write.
 */
#include "uni.h"
#include "dt_priv.h" /* DT_LOST_MARK */
#include "dt_route.h"
#include "wire_dt.h"

#include "lib/ipcp_dev.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../../tests/check.h"

#define SELF   10
#define FLOWS  8
#define RXMAX  16
#define TXMAX  4096
#define PKTMAX 2048
#define DT_BENCH_BATCH 64  /* dt.c's read budget per wake-up */

/* ---- lower flows ---- */

struct pkt {
        uint8_t * p;
        size_t    len;
};

static struct fflow {
        bool         on;
        bool         enc;       /* no in-place access */
        size_t       max_pkt;
        uint32_t     flags;
        size_t       txq;       /* what FLOWGTXQLEN says */
        uint64_t     lost;      /* what ipcp_flow_lost says */
        bool         full;      /* reserve / write: -EAGAIN */
        bool         down;      /* reads: -EFLOWDOWN */
        struct pkt   rx[RXMAX];
        size_t       rxh;
        size_t       rxn;
        struct pkt   tx[TXMAX];
        size_t       txn;
        uint8_t      room[PKTMAX];
        size_t       reserved;
        ipcp_flow_cb cb;
        void *       arg;
} fl[FLOWS];

static bool bench; /* tx: count, keep nothing; rx: the same packet */

static void fflow_open(int    fd,
                       size_t max_pkt,
                       bool   enc)
{
        memset(&fl[fd], 0, sizeof(fl[fd]));
        fl[fd].on      = true;
        fl[fd].max_pkt = max_pkt;
        fl[fd].enc     = enc;
}

static void fflow_clear_tx(int fd)
{
        size_t i;

        for (i = 0; i < fl[fd].txn; ++i)
                free(fl[fd].tx[i].p);
        fl[fd].txn = 0;
}

/* Put a packet in fd's receive queue. */
static void fflow_in(int             fd,
                     const uint8_t * p,
                     size_t          len)
{
        struct fflow * f = &fl[fd];
        struct pkt *   k = &f->rx[(f->rxh + f->rxn) % RXMAX];

        CHECK(f->rxn < RXMAX);
        k->p = malloc(len + 1);
        memcpy(k->p, p, len);
        k->len = len;
        ++f->rxn;
}

/* The event loop: fd's callback with events. */
static void fflow_event(int fd,
                        int events)
{
        CHECK(fl[fd].cb != NULL);
        fl[fd].cb(fl[fd].arg, fd, events);
}

int ipcp_flow_lost(int        fd,
                   uint64_t * n)
{
        *n = fl[fd].lost;

        return 0;
}

ssize_t ipcp_flow_peek(int           fd,
                       const void ** pkt)
{
        struct fflow * f = &fl[fd];

        if (f->enc)
                return -ENOTSUP;
        if (f->rxn == 0)
                return f->down ? -EFLOWDOWN : -EAGAIN;
        *pkt = f->rx[f->rxh].p;

        return (ssize_t) f->rx[f->rxh].len;
}

void ipcp_flow_consume(int fd)
{
        struct fflow * f = &fl[fd];

        if (bench)
                return;

        CHECK(f->rxn > 0);
        free(f->rx[f->rxh].p);
        f->rxh = (f->rxh + 1) % RXMAX;
        --f->rxn;
}

ssize_t flow_read(int    fd,
                  void * buf,
                  size_t count)
{
        struct fflow * f = &fl[fd];
        size_t         n;

        CHECK(f->enc);
        if (f->rxn == 0)
                return f->down ? -EFLOWDOWN : -EAGAIN;
        n = f->rx[f->rxh].len;
        CHECK(n <= count);
        memcpy(buf, f->rx[f->rxh].p, n);
        free(f->rx[f->rxh].p);
        f->rxh = (f->rxh + 1) % RXMAX;
        --f->rxn;

        return (ssize_t) n;
}

static void tx_add(struct fflow *  f,
                   const uint8_t * p,
                   size_t          len)
{
        if (bench) {
                ++f->txn;
                return;
        }
        CHECK(f->txn < TXMAX);
        f->tx[f->txn].p = malloc(len + 1);
        memcpy(f->tx[f->txn].p, p, len);
        f->tx[f->txn].len = len;
        ++f->txn;
        ++f->txq;
}

int ipcp_flow_reserve(int     fd,
                      size_t  len,
                      void ** buf)
{
        struct fflow * f = &fl[fd];

        if (f->enc)
                return -ENOTSUP;
        if (len > f->max_pkt)
                return -EMSGSIZE;
        if (f->full)
                return -EAGAIN;
        f->reserved = len;
        *buf = f->room;

        return 0;
}

int ipcp_flow_commit(int    fd,
                     size_t len)
{
        struct fflow * f = &fl[fd];

        CHECK(len <= f->reserved);
        tx_add(f, f->room, len);
        f->reserved = 0;

        return 0;
}

ssize_t flow_write(int          fd,
                   const void * buf,
                   size_t       count)
{
        struct fflow * f = &fl[fd];

        CHECK(f->enc);
        CHECK(f->flags & FLOWFWNOBLOCK);
        if (count > f->max_pkt)
                return -EMSGSIZE;
        if (f->full)
                return -EAGAIN;
        tx_add(f, buf, count);

        return (ssize_t) count;
}

int fccntl(int fd,
           int cmd,
           ...)
{
        va_list ap;
        int     r = 0;

        if (fd < 0 || fd >= FLOWS || !fl[fd].on)
                return -EBADF;

        va_start(ap, cmd);
        switch (cmd) {
        case FLOWGTXQLEN:
                *va_arg(ap, size_t *) = fl[fd].txq;
                break;
        case FLOWGMAXPKT:
                *va_arg(ap, size_t *) = fl[fd].max_pkt;
                break;
        case FLOWGFLAGS:
                *va_arg(ap, uint32_t *) = fl[fd].flags;
                break;
        case FLOWSFLAGS:
                fl[fd].flags = va_arg(ap, uint32_t);
                break;
        default:
                r = -EOPNOTSUPP;
        }
        va_end(ap);

        return r;
}

/* ---- the framework ---- */

int ipcp_flow_watch(int          fd,
                    ipcp_flow_cb cb,
                    void *       arg)
{
        if (fl[fd].cb != NULL)
                return -EEXIST;
        fl[fd].cb  = cb;
        fl[fd].arg = arg;

        return 0;
}

void ipcp_flow_unwatch(int fd)
{
        fl[fd].cb  = NULL;
        fl[fd].arg = NULL;
}

struct ipcp_timer {
        ipcp_timer_cb cb;
        void *        arg;
        bool          on;
};

static struct ipcp_timer timers[8];

struct ipcp_timer * ipcp_timer_add(int64_t       delay_ms,
                                   ipcp_timer_cb cb,
                                   void *        arg)
{
        size_t i;

        (void) delay_ms;

        for (i = 0; i < 8; ++i) {
                if (!timers[i].on) {
                        timers[i] = (struct ipcp_timer) { cb, arg, true };
                        return &timers[i];
                }
        }

        return NULL;
}

void ipcp_timer_cancel(struct ipcp_timer * t)
{
        t->on = false;
}

/* Fire every armed timer once; how many there were. */
static int fire(void)
{
        struct ipcp_timer t[8];
        int               n = 0;
        size_t            i;

        memcpy(t, timers, sizeof(t));
        for (i = 0; i < 8; ++i)
                timers[i].on = false;
        for (i = 0; i < 8; ++i) {
                if (t[i].on) {
                        t[i].cb(t[i].arg);
                        ++n;
                }
        }

        return n;
}

static int64_t clock_ms = 5000;

int64_t ipcp_now_ms(void)
{
        return clock_ms;
}

static const char * stat_want;
static uint64_t     stat_got;
static bool         stat_found;

int ipcp_stat_add(struct ipcp_stat * s,
                  const char *       name,
                  uint64_t           value)
{
        (void) s;

        if (stat_want != NULL && strcmp(name, stat_want) == 0) {
                stat_found = true;
                stat_got   = value;
        }

        return 0;
}

static uint64_t stat_of(const char * name)
{
        stat_want  = name;
        stat_found = false;
        CHECK_EQ(dt_stat(NULL), 0);
        stat_want  = NULL;
        if (!stat_found)
                fprintf(stderr, "no counter %s\n", name);
        CHECK(stat_found);

        return stat_got;
}

/* ---- the other modules ---- */

struct uni_conf uni_conf;

uint64_t uni_addr(void)
{
        return SELF;
}

static uint64_t routes[128];     /* dst -> next hop */

uint64_t route_next_hop(uint64_t dst,
                        uint64_t flow_key)
{
        (void) flow_key;

        if (dst >= 128 || !dt_nb_live(routes[dst]))
                return 0;

        return routes[dst];
}

static int      dt_events;
static uint64_t dt_event_addr;
static bool     dt_event_live;

void route_dt_event(uint64_t addr,
                    bool     live)
{
        ++dt_events;
        dt_event_addr = addr;
        dt_event_live = live;
}

static int heard[FLOWS];

void nbr_heard(int fd)
{
        ++heard[fd];
}

static uint64_t fa_eid;
static uint8_t  fa_buf[PKTMAX];
static size_t   fa_len;
static uint8_t  fa_ecn;
static int      fa_n;

void fa_rcv(uint64_t        eid,
            const uint8_t * buf,
            size_t          len,
            uint8_t         ecn)
{
        fa_eid = eid;
        memcpy(fa_buf, buf, len);
        fa_len = len;
        fa_ecn = ecn;
        ++fa_n;
}

static int     comp_n;
static uint8_t comp_ecn;
static bool    comp_drop; /* call dt_adj_down(20, 3) from inside */

static void comp_cb(const uint8_t * buf,
                    size_t          len,
                    uint8_t         ecn)
{
        CHECK_EQ(len, 3);
        CHECK(memcmp(buf, "dir", 3) == 0);
        comp_ecn = ecn;
        ++comp_n;
        if (comp_drop)
                dt_adj_down(20, 3);
}

/* ---- helpers ---- */

static const struct dt_fmt fmt = { 4, 8 };

/* A packet as a neighbour sends it, in buf: its length. */
static size_t mk(uint8_t *    buf,
                 uint64_t     dst,
                 uint8_t      cube,
                 uint8_t      ttl,
                 uint8_t      ecn,
                 uint64_t     eid,
                 const char * payload)
{
        struct dt_hdr h = { dst, cube, ttl, ecn, eid };
        size_t        n = strlen(payload);

        CHECK_EQ(dt_hdr_write(&fmt, &h, buf, PKTMAX), 15);
        memcpy(buf + 15, payload, n);

        return 15 + n;
}

/* Packet i written on fd: parsed into h, its payload checked. */
static void sent(int             fd,
                 size_t          i,
                 struct dt_hdr * h,
                 const char *    payload)
{
        size_t n = strlen(payload);

        CHECK(i < fl[fd].txn);
        CHECK_EQ(dt_hdr_parse(&fmt, fl[fd].tx[i].p, fl[fd].tx[i].len, h),
                 15);
        CHECK_EQ(fl[fd].tx[i].len, 15 + n);
        CHECK(memcmp(fl[fd].tx[i].p + 15, payload, n) == 0);
}

/* ---- the tests ---- */

static void test_send_rcv(void)
{
        uint8_t       buf[PKTMAX];
        struct dt_hdr h;
        size_t        n;

        CHECK_EQ(dt_max_sdu(), 0);
        CHECK_EQ(dt_send(20, CUBE_BE, 16, "x", 1), -EHOSTUNREACH);

        fflow_open(3, 1500, false);
        fflow_open(4, 1000, false);
        dt_adj_up(20, 3);
        dt_adj_up(30, 4);
        CHECK_EQ(dt_events, 2);
        CHECK(fl[3].flags & FLOWFNONBLOCK);
        CHECK_EQ(dt_max_sdu(), 1000 - 15);
        CHECK(dt_nb_live(20) && dt_nb_live(30) && !dt_nb_live(40));

        routes[20] = 20;
        routes[30] = 30;
        routes[50] = 30;

        /* sending: header bytes, payload, sizes */
        CHECK_EQ(dt_send(50, CUBE_VIDEO, 0x1234, "hello", 5), 0);
        CHECK_EQ(fl[4].txn, 1);
        sent(4, 0, &h, "hello");
        CHECK(h.dst == 50 && h.cube == CUBE_VIDEO && h.ttl == 60 &&
              h.ecn == 0 && h.eid == 0x1234);
        CHECK_EQ(dt_send(50, CUBE_BE, 16, buf, 986), -EMSGSIZE);
        CHECK_EQ(dt_send(60, CUBE_BE, 16, "x", 1), -EHOSTUNREACH);
        CHECK_EQ(dt_send(50, CUBE_MAX, 16, "x", 1), -EINVAL);
        CHECK_EQ(stat_of("dt.tx"), 1);
        CHECK_EQ(stat_of("dt.tx.30"), 1);

        /* to itself */
        CHECK_EQ(dt_send(SELF, CUBE_BE, 77, "me", 2), 0);
        CHECK(fa_n == 1 && fa_eid == 77 && fa_len == 2);

        /* receiving: a flow, a component, a keepalive, unknown, bad */
        CHECK_EQ(dt_reg_comp(DT_EID_DIR, comp_cb), 0);
        CHECK_EQ(dt_reg_comp(DT_EID_FIRST, comp_cb), -EINVAL);
        n = mk(buf, SELF, CUBE_BE, 3, 9, 99, "data");
        fflow_in(3, buf, n);
        n = mk(buf, SELF, CUBE_VOICE, 60, 4, DT_EID_DIR, "dir");
        fflow_in(3, buf, n);
        n = mk(buf, SELF, CUBE_VOICE, 1, 0, DT_EID_NONE, "");
        fflow_in(3, buf, n);
        n = mk(buf, SELF, CUBE_BE, 9, 0, 5, "nobody");
        fflow_in(3, buf, n);
        fflow_in(3, buf, 14);                   /* short */
        buf[4] = 7;                             /* cube out of range */
        fflow_in(3, buf, n);
        fflow_event(3, FLOW_PKT);
        CHECK_EQ(fl[3].rxn, 0);
        CHECK(fa_n == 2 && fa_eid == 99 && fa_len == 4 && fa_ecn == 9);
        CHECK(memcmp(fa_buf, "data", 4) == 0);
        CHECK(comp_n == 1 && comp_ecn == 4);
        CHECK_EQ(stat_of("dt.keepalive_rx"), 1);
        CHECK_EQ(stat_of("dt.drop_eid"), 1);
        CHECK_EQ(stat_of("dt.drop_bad"), 2);
        CHECK_EQ(stat_of("dt.rx"), 6);
        CHECK_EQ(stat_of("dt.rx.20"), 6);
        CHECK_EQ(heard[3], 1);

        /* forwarding */
        n = mk(buf, 50, CUBE_DATA, 5, 2, 0xabcdef, "transit");
        fflow_in(3, buf, n);
        n = mk(buf, 50, CUBE_DATA, 1, 0, 17, "loop");
        fflow_in(3, buf, n);
        n = mk(buf, 60, CUBE_DATA, 9, 0, 17, "nowhere");
        fflow_in(3, buf, n);
        fflow_event(3, FLOW_PKT);
        CHECK_EQ(fl[4].txn, 2);
        sent(4, 1, &h, "transit");
        CHECK(h.dst == 50 && h.cube == CUBE_DATA && h.ttl == 4 &&
              h.ecn == 2 && h.eid == 0xabcdef);
        CHECK_EQ(stat_of("dt.fwd"), 1);
        CHECK_EQ(stat_of("dt.drop_ttl"), 1);
        CHECK_EQ(stat_of("dt.drop_noroute"), 2); /* and dt_send to 60 */

        /* keepalive */
        CHECK_EQ(dt_keepalive(20), 0);
        CHECK_EQ(fl[3].txn, 1);
        sent(3, 0, &h, "");
        CHECK(h.dst == 20 && h.ttl == 1 && h.eid == DT_EID_NONE &&
              h.cube == CUBE_VOICE);
        CHECK_EQ(dt_keepalive(40), -ENOTCONN);
}

/* Packets lost below a neighbour's flow (ipcp_flow_lost): as many of
 * the next packets read from it carry DT_LOST_MARK (or the higher one
 * they came with), forwarded or delivered here; then the marks they
 * came with. */
static void test_lost(void)
{
        uint8_t       buf[PKTMAX];
        struct dt_hdr h;
        size_t        n;
        int           i;

        fflow_clear_tx(4);
        fl[3].lost += 2;
        for (i = 0; i < 3; ++i) {
                n = mk(buf, 50, CUBE_DATA, 5, 1, 0x77, "lost");
                fflow_in(3, buf, n);
        }
        fflow_event(3, FLOW_PKT);
        CHECK_EQ(fl[4].txn, 3);
        sent(4, 0, &h, "lost");
        CHECK_EQ(h.ecn, DT_LOST_MARK);
        sent(4, 1, &h, "lost");
        CHECK_EQ(h.ecn, DT_LOST_MARK);
        sent(4, 2, &h, "lost");
        CHECK_EQ(h.ecn, 1);
        CHECK_EQ(stat_of("dt.ecn_lost"), 2);

        /* delivered here: the mark reaches the flow allocator */
        fl[3].lost += 1;
        n = mk(buf, SELF, CUBE_BE, 3, 0, 99, "data");
        fflow_in(3, buf, n);
        fflow_event(3, FLOW_PKT);
        CHECK_EQ(fa_ecn, DT_LOST_MARK);
        n = mk(buf, SELF, CUBE_BE, 3, 0, 99, "data");
        fflow_in(3, buf, n);
        fflow_event(3, FLOW_PKT);
        CHECK_EQ(fa_ecn, 0);
        CHECK_EQ(stat_of("dt.ecn_lost"), 3);

        /* a count that went back (a peer's garbage): marks, bounded */
        fl[3].lost -= 10;
        for (i = 0; i < 3; ++i) {
                n = mk(buf, SELF, CUBE_BE, 3, 0, 99, "data");
                fflow_in(3, buf, n);
        }
        fflow_event(3, FLOW_PKT);
        CHECK_EQ(fa_ecn, DT_LOST_MARK);
        CHECK_EQ(stat_of("dt.ecn_lost"), 6);

        /* a higher mark it came with stays */
        fl[3].lost += 1;
        n = mk(buf, SELF, CUBE_BE, 3, 200, 99, "data");
        fflow_in(3, buf, n);
        fflow_event(3, FLOW_PKT);
        CHECK_EQ(fa_ecn, 200);
        fflow_clear_tx(4);
}

static void test_queues(void)
{
        uint8_t       buf[PKTMAX];
        struct dt_hdr h;
        size_t        i;
        int           r;

        fflow_clear_tx(4);

        /* a lone bulk flow has the whole ring (the video packet of
         * test_send_rcv is more than a second ago) */
        clock_ms += 1001;
        fl[4].txq = 100;
        CHECK_EQ(dt_send(50, CUBE_BE, 16, "alone", 5), 0);
        CHECK_EQ(fl[4].txn, 1);
        sent(4, 0, &h, "alone");
        CHECK_EQ(h.ecn, 0);     /* a burst after a quiet time: no mark */
        fflow_clear_tx(4);

        /* with voice active, the ring takes 64 unread of lower cubes:
         * beyond, they wait (marked: 64 have stood a whole window,
         * beyond the threshold of 16); voice goes ahead of them */
        fl[4].txq = 64;
        clock_ms += 10;
        CHECK_EQ(dt_send(50, CUBE_VOICE, 16, "v0", 2), 0);
        CHECK_EQ(dt_send(50, CUBE_BE, 16, "be1", 3), 0);
        CHECK_EQ(dt_send(50, CUBE_BE, 16, "be2", 3), 0);
        CHECK_EQ(dt_send(50, CUBE_DATA, 16, "data", 4), 0);
        CHECK_EQ(dt_send(50, CUBE_VOICE, 16, "voice", 5), 0);
        CHECK_EQ(fl[4].txn, 2);
        sent(4, 0, &h, "v0");
        CHECK_EQ(h.ecn, 4);             /* 1 + (64 - 16) >> 4 */
        sent(4, 1, &h, "voice");
        CHECK_EQ(stat_of("dt.queue.30"), 3);
        CHECK_EQ(stat_of("dt.queued"), 3);

        /* the reader takes them: the timer drains, highest cube first */
        fl[4].txq = 0;
        CHECK_EQ(fire(), 1);
        CHECK_EQ(fl[4].txn, 5);
        sent(4, 2, &h, "data");
        sent(4, 3, &h, "be1");
        CHECK_EQ(h.ecn, 4);
        sent(4, 4, &h, "be2");
        CHECK_EQ(h.ecn, 4);
        CHECK_EQ(fire(), 0);                    /* nothing waits: off */
        CHECK_EQ(stat_of("dt.ecn_marked"), 5);

        /* a full ring: the same, and the queue is bounded: this
         * member's own packets to 256 (held back, not dropped), transit
         * to 1024 per cube */
        fflow_clear_tx(4);
        fl[4].full = true;
        for (i = 0; i < 256; ++i)
                CHECK_EQ(dt_send(50, CUBE_BE, 16, "bulk", 4), 0);
        CHECK_EQ(dt_send(50, CUBE_BE, 16, "bulk", 4), -ENOBUFS);
        CHECK_EQ(stat_of("dt.send_held"), 1);
        CHECK_EQ(stat_of("dt.drop_qfull"), 0);
        CHECK_EQ(dt_send(50, CUBE_VOICE, 16, "voice", 5), 0);
        r = (int) mk(buf, 50, CUBE_BE, 5, 0, 17, "bulk");
        for (i = 0; i < 49 * 16; ++i) {
                fflow_in(3, buf, (size_t) r);
                if (fl[3].rxn == RXMAX)
                        fflow_event(3, FLOW_PKT);
        }
        CHECK_EQ(stat_of("dt.drop_qfull"), 16);
        CHECK_EQ(stat_of("dt.drop_qfull.30"), 16);
        CHECK_EQ(stat_of("dt.queue.30"), 1025);
        CHECK_EQ(fire(), 1);                    /* still full: again */
        CHECK_EQ(fl[4].txn, 0);
        fl[4].full = false;
        fl[4].txq  = 0;
        CHECK_EQ(fire(), 1);
        CHECK_EQ(fl[4].txn, 64);                /* up to the ring's 64 */
        sent(4, 0, &h, "voice");
        sent(4, 1, &h, "bulk");
        CHECK_EQ(fire(), 1);                    /* 961 left, ring full */
        CHECK_EQ(fl[4].txn, 64);
        CHECK_EQ(stat_of("dt.queue.30"), 1025 - 64);

        /* a packet to forward joins its cube's queue, behind */
        fflow_in(3, buf, (size_t) r);
        fflow_event(3, FLOW_PKT);
        CHECK_EQ(stat_of("dt.drop_qfull"), 16);
        CHECK_EQ(stat_of("dt.queue.30"), 1025 - 64 + 1);

        /* the flow goes down: out of use, queue dropped, routing told */
        dt_events = 0;
        fl[4].flags |= FLOWFDOWN;
        fflow_event(4, FLOW_DOWN);
        CHECK(dt_events == 1 && dt_event_addr == 30 && !dt_event_live);
        CHECK(!dt_nb_live(30));
        CHECK_EQ(stat_of("dt.drop_down"), 1025 - 64 + 1);
        CHECK_EQ(stat_of("dt.queue.30"), 0);
        CHECK_EQ(dt_max_sdu(), 1500 - 15);
        CHECK_EQ(dt_send(50, CUBE_BE, 16, "x", 1), -EHOSTUNREACH);
        fire();

        /* and back up */
        fflow_event(4, FLOW_UP | FLOW_DOWN);   /* down still */
        CHECK(!dt_nb_live(30));
        fl[4].flags &= ~FLOWFDOWN;
        fflow_event(4, FLOW_DOWN | FLOW_UP);   /* up again */
        CHECK(dt_nb_live(30) && dt_event_live);
        fflow_clear_tx(4);
        CHECK_EQ(dt_send(50, CUBE_BE, 16, "x", 1), 0);
        CHECK_EQ(fl[4].txn, 0);                 /* voice still active */

        /* voice quiet for a second: bulk has the whole ring again */
        clock_ms += 1001;
        CHECK_EQ(fire(), 1);
        CHECK_EQ(fl[4].txn, 1);
        CHECK_EQ(dt_send(50, CUBE_BE, 16, "y", 1), 0);
        CHECK_EQ(fl[4].txn, 2);

        /* the members' own messages in the voice cube (a keepalive
         * every 250 ms, the flow allocator's) do not hold bulk back:
         * it keeps the whole ring */
        fl[4].txq = 100;
        CHECK_EQ(dt_keepalive(30), 0);
        CHECK_EQ(dt_send(50, CUBE_VOICE, DT_EID_FA, "fa", 2), 0);
        CHECK_EQ(fl[4].txn, 4);
        CHECK_EQ(dt_send(50, CUBE_BE, 16, "z", 1), 0);
        CHECK_EQ(fl[4].txn, 5);

        /* nbr.c removes it */
        dt_adj_down(30, 4);
        CHECK(fl[4].cb == NULL);
        CHECK(!dt_nb_live(30));
}

static void test_encrypted(void)
{
        uint8_t       buf[PKTMAX];
        struct dt_hdr h;
        size_t        n;

        fflow_open(5, 1400, true);
        dt_adj_up(40, 5);
        routes[40] = 40;
        routes[50] = 40;

        CHECK_EQ(dt_send(50, CUBE_DATA, 21, "secret", 6), 0);
        CHECK_EQ(fl[5].txn, 1);
        sent(5, 0, &h, "secret");
        CHECK(h.dst == 50 && h.eid == 21);

        /* forwarded from the encrypted flow to the in-place one */
        routes[20] = 20;
        n = mk(buf, 20, CUBE_BE, 7, 1, 18, "across");
        fflow_in(5, buf, n);
        fflow_clear_tx(3);
        fflow_event(5, FLOW_PKT);
        CHECK_EQ(fl[3].txn, 1);
        sent(3, 0, &h, "across");
        CHECK(h.ttl == 6 && h.ecn == 1);

        /* a read that finds the flow down */
        fl[5].down = true;
        fflow_event(5, FLOW_PKT);
        CHECK(!dt_nb_live(40));
        CHECK(fl[5].cb == NULL);                /* no longer watched */

        /* the same fd handed over again, the old one left behind */
        fl[5].down = false;
        dt_adj_up(40, 5);
        CHECK(dt_nb_live(40));
        CHECK(fl[5].cb != NULL);
        dt_adj_down(40, 5);
        CHECK(!dt_nb_live(40));
}

static void test_down_in_callback(void)
{
        uint8_t buf[PKTMAX];
        size_t  n;

        comp_drop = true;
        n = mk(buf, SELF, CUBE_VOICE, 60, 0, DT_EID_DIR, "dir");
        fflow_in(3, buf, n);
        fflow_in(3, buf, n);
        fflow_event(3, FLOW_PKT);
        CHECK_EQ(comp_n, 2);                   /* the second stays */
        CHECK(!dt_nb_live(20));
        CHECK(fl[3].cb == NULL);
        comp_drop = false;
}

/* The cost of forwarding in dt.c alone (the library's ring work not
 * included, the payload's copy included): printed, not asserted. */
static void bench_forward(void)
{
        uint8_t         buf[PKTMAX];
        struct timespec t0;
        struct timespec t1;
        size_t          n;
        long            i;
        long            loops = 2000000;
        double          ns;

        fflow_open(6, 1500, false);
        fflow_open(7, 1500, false);
        dt_adj_up(60, 6);
        dt_adj_up(70, 7);
        routes[70] = 70;
        n = mk(buf, 70, CUBE_BE, 60, 0, 1234, "");
        memset(buf + n, 0xab, 1400);
        fflow_in(6, buf, n + 1400);

        bench = true;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (i = 0; i < loops / DT_BENCH_BATCH; ++i) {
                fl[7].txq = 0;
                fflow_event(6, FLOW_PKT);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        bench = false;

        CHECK_EQ(fl[7].txn, (size_t) (loops / DT_BENCH_BATCH) * 64);
        ns = (double) (t1.tv_sec - t0.tv_sec) * 1e9 +
                (double) (t1.tv_nsec - t0.tv_nsec);
        printf("test_dt: forwarding 1415-byte packets in dt.c: %.0f ns "
               "per packet\n", ns / (double) fl[7].txn);

        free(fl[6].rx[fl[6].rxh].p);
        fl[6].rxn = 0;
        dt_adj_down(60, 6);
        dt_adj_down(70, 7);
}

int main(void)
{
        memset(&uni_conf, 0, sizeof(uni_conf));
        uni_conf.lc.addr_size  = 4;
        uni_conf.lc.eid_size   = 8;
        uni_conf.lc.max_ttl    = 60;
        uni_conf.lc.congestion = 1;

        CHECK_EQ(dt_init(), 0);
        test_send_rcv();
        test_lost();
        test_queues();
        test_encrypted();
        test_down_in_callback();
        bench_forward();
        dt_fini();

        printf("test_dt: %d checks passed\n", (int) check_passed);

        return 0;
}
