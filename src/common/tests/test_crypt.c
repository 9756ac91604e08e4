/*
 * Ouroboros - tests of per-flow authenticated encryption (crypt.[ch]).
 *
 * Key agreement between two sides, round trips, fresh nonces, tamper,
 * truncation, replay and reordering against a reference model, third
 * parties, misuse of sides and buffers, RFC 7748 known answers through
 * crypt_kex_from_priv with an independent decryption (pins the wire
 * format and the key rotation), rotations across 3.5 epochs with
 * stragglers and epochs lost in a row, drop counters, the private-copy
 * path, concurrent encrypt/decrypt, and a timing of the data path.
 * Prints "N passed, N failed"; exits non-zero on any failure.
 */
#include "common/crypt.h"

#include "../../../tests/check.h"

#include <ouroboros/errno.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PKT 65000
#define EPOCH_LEN (1ULL << CRYPT_EPOCH_BITS)

/* Two ends of one flow: a is side 0, b is side 1. */
struct pair {
        struct crypt_flow * a;
        struct crypt_flow * b;
};

static int pair_new(struct pair * p)
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

static void pair_free(struct pair * p)
{
        crypt_flow_free(p->a);
        crypt_flow_free(p->b);
}

static void fill(uint8_t * buf, size_t len, unsigned seed)
{
        size_t i;

        for (i = 0; i < len; ++i)
                buf[i] = (uint8_t) (i * 131 + seed * 7 + 1);
}

static bool all_zero(const uint8_t * buf, size_t len)
{
        size_t i;

        for (i = 0; i < len; ++i)
                if (buf[i] != 0)
                        return false;
        return true;
}

static void hex2bin(const char * hex, uint8_t * out, size_t len)
{
        size_t i;

        for (i = 0; i < len; ++i) {
                unsigned v;
                sscanf(hex + 2 * i, "%2x", &v);
                out[i] = (uint8_t) v;
        }
}

static uint8_t * pt;
static uint8_t * ct;
static uint8_t * dt;

static void test_roundtrip(void)
{
        static const size_t lens[] = { 0, 1, 64, 1500, MAX_PKT };
        struct pair         p;
        size_t              i;
        int                 dir;

        CHECK(pair_new(&p) == 0);

        for (dir = 0; dir < 2; ++dir) {
                struct crypt_flow * tx = dir == 0 ? p.a : p.b;
                struct crypt_flow * rx = dir == 0 ? p.b : p.a;
                for (i = 0; i < sizeof(lens) / sizeof(lens[0]); ++i) {
                        size_t  len = lens[i];
                        ssize_t n;
                        fill(pt, len, (unsigned) (i + 10 * dir));
                        n = crypt_encrypt(tx, pt, len, ct,
                                          len + CRYPT_OVERHEAD);
                        CHECK(n == (ssize_t) (len + CRYPT_OVERHEAD));
                        memset(dt, 0xAA, len + 1);
                        n = crypt_decrypt(rx, ct, (size_t) n, dt, len);
                        CHECK(n == (ssize_t) len);
                        CHECK(memcmp(pt, dt, len) == 0);
                        /* the sender cannot read its own packets */
                        n = crypt_encrypt(tx, pt, len, ct,
                                          len + CRYPT_OVERHEAD);
                        CHECK(crypt_decrypt(tx, ct, (size_t) n, dt, len)
                              == -EBADMSG);
                }
        }

        pair_free(&p);
}

static void test_fresh_nonce(void)
{
        struct pair p;
        uint8_t     c1[64 + CRYPT_OVERHEAD];
        uint8_t     c2[64 + CRYPT_OVERHEAD];
        uint8_t     out[64];
        uint64_t    k;

        CHECK(pair_new(&p) == 0);
        fill(pt, 64, 3);

        CHECK(crypt_encrypt(p.a, pt, 64, c1, sizeof(c1)) == sizeof(c1));
        CHECK(crypt_encrypt(p.a, pt, 64, c2, sizeof(c2)) == sizeof(c2));
        /* payload is not sent in clear, nor twice the same */
        CHECK(memcmp(c1 + CRYPT_HDR_LEN, pt, 64) != 0);
        CHECK(memcmp(c1 + CRYPT_HDR_LEN, c2 + CRYPT_HDR_LEN, 64) != 0);
        CHECK(memcmp(c1 + CRYPT_HDR_LEN + 64, c2 + CRYPT_HDR_LEN + 64,
                     CRYPT_TAG_LEN) != 0);
        /* header: u64 LE counter 0, then 1 */
        CHECK(all_zero(c1, 8));
        CHECK(c2[0] == 1 && all_zero(c2 + 1, 7));
        for (k = 2; k < 1000; ++k) {
                CHECK(crypt_encrypt(p.a, pt, 64, c2, sizeof(c2))
                      == sizeof(c2));
                if (c2[0] != (uint8_t) k || c2[1] != (uint8_t) (k >> 8))
                        break;
        }
        CHECK(k == 1000);
        CHECK(crypt_decrypt(p.b, c1, sizeof(c1), out, 64) == 64);
        CHECK(crypt_decrypt(p.b, c2, sizeof(c2), out, 64) == 64);
        CHECK(memcmp(out, pt, 64) == 0);

        pair_free(&p);
}

