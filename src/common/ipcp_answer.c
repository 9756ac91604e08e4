/*
 * Ouroboros - reading what an IPCP answers about itself (see
 * ipcp_answer.h).
 */
#include "ipcp_answer.h"

#include "name_check.h"

#include <ouroboros/irm.h>

#include <errno.h>
#include <string.h>

size_t ipcp_answer_info(struct msg_view v,
                        char *          out)
{
        size_t i = 0;
        size_t n;
        size_t k;

        if (msg_get_str(v, T_INFO, out, PROTO_INFO_MAX) < 0) {
                out[0] = '\0';
                return 0;
        }

        n = strlen(out);
        while (i < n) {
                k = name_char_len((const uint8_t *) out + i, n - i);
                if (k == 0) {
                        out[i] = '?';
                        k      = 1;
                }
                i += k;
        }

        return n;
}

int ipcp_answer_stat(struct msg_view v,
                     struct msg *    out)
{
        struct msg_iter it;
        struct msg_view e;
        char            name[NAME_MAX_LEN + 1];
        uint64_t        val;
        int             off;
        int             n = 0;
        int             r;

        msg_iter_init(&it, v);
        while ((r = msg_iter_sub(&it, T_ENTRY, &e)) == 0) {
                if (msg_get_str(e, T_NAME, name, NAME_MAX_LEN) < 0 ||
                    name_check(name, NAME_MAX_LEN) < 0 ||
                    strchr(name, ' ') != NULL ||
                    msg_get_u64(e, T_VALUE, &val) < 0)
                        return -EBADMSG;
                off = msg_open_sub(out, T_ENTRY);
                if (off < 0 || msg_put_str(out, T_NAME, name) < 0 ||
                    msg_put_u64(out, T_VALUE, val) < 0)
                        return -EMSGSIZE;
                msg_close_sub(out, off);
                ++n;
        }

        return r == -ENOENT ? n : -EBADMSG;
}
