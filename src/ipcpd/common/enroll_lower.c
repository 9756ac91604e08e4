/*
 * Ouroboros - the IPCP framework: the start of the enroll op over a
 * lower flow (enroll_lower.h).
 */
#include "enroll_lower.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ipcp_enroll_lower(struct ipcp_enrolling ** e,
                      const char *             dst,
                      const char *             comp,
                      uint16_t                 proto,
                      int                      timeout_ms,
                      lower_conn_cb            cb,
                      void *                   arg)
{
        struct lower_info       req;
        struct ipcp_enrolling * r;
        int                     err;

        *e = NULL;

        if (dst == NULL || dst[0] == '\0' || strlen(dst) > NAME_MAX_LEN)
                return -EINVAL;

        r = calloc(1, sizeof(*r));
        if (r == NULL)
                return -ENOMEM;

        r->tok = ipcp_req_tok();
        r->fd  = -1;
        snprintf(r->dst, sizeof(r->dst), "%s", dst);

        memset(&req, 0, sizeof(req));
        req.proto = proto;
        snprintf(req.comp, sizeof(req.comp), "%s", comp);
        /* The layer the user named, if any: a member of another one
         * refuses (-EPERM) instead of handing over its own. */
        if (ipcp_req_layer(req.layer, sizeof(req.layer)) < 0)
                req.layer[0] = '\0';

        /* set before cb can run: it runs on this thread, later */
        *e = r;
        err = ipcp_lower_connect(dst, NULL, timeout_ms, &req, cb, arg);
        if (err < 0) {
                *e = NULL;
                free(r);
                return err;
        }

        return 0;
}
