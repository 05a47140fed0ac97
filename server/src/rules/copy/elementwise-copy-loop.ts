/**
 * copy/elementwise-copy-loop: a `for` loop whose whole body copies one
 * element of an array to the same index of another (`dst[i] = src[i]`, or
 * a `memcpy` of one element) over a contiguous range: one `memcpy` does it.
 *
 * Only the plain shape is matched: `for (i = A; i < B; i++)` (also `<=`,
 * `!=`, `++i`, `i += 1`), indexes `i + k` with `k` fixed, the same element
 * type on both sides (a conversion is not a copy), two different arrays (a
 * loop over one array shifts data: `memmove` territory, or a deliberate
 * forward propagation).
 */
import type { Rule, RuleFix } from '../../engine/rule';
import type { TextEdit } from '../../engine/types';
import { accessesOf, type VarAccess } from '../../model/accesses';
import type { FunctionModel, VarSymbol } from '../../model/functionModel';
import type { Expr, LoopStmt, Stmt, TypeRef } from '../../model/ir';
import { exprKey, regionOf, type Region } from '../../model/regions';
import { forEachExpr, forEachStmt, mentions, rootName, sameExpr, stripCasts } from '../../model/walk';
import { textOf } from '../callArgs';
import { includeEdit } from '../includes';
import { definitionsOf, isHostedC, isPrimary } from './common';

type ForStmt = Extract<Stmt, { kind: 'for' }>;

/** Whitespace and comments between a loop header and its body. */
const GAP = String.raw`(?:\s|//[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)*`;

export const elementwiseCopyLoop: Rule = {
  id: 'copy/elementwise-copy-loop',
  summary: 'A loop copies an array element by element where one memcpy would do.',
  defaultSeverity: 'warning',
  fix: 'safe',
  messages: {
    loop: "this loop copies '{{src}}' to '{{dst}}' one {{element}} at a time: one 'memcpy' of {{count}} moves the same bytes with wide loads and stores, and states the intent",
  },
  // Header parts are bounded (300 characters) so that no input makes the scan quadratic.
  scope: 'function',
  triggers: ['for'],
  candidates: new RegExp(`\\bfor\\s*\\([^;]{0,300};[^;]{0,300};[^)]{0,300}\\)${GAP}(?:\\{${GAP})?(?:[\\w.>-]+\\s*(?:\\[[^\\]]*\\]\\s*)+=\\s*[\\w.>-]+\\s*\\[|memcpy\\s*\\()`),
  check(ctx) {
    for (const fn of ctx.functions()) {
      forEachStmt(fn.ir.body, (s) => {
        if (s.kind !== 'for') return;
        const loop = matchLoop(s, fn);
        if (!loop) return;
        const text = fn.file.text;
        ctx.report({
          messageId: 'loop',
          data: { src: textOf(text, loop.src), dst: textOf(text, loop.dst), element: elementName(loop.elementType), count: countPhrase(loop, fn) },
          range: s.headerRange,
          functionName: fn.name,
          fixes: fixFor(s, loop, fn),
        });
      });
    }
  },
};

interface CopyLoop {
  /** The loop variable. */
  index: VarSymbol;
  indexName: string;
  /** First value and bound: the loop runs for `index` in [start, bound) (or [start, bound] when inclusive). */
  start: Expr;
  bound: Expr;
  inclusive: boolean;
  /** The arrays (or pointers) indexed on each side. */
  dst: Expr;
  src: Expr;
  /** The index offsets on each side (`i + k`), if any. */
  dstOffset: Offset | undefined;
  srcOffset: Offset | undefined;
  elementType: TypeRef;
}

interface Offset {
  expr: Expr;
  negative: boolean;
}

// --------------------------------------------------------------- matching

