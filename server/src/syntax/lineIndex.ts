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
  private starts: number[] | undefined;

  /** The scan waits for the first question: most files linted in CI have no finding to place. */
  constructor(private readonly text: string, lineStarts?: number[]) {
    this.starts = lineStarts;
  }

  private get lineStarts(): number[] {
    if (!this.starts) {
      this.starts = [0];
      scanLineStarts(this.text, 0, this.text.length, this.starts);
    }
    return this.starts;
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
export function scanLineStarts(text: string, from: number, to: number, out: number[]): void {
  if (to - from < SHORT_SCAN) {
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) out.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        out.push(i + 1);
      }
    }
    return;
  }
  // Long ranges jump from break to break with indexOf, several times faster
  // than a loop over every character (a whole file on first use).
  let lf = nextIndex(text, '\n', from, to);
  let cr = nextIndex(text, '\r', from, to);
  while (lf < to || cr < to) {
    if (lf < cr) {
      out.push(lf + 1);
      lf = nextIndex(text, '\n', lf + 1, to);
    } else {
      const start = text.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
      out.push(start);
      if (lf < start) lf = nextIndex(text, '\n', start, to);
      cr = nextIndex(text, '\r', cr + 1, to);
    }
  }
}

/** Below this many characters the plain loop wins (and `indexOf` would look past `to`). */
const SHORT_SCAN = 256;

function nextIndex(text: string, char: string, from: number, to: number): number {
  const at = from < to ? text.indexOf(char, from) : -1;
  return at < 0 || at >= to ? to : at;
}
