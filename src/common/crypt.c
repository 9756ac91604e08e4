/*
 * Ouroboros - per-flow authenticated encryption (see crypt.h and
 * doc/crypto.md).
 *
 *   crypt_kex_*      ephemeral X25519 key pair while a flow is allocated
 *                    (crypt_kex.c)
 *   crypt_flow_new   X25519 -> HKDF-SHA3-256 -> one AES-256-GCM key per
 *                    direction, each loaded once into its own cipher ctx
 *   crypt_encrypt    next counter -> (rotate at an epoch change) -> nonce
 *                    -> seal; header = counter
 *   crypt_decrypt    length -> replay pre-check -> key of the counter's
 *                    epoch -> open -> window (and epoch) update
 *   crypt_decrypt_shared  the same from a private copy of the packet
 *
 * Secrets (private key, shared secret, derived keys) live on the stack
 * only as long as needed and are wiped with OPENSSL_cleanse on every
 * path. Afterwards each direction keeps its current key (to derive the
 * next epoch's: a one-way step, so older keys cannot be recomputed) and
 * its cipher contexts; a rotated-out key is wiped with its context
 * (EVP_CIPHER_CTX_reset / _free cleanse the key schedule).
 */
#include "crypt.h"
#include "crypt_kex.h"
#include "ossl.h"

#include <ouroboros/errno.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define KEY_LEN       32                  /* AES-256                   */
#define NONCE_LEN     12                  /* GCM's native IV length    */
#define WORD_BITS     64
#define REPLAY_WORDS  16                  /* 1024-bit bitmap           */
#define REPLAY_BITS   (REPLAY_WORDS * WORD_BITS)
#define CACHE_LINE    64

#define INFO_01       "ouroboros flow 0->1"
#define INFO_10       "ouroboros flow 1->0"
#define INFO_REKEY    "ouroboros rekey"

#define EPOCH(ctr)    ((ctr) >> CRYPT_EPOCH_BITS)

_Static_assert(CRYPT_REPLAY_WINDOW == REPLAY_BITS - WORD_BITS,
               "replay window is the bitmap minus one word");
_Static_assert((REPLAY_WORDS & (REPLAY_WORDS - 1)) == 0,
               "bitmap words must be a power of two");

/* Transmit and receive state on separate cache lines: the writer and
 * the reader thread never touch the same line. */
struct crypt_tx {
        alignas(CACHE_LINE) EVP_CIPHER_CTX * ctx;
        uint64_t                             ctr;   /* next to send    */
        uint64_t                             epoch; /* of the key in ctx */
        uint8_t                              key[KEY_LEN]; /* its key,
                                                  to derive the next */
        _Atomic uint64_t                     pkts;
};

/*
 * Receive keys: cur is the key of epoch (that of the newest authentic
 * packet), prev the one before (stragglers reordered across a rotation;
 * NULL in epoch 0), spare a context to try a newer epoch's key in.
 */
struct crypt_rx {
        alignas(CACHE_LINE) EVP_CIPHER_CTX * cur;
        EVP_CIPHER_CTX *                     prev;
        EVP_CIPHER_CTX *                     spare;
        uint64_t                             epoch;
        uint8_t                              key[KEY_LEN]; /* cur's     */
        uint64_t                             top;  /* highest ctr + 1  */
        uint64_t                             map[REPLAY_WORDS];
        uint8_t *                            copy; /* private copy of a
                                                  packet (decrypt_shared) */
        size_t                               copy_len;
        _Atomic uint64_t                     pkts;
        _Atomic uint64_t                     bad;
        _Atomic uint64_t                     replay;
};

struct crypt_flow {
        struct crypt_tx tx;
        struct crypt_rx rx;
};

static void put_le64(uint8_t * p, uint64_t v)
{
        int i;

        for (i = 0; i < 8; ++i)
                p[i] = (uint8_t) (v >> (8 * i));
}

static uint64_t get_le64(const uint8_t * p)
{
        uint64_t v = 0;
        int      i;

        for (i = 7; i >= 0; --i)
                v = (v << 8) | p[i];

        return v;
}

