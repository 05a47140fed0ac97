/**
 * copy/sizeof-pointer: `sizeof p` used as the byte count of a copy, fill or
 * I/O call on the buffer `p` points to (or of an allocation assigned to
 * `p`), where `p` is a pointer: the count is the pointer's 8 bytes, not the
 * buffer's size.
 *
 * Decides only when the `sizeof` operand is the very buffer argument (or
 * the very variable receiving the allocation), so `memcpy(&dst, &src,
 * sizeof src)` (copying a pointer value on purpose) never matches.
 */
import type { Report, Rule, RuleFix } from '../../engine/rule';
import { apiEffect, type ApiEffect } from '../../model/apiEffects';
import { derefType } from '../../model/constants';
import type { FunctionModel } from '../../model/functionModel';
import type { Expr, TypeRef } from '../../model/ir';
import { POINTER_SIZE } from '../../model/types';
import { sameExpr, stripCasts, type CallExpr } from '../../model/walk';
import { textOf } from '../callArgs';
import { onlyDefinition, operandText } from './common';

/** Calls whose byte count is checked, with the argument positions of their buffers and counts. */
const CHECKED = [
  'memcpy', 'memmove', 'mempcpy', 'memset', 'bzero', 'strncpy', 'strncat', 'snprintf', 'vsnprintf', 'fgets',
  'read', 'pread', 'pread64', 'write', 'pwrite', 'pwrite64', 'recv', 'recvfrom', 'send', 'sendto', 'fread', 'fwrite',
];

/** Allocators: the C library's and the usual wrappers (`xmalloc`, `sqlite3_malloc64`, `kzalloc`, `sqlite3DbMallocZero`). */
const ALLOCATOR = /alloc(?:64|Raw|RawNN|Zero|ate)?$/i;

type SizeofExpr = Extract<Expr, { kind: 'sizeof' }>;

export const sizeofPointer: Rule = {
  id: 'copy/sizeof-pointer',
  summary: 'The byte count of a copy, fill, I/O call or allocation is the size of a pointer, not of the buffer it points to.',
  defaultSeverity: 'error',
  fix: 'unsafe',
  messages: {
    copySized: "'{{expr}}' is the size of the pointer '{{name}}' ({{ptr}} bytes), not of {{what}} ({{size}} bytes): '{{callee}}' covers only {{ptr}} of them",
    copyUnsized: "'{{expr}}' is the size of the pointer '{{name}}' ({{ptr}} bytes), not of {{what}}: '{{callee}}' covers {{ptr}} bytes whatever the buffer holds",
    decayed: "'{{expr}}' is the size of a pointer ({{ptr}} bytes): the array parameter '{{name}}' decays to a pointer, so '{{callee}}' covers {{ptr}} of its {{size}} bytes",
    alloc: "'{{expr}}' is the size of the pointer '{{name}}' ({{ptr}} bytes), not of {{what}}{{sized}}: '{{callee}}' allocates too little and filling the object overflows the heap",
  },
  // `CALL(..., p, ..., sizeof p ...)` or `p = ...alloc(... sizeof p ...)`: the operand spelled like an earlier argument
  // or the assigned name. Spans are bounded (300 characters) so that no input makes the scan quadratic. The assigned
  // name starts at a word boundary: tried inside every name, it matched `pTable = malloc(sizeof(Table))` and took 3x as long.
  scope: 'function',
  // The candidates also accept `read64` and `write64` (`p?read(?:64)?`), so the triggers must too.
  triggers: [...CHECKED, 'read64', 'write64', /alloc/],
  candidates: [/\bsizeof\b/, new RegExp(
    String.raw`\b(?:mem(?:p?cpy|move|set)|bzero|strnc(?:py|at)|v?snprintf|fgets|p?read(?:64)?|recv(?:from)?|p?write(?:64)?|send(?:to)?|fread|fwrite)\s*\((?:[^;]{0,300}?,)?\s*(?:\([^()]*\)\s*)?([A-Za-z_](?:\w|->|\.)*)\s*,[^;]{0,300}?\bsizeof\s*\(?\s*\1\s*\)?\s*[-+*,)]` +
      String.raw`|\b([A-Za-z_](?:\w|->|\.)*)\s*=\s*(?:\([^()]*\)\s*)?\w*alloc\w*\s*\([^;]{0,300}?\bsizeof\s*\(?\s*\2\s*\)?\s*[-+*,)]`,
  )],
  check(ctx) {
    for (const fn of ctx.functions()) {
      for (const site of fn.calls) {
        if (!site.name) continue;
        if (CHECKED.includes(site.name)) {
          const report = copyFinding(site.call, fn);
          if (report) ctx.report({ ...report, functionName: fn.name });
        }
      }
      for (const { target, call } of allocations(fn)) {
        const report = allocFinding(target, call, fn);
        if (report) ctx.report({ ...report, functionName: fn.name });
      }
    }
  },
};

