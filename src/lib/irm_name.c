/*
 * Ouroboros - management API (irm.h): names, their registration in
 * layers, and binding programs and processes to names.
 *
 * Program paths go to the IRMd absolute: a relative path containing a
 * '/' is resolved with realpath(3), a bare word is looked up in $PATH.
 */
#include "irm_priv.h"

#include "common/api.h"
#include "common/proto.h"

#include <ouroboros/errno.h>
#include <ouroboros/irm.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The absolute path of an existing regular file prog into buf. */
static int resolve_prog(const char * prog,
                        char *       buf)
{
        struct stat  st;
        const char * path;

        if (strchr(prog, '/') != NULL) {
                if (realpath(prog, buf) == NULL)
                        return -ENOENT;
                if (stat(buf, &st) < 0 || !S_ISREG(st.st_mode))
                        return -ENOENT;
                return 0;
        }

        path = getenv("PATH");
        while (path != NULL && *path != '\0') {
                const char * end = strchrnul(path, ':');
                char         cand[PATH_MAX];
                int          n;

                n = snprintf(cand, sizeof(cand), "%.*s/%s",
                             (int) (end - path), path, prog);
                if (n > 0 && (size_t) n < sizeof(cand) &&
                    end != path && access(cand, X_OK) == 0 &&
                    realpath(cand, buf) != NULL &&
                    stat(buf, &st) == 0 && S_ISREG(st.st_mode))
                        return 0;

                path = *end == ':' ? end + 1 : end;
        }

        return -ENOENT;
}

/* prog as an absolute path: as given when it is one, else resolved. */
static int abs_prog(const char * prog,
                    char *       buf)
{
        if (prog == NULL || *prog == '\0')
                return -EINVAL;

        if (prog[0] == '/') {
                if (strnlen(prog, PATH_MAX) >= PATH_MAX)
                        return -ENAMETOOLONG;
                strcpy(buf, prog);
                return 0;
        }

        return resolve_prog(prog, buf);
}

/* argv: the arguments after the program name (argv[0] is not sent). */
OURO_API int irm_bind_program(const char * prog,
                              const char * name,
                              bool         autostart,
                              int          argc,
                              char **      argv)
{
        char         path[PATH_MAX];
        struct msg * m;
        int          r;
        int          i;

        r = irm__check_str(name, NAME_MAX_LEN);
        if (r < 0)
                return r;

        if (argc < 0 || (argc > 0 && argv == NULL))
                return -EINVAL;

        for (i = 0; i < argc; ++i)
                if (argv[i] == NULL)
                        return -EINVAL;

        r = abs_prog(prog, path);
        if (r < 0)
                return r;

        m = irm__msg_new(M_BIND_PROG);
        if (m == NULL)
                return -ENOMEM;

        r = msg_put_str(m, T_PROG, path);
        if (r == 0)
                r = msg_put_str(m, T_NAME, name);
        if (r == 0)
                r = msg_put_u8(m, T_AUTO, autostart ? 1 : 0);
        for (i = 0; r == 0 && i < argc; ++i)
                r = msg_put_str(m, T_ARG, argv[i]);
        if (r == 0)
                r = irm__request(m, IRM_TIMEO_MS);

        free(m);

        return r;
}

OURO_API int irm_unbind_program(const char * prog,
                                const char * name)
{
        char         path[PATH_MAX];
        struct msg * m;
        int          r;

        if (name != NULL) {
                r = irm__check_str(name, NAME_MAX_LEN);
                if (r < 0)
                        return r;
        }

        r = abs_prog(prog, path);
        if (r < 0)
                return r;

        m = irm__msg_new(M_UNBIND_PROG);
        if (m == NULL)
                return -ENOMEM;

        r = msg_put_str(m, T_PROG, path);
        if (r == 0 && name != NULL)
                r = msg_put_str(m, T_NAME, name);
        if (r == 0)
                r = irm__request(m, IRM_TIMEO_MS);

        free(m);

        return r;
}

/* M_BIND_PROC / M_UNBIND_PROC; name may be NULL only for unbind. */
static int proc_request(uint16_t     type,
                        pid_t        pid,
                        const char * name)
{
        struct msg * m;
        int          r;

        if (pid <= 0)
                return -EINVAL;

        if (name != NULL || type == M_BIND_PROC) {
                r = irm__check_str(name, NAME_MAX_LEN);
                if (r < 0)
                        return r;
        }

        m = irm__msg_new(type);
        if (m == NULL)
                return -ENOMEM;

        r = msg_put_u32(m, T_PID, (uint32_t) pid);
        if (r == 0 && name != NULL)
                r = msg_put_str(m, T_NAME, name);
        if (r == 0)
                r = irm__request(m, IRM_TIMEO_MS);

        free(m);

        return r;
}

OURO_API int irm_bind_process(pid_t        pid,
                              const char * name)
{
        return proc_request(M_BIND_PROC, pid, name);
}

OURO_API int irm_unbind_process(pid_t        pid,
                                const char * name)
{
        return proc_request(M_UNBIND_PROC, pid, name);
}

