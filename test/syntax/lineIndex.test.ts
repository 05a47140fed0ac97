/** LineIndex.edited (the language server's per-keystroke update) must equal a fresh index of the new text. */
import { describe, expect, it } from 'vitest';
import { LineIndex } from '../../server/src/syntax/lineIndex';

function starts(index: LineIndex): number[] {
  return Array.from({ length: index.lineCount }, (_, i) => index.lineStart(i));
}

describe('LineIndex.edited', () => {
  it('equals a fresh index after random edits with \\n, \\r\\n and lone \\r line ends', () => {
    let seed = 99;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces = ['a', 'bc', ' ', '\n', '\r', '\r\n', '\n\r', '😀', 'x\ny', ''];
    for (let round = 0; round < 200; round++) {
      let text = Array.from({ length: rand(30) }, () => pieces[rand(pieces.length)]).join('');
      let index = new LineIndex(text);
      for (let i = 0; i < 50; i++) {
        const start = rand(text.length + 1);
        const end = Math.min(text.length, start + rand(5));
        const inserted = Array.from({ length: rand(3) }, () => pieces[rand(pieces.length)]).join('');
        const next = text.slice(0, start) + inserted + text.slice(end);
        index = index.edited(next, start, end, inserted);
        text = next;
        expect(starts(index), JSON.stringify({ text, start, end, inserted })).toEqual(starts(new LineIndex(text)));
      }
    }
  });
});
