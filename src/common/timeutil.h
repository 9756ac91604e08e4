/*
 * Ouroboros - monotonic-clock arithmetic for deadlines and timeouts.
 */
#ifndef OUROBOROS_COMMON_TIMEUTIL_H
#define OUROBOROS_COMMON_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define NS_PER_S  1000000000LL
#define NS_PER_MS 1000000LL

/* Saturates at INT64_MAX (292 years): a huge timeout stays huge. */
static inline int64_t ts_to_ns(const struct timespec * t)
{
        if (t->tv_sec >= INT64_MAX / NS_PER_S)
                return INT64_MAX;

        return (int64_t) t->tv_sec * NS_PER_S + t->tv_nsec;
}

static inline struct timespec ns_to_ts(int64_t ns)
{
        struct timespec t = { ns / NS_PER_S, ns % NS_PER_S };

        return t;
}

static inline int64_t now_ns(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);

        return ts_to_ns(&t);
}

/* now + ns (ns >= 0), saturating at INT64_MAX. */
static inline int64_t ns_after(int64_t ns)
{
        int64_t now = now_ns();

        return ns > INT64_MAX - now ? INT64_MAX : now + ns;
}

/* Absolute CLOCK_MONOTONIC deadline for relative timeout timeo. */
static inline struct timespec ts_deadline(const struct timespec * timeo)
{
        return ns_to_ts(ns_after(ts_to_ns(timeo)));
}

/* Milliseconds left until deadline (0 if past), for poll(). */
static inline int ts_ms_left(const struct timespec * abstime)
{
        int64_t left = ts_to_ns(abstime) - now_ns();

        if (left <= 0)
                return 0;
        if (left / NS_PER_MS > INT32_MAX - 1)
                return INT32_MAX - 1;

        return (int) ((left + NS_PER_MS - 1) / NS_PER_MS);
}

static inline bool ts_valid(const struct timespec * t)
{
        return t->tv_sec >= 0 && t->tv_nsec >= 0 && t->tv_nsec < NS_PER_S;
}

#endif /* OUROBOROS_COMMON_TIMEUTIL_H */
