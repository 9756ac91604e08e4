/*
 * Unit test of the LSA codec: the exact bytes of a known LSA, a round
 * trip, every malformed input refused with its own error, and the
 * serial order of sequence numbers around the wrap.
 */
#include "lsa.h"

#include <errno.h>
#include <string.h>

#include "../../../../../tests/check.h"

static struct lsa l;
static struct lsa r;
static uint8_t    buf[LSA_LEN_MAX + 16];

static void fill(void)
{
        memset(&l, 0, sizeof(l));
        l.origin   = 0x0102030405060708ULL;
        l.seqno    = 0xa1b2c3d4;
        l.lifetime = 60000;
        l.n        = 2;
        l.nbrs[0]  = (struct lsa_nbr) { 0x10, 1 };
        l.nbrs[1]  = (struct lsa_nbr) { 0x1122334455667788ULL, 0x00abcdef };
}

static void test_bytes(void)
{
        static const uint8_t want[] = {
                1, 0, 0, 2,                                /* ver flags n */
                1, 2, 3, 4, 5, 6, 7, 8,                    /* origin */
                0xa1, 0xb2, 0xc3, 0xd4,                    /* seqno */
                0, 0, 0xea, 0x60,                          /* 60000 ms */
                0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 1,
                0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                0, 0xab, 0xcd, 0xef
        };

        fill();
        CHECK_EQ(lsa_encode(buf, sizeof(buf), &l), sizeof(want));
        CHECK(memcmp(buf, want, sizeof(want)) == 0);
        CHECK_EQ(lsa_parse(want, sizeof(want), &r), 0);
        CHECK(r.origin == l.origin && r.seqno == l.seqno);
        CHECK(r.lifetime == l.lifetime && r.n == 2);
        CHECK(r.nbrs[1].addr == l.nbrs[1].addr);
        CHECK_EQ(r.nbrs[1].metric, 0xabcdef);
}

static void test_round_trip_max(void)
{
        size_t  i;
        ssize_t n;

        fill();
        l.n = LSA_NBRS_MAX;
        for (i = 0; i < LSA_NBRS_MAX; ++i)
                l.nbrs[i] = (struct lsa_nbr) { 5000 - i, (uint32_t) i + 1 };
        CHECK_EQ(lsa_check(&l), -ENOTUNIQ);  /* decreasing order */
        lsa_sort(&l);
        CHECK_EQ(lsa_check(&l), 0);
        n = lsa_encode(buf, sizeof(buf), &l);
        CHECK_EQ(n, LSA_LEN_MAX);
        CHECK_EQ(lsa_encode(buf, (size_t) n - 1, &l), -ENOBUFS);
        CHECK_EQ(lsa_parse(buf, (size_t) n, &r), 0);
        CHECK_EQ(r.n, LSA_NBRS_MAX);
        for (i = 0; i < LSA_NBRS_MAX; ++i)
                CHECK(r.nbrs[i].addr == l.nbrs[i].addr &&
                      r.nbrs[i].metric == l.nbrs[i].metric);
}

/* Encode the good LSA, let edit spoil the bytes, expect err. */
static void spoil(size_t   off,
                  uint8_t  val,
                  int      err)
{
        ssize_t n;

        fill();
        n = lsa_encode(buf, sizeof(buf), &l);
        CHECK(n > 0);
        buf[off] = val;
        CHECK_EQ(lsa_parse(buf, (size_t) n, &r), err);
}

static void test_malformed(void)
{
        ssize_t n;
        size_t  i;

        fill();
        n = lsa_encode(buf, sizeof(buf), &l);
        CHECK_EQ(n, LSA_LEN(2));

        /* Truncated anywhere, or a byte too many. */
        for (i = 0; i < (size_t) n; ++i)
                CHECK_EQ(lsa_parse(buf, i, &r), -EBADMSG);
        buf[n] = 0;
        CHECK_EQ(lsa_parse(buf, (size_t) n + 1, &r), -EPROTO);

        spoil(0, 2, -EPROTONOSUPPORT);        /* version */
        spoil(0, 0, -EPROTONOSUPPORT);
        spoil(1, 0x80, -EINVAL);              /* a flag */
        spoil(3, 3, -EBADMSG);                /* count says 3: lies */
        spoil(3, 1, -EPROTO);                 /* count says 1: lies */
        spoil(2, 0xff, -E2BIG);               /* 65282 neighbours */
        spoil(16, 0xff, -ERANGE);             /* lifetime too long */
        spoil(31, 0, -ERANGE);                /* metric 0 */
        spoil(40, 1, -ERANGE);                /* metric > 2^24 - 1 */
        spoil(27, 0, -EINVAL);                /* neighbour 0 */
        spoil(20, 0xff, -ENOTUNIQ);           /* out of order */

        /* Origin 0. */
        fill();
        n = lsa_encode(buf, sizeof(buf), &l);
        memset(buf + 4, 0, 8);
        CHECK_EQ(lsa_parse(buf, (size_t) n, &r), -EINVAL);

        /* A self-loop: neighbour 1 is the origin. */
        fill();
        l.nbrs[1].addr = l.origin;
        CHECK_EQ(lsa_check(&l), -ELOOP);
        CHECK_EQ(lsa_encode(buf, sizeof(buf), &l), -ELOOP);
        l.nbrs[1].addr = 0x10;
        n = lsa_encode(buf, sizeof(buf), &l);
        CHECK_EQ(n, -ENOTUNIQ);               /* a duplicate */
        fill();
        n = lsa_encode(buf, sizeof(buf), &l);
        memcpy(buf + 32, buf + 4, 8);         /* origin as neighbour */
        CHECK_EQ(lsa_parse(buf, (size_t) n, &r), -ELOOP);
        memcpy(buf + 32, buf + 20, 8);        /* the same one twice */
        CHECK_EQ(lsa_parse(buf, (size_t) n, &r), -ENOTUNIQ);

        /* A withdrawal lists nobody. */
        fill();
        l.lifetime = 0;
        CHECK_EQ(lsa_check(&l), -EPROTO);
        l.n = 0;
        CHECK_EQ(lsa_encode(buf, sizeof(buf), &l), LSA_HDR_LEN);
        CHECK_EQ(lsa_parse(buf, LSA_HDR_LEN, &r), 0);
        CHECK(r.lifetime == 0 && r.n == 0);
        fill();
        n = lsa_encode(buf, sizeof(buf), &l);
        memset(buf + 16, 0, 4);
        CHECK_EQ(lsa_parse(buf, (size_t) n, &r), -EPROTO);

        fill();
        l.n = LSA_NBRS_MAX + 1;
        CHECK_EQ(lsa_check(&l), -E2BIG);
}

static void test_seq(void)
{
        CHECK(lsa_seq_newer(2, 1));
        CHECK(!lsa_seq_newer(1, 2));
        CHECK(!lsa_seq_newer(7, 7));
        CHECK(lsa_seq_newer(0, 0xffffffff));          /* wrap */
        CHECK(lsa_seq_newer(5, 0xfffffff0));
        CHECK(!lsa_seq_newer(0xfffffff0, 5));
        CHECK(lsa_seq_newer(0x7fffffff, 0));          /* 2^31 - 1 ahead */
        CHECK(!lsa_seq_newer(0x80000000, 0));         /* 2^31: neither */
        CHECK(!lsa_seq_newer(0, 0x80000000));
}

int main(void)
{
        test_bytes();
        test_round_trip_max();
        test_malformed();
        test_seq();

        return check_report("routing lsa");
}
