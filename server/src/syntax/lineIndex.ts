/**
 * Offsets to line/column and back, in UTF-16 code units (LSP's default
 * position encoding, SARIF's column unit, and JS string indexing).
 *
 * Invariant: lines end at "\n", "\r\n" or a lone "\r", as LSP defines them.
 */
export interface LineCharacter {
  /** Zero-based line. */
  line: number;
  /** Zero-based column in UTF-16 code units. */
  character: number;
}

export class LineIndex {
  private readonly lineStarts: number[];

  constructor(private readonly text: string, lineStarts?: number[]) {
    this.lineStarts = lineStarts ?? [0];
    if (!lineStarts) scanLineStarts(text, 0, text.length, this.lineStarts);
  }

  /**
   * The index of `text`, which is this index's text with [start, end)
   * replaced by `inserted`: only the edited lines are scanned again, the
   * others are moved (an editor's keystroke in a large file).
   */
  edited(text: string, start: number, end: number, inserted: string): LineIndex {
    const delta = inserted.length - (end - start);
    // From the start of the line before the edit (a "\r" there may now meet a "\n")
    // to one character past it (an "\r" at its end may meet the next "\n").
    const fromLine = this.positionAt(Math.max(0, start - 1)).line;
    const starts = this.lineStarts.slice(0, fromLine + 1);
    const scanEnd = Math.min(text.length, start + inserted.length + 1);
    scanLineStarts(text, this.lineStarts[fromLine]!, scanEnd, starts);
    const last = starts[starts.length - 1]!;
    for (let i = this.positionAt(end).line + 1; i < this.lineStarts.length; i++) {
      const moved = this.lineStarts[i]! + delta;
      if (moved > last && moved > scanEnd) starts.push(moved);
    }
    return new LineIndex(text, starts);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(offset: number): LineCharacter {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: low, character: clamped - this.lineStarts[low]! };
  }

  offsetAt(position: LineCharacter): number {
    if (position.line < 0) return 0;
    if (position.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[position.line]!;
    const next = position.line + 1 < this.lineStarts.length ? this.lineStarts[position.line + 1]! : this.text.length;
    return Math.max(start, Math.min(start + position.character, next));
  }

  /** Offset where `line` starts. */
  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line, this.lineStarts.length - 1))]!;
  }
}

/** Appends the start of every line that begins after a line break in text[from, to). */
function scanLineStarts(text: string, from: number, to: number, out: number[]): void {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) out.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      out.push(i + 1);
    }
  }
}
