/**
 * Long parses run in slices (syntax/treeSitter.ts): the tree must be the one a
 * single call gives, for a fresh and for an incremental parse, and the parser
 * must be clean for the next text.
 */
import { describe, expect, it, vi } from 'vitest';
import { Edit, Parser } from 'web-tree-sitter';
import { MAX_SOURCE_CHARS } from '../../server/src/syntax/treeSitter';
import { syntax } from '../helpers/engine';

/** About 0.8 MB of C: more than one slice (512K characters), with some variety. */
function bigProgram(): string {
  const parts: string[] = ['#include <string.h>\n'];
  for (let i = 0; i < 6000; i++) {
    parts.push(`static int f${i}(char *dst, const char *src, int n) {\n  if (n > ${i % 97}) { memcpy(dst, src, (unsigned)n); }\n  return n * ${i} /* ${'x'.repeat(i % 40)} */;\n}\n`);
  }
  return parts.join('');
}

describe('sliced parsing', () => {
  it('gives the same tree as one call, fresh and incremental', async () => {
    const c = await syntax();
    const oneCall = new Parser();
    oneCall.setLanguage(c.language);
    const text = bigProgram();
    expect(text.length).toBeGreaterThan(700_000);

    const calls = vi.spyOn(Parser.prototype, 'parse');
    const sliced = c.parse(text);
    // It really ran in slices: each resumed by a call of its own.
    expect(calls.mock.calls.length).toBeGreaterThan(1);
    calls.mockRestore();
    const whole = oneCall.parse(text)!;
    expect(sliced.rootNode.toString() === whole.rootNode.toString()).toBe(true);

    // An edit near the end, re-parsed incrementally.
    const at = text.lastIndexOf('return n');
    const edited = `${text.slice(0, at)}return n + 1${text.slice(at + 'return n'.length)}`;
    const point = sliced.rootNode.descendantForIndex(at)!.startPosition;
    sliced.edit(
      new Edit({ startIndex: at, oldEndIndex: at + 8, newEndIndex: at + 12, startPosition: point, oldEndPosition: { row: point.row, column: point.column + 8 }, newEndPosition: { row: point.row, column: point.column + 12 } }),
    );
    const incremental = c.parse(edited, sliced);
    expect(incremental.rootNode.toString() === oneCall.parse(edited)!.rootNode.toString()).toBe(true);

    // The next, unrelated text starts from scratch.
    expect(c.parse('int x;').rootNode.toString()).toBe('(translation_unit (declaration type: (primitive_type) declarator: (identifier)))');
  });

  it('refuses a text over the limit with its reason instead of letting the runtime abort, and parses on', async () => {
    const c = await syntax();
    expect(() => c.parse(' '.repeat(MAX_SOURCE_CHARS + 1))).toThrow(/^too large to analyse \(64\.0 MiB; the limit is 64 MiB\)$/);
    const tree = c.parse('int x;');
    expect(tree.rootNode.hasError).toBe(false);
    tree.delete();
  });
});
