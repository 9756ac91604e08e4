/*
 * Ouroboros IRMd - a parked request: the connection to answer on and the
 * header of the request being answered. Holds a reference on the
 * connection (conn.c) so it may outlive a closed connection; answering a
 * closed one is a no-op.
 */
#ifndef OUROBOROS_IRMD_REQ_H
#define OUROBOROS_IRMD_REQ_H

#include <stdbool.h>
#include <stdint.h>

struct conn;

struct req {
        struct conn * conn; /* NULL: nothing parked */
        uint16_t      type;
        uint16_t      flags;
        uint32_t      id;
};

static inline bool req_parked(const struct req * r)
{
        return r->conn != NULL;
}

#endif /* OUROBOROS_IRMD_REQ_H */
