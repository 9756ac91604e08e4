/*
 * Ouroboros - a process may exit while another of its threads is inside
 * the crypto code (a server's acceptor thread generating the key of its
 * next flow_accept): OpenSSL's own cleanup must not run at exit under
 * that thread. Each round forks a child whose thread generates key
 * pairs without pause while the main thread calls exit(); the child must
 * exit cleanly (under ThreadSanitizer, without a report: exit code 66).
 */
#include "common/crypt.h"

#include "../../../tests/check.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 20

static atomic_int keys;

static void * keygen(void * o)
{
        struct crypt_kex * kex;
        uint8_t            pub[CRYPT_PUBKEY_LEN];

        (void) o;
        for (;;) {
                if (crypt_kex_new(&kex, pub) < 0)
                        _exit(3);
                crypt_kex_free(kex);
                atomic_fetch_add(&keys, 1);
        }

        return NULL;
}

static void child(void)
{
        pthread_t t;

        if (pthread_create(&t, NULL, keygen, NULL) != 0)
                _exit(2);
        while (atomic_load(&keys) < 3)
                usleep(100);
        exit(0); /* atexit handlers run; the thread is still generating */
}

int main(void)
{
        int   status;
        int   i;
        pid_t pid;

        for (i = 0; i < ROUNDS; ++i) {
                pid = fork();
                CHECK(pid >= 0);
                if (pid == 0)
                        child();
                CHECK_EQ(waitpid(pid, &status, 0), pid);
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        fprintf(stderr, "round %d: status %#x\n", i, status);
                CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }

        printf("test_crypt_exit: all passed\n");

        return 0;
}
