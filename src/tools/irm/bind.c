/*
 * Ouroboros - irm: bind and unbind. The grammar itself (words, values,
 * program paths, errors) is common/bind_cmd.c, shared with the IRMd's
 * configuration file; this adds "help" and runs the commands.
 */
#include "common/args.h"
#include "common/bind_cmd.h"
#include "cmd.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

int bind_parse(int argc, char ** argv, struct irm_cmd * cmd, bool unbind)
{
        static const enum irm_op ops[2][3] = {
                { OP_BIND_PROG, OP_BIND_PROC, OP_BIND_IPCP },
                { OP_UNBIND_PROG, OP_UNBIND_PROC, OP_UNBIND_IPCP }
        };
        struct bind_cmd * bc = &cmd->bc;

        cmd->group = unbind ? G_UNBIND : G_BIND;
        if (argc == 0 || (argc == 1 && strcmp(argv[0], "help") == 0)) {
                cmd->op = OP_USAGE;
                return 0;
        }

        if (bind_cmd_parse(unbind, argc, argv, bc) < 0)
                return -1;

        cmd->op        = ops[unbind][bc->obj];
        cmd->prog      = bc->prog;
        cmd->pid       = bc->pid;
        cmd->ipcp      = bc->ipcp;
        cmd->name      = bc->name;
        cmd->autostart = bc->autostart;
        cmd->n_args    = bc->n_args;
        cmd->args      = bc->args;

        return 0;
}

/* The outcome of a request about cmd (path: the program's, pid: the
 * process's). */
static int outcome(const struct irm_cmd * cmd,
                   const char *           path,
                   pid_t                  pid,
                   int                    err)
{
        char ctx[PATH_MAX + 512];

        if (err >= 0)
                return IRM_OK;
        if (bind_cmd_err(&cmd->bc, path, pid, err))
                return IRM_EFAIL;

        snprintf(ctx, sizeof(ctx), "%s", args_last_err());

        return irm_fail(err, "%s", ctx);
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
                if (bind_cmd_path(cmd->prog, path,
                                  cmd->op == OP_UNBIND_PROG) < 0)
                        return IRM_EUSAGE;
                if (cmd->op == OP_BIND_PROG)
                        r = irm_bind_program(path, n, cmd->autostart,
                                             cmd->n_args, cmd->args);
                else
                        r = irm_unbind_program(path, n);
                return outcome(cmd, path, 0, r);
        case OP_BIND_PROC:
        case OP_UNBIND_PROC:
                if (cmd->op == OP_BIND_PROC &&
                    bind_cmd_check_pid(cmd->pid) < 0)
                        return IRM_EFAIL;
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

        return outcome(cmd, NULL, info.pid, r);
}
