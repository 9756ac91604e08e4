/*
 * Ouroboros - irm: bind and unbind.
 *
 *   bind program P name N [auto] [-- args...]
 *   bind process PID name N
 *   bind ipcp I name N
 *   unbind program P [name N]
 *   unbind process PID [name N]
 *   unbind ipcp I name N
 *
 * The keywords come in any order. P goes to the IRMd as an absolute
 * path: a P with a '/' through realpath(3) (an existing regular file;
 * scripts need not be executable), a bare word looked up in $PATH.
 */
#include "args.h"
#include "cmd.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { K_PROGRAM = 0, K_PROCESS, K_IPCP, K_NAME, K_AUTO };

static const struct kw bind_kws[] = {
        { "program", true, false }, { "process", true, false },
        { "ipcp", true, false }, { "name", true, false },
        { "auto", false, false },
};

int bind_parse(int argc, char ** argv, struct irm_cmd * cmd, bool unbind)
{
        const char *  what  = unbind ? "unbind" : "bind";
        struct arg    a[argc > 0 ? argc : 1];
        size_t        n;
        int           rest;
        const char *  proc;
        unsigned long pid;
        int           objs;

        cmd->group = unbind ? G_UNBIND : G_BIND;
        if (argc == 0 || (argc == 1 && strcmp(argv[0], "help") == 0)) {
                cmd->op = OP_USAGE;
                return 0;
        }

        /* unbind has no 'auto' and no arguments for the program */
        if (args_scan(what, argc, argv, bind_kws,
                      ARRAY_LEN(bind_kws) - (unbind ? 1 : 0), a, &n,
                      unbind ? NULL : &rest) < 0)
                return -1;

        cmd->prog      = args_get(a, n, K_PROGRAM);
        proc           = args_get(a, n, K_PROCESS);
        cmd->ipcp      = args_get(a, n, K_IPCP);
        cmd->name      = args_get(a, n, K_NAME);
        cmd->autostart = args_get(a, n, K_AUTO) != NULL;

        objs = (cmd->prog != NULL) + (proc != NULL) + (cmd->ipcp != NULL);
        if (objs == 0)
                return args_err("%s needs 'program', 'process' or 'ipcp'",
                                what);
        if (objs > 1)
                return args_err("%s takes one of 'program', 'process' and "
                                "'ipcp', not several", what);

        if (cmd->name == NULL && (!unbind || cmd->ipcp != NULL))
                return args_err("%s %s needs 'name'", what,
                                cmd->ipcp != NULL ? "ipcp" : proc != NULL ?
                                "process" : "program");
        if (cmd->name != NULL && args_str("name", cmd->name,
                                          NAME_MAX_LEN) < 0)
                return -1;

        if (cmd->autostart && cmd->prog == NULL)
                return args_err("'auto' applies to programs only");

        if (!unbind && rest < argc) {
                if (!cmd->autostart)
                        return args_err("arguments after '--' need 'auto'");
                cmd->n_args = argc - rest;
                cmd->args   = argv + rest;
        }

        if (cmd->prog != NULL) {
                cmd->op = unbind ? OP_UNBIND_PROG : OP_BIND_PROG;
                if (cmd->prog[0] == '\0' ||
                    strnlen(cmd->prog, PATH_MAX) >= PATH_MAX)
                        return args_err("program must be a path of 1..%d "
                                        "bytes", PATH_MAX - 1);
        } else if (proc != NULL) {
                cmd->op = unbind ? OP_UNBIND_PROC : OP_BIND_PROC;
                if (args_num("process", proc, 1, INT32_MAX, false, &pid) < 0)
                        return -1;
                cmd->pid = (pid_t) pid;
        } else {
                cmd->op = unbind ? OP_UNBIND_IPCP : OP_BIND_IPCP;
                if (args_str("IPCP name", cmd->ipcp, IPCP_NAME_MAX_LEN) < 0)
                        return -1;
        }

        return 0;
}

/* The absolute path of program p into buf (PATH_MAX), or an error. For
 * unbind, a path that no longer exists is made absolute as it is. */
