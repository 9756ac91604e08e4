/*
 * Ouroboros - irm: the top level of the grammar, dispatch and usage.
 *
 *   irm ipcp|bind|unbind|name|help ...
 */
#include "args.h"
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parsers keep one struct arg per word on the stack: bound them. */
#define IRM_MAX_ARGS 4096

static const char * const groups[] = {
        "ipcp", "bind", "unbind", "name", "help"
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
        default:
                r = args_err("unknown command '%s' (expected one of: ipcp, "
                             "bind, unbind, name, help)", argv[1]);
                break;
        }

        return r < 0 ? IRM_EUSAGE : IRM_OK;
}

void irm_cmd_fini(struct irm_cmd * cmd)
{
        free(cmd->targets);
        cmd->targets   = NULL;
        cmd->n_targets = 0;
}

int irm_run(const struct irm_cmd * cmd)
{
        switch (cmd->op) {
        case OP_USAGE:
                irm_usage(cmd->group, cmd->usage_of, false);
                return IRM_OK;
        case OP_IPCP_CREATE ... OP_IPCP_LIST:
                return ipcp_run(cmd);
        case OP_NAME_CREATE ... OP_NAME_LIST:
                return name_run(cmd);
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
        NULL
};

static const char * const usage_boot =
        "  T: unicast, broadcast, local, udp4, udp6, eth-llc, eth-dix\n"
        "  H: SHA3_224, SHA3_256 (default), SHA3_384, SHA3_512\n"
        "  unicast: addr <bytes> (4), eid <bytes> (8), ttl <n> (60),\n"
        "           addr_auth flat, directory DHT,\n"
        "           routing link_state|lfa|ecmp, congestion none|mb-ecn,\n"
        "           dht_alpha <n> (3), dht_k <n> (8), dht_t_expire <s> "
        "(86400),\n"
        "           dht_t_refresh <s> (900), dht_t_replicate <s> (900),\n"
        "           ls_t_recalc <s> (4), ls_t_update <s> (15), "
        "ls_t_timeo <s> (60)\n"
        "  udp4/udp6: ip <address> (required), port <n> (3435), "
        "dns <server>\n"
        "  eth-llc/eth-dix: dev <interface> (required), "
        "ethertype <n> (dix, 0xA000)\n";

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
                fputs(usage_boot, f);
        if (group == G_TOP || group == G_NAME)
                print_lines(f, usage_name, sub);
        if (group == G_TOP || group == G_BIND)
                print_lines(f, usage_bind, sub);
        if (group == G_TOP || group == G_UNBIND)
                print_lines(f, usage_unbind, sub);
        if (group == G_TOP)
                fprintf(f, "  irm help\n"
                        "Keywords may be abbreviated to any prefix, e.g. "
                        "irm i b t local n local l local.\n"
                        "Exit status: 0 ok, 1 bad command line, 2 the "
                        "operation failed. See irm(8).\n");
}
