/*
 * Ouroboros - OpenSSL initialisation shared by crypt.c and hash.c.
 *
 * OpenSSL cleans up its global state in an atexit handler unless told
 * not to. A process that exits while another of its threads is inside
 * OpenSSL (a server's acceptor thread generating the key pair of its
 * next flow_accept, a name being hashed) would then have that thread use
 * freed locks and tables: a crash at exit, or a ThreadSanitizer report.
 * ossl_init() initialises libcrypto once without that handler (the
 * kernel reclaims the memory). It must come before any other OpenSSL
 * call of ours; if the application initialised OpenSSL itself first,
 * its choice stands.
 */
#ifndef OUROBOROS_COMMON_OSSL_H
#define OUROBOROS_COMMON_OSSL_H

/* 0, or -ECRYPT if libcrypto cannot be initialised. */
int ossl_init(void);

#endif /* OUROBOROS_COMMON_OSSL_H */
