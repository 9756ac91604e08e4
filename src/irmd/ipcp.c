/*
 * Ouroboros IRMd - IPCP processes (the management requests about them
 * are in ipcp_mgmt.c).
 *
 * Spawning: `<dir>/ipcpd-<type> --name NAME`, with <dir> the first of
 * $OUROBOROS_IPCPD_DIR (developer override) and the directory of the
 * irmd executable that holds the binary: never an installed IPCP of
 * another build (an irmd in a build tree runs that tree's IPCPs). The
 * M_IPCP_CREATE request is parked until the IPCP connects back with
 * M_IPCP_HELLO (or IRMD_HELLO_NS passes, or it dies).
 *
 * Requests to an IPCP (M_IPCPD_*) carry ids from one counter; each is an
 * ipcp_req with a deadline and a completion callback, called exactly
 * once: with the reply, or with -EIPCP when the IPCP dies, or with
 * -ETIMEDOUT.
 *
 * Death (SIGCHLD or EOF of its connection, whichever comes first): the
 * IPCP's flows are marked down, its pending requests fail, names are
 * unregistered from it and it leaves the registry. A destroyed IPCP gets
 * SIGTERM, then SIGKILL after IRMD_KILL_GRACE_NS if still there.
 */
#include "irmd.h"
#include "reg_ipcp.h"

#include "common/ipcp_type.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct ipcp_req {
        struct list_head  next;
        struct reg_ipcp * ipcp;
        uint32_t          id;
        uint16_t          type;
        int64_t           deadline;
        ipcp_done_fn      done;
        void *            ctx;
};

struct dying {
        struct list_head next;
        pid_t            pid;
        int64_t          deadline; /* SIGKILL then */
};

static struct {
        struct list_head reqs;
        struct list_head dying;
        uint32_t         next_id;
} ip;

int ipcp_init(void)
{
        list_init(&ip.reqs);
        list_init(&ip.dying);
        ip.next_id = 1;

        return 0;
}

/* ---- finding and spawning binaries ---- */

int ipcp_bin_path(enum ipcp_type t,
                  char *         buf,
                  size_t         len)
{
        const char * dirs[2];
        char         self[PATH_MAX];
        char *       env = getenv("OUROBOROS_IPCPD_DIR");
        size_t       i;
        int          n = 0;

        dirs[n++] = (env != NULL && *env != '\0') ? env : NULL;
        dirs[n++] = NULL;

        if (realpath("/proc/self/exe", self) != NULL)
                dirs[1] = dirname(self);

        for (i = 0; i < (size_t) n; ++i) {
                int k;
                if (dirs[i] == NULL)
                        continue;
                k = snprintf(buf, len, "%s/ipcpd-%s", dirs[i],
                             ipcp_type_name(t));
                if (k < 0 || (size_t) k >= len)
                        continue;
                if (access(buf, X_OK) == 0)
                        return 0;
        }

        return -EIPCPTYPE;
}

static void child_stdio(void)
{
        int null = open("/dev/null", O_RDWR);

        if (null < 0)
                return;

        dup2(null, STDIN_FILENO);
        if (!irmd_cfg.to_stdout) {
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
        }
        if (null > STDERR_FILENO)
                close(null);
}

pid_t ipcp_spawn(const char * path,
                 const char * name)
{
        sigset_t set;
        pid_t    pid;

        pid = fork();
        if (pid != 0)
                return pid < 0 ? -errno : pid;

        /* child: own process group, default signals, quiet stdin */
        setpgid(0, 0);
        sigemptyset(&set);
        sigprocmask(SIG_SETMASK, &set, NULL);
        signal(SIGPIPE, SIG_DFL);
        child_stdio();
        execl(path, path, "--name", name, (char *) NULL);
        _exit(127);
}

/* ---- requests to IPCPs ---- */

