/*
 * Ouroboros - the IPCP main loop: hello, dispatch, queued requests to the
 * IRMd and their replies. See ipcp.h.
 */
#include "ipcp.h"

#include "common/ipcp_type.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/rundir.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define HELLO_TIMEO_MS 5000

struct out {            /* a request queued for the IRMd */
        struct out *  next;
        struct msg *  m;
        ipcp_reply_cb cb;
        void *        arg;
};

struct pending {        /* a request sent, waiting for its reply */
        struct pending * next;
        uint32_t         id;
        uint16_t         type;
        ipcp_reply_cb    cb;
        void *           arg;
};

static struct {
        char             name[IPCP_NAME_MAX_LEN + 1];
        int              sock;
        uint32_t         id;
        struct out *     q_head;
        struct out **    q_tail;
        struct pending * pend;
} ip = { .sock = -1 };

const char * ipcp_name(void)
{
        return ip.name;
}

struct msg * ipcp_msg_new(uint16_t type)
{
        struct msg * m = malloc(sizeof(*m));

        if (m != NULL)
                msg_init(m, type, 0, ++ip.id);

        return m;
}

int ipcp_send(struct msg *  m,
              ipcp_reply_cb cb,
              void *        arg)
{
        struct out * o = malloc(sizeof(*o));

        if (o == NULL) {
                free(m);
                return -ENOMEM;
        }

        o->next = NULL;
        o->m    = m;
        o->cb   = cb;
        o->arg  = arg;
        *ip.q_tail = o;
        ip.q_tail  = &o->next;

        return 0;
}

int ipcp_flow_req_arr(struct ipcp_hash        h,
                      const qosspec_t *       qs,
                      const struct ipcp_key * key,
                      uint32_t                peer_flow,
                      ipcp_reply_cb           cb,
                      void *                  arg)
{
        struct msg * m = ipcp_msg_new(M_IPCP_FLOW_REQ_ARR);

        if (m == NULL)
                return -ENOMEM;

        if (msg_put_bytes(m, T_HASH, h.p, h.len) < 0 ||
            msg_put_qos(m, T_QOS, qs) < 0 ||
            (peer_flow != 0 && msg_put_u32(m, T_PEER_FLOW, peer_flow) < 0) ||
            (key != NULL && key->p != NULL &&
             msg_put_bytes(m, T_PUBKEY, key->p, key->len) < 0)) {
                free(m);
                return -ENOMEM;
        }

        return ipcp_send(m, cb, arg);
}

int ipcp_flow_alloc_reply(uint32_t                flow_id,
                          int                     result,
                          const struct ipcp_key * key,
                          uint32_t                peer_flow)
{
        struct msg * m = ipcp_msg_new(M_IPCP_FLOW_ALLOC_REPLY);

        if (m == NULL)
                return -ENOMEM;

        if (msg_put_u32(m, T_FLOW_ID, flow_id) < 0 ||
            msg_put_i32(m, T_RESULT, result) < 0 ||
            (peer_flow != 0 && msg_put_u32(m, T_PEER_FLOW, peer_flow) < 0) ||
            (key != NULL && key->p != NULL &&
             msg_put_bytes(m, T_PUBKEY, key->p, key->len) < 0)) {
                free(m);
                return -ENOMEM;
        }

        return ipcp_send(m, NULL, NULL);
}

/* Send everything queued; remember who waits for which reply. */
static int flush(void)
{
        struct out * o;
        int          r = 0;

        while ((o = ip.q_head) != NULL) {
                ip.q_head = o->next;
                if (ip.q_head == NULL)
                        ip.q_tail = &ip.q_head;
                if (r == 0)
                        r = msg_send(ip.sock, o->m);
                if (r == 0 && o->cb != NULL) {
                        struct pending * p = malloc(sizeof(*p));
                        if (p != NULL) {
                                p->id   = o->m->id;
                                p->type = o->m->type;
                                p->cb   = o->cb;
                                p->arg  = o->arg;
                                p->next = ip.pend;
                                ip.pend = p;
                        }
                } else if (r < 0 && o->cb != NULL) {
                        o->cb(o->arg, NULL);
                }
                free(o->m);
                free(o);
        }

        return r;
}

