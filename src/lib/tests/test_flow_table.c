/*
 * Ouroboros - unit tests of the library's flow table: descriptor range
 * and lowest-first reuse, reference counting against a concurrent
 * dealloc (a reader blocked in the flow memory is woken and the closer
 * waits for it), and one kept eventfd per peer process.
 */
#include "flow_table.h"

#include "common/flow_shm.h"
#include "common/timeutil.h"

#include "../../../tests/check.h"

#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* The event sets linked in (FRCT kicks them) want a session: this
 * test has none and makes no set. */
int session_local_init(void);
int session_local_init(void)
{
        return ft_init();
}

static bool fd_open(int fd)
{
        return fcntl(fd, F_GETFD) >= 0;
}

/* A new flow in fd, mapped as side, with the peer eventfd evfd. */
static void make_flow(int   fd,
                      int   side,
                      int   evfd,
                      pid_t peer)
{
        struct flow_shm_conf conf;
        int                  memfd;

        flow_shm_conf_default(&conf);
        conf.ring_size = FLOW_SHM_RING_MIN;
        conf.max_pkt   = FLOW_SHM_RING_MIN / 4;
        conf.max_pkts  = 64;
        memfd = flow_shm_create(&conf);
        CHECK(memfd >= 0);
        CHECK_EQ(ft_publish(fd, (uint32_t) (100 + fd), memfd, side, evfd,
                            peer, &qos_data), 0);
}

static void test_range(int size)
{
        struct ft_flow * f;
        int              err;

        CHECK_EQ(ft_size(), size);

        f = ft_get(-1, &err);
        CHECK(f == NULL);
        CHECK_EQ(err, -EBADF);
        f = ft_get(8, &err);
        CHECK(f == NULL);
        CHECK_EQ(err, -EBADF);
        f = ft_get(3, &err);
        CHECK(f == NULL);
        CHECK_EQ(err, -ENOTALLOC);
}

static void test_lowest_first(void)
{
        int fds[8];
        int i;

        for (i = 0; i < 8; ++i) {
                fds[i] = ft_reserve();
                CHECK_EQ(fds[i], i);
        }
        CHECK_EQ(ft_reserve(), -ENFILE);

        ft_unreserve(5);
        ft_unreserve(2);
        CHECK_EQ(ft_reserve(), 2);
        CHECK_EQ(ft_reserve(), 5);

        for (i = 0; i < 8; ++i)
                ft_unreserve(i);
}

static void test_get_put(void)
{
        struct ft_flow * f;
        uint32_t         id;
        uint32_t         gen;
        uint16_t         frct;
        int              fd;
        int              err;

        fd = ft_reserve();
        CHECK_EQ(fd, 0);

        f = ft_get(fd, &err); /* reserved: not usable yet */
        CHECK(f == NULL);
        CHECK_EQ(err, -ENOTALLOC);

        make_flow(fd, 0, -1, 0);
        f = ft_get(fd, &err);
        CHECK(f != NULL);
        CHECK_EQ(atomic_load(&f->refs), 1);
        CHECK_EQ(atomic_load(&f->flags), FLOWFDEFAULT);
        frct = atomic_load(&f->frct);
        /* qos_data is reliable: retransmits, window, linger */
        CHECK_EQ(frct, FRCTFRTX | FRCTFRESCNTL | FRCTFLINGER);
        gen = atomic_load(&f->gen);
        ft_put(f);

        CHECK(ft_get_gen(fd, gen + 1) == NULL);
        f = ft_get_gen(fd, gen);
        CHECK(f != NULL);
        ft_put(f);

        CHECK_EQ(ft_close_begin(fd, &id), 0);
        CHECK_EQ(id, 100);
        CHECK_EQ(ft_close_begin(fd, &id), -ENOTALLOC); /* double */
        f = ft_get(fd, &err);
        CHECK(f == NULL);
        CHECK_EQ(err, -ENOTALLOC);
        ft_close_end(fd);

        CHECK(ft_get_gen(fd, gen) == NULL);
        CHECK_EQ(ft_close_begin(fd, &id), -ENOTALLOC);
        CHECK_EQ(ft_close_begin(99, &id), -EBADF);
}

struct reader {
        int         fd;
        ssize_t     r;
        _Atomic int started;
};

static void * blocked_reader(void * o)
{
        struct reader *  rd = o;
        struct ft_flow * f;
        const void *     pkt;
        int              err;

        f = ft_get(rd->fd, &err);
        CHECK(f != NULL);
        atomic_store(&rd->started, 1);
        rd->r = flow_shm_peek(f->shm, &pkt, false, NULL);
        usleep(100 * 1000); /* still holding the reference */
        ft_put(f);

        return NULL;
}

