/*
 * Ouroboros IRMd - the management requests about IPCPs: M_IPCP_CREATE,
 * _DESTROY, _LIST, _BOOTSTRAP, _ENROLL, _CONNECT, _DISCONNECT, and the
 * HELLO of a new IPCP. Requests that need the IPCP are forwarded as
 * M_IPCPD_* and answered when it replies (ipcp.c tracks them).
 */
#include "irmd.h"
#include "reg_ipcp.h"

#include "common/hash.h"
#include "common/ipcp_answer.h"
#include "common/ipcp_type.h"
#include "common/log.h"
#include "common/name_check.h"
#include "common/proto.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- field helpers ---- */

/* Get a required IPCP by T_IPCP_NAME: 0, or the error to answer. */
static int get_ipcp(const struct msg *  m,
                    struct reg_ipcp **  e)
{
        char name[IPCP_NAME_MAX_LEN + 1];
        int  r;

        r = irmd_get_str(msg_body(m), T_IPCP_NAME, name, IPCP_NAME_MAX_LEN);
        if (r < 0)
                return r;

        *e = reg_ipcp_get(name);

        return *e == NULL ? -ENOENT : 0;
}

/* ---- handlers ---- */

/*
 * M_IPCP_CREATE {T_IPCP_NAME, T_IPCP_TYPE} -> {T_PID}
 * -EBADMSG missing field, -EINVAL empty name, -ENAMETOOLONG,
 * -EIPCPTYPE unknown type or no binary, -EEXIST name in use,
 * -EIPCP the IPCP died or did not say hello within 5 s.
 */
void ipcp_h_create(struct conn *      c,
                   const struct msg * m)
{
        char                 name[IPCP_NAME_MAX_LEN + 1];
        char                 path[PATH_MAX];
        uint32_t             type;
        struct reg_ipcp *    e;
        struct ipcp_create * cr;
        pid_t                pid;
        int                  r;

        name[0] = '\0';
        r = msg_get_str(msg_body(m), T_IPCP_NAME, name, IPCP_NAME_MAX_LEN);
        if (r == 0)
                r = -EINVAL;
        if (r >= 0 && msg_get_u32(msg_body(m), T_IPCP_TYPE, &type) < 0)
                r = -EBADMSG;
        if (r == -ENOENT)
                r = -EBADMSG;
        if (r >= 0 && type >= IPCP_INVALID)
                r = -EIPCPTYPE;
        if (r >= 0 && reg_ipcp_get(name) != NULL)
                r = -EEXIST;
        if (r >= 0)
                r = ipcp_bin_path((enum ipcp_type) type, path, sizeof(path));
        if (r < 0)
                goto fail;

        cr = calloc(1, sizeof(*cr));
        if (cr == NULL) {
                r = -ENOMEM;
                goto fail;
        }

        pid = ipcp_spawn(path, name);
        if (pid < 0) {
                free(cr);
                r = pid;
                goto fail;
        }

        r = reg_ipcp_add(name, (enum ipcp_type) type, pid, &e);
        if (r < 0) {
                ipcp_kill_later(pid);
                free(cr);
                goto fail;
        }

        req_park(&cr->req, c, m);
        e->create   = cr;
        e->deadline = now_ns() + IRMD_HELLO_NS;

        log_info("Started IPCP %s (type %s, pid %d).", name,
                 ipcp_type_name(e->type), pid);
        return;
 fail:
        log_dbg("IPCP create '%s' failed: %s.", name, irmd_strerror(r));
        conn_reply(c, m, r);
}

/* Any process can send hellos: their rejections are rate limited. */
static struct log_rate hello_rate;

/*
 * M_IPCP_HELLO {T_PID, T_IPCP_NAME, T_IPCP_TYPE} from an IPCP we spawned.
 * -EBADMSG, -EPERM (pid mismatch with SO_PEERCRED or not ours),
 * -ENOENT (no such IPCP), -EEXIST (already said hello), -EIPCPTYPE.
 */
