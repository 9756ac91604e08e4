/*
 * Ouroboros - libFuzzer target for packet encryption: the input chooses
 * the key material (two X25519 private keys from a seed, or a raw peer
 * public key: small-order and equal keys reach the key schedule's checks) and then a
 * script of seal/open steps with chosen transmit counters (jumps past
 * the replay window, steps back into it, replays of earlier packets,
 * tampered and truncated packets, in-place buffers, arbitrary bytes).
 *
 * The keys are derived from a two-byte seed (short inputs go straight
 * to the data path); the raw key of the other mode is 32 input bytes.
 *
 * Counters cross key rotations (an epoch is 2^CRYPT_EPOCH_BITS counters;
 * the sender only ever moves forward to a later epoch, as the API does).
 *
 * An oracle follows every step: an honest packet opens iff its counter
 * is newer than the window's top or inside the window and not yet
 * accepted (else -ESTALE) and its epoch is within reach: the receiver's
 * (that of the newest accepted packet), the one before, or at most
 * CRYPT_EPOCH_AHEAD ahead (else -EBADMSG); a tampered packet or
 * arbitrary bytes never open; an opened packet gives back the
 * plaintext sealed; the drop counters count every refusal.
 *
 * crypt.c is included (not linked) so the script can set the sender's
 * counter, which the API only ever increments.
 *
 * Sources: src/common/ossl.c src/common/crypt_kex.c
 */
#include "common/crypt.c"
#include "fuzz_input.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PLAIN 300
#define KEPT      8     /* sealed packets kept for replays */
#define MAX_OPS   128

struct sealed {
        uint8_t  pkt[MAX_PLAIN + CRYPT_OVERHEAD];
        size_t   len;
        uint64_t ctr;
        uint8_t  plain[MAX_PLAIN];
};

/* The oracle's replay state: accepted counters (at most MAX_OPS). */
struct model {
        uint64_t top;  /* highest accepted + 1, 0: none */
        uint64_t seen[MAX_OPS];
        int      nseen;
};

/* 0 if the receiver must open ctr, else the error it must give. */
static int model_accepts(const struct model * m,
                         uint64_t             ctr)
{
        uint64_t re = m->top == 0 ? 0 : EPOCH(m->top - 1);
        int      i;

        if (ctr >= CRYPT_CTR_LIMIT)
                return -EBADMSG;
        if (ctr + 1 <= m->top) {
                if (ctr + 1 + CRYPT_REPLAY_WINDOW < m->top)
                        return -ESTALE;
                for (i = 0; i < m->nseen; ++i)
                        if (m->seen[i] == ctr)
                                return -ESTALE;
        }
        if (EPOCH(ctr) + 1 < re)
                return -ESTALE;
        if (EPOCH(ctr) > re + CRYPT_EPOCH_AHEAD)
                return -EBADMSG;

        return 0;
}

/* The sender moved to ctr, never back to an earlier epoch. */
static void seek(struct crypt_flow * tx,
                 uint64_t            ctr)
{
        if (EPOCH(ctr) < tx->tx.epoch)
                ctr = tx->tx.epoch << CRYPT_EPOCH_BITS;
        tx->tx.ctr = ctr;
}

static void model_accept(struct model * m,
                         uint64_t       ctr)
{
        if (ctr + 1 > m->top)
                m->top = ctr + 1;
        if (m->nseen < MAX_OPS)
                m->seen[m->nseen++] = ctr;
}

/* Key material: 0 two private keys, 1 a raw peer key, 2 equal keys. */
static int make_flows(struct input *       in,
                      struct crypt_flow ** tx,
                      struct crypt_flow ** rx)
{
        uint8_t            priv[2][CRYPT_PRIVKEY_LEN];
        uint8_t            pub[2][CRYPT_PUBKEY_LEN];
        uint8_t            rawpub[CRYPT_PUBKEY_LEN];
        struct crypt_kex * k[2];
        int                mode = (int) take(in, 1) % 3;
        uint64_t           seed = take(in, 2);
        size_t             i;

        /* Two bytes of seed: short inputs reach the data path at once. */
        for (i = 0; i < sizeof(priv); ++i)
                ((uint8_t *) priv)[i] = (uint8_t) (seed * 131 + i * 29 +
                                                   (seed >> 8) * i);
        if (mode == 2)
                memcpy(priv[1], priv[0], CRYPT_PRIVKEY_LEN);

        if (crypt_kex_from_priv(&k[0], priv[0], pub[0]) < 0)
                return -1;
        if (crypt_kex_from_priv(&k[1], priv[1], pub[1]) < 0) {
                crypt_kex_free(k[0]);
                return -1;
        }

        if (mode == 1) {
                for (i = 0; i < sizeof(rawpub); ++i)
                        rawpub[i] = (uint8_t) take(in, 1);
                crypt_kex_free(k[1]);
                if (crypt_flow_new(k[0], rawpub, 0, tx) == 0)
                        crypt_flow_free(*tx);
                return -1; /* no peer holds the matching key */
        }

        if (crypt_flow_new(k[0], pub[1], 0, tx) < 0) {
                crypt_kex_free(k[1]);
                return -1;
        }
        if (crypt_flow_new(k[1], pub[0], 1, rx) < 0) {
                crypt_flow_free(*tx);
                return -1;
        }

        return 0;
}

