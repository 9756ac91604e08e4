/*
 * Ouroboros - irm: the top level of the grammar, dispatch and usage.
 *
 *   irm ipcp|bind|unbind|name|layer|help ...
 */
#include "common/args.h"
#include "cmd.h"

#include "common/ipcp_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parsers keep one struct arg per word on the stack: bound them. */
#define IRM_MAX_ARGS 4096

static const char * const groups[] = {
        "ipcp", "bind", "unbind", "name", "help", "layer"
};

int irm_parse(int              argc,
              char **          argv,
              struct irm_cmd * cmd)
{
        int g;
        int r;

        memset(cmd, 0, sizeof(*cmd));
        cmd->type = IPCP_INVALID;
        args_clear_err();

        if (argc < 2) {
                cmd->op = OP_USAGE;
                return IRM_OK;
        }

        if (argc > IRM_MAX_ARGS) {
                args_err("too many arguments (%d, at most %d)", argc - 1,
                         IRM_MAX_ARGS - 1);
                return IRM_EUSAGE;
        }

        g = args_match(argv[1], groups, ARRAY_LEN(groups));
        switch (g) {
        case 0:
                r = ipcp_parse(argc - 2, argv + 2, cmd);
                break;
        case 1:
        case 2:
                r = bind_parse(argc - 2, argv + 2, cmd, g == 2);
                break;
        case 3:
                r = name_parse(argc - 2, argv + 2, cmd);
                break;
        case 4:
                cmd->op = OP_USAGE;
                r = argc == 2 ? 0 : args_err("help takes no arguments");
                break;
        case 5:
                r = layer_parse(argc - 2, argv + 2, cmd);
                break;
        default:
                r = args_err("unknown command '%s' (expected one of: ipcp, "
                             "bind, unbind, name, layer, help)", argv[1]);
                break;
        }

        return r < 0 ? IRM_EUSAGE : IRM_OK;
}

void irm_cmd_fini(struct irm_cmd * cmd)
{
        name_cmd_fini(&cmd->nc);
        cmd->targets   = NULL;
        cmd->n_targets = 0;
}

int irm_run(const struct irm_cmd * cmd)
{
        switch (cmd->op) {
        case OP_USAGE:
                irm_usage(cmd->group, cmd->usage_of, false);
                return IRM_OK;
        case OP_IPCP_CREATE ... OP_IPCP_STAT:
                return ipcp_run(cmd);
        case OP_NAME_CREATE ... OP_NAME_LIST:
                return name_run(cmd);
        case OP_LAYER_GRAPH:
                return layer_run(cmd);
        default:
                return bind_run(cmd);
        }
}

static const char * const usage_ipcp[] = {
        "create", "irm ipcp create name N type T",
        "destroy", "irm ipcp destroy name N",
        "bootstrap", "irm ipcp bootstrap name N layer L [type T] [hash H] "
        "[autobind] [options]",
        "enroll", "irm ipcp enroll name N [layer L] [dst D] "
        "[type unicast|broadcast] [autobind]",
        "connect", "irm ipcp connect name N dst D [component dt|mgmt] "
        "[qos raw|best|voice|video|data]",
        "disconnect", "irm ipcp disconnect name N dst D "
        "[component dt|mgmt]",
        "list", "irm ipcp list",
        "stat", "irm ipcp stat name N",
        NULL
};

/* Add "word arg (note)" to a usage line, wrapping at 78 columns. */
static void boot_word(FILE *                  f,
                      const struct ipcp_opt * o,
                      size_t *                col,
                      bool                    first)
{
        char   w[160];
        size_t n;

        n = (size_t) snprintf(w, sizeof(w), "%s%s%s%s%s%s",
                              o->word, o->kind == IPCP_OPT_FLAG ? "" : " ",
                              ipcp_opt_arg(o), o->note != NULL ||
                              o->required ? " (" : "",
                              o->required ? "required" : o->note != NULL ?
                              o->note : "", o->note != NULL ||
                              o->required ? ")" : "");
        if (!first && *col + n + 2 > 78) {
                fprintf(f, ",\n     ");
                *col = 5;
        } else if (!first) {
                fprintf(f, ", ");
                *col += 2;
        }
        fputs(w, f);
        *col += n;
}

/* The bootstrap options from the table of common/ipcp_conf.c, one line
 * per set of IPCP types, in table order. */
static void usage_boot(FILE * f)
{
        const struct ipcp_opt * o;
        const struct ipcp_opt * p;
        size_t                  i;
        size_t                  j;
        size_t                  col;

        fprintf(f, "  T: unicast, broadcast, local, udp4, udp6, eth-llc, "
                "eth-dix\n  options of bootstrap, by IPCP type (defaults "
                "in parentheses):\n");

        for (i = 0; (o = ipcp_opt_at(i)) != NULL; ++i) {
                for (j = 0; j < i && ipcp_opt_at(j)->types != o->types; ++j)
                        ;
                if (j < i)
                        continue; /* its line is printed */
                col = (size_t) fprintf(f, "  %s: ", ipcp_types_str(o->types));
                for (j = i; (p = ipcp_opt_at(j)) != NULL; ++j)
                        if (p->types == o->types)
                                boot_word(f, p, &col, j == i);
                fputc('\n', f);
        }

        fprintf(f, "  An option abbreviates among those of the IPCP's type: "
                "'d' is dev for eth-*,\n  directory for unicast, dns for "
                "udp*.\n");
}

static const char * const usage_name[] = {
        "create", "irm name create N [lb round-robin|spillover]",
        "destroy", "irm name destroy N",
        "register", "irm name register N (ipcp I | layer L)...",
        "unregister", "irm name unregister N (ipcp I | layer L)...",
        "list", "irm name list",
        NULL
};

static const char * const usage_bind[] = {
        "program", "irm bind program P name N [auto] [-- args...]",
        "process", "irm bind process PID name N",
        "ipcp", "irm bind ipcp I name N",
        NULL
};

static const char * const usage_unbind[] = {
        "program", "irm unbind program P [name N]",
        "process", "irm unbind process PID [name N]",
        "ipcp", "irm unbind ipcp I name N",
        NULL
};

static const char * const usage_layer[] = {
        "graph", "irm layer graph L",
        NULL
};

static void print_lines(FILE *               f,
                        const char * const * u,
                        const char *         sub)
{
        size_t i;

        for (i = 0; u[i] != NULL; i += 2)
                if (sub == NULL || strcmp(sub, u[i]) == 0)
                        fprintf(f, "  %s\n", u[i + 1]);
}

void irm_usage(enum irm_group group,
               const char *   sub,
               bool           to_stderr)
{
        FILE * f = to_stderr ? stderr : stdout;

        fprintf(f, "Usage:\n");

        if (group == G_TOP || group == G_IPCP)
                print_lines(f, usage_ipcp, sub);
        if (group == G_IPCP && (sub == NULL || strcmp(sub, "bootstrap") == 0))
                usage_boot(f);
        if (group == G_TOP || group == G_NAME)
                print_lines(f, usage_name, sub);
        if (group == G_TOP || group == G_BIND)
                print_lines(f, usage_bind, sub);
        if (group == G_TOP || group == G_UNBIND)
                print_lines(f, usage_unbind, sub);
        if (group == G_TOP || group == G_LAYER)
                print_lines(f, usage_layer, sub);
        if (group == G_TOP)
                fprintf(f, "  irm help\n"
                        "Keywords may be abbreviated to any prefix, e.g. "
                        "irm i b t local n local l local.\n"
                        "Exit status: 0 ok, 1 bad command line, 2 the "
                        "operation failed. See irm(8).\n");
}
