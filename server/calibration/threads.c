/*
 * Calibration: pthread_create until the start routine runs, and pthread_join
 * of a finished thread; glibc POSIX AIO: the time aio_read takes to return
 * (enqueue and wake a helper thread) and the round trip of a 1-byte aio_read
 * of a cached file waited for with aio_suspend.
 * Usage: threads TMPDIR. Output: one JSON line, in ns.
 */
#include "common.h"
#include <aio.h>
#include <pthread.h>

#define THREADS 2000
#define REQUESTS 2000

static void *record_start(void *arg) {
    *(double *)arg = now_ns();
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s TMPDIR\n", argv[0]);
        return 2;
    }
    double create_total = 0, join_total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_t thread;
        double started = 0;
        double t0 = now_ns();
        if (pthread_create(&thread, NULL, record_start, &started) != 0) die("pthread_create");
        /* Join returns after the thread has exited; create cost is until its start routine ran. */
        pthread_join(thread, NULL);
        double t1 = now_ns();
        create_total += started - t0;
        join_total += t1 - started;
    }
    int fd = make_temp_file(argv[1], 4096);
    warm_file(fd, 4096);
    char byte;
    double submit_total = 0, round_total = 0;
    for (int i = 0; i < REQUESTS; i++) {
        struct aiocb cb;
        memset(&cb, 0, sizeof cb);
        cb.aio_fildes = fd;
        cb.aio_buf = &byte;
        cb.aio_nbytes = 1;
        const struct aiocb *list[1] = {&cb};
        double t0 = now_ns();
        if (aio_read(&cb) != 0) die("aio_read");
        double t1 = now_ns();
        while (aio_error(&cb) == EINPROGRESS) aio_suspend(list, 1, NULL);
        if (aio_return(&cb) != 1) die("aio_return");
        double t2 = now_ns();
        if (i > 0) { /* The first request also creates the helper thread. */
            submit_total += t1 - t0;
            round_total += t2 - t0;
        }
    }
    printf("{\"bench\":\"threads\",\"createNs\":%.0f,\"joinNs\":%.0f,\"aioSubmitNs\":%.0f,\"aioRoundTripNs\":%.0f}\n",
           create_total / THREADS, join_total / THREADS, submit_total / (REQUESTS - 1), round_total / (REQUESTS - 1));
    return 0;
}
