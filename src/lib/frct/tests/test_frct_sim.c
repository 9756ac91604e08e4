/*
 * Unit test of the FRCT state machine: two endpoints over a simulated
 * channel (sim.h) with loss, duplication, jitter that reorders, bit
 * errors; deterministic seeds.
 *  - reliable at 1%, 5% and 10% loss: every message exactly once, in
 *    order, intact (CRC drops the corrupted packets), sequence numbers
 *    wrapping past 2^32 early in the run; goodput and
 *    retransmissions printed; the receiver's memory within its window;
 *    at least 90% of the retransmissions fast (SACK), not timeouts;
 *  - a path that reorders but does not lose: the link stays full;
 *  - in_order, not reliable: never out of order or twice, max_gap skips
 *    lost packets and the flow keeps going;
 *  - raw: messages intact, none bigger than a packet; 1-byte messages
 *    not read hold no more than the window, their records counted;
 *  - a 16 MiB message arrives whole over a lossy channel;
 *  - flow control: a reader that stops makes the writer get -EAGAIN,
 *    memory stays bounded, and everything arrives once it reads again;
 *    with RESCNTL cleared the receiver drops what it has no room for;
 *  - RTX cleared: a reliable flow stops retransmitting, the receiver
 *    skips what is lost and nothing stalls;
 *  - peer timeout: keepalives keep an idle flow up at no more than one
 *    per timeout/4, silence raises FRCT_EV_PEER once, in time, then
 *    sends and reads fail with -EFLOWPEER;
 *  - forged packets: acks of data never sent, SACKs out of the window,
 *    garbage, are dropped and counted; nothing changes;
 *  - acks ride on data the other way, else are delayed (2 packets or
 *    FRCT_ACK_DELAY);
 *  - a window that shrinks below what is in flight holds new data back;
 *  - small packets after a gap fill the receiver's memory: the packet
 *    that fills the gap still finds room (else the flow stalls for ever);
 *  - a peer that stops acking: the timeout backs off to 60 s at most,
 *    and the peer timer ends the flow.
 */
#include "sim.h"

#include <ouroboros/errno.h>

#define MTU 1400

static struct frct_cfg cfg_of(bool reliable,
                              bool in_order,
                              bool crc)
{
        struct frct_cfg c;

        memset(&c, 0, sizeof(c));
        c.reliable        = reliable;
        c.in_order        = in_order || reliable;
        c.crc             = crc;
        c.mtu             = MTU;
        c.max_msg         = FRCT_MAX_MSG_DEF;
        c.rcv_wnd         = FRCT_RCV_WND_DEF;
        c.flags           = FRCT_F_RESCNTL | FRCT_F_LINGER |
                (reliable ? FRCT_F_RTX : 0);
        c.peer_timeout_ms = 120000;

        return c;
}

/* The ends' largest messages (LIM): a's with ASK, b's the answer. */
static void lim_swap(struct frct * a,
                     struct frct * b,
                     uint64_t      t)
{
        uint8_t pkt[MTU];
        ssize_t n;

        CHECK((n = frct_pop(a, pkt, sizeof(pkt), t)) > 0);
        CHECK(frct_rcv(b, pkt, (size_t) n, t) == 0);
        CHECK((n = frct_pop(b, pkt, sizeof(pkt), t)) > 0);
        CHECK(frct_rcv(a, pkt, (size_t) n, t) == 0);
        CHECK(frct_pop(a, pkt, sizeof(pkt), t) == 0);
        CHECK(frct_pop(b, pkt, sizeof(pkt), t) == 0);
}

static size_t size_pkt(uint64_t i)
{
        return 8 + (size_t) (i * 7919 % (MTU - 20));
}

static bool all_read(const struct sim * s)
{
        int i;

        for (i = 0; i < s->nfl; ++i)
                if (s->fl[i].rcvd < s->fl[i].nmsg)
                        return false;

        return true;
}

static void print_stats(const char *        what,
                        const struct sim *  s,
                        const struct flow * f,
                        uint64_t            t0)
{
        struct frct_stats a;
        struct frct_stats b;
        double            secs = (double) (s->now - t0) / 1e9;

        frct_stats(f->ep[0], &a);
        frct_stats(f->ep[1], &b);
        printf("%-28s %7.2f Mbit/s in %6.2f s: %llu pkts, %llu rtx "
               "(%llu fast, %llu rto), rx bad %llu dups %llu, "
               "srtt %u us cwnd %u\n", what,
               (double) f->bytes * 8 / secs / 1e6, secs,
               (unsigned long long) a.tx_pkts,
               (unsigned long long) a.rtx,
               (unsigned long long) a.fast_rtx,
               (unsigned long long) a.rto_fires,
               (unsigned long long) b.rx_bad,
               (unsigned long long) b.rx_dups, a.srtt_us, a.cwnd);
}

