/**
 * Declarators the thread model depends on: a function returning a pointer
 * (`void *worker(void *arg)`, the shape of every pthread start routine) is a
 * function, not a function pointer; `void *(*fp)(void *)` is a pointer.
 */
import { describe, expect, it } from 'vitest';
import { FileModel } from '../../server/src/model/fileModel';
import { syntax } from '../helpers/engine';

/** Runs `check` on the model of `text`, then frees the tree. */
async function withFileModel(text: string, check: (file: FileModel) => void): Promise<void> {
  const tree = (await syntax()).parse(text);
  try {
    check(new FileModel(text, tree));
  } finally {
    tree.delete();
  }
}

describe('declarators', () => {
  it('lowers a function that returns a pointer', async () => {
    await withFileModel('void *worker(void *arg) { int *p = arg; *p = 1; return 0; }\nchar *name(void) { return 0; }\n', (file) => {
      const worker = file.model(file.functionNamed('worker')!);
      expect(worker?.ir.returnType.pointerDepth).toBe(1);
      expect(worker?.ir.returnType.functionPointer).toBe(false);
      expect(worker?.params.map((p) => p.name)).toEqual(['arg']);
      expect(file.model(file.functionNamed('name')!)).toBeDefined();
    });
  });

  it('keeps prototypes of pointer-returning functions out of the globals', async () => {
    await withFileModel('void *worker(void *arg);\nvoid *(*fp)(void *);\n', (file) => {
      expect(file.declaredFunctions.has('worker')).toBe(true);
      expect(file.globals.has('worker')).toBe(false);
      expect(file.globals.get('fp')?.type.functionPointer).toBe(true);
    });
  });

  it('reads storage classes and qualifiers wherever C allows them around the type', async () => {
    const text = [
      'static int a; int static b; extern const int c; int const d; volatile int e, f; int plain;',
      'int use(const char *p, char const *q, int n, register int r) {',
      '  static char buf[4]; const int k = 1; int x, y; char *s = buf; return k + x + y + n + r + (s - p - q);',
      '}',
    ].join('\n');
    await withFileModel(text, (file) => {
      const global = (name: string) => file.globals.get(name)!.type;
      expect(global('a').storage).toEqual(['static']);
      expect(global('b').storage).toEqual(['static']);
      expect([global('c').storage, global('c').qualifiers]).toEqual([['extern'], ['const']]);
      expect(global('d').qualifiers).toEqual(['const']);
      expect([global('e').qualifiers, global('f').qualifiers]).toEqual([['volatile'], ['volatile']]);
      expect([global('plain').storage, global('plain').qualifiers]).toEqual([[], []]);
      const fn = file.model(file.functionNamed('use')!)!;
      const param = (name: string) => fn.params.find((p) => p.name === name)!.type;
      expect([param('p').qualifiers, param('q').qualifiers, param('n').qualifiers]).toEqual([['const'], ['const'], []]);
      expect(param('r').storage).toEqual(['register']);
      const local = (name: string) => fn.locals.find((l) => l.name === name)!.type;
      expect(local('buf').storage).toEqual(['static']);
      expect(local('k').qualifiers).toEqual(['const']);
      expect([local('x').qualifiers, local('s').qualifiers, local('s').storage]).toEqual([[], [], []]);
    });
  });

  it('names prototypes read from the text as the declarator walk does, and leaves other shapes to it', async () => {
    const text = 'int f(void);\nchar **g(int);\nint * const h(void);\nint (*fp)(void);\nint (k)(int);\nstruct s *(*table[2])(void);\nint n = sizeof(int), m(void);\n';
    await withFileModel(text, (file) => {
      expect([...file.declaredFunctions].sort()).toEqual(['f', 'g', 'h', 'k', 'm']);
      expect([...file.globals.keys()].sort()).toEqual(['fp', 'n', 'table']);
    });
  });

  it('reads identifiers with non-ASCII letters and universal character names whole', async () => {
    const text = 'int café = 1;\nint x\\u00e9 = 2;\nint f(int naïve) { int größe = naïve; return größe + café; }\n';
    await withFileModel(text, (file) => {
      expect([...file.globals.keys()].sort()).toEqual(['café', 'x\\u00e9']);
      const fn = file.model(file.functionNamed('f')!)!;
      expect(fn.params.map((p) => p.name)).toEqual(['naïve']);
      expect(fn.locals.map((l) => l.name)).toEqual(['größe']);
      expect(fn.lookup('naïve', text.indexOf('= naïve'))?.kind).toBe('param');
    });
  });
});