function matchLoop(loop: ForStmt, fn: FunctionModel): CopyLoop | undefined {
  const init = loopStart(loop.init);
  if (!init) return undefined;
  const { name, start } = init;
  const test = loopBound(loop.test, name);
  // Only `i++`, `++i`, `i += 1`, `i = i + 1`: other steps skip elements.
  if (!test || !isIncrement(loop.update, name)) return undefined;
  const body = singleStatement(loop.body);
  // A body that does anything but copy one element is not a plain copy.
  if (!body || body.kind !== 'expr') return undefined;
  const copy = elementCopy(body.expr, name, fn);
  if (!copy) return undefined;
  const { dst, src, dstIndex, srcIndex } = copy;
  // The arrays themselves must not depend on the index or change while the loop runs.
  if (mentions(dst, name) || mentions(src, name) || hasSideEffects(dst) || hasSideEffects(src)) return undefined;
  // A bound that moves with the index or has side effects is not a fixed count.
  if (mentions(test.bound, name) || mentions(start, name) || hasSideEffects(test.bound)) return undefined;
  const dstOffset = indexOffset(dstIndex, name);
  const srcOffset = indexOffset(srcIndex, name);
  // Indexes other than `i + k` skip, reverse or gather elements.
  if (dstOffset === null || srcOffset === null) return undefined;
  // One array on both sides shifts data within it (`a[i] = a[i + 1]`): not a plain copy.
  if (exprKey(dst) === exprKey(src) || sameStorage(dst, src, fn)) return undefined;
  // One pointer is computed from the other (`match = op - offset`): an overlapping copy on purpose (LZ77).
  if (!distinctMembers(dst, src, fn) && sharedOrigin(dst, src, fn)) return undefined;
  const elementType = sameElementType(copy.dstElement, copy.srcElement, fn);
  // Different element types (or unknown ones) mean a conversion, not a copy.
  if (!elementType) return undefined;
  const index = fn.lookup(name, (loop.test ?? loop.body).range.start);
  // A pointer or floating-point loop variable is not a count.
  if (!index || !isIntegerType(index.type, fn)) return undefined;
  return { index, indexName: name, start, bound: test.bound, inclusive: test.inclusive, dst, src, dstOffset, srcOffset, elementType };
}

/** `int i = A` or `i = A` in the loop's initializer. */
function loopStart(init: Stmt | undefined): { name: string; start: Expr } | undefined {
  if (!init) return undefined;
  if (init.kind === 'decl') {
    const d = init.decls.length === 1 ? init.decls[0] : undefined;
    return d?.init ? { name: d.name, start: d.init } : undefined;
  }
  if (init.kind === 'expr' && init.expr.kind === 'assign' && init.expr.op === '=' && init.expr.left.kind === 'ident') {
    return { name: init.expr.left.name, start: init.expr.right };
  }
  return undefined;
}

/** `i < B`, `i <= B`, `i != B`, `B > i`, `B >= i`. */
function loopBound(test: Expr | undefined, name: string): { bound: Expr; inclusive: boolean } | undefined {
  if (!test || test.kind !== 'binary') return undefined;
  const isIndex = (e: Expr): boolean => stripCasts(e).kind === 'ident' && (stripCasts(e) as { name: string }).name === name;
  if (isIndex(test.left) && (test.op === '<' || test.op === '!=' || test.op === '<=')) return { bound: test.right, inclusive: test.op === '<=' };
  if (isIndex(test.right) && (test.op === '>' || test.op === '>=')) return { bound: test.left, inclusive: test.op === '>=' };
  return undefined;
}

function isIncrement(update: Expr | undefined, name: string): boolean {
  if (!update) return false;
  const isIndex = (e: Expr): boolean => e.kind === 'ident' && e.name === name;
  if (update.kind === 'update') return update.op === '++' && isIndex(update.operand);
  if (update.kind === 'assign' && isIndex(update.left)) {
    if (update.op === '+=') return update.right.kind === 'number' && update.right.value === 1;
    const r = update.right;
    return update.op === '=' && r.kind === 'binary' && r.op === '+' && ((isIndex(r.left) && isOne(r.right)) || (isIndex(r.right) && isOne(r.left)));
  }
  return false;
}

function isOne(e: Expr): boolean {
  return e.kind === 'number' && e.value === 1;
}

