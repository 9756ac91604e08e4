/*
 * Unit test of the FRCT state machine: a sender with data not yet
 * acknowledged always has a way forward. sim.h checks after every
 * transmission of every simulated run that a timer is armed then
 * (retransmission, tail probe, reordering, pacing, zero window probe);
 * here the case that stalled the library's reliable stream for good
 * (tests/frctlib, scenario reliable, about 1 run in 15 under load):
 *  - the clock's tick released paced output, but the caller could not
 *    send it at once (the library's writer held the flow's output lock)
 *    and acks then took everything in flight: frct_deadline must say
 *    that output is due until frct_pop has taken it, not the keepalive
 *    30 s away (the writer, coming back, slept until then);
 *  - the same through the simulator: a writer that is descheduled after
 *    each run (sim.h, desched) and reads its deadline when it comes
 *    back, while its clock ticks and takes the acks; lossless and lossy
 *    paths, the transfer never stalls;
 *  - a window update that is lost: the zero window probe recovers.
 */
#include "sim.h"

#include <ouroboros/errno.h>

#define MTU 1400
#define MS  SIM_MS

static struct frct_cfg cfg_rel(void)
{
        struct frct_cfg c;

        memset(&c, 0, sizeof(c));
        c.reliable        = true;
        c.in_order        = true;
        c.crc             = true;
        c.mtu             = MTU;
        c.max_msg         = FRCT_MAX_MSG_DEF;
        c.rcv_wnd         = FRCT_RCV_WND_DEF;
        c.flags           = FRCT_F_RTX | FRCT_F_RESCNTL | FRCT_F_LINGER;
        c.peer_timeout_ms = 120000;

        return c;
}

/* Every packet a has due at now, given to b at at. */
static int move_all(struct frct * a,
                    struct frct * b,
                    uint64_t      now,
                    uint64_t      at)
{
        uint8_t pkt[MTU];
        ssize_t n;
        int     cnt = 0;

        while ((n = frct_pop(a, pkt, sizeof(pkt), now)) > 0) {
                CHECK_EQ(frct_rcv(b, pkt, (size_t) n, at), 0);
                ++cnt;
        }
        CHECK_EQ(n, 0);

        return cnt;
}

static void test_paced_tick(void)
{
        struct frct_cfg c = cfg_rel();
        struct frct *   a;
        struct frct *   b;
        uint8_t         msg[MTU - 60];
        uint64_t        now = 1000 * MS;
        uint64_t        t;
        int             i;
        int             sent;

        memset(msg, 7, sizeof(msg));
        c.seed = 1;
        CHECK_EQ(frct_create(&a, &c, now), 0);
        c.seed = 2;
        CHECK_EQ(frct_create(&b, &c, now), 0);
        /* The ends' largest messages (LIM) first. */
        CHECK_EQ(move_all(a, b, now, now), 1);
        CHECK_EQ(move_all(b, a, now, now), 1);

        /* One message and its ack: an RTT sample (pacing needs one). */
        CHECK_EQ(frct_send(a, msg, 100, now), 100);
        CHECK_EQ(move_all(a, b, now, now + MS), 1);
        CHECK_EQ(frct_tick(b, now + 6 * MS), 0);   /* delayed ack */
        CHECK_EQ(move_all(b, a, now + 6 * MS, now + 7 * MS), 1);
        now += 7 * MS;
        CHECK(a->rtt.valid);
        CHECK(a->una == a->end);

        /* A window larger than a burst: pacing holds the rest. */
        a->cc.cwnd = 100;
        for (i = 0; i < 80; ++i)
                CHECK_EQ(frct_send(a, msg, sizeof(msg), now),
                         (ssize_t) sizeof(msg));
        sent = move_all(a, b, now, now + MS);
        printf("paced tick: %d packets out, then held until +%llu ns\n",
               sent, (unsigned long long) (a->pace_at - now));
        CHECK(sent >= FRCT_PACE_BURST && sent < 80);
        CHECK(a->pace_at != NEVER && a->pace_at > now);
        CHECK(frct_deadline(a) == a->pace_at);

        /* The clock's tick when pacing lets go: the caller cannot send
         * now (another thread holds the output). */
        t = a->pace_at;
        frct_tick(a, t);
        CHECK(frct_deadline(a) <= t);

        /* Meanwhile acks take everything in flight. */
        CHECK(frct_tick(b, t + 6 * MS) >= 0);
        CHECK_EQ(move_all(b, a, t + 6 * MS, t + 7 * MS), 1);
        t += 7 * MS;
        /* The state of the stall: all acked, data unsent and sendable,
         * no timer of the sender's armed. */
        CHECK(a->una == a->nxt && a->unsent > 0);
        CHECK(a->rto_at == NEVER && a->tlp_at == NEVER &&
              a->rack_at == NEVER);
        printf("paced tick: una == nxt, %zu bytes unsent, deadline "
               "%s\n", a->unsent, frct_deadline(a) <= t ? "now" :
               "later (the stall)");
        /* Output is still due: not the keepalive 30 s away. */
        CHECK(frct_deadline(a) <= t);

        /* Once popped, the deadline is a timer again. */
        CHECK(move_all(a, b, t, t + MS) > 0);
        CHECK(frct_deadline(a) > t);
        CHECK(frct_deadline(a) <= t + FRCT_RTO_INIT);

        frct_destroy(a);
        frct_destroy(b);
}

