/*
 * Unit test of the directory's pieces without a network: the XOR
 * metric and bucket placement, least-recently-seen eviction with the
 * ping of the oldest, stale contacts replaced, the closest contacts
 * against a brute-force sort, the value store's expiry and caps, and a
 * lookup fed by hand.
 */
#include "dht_lookup.h"
#include "dht_store.h"
#include "dht_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../../../../tests/check.h"

#define KL 32

#include "rnd.h"

/* A contact sharing exactly prefix leading bits with self. */
static void at_prefix(struct dht_contact * c,
                      const uint8_t *      self,
                      size_t               prefix,
                      uint64_t             addr)
{
        size_t i;

        rnd_key(c->id);
        for (i = 0; i < prefix; ++i) {
                uint8_t bit = (uint8_t) (0x80 >> (i % 8));
                c->id[i / 8] = (uint8_t) ((c->id[i / 8] & ~bit) |
                                          (self[i / 8] & bit));
        }
        c->id[prefix / 8] ^= (uint8_t) (((self[prefix / 8] ^ c->id[prefix / 8])
                                         & (0x80 >> (prefix % 8))) ^
                                        (0x80 >> (prefix % 8)));
        c->addr = addr;
}

static void test_metric(void)
{
        uint8_t t[KL] = { 0 };
        uint8_t a[KL] = { 0 };
        uint8_t b[KL] = { 0 };
        uint8_t self[KL];
        size_t  p;

        a[0] = 0x01;                  /* distance 2^248 */
        b[1] = 0xff;                  /* distance < 2^248 */
        CHECK_EQ(dht_key_cmp(t, a, b, KL), 1);
        CHECK_EQ(dht_key_cmp(t, b, a, KL), -1);
        CHECK_EQ(dht_key_cmp(t, a, a, KL), 0);
        t[0] = 0x01;                  /* now a is the target */
        CHECK_EQ(dht_key_cmp(t, a, b, KL), -1);

        CHECK_EQ(dht_key_prefix(a, a, KL), KL * 8);
        CHECK_EQ(dht_key_prefix(a, b, KL), 7);
        memset(b, 0, KL);
        b[0] = 0x01;
        b[KL - 1] = 1;
        CHECK_EQ(dht_key_prefix(a, b, KL), KL * 8 - 1);
        b[0] = 0x81;
        CHECK_EQ(dht_key_prefix(a, b, KL), 0);

        rnd_key(self);
        for (p = 0; p < KL * 8; ++p) {
                struct dht_contact c;
                at_prefix(&c, self, p, 1);
                CHECK_EQ(dht_key_prefix(self, c.id, KL), p);
        }

        CHECK(dht_klen_ok(28) && dht_klen_ok(32) && dht_klen_ok(48) &&
              dht_klen_ok(64));
        CHECK(!dht_klen_ok(0) && !dht_klen_ok(20) && !dht_klen_ok(65));
}

