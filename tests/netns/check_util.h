/*
 * Ouroboros netns tests - what the checkers (flowcheck.c, bccheck.c)
 * share: the mixer that derives every payload byte from (seed, seq),
 * big-endian 32-bit fields and the FNV-1a checksum of a packet whose
 * own checksum field counts as zeros.
 */
#ifndef OUROBOROS_TESTS_NETNS_CHECK_UTIL_H
#define OUROBOROS_TESTS_NETNS_CHECK_UTIL_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t mix(uint64_t x)
{
        x += 0x9e3779b97f4a7c15ULL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;

        return x ^ (x >> 31);
}

static inline void put32(uint8_t * p,
                         uint32_t  v)
{
        p[0] = v >> 24;
        p[1] = v >> 16;
        p[2] = v >> 8;
        p[3] = v;
}

static inline uint32_t get32(const uint8_t * p)
{
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 |
                (uint32_t) p[2] << 8 | p[3];
}

/* FNV-1a over len bytes of p, the 4-byte field at sum_off as zeros. */
static inline uint32_t fnv_sum(const uint8_t * p,
                               size_t          len,
                               size_t          sum_off)
{
        uint32_t h = 2166136261u;
        size_t   i;

        for (i = 0; i < len; ++i)
                h = (h ^ (i >= sum_off && i < sum_off + 4 ? 0 : p[i]))
                        * 16777619u;

        return h;
}

#endif /* OUROBOROS_TESTS_NETNS_CHECK_UTIL_H */
