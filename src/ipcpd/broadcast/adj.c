/*
 * Ouroboros - ipcpd-broadcast's adjacencies: lower flows accepted
 * (component "dt" of the same layer makes a neighbour, "enroll" goes to
 * enroll.c, the rest is refused and counted), connect and disconnect.
 */
#include "bc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether lower flow fd carries a whole message of the layer. */
static int bc_check_max(int          fd,
                     const char * peer)
{
        size_t max = 0;

        if (fccntl(fd, FLOWGMAXPKT, &max) < 0 ||
            max < (size_t) bc.conf.mtu + BC_HDR_LEN) {
                ++bc.c[C_REFUSED_MTU];
                log_warn("Lower flow with %s carries %zu bytes, the layer "
                         "needs %u + %d: refused.", peer, max, bc.conf.mtu,
                         BC_HDR_LEN);
                return -EMSGSIZE;
        }

        return 0;
}

static struct bflow * nb_add(int          fd,
                             const char * name,
                             const char * dst)
{
        struct bflow * f;

        f = bc_flow_add(fd, true);
        if (f == NULL)
                return NULL;

        snprintf(f->name, sizeof(f->name), "%s", name);
        snprintf(f->dst, sizeof(f->dst), "%s", dst);
        log_info("Neighbour %s added (%zu now).", name, bc.n_nb);

        return f;
}

int bc_lower_cb(void *                    arg,
                    int                       fd,
                    const qosspec_t *         qs,
                    const struct lower_info * req,
                    struct lower_info *       ans)
{
        int err;

        (void) arg;
        (void) qs;

        if (bc.state != BC_OPER)
                return -EIPCPSTATE;

        ans->proto = BC_VERSION;
        snprintf(ans->layer, sizeof(ans->layer), "%s", bc.conf.layer);

        if (req->type != IPCP_BROADCAST || req->proto != BC_VERSION) {
                ++bc.c[C_REFUSED_COMP];
                log_warn("Lower flow from %s: type %d, version %u: "
                         "refused.", req->name, req->type, req->proto);
                return -EPROTO;
        }

        if (strcmp(req->comp, BC_COMP_ENROLL) == 0) {
                /* An enrollee names the layer it asked for, if any. */
                if (req->layer[0] != '\0' &&
                    strcmp(req->layer, bc.conf.layer) != 0) {
                        ++bc.c[C_REFUSED_LAYER];
                        log_warn("Enrollment of %s into layer '%s' "
                                 "refused: this is layer '%s'.", req->name,
                                 req->layer, bc.conf.layer);
                        return -EPERM;
                }
                return bc_accept_enroll(fd, req);
        }

        if (strcmp(req->comp, BC_COMP_DT) != 0) {
                ++bc.c[C_REFUSED_COMP];
                log_warn("Lower flow from %s for component '%s': refused.",
                         req->name, req->comp);
                return -EPROTONOSUPPORT;
        }

        if (strcmp(req->layer, bc.conf.layer) != 0) {
                ++bc.c[C_REFUSED_LAYER];
                log_warn("Neighbour %s is in layer '%s', not '%s': "
                         "refused.", req->name, req->layer, bc.conf.layer);
                return -EPERM;
        }

        err = bc_check_max(fd, req->name);
        if (err < 0)
                return err;

        return nb_add(fd, req->name, req->name) != NULL ? 0 : -ENOMEM;
}

static void conn_cb(void *                    arg,
                    int                       fd,
                    int                       result,
                    const struct lower_info * ans)
{
        struct pend * c = arg;
        int           err = result;

        if (fd >= 0) {
                err = bc_check_max(fd, c->dst);
                if (err == 0 && bc.state != BC_OPER)
                        err = -EIPCPSTATE;
                if (err == 0 && nb_add(fd, ans->name, c->dst) == NULL)
                        err = -ENOMEM;
                if (err < 0)
                        flow_dealloc(fd);
        }

        if (err < 0)
                log_warn("Connecting to %s failed: %d.", c->dst, err);

        ipcp_answer(c->tok, err);
        free(c);
}

static bool comp_ok(const char * comp)
{
        return comp[0] == '\0' || strcmp(comp, BC_COMP_DT) == 0;
}

int bc_connect(const char *      dst,
                      const char *      comp,
                      const qosspec_t * qs)
{
        struct lower_info req;
        struct pend *     c;
        int               err;

        if (bc.state != BC_OPER)
                return -EIPCPSTATE;
        if (!comp_ok(comp))
                return -ENOTSUP; /* only "dt": no management here */

        c = calloc(1, sizeof(*c));
        if (c == NULL)
                return -ENOMEM;

        c->tok = ipcp_req_tok();
        c->fd  = -1;
        snprintf(c->dst, sizeof(c->dst), "%s", dst);

        memset(&req, 0, sizeof(req));
        req.proto = BC_VERSION;
        snprintf(req.comp, sizeof(req.comp), BC_COMP_DT);
        snprintf(req.layer, sizeof(req.layer), "%s", bc.conf.layer);

        err = ipcp_lower_connect(dst, qs, BC_CONNECT_MS, &req, conn_cb, c);
        if (err < 0) {
                free(c);
                return err;
        }

        return IPCP_LATER;
}

int bc_disconnect(const char * dst,
                         const char * comp)
{
        struct bflow * f;
        struct bflow * next;
        int            n = 0;

        if (!comp_ok(comp))
                return -ENOTSUP;

        for (f = bc.flows; f != NULL; f = next) {
                next = f->next;
                if (f->nb && (strcmp(f->dst, dst) == 0 ||
                              strcmp(f->name, dst) == 0)) {
                        bc_flow_remove(f, "disconnected");
                        ++n;
                }
        }

        return n > 0 ? 0 : -ENOENT;
}

