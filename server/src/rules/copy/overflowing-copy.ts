/**
 * copy/overflowing-copy: a copy, fill or I/O call whose byte count is a
 * compile-time constant larger than the object it writes (or, for calls
 * that read exactly that many bytes, the object it reads).
 *
 * Object sizes are only taken where they are certain: array variables,
 * `&object`, string literals, and array members that are not the last
 * member of a struct (a trailing array may be the "struct hack", allocated
 * longer than declared). Pointers, whose target size is unknown, are never
 * judged.
 */
import type { Rule } from '../../engine/rule';
import { apiEffect, type ApiEffect } from '../../model/apiEffects';
import type { FunctionModel } from '../../model/functionModel';
import { forEachExpr, type CallExpr } from '../../model/walk';
import { textOf } from '../callArgs';
import { layoutIsExact, objectBytes } from './common';

/** How each checked call uses its count: `exact` moves exactly that many bytes, `upTo` at most that many. */
const CHECKED: Record<string, { dst?: 'exact' | 'upTo'; src?: 'exact' }> = {
  memcpy: { dst: 'exact', src: 'exact' },
  memmove: { dst: 'exact', src: 'exact' },
  mempcpy: { dst: 'exact', src: 'exact' },
  memset: { dst: 'exact' },
  bzero: { dst: 'exact' },
  strncpy: { dst: 'exact' },
  snprintf: { dst: 'upTo' },
  vsnprintf: { dst: 'upTo' },
  fgets: { dst: 'upTo' },
  read: { dst: 'upTo' },
  pread: { dst: 'upTo' },
  pread64: { dst: 'upTo' },
  recv: { dst: 'upTo' },
  recvfrom: { dst: 'upTo' },
  fread: { dst: 'upTo' },
  write: { src: 'exact' },
  pwrite: { src: 'exact' },
  pwrite64: { src: 'exact' },
  send: { src: 'exact' },
  sendto: { src: 'exact' },
  fwrite: { src: 'exact' },
};

const CHECKED_NAMES: ReadonlySet<string> = new Set(Object.keys(CHECKED));

export const overflowingCopy: Rule = {
  id: 'copy/overflowing-copy',
  summary: 'A constant byte count is larger than the object a copy writes or reads.',
  defaultSeverity: 'error',
  fix: 'none',
  messages: {
    dstExact: "'{{callee}}' writes {{count}} bytes into '{{object}}', which has {{size}}: {{over}} past its end {{verb}} overwritten",
    dstUpTo: "'{{callee}}' may write up to {{count}} bytes into '{{object}}', which has {{size}}: a long enough input overflows it by {{over}}",
    srcExact: "'{{callee}}' reads {{count}} bytes from '{{object}}', which has {{size}}: {{over}} past its end {{verb}} read",
  },
  // A checked call with an argument that can fold to a constant: a number, an UPPER_CASE name that is not a
  // macro call, or `sizeof` of anything but a dereference (`sizeof *p` sizes a pointer's target: never judged).
  scope: 'function',
  // The candidates also accept `read64` and `write64` (`p?read(?:64)?`), so the triggers must too.
  triggers: [...CHECKED_NAMES, 'read64', 'write64'],
  candidates: /\b(?:mem(?:p?cpy|move|set)|bzero|strncpy|v?snprintf|fgets|p?read(?:64)?|recv(?:from)?|fread|p?write(?:64)?|send(?:to)?|fwrite)\s*\((?:[^;]*?,)?\s*(?:\(\s*(?:size_t|int|unsigned)\s*\)\s*)?(?:\d|[A-Z_][A-Z0-9_]*\b(?!\s*\()|sizeof\b(?!\s*\(?\s*\*))/,
  check(ctx) {
    for (const fn of ctx.functions()) {
      // Only the checked calls are lowered: the rest of the body is never needed here.
      for (const call of fn.callsTo(CHECKED_NAMES)) {
        const how = call.name ? CHECKED[call.name] : undefined;
        if (!how) continue;
        const effect = apiEffect(call.name)!;
        const count = byteCount(call, effect, fn);
        // A count that does not fold to a constant cannot be judged.
        if (count === undefined || count <= 0) continue;
        // A `sizeof` of a bit-field or packed struct: the model's size is not the compiler's.
        if (!countIsExact(call, effect, fn)) continue;
        for (const role of ['dst', 'src'] as const) {
          const mode = how[role];
          const argIndex = effect.args.findIndex((a) => a.role === role);
          const arg = mode && argIndex >= 0 ? call.args[argIndex] : undefined;
          if (!mode || !arg) continue;
          const object = objectBytes(arg, fn);
          // An object whose size is not certain, or a count that fits.
          if (!object || count <= object.bytes) continue;
          const text = fn.file.text;
          ctx.report({
            messageId: role === 'src' ? 'srcExact' : mode === 'exact' ? 'dstExact' : 'dstUpTo',
            data: { callee: call.name!, count, object: textOf(text, arg), size: plural(object.bytes), over: plural(count - object.bytes), verb: count - object.bytes === 1 ? 'is' : 'are' },
            range: countRange(call, effect),
            related: object.declared ? [{ range: object.declared, message: `'${object.name}' is declared here with ${plural(object.bytes)}` }] : [],
            functionName: fn.name,
          });
          break;
        }
      }
    }
  },
};

function plural(n: number): string {
  return n === 1 ? '1 byte' : `${n} bytes`;
}

/** The folded byte count (`fread`/`fwrite`: size × count). */
function byteCount(call: CallExpr, effect: ApiEffect, fn: FunctionModel): number | undefined {
  if (effect.sizeProduct) {
    const a = fn.fold(call.args[effect.sizeProduct[0]]);
    const b = fn.fold(call.args[effect.sizeProduct[1]]);
    return a === undefined || b === undefined ? undefined : a * b;
  }
  return effect.sizeArg === undefined ? undefined : fn.fold(call.args[effect.sizeArg]);
}

/** Where the squiggle goes: the count argument (both factors for `fread`/`fwrite`). */
function countRange(call: CallExpr, effect: ApiEffect): { start: number; end: number } {
  if (effect.sizeProduct) {
    const a = call.args[effect.sizeProduct[0]]!;
    const b = call.args[effect.sizeProduct[1]]!;
    return { start: a.range.start, end: b.range.end };
  }
  return call.args[effect.sizeArg!]!.range;
}

/** Every `sizeof` in a count has an exact layout. */
function countIsExact(call: CallExpr, effect: ApiEffect, fn: FunctionModel): boolean {
  const args = effect.sizeProduct ? effect.sizeProduct.map((i) => call.args[i]) : [call.args[effect.sizeArg!]];
  let exact = true;
  for (const arg of args) {
    if (!arg) continue;
    forEachExpr(arg, (e) => {
      if (e.kind === 'sizeof') exact &&= layoutIsExact(e.type ?? (e.operand ? fn.typeOf(e.operand) : undefined), fn);
    });
  }
  return exact;
}

