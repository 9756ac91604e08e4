/*
 * Ouroboros - encoder and strict decoder of udp4/udp6 datagrams
 * (format in dgram.h).
 */
#include "dgram.h"
#include "ipcpd/mgmt/be.h"

#include <errno.h>

ssize_t udp_dgram_push_data(uint8_t *  payload,
                            size_t     len,
                            size_t     headroom,
                            uint16_t   d_eid,
                            uint16_t   s_eid,
                            uint8_t ** dgram)
{
        if (d_eid == 0 || s_eid == 0)
                return -EINVAL;
        if (headroom < UDP_HDR_LEN)
                return -ENOBUFS;
        if (len > UDP_PAYLOAD_MAX)
                return -EMSGSIZE;

        *dgram = payload - UDP_HDR_LEN;
        be_put16(*dgram, d_eid);
        be_put16(*dgram + 2, s_eid);
        return (ssize_t) (len + UDP_HDR_LEN);
}

ssize_t udp_dgram_put_mgmt(uint8_t *               buf,
                           size_t                  cap,
                           const struct mgmt_msg * m)
{
        ssize_t n;

        if (cap < UDP_HDR_LEN)
                return -ENOBUFS;
        n = mgmt_encode(buf + UDP_HDR_LEN, cap - UDP_HDR_LEN, m);
        if (n < 0)
                return n;
        be_put16(buf, 0);
        be_put16(buf + 2, 0);
        return n + UDP_HDR_LEN;
}

int udp_dgram_parse(const uint8_t *    buf,
                    size_t             n,
                    struct udp_dgram * d)
{
        if (n < UDP_HDR_LEN)
                return -EBADMSG;
        if (n > UDP_DGRAM_MAX)
                return -EMSGSIZE;
        d->d_eid   = be_get16(buf);
        d->s_eid   = be_get16(buf + 2);
        if ((d->d_eid == 0) != (d->s_eid == 0))
                return -EINVAL;
        d->payload = buf + UDP_HDR_LEN;
        d->len     = n - UDP_HDR_LEN;
        return 0;
}

int udp_dgram_parse_mgmt(const struct udp_dgram * d,
                         struct mgmt_msg *        m)
{
        if (d->d_eid != 0)
                return -EINVAL;
        return mgmt_parse(d->payload, d->len, m);
}
