/*
 * Ouroboros - the process-local flow table: descriptors, references and
 * the shared peer eventfds. See flow_table.h for the locking argument.
 */
#include "flow_table.h"
#include "common/env_num.h"
#include "frct_flow.h"
#include "local_msg.h"

#include "common/futex.h"

#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef KCMP_FILE
#define KCMP_FILE 0
#endif

struct ft_peer {
        struct ft_peer * next;
        pid_t            pid;
        int              fd;
        size_t           refs;  /* flows using fd */
};

/* Entries come in chunks, made when first needed and kept until exit,
 * so a descriptor never used costs one pointer per FT_CHUNK of them and
 * an entry never moves (lookups take no lock). */
#define FT_CHUNK      256
#define FT_MAX_CHUNKS ((FT_MAX_FLOWS_MAX + FT_CHUNK - 1) / FT_CHUNK)

static struct {
        pthread_mutex_t  lock;  /* slot bookkeeping and peers */
        struct ft_flow * _Atomic chunks[FT_MAX_CHUNKS];
        _Atomic int      n;     /* 0 until initialised */
        int              lowest; /* no free slot below this */
        struct ft_peer * peers;
} ft = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int max_flows(void)
{
        static int warned;

        return (int) env_num(FT_MAX_FLOWS_ENV, 1, FT_MAX_FLOWS_MAX,
                             FT_MAX_FLOWS_DEF, &warned);
}

/* The entry of fd (in range) if its chunk exists, else NULL. */
static struct ft_flow * entry(int fd)
{
        struct ft_flow * c = atomic_load(&ft.chunks[fd / FT_CHUNK]);

        return c != NULL ? &c[fd % FT_CHUNK] : NULL;
}

static void flow_init_entry(struct ft_flow * f)
{
        pthread_mutex_init(&f->rd_lock, NULL);
        pthread_mutex_init(&f->wr_lock, NULL);
        atomic_store(&f->refs, 0);
        atomic_store(&f->state, FT_FREE);
        f->shm  = NULL;
        f->peer = NULL;
        f->part = 0;
        f->cf   = NULL;
        f->ovh  = 0;
        f->rx_buf = NULL;
        f->kind   = FT_SPLICED;
        f->fr     = NULL;
        f->lm     = NULL;
        f->rx_len = 0;
        atomic_store(&f->rx_drops, 0);
}

/* Wipe and free the crypto state of an entry (keys, and the plaintext
 * that may linger in the receive scratch buffer). */
static void crypt_clear(struct ft_flow * f)
{
        crypt_flow_free(f->cf);
        if (f->rx_buf != NULL) {
                explicit_bzero(f->rx_buf, f->rx_len);
                free(f->rx_buf);
        }
        f->cf     = NULL;
        f->ovh    = 0;
        f->rx_buf = NULL;
        f->rx_len = 0;
}

void ft_set_crypt(int                 fd,
                  struct crypt_flow * cf)
{
        struct ft_flow * f = entry(fd);

        f->cf  = cf;
        f->ovh = CRYPT_OVERHEAD;
        atomic_store(&f->rx_drops, 0);
}

int ft_init(void)
{
        if (atomic_load(&ft.n) > 0)
                return 0;

        pthread_mutex_lock(&ft.lock);
        if (atomic_load(&ft.n) == 0) {
                ft.lowest = 0;
                atomic_store(&ft.n, max_flows());
        }
        pthread_mutex_unlock(&ft.lock);

        return 0;
}

/* Called with ft.lock held: the chunk holding fd, made if needed. */
static struct ft_flow * chunk_make(int fd)
{
        struct ft_flow * c = atomic_load(&ft.chunks[fd / FT_CHUNK]);
        int              i;

        if (c != NULL)
                return c;

        c = calloc(FT_CHUNK, sizeof(*c));
        if (c == NULL)
                return NULL;
        for (i = 0; i < FT_CHUNK; ++i)
                flow_init_entry(&c[i]);
        atomic_store(&ft.chunks[fd / FT_CHUNK], c); /* publishes it */

        return c;
}

int ft_size(void)
{
        return atomic_load(&ft.n);
}

struct ft_flow * ft_entry(int fd)
{
        if (fd < 0 || fd >= atomic_load(&ft.n))
                return NULL;

        return entry(fd);
}

