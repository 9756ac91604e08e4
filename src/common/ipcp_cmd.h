/*
 * Ouroboros - the grammar of the ipcp commands, shared by the irm tool
 * (its command line) and the IRMd (its configuration file):
 *
 *   ipcp create name N type T
 *   ipcp destroy name N
 *   ipcp bootstrap name N layer L [type T] [OPTION [VALUE]]...
 *   ipcp enroll name N [layer L] [dst D] [type unicast|broadcast] [autobind]
 *   ipcp connect name N dst D [component dt|mgmt] [qos raw|best|...]
 *   ipcp disconnect name N dst D [component dt|mgmt]
 *   ipcp list
 *   ipcp stat name N
 *
 * Keywords come in any order and abbreviate (common/args.h); bootstrap
 * options are those of common/ipcp_conf.h. Parsing checks every word
 * and value and fills a struct ipcp_cmd; errors are one line in
 * args_last_err(), the same for both front-ends. Strings point into
 * argv, which must outlive the struct.
 */
#ifndef OUROBOROS_COMMON_IPCP_CMD_H
#define OUROBOROS_COMMON_IPCP_CMD_H

#include <ouroboros/irm.h>
#include <ouroboros/qos.h>

#include <stdbool.h>
#include <stddef.h>

/* In the order of the grammar (and of enum irm_op in the irm tool). */
enum ipcp_cmd_op {
        IPCP_CMD_CREATE = 0,
        IPCP_CMD_DESTROY,
        IPCP_CMD_BOOTSTRAP,
        IPCP_CMD_ENROLL,
        IPCP_CMD_CONNECT,
        IPCP_CMD_DISCONNECT,
        IPCP_CMD_LIST,
        IPCP_CMD_STAT      /* a project addition: appended */
};

#define IPCP_CMD_MAX_OPTS 64

/* A bootstrap option as written: resolved once the type is known. */
struct ipcp_cmd_opt {
        const char * word;
        const char * val;     /* NULL for a flag */
};

struct ipcp_cmd {
        enum ipcp_cmd_op    op;
        const char *        name;
        const char *        layer;
        const char *        dst;       /* enroll: defaults to the layer */
        const char *        component; /* NULL: mgmt, then dt */
        enum ipcp_type      type;      /* enroll: unicast if not given */
        bool                has_type;
        bool                autobind;
        qosspec_t           qos;       /* connect: raw if not given */
        size_t              n_opts;
        struct ipcp_cmd_opt opts[IPCP_CMD_MAX_OPTS];
};

/* The sub-command word w abbreviates (an enum ipcp_cmd_op), or -EINVAL
 * and an error. */
int          ipcp_cmd_sub(const char * w);

/* The full word of sub-command op ("bootstrap"). */
const char * ipcp_cmd_sub_word(enum ipcp_cmd_op op);

/* The IPCP type named s (exactly), or -EINVAL and "unknown IPCP type 's'
 * (expected one of: ...)". */
int          ipcp_cmd_type(const char * s);

/*
 * Parse argv[0..argc): argv[0] is the sub-command, the rest its
 * keywords. Bootstrap options are checked against the type when it is
 * given, else against every type (the IPCP's own type is only known
 * when the command runs: call ipcp_cmd_conf then). 0 or -EINVAL.
 */
int          ipcp_cmd_parse(int               argc,
                            char **           argv,
                            struct ipcp_cmd * cmd);

/* Why an IPCP of type t cannot do op (enroll, connect, disconnect): a
 * one-line reason ("eth-dix layers have no enrollment: ..."), or NULL
 * when the type supports it. */
const char * ipcp_cmd_unsupported(enum ipcp_cmd_op op,
                                  enum ipcp_type   t);

/* The components connect and disconnect of an IPCP of type t reach
 * when none is given: NULL-terminated, in order ("mgmt", "dt" for
 * unicast; "dt" for broadcast). */
const char * const * ipcp_cmd_comps(enum ipcp_type t);

/* Why an IPCP of type t has no component comp (NULL: none given): a
 * one-line reason, or NULL when it has. */
const char * ipcp_cmd_comp_unsupported(enum ipcp_type t,
                                       const char *   comp);

/* The layer configuration of bootstrap cmd for an IPCP of type t:
 * defaults, then the options in order, then the required ones.
 * 0 or -EINVAL and an error. */
int          ipcp_cmd_conf(const struct ipcp_cmd * cmd,
                           enum ipcp_type          t,
                           struct layer_config *   conf);

#endif /* OUROBOROS_COMMON_IPCP_CMD_H */
