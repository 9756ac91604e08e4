/*
 * Unit test of the unicast layer's management messages (wire_mgmt.h)
 * and address claim rules (wire_claim.h): hello, keepalive, claim and
 * conflict round trip with their bytes where the format says, every
 * malformed message is refused (truncated, trailing bytes, version,
 * flags, address 0 or all ones); the dt hello is a dt packet to the
 * all-ones address. The claim table: a member keeps the first claim of
 * an address it hears, so of two concurrent claims of one address, run
 * through a simulated line of members in every delivery order, never
 * both hold; held addresses are refused; duplicates are not flooded.
 */
#include "wire_claim.h"
#include "wire_mgmt.h"

#include <errno.h>
#include <string.h>

#include "../../../../tests/check.h"

static void test_hello(void)
{
        uint8_t           buf[MGMT_HELLO_MAX + 1];
        uint8_t           b[MGMT_HELLO_MAX + 1];
        struct mgmt_hello h = { MGMT_HELLO_ACK, 0x01020304 };
        struct mgmt_hello g;
        size_t            i;
        int               a;

        CHECK(mgmt_hello_write(4, &h, buf, sizeof(buf)) == 7);
        CHECK(buf[0] == MGMT_T_HELLO && buf[1] == 1 && buf[2] == 1);
        CHECK(buf[3] == 1 && buf[6] == 4);
        CHECK(mgmt_type(buf, 7) == MGMT_T_HELLO);
        CHECK(mgmt_hello_parse(4, buf, 7, &g) == 0);
        CHECK(g.flags == h.flags && g.addr == h.addr);
        for (i = 0; i < 7; ++i)
                CHECK(mgmt_hello_parse(4, buf, i, &g) == -EBADMSG);
        CHECK(mgmt_hello_parse(4, buf, 8, &g) == -EBADMSG);
        CHECK(mgmt_hello_parse(3, buf, 7, &g) == -EBADMSG);
        for (i = 0; i < 3; ++i) {
                memcpy(b, buf, 7);
                b[i] ^= 0x10;
                CHECK(mgmt_hello_parse(4, b, 7, &g) == -EBADMSG);
        }
        memcpy(b, buf, 7);
        b[2] = MGMT_HELLO_DUP;             /* DUP without ACK */
        CHECK(mgmt_hello_parse(4, b, 7, &g) == -EBADMSG);
        b[2] = MGMT_HELLO_DUP | MGMT_HELLO_ACK;
        CHECK(mgmt_hello_parse(4, b, 7, &g) == 0 && g.flags == 3);
        memset(b + 3, 0, 4);               /* address 0 */
        CHECK(mgmt_hello_parse(4, b, 7, &g) == -EBADMSG);
        memset(b + 3, 0xff, 4);            /* all ones */
        CHECK(mgmt_hello_parse(4, b, 7, &g) == -EBADMSG);

        /* the writer refuses what the parser would */
        h.addr = 0;
        CHECK(mgmt_hello_write(4, &h, buf, sizeof(buf)) == -EINVAL);
        h.addr = 0xffffffff;
        CHECK(mgmt_hello_write(4, &h, buf, sizeof(buf)) == -EINVAL);
        h.addr = 0x100000000ull;
        CHECK(mgmt_hello_write(4, &h, buf, sizeof(buf)) == -EINVAL);
        h.addr  = 7;
        h.flags = 4;
        CHECK(mgmt_hello_write(4, &h, buf, sizeof(buf)) == -EINVAL);
        h.flags = 0;
        CHECK(mgmt_hello_write(4, &h, buf, 6) == -EMSGSIZE);
        CHECK(mgmt_hello_write(9, &h, buf, sizeof(buf)) == -EINVAL);

        /* every width */
        for (a = 1; a <= 8; ++a) {
                h.addr = mgmt_addr_any((uint8_t) a) - 1;
                CHECK(mgmt_hello_write((uint8_t) a, &h, buf, sizeof(buf))
                      == 3 + a);
                CHECK(mgmt_hello_parse((uint8_t) a, buf, (size_t) (3 + a),
                                       &g) == 0 && g.addr == h.addr);
        }
        CHECK(mgmt_addr_any(1) == 255 && mgmt_addr_any(8) == UINT64_MAX);
        CHECK(!mgmt_addr_ok(1, 255) && mgmt_addr_ok(1, 254));
        CHECK(!mgmt_addr_ok(2, 0) && !mgmt_addr_ok(2, 65536));
        CHECK(mgmt_type(buf, 0) == -EBADMSG);
}

