/*
 * Ouroboros IRMd - the name registry: for every name its load-balancing
 * policy, the processes bound to it (in bind order) and the IPCPs it is
 * registered with. Program bindings live in reg_prog.
 *
 * Hashes of a name are computed lazily per algorithm and cached, so a
 * lookup by hash (flow request arriving from an IPCP) costs one memcmp
 * per name.
 */
#ifndef OUROBOROS_IRMD_REG_NAME_H
#define OUROBOROS_IRMD_REG_NAME_H

#include "list.h"

#include "common/hash.h"

#include <ouroboros/irm.h>

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define REG_NAME_MAX_PIDS 1024 /* processes bound to one name */

struct reg_name_ipcp {
        struct list_head next;
        char             ipcp[IPCP_NAME_MAX_LEN + 1];
        char             layer[LAYER_MAX_LEN + 1];
};

struct reg_name {
        struct list_head next;
        char             name[NAME_MAX_LEN + 1];
        enum lb_policy   pol;
        pid_t *          pids;     /* bound processes, bind order */
        size_t           n_pids;
        size_t           cap;
        size_t           rr;       /* round-robin cursor into pids */
        struct list_head ipcps;    /* reg_name_ipcp */
        size_t           n_ipcps;
        uint8_t          hash[HASH_SHA3_512 + 1][HASH_MAX_LEN];
        int              hash_len[HASH_SHA3_512 + 1]; /* 0: not computed */
};

/* -EINVAL bad name or policy, -EEXIST, -ENOMEM. */
int               reg_name_create(const char *       name,
                                  enum lb_policy     pol,
                                  struct reg_name ** out);

struct reg_name * reg_name_get(const char * name);

void              reg_name_destroy(struct reg_name * n);

/* The name whose hash with algo is h, or NULL. */
struct reg_name * reg_name_by_hash(enum hash_algo  algo,
                                   const uint8_t * h,
                                   size_t          len);

/* Hash of n with algo into out: the length, or -errno. */
int               reg_name_hash(struct reg_name * n,
                                enum hash_algo    algo,
                                uint8_t *         out);

/* -EEXIST already bound, -ENOSPC too many, -ENOMEM. */
int               reg_name_bind_pid(struct reg_name * n,
                                    pid_t             pid);

/* -ENOENT not bound. */
int               reg_name_unbind_pid(struct reg_name * n,
                                      pid_t             pid);

bool              reg_name_has_pid(const struct reg_name * n,
                                   pid_t                   pid);

/* Unbind pid from every name: the number of names it was bound to. */
size_t            reg_name_unbind_pid_all(pid_t pid);

/* -EEXIST already registered there, -ENOMEM. */
int               reg_name_add_ipcp(struct reg_name * n,
                                    const char *      ipcp,
                                    const char *      layer);

/* -ENOENT not registered there. */
int               reg_name_del_ipcp(struct reg_name * n,
                                    const char *      ipcp);

bool              reg_name_has_ipcp(const struct reg_name * n,
                                    const char *            ipcp);

/* Forget registrations with ipcp in every name: how many there were. */
size_t            reg_name_del_ipcp_all(const char * ipcp);

/* Distinct layers n is registered in. */
size_t            reg_name_n_layers(const struct reg_name * n);

/*
 * Choose among the bound processes those for which ok(pid, arg) holds:
 * LB_SPILL the first in bind order, LB_RR the next after the previous
 * choice. Returns 0 if none.
 */
pid_t             reg_name_pick(struct reg_name * n,
                                bool           (* ok)(pid_t, void *),
                                void *            arg);

struct list_head * reg_name_all(void);

size_t            reg_name_count(void);

void              reg_name_fini(void);

#endif /* OUROBOROS_IRMD_REG_NAME_H */