/* Every single-bit flip anywhere (counter, ciphertext, tag) fails
 * authentication, leaves no plaintext behind and does not move the
 * window: the untouched packet is accepted afterwards. */
static void test_tamper(void)
{
        struct pair p;
        uint8_t     pkt[64 + CRYPT_OVERHEAD];
        uint8_t     bad[64 + CRYPT_OVERHEAD];
        uint8_t     out[64];
        size_t      bit;
        int         k;
        int         fails = 0;

        CHECK(pair_new(&p) == 0);
        fill(pt, 64, 5);

        for (k = 0; k < 6; ++k) /* counters 0..4 are never delivered */
                CHECK(crypt_encrypt(p.a, pt, 64, pkt, sizeof(pkt))
                      == sizeof(pkt));

        for (bit = 0; bit < sizeof(pkt) * 8; ++bit) {
                memcpy(bad, pkt, sizeof(pkt));
                bad[bit / 8] ^= (uint8_t) (1 << (bit % 8));
                memset(out, 0xAA, sizeof(out));
                if (crypt_decrypt(p.b, bad, sizeof(bad), out, 64)
                    != -EBADMSG || !all_zero(out, 64))
                        ++fails;
        }
        CHECK(fails == 0);

        CHECK(crypt_decrypt(p.b, pkt, sizeof(pkt), out, 64) == 64);
        CHECK(memcmp(out, pt, 64) == 0);

        pair_free(&p);
}

static void test_truncate(void)
{
        struct pair p;
        uint8_t     pkt[100 + CRYPT_OVERHEAD + 1];
        uint8_t     out[101];
        size_t      len;
        int         fails = 0;

        CHECK(pair_new(&p) == 0);
        fill(pt, 100, 6);
        CHECK(crypt_encrypt(p.a, pt, 100, pkt, sizeof(pkt))
              == 100 + CRYPT_OVERHEAD);

        for (len = 0; len < 100 + CRYPT_OVERHEAD; ++len)
                if (crypt_decrypt(p.b, pkt, len, out, sizeof(out))
                    != -EBADMSG)
                        ++fails;
        CHECK(fails == 0);
        pkt[100 + CRYPT_OVERHEAD] = 0; /* one byte too many */
        CHECK(crypt_decrypt(p.b, pkt, sizeof(pkt), out, sizeof(out))
              == -EBADMSG);
        CHECK(crypt_decrypt(p.b, pkt, 100 + CRYPT_OVERHEAD, out, 99)
              == -EMSGSIZE);
        CHECK(crypt_decrypt(p.b, pkt, 100 + CRYPT_OVERHEAD, out, 100)
              == 100);
        CHECK(crypt_encrypt(p.a, pt, 100, pkt, 100 + CRYPT_OVERHEAD - 1)
              == -EMSGSIZE);

        pair_free(&p);
}

static void test_replay(void)
{
        struct pair p;
        uint8_t     pkt[10][32 + CRYPT_OVERHEAD];
        uint8_t     out[32];
        int         k;

        CHECK(pair_new(&p) == 0);
        fill(pt, 32, 7);
        for (k = 0; k < 10; ++k)
                CHECK(crypt_encrypt(p.a, pt, 32, pkt[k], sizeof(pkt[k]))
                      == sizeof(pkt[k]));

        CHECK(crypt_decrypt(p.b, pkt[0], sizeof(pkt[0]), out, 32) == 32);
        CHECK(crypt_decrypt(p.b, pkt[0], sizeof(pkt[0]), out, 32)
              == -ESTALE);
        CHECK(crypt_decrypt(p.b, pkt[5], sizeof(pkt[5]), out, 32) == 32);
        CHECK(crypt_decrypt(p.b, pkt[5], sizeof(pkt[5]), out, 32)
              == -ESTALE);
        /* out of order within the window: accepted once */
        CHECK(crypt_decrypt(p.b, pkt[3], sizeof(pkt[3]), out, 32) == 32);
        CHECK(crypt_decrypt(p.b, pkt[3], sizeof(pkt[3]), out, 32)
              == -ESTALE);
        CHECK(crypt_decrypt(p.b, pkt[9], sizeof(pkt[9]), out, 32) == 32);
        CHECK(crypt_decrypt(p.b, pkt[1], sizeof(pkt[1]), out, 32) == 32);
        CHECK(crypt_decrypt(p.b, pkt[0], sizeof(pkt[0]), out, 32)
              == -ESTALE);
        CHECK(memcmp(out, pt, 32) == 0);

        pair_free(&p);
}

/*
 * Deliver NPKT packets in a random order with duplicates and compare
 * every verdict with a reference model of a window of W counters:
 * accept ctr iff never accepted and ctr + W >= highest accepted.
 */