static void test_ka(void)
{
        uint8_t buf[2];

        CHECK(mgmt_ka_write(buf, 0) == -EMSGSIZE);
        CHECK(mgmt_ka_write(buf, sizeof(buf)) == 1 && buf[0] == MGMT_T_KA);
        CHECK(mgmt_ka_parse(buf, 1) == 0);
        CHECK(mgmt_ka_parse(buf, 0) == -EBADMSG);
        CHECK(mgmt_ka_parse(buf, 2) == -EBADMSG);
        buf[0] = MGMT_T_HELLO;
        CHECK(mgmt_ka_parse(buf, 1) == -EBADMSG);
}

static void test_claim_msg(void)
{
        uint8_t           buf[MGMT_CLAIM_MAX + 1];
        struct mgmt_claim c = { 0x0a0b, 0x1122334455667788ull };
        struct mgmt_claim d;
        size_t            i;

        CHECK(mgmt_claim_write(2, MGMT_T_CLAIM, &c, buf, sizeof(buf))
              == 11);
        CHECK(buf[0] == MGMT_T_CLAIM && buf[1] == 0x0a && buf[2] == 0x0b);
        CHECK(buf[3] == 0x11 && buf[10] == 0x88);
        CHECK(mgmt_claim_parse(2, MGMT_T_CLAIM, buf, 11, &d) == 0);
        CHECK(d.addr == c.addr && d.nonce == c.nonce);
        CHECK(mgmt_claim_parse(2, MGMT_T_CONFLICT, buf, 11, &d)
              == -EBADMSG);
        for (i = 0; i < 11; ++i)
                CHECK(mgmt_claim_parse(2, MGMT_T_CLAIM, buf, i, &d)
                      == -EBADMSG);
        CHECK(mgmt_claim_parse(2, MGMT_T_CLAIM, buf, 12, &d) == -EBADMSG);
        CHECK(mgmt_claim_write(2, MGMT_T_CONFLICT, &c, buf, sizeof(buf))
              == 11 && buf[0] == MGMT_T_CONFLICT);
        CHECK(mgmt_claim_parse(2, MGMT_T_CONFLICT, buf, 11, &d) == 0);
        buf[1] = 0xff;
        buf[2] = 0xff;
        CHECK(mgmt_claim_parse(2, MGMT_T_CONFLICT, buf, 11, &d)
              == -EBADMSG);
        CHECK(mgmt_claim_write(2, MGMT_T_KA, &c, buf, sizeof(buf))
              == -EINVAL);
        c.addr = 0;
        CHECK(mgmt_claim_write(2, MGMT_T_CLAIM, &c, buf, sizeof(buf))
              == -EINVAL);
        c.addr = 1;
        CHECK(mgmt_claim_write(2, MGMT_T_CLAIM, &c, buf, 10) == -EMSGSIZE);
}