static size_t size_pkt(uint64_t i)
{
        return 8 + (size_t) (i * 7919 % (MTU - 20));
}

static bool all_read(const struct sim * s)
{
        return s->fl[0].rcvd >= s->fl[0].nmsg;
}

/* A writer descheduled for desched after each run, over 1 ms links
 * (a round trip well within that) losing loss of the packets: every
 * message arrives, and in far less time than the keepalive that a
 * stalled writer would sleep until (30 s). */
static void test_writer_away(uint64_t desched,
                             double   loss,
                             uint64_t seed)
{
        struct sim        s;
        struct link       fwd = { 0 };
        struct link       rev = { 0 };
        struct frct_cfg   c = cfg_rel();
        struct flow *     f;
        struct frct_stats st;
        uint64_t          t0;

        fwd.delay = rev.delay = MS;
        fwd.jitter = rev.jitter = MS / 4;
        fwd.loss  = rev.loss = loss;

        sim_init(&s, seed);
        f = sim_flow(&s, &c, &fwd, &rev);
        f->size    = size_pkt;
        f->nmsg    = 5000;
        f->desched = desched;
        t0 = s.now;
        sim_run(&s, s.now + 120000 * MS, all_read);

        frct_stats(f->ep[0], &st);
        printf("writer away %2llu ms, loss %.0f%%: %llu of %llu messages "
               "in %.3f s, %llu rtx (%llu rto), paced %llu\n",
               (unsigned long long) (desched / MS), loss * 100,
               (unsigned long long) f->rcvd,
               (unsigned long long) f->nmsg,
               (double) (s.now - t0) / 1e9,
               (unsigned long long) st.rtx,
               (unsigned long long) st.rto_fires,
               (unsigned long long) st.paced);
        CHECK_EQ(f->rcvd, f->nmsg);
        CHECK(s.now - t0 < 20000 * MS);
        sim_fini(&s);
}

/* A reader that stopped until the window closed, then read everything:
 * its window update is lost. The sender's zero window probe (a
 * keepalive the peer acks) finds the window open, within a few
 * retransmission timeouts, not the peer timeout. */
static void test_lost_update(void)
{
        struct sim        s;
        struct link       fwd = { 0 };
        struct link       rev = { 0 };
        struct frct_cfg   c = cfg_rel();
        struct flow *     f;
        struct frct_stats st;
        uint64_t          ka;
        uint64_t          t0;

        fwd.delay = rev.delay = 5 * MS;
        c.max_msg = c.rcv_wnd = 64 << 10;

        sim_init(&s, 4);
        f = sim_flow(&s, &c, &fwd, &rev);
        f->size       = size_pkt;
        f->reader_off = true;
        sim_run(&s, s.now + 2000 * MS, NULL);
        CHECK(f->ep[0]->una == f->ep[0]->nxt && f->ep[0]->unsent > 0);
        CHECK(f->rcvd == 0);

        rev.cut       = true;
        f->reader_off = false;
        app_read(&s, 0);               /* the update goes, and is lost */
        CHECK(f->rcvd > 0);
        rev.cut = false;
        frct_stats(f->ep[0], &st);
        ka = st.ka_tx;

        f->nmsg = f->sent + 500;
        t0 = s.now;
        sim_run(&s, s.now + 60000 * MS, all_read);
        frct_stats(f->ep[0], &st);
        printf("lost window update: %llu messages after %.3f s, %llu "
               "probes\n", (unsigned long long) f->rcvd,
               (double) (s.now - t0) / 1e9,
               (unsigned long long) (st.ka_tx - ka));
        CHECK_EQ(f->rcvd, f->nmsg);
        CHECK(st.ka_tx > ka);
        CHECK(s.now - t0 < 5000 * MS);
        sim_fini(&s);
}

int main(void)
{
        test_paced_tick();
        test_writer_away(5 * MS, 0, 1);
        test_writer_away(10 * MS, 0, 2);
        test_writer_away(10 * MS, 0.02, 3);
        test_lost_update();

        return 0;
}
