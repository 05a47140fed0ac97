/**
 * Asynchronous I/O requests along the paths of one function: POSIX AIO
 * control blocks and io_uring submissions (through liburing), and where each
 * one may be in flight.
 *
 * A request is created by a submission call (`aio_read(&cb)`, `aio_write`,
 * `aio_fsync`, each control block of a `lio_listio` list) or by an
 * `io_uring_prep_*` call on an SQE (in flight once `io_uring_submit` runs on
 * its ring). It is named by a key: the control block it uses (`cb` for
 * `&cb`, `*p` for `p`, `cbs[i]` for `&cbs[i]`), so later calls on the same
 * control block (`aio_error(&cb)`, a list `{ &cb }` given to `aio_suspend`,
 * `aio_return(&cb)`) apply to it. Its buffer comes from the `aio_buf`
 * assignment (or designated initialiser) before the submission, or the
 * buffer argument of the prep call.
 *
 * States (bit masks, joined where paths meet): IDLE (not submitted, or the
 * submission failed), PREPARED (io_uring: SQE filled, not submitted),
 * INFLIGHT, DONE (completion observed, result not consumed), FAILED
 * (completion observed with an error), REAPED (`aio_return`,
 * `io_uring_cqe_seen`), CANCELLING (`aio_cancel` not checked), UNKNOWN (the
 * control block went to code we do not follow, or a variable of its key
 * changed), STALE (the buffer variable was reassigned: its accesses no
 * longer touch the request's buffer). Branch facts refine states on edges:
 * a submission that returned -1 leaves the request IDLE; `aio_error(...) !=
 * EINPROGRESS` (or the exit of a loop polling it) makes it DONE; a failed
 * `aio_suspend` or `io_uring_wait_cqe` leaves it INFLIGHT. Results kept in a
 * variable (`r = aio_read(&cb); if (r < 0) ...`) are followed too.
 *
 * Deliberate optimism (rules must not report on guesses): a wait on a list
 * or ring we cannot resolve completes every request; an `aio_suspend` whose
 * result is not checked completes its list even with a timeout; an
 * `io_uring_wait_cqe` completes every request in flight on that ring.
 *
 * Invariants: computed once per function (cached), only for functions that
 * call an asynchronous I/O interface; never throws on any IR.
 */
import { asyncRole, type AsyncRole } from './asyncApiEffects';
import { apiEffect } from './apiEffects';
import { compareHolds, edgeFact, literalNumber, type Cfg, type CfgEdge, type CfgNode, type CompareOp, type EdgeFact } from './cfg';
import type { FunctionModel, VarSymbol } from './functionModel';
import type { Expr, Range, Stmt } from './ir';
import { solveForward } from './paths';
import { exprKey } from './regions';
import { childExprs, forEachExpr, forEachExprIn, forEachStmt, stmtExprs, stripCasts, type CallExpr } from './walk';

export const IDLE = 1;
export const PREPARED = 2;
export const INFLIGHT = 4;
export const DONE = 8;
export const FAILED = 16;
export const REAPED = 32;
export const CANCELLING = 64;
export const UNKNOWN = 128;
export const STALE = 256;

/** States in which completion of the request has been observed on the path. */
export const COMPLETED = DONE | FAILED | REAPED;

export interface RequestBuffer {
  /** The buffer expression as written (`buf`, `buf + off`, `malloc(n)`). */
  expr: Expr;
  /** Key of the object accessed through it: `buf`, `p->data`; for a buffer only reachable through the control block, `cb.aio_buf`. */
  key: string;
  /** The variable at its root, whose reassignment makes the request's buffer unreachable by that name. */
  root: string | undefined;
  symbol: VarSymbol | undefined;
  /** A local, non-static array: it dies when the function returns. */
  onStack: boolean;
  /** Where the buffer was attached (the `aio_buf` assignment or the prep call). */
  range: Range;
}

export interface AsyncRequest {
  index: number;
  api: 'aio' | 'uring';
  /** What the device does with the buffer. */
  op: 'read' | 'write' | 'sync' | undefined;
  /** The call that creates the request: the submission, or the `io_uring_prep_*` call. */
  call: CallExpr;
  node: CfgNode;
  /** Control-block key (`cb`, `*p`, `cbs[i]`); for io_uring the SQE key plus the prep offset. */
  key: string;
  /** The control block (or SQE) expression as written. */
  control: Expr;
  /** The variable at the root of the control block. */
  controlSymbol: VarSymbol | undefined;
  /** The control block is a local, non-static object of this function (not reached through a pointer). */
  controlOnStack: boolean;
  /** Variables whose change makes the key designate something else. */
  keyVars: ReadonlySet<string>;
  buffer: RequestBuffer | undefined;
  /** io_uring: key of the ring the SQE came from, if known. */
  ring: string | undefined;
  /** `lio_listio(LIO_WAIT, ...)`: complete when the call returns. */
  synchronous: boolean;
}

export interface VarFact {
  /** What the call whose result the variable holds does. */
  role: AsyncRole;
  /** The calls whose result it may hold (one per path that assigned it). */
  calls: readonly CallExpr[];
}

export interface RequestFacts {
  /** One state mask per request, by `AsyncRequest.index`. */
  masks: readonly number[];
  /** Variables holding the result of an asynchronous call. */
  vars: ReadonlyMap<string, VarFact>;
}

export interface AsyncModel {
  fn: FunctionModel;
  cfg: Cfg;
  requests: AsyncRequest[];
  /** Facts on entry to a node (undefined for unreachable nodes). */
  before(node: CfgNode): RequestFacts | undefined;
  after(node: CfgNode): RequestFacts | undefined;
  /** Facts along an edge (after the edge's branch refinement); undefined when infeasible or unreached. */
  along(edge: CfgEdge): RequestFacts | undefined;
  /** The requests an asynchronous call addresses (its own for a submission, those of its control block, list or ring otherwise). */
  requestsOf(call: CallExpr): AsyncRequest[];
  /** Calls of a node that wait for, poll or reap the request. */
  completionCalls(node: CfgNode, request: AsyncRequest): CallExpr[];
  /** Does the control block leave the function's sight (parameter, global, static, stored, passed to unknown code)? */
  controlEscapes(request: AsyncRequest): boolean;
  /** The call a node's test leaf or assignment reports on, for rules that show where a wait happened. */
  roleOf(call: CallExpr): AsyncRole | undefined;
  /** Key of the object a pointer designates, through this function's pointer aliases (`&cb` -> `cb`). */
  pointerKey(e: Expr): string | undefined;
  /** Key of the object whose member an expression names (`cb.aio_offset` -> `cb`). */
  memberKey(f: Extract<Expr, { kind: 'field' }>): string | undefined;
}

