/*
 * Ouroboros - libFuzzer target for the broadcast layer's parsers: the
 * data header, the enrollment request and answer (the first input byte
 * picks one; the rest is the packet), and the duplicate filter fed the
 * (origin, seq) of every header that parses, with hostile seqs and
 * origins, in one filter kept across inputs.
 *
 * Oracle: an accepted message encodes back to exactly the bytes
 * received (one canonical form); the filter never calls a pair new
 * twice in a row, and never remembers more origins than its bound.
 *
 * Sources: src/ipcpd/broadcast/wire.c src/ipcpd/broadcast/dup.c src/common/name_check.c
 */
#include "ipcpd/broadcast/dup.h"
#include "ipcpd/broadcast/wire.h"

#include <stdlib.h>
#include <string.h>

#define ORIGINS 16

static struct bc_dup * dup;
static int64_t         now;

static void check_hdr(const uint8_t * p,
                      size_t          n)
{
        struct bc_hdr h;
        uint8_t       out[BC_HDR_LEN];

        if (bc_hdr_parse(p, n, &h) < 0)
                return;
        if (n < BC_HDR_LEN)
                abort();
        bc_hdr_put(out, &h);
        if (memcmp(out, p, BC_HDR_LEN) != 0)
                abort();

        /* A few origins only, so that they collide and get evicted. */
        h.origin %= 2 * ORIGINS;
        now += n % 64;
        if (bc_dup_check(dup, h.origin, h.seq, now) == BC_DUP_NEW &&
            bc_dup_check(dup, h.origin, h.seq, now) == BC_DUP_NEW)
                abort();
        if (bc_dup_count(dup) > ORIGINS)
                abort();
        if (n % 7 == 0)
                bc_dup_expire(dup, now);
}

static void check_req(const uint8_t * p,
                      size_t          n)
{
        uint8_t out[BC_ENR_REQ_LEN];

        if (bc_enr_req_parse(p, n) < 0)
                return;
        if (bc_enr_req_put(out, sizeof(out)) != (ssize_t) n ||
            memcmp(out, p, n) != 0)
                abort();
}

static void check_ans(const uint8_t * p,
                      size_t          n)
{
        struct bc_conf c;
        uint8_t        out[BC_ENR_ANS_MAX];

        if (bc_enr_ans_parse(p, n, &c) < 0)
                return;
        if (bc_enr_ans_put(out, sizeof(out), &c) != (ssize_t) n ||
            memcmp(out, p, n) != 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        uint8_t * buf;

        if (dup == NULL) {
                dup = bc_dup_create(ORIGINS, 1000, 100);
                if (dup == NULL)
                        abort();
        }

        if (size < 1)
                return 0;

        /* A private copy, so reads past the end are caught. */
        buf = malloc(size - 1 > 0 ? size - 1 : 1);
        if (buf == NULL)
                return 0;
        memcpy(buf, data + 1, size - 1);

        switch (data[0] % 3) {
        case 0:
                check_hdr(buf, size - 1);
                break;
        case 1:
                check_req(buf, size - 1);
                break;
        default:
                check_ans(buf, size - 1);
                break;
        }

        free(buf);
        return 0;
}
