/*
 * Ouroboros - management messages of the layers that reach other hosts
 * (eth-dix, eth-llc, udp4, udp6): the body of a frame or datagram whose
 * destination endpoint id is 0 (see eth/frame.h and udp/dgram.h for
 * the headers in front of it).
 *
 * Wire format, every field big-endian, no padding:
 *
 *   common  type u8 | version u8 (= 3) | layer u32 | id u32, then the
 *           body of its type, then crc u32
 *   NAME_QUERY    name_len u8 | name
 *   NAME_REPLY    result i16 | name_len u8 | name
 *   FLOW_REQ      s_eid u16 | qos (32 bytes, below) | name_len u8 | name
 *                 | key_len u16 | key
 *   FLOW_REPLY    s_eid u16 | d_eid u16 | result i16 | key_len u16 | key
 *   FLOW_DEALLOC  s_eid u16 | d_eid u16
 *   KEEPALIVE     flags u8 (bit 0: this is the reply to a probe; bit 1,
 *                 only in a reply: the answering IPCP has no flow with
 *                 the prober, so every flow the prober has with it is
 *                 gone, e.g. after a restart)
 *
 *   qos     32 bytes, qos_wire.h
 *   crc     CRC-32 (zlib's crc32, the IEEE 802.3 polynomial) of every
 *           byte before it
 *
 * layer: the sender's layer tag, the CRC-32 of its layer name
 * (mgmt_layer_tag). The codec carries it; the receiving IPCP drops a
 * message whose tag is not its own layer's (counted as drop_layer):
 * two layers on one segment with the same ethertype, SAP or port would
 * otherwise answer each other's queries and set up flows across layers.
 *
 * id: the query id (query and reply), the requester's cookie (flow
 * request and reply), the probe's sequence number (keepalive); the
 * answer echoes it. s_eid is the sender's endpoint id, d_eid the
 * receiver's; 0 is never a flow's endpoint. result is 0 or a negative
 * errno. name is an opaque 1..255-byte string (a name or its hash, the
 * IPCP decides). key is an opaque blob of up to MGMT_KEY_MAX bytes (the
 * key-exchange public key), empty when the flow is not encrypted.
 *
 * Why a CRC: Ethernet's frame check sequence is checked by hardware,
 * but a virtual link (VDE, a wirefilter that flips bits) has none, and
 * UDP's checksum may be off. Data frames are the flow's business (FRCT's
 * CRC when the QoS ber is 0, encryption's tag); a damaged management
 * message would instead set up a flow wrong, e.g. a flipped bit in a
 * FLOW_REQ's QoS or key gives the two ends different FRCT settings or
 * keys, and the flow never carries a packet. Version 1 had no CRC,
 * version 2 no layer tag.
 *
 * mgmt_parse is strict: it accepts exactly one well-formed message
 * filling the whole buffer; views point into the caller's buffer.
 */
#ifndef OUROBOROS_IPCPD_MGMT_H
#define OUROBOROS_IPCPD_MGMT_H

#include "qos_wire.h"

#include <ouroboros/qos.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MGMT_VERSION   3
#define MGMT_HDR_LEN   10    /* type, version, layer, id */
#define MGMT_CRC_LEN   4     /* the trailer */
#define MGMT_QOS_LEN   QOS_WIRE_LEN
#define MGMT_NAME_MAX  255
#define MGMT_KEY_MAX   512
/* The longest message (a flow request with the largest name and key). */
#define MGMT_MSG_MAX   (MGMT_HDR_LEN + 2 + MGMT_QOS_LEN + 1 + MGMT_NAME_MAX \
                        + 2 + MGMT_KEY_MAX + MGMT_CRC_LEN)

enum mgmt_type {
        MGMT_NAME_QUERY   = 1,
        MGMT_NAME_REPLY   = 2,
        MGMT_FLOW_REQ     = 3,
        MGMT_FLOW_REPLY   = 4,
        MGMT_FLOW_DEALLOC = 5,
        MGMT_KEEPALIVE    = 6
};

#define MGMT_KA_REPLY  0x01  /* KEEPALIVE flags: answer to a probe */
#define MGMT_KA_NONE   0x02  /* ... and no flow with the prober     */

struct mgmt_msg {
        uint8_t         type;     /* enum mgmt_type */
        uint32_t        layer;    /* the sender's layer tag */
        uint32_t        id;
        uint16_t        s_eid;    /* FLOW_REQ, FLOW_REPLY, FLOW_DEALLOC */
        uint16_t        d_eid;    /* FLOW_REPLY, FLOW_DEALLOC */
        int16_t         result;   /* NAME_REPLY, FLOW_REPLY */
        uint8_t         flags;    /* KEEPALIVE */
        qosspec_t       qos;      /* FLOW_REQ */
        const uint8_t * name;     /* NAME_*, FLOW_REQ */
        size_t          name_len;
        const uint8_t * key;      /* FLOW_REQ, FLOW_REPLY; may be NULL */
        size_t          key_len;
};

/* Bytes mgmt_encode writes for m, or -EINVAL (unknown type, bad name
 * or key length, eid 0 where an endpoint is needed, result > 0). */
ssize_t mgmt_len(const struct mgmt_msg * m);

/* Encode m into buf (cap bytes). Returns the length written, an error
 * of mgmt_len, or -ENOBUFS if cap is too small. */
ssize_t mgmt_encode(uint8_t *               buf,
                    size_t                  cap,
                    const struct mgmt_msg * m);

/* Decode the n bytes at buf into m (name and key point into buf).
 * Returns 0, or:
 *   -EBADMSG          shorter than its type requires (truncated)
 *   -EPROTONOSUPPORT  version is not MGMT_VERSION
 *   -EILSEQ           the CRC does not match (damaged in transit)
 *   -ENOMSG           unknown type
 *   -EPROTO           bytes left after the message
 *   -EINVAL           name length 0, eid 0 where an endpoint is
 *                     needed, in_order > 1, unknown keepalive flags
 *   -ERANGE           result > 0
 *   -EKEYREJECTED     key longer than MGMT_KEY_MAX */
int     mgmt_parse(const uint8_t *   buf,
                   size_t            n,
                   struct mgmt_msg * m);

/* Write the CRC of the n - MGMT_CRC_LEN bytes at buf into its last
 * MGMT_CRC_LEN bytes (mgmt_encode does; for tests and fuzz targets that
 * change a message's bytes and want the parser to look past the CRC).
 * Does nothing if n < MGMT_CRC_LEN. */
void    mgmt_seal(uint8_t * buf,
                  size_t    n);

/* The layer tag of the layer named name (a NUL-terminated string). */
uint32_t mgmt_layer_tag(const char * name);

#endif /* OUROBOROS_IPCPD_MGMT_H */
