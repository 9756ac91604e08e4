/*
 * Ouroboros IRMd - client connections.
 *
 * Every connection is non-blocking and read one message per readiness
 * event, so one chatty client cannot starve the others. A connection
 * that closes is marked dead and freed at the end of the loop pass
 * (conn_gc) once no parked request references it: modules keep
 * struct req (req.h) handles that hold a reference.
 *
 * The pid of a client is taken from SO_PEERCRED at accept, never from a
 * message. Connections are bounded (IRMD_MAX_CONNS); when full, a new
 * client's first request (if already sent) is answered -EBUSY and the
 * connection closed. A connection that never says anything is closed
 * after IRMD_IDLE_NS.
 */
#include "irmd.h"
#include "reg_ipcp.h"

#include "common/log.h"
#include "common/proto.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static struct {
        int              lfd;
        int              spare;   /* reserve fd for EMFILE, see shed() */
        struct list_head conns;
        size_t           n_conns;
        struct conn      internal;
        struct msg       rx;
} cs;

int conn_init(int listen_fd)
{
        cs.lfd   = listen_fd;
        cs.spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
        list_init(&cs.conns);
        memset(&cs.internal, 0, sizeof(cs.internal));
        list_init(&cs.internal.next);
        cs.internal.fd   = -1;
        cs.internal.kind = CONN_INTERNAL;
        cs.internal.refs = 1;
        cs.internal.pid  = getpid();
        cs.internal.uid  = getuid();

        return 0;
}

struct conn * conn_internal(void)
{
        return &cs.internal;
}

static void conn_free(struct conn * c)
{
        list_del(&c->next);
        --cs.n_conns;
        free(c);
}

void conn_fini(void)
{
        struct list_head * p;
        struct list_head * t;

        if (cs.spare >= 0)
                close(cs.spare);

        list_for_each_safe(p, t, &cs.conns) {
                struct conn * c = list_entry(p, struct conn, next);
                if (!c->dead)
                        close(c->fd);
                conn_free(c);
        }
}

/* The connection table is full (-EBUSY) or we are out of descriptors
 * (-EMFILE): answer the first request, if any. */
static void refuse(int fd,
                   int err)
{
        struct msg * m = &cs.rx;
        struct msg   rep;

        if (msg_recv(fd, m, 0) == 0 && !(m->flags & MSG_F_REPLY)) {
                msg_init_reply(&rep, m, err);
                msg_send(fd, &rep);
                msg_fini(m);
        }

        close(fd);
}

/*
 * Out of file descriptors: a pending connection would keep the listening
 * socket readable and the loop spinning. Use the spare fd to accept it,
 * answer its request with -EMFILE if it already sent one (else the
 * client sees EOF) and close it, then take the spare back.
 */
static void shed(void)
{
        static int64_t last;
        int            fd;

        if (cs.spare >= 0) {
                close(cs.spare);
                fd = accept4(cs.lfd, NULL, NULL, SOCK_CLOEXEC);
                if (fd >= 0)
                        refuse(fd, -EMFILE);
                cs.spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
        }

        if (now_ns() - last > NS_PER_S) { /* at most one line a second */
                log_warn("Out of file descriptors, dropping connections.");
                last = now_ns();
        }
}

void conn_accept(void)
{
        int i;

        /* bounded per pass: other events get their turn */
        for (i = 0; i < 64; ++i) {
                struct conn *      c;
                struct ucred       cr;
                socklen_t          len = sizeof(cr);
                struct epoll_event ev;
                int                fd;

                fd = accept4(cs.lfd, NULL, NULL,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        if (errno == EMFILE || errno == ENFILE) {
                                shed();
                                continue;
                        }
                        if (errno != EAGAIN && errno != EWOULDBLOCK)
                                log_warn("accept: %s", strerror(errno));
                        return;
                }

                if (cs.n_conns >= IRMD_MAX_CONNS) {
                        log_warn("Connection table full (%d), refusing.",
                                 IRMD_MAX_CONNS);
                        refuse(fd, -EBUSY);
                        continue;
                }

                if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
                        close(fd);
                        continue;
                }

                c = calloc(1, sizeof(*c));
                if (c == NULL) {
                        close(fd);
                        continue;
                }

                c->fd   = fd;
                c->refs = 1;
                c->pid  = cr.pid;
                c->uid  = cr.uid;
                c->kind = CONN_NEW;
                c->idle = now_ns() + IRMD_IDLE_NS;

                ev.events   = EPOLLIN;
                ev.data.ptr = c;
                if (epoll_ctl(irmd_epoll_fd(), EPOLL_CTL_ADD, fd, &ev) < 0) {
                        close(fd);
                        free(c);
                        continue;
                }

                list_add_tail(&c->next, &cs.conns);
                ++cs.n_conns;
        }
}