/* A new flow's sequence numbers start just below 2^32, so that they
 * wrap early in the run (as if its seed had given that ISN). */
static void isn_wraps(struct frct * f)
{
        CHECK(f->end == f->isn);   /* nothing sent yet */
        f->isn = f->una = f->nxt = f->end = 0xfffff000u;
        f->rtx_hint = f->round_end = f->isn;
        f->rtx_high = f->isn - 1;
}

static void test_reliable(double   loss,
                          uint64_t seed)
{
        struct sim        s;
        struct link       fwd = { 0 };
        struct link       rev = { 0 };
        struct frct_cfg   c = cfg_of(true, true, true);
        struct flow *     f;
        struct frct_stats st;
        uint64_t          t0;
        char              what[64];

        fwd.loss = rev.loss = loss;
        fwd.dup  = rev.dup = 0.02;
        fwd.ber  = rev.ber = 0.01;
        fwd.delay = rev.delay = 10 * SIM_MS;
        fwd.jitter = rev.jitter = 5 * SIM_MS;
        fwd.rate = 50000000;
        fwd.qlim = 256 * 1024;

        sim_init(&s, seed);
        f = sim_flow(&s, &c, &fwd, &rev);
        f->nmsg = 4000;
        isn_wraps(f->ep[0]);
        isn_wraps(f->ep[1]);
        t0 = s.now;
        sim_run(&s, s.now + 600000 * SIM_MS, all_read);

        CHECK_EQ(f->rcvd, f->nmsg);
        CHECK(f->max_held <= f->ep[1]->wnd);
        /* Let the last acks through, then everything is acknowledged. */
        sim_run(&s, s.now + 3000 * SIM_MS, NULL);
        CHECK(frct_flushed(f->ep[0]));
        snprintf(what, sizeof(what), "reliable %2.0f%% loss", loss * 100);
        print_stats(what, &s, f, t0);
        /* SACK and fast retransmit recover the losses, not timeouts
         * (the classic implementation paid a timeout for each) */
        frct_stats(f->ep[0], &st);
        CHECK(st.fast_rtx > 0);
        CHECK(st.rto_fires * 10 <= st.rtx);
        sim_fini(&s);
}

/* A path that reorders a lot (jitter 8 ms on 10 ms) but loses nothing:
 * RACK's reordering window widens and spurious recoveries are undone,
 * so the flow still fills the link. */
static void test_reorder(void)
{
        struct sim        s;
        struct link       fwd = { 0 };
        struct link       rev = { 0 };
        struct frct_cfg   c = cfg_of(true, true, false);
        struct flow *     f;
        struct frct_stats a;
        uint64_t          b0;
        double            use;

        fwd.delay = rev.delay = 10 * SIM_MS;
        fwd.jitter = rev.jitter = 8 * SIM_MS;
        fwd.rate = 20000000;
        fwd.qlim = 256 * 1024;

        sim_init(&s, 31);
        f = sim_flow(&s, &c, &fwd, &rev);
        sim_run(&s, s.now + 3000 * SIM_MS, NULL);
        b0 = f->bytes;
        sim_run(&s, s.now + 10000 * SIM_MS, NULL);
        use = (double) (f->bytes - b0) * 8 / 10 / 20e6;
        frct_stats(f->ep[0], &a);
        printf("reordering, no loss: %.0f%% of the link, %llu rtx, "
               "reordering window %u steps\n", use * 100,
               (unsigned long long) a.rtx, f->ep[0]->reo_steps);
        CHECK(use > 0.8);
        CHECK(f->ep[0]->reo_steps > 1);
        sim_fini(&s);
}

static void test_in_order(void)
{
        struct sim        s;
        struct link       fwd = { 0 };
        struct link       rev = { 0 };
        struct frct_cfg   c = cfg_of(false, true, false);
        struct flow *     f;
        struct frct_stats b;

        fwd.loss  = 0.05;
        fwd.dup   = 0.02;
        fwd.delay = rev.delay = 10 * SIM_MS;
        fwd.jitter = 5 * SIM_MS;
        fwd.rate  = 20000000;   /* spread out: no skip for room */
        fwd.qlim  = 64 << 20;
        c.max_gap_ms = 20;

        sim_init(&s, 7);
        f = sim_flow(&s, &c, &fwd, &rev);
        f->nmsg = 20000;
        f->size = size_small;    /* several packets: lost parts skip it */
        sim_run(&s, s.now + 60000 * SIM_MS, NULL);

        frct_stats(f->ep[1], &b);
        CHECK(b.rx_skipped > 0);
        CHECK(b.rx_dups > 0);
        CHECK(f->rcvd > f->nmsg / 2);
        CHECK(f->rcvd < f->nmsg);
        CHECK(f->ep[1]->gap_since == NEVER);   /* nothing left waiting */
        printf("in_order 5%% loss, max_gap 20 ms: %llu of %llu messages, "
               "%llu packets skipped, %llu dups\n",
               (unsigned long long) f->rcvd, (unsigned long long) f->nmsg,
               (unsigned long long) b.rx_skipped,
               (unsigned long long) b.rx_dups);
        sim_fini(&s);
}

