#include <string.h>

void copy_out(char *dst, const char *src, int n)
{
    memcpy(dst, src, n);
}
