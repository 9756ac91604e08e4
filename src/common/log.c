/*
 * Ouroboros - daemon logging: whole lines with a level, to stdout or
 * syslog (to stderr when no syslog daemon listens, rather than a
 * connection attempt per line). A line is formatted in full before
 * one write, so lines of several threads never interleave. Log lines
 * carry text from clients (program paths, arguments, names): every
 * control character or byte that is not valid UTF-8 is written as
 * \xNN, so a line is never split or forged and no escape sequence
 * reaches a terminal.
 */
#include "log.h"
#include "name_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static struct {
        char           ident[32];
        bool           to_stdout; /* or without syslog: lines to fd */
        int            fd;
        enum log_level max;
        pid_t          pid;
} lg = { "ouroboros", true, STDOUT_FILENO, LOG_LVL_INFO, 0 };

static const char * lvl_str[] = { "ERR", "WARN", "INFO", "DBG" };
static const int    lvl_sys[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

/* Is a syslog daemon listening on /dev/log? */
static bool syslog_up(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int                fd;
        bool               up;

        strcpy(sa.sun_path, _PATH_LOG);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return false;
        up = connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0;
        close(fd);

        return up;
}

void log_init(const char *   ident,
              bool           to_stdout,
              enum log_level max)
{
        snprintf(lg.ident, sizeof(lg.ident), "%s", ident);
        lg.to_stdout = to_stdout;
        lg.fd        = STDOUT_FILENO;
        lg.max       = max;
        lg.pid       = getpid();

        if (!to_stdout && !syslog_up()) {
                /* glibc would retry (a socket and a connect) per line */
                lg.to_stdout = true;
                lg.fd        = STDERR_FILENO;
        }
        if (!lg.to_stdout)
                openlog(lg.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_fini(void)
{
        if (!lg.to_stdout)
                closelog();
}

void log_msg(enum log_level lvl,
             const char *   fmt,
             ...)
{
        char    raw[1024];
        char    line[4 * sizeof(raw) + 64];
        size_t  n = 0;
        va_list ap;

        if (lvl > lg.max)
                return;

        if (lg.to_stdout) {
                struct timespec t;
                struct tm       tm;
                clock_gettime(CLOCK_REALTIME, &t);
                localtime_r(&t.tv_sec, &tm);
                n = (size_t) snprintf(line, 64,
                                      "%02d:%02d:%02d.%03ld %s(%d) %s: ",
                                      tm.tm_hour, tm.tm_min, tm.tm_sec,
                                      t.tv_nsec / 1000000, lg.ident,
                                      lg.pid != 0 ? lg.pid : getpid(),
                                      lvl_str[lvl]);
                if (n >= 64)
                        n = 63;
        }

        va_start(ap, fmt);
        vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);

        n += name_escape(line + n, sizeof(line) - n - 1, raw, strlen(raw));

        if (lg.to_stdout) {
                line[n++] = '\n';
                if (write(lg.fd, line, n) < 0)
                        return;
        } else {
                syslog(lvl_sys[lvl], "%s", line);
        }
}

bool log_rate_ok(struct log_rate * r,
                 enum log_level    lvl,
                 const char *      what)
{
        struct timespec t;
        long long       now;
        long long       step = 1000000000LL / LOG_RATE_PER_S;

        if (lvl > lg.max)
                return false;

        clock_gettime(CLOCK_MONOTONIC, &t);
        now = (long long) t.tv_sec * 1000000000LL + t.tv_nsec;

        if (!r->started) {
                r->started = true;
                r->tokens  = LOG_RATE_BURST;
                r->last    = now;
        }

        while (now - r->last >= step && r->tokens < LOG_RATE_BURST) {
                ++r->tokens;
                r->last += step;
        }
        if (r->tokens == LOG_RATE_BURST)
                r->last = now;

        if (r->tokens == 0) {
                ++r->dropped;
                return false;
        }

        --r->tokens;
        if (r->dropped > 0) {
                log_msg(lvl, "Suppressed %u %s message(s).", r->dropped,
                        what);
                r->dropped = 0;
        }

        return true;
}
