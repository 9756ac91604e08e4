/*
 * Ouroboros - the IRMd's requests to an IPCP (M_IPCPD_*): parse each,
 * adopt the flow memory of M_IPCPD_FLOW_ALLOC and of an accepting
 * M_IPCPD_FLOW_ALLOC_RESP for a type that carries data (proto.h, "Flows
 * through a layer that carries data"), call the op, and build the
 * answer: T_RESULT first, then what the op added. Bootstrap and enroll
 * add T_MAX_PKT and T_INFO from struct ipcp_attach (T_INFO also on
 * failure: it is the reason irm prints); stat adds the op's T_ENTRY.
 */
#include "req.h"
#include "loop.h"

#include "common/crypt.h"
#include "common/log.h"
#include "common/proto.h"
#include "lib/ipcp_dev.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <limits.h>
#include <string.h>

#define RESULT_LEN 8 /* T_RESULT: tag, length, i32 */

struct ipcp_stat {
        struct msg * m;
};

int ipcp_stat_add(struct ipcp_stat * s,
                  const char *       name,
                  uint64_t           value)
{
        size_t before;
        int    off;

        if (s == NULL || name == NULL || strlen(name) > NAME_MAX_LEN)
                return -EINVAL;

        before = s->m->len;
        off    = msg_open_sub(s->m, T_ENTRY);
        if (off < 0 || msg_put_str(s->m, T_NAME, name) < 0 ||
            msg_put_u64(s->m, T_VALUE, value) < 0)
                goto full;
        msg_close_sub(s->m, off);
        /* Room for T_RESULT, put in front of it all. */
        if (s->m->len > MSG_MAX - RESULT_LEN)
                goto full;

        return 0;
 full:
        s->m->len = before;
        return -EMSGSIZE;
}

static int get_hash(struct msg_view    v,
                    struct ipcp_hash * h)
{
        const void * p;

        if (msg_get_bytes(v, T_HASH, &p, &h->len) < 0)
                return -EBADMSG;

        h->p = p;

        return 0;
}

/* T_PUBKEY if present (exactly CRYPT_PUBKEY_LEN bytes). */
static int get_key(struct msg_view   v,
                   struct ipcp_key * k)
{
        const void * p;

        k->p   = NULL;
        k->len = 0;

        if (!msg_has(v, T_PUBKEY))
                return 0;

        if (msg_get_bytes(v, T_PUBKEY, &p, &k->len) < 0 ||
            k->len != CRYPT_PUBKEY_LEN)
                return -EBADMSG;

        k->p = p;

        return 0;
}

/* The flow memory handed with req, adopted as a flow of ours (*fd), or
 * *fd = -1 for a type that carries no data. */
static int adopt(const struct ipcp_ops * ops,
                 struct msg *            req,
                 uint32_t                flow_id,
                 const qosspec_t *       qs,
                 int *                   fd)
{
        struct msg_view v = msg_body(req);
        uint8_t         side;
        uint32_t        pid;
        int             memfd;
        int             evfd;
        int             r;

        *fd = -1;
        if (!ops->carries_data)
                return 0; /* fds, if any, closed with the message */

        if (msg_get_u8(v, T_SIDE, &side) < 0 ||
            msg_get_u32(v, T_PEER_PID, &pid) < 0 || pid == 0 ||
            pid > INT_MAX || req->n_fds < 2) {
                log_warn("Flow %u: no flow memory handed over.", flow_id);
                return -EBADMSG;
        }

        memfd = msg_take_fd(req, 0);
        evfd  = msg_take_fd(req, 1);
        r = ipcp_flow_adopt(flow_id, memfd, side, evfd, (pid_t) pid, qs);
        if (r < 0) {
                log_warn("Flow %u: cannot adopt its memory: %d.", flow_id, r);
                return r;
        }

        *fd = r;

        return 0;
}

#define OP(f, ...) (ops->f == NULL ? -ENOTSUP : ops->f(__VA_ARGS__))

static int flow_alloc(const struct ipcp_ops * ops,
                      struct msg *            req)
{
        struct msg_view      v = msg_body(req);
        struct ipcp_flow_req fr;
        int                  r;

        fr.qs = qos_raw;
        if (msg_get_u32(v, T_FLOW_ID, &fr.flow_id) < 0 ||
            get_hash(v, &fr.hash) < 0 || get_key(v, &fr.key) < 0 ||
            (msg_has(v, T_QOS) && msg_get_qos(v, T_QOS, &fr.qs) < 0))
                return -EBADMSG;

        if (ops->flow_alloc == NULL)
                return -ENOTSUP;

        r = adopt(ops, req, fr.flow_id, &fr.qs, &fr.fd);
        if (r < 0)
                return r;

        return ops->flow_alloc(&fr);
}

static int flow_alloc_resp(const struct ipcp_ops * ops,
                           struct msg *            req)
{
        struct msg_view       v  = msg_body(req);
        struct ipcp_flow_resp fp;
        qosspec_t             qs = qos_raw;
        int32_t               res;
        int                   r;

