/*
 * Ouroboros - unit tests of the lower flow handshake codec
 * (lower_info.c): a request and an answer round trip to the exact bytes
 * of the wire format (lower.h); the largest message is LOWER_INFO_MAX
 * bytes; every truncation of a good message, a bad magic, kind, type or
 * result, lengths past the end or above their bound, trailing bytes,
 * empty or non-printable strings are refused (-EBADMSG); the writer
 * refuses what the parser would (-EINVAL) and a short buffer
 * (-EMSGSIZE).
 */
#include "ipcpd/common/lower.h"

#include "../../../../tests/check.h"

#include <errno.h>
#include <string.h>

static struct lower_info mk(enum lower_kind kind,
                            int16_t         result,
                            const char *    comp,
                            const char *    layer,
                            const char *    name)
{
        struct lower_info i;

        memset(&i, 0, sizeof(i));
        i.kind   = kind;
        i.result = result;
        i.type   = IPCP_BROADCAST;
        i.proto  = 0x0102;
        strcpy(i.comp, comp);
        strcpy(i.layer, layer);
        strcpy(i.name, name);

        return i;
}

static bool same(const struct lower_info * a,
                 const struct lower_info * b)
{
        return a->kind == b->kind && a->result == b->result &&
                a->type == b->type && a->proto == b->proto &&
                strcmp(a->comp, b->comp) == 0 &&
                strcmp(a->layer, b->layer) == 0 &&
                strcmp(a->name, b->name) == 0;
}

/* The exact bytes of a known request. */
static void test_wire(void)
{
        static const uint8_t want[] = {
                0x4f, 0x43, 0x49, 0x31,  /* magic "OCI1" */
                0x01,                    /* request */
                0x00, 0x00,              /* result */
                IPCP_BROADCAST,
                0x01, 0x02,              /* proto */
                2, 'd', 't',
                2, 'b', 'c',
                3, 'b', 'c', '1'
        };
        struct lower_info i = mk(LOWER_REQ, 0, "dt", "bc", "bc1");
        struct lower_info o;
        uint8_t           buf[LOWER_INFO_MAX];

        CHECK_EQ(lower_info_write(&i, buf, sizeof(buf)), sizeof(want));
        CHECK(memcmp(buf, want, sizeof(want)) == 0);
        CHECK_EQ(lower_info_parse(want, sizeof(want), &o), 0);
        CHECK(same(&i, &o));
}

/* An answer with a negative result: two's complement, big-endian. */
static void test_answer(void)
{
        struct lower_info i = mk(LOWER_ANS, -EPERM, "enroll", "", "x");
        struct lower_info o;
        uint8_t           buf[LOWER_INFO_MAX];
        ssize_t           n;

        n = lower_info_write(&i, buf, sizeof(buf));
        CHECK(n > 0);
        CHECK_EQ(buf[4], LOWER_ANS);
        CHECK_EQ(buf[5], 0xff);
        CHECK_EQ(buf[6], (uint8_t) -EPERM);
        CHECK_EQ(lower_info_parse(buf, (size_t) n, &o), 0);
        CHECK(same(&i, &o));
        CHECK_EQ(o.result, -EPERM);
        CHECK_EQ(o.layer[0], '\0');

        /* UTF-8 names pass */
        i = mk(LOWER_ANS, 0, "mgmt", "caf\xc3\xa9", "\xe2\x82\xac uro");
        n = lower_info_write(&i, buf, sizeof(buf));
        CHECK(n > 0);
        CHECK_EQ(lower_info_parse(buf, (size_t) n, &o), 0);
        CHECK(same(&i, &o));
}

/* Every field at its bound: exactly LOWER_INFO_MAX bytes. */
static void test_max(void)
{
        struct lower_info i = mk(LOWER_REQ, 0, "", "", "");
        struct lower_info o;
        uint8_t           buf[LOWER_INFO_MAX + 8];

        memset(i.comp, 'c', IPCP_COMP_MAX);
        memset(i.layer, 'l', LAYER_MAX_LEN);
        memset(i.name, 'n', IPCP_NAME_MAX_LEN);

        CHECK_EQ(lower_info_write(&i, buf, LOWER_INFO_MAX), LOWER_INFO_MAX);
        CHECK_EQ(lower_info_write(&i, buf, LOWER_INFO_MAX - 1), -EMSGSIZE);
        CHECK_EQ(lower_info_parse(buf, LOWER_INFO_MAX, &o), 0);
        CHECK(same(&i, &o));

        /* trailing bytes */
        buf[LOWER_INFO_MAX] = 0;
        CHECK_EQ(lower_info_parse(buf, LOWER_INFO_MAX + 1, &o), -EBADMSG);
}

