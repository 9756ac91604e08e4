/*
 * Ouroboros - libFuzzer target for the udp4 / udp6 datagram decoder and
 * the management messages it carries; the input is the datagram.
 *
 * Oracle: an accepted datagram's payload is the rest of it; a data
 * datagram's header written again is the header received; an accepted
 * management message encodes back to exactly the bytes received. A
 * management message is decoded as received and again resealed
 * (mgmt_seal), so the decoder is fuzzed past its CRC check.
 *
 * Sources: src/ipcpd/udp/dgram.c src/ipcpd/mgmt/mgmt.c src/ipcpd/mgmt/qos_wire.c
 * Libs: -lz
 */
#include "ipcpd/udp/dgram.h"

#include <stdlib.h>
#include <string.h>

/* An accepted management datagram encodes back to its n bytes at p. */
static void check_mgmt(const struct udp_dgram * d,
                       const uint8_t *          p,
                       size_t                   n)
{
        uint8_t         enc[UDP_HDR_LEN + MGMT_MSG_MAX];
        struct mgmt_msg m;
        ssize_t         len;

        if (udp_dgram_parse_mgmt(d, &m) < 0)
                return;
        len = udp_dgram_put_mgmt(enc, sizeof(enc), &m);
        if (len != (ssize_t) n || memcmp(enc, p, n) != 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        struct udp_dgram d;
        uint8_t *        buf;
        uint8_t *        out;
        ssize_t          n;

        buf = malloc(size + UDP_HDR_LEN + 1);
        if (buf == NULL)
                return 0;
        memcpy(buf + UDP_HDR_LEN, data, size);

        if (udp_dgram_parse(buf + UDP_HDR_LEN, size, &d) == 0) {
                if (d.payload != buf + 2 * UDP_HDR_LEN ||
                    d.len != size - UDP_HDR_LEN)
                        abort();
                if (d.d_eid != 0) {
                        n = udp_dgram_push_data(buf + 2 * UDP_HDR_LEN, d.len,
                                                UDP_HDR_LEN, d.d_eid,
                                                d.s_eid, &out);
                        if (n != (ssize_t) size ||
                            memcmp(out, data, UDP_HDR_LEN) != 0)
                                abort();
                } else {
                        check_mgmt(&d, buf + UDP_HDR_LEN, size);
                        mgmt_seal((uint8_t *) d.payload, d.len);
                        check_mgmt(&d, buf + UDP_HDR_LEN, size);
                }
        }
        free(buf);
        return 0;
}