// ------------------------------------------------------------- copy calls

function copyFinding(call: CallExpr, fn: FunctionModel): Report | undefined {
  const effect = apiEffect(call.name)!;
  const buffers = effect.args.flatMap((a, i) => (a.role === 'dst' || a.role === 'src' ? [i] : []));
  for (const sizeIndex of sizeIndexes(effect)) {
    const size = call.args[sizeIndex];
    if (!size) continue;
    for (const s of additiveSizeofs(size)) {
      const operand = s.operand ? stripCasts(s.operand) : undefined;
      // Only `sizeof X` where X is itself the buffer argument: anything else may be meant.
      if (!operand || !buffers.some((i) => sameExpr(call.args[i], operand))) continue;
      const facts = pointerFacts(operand, fn);
      if (!facts) continue;
      const text = fn.file.text;
      const data = { expr: textOf(text, s), name: textOf(text, operand), ptr: POINTER_SIZE, callee: call.name!, what: facts.what };
      const fix = fixFor(s, size, operand, facts, fn, call.range.start);
      return {
        messageId: facts.size === undefined ? 'copyUnsized' : facts.decayedDim !== undefined ? 'decayed' : 'copySized',
        data: facts.size !== undefined ? { ...data, size: facts.size } : data,
        range: s.range,
        fixes: fix ? [fix] : [],
      };
    }
  }
  return undefined;
}

/** Positions of the byte-count arguments (`fread`/`fwrite` have two factors). */
function sizeIndexes(effect: ApiEffect): number[] {
  if (effect.sizeProduct) return [...effect.sizeProduct];
  if (effect.sizeArg !== undefined) return [effect.sizeArg];
  const i = effect.args.findIndex((a) => a.role === 'size');
  return i < 0 ? [] : [i];
}

/** `sizeof` terms of a count: the whole count, or a term of a sum (`sizeof p - 1`). */
function additiveSizeofs(e: Expr): SizeofExpr[] {
  const x = stripCasts(e);
  if (x.kind === 'sizeof') return [x];
  if (x.kind === 'binary' && (x.op === '+' || x.op === '-')) return [...additiveSizeofs(x.left), ...additiveSizeofs(x.right)];
  return [];
}

interface PointerFacts {
  /** "the 'struct conn' it points to", "the buffer it points to", "the 64-byte array 'buf' was declared as". */
  what: string;
  /** Bytes of what the pointer designates, when known. */
  size: number | undefined;
  /** `sizeof *p` is the right count (the pointee is one object). */
  singleObject: boolean;
  /** The declared dimension of an array parameter, if any. */
  decayedDim: string | undefined;
  pointee: TypeRef;
}

