/*
 * Ouroboros - what the tests of crypt.[ch] share: the two ends of one
 * encrypted flow from a fresh key exchange, packet fillers and hex.
 */
#ifndef OUROBOROS_COMMON_TESTS_CRYPT_PAIR_H
#define OUROBOROS_COMMON_TESTS_CRYPT_PAIR_H

#include "common/crypt.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define MAX_PKT 65000
#define EPOCH_LEN (1ULL << CRYPT_EPOCH_BITS)

/* Two ends of one flow: a is side 0, b is side 1. */
struct pair {
        struct crypt_flow * a;
        struct crypt_flow * b;
};

static inline int pair_new(struct pair * p)
{
        struct crypt_kex * ka;
        struct crypt_kex * kb;
        uint8_t            pa[CRYPT_PUBKEY_LEN];
        uint8_t            pb[CRYPT_PUBKEY_LEN];

        if (crypt_kex_new(&ka, pa) < 0)
                return -1;
        if (crypt_kex_new(&kb, pb) < 0) {
                crypt_kex_free(ka);
                return -1;
        }
        if (crypt_flow_new(ka, pb, 0, &p->a) < 0) {
                crypt_kex_free(kb);
                return -1;
        }
        if (crypt_flow_new(kb, pa, 1, &p->b) < 0) {
                crypt_flow_free(p->a);
                return -1;
        }
        return 0;
}

static inline void pair_free(struct pair * p)
{
        crypt_flow_free(p->a);
        crypt_flow_free(p->b);
}

static inline void fill(uint8_t * buf, size_t len, unsigned seed)
{
        size_t i;

        for (i = 0; i < len; ++i)
                buf[i] = (uint8_t) (i * 131 + seed * 7 + 1);
}

static inline bool all_zero(const uint8_t * buf, size_t len)
{
        size_t i;

        for (i = 0; i < len; ++i)
                if (buf[i] != 0)
                        return false;
        return true;
}

static inline void hex2bin(const char * hex, uint8_t * out, size_t len)
{
        size_t i;

        for (i = 0; i < len; ++i) {
                unsigned v;
                sscanf(hex + 2 * i, "%2x", &v);
                out[i] = (uint8_t) v;
        }
}

#endif /* OUROBOROS_COMMON_TESTS_CRYPT_PAIR_H */
