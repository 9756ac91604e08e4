/*
 * Ouroboros - keyword matching and value checks of the irm grammar
 * (see args.h). The error buffer is per thread: the irm tool and the
 * IRMd's event loop are single-threaded, and the library checks
 * bootstrap options (irm_layer_config_set) on any thread.
 */
#include "args.h"

#include "common/name_check.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char err_buf[1024];
static _Thread_local char list_buf[1024];

int args_err(const char * fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
        va_end(ap);

        return -EINVAL;
}

const char * args_last_err(void)
{
        return err_buf;
}

void args_clear_err(void)
{
        err_buf[0] = '\0';
}

int args_match(const char *         w,
               const char * const * words,
               size_t               n)
{
        size_t len = strlen(w);
        size_t i;

        if (len == 0)
                return -ENOENT;

        for (i = 0; i < n; ++i)
                if (strcmp(w, words[i]) == 0)
                        return (int) i;

        for (i = 0; i < n; ++i)
                if (strncmp(w, words[i], len) == 0)
                        return (int) i;

        return -ENOENT;
}

#define MAX_KWS 64

/* The words of a keyword table (at most MAX_KWS): their count. */
static size_t kw_words(const struct kw * kws,
                       size_t            n,
                       const char **     words)
{
        size_t i;

        if (n > MAX_KWS)
                n = MAX_KWS;

        for (i = 0; i < n; ++i)
                words[i] = kws[i].word;

        return n;
}

int args_match_kw(const char *      w,
                  const struct kw * kws,
                  size_t            n)
{
        const char * words[MAX_KWS];

        return args_match(w, words, kw_words(kws, n, words));
}

static const char * join(const char * const * words,
                         size_t               n)
{
        size_t off = 0;
        size_t i;

        list_buf[0] = '\0';
        for (i = 0; i < n && off < sizeof(list_buf); ++i)
                off += (size_t) snprintf(list_buf + off, sizeof(list_buf) - off,
                                         "%s%s", i > 0 ? ", " : "", words[i]);

        return list_buf;
}

const char * args_list_kw(const struct kw * kws,
                          size_t            n)
{
        const char * words[MAX_KWS];

        return join(words, kw_words(kws, n, words));
}

int args_scan(const char *      what,
              int               argc,
              char **           argv,
              const struct kw * kws,
              size_t            n_kws,
              struct arg *      out,
              size_t *          n_out,
              int *             rest)
{
        bool   seen[MAX_KWS] = { false };
        size_t n        = 0;
        int    i;

        if (rest != NULL)
                *rest = argc;

        for (i = 0; i < argc; ++i) {
                int k;

                if (rest != NULL && strcmp(argv[i], "--") == 0) {
                        *rest = i + 1;
                        break;
                }

                k = args_match_kw(argv[i], kws, n_kws);
                if (k < 0)
                        return args_err("unknown word '%s' for %s "
                                        "(expected one of: %s)", argv[i],
                                        what, args_list_kw(kws, n_kws));

                if (seen[k] && !kws[k].repeat)
                        return args_err("'%s' given twice", kws[k].word);
                seen[k] = true;

                out[n].kw  = k;
                out[n].val = "";
                if (kws[k].value) {
                        if (i + 1 >= argc)
                                return args_err("'%s' needs a value",
                                                kws[k].word);
                        out[n].val = argv[++i];
                }
                ++n;
        }

        *n_out = n;

        return 0;
}

const char * args_get(const struct arg * args,
                      size_t             n,
                      int                kw)
{
        size_t i;

        for (i = 0; i < n; ++i)
                if (args[i].kw == kw)
                        return args[i].val;

        return NULL;
}

int args_num(const char *    what,
             const char *    s,
             unsigned long   min,
             unsigned long   max,
             bool            hex,
             unsigned long * out)
{
        const char *  digits = s;
        int           base   = 10;
        unsigned long v;
        char *        end;

        if (hex && (strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0)) {
                digits = s + 2;
                base   = 16;
        }

        /* strtoul would take "-1", " 1" and "" too */
        errno = 0;
        if (!isxdigit((unsigned char) *digits) ||
            (base == 10 && !isdigit((unsigned char) *digits)))
                goto nan;

        v = strtoul(digits, &end, base);
        if (*end != '\0')
                goto nan;

        if (errno == ERANGE || v < min || v > max) {
                if (hex)
                        return args_err("%s must be 0x%04lX..0x%04lX",
                                        what, min, max);
                return args_err("%s must be %lu..%lu", what, min, max);
        }

        *out = v;

        return 0;
 nan:
        if (hex)
                return args_err("%s must be a number (0x%04lX..0x%04lX), "
                                "not '%s'", what, min, max, s);
        return args_err("%s must be a number (%lu..%lu), not '%s'",
                        what, min, max, s);
}

int args_str(const char * what,
             const char * s,
             size_t       max)
{
        size_t len = strnlen(s, max + 1);

        if (len == 0)
                return args_err("%s must not be empty", what);

        if (len > max)
                return args_err("%s is too long (%zu bytes, at most %zu)",
                                what, strlen(s), max);

        if (name_check(s, max) < 0) /* the value is not echoed */
                return args_err("%s must be UTF-8 text without control "
                                "characters", what);

        return 0;
}

int args_enum(const char *         what,
              const char *         s,
              const char * const * words,
              size_t               n)
{
        size_t i;

        for (i = 0; i < n; ++i)
                if (strcmp(s, words[i]) == 0)
                        return (int) i;

        return args_err("unknown %s '%s' (expected one of: %s)",
                        what, s, join(words, n));
}
