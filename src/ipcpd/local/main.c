/*
 * Ouroboros - ipcpd-local: a layer confined to one host.
 *
 * It carries no data: a flow allocation to a registered name is
 * "spliced", the requesting half (flow X) and the accepting half (flow
 * Y) being one flow, so both applications map the same flow memory and
 * talk through it directly. The IRMd now splices local flows itself and
 * only asks us about names; the exchange below, which it still
 * understands, is kept for it and for the layers modelled on this one:
 *
 *   IRMd -> FLOW_ALLOC (X, hash)          answer 0, or -ENAME if unknown
 *   us   -> FLOW_REQ_ARR (hash, PEER X)   reply: Y, the accepting half
 *   IRMd -> FLOW_ALLOC_RESP (Y, result)   once the server accepted/refused
 *   us   -> FLOW_ALLOC_REPLY (X, result, PEER Y)
 *
 * State: the layer (name, hash algorithm), the registered hashes (raw
 * bytes, compared with memcmp) and the splices in progress. All
 * operations are immediate; one thread.
 */
#include "ipcpd/common/ipcp.h"

#include "common/hash.h"
#include "common/log.h"
#include "common/proto.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reg {
        struct reg * next;
        size_t       len;
        uint8_t      hash[HASH_MAX_LEN];
};

struct splice {
        struct splice * next;
        uint32_t        x; /* requester half */
        uint32_t        y; /* accepting half */
};

static struct {
        bool            booted;
        char            layer[LAYER_MAX_LEN + 1];
        enum hash_algo  algo;
        size_t          hlen;
        struct reg *    regs;
        struct splice * splices;
} lc;

/* Short printable prefix of a hash, for logs. */
static const char * hstr(struct ipcp_hash h)
{
        static char buf[17];
        size_t      i;

        for (i = 0; i < 8 && i < h.len; ++i)
                snprintf(buf + 2 * i, 3, "%02x", h.p[i]);

        return buf;
}

static int check_hash(struct ipcp_hash h)
{
        if (!lc.booted)
                return -EIPCPSTATE;

        return h.len == lc.hlen ? 0 : -EINVAL;
}

static struct reg ** reg_find(struct ipcp_hash h)
{
        struct reg ** rp;

        for (rp = &lc.regs; *rp != NULL; rp = &(*rp)->next)
                if ((*rp)->len == h.len && memcmp((*rp)->hash, h.p, h.len) == 0)
                        return rp;

        return NULL;
}

static int local_bootstrap(struct msg_view      conf,
                           struct ipcp_attach * at)
{
        uint32_t type = IPCP_LOCAL;
        uint32_t algo = HASH_SHA3_256;
        int      len;

        (void) at; /* spliced flows: the IRMd's packet size, no info */

        if (lc.booted)
                return -EIPCPSTATE;

        msg_get_u32(conf, T_IPCP_TYPE, &type);
        if (type != IPCP_LOCAL)
                return -EIPCPTYPE;

        if (msg_get_str(conf, T_LAYER, lc.layer, LAYER_MAX_LEN) < 0 ||
            lc.layer[0] == '\0')
                return -EINVAL;

        msg_get_u32(conf, T_HASH_ALGO, &algo);
        len = hash_len((enum hash_algo) algo);
        if (len < 0)
                return -EINVAL;

        lc.algo   = (enum hash_algo) algo;
        lc.hlen   = (size_t) len;
        lc.booted = true;

        log_info("Bootstrapped in layer %s (hash %s).", lc.layer,
                 hash_algo_str(lc.algo));

        return 0;
}

static int local_reg(struct ipcp_hash h)
{
        struct reg * r;
        int          err = check_hash(h);

        if (err < 0)
                return err;

        if (reg_find(h) != NULL)
                return 0; /* already there */

        r = malloc(sizeof(*r));
        if (r == NULL)
                return -ENOMEM;

        r->len = h.len;
        memcpy(r->hash, h.p, h.len);
        r->next = lc.regs;
        lc.regs = r;

        log_info("Registered %s.", hstr(h));

        return 0;
}

