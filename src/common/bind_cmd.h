/*
 * Ouroboros - the grammar of bind and unbind, shared by the irm tool
 * (its command line) and the IRMd (its configuration file):
 *
 *   bind program P name N [auto] [-- args...]
 *   bind process PID name N
 *   bind ipcp I name N
 *   unbind program P [name N]
 *   unbind process PID [name N]
 *   unbind ipcp I name N
 *
 * The keywords come in any order and abbreviate (common/args.h).
 * Parsing checks every word and value and fills a struct bind_cmd;
 * errors are one line in args_last_err(). P goes to the IRMd as an
 * absolute path (bind_cmd_path); the messages for what goes wrong when
 * a command runs are here too, so both front-ends word them alike.
 * Strings point into argv, which must outlive the struct.
 */
#ifndef OUROBOROS_COMMON_BIND_CMD_H
#define OUROBOROS_COMMON_BIND_CMD_H

#include <stdbool.h>
#include <sys/types.h>

/* What is bound, in the order of the grammar. */
enum bind_cmd_obj {
        BIND_CMD_PROGRAM = 0,
        BIND_CMD_PROCESS,
        BIND_CMD_IPCP
};

struct bind_cmd {
        bool              unbind;
        enum bind_cmd_obj obj;
        const char *      prog;      /* as written */
        pid_t             pid;
        const char *      ipcp;
        const char *      name;      /* NULL: unbind from every name */
        bool              autostart;
        int               n_args;    /* bind program ... -- args */
        char **           args;
};

/* Parse argv[0..argc), the words after "bind" or "unbind". 0 or
 * -EINVAL. */
int  bind_cmd_parse(bool              unbind,
                    int               argc,
                    char **           argv,
                    struct bind_cmd * cmd);

/*
 * The absolute path of program p into buf (PATH_MAX bytes): a p with a
 * '/' through realpath(3) (an existing regular file; scripts need not
 * be executable), a bare word looked up in $PATH. For unbind, a path
 * that no longer exists is made absolute as it is. 0 or -EINVAL and
 * "program P not found" / "program P is not a regular file".
 */
int  bind_cmd_path(const char * p,
                   char *       buf,
                   bool         unbind);

/* Before bind process: -EINVAL and "no process with pid N" when there
 * is none. */
int  bind_cmd_check_pid(pid_t pid);

/*
 * The message for a failed (un)bind of cmd (path: the program's
 * absolute path; pid: the process, or the IPCP's); err is the IRMd's
 * answer. True and the message in args_last_err() for the cases known
 * here; false and the context ("cannot bind program P to name N") in
 * args_last_err(), for the caller to follow with ": <reason>".
 */
bool bind_cmd_err(const struct bind_cmd * cmd,
                  const char *            path,
                  pid_t                   pid,
                  int                     err);

#endif /* OUROBOROS_COMMON_BIND_CMD_H */
