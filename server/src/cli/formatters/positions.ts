/** 1-based line and UTF-16 column positions for output formats. */
import type { TextRange } from '../../engine/types';
import { LineIndex } from '../../syntax/lineIndex';

export interface OneBasedRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

const indexes = new WeakMap<object, LineIndex>();

export function lineIndexFor(owner: { text: string }): LineIndex {
  let index = indexes.get(owner);
  if (!index) {
    index = new LineIndex(owner.text);
    indexes.set(owner, index);
  }
  return index;
}

export function toOneBased(lines: LineIndex, range: TextRange): OneBasedRange {
  const start = lines.positionAt(range.start);
  const end = lines.positionAt(range.end);
  return { line: start.line + 1, column: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1 };
}
