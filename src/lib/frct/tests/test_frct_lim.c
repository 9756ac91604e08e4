/*
 * Unit test of the FRCT state machine: the largest message (LIM,
 * frct_wire.h). Two ends with different limits (OUROBOROS_MAX_MSG per
 * process): until the writer knows the reader's limit a message over
 * FRCT_MAX_MSG_MIN waits (-EAGAIN), then one over the reader's limit
 * gets -EMSGSIZE and one within it arrives whole, never dropped by the
 * reader. LIM lost at the start is sent again; LIM with ASK is answered
 * once (no ping-pong); a flow keeps working after -EMSGSIZE; a raw flow
 * refuses LIM.
 */
#include "../frct_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ouroboros/errno.h>

#include "../../../../tests/check.h"

#define MTU    1400
#define MS     1000000ull
#define SMALL  (64u << 10)     /* the reader's limit */

static struct frct_cfg cfg_of(bool   reliable,
                              size_t max_msg)
{
        struct frct_cfg c;

        memset(&c, 0, sizeof(c));
        c.reliable        = reliable;
        c.in_order        = true;
        c.mtu             = MTU;
        c.max_msg         = max_msg;
        c.rcv_wnd         = FRCT_RCV_WND_DEF;
        c.flags           = FRCT_F_RESCNTL | (reliable ? FRCT_F_RTX : 0);
        c.peer_timeout_ms = 120000;
        c.seed            = max_msg;

        return c;
}

/* Everything from has to send at t goes to to (or is lost): packets. */
static int xfer(struct frct * from,
                struct frct * to,
                uint64_t      t,
                bool          lose)
{
        uint8_t pkt[MTU];
        ssize_t n;
        int     cnt = 0;

        frct_tick(from, t);
        while ((n = frct_pop(from, pkt, sizeof(pkt), t)) > 0) {
                ++cnt;
                if (!lose)
                        CHECK(frct_rcv(to, pkt, (size_t) n, t) == 0);
        }
        CHECK(n == 0);

        return cnt;
}

static void test_limits(bool reliable)
{
        static uint8_t    buf[2 * SMALL];
        static uint8_t    got[2 * SMALL];
        struct frct_cfg   ca = cfg_of(reliable, FRCT_MAX_MSG_DEF);
        struct frct_cfg   cb = cfg_of(reliable, SMALL);
        struct frct *     a;
        struct frct *     b;
        struct frct_stats st;
        uint64_t          t = 0;
        size_t            i;
        int               k;

        for (i = 0; i < sizeof(buf); ++i)
                buf[i] = (uint8_t) (i * 7 + 1);
        CHECK(frct_create(&a, &ca, 0) == 0);
        CHECK(frct_create(&b, &cb, 0) == 0);

        /* Before the reader's limit is known: the floor goes, more
         * waits; the own limit still gives -EMSGSIZE at once. */
        CHECK_EQ(frct_max_send(a), FRCT_MAX_MSG_DEF);
        CHECK(frct_send(a, buf, FRCT_MAX_MSG_DEF + 1, t) == -EMSGSIZE);
        CHECK(frct_send(a, buf, FRCT_MAX_MSG_MIN, t) == FRCT_MAX_MSG_MIN);
        CHECK(!frct_writable(a, FRCT_MAX_MSG_MIN + 1));
        CHECK(frct_send(a, buf, SMALL, t) == -EAGAIN);

        /* The first LIM of both ends is lost (a's data too): sent
         * again after FRCT_LIM_IVL, then answered once. */
        CHECK(frct_deadline(a) == 0);
        CHECK(xfer(a, b, t, true) >= 1);
        CHECK(xfer(b, a, t, true) == 1);
        CHECK(frct_deadline(b) == FRCT_LIM_IVL);
        t = FRCT_LIM_IVL;
        CHECK(xfer(b, a, t, false) >= 1);      /* b's LIM, ASK */
        CHECK_EQ(frct_max_send(a), SMALL);
        CHECK(frct_ack_due(a));                  /* the answer */
        CHECK(frct_tick(a, t) & FRCT_EV_WRITE);  /* the writer retries */
        CHECK(frct_send(a, buf, SMALL + 1, t) == -EMSGSIZE);
        CHECK(frct_writable(a, SMALL));
        CHECK(frct_send(a, buf, SMALL, t) == SMALL);
        CHECK(frct_send(a, buf + 1, SMALL + 1, t) == -EMSGSIZE);

        /* The rest goes through (a reliable flow resends what was
         * lost; an in-order one waits past the lost start at most
         * max_gap, 0 here: not reliable, only the LIM exchange is
         * checked there). */
        for (k = 0; k < 1000; ++k) {
                t += 5 * MS;
                xfer(a, b, t, false);
                xfer(b, a, t, false);
        }
        CHECK_EQ(frct_max_send(b), SMALL);
        frct_stats(b, &st);
        CHECK_EQ(st.rx_bad, 0);
        frct_stats(a, &st);
        CHECK_EQ(st.rx_bad, 0);
        if (reliable) {
                CHECK(frct_read(b, got, sizeof(got), t) ==
                      FRCT_MAX_MSG_MIN);
                CHECK(memcmp(got, buf, FRCT_MAX_MSG_MIN) == 0);
                CHECK(frct_read(b, got, sizeof(got), t) == SMALL);
                CHECK(memcmp(got, buf, SMALL) == 0);
                CHECK(frct_flushed(a));
        }
        /* Known: no LIM goes any more but in keepalives; the deadline
         * is the keepalive's, not LIM's. */
        CHECK(frct_deadline(a) > t + 20000 * MS);
        CHECK(frct_deadline(b) > t + 20000 * MS);

        frct_destroy(a);
        frct_destroy(b);
}