int ft_reserve(void)
{
        int n = atomic_load(&ft.n);
        int i;

        pthread_mutex_lock(&ft.lock);
        for (i = ft.lowest; i < n; ++i) {
                struct ft_flow * c = chunk_make(i);
                if (c == NULL) {
                        pthread_mutex_unlock(&ft.lock);
                        return -ENOMEM;
                }
                if (atomic_load(&c[i % FT_CHUNK].state) == FT_FREE) {
                        atomic_store(&c[i % FT_CHUNK].state, FT_RESERVED);
                        ft.lowest = i + 1;
                        pthread_mutex_unlock(&ft.lock);
                        return i;
                }
        }
        pthread_mutex_unlock(&ft.lock);

        return -ENFILE;
}

static void slot_free(int fd)
{
        pthread_mutex_lock(&ft.lock);
        atomic_store(&entry(fd)->state, FT_FREE);
        if (fd < ft.lowest)
                ft.lowest = fd;
        pthread_mutex_unlock(&ft.lock);
}

void ft_set_kind(int          fd,
                 enum ft_kind kind)
{
        entry(fd)->kind = (uint8_t) kind;
}

void ft_unreserve(int fd)
{
        entry(fd)->kind = FT_SPLICED;
        crypt_clear(entry(fd));
        slot_free(fd);
}

/* Same open file? kcmp when the kernel has it, else trust the pid. */
static bool same_file(int a,
                      int b)
{
        long r = syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, a, b);

        if (r < 0)
                return true;

        return r == 0;
}

/* Called with ft.lock held. Takes ownership of fd. */
static struct ft_peer * peer_get(pid_t pid,
                                 int   fd)
{
        struct ft_peer * p;

        if (fd < 0)
                return NULL;

        for (p = ft.peers; p != NULL; p = p->next) {
                if (p->pid != pid)
                        continue;
                if (!same_file(p->fd, fd))
                        break; /* pid reused: a new process */
                close(fd);
                ++p->refs;
                return p;
        }

        p = malloc(sizeof(*p));
        if (p == NULL)
                return NULL;

        p->pid   = pid;
        p->fd    = fd;
        p->refs  = 1;
        p->next  = ft.peers; /* newest first: found before stale ones */
        ft.peers = p;

        return p;
}

/* Called with ft.lock held. */
static void peer_put(struct ft_peer * p)
{
        struct ft_peer ** pp;

        if (p == NULL || --p->refs > 0)
                return;

        for (pp = &ft.peers; *pp != NULL; pp = &(*pp)->next) {
                if (*pp == p) {
                        *pp = p->next;
                        break;
                }
        }

        close(p->fd);
        free(p);
}

int ft_publish(int               fd,
               uint32_t          flow_id,
               int               memfd,
               int               side,
               int               ev_fd,
               pid_t             peer_pid,
               const qosspec_t * qs)
{
        struct ft_flow *  f = entry(fd);
        struct ft_peer *  peer;
        struct flow_shm * shm;
        int               r;

        pthread_mutex_lock(&ft.lock);
        peer = peer_get(peer_pid, ev_fd);
        pthread_mutex_unlock(&ft.lock);
        if (peer == NULL && ev_fd >= 0) {
                close(ev_fd);
                close(memfd);
                return -ENOMEM;
        }

        r = flow_shm_map(memfd, side, peer != NULL ? peer->fd : -1, &shm);
        close(memfd);
        if (r < 0) {
                pthread_mutex_lock(&ft.lock);
                peer_put(peer);
                pthread_mutex_unlock(&ft.lock);
                return r;
        }
        /* A spliced peer's writer keeps to it (local_msg.c). */
        flow_shm_set_max_msg(shm, (uint32_t) frf_max_msg());

        f->flow_id  = flow_id;
        f->shm      = shm;
        f->qs       = *qs;
        f->peer_pid = peer_pid;
        f->peer     = peer;
        f->part     = 0;
        f->adopted  = false;
        atomic_store(&f->flags, FLOWFDEFAULT);
        /* The FRCT flags in force at the start (fccntl(3)): a reliable
         * flow retransmits, feeds its window back and lingers; an
         * in-order one lingers. */
        atomic_store(&f->frct, qs->loss == 0 ?
                     FRCTFRTX | FRCTFRESCNTL | FRCTFLINGER :
                     qs->in_order != 0 ? FRCTFLINGER : 0);
        atomic_store(&f->rcv_timeo, FT_NO_TIMEO);
        atomic_store(&f->snd_timeo, FT_NO_TIMEO);
        atomic_fetch_add(&f->gen, 1);
        atomic_store(&f->state, FT_ALLOC);

        return 0;
}

