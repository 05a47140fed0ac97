/*
 * Packet handling with the copy mistakes that reviews keep finding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR_LEN 16
#define NAME_LEN 32

struct packet {
    size_t len;
    unsigned char data[1500];
};

struct session {
    char name[NAME_LEN];
    unsigned char key[32];
};

/* Drops the header in place. */
void strip_header(struct packet *p)
{
    memcpy(p->data, p->data + HDR_LEN, p->len - HDR_LEN);
    p->len -= HDR_LEN;
}

/* Copies the session key: sizeof a pointer is 8, the key is 32 bytes. */
void save_key(struct session *s, const unsigned char *key)
{
    memcpy(s->key, key, sizeof(key));
}

/* Names the session from untrusted input. */
void set_name(struct session *s, const char *user)
{
    strcpy(s->name, user);
}

/* Copies a fixed-size header into a buffer that is too small for it. */
void read_header(const struct packet *p)
{
    unsigned char hdr[8];
    memcpy(hdr, p->data, HDR_LEN);
    printf("%02x\n", hdr[0]);
}

/* Copies one element at a time. */
void clone_payload(unsigned char *dst, const struct packet *p)
{
    for (size_t i = 0; i < p->len; i++)
        dst[i] = p->data[i];
}
