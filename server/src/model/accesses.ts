/**
 * Def/use facts for one function: every mention of a variable (local,
 * parameter or global) by name, classified by what the code does with it.
 *
 * Each mention becomes one `Access`:
 * - `target` says which storage is touched: `self` is the variable's own
 *   storage (the elements of an array, the members of a struct, the value of
 *   a pointer), `pointee` is what a pointer value designates (`*p`, `p[i]`,
 *   `p->f`, or `p` handed to a call that reads or writes through it).
 * - `kind` says how: `read`, `write`, `readwrite` (`x++`, `x += 1`,
 *   `strcat(x, ...)`), or `escape` when the address of the storage flows
 *   somewhere this analysis does not follow (an unknown call, another
 *   pointer, a return value, an initializer): after an escape anything may
 *   read or write that storage.
 *
 * Invariants: mentions under `sizeof` are not accesses (they are not
 * evaluated); a declaration's initializer is a `write` of `self` with
 * `init: true`; results are in source order and computed once per function
 * (cached), in time linear in the size of the function. Calls are judged
 * through the API effects table (apiEffects.ts) plus a short list of
 * read-only library functions; anything else is an escape, so consumers
 * that need "only read" get a conservative answer.
 */
import { apiEffect, type Access as ArgAccess } from './apiEffects';
import type { FunctionModel, VarSymbol } from './functionModel';
import type { Expr, Stmt, TypeRef } from './ir';
import { derefType } from './constants';
import { childExprs, forEachStmt, stmtExprs, type CallExpr } from './walk';

export type AccessKind = 'read' | 'write' | 'readwrite' | 'escape';
export type AccessTarget = 'self' | 'pointee';

export interface VarAccess {
  symbol: VarSymbol;
  /** Stable key of the symbol (see `symbolKey`). */
  key: string;
  /** Range of the name at this mention. */
  range: { start: number; end: number };
  /** The outermost expression of the access path: `x`, `x[i]`, `x->f`, `&x[2]`, `x + 4`. */
  path: Expr | undefined;
  target: AccessTarget;
  kind: AccessKind;
  /** The statement owning the expression. */
  stmt: Stmt;
  /** The call the path is an argument of, and at which position. */
  call?: CallExpr;
  argIndex?: number;
  /** True for the initializer of the variable's own declaration. */
  init?: boolean;
}

export interface FunctionAccesses {
  /** Every access in source order. */
  all: VarAccess[];
  /** Accesses of one variable in source order (empty when never mentioned). */
  of(symbol: VarSymbol): VarAccess[];
}

/**
 * Library functions that only read the memory their pointer arguments
 * designate (C11 and POSIX). `printf`-style `%n` is ignored: code that uses
 * it is rare enough that treating the arguments as read is the better bet.
 */
const READ_ONLY_CALLS = new Set([
  'strlen', 'strnlen', 'strcmp', 'strncmp', 'strcasecmp', 'strncasecmp', 'strcoll', 'memcmp', 'bcmp',
  'strchr', 'strrchr', 'strstr', 'strcasestr', 'strspn', 'strcspn', 'strpbrk', 'memchr', 'memrchr',
  'atoi', 'atol', 'atoll', 'atof', 'puts', 'fputs', 'printf', 'fprintf', 'dprintf', 'perror',
  'strdup', 'strndup', 'fputc', 'putchar', 'putc', 'isalpha', 'isdigit', 'isspace', 'isalnum',
  'isupper', 'islower', 'isxdigit', 'toupper', 'tolower', 'assert',
]);

/** Stable identity of a symbol (`lookup` builds a fresh object for each global). */
export function symbolKey(symbol: VarSymbol): string {
  return `${symbol.kind}:${symbol.name}:${symbol.range.start}`;
}

const cache = new WeakMap<FunctionModel, FunctionAccesses>();

/** The accesses of every variable of `fn` (computed once per function model). */
export function accessesOf(fn: FunctionModel): FunctionAccesses {
  let result = cache.get(fn);
  if (!result) {
    result = compute(fn);
    cache.set(fn, result);
  }
  return result;
}