/* A reader that does not read 1-byte messages: what they hold, their
 * records included, stays within the window. */
static void tiny_msgs(void)
{
        struct frct_cfg c = cfg_of(false, false, false);
        struct frct *   a;
        struct frct *   b;
        uint8_t         pkt[MTU];
        ssize_t         n;
        int             i;

        c.rcv_wnd = c.max_msg = 64 * 1024;
        CHECK(frct_create(&a, &c, 0) == 0);
        CHECK(frct_create(&b, &c, 0) == 0);
        for (i = 0; i < 10000; ++i) {
                CHECK(frct_send(a, "x", 1, 0) == 1);
                n = frct_pop(a, pkt, sizeof(pkt), 0);
                CHECK(n == 2);
                CHECK(frct_rcv(b, pkt, (size_t) n, 0) == 0);
        }
        CHECK(b->ready_cost <= b->wnd);
        CHECK(b->ready_bytes == b->wnd / (1 + FRCT_PKT_COST));
        frct_destroy(a);
        frct_destroy(b);
}

static void test_raw(void)
{
        struct sim        s;
        struct link       fwd = { 0 };
        struct link       rev = { 0 };
        struct frct_cfg   c = cfg_of(false, false, false);
        struct flow *     f;

        fwd.loss  = 0.05;
        fwd.delay = rev.delay = 10 * SIM_MS;
        fwd.jitter = 5 * SIM_MS;

        sim_init(&s, 9);
        f = sim_flow(&s, &c, &fwd, &rev);
        f->nmsg = 2000;
        f->size = size_pkt;
        f->ordered = f->no_dups = false;
        sim_run(&s, s.now + 10000 * SIM_MS, NULL);
        CHECK(f->rcvd > 1800 && f->rcvd < 2000);
        CHECK(frct_send(f->ep[0], s.buf, MTU, s.now) == -EMSGSIZE);
        CHECK(frct_set_flags(f->ep[0], FRCT_F_RTX) == -EINVAL);
        CHECK(frct_set_flags(f->ep[0], 8) == -EINVAL);
        CHECK(frct_flushed(f->ep[0]));
        sim_fini(&s);

        tiny_msgs();
}

static size_t size_huge(uint64_t i)
{
        return i == 1 ? FRCT_MAX_MSG_DEF : 100;
}

static void test_huge(void)
{
        struct sim      s;
        struct link     fwd = { 0 };
        struct link     rev = { 0 };
        struct frct_cfg c = cfg_of(true, true, false);
        struct flow *   f;
        uint64_t        t0;

        fwd.loss = rev.loss = 0.01;
        fwd.delay = rev.delay = 5 * SIM_MS;
        fwd.jitter = 2 * SIM_MS;
        fwd.rate = 200000000;
        fwd.qlim = 512 * 1024;

        sim_init(&s, 11);
        f = sim_flow(&s, &c, &fwd, &rev);
        f->nmsg = 3;
        f->size = size_huge;
        CHECK(frct_send(f->ep[0], s.buf, FRCT_MAX_MSG_DEF + 1, s.now)
              == -EMSGSIZE);
        t0 = s.now;
        sim_run(&s, s.now + 600000 * SIM_MS, all_read);
        CHECK_EQ(f->rcvd, 3);
        CHECK(f->max_held <= f->ep[1]->wnd);
        print_stats("16 MiB message, 1% loss", &s, f, t0);
        sim_fini(&s);
}

static bool reader_done(const struct sim * s)
{
        return s->fl[0].rcvd == s->fl[0].nmsg;
}

