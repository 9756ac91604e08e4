/*
 * Ouroboros - the calls IPCP processes use beyond the public API:
 * adopting the flow memory the IRMd hands them, and in-place access.
 * See ipcp_dev.h.
 */
#include "ipcp_dev.h"

#include "common/api.h"
#include "common/flow_shm.h"
#include "flow_table.h"
#include "fqueue_priv.h"
#include "frct_flow.h"
#include "session.h"

#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <stdatomic.h>
#include <unistd.h>

OURO_API int ipcp_dev_init(void)
{
        return session_init();
}

OURO_API int ipcp_flow_adopt(uint32_t          flow_id,
                             int               memfd,
                             int               side,
                             int               ev_fd,
                             pid_t             peer_pid,
                             const qosspec_t * qs)
{
        int fd;
        int r;

        if (memfd < 0 || qs == NULL || (side != 0 && side != 1)) {
                r = -EINVAL;
                goto fail;
        }

        r = session_local_init();
        if (r < 0)
                goto fail;

        fd = ft_reserve();
        if (fd < 0) {
                r = fd;
                goto fail;
        }

        r = ft_publish(fd, flow_id, memfd, side, ev_fd, peer_pid, qs);
        if (r < 0) {
                ft_unreserve(fd);
                return r; /* ft_publish closed both */
        }

        ft_entry(fd)->adopted = true; /* nobody has fd yet */

        return fd;
 fail:
        if (memfd >= 0)
                close(memfd);
        if (ev_fd >= 0)
                close(ev_fd);
        return r;
}

OURO_API ssize_t ipcp_flow_peek(int           fd,
                                const void ** pkt)
{
        struct ft_flow * f;
        ssize_t          r;
        int              err;

        if (pkt == NULL)
                return -EINVAL;

        f = ft_get(fd, &err);
        if (f == NULL)
                return err;

        if (f->fr != NULL)
                r = frf_peek(f, pkt);
        else if (f->cf != NULL)
                r = -ENOTSUP; /* ciphertext: flow_read decrypts */
        else
                r = flow_shm_peek(f->shm, pkt, true, NULL);

        ft_put(f);

        return r;
}

OURO_API void ipcp_flow_consume(int fd)
{
        struct ft_flow * f;
        int              err;

        f = ft_get(fd, &err);
        if (f == NULL)
                return;

        if (f->fr != NULL)
                frf_consume(f);
        else
                flow_shm_consume(f->shm);
        /* Level-triggered set fds: the last packet read turns them off. */
        if (atomic_load(&fq_fd_sets) > 0 && flow_shm_rxqlen(f->shm) == 0 &&
            (f->fr == NULL || !frf_readable(f)))
                fq_drained(fd);

        ft_put(f);
}

OURO_API int ipcp_flow_reserve(int     fd,
                               size_t  len,
                               void ** buf)
{
        struct ft_flow * f;
        int              err;
        int              r;

        if (buf == NULL)
                return -EINVAL;

        f = ft_get(fd, &err);
        if (f == NULL)
                return err;

        if ((atomic_load(&f->flags) & FLOWFACCMODE) == FLOWFRDONLY)
                r = -EPERM;
        else if (f->fr != NULL)
                r = frf_reserve(f, len, buf);
        else if (f->cf != NULL)
                r = -ENOTSUP; /* flow_write encrypts */
        else
                r = flow_shm_reserve(f->shm, len, buf, true, NULL);

        ft_put(f);

        return r;
}

OURO_API int ipcp_flow_lost_add(int      fd,
                                uint64_t n)
{
        struct ft_flow * f;
        int              err;

        f = ft_get(fd, &err);
        if (f == NULL)
                return err;

        flow_shm_lost_add(f->shm, n);

        ft_put(f);

        return 0;
}

OURO_API int ipcp_flow_lost(int        fd,
                            uint64_t * n)
{
        struct ft_flow * f;
        int              err;

        if (n == NULL)
                return -EINVAL;

        f = ft_get(fd, &err);
        if (f == NULL)
                return err;

        *n = flow_shm_lost(f->shm);

        ft_put(f);

        return 0;
}

OURO_API uint64_t ipcp_dev_signals(void)
{
        return flow_shm_signals();
}

OURO_API uint64_t ipcp_dev_moved(void)
{
        return flow_shm_moved();
}

OURO_API void ipcp_dev_write_window(size_t bytes)
{
        flow_shm_win_flood(bytes);
}

OURO_API int ipcp_flow_commit(int    fd,
                              size_t len)
{
        struct ft_flow * f;
        int              err;
        int              r;

        f = ft_get(fd, &err);
        if (f == NULL)
                return err;

        if (f->fr != NULL)
                r = frf_commit(f, len);
        else
                r = flow_shm_commit(f->shm, len);

        ft_put(f);

        return r;
}
