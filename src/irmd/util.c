/*
 * Ouroboros IRMd - small helpers of the request handlers: error strings
 * for log lines and config errors (including the project's own codes),
 * reading a required string field, and answering a list request.
 */
#include "irmd.h"

#include "common/name_check.h"
#include "common/proto.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char * irmd_strerror(int err)
{
        if (err < 0)
                err = -err;

        switch (err) {
        case ENOTALLOC:  return "flow is not allocated";
        case EIPCPTYPE:  return "IPCP type not available in this build";
        case EIRMD:      return "IRMd failure";
        case EIPCP:      return "IPCP failed or unreachable";
        case EIPCPSTATE: return "IPCP is in the wrong state";
        case EFLOWDOWN:  return "flow is down";
        case EFLOWPEER:  return "flow peer is unresponsive";
        case ENAME:      return "no such name";
        case ECRYPT:     return "cryptographic error";
        default:         return strerror(err);
        }
}

int irmd_get_str(struct msg_view v,
                 uint16_t        tag,
                 char *          buf,
                 size_t          max)
{
        int n = msg_get_str(v, tag, buf, max);

        if (n == -ENOENT)
                return -EBADMSG;
        if (n == 0)
                return -EINVAL;

        return n;
}

/* depth: T_CONF nests once. */
static int check_names(struct msg_view v,
                       int             depth)
{
        struct msg_iter it;
        const void *    p;
        size_t          n;
        uint16_t        tag;
        int             r;

        msg_iter_init(&it, v);
        while ((r = msg_iter_field(&it, &tag, &p, &n)) == 0) {
                struct msg_view sub = { p, n };
                switch (tag) {
                case T_NAME:
                case T_IPCP_NAME:
                case T_LAYER:
                case T_DST: /* NUL is a wire error, as in msg_get_str */
                        r = memchr(p, '\0', n) != NULL ? -EBADMSG :
                                name_check_bytes(p, n, NAME_MAX_LEN);
                        break;
                case T_CONF:
                        r = depth == 0 ? check_names(sub, 1) : 0;
                        break;
                default:
                        break;
                }
                if (r < 0)
                        return r;
        }

        return r == -ENOENT ? 0 : r;
}

int irmd_check_names(struct msg_view v)
{
        return check_names(v, 0);
}

int irmd_get_args(struct msg_view v,
                  char **         args,
                  size_t          argc)
{
        struct msg_iter it;
        size_t          i;

        msg_iter_init(&it, v);
        for (i = 0; i < argc; ++i) {
                const void * p;
                size_t       len;
                if (msg_iter_next(&it, T_ARG, &p, &len) < 0 ||
                    memchr(p, '\0', len) != NULL)
                        return -EBADMSG;
                args[i] = strndup(p, len);
                if (args[i] == NULL)
                        return -ENOMEM;
        }

        return 0;
}

void irmd_free_args(char ** args,
                    size_t  n)
{
        size_t i;

        for (i = 0; i < n; ++i) {
                free(args[i]);
                args[i] = NULL;
        }
}

void irmd_reply_list(struct conn *            c,
                     const struct msg *       m,
                     const struct list_head * head,
                     irmd_put_entry_fn        put)
{
        struct msg         rep;
        struct list_head * p;
        int                r = 0;

        msg_init_reply(&rep, m, 0);
        list_for_each(p, head) {
                int off = msg_open_sub(&rep, T_ENTRY);
                if (off < 0) {
                        r = off;
                        break;
                }
                r = put(&rep, p);
                msg_close_sub(&rep, off);
                if (r < 0)
                        break;
        }

        if (r < 0) {
                conn_reply(c, m, -EMSGSIZE);
                return;
        }

        if (conn_send(c, &rep) < 0 && c->kind == CONN_NEW)
                conn_close(c);
}