static void test_flow_control(void)
{
        struct sim      s;
        struct link     fwd = { 0 };
        struct link     rev = { 0 };
        struct frct_cfg c = cfg_of(true, true, false);
        struct flow *   f;

        c.rcv_wnd = c.max_msg = 64 * 1024;
        fwd.delay = rev.delay = 5 * SIM_MS;
        fwd.loss = rev.loss = 0.02;

        sim_init(&s, 13);
        f = sim_flow(&s, &c, &fwd, &rev);
        f->nmsg = 3000;
        f->reader_off = true;
        sim_run(&s, s.now + 5000 * SIM_MS, NULL);
        /* The writer is held up, memory bounded, nothing is read. */
        CHECK(f->sent < f->nmsg);
        CHECK(!frct_writable(f->ep[0], 3000));
        CHECK(f->max_held <= f->ep[1]->wnd);
        CHECK(f->max_held > 32 * 1024);
        CHECK_EQ(f->rcvd, 0);

        f->reader_off = false;
        sim_run(&s, s.now + 600000 * SIM_MS, reader_done);
        CHECK_EQ(f->rcvd, f->nmsg);
        CHECK(f->evs[0] & FRCT_EV_WRITE);
        sim_fini(&s);
}

/* RESCNTL cleared: the sender ignores the window, the receiver drops
 * what it has no room for (counted), its memory stays bounded, and a
 * reliable flow still delivers everything once the reader reads. */
static void test_no_rescntl(void)
{
        struct sim        s;
        struct link       fwd = { 0 };
        struct link       rev = { 0 };
        struct frct_cfg   c = cfg_of(true, true, false);
        struct flow *     f;
        struct frct_stats b;

        c.rcv_wnd = c.max_msg = 64 * 1024;
        fwd.delay = rev.delay = 5 * SIM_MS;

        sim_init(&s, 29);
        f = sim_flow(&s, &c, &fwd, &rev);
        CHECK(frct_set_flags(f->ep[0], FRCT_F_RTX) == 0);
        f->nmsg = 1000;
        f->reader_off = true;
        sim_run(&s, s.now + 5000 * SIM_MS, NULL);
        frct_stats(f->ep[1], &b);
        CHECK(b.rx_bad > 0);
        CHECK(f->max_held <= f->ep[1]->wnd);
        CHECK_EQ(f->rcvd, 0);

        f->reader_off = false;
        sim_run(&s, s.now + 600000 * SIM_MS, reader_done);
        CHECK_EQ(f->rcvd, f->nmsg);
        sim_fini(&s);
}

static void test_no_rtx(void)
{
        struct sim        s;
        struct link       fwd = { 0 };
        struct link       rev = { 0 };
        struct frct_cfg   c = cfg_of(true, true, false);
        struct flow *     f;
        struct frct_stats a;
        struct frct_stats b;

        fwd.loss = rev.loss = 0.05;
        fwd.delay = rev.delay = 10 * SIM_MS;
        fwd.jitter = 3 * SIM_MS;

        sim_init(&s, 17);
        f = sim_flow(&s, &c, &fwd, &rev);
        CHECK(frct_set_flags(f->ep[0], FRCT_F_RESCNTL) == 0);
        CHECK_EQ(frct_flags(f->ep[0]), FRCT_F_RESCNTL);
        f->nmsg = 3000;
        f->ordered = false;
        sim_run(&s, s.now + 60000 * SIM_MS, NULL);
        frct_stats(f->ep[0], &a);
        frct_stats(f->ep[1], &b);
        CHECK_EQ(a.rtx, 0);
        CHECK(b.rx_skipped > 0);
        CHECK(f->rcvd > f->nmsg / 2 && f->rcvd < f->nmsg);
        CHECK(frct_flushed(f->ep[0]));
        CHECK(f->ep[1]->rcv_nxt == f->ep[1]->rcv_high);
        printf("reliable, RTX cleared, 5%% loss: %llu of %llu messages, "
               "%llu packets skipped\n", (unsigned long long) f->rcvd,
               (unsigned long long) f->nmsg,
               (unsigned long long) b.rx_skipped);
        sim_fini(&s);
}