function singleStatement(body: Stmt): Stmt | undefined {
  if (body.kind !== 'block') return body;
  const statements = body.body.filter((s) => !(s.kind === 'block' && s.body.length === 0));
  return statements.length === 1 ? singleStatement(statements[0]!) : undefined;
}

interface ElementCopy {
  dst: Expr;
  src: Expr;
  dstIndex: Expr;
  srcIndex: Expr;
  dstElement: Expr;
  srcElement: Expr;
}

/** `dst[j] = src[k]` or `memcpy(&dst[j], &src[k], <one element>)` / `memcpy(dst + j, src + k, ...)`. */
function elementCopy(e: Expr, name: string, fn: FunctionModel): ElementCopy | undefined {
  if (e.kind === 'assign' && e.op === '=') {
    // A cast on either side is a conversion.
    if (e.left.kind !== 'index' || e.right.kind !== 'index') return undefined;
    return { dst: e.left.object, src: e.right.object, dstIndex: e.left.index, srcIndex: e.right.index, dstElement: e.left, srcElement: e.right };
  }
  if (e.kind === 'call' && e.name === 'memcpy' && e.args.length === 3) {
    const d = elementAddress(e.args[0]!);
    const s = elementAddress(e.args[1]!);
    if (!d || !s) return undefined;
    const dstElement: Expr = { kind: 'index', object: d.array, index: d.index, range: e.args[0]!.range };
    const srcElement: Expr = { kind: 'index', object: s.array, index: s.index, range: e.args[1]!.range };
    // The per-element copy must be exactly one element.
    if (!isOneElement(e.args[2]!, dstElement, fn)) return undefined;
    // Both addresses must move with the loop, or it copies one element again and again.
    if (!mentions(d.index, name) || !mentions(s.index, name)) return undefined;
    return { dst: d.array, src: s.array, dstIndex: d.index, srcIndex: s.index, dstElement, srcElement };
  }
  return undefined;
}

/** `&a[j]` or `a + j`. */
function elementAddress(e: Expr): { array: Expr; index: Expr } | undefined {
  if (e.kind === 'unary' && e.op === '&' && e.operand.kind === 'index') return { array: e.operand.object, index: e.operand.index };
  if (e.kind === 'binary' && e.op === '+') return { array: e.left, index: e.right };
  return undefined;
}

function isOneElement(size: Expr, element: Expr, fn: FunctionModel): boolean {
  const s = stripCasts(size);
  if (s.kind === 'sizeof') {
    if (s.operand) {
      const o = stripCasts(s.operand);
      // `sizeof dst[i]`, `sizeof dst[0]`, `sizeof *dst`.
      if (o.kind === 'index' && element.kind === 'index' && sameExpr(o.object, element.object)) return true;
      if (o.kind === 'unary' && o.op === '*' && element.kind === 'index' && sameExpr(o.operand, element.object)) return true;
    }
    if (s.type) {
      const t = fn.typeOf(element);
      return t !== undefined && sameType(fn.file.types.resolve(s.type), fn.file.types.resolve(t));
    }
    return false;
  }
  const n = fn.fold(size);
  const elementSize = fn.sizeOfObject(element);
  return n !== undefined && elementSize !== undefined && n === elementSize;
}

/** The `k` of `i + k`, `k + i`, `i - k`; undefined for `i`; null when the index is not of that shape. */
function indexOffset(index: Expr, name: string): Offset | undefined | null {
  const x = stripCasts(index);
  if (x.kind === 'ident' && x.name === name) return undefined;
  if (x.kind !== 'binary' || (x.op !== '+' && x.op !== '-')) return null;
  const isIndex = (e: Expr): boolean => stripCasts(e).kind === 'ident' && (stripCasts(e) as { name: string }).name === name;
  if (isIndex(x.left) && !mentions(x.right, name) && !hasSideEffects(x.right)) return { expr: x.right, negative: x.op === '-' };
  if (x.op === '+' && isIndex(x.right) && !mentions(x.left, name) && !hasSideEffects(x.left)) return { expr: x.left, negative: false };
  return null;
}

