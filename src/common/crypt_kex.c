/*
 * Ouroboros - the key exchange of flow encryption (crypt.h's
 * crypt_kex_*): an ephemeral X25519 key pair per allocation, and the
 * shared secret crypt_flow_new derives the flow's keys from
 * (crypt_kex.h). The private key never leaves its EVP_PKEY, which
 * cleanses it when freed.
 */
#include "crypt.h"
#include "crypt_kex.h"
#include "ossl.h"

#include <ouroboros/errno.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdlib.h>
#include <string.h>

static int kex_wrap(EVP_PKEY *          pkey,
                    struct crypt_kex ** kex,
                    uint8_t             pub[CRYPT_PUBKEY_LEN])
{
        struct crypt_kex * k;
        size_t             len = CRYPT_PUBKEY_LEN;

        k = calloc(1, sizeof(*k));
        if (k == NULL) {
                EVP_PKEY_free(pkey);
                return -ENOMEM;
        }

        k->pkey = pkey;

        if (EVP_PKEY_get_raw_public_key(pkey, k->pub, &len) != 1
            || len != CRYPT_PUBKEY_LEN) {
                crypt_kex_free(k);
                return -ECRYPT;
        }

        memcpy(pub, k->pub, CRYPT_PUBKEY_LEN);
        *kex = k;

        return 0;
}

int crypt_kex_new(struct crypt_kex ** kex,
                  uint8_t             pub[CRYPT_PUBKEY_LEN])
{
        EVP_PKEY * pkey;

        if (kex == NULL || pub == NULL)
                return -EINVAL;

        if (ossl_init() < 0)
                return -ECRYPT;

        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
        if (pkey == NULL)
                return -ECRYPT;

        return kex_wrap(pkey, kex, pub);
}

int crypt_kex_from_priv(struct crypt_kex ** kex,
                        const uint8_t       priv[CRYPT_PRIVKEY_LEN],
                        uint8_t             pub[CRYPT_PUBKEY_LEN])
{
        EVP_PKEY * pkey;

        if (kex == NULL || priv == NULL || pub == NULL)
                return -EINVAL;

        if (ossl_init() < 0)
                return -ECRYPT;

        pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL,
                                            priv, CRYPT_PRIVKEY_LEN);
        if (pkey == NULL)
                return -ECRYPT;

        return kex_wrap(pkey, kex, pub);
}

void crypt_kex_free(struct crypt_kex * kex)
{
        if (kex == NULL)
                return;

        EVP_PKEY_free(kex->pkey); /* cleanses the private key */
        OPENSSL_cleanse(kex, sizeof(*kex));
        free(kex);
}

int crypt_kex_derive(const struct crypt_kex * kex,
                     const uint8_t            peer_pub[CRYPT_PUBKEY_LEN],
                     uint8_t                  secret[CRYPT_SECRET_LEN])
{
        static const uint8_t zero[CRYPT_SECRET_LEN];
        EVP_PKEY *           peer;
        EVP_PKEY_CTX *       ctx;
        size_t               len = CRYPT_SECRET_LEN;
        int                  ret = -ECRYPT;

        peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL,
                                           peer_pub, CRYPT_PUBKEY_LEN);
        if (peer == NULL)
                return -ECRYPT;

        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, kex->pkey, NULL);
        if (ctx == NULL)
                goto out_peer;

        if (EVP_PKEY_derive_init(ctx) != 1
            || EVP_PKEY_derive_set_peer(ctx, peer) != 1
            || EVP_PKEY_derive(ctx, secret, &len) != 1
            || len != CRYPT_SECRET_LEN)
                goto out_ctx;

        /* OpenSSL already refuses a small-order peer; do not rely on it. */
        if (CRYPTO_memcmp(secret, zero, CRYPT_SECRET_LEN) == 0)
                goto out_ctx;

        ret = 0;
 out_ctx:
        EVP_PKEY_CTX_free(ctx);
 out_peer:
        EVP_PKEY_free(peer);
        if (ret < 0)
                OPENSSL_cleanse(secret, CRYPT_SECRET_LEN);
        return ret;
}