static void test_peer_timeout(bool reliable)
{
        struct sim        s;
        struct link       fwd = { 0 };
        struct link       rev = { 0 };
        struct frct_cfg   c = cfg_of(reliable, reliable, false);
        struct flow *     f;
        struct frct_stats a;
        uint64_t          t0;
        uint8_t           b[8];

        c.peer_timeout_ms = 1000;
        fwd.delay = rev.delay = 10 * SIM_MS;

        sim_init(&s, 19);
        f = sim_flow(&s, &c, &fwd, &rev);
        f->nmsg = 10;
        f->size = size_pkt;
        t0 = s.now;
        sim_run(&s, s.now + 20000 * SIM_MS, NULL);
        CHECK_EQ(f->rcvd, 10);
        CHECK(!frct_peer_gone(f->ep[0]) && !frct_peer_gone(f->ep[1]));
        frct_stats(f->ep[0], &a);
        /* No more than one keepalive per 250 ms. */
        CHECK(a.ka_tx >= 20000 / 250 / 2 && a.ka_tx <= 20000 / 250 + 1);

        fwd.cut = rev.cut = true;
        t0 = s.now;
        sim_run(&s, s.now + 5000 * SIM_MS, NULL);
        CHECK(frct_peer_gone(f->ep[0]) && frct_peer_gone(f->ep[1]));
        CHECK(f->evs[0] & FRCT_EV_PEER);
        CHECK(frct_send(f->ep[0], b, 1, s.now) == -EFLOWPEER);
        CHECK(frct_read(f->ep[1], b, 8, s.now) == -EFLOWPEER);
        CHECK(frct_deadline(f->ep[0]) == NEVER);
        CHECK_EQ(frct_tick(f->ep[0], s.now + 5000 * SIM_MS), 0);
        (void) t0;

        /* Without a timeout, an idle flow needs no wake-up (an in-order
         * one once the ends' largest messages went, LIM). */
        c.peer_timeout_ms = 0;
        frct_destroy(f->ep[0]);
        frct_destroy(f->ep[1]);
        CHECK(frct_create(&f->ep[0], &c, s.now) == 0);
        CHECK(frct_create(&f->ep[1], &c, s.now) == 0);
        if (reliable)
                lim_swap(f->ep[0], f->ep[1], s.now);
        CHECK(frct_deadline(f->ep[0]) == NEVER);
        CHECK(frct_deadline(f->ep[1]) == NEVER);
        sim_fini(&s);
}

/* The peer timer fires within its bound: between timeout and timeout
 * plus a quarter (the keepalive period) after the last packet. */
static void test_peer_bound(void)
{
        struct frct_cfg c = cfg_of(false, false, false);
        struct frct *   f;
        uint64_t        t = 5000 * SIM_MS;
        uint64_t        d;
        int             ev = 0;

        c.peer_timeout_ms = 2000;
        CHECK(frct_create(&f, &c, t) == 0);
        while (!(ev & FRCT_EV_PEER)) {
                uint8_t pkt[MTU];
                d = frct_deadline(f);
                CHECK(d != NEVER && d > t);
                t = d;
                ev = frct_tick(f, t);
                while (frct_pop(f, pkt, sizeof(pkt), t) > 0)
                        ;
        }
        CHECK_EQ(t, 7000 * SIM_MS);
        CHECK(frct_tick(f, t + 1) == 0);
        frct_destroy(f);
}

/* A raw flow whose data the library writes in place (frct_sent every
 * 100 ms, timeout/8 would do) sends no keepalive while it sends data;
 * once it stops, one goes timeout/4 after the last data. */
static void test_raw_busy(void)
{
        struct frct_cfg c = cfg_of(false, false, false);
        struct frct *   f;
        struct frct_stats st;
        uint8_t         pkt[MTU];
        uint64_t        t;
        uint64_t        last = 0;

        c.peer_timeout_ms = 2000;
        CHECK(frct_create(&f, &c, 0) == 0);
        for (t = 0; t <= 10000 * SIM_MS; t += 100 * SIM_MS) {
                frct_sent(f, t);
                frct_rcv(f, (const uint8_t *) "\x02", 1, t); /* peer KA */
                CHECK(frct_deadline(f) >= t + 500 * SIM_MS);
                frct_tick(f, t);
                while (frct_pop(f, pkt, sizeof(pkt), t) > 0)
                        ;
                last = t;
        }
        frct_stats(f, &st);
        CHECK_EQ(st.ka_tx, 0);
        CHECK_EQ(frct_deadline(f), last + 500 * SIM_MS);
        t = frct_deadline(f);
        frct_tick(f, t);
        CHECK(frct_pop(f, pkt, sizeof(pkt), t) == 1);
        frct_stats(f, &st);
        CHECK_EQ(st.ka_tx, 1);
        frct_destroy(f);
}

/* A peer that stops acking: the timeout backs off (bounded), then the
 * peer timer ends the flow on both sides. */
