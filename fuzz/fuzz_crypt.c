/*
 * Ouroboros - libFuzzer target for packet decryption: arbitrary bytes fed
 * to crypt_decrypt of a flow with fixed keys must be rejected cleanly
 * (never read or write out of bounds, never accepted without the key).
 *
 * Sources: src/common/crypt.c
 */
#include "common/crypt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct crypt_flow * rx;

static void setup(void)
{
        uint8_t            priv_a[CRYPT_PRIVKEY_LEN];
        uint8_t            priv_b[CRYPT_PRIVKEY_LEN];
        uint8_t            pub_a[CRYPT_PUBKEY_LEN];
        uint8_t            pub_b[CRYPT_PUBKEY_LEN];
        struct crypt_kex * a;
        struct crypt_kex * b;
        struct crypt_flow * tx;

        memset(priv_a, 0x11, sizeof(priv_a));
        memset(priv_b, 0x22, sizeof(priv_b));
        if (crypt_kex_from_priv(&a, priv_a, pub_a) < 0 ||
            crypt_kex_from_priv(&b, priv_b, pub_b) < 0)
                abort();
        if (crypt_flow_new(a, pub_b, 0, &tx) < 0 ||
            crypt_flow_new(b, pub_a, 1, &rx) < 0)
                abort();
        crypt_flow_free(tx);
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        static uint8_t out[70000];

        if (rx == NULL)
                setup();

        if (crypt_decrypt(rx, data, size, out, sizeof(out)) >= 0)
                abort(); /* forged without the key */

        return 0;
}
