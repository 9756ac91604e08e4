/*
 * Unit test of the directory's message codec: the exact bytes of a
 * known message, round trips of every type at the largest counts, and
 * every malformed input refused with its own error; then a member fed
 * bad, forged and over-cap messages: refused and counted, answers
 * well-formed.
 */
#include "dht.h"

#include <errno.h>
#include <string.h>

#include "../../../../../tests/check.h"

static struct dht_msg m;
static struct dht_msg r;
static uint8_t        buf[DHT_MSG_LEN_MAX + 16];

static void fill(uint8_t type,
                 size_t  klen,
                 size_t  nc,
                 size_t  nv)
{
        size_t i;

        memset(&m, 0, sizeof(m));
        m.type  = type;
        m.klen  = (uint8_t) klen;
        m.reqid = 0xa1b2c3d4;
        m.src   = 0x0102030405060708ULL;
        m.nc    = (uint16_t) nc;
        m.nv    = (uint16_t) nv;
        for (i = 0; i < klen; ++i) {
                m.id[i]  = (uint8_t) (0x10 + i);
                m.key[i] = (uint8_t) (0x80 + i);
        }
        for (i = 0; i < nc; ++i) {
                memset(m.contacts[i].id, (int) i, klen);
                m.contacts[i].addr = 1000 + i;
        }
        for (i = 0; i < nv; ++i) {
                m.vals[i].addr = 2000 + i;
                m.vals[i].ttl  = (uint32_t) (3600 + i);
        }
}

static void test_bytes(void)
{
        size_t i;
        size_t off;

        fill(DHT_FIND_VALUE_REP, 28, 1, 1);
        CHECK_EQ(dht_msg_encode(buf, sizeof(buf), &m),
                 DHT_MSG_LEN(28, 1, 1));
        CHECK_EQ(DHT_MSG_LEN(28, 1, 1), 20 + 56 + 36 + 12);
        CHECK(buf[0] == 1 && buf[1] == 0x82 && buf[2] == 28 && buf[3] == 0);
        CHECK(buf[4] == 0xa1 && buf[7] == 0xd4);
        CHECK(buf[8] == 1 && buf[15] == 8);
        CHECK(buf[16] == 0 && buf[17] == 1 && buf[18] == 0 && buf[19] == 1);
        CHECK(buf[20] == 0x10 && buf[20 + 27] == 0x10 + 27);
        CHECK(buf[48] == 0x80);
        off = 20 + 56;
        for (i = 0; i < 28; ++i)
                CHECK(buf[off + i] == 0);
        CHECK(buf[off + 28 + 6] == 0x03 && buf[off + 28 + 7] == 0xe8);
        off += 36;
        CHECK(buf[off + 6] == 0x07 && buf[off + 7] == 0xd0);  /* 2000 */
        CHECK(buf[off + 10] == 0x0e && buf[off + 11] == 0x10); /* 3600 */

        CHECK_EQ(dht_msg_parse(buf, DHT_MSG_LEN(28, 1, 1), 28, &r), 0);
        CHECK(r.reqid == m.reqid && r.src == m.src);
        CHECK(r.contacts[0].addr == 1000 && r.vals[0].ttl == 3600);
        CHECK(memcmp(r.key, m.key, 28) == 0);
}

static void round_trip(uint8_t type,
                       size_t  klen,
                       size_t  nc,
                       size_t  nv)
{
        ssize_t n;

        fill(type, klen, nc, nv);
        n = dht_msg_encode(buf, sizeof(buf), &m);
        CHECK_EQ(n, DHT_MSG_LEN(klen, nc, nv));
        CHECK_EQ(dht_msg_encode(buf, (size_t) n - 1, &m), -ENOBUFS);
        CHECK_EQ(dht_msg_parse(buf, (size_t) n, klen, &r), 0);
        CHECK(r.type == type && r.nc == nc && r.nv == nv);
        CHECK(memcmp(r.id, m.id, klen) == 0);
        if (nc > 0)
                CHECK(r.contacts[nc - 1].addr == m.contacts[nc - 1].addr &&
                      memcmp(r.contacts[nc - 1].id, m.contacts[nc - 1].id,
                             klen) == 0);
        if (nv > 0)
                CHECK(r.vals[nv - 1].addr == m.vals[nv - 1].addr &&
                      r.vals[nv - 1].ttl == m.vals[nv - 1].ttl);
        /* the instance's key length only */
        CHECK_EQ(dht_msg_parse(buf, (size_t) n, klen == 32 ? 28 : 32, &r),
                 -EKEYREJECTED);
}