/** What `operand` points to, when it is a pointer whose `sizeof` is certainly not meant. */
function pointerFacts(operand: Expr, fn: FunctionModel): PointerFacts | undefined {
  const declared = fn.typeOf(operand);
  if (!declared) return undefined;
  const type = fn.file.types.resolve(declared);
  // Arrays: `sizeof` is the array's size, which is right.
  if (type.arrayDims.length > 0 || type.pointerDepth === 0 || type.functionPointer) return undefined;
  const pointee = fn.file.types.resolve(derefType(type)!);
  // A pointer to pointers: `sizeof p` equals `sizeof *p`, one element is right.
  if (pointee.pointerDepth > 0 || pointee.functionPointer || pointee.arrayDims.length > 0) return undefined;
  const decayedDim = decayedDimension(operand, fn);
  const pointeeSize = pointee.base === 'void' ? undefined : fn.file.types.sizeOf(pointee);
  if (decayedDim !== undefined) {
    const n = fn.fold(decayedDim.expr);
    const size = n !== undefined && pointeeSize !== undefined ? n * pointeeSize : undefined;
    // An array parameter of exactly pointer size: the count happens to be right.
    if (size === POINTER_SIZE) return undefined;
    return { what: 'the array it was declared as', size, singleObject: false, decayedDim: decayedDim.text, pointee };
  }
  const aggregate = /^(struct|union) /.test(pointee.base);
  // The pointee has the size of a pointer (`long *`, `double *`): `sizeof p` equals `sizeof *p` on LP64.
  if (pointeeSize === POINTER_SIZE) return undefined;
  // An unknown typedef may itself be a pointer type (`xmlNodePtr`): stay silent.
  if (pointeeSize === undefined && !aggregate && pointee.base !== 'void') return undefined;
  if (aggregate) return { what: `the '${pointee.base}' it points to`, size: pointeeSize, singleObject: true, decayedDim: undefined, pointee };
  return { what: pointee.base === 'void' || pointeeSize === 1 ? 'the buffer it points to' : `the '${pointee.base}' data it points to`, size: undefined, singleObject: false, decayedDim: undefined, pointee };
}

/** The `[N]` of a parameter declared as an array (`char buf[64]`), which decays to a pointer. */
function decayedDimension(operand: Expr, fn: FunctionModel): { expr: Expr | undefined; text: string } | undefined {
  if (operand.kind !== 'ident') return undefined;
  const symbol = fn.lookup(operand.name, operand.range.start);
  if (symbol?.kind !== 'param') return undefined;
  const param = fn.ir.params.find((p) => p.name === operand.name);
  // The IR keeps the decayed type only; the declarator's `[N]` is read back from the source.
  const m = param ? /\[\s*([^\][]+?)\s*\]\s*$/.exec(fn.file.text.slice(param.range.start, param.range.end)) : null;
  if (!m) return undefined;
  const text = m[1]!.replace(/^static\s+|\s*const\s*/g, '');
  const value = /^\d+$/.test(text) ? Number(text) : /^[A-Za-z_]\w*$/.test(text) ? fn.file.constants.valueOfName(text) : undefined;
  return { expr: value === undefined ? undefined : { kind: 'number', value, text, range: operand.range }, text };
}

function fixFor(s: SizeofExpr, size: Expr, operand: Expr, facts: PointerFacts, fn: FunctionModel, at: number): RuleFix | undefined {
  const text = fn.file.text;
  const deref = `sizeof *${textOf(text, operand)}`;
  const whole = stripCasts(size) === s;
  const wrap = (t: string): string => (whole ? t : `(${t})`);
  let replacement: string | undefined;
  if (facts.decayedDim !== undefined) {
    replacement = wrap(`${deref} * ${/^[\w]+$/.test(facts.decayedDim) ? facts.decayedDim : `(${facts.decayedDim})`}`);
  } else if (facts.singleObject) {
    replacement = deref;
  } else {
    // A local pointer still holding what `malloc(N)` returned: N bytes.
    const symbol = operand.kind === 'ident' ? fn.lookup(operand.name, operand.range.start) : undefined;
    const value = symbol ? onlyDefinition(fn, symbol, at) : undefined;
    if (value?.kind === 'call' && value.name === 'malloc' && value.args.length === 1 && fn.fold(value.args[0]) !== undefined) {
      replacement = whole ? textOf(text, value.args[0]!) : operandText(text, value.args[0]!);
    }
  }
  if (replacement === undefined) return undefined;
  return { title: `Replace '${textOf(text, s)}' with '${replacement}'`, applicability: 'unsafe', edits: [{ range: s.range, text: replacement }] };
}

