/*
 * oping - command line.
 *
 *   oping -l                       serve: echo every probe back
 *   oping -n NAME [options]        ping NAME and print statistics
 *
 * Besides its own options it takes the classic oping's (0.21) with their
 * meaning and units: --server-name, -d DURATION, -D, -i with units.
 */
#include "oping.h"

#include <getopt.h>
#include <stdio.h>

static void usage(FILE * f)
{
        fprintf(f,
"Usage: oping -l [-q QOS]\n"
"       oping -n NAME [-c COUNT] [-i INTERVAL] [-d DURATION] [-s SIZE] [-f]\n"
"             [-w DEADLINE] [-q QOS] [-t TIMEOUT_MS] [-Q] [-D] [-u]\n"
"Measure the round-trip time of a flow to NAME (ping for Ouroboros).\n"
"\n"
"  -l, --listen          run as server: echo every packet on every flow\n"
"  -n, --name NAME       name of the oping server to ping\n"
"      --server-name NAME  the same (classic name)\n"
"  -c, --count COUNT     stop after COUNT probes (default: until interrupted)\n"
"  -i, --interval TIME   time between probes (default 1000ms); a bare\n"
"                        number is ms, units ms, s, m, h, d; 0 = as fast\n"
"                        as possible, one probe outstanding\n"
"  -d, --duration TIME   length of the test: DURATION/INTERVAL probes (or\n"
"                        a deadline when the interval is 0); a bare number\n"
"                        is ms, units as for -i (e.g. 10s)\n"
"  -s, --size SIZE       probe size in bytes, %d..%d (default %d)\n"
"  -f, --flood           send without waiting for replies (implies -Q;\n"
"                        default interval 0)\n"
"  -w, --deadline TIME   stop after TIME whatever was received; a bare\n"
"                        number is seconds\n"
"  -q, --qos QOS         raw, raw_no_errors, best, video, voice, data, or\n"
"                        one of these with _crypt (default raw)\n"
"  -t, --timeout MS      flow allocation and reply timeout (default 2000)\n"
"  -Q, --quiet           print only the summary\n"
"  -D, --timeofday       print the time of day before each line\n"
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
                { "server-name", required_argument, NULL, 'n' },
                { "count",    required_argument, NULL, 'c' },
                { "interval", required_argument, NULL, 'i' },
                { "duration", required_argument, NULL, 'd' },
                { "size",     required_argument, NULL, 's' },
                { "flood",    no_argument,       NULL, 'f' },
                { "deadline", required_argument, NULL, 'w' },
                { "qos",      required_argument, NULL, 'q' },
                { "timeout",  required_argument, NULL, 't' },
                { "quiet",    no_argument,       NULL, 'Q' },
                { "usec",     no_argument,       NULL, 'u' },
                { "timeofday", no_argument,      NULL, 'D' },
                { "help",     no_argument,       NULL, 'h' },
                { "version",  no_argument,       NULL, 'V' },
                { NULL,       0,                 NULL, 0 }
        };
        struct oping_cfg cfg = {
                .name = NULL, .qos_name = "raw", .qos = qos_raw,
                .count = 0, .interval_ms = 1000, .size = OPING_DEF_SIZE,
                .deadline_ms = 0, .timeout_ms = 2000,
        };
        bool listen = false;
        bool interval_set = false;
        long duration_ms  = 0;
        long v;
        int  c;

        tool_init("oping");

        while ((c = getopt_long(argc, argv, ":ln:c:i:d:s:fw:q:t:QuDhV",
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
                        if (tool_parse_duration("-i INTERVAL", optarg, 1, 0,
                                                3600000, &v))
                                return 2;
                        cfg.interval_ms = v;
                        interval_set    = true;
                        break;
                case 'd':
                        if (tool_parse_duration("-d DURATION", optarg, 1, 1,
                                                86400000L * 365, &v))
                                return 2;
                        duration_ms = v;
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
                        if (tool_parse_duration("-w DEADLINE", optarg, 1000,
                                                1, 86400000L * 365, &v))
                                return 2;
                        cfg.deadline_ms = v;
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
                case 'D':
                        cfg.timeofday = true;
                        break;
                default:
                        return tool_opt_default(c, argv, usage);
                }
        }

        if (tool_no_args(argc, argv))
                return 2;

        if (cfg.flood && !interval_set)
                cfg.interval_ms = 0;

        /* -d as the classic oping: DURATION/INTERVAL probes, over -c */
        if (duration_ms > 0 && cfg.interval_ms > 0)
                cfg.count = duration_ms / cfg.interval_ms > 0 ?
                        duration_ms / cfg.interval_ms : 1;
        else if (duration_ms > 0)
                cfg.deadline_ms = duration_ms;

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
