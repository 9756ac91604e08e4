/*
 * Ouroboros - lazy library initialisation, the IRMd session connection
 * and short request connections. See session.h.
 */
#include "session.h"

#include "evwait.h"
#include "flow_table.h"
#include "frct_timer.h"

#include "common/proto.h"
#include "common/rundir.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define ANNOUNCE_TIMEO_MS 5000
#define CMDLINE_MAX       (MSG_MAX - 1024)

/* Beyond so many requests waiting on the session, a request takes a
 * connection of its own (the IRMd parks IRMD_MAX_PARKED per connection). */
#define SES_MAX_WAITERS 32

/* A flow request waiting for its reply on the session connection. */
struct waiter {
        struct waiter * next;
        uint16_t        type;
        uint32_t        id;
        struct msg *    rep;     /* where its reply goes */
        int             res;     /* WAITING, 0 (reply in rep) or -EIRMD */
        pthread_cond_t  cond;
};

#define WAITING 1

static struct {
        pthread_mutex_t  lock;
        int              efd;      /* process eventfd, -1 if none */
        int              sock;     /* session connection, -1 if none */
        int              rsock;    /* the one a reader is in, -1 none */
        struct waiter *  waiters;  /* on sock, in arrival order */
        int              n_waiters;
        _Atomic bool     local;    /* table and efd ready */
        _Atomic bool     ready;    /* announced */
        _Atomic uint32_t id;
} ses = { .lock = PTHREAD_MUTEX_INITIALIZER, .efd = -1, .sock = -1,
          .rsock = -1 };

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void child_after_fork(void)
{
        /* Only this thread exists now; locks may be held by threads that
         * do not. Forget everything; the child announces itself anew. */
        pthread_mutex_init(&ses.lock, NULL);
        ft_reset_child();
        evwait_reset_child();
        frt_reset_child(); /* after: it makes its watcher passive anew */
        if (ses.sock >= 0)
                close(ses.sock);
        if (ses.efd >= 0)
                close(ses.efd);
        ses.sock      = -1;
        ses.efd       = -1;
        ses.rsock     = -1;    /* its reader was another thread */
        ses.waiters   = NULL;
        ses.n_waiters = 0;
        atomic_store(&ses.local, false);
        atomic_store(&ses.ready, false);
}

static void atfork_setup(void)
{
        pthread_atfork(NULL, NULL, child_after_fork);
}

int session_local_init(void)
{
        int r;

        if (atomic_load(&ses.local))
                return 0;

        pthread_once(&atfork_once, atfork_setup);

        pthread_mutex_lock(&ses.lock);
        if (atomic_load(&ses.local)) {
                pthread_mutex_unlock(&ses.lock);
                return 0;
        }

        r = ft_init();
        if (r < 0)
                goto out;

        ses.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (ses.efd < 0) {
                r = -errno;
                goto out;
        }

        evwait_init(ses.efd);
        atomic_store(&ses.local, true);
 out:
        pthread_mutex_unlock(&ses.lock);
        return r;
}

int session_efd(void)
{
        return ses.efd;
}

uint32_t session_next_id(void)
{
        return atomic_fetch_add(&ses.id, 1) + 1;
}

/* /proc/self/cmdline as consecutive NUL-terminated strings. */
static char * read_cmdline(size_t * len)
{
        char *  buf;
        ssize_t n;
        size_t  got = 0;
        int     fd;

        buf = malloc(CMDLINE_MAX + 1);
        if (buf == NULL)
                return NULL;

        fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
                while (got < CMDLINE_MAX) {
                        n = read(fd, buf + got, CMDLINE_MAX - got);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0)
                                break;
                        got += (size_t) n;
                }
                close(fd);
        }

        buf[got] = '\0';
        *len     = got;

        return buf;
}

/* Index of the script in args[1..n) of a python interpreter, or 0 when it
 * runs a module, a command, stdin or nothing. */
