/*
 * Validation pair: move a large temporary file (in the page cache) into a
 * pipe with read+write, sendfile, splice and mmap+write. After each chunk the
 * same thread drains the pipe by splicing it to /dev/null, which adds no copy
 * and keeps scheduler wake-ups out of the measurement (the simulator models
 * the drain as part of the loop).
 * Usage: transfer TMPDIR TOTAL_BYTES CHUNK_BYTES.
 * Output: one JSON line with the best (shortest) time of each mechanism in ns.
 */
#include "common.h"
#include <sys/mman.h>
#include <sys/sendfile.h>

#define REPEATS 5

static int pipe_fds[2], null_fd;
static size_t total, chunk;

/* Empties the pipe into /dev/null: page references are dropped, nothing is copied. */
static void drain(size_t n) {
    while (n > 0) {
        ssize_t d = splice(pipe_fds[0], NULL, null_fd, NULL, n, SPLICE_F_MOVE);
        if (d <= 0) die("splice drain");
        n -= (size_t)d;
    }
}

static void write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) die("write");
        p += w;
        n -= (size_t)w;
    }
}

static void move_read_write(int in, char *buf) {
    for (off_t off = 0; (size_t)off < total;) {
        ssize_t r = pread(in, buf, chunk, off);
        if (r <= 0) die("pread");
        write_all(pipe_fds[1], buf, (size_t)r);
        drain((size_t)r);
        off += r;
    }
}

static void move_sendfile(int in) {
    off_t off = 0;
    while ((size_t)off < total) {
        ssize_t n = sendfile(pipe_fds[1], in, &off, chunk);
        if (n <= 0) die("sendfile");
        drain((size_t)n);
    }
}

static void move_splice(int in) {
    loff_t off = 0;
    while ((size_t)off < total) {
        ssize_t n = splice(in, &off, pipe_fds[1], NULL, chunk, SPLICE_F_MOVE);
        if (n <= 0) die("splice");
        drain((size_t)n);
    }
}

static void move_mmap_write(int in) {
    char *map = mmap(NULL, total, PROT_READ, MAP_SHARED, in, 0);
    if (map == MAP_FAILED) die("mmap");
    for (size_t off = 0; off < total; off += chunk) {
        size_t n = total - off < chunk ? total - off : chunk;
        write_all(pipe_fds[1], map + off, n);
        drain(n);
    }
    munmap(map, total);
}

static double run(int mode, int in, char *buf) {
    if (pipe(pipe_fds) != 0) die("pipe");
    /* The pipe must hold a whole chunk, so that write and splice move it in one call. */
    if (fcntl(pipe_fds[1], F_SETPIPE_SZ, (int)chunk) < 0) die("F_SETPIPE_SZ");
    double t0 = now_ns();
    if (mode == 0) move_read_write(in, buf);
    else if (mode == 1) move_sendfile(in);
    else if (mode == 2) move_splice(in);
    else move_mmap_write(in);
    double t = now_ns() - t0;
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return t;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s TMPDIR TOTAL_BYTES CHUNK_BYTES\n", argv[0]);
        return 2;
    }
    total = strtoull(argv[2], NULL, 0);
    chunk = strtoull(argv[3], NULL, 0);
    null_fd = open("/dev/null", O_WRONLY);
    if (null_fd < 0) die("open /dev/null");
    int in = make_temp_file(argv[1], total);
    warm_file(in, total);
    char *buf = aligned_alloc(4096, chunk);
    if (!buf) die("aligned_alloc");
    memset(buf, 0, chunk);
    static const char *names[] = {"read-write", "sendfile", "splice", "mmap-write"};
    double samples[4][REPEATS];
    /* Interleave the mechanisms so that drift in the machine affects all alike. */
    for (int r = 0; r < REPEATS; r++)
        for (int m = 0; m < 4; m++) samples[m][r] = run(m, in, buf);
    printf("{\"bench\":\"transfer\",\"totalBytes\":%zu,\"chunkBytes\":%zu,\"ns\":{", total, chunk);
    for (int m = 0; m < 4; m++) printf("%s\"%s\":%.0f", m ? "," : "", names[m], best_time(samples[m], REPEATS));
    printf("}}\n");
    return 0;
}