/* Nonce = 4 zero bytes | u64 LE counter (as WireGuard). */
static void make_nonce(uint8_t nonce[NONCE_LEN], uint64_t ctr)
{
        memset(nonce, 0, NONCE_LEN - 8);
        put_le64(nonce + NONCE_LEN - 8, ctr);
}

/* True if [a, a + alen) and [b, b + blen) share a byte. */
static bool overlap(const void * a, size_t alen, const void * b, size_t blen)
{
        uintptr_t x = (uintptr_t) a;
        uintptr_t y = (uintptr_t) b;

        if (alen == 0 || blen == 0)
                return false;

        return x < y + blen && y < x + alen;
}

/* HKDF (extract and expand) over SHA3-256: KEY_LEN bytes into key. */
static int hkdf(const uint8_t * ikm,
                const uint8_t * salt,
                size_t          salt_len,
                const char *    info,
                uint8_t         key[KEY_LEN])
{
        EVP_KDF *     kdf;
        EVP_KDF_CTX * kctx;
        OSSL_PARAM    params[5];
        OSSL_PARAM *  p   = params;
        int           ret = -ECRYPT;

        kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
        if (kdf == NULL)
                return -ECRYPT;

        kctx = EVP_KDF_CTX_new(kdf);
        EVP_KDF_free(kdf);
        if (kctx == NULL)
                return -ECRYPT;

        *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                (char *) "SHA3-256", 0);
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                 (void *) ikm, CRYPT_SECRET_LEN);
        if (salt != NULL)
                *p++ = OSSL_PARAM_construct_octet_string(
                        OSSL_KDF_PARAM_SALT, (void *) salt, salt_len);
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                 (void *) info,
                                                 strlen(info));
        *p   = OSSL_PARAM_construct_end();

        if (EVP_KDF_derive(kctx, key, KEY_LEN, params) == 1)
                ret = 0;
        else
                OPENSSL_cleanse(key, KEY_LEN);

        EVP_KDF_CTX_free(kctx); /* cleanses its copy of the secret */

        return ret;
}

/* An AES-256-GCM context without a key: ctx reset (which cleanses its
 * key schedule) or, if NULL, a new one. NULL on failure (ctx freed). */
static EVP_CIPHER_CTX * gcm_ctx_wipe(EVP_CIPHER_CTX * ctx,
                                     int              enc)
{
        if (ctx == NULL)
                ctx = EVP_CIPHER_CTX_new();
        else
                EVP_CIPHER_CTX_reset(ctx);
        if (ctx == NULL)
                return NULL;

        if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL,
                              enc) != 1
            || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
                                   NONCE_LEN, NULL) != 1) {
                EVP_CIPHER_CTX_free(ctx);
                return NULL;
        }

        return ctx;
}

/* A cipher context holding key: the key schedule is done once here. */
static EVP_CIPHER_CTX * gcm_ctx_new(const uint8_t key[KEY_LEN], int enc)
{
        EVP_CIPHER_CTX * ctx;

        ctx = gcm_ctx_wipe(NULL, enc);
        if (ctx == NULL)
                return NULL;

        if (EVP_CipherInit_ex(ctx, NULL, NULL, key, NULL, enc) != 1) {
                EVP_CIPHER_CTX_free(ctx);
                return NULL;
        }

        return ctx;
}

/* The key of the next epoch, in place: k = HKDF(ikm = k, no salt,
 * info "ouroboros rekey"). One way: the old key cannot be recomputed. */
static int rekey(uint8_t key[KEY_LEN])
{
        uint8_t next[KEY_LEN];
        int     ret;

        ret = hkdf(key, NULL, 0, INFO_REKEY, next);
        memcpy(key, next, KEY_LEN); /* wiped by hkdf on failure */
        OPENSSL_cleanse(next, sizeof(next));

        return ret;
}

/* Load key into an existing context (a new key schedule). */
static int gcm_ctx_key(EVP_CIPHER_CTX * ctx,
                       const uint8_t    key[KEY_LEN],
                       int              enc)
{
        if (EVP_CipherInit_ex(ctx, NULL, NULL, key, NULL, enc) != 1)
                return -ECRYPT;

        return 0;
}

