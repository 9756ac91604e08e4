/*
 * Ouroboros - the awake marks of event sets: the IPCP loop's set
 * (ipcp_fset_*) and the spin of fevent.
 *
 * A set polled by its owner (ipcp_fset_fd, the IPCP loop: evwait.h,
 * ew_fd_self) saves three system calls per wake-up: the owner reads the
 * process eventfd itself whenever poll() finds it readable, before each
 * fevent (so fevent neither reads it again for fairness nor, with a zero
 * timeout, before giving up); and what the owner's own calls list
 * (its dispatch, fset_add) does not light the set's fd, which would
 * only be turned off again by the same thread. The owner calls
 * ipcp_fset_ready after its last call into the set and before every
 * sleep, and does not sleep while it is true: the ready list is what
 * the lit fd would have said. Lists made by other threads light the fd
 * as for any set, so the argument above holds unchanged for them.
 */
#include "evwait.h"
#include "flow_table.h"
#include "fqueue_priv.h"
#include "fset_priv.h"
#include "ipcp_dev.h"

#include "common/api.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <string.h>

/* Set lock held: turn the awake flag of marked slot k off (if its
 * flow is still there: else nothing signals anyway) and drop the slot.
 * Before a sleep, the caller then checks the member (awake_pending). */
void fs_awake_off(fset_t * set,
                  size_t   k)
{
        struct ft_flow * f;

        f = ft_get_gen(set->awake_fd[k], set->awake_gen[k]);
        if (f != NULL) {
                flow_shm_set_awake(f->shm, false);
                ft_put(f);
        }
        --set->awake_n;
        set->awake_fd[k]  = set->awake_fd[set->awake_n];
        set->awake_gen[k] = set->awake_gen[set->awake_n];
        if (set->awake_next >= set->awake_n)
                set->awake_next = 0;
}

/* Set lock held: every mark off. */
void fs_awake_all_off(fset_t * set)
{
        while (set->awake_n > 0)
                fs_awake_off(set, set->awake_n - 1);
}

/* Dispatcher and set lock held: list member fd if it has something
 * (the check after an awake flag turned off, or while it is on). */
void fs_awake_pending(fset_t * set,
                      int      fd)
{
        if (fd >= 0 && !set->inrdy[fd] && fs_still_pending(set, fd))
                fs_rdy_push(set, fd);
}

OURO_API int ipcp_fset_fd(fset_t * set,
                          int *    proc_efd)
{
        int r;

        if (proc_efd == NULL)
                return -EINVAL;

        r = fs_set_fd(set, true);
        if (r >= 0)
                *proc_efd = evwait_efd();

        return r;
}

OURO_API void ipcp_dev_poll(void)
{
        ew_lock();
        ew_poll_now();
        ew_unlock();
}

OURO_API bool ipcp_dev_poll_hot(void)
{
        bool r;

        ew_lock();
        r = ew_poll_hot();
        ew_unlock();

        return r;
}

OURO_API bool ipcp_fset_ready(fset_t * set)
{
        size_t k;
        bool   r;

        if (set == NULL)
                return false;

        ew_lock();
        if (set->awake_n > 0) { /* their writers may not signal */
                pthread_mutex_lock(&set->lock);
                for (k = 0; k < set->awake_n; ++k)
                        fs_awake_pending(set, set->awake_fd[k]);
                pthread_mutex_unlock(&set->lock);
        }
        r = set->nrdy > 0;
        ew_unlock();

        return r;
}

OURO_API void ipcp_fset_awake(fset_t * set)
{
        struct ft_flow * f;
        int              fd;
        size_t           i;
        size_t           k;

        if (set == NULL)
                return;

        ew_lock();
        if (!ew_is_owner(&set->w)) {
                ew_unlock();
                return;
        }
        fd = fq_token_fd(ew_hot());
        pthread_mutex_lock(&set->lock);
        i = fd >= 0 && fd < set->size ? set->pos[fd] : 0;
        if (i == 0)
                goto out; /* not ours */
        for (k = 0; k < set->awake_n; ++k)
                if (set->awake_fd[k] == fd &&
                    set->awake_gen[k] == set->m[i - 1].gen)
                        goto out; /* marked already */
        if (set->awake_n == AWAKE_MAX) { /* the oldest goes */
                int old = set->awake_fd[set->awake_next];
                k = set->awake_next;
                fs_awake_off(set, k);
                fs_awake_pending(set, old);
                set->awake_next = (k + 1) % AWAKE_MAX;
        }
        f = ft_get_gen(fd, set->m[i - 1].gen);
        if (f == NULL)
                goto out;
        /* Plain flows only: FRCT's timer watches its flows' signals. */
        if (f->fr == NULL && set->m[i - 1].armed &&
            flow_shm_set_awake(f->shm, true)) {
                k = set->awake_n++;
                set->awake_fd[k]  = fd;
                set->awake_gen[k] = set->m[i - 1].gen;
        }
        ft_put(f);
 out:
        pthread_mutex_unlock(&set->lock);
        ew_unlock();
}

OURO_API bool ipcp_fset_sleep(fset_t * set)
{
        int    fds[AWAKE_MAX];
        size_t n;
        size_t k;
        bool   r;

        if (set == NULL)
                return false;

        ew_lock();
        pthread_mutex_lock(&set->lock);
        n = set->awake_n;
        memcpy(fds, set->awake_fd, n * sizeof(*fds));
        fs_awake_all_off(set);         /* A1 (flow_shm.c) */
        for (k = 0; k < n; ++k)
                fs_awake_pending(set, fds[k]); /* A2 */
        pthread_mutex_unlock(&set->lock);
        r = set->nrdy > 0;
        ew_unlock();

        return r;
}
