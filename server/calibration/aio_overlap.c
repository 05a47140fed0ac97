/*
 * Validation pair: for each chunk of a large cached file, compute for a fixed
 * time (a busy loop of COMPUTE_NS). Serial: a blocking pread, then compute.
 * Double-buffered glibc POSIX AIO: compute on one buffer while aio_read fills
 * the other, then aio_suspend and aio_return.
 * Usage: aio_overlap TMPDIR TOTAL_BYTES CHUNK_BYTES COMPUTE_NS.
 * Output: one JSON line with the best (shortest) time of each variant in ns.
 */
#include "common.h"
#include <aio.h>

#define REPEATS 5

static size_t total, chunk;
static double compute_ns;

static double serial(int fd, char *buf) {
    double t0 = now_ns();
    for (off_t off = 0; (size_t)off < total;) {
        ssize_t r = pread(fd, buf, chunk, off);
        if (r <= 0) die("pread");
        spin_ns(compute_ns);
        off += r;
    }
    return now_ns() - t0;
}

static void submit(struct aiocb *cb, int fd, char *buf, off_t off) {
    memset(cb, 0, sizeof *cb);
    cb->aio_fildes = fd;
    cb->aio_buf = buf;
    cb->aio_nbytes = chunk;
    cb->aio_offset = off;
    if (aio_read(cb) != 0) die("aio_read");
}

static double double_buffered(int fd, char *bufs[2]) {
    struct aiocb cbs[2];
    size_t chunks = (total + chunk - 1) / chunk;
    double t0 = now_ns();
    submit(&cbs[0], fd, bufs[0], 0);
    for (size_t k = 0; k < chunks; k++) {
        struct aiocb *cb = &cbs[k % 2];
        const struct aiocb *list[1] = {cb};
        while (aio_error(cb) == EINPROGRESS) aio_suspend(list, 1, NULL);
        if (aio_return(cb) <= 0) die("aio_return");
        if (k + 1 < chunks) submit(&cbs[(k + 1) % 2], fd, bufs[(k + 1) % 2], (off_t)((k + 1) * chunk));
        spin_ns(compute_ns);
    }
    return now_ns() - t0;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s TMPDIR TOTAL_BYTES CHUNK_BYTES COMPUTE_NS\n", argv[0]);
        return 2;
    }
    total = strtoull(argv[2], NULL, 0);
    chunk = strtoull(argv[3], NULL, 0);
    compute_ns = strtod(argv[4], NULL);
    int fd = make_temp_file(argv[1], total);
    warm_file(fd, total);
    char *bufs[2] = {aligned_alloc(4096, chunk), aligned_alloc(4096, chunk)};
    if (!bufs[0] || !bufs[1]) die("aligned_alloc");
    memset(bufs[0], 0, chunk);
    memset(bufs[1], 0, chunk);
    double serial_samples[REPEATS], aio_samples[REPEATS];
    for (int r = 0; r < REPEATS; r++) {
        serial_samples[r] = serial(fd, bufs[0]);
        aio_samples[r] = double_buffered(fd, bufs);
    }
    printf("{\"bench\":\"aio_overlap\",\"totalBytes\":%zu,\"chunkBytes\":%zu,\"computeNs\":%.0f,\"ns\":{\"read-compute\":%.0f,\"aio-double-buffer\":%.0f}}\n",
           total, chunk, compute_ns, best_time(serial_samples, REPEATS), best_time(aio_samples, REPEATS));
    return 0;
}
