/*
 * Ouroboros - tests of crypt.[ch]'s wire format and key rotation: RFC
 * 7748 known answers through crypt_kex_from_priv with an independent
 * HKDF and AES-GCM decryption (pins the wire format: counter, nonce,
 * keys, the rotation), rotations across 3.5 epochs with stragglers and
 * epochs lost in a row, and what each side counts of them.
 * Prints "N passed, N failed"; exits non-zero on any failure.
 */
#include "common/crypt.h"
#include "crypt_pair.h"

#include "../../../tests/check.h"

#include <ouroboros/errno.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
        check_keep_going = true;

        test_rfc7748();
        test_rotation();

        return check_report(NULL);
}
