/*
 * Ouroboros - the management messages of the unicast layer (nbr.c,
 * enroll.c): what members say to a neighbour on a mgmt adjacency, and
 * the hello that opens a dt adjacency.
 *
 * Every packet on a mgmt adjacency starts with its type (a byte, enum
 * mgmt_type of uni.h); addresses are A bytes (the layer's addr_size,
 * 1..8), every field big-endian, no padding:
 *
 *   HELLO     1 | version u8 (1) | flags u8 | addr A
 *             flags: MGMT_HELLO_ACK (the answer to a hello),
 *             MGMT_HELLO_DUP (with ACK: the two are adjacent already
 *             for this component; the new lower flow is closed); any
 *             other bit is refused, and so is DUP without ACK
 *   KA        2                          (exactly one byte)
 *   LSA       3 | an LSA (routing/lsa.h; route.c parses it)
 *   CLAIM     4 | addr A | nonce u64     (wire_claim.h)
 *   CONFLICT  5 | addr A | nonce u64
 *
 * addr is never 0 and never mgmt_addr_any(A) (all ones): that value
 * is the destination of a dt hello, which goes to a neighbour whose
 * address is not known yet. A dt adjacency opens with one dt packet
 * each way, before any other: a data transfer header (wire_dt.h) with
 * dst mgmt_addr_any(A), cube 3, ttl 1, ecn 0, eid 0, carrying a HELLO
 * as above. A stray copy reaching dt.c later is dropped there (ttl).
 *
 * Parsers are strict: one message filling the whole packet.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_WIRE_MGMT_H
#define OUROBOROS_IPCPD_UNICAST_WIRE_MGMT_H

#include "wire_dt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MGMT_T_HELLO      1
#define MGMT_T_KA         2
#define MGMT_T_LSA        3
#define MGMT_T_CLAIM      4
#define MGMT_T_CONFLICT   5

#define MGMT_HELLO_VERSION 1
#define MGMT_HELLO_ACK     0x01
#define MGMT_HELLO_DUP     0x02

#define MGMT_HELLO_MAX     (3 + 8)
#define MGMT_CLAIM_MAX     (1 + 8 + 8)
#define MGMT_DT_HELLO_MAX  (DT_HDR_MAX + MGMT_HELLO_MAX)

struct mgmt_hello {
        uint8_t  flags;
        uint64_t addr;
};

/* A claim or a conflict (the type tells which). */
struct mgmt_claim {
        uint64_t addr;
        uint64_t nonce;
};

/* The all-ones address of A bytes: "the neighbour", never a member's. */
uint64_t mgmt_addr_any(uint8_t addr_size);

/* Whether a is a member's address in a layer of A-byte addresses. */
bool     mgmt_addr_ok(uint8_t  addr_size,
                      uint64_t a);

/* The type of a mgmt packet: its first byte, or -EBADMSG if empty. */
int      mgmt_type(const uint8_t * buf,
                   size_t          len);

/* Writers: the length, -EINVAL (a field the parser would refuse) or
 * -EMSGSIZE (len too small). Parsers: 0 or -EBADMSG. */
ssize_t  mgmt_hello_write(uint8_t                   addr_size,
                          const struct mgmt_hello * h,
                          uint8_t *                 buf,
                          size_t                    len);
int      mgmt_hello_parse(uint8_t             addr_size,
                          const uint8_t *     buf,
                          size_t              len,
                          struct mgmt_hello * h);

ssize_t  mgmt_ka_write(uint8_t * buf,
                       size_t    len);
int      mgmt_ka_parse(const uint8_t * buf,
                       size_t          len);

/* type MGMT_T_CLAIM or MGMT_T_CONFLICT. */
ssize_t  mgmt_claim_write(uint8_t                   addr_size,
                          int                       type,
                          const struct mgmt_claim * c,
                          uint8_t *                 buf,
                          size_t                    len);
int      mgmt_claim_parse(uint8_t             addr_size,
                          int                 type,
                          const uint8_t *     buf,
                          size_t              len,
                          struct mgmt_claim * c);

/* The hello that opens a dt adjacency (a dt packet, above). */
ssize_t  mgmt_dt_hello_write(const struct dt_fmt *     f,
                             const struct mgmt_hello * h,
                             uint8_t *                 buf,
                             size_t                    len);
int      mgmt_dt_hello_parse(const struct dt_fmt * f,
                             const uint8_t *       buf,
                             size_t                len,
                             struct mgmt_hello *   h);

#endif /* OUROBOROS_IPCPD_UNICAST_WIRE_MGMT_H */
