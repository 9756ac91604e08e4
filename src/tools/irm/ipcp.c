/*
 * Ouroboros - irm: the ipcp commands on the command line. The grammar
 * itself (words, values, errors) is common/ipcp_cmd.c, shared with the
 * IRMd's configuration file; this maps it onto struct irm_cmd and adds
 * "help" (running the commands is in ipcp_run.c).
 */
#include "common/args.h"
#include "common/ipcp_cmd.h"
#include "cmd.h"

#include <errno.h>
#include <string.h>

_Static_assert(OP_IPCP_CREATE + IPCP_CMD_STAT == OP_IPCP_STAT,
               "irm ops follow the ipcp sub-commands");

int irm_type_parse(const char * s)
{
        return ipcp_cmd_type(s);
}

int ipcp_parse(int argc, char ** argv, struct irm_cmd * cmd)
{
        struct ipcp_cmd * ic = &cmd->ic;
        int               s;

        cmd->group = G_IPCP;
        if (argc == 0 || strcmp(argv[0], "help") == 0) {
                cmd->op = OP_USAGE;
                return 0;
        }

        s = ipcp_cmd_sub(argv[0]);
        if (s < 0)
                return -EINVAL;

        if (argc == 2 && strcmp(argv[1], "help") == 0) {
                cmd->op       = OP_USAGE;
                cmd->usage_of = ipcp_cmd_sub_word((enum ipcp_cmd_op) s);
                return 0;
        }

        cmd->op = (enum irm_op) (OP_IPCP_CREATE + s);
        if (ipcp_cmd_parse(argc, argv, ic) < 0)
                return -EINVAL;

        cmd->name      = ic->name;
        cmd->layer     = ic->layer;
        cmd->dst       = ic->dst;
        cmd->component = ic->component;
        cmd->type      = ic->type;
        cmd->has_type  = ic->has_type;
        cmd->autobind  = ic->autobind;
        cmd->qos       = ic->qos;

        return 0;
}

int irm_boot_conf(const struct irm_cmd * cmd,
                  enum ipcp_type         t,
                  struct layer_config *  conf)
{
        return ipcp_cmd_conf(&cmd->ic, t, conf);
}