function compute(fn: FunctionModel): FunctionAccesses {
  const all: VarAccess[] = [];
  const resolve = resolver(fn);
  forEachStmt(fn.ir.body, (s) => {
    if (s.kind === 'decl') {
      for (const d of s.decls) {
        const symbol = resolve(d.name, d.nameRange.start);
        if (symbol && d.init) all.push({ symbol, key: symbolKey(symbol), range: d.nameRange, path: undefined, target: 'self', kind: 'write', stmt: s, init: true });
      }
    }
    for (const e of stmtExprs(s)) visitTree(e, s, fn, resolve, all);
  });
  all.sort((a, b) => a.range.start - b.range.start);
  const byKey = new Map<string, VarAccess[]>();
  for (const a of all) {
    let list = byKey.get(a.key);
    if (!list) byKey.set(a.key, (list = []));
    list.push(a);
  }
  return { all, of: (symbol) => byKey.get(symbolKey(symbol)) ?? [] };
}

/** `fn.lookup` with the locals indexed by name (lookup itself scans every local). */
function resolver(fn: FunctionModel): (name: string, at: number) => VarSymbol | undefined {
  const byName = new Map<string, VarSymbol[]>();
  for (const local of fn.locals) {
    let list = byName.get(local.name);
    if (!list) byName.set(local.name, (list = []));
    list.push(local);
  }
  const globals = new Map<string, VarSymbol | undefined>();
  return (name, at) => {
    let best: VarSymbol | undefined;
    for (const local of byName.get(name) ?? []) {
      if (at < local.range.start || at >= local.scope.end) continue;
      if (!best || local.scope.start >= best.scope.start) best = local;
    }
    if (best) return best;
    const param = fn.params.find((p) => p.name === name);
    if (param) return param;
    if (!globals.has(name)) globals.set(name, fn.lookup(name, at));
    return globals.get(name);
  };
}

/** Walks one expression tree, with parents, and classifies each variable mention. */
function visitTree(root: Expr, stmt: Stmt, fn: FunctionModel, resolve: (name: string, at: number) => VarSymbol | undefined, out: VarAccess[]): void {
  const parents = new Map<Expr, Expr>();
  const stack: Expr[] = [root];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.kind === 'sizeof') continue; // not evaluated: no access below
    if (e.kind === 'ident') {
      const symbol = resolve(e.name, e.range.start);
      if (symbol) out.push(classify(e, symbol, stmt, parents, fn));
      continue;
    }
    for (const child of children(e)) {
      parents.set(child, e);
      stack.push(child);
    }
  }
}

/** Sub-expressions that are evaluated: everything but `sizeof` operands. */
function children(e: Expr): Expr[] {
  return e.kind === 'sizeof' ? [] : childExprs(e);
}