static void test_stop_acking(uint32_t timeout_ms,
                             uint64_t run_ms)
{
        struct sim        s;
        struct link       fwd = { 0 };
        struct link       rev = { 0 };
        struct frct_cfg   c = cfg_of(true, true, false);
        struct flow *     f;
        struct frct_stats a;

        c.peer_timeout_ms = timeout_ms;
        fwd.delay = rev.delay = 10 * SIM_MS;
        rev.cut = true;

        sim_init(&s, 23);
        f = sim_flow(&s, &c, &fwd, &rev);
        f->nmsg = 100;
        sim_run(&s, s.now + run_ms * SIM_MS, NULL);
        frct_stats(f->ep[0], &a);
        if (timeout_ms > 0) {
                /* RTOs at 1, 3, 7 s; silence for 10 s ends it. */
                CHECK_EQ(a.rto_fires, 3);
                CHECK(frct_peer_gone(f->ep[0]) && frct_peer_gone(f->ep[1]));
                CHECK(f->evs[0] & FRCT_EV_PEER);
        } else {
                /* 1 + 2 + ... + 32 s, then every 60 s. */
                CHECK(a.rto_us == 60000000);
                CHECK_EQ(a.rto_fires, 6 + (run_ms - 63000) / 60000);
                CHECK(!frct_peer_gone(f->ep[0]));
        }
        CHECK(a.rtx >= a.rto_fires);
        sim_fini(&s);
}

/* A reliable flow that sent one 3000-byte message (3 packets), none of
 * it acked yet. */
static struct frct * three_out(void)
{
        struct frct_cfg c = cfg_of(true, true, false);
        struct frct *   f;
        uint8_t         pkt[MTU];
        uint8_t         msg[3000];

        CHECK(frct_create(&f, &c, 0) == 0);
        memset(msg, 1, sizeof(msg));
        CHECK(frct_send(f, msg, sizeof(msg), 0) == (ssize_t) sizeof(msg));
        while (frct_pop(f, pkt, sizeof(pkt), 0) > 0)
                ;
        CHECK(f->nxt - f->una == 3);

        return f;
}

/* The peer's window shrinks below what is in flight: nothing new goes
 * out until it opens again. */
static void test_shrink(void)
{
        struct frct *   f = three_out();
        struct frct_hdr h;
        uint8_t         pkt[MTU];
        uint8_t         msg[1000] = { 0 };
        ssize_t         n;
        uint32_t        nxt = f->nxt;

        memset(&h, 0, sizeof(h));
        h.flags = FRCT_ACK | FRCT_FL_ACK;
        h.ack   = f->una + 1;
        h.wnd   = 100;
        n = frct_hdr_put(pkt, sizeof(pkt), &h);
        CHECK(frct_rcv(f, pkt, (size_t) n, 10 * SIM_MS) == 0);
        CHECK(frct_send(f, msg, 500, 10 * SIM_MS) == 500);
        CHECK(frct_pop(f, pkt, sizeof(pkt), 10 * SIM_MS) == 0);
        CHECK(f->nxt == nxt);
        /* The window is full: a second message waits. */
        CHECK(!frct_writable(f, 1000));
        CHECK(frct_send(f, msg, 1000, 10 * SIM_MS) == -EAGAIN);

        h.ack = f->nxt;
        h.wnd = 1 << 20;
        n = frct_hdr_put(pkt, sizeof(pkt), &h);
        CHECK(frct_rcv(f, pkt, (size_t) n, 20 * SIM_MS) == 0);
        CHECK(frct_tick(f, 20 * SIM_MS) & FRCT_EV_WRITE);
        CHECK(frct_pop(f, pkt, sizeof(pkt), 20 * SIM_MS) > 500);
        CHECK(f->nxt == nxt + 1);
        frct_destroy(f);
}

static ssize_t pop_one(struct frct *     f,
                       uint8_t *         pkt,
                       uint64_t          now,
                       struct frct_hdr * h)
{
        ssize_t n = frct_pop(f, pkt, MTU, now);
        size_t  off;
        size_t  plen;

        if (n > 0)
                CHECK(frct_parse(pkt, (size_t) n, h, &off, &plen) == 0);

        return n;
}

/* Acks ride on data going the other way; alone, one waits for a
 * second packet or FRCT_ACK_DELAY. */