function hasSideEffects(e: Expr): boolean {
  let found = false;
  forEachExpr(e, (x) => {
    if (x.kind === 'call' || x.kind === 'assign' || x.kind === 'update' || x.kind === 'unknown') found = true;
  });
  return found;
}

/** Two different names that resolve to one object (a pointer into the other array is not caught here). */
function sameStorage(a: Expr, b: Expr, fn: FunctionModel): boolean {
  const ra = regionOf(a, fn);
  const rb = regionOf(b, fn);
  return ra !== undefined && rb !== undefined && ra.base === rb.base;
}

/**
 * The two sides may point into one buffer: the pointer variables at their
 * roots are assigned, directly or through other local pointers, from
 * expressions that mention the same pointer or array.
 */
function sharedOrigin(a: Expr, b: Expr, fn: FunctionModel): boolean {
  const oa = origins(a, fn);
  for (const name of origins(b, fn)) if (oa.has(name)) return true;
  return false;
}

/**
 * Names of the pointers and arrays whose storage a pointer expression may
 * point into (itself included), following local pointers' definitions
 * through address arithmetic (`q = p + 4`, `q = &p[i]`, `q = p`); a value
 * loaded from memory or returned by a call starts a new origin.
 */
function origins(e: Expr, fn: FunctionModel): Set<string> {
  const out = new Set<string>();
  const pending: { name: string; at: number; depth: number }[] = [];
  const root = rootName(e);
  if (root) pending.push({ name: root, at: e.range.start, depth: 0 });
  while (pending.length > 0) {
    const { name, at, depth } = pending.pop()!;
    if (out.has(name)) continue;
    out.add(name);
    const symbol = fn.lookup(name, at);
    if (!symbol || symbol.kind === 'global' || depth >= 4) continue;
    for (const value of definitionsOf(fn, symbol).values) {
      for (const x of addressRoots(value, fn)) if (!out.has(x.name)) pending.push({ name: x.name, at: x.range.start, depth: depth + 1 });
    }
  }
  return out;
}

/** The variables an address value points into: `p` for `p + 4`, `&p[i]`, `&p->f`, `(char *)p`, `c ? p : q`. */
function addressRoots(e: Expr, fn: FunctionModel): Extract<Expr, { kind: 'ident' }>[] {
  const x = stripCasts(e);
  switch (x.kind) {
    case 'ident': {
      const t = fn.typeOf(x);
      return t && (t.pointerDepth > 0 || t.arrayDims.length > 0) ? [x] : [];
    }
    case 'binary':
      return x.op === '+' ? [...addressRoots(x.left, fn), ...addressRoots(x.right, fn)] : x.op === '-' ? addressRoots(x.left, fn) : [];
    case 'cond':
      return [...(x.then ? addressRoots(x.then, fn) : []), ...addressRoots(x.otherwise, fn)];
    case 'unary': {
      if (x.op !== '&') return [];
      // `&p[i]`, `&p->f`, `&s.f`, `&v`: into the storage of the variable at the root.
      const root = rootName(x.operand);
      return root ? [{ kind: 'ident', name: root, range: x.operand.range }] : [];
    }
    default:
      return [];
  }
}

function sameElementType(dst: Expr, src: Expr, fn: FunctionModel): TypeRef | undefined {
  const a = fn.typeOf(dst);
  const b = fn.typeOf(src);
  if (!a || !b) return undefined;
  const ra = fn.file.types.resolve(a);
  const rb = fn.file.types.resolve(b);
  // `volatile` elements are device registers or shared flags: every access is meant.
  if (ra.qualifiers.includes('volatile') || rb.qualifiers.includes('volatile')) return undefined;
  return sameType(ra, rb) ? ra : undefined;
}

function sameType(a: TypeRef, b: TypeRef): boolean {
  return a.base === b.base && a.pointerDepth === b.pointerDepth && a.arrayDims.length === b.arrayDims.length && a.functionPointer === b.functionPointer;
}