function classify(ident: Extract<Expr, { kind: 'ident' }>, symbol: VarSymbol, stmt: Stmt, parents: Map<Expr, Expr>, fn: FunctionModel): VarAccess {
  const types = fn.file.types;
  // The type of `path` when known; `lvalue` is true while `path` denotes
  // storage and false once it is an address value (`&x`, `x + 4`).
  let type: TypeRef | undefined = types.resolve(symbol.type);
  let path: Expr = ident;
  let target: AccessTarget = 'self';
  let lvalue = true;
  const base = { symbol, key: symbolKey(symbol), range: ident.range, stmt };
  /** Dereferencing `path` (`*path`, `path[i]`, `path->f`): which storage it reaches. */
  const deref = (): void => {
    // An address value points into the storage already named by `target`; an
    // array lvalue is its own storage; a pointer lvalue leads to its pointee.
    if (lvalue && !(type && type.arrayDims.length > 0)) target = 'pointee';
    type = type ? stepInto(type, types) : undefined;
    lvalue = true;
  };
  for (let guard = 0; guard < 64; guard++) {
    const parent = parents.get(path);
    if (!parent) break;
    if (parent.kind === 'cast') {
      type = types.resolve(parent.type);
      path = parent;
      continue;
    }
    if (parent.kind === 'index' && parent.object === path) {
      deref();
      path = parent;
      continue;
    }
    if (parent.kind === 'unary' && parent.op === '*') {
      deref();
      path = parent;
      continue;
    }
    if (parent.kind === 'field' && parent.object === path) {
      if (parent.arrow) deref();
      type = fieldType(type, parent.field, fn);
      path = parent;
      continue;
    }
    if (parent.kind === 'unary' && parent.op === '&') {
      lvalue = false;
      type = undefined;
      path = parent;
      continue;
    }
    if (parent.kind === 'binary' && (parent.op === '+' || parent.op === '-') && isAddress(type, lvalue) && (parent.left === path || parent.op === '+')) {
      const other = parent.left === path ? parent.right : parent.left;
      const otherType = fn.typeOf(other);
      // `p - start`: a difference of two addresses is an integer.
      if (parent.op === '-' && otherType && (otherType.pointerDepth > 0 || otherType.arrayDims.length > 0)) break;
      // Pointer arithmetic: still an address into the same storage.
      if (lvalue && !(type && type.arrayDims.length > 0)) target = 'pointee';
      lvalue = false;
      path = parent;
      continue;
    }
    break;
  }
  const parent = parents.get(path);
  // `path` is an address (of `target` storage) or a pointer value (to the pointee).
  const addressValue = !lvalue || (type !== undefined && type.arrayDims.length > 0);
  const pointerValue = !addressValue && type !== undefined && (type.pointerDepth > 0 || type.functionPointer);
  if (parent?.kind === 'assign' && parent.left === path) {
    return { ...base, path, target, kind: parent.op === '=' ? 'write' : 'readwrite' };
  }
  if (parent?.kind === 'update') return { ...base, path, target, kind: 'readwrite' };
  if (parent?.kind === 'call' && parent.callee === path) return { ...base, path, target, kind: 'read' };
  if (parent?.kind === 'call') {
    const index = parent.args.indexOf(path);
    if (!addressValue && !pointerValue) return { ...base, path, target, kind: 'read', call: parent, argIndex: index };
    // An address handed to a call: the call decides what happens to the storage.
    return { ...base, path, target: addressValue ? target : 'pointee', kind: callAccess(parent, index), call: parent, argIndex: index };
  }
  if (!addressValue && !pointerValue) return { ...base, path, target, kind: 'read' };
  // Comparisons and truth tests only read an address; a bare `p;` does nothing.
  const readOnly = parent ? isReadOnlyUse(parent, path) : stmt.kind !== 'decl' && stmt.kind !== 'return';
  if (readOnly) return { ...base, path, target: addressValue ? target : 'self', kind: 'read' };
  return { ...base, path, target: addressValue ? target : 'pointee', kind: 'escape' };
}

function isAddress(type: TypeRef | undefined, lvalue: boolean): boolean {
  return !lvalue || (type !== undefined && (type.arrayDims.length > 0 || type.pointerDepth > 0));
}

function stepInto(type: TypeRef, types: FunctionModel['file']['types']): TypeRef | undefined {
  const next = derefType(type);
  return next ? types.resolve(next) : undefined;
}

function fieldType(type: TypeRef | undefined, name: string, fn: FunctionModel): TypeRef | undefined {
  if (!type || type.pointerDepth !== 0 || type.arrayDims.length > 0) return undefined;
  const f = fn.file.types.field(type.base, name);
  return f ? fn.file.types.resolve(f.type) : undefined;
}

function isReadOnlyUse(parent: Expr, path: Expr): boolean {
  switch (parent.kind) {
    case 'binary':
      // A '-' that reaches here is a difference of two addresses (arithmetic was climbed through).
      return ['==', '!=', '<', '>', '<=', '>=', '&&', '||', '-'].includes(parent.op);
    case 'unary':
      return parent.op === '!';
    case 'cond':
      return parent.test === path;
    case 'index':
      return parent.index === path;
    default:
      return false;
  }
}

/** What a call does to the storage designated by its argument at `index`. */
function callAccess(call: CallExpr, index: number): AccessKind {
  if (call.name !== undefined && READ_ONLY_CALLS.has(call.name)) return 'read';
  const effect = apiEffect(call.name);
  if (!effect) return 'escape';
  const arg = effect.args[index];
  if (!arg) return effect.category === 'format' ? 'read' : 'escape';
  return fromArgAccess(arg.access);
}

function fromArgAccess(access: ArgAccess): AccessKind {
  switch (access) {
    case 'read': return 'read';
    case 'write': return 'write';
    case 'readwrite': return 'readwrite';
    case 'none': return 'read';
    default: return 'escape';
  }
}
