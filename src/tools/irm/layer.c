/*
 * Ouroboros - irm: the layer commands (a project addition, irm(8)).
 *
 *   irm layer graph L      the topology of unicast layer L as Graphviz
 *                          DOT, from a member on this host
 *
 * The member is found in the IPCP list (an operational IPCP whose layer
 * is L), its stat answer (M_IPCP_STAT) holds the link-state database
 * ("link.<a>.<b>" = metric) and its address; ustat.c draws it.
 */
#include "common/args.h"
#include "cmd.h"
#include "ustat.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char * const subs[] = { "graph" };

int layer_parse(int argc, char ** argv, struct irm_cmd * cmd)
{
        cmd->group = G_LAYER;
        if (argc == 0 || strcmp(argv[0], "help") == 0) {
                cmd->op = OP_USAGE;
                return 0;
        }

        if (args_match(argv[0], subs, ARRAY_LEN(subs)) < 0)
                return args_err("unknown layer command '%s' (expected: "
                                "graph)", argv[0]);

        if (argc == 2 && strcmp(argv[1], "help") == 0) {
                cmd->op       = OP_USAGE;
                cmd->usage_of = "graph";
                return 0;
        }

        if (argc < 2)
                return args_err("layer graph: missing the layer name "
                                "(irm layer graph L)");
        if (argc > 2)
                return args_err("layer graph: unexpected '%s' after the "
                                "layer name", argv[2]);
        if (args_str("layer name", argv[1], LAYER_MAX_LEN) < 0)
                return -EINVAL;

        cmd->op    = OP_LAYER_GRAPH;
        cmd->layer = argv[1];

        return 0;
}

/* The member of layer to ask into *out: IRM_OK, or IRM_EFAIL with the
 * reason recorded (no member, not a unicast layer, still enrolling). */
static int find_member(const char *            layer,
                       struct ipcp_list_info * out)
{
        struct ipcp_list_info * list;
        ssize_t                 n;
        ssize_t                 i;
        ssize_t                 any  = -1;
        ssize_t                 uni  = -1;
        ssize_t                 oper = -1;

        n = irm_list_ipcps(&list);
        if (n < 0)
                return irm_fail((int) n, "cannot list IPCPs");

        for (i = 0; i < n; ++i) {
                if (strcmp(list[i].layer, layer) != 0)
                        continue;
                if (any < 0)
                        any = i;
                if (list[i].type != IPCP_UNICAST)
                        continue;
                if (uni < 0)
                        uni = i;
                if (oper < 0 && list[i].state == IPCP_STATE_OPERATIONAL)
                        oper = i;
        }

        if (oper >= 0) {
                *out = list[oper];
        } else if (uni >= 0) {
                args_err("IPCP %s of layer %s is not operational yet "
                         "(state %s)", list[uni].name, layer,
                         irm_ipcp_state_str(list[uni].state));
        } else if (any >= 0) {
                args_err("layer %s is a %s layer: only unicast layers have "
                         "a topology to draw", layer,
                         irm_ipcp_type_str(list[any].type));
        } else {
                args_err("no IPCP in layer %s on this host (a member of the "
                         "layer must run here)", layer);
        }

        free(list);

        return oper >= 0 ? IRM_OK : IRM_EFAIL;
}

static int run_graph(const struct irm_cmd * cmd)
{
        struct ipcp_list_info    info;
        struct ipcp_stat_entry * st;
        ssize_t                  n;
        int                      r;

        r = find_member(cmd->layer, &info);
        if (r != IRM_OK)
                return r;

        n = irm_ipcp_stat(info.name, &st);
        if (n == -ENOENT) {
                args_err("IPCP %s of layer %s is gone", info.name,
                         cmd->layer);
                return IRM_EFAIL;
        }
        if (n < 0)
                return irm_fail((int) n, "cannot get the state of IPCP %s "
                                "(layer %s)", info.name, cmd->layer);

        r = ugraph_print(stdout, cmd->layer, info.name, st, (size_t) n);
        free(st);
        if (r < 0)
                return irm_fail(r, "cannot draw layer %s", cmd->layer);

        return IRM_OK;
}

int layer_run(const struct irm_cmd * cmd)
{
        if (cmd->op == OP_LAYER_GRAPH)
                return run_graph(cmd);

        args_err("internal error: not a layer command");

        return IRM_EFAIL;
}
