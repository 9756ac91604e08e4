/*
 * Unit test of the data transfer header codec (wire_dt.h): the exact
 * bytes for the default widths and for the smallest and largest ones,
 * round trips over every pair of widths, the in-place ttl/ecn rewrite,
 * and every refusal (a field too wide, dst 0, a bad cube, short
 * buffers, bad widths).
 */
#include "wire_dt.h"

#include <errno.h>
#include <string.h>

#include "../../../../tests/check.h"

static void test_bytes_default(void)
{
        static const uint8_t want[] = {
                0x0a, 0x0b, 0x0c, 0x0d,                 /* dst (4) */
                3,                                      /* cube */
                60,                                     /* ttl */
                7,                                      /* ecn */
                0x11, 0x22, 0x33, 0x44,
                0x55, 0x66, 0x77, 0x88                  /* eid (8) */
        };
        struct dt_fmt f = { 4, 8 };
        struct dt_hdr h = { 0x0a0b0c0d, 3, 60, 7, 0x1122334455667788ULL };
        struct dt_hdr r;
        uint8_t       buf[DT_HDR_MAX + 4];

        CHECK_EQ(dt_hdr_len(&f), 15);
        CHECK_EQ(dt_hdr_write(&f, &h, buf, sizeof(buf)), 15);
        CHECK(memcmp(buf, want, sizeof(want)) == 0);

        CHECK_EQ(dt_hdr_parse(&f, want, sizeof(want), &r), 15);
        CHECK_EQ(r.dst, h.dst);
        CHECK_EQ(r.cube, 3);
        CHECK_EQ(r.ttl, 60);
        CHECK_EQ(r.ecn, 7);
        CHECK(r.eid == h.eid);
}

static void test_bytes_small_large(void)
{
        static const uint8_t want1[] = { 0xfe, 0, 1, 0, 0x10 };
        struct dt_fmt        f1 = { 1, 1 };
        struct dt_hdr        h1 = { 0xfe, 0, 1, 0, 0x10 };
        struct dt_fmt        f8 = { 8, 8 };
        struct dt_hdr        h8 = { UINT64_MAX, 2, 255, 255, UINT64_MAX };
        struct dt_hdr        r;
        uint8_t              buf[DT_HDR_MAX];
        size_t               i;

        CHECK_EQ(dt_hdr_write(&f1, &h1, buf, sizeof(buf)), 5);
        CHECK(memcmp(buf, want1, sizeof(want1)) == 0);

        CHECK_EQ(dt_hdr_write(&f8, &h8, buf, sizeof(buf)), DT_HDR_MAX);
        for (i = 0; i < 8; ++i) {
                CHECK_EQ(buf[i], 0xff);
                CHECK_EQ(buf[11 + i], 0xff);
        }
        CHECK_EQ(buf[8], 2);
        CHECK_EQ(dt_hdr_parse(&f8, buf, DT_HDR_MAX, &r), DT_HDR_MAX);
        CHECK(r.dst == UINT64_MAX && r.eid == UINT64_MAX);
        CHECK(r.ttl == 255 && r.ecn == 255 && r.cube == 2);
}

static uint64_t max_for(uint8_t n)
{
        return n >= 8 ? UINT64_MAX : (((uint64_t) 1 << (8 * n)) - 1);
}

/* Every pair of widths: the largest values and a few in between go
 * round; one more than the largest is refused. */
static void test_round_trip(void)
{
        struct dt_fmt f;
        struct dt_hdr h;
        struct dt_hdr r;
        uint8_t       buf[DT_HDR_MAX + 8];
        uint8_t       a;
        uint8_t       e;

        for (a = 1; a <= 8; ++a) {
                for (e = 1; e <= 8; ++e) {
                        f.addr_size = a;
                        f.eid_size  = e;

                        h.dst  = max_for(a);
                        h.cube = (uint8_t) ((a + e) % DT_CUBES);
                        h.ttl  = a;
                        h.ecn  = e;
                        h.eid  = max_for(e) / 3;
                        CHECK_EQ(dt_hdr_write(&f, &h, buf, sizeof(buf)),
                                 a + 3 + e);
                        /* payload after the header is not read */
                        CHECK_EQ(dt_hdr_parse(&f, buf, sizeof(buf), &r),
                                 a + 3 + e);
                        CHECK(r.dst == h.dst && r.eid == h.eid);
                        CHECK(r.cube == h.cube && r.ttl == h.ttl &&
                              r.ecn == h.ecn);

                        dt_hdr_set_ttl_ecn(&f, buf, 9, 200);
                        CHECK_EQ(dt_hdr_parse(&f, buf, a + 3 + e, &r),
                                 a + 3 + e);
                        CHECK(r.ttl == 9 && r.ecn == 200);
                        CHECK(r.dst == h.dst && r.eid == h.eid &&
                              r.cube == h.cube);

                        if (a < 8) {
                                h.dst = max_for(a) + 1;
                                CHECK_EQ(dt_hdr_write(&f, &h, buf,
                                                      sizeof(buf)), -EINVAL);
                                h.dst = 1;
                        }
                        if (e < 8) {
                                h.eid = max_for(e) + 1;
                                CHECK_EQ(dt_hdr_write(&f, &h, buf,
                                                      sizeof(buf)), -EINVAL);
                        }
                }
        }
}

static void test_refused(void)
{
        struct dt_fmt f   = { 4, 8 };
        struct dt_fmt bad = { 0, 8 };
        struct dt_hdr h   = { 1, 0, 1, 0, 16 };
        struct dt_hdr r;
        uint8_t       buf[DT_HDR_MAX];
        size_t        n;

        /* writing */
        CHECK_EQ(dt_hdr_write(&f, &h, buf, 14), -EMSGSIZE);
        CHECK_EQ(dt_hdr_write(&bad, &h, buf, sizeof(buf)), -EINVAL);
        bad.addr_size = 4;
        bad.eid_size  = 9;
        CHECK_EQ(dt_hdr_write(&bad, &h, buf, sizeof(buf)), -EINVAL);
        h.dst = 0;
        CHECK_EQ(dt_hdr_write(&f, &h, buf, sizeof(buf)), -EINVAL);
        h.dst  = 1;
        h.cube = DT_CUBES;
        CHECK_EQ(dt_hdr_write(&f, &h, buf, sizeof(buf)), -EINVAL);
        h.cube = 0;

        /* reading: every short length, dst 0, a bad cube, bad widths */
        CHECK_EQ(dt_hdr_write(&f, &h, buf, sizeof(buf)), 15);
        for (n = 0; n < 15; ++n)
                CHECK_EQ(dt_hdr_parse(&f, buf, n, &r), -EBADMSG);
        CHECK_EQ(dt_hdr_parse(&bad, buf, 15, &r), -EBADMSG);
        buf[4] = DT_CUBES;
        CHECK_EQ(dt_hdr_parse(&f, buf, 15, &r), -EBADMSG);
        buf[4] = 0xff;
        CHECK_EQ(dt_hdr_parse(&f, buf, 15, &r), -EBADMSG);
        buf[4] = 0;
        memset(buf, 0, 4);
        CHECK_EQ(dt_hdr_parse(&f, buf, 15, &r), -EBADMSG);
        buf[3] = 1;
        CHECK_EQ(dt_hdr_parse(&f, buf, 15, &r), 15);
        CHECK_EQ(r.dst, 1);
}

int main(void)
{
        test_bytes_default();
        test_bytes_small_large();
        test_round_trip();
        test_refused();

        printf("test_wire_dt: %d checks passed\n", (int) check_passed);

        return 0;
}