static size_t python_script(char ** args,
                            size_t  n)
{
        size_t i;

        for (i = 1; i < n; ++i) {
                const char * a = args[i];
                const char * c;

                if (strcmp(a, "--") == 0)
                        return i + 1 < n ? i + 1 : 0;
                if (strcmp(a, "-") == 0)
                        return 0;
                if (a[0] != '-')
                        return i;
                if (a[1] == '-') { /* long option */
                        if (strcmp(a, "--check-hash-based-pycs") == 0)
                                ++i;
                        continue;
                }
                for (c = a + 1; *c != '\0'; ++c) {
                        if (*c == 'c' || *c == 'm')
                                return 0;
                        if (*c == 'W' || *c == 'X') {
                                if (c[1] == '\0')
                                        ++i; /* value is the next arg */
                                break;
                        }
                }
        }

        return 0;
}

static int put_prog_args(struct msg * m)
{
        char      exe[PATH_MAX];
        char      path[PATH_MAX];
        char *    cmd;
        char **   args;
        size_t    len;
        size_t    n = 0;
        size_t    i;
        size_t    first = 1;
        ssize_t   r;
        const char * base;

        r = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (r < 0)
                return -errno;
        exe[r] = '\0';
        /* readlink of /proc/self/exe is already the resolved path. */
        strcpy(path, exe);

        cmd = read_cmdline(&len);
        if (cmd == NULL)
                return -ENOMEM;

        args = calloc(len + 1, sizeof(*args)); /* every arg may be "" */
        if (args == NULL) {
                free(cmd);
                return -ENOMEM;
        }

        for (i = 0; i < len; i += strlen(cmd + i) + 1)
                args[n++] = cmd + i;

        base = strrchr(exe, '/');
        base = base == NULL ? exe : base + 1;
        if (strncmp(base, "python", 6) == 0) {
                size_t s = python_script(args, n);
                if (s > 0 && realpath(args[s], path) != NULL)
                        first = s + 1;
                else
                        strcpy(path, exe);
        }

        /* The IRMd keeps PROTO_ANNOUNCE_ARGS: send no more. */
        if (n > first + PROTO_ANNOUNCE_ARGS)
                n = first + PROTO_ANNOUNCE_ARGS;

        r = msg_put_str(m, T_PROG, path);
        for (i = first; r == 0 && i < n; ++i)
                r = msg_put_str(m, T_ARG, args[i]);

        free(args);
        free(cmd);

        return r == -EMSGSIZE ? 0 : (int) r; /* very long argv: truncate */
}

/* Called with ses.lock held. */
static int announce(void)
{
        struct msg * m;
        int          sock;
        int          r;

        m = malloc(sizeof(*m));
        if (m == NULL)
                return -ENOMEM;

        sock = rundir_connect();
        if (sock < 0) {
                free(m);
                return sock == -ETIMEDOUT ? sock : -EIRMD;
        }

        msg_init(m, M_PROC_ANNOUNCE, 0, session_next_id());
        r = put_prog_args(m);
        if (r == 0)
                r = msg_put_fd(m, ses.efd);
        if (r < 0)
                goto fail;

        if (msg_send(sock, m) < 0) {
                r = -EIRMD;
                goto fail;
        }

        /* An IRMd that does not answer in time is there but busy or
         * stuck: -ETIMEDOUT, not "no IRMd" (-EIRMD). */
        r = msg_recv(sock, m, ANNOUNCE_TIMEO_MS);
        if (r < 0) {
                r = r == -ETIMEDOUT ? r : -EIRMD;
                goto fail;
        }

        r = msg_result(m);
        msg_fini(m);
        if (r < 0)
                goto fail;

        free(m);
        ses.sock = sock;

        return 0;
 fail:
        close(sock);
        free(m);
        return r;
}

/* A hang-up on the session means the IRMd went away (e.g. restarted),
 * and a new one must hear from us again. (It writes there only the
 * replies to flow requests: pending input is no hang-up.) */
