/*
 * Ouroboros - the enrollment messages of the unicast layer: what a new
 * member and a member say on an "enroll" lower flow (lower.h) once its
 * handshake is done. Every field big-endian, no padding:
 *
 *   request  version u8 (1) | kind u8 (1) | reserved u16 (0)
 *
 *   answer   version u8 (1) | kind u8 (2) | result i16
 *            then, only when result is 0:
 *            addr u64 (the new member's) | enroller u64 (the member's)
 *            | hash u8 | addr_size u8 | eid_size u8 | max_ttl u8
 *            | routing u8 | congestion u8 | dht_alpha u8 | dht_k u8
 *            | dht_t_expire u32 | dht_t_refresh u32 | dht_t_replicate u32
 *            | ls_t_recalc u32 | ls_t_update u32 | ls_t_timeo u32
 *            | mtu u16 | layer_len u8 | layer
 *
 * result is 0 or a negative errno (-EADDRINUSE: no free address found,
 * -EBUSY: too many enrollments at once). The configuration is every
 * field of a unicast struct layer_config; it must be valid
 * (ipcp_conf_valid: each value in the range of its bootstrap option,
 * the layer a valid name of 1..LAYER_MAX_LEN bytes), and both
 * addresses fit addr_size, are neither 0 nor all ones, and differ.
 * Parsers are strict: one message filling the whole packet.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_WIRE_ENROLL_H
#define OUROBOROS_IPCPD_UNICAST_WIRE_ENROLL_H

#include <ouroboros/irm.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ENR_VERSION   1
#define ENR_REQ       1
#define ENR_ANS       2
#define ENR_REQ_LEN   4
#define ENR_ANS_FIXED 55
#define ENR_ANS_MAX   (ENR_ANS_FIXED + LAYER_MAX_LEN)

struct enr_ans {
        int16_t             result;
        uint64_t            addr;
        uint64_t            enroller;
        struct layer_config lc;      /* type IPCP_UNICAST */
};

/* The request: its length (ENR_REQ_LEN) or -EMSGSIZE. */
ssize_t enr_req_write(uint8_t * buf,
                      size_t    len);

/* 0 or -EBADMSG. */
int     enr_req_parse(const uint8_t * buf,
                      size_t          len);

/* The answer: its length, -EINVAL (what the parser would refuse) or
 * -EMSGSIZE. Only result is read when it is not 0. */
ssize_t enr_ans_write(const struct enr_ans * a,
                      uint8_t *              buf,
                      size_t                 len);

/* 0 or -EBADMSG; a->lc is a full configuration (defaults for the
 * fields of other types). */
int     enr_ans_parse(const uint8_t *  buf,
                      size_t           len,
                      struct enr_ans * a);

#endif /* OUROBOROS_IPCPD_UNICAST_WIRE_ENROLL_H */
