/*
 * Calibration: the kernel's per-page costs behind pipes, measured in one
 * thread so that no wake-up enters the figures. (1) write() of a 64 KiB user
 * buffer into a pipe, then splice() of the pipe to /dev/null: two calls, one
 * copy, pipe pages allocated and freed. (2) splice() of 64 KiB of a cached
 * file into a pipe, then to /dev/null: two calls, page references only.
 * Also the default pipe capacity and TCP send buffer.
 * Usage: pipe TMPDIR. Output: one JSON line, times per 64 KiB chunk in ns.
 */
#include "common.h"
#include <sys/socket.h>

#define CHUNK 65536
#define ROUNDS 8192

static int p[2], null_fd;

static void drain(void) {
    if (splice(p[0], NULL, null_fd, NULL, CHUNK, SPLICE_F_MOVE) != CHUNK) die("splice drain");
}

static double write_drain_ns(const char *buf) {
    double samples[5];
    for (int s = 0; s < 5; s++) {
        double t0 = now_ns();
        for (int i = 0; i < ROUNDS; i++) {
            if (write(p[1], buf, CHUNK) != CHUNK) die("write");
            drain();
        }
        samples[s] = (now_ns() - t0) / ROUNDS;
    }
    return best_time(samples, 5);
}

static double splice_drain_ns(int file) {
    double samples[5];
    for (int s = 0; s < 5; s++) {
        double t0 = now_ns();
        for (int i = 0; i < ROUNDS; i++) {
            loff_t off = 0;
            if (splice(file, &off, p[1], NULL, CHUNK, SPLICE_F_MOVE) != CHUNK) die("splice in");
            drain();
        }
        samples[s] = (now_ns() - t0) / ROUNDS;
    }
    return best_time(samples, 5);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s TMPDIR\n", argv[0]);
        return 2;
    }
    if (pipe(p) != 0) die("pipe");
    int default_pipe = fcntl(p[1], F_GETPIPE_SZ);
    if (fcntl(p[1], F_SETPIPE_SZ, CHUNK) < 0) die("F_SETPIPE_SZ");
    null_fd = open("/dev/null", O_WRONLY);
    if (null_fd < 0) die("open /dev/null");
    int file = make_temp_file(argv[1], CHUNK);
    warm_file(file, CHUNK);
    static char buf[CHUNK];
    memset(buf, 3, sizeof buf);
    double write_ns = write_drain_ns(buf);
    double splice_ns = splice_drain_ns(file);
    int sock = socket(AF_INET, SOCK_STREAM, 0), sndbuf = 0;
    socklen_t len = sizeof sndbuf;
    if (sock < 0 || getsockopt(sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) != 0) sndbuf = 0;
    printf("{\"bench\":\"pipe\",\"chunkBytes\":%d,\"pageBytes\":%ld,\"writeDrainNs\":%.1f,\"spliceDrainNs\":%.1f,"
           "\"defaultPipeBytes\":%d,\"tcpSendBufferBytes\":%d}\n",
           CHUNK, sysconf(_SC_PAGESIZE), write_ns, splice_ns, default_pipe, sndbuf);
    return 0;
}
