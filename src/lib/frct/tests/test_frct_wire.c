/*
 * Unit test of the FRCT header (frct_wire.h): every form round trips,
 * byte by byte as documented (big-endian); malformed packets are
 * refused: truncated fields, type 3 without SEQ, flags where they do
 * not belong, too many or empty SACK blocks, payload on an ack or
 * keepalive, an empty fragment, a bad CRC; LIM (the receive limit, ISN
 * without SEQ) only on an ACK or KEEPALIVE, whole and not 0.
 */
#include "frct_wire.h"

#include <errno.h>
#include <string.h>

#include "../../../../tests/check.h"

static size_t build(uint8_t *               buf,
                    const struct frct_hdr * h,
                    const char *            pay)
{
        ssize_t n = frct_hdr_put(buf, 256, h);
        size_t  p = strlen(pay);

        CHECK(n > 0);
        memcpy(buf + n, pay, p);
        n += (ssize_t) p;
        if (h->flags & FRCT_FL_CRC)
                n = (ssize_t) frct_crc_put(buf, (size_t) n);

        return (size_t) n;
}

static void round_trip(const struct frct_hdr * h,
                       const char *            pay)
{
        uint8_t         buf[256];
        uint8_t         out[256];
        struct frct_hdr g;
        size_t          off;
        size_t          plen;
        size_t          n = build(buf, h, pay);
        size_t          i;

        CHECK(frct_parse(buf, n, &g, &off, &plen) == 0);
        CHECK_EQ(plen, strlen(pay));
        CHECK(memcmp(buf + off, pay, plen) == 0);
        CHECK_EQ(off, frct_hdr_len(h));
        CHECK(g.flags == h->flags && g.seq == h->seq && g.isn == h->isn);
        CHECK(g.lim == h->lim);
        CHECK(g.ack == h->ack && g.wnd == h->wnd && g.nsack == h->nsack);
        CHECK(build(out, &g, pay) == n && memcmp(out, buf, n) == 0);

        /* Every truncation of a packet with a CRC fails; without one,
         * those that cut into the header do. */
        for (i = 0; i < n; ++i) {
                int r = frct_parse(buf, i, &g, &off, &plen);
                if ((h->flags & FRCT_FL_CRC) || i < frct_hdr_len(h))
                        CHECK(r == -EBADMSG);
        }
        /* Any bit flipped fails the CRC, but the CRC flag's own (the
         * state machine refuses a packet whose flag is not its flow's). */
        if (h->flags & FRCT_FL_CRC) {
                for (i = 0; i < n * 8; ++i) {
                        if (i == 6)
                                continue;
                        buf[i / 8] ^= (uint8_t) (1u << (i % 8));
                        CHECK(frct_parse(buf, n, &g, &off, &plen) ==
                              -EBADMSG);
                        buf[i / 8] ^= (uint8_t) (1u << (i % 8));
                }
        }
}

static void test_forms(void)
{
        struct frct_hdr h;

        memset(&h, 0, sizeof(h));
        h.flags = FRCT_DATA;                            /* raw */
        round_trip(&h, "hello");
        round_trip(&h, "");
        h.flags = FRCT_DATA | FRCT_FL_CRC;
        round_trip(&h, "x");
        h.flags = FRCT_DATA | FRCT_FL_SEQ | FRCT_FL_FIRST | FRCT_FL_ISN;
        h.seq = 0xfffffffe;
        h.isn = 0xfffffff0;
        round_trip(&h, "frag");
        h.flags = FRCT_DATA | FRCT_FL_SEQ | FRCT_FL_FIRST | FRCT_FL_LAST;
        h.isn = 0;
        round_trip(&h, "");                             /* empty msg */
        h.flags |= FRCT_FL_ACK | FRCT_FL_CRC;
        h.ack = 7;
        h.wnd = 1u << 31;
        h.nsack = FRCT_SACK_MAX;
        h.sack[0].start = 9;  h.sack[0].end = 10;
        h.sack[1].start = 12; h.sack[1].end = 20;
        h.sack[2].start = 30; h.sack[2].end = 31;
        h.sack[3].start = 0xffffffff; h.sack[3].end = 3;
        round_trip(&h, "data with acks");
        h.flags = FRCT_ACK | FRCT_FL_ACK;
        h.seq = 0;
        round_trip(&h, "");
        h.flags = FRCT_KA;
        h.ack = h.wnd = 0;
        h.nsack = 0;
        round_trip(&h, "");
        h.flags = FRCT_KA | FRCT_FL_ISN;                 /* LIM */
        h.lim = FRCT_LIM_ASK | 4096;
        round_trip(&h, "");
        h.flags = FRCT_KA | FRCT_FL_ISN | FRCT_FL_CRC | FRCT_FL_ACK;
        h.lim = FRCT_LIM_MASK;
        h.ack = 5;
        h.nsack = 1;
        h.sack[0].start = 9; h.sack[0].end = 10;
        round_trip(&h, "");
        h.flags = FRCT_ACK | FRCT_FL_ACK | FRCT_FL_ISN;
        h.lim = 1;
        round_trip(&h, "");
        h.flags = FRCT_SKIP | FRCT_FL_SEQ | FRCT_FL_ACK;
        h.seq = 99;
        h.lim = 0;
        round_trip(&h, "");
}

