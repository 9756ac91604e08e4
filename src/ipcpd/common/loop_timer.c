/*
 * Ouroboros - the IPCP loop's timers (ipcp_timer_add, loop_timer.h): a
 * binary min-heap on (due, seq), used by the loop thread only. A timer
 * being run is off the heap (idx T_FIRING); cancelling it then is a
 * no-op, and it is freed after its callback returns. A pass runs only
 * the timers that existed when it began (their seq below the mark), so
 * a timer that re-arms itself with delay 0 cannot starve the loop.
 */
#include "ipcp.h"
#include "loop_timer.h"

#include "common/timeutil.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define T_FIRING SIZE_MAX /* idx of a timer whose callback runs */

struct ipcp_timer {
        int64_t       due;  /* ns, CLOCK_MONOTONIC */
        uint64_t      seq;  /* order of timers with the same due */
        ipcp_timer_cb cb;
        void *        arg;
        size_t        idx;  /* in the heap, or T_FIRING */
};

static struct {
        struct ipcp_timer ** heap;
        size_t               n_heap;
        size_t               cap_heap;
        uint64_t             t_seq;
} th;

static bool t_before(const struct ipcp_timer * a,
                     const struct ipcp_timer * b)
{
        return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void h_set(size_t              i,
                  struct ipcp_timer * t)
{
        th.heap[i] = t;
        t->idx     = i;
}

static void h_up(size_t i)
{
        struct ipcp_timer * t = th.heap[i];

        while (i > 0 && t_before(t, th.heap[(i - 1) / 2])) {
                h_set(i, th.heap[(i - 1) / 2]);
                i = (i - 1) / 2;
        }
        h_set(i, t);
}

static void h_down(size_t i)
{
        struct ipcp_timer * t = th.heap[i];
        size_t              c;

        while ((c = 2 * i + 1) < th.n_heap) {
                if (c + 1 < th.n_heap && t_before(th.heap[c + 1], th.heap[c]))
                        ++c;
                if (!t_before(th.heap[c], t))
                        break;
                h_set(i, th.heap[c]);
                i = c;
        }
        h_set(i, t);
}

static void h_remove(size_t i)
{
        struct ipcp_timer * last = th.heap[--th.n_heap];

        if (i == th.n_heap)
                return;

        h_set(i, last);
        if (i > 0 && t_before(last, th.heap[(i - 1) / 2]))
                h_up(i);
        else
                h_down(i);
}

struct ipcp_timer * ipcp_timer_add(int64_t       delay_ms,
                                   ipcp_timer_cb cb,
                                   void *        arg)
{
        struct ipcp_timer * t;

        if (cb == NULL)
                return NULL;

        if (th.n_heap == th.cap_heap) {
                size_t               cap = th.cap_heap * 2 + 16;
                struct ipcp_timer ** h   = realloc(th.heap, cap * sizeof(*h));
                if (h == NULL)
                        return NULL;
                th.heap     = h;
                th.cap_heap = cap;
        }

        t = malloc(sizeof(*t));
        if (t == NULL)
                return NULL;

        if (delay_ms < 0)
                delay_ms = 0;
        if (delay_ms > INT64_MAX / 2000000)
                delay_ms = INT64_MAX / 2000000; /* far enough */

        t->due = now_ns() + delay_ms * 1000000;
        t->seq = th.t_seq++;
        t->cb  = cb;
        t->arg = arg;
        th.heap[th.n_heap] = t;
        h_up(th.n_heap++);

        return t;
}

void ipcp_timer_cancel(struct ipcp_timer * t)
{
        if (t == NULL || t->idx == T_FIRING)
                return; /* its callback runs: freed after it returns */

        h_remove(t->idx);
        free(t);
}

int loop_timeout_ms(void)
{
        int64_t left;

        if (th.n_heap == 0)
                return -1;

        left = th.heap[0]->due - now_ns();
        if (left <= 0)
                return 0;

        left = (left + 999999) / 1000000;

        return left > INT_MAX ? INT_MAX : (int) left;
}

void loop_run_timers(void)
{
        uint64_t mark = th.t_seq;
        int64_t  now  = now_ns();

        while (th.n_heap > 0 && th.heap[0]->due <= now &&
               th.heap[0]->seq < mark) {
                struct ipcp_timer * t = th.heap[0];
                h_remove(0);
                t->idx = T_FIRING;
                t->cb(t->arg);
                free(t);
        }
}

void loop_timers_fini(void)
{
        size_t i;

        for (i = 0; i < th.n_heap; ++i)
                free(th.heap[i]);
        free(th.heap);
        th.heap     = NULL;
        th.n_heap   = 0;
        th.cap_heap = 0;
}