static int local_unreg(struct ipcp_hash h)
{
        struct reg ** rp;
        struct reg *  r;
        int           err = check_hash(h);

        if (err < 0)
                return err;

        rp = reg_find(h);
        if (rp == NULL)
                return -ENAME;

        r   = *rp;
        *rp = r->next;
        free(r);

        log_info("Unregistered %s.", hstr(h));

        return 0;
}

static int local_query(struct ipcp_hash h,
                       ipcp_tok_t       tok)
{
        int err = check_hash(h);

        (void) tok;

        if (err < 0)
                return err;

        return reg_find(h) != NULL ? 0 : -ENAME;
}

static void on_req_arr(void *             arg,
                       const struct msg * rep)
{
        uint32_t        x = (uint32_t) (uintptr_t) arg;
        struct splice * s = NULL;
        uint32_t        y = 0;
        int             res;

        if (rep == NULL)
                return;

        res = msg_result(rep);
        if (res == 0 && msg_get_u32(msg_body(rep), T_FLOW_ID, &y) < 0)
                res = -EBADMSG;

        if (res == 0) {
                s = malloc(sizeof(*s));
                if (s == NULL)
                        res = -ENOMEM;
        }

        if (res < 0) {
                log_info("Flow %u: no accepting half (%d).", x, res);
                ipcp_flow_alloc_reply(x, res, NULL, 0);
                return;
        }

        s->x = x;
        s->y = y;
        s->next = lc.splices;
        lc.splices = s;

        log_info("Flow %u: waiting for accept on flow %u.", x, y);
}

static int local_flow_alloc(const struct ipcp_flow_req * r)
{
        uint32_t         flow_id = r->flow_id;
        struct ipcp_hash h       = r->hash;
        int              err     = check_hash(h);

        if (err < 0)
                return err;

        if (reg_find(h) == NULL) {
                log_info("Flow %u: %s is not registered here.", flow_id,
                         hstr(h));
                return -ENAME;
        }

        err = ipcp_flow_req_arr(h, &r->qs, NULL, flow_id, on_req_arr,
                                (void *) (uintptr_t) flow_id);
        if (err < 0)
                return err;

        log_info("Flow %u: allocation to %s.", flow_id, hstr(h));

        return 0;
}

static int local_flow_alloc_resp(const struct ipcp_flow_resp * r)
{
        uint32_t         flow_id = r->flow_id;
        int              result  = r->result;
        struct splice ** sp;
        struct splice *  s;

        for (sp = &lc.splices; (s = *sp) != NULL; sp = &s->next) {
                if (s->y != flow_id)
                        continue;
                *sp = s->next;
                log_info("Flow %u: %s by flow %u.", s->x,
                         result == 0 ? "accepted" : "refused", s->y);
                ipcp_flow_alloc_reply(s->x, result, NULL, s->y);
                free(s);
                return 0;
        }

        return -ENOENT;
}

static int local_flow_dealloc(uint32_t flow_id)
{
        struct splice ** sp = &lc.splices;
        struct splice *  s;

        while ((s = *sp) != NULL) {
                if (s->x == flow_id || s->y == flow_id) {
                        *sp = s->next;
                        free(s);
                } else {
                        sp = &s->next;
                }
        }

        log_info("Flow %u deallocated.", flow_id);

        return 0;
}

static const struct ipcp_ops local_ops = {
        .bootstrap       = local_bootstrap,
        .enroll          = NULL, /* -ENOTSUP: a local layer has no peers */
        .connect         = NULL,
        .disconnect      = NULL,
        .reg             = local_reg,
        .unreg           = local_unreg,
        .query           = local_query,
        .flow_alloc      = local_flow_alloc,
        .flow_alloc_resp = local_flow_alloc_resp,
        .flow_dealloc    = local_flow_dealloc
};

int main(int     argc,
         char ** argv)
{
        return ipcp_main(argc, argv, IPCP_LOCAL, &local_ops);
}
