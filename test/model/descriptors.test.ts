/**
 * Descriptor kinds (model/descriptors.ts) and the dataflow helpers they rest
 * on (model/dataflow.ts): what one function shows about its descriptors.
 */
import { describe, expect, it } from 'vitest';
import { assignmentsIn, resultAssignment } from '../../server/src/model/dataflow';
import { descriptorsOf } from '../../server/src/model/descriptors';
import { FileModel } from '../../server/src/model/fileModel';
import type { FunctionModel } from '../../server/src/model/functionModel';
import type { Expr } from '../../server/src/model/ir';
import { syntax } from '../helpers/engine';

async function withFunction(text: string, name: string, body: (fn: FunctionModel) => void): Promise<void> {
  const tree = (await syntax()).parse(text);
  try {
    const file = new FileModel(text, tree);
    const fn = file.model(file.functionNamed(name)!);
    expect(fn).toBeDefined();
    body(fn!);
  } finally {
    tree.delete();
  }
}

function ident(name: string): Expr {
  return { kind: 'ident', name, range: { start: 0, end: 0 } };
}

describe('descriptor kinds', () => {
  it('reads kinds from the calls that produce descriptors', async () => {
    const text = `
      void f(int param, const char *path) {
        int file = open(path, 0);
        int dev = open("/dev/urandom", 0);
        int sock = socket(2, 1, 0);
        int conn;
        if ((conn = accept(sock, 0, 0)) < 0) return;
        int fds[2];
        pipe(fds);
        int ev = eventfd(0, 0);
        FILE *fp = fopen(path, "r");
        int viafileno = fileno(fp);
        int copy = file;
      }`;
    await withFunction(text, 'f', (fn) => {
      const d = descriptorsOf(fn);
      const kind = (name: string): string => d.kindOf(ident(name)).kind;
      expect(kind('file')).toBe('file');
      expect(kind('dev')).toBe('special');
      expect(kind('sock')).toBe('socket');
      expect(kind('conn')).toBe('socket');
      expect(kind('ev')).toBe('special');
      expect(kind('fp')).toBe('file');
      expect(kind('viafileno')).toBe('file');
      expect(kind('copy')).toBe('file');
      expect(kind('param')).toBe('unknown');
      const fds0: Expr = { kind: 'index', object: ident('fds'), index: { kind: 'number', value: 0, text: '0', range: { start: 0, end: 0 } }, range: { start: 0, end: 0 } };
      expect(d.kindOf(fds0).kind).toBe('pipe');
    });
  });

  it('reads kinds from calls that only accept one kind', async () => {
    const text = `
      void g(int a, int b, int c) {
        connect(a, 0, 0);
        ssize_t n = recv(b, 0, 0, 0);
        pread(c, 0, 0, 0);
      }`;
    await withFunction(text, 'g', (fn) => {
      const d = descriptorsOf(fn);
      expect(d.kindOf(ident('a')).kind).toBe('socket');
      expect(d.kindOf(ident('b')).kind).toBe('socket');
      expect(d.kindOf(ident('c')).kind).toBe('file');
    });
  });

  it('gives up on conflicting evidence', async () => {
    const text = `
      void h(int which, const char *path) {
        int fd = which ? open(path, 0) : -1;
        if (which) fd = socket(2, 1, 0); else fd = open(path, 0);
      }`;
    await withFunction(text, 'h', (fn) => {
      expect(descriptorsOf(fn).kindOf(ident('fd')).kind).toBe('unknown');
    });
  });
});

describe('dataflow helpers', () => {
  it('finds where a call result is stored, through casts and comparisons', async () => {
    const text = `
      void k(int fd, char *buf) {
        ssize_t n;
        while ((n = read(fd, buf, 10)) > 0) { }
        long m = (long)read(fd, buf, 10);
        read(fd, buf, 10);
      }`;
    await withFunction(text, 'k', (fn) => {
      const assignments = assignmentsIn(fn.ir.body);
      const reads = fn.calls.filter((s) => s.name === 'read');
      expect(reads.map((r) => resultAssignment(r.call, assignments)?.key)).toEqual(['n', 'm', undefined]);
    });
  });
});
