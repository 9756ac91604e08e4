/*
 * Unit test of the eth-dix / eth-llc frame codec: data and management
 * frames round trip on both kinds, the header goes in front of the
 * payload in place, short frames survive Ethernet padding, and every
 * malformed frame is refused with its own error.
 */
#include "frame.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../../tests/check.h"

static const uint8_t DST[6] = { 0x02, 0, 0, 0, 0, 1 };
static const uint8_t SRC[6] = { 0x02, 0, 0, 0, 0, 2 };

static const struct eth_link DIX = { ETH_DIX, ETH_DIX_TYPE_DEF, 0 };
static const struct eth_link LLC = { ETH_LLC, 0, ETH_LLC_SAP };

/* A data frame with len payload bytes in buf; returns its length. */
static size_t data_frame(const struct eth_link * l,
                         uint8_t *               buf,
                         size_t                  len,
                         uint8_t **              frame)
{
        uint8_t * pl = buf + ETH_FRAME_HEADROOM;
        ssize_t   n;

        for (size_t i = 0; i < len; ++i)
                pl[i] = (uint8_t) (i * 7 + 1);
        n = eth_frame_push_data(l, pl, len, ETH_FRAME_HEADROOM, DST, SRC,
                                0x1234, 0x0042, frame);
        CHECK(n == (ssize_t) (eth_frame_hdr_len(l) + len));
        CHECK(*frame == pl - eth_frame_hdr_len(l));
        return (size_t) n;
}

static void round_trip(const struct eth_link * l)
{
        uint8_t          buf[ETH_FRAME_HEADROOM + 1600];
        uint8_t *        fr;
        struct eth_frame f;
        size_t           sizes[] = { 0, 1, 39, 40, 41, 100, 1477, 1480 };

        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); ++s) {
                size_t len = sizes[s];
                size_t n;

                if ((ssize_t) len > eth_frame_max_payload(l, 1500))
                        continue;
                n = data_frame(l, buf, len, &fr);
                /* Ethernet pads a short frame to 60 bytes. */
                if (n < ETH_FRAME_MIN) {
                        memset(fr + n, 0xee, ETH_FRAME_MIN - n);
                        CHECK(eth_frame_parse(l, fr, ETH_FRAME_MIN, &f)
                              == 0);
                        CHECK(f.len == len);
                }
                CHECK(eth_frame_parse(l, fr, n, &f) == 0);
                CHECK(f.d_eid == 0x1234 && f.s_eid == 0x42 && f.len == len);
                CHECK(memcmp(f.dst, DST, 6) == 0);
                CHECK(memcmp(f.src, SRC, 6) == 0);
                CHECK(f.payload == fr + eth_frame_hdr_len(l));
                for (size_t i = 0; i < len; ++i)
                        CHECK(f.payload[i] == (uint8_t) (i * 7 + 1));
                /* Every truncation is refused. */
                for (size_t i = 0; i < n; ++i)
                        CHECK(eth_frame_parse(l, fr, i, &f) < 0);
        }
}

static void mgmt(const struct eth_link * l)
{
        uint8_t          buf[1600];
        struct mgmt_msg  m;
        struct mgmt_msg  r;
        struct eth_frame f;
        ssize_t          n;

        memset(&m, 0, sizeof(m));
        m.type     = MGMT_NAME_QUERY;
        m.id       = 99;
        m.name     = (const uint8_t *) "srv";
        m.name_len = 3;
        n = eth_frame_put_mgmt(l, buf, sizeof(buf), DST, SRC, &m);
        CHECK(n > 0);
        CHECK(eth_frame_parse(l, buf, (size_t) n, &f) == 0);
        CHECK(f.d_eid == 0 && f.s_eid == 0);
        CHECK(mgmt_parse(f.payload, f.len, &r) == 0);
        CHECK(r.type == MGMT_NAME_QUERY && r.id == 99 && r.name_len == 3);
        CHECK(eth_frame_put_mgmt(l, buf, 10, DST, SRC, &m) == -ENOBUFS);
}

