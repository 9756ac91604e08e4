/*
 * Ouroboros - the scheduling policy of an IPCP's threads
 * (loop_sched.h), and how the loop's adapts with "auto".
 *
 * Why: an IPCP is a stage of a pipeline of processes (application,
 * IPCPs, device). Woken by the stage before it, a SCHED_OTHER loop
 * preempts that stage at once; on a shared CPU a stream then costs a
 * context switch per packet per stage, each stage taking one packet
 * (a 2-hop unicast flood on two shared CPUs: 20-30 k packets/s). A
 * SCHED_BATCH thread does not preempt the task that woke it: it runs
 * when that one sleeps or its slice ends, with the whole batch (the
 * same flood: 70-110 k). But a round trip is a chain of single
 * packets, and there a wake-up that waits for the running task costs
 * latency (10 % on the round trips of one layer, free). So the loop
 * runs SCHED_BATCH only while it moves streams: a window of
 * SCHED_WIN_NS in which at least SCHED_ON_BURSTS iterations each moved
 * SCHED_BURST packets or more through flow memory (ipcp_dev_moved: a
 * lock-step ping moves one or two per iteration, never more) turns it
 * on; a window without any such iteration turns it off. The policy is
 * the calling thread's alone (sched_setscheduler with pid 0): the
 * IPCP's other threads keep theirs. A loop that sleeps in batch mode
 * (the stream ended) takes the first packet after it so, and its
 * window, long over, turns it off at that iteration.
 */
#include "loop_sched.h"
#include "ipcp.h"
#include "lib/ipcp_dev.h"

#include "common/log.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#define SCHED_ENV       "OUROBOROS_IPCP_SCHED"
#define SCHED_WIN_NS    (50 * 1000 * 1000LL)
#define SCHED_BURST     8 /* packets one iteration moved: a burst */
#define SCHED_ON_BURSTS 4 /* bursts in a window: a stream */

static struct {
        bool     on;
        bool     batch;
        uint64_t moved;   /* ipcp_dev_moved after the last iteration */
        int64_t  win_end;
        uint32_t bursts;  /* in this window */
        uint64_t to_batch;
        uint64_t to_other;
} ls;

static int set_policy(bool batch)
{
        struct sched_param sp;
        int                e;

        memset(&sp, 0, sizeof(sp));
        if (sched_setscheduler(0, batch ? SCHED_BATCH : SCHED_OTHER,
                               &sp) < 0) {
                e = errno;
                log_warn("Scheduling policy %s: %s.",
                         batch ? "SCHED_BATCH" : "SCHED_OTHER",
                         strerror(e));
                return -e;
        }

        return 0;
}

void loop_sched_init(void)
{
        const char * s = getenv(SCHED_ENV);

        memset(&ls, 0, sizeof(ls));
        if (s != NULL && strcmp(s, "other") == 0)
                return;
        if (s != NULL && strcmp(s, "batch") == 0) {
                (void) set_policy(true);
                return;
        }
        if (s != NULL && *s != '\0' && strcmp(s, "auto") != 0)
                log_warn("Bad %s '%s' (auto, batch or other): auto.",
                         SCHED_ENV, s);

        ls.on    = true;
        ls.moved = ipcp_dev_moved();
}

static void switch_to(bool batch)
{
        if (set_policy(batch) < 0) {
                ls.on = false; /* not adapting */
                return;
        }

        ls.batch = batch;
        if (batch)
                ++ls.to_batch;
        else
                ++ls.to_other;
}

void loop_sched_iter(int64_t busy_at)
{
        uint64_t m;

        if (!ls.on)
                return;

        m = ipcp_dev_moved();
        if (m - ls.moved >= SCHED_BURST)
                ++ls.bursts;
        ls.moved = m;

        if (busy_at < ls.win_end)
                return;

        if (!ls.batch && ls.bursts >= SCHED_ON_BURSTS)
                switch_to(true);
        else if (ls.batch && ls.bursts == 0)
                switch_to(false);

        ls.bursts  = 0;
        ls.win_end = busy_at + SCHED_WIN_NS;
}

int loop_sched_stat(struct ipcp_stat * s)
{
        int r = 0;

        if (!ls.on && ls.to_batch == 0)
                return 0;

        r |= ipcp_stat_add(s, "loop.sched_batch", ls.batch ? 1 : 0);
        r |= ipcp_stat_add(s, "loop.sched_to_batch", ls.to_batch);
        r |= ipcp_stat_add(s, "loop.sched_to_other", ls.to_other);

        return r < 0 ? -EMSGSIZE : 0;
}
