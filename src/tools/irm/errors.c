/*
 * Ouroboros - irm: messages for errors reported by the IRMd.
 *
 * One table maps the negative errnos the management API returns (the
 * project's codes and the system's) to short messages; irm_fail puts
 * the context of the failed command in front.
 */
#include "common/args.h"
#include "cmd.h"

#include "common/rundir.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
        int          err;
        const char * msg;
} errors[] = {
        { ENOTALLOC,    "flow is not allocated" },
        { EIPCPTYPE,    "IPCP type not available" },
        { EIRMD,        "cannot reach the IRMd" },
        { EIPCP,        "the IPCP failed or did not answer" },
        { EIPCPSTATE,   "the IPCP is in the wrong state" },
        { EFLOWDOWN,    "flow is down" },
        { EFLOWPEER,    "flow peer is unresponsive" },
        { ENAME,        "naming error (unknown name or name in use)" },
        { ECRYPT,       "cryptographic error" },
        { ENOENT,       "not found" },
        { EEXIST,       "already exists" },
        { EPERM,        "not permitted" },
        { EACCES,       "permission denied" },
        { EINVAL,       "invalid argument" },
        { ENAMETOOLONG, "name too long" },
        { EBADMSG,      "malformed message from the IRMd" },
        { ETIMEDOUT,    "the IRMd did not answer in time" },
        { ENOMEM,       "out of memory" },
        { EBUSY,        "in use" },
        { ENOTSUP,      "not supported" },
        { ENOSYS,       "not implemented by the IRMd" },
        { EHOSTUNREACH, "destination unreachable" },
        { ECONNREFUSED, "refused by the peer" },
        { EAGAIN,       "resource temporarily unavailable" },
        { ESRCH,        "no such process" },
        { EMSGSIZE,     "request too large" },
};

const char * irm_strerror(int err)
{
        size_t i;

        if (err < 0)
                err = -err;

        for (i = 0; i < ARRAY_LEN(errors); ++i)
                if (errors[i].err == err)
                        return errors[i].msg;

        return strerror(err);
}

int irm_fail(int          err,
             const char * fmt,
             ...)
{
        char    ctx[768];
        char    dir[256];
        va_list ap;

        if (err == -EIRMD) {
                if (rundir_get(dir, sizeof(dir)) < 0)
                        strcpy(dir, "?");
                args_err("no IRMd is running (OUROBOROS_RUNDIR=%s)", dir);
                return IRM_EFAIL;
        }

        va_start(ap, fmt);
        vsnprintf(ctx, sizeof(ctx), fmt, ap);
        va_end(ap);

        args_err("%s: %s", ctx, irm_strerror(err));

        return IRM_EFAIL;
}
