/*
 * Ouroboros - the wire codec for IRMd messages (see msg.h).
 *
 * Encoding is explicit little-endian byte by byte, so it is independent
 * of host layout. msg_parse walks every TLV once and rejects any length
 * that runs past the datagram; after that, lookups trust the bounds.
 */
#include "msg.h"
#include "proto.h"

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TLV_HDR 4

static void put16(uint8_t * p, uint16_t v)
{
        p[0] = v & 0xff;
        p[1] = v >> 8;
}

static uint16_t get16(const uint8_t * p)
{
        return (uint16_t) (p[0] | (p[1] << 8));
}

static void put32(uint8_t * p, uint32_t v)
{
        put16(p, v & 0xffff);
        put16(p + 2, v >> 16);
}

static uint32_t get32(const uint8_t * p)
{
        return (uint32_t) get16(p) | ((uint32_t) get16(p + 2) << 16);
}

static void put64(uint8_t * p, uint64_t v)
{
        put32(p, v & 0xffffffff);
        put32(p + 4, v >> 32);
}

static uint64_t get64(const uint8_t * p)
{
        return (uint64_t) get32(p) | ((uint64_t) get32(p + 4) << 32);
}

void msg_init(struct msg * m,
              uint16_t     type,
              uint16_t     flags,
              uint32_t     id)
{
        m->type  = type;
        m->flags = flags;
        m->id    = id;
        m->n_fds = 0;
        put16(m->buf, type);
        put16(m->buf + 2, flags);
        put32(m->buf + 4, id);
        m->len = MSG_HDR_LEN;
}

void msg_init_reply(struct msg *       m,
                    const struct msg * req,
                    int                res)
{
        msg_init(m, req->type, req->flags | MSG_F_REPLY, req->id);
        msg_put_i32(m, T_RESULT, res);
}

int msg_put_bytes(struct msg * m,
                  uint16_t     tag,
                  const void * p,
                  size_t       n)
{
        if (n > UINT16_MAX || m->len + TLV_HDR + n > MSG_MAX)
                return -EMSGSIZE;

        put16(m->buf + m->len, tag);
        put16(m->buf + m->len + 2, (uint16_t) n);
        if (n > 0)
                memcpy(m->buf + m->len + TLV_HDR, p, n);
        m->len += TLV_HDR + n;

        return 0;
}

int msg_put_u8(struct msg * m,
               uint16_t     tag,
               uint8_t      v)
{
        return msg_put_bytes(m, tag, &v, 1);
}

int msg_put_u32(struct msg * m,
                uint16_t     tag,
                uint32_t     v)
{
        uint8_t b[4];

        put32(b, v);
        return msg_put_bytes(m, tag, b, sizeof(b));
}

int msg_put_i32(struct msg * m,
                uint16_t     tag,
                int32_t      v)
{
        return msg_put_u32(m, tag, (uint32_t) v);
}

int msg_put_u64(struct msg * m,
                uint16_t     tag,
                uint64_t     v)
{
        uint8_t b[8];

        put64(b, v);
        return msg_put_bytes(m, tag, b, sizeof(b));
}

int msg_put_str(struct msg * m,
                uint16_t     tag,
                const char * s)
{
        return msg_put_bytes(m, tag, s, strlen(s));
}

int msg_put_qos(struct msg *      m,
                uint16_t          tag,
                const qosspec_t * qs)
{
        uint8_t b[MSG_QOS_LEN];

        put32(b, qs->delay);
        put64(b + 4, qs->bandwidth);
        b[12] = qs->availability;
        put32(b + 13, qs->loss);
        put32(b + 17, qs->ber);
        b[21] = qs->in_order;
        put32(b + 22, qs->max_gap);
        put16(b + 26, qs->cypher_s);
        put32(b + 28, qs->timeout);
        put16(b + 32, 0); /* reserved */

        return msg_put_bytes(m, tag, b, sizeof(b));
}

int msg_put_fd(struct msg * m,
               int          fd)
{
        if (fd < 0)
                return -EBADF;
        if (m->n_fds >= MSG_MAX_FDS)
                return -EMSGSIZE;

        m->fds[m->n_fds++] = fd;

        return 0;
}

int msg_open_sub(struct msg * m,
                 uint16_t     tag)
{
        int off = (int) m->len;

        if (m->len + TLV_HDR > MSG_MAX)
                return -EMSGSIZE;

        put16(m->buf + m->len, tag);
        put16(m->buf + m->len + 2, 0);
        m->len += TLV_HDR;

        return off;
}

void msg_close_sub(struct msg * m,
                   int          off)
{
        size_t n = m->len - (size_t) off - TLV_HDR;

        if (n > UINT16_MAX) { /* too big to nest: drop the block */
                m->len = (size_t) off;
                return;
        }

        put16(m->buf + off + 2, (uint16_t) n);
}

