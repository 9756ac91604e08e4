/*
 * Unit test of the unicast layer's enrollment messages (wire_enroll.h):
 * the request and the answer round trip with their bytes where the
 * format says (every field of the configuration), a refusal is four
 * bytes, and malformed messages are refused: truncated, trailing
 * bytes, version, kind, reserved bits, a positive result, a value out
 * of its option's range, a bad layer name, addresses 0, all ones,
 * too wide or equal.
 */
#include "wire_enroll.h"

#include "common/ipcp_conf.h"

#include <errno.h>
#include <string.h>

#include "../../../../tests/check.h"

static void test_req(void)
{
        uint8_t buf[ENR_REQ_LEN + 1];
        size_t  i;

        CHECK(enr_req_write(buf, 3) == -EMSGSIZE);
        CHECK(enr_req_write(buf, sizeof(buf)) == ENR_REQ_LEN);
        CHECK(buf[0] == 1 && buf[1] == 1 && buf[2] == 0 && buf[3] == 0);
        CHECK(enr_req_parse(buf, ENR_REQ_LEN) == 0);
        for (i = 0; i < ENR_REQ_LEN; ++i)
                CHECK(enr_req_parse(buf, i) == -EBADMSG);
        CHECK(enr_req_parse(buf, ENR_REQ_LEN + 1) == -EBADMSG);
        for (i = 0; i < ENR_REQ_LEN; ++i) {
                uint8_t b[ENR_REQ_LEN];
                memcpy(b, buf, sizeof(b));
                b[i] ^= 0x04;
                CHECK(enr_req_parse(b, sizeof(b)) == -EBADMSG);
        }
}

static void sample(struct enr_ans * a)
{
        memset(a, 0, sizeof(*a));
        ipcp_conf_init(&a->lc, IPCP_UNICAST, "net.layer");
        a->addr               = 0x0a0b0c0d;
        a->enroller           = 0x01020304;
        a->lc.hash            = HASH_SHA3_512;
        a->lc.addr_size       = 4;
        a->lc.eid_size        = 2;
        a->lc.max_ttl         = 33;
        a->lc.routing         = 2;
        a->lc.congestion      = 0;
        a->lc.dht_alpha       = 5;
        a->lc.dht_k           = 9;
        a->lc.dht_t_expire    = 0x41424344;
        a->lc.dht_t_refresh   = 0x21222324;
        a->lc.dht_t_replicate = 0x31323334;
        a->lc.ls_t_recalc     = 7;
        a->lc.ls_t_update     = 8;
        a->lc.ls_t_timeo      = 9;
        a->lc.mtu             = 1300;
}

static int reparse(struct enr_ans * a,
                   size_t           off,
                   uint8_t          v)
{
        uint8_t        buf[ENR_ANS_MAX];
        struct enr_ans b;
        ssize_t        n;

        n = enr_ans_write(a, buf, sizeof(buf));
        CHECK(n > 0);
        buf[off] = v;

        return enr_ans_parse(buf, (size_t) n, &b);
}

