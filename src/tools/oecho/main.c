/*
 * oecho - command line, signals and error strings.
 *
 *   oecho -l                       echo whatever clients send
 *   oecho [-n NAME] [-m MESSAGE]   send MESSAGE, print the reply
 */
#include "oecho.h"

#include <ouroboros/errno.h>
#include <ouroboros/version.h>

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile sig_atomic_t oecho_stop;

static const struct {
        const char *      name;
        const qosspec_t * qs;
} qos_names[] = {
        { "raw", &qos_raw }, { "raw_no_errors", &qos_raw_no_errors },
        { "raw_crypt", &qos_raw_crypt },
        { "best", &qos_best_effort }, { "best_crypt", &qos_best_effort_crypt },
        { "video", &qos_video }, { "video_crypt", &qos_video_crypt },
        { "voice", &qos_voice }, { "voice_crypt", &qos_voice_crypt },
        { "data", &qos_data }, { "data_crypt", &qos_data_crypt },
};

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

const char * oecho_strerror(int err)
{
        switch (err) {
        case ENOTALLOC:  return "flow not allocated";
        case EIRMD:      return "cannot reach the IRMd (is irmd running?)";
        case EIPCP:      return "IPCP failure";
        case EIPCPSTATE: return "IPCP in wrong state";
        case EFLOWDOWN:  return "flow is down";
        case EFLOWPEER:  return "peer is unresponsive";
        case ENAME:      return "name not found";
        case ECRYPT:     return "encryption failure";
        default:         return strerror(err);
        }
}

static void on_signal(int sig)
{
        (void) sig;
        oecho_stop = 1;
}

static void signals_init(void)
{
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
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
        bool   listen = false;
        char * end;
        size_t i;
        long   v;
        int    c;

        setvbuf(stdout, NULL, _IOLBF, 0);
        opterr = 0;

        while ((c = getopt_long(argc, argv, ":ln:m:q:t:hV", opts, NULL))
               != -1) {
                switch (c) {
                case 'l':
                        listen = true;
                        break;
                case 'n':
                        if (*optarg == '\0') {
                                fprintf(stderr, "oecho: empty name\n");
                                return 2;
                        }
                        cfg.name = optarg;
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
                        for (i = 0; i < sizeof(qos_names) /
                                     sizeof(qos_names[0]); ++i)
                                if (strcmp(optarg, qos_names[i].name) == 0)
                                        break;
                        if (i == sizeof(qos_names) / sizeof(qos_names[0])) {
                                fprintf(stderr, "oecho: unknown QoS '%s' "
                                        "(try raw, best, video, voice, data "
                                        "or one with _crypt)\n", optarg);
                                return 2;
                        }
                        cfg.qos      = *qos_names[i].qs;
                        cfg.qos_name = qos_names[i].name;
                        break;
                case 't':
                        errno = 0;
                        v = strtol(optarg, &end, 10);
                        if (errno != 0 || end == optarg || *end != '\0' ||
                            v < 1 || v > 86400000) {
                                fprintf(stderr, "oecho: invalid -t "
                                        "TIMEOUT_MS '%s' (allowed "
                                        "1..86400000)\n", optarg);
                                return 2;
                        }
                        cfg.timeout_ms = v;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                case 'V':
                        printf("oecho %d.%d.%d\n", OUROBOROS_VERSION_MAJOR,
                               OUROBOROS_VERSION_MINOR,
                               OUROBOROS_VERSION_PATCH);
                        return 0;
                case ':':
                        fprintf(stderr, "oecho: option %s needs a value "
                                "(see oecho --help)\n", argv[optind - 1]);
                        return 2;
                default:
                        if (optopt != 0)
                                fprintf(stderr, "oecho: unknown option "
                                        "'-%c' (see oecho --help)\n", optopt);
                        else
                                fprintf(stderr, "oecho: unknown option "
                                        "'%s' (see oecho --help)\n",
                                        argv[optind - 1]);
                        return 2;
                }
        }

        if (optind < argc) {
                fprintf(stderr, "oecho: unexpected argument '%s' "
                        "(see oecho --help)\n", argv[optind]);
                return 2;
        }

        signals_init();

        if (listen)
                return oecho_server() < 0 ? 2 : 0;

        return oecho_client(&cfg) < 0 ? 1 : 0;
}
