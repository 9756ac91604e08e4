/*
 * Ouroboros - encoder and strict decoder of eth-dix and eth-llc frames
 * (format in frame.h). Headers are written in place in front of the
 * payload; the decoder checks every length against the frame before it
 * looks at what the length covers.
 */
#include "frame.h"
#include "ipcpd/mgmt/be.h"

#include <errno.h>
#include <string.h>

int eth_link_check(const struct eth_link * l)
{
        switch (l->kind) {
        case ETH_DIX:
                return l->ethertype >= ETH_TYPE_MIN ? 0 : -EINVAL;
        case ETH_LLC:
                return l->sap != 0 && (l->sap & 1) == 0 ? 0 : -EINVAL;
        default:
                return -EINVAL;
        }
}

size_t eth_frame_hdr_len(const struct eth_link * l)
{
        return l->kind == ETH_LLC ? ETH_LLC_FULL_LEN : ETH_DIX_HDR_LEN;
}

static size_t link_max(const struct eth_link * l)
{
        /* LLC: the 802.3 length field counts LLC + eid header + payload */
        if (l->kind == ETH_LLC)
                return ETH_LLC_LEN_MAX - ETH_LLC_HDR_LEN - ETH_EID_HDR_LEN;
        return UINT16_MAX;
}

ssize_t eth_frame_max_payload(const struct eth_link * l,
                              size_t                  mtu)
{
        size_t over = eth_frame_hdr_len(l) - ETH_MAC_HDR_LEN;
        size_t max;

        if (eth_link_check(l) < 0 || mtu <= over)
                return -EINVAL;
        max = mtu - over;
        return (ssize_t) (max < link_max(l) ? max : link_max(l));
}

/* The header of hdr_len bytes at p; the payload of len bytes follows. */
static void put_hdr(const struct eth_link * l,
                    uint8_t *               p,
                    const uint8_t *         dst,
                    const uint8_t *         src,
                    uint16_t                d_eid,
                    uint16_t                s_eid,
                    size_t                  len)
{
        memcpy(p, dst, ETH_ADDR_LEN);
        memcpy(p + ETH_ADDR_LEN, src, ETH_ADDR_LEN);
        p += 2 * ETH_ADDR_LEN;
        if (l->kind == ETH_LLC) {
                be_put16(p, (uint16_t) (ETH_LLC_HDR_LEN + ETH_EID_HDR_LEN
                                        + len));
                p[2] = l->sap;
                p[3] = l->sap;
                p[4] = ETH_LLC_UI;
                p += 2 + ETH_LLC_HDR_LEN;
        } else {
                be_put16(p, l->ethertype);
                p += 2;
        }
        be_put16(p, d_eid);
        be_put16(p + 2, s_eid);
        be_put16(p + 4, (uint16_t) len);
}

ssize_t eth_frame_push_data(const struct eth_link * l,
                            uint8_t *               payload,
                            size_t                  len,
                            size_t                  headroom,
                            const uint8_t *         dst,
                            const uint8_t *         src,
                            uint16_t                d_eid,
                            uint16_t                s_eid,
                            uint8_t **              frame)
{
        size_t hdr = eth_frame_hdr_len(l);

        if (eth_link_check(l) < 0 || d_eid == 0 || s_eid == 0)
                return -EINVAL;
        if (headroom < hdr)
                return -ENOBUFS;
        if (len > link_max(l))
                return -EMSGSIZE;

        *frame = payload - hdr;
        put_hdr(l, *frame, dst, src, d_eid, s_eid, len);
        return (ssize_t) (hdr + len);
}

ssize_t eth_frame_put_mgmt(const struct eth_link * l,
                           uint8_t *               buf,
                           size_t                  cap,
                           const uint8_t *         dst,
                           const uint8_t *         src,
                           const struct mgmt_msg * m)
{
        size_t  hdr = eth_frame_hdr_len(l);
        ssize_t n;

        if (eth_link_check(l) < 0)
                return -EINVAL;
        if (cap < hdr)
                return -ENOBUFS;
        n = mgmt_encode(buf + hdr, cap - hdr, m);
        if (n < 0)
                return n;
        if ((size_t) n > link_max(l))
                return -EMSGSIZE;
        put_hdr(l, buf, dst, src, 0, 0, (size_t) n);
        return (ssize_t) hdr + n;
}

/* The LLC part after the MAC header: its 802.3 length must cover the
 * LLC and eid headers and lie within the frame. */
static int parse_llc(const struct eth_link * l,
                     const uint8_t *         buf,
                     size_t                  n,
                     size_t *                l3len)
{
        uint16_t len = be_get16(buf + 2 * ETH_ADDR_LEN);

        if (len >= ETH_TYPE_MIN)
                return -EPROTOTYPE;
        if (buf[14] != l->sap || buf[15] != l->sap)
                return -EPROTOTYPE;
        if (buf[16] != ETH_LLC_UI)
                return -EOPNOTSUPP;
        if (len > n - ETH_MAC_HDR_LEN)
                return -EMSGSIZE;
        if (len < ETH_LLC_HDR_LEN + ETH_EID_HDR_LEN)
                return -EPROTO;
        *l3len = len;
        return 0;
}

int eth_frame_parse(const struct eth_link * l,
                    const uint8_t *         buf,
                    size_t                  n,
                    struct eth_frame *      f)
{
        size_t          hdr = eth_frame_hdr_len(l);
        size_t          l3len = 0;
        size_t          end;
        const uint8_t * p;
        int             ret;

        if (n < hdr)
                return -EBADMSG;

        if (l->kind == ETH_LLC) {
                ret = parse_llc(l, buf, n, &l3len);
                if (ret < 0)
                        return ret;
        } else if (be_get16(buf + 2 * ETH_ADDR_LEN) != l->ethertype) {
                return -EPROTOTYPE;
        }

        p = buf + hdr - ETH_EID_HDR_LEN;
        f->d_eid = be_get16(p);
        f->s_eid = be_get16(p + 2);
        f->len   = be_get16(p + 4);
        if (f->len > n - hdr)
                return -EMSGSIZE;
        if (l->kind == ETH_LLC &&
            l3len != ETH_LLC_HDR_LEN + ETH_EID_HDR_LEN + f->len)
                return -EPROTO;
        end = hdr + f->len;
        if (n > end && n > ETH_FRAME_MIN)
                return -EPROTO;
        if (buf[ETH_ADDR_LEN] & 0x01)
                return -EADDRNOTAVAIL;
        if ((f->d_eid == 0) != (f->s_eid == 0))
                return -EINVAL;

        memcpy(f->dst, buf, ETH_ADDR_LEN);
        memcpy(f->src, buf + ETH_ADDR_LEN, ETH_ADDR_LEN);
        f->payload = buf + hdr;
        return 0;
}