/* Derive both direction keys of epoch 0 and load them. */
static int flow_keys(struct crypt_flow * f,
                     const uint8_t       secret[CRYPT_SECRET_LEN],
                     const uint8_t       salt[2 * CRYPT_PUBKEY_LEN],
                     int                 side)
{
        uint8_t k01[KEY_LEN];
        uint8_t k10[KEY_LEN];
        int     ret;

        ret = hkdf(secret, salt, 2 * CRYPT_PUBKEY_LEN, INFO_01, k01);
        if (ret < 0)
                return ret;

        ret = hkdf(secret, salt, 2 * CRYPT_PUBKEY_LEN, INFO_10, k10);
        if (ret < 0)
                goto out;

        memcpy(f->tx.key, side == 0 ? k01 : k10, KEY_LEN);
        memcpy(f->rx.key, side == 0 ? k10 : k01, KEY_LEN);

        ret = -ECRYPT;
        f->tx.ctx = gcm_ctx_new(f->tx.key, 1);
        if (f->tx.ctx == NULL)
                goto out;

        f->rx.cur = gcm_ctx_new(f->rx.key, 0);
        if (f->rx.cur == NULL)
                goto out;

        /* Keyed when first used; made now so that a rotation does not
         * allocate. */
        f->rx.spare = gcm_ctx_wipe(NULL, 0);
        if (f->rx.spare == NULL)
                goto out;

        ret = 0;
 out:
        OPENSSL_cleanse(k01, sizeof(k01));
        OPENSSL_cleanse(k10, sizeof(k10));
        return ret;
}

int crypt_flow_new(struct crypt_kex *  kex,
                   const uint8_t       peer_pub[CRYPT_PUBKEY_LEN],
                   int                 side,
                   struct crypt_flow ** cf)
{
        struct crypt_flow * f = NULL;
        uint8_t             secret[CRYPT_SECRET_LEN];
        uint8_t             salt[2 * CRYPT_PUBKEY_LEN];
        int                 ret;

        if (kex == NULL)
                return -EINVAL;

        if (peer_pub == NULL || cf == NULL || (side != 0 && side != 1)) {
                crypt_kex_free(kex);
                return -EINVAL;
        }

        /* A reflected key would make both directions' roles ambiguous. */
        if (CRYPTO_memcmp(kex->pub, peer_pub, CRYPT_PUBKEY_LEN) == 0) {
                crypt_kex_free(kex);
                return -EINVAL;
        }

        /* Salt: the public keys in side order (side 0's first). */
        memcpy(salt + side * CRYPT_PUBKEY_LEN, kex->pub, CRYPT_PUBKEY_LEN);
        memcpy(salt + (1 - side) * CRYPT_PUBKEY_LEN, peer_pub,
               CRYPT_PUBKEY_LEN);

        ret = crypt_kex_derive(kex, peer_pub, secret);
        crypt_kex_free(kex); /* the ephemeral private key goes now */
        if (ret < 0)
                return ret;

        if (posix_memalign((void **) &f, CACHE_LINE, sizeof(*f)) != 0) {
                ret = -ENOMEM;
                goto out;
        }

        memset(f, 0, sizeof(*f));

        ret = flow_keys(f, secret, salt, side);
        if (ret < 0) {
                crypt_flow_free(f);
                goto out;
        }

        *cf = f;
 out:
        OPENSSL_cleanse(secret, sizeof(secret));
        return ret;
}

void crypt_flow_free(struct crypt_flow * cf)
{
        if (cf == NULL)
                return;

        EVP_CIPHER_CTX_free(cf->tx.ctx); /* cleanses the key schedule */
        EVP_CIPHER_CTX_free(cf->rx.cur);
        EVP_CIPHER_CTX_free(cf->rx.prev);
        EVP_CIPHER_CTX_free(cf->rx.spare);
        free(cf->rx.copy);                /* ciphertext only */
        OPENSSL_cleanse(cf, sizeof(*cf));
        free(cf);
}

/* ---- replay window (WireGuard's bitmap, RFC 6479) ------------------ */