static void test_buckets(void)
{
        struct dht_table *     t;
        struct dht_table_stats st;
        struct dht_contact     c[6];
        struct dht_contact     ping;
        struct dht_contact     far;
        struct dht_contact     out[8];
        uint8_t                self[KL];
        size_t                 i;

        rnd_key(self);
        CHECK_EQ(dht_table_create(&t, self, 33, 3), -EINVAL);
        CHECK_EQ(dht_table_create(&t, self, KL, 0), -EINVAL);
        CHECK_EQ(dht_table_create(&t, self, KL, 3), 0);

        memcpy(c[0].id, self, KL);
        c[0].addr = 9;
        CHECK_EQ(dht_table_update(t, &c[0], 0, &ping), -EINVAL);

        /* bucket 5 takes 3 (k); others are independent of it */
        for (i = 0; i < 6; ++i)
                at_prefix(&c[i], self, 5, 100 + i);
        at_prefix(&far, self, 0, 200);
        for (i = 0; i < 3; ++i)
                CHECK_EQ(dht_table_update(t, &c[i], 10 + i, &ping),
                         DHT_TBL_ADDED);
        CHECK_EQ(dht_table_update(t, &far, 20, &ping), DHT_TBL_ADDED);

        /* full: the newcomer waits, the oldest (c0) is to be pinged */
        CHECK_EQ(dht_table_update(t, &c[3], 30, &ping), DHT_TBL_PING);
        CHECK(memcmp(ping.id, c[0].id, KL) == 0 && ping.addr == 100);
        CHECK(!dht_table_has(t, c[3].id));
        /* one ping per bucket at a time; the latest newcomer waits */
        CHECK_EQ(dht_table_update(t, &c[4], 31, &ping), 0);
        /* c0 answers: it stays (now the newest), c4 is dropped */
        CHECK_EQ(dht_table_update(t, &c[0], 32, &ping), 0);
        CHECK(!dht_table_has(t, c[4].id));
        dht_table_stats(t, &st);
        CHECK_EQ(st.dropped, 1);
        CHECK_EQ(st.contacts, 4);

        /* again: now c1 is the oldest; its ping fails: c3 takes its place */
        CHECK_EQ(dht_table_update(t, &c[3], 40, &ping), DHT_TBL_PING);
        CHECK(memcmp(ping.id, c[1].id, KL) == 0);
        CHECK_EQ(dht_table_fail(t, c[1].id), 1);
        CHECK(!dht_table_has(t, c[1].id));
        CHECK(dht_table_has(t, c[3].id));
        dht_table_stats(t, &st);
        CHECK_EQ(st.evicted, 1);

        /* c2 fails twice: stale, left out of closest, replaced at once */
        CHECK_EQ(dht_table_fail(t, c[2].id), 0);
        CHECK(dht_table_has(t, c[2].id));
        CHECK_EQ(dht_table_fail(t, c[2].id), 0);
        CHECK(!dht_table_has(t, c[2].id));
        dht_table_stats(t, &st);
        CHECK_EQ(st.stale, 1);
        CHECK_EQ(dht_table_closest(t, c[2].id, NULL, out, 8), 3);
        for (i = 0; i < 3; ++i)
                CHECK(memcmp(out[i].id, c[2].id, KL) != 0);
        CHECK_EQ(dht_table_update(t, &c[5], 50, &ping), DHT_TBL_ADDED);
        CHECK(dht_table_has(t, c[5].id));
        dht_table_stats(t, &st);
        CHECK_EQ(st.replaced, 1);
        CHECK_EQ(st.stale, 0);
        CHECK_EQ(dht_table_fail(t, c[2].id), -ENOENT);

        /* a stale contact heard from again is fresh */
        CHECK_EQ(dht_table_fail(t, c[5].id), 0);
        CHECK_EQ(dht_table_fail(t, c[5].id), 0);
        CHECK(!dht_table_has(t, c[5].id));
        CHECK_EQ(dht_table_update(t, &c[5], 60, &ping), 0);
        CHECK(dht_table_has(t, c[5].id));

        CHECK_EQ(dht_table_remove(t, far.id), 0);
        CHECK_EQ(dht_table_remove(t, far.id), -ENOENT);
        dht_table_destroy(t);
}

static int by_dist_key[KL];
static uint8_t target[KL];

static int cmp_dist(const void * a,
                    const void * b)
{
        const struct dht_contact * x = a;
        const struct dht_contact * y = b;

        return dht_key_cmp(target, x->id, y->id, KL);
}