/* A dealloc while a reader blocks: the reader wakes with -ENOTALLOC and
 * the closer waits until it dropped its reference. */
static void test_close_wakes_reader(void)
{
        struct reader    rd = { .fd = -1 };
        struct ft_flow * f;
        pthread_t        th;
        uint32_t         id;
        int64_t          t0;

        rd.fd = ft_reserve();
        CHECK(rd.fd >= 0);
        make_flow(rd.fd, 1, -1, 0);

        CHECK(pthread_create(&th, NULL, blocked_reader, &rd) == 0);
        while (!atomic_load(&rd.started))
                usleep(1000);
        usleep(50 * 1000);

        t0 = now_ns();
        CHECK_EQ(ft_close_begin(rd.fd, &id), 0);
        f = ft_entry(rd.fd);
        flow_shm_close(f->shm);
        ft_close_end(rd.fd);
        CHECK(now_ns() - t0 >= 90 * NS_PER_MS); /* waited for the ref */
        CHECK(now_ns() - t0 < 2000 * NS_PER_MS);
        CHECK_EQ(atomic_load(&f->refs), 0);
        CHECK_EQ(atomic_load(&f->state), FT_FREE);

        pthread_join(th, NULL);
        CHECK_EQ(rd.r, -ENOTALLOC);
}

/* Flows to one peer keep one eventfd; the last close releases it. */
static void test_peer_fds(void)
{
        int      efd = eventfd(0, EFD_CLOEXEC);
        int      dup1;
        int      dup2;
        int      other;
        int      a;
        int      b;
        int      c;
        uint32_t id;

        CHECK(efd >= 0);
        dup1  = dup(efd);
        dup2  = dup(efd);
        other = eventfd(0, EFD_CLOEXEC);

        a = ft_reserve();
        b = ft_reserve();
        c = ft_reserve();
        make_flow(a, 0, efd, 4242);
        make_flow(b, 0, dup1, 4242);
        make_flow(c, 0, other, 4343);

        CHECK(fd_open(efd));     /* kept for peer 4242 */
        CHECK(!fd_open(dup1));   /* a duplicate: closed at once */
        CHECK(fd_open(other));   /* another peer */
        CHECK(ft_entry(a)->peer == ft_entry(b)->peer);
        CHECK(ft_entry(a)->peer != ft_entry(c)->peer);

        CHECK_EQ(ft_close_begin(a, &id), 0);
        ft_close_end(a);
        CHECK(fd_open(efd));     /* b still uses it */
        CHECK_EQ(ft_close_begin(b, &id), 0);
        ft_close_end(b);
        CHECK(!fd_open(efd));    /* last flow to 4242 gone */
        CHECK_EQ(ft_close_begin(c, &id), 0);
        ft_close_end(c);
        CHECK(!fd_open(other));

        close(dup2);
}

/* Many threads taking and dropping references while another deallocs
 * and reallocates the descriptor: nobody ever sees a freed mapping. */
static _Atomic bool stop;

static void * hammer(void * o)
{
        int fd = *(int *) o;

        while (!atomic_load(&stop)) {
                struct ft_flow * f;
                int              err;
                f = ft_get(fd, &err);
                if (f == NULL) {
                        CHECK_EQ(err, -ENOTALLOC);
                        continue;
                }
                CHECK(f->shm != NULL);
                CHECK(flow_shm_max_pkt(f->shm) > 0);
                ft_put(f);
        }

        return NULL;
}

static void test_concurrent_close(void)
{
        pthread_t th[4];
        uint32_t  id;
        int       fd = 0;
        int       i;

        CHECK_EQ(ft_reserve(), fd);
        make_flow(fd, 0, -1, 0);

        for (i = 0; i < 4; ++i)
                CHECK(pthread_create(&th[i], NULL, hammer, &fd) == 0);

        for (i = 0; i < 300; ++i) {
                CHECK_EQ(ft_close_begin(fd, &id), 0);
                flow_shm_close(ft_entry(fd)->shm);
                ft_close_end(fd);
                CHECK_EQ(ft_reserve(), fd);
                make_flow(fd, 0, -1, 0);
        }

        atomic_store(&stop, true);
        for (i = 0; i < 4; ++i)
                pthread_join(th[i], NULL);

        CHECK_EQ(ft_close_begin(fd, &id), 0);
        ft_close_end(fd);
}

int main(void)
{
        setenv(FT_MAX_FLOWS_ENV, "8", 1);

        test_range(0); /* before init: in range is -ENOTALLOC */
        CHECK_EQ(ft_init(), 0);
        CHECK_EQ(ft_init(), 0);
        test_range(8);
        test_lowest_first();
        test_get_put();
        test_close_wakes_reader();
        test_peer_fds();
        test_concurrent_close();

        return check_report("flow table");
}