        if (msg_get_u32(v, T_FLOW_ID, &fp.flow_id) < 0 ||
            msg_get_i32(v, T_RESULT, &res) < 0 || res > 0 ||
            get_key(v, &fp.key) < 0 ||
            (msg_has(v, T_QOS) && msg_get_qos(v, T_QOS, &qs) < 0))
                return -EBADMSG;

        if (ops->flow_alloc_resp == NULL)
                return -ENOTSUP;

        fp.result = res;
        fp.fd     = -1;
        if (res == 0) {
                r = adopt(ops, req, fp.flow_id, &qs, &fp.fd);
                if (r < 0)
                        return r;
        }

        return ops->flow_alloc_resp(&fp);
}

static int dispatch(const struct ipcp_ops * ops,
                    struct msg *            req,
                    struct msg *            extra,
                    struct ipcp_attach *    at)
{
        struct msg_view  v = msg_body(req);
        struct msg_view  conf;
        struct ipcp_hash h;
        struct ipcp_stat st = { extra };
        qosspec_t        qs = qos_raw;
        char             dst[NAME_MAX_LEN + 1];
        char             comp[16];
        uint32_t         id;

        switch (req->type) {
        case M_IPCPD_BOOTSTRAP:
                if (msg_sub(v, T_CONF, 0, &conf) < 0)
                        return -EBADMSG;
                return OP(bootstrap, conf, at);
        case M_IPCPD_ENROLL:
                if (msg_get_str(v, T_DST, dst, NAME_MAX_LEN) < 0)
                        return -EBADMSG;
                return OP(enroll, dst, extra, at);
        case M_IPCPD_CONNECT:
        case M_IPCPD_DISCONNECT:
                if (msg_get_str(v, T_DST, dst, NAME_MAX_LEN) < 0 ||
                    msg_get_str(v, T_COMPONENT, comp, sizeof(comp) - 1) < 0)
                        return -EBADMSG;
                if (req->type == M_IPCPD_DISCONNECT)
                        return OP(disconnect, dst, comp);
                if (msg_has(v, T_QOS) && msg_get_qos(v, T_QOS, &qs) < 0)
                        return -EBADMSG;
                return OP(connect, dst, comp, &qs);
        case M_IPCPD_REG:
        case M_IPCPD_UNREG:
        case M_IPCPD_QUERY:
                if (get_hash(v, &h) < 0)
                        return -EBADMSG;
                if (req->type == M_IPCPD_REG)
                        return OP(reg, h);
                if (req->type == M_IPCPD_UNREG)
                        return OP(unreg, h);
                return OP(query, h, req->id);
        case M_IPCPD_FLOW_ALLOC:
                return flow_alloc(ops, req);
        case M_IPCPD_FLOW_ALLOC_RESP:
                return flow_alloc_resp(ops, req);
        case M_IPCPD_FLOW_DEALLOC:
                if (msg_get_u32(v, T_FLOW_ID, &id) < 0)
                        return -EBADMSG;
                return OP(flow_dealloc, id);
        case M_IPCPD_STAT: {
                int r = OP(stat, &st);
                if (r == 0) /* and the loop's, if they fit */
                        (void) loop_stat(&st);
                return r;
        }
        default:
                log_warn("Unknown request type %u from the IRMd.", req->type);
                return -EOPNOTSUPP;
        }
}

/* Bootstrap and enroll: what the layer reports, on success and failure. */
void req_put_attach(struct msg *               m,
                    const struct ipcp_attach * at,
                    bool                       ok)
{
        if (ok && at->max_pkt > 0 &&
            msg_put_u32(m, T_MAX_PKT, at->max_pkt > UINT32_MAX ?
                        UINT32_MAX : (uint32_t) at->max_pkt) < 0)
                log_err("No room for T_MAX_PKT in the answer.");

        if (at->info[0] != '\0' && msg_put_str(m, T_INFO, at->info) < 0)
                log_err("No room for T_INFO in the answer.");
}

int req_handle(const struct ipcp_ops * ops,
               struct msg *            req,
               struct msg *            rep,
               struct msg *            extra)
{
        struct ipcp_attach at;
        size_t             n;
        int                res;

        memset(&at, 0, sizeof(at));
        msg_init(extra, 0, 0, 0);

        res = dispatch(ops, req, extra, &at);
        if (res == IPCP_LATER)
                return res;
        if (res > 0) {
                log_err("Op for request %u returned %d.", req->type, res);
                res = -EINVAL;
        }

        msg_init_reply(rep, req, res);

        n = extra->len - MSG_HDR_LEN;
        if (res == 0 && n > 0) {
                if (rep->len + n <= MSG_MAX) {
                        memcpy(rep->buf + rep->len, extra->buf + MSG_HDR_LEN,
                               n);
                        rep->len += n;
                } else {
                        log_err("Answer to request %u too long: dropped "
                                "%zu bytes.", req->type, n);
                }
        }

        if (req->type == M_IPCPD_BOOTSTRAP || req->type == M_IPCPD_ENROLL) {
                at.info[IPCP_INFO_MAX] = '\0';
                req_put_attach(rep, &at, res == 0);
        }

        return res;
}