static void test_dt_hello(void)
{
        struct dt_fmt     f = { 4, 8 };
        uint8_t           buf[MGMT_DT_HELLO_MAX];
        struct mgmt_hello h = { 0, 42 };
        struct mgmt_hello g;
        struct dt_hdr     d;
        ssize_t           n;

        n = mgmt_dt_hello_write(&f, &h, buf, sizeof(buf));
        CHECK(n == 15 + 7);
        CHECK(dt_hdr_parse(&f, buf, (size_t) n, &d) == 15);
        CHECK(d.dst == 0xffffffff && d.ttl == 1 && d.eid == 0);
        CHECK(mgmt_dt_hello_parse(&f, buf, (size_t) n, &g) == 0);
        CHECK(g.addr == 42 && g.flags == 0);
        CHECK(mgmt_dt_hello_parse(&f, buf, (size_t) n - 1, &g) == -EBADMSG);
        buf[5] = 2;                       /* ttl */
        CHECK(mgmt_dt_hello_parse(&f, buf, (size_t) n, &g) == -EBADMSG);
        buf[5] = 1;
        buf[14] = 1;                      /* eid */
        CHECK(mgmt_dt_hello_parse(&f, buf, (size_t) n, &g) == -EBADMSG);
        buf[14] = 0;
        buf[0] = 0x7f;                    /* dst: not the neighbour */
        CHECK(mgmt_dt_hello_parse(&f, buf, (size_t) n, &g) == -EBADMSG);
        CHECK(mgmt_dt_hello_write(&f, &h, buf, 16) == -EMSGSIZE);
}

static void test_claim_rules(void)
{
        static struct claim_tab t;
        struct mgmt_claim       c = { 5, 100 };
        uint64_t                loser = 0;
        bool                    mine;

        claim_tab_init(&t);
        CHECK(!claim_taken(&t, 5));
        CHECK(claim_rcv(&t, &c, false, 0, &loser) == CLAIM_FLOOD);
        CHECK(claim_taken(&t, 5));
        CHECK(claim_rcv(&t, &c, false, 1, &loser) == CLAIM_DUP);
        /* a second claim of 5: the later one loses */
        c.nonce = 50;
        CHECK(claim_rcv(&t, &c, false, 2, &loser) == CLAIM_FLOOD_CONFLICT);
        CHECK(loser == 50);
        CHECK(claim_mine(&t, 5, 7, 3) == -EEXIST);
        /* the first loses elsewhere: 5 is free again here */
        c.nonce = 100;
        CHECK(claim_rcv_conflict(&t, &c, 4, &mine) == CLAIM_FLOOD && !mine);
        CHECK(claim_rcv_conflict(&t, &c, 4, &mine) == CLAIM_DUP);
        c.nonce = 50;
        CHECK(claim_rcv_conflict(&t, &c, 4, &mine) == CLAIM_FLOOD);
        CHECK(!claim_taken(&t, 5));
        CHECK(claim_mine(&t, 5, 7, 5) == 0);
        CHECK(claim_mine(&t, 6, 7, 5) == -EINVAL);  /* nonce in use */
        CHECK(claim_mine(&t, 0, 8, 5) == -EINVAL);
        /* a claim of an address held */
        c.addr  = 9;
        c.nonce = 1;
        CHECK(claim_rcv(&t, &c, true, 6, &loser) == CLAIM_FLOOD_CONFLICT);
        CHECK(loser == 1);
        /* a conflict for our own claim */
        c.addr  = 5;
        c.nonce = 7;
        CHECK(claim_rcv_conflict(&t, &c, 7, &mine) == CLAIM_FLOOD && mine);
        /* a conflict never heard as a claim is remembered */
        c.addr  = 11;
        c.nonce = 12;
        CHECK(claim_rcv_conflict(&t, &c, 8, &mine) == CLAIM_FLOOD && !mine);
        CHECK(claim_rcv_conflict(&t, &c, 8, &mine) == CLAIM_DUP);
        /* expiry */
        claim_expire(&t, CLAIM_HOLD_MS + 100);
        CHECK(t.n == 0);
        /* a full table forgets the oldest, never its own */
        CHECK(claim_mine(&t, 1, 1, 0) == 0);
        for (c.addr = 2; c.addr < CLAIM_TAB_MAX + 10; ++c.addr) {
                c.nonce = c.addr;
                claim_rcv(&t, &c, false, (int64_t) c.addr, &loser);
        }
        CHECK(t.n == CLAIM_TAB_MAX && claim_taken(&t, 1));
        CHECK(t.evicted == 9 && !claim_taken(&t, 2));
}

