/*
 * Ouroboros - libFuzzer target for the FRCT header parser
 * (src/lib/frct/frct_wire.c): any input is a packet off the wire.
 *
 * Oracle: an accepted packet encodes back to exactly the bytes received
 * (header, payload, CRC trailer: one canonical form), its payload lies
 * within the packet, and only DATA packets carry one.
 *
 * Sources: src/lib/frct/frct_wire.c
 * Libs: -lz
 */
#include "lib/frct/frct_wire.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        struct frct_hdr h;
        size_t          off;
        size_t          plen;
        uint8_t *       pkt;
        uint8_t *       out;
        ssize_t         n;

        /* A private copy, so reads past the end are caught. */
        pkt = malloc(size > 0 ? size : 1);
        out = malloc(size + FRCT_HDR_MAX + FRCT_CRC_LEN);
        if (pkt == NULL || out == NULL)
                abort();
        memcpy(pkt, data, size);

        if (frct_parse(pkt, size, &h, &off, &plen) == 0) {
                if (off + plen > size || off != frct_hdr_len(&h))
                        abort();
                if (plen > 0 && frct_hdr_type(&h) != FRCT_DATA)
                        abort();
                n = frct_hdr_put(out, size, &h);
                if (n != (ssize_t) off)
                        abort();
                memcpy(out + n, pkt + off, plen);
                n += (ssize_t) plen;
                if (h.flags & FRCT_FL_CRC)
                        n = (ssize_t) frct_crc_put(out, (size_t) n);
                if (n != (ssize_t) size || memcmp(out, pkt, size) != 0)
                        abort();
        }

        free(out);
        free(pkt);

        return 0;
}
