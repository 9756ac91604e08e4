/*
 * Ouroboros - daemon logging: whole lines with a level, to stdout or
 * syslog (to stderr when no syslog daemon listens, rather than a
 * connection attempt per line). A line is formatted in full before one write, so lines of
 * several threads never interleave.
 */
#include "log.h"

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
                             t.tv_nsec / 1000000, lg.ident,
                             lg.pid != 0 ? lg.pid : getpid(),
                             lvl_str[lvl]);
        }

        va_start(ap, fmt);
        vsnprintf(line + n, sizeof(line) - (size_t) n - 1, fmt, ap);
        va_end(ap);

        if (lg.to_stdout) {
                size_t len = strlen(line);
                line[len++] = '\n';
                if (write(lg.fd, line, len) < 0)
                        return;
        } else {
                syslog(lvl_sys[lvl], "%s", line);
        }
}
