#include <string.h>

void shift(char *buf, int n)
{
    memcpy(buf, buf + 1, n - 1);
}

void slide(char *p, int len)
{
    memcpy(p + 2, p, len);
}
