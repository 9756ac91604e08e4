/*
 * Ouroboros - frame formats of the eth-dix and eth-llc layers.
 *
 * eth-dix (Ethernet II, one ethertype per layer, default 0xA000 as in
 * the classic implementation; bootstrap option "ethertype"):
 *
 *   dst MAC (6) | src MAC (6) | ethertype u16 | d_eid u16 | s_eid u16
 *   | len u16 | payload (len bytes) | padding
 *
 * eth-llc (IEEE 802.3 with an 802.2 LLC type 1 header, one SAP per
 * layer, default ETH_LLC_SAP; the classic implementation used SAP 0x01
 * for management and one SAP per flow, at most 64 flows; here the SAP
 * names the layer and endpoint ids name the flows, as on DIX):
 *
 *   dst MAC (6) | src MAC (6) | length u16 (802.3: bytes after it, at
 *   most 1500) | DSAP u8 | SSAP u8 | control u8 (0x03, UI) | d_eid u16
 *   | s_eid u16 | len u16 | payload | padding
 *
 * All fields big-endian. d_eid is the receiver's endpoint id of the
 * flow, s_eid the sender's; d_eid 0 (with s_eid 0) marks a management
 * message (mgmt.h) as the payload. len is the payload length: Ethernet
 * pads frames shorter than 60 bytes, so the frame length alone cannot
 * tell it. Padding is only accepted up to the 60-byte minimum; a longer
 * frame must end exactly after its payload.
 *
 * Header room: the data path keeps ETH_FRAME_HEADROOM bytes free in
 * front of each payload, so eth_frame_push_data writes the header in
 * place and the payload is never copied.
 */
#ifndef OUROBOROS_IPCPD_ETH_FRAME_H
#define OUROBOROS_IPCPD_ETH_FRAME_H

#include "ipcpd/mgmt/mgmt.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ETH_ADDR_LEN        6
#define ETH_MAC_HDR_LEN     14     /* dst, src, ethertype or length */
#define ETH_LLC_HDR_LEN     3      /* DSAP, SSAP, control */
#define ETH_EID_HDR_LEN     6      /* d_eid, s_eid, len */
#define ETH_DIX_HDR_LEN     (ETH_MAC_HDR_LEN + ETH_EID_HDR_LEN)
#define ETH_LLC_FULL_LEN    (ETH_MAC_HDR_LEN + ETH_LLC_HDR_LEN \
                             + ETH_EID_HDR_LEN)
#define ETH_FRAME_HEADROOM  ETH_LLC_FULL_LEN  /* enough for both */
#define ETH_FRAME_MIN       60     /* shortest frame on the wire, no FCS */
#define ETH_DIX_TYPE_DEF    0xA000
#define ETH_TYPE_MIN        0x0600 /* below: an 802.3 length field */
#define ETH_LLC_SAP         0xA6   /* individual, even; see man page */
#define ETH_LLC_UI          0x03
#define ETH_LLC_LEN_MAX     1500   /* largest 802.3 length field */

enum eth_kind {
        ETH_DIX = 0,
        ETH_LLC = 1
};

/* Which layer a frame belongs to: the kind and its ethertype or SAP. */
struct eth_link {
        enum eth_kind kind;
        uint16_t      ethertype;   /* ETH_DIX: >= ETH_TYPE_MIN */
        uint8_t       sap;         /* ETH_LLC: even (individual) */
};

/* A decoded frame; payload points into the caller's buffer. */
struct eth_frame {
        uint8_t         dst[ETH_ADDR_LEN];
        uint8_t         src[ETH_ADDR_LEN];
        uint16_t        d_eid;
        uint16_t        s_eid;
        const uint8_t * payload;
        size_t          len;
};

/* 0 if l is a valid layer description, -EINVAL otherwise (ethertype
 * below 0x0600, odd or 0 SAP, unknown kind). */
int     eth_link_check(const struct eth_link * l);

/* Header bytes in front of the payload: 20 (DIX) or 23 (LLC). */
size_t  eth_frame_hdr_len(const struct eth_link * l);

/* Largest payload in a frame on a device whose MTU (bytes after the
 * 14-byte MAC header) is mtu, or -EINVAL if the MTU leaves no room.
 * LLC frames are also bounded by the 1500-byte 802.3 length field. */
ssize_t eth_frame_max_payload(const struct eth_link * l,
                              size_t                  mtu);

/* Write the header of a data frame in front of payload (len bytes,
 * with at least eth_frame_hdr_len(l) of the headroom bytes before it
 * free to write). *frame is set to the frame's first byte. Returns the
 * frame length, or -EINVAL (d_eid or s_eid 0, bad link), -ENOBUFS
 * (headroom too small), -EMSGSIZE (len above 65535 or, for LLC, above
 * the 802.3 length field's limit). */
ssize_t eth_frame_push_data(const struct eth_link * l,
                            uint8_t *               payload,
                            size_t                  len,
                            size_t                  headroom,
                            const uint8_t *         dst,
                            const uint8_t *         src,
                            uint16_t                d_eid,
                            uint16_t                s_eid,
                            uint8_t **              frame);

/* Encode a whole management frame (header and message m) into buf of
 * cap bytes. Returns its length, an error of mgmt_encode, or -EINVAL
 * (bad link). */
ssize_t eth_frame_put_mgmt(const struct eth_link * l,
                           uint8_t *               buf,
                           size_t                  cap,
                           const uint8_t *         dst,
                           const uint8_t *         src,
                           const struct mgmt_msg * m);

/* Decode the n bytes of a received frame. Returns 0, or:
 *   -EBADMSG      runt: shorter than the headers
 *   -EPROTOTYPE   not this layer's: other ethertype, an 802.3 frame on
 *                 DIX or an Ethernet II frame on LLC, other DSAP/SSAP
 *   -EOPNOTSUPP   LLC control other than UI
 *   -EMSGSIZE     len (or the 802.3 length) runs past the frame
 *   -EPROTO       bytes after the payload beyond the 60-byte padding,
 *                 or an 802.3 length that disagrees with len
 *   -EADDRNOTAVAIL  a multicast source MAC
 *   -EINVAL       one eid 0 and the other not
 * A management frame (d_eid 0) is then decoded with mgmt_parse. */
int     eth_frame_parse(const struct eth_link * l,
                        const uint8_t *         buf,
                        size_t                  n,
                        struct eth_frame *      f);

#endif /* OUROBOROS_IPCPD_ETH_FRAME_H */
