/*
 * Ouroboros - the messages of the unicast layer's directory (Kademlia
 * DHT), exchanged between members over the layer's management flows.
 *
 * Wire format (version 1), every field big-endian, no padding; klen is
 * the instance's key length (28, 32, 48 or 64):
 *
 *   offset          size      field
 *        0             1      version  DHT_MSG_VERSION (1); others refused
 *        1             1      type     below
 *        2             1      klen     must equal the receiver's
 *        3             1      flags    0 (no flag is defined)
 *        4             4      reqid    request id; a reply echoes it
 *        8             8      src      address of the sender (!= 0)
 *       16             2      nc       number of contacts
 *       18             2      nv       number of values
 *       20          klen      id       node id of the sender
 *   20+klen         klen      key      the key looked up or stored
 *   20+2klen  nc(klen+8)      contacts id (klen) | address u64 (!= 0)
 *   ...            12 nv      values   address u64 (!= 0) | ttl u32:
 *                                      seconds the value has left
 *
 * So a message is exactly DHT_MSG_LEN(klen, nc, nv) bytes.
 *
 *   type                 nc               nv
 *   1 FIND_NODE          0                0
 *   2 FIND_VALUE         0                0
 *   3 STORE              0                1..DHT_MSG_VALS_MAX, ttl 0
 *                                         withdraws that address
 *   0x81 FIND_NODE_REP   0..CONTACTS_MAX  0
 *   0x82 FIND_VALUE_REP  0..CONTACTS_MAX  0..DHT_MSG_VALS_MAX, ttl >= 1
 *   0x83 STORE_REP       0                0
 *
 * A reply carries the request's type | 0x80, its reqid and key. A ping
 * (of the oldest contact of a full k-bucket) is a FIND_NODE for the
 * sender's own id: any reply proves the contact alive.
 *
 * dht_msg_parse is strict: exactly one well-formed message filling the
 * buffer, never longer than DHT_MSG_LEN_MAX; the encoding is canonical.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_DHT_MSG_H
#define OUROBOROS_IPCPD_UNICAST_DHT_MSG_H

#include "dht_key.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DHT_MSG_VERSION       1
#define DHT_MSG_HDR_LEN       20
#define DHT_MSG_CONTACTS_MAX  255  /* k is at most 255 */
#define DHT_MSG_VALS_MAX      64   /* addresses of one name in one message */
#define DHT_MSG_VAL_LEN       12
#define DHT_MSG_LEN(klen, nc, nv)                                       \
        (DHT_MSG_HDR_LEN + 2 * (size_t) (klen) +                        \
         (size_t) (nc) * ((size_t) (klen) + 8) +                        \
         (size_t) (nv) * DHT_MSG_VAL_LEN)
#define DHT_MSG_LEN_MAX                                                 \
        DHT_MSG_LEN(DHT_KEY_MAX, DHT_MSG_CONTACTS_MAX, DHT_MSG_VALS_MAX)

enum dht_msg_type {
        DHT_FIND_NODE      = 1,
        DHT_FIND_VALUE     = 2,
        DHT_STORE          = 3,
        DHT_REPLY          = 0x80,
        DHT_FIND_NODE_REP  = 0x81,
        DHT_FIND_VALUE_REP = 0x82,
        DHT_STORE_REP      = 0x83
};

struct dht_contact {
        uint8_t  id[DHT_KEY_MAX];
        uint64_t addr;
};

struct dht_val {
        uint64_t addr;
        uint32_t ttl;   /* seconds left */
};

/* A decoded message, about 22 KiB: one per DHT instance. */
struct dht_msg {
        uint8_t            type;
        uint8_t            klen;
        uint32_t           reqid;
        uint64_t           src;
        uint8_t            id[DHT_KEY_MAX];
        uint8_t            key[DHT_KEY_MAX];
        uint16_t           nc;
        uint16_t           nv;
        struct dht_contact contacts[DHT_MSG_CONTACTS_MAX];
        struct dht_val     vals[DHT_MSG_VALS_MAX];
};

/* Check m the way dht_msg_parse checks what it reads. Returns 0, or:
 *   -EINVAL      unknown type, src, a contact or a value address 0
 *   -EKEYREJECTED klen is not a SHA3 digest length
 *   -E2BIG       nc or nv above its maximum
 *   -EPROTO      counts the type does not allow (table above)
 *   -ERANGE      a reply's value with ttl 0 */
int     dht_msg_check(const struct dht_msg * m);

/* Encode m into buf (cap bytes). Returns its length, an error of
 * dht_msg_check, or -ENOBUFS. */
ssize_t dht_msg_encode(uint8_t *              buf,
                       size_t                 cap,
                       const struct dht_msg * m);

/* Decode the n bytes at buf, for an instance of key length klen, into
 * m. Returns 0, an error of dht_msg_check, or:
 *   -EMSGSIZE         n above DHT_MSG_LEN_MAX (refused unread)
 *   -EBADMSG          shorter than the header or than its counts say
 *   -EPROTONOSUPPORT  version is not DHT_MSG_VERSION
 *   -EINVAL           a flag set
 *   -EKEYREJECTED     klen of the message is not the instance's
 *   -EPROTO           bytes left after the last value */
int     dht_msg_parse(const uint8_t *  buf,
                      size_t           n,
                      size_t           klen,
                      struct dht_msg * m);

#endif /* OUROBOROS_IPCPD_UNICAST_DHT_MSG_H */
