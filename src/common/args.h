/*
 * Ouroboros - keyword matching and value checks of the irm grammar,
 * shared by the irm tool and the IRMd's configuration file so that both
 * accept the same words and give the same one-line errors.
 *
 * Every keyword may be abbreviated to any prefix; a word that spells a
 * keyword exactly is that keyword, otherwise the first keyword in table
 * order that the word is a prefix of wins. Errors are recorded as one
 * line (without the "irm: " prefix) for the caller to print, so the
 * parser never prints and can be unit tested.
 */
#ifndef OUROBOROS_COMMON_ARGS_H
#define OUROBOROS_COMMON_ARGS_H

#include <stdbool.h>
#include <stddef.h>

/* A keyword of a command: takes a value, may be given more than once. */
struct kw {
        const char * word;
        bool         value;
        bool         repeat;
};

/* One keyword found on the command line, in order. */
struct arg {
        int          kw;     /* index in the keyword table */
        const char * val;    /* NULL for a flag */
};

/* Record an error (printf-style); returns -EINVAL for convenience. */
int          args_err(const char * fmt, ...)
        __attribute__((format(printf, 1, 2)));

/* The last error recorded ("" if none) and forgetting it. */
const char * args_last_err(void);
void         args_clear_err(void);

/* Index of the word in words[0..n) that w abbreviates, or -ENOENT
 * (no error recorded). */
int          args_match(const char *         w,
                        const char * const * words,
                        size_t               n);

/* Same for a keyword table. */
int          args_match_kw(const char *      w,
                           const struct kw * kws,
                           size_t            n);

/* "a, b, c" of a keyword table, for "expected one of" messages. */
const char * args_list_kw(const struct kw * kws,
                          size_t            n);

/*
 * Scan argv[0..argc) as keywords of kws (with their values) into out
 * (room for argc entries); *n_out is set to the count. what names the
 * command in messages ("ipcp create"). If rest is not NULL, "--" ends
 * the scan and *rest is the index after it (argc when absent).
 * Non-repeatable keywords given twice are an error. 0 or -EINVAL.
 */
int          args_scan(const char *      what,
                       int               argc,
                       char **           argv,
                       const struct kw * kws,
                       size_t            n_kws,
                       struct arg *      out,
                       size_t *          n_out,
                       int *             rest);

/* Value of keyword kw in the scanned args, NULL if absent; flags
 * (keywords without value) give "" when present. */
const char * args_get(const struct arg * args,
                      size_t             n,
                      int                kw);

/*
 * s as an unsigned number in [min, max] into *out: decimal, or
 * hexadecimal with a 0x prefix when hex is true. Errors:
 * "<what> must be a number (min..max), not 's'" and "<what> must be min..max".
 */
int          args_num(const char *  what,
                      const char *  s,
                      unsigned long min,
                      unsigned long max,
                      bool          hex,
                      unsigned long * out);

/* s is a name (common/name_check.h): non-empty, at most max bytes ("<what>
 * is too long (N bytes, at most max)"), UTF-8 without control
 * characters. */
int          args_str(const char * what,
                      const char * s,
                      size_t       max);

/* Index of s among words (exact match), or an error "unknown <what> 's'
 * (expected one of: ...)" and -EINVAL. */
int          args_enum(const char *         what,
                       const char *         s,
                       const char * const * words,
                       size_t               n);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif /* OUROBOROS_COMMON_ARGS_H */
