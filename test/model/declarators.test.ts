/**
 * Declarators the thread model depends on: a function returning a pointer
 * (`void *worker(void *arg)`, the shape of every pthread start routine) is a
 * function, not a function pointer; `void *(*fp)(void *)` is a pointer.
 */
import { describe, expect, it } from 'vitest';
import { FileModel } from '../../server/src/model/fileModel';
import { syntax } from '../helpers/engine';

async function fileOf(text: string): Promise<{ file: FileModel; done: () => void }> {
  const tree = (await syntax()).parse(text);
  return { file: new FileModel(text, tree), done: () => tree.delete() };
}

describe('declarators', () => {
  it('lowers a function that returns a pointer', async () => {
    const { file, done } = await fileOf('void *worker(void *arg) { int *p = arg; *p = 1; return 0; }\nchar *name(void) { return 0; }\n');
    try {
      const worker = file.model(file.functionNamed('worker')!);
      expect(worker?.ir.returnType.pointerDepth).toBe(1);
      expect(worker?.ir.returnType.functionPointer).toBe(false);
      expect(worker?.params.map((p) => p.name)).toEqual(['arg']);
      expect(file.model(file.functionNamed('name')!)).toBeDefined();
    } finally {
      done();
    }
  });

  it('keeps prototypes of pointer-returning functions out of the globals', async () => {
    const { file, done } = await fileOf('void *worker(void *arg);\nvoid *(*fp)(void *);\n');
    try {
      expect(file.declaredFunctions.has('worker')).toBe(true);
      expect(file.globals.has('worker')).toBe(false);
      expect(file.globals.get('fp')?.type.functionPointer).toBe(true);
    } finally {
      done();
    }
  });
});
