/*
 * Ouroboros - daemon logging: whole lines with a level, to stdout or
 * syslog. A line is formatted in full before one write, so lines of
 * several threads never interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static struct {
        char           ident[32];
        bool           to_stdout;
        enum log_level max;
} lg = { "ouroboros", true, LOG_LVL_INFO };

static const char * lvl_str[] = { "ERR", "WARN", "INFO", "DBG" };
static const int    lvl_sys[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

void log_init(const char *   ident,
              bool           to_stdout,
              enum log_level max)
{
        snprintf(lg.ident, sizeof(lg.ident), "%s", ident);
        lg.to_stdout = to_stdout;
        lg.max       = max;

        if (!to_stdout)
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
        char    line[1024];
        int     n = 0;
        va_list ap;

        if (lvl > lg.max)
                return;

        if (lg.to_stdout) {
                struct timespec t;
                struct tm       tm;
                clock_gettime(CLOCK_REALTIME, &t);
                localtime_r(&t.tv_sec, &tm);
                n = snprintf(line, sizeof(line),
                             "%02d:%02d:%02d.%03ld %s(%d) %s: ",
                             tm.tm_hour, tm.tm_min, tm.tm_sec,
                             t.tv_nsec / 1000000, lg.ident, getpid(),
                             lvl_str[lvl]);
        }

        va_start(ap, fmt);
        vsnprintf(line + n, sizeof(line) - (size_t) n - 1, fmt, ap);
        va_end(ap);

        if (lg.to_stdout) {
                size_t len = strlen(line);
                line[len++] = '\n';
                if (write(STDOUT_FILENO, line, len) < 0)
                        return;
        } else {
                syslog(lvl_sys[lvl], "%s", line);
        }
}
