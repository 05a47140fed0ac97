/**
 * One open document: its text and an incrementally maintained tree.
 *
 * Invariant: `tree` always corresponds to `text`. Edits go through
 * `tree.edit` and an incremental re-parse, so a one-character change costs
 * a few milliseconds even in a large file.
 */
import { Edit, type Tree } from 'web-tree-sitter';
import { LineIndex } from './lineIndex';
import type { CSyntax } from './treeSitter';

export class SyntaxDocument {
  private currentText: string;
  private currentTree: Tree;
  private lines: LineIndex;

  constructor(private readonly syntax: CSyntax, text: string) {
    this.currentText = text;
    this.currentTree = syntax.parse(text);
    this.lines = new LineIndex(text);
  }

  get text(): string {
    return this.currentText;
  }

  get tree(): Tree {
    return this.currentTree;
  }

  get lineIndex(): LineIndex {
    return this.lines;
  }

  /** Replaces the UTF-16 range [start, end) of the text with `newText` and re-parses incrementally. */
  applyChange(start: number, end: number, newText: string): void {
    const startPosition = toPoint(this.lines, start);
    const oldEndPosition = toPoint(this.lines, end);
    const text = this.currentText.slice(0, start) + newText + this.currentText.slice(end);
    const lines = this.lines.edited(text, start, end, newText);
    const newEnd = start + newText.length;
    this.currentTree.edit(
      new Edit({
        startIndex: start,
        oldEndIndex: end,
        newEndIndex: newEnd,
        startPosition,
        oldEndPosition,
        newEndPosition: toPoint(lines, newEnd),
      }),
    );
    const tree = this.syntax.parse(text, this.currentTree);
    this.currentTree.delete();
    this.currentTree = tree;
    this.currentText = text;
    this.lines = lines;
  }

  /** Replaces the whole text (a full re-parse). */
  setText(text: string): void {
    const tree = this.syntax.parse(text);
    this.currentTree.delete();
    this.currentTree = tree;
    this.currentText = text;
    this.lines = new LineIndex(text);
  }

  dispose(): void {
    this.currentTree.delete();
  }
}

function toPoint(lines: LineIndex, offset: number): { row: number; column: number } {
  const p = lines.positionAt(offset);
  return { row: p.line, column: p.character };
}