/* May ctr still be accepted? Read-only: forgeries must not move it. */
static bool replay_ok(const struct crypt_rx * rx, uint64_t ctr)
{
        uint64_t c = ctr + 1;  /* 1-based, so top == 0 means "none yet" */
        uint64_t w;

        if (ctr >= CRYPT_CTR_LIMIT)
                return false;

        if (c > rx->top)
                return true;

        if (c + CRYPT_REPLAY_WINDOW < rx->top)
                return false;  /* too old */

        w = rx->map[(c / WORD_BITS) & (REPLAY_WORDS - 1)];

        return !(w & (1ULL << (c % WORD_BITS)));
}

/* Record an authenticated ctr (replay_ok(ctr) was true). */
static void replay_mark(struct crypt_rx * rx, uint64_t ctr)
{
        uint64_t c   = ctr + 1;
        uint64_t idx = c / WORD_BITS;
        uint64_t cur;
        uint64_t top;
        uint64_t i;

        if (c > rx->top) {
                cur = rx->top / WORD_BITS;
                top = idx - cur;
                if (top > REPLAY_WORDS)
                        top = REPLAY_WORDS;
                for (i = 1; i <= top; ++i)
                        rx->map[(cur + i) & (REPLAY_WORDS - 1)] = 0;
                rx->top = c;
        }

        rx->map[idx & (REPLAY_WORDS - 1)] |= 1ULL << (c % WORD_BITS);
}

/* ---- key rotation ---------------------------------------------------- */

/*
 * The sender moves to the epoch of ctr (only ever forward: the counter
 * only grows). On failure the key is wiped and the context unkeyed, so
 * nothing is sent under a stale key: every later call fails too.
 */
static int tx_rotate(struct crypt_tx * tx,
                     uint64_t          ctr)
{
        if (tx->epoch == UINT64_MAX) /* a rotation failed before */
                return -ECRYPT;

        while (tx->epoch < EPOCH(ctr)) {
                if (rekey(tx->key) < 0)
                        goto fail;
                tx->epoch++;
        }

        if (gcm_ctx_key(tx->ctx, tx->key, 1) < 0)
                goto fail;

        return 0;
 fail:
        OPENSSL_cleanse(tx->key, KEY_LEN);
        tx->epoch = UINT64_MAX; /* never matches: rotate again, fail */
        EVP_CIPHER_CTX_reset(tx->ctx);
        return -ECRYPT;
}

/*
 * The context that opens a packet of epoch ep, or NULL (-ESTALE: its key
 * is gone; -EBADMSG: too far ahead, more than CRYPT_EPOCH_AHEAD). For a
 * newer epoch, its key is derived into next (and the key before it into
 * before) and loaded into spare; rx_advance makes it current once a
 * packet has opened with it.
 */
static EVP_CIPHER_CTX * rx_ctx(struct crypt_rx * rx,
                               uint64_t          ep,
                               uint8_t           next[KEY_LEN],
                               uint8_t           before[KEY_LEN],
                               int *             err)
{
        uint64_t e;

        if (ep == rx->epoch)
                return rx->cur;

        if (ep + 1 == rx->epoch && rx->prev != NULL)
                return rx->prev;

        if (ep < rx->epoch) {
                *err = -ESTALE;
                return NULL;
        }

        if (ep - rx->epoch > CRYPT_EPOCH_AHEAD) {
                *err = -EBADMSG;
                return NULL;
        }

        if (rx->spare == NULL)
                rx->spare = gcm_ctx_wipe(NULL, 0);
        if (rx->spare == NULL) {
                *err = -ENOMEM;
                return NULL;
        }

        *err = -ECRYPT;
        memcpy(next, rx->key, KEY_LEN);
        for (e = rx->epoch; e < ep; ++e) {
                memcpy(before, next, KEY_LEN);
                if (rekey(next) < 0)
                        return NULL;
        }

        if (gcm_ctx_key(rx->spare, next, 0) < 0)
                return NULL;

        return rx->spare;
}

/* A packet of epoch ep (> rx->epoch) opened with spare: it becomes the
 * current key; the previous epoch's key stays for stragglers; the one
 * before that is wiped (its context becomes the spare). */
