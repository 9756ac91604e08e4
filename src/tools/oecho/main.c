/*
 * oecho - command line.
 *
 *   oecho -l                       echo whatever clients send
 *   oecho [-n NAME] [-m MESSAGE]   send MESSAGE, print the reply
 */
#include "oecho.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE * f)
{
        fprintf(f,
"Usage: oecho -l\n"
"       oecho [-n NAME] [-m MESSAGE] [-q QOS] [-t TIMEOUT_MS]\n"
"Send a message to an oecho server and print what it sends back.\n"
"\n"
"  -l, --listen          run as server: echo every message on every flow\n"
"  -n, --name NAME       name of the server (default oecho)\n"
"  -m, --message TEXT    message to send, 1..%d bytes\n"
"                        (default \"Client says hi!\")\n"
"  -q, --qos QOS         raw, raw_no_errors, best, video, voice, data, or\n"
"                        one of these with _crypt (default raw)\n"
"  -t, --timeout MS      allocation and reply timeout (default 5000)\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n",
                OECHO_MAX_MSG);
}

int main(int argc, char ** argv)
{
        static const struct option opts[] = {
                { "listen",  no_argument,       NULL, 'l' },
                { "name",    required_argument, NULL, 'n' },
                { "message", required_argument, NULL, 'm' },
                { "qos",     required_argument, NULL, 'q' },
                { "timeout", required_argument, NULL, 't' },
                { "help",    no_argument,       NULL, 'h' },
                { "version", no_argument,       NULL, 'V' },
                { NULL,      0,                 NULL, 0 }
        };
        struct oecho_cfg cfg = {
                .name = "oecho", .message = "Client says hi!",
                .qos_name = "raw", .qos = qos_raw, .timeout_ms = 5000,
        };
        bool listen = false;
        long v = 0;
        int  c;

        tool_init("oecho");

        while ((c = getopt_long(argc, argv, ":ln:m:q:t:hV", opts, NULL))
               != -1) {
                switch (c) {
                case 'l':
                        listen = true;
                        break;
                case 'n':
                        if (tool_parse_name(optarg, &cfg.name))
                                return 2;
                        break;
                case 'm':
                        if (*optarg == '\0' ||
                            strlen(optarg) > OECHO_MAX_MSG) {
                                fprintf(stderr, "oecho: -m MESSAGE must be "
                                        "1..%d bytes\n", OECHO_MAX_MSG);
                                return 2;
                        }
                        cfg.message = optarg;
                        break;
                case 'q':
                        if (tool_qos_parse(optarg, &cfg.qos,
                                           &cfg.qos_name))
                                return 2;
                        break;
                case 't':
                        if (tool_strtol(optarg, 1, 86400000, &v) < 0) {
                                fprintf(stderr, "oecho: invalid -t "
                                        "TIMEOUT_MS '%s' (allowed "
                                        "1..86400000)\n", optarg);
                                return 2;
                        }
                        cfg.timeout_ms = v;
                        break;
                default:
                        return tool_opt_default(c, argv, usage);
                }
        }

        if (tool_no_args(argc, argv))
                return 2;

        if (tool_start(listen))
                return 2;

        if (listen)
                return oecho_server() < 0 ? 2 : 0;

        return oecho_client(&cfg) < 0 ? 1 : 0;
}
