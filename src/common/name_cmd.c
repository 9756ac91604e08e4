/*
 * Ouroboros - the grammar of the name commands (see name_cmd.h).
 */
#include "name_cmd.h"

#include "args.h"

#include <ouroboros/errno.h>

#include <errno.h>
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

int name_cmd_sub(const char * w)
{
        int s = args_match(w, subs, ARRAY_LEN(subs));

        if (s < 0)
                return args_err("unknown name command '%s' (expected one "
                                "of: create, destroy, register, unregister, "
                                "list)", w);

        return s;
}

/* The name N: present and fitting. */
static int take_name(const char *      what,
                     int               argc,
                     char **           argv,
                     struct name_cmd * cmd)
{
        if (argc == 0)
                return args_err("%s needs a name", what);

        cmd->name = argv[0];

        return args_str("name", cmd->name, NAME_MAX_LEN);
}

static int parse_create(int argc, char ** argv, struct name_cmd * cmd)
{
        struct arg   a[argc > 0 ? argc : 1];
        size_t       n;
        const char * lb;
        int          i;

        if (take_name("name create", argc, argv, cmd) < 0)
                return -EINVAL;

        if (args_scan("name create", argc - 1, argv + 1, create_kws,
                      ARRAY_LEN(create_kws), a, &n, NULL) < 0)
                return -EINVAL;

        cmd->lb = LB_RR;
        lb      = args_get(a, n, 0);
        if (lb != NULL) {
                i = args_enum("lb policy", lb, lb_words, ARRAY_LEN(lb_words));
                if (i < 0)
                        return -EINVAL;
                cmd->lb = i == 0 ? LB_RR : LB_SPILL;
        }

        return 0;
}

static int parse_destroy(int argc, char ** argv, struct name_cmd * cmd)
{
        if (take_name("name destroy", argc, argv, cmd) < 0)
                return -EINVAL;

        if (argc > 1)
                return args_err("unknown word '%s' for name destroy "
                                "(expected nothing after the name)",
                                argv[1]);

        return 0;
}

static int parse_reg(int argc, char ** argv, struct name_cmd * cmd)
{
        const char * what = cmd->op == NAME_CMD_REG ? "name register"
                : "name unregister";
        struct arg   a[argc > 0 ? argc : 1];
        size_t       n;
        size_t       i;

        if (take_name(what, argc, argv, cmd) < 0)
                return -EINVAL;

        if (args_scan(what, argc - 1, argv + 1, reg_kws, ARRAY_LEN(reg_kws),
                      a, &n, NULL) < 0)
                return -EINVAL;

        if (n == 0)
                return args_err("%s needs 'ipcp' or 'layer'", what);

        for (i = 0; i < n; ++i) {
                bool layer = a[i].kw == 1;

                if (args_str(layer ? "layer name" : "IPCP name", a[i].val,
                             layer ? LAYER_MAX_LEN : IPCP_NAME_MAX_LEN) < 0)
                        return -EINVAL;
        }

        cmd->targets = calloc(n, sizeof(*cmd->targets));
        if (cmd->targets == NULL)
                return args_err("out of memory");

        for (i = 0; i < n; ++i) {
                cmd->targets[i].layer = a[i].kw == 1;
                cmd->targets[i].s     = a[i].val;
        }
        cmd->n_targets = n;

        return 0;
}

int name_cmd_parse(int               argc,
                   char **           argv,
                   struct name_cmd * cmd)
{
        int s;
        int r;

        memset(cmd, 0, sizeof(*cmd));
        cmd->lb = LB_RR;

        if (argc < 1)
                return args_err("name needs a command (expected one of: "
                                "create, destroy, register, unregister, "
                                "list)");

        s = name_cmd_sub(argv[0]);
        if (s < 0)
                return -EINVAL;

        cmd->op = (enum name_cmd_op) s;
        --argc;
        ++argv;

        switch (cmd->op) {
        case NAME_CMD_CREATE:
                r = parse_create(argc, argv, cmd);
                break;
        case NAME_CMD_DESTROY:
                r = parse_destroy(argc, argv, cmd);
                break;
        case NAME_CMD_REG:
        case NAME_CMD_UNREG:
                r = parse_reg(argc, argv, cmd);
                break;
        default:
                r = argc > 0 ? args_err("name list takes no arguments, "
                                        "not '%s'", argv[0]) : 0;
                break;
        }

        if (r < 0)
                name_cmd_fini(cmd);

        return r;
}

void name_cmd_fini(struct name_cmd * cmd)
{
        free(cmd->targets);
        cmd->targets   = NULL;
        cmd->n_targets = 0;
}

int name_cmd_check_target(const struct name_target * t,
                          bool                       found,
                          bool                       up)
{
        if (t->layer && !up)
                return args_err("no operational IPCP in layer %s", t->s);
        if (!found)
                return args_err("no IPCP named %s", t->s);
        if (!up)
                return args_err("IPCP %s is not operational (bootstrap or "
                                "enroll it first)", t->s);

        return 0;
}

bool name_cmd_reg_err(const struct name_cmd *    cmd,
                      const struct name_target * t,
                      int                        err)
{
        bool         reg  = cmd->op == NAME_CMD_REG;
        const char * with = t->layer ? "in layer" : "with IPCP";

        if (reg && (err == -EEXIST || (t->layer && err == -ENOENT)))
                args_err("name %s is already registered %s %s",
                         cmd->name, with, t->s);
        else if (!reg && (err == -ENOENT || err == 0))
                args_err("name %s is not registered %s %s",
                         cmd->name, with, t->s);
        else if (err == -ENAME)
                args_err("name %s not found", cmd->name);
        else if (err == 0)
                args_err("no operational IPCP in layer %s", t->s);
        else {
                args_err("cannot %sregister %s %s %s", reg ? "" : "un",
                         cmd->name, with, t->s);
                return false;
        }

        return true;
}