#define NPKT 20000
#define PLEN 16
static void test_window_model(void)
{
        struct pair p;
        uint8_t *   pkts;
        bool *      seen;
        uint64_t    hi      = 0;
        bool        any     = false;
        uint64_t    base    = 0;
        int         wrong   = 0;
        int         ok      = 0;
        int         stale   = 0;
        unsigned    rnd     = 12345;
        int         step;
        uint8_t     out[PLEN];
        size_t      sz = PLEN + CRYPT_OVERHEAD;
        uint64_t    k;

        pkts = malloc(NPKT * sz);
        seen = calloc(NPKT, sizeof(*seen));
        CHECK(pkts != NULL && seen != NULL);
        if (pkts == NULL || seen == NULL)
                goto out;

        CHECK(pair_new(&p) == 0);
        fill(pt, PLEN, 8);
        for (k = 0; k < NPKT; ++k)
                if (crypt_encrypt(p.a, pt, PLEN, pkts + k * sz, sz)
                    != (ssize_t) sz)
                        ++wrong;

        for (step = 0; step < 4 * NPKT; ++step) {
                int64_t  off;
                uint64_t c;
                bool     expect;
                ssize_t  n;

                rnd = rnd * 1103515245 + 12345;
                off = (int64_t) ((rnd >> 8) % 2300) - 2200; /* back */
                if ((rnd >> 4) % 8 == 0)
                        base += (rnd >> 12) % 40;           /* ahead */
                if (base >= NPKT)
                        break;
                if ((int64_t) base + off < 0)
                        off = -(int64_t) base;
                c = base + (uint64_t) off;

                expect = !seen[c] && (!any || c + CRYPT_REPLAY_WINDOW >= hi);
                n = crypt_decrypt(p.b, pkts + c * sz, sz, out, PLEN);
                if (expect != (n == PLEN) || (!expect && n != -ESTALE))
                        ++wrong;
                if (n == PLEN) {
                        ++ok;
                        seen[c] = true;
                        if (!any || c > hi)
                                hi = c;
                        any = true;
                } else {
                        ++stale;
                }
        }
        CHECK(wrong == 0);
        CHECK(ok > 1000 && stale > 1000); /* both verdicts exercised */

        pair_free(&p);
 out:
        free(pkts);
        free(seen);
}

static void test_third_party(void)
{
        struct pair         p;
        struct crypt_kex *  ka;
        struct crypt_kex *  kc;
        struct crypt_flow * c;
        uint8_t             pa[CRYPT_PUBKEY_LEN];
        uint8_t             pc[CRYPT_PUBKEY_LEN];
        uint8_t             pkt[64 + CRYPT_OVERHEAD];
        uint8_t             out[64];

        CHECK(pair_new(&p) == 0);
        fill(pt, 64, 9);

        /* c completes a key exchange with a's public key, as side 1 */
        CHECK(crypt_kex_new(&ka, pa) == 0);
        CHECK(crypt_kex_new(&kc, pc) == 0);
        crypt_kex_free(ka);
        CHECK(crypt_flow_new(kc, pa, 1, &c) == 0);

        CHECK(crypt_encrypt(p.a, pt, 64, pkt, sizeof(pkt)) == sizeof(pkt));
        CHECK(crypt_decrypt(c, pkt, sizeof(pkt), out, 64) == -EBADMSG);
        CHECK(crypt_encrypt(c, pt, 64, pkt, sizeof(pkt)) == sizeof(pkt));
        CHECK(crypt_decrypt(p.a, pkt, sizeof(pkt), out, 64) == -EBADMSG);

        crypt_flow_free(c);
        pair_free(&p);
}

/* Both ends claim side 0: nothing decrypts, and the two send keys
 * differ (salt order), so no key/nonce pair is ever used twice. */
static void test_same_side(void)
{
        struct crypt_kex *  ka;
        struct crypt_kex *  kb;
        struct crypt_flow * a;
        struct crypt_flow * b;
        uint8_t             pa[CRYPT_PUBKEY_LEN];
        uint8_t             pb[CRYPT_PUBKEY_LEN];
        uint8_t             c1[64 + CRYPT_OVERHEAD];
        uint8_t             c2[64 + CRYPT_OVERHEAD];
        uint8_t             out[64];

        CHECK(crypt_kex_new(&ka, pa) == 0);
        CHECK(crypt_kex_new(&kb, pb) == 0);
        CHECK(crypt_flow_new(ka, pb, 0, &a) == 0);
        CHECK(crypt_flow_new(kb, pa, 0, &b) == 0);
        fill(pt, 64, 10);
        CHECK(crypt_encrypt(a, pt, 64, c1, sizeof(c1)) == sizeof(c1));
        CHECK(crypt_encrypt(b, pt, 64, c2, sizeof(c2)) == sizeof(c2));
        CHECK(memcmp(c1, c2, CRYPT_HDR_LEN) == 0);       /* same counter */
        CHECK(memcmp(c1 + CRYPT_HDR_LEN, c2 + CRYPT_HDR_LEN, 64) != 0);
        CHECK(crypt_decrypt(b, c1, sizeof(c1), out, 64) == -EBADMSG);
        CHECK(crypt_decrypt(a, c2, sizeof(c2), out, 64) == -EBADMSG);
        crypt_flow_free(a);
        crypt_flow_free(b);
}

