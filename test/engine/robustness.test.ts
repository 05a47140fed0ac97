/**
 * The engine on hostile input: it must return (no throw, no hang, no stack
 * overflow) for anything a file system can hold.
 */
import { describe, expect, it } from 'vitest';
import { decodeSource } from '../../server/src/host/sourceFiles';
import { lintText } from '../helpers/engine';

const RELAY = `
#include <string.h>
#include <unistd.h>
static void relay(int in, int out, char *scratch, unsigned long n) {
  char buf[4096];
  ssize_t got;
  while ((got = read(in, buf, sizeof buf)) > 0) write(out, buf, got);
  memcpy(scratch, scratch + 1, n - 1);
}
`;

async function lintsCleanly(text: string): Promise<void> {
  const result = await lintText(text);
  expect(result.ruleFailures).toEqual([]);
}

describe('hostile input', () => {
  it('empty and whitespace-only files', async () => {
    await lintsCleanly('');
    await lintsCleanly('\n\n\t  \r\n');
  });

  it('binary content is detected before linting, and survives if linted anyway', async () => {
    const bytes = new Uint8Array(4096).map((_, i) => (i * 7919) % 256);
    expect(decodeSource(bytes)).toEqual({ ok: false, reason: 'binary file' });
    await lintsCleanly(new TextDecoder().decode(bytes));
  });

  it('invalid UTF-8 decodes with replacement characters and lints', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('/* '), 0xff, 0xfe, 0xc3, ...new TextEncoder().encode(' */\n' + RELAY)]);
    const decoded = decodeSource(bytes);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.text).toContain('\uFFFD');
    const result = await lintText(decoded.text);
    expect(result.ruleFailures).toEqual([]);
    expect(result.findings.some((f) => f.ruleId === 'copy/overlapping-memcpy')).toBe(true);
  });

  it('50,000-deep nested parentheses', async () => {
    const deep = `int f(char *b, unsigned long n) { memcpy(b, b + 1, ${'('.repeat(50_000)}n${')'.repeat(50_000)}); return 0; }\n`;
    await lintsCleanly(deep);
    const unbalanced = `int g(void) { return ${'('.repeat(50_000)}1; }\n`;
    await lintsCleanly(unbalanced);
  });

  it('deeply nested blocks and statements', async () => {
    await lintsCleanly(`void f(void) ${'{ if (x) '.repeat(20_000)}; ${'}'.repeat(20_000)}\n`);
  });

  it('unterminated comments, strings and character literals', async () => {
    await lintsCleanly(`${RELAY}\n/* never closed\nint x = 1;`);
    await lintsCleanly(`${RELAY}\nconst char *s = "never closed;\nint y;`);
    await lintsCleanly(`${RELAY}\nchar c = '\n`);
    await lintsCleanly(`void f(void) { memcpy(a, a + 1, `);
  });

  it('macro-heavy code', async () => {
    const macros = `
#define DECL(T, n) T n##_buf[64]
#define COPY(d, s) memcpy((d), (s), sizeof(d))
#define LOOP(i, n) for (int i = 0; i < (n); i++)
DECL(char, in);
static void f(char *p) {
  LOOP(i, 10) { COPY(in_buf, p); }
  FOREACH_ITEM(list, it) { memcpy(it->data, it->data + 1, it->len - 1); }
  __attribute__((unused)) int unused_var = ({ int t = 1; t; });
  asm volatile("" ::: "memory");
}
`;
    await lintsCleanly(macros.repeat(50));
  });

  it('a 10 MB file', async () => {
    const chunk = RELAY.replace(/relay/g, 'relay_N') + 'static int table_N[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };\n';
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 10 * 1024 * 1024; i++) {
      const part = chunk.replace(/_N/g, `_${i}`);
      parts.push(part);
      size += part.length;
    }
    const result = await lintText(parts.join(''));
    expect(result.ruleFailures).toEqual([]);
    expect(result.findings.filter((f) => f.ruleId === 'copy/overlapping-memcpy').length).toBe(parts.length);
  }, 120_000);

  it('NUL bytes and control characters inside text', async () => {
    await lintsCleanly(`int a;\u0000\u0001\u0002 ${RELAY} \u001b[31m`);
  });
});
