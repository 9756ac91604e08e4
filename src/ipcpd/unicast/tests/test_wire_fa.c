/*
 * Unit test of the unicast flow allocator's messages (wire_fa.h): every
 * type round trips with its bytes where the format says, and malformed
 * messages are refused (truncated, trailing bytes, version, type,
 * fields out of range); the writer refuses what the parser would.
 */
#include "wire_fa.h"

#include <errno.h>
#include <string.h>

#include "../../../../tests/check.h"

static const uint8_t hash[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                  13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                  23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const uint8_t key[32]  = { 0xaa, 0xbb, 0xcc };

/* Every truncation and one extra byte are refused. */
static void check_bounds(const uint8_t * buf,
                         size_t          n)
{
        uint8_t       b[FA_MSG_MAX + 1];
        struct fa_msg m;
        size_t        i;

        for (i = 0; i < n; ++i)
                CHECK(fa_msg_parse(buf, i, &m) == -EBADMSG);
        memcpy(b, buf, n);
        b[n] = 0;
        CHECK(fa_msg_parse(b, n + 1, &m) == -EBADMSG);
}

static void test_req(void)
{
        uint8_t       buf[FA_MSG_MAX];
        struct fa_msg m;
        struct fa_msg g;
        ssize_t       n;

        memset(&m, 0, sizeof(m));
        m.type     = FA_REQ;
        m.s_addr   = 0x0102030405060708ull;
        m.s_eid    = 0x1122334455667788ull;
        m.cookie   = 0xdeadbeef;
        m.qos      = qos_voice;
        m.hash     = hash;
        m.hash_len = sizeof(hash);
        m.key      = key;
        m.key_len  = sizeof(key);

        n = fa_msg_write(&m, buf, sizeof(buf));
        CHECK_EQ(n, FA_REQ_LEN(32, 32));
        CHECK_EQ(fa_msg_len(&m), n);
        CHECK(buf[0] == FA_REQ && buf[1] == FA_MSG_VERSION);
        CHECK(buf[2] == 0x01 && buf[9] == 0x08);
        CHECK(buf[10] == 0x11 && buf[17] == 0x88);
        CHECK(buf[18] == 0xde && buf[21] == 0xef);
        CHECK_EQ(buf[22 + 3], 50);               /* delay */
        CHECK_EQ(buf[22 + FA_QOS_LEN], 32);      /* hash_len */

        CHECK(fa_msg_parse(buf, (size_t) n, &g) == 0);
        CHECK(g.type == FA_REQ && g.s_addr == m.s_addr && g.s_eid == m.s_eid);
        CHECK(g.cookie == m.cookie);
        CHECK((g.qos.delay == qos_voice.delay &&
               g.qos.bandwidth == qos_voice.bandwidth &&
               g.qos.availability == qos_voice.availability &&
               g.qos.loss == qos_voice.loss && g.qos.ber == qos_voice.ber &&
               g.qos.in_order == qos_voice.in_order &&
               g.qos.max_gap == qos_voice.max_gap &&
               g.qos.cypher_s == qos_voice.cypher_s &&
               g.qos.timeout == qos_voice.timeout));
        CHECK(g.hash_len == 32 && memcmp(g.hash, hash, 32) == 0);
        CHECK(g.key_len == 32 && memcmp(g.key, key, 32) == 0);
        check_bounds(buf, (size_t) n);

        CHECK(fa_msg_write(&m, buf, (size_t) n - 1) == -EMSGSIZE);

        /* no key */
        m.key     = NULL;
        m.key_len = 0;
        n = fa_msg_write(&m, buf, sizeof(buf));
        CHECK_EQ(n, FA_REQ_LEN(32, 0));
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == 0);
        CHECK(g.key == NULL && g.key_len == 0);

        /* a version, a type, a zero address or eid, an empty hash */
        buf[1] = 2;
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == -EPROTONOSUPPORT);
        buf[1] = FA_MSG_VERSION;
        buf[0] = 9;
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == -EPROTO);
        buf[0] = FA_REQ;
        memset(buf + 2, 0, 8);
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == -EBADMSG);
        buf[9] = 1;
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == 0);
        memset(buf + 10, 0, 8);
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == -EBADMSG);

        m.hash_len = 0;
        CHECK(fa_msg_write(&m, buf, sizeof(buf)) == -EINVAL);
        m.hash_len = FA_HASH_MAX + 1;
        CHECK(fa_msg_write(&m, buf, sizeof(buf)) == -EINVAL);
        m.hash_len = 32;
        m.key      = key;
        m.key_len  = FA_KEY_MAX + 1;
        CHECK(fa_msg_write(&m, buf, sizeof(buf)) == -EINVAL);
        m.key_len  = 4;
        m.s_addr   = 0;
        CHECK(fa_msg_write(&m, buf, sizeof(buf)) == -EINVAL);

        /* a hash_len that points past the end */
        m.s_addr = 7;
        n = fa_msg_write(&m, buf, sizeof(buf));
        CHECK(n > 0);
        buf[22 + FA_QOS_LEN] = 200;
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == -EBADMSG);
        buf[22 + FA_QOS_LEN] = 0;
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == -EBADMSG);
}

