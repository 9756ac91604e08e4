/*
 * Ouroboros - the broadcast layer's wire formats: the data header in
 * front of every message between members, and the enrollment messages
 * a new member exchanges with a member on an "enroll" lower flow.
 *
 * Every field big-endian, no padding.
 *
 * Data header (BC_HDR_LEN bytes, then the message as the application
 * wrote it):
 *
 *   version u8 (1) | kind u8 (1 data) | reserved u16 (0)
 *   | seq u32 | origin u64
 *
 * origin is the member id of the member whose application wrote the
 * message (random per IPCP incarnation), seq that member's count of
 * messages sent (wrapping).
 *
 * Enrollment, after the lower flow's handshake (lower.h):
 *
 *   request  version u8 (1) | kind u8 (1)
 *   answer   version u8 (1) | kind u8 (2) | hash u8 (enum hash_algo)
 *            | mtu u16 | layer_len u8 | layer
 *
 * Parsing is strict: one message filling the whole packet, known
 * version and kind, reserved bits 0, the layer a valid name (1 to
 * LAYER_MAX_LEN printable bytes), the mtu in [BC_MTU_MIN, BC_MTU_MAX].
 */
#ifndef OUROBOROS_IPCPD_BROADCAST_WIRE_H
#define OUROBOROS_IPCPD_BROADCAST_WIRE_H

#include <ouroboros/irm.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BC_VERSION      1
#define BC_KIND_DATA    1
#define BC_HDR_LEN      16
#define BC_MTU_MIN      64
#define BC_MTU_MAX      65535

#define BC_ENR_REQ      1
#define BC_ENR_ANS      2
#define BC_ENR_REQ_LEN  2
#define BC_ENR_ANS_MAX  (6 + LAYER_MAX_LEN)

struct bc_hdr {
        uint32_t seq;
        uint64_t origin;
};

/* Write h into buf (BC_HDR_LEN bytes). */
void    bc_hdr_put(uint8_t *             buf,
                   const struct bc_hdr * h);

/* Read the header of a packet of len bytes: 0, or -EBADMSG (short,
 * unknown version or kind, reserved bits set). The message follows at
 * buf + BC_HDR_LEN (it may be empty). */
int     bc_hdr_parse(const uint8_t * buf,
                     size_t          len,
                     struct bc_hdr * h);

/* The layer configuration a member hands out. */
struct bc_conf {
        char           layer[LAYER_MAX_LEN + 1];
        enum hash_algo hash;
        uint16_t       mtu;
};

/* Encode the request into buf (BC_ENR_REQ_LEN bytes): its length. */
ssize_t bc_enr_req_put(uint8_t * buf,
                       size_t    len);

/* A request filling buf: 0 or -EBADMSG. */
int     bc_enr_req_parse(const uint8_t * buf,
                         size_t          len);

/* Encode the answer into buf (BC_ENR_ANS_MAX bytes): its length, or
 * -EINVAL (c out of range) or -EMSGSIZE (buf too small). */
ssize_t bc_enr_ans_put(uint8_t *              buf,
                       size_t                 len,
                       const struct bc_conf * c);

/* An answer filling buf: 0 or -EBADMSG. */
int     bc_enr_ans_parse(const uint8_t *  buf,
                         size_t           len,
                         struct bc_conf * c);

#endif /* OUROBOROS_IPCPD_BROADCAST_WIRE_H */