static void on_reply(const struct msg * m)
{
        struct pending ** pp;
        struct pending *  p;

        for (pp = &ip.pend; (p = *pp) != NULL; pp = &p->next) {
                if (p->id == m->id && p->type == m->type) {
                        *pp = p->next;
                        p->cb(p->arg, m);
                        free(p);
                        return;
                }
        }
        /* A reply nobody waits for (e.g. to FLOW_ALLOC_REPLY): fine. */
        if (msg_result(m) < 0)
                log_dbg("IRMd answered %u/%u with %d.", m->type, m->id,
                        msg_result(m));
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

#define OP(f, ...) (ops->f == NULL ? -ENOTSUP : ops->f(__VA_ARGS__))

static int dispatch(const struct ipcp_ops * ops,
                    const struct msg *      m,
                    struct msg *            rep)
{
        struct msg_view  v = msg_body(m);
        struct msg_view  conf;
        struct ipcp_hash h;
        qosspec_t        qs = qos_raw;
        char             dst[NAME_MAX_LEN + 1];
        char             comp[16];
        struct ipcp_attach at = { 0, "" };
        struct ipcp_flow_req  fr;
        struct ipcp_flow_resp fp;
        uint32_t         id;
        int32_t          res;

        switch (m->type) {
        case M_IPCPD_BOOTSTRAP:
                if (msg_sub(v, T_CONF, 0, &conf) < 0)
                        return -EBADMSG;
                return OP(bootstrap, conf, &at);
        case M_IPCPD_ENROLL:
                if (msg_get_str(v, T_DST, dst, NAME_MAX_LEN) < 0)
                        return -EBADMSG;
                return OP(enroll, dst, rep, &at);
        case M_IPCPD_CONNECT:
        case M_IPCPD_DISCONNECT:
                if (msg_get_str(v, T_DST, dst, NAME_MAX_LEN) < 0 ||
                    msg_get_str(v, T_COMPONENT, comp, sizeof(comp) - 1) < 0)
                        return -EBADMSG;
                if (m->type == M_IPCPD_DISCONNECT)
                        return OP(disconnect, dst, comp);
                msg_get_qos(v, T_QOS, &qs);
                return OP(connect, dst, comp, &qs);
        case M_IPCPD_REG:
        case M_IPCPD_UNREG:
        case M_IPCPD_QUERY:
                if (get_hash(v, &h) < 0)
                        return -EBADMSG;
                if (m->type == M_IPCPD_REG)
                        return OP(reg, h);
                if (m->type == M_IPCPD_UNREG)
                        return OP(unreg, h);
                return OP(query, h, m->id);
        case M_IPCPD_FLOW_ALLOC:
                if (msg_get_u32(v, T_FLOW_ID, &id) < 0 || get_hash(v, &h) < 0)
                        return -EBADMSG;
                msg_get_qos(v, T_QOS, &qs);
                fr.flow_id = id;
                fr.fd      = -1; /* TODO framework: adopt the memory */
                fr.hash    = h;
                fr.qs      = qs;
                fr.key.p   = NULL;
                fr.key.len = 0;
                return OP(flow_alloc, &fr);
        case M_IPCPD_FLOW_ALLOC_RESP:
                if (msg_get_u32(v, T_FLOW_ID, &id) < 0 ||
                    msg_get_i32(v, T_RESULT, &res) < 0)
                        return -EBADMSG;
                fp.flow_id = id;
                fp.result  = res;
                fp.fd      = -1; /* TODO framework: adopt the memory */
                fp.key.p   = NULL;
                fp.key.len = 0;
                return OP(flow_alloc_resp, &fp);
        case M_IPCPD_FLOW_DEALLOC:
                if (msg_get_u32(v, T_FLOW_ID, &id) < 0)
                        return -EBADMSG;
                return OP(flow_dealloc, id);
        default:
                log_warn("Unknown request type %u from the IRMd.", m->type);
                return -EOPNOTSUPP;
        }
}

/* The result is T_RESULT, which must come first: build the answer's
 * extra fields in rep, then prepend. */
static int answer(const struct msg * req,
                  struct msg *       extra,
                  int                res)
{
        struct msg * rep = malloc(sizeof(*rep));
        int          r;

        if (rep == NULL)
                return -ENOMEM;

        msg_init_reply(rep, req, res);
        if (extra->len > MSG_HDR_LEN && rep->len + extra->len - MSG_HDR_LEN
            <= MSG_MAX) {
                memcpy(rep->buf + rep->len, extra->buf + MSG_HDR_LEN,
                       extra->len - MSG_HDR_LEN);
                rep->len += extra->len - MSG_HDR_LEN;
        }

        r = msg_send(ip.sock, rep);
        free(rep);

        return r;
}

static int hello(enum ipcp_type type)
{
        struct msg * m = malloc(sizeof(*m));
        int          r;

        if (m == NULL)
                return -ENOMEM;

        msg_init(m, M_IPCP_HELLO, 0, ++ip.id);
        msg_put_u32(m, T_PID, (uint32_t) getpid());
        msg_put_str(m, T_IPCP_NAME, ip.name);
        msg_put_u32(m, T_IPCP_TYPE, type);

        r = msg_send(ip.sock, m);
        if (r == 0)
                r = msg_recv(ip.sock, m, HELLO_TIMEO_MS);
        if (r == 0) {
                r = msg_result(m);
                msg_fini(m);
        }

        free(m);

        return r;
}

static int serve(const struct ipcp_ops * ops,
                 int                     sfd)
{
        struct msg *  m     = malloc(sizeof(*m));
        struct msg *  extra = malloc(sizeof(*extra));
        struct pollfd pfd[2] = {
                { .fd = ip.sock, .events = POLLIN },
                { .fd = sfd,     .events = POLLIN }
        };
        int           r = 0;

        if (m == NULL || extra == NULL) {
                free(m);
                free(extra);
                return -ENOMEM;
        }

        while (r == 0) {
                if (poll(pfd, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                if (pfd[1].revents & POLLIN) {
                        log_info("Terminating on signal.");
                        break;
                }
                if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
                        continue;

                r = msg_recv(ip.sock, m, 0);
                if (r == -EBADMSG) {
                        log_warn("Dropped a malformed message.");
                        r = 0;
                        continue;
                }
                if (r < 0) {
                        log_info("IRMd connection closed, exiting.");
                        r = r == -EPIPE ? 0 : r;
                        break;
                }

                if (m->flags & MSG_F_REPLY) {
                        on_reply(m);
                } else {
                        int res;
                        msg_init(extra, 0, 0, 0);
                        res = dispatch(ops, m, extra);
                        r   = answer(m, extra, res);
                }
                msg_fini(m);

                if (r == 0)
                        r = flush();
        }

        free(m);
        free(extra);

        return r;
}

static int parse_args(int     argc,
                      char ** argv,
                      bool *  to_stdout)
{
        int i;

        for (i = 1; i < argc; ++i) {
                if (strcmp(argv[i], "--stdout") == 0) {
                        *to_stdout = true;
                } else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
                        if (strlen(argv[++i]) > IPCP_NAME_MAX_LEN)
                                return -ENAMETOOLONG;
                        strcpy(ip.name, argv[i]);
                } else {
                        return -EINVAL;
                }
        }

        return ip.name[0] == '\0' ? -EINVAL : 0;
}

int ipcp_main(int                     argc,
              char **                 argv,
              enum ipcp_type          type,
              const struct ipcp_ops * ops)
{
        char         ident[32];
        bool         to_stdout = false;
        const char * tname;
        sigset_t     set;
        int          sfd;
        int          r;

        ip.q_tail = &ip.q_head;

        if (parse_args(argc, argv, &to_stdout) < 0) {
                fprintf(stderr, "usage: %s --name NAME [--stdout]\n",
                        argv[0]);
                return 2;
        }

        tname = ipcp_type_name(type);
        snprintf(ident, sizeof(ident), "ipcpd-%s",
                 tname != NULL ? tname : "?");
        log_init(ident, to_stdout, LOG_LVL_INFO);

        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigprocmask(SIG_BLOCK, &set, NULL);
        signal(SIGPIPE, SIG_IGN);
        sfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (sfd < 0) {
                log_err("signalfd: %s.", strerror(errno));
                return 1;
        }

        ip.sock = rundir_connect();
        if (ip.sock < 0) {
                log_err("Cannot reach the IRMd.");
                close(sfd);
                return 1;
        }

        r = hello(type);
        if (r < 0) {
                log_err("IRMd refused hello for %s: %d.", ip.name, r);
                goto out;
        }
        log_info("IPCP %s (pid %d) is up.", ip.name, getpid());

        r = serve(ops, sfd);
        log_info("IPCP %s stops.", ip.name);
 out:
        close(ip.sock);
        close(sfd);
        log_fini();

        return r < 0 ? 1 : 0;
}
