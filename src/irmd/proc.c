/*
 * Ouroboros IRMd - application processes.
 *
 * A process announces itself once on its session connection
 * (M_PROC_ANNOUNCE: program path, argv, its eventfd). From then on it is
 * bound to the names its program is bound to. The end of the session
 * (EOF: the process exited or was killed) reclaims everything it held.
 *
 * Auto-start: when a flow arrives for a name and no process bound to it
 * is waiting in accept, the first program bound to it with "auto" is
 * started (setsid, stdin /dev/null, stdout/stderr to ours with --stdout,
 * else /dev/null). Only one instance per name is starting at a time: a
 * started program counts as starting until it first calls accept (or
 * exits), so a burst of flows starts one server, and a busy server gets
 * a sibling. (Counting running bound processes instead would never start
 * a server when the client is the same program, like oecho.)
 */
#include "irmd.h"
#include "reg_name.h"
#include "reg_proc.h"
#include "reg_prog.h"

#include "common/log.h"
#include "common/proto.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct child {
        struct list_head next;
        pid_t            pid;
        char             name[NAME_MAX_LEN + 1];
        char             prog[PATH_MAX];
        bool             accepted; /* has called accept once */
};

static struct list_head children = LIST_HEAD_INIT(children);

bool proc_alive(pid_t pid)
{
        return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

static bool is_eventfd(int fd)
{
        char path[64];
        char link[64];
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        n = readlink(path, link, sizeof(link) - 1);
        if (n < 0)
                return false;
        link[n] = '\0';

        return strcmp(link, "anon_inode:[eventfd]") == 0;
}

/*
 * M_PROC_ANNOUNCE {T_PROG, T_ARG*, fd: eventfd} on the session
 * connection. -EBADMSG missing field or fd, -EINVAL relative program
 * path or the fd is not an eventfd, -EEXIST this connection or pid has
 * already announced, -E2BIG too many args.
 */
void proc_h_announce(struct conn * c,
                     struct msg *  m)
{
        char              prog[IRMD_PROG_MAX];
        char *            args[REG_PROC_MAX_ARGS];
        size_t            argc = msg_count(msg_body(m), T_ARG);
        size_t            n_names = 0;
        struct reg_proc * p;
        struct reg_prog * pg;
        int               evfd = -1;
        int               r;

        memset(args, 0, sizeof(args));

        r = msg_get_str(msg_body(m), T_PROG, prog, sizeof(prog) - 1);
        if (r == -ENOENT)
                r = -EBADMSG;
        if (r >= 0 && prog[0] != '/')
                r = -EINVAL;
        if (r >= 0 && argc > REG_PROC_MAX_ARGS)
                r = -E2BIG;
        if (r >= 0 && (c->kind != CONN_NEW || reg_proc_get(c->pid) != NULL))
                r = -EEXIST;
        if (r >= 0) {
                evfd = msg_take_fd(m, 0);
                if (evfd < 0)
                        r = -EBADMSG;
                else if (!is_eventfd(evfd))
                        r = -EINVAL;
        }
        if (r >= 0)
                r = irmd_get_args(msg_body(m), args, argc);
        if (r >= 0)
                r = reg_proc_add(c->pid, prog, (int) argc, args, evfd, &p);

        irmd_free_args(args, REG_PROC_MAX_ARGS);

        if (r < 0) {
                if (evfd >= 0)
                        close(evfd);
                log_dbg("Announce from pid %d refused: %s.", c->pid,
                        irmd_strerror(r));
                conn_reply(c, m, r);
                return;
        }

        c->kind = CONN_SESSION;
        p->conn = c;

        pg = reg_prog_get(prog);
        if (pg != NULL) {
                struct list_head * q;
                list_for_each(q, &pg->binds) {
                        struct reg_bind * b;
                        struct reg_name * n;
                        b = list_entry(q, struct reg_bind, next);
                        n = reg_name_get(b->name);
                        if (n != NULL && reg_name_bind_pid(n, c->pid) == 0)
                                ++n_names;
                }
        }

        log_info("Process %d (%s) announced, bound to %zu name(s).",
                 c->pid, prog, n_names);

        conn_reply(c, m, 0);
}

static void proc_gone(struct reg_proc * p)
{
        pid_t  pid = p->pid;
        size_t n_flows;
        size_t n_names;

        n_flows = flow_proc_gone(pid);
        n_names = reg_name_unbind_pid_all(pid);

        log_info("Process %d (%s) exited: reclaimed %zu flow(s), "
                 "unbound from %zu name(s).", pid, p->prog, n_flows,
                 n_names);

        reg_proc_del(p);
}

void proc_conn_closed(struct conn * c)
{
        struct list_head * q;

        list_for_each(q, reg_proc_all()) {
                struct reg_proc * p = list_entry(q, struct reg_proc, next);
                if (p->conn == c) {
                        proc_gone(p);
                        return;
                }
        }
}

bool proc_child_exit(pid_t pid,
                     int   status)
{
        struct list_head * q;

        list_for_each(q, &children) {
                struct child * ch = list_entry(q, struct child, next);
                if (ch->pid != pid)
                        continue;
                if (WIFSIGNALED(status))
                        log_info("Auto-started %s (pid %d) killed by "
                                 "signal %d.", ch->prog, pid,
                                 WTERMSIG(status));
                else
                        log_info("Auto-started %s (pid %d) exited (%d).",
                                 ch->prog, pid, WEXITSTATUS(status));
                list_del(&ch->next);
                free(ch);
                return true;
        }

        return false;
}

/* An auto-started child for name that has not accepted yet? */
static bool starting(const char * name)
{
        struct list_head * q;

        list_for_each(q, &children) {
                struct child * ch = list_entry(q, struct child, next);
                if (strcmp(ch->name, name) == 0 && !ch->accepted)
                        return true;
        }

        return false;
}

void proc_accepting(pid_t pid)
{
        struct list_head * q;

        list_for_each(q, &children) {
                struct child * ch = list_entry(q, struct child, next);
                if (ch->pid == pid)
                        ch->accepted = true;
        }
}

static pid_t spawn_prog(char ** argv)
{
        sigset_t set;
        pid_t    pid;
        int      null;

        pid = fork();
        if (pid != 0)
                return pid < 0 ? -errno : pid;

        setsid();
        sigemptyset(&set);
        sigprocmask(SIG_SETMASK, &set, NULL);
        signal(SIGPIPE, SIG_DFL);

        null = open("/dev/null", O_RDWR);
        if (null >= 0) {
                dup2(null, STDIN_FILENO);
                if (!irmd_cfg.to_stdout) {
                        dup2(null, STDOUT_FILENO);
                        dup2(null, STDERR_FILENO);
                }
                if (null > STDERR_FILENO)
                        close(null);
        }

        execv(argv[0], argv);
        _exit(127);
}

int proc_autostart(const char * name)
{
        struct reg_prog * pg;
        struct reg_bind * b;
        struct child *    ch;
        pid_t             pid;

        b = reg_prog_auto(name, &pg);
        if (b == NULL)
                return -ENOENT;

        if (starting(name))
                return 0;

        ch = calloc(1, sizeof(*ch));
        if (ch == NULL)
                return -ENOMEM;

        pid = spawn_prog(b->argv);
        if (pid < 0) {
                log_err("Failed to start %s: %s.", pg->path, strerror(-pid));
                free(ch);
                return pid;
        }

        ch->pid = pid;
        strcpy(ch->name, name);
        strcpy(ch->prog, pg->path);
        list_add_tail(&ch->next, &children);

        log_info("Auto-started %s (pid %d) for %s.", pg->path, pid, name);

        return 0;
}

void proc_fini(void)
{
        struct list_head * q;
        struct list_head * t;

        /* programs we started on demand cannot work without us */
        list_for_each_safe(q, t, &children) {
                struct child * ch = list_entry(q, struct child, next);
                if (kill(ch->pid, SIGTERM) == 0)
                        log_info("Stopping auto-started %s (pid %d).",
                                 ch->prog, ch->pid);
                list_del(q);
                free(ch);
        }
}
