/*
 * Ouroboros - libFuzzer target for the IRMd wire codec: parses arbitrary
 * datagrams and reads every field type the IRMd reads, including nested
 * blocks, so that no input can read out of bounds.
 *
 * Build and run: fuzz/run [seconds]
 */
#include "common/msg.h"
#include "common/proto.h"

#include <stdint.h>
#include <string.h>

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
