/*
 * Ouroboros - what crypt.c needs of the key exchange (crypt_kex.c),
 * not for other users: they have crypt.h.
 */
#ifndef OUROBOROS_COMMON_CRYPT_KEX_H
#define OUROBOROS_COMMON_CRYPT_KEX_H

#include "crypt.h"

#include <openssl/evp.h>

#include <stdint.h>

#define CRYPT_SECRET_LEN 32 /* X25519 shared secret */

struct crypt_kex {
        EVP_PKEY * pkey;
        uint8_t    pub[CRYPT_PUBKEY_LEN];
};

/* X25519(kex's private key, peer_pub) into secret: 0, or -ECRYPT (and
 * secret wiped) on failure or an all-zero result. */
int crypt_kex_derive(const struct crypt_kex * kex,
                     const uint8_t            peer_pub[CRYPT_PUBKEY_LEN],
                     uint8_t                  secret[CRYPT_SECRET_LEN]);

#endif /* OUROBOROS_COMMON_CRYPT_KEX_H */
