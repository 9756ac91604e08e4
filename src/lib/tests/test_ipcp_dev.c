/*
 * Ouroboros - unit test of what the library offers IPCPs (ipcp_dev.h),
 * without an IRMd: this process plays the application on side 0 of a
 * flow memory (flow_shm directly) and the IPCP on side 1 (adopted through
 * the library). Adopt and its errors, FLOWGMAXPKT, in-place reads
 * (peek/consume) and writes (reserve/commit) with their errors, a full
 * ring, a read-only flow, the application closing (queued packets first,
 * then -EFLOWDOWN), and flow_dealloc of the adopted flow closing the
 * IPCP's side without asking any IRMd.
 */
#include "ipcp_dev.h"

#include "common/flow_shm.h"

#include "../../../tests/check.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_PKT  4096
#define MAX_PKTS 8

static int adopt_new(struct flow_shm ** app)
{
        struct flow_shm_conf c = { 16384, MAX_PKTS, MAX_PKT };
        int                  memfd;
        int                  fd;

        memfd = flow_shm_create(&c);
        CHECK(memfd >= 0);
        CHECK_EQ(flow_shm_map(memfd, 0, -1, app), 0);
        fd = ipcp_flow_adopt(7, memfd, 1, -1, getpid(), &qos_raw);
        CHECK(fd >= 0);

        return fd;
}

static void test_adopt_errors(void)
{
        int junk;

        CHECK_EQ(ipcp_flow_adopt(1, -1, 1, -1, getpid(), &qos_raw), -EINVAL);
        junk = memfd_create("junk", MFD_CLOEXEC);
        CHECK(junk >= 0);
        CHECK_EQ(ipcp_flow_adopt(1, dup(junk), 2, -1, getpid(), &qos_raw),
                 -EINVAL);
        CHECK_EQ(ipcp_flow_adopt(1, dup(junk), 1, -1, getpid(), NULL),
                 -EINVAL);
        CHECK_EQ(ftruncate(junk, 65536), 0);
        CHECK_EQ(ipcp_flow_adopt(1, junk, 1, -1, getpid(), &qos_raw),
                 -EBADMSG); /* not a flow memory; junk is closed */
}

static void test_in_place(void)
{
        struct flow_shm * app;
        const void *      pkt;
        void *            room;
        size_t            mp = 0;
        ssize_t           n;
        int               fd;
        int               i;

        fd = adopt_new(&app);
        CHECK_EQ(fccntl(fd, FLOWGMAXPKT, &mp), 0);
        CHECK_EQ(mp, MAX_PKT);

        /* application -> IPCP, read in place */
        CHECK_EQ(ipcp_flow_peek(fd, &pkt), -EAGAIN);
        CHECK_EQ(ipcp_flow_peek(fd, NULL), -EINVAL);
        CHECK_EQ(flow_shm_write(app, "hello", 5, true, NULL), 5);
        CHECK_EQ(ipcp_flow_peek(fd, &pkt), 5);
        CHECK_EQ(ipcp_flow_peek(fd, &pkt), 5); /* the same, until consumed */
        CHECK(memcmp(pkt, "hello", 5) == 0);
        ipcp_flow_consume(fd);
        CHECK_EQ(ipcp_flow_peek(fd, &pkt), -EAGAIN);

        /* IPCP -> application, written in place */
        CHECK_EQ(ipcp_flow_commit(fd, 0), -EINVAL);
        CHECK_EQ(ipcp_flow_reserve(fd, MAX_PKT + 1, &room), -EMSGSIZE);
        CHECK_EQ(ipcp_flow_reserve(fd, 10, NULL), -EINVAL);
        CHECK_EQ(ipcp_flow_reserve(fd, 100, &room), 0);
        memset(room, 'x', 100);
        CHECK_EQ(ipcp_flow_commit(fd, 101), -EINVAL);
        CHECK_EQ(ipcp_flow_reserve(fd, 100, &room), 0);
        memset(room, 'y', 100);
        CHECK_EQ(ipcp_flow_commit(fd, 60), 0);
        CHECK_EQ(flow_shm_peek(app, &pkt, true, NULL), 60);
        CHECK_EQ(((const char *) pkt)[59], 'y');
        flow_shm_consume(app);

        /* full: as many packets as the flow holds, then -EAGAIN */
        for (i = 0; i < MAX_PKTS; ++i) {
                CHECK_EQ(ipcp_flow_reserve(fd, 8, &room), 0);
                CHECK_EQ(ipcp_flow_commit(fd, 8), 0);
        }
        CHECK_EQ(ipcp_flow_reserve(fd, 8, &room), -EAGAIN);
        for (i = 0; i < MAX_PKTS; ++i) {
                CHECK_EQ(flow_shm_peek(app, &pkt, true, NULL), 8);
                flow_shm_consume(app);
        }

        /* a read-only flow is not written */
        CHECK_EQ(fccntl(fd, FLOWSFLAGS, FLOWFRDONLY), 0);
        CHECK_EQ(ipcp_flow_reserve(fd, 8, &room), -EPERM);
        CHECK_EQ(fccntl(fd, FLOWSFLAGS, FLOWFRDWR), 0);

        /* the application leaves: what it queued first, then down */
        CHECK_EQ(flow_shm_write(app, "a", 1, true, NULL), 1);
        CHECK_EQ(flow_shm_write(app, "bc", 2, true, NULL), 2);
        flow_shm_close(app);
        CHECK_EQ(ipcp_flow_peek(fd, &pkt), 1);
        ipcp_flow_consume(fd);
        CHECK_EQ(ipcp_flow_peek(fd, &pkt), 2);
        ipcp_flow_consume(fd);
        CHECK_EQ(ipcp_flow_peek(fd, &pkt), -EFLOWDOWN);
        CHECK_EQ(ipcp_flow_reserve(fd, 8, &room), -EFLOWDOWN);

        CHECK_EQ(flow_dealloc(fd), 0);
        n = ipcp_flow_peek(fd, &pkt);
        CHECK(n < 0);
        CHECK(ipcp_flow_reserve(fd, 8, &room) < 0);
        flow_shm_unmap(app);
}

/* flow_dealloc closes the IPCP's side: the application sees it, after
 * reading what the IPCP sent. No IRMd is asked (there is none). */
static void test_dealloc(void)
{
        struct flow_shm * app;
        const void *      pkt;
        void *            room;
        int               fd;

        fd = adopt_new(&app);
        CHECK_EQ(ipcp_flow_reserve(fd, 3, &room), 0);
        memcpy(room, "end", 3);
        CHECK_EQ(ipcp_flow_commit(fd, 3), 0);
        CHECK_EQ(flow_dealloc(fd), 0);
        CHECK_EQ(flow_shm_peer_state(app), FLOW_SIDE_CLOSED);
        CHECK_EQ(flow_shm_events(app) & FLOW_SHM_EV_DEALLOC,
                 FLOW_SHM_EV_DEALLOC);
        CHECK_EQ(flow_shm_peek(app, &pkt, true, NULL), 3);
        flow_shm_consume(app);
        CHECK_EQ(flow_shm_peek(app, &pkt, true, NULL), -EFLOWDOWN);
        flow_shm_unmap(app);
}

int main(void)
{
        alarm(30);
        /* nothing here may reach an IRMd */
        setenv("OUROBOROS_RUNDIR", "/nonexistent", 1);

        test_adopt_errors();
        test_in_place();
        test_dealloc();

        return 0;
}
