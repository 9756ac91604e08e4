/*
 * Ouroboros - internals of the management API (irm.c, irm_name.c).
 *
 * Every management call is one request on its own short-lived connection
 * to the IRMd: connect, send, wait for the reply with a deadline, close.
 * No state is kept between calls, so the calls are thread-safe and never
 * touch the application's session with the IRMd.
 */
#ifndef OUROBOROS_LIB_IRM_PRIV_H
#define OUROBOROS_LIB_IRM_PRIV_H

#include "common/msg.h"

#include <stddef.h>

/* How long a request may take before -ETIMEDOUT (ms). Spawning and
 * bootstrapping an IPCP takes a moment; enrolling crosses the network. */
#define IRM_TIMEO_MS       10000
#define IRM_TIMEO_SLOW_MS  30000
#define IRM_TIMEO_ENROLL_MS 60000

/* A request message on the heap (struct msg is 64 KiB). */
struct msg * irm__msg_new(uint16_t type);

/*
 * Send m to the IRMd and replace it with the reply. Returns the reply's
 * T_RESULT (0 or -errno) or a transport error: -EIRMD when no IRMd
 * answers, -ETIMEDOUT, -EBADMSG for a reply that does not match.
 */
int          irm__request(struct msg * m,
                          int          timeo_ms);

/* 0 if s is a usable name of at most max bytes: -EINVAL for NULL or
 * empty, -ENAMETOOLONG when longer. */
int          irm__check_str(const char * s,
                            size_t       max);

#endif /* OUROBOROS_LIB_IRM_PRIV_H */