static void open_check(struct crypt_flow *   rx,
                       struct model *        m,
                       const struct sealed * s,
                       bool                  in_place)
{
        static uint8_t     buf[MAX_PLAIN + CRYPT_OVERHEAD];
        static uint8_t     out[MAX_PLAIN];
        int                want = model_accepts(m, s->ctr);
        struct crypt_stats a;
        struct crypt_stats b;
        ssize_t            n;

        crypt_stats(rx, &a);

        if (in_place) {
                memcpy(buf, s->pkt, s->len);
                n = crypt_decrypt(rx, buf, s->len, buf + CRYPT_HDR_LEN,
                                  MAX_PLAIN);
                memcpy(out, buf + CRYPT_HDR_LEN, s->len - CRYPT_OVERHEAD);
        } else if (s->len & 1) {
                n = crypt_decrypt(rx, s->pkt, s->len, out, sizeof(out));
        } else {
                n = crypt_decrypt_shared(rx, s->pkt, s->len, out,
                                         sizeof(out));
        }

        crypt_stats(rx, &b);
        if (want < 0) {
                if (n != want)
                        abort(); /* replay accepted, or a wrong error */
                if (b.rx_bad + b.rx_replay != a.rx_bad + a.rx_replay + 1)
                        abort(); /* a drop not counted */
                return;
        }
        if (b.rx_pkts != a.rx_pkts + 1)
                abort();
        if (n != (ssize_t) (s->len - CRYPT_OVERHEAD))
                abort();         /* an honest packet refused */
        if (memcmp(out, s->plain, (size_t) n) != 0)
                abort();
        model_accept(m, s->ctr);
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        static struct sealed kept[KEPT];
        static uint8_t       junk[MAX_PLAIN + CRYPT_OVERHEAD];
        static uint8_t       out[MAX_PLAIN + CRYPT_OVERHEAD];
        struct input         in = { data, size };
        struct crypt_flow *  tx;
        struct crypt_flow *  rx;
        struct model         m = { 0, { 0 }, 0 };
        struct sealed *      s;
        uint64_t             base = 0;
        int                  nkept = 0;
        int                  ops = 0;
        size_t               len;
        size_t               i;
        ssize_t              n;

        if (make_flows(&in, &tx, &rx) < 0)
                return 0;

        while (in.n > 0 && ops++ < MAX_OPS) {
                switch (take(&in, 1) % 6) {
                case 0: /* seal at a counter near base, then maybe open */
                case 1:
                        s = &kept[nkept % KEPT];
                        switch (take(&in, 1) % 4) {
                        case 0: /* a step back or forward, in the window */
                                seek(tx, base + take(&in, 2) % 2048 -
                                     (base < 1024 ? base : 1024));
                                break;
                        case 1: /* a jump (up to 16 epochs) */
                                base += take(&in, 3);
                                seek(tx, base);
                                break;
                        case 2: /* near the next key rotation */
                                base = ((EPOCH(base) + 1) <<
                                        CRYPT_EPOCH_BITS) - 4 +
                                        take(&in, 1) % 8;
                                seek(tx, base);
                                break;
                        default: /* the next one */
                                break;
                        }
                        s->ctr = tx->tx.ctr;
                        len = take(&in, 2) % (MAX_PLAIN + 1);
                        for (i = 0; i < len; ++i)
                                s->plain[i] = (uint8_t) (i * 7 + s->ctr);
                        if (take(&in, 1) & 1) { /* in place */
                                memcpy(out + CRYPT_HDR_LEN, s->plain, len);
                                n = crypt_encrypt(tx, out + CRYPT_HDR_LEN,
                                                  len, out, sizeof(out));
                                if (n > 0)
                                        memcpy(s->pkt, out, (size_t) n);
                        } else {
                                n = crypt_encrypt(tx, s->plain, len, s->pkt,
                                                  sizeof(s->pkt));
                        }
                        if (s->ctr >= CRYPT_CTR_LIMIT) {
                                if (n != -EKEYEXPIRED)
                                        abort();
                                break;
                        }
                        if (n != (ssize_t) (len + CRYPT_OVERHEAD))
                                abort();
                        s->len = (size_t) n;
                        nkept++;
                        if (take(&in, 1) & 1)
                                open_check(rx, &m, s, take(&in, 1) & 1);
                        break;
                case 2: /* open (again) a packet sealed earlier */
                        if (nkept == 0)
                                break;
                        s = &kept[take(&in, 1) % (nkept < KEPT ? nkept : KEPT)];
                        open_check(rx, &m, s, take(&in, 1) & 1);
                        break;
                case 3: /* tamper with a kept packet: never opens */
                        if (nkept == 0)
                                break;
                        s = &kept[take(&in, 1) % (nkept < KEPT ? nkept : KEPT)];
                        memcpy(junk, s->pkt, s->len);
                        junk[take(&in, 2) % s->len] ^=
                                (uint8_t) (1 + take(&in, 1) % 255);
                        if (crypt_decrypt(rx, junk, s->len, out,
                                          sizeof(out)) >= 0)
                                abort();
                        break;
                case 4: /* truncate a kept packet */
                        if (nkept == 0)
                                break;
                        s = &kept[take(&in, 1) % (nkept < KEPT ? nkept : KEPT)];
                        n = crypt_decrypt(rx, s->pkt, take(&in, 2) % s->len,
                                          out, sizeof(out));
                        if (n >= 0)
                                abort();
                        break;
                default: /* arbitrary bytes */
                        len = take(&in, 2) % sizeof(junk);
                        for (i = 0; i < len; ++i)
                                junk[i] = (uint8_t) take(&in, 1);
                        if (crypt_decrypt(rx, junk, len, out, sizeof(out)) >= 0)
                                abort(); /* forged without the key */
                        break;
                }
        }

        crypt_flow_free(tx);
        crypt_flow_free(rx);

        return 0;
}
