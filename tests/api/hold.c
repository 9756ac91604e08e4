/*
 * Ouroboros - long-lived endpoints for the scripted tests (kill -9 of a
 * peer or of the IPCP, two IRMds side by side):
 *
 *   hold server NAME dealloc|down   serve NAME, accept one flow, print
 *   hold client NAME dealloc|down   READY, then wait (fevent) for the
 *                                   event; print "EVENT <ev> <ms>" and
 *                                   exit 0 when it came and reads then
 *                                   fail with -EFLOWDOWN
 *   hold tag-server NAME TAG        serve NAME, answer every flow with TAG
 *   hold tag-client NAME            print the tag the server of NAME sent
 *   hold reconnect NAME             tag-client, wait for a line on stdin,
 *                                   tag-client again (IRMd restarted)
 */
#include "common.h"

static int wait_event(int          fd,
                      const char * expect)
{
        int             want = strcmp(expect, "down") == 0 ?
                FLOW_DOWN : FLOW_DEALLOC;
        fset_t *        set  = fset_create();
        fqueue_t *      fq   = fqueue_create();
        struct timespec to   = t_ms(20000);
        char            buf[16];
        int             got  = 0;
        ssize_t         n;

        CHECK(set != NULL && fq != NULL);
        CHECK_EQ(fset_add(set, fd), 0);
        CHECK_EQ(fccntl(fd, FLOWSFLAGS, FLOWFDEFAULT | FLOWFRNOBLOCK), 0);

        while (got == 0) {
                int e;
                n = fevent(set, fq, &to);
                if (n < 0) {
                        printf("NO EVENT %zd\n", n);
                        return 1;
                }
                while (fqueue_next(fq) >= 0) {
                        e = fqueue_type(fq);
                        if (e == FLOW_PKT) /* drain, without blocking */
                                while (flow_read(fd, buf, sizeof(buf)) > 0)
                                        ;
                        printf("event %d\n", e);
                        if (e == want)
                                got = e;
                }
        }

        n = flow_read(fd, buf, sizeof(buf));
        printf("EVENT %s read %zd\n", expect, n);
        fflush(stdout);
        CHECK_EQ(n, -EFLOWDOWN);
        if (want == FLOW_DOWN) /* let the peer see DOWN, not our dealloc */
                sleep(2);
        CHECK_EQ(flow_dealloc(fd), 0);
        fset_destroy(set);
        fqueue_destroy(fq);

        return 0;
}

static int hold(const char * role,
                const char * name,
                const char * expect)
{
        char buf[16];
        int  fd;

        if (strcmp(role, "server") == 0) {
                t_serve_as(name);
                printf("BOUND\n");
                fflush(stdout);
                fd = t_accept(NULL);
                CHECK_EQ(flow_write(fd, "hi", 2), 2);
        } else {
                fd = t_alloc(name, NULL);
                CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 2);
        }

        printf("READY\n");
        fflush(stdout);

        return wait_event(fd, expect);
}

static int tag_server(const char * name,
                      const char * tag)
{
        char buf[16];

        t_serve_as(name);
        printf("BOUND\n");
        fflush(stdout);

        for (;;) {
                int fd = t_accept(NULL);
                CHECK_EQ(flow_write(fd, tag, strlen(tag)), strlen(tag));
                while (flow_read(fd, buf, sizeof(buf)) >= 0)
                        ;
                flow_dealloc(fd);
        }

        return 0;
}

static int tag_client(const char * name)
{
        struct timespec to = t_ms(3000);
        char            buf[64];
        ssize_t         n;
        int             fd;

        fd = flow_alloc(name, NULL, &to);
        if (fd < 0) {
                printf("ERR %d\n", fd);
                return 1;
        }

        n = flow_read(fd, buf, sizeof(buf) - 1);
        CHECK(n > 0);
        buf[n] = '\0';
        printf("%s\n", buf);
        flow_dealloc(fd);

        return 0;
}

/* Two tag-client rounds in one process, the second after a line on
 * stdin (the script restarts the IRMd in between). */
static int reconnect(const char * name)
{
        char line[16];

        if (tag_client(name) != 0)
                return 1;
        fflush(stdout);
        if (fgets(line, sizeof(line), stdin) == NULL)
                return 1;

        return tag_client(name);
}

int main(int     argc,
         char ** argv)
{
        if (argc == 4 && strcmp(argv[1], "tag-server") == 0)
                return tag_server(argv[2], argv[3]);
        if (argc == 3 && strcmp(argv[1], "tag-client") == 0)
                return tag_client(argv[2]);
        if (argc == 3 && strcmp(argv[1], "reconnect") == 0)
                return reconnect(argv[2]);
        if (argc == 4)
                return hold(argv[1], argv[2], argv[3]);

        fprintf(stderr, "usage: see the top of tests/api/hold.c\n");

        return 2;
}
