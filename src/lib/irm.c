/*
 * Ouroboros - management API (irm.h): request plumbing, the string
 * helpers, layer configuration defaults and the IPCP calls.
 *
 * Names, binds and registrations are in irm_name.c. Every call validates
 * its arguments before anything is sent, then makes one request on its
 * own connection (see irm_priv.h).
 */
#include "irm_priv.h"

#include "common/api.h"
#include "common/ipcp_conf.h"
#include "common/ipcp_type.h"
#include "common/name_check.h"
#include "common/proto.h"
#include "common/rundir.h"

#include <ouroboros/errno.h>
#include <ouroboros/irm.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_uint irm_next_id = 1;

struct msg * irm__msg_new(uint16_t type)
{
        struct msg * m = malloc(sizeof(*m));

        if (m == NULL)
                return NULL;

        msg_init(m, type, 0, atomic_fetch_add(&irm_next_id, 1));

        return m;
}

int irm__request(struct msg * m,
                 int          timeo_ms)
{
        uint16_t type = m->type;
        uint32_t id   = m->id;
        int      fd;
        int      r;

        fd = rundir_connect();
        if (fd < 0)
                return fd == -ENAMETOOLONG || fd == -ETIMEDOUT ? fd : -EIRMD;

        r = msg_send(fd, m);
        if (r < 0) {
                close(fd);
                return r == -EPIPE ? -EIRMD : r;
        }

        r = msg_recv(fd, m, timeo_ms);
        close(fd);
        if (r == -EPIPE)
                return -EIRMD;      /* the IRMd went away mid-request */
        if (r < 0)
                return r;

        /* Management replies carry no fds; drop any we were sent. */
        msg_fini(m);

        if (m->type != type || m->id != id || !(m->flags & MSG_F_REPLY))
                return -EBADMSG;

        return msg_result(m);
}

static int put_arg(struct msg *           m,
                   const struct irm_arg * a)
{
        int r = 0;
        int i;

        switch (a->kind) {
        case IRM_ARG_STR:
                return a->str == NULL ? 0 : msg_put_str(m, a->tag, a->str);
        case IRM_ARG_U32:
                return msg_put_u32(m, a->tag, a->u32);
        case IRM_ARG_U8:
                return msg_put_u8(m, a->tag, (uint8_t) a->u32);
        case IRM_ARG_QOS:
                return a->qos == NULL ? 0 : msg_put_qos(m, a->tag, a->qos);
        case IRM_ARG_STRV:
                for (i = 0; r == 0 && i < a->n; ++i)
                        r = msg_put_str(m, a->tag, a->strv[i]);
                return r;
        case IRM_ARG_PUT:
                return a->put(m, a->ptr);
        case IRM_ARG_OUT_U32:
                return 0;
        }

        return -EINVAL;
}

int irm__call(uint16_t               type,
              int                    timeo_ms,
              const struct irm_arg * args,
              size_t                 n)
{
        struct msg * m;
        size_t       i;
        int          r = 0;

        m = irm__msg_new(type);
        if (m == NULL)
                return -ENOMEM;

        for (i = 0; r == 0 && i < n; ++i)
                r = put_arg(m, &args[i]);
        if (r == 0)
                r = irm__request(m, timeo_ms);
        for (i = 0; r == 0 && i < n; ++i)
                if (args[i].kind == IRM_ARG_OUT_U32)
                        (void) msg_get_u32(msg_body(m), args[i].tag,
                                           args[i].out);

        free(m);

        return r;
}

ssize_t irm__list(uint16_t type,
                  size_t   size,
                  int   (* parse)(struct msg_view e, void * elem),
                  void **  list)
{
        struct msg * m;

        *list = NULL;

        m = irm__msg_new(type);
        if (m == NULL)
                return -ENOMEM;

        return irm__list_msg(m, size, parse, list);
}

ssize_t irm__list_msg(struct msg * m,
                      size_t       size,
                      int       (* parse)(struct msg_view e, void * elem),
                      void **      list)
{
        char *          arr = NULL;
        struct msg_iter it;
        size_t          n;
        size_t          i;
        int             r;

        *list = NULL;

        r = irm__request(m, IRM_TIMEO_MS);
        if (r < 0)
                goto out;

        n = msg_count(msg_body(m), T_ENTRY);
        if (n > 0) {
                arr = calloc(n, size);
                if (arr == NULL) {
                        r = -ENOMEM;
                        goto out;
                }
        }

        msg_iter_init(&it, msg_body(m));
        for (i = 0; i < n; ++i) {
                struct msg_view e;

                r = msg_iter_sub(&it, T_ENTRY, &e);
                if (r == 0)
                        r = parse(e, arr + i * size);
                if (r < 0) {
                        free(arr);
                        goto out;
                }
        }

        *list = arr;
        r     = (int) n;
 out:
        free(m);
        return r;
}

int irm__check_str(const char * s,
                   size_t       max)
{
        return name_check(s, max);
}