static void test_round_trips(void)
{
        static const size_t kl[] = { 28, 32, 48, 64 };
        size_t              i;

        for (i = 0; i < 4; ++i) {
                round_trip(DHT_FIND_NODE, kl[i], 0, 0);
                round_trip(DHT_FIND_VALUE, kl[i], 0, 0);
                round_trip(DHT_STORE, kl[i], 0, DHT_MSG_VALS_MAX);
                round_trip(DHT_FIND_NODE_REP, kl[i], DHT_MSG_CONTACTS_MAX, 0);
                round_trip(DHT_FIND_VALUE_REP, kl[i], DHT_MSG_CONTACTS_MAX,
                           DHT_MSG_VALS_MAX);
                round_trip(DHT_STORE_REP, kl[i], 0, 0);
        }
        CHECK_EQ(DHT_MSG_LEN_MAX, 20 + 128 + 255 * 72 + 64 * 12);
        CHECK(DHT_MSG_LEN(64, DHT_MSG_CONTACTS_MAX, DHT_MSG_VALS_MAX) ==
              DHT_MSG_LEN_MAX);
}

/* Encode a good message, spoil one byte, expect err. */
static void spoil(uint8_t type,
                  size_t  nc,
                  size_t  nv,
                  size_t  off,
                  uint8_t val,
                  int     err)
{
        ssize_t n;

        fill(type, 32, nc, nv);
        n = dht_msg_encode(buf, sizeof(buf), &m);
        CHECK(n > 0);
        CHECK_EQ(dht_msg_parse(buf, (size_t) n, 32, &r), 0);
        buf[off] = val;
        CHECK_EQ(dht_msg_parse(buf, (size_t) n, 32, &r), err);
}