void ipcp_h_hello(struct conn *      c,
                  const struct msg * m)
{
        char              name[IPCP_NAME_MAX_LEN + 1];
        uint32_t          pid;
        uint32_t          type;
        struct reg_ipcp * e = NULL;
        int               r;

        r = msg_get_str(msg_body(m), T_IPCP_NAME, name, IPCP_NAME_MAX_LEN);
        if (r >= 0 && (msg_get_u32(msg_body(m), T_PID, &pid) < 0 ||
                       msg_get_u32(msg_body(m), T_IPCP_TYPE, &type) < 0))
                r = -EBADMSG;
        if (r == -ENOENT)
                r = -EBADMSG;
        if (r >= 0 && (pid_t) pid != c->pid)
                r = -EPERM;
        if (r >= 0) {
                e = reg_ipcp_get(name);
                if (e == NULL)
                        r = -ENOENT;
                else if (e->pid != c->pid)
                        r = -EPERM;
                else if (e->conn != NULL || c->kind != CONN_NEW)
                        r = -EEXIST;
                else if (type != (uint32_t) e->type)
                        r = -EIPCPTYPE;
        }

        if (r < 0) {
                if (log_rate_ok(&hello_rate, LOG_LVL_WARN, "rejected hello"))
                        log_warn("Rejected hello from pid %d: %s.", c->pid,
                                 irmd_strerror(r));
                conn_reply(c, m, r);
                return;
        }

        c->kind = CONN_IPCP;
        c->ipcp = e;
        e->conn = c;
        conn_reply(c, m, 0);

        log_info("IPCP %s (pid %d, type %s) is up.", e->name, e->pid,
                 ipcp_type_name(e->type));
        ipcp_create_done(e, 0);
}

/*
 * M_IPCP_DESTROY {T_IPCP_NAME}
 * -EBADMSG, -ENOENT unknown IPCP.
 */
void ipcp_h_destroy(struct conn *      c,
                    const struct msg * m)
{
        struct reg_ipcp * e;
        pid_t             pid;
        int               r;

        r = get_ipcp(m, &e);
        if (r < 0) {
                conn_reply(c, m, r);
                return;
        }

        pid = e->pid;
        ipcp_kill_later(pid);
        ipcp_gone(e, "destroyed");
        conn_reply(c, m, 0);
}

/* M_IPCP_LIST -> T_ENTRY* {T_PID, T_IPCP_TYPE, T_STATE, T_IPCP_NAME,
 * [T_LAYER], [T_INFO]}. -EMSGSIZE if the list does not fit in one
 * message. */
static int put_ipcp_entry(struct msg *             rep,
                          const struct list_head * p)
{
        const struct reg_ipcp * e = list_entry(p, struct reg_ipcp, next);
        int                     r = 0;

        r |= msg_put_u32(rep, T_PID, (uint32_t) e->pid);
        r |= msg_put_u32(rep, T_IPCP_TYPE, e->type);
        r |= msg_put_u32(rep, T_STATE, e->state);
        r |= msg_put_str(rep, T_IPCP_NAME, e->name);
        if (e->layer[0] != '\0')
                r |= msg_put_str(rep, T_LAYER, e->layer);
        if (e->info[0] != '\0')
                r |= msg_put_str(rep, T_INFO, e->info);

        return r;
}

void ipcp_h_list(struct conn *      c,
                 const struct msg * m)
{
        irmd_reply_list(c, m, reg_ipcp_all(), put_ipcp_entry);
}

/* Context of a forwarded management request. */
struct fwd {
        struct req     req;
        char           layer[LAYER_MAX_LEN + 1];
        enum hash_algo hash;
        bool           boot;   /* bootstrap or enroll: state change */
};

/* The T_INFO line of an IPCP's answer (NULL: none) into out, printable
 * (common/ipcp_answer.h). */
static void get_info(const struct msg * rep,
                     char *             out)
{
        out[0] = '\0';
        if (rep != NULL)
                ipcp_answer_info(msg_body(rep), out);
}

/* The T_MAX_PKT of a bootstrap or enroll answer: 0 absent, -EIPCP
 * malformed. */
static int get_max_pkt(const struct msg * rep,
                       size_t *           max_pkt)
{
        uint32_t v = 0;

        *max_pkt = 0;
        if (rep == NULL || !msg_has(msg_body(rep), T_MAX_PKT))
                return 0;
        if (msg_get_u32(msg_body(rep), T_MAX_PKT, &v) < 0)
                return -EIPCP;

        *max_pkt = v;

        return 0;
}

