/*
 * Ouroboros - libFuzzer target for what the IRMd takes from an IPCP's
 * answers and relays to clients (common/ipcp_answer.c): the T_INFO line
 * comes out printable and no longer than the bound, and the counters of
 * an M_IPCPD_STAT answer are copied only when well formed, each name a
 * valid name, into a message that parses again to the same entries.
 *
 * Sources: src/common/ipcp_answer.c src/common/msg.c src/common/name_check.c
 * Build and run: fuzz/run [seconds] fuzz_ipcp_answer
 */
#include "common/ipcp_answer.h"
#include "common/msg.h"
#include "common/name_check.h"
#include "common/proto.h"

#include <ouroboros/irm.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        static struct msg in;
        static struct msg out;
        char              info[PROTO_INFO_MAX + 1];
        char              name[NAME_MAX_LEN + 1];
        struct msg_iter   it;
        struct msg_view   e;
        uint64_t          v;
        size_t            n;
        int               k;
        int               i = 0;

        if (size > MSG_MAX)
                return 0;

        memcpy(in.buf, data, size);
        in.len   = size;
        in.n_fds = 0;
        if (msg_parse(&in) < 0)
                return 0;

        n = ipcp_answer_info(msg_body(&in), info);
        if (n != strlen(info) || n > PROTO_INFO_MAX)
                abort();
        if (n > 0 && name_check(info, PROTO_INFO_MAX) < 0)
                abort(); /* one printable line */

        msg_init_reply(&out, &in, 0);
        k = ipcp_answer_stat(msg_body(&in), &out);
        if (k < 0)
                return 0;

        /* what was relayed reads back: k entries, each a valid name */
        if (msg_parse(&out) < 0 ||
            msg_count(msg_body(&out), T_ENTRY) != (size_t) k)
                abort();
        msg_iter_init(&it, msg_body(&out));
        while (msg_iter_sub(&it, T_ENTRY, &e) == 0) {
                if (msg_get_str(e, T_NAME, name, NAME_MAX_LEN) <= 0 ||
                    name_check(name, NAME_MAX_LEN) < 0 ||
                    strchr(name, ' ') != NULL ||
                    msg_get_u64(e, T_VALUE, &v) < 0)
                        abort();
                ++i;
        }
        if (i != k)
                abort();

        return 0;
}