static void rx_advance(struct crypt_rx * rx,
                       uint64_t          ep,
                       const uint8_t     next[KEY_LEN],
                       const uint8_t     before[KEY_LEN])
{
        EVP_CIPHER_CTX * old_cur = rx->cur;
        EVP_CIPHER_CTX * gone    = rx->prev;

        rx->cur = rx->spare;
        if (ep == rx->epoch + 1) {
                rx->prev = old_cur;
        } else if (gcm_ctx_key(old_cur, before, 0) == 0) {
                rx->prev = old_cur;
        } else {                 /* no straggler of ep - 1 will open */
                rx->prev = NULL;
                EVP_CIPHER_CTX_free(gone);
                gone = old_cur;
        }

        rx->spare = gcm_ctx_wipe(gone, 0);
        memcpy(rx->key, next, KEY_LEN);
        rx->epoch = ep;
}

/* ---- data path ----------------------------------------------------- */

ssize_t crypt_encrypt(struct crypt_flow * cf,
                      const void *        in,
                      size_t              len,
                      void *              out,
                      size_t              out_len)
{
        uint8_t * o = out;
        uint8_t   nonce[NONCE_LEN];
        uint64_t  ctr;
        int       n;

        if (cf == NULL || out == NULL || (in == NULL && len > 0))
                return -EINVAL;

        if (len > CRYPT_MAX_LEN || out_len < len + CRYPT_OVERHEAD)
                return -EMSGSIZE;

        if (in != o + CRYPT_HDR_LEN
            && overlap(in, len, out, len + CRYPT_OVERHEAD))
                return -EINVAL;

        if (cf->tx.ctr >= CRYPT_CTR_LIMIT)
                return -EKEYEXPIRED;

        ctr = cf->tx.ctr++; /* consumed before use: never sent twice */

        if (EPOCH(ctr) != cf->tx.epoch && tx_rotate(&cf->tx, ctr) < 0)
                goto fail;

        make_nonce(nonce, ctr);
        put_le64(o, ctr);

        if (EVP_EncryptInit_ex(cf->tx.ctx, NULL, NULL, NULL, nonce) != 1)
                goto fail;

        if (len > 0) {
                if (EVP_EncryptUpdate(cf->tx.ctx, o + CRYPT_HDR_LEN, &n,
                                      in, (int) len) != 1
                    || (size_t) n != len)
                        goto fail;
        }

        if (EVP_EncryptFinal_ex(cf->tx.ctx, o + CRYPT_HDR_LEN + len, &n) != 1
            || n != 0)
                goto fail;

        if (EVP_CIPHER_CTX_ctrl(cf->tx.ctx, EVP_CTRL_AEAD_GET_TAG,
                                CRYPT_TAG_LEN,
                                o + CRYPT_HDR_LEN + len) != 1)
                goto fail;

        atomic_fetch_add_explicit(&cf->tx.pkts, 1, memory_order_relaxed);

        return (ssize_t) (len + CRYPT_OVERHEAD);
 fail:
        OPENSSL_cleanse(out, len + CRYPT_OVERHEAD);
        return -ECRYPT;
}

/* Counted: every packet refused for what it is (not caller errors). */
static ssize_t rx_count(struct crypt_rx * rx,
                        ssize_t           r)
{
        if (r == -EBADMSG)
                atomic_fetch_add_explicit(&rx->bad, 1,
                                          memory_order_relaxed);
        else if (r == -ESTALE)
                atomic_fetch_add_explicit(&rx->replay, 1,
                                          memory_order_relaxed);
        else if (r >= 0)
                atomic_fetch_add_explicit(&rx->pkts, 1,
                                          memory_order_relaxed);
        return r;
}