static void test_ans(void)
{
        uint8_t        buf[ENR_ANS_MAX + 1];
        struct enr_ans a;
        struct enr_ans b;
        ssize_t        n;
        size_t         i;

        sample(&a);
        n = enr_ans_write(&a, buf, sizeof(buf));
        CHECK(n == ENR_ANS_FIXED + 9);
        CHECK(buf[0] == 1 && buf[1] == 2 && buf[2] == 0 && buf[3] == 0);
        CHECK(buf[8] == 0x0a && buf[11] == 0x0d);     /* addr     */
        CHECK(buf[16] == 0x01 && buf[19] == 0x04);    /* enroller */
        CHECK(buf[20] == HASH_SHA3_512 && buf[21] == 4 && buf[22] == 2);
        CHECK(buf[23] == 33 && buf[24] == 2 && buf[25] == 0);
        CHECK(buf[26] == 5 && buf[27] == 9);
        CHECK(buf[28] == 0x41 && buf[31] == 0x44);
        CHECK(buf[32] == 0x21 && buf[36] == 0x31);
        CHECK(buf[43] == 7 && buf[47] == 8 && buf[51] == 9);
        CHECK(buf[52] == 0x05 && buf[53] == 0x14);    /* 1300 */
        CHECK(buf[54] == 9 && memcmp(buf + 55, "net.layer", 9) == 0);

        memset(&b, 0x5a, sizeof(b));
        CHECK(enr_ans_parse(buf, (size_t) n, &b) == 0);
        CHECK(b.result == 0 && b.addr == a.addr && b.enroller == a.enroller);
        CHECK(memcmp(&a.lc, &b.lc, sizeof(a.lc)) == 0);

        for (i = 0; i < (size_t) n; ++i)
                CHECK(enr_ans_parse(buf, i, &b) == -EBADMSG);
        buf[n] = 0;
        CHECK(enr_ans_parse(buf, (size_t) n + 1, &b) == -EBADMSG);
        CHECK(enr_ans_write(&a, buf, (size_t) n - 1) == -EMSGSIZE);

        /* refusals: four bytes */
        a.result = -EADDRINUSE;
        CHECK(enr_ans_write(&a, buf, sizeof(buf)) == 4);
        CHECK(enr_ans_parse(buf, 4, &b) == 0 && b.result == -EADDRINUSE);
        CHECK(enr_ans_parse(buf, 5, &b) == -EBADMSG);
        a.result = 1;
        CHECK(enr_ans_write(&a, buf, sizeof(buf)) == -EINVAL);
        buf[2] = 0;
        buf[3] = 1;
        CHECK(enr_ans_parse(buf, 4, &b) == -EBADMSG);

        /* fields out of range */
        sample(&a);
        CHECK(reparse(&a, 0, 2) == -EBADMSG);         /* version    */
        CHECK(reparse(&a, 1, 1) == -EBADMSG);         /* kind       */
        CHECK(reparse(&a, 20, 4) == -EBADMSG);        /* hash       */
        CHECK(reparse(&a, 21, 0) == -EBADMSG);        /* addr_size  */
        CHECK(reparse(&a, 21, 9) == -EBADMSG);
        CHECK(reparse(&a, 22, 0) == -EBADMSG);        /* eid_size   */
        CHECK(reparse(&a, 23, 0) == -EBADMSG);        /* ttl        */
        CHECK(reparse(&a, 24, 3) == -EBADMSG);        /* routing    */
        CHECK(reparse(&a, 25, 2) == -EBADMSG);        /* congestion */
        CHECK(reparse(&a, 26, 0) == -EBADMSG);        /* dht_alpha  */
        CHECK(reparse(&a, 52, 0) == -EBADMSG);        /* mtu < 64   */
        CHECK(reparse(&a, 55, '\n') == -EBADMSG);     /* layer name */
        CHECK(reparse(&a, 55, 0) == -EBADMSG);
        CHECK(reparse(&a, 8, 0) == 0);                /* still != 0 */
        CHECK(reparse(&a, 4, 1) == -EBADMSG);         /* too wide   */
        CHECK(reparse(&a, 12, 1) == -EBADMSG);
        CHECK(reparse(&a, 54, 8) == -EBADMSG);        /* layer_len  */

        /* addresses */
        sample(&a);
        a.lc.addr_size = 2;
        CHECK(enr_ans_write(&a, buf, sizeof(buf)) == -EINVAL); /* wide */
        a.addr     = 0xfffe;
        a.enroller = 0x0001;
        CHECK(enr_ans_write(&a, buf, sizeof(buf)) > 0);
        a.addr = 0xffff;
        CHECK(enr_ans_write(&a, buf, sizeof(buf)) == -EINVAL);
        a.addr = 0;
        CHECK(enr_ans_write(&a, buf, sizeof(buf)) == -EINVAL);
        a.addr = 1;
        CHECK(enr_ans_write(&a, buf, sizeof(buf)) == -EINVAL);  /* equal */
        sample(&a);
        a.lc.layer[0] = '\0';
        CHECK(enr_ans_write(&a, buf, sizeof(buf)) == -EINVAL);
        sample(&a);
        a.lc.type = IPCP_BROADCAST;
        CHECK(enr_ans_write(&a, buf, sizeof(buf)) == -EINVAL);

        /* the longest layer name */
        sample(&a);
        memset(a.lc.layer, 'x', LAYER_MAX_LEN);
        a.lc.layer[LAYER_MAX_LEN] = '\0';
        n = enr_ans_write(&a, buf, sizeof(buf));
        CHECK(n == ENR_ANS_MAX);
        CHECK(enr_ans_parse(buf, (size_t) n, &b) == 0);
        CHECK(strcmp(b.lc.layer, a.lc.layer) == 0);
}

int main(void)
{
        test_req();
        test_ans();

        printf("test_wire_enroll: %d checks passed\n",
               atomic_load(&check_passed));

        return 0;
}