/* Error for a descriptor outside the table: before the table exists,
 * the range it will have decides between -EBADF and -ENOTALLOC. */
static int range_err(int fd)
{
        if (atomic_load(&ft.n) == 0 && fd >= 0 && fd < max_flows())
                return -ENOTALLOC;

        return -EBADF;
}

struct ft_flow * ft_get(int   fd,
                        int * err)
{
        struct ft_flow * f;

        if (fd < 0 || fd >= atomic_load(&ft.n)) {
                *err = range_err(fd);
                return NULL;
        }

        f = entry(fd);
        if (f == NULL) { /* never used */
                *err = -ENOTALLOC;
                return NULL;
        }
        atomic_fetch_add(&f->refs, 1);
        if (atomic_load(&f->state) != FT_ALLOC) {
                ft_put(f);
                *err = -ENOTALLOC;
                return NULL;
        }

        return f;
}

struct ft_flow * ft_get_gen(int      fd,
                            uint32_t gen)
{
        struct ft_flow * f;
        int              err;

        f = ft_get(fd, &err);
        if (f == NULL)
                return NULL;

        if (atomic_load(&f->gen) != gen) {
                ft_put(f);
                return NULL;
        }

        return f;
}

void ft_put(struct ft_flow * f)
{
        if (atomic_fetch_sub(&f->refs, 1) == 1 &&
            atomic_load(&f->state) == FT_CLOSING)
                futex_wake_all(&f->refs);
}

int ft_close_begin(int        fd,
                   uint32_t * flow_id)
{
        struct ft_flow * f;
        int              expect = FT_ALLOC;

        if (fd < 0 || fd >= atomic_load(&ft.n))
                return range_err(fd);

        f = entry(fd);
        if (f == NULL ||
            !atomic_compare_exchange_strong(&f->state, &expect, FT_CLOSING))
                return -ENOTALLOC;

        *flow_id = f->flow_id;

        return 0;
}

void ft_close_end(int fd)
{
        struct ft_flow *  f = entry(fd);
        struct flow_shm * shm;
        uint32_t          r;

        while ((r = atomic_load(&f->refs)) != 0)
                futex_wait_until(&f->refs, r, NULL);

        frf_destroy(f->fr); /* leaves the timer first */
        f->fr = NULL;
        lmsg_free(f->lm);
        f->lm = NULL;
        shm    = f->shm;
        f->shm = NULL; /* first: a fork now leaves the child nothing */
        flow_shm_unmap(shm);
        crypt_clear(f);
        f->kind = FT_SPLICED;

        pthread_mutex_lock(&ft.lock);
        peer_put(f->peer);
        f->peer = NULL;
        pthread_mutex_unlock(&ft.lock);

        slot_free(fd);
}

void ft_reset_child(void)
{
        struct ft_peer * p;
        struct ft_peer * next;
        int              n = atomic_load(&ft.n);
        int              i;

        pthread_mutex_init(&ft.lock, NULL);

        /* Unmapping only drops this process's view: the flow memory the
         * parent still uses is untouched. The descriptors are forgotten. */
        for (i = 0; i < n; ++i) {
                struct ft_flow * f = entry(i);
                if (f == NULL) {
                        i += FT_CHUNK - 1; /* a whole chunk never used */
                        continue;
                }
                int              st = atomic_load(&f->state);
                if ((st == FT_ALLOC || st == FT_CLOSING) && f->shm != NULL)
                        flow_shm_unmap(f->shm);
                if (st != FT_FREE) {
                        crypt_clear(f); /* the child's copy of the keys */
                        frf_forget(f->fr);
                        lmsg_free(f->lm);
                }
                flow_init_entry(f);
        }

        for (p = ft.peers; p != NULL; p = next) {
                next = p->next;
                close(p->fd);
                free(p);
        }
        flow_shm_cache_drop(); /* the parent's closed flows */

        ft.peers  = NULL;
        ft.lowest = 0;
}