static void malformed_common(const struct eth_link * l)
{
        uint8_t          buf[ETH_FRAME_HEADROOM + 1600];
        uint8_t *        fr;
        struct eth_frame f;
        size_t           n;
        size_t           e = eth_frame_hdr_len(l) - ETH_EID_HDR_LEN;

        /* Runt. */
        n = data_frame(l, buf, 100, &fr);
        CHECK(eth_frame_parse(l, fr, eth_frame_hdr_len(l) - 1, &f)
              == -EBADMSG);
        /* len past the end. */
        fr[e + 4] = 0x01;   /* len = 0x164 = 356 */
        CHECK(eth_frame_parse(l, fr, n, &f) == -EMSGSIZE);
        /* Bytes after the payload beyond the padding. */
        n = data_frame(l, buf, 100, &fr);
        CHECK(eth_frame_parse(l, fr, n + 1, &f) == -EPROTO);
        /* Multicast source. */
        fr[6] |= 0x01;
        CHECK(eth_frame_parse(l, fr, n, &f) == -EADDRNOTAVAIL);
        /* d_eid 0 with an s_eid, and the other way round. */
        n = data_frame(l, buf, 10, &fr);
        fr[e] = 0;
        fr[e + 1] = 0;
        CHECK(eth_frame_parse(l, fr, n, &f) == -EINVAL);
        n = data_frame(l, buf, 10, &fr);
        fr[e + 2] = 0;
        fr[e + 3] = 0;
        CHECK(eth_frame_parse(l, fr, n, &f) == -EINVAL);

        /* Encoder refusals. */
        CHECK(eth_frame_push_data(l, buf + 30, 10, 30, DST, SRC, 0, 1, &fr)
              == -EINVAL);
        CHECK(eth_frame_push_data(l, buf + 30, 10, 19, DST, SRC, 1, 1, &fr)
              == -ENOBUFS);
        CHECK(eth_frame_push_data(l, buf + 30, 70000, 30, DST, SRC, 1, 1,
                                  &fr) == -EMSGSIZE);
}

static void malformed_dix(void)
{
        uint8_t          buf[ETH_FRAME_HEADROOM + 1600];
        uint8_t *        fr;
        struct eth_frame f;
        size_t           n = data_frame(&DIX, buf, 50, &fr);
        struct eth_link  other = { ETH_DIX, 0x88b5, 0 };

        CHECK(eth_frame_parse(&other, fr, n, &f) == -EPROTOTYPE);
        fr[12] = 0x05;   /* an 802.3 length */
        fr[13] = 0xdc;
        CHECK(eth_frame_parse(&DIX, fr, n, &f) == -EPROTOTYPE);
}

static void malformed_llc(void)
{
        uint8_t          buf[ETH_FRAME_HEADROOM + 1600];
        uint8_t *        fr;
        struct eth_frame f;
        size_t           n;
        struct eth_link  other = { ETH_LLC, 0, 0x42 };

        n = data_frame(&LLC, buf, 50, &fr);
        CHECK(eth_frame_parse(&other, fr, n, &f) == -EPROTOTYPE);
        fr[15] = 0x42;   /* SSAP */
        CHECK(eth_frame_parse(&LLC, fr, n, &f) == -EPROTOTYPE);
        n = data_frame(&LLC, buf, 50, &fr);
        fr[16] = 0xaf;   /* XID, not UI */
        CHECK(eth_frame_parse(&LLC, fr, n, &f) == -EOPNOTSUPP);
        n = data_frame(&LLC, buf, 50, &fr);
        fr[12] = 0xA0;   /* an ethertype */
        fr[13] = 0x00;
        CHECK(eth_frame_parse(&LLC, fr, n, &f) == -EPROTOTYPE);
        n = data_frame(&LLC, buf, 50, &fr);
        fr[13] += 1;     /* 802.3 length past the frame */
        CHECK(eth_frame_parse(&LLC, fr, n, &f) == -EMSGSIZE);
        n = data_frame(&LLC, buf, 50, &fr);
        fr[13] -= 1;     /* 802.3 length disagrees with len */
        CHECK(eth_frame_parse(&LLC, fr, n, &f) == -EPROTO);
        fr[12] = 0;
        fr[13] = 2;      /* shorter than the LLC and eid headers */
        CHECK(eth_frame_parse(&LLC, fr, n, &f) == -EPROTO);
        /* LLC payloads end at the 802.3 length field's 1500 bytes. */
        CHECK(eth_frame_max_payload(&LLC, 9000) == 1500 - 9);
        CHECK(eth_frame_max_payload(&DIX, 9000) == 9000 - 6);
        CHECK(eth_frame_max_payload(&DIX, 1500) == 1494);
        CHECK(eth_frame_max_payload(&LLC, 1500) == 1491);
        CHECK(eth_frame_max_payload(&LLC, 5) == -EINVAL);
        CHECK(eth_frame_push_data(&LLC, buf + 30, 1492, 30, DST, SRC, 1, 1,
                                  &fr) == -EMSGSIZE);
}

static void links(void)
{
        struct eth_link l = { ETH_DIX, 0x0800, 0 };

        CHECK(eth_link_check(&l) == 0);
        l.ethertype = 0x05ff;
        CHECK(eth_link_check(&l) == -EINVAL);
        l.kind = ETH_LLC;
        l.sap  = 0x43;
        CHECK(eth_link_check(&l) == -EINVAL);
        l.sap  = 0;
        CHECK(eth_link_check(&l) == -EINVAL);
        l.kind = 7;
        CHECK(eth_link_check(&l) == -EINVAL);
}

int main(void)
{
        round_trip(&DIX);
        round_trip(&LLC);
        mgmt(&DIX);
        mgmt(&LLC);
        malformed_common(&DIX);
        malformed_common(&LLC);
        malformed_dix();
        malformed_llc();
        links();
        printf("eth frame codec: ok\n");
        return 0;
}