static void test_piggyback(void)
{
        struct frct_cfg c = cfg_of(true, true, true);
        struct frct *   a;
        struct frct *   b;
        struct frct_hdr h;
        uint8_t         pkt[MTU];
        uint8_t         msg[100] = { 0 };
        ssize_t         n;
        uint64_t        t = 0;

        c.seed = 1;
        CHECK(frct_create(&a, &c, t) == 0);
        c.seed = 2;
        CHECK(frct_create(&b, &c, t) == 0);
        lim_swap(a, b, t);

        CHECK(frct_send(a, msg, 0, t) == 0);    /* nothing to send */
        CHECK(frct_pop(a, pkt, sizeof(pkt), t) == 0);
        CHECK(frct_send(a, msg, sizeof(msg), t) == 100);
        n = pop_one(a, pkt, t, &h);
        CHECK(n > 100 && (h.flags & FRCT_FL_ISN) && !(h.flags & FRCT_FL_ACK));
        CHECK(frct_rcv(b, pkt, (size_t) n, t += SIM_MS) == 0);
        CHECK_EQ(frct_next_len(b), 100);
        CHECK(frct_pop(b, pkt, sizeof(pkt), t) == 0);     /* delayed */
        CHECK_EQ(frct_deadline(b), t + FRCT_ACK_DELAY);

        /* B's data carries the ack: A is flushed, nothing else due. */
        CHECK(frct_send(b, msg, 50, t) == 50);
        n = pop_one(b, pkt, t, &h);
        CHECK(n > 50 && frct_hdr_type(&h) == FRCT_DATA &&
              (h.flags & FRCT_FL_ACK) && h.ack == a->nxt);
        CHECK(frct_pop(b, pkt, sizeof(pkt), t) == 0);
        CHECK(!frct_flushed(a));
        CHECK(frct_rcv(a, pkt, (size_t) n, t += SIM_MS) == 0);
        CHECK(frct_flushed(a) && frct_next_len(a) == 50);

        /* A owes an ack for B's packet: it goes after the delay. */
        CHECK(frct_pop(a, pkt, sizeof(pkt), t) == 0);
        t = frct_deadline(a);
        CHECK(frct_tick(a, t) == 0);
        n = pop_one(a, pkt, t, &h);
        CHECK(n > 0 && frct_hdr_type(&h) == FRCT_ACK && h.nsack == 0);
        CHECK(frct_rcv(b, pkt, (size_t) n, t) == 0);
        CHECK(frct_flushed(b));

        /* Two packets in order: acked at once. */
        CHECK(frct_send(a, msg, 100, t) == 100);
        CHECK(frct_send(a, msg, 100, t) == 100);
        n = pop_one(a, pkt, t, &h);
        CHECK(!(h.flags & FRCT_FL_ISN) && (h.flags & FRCT_FL_ACK));
        CHECK(frct_rcv(b, pkt, (size_t) n, t) == 0);
        CHECK(frct_pop(b, pkt, sizeof(pkt), t) == 0);
        n = pop_one(a, pkt, t, &h);
        CHECK(frct_rcv(b, pkt, (size_t) n, t) == 0);
        n = pop_one(b, pkt, t, &h);
        CHECK(n > 0 && frct_hdr_type(&h) == FRCT_ACK && h.ack == a->nxt);
        frct_destroy(a);
        frct_destroy(b);
}

static void test_forged(void)
{
        struct frct_cfg   c = cfg_of(true, true, false);
        struct frct *     f = three_out();
        struct frct_hdr   h;
        struct frct_stats st;
        uint8_t           pkt[MTU];
        ssize_t           n;
        uint32_t          una = f->una;
        uint32_t          wnd = f->snd_wnd;

        /* An ack of data never sent. */
        memset(&h, 0, sizeof(h));
        h.flags = FRCT_ACK | FRCT_FL_ACK;
        h.ack   = f->nxt + 1;
        h.wnd   = 1u << 30;
        n = frct_hdr_put(pkt, sizeof(pkt), &h);
        CHECK(frct_rcv(f, pkt, (size_t) n, 1) == -EBADMSG);
        /* A SACK block beyond what was sent. */
        h.ack = f->una;
        h.nsack = 1;
        h.sack[0].start = f->una + 1;
        h.sack[0].end   = f->nxt + 5;
        n = frct_hdr_put(pkt, sizeof(pkt), &h);
        CHECK(frct_rcv(f, pkt, (size_t) n, 1) == -EBADMSG);
        /* A CRC where the flow has none, garbage, a data packet that
         * does not start the stream. */
        pkt[0] = FRCT_ACK | FRCT_FL_ACK | FRCT_FL_CRC;
        CHECK(frct_rcv(f, pkt, (size_t) n, 1) == -EBADMSG);
        CHECK(frct_rcv(f, (const uint8_t *) "\xff\x01", 2, 1) == -EBADMSG);
        h.flags = FRCT_DATA | FRCT_FL_SEQ | FRCT_FL_FIRST | FRCT_FL_LAST;
        h.seq = 12345;
        n = frct_hdr_put(pkt, sizeof(pkt), &h);
        pkt[n] = 'x';
        CHECK(frct_rcv(f, pkt, (size_t) n + 1, 1) == -EBADMSG);

        frct_stats(f, &st);
        CHECK_EQ(st.rx_bad, 5);
        CHECK_EQ(st.rx_pkts, 0);
        CHECK(f->una == una && f->snd_wnd == wnd);
        CHECK(!frct_flushed(f));
        frct_destroy(f);

        /* What create refuses. */
        c.mtu = FRCT_HDR_MAX;
        CHECK(frct_create(&f, &c, 0) == -EINVAL);
        c.mtu = MTU;
        c.max_msg = 0;
        CHECK(frct_create(&f, &c, 0) == -EINVAL);
}