void msg_fini(struct msg * m)
{
        size_t i;

        for (i = 0; i < m->n_fds; ++i)
                if (m->fds[i] >= 0)
                        close(m->fds[i]);
        m->n_fds = 0;
}

int msg_take_fd(struct msg * m,
                size_t       i)
{
        int fd;

        if (i >= m->n_fds || m->fds[i] < 0)
                return -EBADMSG;

        fd = m->fds[i];
        m->fds[i] = -1;

        return fd;
}

static int tlv_walk(const uint8_t * p,
                    size_t          len)
{
        size_t off = 0;

        while (off < len) {
                size_t n;
                if (len - off < TLV_HDR)
                        return -EBADMSG;
                n = get16(p + off + 2);
                if (len - off - TLV_HDR < n)
                        return -EBADMSG;
                off += TLV_HDR + n;
        }

        return 0;
}

int msg_parse(struct msg * m)
{
        if (m->len < MSG_HDR_LEN || m->len > MSG_MAX)
                return -EBADMSG;

        m->type  = get16(m->buf);
        m->flags = get16(m->buf + 2);
        m->id    = get32(m->buf + 4);

        return tlv_walk(m->buf + MSG_HDR_LEN, m->len - MSG_HDR_LEN);
}

int msg_send(int                sock,
             const struct msg * m)
{
        struct iovec    iov = { (void *) m->buf, m->len };
        struct msghdr   mh;
        union {
                char           buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
                struct cmsghdr align;
        } ctl;
        ssize_t         n;

        memset(&mh, 0, sizeof(mh));
        mh.msg_iov    = &iov;
        mh.msg_iovlen = 1;

        if (m->n_fds > 0) {
                struct cmsghdr * c;
                memset(&ctl, 0, sizeof(ctl));
                mh.msg_control    = ctl.buf;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * m->n_fds);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type  = SCM_RIGHTS;
                c->cmsg_len   = CMSG_LEN(sizeof(int) * m->n_fds);
                memcpy(CMSG_DATA(c), m->fds, sizeof(int) * m->n_fds);
        }

        do
                n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);

        if (n < 0)
                return errno == ECONNREFUSED ? -EPIPE : -errno;
        if ((size_t) n != m->len)
                return -EIO;

        return 0;
}

static void recv_fds(struct msg *    m,
                     struct msghdr * mh)
{
        struct cmsghdr * c;

        m->n_fds = 0;
        for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
                size_t n;
                size_t i;
                int    fds[MSG_MAX_FDS * 2];
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                if (n > MSG_MAX_FDS * 2)
                        n = MSG_MAX_FDS * 2;
                memcpy(fds, CMSG_DATA(c), n * sizeof(int));
                for (i = 0; i < n; ++i) {
                        if (m->n_fds < MSG_MAX_FDS)
                                m->fds[m->n_fds++] = fds[i];
                        else
                                close(fds[i]);
                }
        }
}

int msg_recv(int          sock,
             struct msg * m,
             int          timeo_ms)
{
        struct iovec  iov = { m->buf, MSG_MAX };
        struct msghdr mh;
        union {
                char           buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS * 2)];
                struct cmsghdr align;
        } ctl;
        ssize_t       n;

        m->n_fds = 0;
        m->len   = 0;

        if (timeo_ms >= 0) {
                struct pollfd pfd = { .fd = sock, .events = POLLIN };
                int           r;
                do
                        r = poll(&pfd, 1, timeo_ms);
                while (r < 0 && errno == EINTR);
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return -ETIMEDOUT;
        }

        memset(&mh, 0, sizeof(mh));
        mh.msg_iov        = &iov;
        mh.msg_iovlen     = 1;
        mh.msg_control    = ctl.buf;
        mh.msg_controllen = sizeof(ctl.buf);

        do
                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);

        if (n < 0)
                return errno == ECONNRESET ? -EPIPE : -errno;
        if (n == 0)
                return -EPIPE;

        recv_fds(m, &mh);
        m->len = (size_t) n;

        if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || msg_parse(m) < 0) {
                msg_fini(m);
                return -EBADMSG;
        }

        return 0;
}

struct msg_view msg_body(const struct msg * m)
{
        struct msg_view v = { m->buf + MSG_HDR_LEN, m->len - MSG_HDR_LEN };

        return v;
}

void msg_iter_init(struct msg_iter * it,
                   struct msg_view   v)
{
        it->v   = v;
        it->off = 0;
}

int msg_iter_field(struct msg_iter * it,
                   uint16_t *        tag,
                   const void **     p,
                   size_t *          n)
{
        const struct msg_view * v   = &it->v;
        size_t                  off = it->off;
        size_t                  len;

        if (off + TLV_HDR > v->len)
                return -ENOENT;

        len = get16(v->p + off + 2);
        if (off + TLV_HDR + len > v->len)
                return -EBADMSG;

        *tag    = get16(v->p + off);
        *p      = v->p + off + TLV_HDR;
        *n      = len;
        it->off = off + TLV_HDR + len;

        return 0;
}

