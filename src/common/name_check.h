/*
 * Ouroboros - what a name may be: the one rule for the names of
 * applications, IPCPs and layers, checked by irm, the library and the
 * IRMd alike.
 *
 * A name is 1..max bytes (255 for every kind of name) of valid UTF-8
 * text without control characters:
 *   - UTF-8 in its shortest form, no surrogates (U+D800..U+DFFF), at
 *     most U+10FFFF;
 *   - no C0 control (U+0000..U+001F: NUL, tab, newline, escape...), no
 *     DEL (U+007F), no C1 control (U+0080..U+009F).
 * Anything else is allowed: spaces, punctuation, any script. So a name
 * printed in a log line or on a terminal is always what it looks like.
 */
#ifndef OUROBOROS_COMMON_NAME_CHECK_H
#define OUROBOROS_COMMON_NAME_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the allowed character at p, which has n > 0 bytes
 * left, or 0 if p does not start an allowed character. */
size_t name_char_len(const uint8_t * p,
                     size_t          n);

/* The n bytes at p as a name of at most max bytes: 0, -EINVAL empty or
 * a byte not allowed, -ENAMETOOLONG longer than max. */
int    name_check_bytes(const void * p,
                        size_t       n,
                        size_t       max);

/* The same for a string; NULL is -EINVAL. */
int    name_check(const char * s,
                  size_t       max);

/* Copy the n bytes at in into out (size len > 0, always terminated),
 * every byte that does not start an allowed character written as \xNN:
 * text from a client is safe to log. Returns the length written. */
size_t name_escape(char *       out,
                   size_t       len,
                   const char * in,
                   size_t       n);

#endif /* OUROBOROS_COMMON_NAME_CHECK_H */
