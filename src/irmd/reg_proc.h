/*
 * Ouroboros IRMd - the process registry: processes that announced
 * themselves on a session connection (pid from SO_PEERCRED, program
 * path and argv from the announce, their eventfd).
 *
 * Ownership: the entry owns evfd and closes it on reg_proc_del.
 */
#ifndef OUROBOROS_IRMD_REG_PROC_H
#define OUROBOROS_IRMD_REG_PROC_H

#include "list.h"

#include "common/proto.h"

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#define REG_PROC_MAX_ARGS PROTO_ANNOUNCE_ARGS

struct conn;

struct reg_proc {
        struct list_head next;
        pid_t            pid;
        char             prog[PATH_MAX];
        char **          argv;  /* argv[1..], NULL-terminated */
        int              argc;
        int              evfd;  /* owned */
        struct conn *    conn;  /* session connection */
};

/* -EINVAL, -EEXIST (pid already announced), -ENOMEM. On success the
 * entry owns evfd; on failure the caller still does. */
int               reg_proc_add(pid_t              pid,
                               const char *       prog,
                               int                argc,
                               char * const *     args,
                               int                evfd,
                               struct reg_proc ** out);

struct reg_proc * reg_proc_get(pid_t pid);

void              reg_proc_del(struct reg_proc * p);

struct list_head * reg_proc_all(void);

size_t            reg_proc_count(void);

void              reg_proc_fini(void);

#endif /* OUROBOROS_IRMD_REG_PROC_H */
