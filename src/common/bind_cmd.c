/*
 * Ouroboros - the grammar of bind and unbind (see bind_cmd.h).
 */
#include "bind_cmd.h"

#include "args.h"

#include <ouroboros/errno.h>
#include <ouroboros/irm.h>

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

static const char * const obj_words[] = { "program", "process", "ipcp" };

int bind_cmd_parse(bool              unbind,
                   int               argc,
                   char **           argv,
                   struct bind_cmd * cmd)
{
        const char *  what  = unbind ? "unbind" : "bind";
        struct arg    a[argc > 0 ? argc : 1];
        size_t        n;
        int           rest = argc;
        const char *  proc;
        unsigned long pid;
        int           objs;

        memset(cmd, 0, sizeof(*cmd));
        cmd->unbind = unbind;

        /* unbind has no 'auto' and no arguments for the program */
        if (args_scan(what, argc, argv, bind_kws,
                      ARRAY_LEN(bind_kws) - (unbind ? 1 : 0), a, &n,
                      unbind ? NULL : &rest) < 0)
                return -EINVAL;

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

        cmd->obj = cmd->prog != NULL ? BIND_CMD_PROGRAM : proc != NULL ?
                BIND_CMD_PROCESS : BIND_CMD_IPCP;

        if (cmd->name == NULL && (!unbind || cmd->obj == BIND_CMD_IPCP))
                return args_err("%s %s needs 'name'", what,
                                obj_words[cmd->obj]);
        if (cmd->name != NULL && args_str("name", cmd->name,
                                          NAME_MAX_LEN) < 0)
                return -EINVAL;

        if (cmd->autostart && cmd->prog == NULL)
                return args_err("'auto' applies to programs only");

        if (rest < argc) {
                if (!cmd->autostart)
                        return args_err("arguments after '--' need 'auto'");
                cmd->n_args = argc - rest;
                cmd->args   = argv + rest;
        }

        switch (cmd->obj) {
        case BIND_CMD_PROGRAM:
                if (cmd->prog[0] == '\0' ||
                    strnlen(cmd->prog, PATH_MAX) >= PATH_MAX)
                        return args_err("program must be a path of 1..%d "
                                        "bytes", PATH_MAX - 1);
                return 0;
        case BIND_CMD_PROCESS:
                if (args_num("process", proc, 1, INT32_MAX, false, &pid) < 0)
                        return -EINVAL;
                cmd->pid = (pid_t) pid;
                return 0;
        default:
                return args_str("IPCP name", cmd->ipcp, IPCP_NAME_MAX_LEN);
        }
}

int bind_cmd_path(const char * p,
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

static bool no_process(pid_t pid)
{
        char        path[32];
        struct stat st;

        snprintf(path, sizeof(path), "/proc/%d", (int) pid);

        return stat(path, &st) < 0;
}

int bind_cmd_check_pid(pid_t pid)
{
        if (no_process(pid))
                return args_err("no process with pid %d", (int) pid);

        return 0;
}

/* Only the context was recorded (args_err's result): not known here. */
static bool context(int r)
{
        (void) r;

        return false;
}

/* The outcome of a (un)bind of a program. */
static bool prog_err(const struct bind_cmd * cmd,
                     const char *            path,
                     int                     err)
{
        const char * n = cmd->name;

        if (err == -EEXIST && !cmd->unbind)
                args_err("program %s is already bound to name %s", path, n);
        else if (err == -ENOENT && cmd->unbind)
                args_err("program %s is not bound%s%s", path,
                         n != NULL ? " to name " : "", n != NULL ? n : "");
        else if (!cmd->unbind)
                return context(args_err("cannot bind program %s to name "
                                        "%s", path, n));
        else
                return context(args_err("cannot unbind program %s%s%s",
                                        path, n != NULL ? " from name " : "",
                                        n != NULL ? n : ""));

        return true;
}

bool bind_cmd_err(const struct bind_cmd * cmd,
                  const char *            path,
                  pid_t                   pid,
                  int                     err)
{
        const char * n = cmd->name;
        bool         bind = !cmd->unbind;

        if (cmd->obj == BIND_CMD_PROGRAM)
                return prog_err(cmd, path, err);

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
                return context(args_err("cannot bind process %d to name %s",
                                        (int) pid, n));
        else
                return context(args_err("cannot unbind process %d%s%s",
                                        (int) pid, n != NULL ?
                                        " from name " : "",
                                        n != NULL ? n : ""));

        return true;
}
