/*
 * Calibration: the cost of a null system call (getppid), of a 1-byte pread
 * from a cached file (a null call plus the VFS path), and the one-way latency
 * of a pipe ping-pong between two threads (write, wake-up of the sleeping
 * reader, read). Usage: syscall TMPDIR. Output: one JSON line, in ns.
 */
#include "common.h"
#include <pthread.h>
#include <sys/syscall.h>

#define CALLS 200000
#define PINGS 20000

static double per_call_ns(int which, int fd) {
    double samples[5];
    char byte;
    for (int s = 0; s < 5; s++) {
        double t0 = now_ns();
        for (int i = 0; i < CALLS; i++) {
            if (which == 0) syscall(SYS_getppid);
            else if (pread(fd, &byte, 1, 0) != 1) die("pread");
        }
        samples[s] = (now_ns() - t0) / CALLS;
    }
    return best_time(samples, 5);
}

static int ping[2], pong[2];

static void *echo(void *arg) {
    (void)arg;
    char byte;
    for (int i = 0; i < PINGS; i++) {
        if (read(ping[0], &byte, 1) != 1) die("read ping");
        if (write(pong[1], &byte, 1) != 1) die("write pong");
    }
    return NULL;
}

static double pipe_one_way_ns(void) {
    if (pipe(ping) != 0 || pipe(pong) != 0) die("pipe");
    pthread_t thread;
    if (pthread_create(&thread, NULL, echo, NULL) != 0) die("pthread_create");
    char byte = 'x';
    double t0 = now_ns();
    for (int i = 0; i < PINGS; i++) {
        if (write(ping[1], &byte, 1) != 1) die("write ping");
        if (read(pong[0], &byte, 1) != 1) die("read pong");
    }
    double one_way = (now_ns() - t0) / PINGS / 2;
    pthread_join(thread, NULL);
    close(ping[0]); close(ping[1]); close(pong[0]); close(pong[1]);
    return one_way;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s TMPDIR\n", argv[0]);
        return 2;
    }
    int fd = make_temp_file(argv[1], 4096);
    double null_ns = per_call_ns(0, fd);
    double pread_ns = per_call_ns(1, fd);
    double samples[3];
    for (int s = 0; s < 3; s++) samples[s] = pipe_one_way_ns();
    printf("{\"bench\":\"syscall\",\"nullCallNs\":%.1f,\"pread1Ns\":%.1f,\"pipeOneWayNs\":%.1f}\n",
           null_ns, pread_ns, best_time(samples, 3));
    return 0;
}
