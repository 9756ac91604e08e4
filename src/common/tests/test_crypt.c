/*
 * Ouroboros - tests of per-flow authenticated encryption (crypt.[ch]).
 *
 * Key agreement between two sides, round trips, fresh nonces, tamper,
 * truncation, replay and reordering against a reference model, third
 * parties, misuse of sides and buffers, the private-copy path,
 * concurrent encrypt/decrypt, and a timing of the data path. The wire
 * format and key rotation: test_crypt_wire.c.
 * Prints "N passed, N failed"; exits non-zero on any failure.
 */
#include "common/crypt.h"
#include "crypt_pair.h"

#include "../../../tests/check.h"

#include <ouroboros/errno.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


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
        test_stats_shared();
            test_threads();
        bench();

        free(pt);
        free(ct);
        free(dt);

        return check_report(NULL);
}
