/**
 * The `#include` a fix needs: added once, after the last unconditional
 * `#include` that precedes the code using it (never inside an `#if` block,
 * never after the use), or at the top of a file that has none.
 */
import type { TextEdit } from '../engine/types';
import { escapeRegExp, perText } from '../model/textFacts';

/** `#include <header>` for code at `before`, unless the file already includes it. */
export function includeEdit(text: string, header: string, before: number, eol = text.includes('\r\n') ? '\r\n' : '\n'): TextEdit | undefined {
  const already = perText(text, `includes:${header}`, () => new RegExp(`^[ \\t]*#[ \\t]*include[ \\t]*<${escapeRegExp(header)}>`, 'm').test(text));
  if (already) return undefined;
  let insertAt = 0;
  for (const point of perText(text, 'topLevelIncludeEnds', () => topLevelIncludeEnds(text))) {
    if (point.lineStart >= before) break;
    insertAt = point.end;
  }
  return { range: { start: insertAt, end: insertAt }, text: `#include <${header}>${eol}` };
}

/** Where each unconditional `#include` line ends (outside any `#if`), in file order. */
function topLevelIncludeEnds(text: string): { lineStart: number; end: number }[] {
  const out: { lineStart: number; end: number }[] = [];
  let depth = 0;
  const directives = /^[ \t]*#[ \t]*(\w+)[^\n]*(\n|$)/gm;
  for (let m = directives.exec(text); m && m[0].length > 0; m = directives.exec(text)) {
    const directive = m[1];
    if (directive === 'if' || directive === 'ifdef' || directive === 'ifndef') depth++;
    else if (directive === 'endif') depth = Math.max(0, depth - 1);
    else if (directive === 'include' && depth === 0) out.push({ lineStart: m.index, end: m.index + m[0].length });
  }
  return out;
}