int msg_iter_next(struct msg_iter * it,
                  uint16_t          tag,
                  const void **     p,
                  size_t *          n)
{
        uint16_t t;
        int      r;

        while ((r = msg_iter_field(it, &t, p, n)) == 0)
                if (t == tag)
                        return 0;

        return r;
}

/* The field at p (n bytes) as a nested block, checked. */
static int as_sub(const void *      p,
                  size_t            n,
                  struct msg_view * out)
{
        if (tlv_walk(p, n) < 0)
                return -EBADMSG;

        out->p   = p;
        out->len = n;

        return 0;
}

int msg_iter_sub(struct msg_iter * it,
                 uint16_t          tag,
                 struct msg_view * out)
{
        const void * p;
        size_t       n;
        int          r;

        r = msg_iter_next(it, tag, &p, &n);

        return r < 0 ? r : as_sub(p, n, out);
}

int msg_get_nth(struct msg_view v,
                uint16_t        tag,
                size_t          idx,
                const void **   p,
                size_t *        n)
{
        struct msg_iter it;
        int             r;

        msg_iter_init(&it, v);
        do
                r = msg_iter_next(&it, tag, p, n);
        while (r == 0 && idx-- > 0);

        return r;
}

size_t msg_count(struct msg_view v,
                 uint16_t        tag)
{
        struct msg_iter it;
        const void *    p;
        size_t          n;
        size_t          i = 0;

        msg_iter_init(&it, v);
        while (msg_iter_next(&it, tag, &p, &n) == 0)
                ++i;

        return i;
}

bool msg_has(struct msg_view v,
             uint16_t        tag)
{
        const void * p;
        size_t       n;

        return msg_get_nth(v, tag, 0, &p, &n) == 0;
}

int msg_get_bytes(struct msg_view v,
                  uint16_t        tag,
                  const void **   p,
                  size_t *        n)
{
        return msg_get_nth(v, tag, 0, p, n);
}

static int get_exact(struct msg_view  v,
                     uint16_t         tag,
                     size_t           want,
                     const uint8_t ** p)
{
        const void * q;
        size_t       n;
        int          r;

        r = msg_get_nth(v, tag, 0, &q, &n);
        if (r < 0)
                return r;
        if (n != want)
                return -EBADMSG;

        *p = q;

        return 0;
}

int msg_get_u8(struct msg_view v,
               uint16_t        tag,
               uint8_t *       out)
{
        const uint8_t * p;
        int             r = get_exact(v, tag, 1, &p);

        if (r == 0)
                *out = p[0];
        return r;
}

int msg_get_u32(struct msg_view v,
                uint16_t        tag,
                uint32_t *      out)
{
        const uint8_t * p;
        int             r = get_exact(v, tag, 4, &p);

        if (r == 0)
                *out = get32(p);
        return r;
}

int msg_get_i32(struct msg_view v,
                uint16_t        tag,
                int32_t *       out)
{
        uint32_t u;
        int      r = msg_get_u32(v, tag, &u);

        if (r == 0)
                *out = (int32_t) u;
        return r;
}

int msg_get_u64(struct msg_view v,
                uint16_t        tag,
                uint64_t *      out)
{
        const uint8_t * p;
        int             r = get_exact(v, tag, 8, &p);

        if (r == 0)
                *out = get64(p);
        return r;
}

int msg_get_str(struct msg_view v,
                uint16_t        tag,
                char *          out,
                size_t          max)
{
        const void * p;
        size_t       n;
        int          r;

        r = msg_get_nth(v, tag, 0, &p, &n);
        if (r < 0)
                return r;
        if (n > max)
                return -ENAMETOOLONG;
        if (memchr(p, '\0', n) != NULL)
                return -EBADMSG;

        memcpy(out, p, n);
        out[n] = '\0';

        return (int) n;
}

int msg_get_qos(struct msg_view v,
                uint16_t        tag,
                qosspec_t *     qs)
{
        const uint8_t * b;
        int             r = get_exact(v, tag, MSG_QOS_LEN, &b);

        if (r < 0)
                return r;

        qs->delay        = get32(b);
        qs->bandwidth    = get64(b + 4);
        qs->availability = b[12];
        qs->loss         = get32(b + 13);
        qs->ber          = get32(b + 17);
        qs->in_order     = b[21];
        qs->max_gap      = get32(b + 22);
        qs->cypher_s     = get16(b + 26);
        qs->timeout      = get32(b + 28);

        return 0;
}

int msg_sub(struct msg_view   v,
            uint16_t          tag,
            size_t            idx,
            struct msg_view * out)
{
        const void * p;
        size_t       n;
        int          r;

        r = msg_get_nth(v, tag, idx, &p, &n);

        return r < 0 ? r : as_sub(p, n, out);
}

int msg_result(const struct msg * m)
{
        int32_t res = 0;

        if (msg_get_i32(msg_body(m), T_RESULT, &res) < 0)
                return -EBADMSG;

        return res;
}
