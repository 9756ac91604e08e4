/*
 * Ouroboros - daemon logging: one whole line per event, with a level,
 * to stdout (--stdout) or syslog. Never used by libouroboros-dev.
 */
#ifndef OUROBOROS_COMMON_LOG_H
#define OUROBOROS_COMMON_LOG_H

#include <stdbool.h>

enum log_level {
        LOG_LVL_ERR = 0,
        LOG_LVL_WARN,
        LOG_LVL_INFO,
        LOG_LVL_DBG
};

/* ident: "irmd", "ipcpd-local"...; to_stdout false means syslog. */
void log_init(const char *   ident,
              bool           to_stdout,
              enum log_level max);

void log_fini(void);

void log_msg(enum log_level lvl,
             const char *   fmt,
             ...) __attribute__((format(printf, 2, 3)));

/*
 * A rate limit for one kind of line that a client can cause at will
 * (a token bucket: bursts of LOG_RATE_BURST lines, then LOG_RATE_PER_S
 * a second). Zero-initialised, static. log_rate_ok says whether the next
 * such line may be written; when lines were dropped, it first writes
 * "Suppressed N <what> message(s)." at level lvl.
 */
#define LOG_RATE_BURST 10
#define LOG_RATE_PER_S 5

struct log_rate {
        long long last;    /* ns (CLOCK_MONOTONIC) of the last refill */
        unsigned  tokens;
        unsigned  dropped;
        bool      started;
};

bool log_rate_ok(struct log_rate * r,
                 enum log_level    lvl,
                 const char *      what);

#define log_err(...)  log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_dbg(...)  log_msg(LOG_LVL_DBG, __VA_ARGS__)

#endif /* OUROBOROS_COMMON_LOG_H */
