/*
 * Ouroboros - fccntl(): timeouts, flags, QoS, queue lengths, largest
 * packet and FRCT flags of a flow. See fccntl(3) for the argument of
 * every command.
 */
#include "flow_crypt.h"
#include "flow_table.h"
#include "frct_flow.h"
#include "local_msg.h"

#include "common/api.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <stdarg.h>

#define FLOWF_KNOWN (FLOWFACCMODE | FLOWFDOWN | FLOWFNONBLOCK | \
                     FLOWFRNOPART | FLOWFWNOPART)
#define FRCTF_KNOWN (FRCTFRTX | FRCTFRESCNTL | FRCTFLINGER)

/*
 * As in the classic API, only a flow that asked for in-order delivery
 * has FRCT, and here also one that asked for loss 0 (which implies it,
 * see DESIGN.md); FRCTSFLAGS and FRCTGFLAGS on any other flow fail with
 * -EPERM (a NULL argument of FRCTGFLAGS is -EINVAL first).
 */
static bool has_frct(const struct ft_flow * f)
{
        return f->qs.in_order != 0 || f->qs.loss == 0;
}

/*
 * FRCTSFLAGS. Through an IPCP the state machine takes them (frct.h);
 * on a spliced flow the memory already keeps every promise, so RTX and
 * RESCNTL are only recorded, and LINGER makes flow_dealloc wait until
 * the peer read what was written (fccntl(3)). RTX needs loss 0.
 */
static int set_frct(struct ft_flow * f,
                    unsigned         v)
{
        int r;

        if (!has_frct(f))
                return -EPERM;
        if ((v & ~FRCTF_KNOWN) || ((v & FRCTFRTX) && f->qs.loss != 0))
                return -EINVAL;

        if (f->fr != NULL) {
                r = frf_set_flags(f, (uint16_t) v);
                if (r < 0)
                        return r;
        }
        atomic_store(&f->frct, (uint16_t) v);

        return 0;
}

static int set_timeo(_Atomic int64_t *       t,
                     const struct timespec * ts)
{
        if (ts == NULL) {
                atomic_store(t, FT_NO_TIMEO); /* block */
                return 0;
        }

        if (!ts_valid(ts))
                return -EINVAL;

        atomic_store(t, ts_to_ns(ts));

        return 0;
}

/* -EPERM when no timeout is set (the flow blocks): see fccntl(3). */
static int get_timeo(_Atomic int64_t * t,
                     struct timespec * ts)
{
        int64_t v = atomic_load(t);

        if (ts == NULL)
                return -EINVAL;

        if (v == FT_NO_TIMEO)
                return -EPERM;

        *ts = ns_to_ts(v);

        return 0;
}

/*
 * FLOWFDOWN in FLOWGFLAGS reports a flow that is down for any reason
 * (this side, the peer, or the layer). Programs commonly write back what
 * they read with another bit added, so FLOWFDOWN marks this side down
 * only when the flow is not down already, and clearing it brings up only
 * this side, if this side had been marked down through fccntl.
 */
static int set_flags(struct ft_flow * f,
                     uint32_t         flags)
{
        uint32_t own;

        if ((flags & FLOWFACCMODE) == FLOWFINVALID || (flags & ~FLOWF_KNOWN))
                return -EINVAL;

        own = atomic_load(&f->flags) & FLOWFDOWN;
        if ((flags & FLOWFDOWN) && !own) {
                if (flow_shm_is_down(f->shm))
                        flags &= ~FLOWFDOWN; /* not ours: just echoed */
                else
                        flow_shm_set_down(f->shm, true);
        } else if (!(flags & FLOWFDOWN) && own) {
                flow_shm_set_down(f->shm, false);
        }

        atomic_store(&f->flags, flags);

        return 0;
}

static int get_flags(struct ft_flow * f,
                     uint32_t *       flags)
{
        uint32_t v = atomic_load(&f->flags) & ~FLOWFDOWN;

        if (flags == NULL)
                return -EINVAL;

        if (flow_shm_is_down(f->shm))
                v |= FLOWFDOWN;

        *flags = v;

        return 0;
}

static int do_cmd(struct ft_flow * f,
                  int              cmd,
                  va_list          ap)
{
        void * p;

        switch (cmd) {
        case FLOWSRCVTIMEO:
                return set_timeo(&f->rcv_timeo, va_arg(ap, struct timespec *));
        case FLOWGRCVTIMEO:
                return get_timeo(&f->rcv_timeo, va_arg(ap, struct timespec *));
        case FLOWSSNDTIMEO:
                return set_timeo(&f->snd_timeo, va_arg(ap, struct timespec *));
        case FLOWGSNDTIMEO:
                return get_timeo(&f->snd_timeo, va_arg(ap, struct timespec *));
        case FLOWGQOSSPEC:
                p = va_arg(ap, qosspec_t *);
                if (p == NULL)
                        return -EINVAL;
                *(qosspec_t *) p = f->qs;
                return 0;
        case FLOWSFLAGS:
                /* uint32_t is promoted to (unsigned) int through "..." */
                return set_flags(f, va_arg(ap, uint32_t));
        case FLOWGFLAGS:
                return get_flags(f, va_arg(ap, uint32_t *));
        case FLOWGRXQLEN:
                p = va_arg(ap, size_t *);
                if (p == NULL)
                        return -EINVAL;
                *(size_t *) p = f->fr != NULL ? frf_rxqlen(f) :
                        flow_shm_rxqlen(f->shm) + lmsg_pending(f);
                return 0;
        case FLOWGTXQLEN:
                p = va_arg(ap, size_t *);
                if (p == NULL)
                        return -EINVAL;
                *(size_t *) p = flow_shm_txqlen(f->shm);
                return 0;
        case FLOWGMAXPKT: /* what one flow_write carries (dev.c) */
                p = va_arg(ap, size_t *);
                if (p == NULL)
                        return -EINVAL;
                *(size_t *) p = ft_max_write(f);
                return 0;
        case FLOWGCRYPTST: {
                struct crypt_stats cs;
                struct flow_crypt_stats * o = va_arg(ap, void *);
                if (o == NULL)
                        return -EINVAL;
                if (f->cf == NULL)
                        return -EPERM;
                fc_stats(f, &cs);
                o->tx_pkts   = cs.tx_pkts;
                o->rx_pkts   = cs.rx_pkts;
                o->rx_bad    = cs.rx_bad;
                o->rx_replay = cs.rx_replay;
                return 0;
        }
        case FRCTSFLAGS:
                /* uint16_t is promoted to int through "..." */
                return set_frct(f, (unsigned) va_arg(ap, int));
        case FRCTGFLAGS:
                p = va_arg(ap, uint16_t *);
                if (p == NULL)
                        return -EINVAL;
                if (!has_frct(f))
                        return -EPERM;
                *(uint16_t *) p = atomic_load(&f->frct);
                return 0;
        default:
                return -EOPNOTSUPP;
        }
}

OURO_API int fccntl(int fd,
                    int cmd,
                    ...)
{
        struct ft_flow * f;
        va_list          ap;
        int              err;
        int              r;

        f = ft_get(fd, &err);
        if (f == NULL)
                return err;

        va_start(ap, cmd);
        r = do_cmd(f, cmd, ap);
        va_end(ap);

        ft_put(f);

        return r;
}
