/*
 * Ouroboros tests - the checks every C test uses (unit and integration).
 *
 * CHECK(c) and CHECK_EQ(a, b) count what passes and what fails. A failure
 * prints where it was and, by default, ends the process at once (exit 1),
 * since most tests build each step on the one before. A test whose checks
 * stand alone sets check_keep_going = true first, runs them all, and ends
 * with check_report(), which prints "N passed, N failed" and gives the
 * exit status. Failures name the process, for tests that fork.
 *
 * The counters are atomic: threads of one test may CHECK at once.
 * check_now_ns/ms read CLOCK_MONOTONIC, for deadlines and timings.
 *
 * Include it by a path relative to the test ("../../../tests/check.h").
 */
#ifndef OUROBOROS_TESTS_CHECK_H
#define OUROBOROS_TESTS_CHECK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static atomic_int check_passed     __attribute__((unused));
static atomic_int check_failed     __attribute__((unused));
static bool       check_keep_going __attribute__((unused));

static inline void check_fail(void)
{
        ++check_failed;
        if (!check_keep_going)
                exit(1);
}

#define CHECK(c) do {                                                   \
        if (c) {                                                        \
                ++check_passed;                                         \
        } else {                                                        \
                fprintf(stderr, "[%d] %s:%d: %s: CHECK(%s) failed\n",   \
                        (int) getpid(), __FILE__, __LINE__, __func__, #c); \
                check_fail();                                           \
        }                                                               \
} while (0)

#define CHECK_EQ(a, b) do {                                             \
        long long a_ = (long long) (a);                                 \
        long long b_ = (long long) (b);                                 \
        if (a_ == b_) {                                                 \
                ++check_passed;                                         \
        } else {                                                        \
                fprintf(stderr, "[%d] %s:%d: %s: %s is %lld, "          \
                        "expected %s (%lld)\n", (int) getpid(),         \
                        __FILE__, __LINE__, __func__, #a, a_, #b, b_);  \
                check_fail();                                           \
        }                                                               \
} while (0)

/* Print "N passed, N failed" (after "what: " unless what is NULL):
 * the exit status, 0 when nothing failed. */
static inline int check_report(const char * what)
{
        if (what != NULL)
                printf("%s: ", what);
        printf("%d passed, %d failed\n", atomic_load(&check_passed),
               atomic_load(&check_failed));

        return atomic_load(&check_failed) == 0 ? 0 : 1;
}

static inline int64_t check_now_ns(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);

        return (int64_t) t.tv_sec * 1000000000 + t.tv_nsec;
}

static inline int64_t check_now_ms(void)
{
        return check_now_ns() / 1000000;
}

#endif /* OUROBOROS_TESTS_CHECK_H */
