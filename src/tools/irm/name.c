/*
 * Ouroboros - irm: the name commands.
 *
 *   name create N [lb round-robin|spillover]
 *   name destroy N
 *   name register N (ipcp I | layer L)...     creates N if needed
 *   name unregister N (ipcp I | layer L)...
 *   name list
 *
 * N is always the first word after the subcommand.
 */
#include "common/args.h"
#include "cmd.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char * const subs[] = {
        "create", "destroy", "register", "unregister", "list"
};

static const struct kw create_kws[] = { { "lb", true, false } };

static const struct kw reg_kws[] = {
        { "ipcp", true, true }, { "layer", true, true },
};

static const char * const lb_words[] = { "round-robin", "spillover" };

static const char * const lb_names[] = {
        [LB_RR] = "round-robin", [LB_SPILL] = "spillover"
};

/* The name N: present and fitting. */
static int take_name(const char *     what,
                     int              argc,
                     char **          argv,
                     struct irm_cmd * cmd)
{
        if (argc == 0)
                return args_err("%s needs a name", what);

        cmd->name = argv[0];

        return args_str("name", cmd->name, NAME_MAX_LEN);
}

static int parse_create(int argc, char ** argv, struct irm_cmd * cmd)
{
        struct arg a[argc > 0 ? argc : 1];
        size_t     n;
        const char * lb;
        int          i;

        if (take_name("name create", argc, argv, cmd) < 0)
                return -1;

        if (args_scan("name create", argc - 1, argv + 1, create_kws,
                      ARRAY_LEN(create_kws), a, &n, NULL) < 0)
                return -1;

        cmd->lb = LB_RR;
        lb      = args_get(a, n, 0);
        if (lb != NULL) {
                i = args_enum("lb policy", lb, lb_words, ARRAY_LEN(lb_words));
                if (i < 0)
                        return -1;
                cmd->lb = i == 0 ? LB_RR : LB_SPILL;
        }

        return 0;
}

static int parse_reg(int argc, char ** argv, struct irm_cmd * cmd,
                     const char * what)
{
        struct arg a[argc > 0 ? argc : 1];
        size_t     n;
        size_t     i;

        if (take_name(what, argc, argv, cmd) < 0)
                return -1;

        if (args_scan(what, argc - 1, argv + 1, reg_kws, ARRAY_LEN(reg_kws),
                      a, &n, NULL) < 0)
                return -1;

        if (n == 0)
                return args_err("%s needs 'ipcp' or 'layer'", what);

        cmd->targets = calloc(n, sizeof(*cmd->targets));
        if (cmd->targets == NULL)
                return args_err("out of memory");

        for (i = 0; i < n; ++i) {
                bool layer = a[i].kw == 1;

                if (args_str(layer ? "layer name" : "IPCP name", a[i].val,
                             layer ? LAYER_MAX_LEN : IPCP_NAME_MAX_LEN) < 0)
                        return -1;

                cmd->targets[i].layer = layer;
                cmd->targets[i].s     = a[i].val;
        }
        cmd->n_targets = n;

        return 0;
}

int name_parse(int argc, char ** argv, struct irm_cmd * cmd)
{
        int s;

        cmd->group = G_NAME;
        if (argc == 0 || strcmp(argv[0], "help") == 0) {
                cmd->op = OP_USAGE;
                return 0;
        }

        s = args_match(argv[0], subs, ARRAY_LEN(subs));
        if (s < 0)
                return args_err("unknown name command '%s' (expected one "
                                "of: create, destroy, register, unregister, "
                                "list)", argv[0]);
        --argc;
        ++argv;

        switch (s) {
        case 0:
                cmd->op = OP_NAME_CREATE;
                return parse_create(argc, argv, cmd);
        case 1:
                cmd->op = OP_NAME_DESTROY;
                if (take_name("name destroy", argc, argv, cmd) < 0)
                        return -1;
                if (argc > 1)
                        return args_err("unknown word '%s' for name destroy "
                                        "(expected nothing after the name)",
                                        argv[1]);
                return 0;
        case 2:
                cmd->op = OP_NAME_REG;
                return parse_reg(argc, argv, cmd, "name register");
        case 3:
                cmd->op = OP_NAME_UNREG;
                return parse_reg(argc, argv, cmd, "name unregister");
        default:
                cmd->op = OP_NAME_LIST;
                if (argc > 0)
                        return args_err("name list takes no arguments, "
                                        "not '%s'", argv[0]);
                return 0;
        }
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
                const struct irm_target * tg    = &cmd->targets[t];
                bool                      found = false;
                bool                      up    = false;
                ssize_t                   i;

                for (i = 0; i < n; ++i) {
                        if (strcmp(tg->layer ? list[i].layer : list[i].name,
                                   tg->s) != 0)
                                continue;
                        found = true;
                        up |= list[i].state == IPCP_STATE_OPERATIONAL;
                }

                r = IRM_EFAIL;
                if (tg->layer && !up)
                        args_err("no operational IPCP in layer %s", tg->s);
                else if (!found)
                        args_err("no IPCP named %s", tg->s);
                else if (!up)
                        args_err("IPCP %s is not operational (bootstrap or "
                                 "enroll it first)", tg->s);
                else
                        r = IRM_OK;
        }

        free(list);

        return r;
}

/* The message for a failed (un)registration of cmd->name with tg. */
static int reg_fail(const struct irm_cmd *    cmd,
                    const struct irm_target * tg,
                    int                       err)
{
        bool         reg  = cmd->op == OP_NAME_REG;
        const char * with = tg->layer ? "in layer" : "with IPCP";

        if (reg && (err == -EEXIST || (tg->layer && err == -ENOENT)))
                args_err("name %s is already registered %s %s",
                         cmd->name, with, tg->s);
        else if (!reg && (err == -ENOENT || err == 0))
                args_err("name %s is not registered %s %s",
                         cmd->name, with, tg->s);
        else if (err == -ENAME)
                args_err("name %s not found", cmd->name);
        else if (err == 0)
                args_err("no operational IPCP in layer %s", tg->s);
        else
                return irm_fail(err, "cannot %sregister %s %s %s",
                                reg ? "" : "un", cmd->name, with, tg->s);

        return IRM_EFAIL;
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
                const struct irm_target * tg = &cmd->targets[t];

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