/* The writer refuses what the parser would refuse. */
static void test_write_bad(void)
{
        struct lower_info i;
        uint8_t           buf[LOWER_INFO_MAX];

        i = mk(LOWER_REQ, 0, "", "l", "n");
        CHECK_EQ(lower_info_write(&i, buf, sizeof(buf)), -EINVAL);
        i = mk(LOWER_REQ, 0, "dt", "l", "");
        CHECK_EQ(lower_info_write(&i, buf, sizeof(buf)), -EINVAL);
        i = mk(LOWER_REQ, -1, "dt", "l", "n");       /* request result */
        CHECK_EQ(lower_info_write(&i, buf, sizeof(buf)), -EINVAL);
        i = mk(LOWER_ANS, 1, "dt", "l", "n");        /* positive result */
        CHECK_EQ(lower_info_write(&i, buf, sizeof(buf)), -EINVAL);
        i = mk(LOWER_REQ, 0, "dt", "l", "n");
        i.kind = 3;
        CHECK_EQ(lower_info_write(&i, buf, sizeof(buf)), -EINVAL);
        i = mk(LOWER_REQ, 0, "dt", "l", "n");
        i.type = IPCP_INVALID;
        CHECK_EQ(lower_info_write(&i, buf, sizeof(buf)), -EINVAL);
        i = mk(LOWER_REQ, 0, "d\nt", "l", "n");      /* control byte */
        CHECK_EQ(lower_info_write(&i, buf, sizeof(buf)), -EINVAL);
        i = mk(LOWER_REQ, 0, "dt", "l\x7f", "n");    /* DEL */
        CHECK_EQ(lower_info_write(&i, buf, sizeof(buf)), -EINVAL);
        i = mk(LOWER_REQ, 0, "dt", "l", "\xc3");     /* cut UTF-8 */
        CHECK_EQ(lower_info_write(&i, buf, sizeof(buf)), -EINVAL);
        i = mk(LOWER_REQ, 0, "dt", "l", "n");
        memset(i.comp, 'c', sizeof(i.comp));         /* not terminated */
        CHECK_EQ(lower_info_write(&i, buf, sizeof(buf)), -EINVAL);
        CHECK_EQ(lower_info_write(NULL, buf, sizeof(buf)), -EINVAL);
}

/* Bytes of a good request to corrupt. */
static size_t good(uint8_t * buf)
{
        struct lower_info i = mk(LOWER_REQ, 0, "dt", "layer", "name");

        return (size_t) lower_info_write(&i, buf, LOWER_INFO_MAX);
}

static void test_parse_bad(void)
{
        struct lower_info o;
        uint8_t           buf[LOWER_INFO_MAX + 1];
        size_t            n;
        size_t            k;

        n = good(buf);
        CHECK_EQ(lower_info_parse(buf, n, &o), 0);

        /* every truncation, and one byte too many */
        for (k = 0; k < n; ++k)
                CHECK_EQ(lower_info_parse(buf, k, &o), -EBADMSG);
        buf[n] = 'x';
        CHECK_EQ(lower_info_parse(buf, n + 1, &o), -EBADMSG);
        CHECK_EQ(lower_info_parse(NULL, 0, &o), -EBADMSG);

        /* magic */
        n = good(buf);
        buf[3] = '2';
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);

        /* kind 0, 3 */
        n = good(buf);
        buf[4] = 0;
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);
        buf[4] = 3;
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);

        /* a request with a result; an answer with a positive one */
        n = good(buf);
        buf[6] = 0xfe;
        buf[5] = 0xff;
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);
        buf[4] = LOWER_ANS;
        CHECK_EQ(lower_info_parse(buf, n, &o), 0);
        CHECK_EQ(o.result, -2);
        buf[5] = 0x00;
        buf[6] = 0x01;
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);

        /* unknown type */
        n = good(buf);
        buf[7] = IPCP_INVALID;
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);
        buf[7] = 0xff;
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);

        /* comp: empty, above IPCP_COMP_MAX, past the end */
        n = good(buf);
        buf[10] = 0;
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);
        buf[10] = IPCP_COMP_MAX + 1;
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);
        buf[10] = 0xff;
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);

        /* layer length past the end; name length past the end, short */
        n = good(buf);
        buf[13] = 0xff;
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);
        n = good(buf);
        buf[19] = 5;
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);
        buf[19] = 3;                    /* one byte left over */
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);
        buf[19] = 0;                    /* empty name */
        CHECK_EQ(lower_info_parse(buf, 20, &o), -EBADMSG);

        /* a NUL, a control byte, invalid UTF-8 in the strings */
        n = good(buf);
        buf[11] = '\0';
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);
        n = good(buf);
        buf[15] = '\t';
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);
        n = good(buf);
        buf[21] = 0xc0;                 /* overlong form */
        buf[22] = 0x81;
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);
        n = good(buf);
        buf[21] = 0xc2;                 /* C1 control U+0085 */
        buf[22] = 0x85;
        CHECK_EQ(lower_info_parse(buf, n, &o), -EBADMSG);
}

int main(void)
{
        test_wire();
        test_answer();
        test_max();
        test_write_bad();
        test_parse_bad();

        printf("lower_info: %d checks passed\n", (int) check_passed);

        return 0;
}
