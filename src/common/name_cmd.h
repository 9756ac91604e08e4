/*
 * Ouroboros - the grammar of the name commands, shared by the irm tool
 * (its command line) and the IRMd (its configuration file):
 *
 *   name create N [lb round-robin|spillover]
 *   name destroy N
 *   name register N (ipcp I | layer L)...     creates N if needed
 *   name unregister N (ipcp I | layer L)...
 *   name list
 *
 * N is always the first word after the sub-command; sub-commands and
 * keywords abbreviate (common/args.h). Parsing checks every word and
 * value and fills a struct name_cmd; errors are one line in
 * args_last_err(). The messages for what goes wrong when a command runs
 * are here too, so both front-ends word them alike. Strings point into
 * argv, which must outlive the struct.
 */
#ifndef OUROBOROS_COMMON_NAME_CMD_H
#define OUROBOROS_COMMON_NAME_CMD_H

#include <ouroboros/irm.h>

#include <stdbool.h>
#include <stddef.h>

/* In the order of the grammar (and of enum irm_op in the irm tool). */
enum name_cmd_op {
        NAME_CMD_CREATE = 0,
        NAME_CMD_DESTROY,
        NAME_CMD_REG,
        NAME_CMD_UNREG,
        NAME_CMD_LIST
};

/* A register/unregister target: an IPCP or a layer. */
struct name_target {
        bool         layer;
        const char * s;
};

struct name_cmd {
        enum name_cmd_op     op;
        const char *         name;
        enum lb_policy       lb;        /* create: round-robin if absent */
        struct name_target * targets;   /* malloc'ed: name_cmd_fini */
        size_t               n_targets;
};

/* The sub-command word w abbreviates (an enum name_cmd_op), or -EINVAL
 * and an error. */
int  name_cmd_sub(const char * w);

/* Parse argv[0..argc): argv[0] is the sub-command. 0 or -EINVAL (the
 * struct is then empty: name_cmd_fini is still allowed). */
int  name_cmd_parse(int               argc,
                    char **           argv,
                    struct name_cmd * cmd);

void name_cmd_fini(struct name_cmd * cmd);

/* Before (un)registering: target t exists (found) and some IPCP of it
 * is operational (up). 0, or -EINVAL and "no IPCP named I", "no
 * operational IPCP in layer L", "IPCP I is not operational (...)". */
int  name_cmd_check_target(const struct name_target * t,
                           bool                       found,
                           bool                       up);

/*
 * The message for a failed (un)registration of cmd->name with t; err is
 * the IRMd's answer, 0 for a layer where nothing changed. True and the
 * message in args_last_err() for the cases known here; false and the
 * context ("cannot register N in layer L") in args_last_err(), for the
 * caller to follow with ": <reason>".
 */
bool name_cmd_reg_err(const struct name_cmd *    cmd,
                      const struct name_target * t,
                      int                        err);

#endif /* OUROBOROS_COMMON_NAME_CMD_H */