static void test_bad_args(void)
{
        static const uint8_t zero[CRYPT_PUBKEY_LEN];
        uint8_t              one[CRYPT_PUBKEY_LEN] = { 1 };
        struct crypt_kex *   k;
        struct crypt_flow *  f = NULL;
        uint8_t              pub[CRYPT_PUBKEY_LEN];
        uint8_t              buf[64];
        struct pair          p;

        CHECK(crypt_kex_new(NULL, pub) == -EINVAL);
        CHECK(crypt_kex_new(&k, NULL) == -EINVAL);
        CHECK(crypt_flow_new(NULL, zero, 0, &f) == -EINVAL);

        /* small-order peer keys give an all-zero secret: refused */
        CHECK(crypt_kex_new(&k, pub) == 0);
        CHECK(crypt_flow_new(k, zero, 0, &f) == -ECRYPT);
        CHECK(crypt_kex_new(&k, pub) == 0);
        CHECK(crypt_flow_new(k, one, 1, &f) == -ECRYPT);
        /* reflected key, bad side (kex consumed on all paths: ASan) */
        CHECK(crypt_kex_new(&k, pub) == 0);
        CHECK(crypt_flow_new(k, pub, 0, &f) == -EINVAL);
        CHECK(crypt_kex_new(&k, pub) == 0);
        CHECK(crypt_flow_new(k, one, 2, &f) == -EINVAL);
        CHECK(crypt_kex_new(&k, pub) == 0);
        CHECK(crypt_flow_new(k, one, 0, NULL) == -EINVAL);
        CHECK(f == NULL);
        crypt_kex_free(NULL);
        crypt_flow_free(NULL);

        CHECK(pair_new(&p) == 0);
        CHECK(crypt_encrypt(NULL, buf, 1, buf, 64) == -EINVAL);
        CHECK(crypt_encrypt(p.a, NULL, 1, buf, 64) == -EINVAL);
        CHECK(crypt_encrypt(p.a, buf, 1, NULL, 64) == -EINVAL);
        CHECK(crypt_encrypt(p.a, buf, CRYPT_MAX_LEN + 1, buf, 64)
              == -EMSGSIZE);
        CHECK(crypt_encrypt(p.a, buf, 8, buf, 64) == -EINVAL); /* overlap */
        CHECK(crypt_encrypt(p.a, buf + 4, 8, buf, 64) == -EINVAL);
        CHECK(crypt_decrypt(p.b, NULL, 30, buf, 64) == -EINVAL);
        CHECK(crypt_decrypt(p.b, buf, 30, buf, 64) == -EINVAL); /* overlap */
        pair_free(&p);
}

/* In place: the payload sits behind CRYPT_HDR_LEN bytes of headroom. */
static void test_in_place(void)
{
        struct pair p;
        uint8_t     buf[1500 + CRYPT_OVERHEAD];
        ssize_t     n;

        CHECK(pair_new(&p) == 0);
        fill(pt, 1500, 11);
        memcpy(buf + CRYPT_HDR_LEN, pt, 1500);
        n = crypt_encrypt(p.a, buf + CRYPT_HDR_LEN, 1500, buf, sizeof(buf));
        CHECK(n == (ssize_t) sizeof(buf));
        CHECK(memcmp(buf + CRYPT_HDR_LEN, pt, 1500) != 0);
        n = crypt_decrypt(p.b, buf, sizeof(buf), buf + CRYPT_HDR_LEN, 1500);
        CHECK(n == 1500);
        CHECK(memcmp(buf + CRYPT_HDR_LEN, pt, 1500) == 0);
        pair_free(&p);
}

/* ---- RFC 7748 section 6.1 through crypt_kex_from_priv ------------- */

#define A_PRIV "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
#define A_PUB  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
#define B_PRIV "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
#define B_PUB  "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
#define K_AB   "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
/* Alice (side 0) seals "ouroboros" as her first packet (counter 0).
 * A regression pin of the whole wire format: counter, nonce, keys. */
#define A_PKT0 "0000000000000000" "2e3c30b520e38b23c24431da36" \
               "8a4d9d5ac202930d9173579d"

/* Independent HKDF-SHA3-256 from the RFC's shared secret. */
static int ref_key(const uint8_t * k, const uint8_t * salt,
                   const char * info, uint8_t * key)
{
        EVP_KDF *     kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
        EVP_KDF_CTX * c   = EVP_KDF_CTX_new(kdf);
        OSSL_PARAM    prm[5];
        int           ret;

        prm[0] = OSSL_PARAM_construct_utf8_string("digest",
                                                  (char *) "SHA3-256", 0);
        prm[1] = OSSL_PARAM_construct_octet_string("key", (void *) k, 32);
        prm[2] = OSSL_PARAM_construct_octet_string("salt", (void *) salt,
                                                   64);
        prm[3] = OSSL_PARAM_construct_octet_string("info", (void *) info,
                                                   strlen(info));
        prm[4] = OSSL_PARAM_construct_end();
        ret = EVP_KDF_derive(c, key, 32, prm) == 1 ? 0 : -1;
        EVP_KDF_CTX_free(c);
        EVP_KDF_free(kdf);
        return ret;
}

