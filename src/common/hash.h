/*
 * Ouroboros - hashing of names for directories (SHA3 through OpenSSL).
 */
#ifndef OUROBOROS_COMMON_HASH_H
#define OUROBOROS_COMMON_HASH_H

#include <ouroboros/irm.h>

#include <stddef.h>
#include <stdint.h>

#define HASH_MAX_LEN 64

/* Digest length of algo in bytes, or -EINVAL. */
int hash_len(enum hash_algo algo);

/* Hash name with algo into out (HASH_MAX_LEN bytes): the length or -errno. */
int hash_name(enum hash_algo algo,
              const char *   name,
              uint8_t *      out);

/* Hash len bytes at data with algo into out (HASH_MAX_LEN bytes): the
 * length or -errno. */
int hash_data(enum hash_algo algo,
              const void *   data,
              size_t         len,
              uint8_t *      out);

/* "SHA3_256" etc; NULL if out of range. */
const char *   hash_algo_str(enum hash_algo algo);

/* Parse "SHA3_256" (case-insensitive); -EINVAL if unknown. */
int hash_algo_parse(const char * s);

#endif /* OUROBOROS_COMMON_HASH_H */
