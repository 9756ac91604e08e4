/* Ouroboros IRMd - unit test of the flow registry. */
#include "irmd/reg_flow.h"
#include "irmd/reg_proc.h"
#include "../../../tests/check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
        struct reg_flow * x;
        struct reg_flow * y;
        struct reg_flow * z;
        int               fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int               ev = open("/dev/null", O_RDONLY | O_CLOEXEC);
        struct reg_evfd * e  = malloc(sizeof(*e));

        CHECK(fd >= 0 && ev >= 0 && e != NULL);
        e->fd   = ev;
        e->refs = 1; /* the process's own */
        CHECK_EQ(reg_flow_add(FLOW_ALLOC_PENDING, 0, 10, &x), 0);
        CHECK_EQ(reg_flow_add(FLOW_ACCEPT_PENDING, 1, 0, &y), 0);
        CHECK_EQ(reg_flow_add(FLOW_ALLOCATED, 2, 0, &z), -EINVAL);
        CHECK(x->id != 0 && x->id != y->id);
        CHECK(reg_flow_get(x->id) == x);
        CHECK(reg_flow_get(12345) == NULL);
        CHECK_EQ(reg_flow_count(), 2);
        CHECK(x->peer_ev == NULL);

        CHECK_EQ(reg_flow_splice(x, x), -EBUSY);
        CHECK_EQ(reg_flow_splice(x, y), 0);
        CHECK_EQ(reg_flow_splice(x, y), -EBUSY);
        CHECK(x->peer == y && y->peer == x);

        CHECK_EQ(reg_flow_attach_mem(y, -1), -EINVAL);
        CHECK_EQ(reg_flow_attach_mem(y, fd), 0);
        CHECK(x->mem == y->mem);
        CHECK_EQ(x->mem->refs, 2);
        CHECK_EQ(reg_flow_attach_mem(x, fd), -EINVAL);

        reg_flow_set_state(y, FLOW_ALLOCATED);
        CHECK_EQ(y->state, FLOW_ALLOCATED);
        y->peer_ev = reg_evfd_get(e);
        x->peer_ev = reg_evfd_get(e);
        CHECK_EQ(e->refs, 3);

        /* the memory lives until both halves are gone */
        reg_flow_del(y);
        CHECK(x->peer == NULL);
        CHECK_EQ(x->mem->refs, 1);
        CHECK(fcntl(fd, F_GETFD) >= 0);
        CHECK_EQ(e->refs, 2); /* y's reference dropped */
        reg_evfd_put(e);      /* the process is gone */
        CHECK(fcntl(ev, F_GETFD) >= 0); /* x still needs it */
        reg_flow_del(x);
        CHECK(fcntl(fd, F_GETFD) < 0);
        CHECK(fcntl(ev, F_GETFD) < 0); /* closed with the last flow */
        CHECK_EQ(reg_flow_count(), 0);

        /* ids are not reused while in use */
        CHECK_EQ(reg_flow_add(FLOW_ALLOC_PENDING, 0, 10, &x), 0);
        CHECK_EQ(reg_flow_add(FLOW_ALLOC_PENDING, 0, 10, &y), 0);
        CHECK(x->id != y->id);

        reg_flow_fini();
        CHECK_EQ(reg_flow_count(), 0);

        printf("reg_flow: ok\n");
        return 0;
}