static void test_bad(void)
{
        size_t  cv = 20 + 64;              /* first contact, klen 32 */
        size_t  n;

        spoil(DHT_FIND_NODE, 0, 0, 0, 2, -EPROTONOSUPPORT);
        spoil(DHT_FIND_NODE, 0, 0, 0, 0, -EPROTONOSUPPORT);
        spoil(DHT_FIND_NODE, 0, 0, 3, 1, -EINVAL);        /* a flag */
        spoil(DHT_FIND_NODE, 0, 0, 2, 28, -EKEYREJECTED); /* not ours */
        spoil(DHT_FIND_NODE, 0, 0, 1, 4, -EINVAL);        /* no such type */
        spoil(DHT_FIND_NODE, 0, 0, 1, 0x84, -EINVAL);
        spoil(DHT_FIND_NODE, 0, 0, 1, 0, -EINVAL);
        spoil(DHT_FIND_NODE, 0, 0, 1, DHT_STORE, -EPROTO);  /* no value */
        spoil(DHT_FIND_NODE, 0, 0, 17, 1, -EPROTO);      /* request, nc */
        spoil(DHT_FIND_VALUE, 0, 0, 19, 1, -EPROTO);     /* request, nv */
        spoil(DHT_STORE_REP, 0, 0, 19, 1, -EPROTO);
        spoil(DHT_STORE, 0, 1, 17, 1, -EPROTO);          /* STORE, nc */
        spoil(DHT_FIND_NODE_REP, 1, 0, 19, 1, -EPROTO);  /* nv */
        spoil(DHT_FIND_NODE_REP, 1, 0, 16, 1, -E2BIG);   /* 257 contacts */
        spoil(DHT_FIND_VALUE_REP, 0, 1, 19, 65, -E2BIG); /* 65 values */
        spoil(DHT_FIND_NODE_REP, 1, 0, 17, 2, -EBADMSG); /* says 2, has 1 */
        spoil(DHT_FIND_VALUE_REP, 0, 1, 19, 2, -EBADMSG);
        spoil(DHT_FIND_NODE_REP, 2, 0, 17, 1, -EPROTO);  /* bytes left */

        /* src address 0 */
        fill(DHT_FIND_NODE, 32, 0, 0);
        n = (size_t) dht_msg_encode(buf, sizeof(buf), &m);
        memset(buf + 8, 0, 8);
        CHECK_EQ(dht_msg_parse(buf, n, 32, &r), -EINVAL);
        m.src = 0;
        CHECK_EQ(dht_msg_encode(buf, sizeof(buf), &m), -EINVAL);

        /* contact address 0 */
        fill(DHT_FIND_NODE_REP, 32, 1, 0);
        n = (size_t) dht_msg_encode(buf, sizeof(buf), &m);
        memset(buf + cv + 32, 0, 8);
        CHECK_EQ(dht_msg_parse(buf, n, 32, &r), -EINVAL);

        /* value address 0; a reply's value with ttl 0 */
        fill(DHT_FIND_VALUE_REP, 32, 0, 1);
        n = (size_t) dht_msg_encode(buf, sizeof(buf), &m);
        memset(buf + cv, 0, 8);
        CHECK_EQ(dht_msg_parse(buf, n, 32, &r), -EINVAL);
        n = (size_t) dht_msg_encode(buf, sizeof(buf), &m);
        memset(buf + cv + 8, 0, 4);
        CHECK_EQ(dht_msg_parse(buf, n, 32, &r), -ERANGE);
        m.vals[0].ttl = 0;
        CHECK_EQ(dht_msg_encode(buf, sizeof(buf), &m), -ERANGE);

        /* a STORE with ttl 0 withdraws: allowed */
        fill(DHT_STORE, 32, 0, 1);
        m.vals[0].ttl = 0;
        n = (size_t) dht_msg_encode(buf, sizeof(buf), &m);
        CHECK_EQ(dht_msg_parse(buf, n, 32, &r), 0);
        CHECK_EQ(r.vals[0].ttl, 0);

        /* short, empty, oversized (refused unread) */
        CHECK_EQ(dht_msg_parse(buf, 0, 32, &r), -EBADMSG);
        CHECK_EQ(dht_msg_parse(buf, DHT_MSG_HDR_LEN - 1, 32, &r), -EBADMSG);
        fill(DHT_FIND_NODE, 32, 0, 0);
        n = (size_t) dht_msg_encode(buf, sizeof(buf), &m);
        CHECK_EQ(dht_msg_parse(buf, n - 1, 32, &r), -EBADMSG);
        CHECK_EQ(dht_msg_parse(buf, DHT_MSG_LEN_MAX + 1, 32, &r),
                 -EMSGSIZE);

        /* the encoder checks too */
        fill(DHT_FIND_NODE_REP, 32, 0, 0);
        m.nc = DHT_MSG_CONTACTS_MAX + 1;
        CHECK_EQ(dht_msg_encode(buf, sizeof(buf), &m), -E2BIG);
        fill(DHT_FIND_NODE, 33, 0, 0);
        CHECK_EQ(dht_msg_check(&m), -EKEYREJECTED);
}

/* Feed m (encoded) to d; returns dht_rcv's result. */
static int feed(struct dht * d,
                uint64_t     now)
{
        ssize_t n = dht_msg_encode(buf, sizeof(buf), &m);

        CHECK(n > 0);
        return dht_rcv(d, buf, (size_t) n, now);
}

/* The one message d has to send: parsed into r; its destination. */
static uint64_t sent_one(struct dht * d)
{
        uint64_t dst = 0;
        ssize_t  n   = dht_pop(d, &dst, buf, sizeof(buf));

        CHECK(n > 0);
        CHECK_EQ(dht_msg_parse(buf, (size_t) n, 32, &r), 0);
        CHECK_EQ(dht_pop(d, &dst, buf, sizeof(buf)), 0);

        return dst;
}

static size_t sent;

static int count_entry(const struct dht_entry * e,
                       void *                   arg)
{
        (void) arg;
        sent += e->nv + (e->own ? 100 : 0);
        return 0;
}