const cache = new WeakMap<FunctionModel, AsyncModel | null>();

/** Names that mark a function as worth modelling. */
export const ASYNC_CANDIDATES = /\b(aio_(read|write|fsync|suspend|error|return|cancel)(64)?|lio_listio(64)?|io_uring_\w+)\s*\(/;

/** The asynchronous request model of a function, or undefined when it starts no request. */
export function asyncModelOf(fn: FunctionModel): AsyncModel | undefined {
  let m = cache.get(fn);
  if (m === undefined) {
    m = build(fn) ?? null;
    cache.set(fn, m);
  }
  return m ?? undefined;
}

// -------------------------------------------------------------------- keys

/** Key of the object a pointer designates: `&cb` -> `cb`, `cbs + i` -> `cbs[i]`, `p` -> `*p`. */
export function derefKey(p: Expr, aliases?: ReadonlyMap<string, string>): string | undefined {
  const x = stripCasts(p);
  if (x.kind === 'unary' && x.op === '&') return objectKey(x.operand, aliases);
  if (x.kind === 'binary' && x.op === '+') return `${exprKey(x.left)}[${exprKey(x.right)}]`;
  if (x.kind === 'ident' || x.kind === 'field' || x.kind === 'index') {
    const k = exprKey(x);
    return aliases?.get(k) ?? `*${k}`;
  }
  return undefined;
}

/** Key of an object expression: `cb`, `cbs[i]`, `r->cb`; `*p` and `p[0]` through aliases. */
export function objectKey(o: Expr, aliases?: ReadonlyMap<string, string>): string | undefined {
  const x = stripCasts(o);
  if (x.kind === 'unary' && x.op === '*') return derefKey(x.operand, aliases);
  if (x.kind === 'ident' || x.kind === 'field' || x.kind === 'index') return exprKey(x);
  return undefined;
}

/** Key of the object whose member `f` designates: `cb.aio_buf` -> `cb`, `p->aio_buf` -> `*p`. */
export function memberOwnerKey(f: Extract<Expr, { kind: 'field' }>, aliases?: ReadonlyMap<string, string>): string | undefined {
  return f.arrow ? derefKey(f.object, aliases) : objectKey(f.object, aliases);
}

/** Identifiers a key expression mentions (`cbs[i]` -> cbs, i). */
function identsOf(e: Expr): Set<string> {
  const out = new Set<string>();
  forEachExpr(e, (x) => {
    if (x.kind === 'ident') out.add(x.name);
  });
  return out;
}

/** The variable at the root of an lvalue, through members, indexes, `*`, `&` and pointer arithmetic. */
export function rootIdent(e: Expr): Extract<Expr, { kind: 'ident' }> | undefined {
  let x = stripCasts(e);
  for (let guard = 0; guard < 64; guard++) {
    switch (x.kind) {
      case 'ident': return x;
      case 'field': case 'index': x = stripCasts(x.object); continue;
      case 'unary': if (x.op !== '&' && x.op !== '*') return undefined; x = stripCasts(x.operand); continue;
      case 'binary': if (x.op !== '+' && x.op !== '-') return undefined; x = stripCasts(x.left); continue;
      default: return undefined;
    }
  }
  return undefined;
}

/** Visits every sub-expression with its ancestors (outermost first). */
export function forEachWithParents(e: Expr, visit: (x: Expr, parents: readonly Expr[]) => void): void {
  const parents: Expr[] = [];
  const walk = (x: Expr, depth: number): void => {
    if (depth > 300) return;
    visit(x, parents);
    parents.push(x);
    for (const c of childExprs(x)) walk(c, depth + 1);
    parents.pop();
  };
  walk(e, 0);
}

// ------------------------------------------------------------ known values

/** Values of the macros the conditions compare with (Linux, glibc). */
const KNOWN_CONSTANTS: Record<string, number> = {
  EINPROGRESS: 115, ECANCELED: 125, EAGAIN: 11, EWOULDBLOCK: 11, EINTR: 4, EINVAL: 22, EIO: 5, ENOSYS: 38, EBADF: 9,
  ETIMEDOUT: 110, ETIME: 62, ENOMEM: 12, EBUSY: 16, EOVERFLOW: 75, ENOSPC: 28, EFBIG: 27,
  AIO_CANCELED: 0, AIO_NOTCANCELED: 1, AIO_ALLDONE: 2, LIO_WAIT: 0, LIO_NOWAIT: 1, LIO_READ: 0, LIO_WRITE: 1, LIO_NOP: 2,
  NULL: 0,
};

function constantOf(e: Expr | undefined, fn: FunctionModel): number | undefined {
  if (!e) return undefined;
  const lit = literalNumber(e);
  if (lit !== undefined) return lit;
  const x = stripCasts(e);
  if (x.kind === 'unary' && x.op === '-') {
    const v = constantOf(x.operand, fn);
    return v === undefined ? undefined : -v;
  }
  if (x.kind === 'ident' && x.name in KNOWN_CONSTANTS) return KNOWN_CONSTANTS[x.name];
  return fn.fold(x);
}

/** Which of the candidate results are consistent with a fact? */
function possible(fact: EdgeFact, fn: FunctionModel, candidates: number[]): boolean[] | undefined {
  const k = fact.value === undefined ? 0 : constantOf(fact.value, fn);
  if (k === undefined) {
    // Compared with a name we cannot read (an errno constant of another platform): equal means an error code.
    return undefined;
  }
  return candidates.map((v) => compareHolds(v, fact.op, k));
}

// ------------------------------------------------------------------- build

interface Builder {
  fn: FunctionModel;
  cfg: Cfg;
  requests: AsyncRequest[];
  byCall: Map<CallExpr, AsyncRequest[]>;
  aliases: Map<string, string>;
  lists: Map<string, string[] | null>;
  escapeCache: Map<string, boolean>;
}

function build(fn: FunctionModel): AsyncModel | undefined {
  const calls = fn.calls.filter((c) => asyncRole(c.name) !== undefined);
  if (!calls.some((c) => { const k = asyncRole(c.name)!.kind; return k === 'submit' || k === 'prepare'; })) return undefined;
  const cfg = fn.cfg;
  const b: Builder = { fn, cfg, requests: [], byCall: new Map(), aliases: pointerAliases(fn), lists: new Map(), escapeCache: new Map() };
  const bufferAssignments = collectBufferAssignments(fn, b.aliases);
  const sqeSources = collectSqeSources(fn);
  for (const site of calls) {
    const role = asyncRole(site.name)!;
    const node = cfg.nodeOf(site.call);
    if (!node) continue; // unreachable or inside an expression the graph does not hold
    if (role.kind === 'submit') {
      const arg = site.call.args[role.control];
      if (!arg) continue;
      let controls: Expr[];
      let synchronous = false;
      if (role.list) {
        const listed = listElements(arg, fn);
        if (!listed) continue; // a list we cannot read: no request we could follow
        controls = listed;
        synchronous = constantOf(site.call.args[0], fn) === KNOWN_CONSTANTS.LIO_WAIT;
      } else controls = [arg];
      const created: AsyncRequest[] = [];
      for (const control of controls) {
        const key = derefKey(control, b.aliases);
        if (!key) continue;
        const symbol = ownerOf(control, fn);
        const op = role.op ?? lioOpcode(key, bufferAssignments);
        const request: AsyncRequest = {
          index: b.requests.length, api: 'aio', op, call: site.call, node, key, control,
          controlSymbol: symbol, controlOnStack: !key.startsWith('*') && isStackObject(symbol, fn),
          keyVars: keyVariables(control), buffer: bufferFor(key, site.call.range.start, bufferAssignments, fn),
          ring: undefined, synchronous,
        };
        b.requests.push(request);
        created.push(request);
      }
      b.byCall.set(site.call, created);
    } else if (role.kind === 'prepare') {
      const sqe = site.call.args[role.control];
      const bufArg = role.buffer !== undefined ? site.call.args[role.buffer] : undefined;
      if (!sqe) continue;
      const request: AsyncRequest = {
        index: b.requests.length, api: 'uring', op: role.op, call: site.call, node,
        key: `${exprKey(sqe)}@${site.call.range.start}`, control: sqe, controlSymbol: undefined, controlOnStack: false,
        // Vectored forms: the kernel copies the iovec array at submission (IORING_FEAT_SUBMIT_STABLE), and the
        // data buffers it lists are not followed.
        keyVars: new Set(), buffer: bufArg && !/v2?$/.test(site.name ?? '') ? describeBuffer(bufArg, bufArg.range, fn) : undefined,
        ring: ringOfSqe(sqe, site.call.range.start, sqeSources, b.aliases), synchronous: false,
      };
      b.requests.push(request);
      b.byCall.set(site.call, [request]);
    }
  }
  if (b.requests.length === 0) return undefined;

  const solution = solveForward<RequestFacts>(cfg, {
    initial: { masks: b.requests.map(() => IDLE), vars: new Map() },
    transfer: (node, before) => transfer(b, node, before),
    edge: (edge, after) => refine(b, edge, after),
    join,
    equals,
  });
  const model: AsyncModel = {
    fn,
    cfg,
    requests: b.requests,
    before: (n) => solution.before.get(n),
    after: (n) => solution.after.get(n),
    along: (e) => {
      const a = solution.after.get(e.from);
      return a ? refine(b, e, a) : undefined;
    },
    requestsOf: (call) => addressed(b, call),
    completionCalls: (node, request) => completionCallsOf(b, node, request),
    controlEscapes: (request) => controlEscapes(b, request),
    roleOf: (call) => asyncRole(call.name),
    pointerKey: (e) => derefKey(e, b.aliases),
    memberKey: (f) => memberOwnerKey(f, b.aliases),
  };
  return model;
}

/** A local variable (non-static, not a parameter) whose storage is on the stack, not a pointer. */
export function isStackObject(symbol: VarSymbol | undefined, fn: FunctionModel): boolean {
  if (!symbol || symbol.kind !== 'local' || symbol.isStatic || symbol.type.storage.includes('extern')) return false;
  const t = fn.file.types.resolve(symbol.type);
  return t.arrayDims.length > 0 || (t.pointerDepth === 0 && !t.functionPointer);
}

function keyVariables(control: Expr): Set<string> {
  return identsOf(control);
}

/** Local pointers set once to `&x` and never reassigned: `struct aiocb *p = &cb;` makes `*p` mean `cb`. */
function pointerAliases(fn: FunctionModel): Map<string, string> {
  const assigned = new Map<string, Expr[]>();
  const note = (name: string, value: Expr | undefined): void => {
    const list = assigned.get(name) ?? [];
    if (value) list.push(value);
    else list.push({ kind: 'unknown', range: { start: 0, end: 0 } });
    assigned.set(name, list);
  };
  for (const local of fn.locals) if (local.init) note(local.name, local.init);
  forEachExprIn(fn.ir.body, (x) => {
    if (x.kind === 'assign') {
      const l = stripCasts(x.left);
      if (l.kind === 'ident') note(l.name, x.op === '=' ? x.right : undefined);
    } else if (x.kind === 'update') {
      const l = stripCasts(x.operand);
      if (l.kind === 'ident') note(l.name, undefined);
    }
  });
  const out = new Map<string, string>();
  for (const [name, values] of assigned) {
    if (values.length !== 1) continue;
    const v = stripCasts(values[0]!);
    if (v.kind !== 'unary' || v.op !== '&') continue;
    const key = objectKey(v.operand);
    if (key && fn.locals.some((l) => l.name === name)) {
      out.set(`${name}`, key);
      aliasTargets.set(fn, new Map([...(aliasTargets.get(fn) ?? []), [name, v.operand]]));
    }
  }
  return out;
}

/** The object each alias designates (`p` -> the expression `cb` of `p = &cb`), to find its owner. */
const aliasTargets = new WeakMap<FunctionModel, Map<string, Expr>>();

/** The variable that owns the control block: the root of what an alias points to, else the root of the expression. */
function ownerOf(control: Expr, fn: FunctionModel): VarSymbol | undefined {
  const x = stripCasts(control);
  const target = x.kind === 'ident' ? aliasTargets.get(fn)?.get(x.name) : undefined;
  const root = rootIdent(target ?? control);
  return root ? fn.lookup(root.name, root.range.start) : undefined;
}

interface BufferAssignment {
  owner: string;
  value: Expr;
  at: number;
  range: Range;
  /** For lio_listio: the `aio_lio_opcode` assigned, when this records one. */
  opcode?: number;
}

/** Every `X.aio_buf = E` (and designated `.aio_buf = E` initialisers), plus `aio_lio_opcode` assignments. */
function collectBufferAssignments(fn: FunctionModel, aliases: Map<string, string>): BufferAssignment[] {
  const out: BufferAssignment[] = [];
  forEachExprIn(fn.ir.body, (x) => {
    if (x.kind !== 'assign' || x.op !== '=') return;
    const l = stripCasts(x.left);
    if (l.kind !== 'field' || (l.field !== 'aio_buf' && l.field !== 'aio_lio_opcode')) return;
    const owner = memberOwnerKey(l, aliases);
    if (!owner) return;
    if (l.field === 'aio_buf') out.push({ owner, value: x.right, at: x.range.start, range: x.range });
    else out.push({ owner, value: x.right, at: x.range.start, range: x.range, opcode: constantOf(x.right, fn) ?? -1 });
  });
  // Designated initialisers: the IR drops designators, so read them from the text.
  const text = fn.file.text;
  for (const local of fn.locals) {
    const init = local.init && stripCasts(local.init);
    if (!init || init.kind !== 'init') continue;
    const slice = text.slice(init.range.start, init.range.end);
    for (const [field, re] of [['aio_buf', /\.aio_buf\s*=/g], ['aio_lio_opcode', /\.aio_lio_opcode\s*=/g]] as const) {
      for (const m of slice.matchAll(re)) {
        const at = init.range.start + m.index! + m[0].length;
        const item = init.items.find((it) => it.range.start >= at && text.slice(at, it.range.start).trim() === '');
        if (!item) continue;
        if (field === 'aio_buf') out.push({ owner: local.name, value: item, at: init.range.start, range: item.range });
        else out.push({ owner: local.name, value: item, at: init.range.start, range: item.range, opcode: constantOf(item, fn) ?? -1 });
      }
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

function bufferFor(key: string, at: number, assignments: BufferAssignment[], fn: FunctionModel): RequestBuffer | undefined {
  let chosen: BufferAssignment | undefined;
  for (const a of assignments) {
    if (a.opcode !== undefined || a.owner !== key || a.at > at) continue;
    chosen = a;
  }
  if (!chosen) return undefined;
  const v = stripCasts(chosen.value);
  if (v.kind === 'call') {
    // `cb.aio_buf = malloc(n)`: the buffer is only reachable through the control block.
    const fieldKey = key.startsWith('*') ? `${key.slice(1)}->aio_buf` : `${key}.aio_buf`;
    return { expr: chosen.value, key: fieldKey, root: undefined, symbol: undefined, onStack: false, range: chosen.range };
  }
  return describeBuffer(chosen.value, chosen.range, fn);
}

/** The buffer object a pointer expression designates: `buf + off` -> `buf`, `&hdr` -> `hdr`, `p->data` -> `p->data`. */
export function describeBuffer(e: Expr, range: Range, fn: FunctionModel): RequestBuffer | undefined {
  let x = stripCasts(e);
  while (x.kind === 'binary' && (x.op === '+' || x.op === '-')) x = stripCasts(x.left);
  if (x.kind === 'unary' && x.op === '&') {
    let o = stripCasts(x.operand);
    while (o.kind === 'index') {
      // One element of an array picked by a variable: other elements are not this buffer.
      if (literalNumber(o.index) === undefined && fn.fold(o.index) === undefined) return undefined;
      o = stripCasts(o.object);
    }
    x = o;
  }
  if (x.kind !== 'ident' && x.kind !== 'field') return undefined;
  const root = rootIdent(x);
  const symbol = root ? fn.lookup(root.name, root.range.start) : undefined;
  const onStack = x.kind === 'ident' && isStackObject(symbol, fn) && fn.file.types.resolve(symbol!.type).arrayDims.length > 0;
  return { expr: e, key: exprKey(x), root: root?.name, symbol, onStack, range };
}

function lioOpcode(key: string, assignments: BufferAssignment[]): 'read' | 'write' | undefined {
  const op = [...assignments].reverse().find((a) => a.opcode !== undefined && a.owner === key)?.opcode;
  return op === KNOWN_CONSTANTS.LIO_READ ? 'read' : op === KNOWN_CONSTANTS.LIO_WRITE ? 'write' : undefined;
}

/** Control-block pointers in a list: `(struct aiocb *[]){ &a, &b }`, or a local array filled with constant indexes. */
function listElements(arg: Expr, fn: FunctionModel): Expr[] | undefined {
  const x = stripCasts(arg);
  if (x.kind === 'init') return x.items;
  if (x.kind === 'unary' && x.op === '&') {
    // `aio_suspend(&p, 1, NULL)`: a one-element list holding p.
    const o = stripCasts(x.operand);
    if (o.kind === 'ident') {
      const sym = fn.lookup(o.name, o.range.start);
      if (sym && fn.file.types.resolve(sym.type).pointerDepth > 0) return [o];
    }
    return undefined;
  }
  if (x.kind !== 'ident') return undefined;
  const sym = fn.lookup(x.name, x.range.start);
  if (!sym || sym.kind !== 'local') return undefined;
  const items: Expr[] = [];
  const init = sym.init && stripCasts(sym.init);
  if (init?.kind === 'init') items.push(...init.items);
  let readable = true;
  forEachExprIn(fn.ir.body, (e) => {
    if (e.kind !== 'assign') return;
    const l = stripCasts(e.left);
    if (l.kind === 'index' && stripCasts(l.object).kind === 'ident' && (stripCasts(l.object) as { name: string }).name === x.name) {
      if (literalNumber(l.index) === undefined && fn.fold(l.index) === undefined) readable = false;
      else items.push(e.right);
    }
  });
  if (!readable || items.length === 0) return undefined;
  return items.filter((i) => !(stripCasts(i).kind === 'number' && literalNumber(i) === 0));
}

interface SqeSource {
  name: string;
  ring: Expr;
  at: number;
}

/** `sqe = io_uring_get_sqe(&ring)` assignments and initialisers, to know which ring an SQE belongs to. */
function collectSqeSources(fn: FunctionModel): SqeSource[] {
  const out: SqeSource[] = [];
  const add = (name: string, value: Expr, at: number): void => {
    const v = stripCasts(value);
    if (v.kind === 'call' && v.name === 'io_uring_get_sqe' && v.args[0]) out.push({ name, ring: v.args[0], at });
  };
  for (const l of fn.locals) if (l.init) add(l.name, l.init, l.range.start);
  forEachExprIn(fn.ir.body, (x) => {
    if (x.kind === 'assign' && x.op === '=') {
      const l = stripCasts(x.left);
      if (l.kind === 'ident') add(l.name, x.right, x.range.start);
    }
  });
  return out.sort((a, b) => a.at - b.at);
}

function ringOfSqe(sqe: Expr, at: number, sources: SqeSource[], aliases: Map<string, string>): string | undefined {
  const s = stripCasts(sqe);
  if (s.kind === 'call' && s.name === 'io_uring_get_sqe' && s.args[0]) return derefKey(s.args[0], aliases);
  if (s.kind !== 'ident') return undefined;
  let found: SqeSource | undefined;
  for (const src of sources) if (src.name === s.name && src.at < at) found = src;
  return found ? derefKey(found.ring, aliases) : undefined;
}

// --------------------------------------------------------------- transfer

function addressed(b: Builder, call: CallExpr): AsyncRequest[] {
  const role = asyncRole(call.name);
  if (!role) return [];
  if (role.kind === 'submit' || role.kind === 'prepare') return b.byCall.get(call) ?? [];
  const arg = call.args[role.control];
  if (role.api === 'uring') {
    const ring = arg ? derefKey(arg, b.aliases) : undefined;
    return b.requests.filter((r) => r.api === 'uring' && (!ring || !r.ring || r.ring === ring));
  }
  if (role.kind === 'cancel' && (!arg || constantOf(arg, b.fn) === 0)) return b.requests.filter((r) => r.api === 'aio');
  if (!arg) return [];
  if (role.list) {
    const elements = listElements(arg, b.fn);
    // A list we cannot read: assume it names every request (optimism, see the module header).
    if (!elements) return b.requests.filter((r) => r.api === 'aio');
    const keys = new Set(elements.map((e) => derefKey(e, b.aliases)).filter((k): k is string => k !== undefined));
    return b.requests.filter((r) => r.api === 'aio' && keys.has(r.key));
  }
  const key = derefKey(arg, b.aliases);
  return b.requests.filter((r) => r.api === 'aio' && r.key === key);
}

function completionCallsOf(b: Builder, node: CfgNode, request: AsyncRequest): CallExpr[] {
  const out: CallExpr[] = [];
  for (const call of node.event?.calls ?? []) {
    const role = asyncRole(call.name);
    if (!role || role.api !== request.api) continue;
    if (role.kind !== 'wait' && role.kind !== 'poll' && role.kind !== 'reap' && role.kind !== 'teardown' && !(role.kind === 'ring-submit' && role.timeout !== undefined)) continue;
    if (addressed(b, call).includes(request)) out.push(call);
  }
  return out;
}

type MutableFacts = { masks: number[]; vars: Map<string, VarFact> };

function clone(f: RequestFacts): MutableFacts {
  return { masks: [...f.masks], vars: new Map(f.vars) };
}

/**
 * Masks are joined bit by bit. A variable keeps the calls it holds on either
 * side: where it holds something else on one path, the requests of those
 * calls were not started on that path, so refining them there changes
 * nothing. Calls of different kinds (a submission and a poll) cannot share
 * a meaning for one comparison: the variable is dropped.
 */
function join(a: RequestFacts, b: RequestFacts): RequestFacts {
  const masks = a.masks.map((m, i) => m | b.masks[i]!);
  const vars = new Map<string, VarFact>();
  for (const name of new Set([...a.vars.keys(), ...b.vars.keys()])) {
    const x = a.vars.get(name);
    const y = b.vars.get(name);
    if (x && y) {
      if (x.role.kind !== y.role.kind || x.role.api !== y.role.api) continue;
      vars.set(name, { role: x.role, calls: [...new Set([...x.calls, ...y.calls])] });
    } else vars.set(name, (x ?? y)!);
  }
  return { masks, vars };
}

function equals(a: RequestFacts, b: RequestFacts): boolean {
  if (a.masks.some((m, i) => m !== b.masks[i])) return false;
  if (a.vars.size !== b.vars.size) return false;
  for (const [k, v] of a.vars) {
    const o = b.vars.get(k);
    if (!o || o.calls.length !== v.calls.length || v.calls.some((c) => !o.calls.includes(c))) return false;
  }
  return true;
}

/** Replaces the bits of `from` by `to` in a mask. */
function move(mask: number, from: number, to: number): number {
  return mask & from ? (mask & ~from) | to : mask;
}

function transfer(b: Builder, node: CfgNode, before: RequestFacts): RequestFacts {
  const ev = node.event;
  if (!ev) return before;
  const f = clone(before);
  for (const call of ev.calls) applyCall(b, call, f);
  // Assignments: a changed variable of a key, a reassigned buffer pointer, a result kept in a variable.
  const assigned: { name: string; value: Expr | undefined; addressOnly?: boolean }[] = [];
  if (ev.kind === 'decl' && ev.decl) assigned.push({ name: ev.decl.name, value: ev.decl.init });
  if (ev.expr) {
    forEachExpr(ev.expr, (x) => {
      if (x.kind === 'assign') {
        const l = stripCasts(x.left);
        if (l.kind === 'ident') assigned.push({ name: l.name, value: x.op === '=' ? x.right : undefined });
      } else if (x.kind === 'update') {
        const l = stripCasts(x.operand);
        if (l.kind === 'ident') assigned.push({ name: l.name, value: undefined });
      } else if (x.kind === 'unary' && x.op === '&') {
        // `&i` handed anywhere may change i.
        const o = stripCasts(x.operand);
        if (o.kind === 'ident' && !isControlArgument(x, ev.calls)) assigned.push({ name: o.name, value: undefined, addressOnly: true });
      }
    });
  }
  for (const { name, value, addressOnly } of assigned) {
    f.vars.delete(name);
    for (const r of b.requests) {
      const m = f.masks[r.index]!;
      // `&cb` in a list or a memset is not a change of the key: only scalars whose address is taken may change.
      if (addressOnly && (rootIdent(r.control)?.name === name || r.buffer?.root === name)) continue;
      if (r.keyVars.has(name) && m & (PREPARED | INFLIGHT | DONE | CANCELLING | FAILED) && r.node !== node) f.masks[r.index] = UNKNOWN;
      else if (r.buffer?.root === name && m & (PREPARED | INFLIGHT | DONE | CANCELLING) && r.node !== node) f.masks[r.index] = m | STALE;
    }
    const v = value && stripCasts(value);
    const inner = v && v.kind === 'assign' ? stripCasts(v.right) : v;
    if (inner?.kind === 'call') {
      const role = asyncRole(inner.name);
      if (role) f.vars.set(name, { role, calls: [inner] });
    }
  }
  return f;
}

/** Is `&x` an argument of an asynchronous call (which does not change x)? */
function isControlArgument(e: Expr, calls: CallExpr[]): boolean {
  return calls.some((c) => asyncRole(c.name) !== undefined && c.args.some((a) => a === e || (stripCasts(a).kind === 'init' && containsNode(a, e))));
}

function containsNode(root: Expr, target: Expr): boolean {
  let found = false;
  forEachExpr(root, (x) => {
    if (x === target) found = true;
  });
  return found;
}

function applyCall(b: Builder, call: CallExpr, f: MutableFacts): void {
  const role = asyncRole(call.name);
  if (!role) {
    escapeThroughCall(b, call, f);
    return;
  }
  const targets = addressed(b, call);
  switch (role.kind) {
    case 'submit':
      for (const r of targets) {
        // The control block now serves this request: earlier ones on it are no longer followed.
        for (const other of b.requests) if (other !== r && other.key === r.key && other.api === r.api) f.masks[other.index] = IDLE;
        f.masks[r.index] = r.synchronous ? DONE : INFLIGHT;
      }
      return;
    case 'prepare':
      for (const r of targets) f.masks[r.index] = PREPARED;
      return;
    case 'ring-submit':
      for (const r of targets) {
        const m = move(f.masks[r.index]!, PREPARED, INFLIGHT);
        f.masks[r.index] = role.timeout !== undefined && constantOf(call.args[role.timeout], b.fn) !== 0 ? move(m, INFLIGHT, DONE) : m;
      }
      return;
    case 'wait':
    case 'poll':
      // aio_error by itself observes nothing: its comparison does (see refine).
      if (role.api === 'aio' && role.kind === 'poll') return;
      for (const r of targets) f.masks[r.index] = move(move(f.masks[r.index]!, INFLIGHT, DONE), CANCELLING, DONE);
      return;
    case 'reap':
      for (const r of targets) {
        const m = f.masks[r.index]!;
        f.masks[r.index] = m & (INFLIGHT | DONE | FAILED | CANCELLING | PREPARED) ? (m & ~(INFLIGHT | DONE | FAILED | CANCELLING | PREPARED)) | REAPED : m;
      }
      return;
    case 'cancel':
      for (const r of targets) f.masks[r.index] = move(f.masks[r.index]!, INFLIGHT, CANCELLING);
      return;
    case 'teardown':
      for (const r of targets) {
        const m = f.masks[r.index]!;
        if (m & (INFLIGHT | DONE | PREPARED | CANCELLING)) f.masks[r.index] = (m & ~(INFLIGHT | DONE | PREPARED | CANCELLING)) | REAPED;
      }
      return;
    case 'get-sqe':
      return;
  }
}

/** A control block (or a list of them) handed to code we do not follow: its requests become UNKNOWN. */
function escapeThroughCall(b: Builder, call: CallExpr, f: MutableFacts): void {
  const effect = apiEffect(call.name);
  // Library calls from the table (memset of the control block, printf of a field) do not wait for or reap a request.
  if (effect && effect.category !== 'thread') return;
  for (const arg of call.args) {
    const root = rootIdent(arg);
    const names = root ? new Set([root.name]) : identsOf(arg);
    for (const r of b.requests) {
      const controlRoot = rootIdent(r.control)?.name;
      const m = f.masks[r.index]!;
      if (!(m & (PREPARED | INFLIGHT | DONE | CANCELLING))) continue;
      if (controlRoot && names.has(controlRoot)) f.masks[r.index] = UNKNOWN;
      else if (r.api === 'uring' && r.ring && names.has(r.ring.replace(/^\*/, '').split(/[.[-]/)[0]!)) f.masks[r.index] = UNKNOWN;
    }
  }
}

// ----------------------------------------------------------------- edges

function refine(b: Builder, edge: CfgEdge, after: RequestFacts): RequestFacts | undefined {
  const fact = factOf(edge);
  if (!fact) return after;
  let calls: readonly CallExpr[] = fact.call ? [fact.call] : [];
  let role = fact.call ? asyncRole(fact.call.name) : undefined;
  const subject = stripCasts(fact.subject);
  if (!role && subject.kind === 'ident') {
    const v = after.vars.get(subject.name);
    if (v) {
      calls = v.calls;
      role = v.role;
    }
  }
  if (calls.length === 0 || !role) return after;
  const targets = [...new Set(calls.flatMap((c) => addressed(b, c)))];
  if (targets.length === 0) return after;
  const f = clone(after);
  const fn = b.fn;
  switch (role.kind) {
    case 'submit': {
      // 0 on success, -1 on failure.
      const p = possible(fact, fn, [0, -1]);
      if (p && !p[0] && p[1]) for (const r of targets) f.masks[r.index] = IDLE;
      break;
    }
    case 'ring-submit': {
      // The number of SQEs submitted, or -errno.
      // A count that cannot be positive (0, or -errno): the SQE was not submitted.
      const p = possible(fact, fn, [1, 0, -11]);
      if (p && !p[0]) for (const r of targets) f.masks[r.index] = move(move(f.masks[r.index]!, INFLIGHT, IDLE), DONE, IDLE);
      break;
    }
    case 'wait':
    case 'poll': {
      if (role.api === 'aio' && role.kind === 'poll') {
        pollOutcome(fact, fn, targets, f);
        break;
      }
      // 0 when something completed, -1 (aio) or -errno (io_uring) otherwise.
      const p = possible(fact, fn, [0, -1, -11]);
      if (p && !p[0]) for (const r of targets) f.masks[r.index] = move(f.masks[r.index]!, DONE, INFLIGHT);
      break;
    }
    case 'cancel': {
      // AIO_CANCELED, AIO_NOTCANCELED, AIO_ALLDONE, -1.
      const p = possible(fact, fn, [0, 1, 2, -1]);
      if (!p) break;
      for (const r of targets) {
        const m = f.masks[r.index]!;
        if (!(m & CANCELLING)) continue;
        let to = 0;
        if (p[0] || p[2]) to |= DONE;
        if (p[1]) to |= INFLIGHT;
        if (p[3]) to |= CANCELLING;
        f.masks[r.index] = move(m, CANCELLING, to || CANCELLING);
      }
      break;
    }
    default:
      return after;
  }
  return f;
}

/** `aio_error`: EINPROGRESS while in flight, 0 on success, an error number (or -1) otherwise. */
function pollOutcome(fact: EdgeFact, fn: FunctionModel, targets: AsyncRequest[], f: MutableFacts): void {
  const k = fact.value === undefined ? 0 : constantOf(fact.value, fn);
  let inProgress: boolean;
  let success: boolean;
  let error: boolean;
  if (k === undefined) {
    // An unknown name: `== ENAME` is some error code; `!= ENAME` tells nothing.
    if (fact.op !== '==') return;
    inProgress = false;
    success = false;
    error = true;
  } else {
    inProgress = compareHolds(KNOWN_CONSTANTS.EINPROGRESS!, fact.op, k);
    success = compareHolds(0, fact.op, k);
    error = [5, 125, 22, -1].some((v) => compareHolds(v, fact.op, k)) || (k !== 0 && k !== KNOWN_CONSTANTS.EINPROGRESS && compareHolds(k, fact.op, k));
  }
  for (const r of targets) {
    const m = f.masks[r.index]!;
    if (!(m & (INFLIGHT | DONE | CANCELLING))) continue;
    // Completed: DONE when success is still possible (the result is unknown), FAILED only when the fact rules success out.
    const completed = success ? DONE : error ? FAILED : 0;
    let added = 0;
    if (m & INFLIGHT) added |= (inProgress ? INFLIGHT : 0) | completed;
    if (m & CANCELLING) added |= (inProgress ? CANCELLING : 0) | completed;
    if (m & DONE) added |= completed;
    // No outcome fits (the path contradicts what was observed before): keep what we had.
    f.masks[r.index] = added === 0 ? m : (m & ~(INFLIGHT | DONE | CANCELLING)) | added;
  }
}

/** The comparison an edge carries: a test leaf, or a `case` of a switch on a call. */
function factOf(edge: CfgEdge): EdgeFact | undefined {
  if (edge.cond?.kind === 'case') {
    if (!edge.cond.value) return undefined;
    const s = stripCasts(edge.cond.test);
    const inner = s.kind === 'assign' ? stripCasts(s.right) : s;
    return {
      subject: s, op: '==' as CompareOp, value: edge.cond.value, valueNumber: literalNumber(edge.cond.value),
      call: inner.kind === 'call' ? inner : undefined, assigned: undefined,
    };
  }
  return edgeFact(edge);
}

// ---------------------------------------------------------------- escapes

/**
 * Does the control block leave the function's sight? True for parameters,
 * globals and static locals, and when its address is stored or passed
 * anywhere but to an asynchronous I/O call, a list given to one, or a
 * library call from the effects table (memset, memcpy).
 */
function controlEscapes(b: Builder, request: AsyncRequest): boolean {
  const symbol = request.controlSymbol;
  if (request.api === 'uring') return true;
  if (!symbol || symbol.kind !== 'local' || symbol.isStatic) return true;
  const cached = b.escapeCache.get(symbol.name);
  if (cached !== undefined) return cached;
  let escapes = false;
  const listNames = new Set<string>();
  for (const site of b.fn.calls) {
    const role = asyncRole(site.name);
    if (role?.list) {
      const a = stripCasts(site.call.args[role.control] ?? { kind: 'unknown', range: { start: 0, end: 0 } });
      if (a.kind === 'ident') listNames.add(a.name);
    }
  }
  const type = b.fn.file.types.resolve(symbol.type);
  const isPointer = type.pointerDepth > 0 || type.arrayDims.length > 0;
  // A pointer designates a control block this function owns only if it points to one allocated here.
  if (request.key.startsWith('*') && type.pointerDepth > 0 && !pointsToOwnAllocation(symbol, b.fn)) {
    b.escapeCache.set(symbol.name, true);
    return true;
  }
  forEachStmt(b.fn.ir.body, (st) => {
    if (escapes) return;
    for (const { e, context } of topExprs(st)) {
      if (!containsIdent(e, symbol.name)) continue;
      forEachWithParents(e, (x, parents) => {
        if (escapes || x.kind !== 'ident' || x.name !== symbol.name) return;
        if (escapingUse(x, parents, isPointer, listNames, b.aliases, context, (call, i) => harmlessForControl(b.fn, call, i, true))) escapes = true;
      });
    }
  });
  b.escapeCache.set(symbol.name, escapes);
  return escapes;
}

/** Every value the pointer is given (initialiser and assignments) is a fresh allocation or NULL. */
function pointsToOwnAllocation(symbol: VarSymbol, fn: FunctionModel): boolean {
  const values: Expr[] = [];
  if (symbol.init) values.push(symbol.init);
  let other = false;
  forEachExprIn(fn.ir.body, (x) => {
    if (x.kind === 'assign') {
      const l = stripCasts(x.left);
      if (l.kind === 'ident' && l.name === symbol.name) {
        if (x.op === '=') values.push(x.right);
        else other = true;
      }
    }
  });
  if (other || values.length === 0) return false;
  return values.every((v) => {
    const x = stripCasts(v);
    if (x.kind === 'number' && x.value === 0) return true;
    return x.kind === 'call' && ['malloc', 'calloc', 'aligned_alloc', 'memalign', 'valloc'].includes(x.name ?? '');
  });
}

function containsIdent(e: Expr, name: string): boolean {
  let found = false;
  forEachExpr(e, (x) => {
    if (x.kind === 'ident' && x.name === name) found = true;
  });
  return found;
}

/**
 * A call that neither keeps nor passes on the pointer in argument `index`:
 * asynchronous I/O calls (when `allowAsync`), table calls that fill, copy,
 * allocate or free, and functions of this file that only initialise what the
 * parameter points to (member writes, memset, sizeof), never storing,
 * submitting or handing it further.
 */
export function harmlessForControl(fn: FunctionModel, call: CallExpr, index: number, allowAsync: boolean): boolean {
  if (asyncRole(call.name)) return allowAsync;
  if (apiEffect(call.name)) return isHarmlessLibraryCall(call);
  return index >= 0 && onlyInitialises(fn, call.name, index);
}

const initialiserCache = new WeakMap<object, Map<string, boolean>>();

function onlyInitialises(fn: FunctionModel, name: string | undefined, index: number): boolean {
  if (!name || name === fn.name) return false;
  const entry = fn.file.functionNamed(name);
  let known = initialiserCache.get(fn.file);
  if (!known) initialiserCache.set(fn.file, (known = new Map()));
  const key = `${name}#${index}`;
  const cached = known.get(key);
  if (cached !== undefined) return cached;
  known.set(key, false);
  const callee = entry ? fn.file.model(entry) : undefined;
  const param = callee?.params[index];
  let result = false;
  if (callee && param && fn.file.types.resolve(param.type).pointerDepth > 0) {
    result = true;
    forEachStmt(callee.ir.body, (st) => {
      if (!result) return;
      for (const { e, context } of topExprs(st)) {
        forEachWithParents(e, (x, parents) => {
          if (!result || x.kind !== 'ident' || x.name !== param.name) return;
          const parent = parents[parents.length - 1];
          // `p = something`: the parameter now points elsewhere; give up rather than follow it.
          if (parent?.kind === 'assign' && parent.left === x) result = false;
          // One level only: inside the helper, only library calls from the table are harmless.
          else if (escapingUse(x, parents, true, new Set(), new Map(), context, (c) => !asyncRole(c.name) && isHarmlessLibraryCall(c))) result = false;
        });
      }
    });
  }
  known.set(key, result);
  return result;
}

function isHarmlessLibraryCall(call: CallExpr): boolean {
  const effect = apiEffect(call.name);
  return effect !== undefined && (effect.category === 'fill' || effect.category === 'copy' || effect.category === 'free' || effect.category === 'alloc');
}

/** A statement's top-level expressions, each with how its value is used (an initializer, a returned value, or an expression statement). */
function topExprs(st: Stmt): { e: Expr; context: UseContext }[] {
  if (st.kind === 'decl') return st.decls.flatMap((d) => (d.init ? [{ e: d.init, context: { kind: 'init' as const, declName: d.name } }] : []));
  return stmtExprs(st).map((e) => ({ e, context: { kind: st.kind === 'return' ? ('return' as const) : ('expr' as const) } }));
}

interface UseContext {
  kind: 'init' | 'return' | 'expr';
  /** For `init`: the variable being initialised. */
  declName?: string;
}

/** Is this mention of the control-block variable a way for it to leave the function? */
function escapingUse(
  ident: Expr,
  parents: readonly Expr[],
  isPointer: boolean,
  listNames: Set<string>,
  aliases: Map<string, string>,
  context: UseContext,
  harmlessCall: (call: CallExpr, argIndex: number) => boolean,
): boolean {
  let child: Expr = ident;
  let address = isPointer;
  for (let i = parents.length - 1; i >= 0; i--) {
    const p = parents[i]!;
    switch (p.kind) {
      case 'field':
        // `cb.aio_offset`, `p->aio_buf`: a member, not the block's address.
        return false;
      case 'sizeof':
        return false;
      case 'index':
        address = false;
        child = p;
        continue;
      case 'cast':
        child = p;
        continue;
      case 'unary':
        if (p.op === '&') address = true;
        else if (p.op === '*') address = false;
        else return false;
        child = p;
        continue;
      case 'binary':
        if ((p.op === '+' || p.op === '-') && p.left === child) {
          child = p;
          continue;
        }
        // Comparisons (`p == NULL`) do not let the block escape.
        return false;
      case 'call': {
        if (p.callee === child) return false;
        if (!address) return false;
        return !harmlessCall(p, p.args.indexOf(child));
      }
      case 'init': {
        // `{ &cb }` as a list: a compound literal handed to aio_suspend/lio_listio, or a list variable's initialiser.
        const owner = parents[i - 1];
        if (owner && owner.kind === 'call' && asyncRole(owner.name)) return false;
        if (i === 0 && context.kind === 'init' && context.declName && listNames.has(context.declName)) return false;
        return address;
      }
      case 'assign': {
        // Assigning the pointer itself (`p = malloc(...)`) or the whole block.
        if (p.left === child) return false;
        const l = stripCasts(p.left);
        // `list[0] = &cb` for a list handed to aio_suspend/lio_listio.
        if (l.kind === 'index' && stripCasts(l.object).kind === 'ident' && listNames.has((stripCasts(l.object) as { name: string }).name)) return false;
        return address;
      }
      default:
        return address;
    }
  }
  if (!address) return false;
  if (context.kind === 'return') return true;
  if (context.kind === 'init') return !(context.declName && (listNames.has(context.declName) || aliases.has(context.declName)));
  return false;
}