function isIntegerType(type: TypeRef, fn: FunctionModel): boolean {
  const t = fn.file.types.resolve(type);
  return t.pointerDepth === 0 && t.arrayDims.length === 0 && !/\b(float|double)\b/.test(t.base);
}

function elementName(type: TypeRef): string {
  return type.pointerDepth > 0 ? 'pointer' : /^(struct|union) /.test(type.base) ? type.base : `'${type.base}'`;
}

// -------------------------------------------------------------------- fix

interface Count {
  text: string;
  /** The text can be an operand of `*` as it is. */
  primary: boolean;
  /** A non-negative constant, or `B - 0` with `B` unsigned: `count * size` cannot wrap to a huge size. */
  clear: boolean;
}

function countOf(loop: CopyLoop, fn: FunctionModel): Count {
  const a = fn.fold(loop.start);
  const b = fn.fold(loop.bound);
  const extra = loop.inclusive ? 1 : 0;
  // `i < BUF_SIZE` from 0: keep the name the code uses.
  if (a === 0 && b !== undefined && b >= 0 && !extra && loop.bound.kind === 'ident') return { text: textOf(fn.file.text, loop.bound), primary: true, clear: true };
  const sum = new Sum(fn);
  sum.add(loop.bound, 1);
  sum.add(loop.start, -1);
  sum.constant += extra;
  const rendered = sum.render();
  const constant = sum.isConstant() ? sum.constant : undefined;
  if (constant !== undefined) return { text: String(Math.max(constant, 0)), primary: true, clear: constant >= 0 };
  const clear = a === 0 && isUnsigned(loop.bound, fn);
  return { text: rendered.text, primary: rendered.primary, clear };
}

/**
 * A small sum of source terms and a constant, for fix text: `(argc + 2) - 2`
 * renders as `argc`, `(i-1) + 1` as `i`. Terms are compared by their text.
 */
class Sum {
  constant = 0;
  private readonly terms: { text: string; expr: Expr; sign: number }[] = [];

  constructor(private readonly fn: FunctionModel) {}

  add(e: Expr, sign: number): void {
    const value = this.fn.fold(e);
    if (value !== undefined) {
      this.constant += sign * value;
      return;
    }
    const x = stripCasts(e);
    if (x.kind === 'binary' && (x.op === '+' || x.op === '-') && e.kind !== 'cast') {
      this.add(x.left, sign);
      this.add(x.right, x.op === '+' ? sign : -sign);
      return;
    }
    const text = textOf(this.fn.file.text, e);
    const opposite = this.terms.findIndex((t) => t.text === text && t.sign === -sign);
    if (opposite >= 0) this.terms.splice(opposite, 1);
    else this.terms.push({ text, expr: e, sign });
  }

  isConstant(): boolean {
    return this.terms.length === 0;
  }

  /** `a + b - 2`; `primary` when it is one primary term or a number. */
  render(): { text: string; primary: boolean } {
    const ordered = [...this.terms.filter((t) => t.sign > 0), ...this.terms.filter((t) => t.sign < 0)];
    if (ordered.length === 0) return { text: String(this.constant), primary: this.constant >= 0 };
    let text = '';
    for (const t of ordered) {
      const body = t.sign < 0 || (text !== '' && !isPrimary(stripCasts(t.expr))) ? paren(t.expr, t.text) : t.text;
      text += text === '' ? (t.sign < 0 ? `-${body}` : body) : ` ${t.sign < 0 ? '-' : '+'} ${body}`;
    }
    if (this.constant !== 0) text += ` ${this.constant < 0 ? '-' : '+'} ${Math.abs(this.constant)}`;
    const only = ordered[0]!;
    return { text, primary: ordered.length === 1 && only.sign > 0 && this.constant === 0 && isPrimary(stripCasts(only.expr)) };
  }
}

