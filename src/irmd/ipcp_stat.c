/*
 * Ouroboros IRMd - M_IPCP_STAT: an IPCP's counters, asked of it with
 * M_IPCPD_STAT and relayed entry by entry after checking them
 * (common/ipcp_answer.c), so a client never sees a malformed or
 * unprintable answer.
 */
#include "irmd.h"
#include "reg_ipcp.h"

#include "common/ipcp_answer.h"
#include "common/log.h"
#include "common/proto.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct stat_req {
        struct req req;
};

static void stat_done(void *             ctx,
                      struct reg_ipcp *  e,
                      int                res,
                      const struct msg * rep)
{
        struct stat_req * s = ctx;
        struct msg        out;

        if (res == -ETIMEDOUT)
                res = -EIPCP;

        req_init_reply(&out, &s->req, res);
        if (res == 0 && rep != NULL) {
                int r = ipcp_answer_stat(msg_body(rep), &out);
                if (r == -EBADMSG)
                        r = -EIPCP;
                if (r < 0) {
                        log_warn("IPCP %s: bad stat answer: %s.", e->name,
                                 irmd_strerror(r));
                        req_init_reply(&out, &s->req, r);
                }
        }
        req_send(&s->req, &out);
        free(s);
}

/*
 * M_IPCP_STAT {T_IPCP_NAME} -> T_ENTRY* {T_NAME, T_VALUE}
 * -EBADMSG, -ENOENT unknown IPCP, -EIPCPSTATE still starting, -EIPCP
 * the IPCP died, did not answer or answered garbage; else the IPCP's
 * result (-ENOTSUP: a type without counters).
 */
void ipcp_h_stat(struct conn *      c,
                 const struct msg * m)
{
        char              name[IPCP_NAME_MAX_LEN + 1];
        struct reg_ipcp * e;
        struct stat_req * s;
        struct msg        fwd;
        int               r;

        r = irmd_get_str(msg_body(m), T_IPCP_NAME, name, IPCP_NAME_MAX_LEN);
        if (r >= 0) {
                e = reg_ipcp_get(name);
                r = e == NULL ? -ENOENT : e->conn == NULL ? -EIPCPSTATE : 0;
        }
        if (r < 0) {
                conn_reply(c, m, r);
                return;
        }

        s = calloc(1, sizeof(*s));
        if (s == NULL) {
                conn_reply(c, m, -ENOMEM);
                return;
        }

        req_park(&s->req, c, m);
        msg_init(&fwd, M_IPCPD_STAT, 0, 0);
        r = ipcp_send_req(e, &fwd, IRMD_IPCP_STAT_NS, stat_done, s);
        if (r < 0) {
                req_fail(&s->req, r);
                free(s);
        }
}
