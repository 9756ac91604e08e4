/*
 * Ouroboros - the messages of the unicast layer's flow allocator,
 * carried over the layer by the data transfer (dt_send to the peer's
 * address, endpoint id DT_EID_FA of uni.h).
 *
 * Wire format (version 1), every field big-endian, no padding; the
 * addresses and endpoint ids take 8 bytes here whatever the layer's
 * widths (the allocator checks that they fit them):
 *
 *   common   type u8 | version u8 (= 1) | s_addr u64 | s_eid u64
 *   REQ      cookie u32 | qos (32 bytes) | hash_len u8 | hash
 *            | key_len u16 | key
 *   REPLY    d_eid u64 | cookie u32 | result i16 | key_len u16 | key
 *   DEALLOC  d_eid u64
 *   DEALLOC_ACK d_eid u64 (s_eid, d_eid: those of the DEALLOC swapped)
 *   UPDATE   d_eid u64 | pkts u32 | marked u32 | ecn u8
 *
 *   qos      32 bytes, the layers' one codec (ipcpd/mgmt/qos_wire.h)
 *
 * s_addr is the sender's address (never 0), s_eid its endpoint id of
 * the flow (never 0; 0 only in a REPLY that refuses), d_eid the
 * receiver's. cookie: the requester's id of the request, echoed by the
 * reply (a resent request is recognised by s_addr, s_eid and cookie).
 * result: 0 or a negative errno (a refusal carries no key). hash: the
 * destination name's hash, FA_HASH_MIN..FA_HASH_MAX bytes. key: an
 * opaque blob of up to FA_KEY_MAX bytes (the key exchange's public
 * key), empty when the flow is not encrypted. UPDATE (mb-ecn): the
 * receiver of a flow tells its sender how many packets arrived since
 * the last update (pkts, >= 1), how many of them carried an ECN mark
 * (marked <= pkts) and the highest mark seen (ecn).
 *
 * fa_msg_parse is strict: exactly one well-formed message filling the
 * whole buffer; the encoding is canonical; views point into the
 * caller's buffer.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_WIRE_FA_H
#define OUROBOROS_IPCPD_UNICAST_WIRE_FA_H

#include "ipcpd/mgmt/qos_wire.h"

#include <ouroboros/qos.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FA_MSG_VERSION  1
#define FA_HDR_LEN      18    /* type, version, s_addr, s_eid */
#define FA_QOS_LEN      QOS_WIRE_LEN
#define FA_HASH_MIN     1
#define FA_HASH_MAX     64
#define FA_KEY_MAX      512
#define FA_REQ_LEN(h, k)   (FA_HDR_LEN + 4 + FA_QOS_LEN + 1 + (size_t) (h) \
                            + 2 + (size_t) (k))
#define FA_REPLY_LEN(k)    (FA_HDR_LEN + 8 + 4 + 2 + 2 + (size_t) (k))
#define FA_DEALLOC_LEN     (FA_HDR_LEN + 8)
#define FA_UPDATE_LEN      (FA_HDR_LEN + 8 + 4 + 4 + 1)
#define FA_MSG_MAX         FA_REQ_LEN(FA_HASH_MAX, FA_KEY_MAX)

enum fa_msg_type {
        FA_REQ     = 1,
        FA_REPLY   = 2,
        FA_DEALLOC = 3,
        FA_UPDATE  = 4,
        FA_DEALLOC_ACK = 5
};

struct fa_msg {
        enum fa_msg_type type;
        uint64_t         s_addr;
        uint64_t         s_eid;
        uint64_t         d_eid;     /* REPLY, DEALLOC(_ACK), UPDATE */
        uint32_t         cookie;    /* REQ, REPLY */
        int16_t          result;    /* REPLY */
        qosspec_t        qos;       /* REQ */
        const uint8_t *  hash;      /* REQ */
        size_t           hash_len;
        const uint8_t *  key;       /* REQ, REPLY; NULL when empty */
        size_t           key_len;
        uint32_t         pkts;      /* UPDATE */
        uint32_t         marked;
        uint8_t          ecn;
};

/* The encoded length of m, or -EINVAL (a field out of its range). */
ssize_t fa_msg_len(const struct fa_msg * m);

/* Write m at buf: its length, -EINVAL (a field out of range, as
 * fa_msg_parse would refuse it) or -EMSGSIZE (len too small). */
ssize_t fa_msg_write(const struct fa_msg * m,
                     uint8_t *             buf,
                     size_t                len);

/* Read the message of len bytes at buf into m: 0, -EBADMSG (truncated,
 * trailing bytes, a field out of range), -EPROTONOSUPPORT (another
 * version) or -EPROTO (an unknown type). */
int     fa_msg_parse(const uint8_t * buf,
                     size_t          len,
                     struct fa_msg * m);

#endif /* OUROBOROS_IPCPD_UNICAST_WIRE_FA_H */
