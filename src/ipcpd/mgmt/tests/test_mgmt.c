/*
 * Unit test of the eth/udp management message codec: a round trip of
 * every message type, each malformed input refused with its own error
 * (the malformed messages resealed, so the parser looks past the CRC),
 * and every single flipped bit refused by the CRC.
 */
#include "mgmt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../../tests/check.h"

static const uint8_t NAME[] = "oping.server";
static const uint8_t KEY[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

static struct mgmt_msg msg(uint8_t type)
{
        struct mgmt_msg m;

        memset(&m, 0, sizeof(m));
        m.type     = type;
        m.layer    = mgmt_layer_tag("net.layer");
        m.id       = 0xdeadbeef;
        m.s_eid    = 7;
        m.d_eid    = 0x8001;
        m.name     = NAME;
        m.name_len = sizeof(NAME) - 1;
        m.qos      = qos_voice_crypt;
        m.key      = KEY;
        m.key_len  = sizeof(KEY);
        return m;
}

static void round_trip(uint8_t type)
{
        struct mgmt_msg m = msg(type);
        struct mgmt_msg r;
        uint8_t         buf[MGMT_MSG_MAX + 1];
        ssize_t         n;

        n = mgmt_encode(buf, sizeof(buf), &m);
        CHECK(n > 0 && n == mgmt_len(&m));
        CHECK(mgmt_parse(buf, (size_t) n, &r) == 0);
        CHECK(r.type == type && r.id == m.id && r.layer == m.layer);
        /* the header, byte by byte: type, version, layer, id */
        CHECK(buf[0] == type && buf[1] == MGMT_VERSION);
        CHECK(buf[2] == (m.layer >> 24) && buf[5] == (m.layer & 0xff));
        CHECK(buf[6] == 0xde && buf[9] == 0xef);
        if (type == MGMT_FLOW_REQ) {
                CHECK(memcmp(&r.qos, &m.qos, sizeof(r.qos)) == 0 ||
                      (r.qos.delay == m.qos.delay &&
                       r.qos.bandwidth == m.qos.bandwidth &&
                       r.qos.cypher_s == m.qos.cypher_s &&
                       r.qos.timeout == m.qos.timeout &&
                       r.qos.max_gap == m.qos.max_gap &&
                       r.qos.availability == m.qos.availability));
                CHECK(r.s_eid == 7);
        }
        if (type == MGMT_FLOW_REQ || type == MGMT_FLOW_REPLY)
                CHECK(r.key_len == 32 && memcmp(r.key, KEY, 32) == 0);
        if (type == MGMT_FLOW_REPLY || type == MGMT_FLOW_DEALLOC)
                CHECK(r.s_eid == 7 && r.d_eid == 0x8001);
        if (type <= MGMT_FLOW_REQ)
                CHECK(r.name_len == m.name_len &&
                      memcmp(r.name, NAME, r.name_len) == 0);

        /* Every truncation of it is refused; resealed, as truncated. */
        for (ssize_t i = 0; i < n; ++i) {
                uint8_t cut[MGMT_MSG_MAX];
                memcpy(cut, buf, (size_t) i);
                CHECK(mgmt_parse(cut, (size_t) i, &r) < 0);
                mgmt_seal(cut, (size_t) i);
                CHECK(mgmt_parse(cut, (size_t) i, &r) == -EBADMSG);
        }
        /* A byte too many is refused: by the CRC, resealed as extra. */
        buf[n] = 0;
        CHECK(mgmt_parse(buf, (size_t) n + 1, &r) == -EILSEQ);
        mgmt_seal(buf, (size_t) n + 1);
        CHECK(mgmt_parse(buf, (size_t) n + 1, &r) == -EPROTO);

        /* Every single flipped bit is refused (the version byte's as an
         * unknown version, the rest by the CRC). */
        n = mgmt_encode(buf, sizeof(buf), &m);
        for (ssize_t i = 0; i < n * 8; ++i) {
                int e;
                buf[i / 8] ^= (uint8_t) (1u << (i % 8));
                e = mgmt_parse(buf, (size_t) n, &r);
                CHECK(e == (i / 8 == 1 ? -EPROTONOSUPPORT : -EILSEQ));
                buf[i / 8] ^= (uint8_t) (1u << (i % 8));
        }
        CHECK(mgmt_parse(buf, (size_t) n, &r) == 0);
}

/* Reseal the n bytes at buf (they were changed), then parse them. */
static int parse(uint8_t *         buf,
                 size_t            n,
                 struct mgmt_msg * r)
{
        mgmt_seal(buf, n);
        return mgmt_parse(buf, n, r);
}

static ssize_t enc(struct mgmt_msg * m, uint8_t * buf)
{
        ssize_t n = mgmt_encode(buf, MGMT_MSG_MAX, m);

        CHECK(n > 0);
        return n;
}

/* Layer tags: the CRC-32 of the name (zlib's check value of
 * "123456789" is cbf43926), distinct for distinct names. */
static void layer_tags(void)
{
        CHECK(mgmt_layer_tag("123456789") == 0xcbf43926);
        CHECK(mgmt_layer_tag("red") != mgmt_layer_tag("blue"));
        CHECK(mgmt_layer_tag("") == 0);
}

static void malformed(void)
{
        struct mgmt_msg m;
        struct mgmt_msg r;
        uint8_t         buf[MGMT_MSG_MAX + 8];
        ssize_t         n;

        /* Bad version, unknown type. */
        m = msg(MGMT_KEEPALIVE);
        n = enc(&m, buf);
        buf[1] = 1;     /* version 1 had no CRC */
        CHECK(parse(buf, (size_t) n, &r) == -EPROTONOSUPPORT);
        buf[1] = 2;     /* version 2 no layer tag */
        CHECK(parse(buf, (size_t) n, &r) == -EPROTONOSUPPORT);
        buf[1] = MGMT_VERSION;
        buf[0] = 0;
        CHECK(parse(buf, (size_t) n, &r) == -ENOMSG);
        buf[0] = 99;
        CHECK(parse(buf, (size_t) n, &r) == -ENOMSG);
        /* Unknown keepalive flag; NONE outside a reply. */
        buf[0] = MGMT_KEEPALIVE;
        buf[MGMT_HDR_LEN] = 0x04;
        CHECK(parse(buf, (size_t) n, &r) == -EINVAL);
        buf[MGMT_HDR_LEN] = MGMT_KA_NONE;
        CHECK(parse(buf, (size_t) n, &r) == -EINVAL);
        buf[MGMT_HDR_LEN] = MGMT_KA_REPLY | MGMT_KA_NONE;
        CHECK(parse(buf, (size_t) n, &r) == 0 &&
              r.flags == (MGMT_KA_REPLY | MGMT_KA_NONE));
        m.flags = MGMT_KA_NONE;
        CHECK(mgmt_len(&m) == -EINVAL);

        /* Name length 0; name length past the end. */
        m = msg(MGMT_NAME_QUERY);
        n = enc(&m, buf);
        buf[MGMT_HDR_LEN] = 0;
        CHECK(parse(buf, (size_t) n, &r) == -EINVAL);
        buf[MGMT_HDR_LEN] = 255;
        CHECK(parse(buf, (size_t) n, &r) == -EBADMSG);

        /* A positive result. */
        m = msg(MGMT_NAME_REPLY);
        n = enc(&m, buf);
        buf[MGMT_HDR_LEN + 1] = 1;
        CHECK(parse(buf, (size_t) n, &r) == -ERANGE);

        /* Flow request: eid 0, in_order 2, key too long. */
        m = msg(MGMT_FLOW_REQ);
        n = enc(&m, buf);
        buf[MGMT_HDR_LEN] = 0;
        buf[MGMT_HDR_LEN + 1] = 0;
        CHECK(parse(buf, (size_t) n, &r) == -EINVAL);
        n = enc(&m, buf);
        buf[MGMT_HDR_LEN + 2 + 21] = 2;
        CHECK(parse(buf, (size_t) n, &r) == -EINVAL);
        n = enc(&m, buf);
        buf[n - 4 - 32 - 2] = 0x02;      /* key_len = 0x0220 = 544 */
        buf[n - 4 - 32 - 1] = 0x20;
        CHECK(parse(buf, (size_t) n, &r) == -EKEYREJECTED);

        /* Flow reply: no d_eid; success without s_eid; refusal ok. */
        m = msg(MGMT_FLOW_REPLY);
        m.d_eid = 0;
        CHECK(mgmt_encode(buf, sizeof(buf), &m) == -EINVAL);
        m = msg(MGMT_FLOW_REPLY);
        n = enc(&m, buf);
        buf[MGMT_HDR_LEN] = 0;
        buf[MGMT_HDR_LEN + 1] = 0;
        CHECK(parse(buf, (size_t) n, &r) == -EINVAL);
        m.s_eid  = 0;
        m.result = -ECONNREFUSED;
        m.key_len = 0;
        n = enc(&m, buf);
        CHECK(parse(buf, (size_t) n, &r) == 0);
        CHECK(r.result == -ECONNREFUSED && r.key == NULL);

        /* Dealloc with an eid 0. */
        m = msg(MGMT_FLOW_DEALLOC);
        n = enc(&m, buf);
        buf[MGMT_HDR_LEN + 3] = 0;
        buf[MGMT_HDR_LEN + 2] = 0;
        CHECK(parse(buf, (size_t) n, &r) == -EINVAL);

        /* Encoder refusals. */
        m = msg(MGMT_NAME_QUERY);
        m.name_len = 256;
        CHECK(mgmt_encode(buf, sizeof(buf), &m) == -EINVAL);
        m = msg(MGMT_FLOW_REQ);
        m.key_len = MGMT_KEY_MAX + 1;
        CHECK(mgmt_encode(buf, sizeof(buf), &m) == -EINVAL);
        m = msg(MGMT_FLOW_REQ);
        CHECK(mgmt_encode(buf, 10, &m) == -ENOBUFS);
        m.type = 42;
        CHECK(mgmt_encode(buf, sizeof(buf), &m) == -EINVAL);
}

int main(void)
{
        for (uint8_t t = MGMT_NAME_QUERY; t <= MGMT_KEEPALIVE; ++t)
                round_trip(t);
        layer_tags();
        malformed();
        printf("mgmt codec: ok\n");
        return 0;
}