static void fwd_done(void *             ctx,
                     struct reg_ipcp *  e,
                     int                res,
                     const struct msg * rep)
{
        struct fwd * f = ctx;
        struct msg   out;
        char         info[PROTO_INFO_MAX + 1];
        size_t       max_pkt = 0;

        get_info(f->boot ? rep : NULL, info);
        if (f->boot && res == 0 && get_max_pkt(rep, &max_pkt) < 0)
                res = -EIPCP;

        if (f->boot && e->state == IPCP_STATE_BOOTING) {
                if (res == 0 && rep != NULL && rep->type == M_IPCPD_ENROLL) {
                        uint32_t h = HASH_SHA3_256;
                        int      n;
                        n = msg_get_str(msg_body(rep), T_LAYER, f->layer,
                                        LAYER_MAX_LEN);
                        if (n <= 0 ||
                            name_check(f->layer, LAYER_MAX_LEN) < 0 ||
                            (msg_has(msg_body(rep), T_HASH_ALGO) &&
                             msg_get_u32(msg_body(rep), T_HASH_ALGO,
                                         &h) < 0) ||
                            h > HASH_SHA3_512)
                                res = -EIPCP;
                        f->hash = (enum hash_algo) h;
                }
                if (res == 0) {
                        reg_ipcp_set_state(e, IPCP_STATE_OPERATIONAL);
                        strcpy(e->layer, f->layer);
                        e->hash    = f->hash;
                        e->max_pkt = max_pkt;
                        strcpy(e->info, info);
                        log_info("IPCP %s is operational in layer %s "
                                 "(%s%s%s).", e->name, e->layer,
                                 hash_algo_str(e->hash),
                                 info[0] != '\0' ? ", " : "", info);
                } else {
                        reg_ipcp_set_state(e, IPCP_STATE_NULL);
                        log_warn("IPCP %s failed to join a layer: %s%s%s.",
                                 e->name, irmd_strerror(res),
                                 info[0] != '\0' ? ": " : "", info);
                }
        }

        if (res == -ETIMEDOUT)
                res = -EIPCP;

        req_init_reply(&out, &f->req, res);
        if (res == 0 && f->boot) {
                msg_put_str(&out, T_LAYER, f->layer);
                msg_put_u32(&out, T_HASH_ALGO, f->hash);
        }
        /* the attachment line, or on failure the IPCP's reason */
        if (info[0] != '\0')
                msg_put_str(&out, T_INFO, info);
        req_send(&f->req, &out);
        free(f);
}

static void forward(struct conn *      c,
                    const struct msg * m,
                    struct reg_ipcp *  e,
                    struct msg *       fwd_msg,
                    struct fwd *       f,
                    int64_t            timeo)
{
        int r;

        req_park(&f->req, c, m);
        if (f->boot)
                reg_ipcp_set_state(e, IPCP_STATE_BOOTING);

        r = ipcp_send_req(e, fwd_msg, timeo, fwd_done, f);
        if (r < 0) {
                if (f->boot)
                        reg_ipcp_set_state(e, IPCP_STATE_NULL);
                req_fail(&f->req, r);
                free(f);
        }
}

/* Check the IPCP can take a layer request now. */
static int ready(const struct reg_ipcp * e,
                 bool                    want_null)
{
        if (e->conn == NULL)
                return -EIPCPSTATE; /* still starting */
        if (want_null && e->state != IPCP_STATE_NULL)
                return -EIPCPSTATE;
        if (!want_null && e->state != IPCP_STATE_OPERATIONAL)
                return -EIPCPSTATE;

        return 0;
}

/*
 * The context for forwarding m to e once e is ready: r is the result of
 * the checks so far. A boot request (bootstrap, enroll) needs an IPCP
 * not yet in a layer and changes its state. NULL after answering m with
 * the error.
 */
static struct fwd * fwd_new(struct conn *           c,
                            const struct msg *      m,
                            const struct reg_ipcp * e,
                            int                     r,
                            bool                    boot)
{
        struct fwd * f;

        if (r == 0)
                r = ready(e, boot);
        if (r < 0) {
                conn_reply(c, m, r);
                return NULL;
        }

        f = calloc(1, sizeof(*f));
        if (f == NULL) {
                conn_reply(c, m, -ENOMEM);
                return NULL;
        }
        f->boot = boot;

        return f;
}

/*
 * M_IPCP_BOOTSTRAP {T_IPCP_NAME, T_CONF{T_IPCP_TYPE, T_LAYER,
 * [T_HASH_ALGO], ...}}: forwarded as M_IPCPD_BOOTSTRAP {T_CONF}.
 * -EBADMSG, -ENOENT unknown IPCP, -EIPCPSTATE not in state NULL (or not
 * up yet), -EINVAL bad layer name / hash / type not the IPCP's,
 * -EIPCP the IPCP died, did not answer or sent a malformed T_MAX_PKT;
 * else the IPCP's result. The IPCP's T_INFO (kept and listed on
 * success, its one-line reason on failure) goes into the reply.
 */
