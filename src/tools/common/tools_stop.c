/*
 * tools-common: stopping a tool without polling.
 *
 * SIGINT and SIGTERM are blocked in every thread (tool_signals_block()
 * runs before the first thread is created, threads inherit the mask) and
 * one thread takes them with sigwait(), in ordinary thread context: it
 * may lock, print and call the library. Nothing else needs to wake up to
 * look at a flag, so blocking calls block without timeouts.
 *
 * A server's stopping thread wakes the threads blocked on its flows by
 * deallocating the flows (flow_dealloc() wakes a reader or writer of the
 * flow in another thread). The flow registry makes sure each flow is
 * deallocated exactly once, by whoever takes it out of the registry, and
 * that no flow accepted after the stop is left behind.
 */
#include "tools_common.h"

#include <ouroboros/dev.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

static atomic_bool stopped;

static struct {
        pthread_mutex_t lock;
        pthread_cond_t  cond;     /* threads == 0 */
        int *           fds;
        size_t          n;
        size_t          cap;
        bool            closed;   /* tool_flows_stop() was called */
        int             threads;  /* entered, not yet left */
} reg = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
          NULL, 0, 0, false, 0 };

static void stop_set(sigset_t * set)
{
        sigemptyset(set);
        sigaddset(set, SIGINT);
        sigaddset(set, SIGTERM);
}

int tool_signals_block(void)
{
        sigset_t set;

        signal(SIGPIPE, SIG_IGN);
        stop_set(&set);
        return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int tool_signals_wait(void)
{
        sigset_t set;
        int      sig = 0;

        stop_set(&set);
        while (sigwait(&set, &sig) != 0)
                ;
        atomic_store(&stopped, true);
        return sig;
}

static void * signal_thread(void * o)
{
        (void) o;
        tool_signals_wait();
        return NULL;
}

int tool_signals_thread(void)
{
        pthread_attr_t attr;
        pthread_t      t;
        int            r;

        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        r = -pthread_create(&t, &attr, signal_thread, NULL);
        pthread_attr_destroy(&attr);
        return r;
}

int tool_start(bool listen)
{
        /* Before any thread: all of them inherit the blocked signals. */
        if (tool_signals_block() < 0) {
                fprintf(stderr, "%s: cannot block signals\n", tool_prog());
                return TOOL_EXIT_USAGE;
        }
        if (!listen && tool_signals_thread() < 0) {
                fprintf(stderr, "%s: cannot start the signal thread\n",
                        tool_prog());
                return TOOL_EXIT_USAGE;
        }
        return 0;
}

bool tool_stopped(void)
{
        return atomic_load(&stopped);
}

void tool_stop(void)
{
        kill(getpid(), SIGTERM); /* pending until sigwait() takes it */
}

int tool_flows_add(int fd)
{
        int * p;
        int   r = 0;

        pthread_mutex_lock(&reg.lock);
        if (reg.closed) {
                r = -ECANCELED;
                goto out;
        }
        if (reg.n == reg.cap) {
                p = realloc(reg.fds, (reg.cap * 2 + 8) * sizeof(*p));
                if (p == NULL) {
                        r = -ENOMEM;
                        goto out;
                }
                reg.fds = p;
                reg.cap = reg.cap * 2 + 8;
        }
        reg.fds[reg.n++] = fd;
 out:
        pthread_mutex_unlock(&reg.lock);
        return r;
}

bool tool_flows_take(int fd)
{
        size_t i;
        bool   found = false;

        pthread_mutex_lock(&reg.lock);
        for (i = 0; i < reg.n; ++i) {
                if (reg.fds[i] == fd) {
                        reg.fds[i] = reg.fds[--reg.n];
                        found = true;
                        break;
                }
        }
        pthread_mutex_unlock(&reg.lock);
        return found;
}

int tool_flows_stop(void (* release)(int fd, void * arg), void * arg)
{
        int * fds;
        int   n;
        int   i;

        pthread_mutex_lock(&reg.lock);
        reg.closed = true;
        fds     = reg.fds;
        n       = (int) reg.n;
        reg.fds = NULL;
        reg.n   = 0;
        reg.cap = 0;
        pthread_mutex_unlock(&reg.lock);

        for (i = 0; i < n; ++i) {
                if (release != NULL)
                        release(fds[i], arg);
                else
                        flow_dealloc(fds[i]);
        }
        free(fds);
        return n;
}

void tool_threads_enter(void)
{
        pthread_mutex_lock(&reg.lock);
        ++reg.threads;
        pthread_mutex_unlock(&reg.lock);
}

void tool_threads_leave(void)
{
        pthread_mutex_lock(&reg.lock);
        if (--reg.threads == 0)
                pthread_cond_broadcast(&reg.cond);
        pthread_mutex_unlock(&reg.lock);
}

bool tool_threads_wait(long ms)
{
        struct timespec until = tool_ns_ts(tool_now_ns() + ms * 1000000LL);
        bool            done;

        pthread_mutex_lock(&reg.lock);
        while (reg.threads > 0 &&
               pthread_cond_clockwait(&reg.cond, &reg.lock, CLOCK_MONOTONIC,
                                      &until) == 0)
                ;
        done = reg.threads == 0;
        pthread_mutex_unlock(&reg.lock);
        return done;
}
