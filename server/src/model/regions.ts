/**
 * Memory regions designated by pointer expressions: a base object plus a
 * byte offset (a linear form over symbolic terms) and, when known, how many
 * bytes remain from there to the end of the base object.
 *
 * `buf + 4`, `&a[i]`, `p->data`, `&p->data[hdr]` and `(char *)s + off` all
 * resolve here. Invariant: two regions with the same `base` key designate the
 * same object; different keys say nothing (they may still alias).
 */
import type { Expr } from './ir';
import type { FunctionModel, VarSymbol } from './functionModel';
import { stripCasts } from './walk';

/** c + Σ coef·term, with terms keyed by the canonical text of an expression. */
export interface Linear {
  constant: number;
  terms: Map<string, number>;
}

export interface Region {
  /** Canonical key of the base object: `buf`, `p->data`, `s.hdr`. */
  base: string;
  baseExpr: Expr;
  /** The variable at the root of the base (`p` for `p->data`). */
  symbol: VarSymbol | undefined;
  /** Offset from the start of the base object, in bytes. */
  offset: Linear;
  /** Bytes of the base object, when known (array or struct member of known size). */
  baseSize: number | undefined;
  /** True when the base is an array object (not a pointer to unknown storage). */
  baseIsArray: boolean;
}

export function linearConstant(c: number): Linear {
  return { constant: c, terms: new Map() };
}

export function linearSub(a: Linear, b: Linear): Linear {
  const terms = new Map(a.terms);
  for (const [k, v] of b.terms) terms.set(k, (terms.get(k) ?? 0) - v);
  for (const [k, v] of [...terms]) if (v === 0) terms.delete(k);
  return { constant: a.constant - b.constant, terms };
}

export function linearIsConstant(l: Linear): boolean {
  return l.terms.size === 0;
}

export function linearEquals(a: Linear, b: Linear): boolean {
  const d = linearSub(a, b);
  return d.constant === 0 && d.terms.size === 0;
}

/** Linear form of an integer expression; non-linear parts become opaque terms. */
export function linearOf(e: Expr, fn: FunctionModel): Linear {
  const folded = fn.fold(e);
  if (folded !== undefined) return linearConstant(folded);
  const x = stripCasts(e);
  if (x.kind === 'binary' && (x.op === '+' || x.op === '-')) {
    const l = linearOf(x.left, fn);
    const r = linearOf(x.right, fn);
    return x.op === '+' ? linearSub(l, linearSub(linearConstant(0), r)) : linearSub(l, r);
  }
  if (x.kind === 'binary' && x.op === '*') return linearMul(linearOf(x.left, fn), linearOf(x.right, fn)) ?? opaque(x);
  if (x.kind === 'sizeof') return { constant: 0, terms: new Map([[exprKey(x), 1]]) };
  return opaque(x);
}

function opaque(x: Expr): Linear {
  return { constant: 0, terms: new Map([[exprKey(x), 1]]) };
}

/** Product of two linear forms as a sum of monomials (keys are sorted factor lists joined by '*'). */
export function linearMul(a: Linear, b: Linear): Linear | undefined {
  if (a.terms.size * b.terms.size > 16) return undefined;
  const terms = new Map<string, number>();
  const add = (key: string, coef: number): void => {
    if (coef !== 0) terms.set(key, (terms.get(key) ?? 0) + coef);
  };
  for (const [k, v] of a.terms) add(k, v * b.constant);
  for (const [k, v] of b.terms) add(k, v * a.constant);
  for (const [ka, va] of a.terms) for (const [kb, vb] of b.terms) add([...ka.split('*'), ...kb.split('*')].sort().join('*'), va * vb);
  for (const [k, v] of [...terms]) if (v === 0) terms.delete(k);
  return { constant: a.constant * b.constant, terms };
}

/** True when `l` is provably <= 0: sizes (`sizeof` terms) are positive. */
export function linearProvablyNonPositive(l: Linear): boolean {
  if (l.constant > 0) return false;
  for (const [key, coef] of l.terms) {
    if (coef > 0 || !/^sizeof\([^*]*\)$/.test(key)) return false;
  }
  return true;
}

function scale(l: Linear, k: number): Linear {
  const terms = new Map<string, number>();
  for (const [t, v] of l.terms) if (v * k !== 0) terms.set(t, v * k);
  return { constant: l.constant * k, terms };
}

