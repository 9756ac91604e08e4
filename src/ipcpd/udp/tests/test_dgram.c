/*
 * Unit test of the udp4/udp6 datagram codec: data and management
 * datagrams round trip, the header goes in place, and malformed
 * datagrams and name messages are refused with their own errors.
 */
#include "dgram.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../../tests/check.h"

int main(void)
{
        static uint8_t   buf[UDP_DGRAM_MAX + 16];
        uint8_t *        pl = buf + 16;
        uint8_t *        dg;
        struct udp_dgram d;
        struct mgmt_msg  m;
        struct mgmt_msg  r;
        ssize_t          n;

        /* Data, in place. */
        memcpy(pl, "hello", 5);
        n = udp_dgram_push_data(pl, 5, 16, 0x0102, 0x0304, &dg);
        CHECK(n == 9 && dg == pl - UDP_HDR_LEN);
        CHECK(dg[0] == 1 && dg[1] == 2 && dg[2] == 3 && dg[3] == 4);
        CHECK(udp_dgram_parse(dg, (size_t) n, &d) == 0);
        CHECK(d.d_eid == 0x0102 && d.s_eid == 0x0304 && d.len == 5);
        CHECK(memcmp(d.payload, "hello", 5) == 0);
        CHECK(udp_dgram_parse_mgmt(&d, &r) == -EINVAL);
        /* Empty payload; the largest. */
        CHECK(udp_dgram_push_data(pl, 0, 16, 1, 1, &dg) == 4);
        CHECK(udp_dgram_parse(dg, 4, &d) == 0 && d.len == 0);
        n = udp_dgram_push_data(pl, UDP_PAYLOAD_MAX, 16, 1, 1, &dg);
        CHECK(n == UDP_DGRAM_MAX);
        CHECK(udp_dgram_parse(dg, (size_t) n, &d) == 0);

        /* Encoder refusals. */
        CHECK(udp_dgram_push_data(pl, 5, 16, 0, 1, &dg) == -EINVAL);
        CHECK(udp_dgram_push_data(pl, 5, 16, 1, 0, &dg) == -EINVAL);
        CHECK(udp_dgram_push_data(pl, 5, 3, 1, 1, &dg) == -ENOBUFS);
        CHECK(udp_dgram_push_data(pl, UDP_PAYLOAD_MAX + 1, 16, 1, 1, &dg)
              == -EMSGSIZE);

        /* Malformed. */
        for (size_t i = 0; i < UDP_HDR_LEN; ++i)
                CHECK(udp_dgram_parse(buf, i, &d) == -EBADMSG);
        CHECK(udp_dgram_parse(buf, UDP_DGRAM_MAX + 1, &d) == -EMSGSIZE);
        memcpy(buf, "\0\0\0\1", 4);
        CHECK(udp_dgram_parse(buf, 4, &d) == -EINVAL);
        memcpy(buf, "\0\1\0\0", 4);
        CHECK(udp_dgram_parse(buf, 4, &d) == -EINVAL);

        /* Management: dealloc and name query round trips. */
        memset(&m, 0, sizeof(m));
        m.type  = MGMT_FLOW_DEALLOC;
        m.s_eid = 5;
        m.d_eid = 6;
        n = udp_dgram_put_mgmt(buf, sizeof(buf), &m);
        CHECK(n == UDP_HDR_LEN + MGMT_HDR_LEN + 4 + MGMT_CRC_LEN);
        CHECK(udp_dgram_parse(buf, (size_t) n, &d) == 0 && d.d_eid == 0);
        CHECK(udp_dgram_parse_mgmt(&d, &r) == 0);
        CHECK(r.type == MGMT_FLOW_DEALLOC && r.s_eid == 5 && r.d_eid == 6);
        CHECK(udp_dgram_put_mgmt(buf, 3, &m) == -ENOBUFS);
        buf[UDP_HDR_LEN + 1] = 9;   /* version */
        CHECK(udp_dgram_parse_mgmt(&d, &r) == -EPROTONOSUPPORT);

        m.type     = MGMT_NAME_QUERY;
        m.name     = (const uint8_t *) "x";
        m.name_len = 1;
        m.id       = 77;
        n = udp_dgram_put_mgmt(buf, sizeof(buf), &m);
        CHECK(n == UDP_HDR_LEN + MGMT_HDR_LEN + 2 + MGMT_CRC_LEN);
        CHECK(udp_dgram_parse(buf, (size_t) n, &d) == 0);
        CHECK(udp_dgram_parse_mgmt(&d, &r) == 0);
        CHECK(r.type == MGMT_NAME_QUERY && r.id == 77 && r.name_len == 1 &&
              r.name[0] == 'x');

        printf("udp datagram codec: ok\n");
        return 0;
}