static void test_reply(void)
{
        uint8_t       buf[FA_MSG_MAX];
        struct fa_msg m;
        struct fa_msg g;
        ssize_t       n;

        memset(&m, 0, sizeof(m));
        m.type    = FA_REPLY;
        m.s_addr  = 42;
        m.s_eid   = 1000;
        m.d_eid   = 2000;
        m.cookie  = 77;
        m.key     = key;
        m.key_len = 32;

        n = fa_msg_write(&m, buf, sizeof(buf));
        CHECK_EQ(n, FA_REPLY_LEN(32));
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == 0);
        CHECK(g.type == FA_REPLY && g.s_addr == 42 && g.s_eid == 1000);
        CHECK(g.d_eid == 2000 && g.cookie == 77 && g.result == 0);
        CHECK(g.key_len == 32 && memcmp(g.key, key, 32) == 0);
        check_bounds(buf, (size_t) n);

        /* a refusal: no eid, no key, a negative result */
        m.s_eid   = 0;
        m.key     = NULL;
        m.key_len = 0;
        m.result  = -113;
        n = fa_msg_write(&m, buf, sizeof(buf));
        CHECK_EQ(n, FA_REPLY_LEN(0));
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == 0);
        CHECK(g.result == -113 && g.s_eid == 0);
        check_bounds(buf, (size_t) n);

        /* a refusal with an eid, an acceptance without, result > 0 */
        buf[17] = 1;
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == -EBADMSG);
        m.result = 0;
        CHECK(fa_msg_write(&m, buf, sizeof(buf)) == -EINVAL);
        m.s_eid  = 5;
        m.result = 3;
        CHECK(fa_msg_write(&m, buf, sizeof(buf)) == -EINVAL);
        m.result = 0;
        m.d_eid  = 0;
        CHECK(fa_msg_write(&m, buf, sizeof(buf)) == -EINVAL);
        m.d_eid  = 9;
        n = fa_msg_write(&m, buf, sizeof(buf));
        CHECK(n > 0);
        buf[30] = 0x00;
        buf[31] = 0x01; /* result 1 */
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == -EBADMSG);
}

static void test_dealloc_update(void)
{
        uint8_t       buf[FA_MSG_MAX];
        struct fa_msg m;
        struct fa_msg g;
        ssize_t       n;

        memset(&m, 0, sizeof(m));
        m.type   = FA_DEALLOC;
        m.s_addr = 1;
        m.s_eid  = 16;
        m.d_eid  = 17;
        n = fa_msg_write(&m, buf, sizeof(buf));
        CHECK_EQ(n, FA_DEALLOC_LEN);
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == 0);
        CHECK(g.type == FA_DEALLOC && g.s_eid == 16 && g.d_eid == 17);
        check_bounds(buf, (size_t) n);
        m.d_eid = 0;
        CHECK(fa_msg_write(&m, buf, sizeof(buf)) == -EINVAL);

        m.type  = FA_DEALLOC_ACK;
        m.d_eid = 16;
        m.s_eid = 17;
        n = fa_msg_write(&m, buf, sizeof(buf));
        CHECK_EQ(n, FA_DEALLOC_LEN);
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == 0);
        CHECK(g.type == FA_DEALLOC_ACK && g.s_eid == 17 && g.d_eid == 16);
        check_bounds(buf, (size_t) n);
        m.s_eid = 0;
        CHECK(fa_msg_write(&m, buf, sizeof(buf)) == -EINVAL);
        buf[0] = 6; /* no type 6 */
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == -EPROTO);

        memset(&m, 0, sizeof(m));
        m.type   = FA_UPDATE;
        m.s_addr = 3;
        m.s_eid  = 20;
        m.d_eid  = 21;
        m.pkts   = 100;
        m.marked = 7;
        m.ecn    = 200;
        n = fa_msg_write(&m, buf, sizeof(buf));
        CHECK_EQ(n, FA_UPDATE_LEN);
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == 0);
        CHECK(g.type == FA_UPDATE && g.pkts == 100 && g.marked == 7 &&
              g.ecn == 200 && g.d_eid == 21);
        check_bounds(buf, (size_t) n);

        m.marked = 101;
        CHECK(fa_msg_write(&m, buf, sizeof(buf)) == -EINVAL);
        m.marked = 0;
        m.pkts   = 0;
        CHECK(fa_msg_write(&m, buf, sizeof(buf)) == -EINVAL);
        m.pkts = 1;
        n = fa_msg_write(&m, buf, sizeof(buf));
        CHECK(n > 0);
        buf[FA_HDR_LEN + 15] = 2; /* marked 2 > pkts 1 */
        CHECK(fa_msg_parse(buf, (size_t) n, &g) == -EBADMSG);

        m.type = (enum fa_msg_type) 0;
        CHECK(fa_msg_write(&m, buf, sizeof(buf)) == -EINVAL);
        CHECK(fa_msg_parse(NULL, 0, &g) == -EBADMSG);
}

int main(void)
{
        check_keep_going = true;

        test_req();
        test_reply();
        test_dealloc_update();

        return check_report("wire_fa");
}