/** Canonical text of an expression (used as a term key and a base key). */
export function exprKey(e: Expr): string {
  const x = stripCasts(e);
  switch (x.kind) {
    case 'ident': return x.name;
    case 'number': return String(x.value ?? x.text);
    case 'field': return `${exprKey(x.object)}${x.arrow ? '->' : '.'}${x.field}`;
    case 'index': return `${exprKey(x.object)}[${exprKey(x.index)}]`;
    case 'unary': return `${x.op}(${exprKey(x.operand)})`;
    case 'binary': return `(${exprKey(x.left)}${x.op}${exprKey(x.right)})`;
    case 'call': return `${x.name ?? '?'}(${x.args.map(exprKey).join(',')})`;
    case 'sizeof': return x.operand ? `sizeof(${exprKey(x.operand)})` : `sizeof(${x.type?.base ?? '?'}${'*'.repeat(x.type?.pointerDepth ?? 0)})`;
    default: return `<${x.kind}@${x.range.start}>`;
  }
}

/** The region a pointer-valued expression designates, or undefined when it cannot be read. */
export function regionOf(e: Expr, fn: FunctionModel): Region | undefined {
  const x = stripCasts(e);
  switch (x.kind) {
    case 'ident':
    case 'field':
      return baseRegion(x, fn);
    case 'unary': {
      if (x.op !== '&') return undefined;
      const target = stripCasts(x.operand);
      if (target.kind === 'index') return indexed(target.object, target.index, fn);
      // `&s` or `&p->hdr`: the object itself.
      return objectRegion(target, fn);
    }
    case 'binary': {
      if (x.op !== '+' && x.op !== '-') return undefined;
      const base = regionOf(x.left, fn);
      if (!base) return undefined;
      const delta = scaleByElement(linearOf(x.right, fn), x.left, fn, x.op === '+' ? 1 : -1);
      return { ...base, offset: linearSub(base.offset, linearSub(linearConstant(0), delta)) };
    }
    default:
      return undefined;
  }
}

function indexed(object: Expr, index: Expr, fn: FunctionModel): Region | undefined {
  const base = regionOf(object, fn);
  if (!base) return undefined;
  return { ...base, offset: linearSub(base.offset, scaleByElement(linearOf(index, fn), object, fn, -1)) };
}

/** `count` elements of what `pointer` points to, in bytes; an unknown element size stays symbolic. */
function scaleByElement(count: Linear, pointer: Expr, fn: FunctionModel, sign: number): Linear {
  const elem = pointeeSize(pointer, fn);
  if (elem !== undefined) return scale(count, elem * sign);
  const type = fn.typeOf(stripCasts(pointer));
  const unit: Linear = { constant: 0, terms: new Map([[`sizeof(${type ? type.base : exprKey(pointer)})`, sign]]) };
  return linearMul(count, unit) ?? scale(count, sign);
}

/** An array names its own storage; a pointer names the storage it points to. */
function baseRegion(x: Expr, fn: FunctionModel): Region | undefined {
  const type = fn.typeOf(x);
  const symbol = rootSymbol(x, fn);
  if (!type) return x.kind === 'ident' || x.kind === 'field' ? { base: exprKey(x), baseExpr: x, symbol, offset: linearConstant(0), baseSize: undefined, baseIsArray: false } : undefined;
  const resolved = fn.file.types.resolve(type);
  const isArray = resolved.arrayDims.length > 0;
  return {
    base: exprKey(x),
    baseExpr: x,
    symbol,
    offset: linearConstant(0),
    baseSize: isArray ? fn.file.types.sizeOf(resolved) : undefined,
    baseIsArray: isArray,
  };
}

function objectRegion(target: Expr, fn: FunctionModel): Region | undefined {
  if (target.kind !== 'ident' && target.kind !== 'field') return undefined;
  const type = fn.typeOf(target);
  return {
    base: `&${exprKey(target)}`,
    baseExpr: target,
    symbol: rootSymbol(target, fn),
    offset: linearConstant(0),
    baseSize: type ? fn.file.types.sizeOf(type) : undefined,
    baseIsArray: true,
  };
}

/** Size of one element that pointer arithmetic on `e` steps over. */
export function pointeeSize(e: Expr, fn: FunctionModel): number | undefined {
  const type = fn.typeOf(stripCasts(e));
  if (e.kind === 'cast') return fn.file.types.elementSize(e.type);
  return type ? fn.file.types.elementSize(type) : undefined;
}

function rootSymbol(e: Expr, fn: FunctionModel): VarSymbol | undefined {
  let current = stripCasts(e);
  for (let guard = 0; guard < 32; guard++) {
    if (current.kind === 'ident') return fn.lookup(current.name, current.range.start);
    if (current.kind === 'field' || current.kind === 'index') current = stripCasts(current.object);
    else if (current.kind === 'unary') current = stripCasts(current.operand);
    else return undefined;
  }
  return undefined;
}

/** Bytes available from the region's start to the end of its base object, if known. */
export function bytesAvailable(region: Region): number | undefined {
  if (region.baseSize === undefined || !linearIsConstant(region.offset)) return undefined;
  return region.baseSize - region.offset.constant;
}
