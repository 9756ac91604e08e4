/*
 * Ouroboros tests - the directory tests' random numbers: a xorshift
 * generator (rng is the state: set it for another sequence) and
 * random keys of KL bytes (defined by the test).
 */
#ifndef OUROBOROS_DHT_TESTS_RND_H
#define OUROBOROS_DHT_TESTS_RND_H

#include <stddef.h>
#include <stdint.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static inline uint64_t rnd(void)
{
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
}

static inline void rnd_key(uint8_t * k)
{
        size_t i;

        for (i = 0; i < KL; ++i)
                k[i] = (uint8_t) rnd();
}

#endif /* OUROBOROS_DHT_TESTS_RND_H */