// ------------------------------------------------------------ allocations

interface Allocation {
  /** The variable or lvalue receiving the allocation. */
  target: Expr;
  call: CallExpr;
}

/** `p = malloc(...)` and `T *p = malloc(...)` (through casts). */
function allocations(fn: FunctionModel): Allocation[] {
  const out: Allocation[] = [];
  for (const site of fn.calls) {
    if (!site.name || !ALLOCATOR.test(site.name)) continue;
    const stmt = site.stmt;
    if (stmt.kind === 'decl') {
      for (const d of stmt.decls) {
        if (d.init && stripCasts(d.init) === site.call) out.push({ target: { kind: 'ident', name: d.name, range: d.nameRange }, call: site.call });
      }
    } else if (stmt.kind === 'expr') {
      const assign = findAssignOf(stmt.expr, site.call);
      if (assign) out.push({ target: assign, call: site.call });
    }
  }
  return out;
}

function findAssignOf(root: Expr, call: CallExpr): Expr | undefined {
  const stack: Expr[] = [root];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.kind === 'assign' && e.op === '=' && stripCasts(e.right) === call) return e.left;
    if (e.kind === 'comma') stack.push(...e.exprs);
    if (e.kind === 'assign') stack.push(e.right);
  }
  return undefined;
}

function allocFinding(target: Expr, call: CallExpr, fn: FunctionModel): Report | undefined {
  for (const arg of call.args) {
    for (const s of factorSizeofs(arg)) {
      const operand = s.operand ? stripCasts(s.operand) : undefined;
      // `sizeof` of anything but the pointer being assigned may be meant.
      if (!operand || !sameExpr(operand, target)) continue;
      const declared = fn.typeOf(operand);
      if (!declared) continue;
      const type = fn.file.types.resolve(declared);
      // Arrays and pointers to pointers are sized right by `sizeof` of themselves.
      if (type.arrayDims.length > 0 || type.pointerDepth !== 1 || type.functionPointer) continue;
      const pointee = fn.file.types.resolve(derefType(type)!);
      // Only a pointer to a struct or union is certainly short-changed; `int *` gets too much, `char *` is unclear.
      if (pointee.pointerDepth > 0 || !/^(struct|union) /.test(pointee.base)) continue;
      const size = fn.file.types.sizeOf(pointee);
      // A struct of pointer size: the allocation happens to be right.
      if (size !== undefined && size <= POINTER_SIZE) continue;
      const text = fn.file.text;
      const replacement = `sizeof *${textOf(text, operand)}`;
      return {
        messageId: 'alloc',
        data: { expr: textOf(text, s), name: textOf(text, operand), ptr: POINTER_SIZE, what: `the '${pointee.base}' it points to`, sized: size !== undefined ? ` (${size} bytes)` : '', callee: call.name! },
        range: s.range,
        fixes: [{ title: `Replace '${textOf(text, s)}' with '${replacement}'`, applicability: 'unsafe', edits: [{ range: s.range, text: replacement }] }],
      };
    }
  }
  return undefined;
}

/** `sizeof` factors and terms of an allocation size: `sizeof p`, `n * sizeof p`, `sizeof p + extra`. */
function factorSizeofs(e: Expr): SizeofExpr[] {
  const x = stripCasts(e);
  if (x.kind === 'sizeof') return [x];
  if (x.kind === 'binary' && (x.op === '+' || x.op === '*')) return [...factorSizeofs(x.left), ...factorSizeofs(x.right)];
  return [];
}
