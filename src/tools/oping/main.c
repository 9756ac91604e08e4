/*
 * oping - command line.
 *
 *   oping -l                       serve: echo every probe back
 *   oping -n NAME [options]        ping NAME and print statistics
 */
#include "oping.h"

#include <getopt.h>
#include <stdio.h>

static void usage(FILE * f)
{
        fprintf(f,
"Usage: oping -l [-q QOS]\n"
"       oping -n NAME [-c COUNT] [-i INTERVAL_MS] [-s SIZE] [-f] [-w SECONDS]\n"
"             [-q QOS] [-t TIMEOUT_MS] [-Q] [-u]\n"
"Measure the round-trip time of a flow to NAME (ping for Ouroboros).\n"
"\n"
"  -l, --listen          run as server: echo every packet on every flow\n"
"  -n, --name NAME       name of the oping server to ping\n"
"  -c, --count COUNT     stop after COUNT probes (default: until interrupted)\n"
"  -i, --interval MS     time between probes in ms (default 1000);\n"
"                        0 = as fast as possible, one probe outstanding\n"
"  -s, --size SIZE       probe size in bytes, %d..%d (default %d)\n"
"  -f, --flood           send without waiting for replies (implies -Q;\n"
"                        default interval 0)\n"
"  -w, --deadline SEC    stop after SEC seconds whatever was received\n"
"  -q, --qos QOS         raw, raw_no_errors, best, video, voice, data, or\n"
"                        one of these with _crypt (default raw)\n"
"  -t, --timeout MS      flow allocation and reply timeout (default 2000)\n"
"  -Q, --quiet           print only the summary\n"
"  -u, --usec            print times in microseconds instead of ms\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n"
"\n"
"Exit status: 0 if replies were received, 1 if none, 2 on errors.\n",
                OPING_HDR_LEN, OPING_MAX_SIZE, OPING_DEF_SIZE);
}

int main(int argc, char ** argv)
{
        static const struct option opts[] = {
                { "listen",   no_argument,       NULL, 'l' },
                { "name",     required_argument, NULL, 'n' },
                { "count",    required_argument, NULL, 'c' },
                { "interval", required_argument, NULL, 'i' },
                { "size",     required_argument, NULL, 's' },
                { "flood",    no_argument,       NULL, 'f' },
                { "deadline", required_argument, NULL, 'w' },
                { "qos",      required_argument, NULL, 'q' },
                { "timeout",  required_argument, NULL, 't' },
                { "quiet",    no_argument,       NULL, 'Q' },
                { "usec",     no_argument,       NULL, 'u' },
                { "help",     no_argument,       NULL, 'h' },
                { "version",  no_argument,       NULL, 'V' },
                { NULL,       0,                 NULL, 0 }
        };
        struct oping_cfg cfg = {
                .name = NULL, .qos_name = "raw", .qos = qos_raw,
                .count = 0, .interval_ms = 1000, .size = OPING_DEF_SIZE,
                .deadline_s = 0, .timeout_ms = 2000,
        };
        bool listen = false;
        bool interval_set = false;
        long v;
        int  c;

        tool_init("oping");

        while ((c = getopt_long(argc, argv, ":ln:c:i:s:fw:q:t:QuhV",
                                opts, NULL)) != -1) {
                switch (c) {
                case 'l':
                        listen = true;
                        break;
                case 'n':
                        if (tool_parse_name(optarg, &cfg.name))
                                return 2;
                        break;
                case 'c':
                        if (tool_parse_long("-c COUNT", optarg, 1,
                                            1000000000, &v))
                                return 2;
                        cfg.count = v;
                        break;
                case 'i':
                        if (tool_parse_long("-i INTERVAL_MS", optarg, 0,
                                            3600000, &v))
                                return 2;
                        cfg.interval_ms = v;
                        interval_set    = true;
                        break;
                case 's':
                        if (tool_parse_long("-s SIZE", optarg,
                                            OPING_HDR_LEN, OPING_MAX_SIZE,
                                            &v))
                                return 2;
                        cfg.size = (size_t) v;
                        break;
                case 'f':
                        cfg.flood = true;
                        cfg.quiet = true;
                        break;
                case 'w':
                        if (tool_parse_long("-w SECONDS", optarg, 1,
                                            86400 * 365, &v))
                                return 2;
                        cfg.deadline_s = v;
                        break;
                case 'q':
                        if (tool_qos_parse(optarg, &cfg.qos, &cfg.qos_name))
                                return 2;
                        break;
                case 't':
                        if (tool_parse_long("-t TIMEOUT_MS", optarg, 1,
                                            86400000, &v))
                                return 2;
                        cfg.timeout_ms = v;
                        break;
                case 'Q':
                        cfg.quiet = true;
                        break;
                case 'u':
                        cfg.usec = true;
                        break;
                default:
                        return tool_opt_default(c, argv, usage);
                }
        }

        if (tool_no_args(argc, argv))
                return 2;

        if (cfg.flood && !interval_set)
                cfg.interval_ms = 0;

        if (!listen && cfg.name == NULL) {
                fprintf(stderr, "oping: need -n NAME to ping, or -l to "
                        "listen (see oping --help)\n");
                return 2;
        }

        if (tool_start(listen))
                return 2;

        if (listen)
                return oping_server(&cfg) < 0 ? 2 : 0;

        return oping_client(&cfg);
}