/* The names are in common/ipcp_type.c, shared with the IRMd. */
OURO_API const char * irm_ipcp_type_str(enum ipcp_type t)
{
        return ipcp_type_name(t);
}

OURO_API const char * irm_ipcp_state_str(enum ipcp_state s)
{
        return ipcp_state_name(s);
}

OURO_API enum ipcp_type irm_ipcp_type_parse(const char * s)
{
        int t = ipcp_type_from_name(s);

        return t < 0 ? IPCP_INVALID : (enum ipcp_type) t;
}

/*
 * The library cannot see which ipcpd-* binaries the IRMd has next to it,
 * and asking would cost a round trip for a yes/no that the IRMd gives
 * anyway: every valid type is "supported" here, and creating an IPCP of
 * a type the IRMd cannot spawn fails with -EIPCPTYPE.
 */
OURO_API bool irm_ipcp_type_supported(enum ipcp_type t)
{
        return ipcp_type_name(t) != NULL;
}

OURO_API void irm_layer_config_init(struct layer_config * conf,
                                    enum ipcp_type        t,
                                    const char *          layer)
{
        if (conf != NULL)
                ipcp_conf_init(conf, t, layer);
}

OURO_API const char * irm_sock_path(void)
{
        static __thread char path[256];

        if (rundir_path(path, sizeof(path), RUNDIR_SOCK) < 0)
                return NULL;

        return path;
}

OURO_API pid_t irm_create_ipcp(const char *   name,
                               enum ipcp_type type)
{
        uint32_t pid = 0;   /* stays 0, a bad pid, when the reply has none */
        int      r;

        r = irm__check_str(name, IPCP_NAME_MAX_LEN);
        if (r < 0)
                return r;

        if (ipcp_type_name(type) == NULL)
                return -EINVAL;

        r = IRM_CALL(M_IPCP_CREATE, IRM_TIMEO_SLOW_MS,
                     IRM_STR(T_IPCP_NAME, name),
                     IRM_U32(T_IPCP_TYPE, (uint32_t) type),
                     IRM_OUT_U32(T_PID, &pid));
        if (r == 0 && (pid == 0 || pid > INT32_MAX))
                r = -EBADMSG;

        return r < 0 ? r : (pid_t) pid;
}

OURO_API int irm_destroy_ipcp(const char * name)
{
        int r = irm__check_str(name, IPCP_NAME_MAX_LEN);

        if (r < 0)
                return r;

        return IRM_CALL(M_IPCP_DESTROY, IRM_TIMEO_SLOW_MS,
                        IRM_STR(T_IPCP_NAME, name));
}

static int parse_ipcp_entry(struct msg_view e,
                            void *          elem)
{
        struct ipcp_list_info * info = elem;
        uint32_t                pid;
        uint32_t                type;
        uint32_t                state;

        memset(info, 0, sizeof(*info));

        if (msg_get_u32(e, T_PID, &pid) < 0 ||
            msg_get_u32(e, T_IPCP_TYPE, &type) < 0 ||
            msg_get_u32(e, T_STATE, &state) < 0 ||
            msg_get_str(e, T_IPCP_NAME, info->name, IPCP_NAME_MAX_LEN) < 0)
                return -EBADMSG;

        if (msg_has(e, T_LAYER) &&
            msg_get_str(e, T_LAYER, info->layer, LAYER_MAX_LEN) < 0)
                return -EBADMSG;

        if (msg_has(e, T_INFO) &&
            msg_get_str(e, T_INFO, info->info, IPCP_INFO_MAX_LEN) < 0)
                return -EBADMSG;

        if (pid > INT32_MAX || ipcp_type_name(type) == NULL ||
            ipcp_state_name(state) == NULL)
                return -EBADMSG;

        info->pid   = (pid_t) pid;
        info->type  = (enum ipcp_type) type;
        info->state = (enum ipcp_state) state;

        return 0;
}

OURO_API ssize_t irm_list_ipcps(struct ipcp_list_info ** ipcps)
{
        void *  list;
        ssize_t n;

        if (ipcps == NULL)
                return -EINVAL;

        n = irm__list(M_IPCP_LIST, sizeof(**ipcps), parse_ipcp_entry, &list);
        *ipcps = list;

        return n;
}

/* 1 if an IPCP with this name exists, 0 if not, or -errno. */
static int ipcp_exists(const char * name)
{
        struct ipcp_list_info * list;
        ssize_t                 n;
        ssize_t                 i;
        int                     found = 0;

        n = irm_list_ipcps(&list);
        if (n < 0)
                return (int) n;

        for (i = 0; i < n && !found; ++i)
                found = strcmp(list[i].name, name) == 0;

        free(list);

        return found;
}

/* Create the IPCP unless one of that name exists: 0 or -errno. */
static int ensure_ipcp(const char *   name,
                       enum ipcp_type type)
{
        pid_t pid;
        int   r = ipcp_exists(name);

