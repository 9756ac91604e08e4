/*
 * Ouroboros - thin wrappers around the futex system call for words in
 * memory shared between processes.
 *
 * The shared (non-PRIVATE) operations are used on purpose: the futex key
 * of a MAP_SHARED page is (inode, offset), so a waiter in one process is
 * found by a waker in another, and by the IRMd through its own mapping of
 * the same memfd. Waits take an absolute CLOCK_MONOTONIC deadline
 * (FUTEX_WAIT_BITSET without FUTEX_CLOCK_REALTIME), so a retry after a
 * signal never stretches the timeout.
 */
#ifndef OUROBOROS_COMMON_FUTEX_H
#define OUROBOROS_COMMON_FUTEX_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/*
 * Sleep while *word == val, until woken or abstime (CLOCK_MONOTONIC,
 * NULL: no deadline). Returns 0 when woken, when *word != val already,
 * or on a signal (the caller rechecks its condition and loops),
 * -ETIMEDOUT at the deadline, -EINVAL for a malformed abstime.
 */
static inline int futex_wait_until(_Atomic uint32_t *      word,
                                   uint32_t                val,
                                   const struct timespec * abstime)
{
        long r;

        r = syscall(SYS_futex, (uint32_t *) word, FUTEX_WAIT_BITSET, val,
                    abstime, NULL, FUTEX_BITSET_MATCH_ANY);
        if (r == 0)
                return 0;

        switch (errno) {
        case ETIMEDOUT:
                return -ETIMEDOUT;
        case EINVAL:
                return -EINVAL;
        default: /* EAGAIN (value changed), EINTR */
                return 0;
        }
}

/* Wake every thread, in any process, sleeping on word. */
static inline void futex_wake_all(_Atomic uint32_t * word)
{
        syscall(SYS_futex, (uint32_t *) word, FUTEX_WAKE, INT_MAX,
                NULL, NULL, 0);
}

#endif /* OUROBOROS_COMMON_FUTEX_H */
