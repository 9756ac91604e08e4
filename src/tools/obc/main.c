/*
 * obc - command line.
 *
 *   obc -n LAYER -l [-c COUNT]                      print every message
 *   obc -n LAYER -m MESSAGE [-c COUNT] [-i INTERVAL]  send, then exit
 *   obc -n LAYER -m -                               send stdin's lines
 */
#include "obc.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE * f)
{
        fprintf(f,
"Usage: obc -n LAYER -l [-c COUNT] [-t TIMEOUT_MS]\n"
"       obc -n LAYER -m MESSAGE [-c COUNT] [-i INTERVAL] [-t TIMEOUT_MS]\n"
"       obc -n LAYER -m - [-i INTERVAL] [-t TIMEOUT_MS]\n"
"Join the broadcast layer LAYER: print what the other members send, or\n"
"send to all of them.\n"
"\n"
"  -n, --name LAYER      the broadcast layer to join (required)\n"
"  -l, --listen          print every message, one a line (bytes other\n"
"                        than printable ASCII escaped: \\n, \\t, \\r, \\\\,\n"
"                        \\xHH), until SIGINT or SIGTERM\n"
"  -m, --message TEXT    send TEXT and exit; '-' sends each line of stdin\n"
"                        (without its newline) until its end\n"
"  -c, --count N         -m: send the message N times (default 1);\n"
"                        -l: exit after N messages (default: never)\n"
"  -i, --interval TIME   -m: wait TIME between messages (ms, or with a\n"
"                        unit ms, s, m, h or d; default 0)\n"
"  -t, --timeout MS      join timeout (default 5000)\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n");
}

static int bad(const char * what)
{
        fprintf(stderr, "obc: %s\n", what);

        return TOOL_EXIT_USAGE;
}

int main(int argc, char ** argv)
{
        static const struct option opts[] = {
                { "name",     required_argument, NULL, 'n' },
                { "listen",   no_argument,       NULL, 'l' },
                { "message",  required_argument, NULL, 'm' },
                { "count",    required_argument, NULL, 'c' },
                { "interval", required_argument, NULL, 'i' },
                { "timeout",  required_argument, NULL, 't' },
                { "help",     no_argument,       NULL, 'h' },
                { "version",  no_argument,       NULL, 'V' },
                { NULL,       0,                 NULL, 0 }
        };
        struct obc_cfg cfg = { .timeout_ms = 5000 };
        bool listen = false;
        bool has_c  = false;
        bool has_i  = false;
        int  c;

        tool_init("obc");

        while ((c = getopt_long(argc, argv, ":n:lm:c:i:t:hV", opts, NULL))
               != -1) {
                switch (c) {
                case 'n':
                        if (tool_parse_name(optarg, &cfg.layer))
                                return TOOL_EXIT_USAGE;
                        break;
                case 'l':
                        listen = true;
                        break;
                case 'm':
                        if (*optarg == '\0')
                                return bad("-m MESSAGE is empty");
                        cfg.message = optarg;
                        break;
                case 'c':
                        if (tool_parse_long("-c", optarg, 1, 1000000000L,
                                            &cfg.count))
                                return TOOL_EXIT_USAGE;
                        has_c = true;
                        break;
                case 'i':
                        if (tool_parse_duration("-i", optarg, 1, 0,
                                                86400000L,
                                                &cfg.interval_ms))
                                return TOOL_EXIT_USAGE;
                        has_i = true;
                        break;
                case 't':
                        if (tool_parse_long("-t", optarg, 1, 86400000L,
                                            &cfg.timeout_ms))
                                return TOOL_EXIT_USAGE;
                        break;
                default:
                        return tool_opt_default(c, argv, usage);
                }
        }

        if (tool_no_args(argc, argv))
                return TOOL_EXIT_USAGE;
        if (cfg.layer == NULL)
                return bad("-n LAYER is required (see --help)");
        if (listen == (cfg.message != NULL))
                return bad("give one of -l (listen) and -m MESSAGE (send)");
        if (listen && has_i)
                return bad("-i goes with -m, not with -l");
        if (cfg.message != NULL && strcmp(cfg.message, "-") == 0 && has_c)
                return bad("-c goes with -m MESSAGE, not with -m -");
        if (!has_c)
                cfg.count = listen ? 0 : 1;

        /* both wait in bounded slices: a signal thread sets the flag */
        if (tool_start(false))
                return TOOL_EXIT_USAGE;

        if (listen)
                return obc_listen(&cfg) < 0 ? 1 : 0;

        return obc_send(&cfg) < 0 ? 1 : 0;
}