/*
 * Members 0..N-1 in a line, mgmt adjacencies i - i+1; claimers at
 * members a and b claim one address with nonces 1 and 2. Messages in
 * flight are delivered in an order chosen by seed; at the end, the
 * claims that no conflict named both hold: never both.
 */
#define N 6

struct sim_msg {
        int               to;
        int               from;
        int               type;
        struct mgmt_claim c;
};

static struct claim_tab tabs[N];
static struct sim_msg   q[4096];
static size_t           nq;

static void sim_flood(int               self,
                      int               except,
                      int               type,
                      struct mgmt_claim c)
{
        int nb[2] = { self - 1, self + 1 };
        int i;

        for (i = 0; i < 2; ++i) {
                if (nb[i] < 0 || nb[i] >= N || nb[i] == except)
                        continue;
                CHECK(nq < sizeof(q) / sizeof(q[0]));
                q[nq].to   = nb[i];
                q[nq].from = self;
                q[nq].type = type;
                q[nq].c    = c;
                ++nq;
        }
}

static int sim_run(int      a,
                   int      b,
                   uint32_t seed)
{
        struct mgmt_claim c = { 77, 0 };
        bool              lost[3] = { false, false, false };
        uint64_t          loser;
        bool              mine;
        int               i;

        nq = 0;
        for (i = 0; i < N; ++i)
                claim_tab_init(&tabs[i]);

        c.nonce = 1;
        CHECK(claim_mine(&tabs[a], 77, 1, 0) == 0);
        sim_flood(a, -1, MGMT_T_CLAIM, c);
        c.nonce = 2;
        if (claim_mine(&tabs[b], 77, 2, 0) == 0)
                sim_flood(b, -1, MGMT_T_CLAIM, c);
        else
                lost[2] = true; /* a == b: taken at once */

        while (nq > 0) {
                struct sim_msg m;
                size_t         k;

                seed = seed * 1103515245u + 12345u;
                k = (seed >> 8) % nq;
                m = q[k];
                q[k] = q[--nq];

                if (m.type == MGMT_T_CLAIM) {
                        switch (claim_rcv(&tabs[m.to], &m.c, false, 1,
                                          &loser)) {
                        case CLAIM_DUP:
                                break;
                        case CLAIM_FLOOD_CONFLICT:
                                c.addr  = m.c.addr;
                                c.nonce = loser;
                                claim_rcv_conflict(&tabs[m.to], &c, 1,
                                                   &mine);
                                if (mine)
                                        lost[loser] = true;
                                sim_flood(m.to, -1, MGMT_T_CONFLICT, c);
                                /* fall through */
                        default:
                                sim_flood(m.to, m.from, MGMT_T_CLAIM, m.c);
                        }
                } else if (claim_rcv_conflict(&tabs[m.to], &m.c, 1, &mine)
                           == CLAIM_FLOOD) {
                        if (mine)
                                lost[m.c.nonce] = true;
                        sim_flood(m.to, m.from, MGMT_T_CONFLICT, m.c);
                }
        }

        CHECK(!(!lost[1] && !lost[2]));

        return !lost[1] + !lost[2];
}

static void test_claim_sim(void)
{
        uint32_t seed;
        int      a;
        int      b;
        int      won = 0;

        for (a = 0; a < N; ++a)
                for (b = 0; b < N; ++b)
                        for (seed = 1; seed < 40; ++seed)
                                won += sim_run(a, b, seed);

        /* one of the two holds in some runs (not always both lose) */
        CHECK(won > 0);
}

int main(void)
{
        test_hello();
        test_ka();
        test_claim_msg();
        test_dt_hello();
        test_claim_rules();
        test_claim_sim();

        printf("test_wire_mgmt: %d checks passed\n",
               atomic_load(&check_passed));

        return 0;
}