void ipcp_h_bootstrap(struct conn *      c,
                      const struct msg * m)
{
        struct reg_ipcp * e = NULL;
        struct msg_view   conf;
        struct msg        out;
        struct fwd *      f;
        uint32_t          type;
        uint32_t          hash = HASH_SHA3_256;
        char              layer[LAYER_MAX_LEN + 1];
        int               r;

        r = get_ipcp(m, &e);
        if (r == 0 && msg_sub(msg_body(m), T_CONF, 0, &conf) < 0)
                r = -EBADMSG;
        if (r == 0 && msg_get_u32(conf, T_IPCP_TYPE, &type) < 0)
                r = -EBADMSG;
        if (r == 0 && type != (uint32_t) e->type)
                r = -EINVAL;
        if (r == 0) {
                int n = irmd_get_str(conf, T_LAYER, layer, LAYER_MAX_LEN);
                if (n < 0)
                        r = n;
        }
        if (r == 0 && msg_has(conf, T_HASH_ALGO) &&
            (msg_get_u32(conf, T_HASH_ALGO, &hash) < 0 ||
             hash > HASH_SHA3_512))
                r = -EINVAL;
        f = fwd_new(c, m, e, r, true);
        if (f == NULL)
                return;
        strcpy(f->layer, layer);
        f->hash = (enum hash_algo) hash;

        msg_init(&out, M_IPCPD_BOOTSTRAP, 0, 0);
        if (msg_put_bytes(&out, T_CONF, conf.p, conf.len) < 0) {
                free(f);
                conn_reply(c, m, -EMSGSIZE);
                return;
        }

        log_info("Bootstrapping IPCP %s in layer %s.", e->name, layer);
        forward(c, m, e, &out, f, IRMD_IPCP_LONG_NS);
}

/*
 * M_IPCP_ENROLL {T_IPCP_NAME, T_DST, [T_LAYER]}: forwarded as
 * M_IPCPD_ENROLL {T_DST, [T_LAYER]} (the layer the user named, which a
 * member of another layer refuses);
 * the reply's T_LAYER / T_HASH_ALGO make it operational. Errors as for
 * bootstrap; the local IPCP answers -ENOTSUP, which is relayed.
 */
void ipcp_h_enroll(struct conn *      c,
                   const struct msg * m)
{
        struct reg_ipcp * e = NULL;
        struct msg        out;
        struct fwd *      f;
        char              dst[NAME_MAX_LEN + 1];
        char              layer[LAYER_MAX_LEN + 1] = "";
        int               r;

        r = get_ipcp(m, &e);
        if (r == 0) {
                int n = irmd_get_str(msg_body(m), T_DST, dst, NAME_MAX_LEN);
                if (n < 0)
                        r = n;
        }
        if (r == 0 && msg_has(msg_body(m), T_LAYER)) {
                int n = irmd_get_str(msg_body(m), T_LAYER, layer,
                                     LAYER_MAX_LEN);
                if (n < 0)
                        r = n;
        }
        f = fwd_new(c, m, e, r, true);
        if (f == NULL)
                return;

        msg_init(&out, M_IPCPD_ENROLL, 0, 0);
        msg_put_str(&out, T_DST, dst);
        if (layer[0] != '\0')
                msg_put_str(&out, T_LAYER, layer);

        if (layer[0] != '\0')
                log_info("Enrolling IPCP %s in layer %s with %s.", e->name,
                         layer, dst);
        else
                log_info("Enrolling IPCP %s with %s.", e->name, dst);
        forward(c, m, e, &out, f, IRMD_IPCP_LONG_NS);
}

/*
 * M_IPCP_CONNECT {T_IPCP_NAME, T_DST, T_COMPONENT, T_QOS} and
 * M_IPCP_DISCONNECT {T_IPCP_NAME, T_DST, T_COMPONENT}: forwarded.
 * -EBADMSG, -ENOENT, -EIPCPSTATE (not operational), -EINVAL bad
 * component (not "dt" or "mgmt"); else the IPCP's result.
 */
void ipcp_h_connect(struct conn *      c,
                    const struct msg * m)
{
        struct reg_ipcp * e = NULL;
        struct msg        out;
        struct fwd *      f;
        char              dst[NAME_MAX_LEN + 1];
        char              comp[16];
        qosspec_t         qs = qos_raw;
        bool              conn_req = m->type == M_IPCP_CONNECT;
        int               r;

        r = get_ipcp(m, &e);
        if (r == 0) {
                int n = irmd_get_str(msg_body(m), T_DST, dst, NAME_MAX_LEN);
                if (n < 0)
                        r = n;
        }
        if (r == 0) {
                int n = msg_get_str(msg_body(m), T_COMPONENT, comp,
                                    sizeof(comp) - 1);
                if (n == -ENOENT)
                        r = -EBADMSG;
                else if (n < 0 || (strcmp(comp, "dt") != 0 &&
                                   strcmp(comp, "mgmt") != 0))
                        r = -EINVAL;
        }
        if (r == 0 && conn_req && msg_get_qos(msg_body(m), T_QOS, &qs) < 0)
                r = -EBADMSG;
        f = fwd_new(c, m, e, r, false);
        if (f == NULL)
                return;

        msg_init(&out, conn_req ? M_IPCPD_CONNECT : M_IPCPD_DISCONNECT, 0, 0);
        msg_put_str(&out, T_DST, dst);
        msg_put_str(&out, T_COMPONENT, comp);
        if (conn_req)
                msg_put_qos(&out, T_QOS, &qs);

        forward(c, m, e, &out, f, IRMD_IPCP_LONG_NS);
}
