/*
 * Ouroboros - where an IRMd instance keeps its socket and lock.
 *
 * $OUROBOROS_RUNDIR if set; otherwise /run/ouroboros for root,
 * $XDG_RUNTIME_DIR/ouroboros, or /tmp/ouroboros-<uid>.
 */
#ifndef OUROBOROS_COMMON_RUNDIR_H
#define OUROBOROS_COMMON_RUNDIR_H

#include <stddef.h>

#define RUNDIR_ENV   "OUROBOROS_RUNDIR"
#define RUNDIR_SOCK  "irmd.sock"
#define RUNDIR_LOCK  "irmd.lock"

/* Write the directory into buf: 0, or -ENAMETOOLONG. */
int rundir_get(char * buf,
               size_t len);

/* Write the path of file (RUNDIR_SOCK, ...) inside it into buf. */
int rundir_path(char *       buf,
                size_t       len,
                const char * file);

/* How long rundir_connect waits while the IRMd's backlog is full. */
#define RUNDIR_CONNECT_MS 5000

/* Connect a SOCK_SEQPACKET socket to the IRMd (O_CLOEXEC, blocking):
 * an fd, -EIRMD when no IRMd listens, or -ETIMEDOUT when it listens but
 * its backlog stayed full for RUNDIR_CONNECT_MS. */
int rundir_connect(void);

#endif /* OUROBOROS_COMMON_RUNDIR_H */
