/*
 * Ouroboros - the IPCP process: arguments, signals, the connection to
 * the IRMd (hello, requests in, answers and queued requests out, replies
 * matched by id) on the event loop of loop.c; requests are parsed and
 * handed to the ops in req.c. See ipcp.h.
 */
#include "ipcp.h"
#include "loop.h"
#include "loop_sched.h"
#include "lower.h"
#include "req.h"

#include "common/ipcp_type.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/rundir.h"
#include "lib/ipcp_dev.h"

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

struct later {          /* a request an op answers later */
        struct later * next;
        uint32_t       id;
        uint16_t       type;
};

struct pending {        /* a request sent, waiting for its reply */
        struct pending * next;
        uint32_t         id;
        uint16_t         type;
        ipcp_reply_cb    cb;
        void *           arg;
};

static struct {
        char                    name[IPCP_NAME_MAX_LEN + 1];
        enum ipcp_type          type;
        const struct ipcp_ops * ops;
        int                     sock;
        int                     err;    /* why the loop stopped */
        uint32_t                id;
        struct out *            q_head;
        struct out **           q_tail;
        struct pending *        pend;
        struct later *          later;
        struct msg *            in;     /* a request or reply received */
        struct msg *            rep;    /* an answer being built */
        struct msg *            extra;  /* scratch of req_handle */
} ip = { .sock = -1, .type = IPCP_INVALID, .q_tail = &ip.q_head };

const char * ipcp_name(void)
{
        return ip.name;
}

