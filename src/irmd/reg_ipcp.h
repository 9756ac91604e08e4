/*
 * Ouroboros IRMd - the IPCP registry: IPCP processes spawned by this
 * IRMd, with their type, state, layer and connection.
 *
 * Pure bookkeeping: no sockets, no processes. Entries are owned by the
 * registry; pointers stay valid until reg_ipcp_del.
 */
#ifndef OUROBOROS_IRMD_REG_IPCP_H
#define OUROBOROS_IRMD_REG_IPCP_H

#include "list.h"

#include "common/proto.h"

#include <ouroboros/irm.h>

#include <stdint.h>
#include <sys/types.h>

struct conn;

struct reg_ipcp {
        struct list_head next;
        char             name[IPCP_NAME_MAX_LEN + 1];
        enum ipcp_type   type;
        pid_t            pid;
        enum ipcp_state  state;
        char             layer[LAYER_MAX_LEN + 1]; /* "" until in a layer */
        enum hash_algo   hash;
        struct conn *    conn;     /* IPCP connection, NULL before HELLO */
        size_t           max_pkt;  /* T_MAX_PKT of its bootstrap/enroll
                                      answer; 0: the IRMd's (spliced) */
        char             info[PROTO_INFO_MAX + 1]; /* its T_INFO,
                                                     "" if none */
        void *           create;   /* pending M_IPCP_CREATE (daemon use) */
        int64_t          deadline; /* HELLO deadline while creating, ns */
};

/* -EINVAL bad name/type, -EEXIST duplicate name or pid, -ENOMEM. */
int               reg_ipcp_add(const char *       name,
                               enum ipcp_type     type,
                               pid_t              pid,
                               struct reg_ipcp ** out);

struct reg_ipcp * reg_ipcp_get(const char * name);

struct reg_ipcp * reg_ipcp_by_pid(pid_t pid);

/* Legal state changes only (asserted). */
void              reg_ipcp_set_state(struct reg_ipcp * e,
                                     enum ipcp_state   s);

void              reg_ipcp_del(struct reg_ipcp * e);

/* All entries, in creation order (walk with list_for_each). */
struct list_head * reg_ipcp_all(void);

size_t            reg_ipcp_count(void);

void              reg_ipcp_fini(void);

#endif /* OUROBOROS_IRMD_REG_IPCP_H */
