/*
 * Ouroboros - big-endian field access for the IPCP wire formats (eth,
 * udp). Byte by byte, so no alignment or host layout is assumed.
 */
#ifndef OUROBOROS_IPCPD_MGMT_BE_H
#define OUROBOROS_IPCPD_MGMT_BE_H

#include <stdint.h>

static inline void be_put16(uint8_t * p, uint16_t v)
{
        p[0] = (uint8_t) (v >> 8);
        p[1] = (uint8_t) v;
}

static inline uint16_t be_get16(const uint8_t * p)
{
        return (uint16_t) ((p[0] << 8) | p[1]);
}

static inline void be_put32(uint8_t * p, uint32_t v)
{
        be_put16(p, (uint16_t) (v >> 16));
        be_put16(p + 2, (uint16_t) v);
}

static inline uint32_t be_get32(const uint8_t * p)
{
        return ((uint32_t) be_get16(p) << 16) | be_get16(p + 2);
}

static inline void be_put64(uint8_t * p, uint64_t v)
{
        be_put32(p, (uint32_t) (v >> 32));
        be_put32(p + 4, (uint32_t) v);
}

static inline uint64_t be_get64(const uint8_t * p)
{
        return ((uint64_t) be_get32(p) << 32) | be_get32(p + 4);
}

/* An n-byte (1..8) big-endian field: addresses and endpoint ids of the
 * widths a unicast layer configures. */
static inline void be_putn(uint8_t * p, uint64_t v, unsigned n)
{
        while (n-- > 0) {
                p[n] = (uint8_t) v;
                v >>= 8;
        }
}

/* The largest value an n-byte field holds. */
static inline uint64_t be_maxn(unsigned n)
{
        return n >= 8 ? UINT64_MAX : (((uint64_t) 1 << (8 * n)) - 1);
}

static inline uint64_t be_getn(const uint8_t * p, unsigned n)
{
        uint64_t v = 0;
        unsigned i;

        for (i = 0; i < n; i++)
                v = v << 8 | p[i];

        return v;
}

#endif /* OUROBOROS_IPCPD_MGMT_BE_H */
