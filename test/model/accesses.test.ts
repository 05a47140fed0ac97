/**
 * Def/use classification (server/src/model/accesses.ts): which storage each
 * mention of a variable touches (its own or what it points to) and how.
 */
import { describe, expect, it } from 'vitest';
import { accessesOf } from '../../server/src/model/accesses';
import { FileModel } from '../../server/src/model/fileModel';
import { syntax } from '../helpers/engine';

/** `name@line: target kind` for every access of `variable` in function `fn`. */
async function accessesIn(text: string, fnName: string, variable: string): Promise<string[]> {
  const tree = (await syntax()).parse(text);
  try {
    const file = new FileModel(text, tree);
    const fn = file.model(file.functionNamed(fnName)!)!;
    const symbol = fn.locals.find((l) => l.name === variable) ?? fn.params.find((p) => p.name === variable) ?? fn.lookup(variable, fn.ir.range.end - 1)!;
    return accessesOf(fn)
      .of(symbol)
      .map((a) => `${text.slice(a.path?.range.start ?? a.range.start, a.path?.range.end ?? a.range.end)}: ${a.target} ${a.kind}${a.init ? ' init' : ''}`);
  } finally {
    tree.delete();
  }
}

const PRELUDE = '#include <string.h>\n#include <unistd.h>\nstruct s { int n; char data[8]; char *p; };\nvoid sink(void *);\n';

describe('accesses', () => {
  it('classifies an array: element writes and reads, decay into known and unknown calls', async () => {
    const text = `${PRELUDE}void f(const char *src, int fd) {\n  char buf[16] = {0};\n  buf[0] = 'a';\n  char c = buf[1];\n  memcpy(buf, src, 4);\n  write(fd, buf + 1, 3);\n  (void)strlen(buf);\n  sink(buf);\n  if (buf == src) return;\n  (void)sizeof buf;\n  (void)c;\n}\n`;
    expect(await accessesIn(text, 'f', 'buf')).toEqual([
      'buf: self write init',
      "buf[0]: self write",
      'buf[1]: self read',
      'buf: self write',
      'buf + 1: self read',
      'buf: self read',
      'buf: self escape',
      'buf: self read',
    ]);
  });

  it('separates a pointer value from what it points to', async () => {
    const text = `${PRELUDE}void g(char *p, char *q, int n) {\n  *p = 1;\n  p[2] = q[3];\n  p++;\n  p = q;\n  memcpy(p, q, n);\n  char *r = p;\n  if (p) sink(0);\n  (void)r;\n}\n`;
    expect(await accessesIn(text, 'g', 'p')).toEqual([
      '*p: pointee write',
      'p[2]: pointee write',
      'p: self readwrite',
      'p: self write',
      'p: pointee write',
      'p: pointee escape',
      'p: self read',
    ]);
    expect(await accessesIn(text, 'g', 'q')).toEqual(['q[3]: pointee read', 'q: pointee escape', 'q: pointee read']);
  });

  it('follows struct members and address-of', async () => {
    const text = `${PRELUDE}void h(struct s *ps) {\n  struct s v;\n  v.n = 1;\n  v.data[0] = 2;\n  v.p[0] = 3;\n  memset(&v, 0, sizeof v);\n  sink(&v.n);\n  ps->data[1] = v.data[1];\n  int d = &v.data[4] - v.data;\n  (void)d;\n}\n`;
    expect(await accessesIn(text, 'h', 'v')).toEqual([
      'v.n: self write',
      'v.data[0]: self write',
      'v.p[0]: pointee write',
      '&v: self write',
      '&v.n: self escape',
      'v.data[1]: self read',
      '&v.data[4]: self read',
      'v.data: self read',
    ]);
    expect(await accessesIn(text, 'h', 'ps')).toEqual(['ps->data[1]: pointee write']);
  });
});
