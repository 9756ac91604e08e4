/*
 * Ouroboros - the wire codec for IRMd messages.
 *
 * A message is one SOCK_SEQPACKET datagram:
 *
 *   u16 type | u16 flags | u32 id | TLV*       (all little-endian)
 *   TLV = u16 tag | u16 len | len bytes of value
 *
 * plus up to MSG_MAX_FDS file descriptors as SCM_RIGHTS. Builders append
 * fields; a received message is validated once by msg_recv (every TLV
 * within bounds) and fields are then looked up by tag. Integer fields
 * have exact sizes; a wrong size is -EBADMSG. Nested TLV blocks (T_CONF,
 * T_ENTRY) are read with msg_sub.
 *
 * Ownership: fds added with msg_put_fd are borrowed (msg_send does not
 * close them). Received fds belong to the message until taken with
 * msg_take_fd; msg_fini closes those not taken.
 */
#ifndef OUROBOROS_COMMON_MSG_H
#define OUROBOROS_COMMON_MSG_H

#include <ouroboros/qos.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MSG_MAX      65536 /* bytes in one message */
#define MSG_HDR_LEN  8
#define MSG_MAX_FDS  4
#define MSG_QOS_LEN  34    /* encoded qosspec_t */

struct msg {
        uint16_t type;
        uint16_t flags;
        uint32_t id;
        size_t   len;            /* bytes used in buf, header included */
        int      fds[MSG_MAX_FDS];
        size_t   n_fds;
        uint8_t  buf[MSG_MAX];
};

/* A view on a block of TLVs: a whole message body or a nested block. */
struct msg_view {
        const uint8_t * p;
        size_t          len;
};

/* A walk over the fields of a view, for repeated tags (T_ARG, T_ENTRY):
 * one pass over the block whatever the number of fields. */
struct msg_iter {
        struct msg_view v;
        size_t          off;
};

/* Building. All put calls return 0 or -EMSGSIZE when full. */
void    msg_init(struct msg * m,
                 uint16_t     type,
                 uint16_t     flags,
                 uint32_t     id);

/* Start a reply to req: same type and id, MSG_F_REPLY, T_RESULT = res. */
void    msg_init_reply(struct msg *       m,
                       const struct msg * req,
                       int                res);

int     msg_put_u8(struct msg * m, uint16_t tag, uint8_t v);
int     msg_put_u32(struct msg * m, uint16_t tag, uint32_t v);
int     msg_put_i32(struct msg * m, uint16_t tag, int32_t v);
int     msg_put_u64(struct msg * m, uint16_t tag, uint64_t v);
int     msg_put_str(struct msg * m, uint16_t tag, const char * s);
int     msg_put_bytes(struct msg * m, uint16_t tag, const void * p, size_t n);
int     msg_put_qos(struct msg * m, uint16_t tag, const qosspec_t * qs);
int     msg_put_fd(struct msg * m, int fd);

/* Nested blocks: open returns an offset to pass to close. */
int     msg_open_sub(struct msg * m, uint16_t tag);
void    msg_close_sub(struct msg * m, int off);

/* Close received fds that were not taken. Safe on any initialised msg. */
void    msg_fini(struct msg * m);

/* Take ownership of received fd number i (-EBADMSG if absent). */
int     msg_take_fd(struct msg * m, size_t i);

/*
 * Sending and receiving. msg_recv waits up to timeo_ms (-1 forever),
 * returns 0, -ETIMEDOUT, -EPIPE on EOF, -EBADMSG for a truncated or
 * malformed message (its fds are closed).
 */
int     msg_send(int sock, const struct msg * m);
int     msg_recv(int sock, struct msg * m, int timeo_ms);

/* Parse a datagram already in m->buf[0..m->len) (used by msg_recv and
 * by fuzzers): -EBADMSG if malformed. */
int     msg_parse(struct msg * m);

/* Reading fields of a message body or a nested view. */
struct msg_view msg_body(const struct msg * m);

bool    msg_has(struct msg_view v, uint16_t tag);
int     msg_get_u8(struct msg_view v, uint16_t tag, uint8_t * out);
int     msg_get_u32(struct msg_view v, uint16_t tag, uint32_t * out);
int     msg_get_i32(struct msg_view v, uint16_t tag, int32_t * out);
int     msg_get_u64(struct msg_view v, uint16_t tag, uint64_t * out);
/* Copies a string of at most max bytes plus NUL into out (size max+1):
 * -ENOENT absent, -ENAMETOOLONG too long, -EBADMSG embedded NUL. */
int     msg_get_str(struct msg_view v, uint16_t tag, char * out, size_t max);
int     msg_get_bytes(struct msg_view v, uint16_t tag,
                      const void ** p, size_t * n);
int     msg_get_qos(struct msg_view v, uint16_t tag, qosspec_t * qs);
/* The nested block of the idx'th occurrence of tag. Each call walks
 * from the start: to visit every occurrence use msg_iter_sub. */
int     msg_sub(struct msg_view v, uint16_t tag, size_t idx,
                struct msg_view * out);
/* Number of occurrences of tag (one pass). */
size_t  msg_count(struct msg_view v, uint16_t tag);
/* The idx'th occurrence of tag as raw bytes (walks from the start). */
int     msg_get_nth(struct msg_view v, uint16_t tag, size_t idx,
                    const void ** p, size_t * n);

/* Iteration: the next occurrence of tag after the previous one, as raw
 * bytes (msg_iter_next) or as a checked nested block (msg_iter_sub):
 * 0, -ENOENT at the end, -EBADMSG malformed. */
void    msg_iter_init(struct msg_iter * it, struct msg_view v);
/* The next field whatever its tag. */
int     msg_iter_field(struct msg_iter * it, uint16_t * tag,
                       const void ** p, size_t * n);
int     msg_iter_next(struct msg_iter * it, uint16_t tag,
                      const void ** p, size_t * n);
int     msg_iter_sub(struct msg_iter * it, uint16_t tag,
                     struct msg_view * out);

/* Result of a reply: T_RESULT, or -EBADMSG if missing. */
int     msg_result(const struct msg * m);

#endif /* OUROBOROS_COMMON_MSG_H */
