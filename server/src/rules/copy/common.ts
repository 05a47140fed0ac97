/**
 * Helpers shared by the copy/ rules: building fix text that keeps C's
 * precedence, adding a missing `#include`, and reading simple facts about
 * variables (is this local pointer still the value it was initialised with),
 * and the size of the object behind a pointer argument when it is certain.
 */
import { accessesOf } from '../../model/accesses';
import type { FunctionModel, VarSymbol } from '../../model/functionModel';
import type { Expr, TypeRef } from '../../model/ir';
import { regionOf } from '../../model/regions';
import { stripCasts } from '../../model/walk';
import { textOf } from '../callArgs';
import { perText } from '../../model/textFacts';

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
 * The file is a hosted C program or library (it includes a C library or
 * POSIX header and is not kernel or BPF code): there, adding a standard
 * header such as `<string.h>` is harmless and makes a fix compile.
 */
export function isHostedC(text: string): boolean {
  return perText(text, 'hosted', () => hostedC(text));
}

function hostedC(text: string): boolean {
  const hosted = /^[ \t]*#[ \t]*include[ \t]*<(?:std\w*|string|strings|unistd|errno|fcntl|time|signal|pthread|assert|ctype|limits|math|sys\/\w+)\.h>/m.test(text);
  return hosted && !/#[ \t]*include[ \t]*[<"](?:linux\/module\.h|linux\/kernel\.h|vmlinux\.h|bpf\/bpf_helpers\.h|bpf_helpers\.h)[>"]/.test(text);
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

/**
 * The values a variable is given in the function (its initializer and the
 * right side of each plain `=` to it). `complete` is false when some write
 * could not be read (an assignment buried in a larger expression, `&v`
 * handed out): then other values are possible.
 */
export function definitionsOf(fn: FunctionModel, symbol: VarSymbol): { values: Expr[]; complete: boolean } {
  const values: Expr[] = [];
  let complete = true;
  for (const a of accessesOf(fn).of(symbol)) {
    if (a.target !== 'self' || a.kind === 'read') continue;
    // `p++`, `p += n`: the value still comes from the same place.
    if (a.kind === 'readwrite') continue;
    if (a.kind === 'escape') {
      complete = false;
      continue;
    }
    const value = a.init ? symbol.init : a.path && a.stmt.kind === 'expr' ? assignedValue(a.stmt.expr, a.path) : undefined;
    if (value) values.push(value);
    else complete = false;
  }
  return { values, complete };
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

// --------------------------------------------------------- object sizes

/**
 * How to read the last array member of a struct: `flexible` treats it as
 * possibly longer than declared (the struct hack: right when a larger size
 * would cause a finding), `strict` only when declared `[]`, `[0]` or `[1]`
 * (right when a smaller size would cause one).
 */
export type TrailingArrays = 'flexible' | 'strict';

export interface ObjectBytes {
  /** Bytes from the argument's address to the end of the object. */
  bytes: number;
  /** The argument designates the whole object (offset 0, not through `&`): `sizeof arg` is `bytes`. */
  whole: boolean;
  name: string;
  declared: { start: number; end: number } | undefined;
}

/** Bytes available at a pointer argument, when the object behind it is certain. */
export function objectBytes(arg: Expr, fn: FunctionModel, trailing: TrailingArrays = 'flexible'): ObjectBytes | undefined {
  const x = stripCasts(arg);
  if (x.kind === 'string') {
    // Wide and UTF-16/32 literals have wider characters; leave them alone.
    if (/^[LuU]/.test(textOf(fn.file.text, x))) return undefined;
    return { bytes: new TextEncoder().encode(x.value).length + 1, whole: false, name: textOf(fn.file.text, x), declared: undefined };
  }
  const region = regionOf(x, fn);
  if (!region || region.offset.terms.size > 0) return undefined;
  const base = stripCasts(region.baseExpr);
  let size: number | undefined;
  if (region.base.startsWith('&')) {
    // `&s.field`: copies that span several members on purpose are common; only whole variables count.
    if (base.kind !== 'ident') return undefined;
    size = region.baseSize;
  } else if (base.kind === 'ident') {
    // A pointer (or an array parameter, which is one) designates storage of unknown size.
    if (!region.baseIsArray || region.symbol?.kind === 'param') return undefined;
    size = region.baseSize;
  } else if (base.kind === 'field') {
    if (!region.baseIsArray || !isFixedMember(base, fn, trailing)) return undefined;
    size = region.baseSize;
  }
  if (size === undefined || size <= 0 || !layoutIsExact(region.symbol?.type, fn)) return undefined;
  const bytes = size - region.offset.constant;
  // An offset outside the object is a different problem (and usually a misread of the code).
  if (bytes <= 0 || region.offset.constant < 0) return undefined;
  const symbol = region.symbol;
  return { bytes, whole: region.offset.constant === 0 && !region.base.startsWith('&'), name: symbol?.name ?? textOf(fn.file.text, base), declared: base.kind === 'ident' && symbol ? symbol.range : undefined };
}

/**
 * An array member whose declared size is its real size: not the last member
 * of its struct (the struct hack allocates a trailing array longer than
 * declared, whatever its declared length) and not in a union (the union is
 * as large as its largest member).
 */
function isFixedMember(member: Extract<Expr, { kind: 'field' }>, fn: FunctionModel, trailing: TrailingArrays): boolean {
  const objectType = fn.typeOf(member.object);
  if (!objectType) return false;
  let owner: TypeRef = fn.file.types.resolve(objectType);
  if (member.arrow) {
    if (owner.pointerDepth !== 1 || owner.arrayDims.length > 0) return false;
    owner = { ...owner, pointerDepth: 0 };
  }
  const info = fn.file.types.structs.get(owner.base);
  if (!info || info.isUnion) return false;
  const index = info.fields.findIndex((f) => f.name === member.field);
  if (index < 0 || !layoutIsExact(owner, fn)) return false;
  if (index < info.fields.length - 1) return true;
  // Strict: only `[]`, `[0]` and `[1]` are flexible (GCC's -fstrict-flex-arrays=1).
  if (trailing === 'flexible') return false;
  const dims = info.fields[index]!.type.arrayDims;
  const n = dims.length === 1 ? fn.fold(dims[0]) : undefined;
  return n !== undefined && n > 1;
}

/** Struct layouts the model computes are exact unless a bit-field or a packing attribute is involved. */
export function layoutIsExact(type: TypeRef | undefined, fn: FunctionModel, depth = 0): boolean {
  if (!type || depth > 8) return true;
  const resolved = fn.file.types.resolve(type);
  if (resolved.pointerDepth > 0 || resolved.functionPointer) return true;
  const info = fn.file.types.structs.get(resolved.base);
  if (!info) return true;
  if (info.bitFields || fn.file.mayPackStructs) return false;
  return info.fields.every((f) => layoutIsExact(f.type, fn, depth + 1));
}