int ipcp_send_req(struct reg_ipcp * e,
                  struct msg *      m,
                  int64_t           timeo_ns,
                  ipcp_done_fn      done,
                  void *            ctx)
{
        struct ipcp_req * r;
        uint8_t *         b = m->buf;
        int               ret;

        if (e->conn == NULL || e->state == IPCP_STATE_DOWN)
                return -EIPCP;

        m->id = ip.next_id++;
        if (ip.next_id == 0)
                ip.next_id = 1;
        b[4] = m->id & 0xff;
        b[5] = (m->id >> 8) & 0xff;
        b[6] = (m->id >> 16) & 0xff;
        b[7] = (m->id >> 24) & 0xff;

        /* fire-and-forget requests are tracked too, so their replies
         * are matched and a silent IPCP is noticed */
        r = calloc(1, sizeof(*r));
        if (r == NULL)
                return -ENOMEM;
        r->ipcp     = e;
        r->id       = m->id;
        r->type     = m->type;
        r->deadline = now_ns() + timeo_ns;
        r->done     = done;
        r->ctx      = ctx;

        ret = conn_send(e->conn, m);
        if (ret < 0) {
                free(r);
                return -EIPCP;
        }

        list_add_tail(&r->next, &ip.reqs);

        return 0;
}

void ipcp_on_reply(struct conn *      c,
                   const struct msg * m)
{
        struct list_head * p;

        list_for_each(p, &ip.reqs) {
                struct ipcp_req * r = list_entry(p, struct ipcp_req, next);
                if (r->ipcp == c->ipcp && r->id == m->id) {
                        int res = msg_result(m);
                        list_del(&r->next);
                        if (r->type != m->type)
                                res = -EBADMSG;
                        if (res < 0)
                                log_dbg("IPCP %s: request %u (type %u) "
                                        "failed: %s.", r->ipcp->name, r->id,
                                        r->type, irmd_strerror(res));
                        if (r->done != NULL)
                                r->done(r->ctx, r->ipcp, res, m);
                        free(r);
                        return;
                }
        }

        log_dbg("Unmatched reply %u (type %u) from IPCP %s.", m->id,
                m->type, c->ipcp != NULL ? c->ipcp->name : "?");
}

/* Fail all requests pending at e. */
static void fail_reqs(struct reg_ipcp * e,
                      int               res)
{
        struct list_head * p;
        struct list_head * t;

        list_for_each_safe(p, t, &ip.reqs) {
                struct ipcp_req * r = list_entry(p, struct ipcp_req, next);
                if (r->ipcp != e)
                        continue;
                list_del(&r->next);
                if (r->done != NULL)
                        r->done(r->ctx, r->ipcp, res, NULL);
                free(r);
        }
}

/* ---- life and death ---- */

void ipcp_kill_later(pid_t pid)
{
        struct dying * d;

        kill(pid, SIGTERM);

        d = malloc(sizeof(*d));
        if (d == NULL)
                return;
        d->pid      = pid;
        d->deadline = now_ns() + IRMD_KILL_GRACE_NS;
        list_add_tail(&d->next, &ip.dying);
}

void ipcp_create_done(struct reg_ipcp * e,
                      int               res)
{
        struct ipcp_create * cr = e->create;
        struct msg      rep;

        if (cr == NULL)
                return;

        e->create   = NULL;
        e->deadline = 0;
        req_init_reply(&rep, &cr->req, res);
        if (res == 0)
                msg_put_u32(&rep, T_PID, (uint32_t) e->pid);
        req_send(&cr->req, &rep);
        free(cr);
}

/* Take e out of service and out of the registry. */
void ipcp_gone(struct reg_ipcp * e,
               const char *      why)
{
        log_info("IPCP %s (pid %d, type %s) %s.", e->name, e->pid,
                 ipcp_type_name(e->type), why);

        reg_ipcp_set_state(e, IPCP_STATE_DOWN);
        ipcp_create_done(e, -EIPCP);
        fail_reqs(e, -EIPCP);
        flow_ipcp_gone(e);
        name_ipcp_gone(e);

        if (e->conn != NULL) {
                struct conn * c = e->conn;
                e->conn  = NULL;
                c->ipcp  = NULL;
                c->kind  = CONN_NEW;
                conn_close(c);
        }

        reg_ipcp_del(e);
}

