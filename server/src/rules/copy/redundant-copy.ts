/**
 * copy/redundant-copy: a local buffer filled by `memcpy` from another local
 * object, afterwards only read, while the source does not change: the
 * reads could use the source, and the copy is work for nothing.
 *
 * Decided from the def/use facts (model/accesses.ts): the copy is the only
 * write to the destination and comes before every other mention of it;
 * every later mention reads it; the source is never written, and its
 * address never escapes, between the copy and the last read (loops that
 * contain a read are covered whole, since they run the read again after
 * later statements). Both must be plain (non-static) locals of the same
 * type, so the copy is not a type pun or an alignment fix.
 */
import type { Rule } from '../../engine/rule';
import { accessesOf, type VarAccess } from '../../model/accesses';
import type { FunctionModel, VarSymbol } from '../../model/functionModel';
import type { LoopStmt, Range, TypeRef } from '../../model/ir';
import { isLoop } from '../../model/ir';
import { regionOf } from '../../model/regions';
import { forEachStmt, stripCasts, type CallExpr, type CallSite } from '../../model/walk';
import { textOf } from '../callArgs';

export const redundantCopy: Rule = {
  id: 'copy/redundant-copy',
  summary: 'A local copy that is only read while its source does not change can be replaced by reading the source.',
  defaultSeverity: 'warning',
  fix: 'none',
  messages: {
    redundant: "'{{dst}}' is a copy of '{{src}}' that is only read afterwards, and '{{src}}' does not change meanwhile: reading '{{src}}' directly saves {{bytes}}",
  },
  scope: 'function',
  triggers: ['memcpy'],
  candidates: /\bmemcpy\s*\(/,
  check(ctx) {
    for (const fn of ctx.functions()) {
      // Cheap first: only a memcpy between two distinct locals can be redundant; most functions have none,
      // and deciding that needs no lowering of the body.
      if (!fn.callsTo(MEMCPY).some((call) => mayBeRedundant(call, fn))) continue;
      // A goto can run statements in any order: source order says nothing.
      if (hasGoto(fn)) continue;
      for (const site of fn.calls) {
        if (site.name !== 'memcpy') continue;
        const finding = redundant(site, fn);
        if (!finding) continue;
        const text = fn.file.text;
        const bytes = fn.fold(site.call.args[2]);
        ctx.report({
          messageId: 'redundant',
          data: { dst: finding.dst.name, src: textOf(text, site.call.args[1]!), bytes: bytes !== undefined ? `a ${bytes}-byte copy` : 'the copy' },
          range: site.call.range,
          related: [{ range: finding.firstRead, message: `'${finding.dst.name}' is read here` }],
          functionName: fn.name,
        });
      }
    }
  },
};

const MEMCPY: ReadonlySet<string> = new Set(['memcpy']);

/** The checks of `redundant` that need only the call and the declarations. */
function mayBeRedundant(call: CallExpr, fn: FunctionModel): boolean {
  const [dstArg, srcArg] = call.args;
  if (!dstArg || !srcArg || call.args.length !== 3) return false;
  const dst = wholeLocal(dstArg, fn);
  const src = localObject(srcArg, fn);
  return dst !== undefined && src !== undefined && dst.symbol !== src.symbol && dst.symbol.name !== src.symbol.name && sameObjectType(dst.type, src.type, fn);
}

interface Redundant {
  dst: VarSymbol;
  firstRead: Range;
}

function redundant(site: CallSite, fn: FunctionModel): Redundant | undefined {
  const call = site.call;
  const [dstArg, srcArg] = call.args;
  if (!dstArg || !srcArg || call.args.length !== 3) return undefined;
  // `p = memcpy(...)`: the result is used; keep to plain statements.
  if (site.stmt.kind !== 'expr' || site.stmt.expr !== call) return undefined;
  const dst = wholeLocal(dstArg, fn);
  const src = localObject(srcArg, fn);
  // Not two different plain locals: the copy may be all that keeps the data (a parameter, a static, a shift in place).
  if (!dst || !src || dst.symbol === src.symbol || dst.symbol.name === src.symbol.name) return undefined;
  // Different types: a copy into a typed variable is how C reads unaligned or punned bytes.
  if (!sameObjectType(dst.type, src.type, fn)) return undefined;
  const accesses = accessesOf(fn);
  const dstAccesses = accesses.of(dst.symbol);
  const copyWrite = dstAccesses.find((a) => a.call === call);
  if (!copyWrite) return undefined;
  const others = dstAccesses.filter((a) => a !== copyWrite);
  // Written elsewhere, mentioned before the copy, or its address escapes: not a read-only copy.
  if (others.length === 0 || others.some((a) => a.range.start < call.range.start || a.kind !== 'read')) return undefined;
  // Every read must happen while the source is still alive.
  if (others.some((a) => a.range.start < src.symbol.scope.start || a.range.end > src.symbol.scope.end)) return undefined;
  const window = watchedWindow(call.range, others, fn);
  for (const a of accesses.of(src.symbol)) {
    // The source's address escapes somewhere: a call could change it through that alias.
    if (a.kind === 'escape') return undefined;
    if (a.call === call) continue;
    // The source changes while the copy is still read.
    if (a.kind !== 'read' && a.range.start >= window.start && a.range.start < window.end) return undefined;
  }
  return { dst: dst.symbol, firstRead: others[0]!.range };
}

interface LocalObject {
  symbol: VarSymbol;
  /** The type of the object the argument points into (array or struct). */
  type: TypeRef;
}

/** `buf` or `&s` where `buf`/`s` is a non-static local: the whole object. */
function wholeLocal(arg: ReturnType<typeof stripCasts>, fn: FunctionModel): LocalObject | undefined {
  const object = localObject(arg, fn);
  if (!object) return undefined;
  const region = regionOf(arg, fn);
  return region && region.offset.terms.size === 0 && region.offset.constant === 0 ? object : undefined;
}

/** A non-static local array or struct that `arg` points into (`buf`, `buf + 4`, `&s`, `&a[2]`). */
function localObject(arg: ReturnType<typeof stripCasts>, fn: FunctionModel): LocalObject | undefined {
  const region = regionOf(arg, fn);
  const base = region ? stripCasts(region.baseExpr) : undefined;
  if (!region || !base || base.kind !== 'ident' || !region.symbol) return undefined;
  const symbol = region.symbol;
  // Statics outlive the call, parameters and globals change behind the function's back, volatiles must be read where they are.
  if (symbol.kind !== 'local' || symbol.isStatic || symbol.type.qualifiers.includes('volatile')) return undefined;
  const type = fn.file.types.resolve(symbol.type);
  const isObject = region.base.startsWith('&') ? type.pointerDepth === 0 : region.baseIsArray;
  return isObject ? { symbol, type } : undefined;
}

function sameObjectType(a: TypeRef, b: TypeRef, fn: FunctionModel): boolean {
  const element = (t: TypeRef): TypeRef => fn.file.types.resolve({ ...t, arrayDims: [] });
  const ea = element(a);
  const eb = element(b);
  return ea.base === eb.base && ea.pointerDepth === eb.pointerDepth && ea.functionPointer === eb.functionPointer && a.arrayDims.length === b.arrayDims.length;
}

/**
 * The stretch of source in which the source object must not change: from
 * the copy to the last read, widened to whole loops that contain a read but
 * not the copy (they run the read again after their later statements), and
 * back to the start of loops that contain the copy but not a read (their
 * header runs between the last copy and the read).
 */
function watchedWindow(copy: Range, reads: VarAccess[], fn: FunctionModel): Range {
  const loops = allLoops(fn);
  const contains = (l: LoopStmt, r: Range): boolean => l.range.start <= r.start && r.end <= l.range.end;
  let start = copy.start;
  let end = reads[reads.length - 1]!.range.end;
  for (const read of reads) {
    for (const l of loops) {
      if (contains(l, read.range) && !contains(l, copy)) end = Math.max(end, l.range.end);
      if (contains(l, copy) && !contains(l, read.range)) start = Math.min(start, l.range.start);
    }
  }
  return { start, end };
}

const loopCache = new WeakMap<FunctionModel, LoopStmt[]>();

function allLoops(fn: FunctionModel): LoopStmt[] {
  let loops = loopCache.get(fn);
  if (!loops) {
    const found: LoopStmt[] = [];
    forEachStmt(fn.ir.body, (s) => {
      if (isLoop(s)) found.push(s);
    });
    loops = found;
    loopCache.set(fn, loops);
  }
  return loops;
}

function hasGoto(fn: FunctionModel): boolean {
  let found = false;
  forEachStmt(fn.ir.body, (s) => {
    if (s.kind === 'goto') found = true;
  });
  return found;
}
