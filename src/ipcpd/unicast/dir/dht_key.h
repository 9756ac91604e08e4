/*
 * Ouroboros - keys of the unicast layer's directory (Kademlia DHT) and
 * the XOR metric between them.
 *
 * A key is a name hash of the layer's hash algorithm (SHA3-224/256/
 * 384/512: 28, 32, 48 or 64 bytes); one DHT instance uses one length.
 * Node ids are keys too: a member's id is given by its owner (the
 * unicast IPCP uses the layer's hash of its address, 8 bytes
 * big-endian, so an id stays put across restarts; tests use random
 * ids). The distance between two keys is their XOR read as a big-endian
 * number: a key is closer to a target when, at the first bit where two
 * keys differ, it has the target's bit.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_DHT_KEY_H
#define OUROBOROS_IPCPD_UNICAST_DHT_KEY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DHT_KEY_MAX  64

/* 1 when len is a key length of a SHA3 digest, 0 otherwise. */
static inline int dht_klen_ok(size_t len)
{
        return len == 28 || len == 32 || len == 48 || len == 64;
}

/* -1 if a is closer to t than b, 1 if farther, 0 if a == b. */
static inline int dht_key_cmp(const uint8_t * t,
                              const uint8_t * a,
                              const uint8_t * b,
                              size_t          len)
{
        size_t i;

        for (i = 0; i < len; ++i) {
                uint8_t da = a[i] ^ t[i];
                uint8_t db = b[i] ^ t[i];
                if (da != db)
                        return da < db ? -1 : 1;
        }

        return 0;
}

/* The number of leading bits a and b share: 0..8 len (8 len: equal).
 * A contact goes to the k-bucket of this index from the member's id. */
static inline size_t dht_key_prefix(const uint8_t * a,
                                    const uint8_t * b,
                                    size_t          len)
{
        size_t i;

        for (i = 0; i < len; ++i) {
                uint8_t x = a[i] ^ b[i];
                size_t  n = 0;
                if (x == 0)
                        continue;
                while ((x & 0x80) == 0) {
                        x <<= 1;
                        ++n;
                }
                return i * 8 + n;
        }

        return len * 8;
}

static inline int dht_key_eq(const uint8_t * a,
                             const uint8_t * b,
                             size_t          len)
{
        return memcmp(a, b, len) == 0;
}

#endif /* OUROBOROS_IPCPD_UNICAST_DHT_KEY_H */