enum ipcp_type ipcp_type(void)
{
        return ip.type;
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

/* A failed send: the IRMd is gone (EPIPE: a clean exit) or worse. */
static void send_failed(int r)
{
        if (ip.err == 0 && r != -EPIPE) {
                log_err("Send to the IRMd failed: %d.", r);
                ip.err = r;
        }
        loop_stop();
}

/* Send everything queued (the post hook of the loop: after the answers
 * of the iteration); remember who waits for which reply. */
static void flush(void)
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
                        if (p == NULL) {
                                log_err("No memory to await reply %u.",
                                        o->m->id);
                                o->cb(o->arg, NULL);
                        } else {
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

        if (r < 0)
                send_failed(r);
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

ipcp_tok_t ipcp_req_tok(void)
{
        return ip.in->id;
}

int ipcp_req_layer(char * buf,
                   size_t len)
{
        int r;

        if (ip.in == NULL || ip.in->type != M_IPCPD_ENROLL || len == 0)
                return -ENOENT;

        r = msg_get_str(msg_body(ip.in), T_LAYER, buf, len - 1);

        return r < 0 ? r : 0;
}

int ipcp_answer(ipcp_tok_t tok,
                int        res)
{
        return ipcp_answer_ext(tok, res, NULL, NULL);
}

int ipcp_answer_ext(ipcp_tok_t                 tok,
                    int                        res,
                    const struct msg *         extra,
                    const struct ipcp_attach * at)
{
        struct later ** lp;
        struct later *  l;
        struct msg *    rep;
        int             r;

        for (lp = &ip.later; (l = *lp) != NULL; lp = &l->next)
                if (l->id == tok)
                        break;

        if (l == NULL)
                return -ENOENT;

        if (res > 0) {
                log_err("Answer %d to request %u/%u.", res, l->type, tok);
                res = -EINVAL;
        }

        rep = malloc(sizeof(*rep));
        if (rep == NULL)
                return -ENOMEM; /* kept: the op may try again */

        *lp = l->next;
        msg_init(rep, l->type, MSG_F_REPLY, l->id);
        msg_put_i32(rep, T_RESULT, res);
        if (res == 0 && extra != NULL && extra->len > MSG_HDR_LEN &&
            rep->len + extra->len - MSG_HDR_LEN <= MSG_MAX) {
                memcpy(rep->buf + rep->len, extra->buf + MSG_HDR_LEN,
                       extra->len - MSG_HDR_LEN);
                rep->len += extra->len - MSG_HDR_LEN;
        }
        if (at != NULL && (l->type == M_IPCPD_BOOTSTRAP ||
                           l->type == M_IPCPD_ENROLL))
                req_put_attach(rep, at, res == 0);
        free(l);

        r = msg_send(ip.sock, rep);
        free(rep);
        if (r < 0)
                send_failed(r);

        return r;
}

/* A request from the IRMd: answer now, or remember it (IPCP_LATER). */
static void on_request(void)
{
        struct later * l;
        int            res;
        int            r;

        res = req_handle(ip.ops, ip.in, ip.rep, ip.extra);
        if (res != IPCP_LATER) {
                r = msg_send(ip.sock, ip.rep);
                if (r < 0)
                        send_failed(r);
                return;
        }

        l = malloc(sizeof(*l));
        if (l == NULL) {
                log_err("No memory to answer request %u later.", ip.in->id);
                msg_init_reply(ip.rep, ip.in, -ENOMEM);
                r = msg_send(ip.sock, ip.rep);
                if (r < 0)
                        send_failed(r);
                return;
        }

        l->id    = ip.in->id;
        l->type  = ip.in->type;
        l->next  = ip.later;
        ip.later = l;
}

/* The IRMd connection is readable: one message per call (the loop calls
 * again while more wait). */
static void on_sock(void * arg,
                    int    fd,
                    short  revents)
{
        int r;

        (void) arg;
        (void) revents;

        r = msg_recv(fd, ip.in, 0);
        if (r == -EBADMSG) {
                log_warn("Dropped a malformed message.");
                return;
        }
        if (r == -ETIMEDOUT || r == -EAGAIN)
                return;
        if (r < 0) {
                log_info("IRMd connection closed, exiting.");
                if (r != -EPIPE)
                        ip.err = r;
                loop_stop();
                return;
        }

        if (ip.in->flags & MSG_F_REPLY)
                on_reply(ip.in);
        else
                on_request();

        msg_fini(ip.in);
}

static void on_signal(void * arg,
                      int    fd,
                      short  revents)
{
        struct signalfd_siginfo si;

        (void) arg;
        (void) revents;

        if (read(fd, &si, sizeof(si)) != sizeof(si))
                return;

        log_info("Terminating on signal %u.", si.ssi_signo);
        loop_stop();
}

/* Requests whose reply will never come: their callbacks get NULL. */
static void drop_pending(void)
{
        struct pending * p;
        struct later *   l;
        struct out *     o;

        while ((o = ip.q_head) != NULL) {
                ip.q_head = o->next;
                if (o->cb != NULL)
                        o->cb(o->arg, NULL);
                free(o->m);
                free(o);
        }
        ip.q_tail = &ip.q_head;

        while ((p = ip.pend) != NULL) {
                ip.pend = p->next;
                p->cb(p->arg, NULL);
                free(p);
        }

        while ((l = ip.later) != NULL) {
                ip.later = l->next;
                free(l);
        }
}

static int hello(enum ipcp_type type)
{
        struct msg * m = ip.in;
        int          r;

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

        return r;
}

/* The loop with the IRMd connection and the signals on it. */
static int serve(int sfd)
{
        int r;

        if (ipcp_fd_add(ip.sock, POLLIN, on_sock, NULL) < 0 ||
            ipcp_fd_add(sfd, POLLIN, on_signal, NULL) < 0)
                return -ENOMEM;

        loop_set_post(flush);

        r = loop_run();
        if (r < 0)
                log_err("Event loop failed: %d.", r);

        return r < 0 ? r : ip.err;
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

static int alloc_bufs(void)
{
        ip.in    = malloc(sizeof(*ip.in));
        ip.rep   = malloc(sizeof(*ip.rep));
        ip.extra = malloc(sizeof(*ip.extra));
        if (ip.in == NULL || ip.rep == NULL || ip.extra == NULL)
                return -ENOMEM;

        ip.in->n_fds = 0;

        return 0;
}

static void free_bufs(void)
{
        free(ip.in);
        free(ip.rep);
        free(ip.extra);
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
        int          sfd = -1;
        int          r;

        ip.ops  = ops;
        ip.type = type;

        if (parse_args(argc, argv, &to_stdout) < 0) {
                fprintf(stderr, "usage: %s --name NAME [--stdout]\n",
                        argv[0]);
                return 2;
        }

        tname = ipcp_type_name(type);
        snprintf(ident, sizeof(ident), "ipcpd-%s",
                 tname != NULL ? tname : "?");
        log_init(ident, to_stdout, LOG_LVL_INFO);

        /* Before any thread starts (the library's): all inherit it. */
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigprocmask(SIG_BLOCK, &set, NULL);
        signal(SIGPIPE, SIG_IGN);
        loop_sched_init();

        r = alloc_bufs();
        if (r < 0) {
                log_err("Out of memory.");
                goto out;
        }

        sfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (sfd < 0) {
                r = -errno;
                log_err("signalfd: %s.", strerror(errno));
                goto out;
        }

        /* The IRMd needs our eventfd before it hands us flows. */
        if (ops->carries_data) {
                r = ipcp_dev_init();
                if (r < 0) {
                        log_err("Cannot announce the process: %d.", r);
                        goto out;
                }
        }

        r = loop_init(ops->carries_data);
        if (r < 0) {
                log_err("Cannot start the event loop: %d.", r);
                goto out;
        }

        ip.sock = rundir_connect();
        if (ip.sock < 0) {
                r = ip.sock;
                log_err("Cannot reach the IRMd.");
                goto out_loop;
        }

        r = hello(type);
        if (r < 0) {
                log_err("IRMd refused hello for %s: %d.", ip.name, r);
                goto out_sock;
        }
        log_info("IPCP %s (pid %d) is up.", ip.name, getpid());

        r = serve(sfd);
        log_info("IPCP %s stops.", ip.name);
        drop_pending();
        ipcp_lower_fini();
        if (ops->fini != NULL)
                ops->fini();
 out_sock:
        close(ip.sock);
        ip.sock = -1;
 out_loop:
        loop_fini();
 out:
        if (sfd >= 0)
                close(sfd);
        free_bufs();
        log_fini();

        return r < 0 ? 1 : 0;
}
