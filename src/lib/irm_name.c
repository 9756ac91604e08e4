/*
 * Ouroboros - management API (irm.h): names, their registration in
 * layers, and binding programs and processes to names.
 *
 * Program paths go to the IRMd absolute: a relative path containing a
 * '/' is resolved with realpath(3), a bare word is looked up in $PATH.
 */
#include "irm_priv.h"
#include "session.h"

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
        char path[PATH_MAX];
        int  r;
        int  i;

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

        return IRM_CALL(M_BIND_PROG, IRM_TIMEO_MS,
                        IRM_STR(T_PROG, path),
                        IRM_STR(T_NAME, name),
                        IRM_U8(T_AUTO, autostart ? 1 : 0),
                        IRM_STRV(T_ARG, argv, argc));
}

OURO_API int irm_unbind_program(const char * prog,
                                const char * name)
{
        char path[PATH_MAX];
        int  r;

        if (name != NULL) {
                r = irm__check_str(name, NAME_MAX_LEN);
                if (r < 0)
                        return r;
        }

        r = abs_prog(prog, path);
        if (r < 0)
                return r;

        return IRM_CALL(M_UNBIND_PROG, IRM_TIMEO_MS,
                        IRM_STR(T_PROG, path),
                        IRM_STR(T_NAME, name));   /* none when NULL */
}

/* M_BIND_PROC / M_UNBIND_PROC; name may be NULL only for unbind. */
static int proc_request(uint16_t     type,
                        pid_t        pid,
                        const char * name)
{
        int r;

        if (pid <= 0)
                return -EINVAL;

        if (name != NULL || type == M_BIND_PROC) {
                r = irm__check_str(name, NAME_MAX_LEN);
                if (r < 0)
                        return r;
        }

        /* The IRMd binds only processes that announced themselves: a
         * process binding itself does so first. */
        if (type == M_BIND_PROC && pid == getpid()) {
                r = session_init();
                if (r < 0)
                        return r;
        }

        return IRM_CALL(type, IRM_TIMEO_MS,
                        IRM_U32(T_PID, (uint32_t) pid),
                        IRM_STR(T_NAME, name));   /* none when NULL */
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
        int r;

        r = irm__check_str(name, NAME_MAX_LEN);
        if (r < 0)
                return r;

        if (pol != LB_RR && pol != LB_SPILL)
                return -EINVAL;

        return IRM_CALL(M_NAME_CREATE, IRM_TIMEO_MS,
                        IRM_STR(T_NAME, name),
                        IRM_U32(T_LB, (uint32_t) pol));
}

OURO_API int irm_destroy_name(const char * name)
{
        int r = irm__check_str(name, NAME_MAX_LEN);

        if (r < 0)
                return r;

        return IRM_CALL(M_NAME_DESTROY, IRM_TIMEO_MS,
                        IRM_STR(T_NAME, name));
}

static int parse_name_entry(struct msg_view e,
                            void *          elem)
{
        struct name_info * info = elem;
        uint32_t           lb;
        uint32_t           procs;
        uint32_t           progs;
        uint32_t           layers;

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
        void *  list;
        ssize_t n;

        if (names == NULL)
                return -EINVAL;

        n = irm__list(M_NAME_LIST, sizeof(**names), parse_name_entry, &list);
        *names = list;

        return n;
}

/* M_NAME_REG / M_NAME_UNREG with T_IPCP_NAME or T_LAYER: the count of
 * IPCPs (un)registered with, or -errno. */
static int reg_request(uint16_t     type,
                       const char * name,
                       uint16_t     tag,
                       const char * target)
{
        /* T_COUNT is optional for a single IPCP: that one or an error. */
        uint32_t count = tag == T_LAYER ? 0 : 1;
        int      r;

        r = irm__check_str(name, NAME_MAX_LEN);
        if (r == 0)
                r = irm__check_str(target, tag == T_LAYER ?
                                   LAYER_MAX_LEN : IPCP_NAME_MAX_LEN);
        if (r < 0)
                return r;

        r = IRM_CALL(type, IRM_TIMEO_SLOW_MS,
                     IRM_STR(T_NAME, name),
                     IRM_STR(tag, target),
                     IRM_OUT_U32(T_COUNT, &count));
        if (r != 0)
                return r;

        return count > INT32_MAX ? INT32_MAX : (int) count;
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
