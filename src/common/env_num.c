/*
 * Ouroboros - a number from the environment (env_num.h).
 */
#include "env_num.h"

#include <stdio.h>
#include <stdlib.h>

unsigned long long env_num(const char *       name,
                           unsigned long long min,
                           unsigned long long max,
                           unsigned long long def,
                           int *              warned)
{
        const char *       s = getenv(name);
        char *             end;
        unsigned long long v;

        if (s == NULL || *s == '\0')
                return def;

        v = strtoull(s, &end, 10);
        if (*s >= '0' && *s <= '9' && *end == '\0' && v >= min && v <= max)
                return v;

        if (!__atomic_exchange_n(warned, 1, __ATOMIC_RELAXED))
                fprintf(stderr, "ouroboros: %s='%.40s' is not a number in "
                        "%llu..%llu: using %llu.\n", name, s, min, max, def);

        return def;
}
