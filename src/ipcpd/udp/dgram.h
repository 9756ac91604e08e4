/*
 * Ouroboros - datagram format of the udp4 and udp6 layers. One UDP
 * port per IPCP; every datagram is
 *
 *   d_eid u16 | s_eid u16 | payload
 *
 * big-endian. d_eid is the receiver's endpoint id of the flow, s_eid
 * the sender's; d_eid 0 (with s_eid 0) marks a management message
 * (mgmt.h: name query and reply, flow request and reply, deallocation,
 * keepalive) as the payload. UDP keeps datagram boundaries, so there is no length field.
 * The address of a name comes from the mapping file (map.h) or DNS
 * (dns.h); a unicast NAME_QUERY to that address confirms that the name
 * is registered there before a flow is requested (never broadcast).
 *
 * Header room: the data path keeps UDP_HDR_LEN bytes free in front of
 * each payload and udp_dgram_push_data writes the header in place.
 */
#ifndef OUROBOROS_IPCPD_UDP_DGRAM_H
#define OUROBOROS_IPCPD_UDP_DGRAM_H

#include "ipcpd/mgmt/mgmt.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UDP_HDR_LEN       4
#define UDP_DGRAM_MAX     65507  /* largest UDP payload over IPv4 */
#define UDP_PAYLOAD_MAX   (UDP_DGRAM_MAX - UDP_HDR_LEN)

struct udp_dgram {
        uint16_t        d_eid;
        uint16_t        s_eid;
        const uint8_t * payload;  /* into the caller's buffer */
        size_t          len;
};

/* Write the header in front of payload (len bytes, headroom bytes free
 * before it); *dgram is set to the datagram's first byte. Returns the
 * datagram length, or -EINVAL (an eid 0), -ENOBUFS (headroom below
 * UDP_HDR_LEN), -EMSGSIZE (len above UDP_PAYLOAD_MAX). */
ssize_t udp_dgram_push_data(uint8_t *  payload,
                            size_t     len,
                            size_t     headroom,
                            uint16_t   d_eid,
                            uint16_t   s_eid,
                            uint8_t ** dgram);

/* Encode a whole management datagram into buf (cap bytes). Returns its
 * length, -ENOBUFS, or an error of mgmt_encode. */
ssize_t udp_dgram_put_mgmt(uint8_t *               buf,
                           size_t                  cap,
                           const struct mgmt_msg * m);

/* Decode the n bytes of a datagram. Returns 0, or -EBADMSG (shorter
 * than the header), -EMSGSIZE (longer than UDP_DGRAM_MAX), -EINVAL
 * (one eid 0 and the other not). */
int     udp_dgram_parse(const uint8_t *    buf,
                        size_t             n,
                        struct udp_dgram * d);

/* Decode the management message of a datagram with d_eid 0: 0, an
 * error of mgmt_parse, or -EINVAL if d is a data datagram. */
int     udp_dgram_parse_mgmt(const struct udp_dgram * d,
                             struct mgmt_msg *        m);

#endif /* OUROBOROS_IPCPD_UDP_DGRAM_H */
