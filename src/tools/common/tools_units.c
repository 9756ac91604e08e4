/*
 * tools-common: durations and bit rates with units on the command line,
 * as the classic tools take them ("-d 1s", "-i 250ms", "-r 10M").
 *
 * A duration is a whole number with an optional unit: ms, s, m, h or d.
 * A bare number is in the unit the option always had (the caller says
 * which). A rate is a number (decimals allowed) with an optional k, M or
 * G (powers of ten, either case) in bit/s; the caller learns whether a
 * unit was given, for options whose bare number means something else.
 */
#include "tools_common.h"

#include <errno.h>
#include <stdlib.h>

static const struct {
        const char * unit;
        long         ms;
} time_units[] = {
        { "ms", 1 },
        { "s",  1000 },
        { "m",  60 * 1000 },
        { "h",  60 * 60 * 1000 },
        { "d",  24 * 60 * 60 * 1000 },
};

#define N_TIME_UNITS (sizeof(time_units) / sizeof(time_units[0]))

/* The multiplier of unit in ms: bare_ms for "", 0 if unknown. */
static long unit_ms(const char * unit, long bare_ms)
{
        size_t i;

        if (*unit == '\0')
                return bare_ms;
        for (i = 0; i < N_TIME_UNITS; ++i)
                if (strcmp(unit, time_units[i].unit) == 0)
                        return time_units[i].ms;
        return 0;
}

int tool_parse_duration(const char * opt, const char * arg, long bare_ms,
                        long min_ms, long max_ms, long * out_ms)
{
        char * end;
        long   v;
        long   mul;

        errno = 0;
        v = strtol(arg, &end, 10);
        mul = end == arg ? 0 : unit_ms(end, bare_ms);
        if (errno != 0 || mul == 0 || *arg == '-' || *arg == '+') {
                fprintf(stderr, "%s: invalid value for %s: '%s' (a whole "
                        "number, unit ms, s, m, h or d)\n", tool_prog(),
                        opt, arg);
                return -EINVAL;
        }
        if (v > max_ms / mul || v * mul < min_ms) {
                fprintf(stderr, "%s: %s out of range: %s (allowed %ld..%ld "
                        "ms)\n", tool_prog(), opt, arg, min_ms, max_ms);
                return -ERANGE;
        }
        *out_ms = v * mul;
        return 0;
}

int tool_parse_rate(const char * opt, const char * arg, uint64_t max,
                    uint64_t * out, bool * unit)
{
        char * end;
        double v;

        errno = 0;
        v = strtod(arg, &end);
        if (errno != 0 || end == arg || *arg == '-' || *arg == '+')
                goto invalid;
        *unit = true;
        switch (*end) {
        case 'k': case 'K': v *= 1e3; ++end; break;
        case 'm': case 'M': v *= 1e6; ++end; break;
        case 'g': case 'G': v *= 1e9; ++end; break;
        default: *unit = false; break;
        }
        if (*end != '\0')
                goto invalid;
        if (v < 1 || v > (double) max) {
                fprintf(stderr, "%s: %s out of range: %s (allowed 1..%llu)\n",
                        tool_prog(), opt, arg, (unsigned long long) max);
                return -ERANGE;
        }
        *out = (uint64_t) v;
        return 0;
 invalid:
        fprintf(stderr, "%s: invalid value for %s: '%s'\n", tool_prog(), opt,
                arg);
        return -EINVAL;
}
