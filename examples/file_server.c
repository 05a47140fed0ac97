/*
 * A tiny static file server's send path, written the way many are: the file
 * is read into a user-space buffer and written to the socket chunk by chunk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 65536

/* Sends a whole file to a connected socket. */
int send_file(int client, const char *path)
{
    char buf[CHUNK];
    ssize_t n;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        if (write(client, buf, n) != n) {
            close(fd);
            return -1;
        }
    }
    close(fd);
    return n < 0 ? -1 : 0;
}

/* Sends a file through a mapping: one copy less than read+write, still one too many. */
int send_mapped(int client, const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) < 0)
        return -1;
    void *map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        close(fd);
        return -1;
    }
    ssize_t sent = write(client, map, st.st_size);
    munmap(map, st.st_size);
    close(fd);
    return sent == st.st_size ? 0 : -1;
}

/* Copies a file with stdio: the bytes pass through two stdio buffers and user space. */
int copy_with_stdio(FILE *in, FILE *out)
{
    char block[8192];
    size_t got;
    while ((got = fread(block, 1, sizeof block, in)) > 0) {
        if (fwrite(block, 1, got, out) != got)
            return -1;
    }
    return ferror(in) ? -1 : 0;
}
