/*
 * Ouroboros - irm: the management tool of the IPC Resource Manager.
 *
 * Parses the command line (cmd.c and the group files), runs it through
 * the management API (libouroboros-dev, irm.h) and prints any error as
 * one line "irm: ..." on stderr. Exit status: see cmd.h and irm(8).
 */
#include "common/args.h"
#include "cmd.h"

#include <stdio.h>
#include <string.h>

/* One line on stderr, whatever bytes the user typed into the message. */
static void print_err(const char * msg)
{
        char   line[1024];
        size_t i;

        snprintf(line, sizeof(line), "%s", msg);
        for (i = 0; line[i] != '\0'; ++i)
                if ((unsigned char) line[i] < 0x20 || line[i] == 0x7f)
                        line[i] = '?';

        fprintf(stderr, "irm: %s\n", line);
}

int main(int    argc,
         char * argv[])
{
        struct irm_cmd cmd;
        int            r;

        setvbuf(stdout, NULL, _IOLBF, 0);

        r = irm_parse(argc, argv, &cmd);
        if (r == IRM_OK)
                r = irm_run(&cmd);

        if (r != IRM_OK)
                print_err(args_last_err()[0] != '\0' ?
                          args_last_err() : "failed");

        irm_cmd_fini(&cmd);

        if (fflush(stdout) != 0 && r == IRM_OK)
                r = IRM_EFAIL;

        return r;
}