static void test_gap_room(void)
{
        struct frct_cfg c = cfg_of(true, true, false);
        struct frct *   a;
        struct frct *   b;
        uint8_t         pkt[MTU];
        uint8_t         first[MTU];
        uint8_t         msg[100];
        ssize_t         n0;
        ssize_t         n;
        int             i;

        c.rcv_wnd = c.max_msg = 16 * 1024;
        c.seed = 1;
        CHECK(frct_create(&a, &c, 0) == 0);
        c.seed = 2;
        CHECK(frct_create(&b, &c, 0) == 0);
        lim_swap(a, b, 0);
        a->cc.cwnd = a->cc.ssthresh = 1000; /* the window is the limit */
        memset(msg, 7, sizeof(msg));
        while (frct_send(a, msg, sizeof(msg), 0) == sizeof(msg))
                ;
        n0 = frct_pop(a, first, sizeof(first), 0); /* lost, for now */
        CHECK(n0 > 0);
        for (i = 0; (n = frct_pop(a, pkt, sizeof(pkt), 0)) > 0; ++i)
                CHECK(frct_rcv(b, pkt, (size_t) n, 1) == 0);
        printf("gap room: %d packets after the gap, %llu dropped\n", i,
               (unsigned long long) b->st.rx_bad);
        CHECK(b->st.rx_bad > 0);           /* the memory is full */
        CHECK_EQ(frct_next_len(b), 0);
        CHECK(frct_rcv(b, first, (size_t) n0, 2) == 0);
        CHECK_EQ(frct_next_len(b), (ssize_t) sizeof(msg));
        frct_destroy(a);
        frct_destroy(b);
}

/* The reader takes its packets in batches every 4 ms (it drains its
 * ring when it is scheduled): an ack per batch, and each opens the
 * sender's window by many packets at once, into a path whose queue
 * holds 24 packets (a switch port) before a 100 Mbit/s link. The
 * sender paces them (a burst of FRCT_PACE_BURST, the rest spread over
 * the round trip), so the queue overflows only when the window is
 * really too large: 72 Mbit/s, 2% lost (a sender that sent each
 * opening back to back lost packets of every burst, and kept its
 * window at 65 packets: 12 Mbit/s). */
static void test_batched_reader(void)
{
        struct sim        s;
        struct link       fwd = { 0 };
        struct link       rev = { 0 };
        struct frct_cfg   c = cfg_of(true, true, false);
        struct flow *     f;
        struct frct_stats st;
        uint64_t          t0;

        fwd.delay = rev.delay = 10 * SIM_MS;
        fwd.rate  = 100000000;
        fwd.qlim  = 24 * MTU;

        sim_init(&s, 7);
        f = sim_flow(&s, &c, &fwd, &rev);
        f->size     = size_pkt;
        f->nmsg     = 20000;
        f->rx_batch = 4 * SIM_MS;
        t0 = s.now;
        sim_run(&s, s.now + 600000 * SIM_MS, all_read);

        CHECK_EQ(f->rcvd, f->nmsg);
        print_stats("batched reader, short queue", &s, f, t0);
        frct_stats(f->ep[0], &st);
        printf("%-28s queue drops %llu, paced %llu\n", "",
               (unsigned long long) fwd.drops,
               (unsigned long long) st.paced);
        CHECK(st.paced > 0);
        CHECK(fwd.drops * 20 < st.tx_pkts);
        CHECK((double) f->bytes * 8 / ((double) (s.now - t0) / 1e9) > 40e6);
        sim_fini(&s);
}

int main(void)
{
        test_batched_reader();
        test_gap_room();
        test_forged();
        test_piggyback();
        test_shrink();
        test_stop_acking(10000, 20000);
        test_stop_acking(0, 1000000);
        test_peer_bound();
        test_raw_busy();
        test_peer_timeout(false);
        test_peer_timeout(true);
        test_raw();
        test_in_order();
        test_reorder();
        test_no_rtx();
        test_flow_control();
        test_no_rescntl();
        test_reliable(0.01, 1);
        test_reliable(0.05, 2);
        test_reliable(0.10, 3);
        test_huge();

        return 0;
}
