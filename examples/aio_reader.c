/*
 * Reading a file with POSIX AIO to overlap disk and computation, and the ways
 * that goes wrong.
 */
#include <aio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 65536

static long checksum(const char *p, size_t n)
{
    long sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += p[i];
    return sum;
}

/* Submits a read and immediately waits for it: no overlap at all. */
long read_block_sync(int fd, off_t offset, char *buf)
{
    struct aiocb cb;
    memset(&cb, 0, sizeof cb);
    cb.aio_fildes = fd;
    cb.aio_buf = buf;
    cb.aio_nbytes = BLOCK;
    cb.aio_offset = offset;
    if (aio_read(&cb) == -1)
        return -1;
    const struct aiocb *list[1] = { &cb };
    aio_suspend(list, 1, NULL);
    return aio_return(&cb);
}

/* Polls for completion, burning a core, and peeks at the buffer too early. */
long read_block_polling(int fd, off_t offset, char *buf)
{
    struct aiocb cb;
    memset(&cb, 0, sizeof cb);
    cb.aio_fildes = fd;
    cb.aio_buf = buf;
    cb.aio_nbytes = BLOCK;
    cb.aio_offset = offset;
    if (aio_read(&cb) == -1)
        return -1;
    long early = checksum(buf, 16);
    while (aio_error(&cb) == EINPROGRESS)
        ;
    return aio_return(&cb) + early;
}

/* Reads and processes block after block, one waiting for the other. */
long sum_file(int fd)
{
    static char buf[BLOCK];
    long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        total += checksum(buf, (size_t)n);
    return total;
}
