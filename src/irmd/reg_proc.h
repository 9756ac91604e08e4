/*
 * Ouroboros IRMd - the process registry: processes that announced
 * themselves on a session connection (pid from SO_PEERCRED, program
 * path and argv from the announce, their eventfd).
 *
 * Ownership: the entry holds one reference on its eventfd (struct
 * reg_evfd); flow halves whose peer it is hold more, so the fd outlives
 * the process while a flow still needs to wake it (or mark it dead),
 * and the IRMd keeps one fd per process, not one per flow.
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

/* A process's eventfd, shared by reference count. */
struct reg_evfd {
        int fd;
        int refs;
};

/* Take another reference (e may be NULL): e. */
struct reg_evfd * reg_evfd_get(struct reg_evfd * e);

/* Drop a reference (e may be NULL); the last closes the fd. */
void              reg_evfd_put(struct reg_evfd * e);

/* The fd of e, -1 for NULL. */
static inline int reg_evfd_fd(const struct reg_evfd * e)
{
        return e != NULL ? e->fd : -1;
}

struct reg_proc {
        struct list_head next;
        pid_t            pid;
        char             prog[PATH_MAX];
        char **          argv;  /* argv[1..], NULL-terminated */
        int              argc;
        int              evfd;  /* ev->fd, or -1 */
        struct reg_evfd * ev;   /* one reference, NULL without evfd */
        struct conn *    conn;  /* session connection */
};

/* -EINVAL, -EEXIST (pid already announced), -ENOMEM. On success the
 * entry owns evfd (see struct reg_evfd); on failure the caller still
 * does. */
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