/* The next epoch's key: HKDF-SHA3-256(ikm = key, no salt, info). */
static int ref_rekey(uint8_t * key)
{
        EVP_KDF *     kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
        EVP_KDF_CTX * c   = EVP_KDF_CTX_new(kdf);
        OSSL_PARAM    prm[4];
        uint8_t       in[32];
        int           ret;

        memcpy(in, key, 32);
        prm[0] = OSSL_PARAM_construct_utf8_string("digest",
                                                  (char *) "SHA3-256", 0);
        prm[1] = OSSL_PARAM_construct_octet_string("key", in, 32);
        prm[2] = OSSL_PARAM_construct_octet_string("info",
                                                   (char *) "ouroboros rekey",
                                                   15);
        prm[3] = OSSL_PARAM_construct_end();
        ret = EVP_KDF_derive(c, key, 32, prm) == 1 ? 0 : -1;
        EVP_KDF_CTX_free(c);
        EVP_KDF_free(kdf);
        return ret;
}

/* Independent AES-256-GCM with nonce 0^4 | LE64(ctr). */
static int ref_gcm(int enc, const uint8_t * key, uint64_t ctr,
                   const uint8_t * in, int len, uint8_t * out,
                   uint8_t * tag)
{
        EVP_CIPHER_CTX * c = EVP_CIPHER_CTX_new();
        uint8_t          iv[12] = { 0 };
        int              n;
        int              ok;
        int              i;

        for (i = 0; i < 8; ++i)
                iv[4 + i] = (uint8_t) (ctr >> (8 * i));
        ok = EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv, enc)
                == 1;
        ok = ok && EVP_CipherUpdate(c, out, &n, in, len) == 1;
        if (!enc)
                ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG,
                                               16, tag) == 1;
        ok = ok && EVP_CipherFinal_ex(c, out + n, &n) == 1;
        if (enc)
                ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG,
                                               16, tag) == 1;
        EVP_CIPHER_CTX_free(c);
        return ok ? 0 : -1;
}

/* Seal a packet with the reference code under any counter. */
static size_t ref_seal(const uint8_t * key, uint64_t ctr,
                       const uint8_t * in, int len, uint8_t * pkt)
{
        int i;

        for (i = 0; i < 8; ++i)
                pkt[i] = (uint8_t) (ctr >> (8 * i));
        if (ref_gcm(1, key, ctr, in, len, pkt + 8, pkt + 8 + len) < 0)
                return 0;
        return (size_t) len + CRYPT_OVERHEAD;
}

