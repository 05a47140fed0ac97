/**
 * Helpers shared by the copy/ rules: building fix text that keeps C's
 * precedence, adding a missing `#include`, and reading simple facts about
 * variables (is this local pointer still the value it was initialised with).
 */
import type { TextEdit } from '../../engine/types';
import { accessesOf } from '../../model/accesses';
import type { FunctionModel, VarSymbol } from '../../model/functionModel';
import type { Expr } from '../../model/ir';
import { stripCasts } from '../../model/walk';

/** True when `e`'s text can stand as an operand of `*` or `-` without parentheses. */
export function isPrimary(e: Expr): boolean {
  switch (e.kind) {
    case 'ident': case 'number': case 'string': case 'char': case 'call': case 'index': case 'field': case 'sizeof':
      return true;
    default:
      return false;
  }
}

/** Source text of `e`, parenthesised when it is not a primary expression. */
export function operandText(text: string, e: Expr): string {
  const source = text.slice(e.range.start, e.range.end);
  return isPrimary(e) && !/^\(.*\)$/s.test(source) ? source : `(${source})`;
}

/**
 * An edit inserting `#include <header>` when the file does not include it:
 * after the last `#include` line at the top level, or at the start of the
 * file. Undefined when the header is already included.
 */
export function includeEdit(text: string, header: string): TextEdit | undefined {
  const escaped = header.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  if (new RegExp(`^[ \\t]*#[ \\t]*include[ \\t]*<${escaped}>`, 'm').test(text)) return undefined;
  let insertAt = 0;
  const includes = /^[ \t]*#[ \t]*include[^\n]*\n/gm;
  for (let m = includes.exec(text); m; m = includes.exec(text)) insertAt = m.index + m[0].length;
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  return { range: { start: insertAt, end: insertAt }, text: `#include <${header}>${newline}` };
}

/**
 * The expression a local pointer was initialised or assigned with, when
 * that is its only definition before `before` and the variable's own
 * storage never escapes (`&p`): then `p` still holds that value at `before`.
 * Parameters and globals are never "known" (callers and other functions set them).
 */
export function onlyDefinition(fn: FunctionModel, symbol: VarSymbol, before: number): Expr | undefined {
  if (symbol.kind !== 'local' || symbol.isStatic) return undefined;
  let value: Expr | undefined;
  let defs = 0;
  for (const a of accessesOf(fn).of(symbol)) {
    if (a.target !== 'self') continue;
    if (a.kind === 'escape' || a.kind === 'readwrite') return undefined;
    if (a.kind !== 'write') continue;
    defs++;
    if (a.range.start >= before) return undefined;
    if (a.init) value = symbol.init;
    else if (a.path && a.stmt.kind === 'expr') value = assignedValue(a.stmt.expr, a.path);
    else return undefined;
  }
  return defs === 1 && value ? stripCasts(value) : undefined;
}

function assignedValue(root: Expr, lhs: Expr): Expr | undefined {
  const stack: Expr[] = [root];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.kind === 'assign' && e.left === lhs && e.op === '=') return e.right;
    if (e.kind === 'comma') stack.push(...e.exprs);
  }
  return undefined;
}
