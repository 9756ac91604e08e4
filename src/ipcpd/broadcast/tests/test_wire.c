/*
 * Unit test of the broadcast layer's wire formats: the data header and
 * the enrollment messages round trip, and every malformed message is
 * refused (short, long, wrong version or kind, reserved bits, bad
 * layer name, mtu out of range).
 */
#include "wire.h"

#include <errno.h>
#include <string.h>

#include "../../../../tests/check.h"

static void test_hdr(void)
{
        uint8_t       buf[BC_HDR_LEN + 4];
        struct bc_hdr h = { 0x01020304u, 0x1122334455667788ull };
        struct bc_hdr g;
        int           i;

        bc_hdr_put(buf, &h);
        CHECK(buf[0] == BC_VERSION && buf[1] == BC_KIND_DATA);
        CHECK(buf[4] == 0x01 && buf[7] == 0x04);
        CHECK(buf[8] == 0x11 && buf[15] == 0x88);
        CHECK(bc_hdr_parse(buf, BC_HDR_LEN, &g) == 0);
        CHECK(g.seq == h.seq && g.origin == h.origin);
        CHECK(bc_hdr_parse(buf, sizeof(buf), &g) == 0);
        CHECK(bc_hdr_parse(buf, BC_HDR_LEN - 1, &g) == -EBADMSG);
        CHECK(bc_hdr_parse(buf, 0, &g) == -EBADMSG);
        for (i = 0; i < 4; ++i) {
                uint8_t b[BC_HDR_LEN];
                memcpy(b, buf, sizeof(b));
                b[i] ^= 0x40;
                CHECK(bc_hdr_parse(b, sizeof(b), &g) == -EBADMSG);
        }
}

static void test_enroll(void)
{
        uint8_t        buf[BC_ENR_ANS_MAX + 1];
        struct bc_conf c;
        struct bc_conf d;
        ssize_t        n;

        CHECK(bc_enr_req_put(buf, sizeof(buf)) == BC_ENR_REQ_LEN);
        CHECK(bc_enr_req_parse(buf, BC_ENR_REQ_LEN) == 0);
        CHECK(bc_enr_req_parse(buf, BC_ENR_REQ_LEN + 1) == -EBADMSG);
        CHECK(bc_enr_req_parse(buf, 1) == -EBADMSG);
        buf[1] = BC_ENR_ANS;
        CHECK(bc_enr_req_parse(buf, BC_ENR_REQ_LEN) == -EBADMSG);
        CHECK(bc_enr_req_put(buf, 1) == -EMSGSIZE);

        memset(&c, 0, sizeof(c));
        strcpy(c.layer, "bcast layer");
        c.hash = HASH_SHA3_512;
        c.mtu  = 1450;
        n = bc_enr_ans_put(buf, sizeof(buf), &c);
        CHECK(n == 6 + 11);
        memset(&d, 0x55, sizeof(d));
        CHECK(bc_enr_ans_parse(buf, (size_t) n, &d) == 0);
        CHECK(!strcmp(d.layer, c.layer) && d.hash == c.hash &&
              d.mtu == c.mtu);
        CHECK(bc_enr_ans_parse(buf, (size_t) n - 1, &d) == -EBADMSG);
        CHECK(bc_enr_ans_parse(buf, (size_t) n + 1, &d) == -EBADMSG);
        CHECK(bc_enr_ans_put(buf, (size_t) n - 1, &c) == -EMSGSIZE);

        buf[0] = 2;
        CHECK(bc_enr_ans_parse(buf, (size_t) n, &d) == -EBADMSG);
        buf[0] = BC_VERSION;
        buf[2] = HASH_SHA3_512 + 1;
        CHECK(bc_enr_ans_parse(buf, (size_t) n, &d) == -EBADMSG);
        buf[2] = HASH_SHA3_256;
        buf[3] = 0;
        buf[4] = BC_MTU_MIN - 1;
        CHECK(bc_enr_ans_parse(buf, (size_t) n, &d) == -EBADMSG);
        buf[4] = BC_MTU_MIN;
        CHECK(bc_enr_ans_parse(buf, (size_t) n, &d) == 0);
        CHECK(d.mtu == BC_MTU_MIN && d.hash == HASH_SHA3_256);
        buf[7] = '\n';
        CHECK(bc_enr_ans_parse(buf, (size_t) n, &d) == -EBADMSG);
        buf[7] = 'c';
        buf[5] = 0;
        CHECK(bc_enr_ans_parse(buf, 6, &d) == -EBADMSG); /* empty layer */

        c.layer[0] = '\0';
        CHECK(bc_enr_ans_put(buf, sizeof(buf), &c) == -EINVAL);
        strcpy(c.layer, "x");
        c.mtu = 10;
        CHECK(bc_enr_ans_put(buf, sizeof(buf), &c) == -EINVAL);
}

int main(void)
{
        test_hdr();
        test_enroll();

        printf("wire: %d checks passed\n", (int) check_passed);

        return 0;
}