static ssize_t open_pkt(struct crypt_flow * cf,
                        const uint8_t *     i,
                        size_t              len,
                        void *              out,
                        size_t              out_len)
{
        EVP_CIPHER_CTX * ctx;
        uint8_t          nonce[NONCE_LEN];
        uint8_t          tag[CRYPT_TAG_LEN];
        uint8_t          fin[CRYPT_TAG_LEN]; /* GCM's final writes nothing */
        uint8_t          next[KEY_LEN];
        uint8_t          before[KEY_LEN];
        uint64_t         ctr;
        size_t           plen;
        int              n;
        int              err = -ECRYPT;
        ssize_t          ret = -ECRYPT;

        if (len < CRYPT_OVERHEAD)
                return -EBADMSG;

        plen = len - CRYPT_OVERHEAD;
        if (plen > CRYPT_MAX_LEN)
                return -EBADMSG;

        if (out_len < plen)
                return -EMSGSIZE;

        if (out == NULL && plen > 0)
                return -EINVAL;

        if (out != i + CRYPT_HDR_LEN && overlap(i, len, out, plen))
                return -EINVAL;

        ctr = get_le64(i);
        if (ctr >= CRYPT_CTR_LIMIT)
                return -EBADMSG;   /* never sent by an honest peer */

        if (!replay_ok(&cf->rx, ctr))
                return -ESTALE;

        ctx = rx_ctx(&cf->rx, EPOCH(ctr), next, before, &err);
        if (ctx == NULL) {
                ret = err;
                goto fail;
        }

        make_nonce(nonce, ctr);
        memcpy(tag, i + CRYPT_HDR_LEN + plen, CRYPT_TAG_LEN);

        if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1)
                goto fail;

        if (plen > 0) {
                if (EVP_DecryptUpdate(ctx, out, &n,
                                      i + CRYPT_HDR_LEN, (int) plen) != 1
                    || (size_t) n != plen)
                        goto fail;
        }

        if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
                                CRYPT_TAG_LEN, tag) != 1)
                goto fail;

        /* Constant-time tag check inside OpenSSL. */
        if (EVP_DecryptFinal_ex(ctx, fin, &n) != 1 || n != 0) {
                ret = -EBADMSG;
                goto fail;
        }

        /* Only an authentic packet moves the window or the epoch. */
        if (ctx == cf->rx.spare)
                rx_advance(&cf->rx, EPOCH(ctr), next, before);
        replay_mark(&cf->rx, ctr);
        OPENSSL_cleanse(next, sizeof(next));
        OPENSSL_cleanse(before, sizeof(before));

        return (ssize_t) plen;
 fail:
        /* Never leave unauthenticated plaintext behind. */
        if (plen > 0)
                OPENSSL_cleanse(out, plen);
        OPENSSL_cleanse(next, sizeof(next));
        OPENSSL_cleanse(before, sizeof(before));
        return ret;
}

ssize_t crypt_decrypt(struct crypt_flow * cf,
                      const void *        in,
                      size_t              len,
                      void *              out,
                      size_t              out_len)
{
        if (cf == NULL || in == NULL)
                return -EINVAL;

        return rx_count(&cf->rx, open_pkt(cf, in, len, out, out_len));
}

ssize_t crypt_decrypt_shared(struct crypt_flow * cf,
                             const void *        in,
                             size_t              len,
                             void *              out,
                             size_t              out_len)
{
        uint8_t * p;

        if (cf == NULL || in == NULL)
                return -EINVAL;

        if (len > CRYPT_MAX_LEN + CRYPT_OVERHEAD)
                return rx_count(&cf->rx, -EBADMSG);

        if (len > cf->rx.copy_len) {
                p = realloc(cf->rx.copy, len);
                if (p == NULL)
                        return -ENOMEM;
                cf->rx.copy     = p;
                cf->rx.copy_len = len;
        }

        /* One read of the shared bytes: what is authenticated is what
         * is decrypted, whatever the other writers do meanwhile. */
        memcpy(cf->rx.copy, in, len);

        return rx_count(&cf->rx, open_pkt(cf, cf->rx.copy, len, out,
                                          out_len));
}

void crypt_stats(const struct crypt_flow * cf,
                 struct crypt_stats *      st)
{
        memset(st, 0, sizeof(*st));
        if (cf == NULL)
                return;

        st->tx_pkts   = atomic_load_explicit(&cf->tx.pkts,
                                             memory_order_relaxed);
        st->rx_pkts   = atomic_load_explicit(&cf->rx.pkts,
                                             memory_order_relaxed);
        st->rx_bad    = atomic_load_explicit(&cf->rx.bad,
                                             memory_order_relaxed);
        st->rx_replay = atomic_load_explicit(&cf->rx.replay,
                                             memory_order_relaxed);
}
