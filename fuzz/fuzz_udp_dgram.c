/*
 * Ouroboros - libFuzzer target for the udp4 / udp6 datagram decoder and
 * the management messages it carries; the input is the datagram.
 *
 * Oracle: an accepted datagram's payload is the rest of it; a data
 * datagram's header written again is the header received; an accepted
 * management message encodes back to exactly the bytes received.
 *
 * Sources: src/ipcpd/udp/dgram.c src/ipcpd/mgmt/mgmt.c src/ipcpd/mgmt/qos_wire.c
 */
#include "ipcpd/udp/dgram.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        struct udp_dgram d;
        struct mgmt_msg  m;
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
                } else if (udp_dgram_parse_mgmt(&d, &m) == 0) {
                        uint8_t enc[UDP_HDR_LEN + MGMT_MSG_MAX];
                        n = udp_dgram_put_mgmt(enc, sizeof(enc), &m);
                        if (n != (ssize_t) size || memcmp(enc, data, size))
                                abort();
                }
        }
        free(buf);
        return 0;
}
