/*
 * Ouroboros - ipcpd-unicast: adjacencies, management framing
 * (nbr_priv.h). A mgmt adjacency's lower flow is read here: in its
 * hello the packets go to nbr_hello.c, then each is one message whose
 * first byte is its type (wire_mgmt.h): keepalives, a hello answered
 * again, LSAs to route.c, address claims to enroll.c. nbr_mgmt_send and
 * nbr_mgmt_flood frame the other modules' messages the same way.
 */
#include "nbr_priv.h"

#include "common/log.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(MGMT_HELLO == MGMT_T_HELLO && MGMT_KA == MGMT_T_KA &&
               MGMT_LSA == MGMT_T_LSA && MGMT_CLAIM == MGMT_T_CLAIM &&
               MGMT_CONFLICT == MGMT_T_CONFLICT, "mgmt types");

static void mgmt_rcv(struct adj *    a,
                     const uint8_t * buf,
                     size_t          n)
{
        struct mgmt_hello h;
        int               t = mgmt_type(buf, n);

        if (t != MGMT_T_KA)
                ++nbr.c[C_MGMT_RX];

        switch (t) {
        case MGMT_T_HELLO:
                /* the dialer's hello again: our answer got lost */
                if (!a->dialer && nbr_parse_hello(a, buf, n, &h) == 0 &&
                    !(h.flags & MGMT_HELLO_ACK) && h.addr == a->addr) {
                        nbr_send_hello(a, MGMT_HELLO_ACK);
                        return;
                }
                if (a->dialer && nbr_parse_hello(a, buf, n, &h) == 0)
                        return;
                break;
        case MGMT_T_KA:
                if (mgmt_ka_parse(buf, n) == 0)
                        return;
                break;
        case MGMT_T_LSA:
                route_rcv_lsa(a->addr, buf + 1, n - 1);
                return;
        case MGMT_T_CLAIM:
        case MGMT_T_CONFLICT:
                enroll_rcv_mgmt(a->addr, buf, n);
                return;
        default:
                break;
        }

        ++nbr.c[C_MALFORMED];
        WARN_RL(C_MALFORMED, "Malformed management message (%zu bytes, "
                "type %d) from %llu: dropped.", n, n > 0 ? buf[0] : -1,
                ull(a->addr));
}

void nbr_adj_cb(void * arg,
                int    fd,
                int    events)
{
        struct adj * a = arg;
        ssize_t      n;
        int          i;

        for (i = 0; i < NBR_BUDGET; ++i) {
                n = flow_read(fd, nbr.rbuf, NBR_BUF);
                if (n == -EAGAIN)
                        break;
                if (n < 0) {
                        nbr_adj_close(a, C_LOST_FLOW, (int) n, true,
                                      n == -EFLOWDOWN ? "flow down" :
                                      "read error");
                        return;
                }
                a->heard = ipcp_now_ms();
                if (a->st != ADJ_UP) {
                        if (nbr_hello_rcv(a, nbr.rbuf, (size_t) n))
                                return;
                        continue;
                }
                mgmt_rcv(a, nbr.rbuf, (size_t) n);
        }

        if (i == NBR_BUDGET)
                return; /* level-triggered: called again */

        if (events & FLOW_DEALLOC)
                nbr_adj_close(a, C_LOST_PEER, -ECONNRESET, false,
                              "deallocated by the peer");
        else if (events & (FLOW_DOWN | FLOW_PEER))
                nbr_adj_close(a, C_LOST_FLOW, -ECONNRESET, true,
                              events & FLOW_DOWN ? "flow down" :
                              "peer timed out");
}

static int mgmt_put(struct adj *   a,
                    enum mgmt_type t,
                    const void *   body,
                    size_t         len)
{
        int r;

        if (len + 1 > NBR_BUF)
                return -EMSGSIZE;

        nbr.wbuf[0] = (uint8_t) t;
        if (len > 0)
                memmove(nbr.wbuf + 1, body, len);

        r = nbr_adj_write(a, nbr.wbuf, len + 1);
        if (r < 0) {
                ++nbr.c[C_MGMT_DROP];
                WARN_RL(C_MGMT_DROP, "Management message (type %d, %zu "
                        "bytes) to %llu not sent: %d.", t, len + 1,
                        ull(a->addr), r);
                return r == -EAGAIN ? -ENOBUFS : r;
        }

        ++nbr.c[C_MGMT_TX];

        return 0;
}

int nbr_mgmt_send(uint64_t       addr,
                  enum mgmt_type t,
                  const void *   body,
                  size_t         len)
{
        struct adj * a;

        if (!nbr.on)
                return -ENOTCONN;

        a = nbr_adj_up_to(NBR_MGMT, addr, NULL);
        if (a == NULL)
                return -ENOTCONN;

        return mgmt_put(a, t, body, len);
}

int nbr_mgmt_flood(uint64_t       except,
                   enum mgmt_type t,
                   const void *   body,
                   size_t         len)
{
        struct adj * a;
        int          n = 0;

        if (!nbr.on)
                return 0;

        for (a = nbr.adjs; a != NULL; a = a->next) {
                if (a->st != ADJ_UP || a->comp != NBR_MGMT ||
                    a->addr == except || !nbr_first_to(a))
                        continue;
                if (mgmt_put(a, t, body, len) == 0)
                        ++n;
        }

        return n;
}
