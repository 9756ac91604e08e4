/*
 * Ouroboros - hashing of names for directories (SHA3 through OpenSSL).
 */
#include "hash.h"
#include "ossl.h"

#include <openssl/evp.h>

#include <errno.h>
#include <string.h>
#include <strings.h>

static const struct {
        const char * name;
        const char * ossl;
        int          len;
} algos[] = {
        [HASH_SHA3_224] = { "SHA3_224", "SHA3-224", 28 },
        [HASH_SHA3_256] = { "SHA3_256", "SHA3-256", 32 },
        [HASH_SHA3_384] = { "SHA3_384", "SHA3-384", 48 },
        [HASH_SHA3_512] = { "SHA3_512", "SHA3-512", 64 },
};

#define N_ALGOS (sizeof(algos) / sizeof(algos[0]))

int hash_len(enum hash_algo algo)
{
        if ((unsigned) algo >= N_ALGOS)
                return -EINVAL;

        return algos[algo].len;
}

const char * hash_algo_str(enum hash_algo algo)
{
        if ((unsigned) algo >= N_ALGOS)
                return NULL;

        return algos[algo].name;
}

int hash_algo_parse(const char * s)
{
        size_t i;

        for (i = 0; i < N_ALGOS; ++i)
                if (strcasecmp(s, algos[i].name) == 0)
                        return (int) i;

        return -EINVAL;
}

int hash_data(enum hash_algo algo,
              const void *   data,
              size_t         len,
              uint8_t *      out)
{
        const EVP_MD * md;
        unsigned int   n = 0;

        if ((unsigned) algo >= N_ALGOS || (data == NULL && len > 0))
                return -EINVAL;

        if (ossl_init() < 0)
                return -EIO;

        md = EVP_get_digestbyname(algos[algo].ossl);
        if (md == NULL)
                return -ENOTSUP;

        if (EVP_Digest(data, len, out, &n, md, NULL) != 1)
                return -EIO;

        return (int) n;
}

int hash_name(enum hash_algo algo,
              const char *   name,
              uint8_t *      out)
{
        if (name == NULL)
                return -EINVAL;

        return hash_data(algo, name, strlen(name), out);
}