static void test_rfc7748(void)
{
        struct crypt_kex *  ka;
        struct crypt_kex *  kb;
        struct crypt_flow * a;
        struct crypt_flow * b;
        uint8_t             priv[32];
        uint8_t             pa[32];
        uint8_t             pb[32];
        uint8_t             want[32];
        uint8_t             k[32];
        uint8_t             salt[64];
        uint8_t             k01[32];
        uint8_t             k10[32];
        uint8_t             k1[32];
        uint8_t             k2[32];
        uint8_t             k3[32];
        uint8_t             pkt[64];
        uint8_t             out[64];
        uint8_t             tag[16];
        ssize_t             n;
        size_t              m;
        int                 i;
        char                hex[2 * sizeof(pkt) + 1];

        hex2bin(A_PRIV, priv, 32);
        CHECK(crypt_kex_from_priv(&ka, priv, pa) == 0);
        hex2bin(A_PUB, want, 32);
        CHECK(memcmp(pa, want, 32) == 0);
        hex2bin(B_PRIV, priv, 32);
        CHECK(crypt_kex_from_priv(&kb, priv, pb) == 0);
        hex2bin(B_PUB, want, 32);
        CHECK(memcmp(pb, want, 32) == 0);
        CHECK(crypt_flow_new(ka, pb, 0, &a) == 0);
        CHECK(crypt_flow_new(kb, pa, 1, &b) == 0);

        /* The keys the design specifies, from the RFC's K. */
        hex2bin(K_AB, k, 32);
        memcpy(salt, pa, 32);
        memcpy(salt + 32, pb, 32);
        CHECK(ref_key(k, salt, "ouroboros flow 0->1", k01) == 0);
        CHECK(ref_key(k, salt, "ouroboros flow 1->0", k10) == 0);

        /* Alice's first packet opens with k01 in the reference code. */
        n = crypt_encrypt(a, "ouroboros", 9, pkt, sizeof(pkt));
        CHECK(n == 9 + CRYPT_OVERHEAD);
        CHECK(all_zero(pkt, 8));
        memcpy(tag, pkt + 8 + 9, 16);
        CHECK(ref_gcm(0, k01, 0, pkt + 8, 9, out, tag) == 0);
        CHECK(memcmp(out, "ouroboros", 9) == 0);
        for (i = 0; i < n; ++i)
                sprintf(hex + 2 * i, "%02x", pkt[i]);
        CHECK(strcmp(hex, A_PKT0) == 0);
        CHECK(crypt_decrypt(b, pkt, (size_t) n, out, sizeof(out)) == 9);

        /* Packets sealed by the reference code with k10 open at Alice,
         * under counters the sender chose: jumps within an epoch and
         * into the next ones (keys rotated by the reference HKDF). */
        m = ref_seal(k10, 7, (const uint8_t *) "abc", 3, pkt);
        CHECK(crypt_decrypt(a, pkt, m, out, sizeof(out)) == 3);
        m = ref_seal(k10, EPOCH_LEN - 1, (const uint8_t *) "abc", 3, pkt);
        CHECK(crypt_decrypt(a, pkt, m, out, sizeof(out)) == 3);
        /* epoch 1 under k10 itself does not open: the key rotated */
        m = ref_seal(k10, EPOCH_LEN + 2, (const uint8_t *) "abc", 3, pkt);
        CHECK(crypt_decrypt(a, pkt, m, out, sizeof(out)) == -EBADMSG);
        memcpy(k1, k10, 32);
        CHECK(ref_rekey(k1) == 0);
        m = ref_seal(k1, EPOCH_LEN + 2, (const uint8_t *) "abc", 3, pkt);
        CHECK(crypt_decrypt(a, pkt, m, out, sizeof(out)) == 3);
        CHECK(memcmp(out, "abc", 3) == 0);
        /* a straggler of epoch 0, inside the window: opens */
        m = ref_seal(k10, EPOCH_LEN - 2, (const uint8_t *) "abc", 3, pkt);
        CHECK(crypt_decrypt(a, pkt, m, out, sizeof(out)) == 3);
        /* three epochs ahead (packets lost in a row) */
        memcpy(k2, k1, 32);
        CHECK(ref_rekey(k2) == 0);
        memcpy(k3, k2, 32);
        CHECK(ref_rekey(k3) == 0);
        m = ref_seal(k3, 3 * EPOCH_LEN + 9, (const uint8_t *) "abc", 3, pkt);
        CHECK(crypt_decrypt(a, pkt, m, out, sizeof(out)) == 3);
        /* the oldest in the window, of epoch 2 (derived on the way) */
        m = ref_seal(k2, 3 * EPOCH_LEN + 9 - CRYPT_REPLAY_WINDOW,
                     (const uint8_t *) "abc", 3, pkt);
        CHECK(crypt_decrypt(a, pkt, m, out, sizeof(out)) == 3);
        m = ref_seal(k2, 3 * EPOCH_LEN + 9 - CRYPT_REPLAY_WINDOW - 1,
                     (const uint8_t *) "abc", 3, pkt);
        CHECK(crypt_decrypt(a, pkt, m, out, sizeof(out)) == -ESTALE);
        m = ref_seal(k10, 8, (const uint8_t *) "abc", 3, pkt);
        CHECK(crypt_decrypt(a, pkt, m, out, sizeof(out)) == -ESTALE);
        /* a packet sealed under the wrong direction's key */
        m = ref_seal(k01, 3 * EPOCH_LEN + 20, (const uint8_t *) "abc", 3,
                     pkt);
        CHECK(crypt_decrypt(a, pkt, m, out, sizeof(out)) == -EBADMSG);
        /* more than CRYPT_EPOCH_AHEAD epochs ahead: out of reach */
        m = ref_seal(k3, (4 + CRYPT_EPOCH_AHEAD) * EPOCH_LEN,
                     (const uint8_t *) "abc", 3, pkt);
        CHECK(crypt_decrypt(a, pkt, m, out, sizeof(out)) == -EBADMSG);
        /* past the counter limit: refused before anything else */
        m = ref_seal(k10, CRYPT_CTR_LIMIT, (const uint8_t *) "abc", 3, pkt);
        CHECK(crypt_decrypt(a, pkt, m, out, sizeof(out)) == -EBADMSG);
        m = ref_seal(k10, UINT64_MAX, (const uint8_t *) "abc", 3, pkt);
        CHECK(crypt_decrypt(a, pkt, m, out, sizeof(out)) == -EBADMSG);

        crypt_flow_free(a);
        crypt_flow_free(b);
}

/*
 * Key rotation end to end: 3.5 epochs of packets both ways round, every
 * one opens; a straggler of the previous epoch opens after the first
 * packet of the next; whole epochs lost in a row are bridged up to
 * CRYPT_EPOCH_AHEAD; a replay of a packet from an earlier epoch and
 * a packet sealed before the rotation and tampered are refused; the
 * counters count every refusal.
 */
