/*
 * Ouroboros - libFuzzer target for the eth-dix / eth-llc frame decoder
 * and the management messages it carries. The first input byte picks
 * the layer (DIX with ethertype 0xA000, or LLC with its SAP); the rest
 * is the received frame.
 *
 * Oracle: an accepted frame's payload lies inside the frame; a data
 * frame's header, written again by eth_frame_push_data, is the header
 * received; an accepted management message encodes back to exactly
 * the bytes received (the decoder accepts one canonical form only).
 * A management message is decoded as received and again resealed
 * (mgmt_seal), so the decoder is fuzzed past its CRC check.
 *
 * Sources: src/ipcpd/eth/frame.c src/ipcpd/mgmt/mgmt.c src/ipcpd/mgmt/qos_wire.c
 * Libs: -lz
 */
#include "ipcpd/eth/frame.h"

#include <stdlib.h>
#include <string.h>

static void check_one(const uint8_t * p,
                      size_t          n)
{
        struct mgmt_msg m;
        uint8_t         out[MGMT_MSG_MAX];
        ssize_t         len;

        if (mgmt_parse(p, n, &m) < 0)
                return;
        len = mgmt_encode(out, sizeof(out), &m);
        if (len != (ssize_t) n || memcmp(out, p, n) != 0)
                abort();
}

static void check_mgmt(const uint8_t * p,
                       size_t          n)
{
        uint8_t * c;

        check_one(p, n);
        c = malloc(n > 0 ? n : 1);
        if (c == NULL)
                return;
        memcpy(c, p, n);
        mgmt_seal(c, n);
        check_one(c, n);
        free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        struct eth_link  l = { ETH_DIX, ETH_DIX_TYPE_DEF, ETH_LLC_SAP };
        struct eth_frame f;
        uint8_t *        frame;
        uint8_t *        buf;
        size_t           hdr;

        if (size < 1)
                return 0;
        l.kind = data[0] & 1 ? ETH_LLC : ETH_DIX;
        ++data;
        --size;

        /* A private copy, so reads past the end are caught. */
        frame = malloc(size > 0 ? size : 1);
        if (frame == NULL)
                return 0;
        memcpy(frame, data, size);

        if (eth_frame_parse(&l, frame, size, &f) == 0) {
                hdr = eth_frame_hdr_len(&l);
                if (f.payload != frame + hdr || f.len > size - hdr)
                        abort();
                if (f.d_eid == 0) {
                        check_mgmt(f.payload, f.len);
                } else {
                        buf = malloc(hdr + f.len + 1);
                        if (buf != NULL) {
                                uint8_t * out;
                                memcpy(buf + hdr, f.payload, f.len);
                                if (eth_frame_push_data(&l, buf + hdr, f.len,
                                                        hdr, f.dst, f.src,
                                                        f.d_eid, f.s_eid,
                                                        &out)
                                    != (ssize_t) (hdr + f.len) ||
                                    memcmp(out, frame, hdr) != 0)
                                        abort();
                                free(buf);
                        }
                }
        }
        free(frame);
        return 0;
}
