/*
 * Ouroboros - libFuzzer target for the IRMd wire codec: parses arbitrary
 * datagrams and reads every field type the IRMd reads, including nested
 * blocks, walks them with the iterators (every field, every occurrence
 * of a tag, checked sub-blocks), and puts every field through the name
 * rule and the log escaping, so that no input can read out of bounds and
 * the iterators agree with msg_count.
 *
 * Build and run: fuzz/run [seconds]
 */
#include "common/msg.h"
#include "common/name_check.h"
#include "common/proto.h"

#include <stdlib.h>

#include <stdint.h>
#include <string.h>

static void read_fields(struct msg_view v,
                        int             depth);

/* Every field once: the name rule and the escaping of each, the count
 * of the first tags by iteration equal to msg_count, and each field that
 * is a well-formed block (msg_iter_sub, kept in step) recursed. */
static void walk(struct msg_view v,
                 int             depth)
{
        static char     out[4 * 65536 + 1];
        struct msg_iter it;
        struct msg_iter subs;
        struct msg_view sub;
        const void *    p;
        size_t          n;
        size_t          i = 0;
        uint16_t        tag;

        msg_iter_init(&it, v);
        msg_iter_init(&subs, v);
        while (msg_iter_field(&it, &tag, &p, &n) == 0) {
                int    r = name_check_bytes(p, n, 255);
                size_t e = name_escape(out, sizeof(out), p, n);
                if (r == 0 && (e != n || memcmp(out, p, n) != 0))
                        abort(); /* a valid name is logged as it is */
                if (i++ < 8) {
                        struct msg_iter by_tag;
                        const void *    q;
                        size_t          m;
                        size_t          k = 0;
                        msg_iter_init(&by_tag, v);
                        while (msg_iter_next(&by_tag, tag, &q, &m) == 0)
                                ++k;
                        if (k != msg_count(v, tag) || k == 0)
                                abort();
                }
                if (msg_iter_sub(&subs, tag, &sub) == 0 && depth < 3)
                        read_fields(sub, depth + 1);
                if (subs.off != it.off) /* both stop after this field */
                        abort();
        }
}

static void read_fields(struct msg_view v,
                        int             depth)
{
        char            s[256];
        uint8_t         u8;
        uint32_t        u32;
        uint64_t        u64;
        qosspec_t       qs;
        const void *    p;
        size_t          n;
        size_t          i;
        struct msg_view sub;
        uint16_t        tag;

        walk(v, depth);

        for (tag = 0; tag < 96; ++tag) {
                msg_get_u8(v, tag, &u8);
                msg_get_u32(v, tag, &u32);
                msg_get_u64(v, tag, &u64);
                msg_get_qos(v, tag, &qs);
                msg_get_str(v, tag, s, sizeof(s) - 1);
                for (i = 0; msg_get_nth(v, tag, i, &p, &n) == 0 && i < 8; ++i)
                        if (n > 0)
                                u8 ^= ((const uint8_t *) p)[n - 1];
                if (depth < 3 && msg_sub(v, tag, 0, &sub) == 0)
                        read_fields(sub, depth + 1);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        static struct msg m;

        if (size > MSG_MAX)
                return 0;

        memcpy(m.buf, data, size);
        m.len   = size;
        m.n_fds = 0;

        if (msg_parse(&m) < 0)
                return 0;

        read_fields(msg_body(&m), 0);
        msg_result(&m);

        return 0;
}
