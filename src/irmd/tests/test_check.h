/* Ouroboros IRMd tests - CHECK macros for the registry unit tests. */
#ifndef OUROBOROS_IRMD_TESTS_CHECK_H
#define OUROBOROS_IRMD_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c) do { if (!(c)) { \
        fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
        exit(1); } } while (0)

#define CHECK_EQ(a, b) do { long long a_ = (long long) (a); \
        long long b_ = (long long) (b); if (a_ != b_) { \
        fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", \
                __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

#endif