static void test_layout(void)
{
        struct frct_hdr h;
        uint8_t         b[64];

        memset(&h, 0, sizeof(h));
        h.flags = FRCT_DATA | FRCT_FL_SEQ | FRCT_FL_ISN | FRCT_FL_ACK;
        h.seq = 0x01020304;
        h.isn = 0x05060708;
        h.ack = 0x090a0b0c;
        h.wnd = 0x0d0e0f10;
        h.nsack = 1;
        h.sack[0].start = 0x11121314;
        h.sack[0].end   = 0x15161718;
        CHECK(frct_hdr_put(b, sizeof(b), &h) == 1 + 4 + 4 + 9 + 8);
        CHECK(b[0] == 0xa4);
        CHECK(b[1] == 1 && b[4] == 4 && b[5] == 5 && b[8] == 8);
        CHECK(b[9] == 9 && b[13] == 0x0d && b[17] == 1);
        CHECK(b[18] == 0x11 && b[25] == 0x18);
        CHECK(frct_hdr_put(b, 20, &h) == -ENOBUFS);
        CHECK(FRCT_HDR_MAX == 50);

        /* LIM follows the ack fields. */
        h.flags = FRCT_ACK | FRCT_FL_ACK | FRCT_FL_ISN;
        h.lim = FRCT_LIM_ASK | 0x00010203;
        CHECK(frct_hdr_put(b, sizeof(b), &h) == 1 + 9 + 8 + 4);
        CHECK(b[0] == 0xa1 && b[1] == 0x09 && b[5] == 0x0d);
        CHECK(b[18] == 0x80 && b[19] == 1 && b[20] == 2 && b[21] == 3);
        h.flags = FRCT_KA | FRCT_FL_ISN;
        CHECK(frct_hdr_put(b, sizeof(b), &h) == 5);
        CHECK(b[0] == 0x82 && b[1] == 0x80 && b[4] == 3);
}

static void refuse(const uint8_t * p,
                   size_t          n)
{
        struct frct_hdr h;
        size_t          off;
        size_t          plen;

        CHECK(frct_parse(p, n, &h, &off, &plen) == -EBADMSG);
}

static void test_bad(void)
{
        struct frct_hdr h;
        uint8_t         b[64] = { 0 };

        refuse(b, 0);
        refuse((const uint8_t *) "\x03", 1);            /* SKIP no SEQ */
        refuse((const uint8_t *) "\x01", 1);            /* ACK no ACK */
        refuse((const uint8_t *) "\x08x", 2);           /* FIRST no SEQ */
        refuse((const uint8_t *) "\x80x", 2);           /* ISN no SEQ */
        refuse((const uint8_t *) "\x80\0\0\0\1", 5);    /* LIM on DATA */
        refuse((const uint8_t *) "\x82\0\0\0\0", 5);    /* LIM 0 */
        refuse((const uint8_t *) "\x82\x80\0\0\0", 5);  /* ASK, LIM 0 */
        refuse((const uint8_t *) "\x82\0\0\1", 4);      /* LIM short */
        refuse((const uint8_t *) "\x82\0\0\0\1x", 6);   /* LIM long */
        refuse((const uint8_t *) "\x82", 1);            /* no LIM */
        memcpy(b, "\xa1\0\0\0\1\0\0\0\1\0\0\0\1", 13);
        refuse(b, 13);                                  /* ack, LIM short */
        refuse((const uint8_t *) "\x06\0\0\0\0", 5);    /* KA with SEQ */
        refuse((const uint8_t *) "\x02x", 2);           /* KA payload */
        refuse((const uint8_t *) "\x04\0\0\0\1", 5);    /* empty frag */
        refuse((const uint8_t *) "\x40", 1);            /* no CRC room */
        refuse((const uint8_t *) "\x40\0\0\0\0", 5);    /* bad CRC */
        /* ack: 5 SACK blocks; an empty one; payload on an ack */
        memcpy(b, "\x21\0\0\0\1\0\0\0\1\5", 10);
        memset(b + 10, 0, 40);
        refuse(b, 50);
        memcpy(b, "\x21\0\0\0\1\0\0\0\1\1\0\0\0\2\0\0\0\2", 18);
        refuse(b, 18);
        memcpy(b, "\x21\0\0\0\1\0\0\0\1\0x", 11);
        refuse(b, 11);

        memset(&h, 0, sizeof(h));
        h.flags = FRCT_SKIP;
        CHECK(frct_hdr_put(b, sizeof(b), &h) == -EINVAL);
        h.flags = FRCT_KA | FRCT_FL_ISN;                /* LIM 0 */
        h.lim = FRCT_LIM_ASK;
        CHECK(frct_hdr_put(b, sizeof(b), &h) == -EINVAL);
        h.flags = FRCT_DATA | FRCT_FL_ISN;              /* LIM on DATA */
        h.lim = 1;
        CHECK(frct_hdr_put(b, sizeof(b), &h) == -EINVAL);
        h.flags = FRCT_ACK | FRCT_FL_ACK;
        h.nsack = FRCT_SACK_MAX + 1;
        CHECK(frct_hdr_put(b, sizeof(b), &h) == -EINVAL);
}

int main(void)
{
        test_forms();
        test_layout();
        test_bad();

        return 0;
}