        if (r != 0)
                return r < 0 ? r : 0;

        pid = irm_create_ipcp(name, type);
        if (pid == -EEXIST)  /* created by someone else meanwhile */
                return 0;

        return pid < 0 ? (int) pid : 0;
}

_Static_assert(IPCP_INFO_MAX_LEN == PROTO_INFO_MAX, "one bound for T_INFO");

OURO_API int irm_bootstrap_ipcp(const char *                name,
                                const struct layer_config * conf)
{
        return irm_bootstrap_ipcp_info(name, conf, NULL, 0);
}

OURO_API int irm_bootstrap_ipcp_info(const char *                name,
                                     const struct layer_config * conf,
                                     char *                      info,
                                     size_t                      len)
{
        char         line[IPCP_INFO_MAX_LEN + 1] = "";
        struct msg * m;
        int          r;

        if (info != NULL && len > 0)
                info[0] = '\0';

        r = irm__check_str(name, IPCP_NAME_MAX_LEN);
        if (r < 0)
                return r;

        if (conf == NULL || !ipcp_conf_valid(conf))
                return -EINVAL;

        r = ensure_ipcp(name, conf->type);
        if (r < 0)
                return r;

        m = irm__msg_new(M_IPCP_BOOTSTRAP);
        if (m == NULL)
                return -ENOMEM;

        /* T_CONF: the same encoder as the IRMd's configuration file */
        r = msg_put_str(m, T_IPCP_NAME, name);
        if (r == 0)
                r = ipcp_conf_put(m, conf);
        if (r == 0)
                r = irm__request(m, IRM_TIMEO_SLOW_MS);

        /* the IRMd sends the line only if printable (one line) */
        if (m->type == M_IPCP_BOOTSTRAP && (m->flags & MSG_F_REPLY) &&
            msg_get_str(msg_body(m), T_INFO, line, IPCP_INFO_MAX_LEN) >= 0 &&
            name_check(line, IPCP_INFO_MAX_LEN) == 0 &&
            info != NULL && len > 0) {
                strncpy(info, line, len - 1);
                info[len - 1] = '\0';
        }

        free(m);

        return r;
}

OURO_API int irm_enroll_ipcp_layer(const char * name,
                                   const char * layer,
                                   const char * dst)
{
        int r;

        r = irm__check_str(name, IPCP_NAME_MAX_LEN);
        if (r == 0)
                r = irm__check_str(dst, NAME_MAX_LEN);
        if (r == 0 && layer != NULL)
                r = irm__check_str(layer, LAYER_MAX_LEN);
        if (r < 0)
                return r;

        /* Without a type to go by, a missing IPCP is made unicast. */
        r = ensure_ipcp(name, IPCP_UNICAST);
        if (r < 0)
                return r;

        if (layer == NULL)
                return IRM_CALL(M_IPCP_ENROLL, IRM_TIMEO_ENROLL_MS,
                                IRM_STR(T_IPCP_NAME, name),
                                IRM_STR(T_DST, dst));

        return IRM_CALL(M_IPCP_ENROLL, IRM_TIMEO_ENROLL_MS,
                        IRM_STR(T_IPCP_NAME, name),
                        IRM_STR(T_DST, dst),
                        IRM_STR(T_LAYER, layer));
}

OURO_API int irm_enroll_ipcp(const char * name,
                             const char * dst)
{
        return irm_enroll_ipcp_layer(name, NULL, dst);
}

static int check_component(const char * c)
{
        if (c == NULL || (strcmp(c, "dt") != 0 && strcmp(c, "mgmt") != 0))
                return -EINVAL;

        return 0;
}

/* M_IPCP_CONNECT / M_IPCP_DISCONNECT; qs NULL for disconnect. */
static int conn_request(uint16_t          type,
                        const char *      name,
                        const char *      dst,
                        const char *      component,
                        const qosspec_t * qs)
{
        int r;

        r = irm__check_str(name, IPCP_NAME_MAX_LEN);
        if (r == 0)
                r = irm__check_str(dst, NAME_MAX_LEN);
        if (r == 0)
                r = check_component(component);
        if (r < 0)
                return r;

        return IRM_CALL(type, IRM_TIMEO_ENROLL_MS,
                        IRM_STR(T_IPCP_NAME, name),
                        IRM_STR(T_DST, dst),
                        IRM_STR(T_COMPONENT, component),
                        IRM_QOS(T_QOS, qs));
}

OURO_API int irm_connect_ipcp(const char * name,
                              const char * dst,
                              const char * component,
                              qosspec_t    qs)
{
        return conn_request(M_IPCP_CONNECT, name, dst, component, &qs);
}

OURO_API int irm_disconnect_ipcp(const char * name,
                                 const char * dst,
                                 const char * component)
{
        return conn_request(M_IPCP_DISCONNECT, name, dst, component, NULL);
}