static void test_closest(void)
{
        struct dht_table * t;
        struct dht_contact all[400];
        struct dht_contact in[400];
        struct dht_contact out[20];
        struct dht_contact ping;
        uint8_t            self[KL];
        size_t             n = 0;
        size_t             i;
        size_t             j;
        size_t             r;

        (void) by_dist_key;
        rnd_key(self);
        CHECK_EQ(dht_table_create(&t, self, KL, 8), 0);
        for (i = 0; i < 400; ++i) {
                rnd_key(all[i].id);
                all[i].addr = i + 1;
                if (dht_table_update(t, &all[i], i, &ping) == DHT_TBL_ADDED &&
                    dht_table_has(t, all[i].id))
                        in[n++] = all[i];
        }
        /* random ids: half go to bucket 0, a quarter to 1, ... */
        CHECK(n < 400 && n > 40);

        for (r = 0; r < 50; ++r) {
                rnd_key(target);
                if (r == 0)
                        memcpy(target, self, KL);
                qsort(in, n, sizeof(in[0]), cmp_dist);
                CHECK_EQ(dht_table_closest(t, target, NULL, out, 20), 20);
                for (j = 0; j < 20; ++j) {
                        CHECK(memcmp(out[j].id, in[j].id, KL) == 0);
                        CHECK_EQ(dht_table_closer(t, target, in[j].id, 100),
                                 j);
                }
                CHECK_EQ(dht_table_closer(t, target, in[19].id, 8), 8);
                CHECK_EQ(dht_table_closest(t, target, in[0].id, out, 20),
                         20);
                CHECK(memcmp(out[0].id, in[1].id, KL) == 0);
        }
        dht_table_destroy(t);
}

static void test_store(void)
{
        struct dht_store *     s;
        struct dht_store_stats st;
        struct dht_val         v[8];
        uint8_t                k[4][KL];
        size_t                 i;

        for (i = 0; i < 4; ++i)
                rnd_key(k[i]);
        CHECK_EQ(dht_store_create(&s, KL, 3, DHT_MSG_VALS_MAX + 1), -EINVAL);
        CHECK_EQ(dht_store_create(&s, KL, 3, 2), 0);

        CHECK_EQ(dht_store_put(s, k[0], 0, 1000, false), -EINVAL);
        CHECK_EQ(dht_store_put(s, k[0], 7, 10000, false), 1);
        CHECK_EQ(dht_store_put(s, k[0], 7, 5000, false), 0);  /* keeps 10 s */
        CHECK_EQ(dht_store_put(s, k[0], 8, DHT_EXPIRY_NEVER, true), 1);
        CHECK_EQ(dht_store_put(s, k[0], 9, 10000, false), -ENOSPC);
        CHECK_EQ(dht_store_put(s, k[1], 1, 3000, false), 1);
        CHECK_EQ(dht_store_put(s, k[2], 1, 3000, false), 1);
        CHECK_EQ(dht_store_put(s, k[3], 1, 3000, false), -ENOSPC);
        dht_store_stats(s, &st);
        CHECK_EQ(st.keys, 3);
        CHECK_EQ(st.vals, 4);
        CHECK_EQ(st.refused_keys, 1);
        CHECK_EQ(st.refused_vals, 1);

        /* ttl rounded down to seconds, at least 1; own: the given ttl */
        CHECK_EQ(dht_store_get(s, k[0], 1500, 86400, false, v, 8), 2);
        for (i = 0; i < 2; ++i)
                CHECK(v[i].addr == 7 ? v[i].ttl == 8 : v[i].ttl == 86400);
        CHECK_EQ(dht_store_get(s, k[0], 9999, 86400, false, v, 1), 1);
        CHECK(v[0].addr == 7 && v[0].ttl == 1);
        CHECK_EQ(dht_store_get(s, k[0], 1500, 86400, true, v, 8), 1);
        CHECK_EQ(v[0].addr, 8);
        CHECK_EQ(dht_store_get(s, k[3], 0, 1, false, v, 8), 0);

        /* only the owner drops an own value */
        CHECK_EQ(dht_store_del(s, k[0], 8, false), -ENOENT);

        /* expiry: k1, k2 at 3 s; 7 at 10 s; own never */
        CHECK_EQ(dht_store_expire(s, 2999), 0);
        CHECK_EQ(dht_store_expire(s, 3000), 2);
        CHECK_EQ(dht_store_get(s, k[0], 9999, 1, false, v, 8), 2);
        CHECK_EQ(dht_store_expire(s, 1000000), 1);
        CHECK_EQ(dht_store_get(s, k[0], 1000000, 1, false, v, 8), 1);
        dht_store_stats(s, &st);
        CHECK_EQ(st.keys, 1);
        CHECK_EQ(st.expired, 3);
        CHECK_EQ(dht_store_del(s, k[0], 8, true), 0);
        dht_store_stats(s, &st);
        CHECK_EQ(st.keys, 0);
        CHECK_EQ(dht_store_put(s, k[3], 1, 3000, false), 1);

        /* tombstones: invisible, told apart, revived by a put */
        CHECK_EQ(dht_store_put(s, k[0], 8, DHT_EXPIRY_NEVER, true), 1);
        CHECK_EQ(dht_store_bury(s, k[0], 8, 5000000), -EPERM);
        CHECK_EQ(dht_store_bury(s, k[3], 1, 5000000), 1);
        CHECK_EQ(dht_store_bury(s, k[3], 1, 6000000), 0);
        CHECK(dht_store_buried(s, k[3], 1));
        CHECK(!dht_store_buried(s, k[0], 8));
        CHECK_EQ(dht_store_get(s, k[3], 0, 1, false, v, 8), 0);
        CHECK_EQ(dht_store_bury(s, k[1], 5, 5000000), 0);  /* made */
        CHECK(dht_store_buried(s, k[1], 5));
        dht_store_stats(s, &st);
        CHECK_EQ(st.keys, 1);
        CHECK_EQ(st.buried, 2);
        CHECK_EQ(dht_store_next(s), 0);  /* k0 is new: due at once */
        CHECK_EQ(dht_store_put(s, k[3], 1, 7000000, false), 1);
        CHECK(!dht_store_buried(s, k[3], 1));
        CHECK_EQ(dht_store_get(s, k[3], 0, 1, false, v, 8), 1);
        CHECK_EQ(dht_store_expire(s, 6000000), 1);  /* k1's tombstone */
        dht_store_stats(s, &st);
        CHECK_EQ(st.buried, 0);
        dht_store_destroy(s);
}