bool ipcp_child_exit(pid_t pid,
                     int   status)
{
        struct reg_ipcp *  e = reg_ipcp_by_pid(pid);
        struct list_head * p;
        struct list_head * t;
        char               why[64];

        list_for_each_safe(p, t, &ip.dying) {
                struct dying * d = list_entry(p, struct dying, next);
                if (d->pid == pid) {
                        list_del(&d->next);
                        free(d);
                        if (e == NULL)
                                return true;
                }
        }

        if (e == NULL)
                return false;

        if (WIFSIGNALED(status))
                snprintf(why, sizeof(why), "died (signal %d)",
                         WTERMSIG(status));
        else
                snprintf(why, sizeof(why), "died (exit %d)",
                         WEXITSTATUS(status));

        ipcp_gone(e, why);

        return true;
}

void ipcp_conn_closed(struct conn * c)
{
        struct reg_ipcp * e = c->ipcp;

        if (e == NULL)
                return;

        /* an IPCP without its connection is useless: stop it */
        e->conn = NULL;
        c->ipcp = NULL;
        ipcp_kill_later(e->pid);
        ipcp_gone(e, "died (connection lost)");
}

int64_t ipcp_next_deadline(void)
{
        struct list_head * p;
        int64_t            dl = 0;

#define MIN_DL(x) do { if ((x) != 0 && (dl == 0 || (x) < dl)) dl = (x); } \
        while (0)
        list_for_each(p, &ip.reqs)
                MIN_DL(list_entry(p, struct ipcp_req, next)->deadline);
        list_for_each(p, &ip.dying)
                MIN_DL(list_entry(p, struct dying, next)->deadline);
        list_for_each(p, reg_ipcp_all())
                MIN_DL(list_entry(p, struct reg_ipcp, next)->deadline);
#undef MIN_DL

        return dl;
}

void ipcp_expire(int64_t now)
{
        struct list_head * p;
        struct list_head * t;

        list_for_each_safe(p, t, &ip.reqs) {
                struct ipcp_req * r = list_entry(p, struct ipcp_req, next);
                if (r->deadline > now)
                        continue;
                log_warn("IPCP %s did not answer request %u (type %u).",
                         r->ipcp->name, r->id, r->type);
                list_del(&r->next);
                if (r->done != NULL)
                        r->done(r->ctx, r->ipcp, -ETIMEDOUT, NULL);
                free(r);
        }

        list_for_each_safe(p, t, &ip.dying) {
                struct dying * d = list_entry(p, struct dying, next);
                if (d->deadline > now)
                        continue;
                log_warn("Process %d ignored SIGTERM, killing it.", d->pid);
                kill(d->pid, SIGKILL);
                list_del(&d->next);
                free(d);
        }

        list_for_each_safe(p, t, reg_ipcp_all()) {
                struct reg_ipcp * e = list_entry(p, struct reg_ipcp, next);
                if (e->deadline == 0 || e->deadline > now)
                        continue;
                e->deadline = 0;
                ipcp_kill_later(e->pid);
                ipcp_gone(e, "did not say hello in time");
        }
}

void ipcp_fini(void)
{
        struct list_head * p;
        struct list_head * t;
        int64_t            dl;

        list_for_each_safe(p, t, reg_ipcp_all()) {
                struct reg_ipcp * e = list_entry(p, struct reg_ipcp, next);
                pid_t             pid = e->pid;
                ipcp_gone(e, "stopped");
                ipcp_kill_later(pid);
        }

        /* shutdown only: wait briefly for the IPCPs, then SIGKILL */
        dl = now_ns() + IRMD_KILL_GRACE_NS;
        while (!list_empty(&ip.dying)) {
                list_for_each_safe(p, t, &ip.dying) {
                        struct dying * d = list_entry(p, struct dying, next);
                        pid_t          r = waitpid(d->pid, NULL, WNOHANG);
                        if (r == d->pid || (r < 0 && errno == ECHILD)) {
                                list_del(&d->next);
                                free(d);
                        } else if (now_ns() > dl) {
                                kill(d->pid, SIGKILL);
                                waitpid(d->pid, NULL, 0);
                                list_del(&d->next);
                                free(d);
                        }
                }
                if (!list_empty(&ip.dying))
                        usleep(10000);
        }

        list_for_each_safe(p, t, &ip.reqs) {
                list_del(p);
                free(list_entry(p, struct ipcp_req, next));
        }
}