/* Both LIMs arrive: the second end's own LIM is its answer (no ASK:
 * it knows the first's by then), and is not answered. */
static void test_no_ping_pong(void)
{
        struct frct_cfg ca = cfg_of(true, FRCT_MAX_MSG_DEF);
        struct frct_cfg cb = cfg_of(true, FRCT_MAX_MSG_MIN);
        struct frct *   a;
        struct frct *   b;
        uint64_t        t = 0;

        CHECK(frct_create(&a, &ca, 0) == 0);
        CHECK(frct_create(&b, &cb, 0) == 0);
        CHECK(xfer(a, b, t, false) == 1);        /* LIM, ASK */
        CHECK(xfer(b, a, t, false) == 1);        /* its LIM, the answer */
        CHECK(xfer(a, b, t, false) == 0);
        CHECK(xfer(b, a, t, false) == 0);
        CHECK_EQ(frct_max_send(a), FRCT_MAX_MSG_MIN);
        CHECK_EQ(frct_max_send(b), FRCT_MAX_MSG_MIN);
        CHECK(frct_send(a, "x", FRCT_MAX_MSG_MIN + 1, t) == -EMSGSIZE);
        frct_destroy(a);
        frct_destroy(b);
}

static void test_raw_and_bounds(void)
{
        struct frct_cfg c = cfg_of(false, FRCT_MAX_MSG_DEF);
        struct frct *   f;
        const uint8_t   lim[5] = { FRCT_KA | FRCT_FL_ISN, 0, 0, 0x10, 0 };

        c.max_msg = (size_t) FRCT_LIM_MASK + 1;
        CHECK(frct_create(&f, &c, 0) == -EINVAL);
        c.in_order = false;
        c.max_msg  = FRCT_MAX_MSG_DEF;
        CHECK(frct_create(&f, &c, 0) == 0);
        CHECK(frct_deadline(f) > 1000 * MS);   /* no LIM on raw flows */
        CHECK(frct_rcv(f, lim, sizeof(lim), 0) == -EBADMSG);
        frct_destroy(f);
}

int main(void)
{
        test_limits(true);
        test_limits(false);
        test_no_ping_pong();
        test_raw_and_bounds();

        return 0;
}
