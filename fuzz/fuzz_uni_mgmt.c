/*
 * Ouroboros - libFuzzer target for the unicast layer's management
 * messages (src/ipcpd/unicast/wire_mgmt.h) and address claim rules
 * (wire_claim.h). The input is a script: a byte of widths (address
 * size 1..8), then packets, each a length byte and that many bytes as
 * received from a neighbour. Every packet is parsed as each kind
 * (hello, dt hello, keepalive, claim, conflict); claims and conflicts
 * that parse go into one claim table, as a member would take them,
 * with a clock that steps by the packet's length.
 *
 * Oracle: an accepted message encodes back to exactly the bytes
 * received; the table never holds more than its bound, a claim heard
 * twice is a duplicate, an address with a claim recorded that has not
 * lost is taken, and a claim of a taken address conflicts.
 *
 * Sources: src/ipcpd/unicast/wire_mgmt.c src/ipcpd/unicast/wire_claim.c src/ipcpd/unicast/wire_dt.c
 */
#include "ipcpd/unicast/wire_claim.h"
#include "ipcpd/unicast/wire_mgmt.h"

#include <stdlib.h>
#include <string.h>

static struct claim_tab tab;
static uint8_t          out[MGMT_DT_HELLO_MAX + MGMT_CLAIM_MAX];

static void same(ssize_t         n,
                 const uint8_t * p,
                 size_t          len)
{
        if (n != (ssize_t) len || memcmp(out, p, len) != 0)
                abort();
}

static void one(uint8_t         as,
                const uint8_t * p,
                size_t          len,
                int64_t         now)
{
        struct dt_fmt     f = { as, (uint8_t) (9 - as) };
        struct mgmt_hello h;
        struct mgmt_claim c;
        enum claim_act    act;
        uint64_t          loser;
        bool              taken;
        bool              mine;

        if (mgmt_hello_parse(as, p, len, &h) == 0)
                same(mgmt_hello_write(as, &h, out, sizeof(out)), p, len);
        if (mgmt_dt_hello_parse(&f, p, len, &h) == 0)
                same(mgmt_dt_hello_write(&f, &h, out, sizeof(out)), p, len);
        if (mgmt_ka_parse(p, len) == 0)
                same(mgmt_ka_write(out, sizeof(out)), p, len);

        if (mgmt_claim_parse(as, MGMT_T_CLAIM, p, len, &c) == 0) {
                same(mgmt_claim_write(as, MGMT_T_CLAIM, &c, out,
                                      sizeof(out)), p, len);
                taken = claim_taken(&tab, c.addr);
                act = claim_rcv(&tab, &c, len & 1, now, &loser);
                if (act == CLAIM_FLOOD && taken)
                        abort();
                if (act == CLAIM_FLOOD_CONFLICT && loser != c.nonce)
                        abort();
                if (act != CLAIM_DUP &&
                    claim_rcv(&tab, &c, false, now, &loser) != CLAIM_DUP)
                        abort();
        }
        if (mgmt_claim_parse(as, MGMT_T_CONFLICT, p, len, &c) == 0) {
                same(mgmt_claim_write(as, MGMT_T_CONFLICT, &c, out,
                                      sizeof(out)), p, len);
                claim_rcv_conflict(&tab, &c, now, &mine);
                if (claim_rcv_conflict(&tab, &c, now, &mine) != CLAIM_DUP)
                        abort();
        }
        if ((p[0] & 7) == 0 && len > 9)
                claim_mine(&tab, p[1], p[2], now);
        if (tab.n > CLAIM_TAB_MAX)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        int64_t now = 0;
        uint8_t as;
        size_t  len;

        if (size < 1)
                return 0;

        claim_tab_init(&tab);
        as = (uint8_t) (data[0] % 8 + 1);
        ++data;
        --size;

        while (size > 0) {
                len = data[0];
                ++data;
                --size;
                if (len > size)
                        len = size;
                if (len > 0)
                        one(as, data, len, now);
                now += (int64_t) len * 1000;
                if (now % 7 == 0)
                        claim_expire(&tab, now);
                data += len;
                size -= len;
        }

        return 0;
}