static bool session_lost(void)
{
        struct pollfd pfd = { .fd = ses.sock, .events = POLLRDHUP };

        return poll(&pfd, 1, 0) > 0 &&
                (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

/*
 * The session connection is gone (EOF, a failed send): every request
 * waiting on it fails with -EIRMD, and the next call announces anew.
 * A thread may be reading it: then it is only shut down (the reader
 * wakes up, and closes it). Called with ses.lock held.
 */
static void session_break(void)
{
        struct waiter * w;

        for (w = ses.waiters; w != NULL; w = w->next) {
                w->res = -EIRMD;
                pthread_cond_signal(&w->cond);
        }
        ses.waiters   = NULL;
        ses.n_waiters = 0;

        if (ses.sock >= 0) {
                if (ses.rsock == ses.sock)
                        shutdown(ses.sock, SHUT_RDWR);
                else
                        close(ses.sock);
        }
        ses.sock = -1;
        atomic_store(&ses.ready, false);
}

int session_init(void)
{
        int r;

        r = session_local_init();
        if (r < 0)
                return r;

        /* Not a fast path (flow requests find a lost session when they
         * send on it): management calls and IPCPs. */
        pthread_mutex_lock(&ses.lock);
        if (atomic_load(&ses.ready) && session_lost())
                session_break();
        if (!atomic_load(&ses.ready)) {
                r = announce();
                if (r == 0)
                        atomic_store(&ses.ready, true);
        }
        pthread_mutex_unlock(&ses.lock);

        return r;
}

/*
 * Descriptors: a request takes a socket and its answer may bring
 * MSG_MAX_FDS more. When that would not fit below the soft limit, raise
 * it to the hard one; not before it is needed (a program using select()
 * may rely on staying below FD_SETSIZE). fd is the lowest free
 * descriptor (a new socket), or -EMFILE. True if the limit went up.
 */
static _Atomic long nofile_cur; /* the soft limit as we last saw it */

static bool nofile_room(int fd)
{
        _Atomic long * cur = &nofile_cur;
        struct rlimit  rl;
        long           c = atomic_load(cur);

        if (c == 0 || fd < 0 || fd + MSG_MAX_FDS >= c) {
                if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                        return false;
                c = rl.rlim_cur > LONG_MAX ? LONG_MAX : (long) rl.rlim_cur;
                atomic_store(cur, c);
        }
        if (fd >= 0 && fd + MSG_MAX_FDS < c)
                return false; /* room enough */
        if (rl.rlim_cur >= rl.rlim_max)
                return false;

        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                return false;
        atomic_store(cur, rl.rlim_cur > LONG_MAX ? LONG_MAX :
                     (long) rl.rlim_cur);

        return true;
}

static int session_call(struct msg * req,
                        struct msg * rep,
                        int          timeo_ms,
                        int *        keep);

int session_request(struct msg * req,
                    struct msg * rep,
                    int          timeo_ms)
{
        return session_call(req, rep, timeo_ms, NULL);
}

int session_post(const struct msg * m)
{
        int r = -EIRMD;

        pthread_mutex_lock(&ses.lock); /* the socket may be replaced */
        if (atomic_load(&ses.ready) && msg_send(ses.sock, m) == 0)
                r = 0;
        pthread_mutex_unlock(&ses.lock);

        return r;
}

static void session_ack(int          sock,
                        struct msg * m,
                        uint32_t     flow_id,
                        int          res)
{
        /* if it cannot go, the close alone tells the IRMd it was lost */
        msg_init(m, M_FLOW_ACK, 0, session_next_id());
        msg_put_u32(m, T_FLOW_ID, flow_id);
        msg_put_i32(m, T_RESULT, res < 0 ? res : 0);
        msg_send(sock, m);
        close(sock);
}

static int session_call(struct msg * req,
                        struct msg * rep,
                        int          timeo_ms,
                        int *        keep)
{
        int sock;
        int r;

        msg_init(rep, 0, 0, 0);

        sock = rundir_connect();
        if (sock == -EMFILE && nofile_room(-1))
                sock = rundir_connect();
        else if (sock >= 0)
                nofile_room(sock);
        if (sock == -EMFILE || sock == -ENFILE || sock == -ETIMEDOUT)
                return sock; /* out of descriptors / IRMd swamped: say so */
        if (sock < 0)
                return -EIRMD;

        if (msg_send(sock, req) < 0) {
                close(sock);
                return -EIRMD;
        }

        for (;;) {
                r = msg_recv(sock, rep, timeo_ms);
                if (r == -ETIMEDOUT) {
                        /* A last look: an answer that just came is not
                         * thrown away, and after SHUT_RD none can come
                         * (the IRMd's send fails, and it takes back what
                         * it was handing over, e.g. a flow). */
                        shutdown(sock, SHUT_RD);
                        r = msg_recv(sock, rep, 0);
                        if (r == -EPIPE)
                                r = -ETIMEDOUT;
                }
                if (r == -ETIMEDOUT)
                        break;
                if (r < 0) {
                        r = r == -EBADMSG ? r : -EIRMD;
                        break;
                }
                if (rep->type == req->type && rep->id == req->id &&
                    (rep->flags & MSG_F_REPLY)) {
                        r = msg_result(rep);
                        break;
                }
                msg_fini(rep); /* not ours: ignore */
        }

        if (r == 0 && keep != NULL)
                *keep = sock;
        else
                close(sock);

        return r;
}

/* ---- flow requests on the session connection ----
 *
 * The threads of a process share the one session connection: each
 * request is a waiter (ses.waiters); whichever waiter finds nobody
 * reading becomes the reader, receives into its own buffer and hands
 * a reply for another waiter over (moved into that one's buffer, its
 * condition signalled). A reader whose own reply came, or whose time
 * is up, wakes the oldest waiter to read on. So a thread waiting
 * forever (flow_accept) never holds up another's reply, a single
 * thread makes no futex call, and each request costs one send and one
 * receive. The IRMd serves a session's requests independently (each is
 * parked on its own); it never blocks on a client.
 */

/* Move the received message src into dst (its descriptors too). */
static void msg_move(struct msg * dst,
                     struct msg * src)
{
        dst->type  = src->type;
        dst->flags = src->flags;
        dst->id    = src->id;
        dst->len   = src->len;
        memcpy(dst->buf, src->buf, src->len);
        memcpy(dst->fds, src->fds, sizeof(src->fds));
        dst->n_fds = src->n_fds;
        src->n_fds = 0;
        src->len   = 0;
}

/* The lowest free descriptor when the last reply came (its first
 * descriptor: the kernel gives each the lowest free), -1 unknown. */
static _Atomic int reply_low = -1;

/*
 * A reply on the session brings up to MSG_MAX_FDS descriptors, and
 * those that do not fit below the soft limit are lost: make room first
 * (nofile_room). No system call unless the last reply's descriptors
 * came near the limit; then the lowest free one is looked up (a dup).
 */
static void reply_room(void)
{
        int  low = atomic_load(&reply_low);
        long c = atomic_load(&nofile_cur);

        if (low >= 0 && c > 0 && low + 2 * MSG_MAX_FDS + 16 < c)
                return;

        low = fcntl(ses.sock, F_DUPFD_CLOEXEC, 0);
        if (low < 0) {
                nofile_room(-1);
                return;
        }
        nofile_room(low);
        close(low);
        atomic_store(&reply_low, low);
}

static void waiter_unlink(struct waiter * w)
{
        struct waiter ** p;

        for (p = &ses.waiters; *p != NULL; p = &(*p)->next) {
                if (*p == w) {
                        *p = w->next;
                        --ses.n_waiters;
                        return;
                }
        }
}

/* Give the message just read into m to its waiter: true if it was
 * self's. A reply nobody waits for (its waiter timed out and told the
 * IRMd to take it back, see session_flow_call) is dropped. */
static bool deliver(struct waiter * self,
                    struct msg *    m)
{
        struct waiter * w;

        for (w = ses.waiters; w != NULL; w = w->next) {
                if (w->res != WAITING || w->type != m->type ||
                    w->id != m->id || !(m->flags & MSG_F_REPLY))
                        continue;
                if (w != self)
                        msg_move(w->rep, m);
                w->res = 0;
                pthread_cond_signal(&w->cond);
                return w == self;
        }

        msg_fini(m); /* stray: its descriptors go */

        return false;
}

/* Called with ses.lock held and w queued: wait until w has its answer
 * or end_ns (0: forever) passes. */
static void mux_wait(struct waiter * w,
                     int64_t         end_ns)
{
        struct timespec abs;
        int             left = -1;
        int             sock;
        int             r;

        if (end_ns != 0)
                abs = ns_to_ts(end_ns);

        while (w->res == WAITING) {
                if (end_ns != 0) {
                        int64_t ns = end_ns - now_ns();
                        if (ns <= 0)
                                break;
                        left = (int) ((ns + NS_PER_MS - 1) / NS_PER_MS);
                }

                if (ses.rsock >= 0) { /* another thread reads */
                        if (end_ns == 0)
                                pthread_cond_wait(&w->cond, &ses.lock);
                        else /* the condition runs on CLOCK_MONOTONIC */
                                pthread_cond_timedwait(&w->cond, &ses.lock,
                                                       &abs);
                        continue;
                }

                sock      = ses.sock;
                ses.rsock = sock;
                pthread_mutex_unlock(&ses.lock);
                r = msg_recv(sock, w->rep, left);
                pthread_mutex_lock(&ses.lock);
                ses.rsock = -1;

                if (sock != ses.sock) {
                        /* broken meanwhile, its waiters failed */
                        close(sock);
                        if (r == 0)
                                msg_fini(w->rep);
                } else if (r == 0) {
                        if (w->rep->n_fds > 0)
                                atomic_store(&reply_low, w->rep->fds[0]);
                        deliver(w, w->rep);
                } else if (r != -ETIMEDOUT && r != -EBADMSG) {
                        session_break(); /* EOF: the IRMd went away */
                }
        }

        waiter_unlink(w);

        /* Someone must read on: the oldest waiter. */
        if (ses.rsock < 0 && ses.waiters != NULL)
                pthread_cond_signal(&ses.waiters->cond);
}

int session_flow_call(struct msg * req,
                      struct msg * rep,
                      int          timeo_ms,
                      int *        ack_sock)
{
        pthread_condattr_t ca;
        struct waiter **   p;
        struct waiter      w;
        int64_t            end = 0;
        int                tries;
        int                r = 0;

        *ack_sock = -1;
        msg_init(rep, 0, 0, 0);

        r = session_local_init();
        if (r < 0)
                return r;

        if (timeo_ms >= 0)
                end = ns_after((int64_t) timeo_ms * NS_PER_MS);

        w.next = NULL;
        w.type = req->type;
        w.id   = req->id;
        w.rep  = rep;
        w.res  = WAITING;

        pthread_mutex_lock(&ses.lock);
        for (tries = 0; tries < 2; ++tries) {
                if (!atomic_load(&ses.ready)) {
                        r = announce();
                        if (r < 0)
                                break;
                        atomic_store(&ses.ready, true);
                }
                if (ses.n_waiters >= SES_MAX_WAITERS)
                        break;
                reply_room();
                if (msg_send(ses.sock, req) == 0)
                        break;
                session_break(); /* a restarted IRMd: announce again */
                r = -EIRMD;
        }

        if (r < 0 || ses.n_waiters >= SES_MAX_WAITERS) {
                pthread_mutex_unlock(&ses.lock);
                if (r < 0)
                        return r;
                /* A connection of its own, confirmed with M_FLOW_ACK. */
                if (msg_put_u8(req, T_ACK, 1) < 0)
                        return -ENOMEM;
                return session_call(req, rep, timeo_ms, ack_sock);
        }

        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&w.cond, &ca);
        pthread_condattr_destroy(&ca);
        for (p = &ses.waiters; *p != NULL; p = &(*p)->next)
                ;
        *p = &w;
        ++ses.n_waiters;

        mux_wait(&w, end);

        r = w.res;
        if (r == WAITING) {
                /* Its answer may still come, with a flow: the IRMd takes
                 * back whatever it hands to this request. */
                struct msg * m = malloc(sizeof(*m));
                r = -ETIMEDOUT;
                if (m != NULL) {
                        msg_init(m, M_FLOW_CANCEL, 0, req->id);
                        if (ses.sock >= 0)
                                msg_send(ses.sock, m);
                        free(m);
                }
        }
        pthread_mutex_unlock(&ses.lock);
        pthread_cond_destroy(&w.cond);

        return r < 0 ? r : msg_result(rep);
}

void session_flow_done(int          ack_sock,
                       struct msg * m,
                       uint32_t     flow_id,
                       int          res)
{
        if (ack_sock >= 0) {
                session_ack(ack_sock, m, flow_id, res);
                return;
        }

        if (res >= 0)
                return; /* on the session: nothing to confirm */

        /* Refused: the IRMd marks our side dead for the peer. (No
         * session: the IRMd reclaims the flow with the process.) */
        msg_init(m, M_FLOW_ACK, 0, session_next_id());
        msg_put_u32(m, T_FLOW_ID, flow_id);
        msg_put_i32(m, T_RESULT, res);
        session_post(m);
}