void conn_close(struct conn * c)
{
        if (c->dead || c->kind == CONN_INTERNAL)
                return;

        c->dead = true;
        epoll_ctl(irmd_epoll_fd(), EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;

        /* may answer nobody, only clean up state */
        flow_conn_closed(c);
        if (c->kind == CONN_SESSION)
                proc_conn_closed(c);
        if (c->kind == CONN_IPCP)
                ipcp_conn_closed(c);

        --c->refs;
}

void conn_gc(void)
{
        struct list_head * p;
        struct list_head * t;

        list_for_each_safe(p, t, &cs.conns) {
                struct conn * c = list_entry(p, struct conn, next);
                if (c->dead && c->refs == 0)
                        conn_free(c);
        }
}

int64_t conn_next_deadline(void)
{
        struct list_head * p;
        int64_t            dl = 0;

        list_for_each(p, &cs.conns) {
                struct conn * c = list_entry(p, struct conn, next);
                if (!c->dead && c->idle != 0 && (dl == 0 || c->idle < dl))
                        dl = c->idle;
        }

        return dl;
}

void conn_expire(int64_t now)
{
        struct list_head * p;
        struct list_head * t;

        list_for_each_safe(p, t, &cs.conns) {
                struct conn * c = list_entry(p, struct conn, next);
                if (!c->dead && c->idle != 0 && c->idle <= now) {
                        log_dbg("Closing silent connection of pid %d.",
                                c->pid);
                        conn_close(c);
                }
        }
}

/* A request connection with nothing pending may idle so long. */
static void idle_again(struct conn * c)
{
        if (!c->dead && c->kind == CONN_NEW && c->parked == 0)
                c->idle = now_ns() + IRMD_IDLE_NS;
}

/* A message that msg_recv rejected: answer if it had a request header. */
static void bad_message(struct conn * c,
                        struct msg *  m)
{
        struct msg rep;

        if (m->len < MSG_HDR_LEN) {
                log_dbg("Runt message from pid %d, closing.", c->pid);
                conn_close(c);
                return;
        }

        /* the header is intact even when the TLVs are not */
        m->type  = (uint16_t) (m->buf[0] | (m->buf[1] << 8));
        m->flags = (uint16_t) (m->buf[2] | (m->buf[3] << 8));
        m->id    = (uint32_t) m->buf[4] | ((uint32_t) m->buf[5] << 8) |
                   ((uint32_t) m->buf[6] << 16) | ((uint32_t) m->buf[7] << 24);
        if (m->flags & MSG_F_REPLY) {
                log_dbg("Malformed reply from pid %d dropped.", c->pid);
                return;
        }

        log_dbg("Malformed message (type %u) from pid %d.", m->type, c->pid);
        msg_init_reply(&rep, m, -EBADMSG);
        if (conn_send(c, &rep) < 0)
                conn_close(c);
}

void conn_event(struct conn * c)
{
        struct msg * m = &cs.rx;
        int          r;

        if (c->dead)
                return;

        r = msg_recv(c->fd, m, -1);
        if (r == -EAGAIN || r == -EWOULDBLOCK || r == -EINTR)
                return;
        if (r == -EBADMSG) {
                c->spoke = true;
                c->idle  = 0;
                bad_message(c, m);
                idle_again(c);
                return;
        }
        if (r < 0) {
                conn_close(c);
                return;
        }

        c->spoke = true;
        c->idle  = 0;
        conn_dispatch(c, m);
        msg_fini(m);
        idle_again(c);
}

static bool ipcp_only(struct conn *      c,
                      const struct msg * m)
{
        if (c->kind == CONN_IPCP)
                return true;

        log_dbg("IPCP message %u from non-IPCP pid %d.", m->type, c->pid);
        conn_reply(c, m, -EPERM);

        return false;
}

void conn_dispatch(struct conn * c,
                   struct msg *  m)
{
        int r;

        if (m->flags & MSG_F_REPLY) {
                if (c->kind == CONN_IPCP)
                        ipcp_on_reply(c, m);
                else
                        log_dbg("Stray reply (type %u) from pid %d dropped.",
                                m->type, c->pid);
                return;
        }

        /* the ack of a flow just handed over (its request is parked) */
        if (m->type == M_FLOW_ACK) {
                flow_h_ack(c, m);
                return;
        }

        /* names no request, frees a parked one: never refused */
        if (m->type == M_FLOW_CANCEL) {
                flow_h_cancel(c, m);
                return;
        }

        /* names are checked once here, for every handler */
        r = irmd_check_names(msg_body(m));
        if (r < 0) {
                log_dbg("Request (type %u) from pid %d with an invalid "
                        "name: %s.", m->type, c->pid, irmd_strerror(r));
                conn_reply(c, m, r);
                return;
        }

        /* one parked request per request connection, a few on others */
        if ((c->parked > 0 && c->kind == CONN_NEW) ||
            c->parked >= IRMD_MAX_PARKED) {
                conn_reply(c, m, -EBUSY);
                return;
        }

        switch (m->type) {
        case M_PROC_ANNOUNCE:    proc_h_announce(c, m);      break;
        case M_FLOW_ALLOC:       flow_h_alloc(c, m);         break;
        case M_FLOW_ACCEPT:      flow_h_accept(c, m);        break;
        case M_FLOW_JOIN:        flow_h_join(c, m);          break;
        case M_FLOW_DEALLOC:     flow_h_dealloc(c, m);       break;
        case M_IPCP_CREATE:      ipcp_h_create(c, m);        break;
        case M_IPCP_DESTROY:     ipcp_h_destroy(c, m);       break;
        case M_IPCP_LIST:        ipcp_h_list(c, m);          break;
        case M_IPCP_BOOTSTRAP:   ipcp_h_bootstrap(c, m);     break;
        case M_IPCP_ENROLL:      ipcp_h_enroll(c, m);        break;
        case M_IPCP_CONNECT:     /* fall through */
        case M_IPCP_DISCONNECT:  ipcp_h_connect(c, m);       break;
        case M_IPCP_STAT:        ipcp_h_stat(c, m);          break;
        case M_BIND_PROG:        name_h_bind_prog(c, m);     break;
        case M_UNBIND_PROG:      name_h_unbind_prog(c, m);   break;
        case M_BIND_PROC:        name_h_bind_proc(c, m);     break;
        case M_UNBIND_PROC:      name_h_unbind_proc(c, m);   break;
        case M_NAME_CREATE:      name_h_create(c, m);        break;
        case M_NAME_DESTROY:     name_h_destroy(c, m);       break;
        case M_NAME_LIST:        name_h_list(c, m);          break;
        case M_NAME_REG:         /* fall through */
        case M_NAME_UNREG:       name_h_reg(c, m);           break;
        case M_IPCP_HELLO:       ipcp_h_hello(c, m);         break;
        case M_IPCP_FLOW_REQ_ARR:
                if (ipcp_only(c, m))
                        flow_h_req_arr(c, m);
                break;
        case M_IPCP_FLOW_ALLOC_REPLY:
                if (ipcp_only(c, m))
                        flow_h_alloc_reply(c, m);
                break;
        case M_IPCP_FLOW_DEALLOC_ARR:
                if (ipcp_only(c, m))
                        flow_h_dealloc_arr(c, m);
                break;
        default:
                log_dbg("Unknown message type %u from pid %d.",
                        m->type, c->pid);
                conn_reply(c, m, -EOPNOTSUPP);
                break;
        }
}

int conn_send(struct conn *      c,
              const struct msg * m)
{
        int r;

        if (c->kind == CONN_INTERNAL) {
                config_on_reply(m);
                return 0;
        }

        if (c->dead)
                return -EPIPE;

        r = msg_send(c->fd, m);
        if (r < 0)
                log_dbg("Send to pid %d failed: %s.", c->pid, strerror(-r));

        return r;
}

void conn_reply(struct conn *      c,
                const struct msg * m,
                int                res)
{
        struct msg rep;

        msg_init_reply(&rep, m, res);
        if (conn_send(c, &rep) < 0 && c->kind != CONN_IPCP)
                conn_close(c);
}

void req_park(struct req *       r,
              struct conn *      c,
              const struct msg * m)
{
        assert(r->conn == NULL);

        r->conn  = c;
        r->type  = m->type;
        r->flags = m->flags;
        r->id    = m->id;
        ++c->refs;
        ++c->parked;
}

bool req_alive(const struct req * r)
{
        return r->conn != NULL && !r->conn->dead;
}

void req_init_reply(struct msg *       rep,
                    const struct req * r,
                    int                res)
{
        msg_init(rep, r->type, r->flags | MSG_F_REPLY, r->id);
        msg_put_i32(rep, T_RESULT, res);
}

void req_drop(struct req * r)
{
        if (r->conn == NULL)
                return;

        --r->conn->parked;
        --r->conn->refs;
        idle_again(r->conn);
        r->conn = NULL;
}

int req_send(struct req *       r,
             const struct msg * rep)
{
        struct conn * c = r->conn;
        int           res;

        if (c == NULL)
                return -EPIPE;

        req_drop(r);
        if (c->dead)
                return -EPIPE;
        res = conn_send(c, rep);
        if (res < 0 && c->kind == CONN_NEW)
                conn_close(c);

        return res;
}

void req_fail(struct req * r,
              int          res)
{
        struct msg rep;

        if (r->conn == NULL)
                return;

        req_init_reply(&rep, r, res);
        req_send(r, &rep);
}
