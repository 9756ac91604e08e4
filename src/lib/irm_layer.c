/*
 * Ouroboros - management API (irm.h): bootstrap options set by word, as
 * the irm tool takes them (common/ipcp_conf.c, one table for irm, the
 * IRMd's configuration file, this library and pyOuroboros), and an
 * IPCP's counters (M_IPCP_STAT).
 */
#include "irm_priv.h"

#include "common/api.h"
#include "common/args.h"
#include "common/ipcp_conf.h"
#include "common/ipcp_type.h"
#include "common/name_check.h"
#include "common/proto.h"

#include <ouroboros/errno.h>
#include <ouroboros/irm.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* args_last_err() into err[0..len), for a failed call: r. */
static int fail(int    r,
                char * err,
                size_t len)
{
        if (err != NULL && len > 0)
                snprintf(err, len, "%s", args_last_err());

        return r;
}

OURO_API int irm_layer_config_set(struct layer_config * conf,
                                  const char *          opt,
                                  const char *          val,
                                  char *                err,
                                  size_t                len)
{
        const struct ipcp_opt * o;

        if (err != NULL && len > 0)
                err[0] = '\0';

        if (conf == NULL || opt == NULL ||
            ipcp_type_name(conf->type) == NULL) {
                args_err("no configuration or option");
                return fail(-EINVAL, err, len);
        }

        o = ipcp_opt_match(opt, conf->type);
        if (o == NULL) {
                args_err("'%s' is not an option of IPCP type %s", opt,
                         ipcp_type_name(conf->type));
                return fail(-ENOENT, err, len);
        }

        if (o->kind == IPCP_OPT_FLAG)
                return 0; /* autobind: done by the caller, not the IPCP */

        if (val == NULL) {
                args_err("'%s' needs a value", o->word);
                return fail(-EINVAL, err, len);
        }

        if (ipcp_conf_set(conf, o, val) < 0)
                return fail(-EINVAL, err, len);

        return 0;
}

OURO_API int irm_layer_config_check(const struct layer_config * conf,
                                    char *                      err,
                                    size_t                      len)
{
        if (err != NULL && len > 0)
                err[0] = '\0';

        if (conf == NULL || ipcp_type_name(conf->type) == NULL) {
                args_err("no configuration");
                return fail(-EINVAL, err, len);
        }

        if (ipcp_conf_check(conf) < 0)
                return fail(-EINVAL, err, len);

        return 0;
}

static int parse_stat_entry(struct msg_view e,
                            void *          elem)
{
        struct ipcp_stat_entry * s = elem;

        if (msg_get_str(e, T_NAME, s->name, NAME_MAX_LEN) < 0 ||
            name_check(s->name, NAME_MAX_LEN) < 0 ||
            msg_get_u64(e, T_VALUE, &s->value) < 0)
                return -EBADMSG;

        return 0;
}

OURO_API ssize_t irm_ipcp_stat(const char *              name,
                               struct ipcp_stat_entry ** entries)
{
        struct msg * m;
        void *       list;
        ssize_t      n;
        int          r;

        if (entries == NULL)
                return -EINVAL;

        *entries = NULL;

        r = irm__check_str(name, IPCP_NAME_MAX_LEN);
        if (r < 0)
                return r;

        m = irm__msg_new(M_IPCP_STAT);
        if (m == NULL)
                return -ENOMEM;

        if (msg_put_str(m, T_IPCP_NAME, name) < 0) {
                free(m);
                return -EMSGSIZE;
        }

        n = irm__list_msg(m, sizeof(**entries), parse_stat_entry, &list);
        *entries = list;

        return n;
}