/* A lookup by hand: seeds at depth 1 point to closer contacts. */
static void test_lookup(void)
{
        struct dht_lookup *     lk;
        struct dht_lookup_cfg   cfg;
        struct dht_lookup_stats st;
        struct dht_contact      seeds[4];
        struct dht_contact      near[2];
        struct dht_contact      out[8];
        struct dht_contact      res[8];
        struct dht_val          val = { 42, 60 };
        uint8_t                 self[KL];
        uint8_t                 key[KL];
        size_t                  nout;
        size_t                  i;

        rnd_key(self);
        rnd_key(key);
        for (i = 0; i < 4; ++i)
                at_prefix(&seeds[i], key, 2 + i, 10 + i);
        at_prefix(&near[0], key, 40, 100);
        at_prefix(&near[1], key, 50, 101);

        cfg = (struct dht_lookup_cfg) { self, KL, 2, 2, 0, 1000 };
        CHECK_EQ(dht_lookup_start(&lk, &cfg, key, DHT_FIND_NODE, seeds, 4,
                                  out, &nout), 0);
        CHECK_EQ(nout, 2);  /* alpha, the closest two: prefix 5 and 4 */
        CHECK(out[0].addr == 13 && out[1].addr == 12);

        /* an answer from someone not asked changes nothing */
        CHECK_EQ(dht_lookup_reply(lk, seeds[0].id, near, 2, NULL, 0, out,
                                  &nout), -ENOENT);
        /* 13 points to the near ones (and to self: never listed) */
        memcpy(res[0].id, self, KL);
        res[0].addr = 1;
        res[1] = near[0];
        res[2] = near[1];
        CHECK_EQ(dht_lookup_reply(lk, seeds[3].id, res, 3, NULL, 0, out,
                                  &nout), DHT_LK_RUNNING);
        CHECK_EQ(nout, 1);  /* 12 still in flight: one more */
        CHECK_EQ(out[0].addr, 101);
        CHECK_EQ(dht_lookup_timeout(lk, seeds[2].id, out, &nout),
                 DHT_LK_RUNNING);
        CHECK_EQ(nout, 1);
        CHECK_EQ(out[0].addr, 100);
        CHECK_EQ(dht_lookup_reply(lk, near[1].id, NULL, 0, NULL, 0, out,
                                  &nout), DHT_LK_RUNNING);
        CHECK_EQ(dht_lookup_reply(lk, near[0].id, NULL, 0, NULL, 0, out,
                                  &nout), DHT_LK_CLOSEST);
        CHECK_EQ(dht_lookup_closest(lk, res, 8, false), 3);
        CHECK(res[0].addr == 101 && res[1].addr == 100 && res[2].addr == 13);
        /* all: the failed 12 and the never asked 11 and 10 too */
        CHECK_EQ(dht_lookup_closest(lk, res, 8, true), 6);
        CHECK(res[3].addr == 12 && res[5].addr == 10);
        CHECK_EQ(dht_lookup_closest(lk, res, 2, true), 2);
        dht_lookup_stats(lk, &st);
        CHECK_EQ(st.sent, 4);
        CHECK_EQ(st.answers, 3);
        CHECK_EQ(st.timeouts, 1);
        CHECK_EQ(st.rounds, 2);
        dht_lookup_destroy(lk);

        /* FIND_VALUE ends at the first value; the deadline ends it too */
        CHECK_EQ(dht_lookup_start(&lk, &cfg, key, DHT_FIND_VALUE, seeds, 4,
                                  out, &nout), 0);
        CHECK_EQ(dht_lookup_expire(lk, 999), DHT_LK_RUNNING);
        CHECK_EQ(dht_lookup_reply(lk, seeds[2].id, NULL, 0, &val, 1, out,
                                  &nout), DHT_LK_VALUE);
        CHECK_EQ(dht_lookup_values(lk, &val, 1), 1);
        CHECK_EQ(val.addr, 42);
        dht_lookup_destroy(lk);

        CHECK_EQ(dht_lookup_start(&lk, &cfg, key, DHT_FIND_VALUE, seeds, 4,
                                  out, &nout), 0);
        CHECK_EQ(dht_lookup_expire(lk, 1000), DHT_LK_TIMEOUT);
        dht_lookup_destroy(lk);

        /* no seeds: done at once; depth bounded by rounds_max */
        CHECK_EQ(dht_lookup_start(&lk, &cfg, key, DHT_FIND_NODE, NULL, 0,
                                  out, &nout), 0);
        CHECK_EQ(nout, 0);
        CHECK_EQ(dht_lookup_state(lk), DHT_LK_CLOSEST);
        dht_lookup_destroy(lk);

        cfg.rounds_max = 1;
        CHECK_EQ(dht_lookup_start(&lk, &cfg, key, DHT_FIND_NODE, seeds, 1,
                                  out, &nout), 0);
        CHECK_EQ(dht_lookup_reply(lk, seeds[0].id, near, 2, NULL, 0, out,
                                  &nout), DHT_LK_CLOSEST);
        CHECK_EQ(nout, 0);
        dht_lookup_destroy(lk);

        cfg.alpha = 0;
        CHECK_EQ(dht_lookup_start(&lk, &cfg, key, DHT_FIND_NODE, seeds, 1,
                                  out, &nout), -EINVAL);
}

int main(void)
{
        test_metric();
        test_buckets();
        test_closest();
        test_store();
        test_lookup();

        return check_report("dht_table");
}