OURO_API int irm_create_name(const char *   name,
                             enum lb_policy pol)
{
        struct msg * m;
        int          r;

        r = irm__check_str(name, NAME_MAX_LEN);
        if (r < 0)
                return r;

        if (pol != LB_RR && pol != LB_SPILL)
                return -EINVAL;

        m = irm__msg_new(M_NAME_CREATE);
        if (m == NULL)
                return -ENOMEM;

        r = msg_put_str(m, T_NAME, name);
        if (r == 0)
                r = msg_put_u32(m, T_LB, (uint32_t) pol);
        if (r == 0)
                r = irm__request(m, IRM_TIMEO_MS);

        free(m);

        return r;
}

OURO_API int irm_destroy_name(const char * name)
{
        struct msg * m;
        int          r;

        r = irm__check_str(name, NAME_MAX_LEN);
        if (r < 0)
                return r;

        m = irm__msg_new(M_NAME_DESTROY);
        if (m == NULL)
                return -ENOMEM;

        r = msg_put_str(m, T_NAME, name);
        if (r == 0)
                r = irm__request(m, IRM_TIMEO_MS);

        free(m);

        return r;
}

static int parse_name_entry(struct msg_view    e,
                            struct name_info * info)
{
        uint32_t lb;
        uint32_t procs;
        uint32_t progs;
        uint32_t layers;

        memset(info, 0, sizeof(*info));

        if (msg_get_str(e, T_NAME, info->name, NAME_MAX_LEN) < 0 ||
            msg_get_u32(e, T_LB, &lb) < 0 ||
            msg_get_u32(e, T_N_PROCS, &procs) < 0 ||
            msg_get_u32(e, T_N_PROGS, &progs) < 0 ||
            msg_get_u32(e, T_N_LAYERS, &layers) < 0)
                return -EBADMSG;

        if (lb != LB_RR && lb != LB_SPILL)
                return -EBADMSG;

        info->pol      = (enum lb_policy) lb;
        info->n_procs  = procs;
        info->n_progs  = progs;
        info->n_layers = layers;

        return 0;
}

OURO_API ssize_t irm_list_names(struct name_info ** names)
{
        struct name_info * list = NULL;
        struct msg *       m;
        size_t             n;
        size_t             i;
        int                r;

        if (names == NULL)
                return -EINVAL;

        *names = NULL;

        m = irm__msg_new(M_NAME_LIST);
        if (m == NULL)
                return -ENOMEM;

        r = irm__request(m, IRM_TIMEO_MS);
        if (r < 0)
                goto out;

        n = msg_count(msg_body(m), T_ENTRY);
        if (n > 0) {
                list = calloc(n, sizeof(*list));
                if (list == NULL) {
                        r = -ENOMEM;
                        goto out;
                }
        }

        for (i = 0; i < n; ++i) {
                struct msg_view e;

                r = msg_sub(msg_body(m), T_ENTRY, i, &e);
                if (r == 0)
                        r = parse_name_entry(e, &list[i]);
                if (r < 0) {
                        free(list);
                        goto out;
                }
        }

        *names = list;
        r      = (int) n;
 out:
        free(m);
        return r;
}

/* M_NAME_REG / M_NAME_UNREG with T_IPCP_NAME or T_LAYER: the count of
 * IPCPs (un)registered with, or -errno. */
static int reg_request(uint16_t     type,
                       const char * name,
                       uint16_t     tag,
                       const char * target)
{
        struct msg * m;
        uint32_t     count = 0;
        int          r;

        r = irm__check_str(name, NAME_MAX_LEN);
        if (r == 0)
                r = irm__check_str(target, tag == T_LAYER ?
                                   LAYER_MAX_LEN : IPCP_NAME_MAX_LEN);
        if (r < 0)
                return r;

        m = irm__msg_new(type);
        if (m == NULL)
                return -ENOMEM;

        r = msg_put_str(m, T_NAME, name);
        if (r == 0)
                r = msg_put_str(m, tag, target);
        if (r == 0)
                r = irm__request(m, IRM_TIMEO_SLOW_MS);
        /* T_COUNT is optional for a single IPCP: that one or an error. */
        if (r == 0 && msg_get_u32(msg_body(m), T_COUNT, &count) < 0)
                count = tag == T_LAYER ? 0 : 1;
        if (r == 0)
                r = count > INT32_MAX ? INT32_MAX : (int) count;

        free(m);

        return r;
}

OURO_API int irm_reg_name(const char * name,
                          const char * ipcp)
{
        int r = reg_request(M_NAME_REG, name, T_IPCP_NAME, ipcp);

        return r < 0 ? r : 0;
}

OURO_API int irm_unreg_name(const char * name,
                            const char * ipcp)
{
        int r = reg_request(M_NAME_UNREG, name, T_IPCP_NAME, ipcp);

        return r < 0 ? r : 0;
}

OURO_API int irm_reg_name_layer(const char * name,
                                const char * layer)
{
        return reg_request(M_NAME_REG, name, T_LAYER, layer);
}

OURO_API int irm_unreg_name_layer(const char * name,
                                  const char * layer)
{
        return reg_request(M_NAME_UNREG, name, T_LAYER, layer);
}