static void test_rotation(void)
{
        struct pair        p;
        struct crypt_stats st;
        uint8_t            in[16];
        uint8_t            pkt[16 + CRYPT_OVERHEAD];
        uint8_t            old[16 + CRYPT_OVERHEAD];
        uint8_t            late[16 + CRYPT_OVERHEAD];
        uint8_t            out[16];
        uint64_t           k;
        uint64_t           n = 3 * EPOCH_LEN + EPOCH_LEN / 2;
        uint64_t           bad = 0;
        ssize_t            r;
        bool               held = false;

        CHECK(pair_new(&p) == 0);
        fill(in, sizeof(in), 3);
        for (k = 0; k < n; ++k) {
                in[0] = (uint8_t) k;
                r = crypt_encrypt(p.a, in, 1 + k % 16, pkt, sizeof(pkt));
                if (r != (ssize_t) (1 + k % 16 + CRYPT_OVERHEAD)) {
                        CHECK(!"encrypt in rotation");
                        break;
                }
                if (k == 100)
                        memcpy(old, pkt, (size_t) r);
                /* hold back the last packet of each epoch for a while */
                if ((k + 1) % EPOCH_LEN == 0) {
                        memcpy(late, pkt, (size_t) r);
                        held = true;
                        continue;
                }
                if (crypt_decrypt(p.b, pkt, (size_t) r, out, sizeof(out))
                    != (ssize_t) (1 + k % 16) || out[0] != (uint8_t) k) {
                        ++bad;
                        continue;
                }
                if (held && k % EPOCH_LEN == 5) { /* after the rotation */
                        held = false;
                        if (crypt_decrypt(p.b, late, 1 + (k - 6) % 16 +
                                          CRYPT_OVERHEAD, out, sizeof(out))
                            != (ssize_t) (1 + (k - 6) % 16))
                                ++bad;
                }
        }
        CHECK(bad == 0);
        if (bad != 0)
                printf("rotation: %llu packets did not open\n",
                       (unsigned long long) bad);

        /* a packet of epoch 0: too old (replayed) */
        CHECK(crypt_decrypt(p.b, old, 1 + 100 % 16 + CRYPT_OVERHEAD, out,
                            sizeof(out)) == -ESTALE);

        /* two whole epochs lost in a row: the next packet still opens */
        for (k = 0; k < 2 * EPOCH_LEN; ++k)
                if (crypt_encrypt(p.a, in, 1, pkt, sizeof(pkt)) < 0)
                        break;
        r = crypt_encrypt(p.a, in, 1, pkt, sizeof(pkt));
        CHECK(crypt_decrypt(p.b, pkt, (size_t) r, out, sizeof(out)) == 1);
        CHECK(crypt_decrypt(p.b, pkt, (size_t) r, out, sizeof(out)) ==
              -ESTALE);

        /* the first packet of the next epoch, tampered: refused, and
         * the rotation does not happen (the honest one still opens) */
        for (k = 0; k < EPOCH_LEN; ++k)
                if (crypt_encrypt(p.a, in, 1, pkt, sizeof(pkt)) < 0)
                        break;
        r = crypt_encrypt(p.a, in, 1, pkt, sizeof(pkt));
        memcpy(late, pkt, (size_t) r);
        late[CRYPT_HDR_LEN] ^= 1;
        CHECK(crypt_decrypt(p.b, late, (size_t) r, out, sizeof(out)) ==
              -EBADMSG);
        CHECK(crypt_decrypt(p.b, pkt, (size_t) r, out, sizeof(out)) == 1);

        crypt_stats(p.b, &st);
        CHECK(st.rx_pkts == n + 2);
        CHECK(st.rx_replay == 2);
        CHECK(st.rx_bad == 1);
        crypt_stats(p.a, &st);
        CHECK(st.tx_pkts == n + 3 * EPOCH_LEN + 2);

        pair_free(&p);
}

/* Tampered and truncated packets are counted as bad; the copy path
 * opens what the plain path opens and nothing else. */
static void test_stats_shared(void)
{
        struct pair        p;
        struct crypt_stats st;
        uint8_t            pkt[100 + CRYPT_OVERHEAD];
        uint8_t            out[100];
        ssize_t            r;

        CHECK(pair_new(&p) == 0);
        fill(pt, 100, 9);
        r = crypt_encrypt(p.a, pt, 100, pkt, sizeof(pkt));
        CHECK(r == 100 + CRYPT_OVERHEAD);
        pkt[50] ^= 0x40;
        CHECK(crypt_decrypt_shared(p.b, pkt, (size_t) r, out, sizeof(out))
              == -EBADMSG);
        CHECK(all_zero(out, sizeof(out)));
        pkt[50] ^= 0x40;
        CHECK(crypt_decrypt_shared(p.b, pkt, CRYPT_OVERHEAD - 1, out,
                                   sizeof(out)) == -EBADMSG);
        CHECK(crypt_decrypt_shared(p.b, pkt, (size_t) r - 1, out,
                                   sizeof(out)) == -EBADMSG);
        CHECK(crypt_decrypt_shared(p.b, pkt, (size_t) r, out, 99)
              == -EMSGSIZE);
        CHECK(crypt_decrypt_shared(p.b, pkt, (size_t) r, out, sizeof(out))
              == 100);
        CHECK(memcmp(out, pt, 100) == 0);
        CHECK(crypt_decrypt_shared(p.b, pkt, (size_t) r, out, sizeof(out))
              == -ESTALE);
        crypt_stats(p.b, &st);
        CHECK(st.rx_pkts == 1);
        CHECK(st.rx_bad == 3);
        CHECK(st.rx_replay == 1);
        crypt_stats(NULL, &st);
        CHECK(st.rx_pkts == 0);
        pair_free(&p);
}

/* ---- concurrency: one writer and one reader thread on one flow ---- */

#define NTHR 20000
struct thr_arg {
        struct crypt_flow * f;
        uint8_t *           pkts;   /* for the reader: packets from b */
        int                 errors;
};

static void * writer(void * o)
{
        struct thr_arg * t = o;
        uint8_t          in[64];
        uint8_t          pkt[64 + CRYPT_OVERHEAD];
        int              k;

        fill(in, 64, 12);
        for (k = 0; k < NTHR; ++k)
                if (crypt_encrypt(t->f, in, 64, pkt, sizeof(pkt))
                    != sizeof(pkt))
                        ++t->errors;
        return NULL;
}