function countPhrase(loop: CopyLoop, fn: FunctionModel): string {
  const count = countOf(loop, fn).text;
  return /^\d+$/.test(count) ? `${count} element${count === '1' ? '' : 's'}` : `'${count}' elements`;
}

function paren(e: Expr, text: string): string {
  return isPrimary(e) ? text : `(${text})`;
}

function isUnsigned(e: Expr, fn: FunctionModel): boolean {
  const x = stripCasts(e);
  if (x.kind === 'sizeof') return true;
  const type = fn.typeOf(x) ?? (e.kind === 'cast' ? e.type : undefined);
  if (!type) return false;
  const t = fn.file.types.resolve(type);
  return t.pointerDepth === 0 && /^(size_t|unsigned\b.*|uint\d+_t|u\d+|__u\d+|uintptr_t|socklen_t)$/.test(t.base);
}

/** `memcpy(dst + start, src + start, count * sizeof dst[0]);` replacing the whole loop. */
function fixFor(loop: ForStmt, copy: CopyLoop, fn: FunctionModel): RuleFix[] {
  const text = fn.file.text;
  const loopText = textOf(text, loop);
  // A preprocessor line inside the loop may change what it does.
  if (/^\s*#/m.test(loopText)) return [];
  // The index's value after the loop is read later: removing the loop would change it.
  if (!indexDeadAfter(loop, copy, fn)) return [];
  const count = countOf(copy, fn);
  const dstText = textOf(text, copy.dst);
  const size = `sizeof ${dstText}[0]`;
  const bytes = count.primary ? `${count.text} * ${size}` : `(${count.text}) * ${size}`;
  const call = `memcpy(${startOf(copy.dst, copy.dstOffset, copy, fn)}, ${startOf(copy.src, copy.srcOffset, copy, fn)}, ${bytes});`;
  const edits: TextEdit[] = [{ range: loop.range, text: call + keptComments(loopText, text, loop.range.end) }];
  const include = includeEdit(text, 'string.h', loop.range.start);
  // Kernel, BPF or project-header-only code: adding <string.h> could break the build, so it is left to the user.
  const declared = !include || isHostedC(text);
  if (include && declared) edits.push(include);
  const safe = count.clear && declared && distinctObjects(copy, fn);
  return [{ title: `Replace the loop with 'memcpy'`, applicability: safe ? 'safe' : 'unsafe', edits }];
}

/**
 * The loop's comments, kept after the `memcpy`: line comments stay line
 * comments when nothing follows the loop on its last line, and become block
 * comments otherwise (they would swallow that code).
 */
function keptComments(loopText: string, text: string, end: number): string {
  const comments = [...loopText.matchAll(/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g)].map((m) => m[0]).filter((c) => c.startsWith('/'));
  if (comments.length === 0) return '';
  const restOfLine = /^[^\n]*/.exec(text.slice(end))![0];
  const lineOk = restOfLine.trim() === '' && comments.filter((c) => c.startsWith('//')).length <= 1 && !comments.slice(0, -1).some((c) => c.startsWith('//'));
  return ` ${comments.map((c) => (c.startsWith('//') && !lineOk ? `/* ${c.slice(2).trim().replace(/\*\//g, '* /')} */` : c)).join(' ')}`;
}

/** `array + (start + k)`, simplified: `array` alone when that is zero. */
function startOf(array: Expr, offset: Offset | undefined, copy: CopyLoop, fn: FunctionModel): string {
  const sum = new Sum(fn);
  sum.add(copy.start, 1);
  if (offset) sum.add(offset.expr, offset.negative ? -1 : 1);
  const arrayText = textOf(fn.file.text, array);
  const base = isPrimary(stripCasts(array)) && array.kind !== 'cast' ? arrayText : `(${arrayText})`;
  if (sum.isConstant()) {
    if (sum.constant === 0) return base;
    return sum.constant > 0 ? `${base} + ${sum.constant}` : `${base} - ${-sum.constant}`;
  }
  const rendered = sum.render();
  return rendered.primary ? `${base} + ${rendered.text}` : `${base} + (${rendered.text})`;
}

/**
 * The loop variable's final value does not matter: it is declared by the
 * loop, or every other use of it is inside another `for` loop that
 * assigns it first.
 */
function indexDeadAfter(loop: ForStmt, copy: CopyLoop, fn: FunctionModel): boolean {
  if (loop.init?.kind === 'decl') return true;
  const loops: LoopStmt[] = [];
  forEachStmt(fn.ir.body, (s) => {
    if (s.kind === 'for' && s !== loop && s.init?.kind === 'expr' && s.init.expr.kind === 'assign' && s.init.expr.op === '=' && s.init.expr.left.kind === 'ident' && s.init.expr.left.name === copy.indexName) loops.push(s);
  });
  const inside = (a: VarAccess, s: Stmt): boolean => a.range.start >= s.range.start && a.range.end <= s.range.end;
  return accessesOf(fn)
    .of(copy.index)
    .every((a) => inside(a, loop) || loops.some((l) => inside(a, l)));
}

/**
 * The two sides certainly do not overlap: two different array variables,
 * two different member arrays of one object, a local array and a member
 * array, or a local array and a parameter the function never reassigns
 * (a caller cannot hold a pointer into the callee's locals).
 */
function distinctObjects(copy: CopyLoop, fn: FunctionModel): boolean {
  const a = regionOf(copy.dst, fn);
  const b = regionOf(copy.src, fn);
  if (!a || !b || a.base === b.base) return false;
  const kindOf = (r: Region): 'var' | 'member' | 'param' | 'other' => {
    const base = stripCasts(r.baseExpr);
    if (r.base.startsWith('&')) return 'other';
    if (base.kind === 'field') return r.baseIsArray ? 'member' : 'other';
    if (base.kind !== 'ident' || !r.symbol) return 'other';
    if (r.symbol.kind === 'param') return 'param';
    return r.baseIsArray ? 'var' : 'other';
  };
  const local = (r: Region): boolean => kindOf(r) === 'var' && r.symbol?.kind === 'local' && !r.symbol.isStatic;
  // A parameter the function never reassigns holds what the caller passed.
  const fixedParam = (r: Region): boolean => kindOf(r) === 'param' && accessesOf(fn).of(r.symbol!).every((x) => x.target !== 'self' || x.kind === 'read');
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'var' && kb === 'var') return true;
  if (ka === 'member' && kb === 'member') return distinctMembers(a.baseExpr, b.baseExpr, fn);
  if ((local(a) && kb === 'member') || (local(b) && ka === 'member')) return true;
  return (local(a) && fixedParam(b)) || (local(b) && fixedParam(a));
}

