/*
 * Ouroboros - irm: the name commands. The grammar itself (words, values,
 * errors) is common/name_cmd.c, shared with the IRMd's configuration
 * file; this adds "help" and runs the commands.
 */
#include "common/args.h"
#include "common/name_cmd.h"
#include "cmd.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(OP_NAME_CREATE + NAME_CMD_LIST == OP_NAME_LIST,
               "irm ops follow the name sub-commands");

static const char * const lb_names[] = {
        [LB_RR] = "round-robin", [LB_SPILL] = "spillover"
};

int name_parse(int argc, char ** argv, struct irm_cmd * cmd)
{
        struct name_cmd * nc = &cmd->nc;

        cmd->group = G_NAME;
        if (argc == 0 || strcmp(argv[0], "help") == 0) {
                cmd->op = OP_USAGE;
                return 0;
        }

        if (name_cmd_parse(argc, argv, nc) < 0)
                return -1;

        cmd->op        = (enum irm_op) (OP_NAME_CREATE + nc->op);
        cmd->name      = nc->name;
        cmd->lb        = nc->lb;
        cmd->targets   = nc->targets;
        cmd->n_targets = nc->n_targets;

        return 0;
}

/* 1 if the name exists, 0 if not, or -errno. */
static int find_name(const char * name)
{
        struct name_info * list;
        ssize_t            n;
        ssize_t            i;
        int                found = 0;

        n = irm_list_names(&list);
        if (n < 0)
                return (int) n;

        for (i = 0; i < n && !found; ++i)
                found = strcmp(list[i].name, name) == 0;

        free(list);

        return found;
}

static int need_name(const char * name)
{
        int r = find_name(name);

        if (r < 0)
                return irm_fail(r, "cannot list names");
        if (r == 0) {
                args_err("name %s not found", name);
                return IRM_EFAIL;
        }

        return IRM_OK;
}

/* Every target exists and can take registrations: the IPCPs, and some
 * IPCP in each layer, operational. */
static int check_targets(const struct irm_cmd * cmd)
{
        struct ipcp_list_info * list;
        ssize_t                 n;
        size_t                  t;
        int                     r = IRM_OK;

        n = irm_list_ipcps(&list);
        if (n < 0)
                return irm_fail((int) n, "cannot list IPCPs");

        for (t = 0; t < cmd->n_targets && r == IRM_OK; ++t) {
                const struct name_target * tg    = &cmd->targets[t];
                bool                       found = false;
                bool                       up    = false;
                ssize_t                    i;

                for (i = 0; i < n; ++i) {
                        if (strcmp(tg->layer ? list[i].layer : list[i].name,
                                   tg->s) != 0)
                                continue;
                        found = true;
                        up |= list[i].state == IPCP_STATE_OPERATIONAL;
                }

                if (name_cmd_check_target(tg, found, up) < 0)
                        r = IRM_EFAIL;
        }

        free(list);

        return r;
}

/* The message for a failed (un)registration of cmd->name with tg. */
static int reg_fail(const struct irm_cmd *     cmd,
                    const struct name_target * tg,
                    int                        err)
{
        char ctx[512];

        if (name_cmd_reg_err(&cmd->nc, tg, err))
                return IRM_EFAIL;

        snprintf(ctx, sizeof(ctx), "%s", args_last_err());

        return irm_fail(err, "%s", ctx);
}

static int run_reg(const struct irm_cmd * cmd)
{
        bool   reg    = cmd->op == OP_NAME_REG;
        int    exists = 1;
        size_t t;
        int    r;

        if (reg) {
                exists = find_name(cmd->name);
                if (exists < 0)
                        return irm_fail(exists, "cannot list names");
        } else {
                r = need_name(cmd->name);
                if (r != IRM_OK)
                        return r;
        }

        r = check_targets(cmd);
        if (r != IRM_OK)
                return r;

        if (!exists) {
                r = irm_create_name(cmd->name, LB_RR);
                if (r < 0 && r != -EEXIST)
                        return irm_fail(r, "cannot create name %s",
                                        cmd->name);
        }

        for (t = 0; t < cmd->n_targets; ++t) {
                const struct name_target * tg = &cmd->targets[t];

                if (tg->layer)
                        r = (reg ? irm_reg_name_layer : irm_unreg_name_layer)
                                (cmd->name, tg->s);
                else
                        r = (reg ? irm_reg_name : irm_unreg_name)
                                (cmd->name, tg->s);

                if (r < 0 || (r == 0 && tg->layer))
                        return reg_fail(cmd, tg, r);
        }

        return IRM_OK;
}

static int run_list(void)
{
        struct name_info * list;
        ssize_t            n;
        ssize_t            i;
        int                w = 4;

        n = irm_list_names(&list);
        if (n < 0)
                return irm_fail((int) n, "cannot list names");

        if (n == 0) {
                printf("no names\n");
                return IRM_OK;
        }

        for (i = 0; i < n; ++i) {
                int l = (int) strlen(list[i].name);
                w = l > w ? l : w;
        }

        printf("%-*s  %-11s  %9s  %8s  %6s\n", w, "name", "lb policy",
               "processes", "programs", "layers");

        for (i = 0; i < n; ++i)
                printf("%-*s  %-11s  %9zu  %8zu  %6zu\n", w, list[i].name,
                       lb_names[list[i].pol], list[i].n_procs,
                       list[i].n_progs, list[i].n_layers);

        free(list);

        return IRM_OK;
}

int name_run(const struct irm_cmd * cmd)
{
        int r;

        switch (cmd->op) {
        case OP_NAME_CREATE:
                r = irm_create_name(cmd->name, cmd->lb);
                if (r == -EEXIST) {
                        args_err("name %s already exists", cmd->name);
                        return IRM_EFAIL;
                }
                return r < 0 ? irm_fail(r, "cannot create name %s",
                                        cmd->name) : IRM_OK;
        case OP_NAME_DESTROY:
                r = need_name(cmd->name);
                if (r != IRM_OK)
                        return r;
                r = irm_destroy_name(cmd->name);
                if (r == -ENOENT || r == -ENAME) {
                        args_err("name %s not found", cmd->name);
                        return IRM_EFAIL;
                }
                return r < 0 ? irm_fail(r, "cannot destroy name %s",
                                        cmd->name) : IRM_OK;
        case OP_NAME_REG:
        case OP_NAME_UNREG:
                return run_reg(cmd);
        case OP_NAME_LIST:
                return run_list();
        default:
                args_err("internal error: not a name command");
                return IRM_EFAIL;
        }
}
