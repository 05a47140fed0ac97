/**
 * Small helpers shared by rules for reading call arguments through the API
 * effects table.
 */
import { apiEffect, argIndex, type ApiEffect, type ArgRole } from '../model/apiEffects';
import type { Expr } from '../model/ir';
import type { CallExpr } from '../model/walk';

/** The argument playing `role` in a call the effects table knows. */
export function argByRole(call: CallExpr, role: ArgRole, effect: ApiEffect | undefined = apiEffect(call.name)): Expr | undefined {
  if (!effect) return undefined;
  const i = argIndex(effect, role);
  return i < 0 ? undefined : call.args[i];
}

/** The byte-count argument of a call, if the table names one. */
export function sizeArg(call: CallExpr, effect: ApiEffect | undefined = apiEffect(call.name)): Expr | undefined {
  return effect?.sizeArg === undefined ? undefined : call.args[effect.sizeArg];
}

/** Source text of a node. */
export function textOf(text: string, node: { range: { start: number; end: number } }): string {
  return text.slice(node.range.start, node.range.end);
}