/**
 * Two member paths from one object that part at some struct member
 * (`f->past.events` and `f->next.events`): different storage. A union
 * where they part, or different roots, prove nothing.
 */
function distinctMembers(a: Expr, b: Expr, fn: FunctionModel): boolean {
  const pa = memberPath(a);
  const pb = memberPath(b);
  if (!pa || !pb || !sameExpr(pa.root, pb.root)) return false;
  for (let i = 0; i < Math.min(pa.fields.length, pb.fields.length); i++) {
    const fa = pa.fields[i]!;
    const fb = pb.fields[i]!;
    if (fa.arrow !== fb.arrow) return false;
    if (fa.field === fb.field) continue;
    const owner = fn.typeOf(fa.object);
    if (!owner) return false;
    const t = fn.file.types.resolve(owner);
    const info = fn.file.types.structs.get(t.base);
    return info !== undefined && !info.isUnion && t.pointerDepth === (fa.arrow ? 1 : 0);
  }
  return false;
}

type FieldExpr = Extract<Expr, { kind: 'field' }>;

function memberPath(e: Expr): { root: Expr; fields: FieldExpr[] } | undefined {
  const fields: FieldExpr[] = [];
  let current = stripCasts(e);
  while (current.kind === 'field') {
    fields.unshift(current);
    current = stripCasts(current.object);
  }
  return fields.length > 0 ? { root: current, fields } : undefined;
}
