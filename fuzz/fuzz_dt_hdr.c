/*
 * Ouroboros - libFuzzer target for the unicast layer's data transfer
 * header (wire_dt.h). The first input byte chooses the widths (address
 * 1 + (b & 7) bytes, endpoint id 1 + (b >> 4 & 7) bytes, the high bits
 * of each nibble give a bad width now and then); the rest is a packet
 * as received from a neighbour.
 *
 * Oracle: an accepted header is dt_hdr_len bytes long, has dst != 0
 * and a cube in range, and writes back to exactly the bytes read; the
 * in-place ttl/ecn rewrite changes only those two fields; a refused
 * one is -EBADMSG, and only when it is short, has dst 0 or a bad cube
 * or the widths are bad.
 *
 * Sources: src/ipcpd/unicast/wire_dt.c
 */
#include "ipcpd/unicast/wire_dt.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        struct dt_fmt f;
        struct dt_hdr h;
        struct dt_hdr r;
        uint8_t       out[DT_HDR_MAX];
        ssize_t       n;
        size_t        hl;
        bool          fmt_ok;

        if (size < 1)
                return 0;

        f.addr_size = (uint8_t) ((data[0] & 0x8) ? 0 : 1 + (data[0] & 7));
        f.eid_size  = (uint8_t) ((data[0] & 0x80) ? 9 :
                                 1 + (data[0] >> 4 & 7));
        fmt_ok = f.addr_size >= 1 && f.eid_size <= 8;
        ++data;
        --size;

        n = dt_hdr_parse(&f, data, size, &h);
        if (n < 0) {
                if (n != -EBADMSG)
                        abort();
                if (fmt_ok && size >= dt_hdr_len(&f) &&
                    data[f.addr_size] < DT_CUBES) {
                        /* a long enough header with a good cube: only
                         * dst 0 may be refused */
                        for (hl = 0; hl < f.addr_size; ++hl)
                                if (data[hl] != 0)
                                        abort();
                }
                return 0;
        }

        if (!fmt_ok)
                abort();
        hl = dt_hdr_len(&f);
        if ((size_t) n != hl || size < hl || h.dst == 0 ||
            h.cube >= DT_CUBES)
                abort();

        if (dt_hdr_write(&f, &h, out, sizeof(out)) != n ||
            memcmp(out, data, hl) != 0)
                abort();

        dt_hdr_set_ttl_ecn(&f, out, (uint8_t) (h.ttl ^ 0x5a),
                           (uint8_t) (h.ecn ^ 0xa5));
        if (dt_hdr_parse(&f, out, hl, &r) != n)
                abort();
        if (r.dst != h.dst || r.eid != h.eid || r.cube != h.cube ||
            r.ttl != (uint8_t) (h.ttl ^ 0x5a) ||
            r.ecn != (uint8_t) (h.ecn ^ 0xa5))
                abort();

        return 0;
}