static int resolve(const char * p,
                   char *       buf,
                   bool         unbind)
{
        struct stat  st;
        const char * path = getenv("PATH");
        char         cwd[PATH_MAX];

        if (strchr(p, '/') != NULL) {
                if (realpath(p, buf) != NULL) {
                        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode))
                                return 0;
                        return args_err("program %s is not a regular file",
                                        p);
                }
                if (!unbind)
                        return args_err("program %s not found", p);
                if (p[0] == '/') {
                        strcpy(buf, p);
                        return 0;
                }
                if (getcwd(cwd, sizeof(cwd)) == NULL ||
                    snprintf(buf, PATH_MAX, "%s/%s", cwd, p) >= PATH_MAX)
                        return args_err("program %s not found", p);
                return 0;
        }

        while (path != NULL && *path != '\0') {
                const char * end = strchrnul(path, ':');
                char         cand[PATH_MAX];
                int          len;

                len = snprintf(cand, sizeof(cand), "%.*s/%s",
                               (int) (end - path), path, p);
                if (end != path && len > 0 && (size_t) len < sizeof(cand) &&
                    access(cand, X_OK) == 0 && realpath(cand, buf) != NULL &&
                    stat(buf, &st) == 0 && S_ISREG(st.st_mode))
                        return 0;

                path = *end == ':' ? end + 1 : end;
        }

        return args_err("program %s not found", p);
}

static int no_process(pid_t pid)
{
        char        path[32];
        struct stat st;

        snprintf(path, sizeof(path), "/proc/%d", (int) pid);

        return stat(path, &st) < 0;
}

/* The outcome of a (un)bind of process pid. */
static int proc_fail(const struct irm_cmd * cmd,
                     pid_t                  pid,
                     int                    err)
{
        const char * n    = cmd->name;
        bool         bind = cmd->op == OP_BIND_PROC ||
                cmd->op == OP_BIND_IPCP;

        if (err >= 0)
                return IRM_OK;

        if (err == -ESRCH && bind && !no_process(pid))
                args_err("process %d is not an Ouroboros process (it has "
                         "not used the library with this IRMd)", (int) pid);
        else if (err == -ESRCH)
                args_err("no process with pid %d", (int) pid);
        else if (err == -EEXIST)
                args_err("process %d is already bound to name %s",
                         (int) pid, n);
        else if (err == -ENAME)
                args_err("name %s not found", n);
        else if (err == -ENOENT && !bind)
                args_err("process %d is not bound%s%s", (int) pid,
                         n != NULL ? " to name " : "", n != NULL ? n : "");
        else if (bind)
                return irm_fail(err, "cannot bind process %d to name %s",
                                (int) pid, n);
        else
                return irm_fail(err, "cannot unbind process %d%s%s",
                                (int) pid, n != NULL ? " from name " : "",
                                n != NULL ? n : "");

        return IRM_EFAIL;
}

int bind_run(const struct irm_cmd * cmd)
{
        struct ipcp_list_info info;
        char                  path[PATH_MAX];
        const char *          n = cmd->name;
        int                   r;

        switch (cmd->op) {
        case OP_BIND_PROG:
        case OP_UNBIND_PROG:
                if (resolve(cmd->prog, path, cmd->op == OP_UNBIND_PROG) < 0)
                        return IRM_EUSAGE;
                if (cmd->op == OP_BIND_PROG)
                        r = irm_bind_program(path, n, cmd->autostart,
                                             cmd->n_args, cmd->args);
                else
                        r = irm_unbind_program(path, n);
                if (r == -EEXIST)
                        args_err("program %s is already bound to name %s",
                                 path, n);
                else if (r == -ENOENT && cmd->op == OP_UNBIND_PROG)
                        args_err("program %s is not bound%s%s", path,
                                 n != NULL ? " to name " : "",
                                 n != NULL ? n : "");
                else if (r < 0 && cmd->op == OP_BIND_PROG)
                        return irm_fail(r, "cannot bind program %s to name "
                                        "%s", path, n);
                else if (r < 0)
                        return irm_fail(r, "cannot unbind program %s%s%s",
                                        path, n != NULL ? " from name " : "",
                                        n != NULL ? n : "");
                return r < 0 ? IRM_EFAIL : IRM_OK;
                return IRM_OK;
        case OP_BIND_PROC:
        case OP_UNBIND_PROC:
                if (cmd->op == OP_BIND_PROC && no_process(cmd->pid)) {
                        args_err("no process with pid %d", (int) cmd->pid);
                        return IRM_EFAIL;
                }
                info.pid = cmd->pid;
                break;
        case OP_BIND_IPCP:
        case OP_UNBIND_IPCP:
                r = irm_find_ipcp(cmd->ipcp, &info);
                if (r < 0)
                        return irm_fail(r, "cannot list IPCPs");
                if (r == 0) {
                        args_err("no IPCP named %s", cmd->ipcp);
                        return IRM_EFAIL;
                }
                break;
        default:
                args_err("internal error: not a bind command");
                return IRM_EFAIL;
        }

        if (cmd->op == OP_BIND_PROC || cmd->op == OP_BIND_IPCP)
                r = irm_bind_process(info.pid, n);
        else
                r = irm_unbind_process(info.pid, n);

        return proc_fail(cmd, info.pid, r);
}
