/*
 * obc - send and listen on a broadcast layer: joins it (flow_join) and
 * prints every message the other members send (-l), or sends messages
 * to all of them (-m).
 *
 * main.c parses options, join.c joins the layer with clear errors,
 * listen.c prints what arrives, send.c sends.
 */
#ifndef OBC_H
#define OBC_H

#include "tools_common.h"

#include <stddef.h>

#define OBC_SLICE_MS 100 /* reads wait at most this, to see a stop */

struct obc_cfg {
        const char * layer;
        const char * message;     /* NULL: listen; "-": lines of stdin */
        long         count;       /* 0: no limit (listen) */
        long         interval_ms;
        long         timeout_ms;  /* for the join */
};

/* Join cfg's layer: the flow descriptor and its largest packet in
 * *max, or a negative errno after a message on stderr. */
int obc_join(const struct obc_cfg * cfg,
             size_t *               max);

/* Print every message (escaped, one a line) until stopped or count
 * messages: 0 or a negative errno. */
int obc_listen(const struct obc_cfg * cfg);

/* Send the message count times (or each line of stdin): 0 or a
 * negative errno. */
int obc_send(const struct obc_cfg * cfg);

#endif /* OBC_H */
