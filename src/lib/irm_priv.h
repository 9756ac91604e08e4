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
#include <sys/types.h>

/* How long a request may take before -ETIMEDOUT (ms). Spawning and
 * bootstrapping an IPCP takes a moment; enrolling crosses the network. */
#define IRM_TIMEO_MS       10000
#define IRM_TIMEO_SLOW_MS  30000
#define IRM_TIMEO_ENROLL_MS 60000

/* What one field of a request is, or what to take from the reply. */
enum irm_arg_kind {
        IRM_ARG_STR,    /* str; left out when NULL */
        IRM_ARG_U32,    /* u32 */
        IRM_ARG_U8,     /* u32, sent as one byte */
        IRM_ARG_QOS,    /* qos; left out when NULL */
        IRM_ARG_STRV,   /* n strings strv[0..n-1], each under tag */
        IRM_ARG_PUT,    /* put(m, ptr) writes the field(s) itself */
        IRM_ARG_OUT_U32 /* reply: the u32 under tag into *out, if there */
};

struct irm_arg {
        uint16_t          tag;
        enum irm_arg_kind kind;
        union {
                const char *       str;
                uint32_t           u32;
                const qosspec_t *  qos;
                uint32_t *         out;
                struct {
                        char * const * strv;
                        int            n;
                };
                struct {
                        int (*put)(struct msg * m, const void * ptr);
                        const void * ptr;
                };
        };
};

#define IRM_STR(t, v)     { .tag = (t), .kind = IRM_ARG_STR, .str = (v) }
#define IRM_U32(t, v)     { .tag = (t), .kind = IRM_ARG_U32, .u32 = (v) }
#define IRM_U8(t, v)      { .tag = (t), .kind = IRM_ARG_U8, .u32 = (v) }
#define IRM_QOS(t, v)     { .tag = (t), .kind = IRM_ARG_QOS, .qos = (v) }
#define IRM_STRV(t, v, c) { .tag = (t), .kind = IRM_ARG_STRV, \
                            .strv = (v), .n = (c) }
#define IRM_PUT(f, p)     { .kind = IRM_ARG_PUT, .put = (f), .ptr = (p) }
#define IRM_OUT_U32(t, p) { .tag = (t), .kind = IRM_ARG_OUT_U32, .out = (p) }

/* A request message on the heap (struct msg is 64 KiB). */
struct msg * irm__msg_new(uint16_t type);

/*
 * Send m to the IRMd and replace it with the reply. Returns the reply's
 * T_RESULT (0 or -errno) or a transport error: -EIRMD when no IRMd
 * answers, -ETIMEDOUT, -EBADMSG for a reply that does not match.
 */
int          irm__request(struct msg * m,
                          int          timeo_ms);

/*
 * The whole of one simple call: a request of type with the fields of
 * args[0..n-1] in order, sent with irm__request; on a 0 result the
 * IRM_ARG_OUT_U32 fields are filled in from the reply (a missing one
 * leaves its *out as it was). Returns what irm__request returns,
 * -ENOMEM, or the error of a field that does not fit (-EMSGSIZE).
 */
int          irm__call(uint16_t               type,
                       int                    timeo_ms,
                       const struct irm_arg * args,
                       size_t                 n);

#define IRM_CALL(type, timeo_ms, ...)                                   \
        irm__call(type, timeo_ms, (const struct irm_arg[]) { __VA_ARGS__ }, \
                  sizeof((const struct irm_arg[]) { __VA_ARGS__ }) /     \
                  sizeof(struct irm_arg))

/*
 * A list request (M_IPCP_LIST, M_NAME_LIST): its reply's T_ENTRY blocks,
 * each parsed by parse into an element of size bytes of a new array
 * *list (NULL when there are none; the caller frees it). Returns the
 * count or -errno, with *list NULL on failure.
 */
ssize_t      irm__list(uint16_t type,
                       size_t   size,
                       int   (* parse)(struct msg_view e, void * elem),
                       void **  list);

/* The same for a request m built by the caller (irm__msg_new), which
 * it consumes. */
ssize_t      irm__list_msg(struct msg * m,
                           size_t       size,
                           int       (* parse)(struct msg_view e,
                                                void *          elem),
                           void **      list);

/* 0 if s is a valid name of at most max bytes (common/name_check.h):
 * -EINVAL for NULL, empty or a character not allowed, -ENAMETOOLONG
 * when longer. */
int          irm__check_str(const char * s,
                            size_t       max);

#endif /* OUROBOROS_LIB_IRM_PRIV_H */
