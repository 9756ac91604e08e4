/*
 * Ouroboros - initialise libcrypto once, without its atexit cleanup
 * (see ossl.h).
 */
#include "ossl.h"

#include <ouroboros/errno.h>

#include <openssl/crypto.h>

#include <pthread.h>
#include <stdbool.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool           ok;

static void init(void)
{
        ok = OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL) == 1;
}

int ossl_init(void)
{
        pthread_once(&once, init);

        return ok ? 0 : -ECRYPT;
}
