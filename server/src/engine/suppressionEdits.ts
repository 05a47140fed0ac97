/**
 * Text edits that insert suppression directives: "disable RULE for this line"
 * (`// copyscope-disable-next-line RULE` above the flagged line) and "disable
 * RULE for this file" (`/* copyscope-disable RULE *\/` near the top).
 *
 * Invariants: pure functions of the text (no I/O, no tree); offsets are UTF-16
 * code units like every engine range; an edit only inserts (its range is
 * empty) except when it extends an existing next-line directive; the file's
 * line-ending style (LF or CRLF) is kept; when no directive can be inserted
 * without changing what the code means (a line continued from a macro
 * definition, where a `//` comment would swallow the rest of the macro), the
 * function returns undefined instead of an edit.
 */
import type { TextEdit } from './types';

const NEXT_LINE_DIRECTIVE = /^(\s*\/\/\s*copyscope-disable-next-line)\b([^\r\n]*)$/;
const DIRECTIVE_REASON = /\s+--\s/;

/**
 * The edit that suppresses `ruleId` on the line containing `offset`, or
 * undefined when that line cannot carry a directive above it (or already has
 * one that covers the rule).
 */
export function disableNextLineEdit(text: string, offset: number, ruleId: string): TextEdit | undefined {
  const lineStart = lineStartOf(text, Math.max(0, Math.min(offset, text.length)));
  const line = lineAt(text, lineStart);
  const indent = /^[ \t]*/.exec(line)![0];
  const eol = lineEndingOf(text, lineStart);

  if (lineStart > 0) {
    const prevStart = lineStartOf(text, lineStart - 1);
    const prevLine = lineAt(text, prevStart);
    // A line continued by a backslash is part of a macro: a `//` comment line
    // inserted there would comment out the rest of the macro definition.
    if (/\\\r?$/.test(prevLine)) return undefined;
    const existing = NEXT_LINE_DIRECTIVE.exec(prevLine.replace(/\r$/, ''));
    if (existing) return extendDirective(prevStart, existing, ruleId);
  }
  return {
    range: { start: lineStart, end: lineStart },
    text: `${indent}// copyscope-disable-next-line ${ruleId}${eol}`,
  };
}

/**
 * The edit that suppresses `ruleId` in the whole file: a block directive after
 * the file's leading comment (licence header) when a blank line or a
 * preprocessor line follows that comment, else at the very top.
 */
export function disableFileEdit(text: string, ruleId: string): TextEdit {
  const at = fileDirectiveOffset(text);
  const eol = lineEndingOf(text, 0);
  const needsBreakBefore = at > 0 && at === text.length && !text.endsWith('\n');
  return {
    range: { start: at, end: at },
    text: `${needsBreakBefore ? eol : ''}/* copyscope-disable ${ruleId} */${eol}`,
  };
}

/** Adds `ruleId` to an existing `// copyscope-disable-next-line A, B` line. */
function extendDirective(prevStart: number, match: RegExpExecArray, ruleId: string): TextEdit | undefined {
  const rest = match[2];
  const reason = DIRECTIVE_REASON.exec(rest);
  const listText = reason ? rest.slice(0, reason.index) : rest;
  const rules = listText.split(',').map((r) => r.trim()).filter((r) => r.length > 0);
  // No rule named means all rules: nothing to add. The rule already listed: same.
  if (rules.length === 0 || rules.includes(ruleId)) return undefined;
  const listEnd = prevStart + match[1].length + listText.trimEnd().length;
  return { range: { start: listEnd, end: listEnd }, text: `, ${ruleId}` };
}

/** Where a file-level directive goes: see disableFileEdit. */
function fileDirectiveOffset(text: string): number {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const top = pos;
  let afterComments = pos;
  for (;;) {
    const lineEnd = nextLineStart(text, pos);
    const line = text.slice(pos, lineEnd).trim();
    if (line.startsWith('//')) {
      if (line.includes('copyscope-')) break; // keep a directive next to what it governs
      pos = lineEnd;
      afterComments = pos;
      continue;
    }
    if (line.startsWith('/*')) {
      const close = text.indexOf('*/', pos);
      if (close < 0) return top; // unterminated comment: do not try to be clever
      if (text.slice(pos, close).includes('copyscope-')) break;
      // Only whole-line comments count as the header.
      const endLine = nextLineStart(text, close);
      if (text.slice(close + 2, endLine).trim() !== '') break;
      pos = endLine;
      afterComments = pos;
      continue;
    }
    break;
  }
  if (afterComments === top) return top;
  // After a header comment only when it is set apart from the code (blank
  // line, #include, include guard); a comment glued to a declaration documents it.
  const next = text.slice(afterComments, nextLineStart(text, afterComments)).trim();
  if (afterComments >= text.length || next === '' || next.startsWith('#')) return afterComments;
  return top;
}

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just past the next '\n' at or after `offset` (or the text's end). */
function nextLineStart(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}

/** The line starting at `lineStart`, without its '\n' (a '\r' stays). */
function lineAt(text: string, lineStart: number): string {
  const nl = text.indexOf('\n', lineStart);
  return text.slice(lineStart, nl < 0 ? text.length : nl);
}

/** The text's line ending near `offset`: CRLF when that line (or the first line) uses it. */
function lineEndingOf(text: string, offset: number): string {
  let nl = text.indexOf('\n', offset);
  if (nl < 0) nl = text.indexOf('\n');
  return nl > 0 && text.charCodeAt(nl - 1) === 13 ? '\r\n' : '\n';
}