static void * reader(void * o)
{
        struct thr_arg * t = o;
        uint8_t          out[64];
        size_t           sz = 64 + CRYPT_OVERHEAD;
        int              k;

        for (k = 0; k < NTHR; ++k)
                if (crypt_decrypt(t->f, t->pkts + k * sz, sz, out, 64)
                    != 64)
                        ++t->errors;
        return NULL;
}

static void test_threads(void)
{
        struct pair    p;
        struct thr_arg w = { 0 };
        struct thr_arg r = { 0 };
        pthread_t      tw;
        pthread_t      tr;
        size_t         sz = 64 + CRYPT_OVERHEAD;
        int            k;

        CHECK(pair_new(&p) == 0);
        r.pkts = malloc(NTHR * sz);
        CHECK(r.pkts != NULL);
        if (r.pkts == NULL)
                return;
        fill(pt, 64, 13);
        for (k = 0; k < NTHR; ++k)
                if (crypt_encrypt(p.b, pt, 64, r.pkts + k * sz, sz)
                    != (ssize_t) sz)
                        ++r.errors;
        w.f = p.a;
        r.f = p.a;
        CHECK(pthread_create(&tw, NULL, writer, &w) == 0);
        CHECK(pthread_create(&tr, NULL, reader, &r) == 0);
        pthread_join(tw, NULL);
        pthread_join(tr, NULL);
        CHECK(w.errors == 0 && r.errors == 0);
        free(r.pkts);
        pair_free(&p);
}

/* ---- timing (informative, not a pass/fail) ------------------------- */

static int cmp_dbl(const void * a, const void * b)
{
        double x = *(const double *) a;
        double y = *(const double *) b;

        return (x > y) - (x < y);
}

/* Rounds of BATCH packets: encrypt a batch (timed), decrypt it (timed);
 * prints the median and the best round in ns per packet. */
#define BATCH  256
#define ROUNDS 101
static void bench(void)
{
        static const size_t lens[] = { 64, 1500, 8192 };
        static double       te[ROUNDS];
        static double       td[ROUNDS];
        struct pair         p;
        uint8_t *           buf;
        size_t              i;
        int                 r;

        if (getenv("CRYPT_NO_BENCH") != NULL)
                return;

        buf = malloc(BATCH * (8192 + CRYPT_OVERHEAD));
        if (buf == NULL || pair_new(&p) < 0) {
                free(buf);
                return;
        }

        for (i = 0; i < 3; ++i) {
                size_t len = lens[i];
                size_t sz  = len + CRYPT_OVERHEAD;
                int    bad = 0;
                int    k;

                fill(pt, len, 14);
                for (r = 0; r < ROUNDS; ++r) {
                        double t0 = (double) check_now_ns();
                        for (k = 0; k < BATCH; ++k)
                                if (crypt_encrypt(p.a, pt, len, buf + k * sz,
                                                  sz) != (ssize_t) sz)
                                        ++bad;
                        te[r] = ((double) check_now_ns() - t0) / BATCH;
                        t0 = (double) check_now_ns();
                        for (k = 0; k < BATCH; ++k)
                                if (crypt_decrypt(p.b, buf + k * sz, sz, dt,
                                                  len) != (ssize_t) len)
                                        ++bad;
                        td[r] = ((double) check_now_ns() - t0) / BATCH;
                }
                qsort(te, ROUNDS, sizeof(te[0]), cmp_dbl);
                qsort(td, ROUNDS, sizeof(td[0]), cmp_dbl);
                printf("bench %5zu B: encrypt %5.0f ns (best %5.0f), "
                       "decrypt %5.0f ns (best %5.0f)%s\n", len,
                       te[ROUNDS / 2], te[0], td[ROUNDS / 2], td[0],
                       bad ? " ERRORS" : "");
                CHECK(bad == 0);
        }
        pair_free(&p);
        free(buf);

        /* Allocation cost: two key pairs and two derivations. */
        for (r = 0; r < ROUNDS; ++r) {
                double t0 = (double) check_now_ns();
                if (pair_new(&p) < 0) {
                        CHECK(false);
                        return;
                }
                te[r] = (double) check_now_ns() - t0;
                pair_free(&p);
        }
        qsort(te, ROUNDS, sizeof(te[0]), cmp_dbl);
        printf("bench key exchange (both sides): %.0f us (best %.0f)\n",
               te[ROUNDS / 2] / 1000, te[0] / 1000);
}

int main(void)
{
        check_keep_going = true;

        pt = malloc(MAX_PKT + CRYPT_OVERHEAD);
        ct = malloc(MAX_PKT + CRYPT_OVERHEAD);
        dt = malloc(MAX_PKT + CRYPT_OVERHEAD);
        if (pt == NULL || ct == NULL || dt == NULL)
                return 1;

        test_roundtrip();
        test_fresh_nonce();
        test_tamper();
        test_truncate();
        test_replay();
        test_window_model();
        test_third_party();
        test_same_side();
        test_bad_args();
        test_in_place();
        test_rfc7748();
        test_rotation();
        test_stats_shared();
        test_threads();
        bench();

        free(pt);
        free(ct);
        free(dt);

        return check_report(NULL);
}
