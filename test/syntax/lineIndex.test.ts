/**
 * LineIndex.edited (the language server's per-keystroke update) must equal a
 * fresh index of the new text; the indexOf scan of long ranges must find the
 * breaks a character-by-character scan finds.
 */
import { describe, expect, it } from 'vitest';
import { LineIndex, scanLineStarts } from '../../server/src/syntax/lineIndex';
import { seededRandom } from '../helpers/random';

function starts(index: LineIndex): number[] {
  return Array.from({ length: index.lineCount }, (_, i) => index.lineStart(i));
}

describe('LineIndex.edited', () => {
  it('equals a fresh index after random edits with \\n, \\r\\n and lone \\r line ends', () => {
    const rand = seededRandom(99);
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

/** The definition: every character looked at, "\r\n" counted once. */
function referenceStarts(text: string, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) {
    const c = text[i];
    if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      out.push(i + 1);
    }
  }
  return out;
}

describe('scanLineStarts', () => {
  it('finds the breaks of long ranges as a plain scan does, up to a range end inside "\\r\\n"', () => {
    const rand = seededRandom(7);
    const pieces = ['abc', ' ', '\n', '\r', '\r\n', '\n\r', '\r\r', 'é😀', 'x'.repeat(40)];
    for (let round = 0; round < 300; round++) {
      const text = Array.from({ length: 50 + rand(400) }, () => pieces[rand(pieces.length)]).join('');
      const from = rand(Math.min(40, text.length));
      const to = Math.max(from, text.length - rand(40));
      const out: number[] = [];
      scanLineStarts(text, from, to, out);
      expect(out, JSON.stringify({ text, from, to })).toEqual(referenceStarts(text, from, to));
    }
  });
});