static void test_member(void)
{
        struct dht_cfg   cfg = { .klen = 32, .max_keys = 2, .max_vals = 2 };
        struct dht *     d;
        struct dht_stats st;
        uint8_t          self[32];
        uint64_t         dst;

        memset(self, 0xee, sizeof(self));
        CHECK_EQ(dht_create(&d, &cfg, self, 0, 0), -EINVAL);
        cfg.klen = 20;
        CHECK_EQ(dht_create(&d, &cfg, self, 5, 0), -EINVAL);
        cfg.klen = 32;
        CHECK_EQ(dht_create(&d, &cfg, self, 5, 0), 0);

        /* garbage, wrong key length, oversized: refused, counted */
        memset(buf, 0xab, sizeof(buf));
        CHECK_EQ(dht_rcv(d, buf, 40, 1), -EPROTONOSUPPORT);
        fill(DHT_FIND_NODE, 28, 0, 0);
        CHECK_EQ(feed(d, 1), -EKEYREJECTED);
        CHECK_EQ(dht_rcv(d, buf, DHT_MSG_LEN_MAX + 1, 1), -EMSGSIZE);
        /* a message that claims to come from the member itself */
        fill(DHT_FIND_NODE, 32, 0, 0);
        memcpy(m.id, self, 32);
        CHECK_EQ(feed(d, 1), -EINVAL);
        dht_stats(d, &st);
        CHECK_EQ(st.bad, 4);
        CHECK_EQ(st.rcv, 0);
        CHECK_EQ(dht_pop(d, &dst, buf, sizeof(buf)), 0);

        /* a FIND_NODE is answered to its sender, reqid echoed, with the
         * sender left out of the contacts */
        fill(DHT_FIND_NODE, 32, 0, 0);
        CHECK_EQ(feed(d, 2), 0);
        CHECK_EQ(sent_one(d), m.src);
        CHECK(r.type == DHT_FIND_NODE_REP && r.reqid == m.reqid);
        CHECK(r.nc == 0 && memcmp(r.key, m.key, 32) == 0);

        /* a reply to nothing: dropped, counted */
        fill(DHT_FIND_NODE_REP, 32, 1, 0);
        CHECK_EQ(feed(d, 3), 0);
        CHECK_EQ(dht_pop(d, &dst, buf, sizeof(buf)), 0);
        dht_stats(d, &st);
        CHECK_EQ(st.unmatched, 1);

        /* STOREs beyond the caps: refused, counted, still answered */
        fill(DHT_STORE, 32, 0, 3);
        CHECK_EQ(feed(d, 4), 0);
        CHECK_EQ(sent_one(d), m.src);
        CHECK(r.type == DHT_STORE_REP);
        m.key[0] ^= 1;
        CHECK_EQ(feed(d, 4), 0);
        sent_one(d);
        m.key[0] ^= 2;
        CHECK_EQ(feed(d, 4), 0);
        sent_one(d);
        dht_stats(d, &st);
        CHECK_EQ(st.store.keys, 2);
        CHECK_EQ(st.store.vals, 4);
        CHECK_EQ(st.store.refused_vals, 2);
        CHECK_EQ(st.store.refused_keys, 3);  /* one per value */

        /* FIND_VALUE of a held key: the values, with the ttl left */
        fill(DHT_FIND_VALUE, 32, 0, 0);
        CHECK_EQ(feed(d, 1004), 0);
        sent_one(d);
        CHECK(r.type == DHT_FIND_VALUE_REP && r.nv == 2 && r.nc == 0);
        CHECK_EQ(r.vals[0].ttl, 3599);

        /* full: no room for an own registration either */
        CHECK_EQ(dht_register(d, m.key, 1005), -ENOSPC);

        /* what irm ipcp stat will list: two keys, two values each;
         * after their ttl, nothing */
        sent = 0;
        CHECK_EQ(dht_entries(d, 1005, count_entry, NULL), 0);
        CHECK_EQ(sent, 4);
        sent = 0;
        CHECK_EQ(dht_entries(d, 3601004, count_entry, NULL), 0);
        CHECK_EQ(sent, 0);

        dht_destroy(d);
}

int main(void)
{
        test_bytes();
        test_round_trips();
        test_bad();
        test_member();

        return check_report("dht_msg");
}
