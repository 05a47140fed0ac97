/**
 * Scenario from code: turns one loop (or a whole function) of the user's C
 * code into a loop plan (plan.ts), from the model's calls and their effects
 * (model/apiEffects.ts), byte counts folded from constants and `sizeof` or
 * carried by the variable a read's result went into, and descriptor kinds
 * (model/descriptors.ts). What the code does not say is assumed
 * (assumptions.ts) and every assumption is written into the plan.
 *
 * What a loop plan keeps of the code:
 * - calls in evaluation order (arguments before the call), the loop's test
 *   before its body (after it for `do`), the `for` update after the body;
 * - nested loops run once per iteration (partial-write and EINTR retry
 *   loops), except a loop polling `aio_error`, which becomes one spinning
 *   wait;
 * - branches that leave (`return`, `break`, `continue`, `goto`, `exit`) are
 *   error and end-of-data handling and are left out: the plan is the steady
 *   state;
 * - calls of functions of the same file are followed (two levels deep), so a
 *   thread's start routine or a helper's I/O shows up;
 * - calls CopyScope cannot see into cost nothing unless they process a data
 *   chunk (then `compute`, a rate) or the user gave `cost(NAME)`; they are
 *   listed in the assumptions.
 *
 * Invariants: pure; never throws on odd code (what it cannot read it skips);
 * a plan always has at least one step or is not returned.
 */

import { apiEffect } from '../../model/apiEffects';
import { callsInOrder } from '../../model/cfg';
import { assignmentsIn, resultAssignment, within, type Assignment } from '../../model/dataflow';
import { descriptorsOf } from '../../model/descriptors';
import type { FileModel } from '../../model/fileModel';
import type { FunctionModel } from '../../model/functionModel';
import { isLoop, type Expr, type LoopStmt, type Stmt } from '../../model/ir';
import { exprKey, regionOf } from '../../model/regions';
import { createsIn, joinsIn } from '../../model/threads';
import { forEachExpr, forEachStmt, mentions, stripCasts, type CallExpr } from '../../model/walk';
import type { TextRange } from '../../engine/types';
import type { MachineProfile } from '../profile';
import { DEFAULT_ASSUMPTIONS, formatBytes, formatDuration, type Assumptions } from './assumptions';
import type { Fd, LoopPlan, Step } from './plan';
import { lineOf } from '../../model/textFacts';

/** Calls that are bookkeeping, not work worth simulating. */
const IGNORED = new Set([
  'printf', 'fprintf', 'dprintf', 'puts', 'fputs', 'putchar', 'fputc', 'perror', 'strerror', 'strerror_r', 'syslog', 'vsyslog',
  'warn', 'warnx', 'err', 'errx', 'assert', '__assert_fail', '__errno_location', 'fflush', 'ferror', 'feof', 'clearerr', 'fileno',
  'htons', 'ntohs', 'htonl', 'ntohl', 'strlen', 'strcmp', 'strncmp', 'memcmp', 'min', 'max', 'MIN', 'MAX', 'abs', 'labs',
  'clock_gettime', 'gettimeofday', 'time', 'sched_yield', 'pthread_self', 'getpid', 'rand', 'malloc', 'calloc', 'realloc', 'free',
  'FD_SET', 'FD_ISSET', 'FD_ZERO', 'FD_CLR', 'aio_error', 'aio_error64', 'aio_cancel', 'aio_cancel64', 'exit', '_exit', 'abort',
  'pthread_mutex_lock', 'pthread_mutex_unlock', 'pthread_attr_init', 'pthread_attr_destroy', 'pthread_detach',
]);

/** System calls that move no data but cost their switches (fd bookkeeping, readiness). */
const SYSCALLS = new Set([
  'open', 'open64', 'openat', 'creat', 'close', 'lseek', 'lseek64', 'fstat', 'stat', 'lstat', 'poll', 'ppoll', 'select', 'pselect',
  'epoll_wait', 'epoll_ctl', 'fcntl', 'ioctl', 'fsync', 'fdatasync', 'ftruncate', 'shutdown', 'socket', 'accept', 'accept4', 'connect',
  'bind', 'listen', 'setsockopt', 'pipe', 'pipe2', 'posix_fadvise', 'madvise',
]);
const FILE_CALLS = new Set(['open', 'open64', 'openat', 'creat', 'fstat', 'stat', 'lstat', 'fsync', 'fdatasync', 'ftruncate']);

const READ_APIS = new Set(['read', 'pread', 'pread64', 'recv', 'recvfrom']);
const WRITE_APIS = new Set(['write', 'pwrite', 'pwrite64', 'send', 'sendto']);
const AIO_SUBMIT = new Set(['aio_read', 'aio_read64', 'aio_write', 'aio_write64']);
const AIO_SUSPEND = new Set(['aio_suspend', 'aio_suspend64']);
const AIO_RETURN = new Set(['aio_return', 'aio_return64']);
const THREAD_CREATE = new Set(['pthread_create', 'thrd_create']);
const THREAD_JOIN = new Set(['pthread_join', 'thrd_join', 'pthread_timedjoin_np']);
const NO_RETURN = new Set(['exit', '_exit', 'abort', 'err', 'errx', 'pthread_exit', 'thrd_exit']);

/** How deep calls of the file's own functions are followed. */
const MAX_DEPTH = 2;

export interface PlanOptions {
  assumptions: Assumptions;
  profile: MachineProfile;
}

// ------------------------------------------------------------ choosing the loop

/**
 * The loop a timeline at `offset` describes: the innermost loop around it
 * that does I/O, copies, AIO or threads and is not a polling loop; undefined
 * when the offset is in no such loop (the whole function is then simulated).
 */
export function loopAt(fn: FunctionModel, offset: number): LoopStmt | undefined {
  let best: LoopStmt | undefined;
  forEachStmt(fn.ir.body, (s) => {
    if (!isLoop(s) || offset < s.range.start || offset > s.range.end) return;
    if (isPollLoop(s) || !hasEvents(s)) return;
    if (!best || s.range.start >= best.range.start) best = s;
  });
  return best;
}

/** The function's main loop: the outermost loop with events and the most calls, or undefined. */
export function mainLoop(fn: FunctionModel): LoopStmt | undefined {
  let best: { loop: LoopStmt; depth: number; calls: number } | undefined;
  forEachStmt(fn.ir.body, (s, ancestors) => {
    if (!isLoop(s) || isPollLoop(s) || !hasEvents(s)) return;
    const depth = ancestors.filter(isLoop).length;
    let calls = 0;
    forEachStmt(s, (t) => {
      for (const e of exprsOf(t)) calls += callsInOrder(e).length;
    });
    if (!best || depth < best.depth || (depth === best.depth && calls > best.calls)) best = { loop: s, depth, calls };
  });
  return best?.loop;
}

function hasEvents(loop: LoopStmt): boolean {
  let found = false;
  forEachStmt(loop, (s) => {
    for (const e of exprsOf(s)) {
      for (const c of callsInOrder(e)) {
        const effect = apiEffect(c.name);
        if (effect && ['io-read', 'io-write', 'stdio-read', 'stdio-write', 'zerocopy', 'copy', 'aio', 'thread', 'map'].includes(effect.category)) found = true;
      }
    }
  });
  return found;
}

const SLEEPS = new Set(['aio_suspend', 'aio_suspend64', 'usleep', 'nanosleep', 'clock_nanosleep', 'sleep']);
const POLL_EXTRAS = new Set(['sched_yield', 'pthread_yield', 'thrd_yield', 'printf', 'fprintf', 'clock_gettime', ...SLEEPS]);

/**
 * A loop that only waits for AIO requests: it calls `aio_error` and nothing
 * else but yielding, logging or sleeping. `spin` when nothing in it sleeps
 * (the thread burns its core), `sleep` when it blocks in `aio_suspend` or a
 * sleep between checks.
 */
export function waitLoopKind(loop: LoopStmt): 'spin' | 'sleep' | undefined {
  let polls = false;
  let other = false;
  let sleeps = false;
  forEachStmt(loop, (s) => {
    if (isLoop(s) && s !== loop) other = true;
    for (const e of exprsOf(s)) {
      for (const c of callsInOrder(e)) {
        if (c.name === 'aio_error' || c.name === 'aio_error64') polls = true;
        else if (c.name && POLL_EXTRAS.has(c.name)) sleeps ||= SLEEPS.has(c.name);
        else other = true;
      }
    }
  });
  if (!polls || other) return undefined;
  return sleeps ? 'sleep' : 'spin';
}

/** A loop that waits for AIO requests (see waitLoopKind). */
export function isPollLoop(loop: LoopStmt): boolean {
  return waitLoopKind(loop) !== undefined;
}

// ------------------------------------------------------------ building the plan

/** A plan for `loop` in `fn` (or the whole function when `loop` is undefined); undefined when nothing in it can be simulated. */
export function planFor(fn: FunctionModel, loop: LoopStmt | undefined, options: PlanOptions): LoopPlan | undefined {
  const builder = new PlanBuilder(fn, options);
  return builder.build(loop);
}

interface Request {
  fd: Fd;
  bytes: number;
  op: 'read' | 'write';
}

class PlanBuilder {
  private readonly a: Assumptions;
  private readonly notes: string[] = [];
  private readonly noted = new Set<string>();
  private readonly skippedCalls = new Set<string>();
  /** Calls of the file's own functions whose cost is unknown: they take the default. */
  private readonly defaultCost = new Set<string>();
  private nextId = 0;
  /** Bytes carried by variables: `n = read(..., 4096)` gives n 4096. */
  private readonly varBytes = new Map<string, number>();
  /** Mappings by the key of the variable holding them, with their size and the phase they were made in. */
  private readonly mappings = new Map<string, { bytes: number; phase: Phase }>();
  /** Buffers that data was read into: a call taking one processes the chunk. */
  private readonly dataBuffers = new Map<string, number>();
  private readonly requests = new Map<string, Request>();
  private readonly submitted = new Set<string>();
  private phase: Phase = 'setup';
  private inLoop = false;

  constructor(private readonly fn: FunctionModel, private readonly options: PlanOptions) {
    this.a = options.assumptions;
  }

  build(loop: LoopStmt | undefined): LoopPlan | undefined {
    const fn = this.fn;
    const body = fn.ir.body;
    let setup: Step[] = [];
    let steps: Step[];
    let teardown: Step[] = [];
    if (loop) {
      this.phase = 'setup';
      setup = this.collectAround(body, loop, 'before', fn, 0);
      this.phase = 'body';
      this.inLoop = true;
      steps = this.loopSteps(loop, fn, 0);
      this.inLoop = false;
      this.phase = 'teardown';
      teardown = this.collectAround(body, loop, 'after', fn, 0);
    } else {
      this.phase = 'body';
      steps = this.stmtSteps(body, fn, 0);
    }
    this.addAssumedSubmissions(setup, steps);
    if (setup.length + steps.length + teardown.length === 0) return undefined;
    if (steps.length === 0) {
      // The loop itself does nothing the simulator knows: simulate what is around it once.
      steps = [...setup, ...teardown];
      setup = [];
      teardown = [];
      loop = undefined;
    }

    const line = lineOf(fn.file.text, (loop ?? fn.ir).range.start);
    const first = steps.find(isInput);
    const chunk = first ? bytesOfStep(first) : undefined;
    let iterations = 1;
    let totalBytes: number | undefined;
    let chunkBytes: number | undefined;
    if (loop) {
      if (chunk !== undefined) {
        chunkBytes = chunk;
        if (this.a.iterations !== undefined) {
          iterations = this.a.iterations;
          totalBytes = iterations * chunk;
          this.note(`the loop runs ${iterations} times (iterations=${iterations}), moving ${formatBytes(totalBytes)}`);
        } else {
          totalBytes = this.a.bytes ?? DEFAULT_ASSUMPTIONS.bytes;
          iterations = Math.max(1, Math.ceil(totalBytes / chunk));
          this.note(
            `the loop moves ${formatBytes(totalBytes)} in all${this.a.bytes === undefined ? ' (assumed; bytes=SIZE to change)' : ''}: ${iterations} iterations of ${formatBytes(chunk)}`,
          );
        }
      } else {
        const bound = this.a.iterations === undefined ? countedBound(loop, fn) : undefined;
        iterations = this.a.iterations ?? bound ?? DEFAULT_ASSUMPTIONS.iterations;
        this.note(
          bound !== undefined
            ? `the loop runs ${iterations} times (its bound)`
            : `the loop runs ${iterations} times${this.a.iterations === undefined ? ' (assumed; iterations=N to change)' : ''}`,
        );
      }
    } else if (chunk !== undefined) {
      totalBytes = steps.filter(isInput).reduce((sum, s) => sum + (bytesOfStep(s) ?? 0), 0) || undefined;
      chunkBytes = chunk;
    }
    const reads = [...steps].filter((s) => s.kind === 'read' || s.kind === 'sendfile' || s.kind === 'splice' || s.kind === 'aio-submit');
    const writes = [...steps].filter((s) => s.kind === 'write' || s.kind === 'sendfile' || s.kind === 'splice');
    const fdIn = fdOfStep(reads[0], 'in');
    const fdOut = fdOfStep(writes[writes.length - 1], 'out');
    if (this.defaultCost.size > 0) {
      this.note(`each call of ${[...this.defaultCost].map((n) => `'${n}'`).join(', ')} takes ${formatDuration(DEFAULT_ASSUMPTIONS.callNs)} (assumed; cost(NAME)=TIME to change)`);
    }
    if (this.skippedCalls.size > 0) {
      this.note(`library calls not simulated (cost(NAME)=TIME to add one): ${[...this.skippedCalls].map((n) => `'${n}'`).join(', ')}`);
    }
    if (this.a.cache) this.note(this.a.cache === 'warm' ? 'input files are in the page cache (cache=warm)' : 'input files are read from the disk (cache=cold)');
    if (steps.some((s) => s.kind === 'sendfile' && s.fdOut === 'socket') || this.a.nic) {
      this.note(this.a.nic === 'copy' ? 'the NIC cannot gather from page-cache pages: sendfile copies into the socket buffer (nic=copy)' : 'the NIC does scatter/gather DMA: sendfile to a socket copies nothing (nic=copy to change)');
    }
    const where = loop ? `loop at line ${line} of '${fn.name}'` : `'${fn.name}'`;
    return {
      name: loop ? `${fn.name}:${line}` : fn.name,
      description: `${where}: ${describeSteps(steps)}`,
      functionName: fn.name,
      range: loop ? loop.range : fn.ir.range,
      setup,
      body: steps,
      teardown,
      iterations,
      ...(totalBytes !== undefined ? { totalBytes } : {}),
      ...(chunkBytes !== undefined ? { chunkBytes } : {}),
      ...(fdIn ? { fdIn } : {}),
      ...(fdOut ? { fdOut } : {}),
      fileBytes: Math.max(totalBytes ?? 0, chunkBytes ?? 0, this.a.bytes ?? 0),
      ...(this.a.cache ? { cache: this.a.cache } : {}),
      nic: this.a.nic ?? DEFAULT_ASSUMPTIONS.nic,
      assumptions: [...this.notes],
    };
  }

  /** Steps of the function's statements before or after `loop` (at any nesting level, outside it). */
  private collectAround(root: Stmt, loop: LoopStmt, side: 'before' | 'after', fn: FunctionModel, depth: number): Step[] {
    const out: Step[] = [];
    const visit = (s: Stmt): void => {
      if (s === loop) return;
      const inside = within(loop.range, s.range);
      const wanted = side === 'before' ? s.range.end <= loop.range.start : s.range.start >= loop.range.end;
      if (!inside) {
        if (wanted) out.push(...this.stmtSteps(s, fn, depth));
        return;
      }
      // A statement containing the loop: its parts before or after it.
      switch (s.kind) {
        case 'block':
          for (const c of s.body) visit(c);
          return;
        case 'if':
          if (side === 'before') out.push(...this.exprSteps(s.test, fn, depth));
          visit(s.then);
          if (s.otherwise) visit(s.otherwise);
          return;
        case 'while':
        case 'for':
        case 'do':
          // The loop we simulate is inside another loop: its surroundings are not "once before".
          if (s.kind === 'for' && s.init && side === 'before') visit(s.init);
          visit(s.body);
          return;
        case 'label':
          visit(s.body);
          return;
        case 'case':
          for (const c of s.body) visit(c);
          return;
        default:
          return;
      }
    };
    visit(root);
    return out;
  }

  private loopSteps(loop: LoopStmt, fn: FunctionModel, depth: number): Step[] {
    const out: Step[] = [];
    if (loop.kind === 'for') {
      if (loop.test) out.push(...this.exprSteps(loop.test, fn, depth));
      out.push(...this.stmtSteps(loop.body, fn, depth));
      if (loop.update) out.push(...this.exprSteps(loop.update, fn, depth));
    } else if (loop.kind === 'while') {
      out.push(...this.exprSteps(loop.test, fn, depth));
      out.push(...this.stmtSteps(loop.body, fn, depth));
    } else {
      out.push(...this.stmtSteps(loop.body, fn, depth));
      out.push(...this.exprSteps(loop.test, fn, depth));
    }
    return out;
  }

  private stmtSteps(s: Stmt, fn: FunctionModel, depth: number): Step[] {
    switch (s.kind) {
      case 'block':
        return s.body.flatMap((c) => this.stmtSteps(c, fn, depth));
      case 'expr':
        return this.exprSteps(s.expr, fn, depth);
      case 'decl':
        return s.decls.flatMap((d) => (d.init ? this.exprSteps(d.init, fn, depth) : []));
      case 'if': {
        const out = this.exprSteps(s.test, fn, depth);
        // Error and end-of-data handling is not the steady state.
        if (!leaves(s.then)) out.push(...this.stmtSteps(s.then, fn, depth));
        if (s.otherwise && !leaves(s.otherwise)) out.push(...this.stmtSteps(s.otherwise, fn, depth));
        return out;
      }
      case 'while':
      case 'for':
      case 'do': {
        if (isPollLoop(s)) return [this.pollWait(s, fn)];
        const steps = [...(s.kind === 'for' && s.init ? this.stmtSteps(s.init, fn, depth) : []), ...this.loopSteps(s, fn, depth)];
        if (steps.length > 0) return steps;
        // A loop of plain computation over a chunk that was read (a checksum, a parse): it processes the chunk.
        const bytes = this.indexedChunk(s, fn);
        if (bytes === undefined) return [];
        const compute = this.a.compute ?? { gbps: DEFAULT_ASSUMPTIONS.computeGBps };
        return [{ id: this.id('compute'), kind: 'compute', label: `loop over ${formatBytes(bytes)}`, ...('ns' in compute ? { ns: compute.ns } : { bytes, gbps: compute.gbps }), range: s.headerRange }];
      }
      case 'return':
        return s.value ? this.exprSteps(s.value, fn, depth) : [];
      case 'label':
        return this.stmtSteps(s.body, fn, depth);
      case 'switch':
        return this.exprSteps(s.test, fn, depth);
      default:
        return [];
    }
  }

  private exprSteps(e: Expr, fn: FunctionModel, depth: number): Step[] {
    return callsInOrder(e).flatMap((c) => this.callSteps(c, fn, depth));
  }

  /** A loop waiting on `aio_error`: one wait on the polled requests, spinning unless it sleeps between checks. */
  private pollWait(loop: LoopStmt, _fn: FunctionModel): Step {
    const requests: string[] = [];
    forEachStmt(loop, (s) => {
      for (const e of exprsOf(s)) for (const c of callsInOrder(e)) if ((c.name === 'aio_error' || c.name === 'aio_error64') && c.args[0]) requests.push(controlKey(c.args[0]));
    });
    return { id: this.id('poll'), kind: 'aio-wait', requests: [...new Set(requests)], spin: waitLoopKind(loop) === 'spin', range: loop.headerRange };
  }

  private callSteps(call: CallExpr, fn: FunctionModel, depth: number): Step[] {
    const name = call.name;
    if (!name || IGNORED.has(name)) return [];
    const range = call.range;
    const args = call.args;
    if (READ_APIS.has(name)) {
      const bytes = this.bytesOf(args[2], fn) ?? this.objectBytes(args[1], fn) ?? this.defaultChunk(args[1], fn);
      const fd: Fd = name.startsWith('recv') ? 'socket' : this.fdKind(args[0], 'in', fn);
      const buffer = args[1] ? bufferKey(args[1], fn) : undefined;
      this.remember(call, bytes, fn);
      if (buffer) this.dataBuffers.set(buffer, bytes);
      return [{ id: this.id('read'), kind: 'read', api: name, fd, bytes, ...(buffer ? { buffer } : {}), range }];
    }
    if (WRITE_APIS.has(name)) {
      const buffer = args[1] ? this.dataBuffer(bufferKey(args[1], fn), fn) : undefined;
      const mapping = buffer ? this.mappings.get(buffer) : undefined;
      const bytes = this.bytesOf(args[2], fn) ?? mapping?.bytes ?? (buffer ? this.dataBuffers.get(buffer) : undefined) ?? this.objectBytes(args[1], fn) ?? this.defaultChunk(args[1], fn);
      const fd: Fd = name.startsWith('send') ? 'socket' : this.fdKind(args[0], 'out', fn);
      this.remember(call, bytes, fn);
      const fromMapping = mapping ? (mapping.phase === this.phase && this.inLoop ? 'chunk' : 'whole-file') : undefined;
      return [{ id: this.id('write'), kind: 'write', api: name, fd, bytes, ...(buffer ? { buffer } : {}), ...(fromMapping ? { fromMapping } : {}), range }];
    }
    if (name === 'fread' || name === 'fread_unlocked' || name === 'fwrite' || name === 'fwrite_unlocked') {
      const size = this.bytesOf(args[1], fn);
      const count = this.bytesOf(args[2], fn);
      const buffer = args[0] ? bufferKey(args[0], fn) : undefined;
      const bytes = (size !== undefined && count !== undefined ? size * count : undefined) ?? (buffer ? this.dataBuffers.get(buffer) : undefined) ?? this.objectBytes(args[0], fn) ?? this.defaultChunk(args[0], fn);
      const reading = name.startsWith('fread');
      const fd = this.fdKind(args[3], reading ? 'in' : 'out', fn);
      this.remember(call, bytes, fn);
      if (reading && buffer) this.dataBuffers.set(buffer, bytes);
      return [{ id: this.id(reading ? 'fread' : 'fwrite'), kind: reading ? 'read' : 'write', api: name, fd, bytes, stdio: true, ...(buffer ? { buffer } : {}), range } as Step];
    }
    if (name === 'mmap' || name === 'mmap64') {
      const flags = args[3] ? fn.file.text.slice(args[3].range.start, args[3].range.end) : '';
      // Anonymous memory is an allocation, not a file mapping.
      if (/MAP_ANON/.test(flags) || fn.fold(args[4]) === -1) return [];
      const bytes = this.bytesOf(args[1], fn) ?? this.wholeFile(args[1], fn);
      const result = resultAssignment(call, this.assignments());
      if (result) this.mappings.set(result.key, { bytes, phase: this.phase });
      return [{ id: this.id('mmap'), kind: 'map', bytes, ...(result ? { mapping: result.key } : {}), range }];
    }
    if (name === 'munmap') {
      const key = args[0] ? bufferKey(args[0], fn) : undefined;
      const bytes = this.bytesOf(args[1], fn) ?? (key ? this.mappings.get(key)?.bytes : undefined) ?? this.wholeFile(args[1], fn);
      return [{ id: this.id('munmap'), kind: 'unmap', bytes, ...(key ? { mapping: key } : {}), range }];
    }
    if (name === 'sendfile' || name === 'sendfile64') {
      const bytes = this.bytesOf(args[3], fn) ?? (this.inLoop ? this.defaultChunk(undefined, fn) : this.wholeFile(args[3], fn));
      this.remember(call, bytes, fn);
      return [{ id: this.id('sendfile'), kind: 'sendfile', fdIn: this.fdKind(args[1], 'in', fn), fdOut: this.fdKind(args[0], 'out', fn), bytes, range }];
    }
    if (name === 'splice') {
      const bytes = this.bytesOf(args[4], fn) ?? this.defaultChunk(undefined, fn);
      this.remember(call, bytes, fn);
      return [{ id: this.id('splice'), kind: 'splice', fdIn: this.fdKind(args[0], 'in', fn), fdOut: this.fdKind(args[2], 'out', fn), bytes, range }];
    }
    if (name === 'copy_file_range') {
      const bytes = this.bytesOf(args[4], fn) ?? (this.inLoop ? this.defaultChunk(undefined, fn) : this.wholeFile(args[4], fn));
      this.remember(call, bytes, fn);
      return [{ id: this.id('cfr'), kind: 'copy-file-range', bytes, range }];
    }
    if (name === 'memcpy' || name === 'memmove' || name === 'mempcpy') {
      const bytes = this.bytesOf(args[2], fn) ?? this.objectBytes(args[0], fn);
      // A copy of unknown size: nothing to say about its cost.
      if (bytes === undefined) {
        this.skippedCalls.add(name);
        return [];
      }
      return [{ id: this.id('copy'), kind: 'copy', api: name, bytes, range }];
    }
    if (name === 'memset' || name === 'bzero') {
      const bytes = this.bytesOf(args[name === 'memset' ? 2 : 1], fn);
      if (bytes === undefined) return [];
      return [{ id: this.id('fill'), kind: 'compute', label: `${name} ${formatBytes(bytes)}`, bytes, gbps: this.options.profile.memcpyL2GBps, range }];
    }
    if (AIO_SUBMIT.has(name)) {
      const request = args[0] ? controlKey(args[0]) : '?';
      const info = this.requestInfo(request, name.startsWith('aio_write') ? 'write' : 'read', fn);
      this.submitted.add(request);
      if (info.op === 'read' && info.buffer) this.dataBuffers.set(info.buffer, info.bytes);
      return [{ id: this.id('aio'), kind: 'aio-submit', request, op: info.op, fd: info.fd, bytes: info.bytes, range }];
    }
    if (AIO_SUSPEND.has(name)) {
      const requests = this.suspendedRequests(args[0], fn);
      return [{ id: this.id('suspend'), kind: 'aio-wait', requests, spin: false, range }];
    }
    if (AIO_RETURN.has(name)) {
      const request = args[0] ? controlKey(args[0]) : '?';
      const info = this.requests.get(request);
      if (info) this.remember(call, info.bytes, fn);
      return [{ id: this.id('return'), kind: 'aio-return', request, range }];
    }
    if (THREAD_CREATE.has(name)) return this.threadCreate(call, fn, depth);
    if (THREAD_JOIN.has(name)) {
      const join = joinsIn(fn).find((j) => j.call === call);
      return [{ id: this.id('join'), kind: 'thread-join', thread: join?.handleKey ?? '?', range }];
    }
    if (SYSCALLS.has(name)) {
      return [{ id: this.id(name), kind: 'syscall', name, ...(FILE_CALLS.has(name) ? { fileCall: true } : {}), range }];
    }
    const effect = apiEffect(name);
    // Other library calls of the effects table (string copies, formatting, locks): small or not about data movement.
    if (effect) return [];
    return this.userCall(call, fn, depth);
  }

  /**
   * A call of a function CopyScope has no table entry for: followed when the
   * file defines it; else, when it is handed a chunk that was read, it
   * processes that chunk (at the `compute` rate); else, when the file
   * declares it (user code), it takes the default call cost; a function only
   * a header declares (a library) is not simulated.
   */
  private userCall(call: CallExpr, fn: FunctionModel, depth: number): Step[] {
    const name = call.name!;
    const range = call.range;
    const cost = this.a.cost?.[name];
    if (cost !== undefined) return [{ id: this.id('call'), kind: 'compute', label: `${name}()`, ns: cost, range }];
    const callee = calleeModel(fn.file, name);
    if (callee && callee !== fn && depth < MAX_DEPTH) {
      const steps = this.inlined(callee, depth + 1, range);
      if (steps.length > 0) return steps;
    }
    // A call given a chunk that was read: it processes the chunk.
    const bytes = this.chunkArgument(call, fn);
    if (bytes !== undefined) {
      const compute = this.a.compute ?? { gbps: DEFAULT_ASSUMPTIONS.computeGBps };
      this.note(
        'ns' in compute
          ? `processing a chunk takes ${formatDuration(compute.ns)} (compute=TIME)`
          : `processing a chunk runs at ${compute.gbps} GB/s${this.a.compute ? '' : ' (assumed; compute=RATE or compute=TIME to change)'}`,
      );
      return [{ id: this.id('compute'), kind: 'compute', label: `${name}() on ${formatBytes(bytes)}`, ...('ns' in compute ? { ns: compute.ns } : { bytes, gbps: compute.gbps }), range }];
    }
    if (callee || fn.file.declaredFunctions.has(name)) {
      this.defaultCost.add(name);
      return [{ id: this.id('call'), kind: 'compute', label: `${name}()`, ns: DEFAULT_ASSUMPTIONS.callNs, range }];
    }
    this.skippedCalls.add(name);
    return [];
  }

  /** A callee's steps, with the ranges of the call site (so spans reveal where the caller calls it). */
  private inlined(callee: FunctionModel, depth: number, at: TextRange): Step[] {
    const steps = this.stmtSteps(callee.ir.body, callee, depth);
    return steps.map((s) => withRange(s, at));
  }

  private threadCreate(call: CallExpr, fn: FunctionModel, depth: number): Step[] {
    const create = createsIn(fn).find((c) => c.call === call);
    const routine = create?.routines[0] ?? (create?.routineExpr ? fn.file.text.slice(create.routineExpr.range.start, create.routineExpr.range.end) : 'thread');
    const thread = create?.handleKey ?? '?';
    let work: Step[] = [];
    const routineCost = this.a.cost?.[routine];
    if (routineCost !== undefined) {
      work = [{ id: this.id('work'), kind: 'compute', label: `${routine}()`, ns: routineCost }];
    } else if (depth < MAX_DEPTH) {
      const callee = calleeModel(fn.file, routine);
      if (callee) {
        const saved = this.inLoop;
        this.inLoop = false;
        work = this.stmtSteps(callee.ir.body, callee, depth + 1);
        this.inLoop = saved;
      }
    }
    if (work.length === 0) {
      work = [{ id: this.id('work'), kind: 'compute', label: `${routine}()`, ns: DEFAULT_ASSUMPTIONS.callNs }];
      this.note(`the thread's work in '${routine}' takes ${formatDuration(DEFAULT_ASSUMPTIONS.callNs)} (assumed; cost(${routine})=TIME to change)`);
    }
    return [{ id: this.id('create'), kind: 'thread-create', thread, routine, work, range: call.range }];
  }

  // ------------------------------------------------------------ byte counts and descriptors

  private assignmentsCache: Assignment[] | undefined;
  private assignments(): Assignment[] {
    this.assignmentsCache ??= assignmentsIn(this.fn.ir.body);
    return this.assignmentsCache;
  }

  /** Records the bytes a call moves under the variable its result goes to. */
  private remember(call: CallExpr, bytes: number, fn: FunctionModel): void {
    if (fn !== this.fn) return;
    const result = resultAssignment(call, this.assignments());
    if (result) this.varBytes.set(result.key, bytes);
  }

  /**
   * A count expression's value: a constant, `sizeof`, or a variable that
   * holds a count we know, directly or through copies (`left = n`).
   */
  private bytesOf(e: Expr | undefined, fn: FunctionModel, depth = 0): number | undefined {
    if (!e) return undefined;
    const folded = fn.fold(e);
    if (folded !== undefined && folded > 0) return folded;
    let known: number | undefined;
    forEachExpr(e, (x) => {
      if (known !== undefined) return;
      const key = x.kind === 'ident' || x.kind === 'field' ? exprKey(x) : undefined;
      if (key === undefined) return;
      if (this.varBytes.has(key)) known = this.varBytes.get(key);
      else if (depth < 3 && fn === this.fn) {
        const copy = this.assignments().find((a) => a.key === key && a.op === '=' && a.value !== undefined && stripCasts(a.value).kind !== 'call');
        if (copy) known = this.bytesOf(copy.value, fn, depth + 1);
      }
    });
    return known;
  }

  /** A buffer key, or the buffer it is a cursor into (`p = buf` before `write(fd, p, n)`). */
  private dataBuffer(key: string | undefined, fn: FunctionModel): string | undefined {
    if (key === undefined || this.dataBuffers.has(key) || fn !== this.fn) return key;
    for (const a of this.assignments()) {
      if (a.key !== key || a.op !== '=' || !a.value) continue;
      const base = bufferKey(a.value, fn);
      if (base && this.dataBuffers.has(base)) return base;
    }
    return key;
  }

  /** The size of the object a buffer expression designates (an array, `&var`). */
  private objectBytes(e: Expr | undefined, fn: FunctionModel): number | undefined {
    if (!e) return undefined;
    const region = regionOf(e, fn);
    if (region?.baseSize !== undefined && region.baseSize > 0) return region.baseSize;
    return undefined;
  }

  private defaultChunk(buffer: Expr | undefined, fn: FunctionModel): number {
    const chunk = this.a.chunk ?? DEFAULT_ASSUMPTIONS.chunk;
    const what = buffer ? `'${textOf(fn, buffer)}'` : 'each call';
    this.note(`${what} moves ${formatBytes(chunk)} per call${this.a.chunk === undefined ? ' (assumed; chunk=SIZE to change)' : ''}`);
    return chunk;
  }

  /** A whole-file size the code does not give (`st.st_size`): the assumed total. */
  private wholeFile(e: Expr | undefined, fn: FunctionModel): number {
    const bytes = this.a.bytes ?? DEFAULT_ASSUMPTIONS.bytes;
    this.note(`${e ? `'${textOf(fn, e)}'` : 'the file'} is ${formatBytes(bytes)}${this.a.bytes === undefined ? ' (assumed; bytes=SIZE to change)' : ''}`);
    return bytes;
  }

  private fdKind(e: Expr | undefined, side: 'in' | 'out', fn: FunctionModel): Fd {
    const text = e ? textOf(fn, e) : side;
    const given = this.a.fd?.[text];
    if (given) return given;
    const known = e ? descriptorsOf(fn).kindOf(e).kind : 'unknown';
    if (known === 'file' || known === 'socket' || known === 'pipe') return known;
    const bySide = this.a.fd?.[side];
    if (bySide) return bySide;
    const kind: Fd = side === 'in' ? 'file' : 'socket';
    const other = side === 'in' ? 'socket|pipe' : 'file|pipe';
    this.note(`'${text}' is taken to be a ${kind} (its kind is not visible here; fd(${text})=${other} to change)`);
    return kind;
  }

  /** Size, descriptor and buffer of an AIO request, from the control block's fields assigned in the function. */
  private requestInfo(request: string, op: 'read' | 'write', fn: FunctionModel): Request & { buffer?: string } {
    const known = this.requests.get(request);
    if (known) return known;
    const field = (name: string): Expr | undefined => {
      const a = this.assignments().find((x) => x.op === '=' && x.target.kind === 'field' && x.target.field === name && controlKey(x.target.object, true) === request);
      return a?.value;
    };
    const nbytes = field('aio_nbytes');
    const fdExpr = field('aio_fildes');
    const bufExpr = field('aio_buf');
    const bytes = this.bytesOf(nbytes, fn) ?? (bufExpr ? this.objectBytes(bufExpr, fn) : undefined) ?? this.defaultChunk(undefined, fn);
    const side = op === 'read' ? 'in' : 'out';
    let fd: Fd | undefined = fdExpr ? this.fdKind(fdExpr, side, fn) : this.a.fd?.[side];
    if (!fd) {
      fd = 'file';
      this.note(`the descriptor of '${request}' is taken to be a file (fd(${side})=socket|pipe to change)`);
    }
    const info = { fd, bytes, op, ...(bufExpr ? { buffer: bufferKey(bufExpr, fn) } : {}) };
    this.requests.set(request, info);
    return info;
  }

  /** The requests an `aio_suspend` list names (`list` initialised with `{ &cb }`, or a compound literal). */
  private suspendedRequests(list: Expr | undefined, fn: FunctionModel): string[] {
    const items = (init: Expr | undefined): string[] => {
      const x = init ? stripCasts(init) : undefined;
      return x?.kind === 'init' ? x.items.map((i) => controlKey(i)) : [];
    };
    if (!list) return [...this.submitted];
    const x = stripCasts(list);
    if (x.kind === 'init') return items(x);
    if (x.kind === 'ident') {
      const decl = fn.lookup(x.name, x.range.start);
      const fromInit = items(decl?.init);
      if (fromInit.length > 0) return fromInit;
    }
    return [...this.submitted];
  }

  /** Waits and returns of requests the plan never submits: assume each was submitted just before. */
  private addAssumedSubmissions(setup: Step[], body: Step[]): void {
    const submittedInPlan = new Set([...setup, ...body].filter((s) => s.kind === 'aio-submit').map((s) => (s as { request: string }).request));
    const waited = new Set<string>();
    for (const s of [...setup, ...body]) {
      if (s.kind === 'aio-wait') for (const r of s.requests) waited.add(r);
      if (s.kind === 'aio-return') waited.add(s.request);
    }
    const missing = [...waited].filter((r) => !submittedInPlan.has(r) && r !== '?');
    if (missing.length === 0) return;
    const target = body.length > 0 ? body : setup;
    const fn = this.fn;
    for (const request of missing.reverse()) {
      const info = this.requestInfo(request, 'read', fn);
      target.unshift({ id: this.id('aio-assumed'), kind: 'aio-submit', request, op: info.op, fd: info.fd, bytes: info.bytes });
      this.note(`'${request}' was submitted just before (assumed: a read of ${formatBytes(info.bytes)} from a ${info.fd})`);
    }
  }

  /** Bytes of a data chunk a call is given (a buffer that was read into, or a count we know). */
  private chunkArgument(call: CallExpr, fn: FunctionModel): number | undefined {
    // Given the count of bytes a read returned: it works on those bytes.
    for (const arg of call.args) {
      if (fn.fold(arg) !== undefined) continue;
      const known = this.bytesOf(arg, fn);
      if (known !== undefined) return known;
    }
    for (const arg of call.args) {
      const key = bufferKey(arg, fn);
      if (key && this.dataBuffers.has(key)) {
        const count = call.args.map((a) => this.bytesOf(a, fn)).find((b) => b !== undefined && b > 1);
        return count ?? this.dataBuffers.get(key);
      }
    }
    return undefined;
  }

  /** Bytes of a chunk that was read which a loop indexes (`buf[i]`), if any. */
  private indexedChunk(loop: LoopStmt, fn: FunctionModel): number | undefined {
    let bytes: number | undefined;
    forEachStmt(loop, (s) => {
      for (const e of exprsOf(s)) forEachExpr(e, (x) => {
        if (bytes !== undefined || x.kind !== 'index') return;
        const key = bufferKey(x.object, fn);
        if (key && this.dataBuffers.has(key)) bytes = this.dataBuffers.get(key);
      });
    });
    return bytes;
  }

  private id(prefix: string): string {
    return `${prefix}${++this.nextId}`;
  }

  private note(text: string): void {
    if (this.noted.has(text)) return;
    this.noted.add(text);
    this.notes.push(text);
  }
}

type Phase = 'setup' | 'body' | 'teardown';

// ------------------------------------------------------------ helpers

function exprsOf(s: Stmt): Expr[] {
  switch (s.kind) {
    case 'expr': return [s.expr];
    case 'decl': return s.decls.flatMap((d) => (d.init ? [d.init] : []));
    case 'if': case 'while': case 'do': case 'switch': return [s.test];
    case 'for': return [...(s.test ? [s.test] : []), ...(s.update ? [s.update] : [])];
    case 'return': return s.value ? [s.value] : [];
    default: return [];
  }
}

/** A branch that leaves the loop or the function: error handling, end of data. */
function leaves(s: Stmt): boolean {
  const last = s.kind === 'block' ? s.body[s.body.length - 1] : s;
  if (!last) return false;
  if (last.kind === 'return' || last.kind === 'break' || last.kind === 'continue' || last.kind === 'goto') return true;
  if (last.kind === 'expr') {
    const x = stripCasts(last.expr);
    return x.kind === 'call' && x.name !== undefined && NO_RETURN.has(x.name);
  }
  return false;
}

function isInput(s: Step): boolean {
  return s.kind === 'read' || s.kind === 'sendfile' || s.kind === 'splice' || s.kind === 'copy-file-range' || s.kind === 'aio-submit'
    || (s.kind === 'write' && s.fromMapping !== undefined);
}

function bytesOfStep(s: Step): number | undefined {
  return 'bytes' in s ? s.bytes : undefined;
}

function fdOfStep(s: Step | undefined, side: 'in' | 'out'): Fd | undefined {
  if (!s) return undefined;
  if (s.kind === 'read' || s.kind === 'write' || s.kind === 'aio-submit') return s.fd;
  if (s.kind === 'sendfile' || s.kind === 'splice') return side === 'in' ? s.fdIn : s.fdOut;
  return undefined;
}

/** `&cb` → `cb`, `cb` (a pointer) → `*cb`: one key per control block whichever way it is named. */
function controlKey(e: Expr, fieldObject = false): string {
  const x = stripCasts(e);
  if (x.kind === 'unary' && x.op === '&') return exprKey(x.operand);
  // `cb.aio_nbytes`: the object itself; `cb->aio_nbytes` and `aio_read(cb)`: what the pointer points to.
  if (fieldObject) return exprKey(x);
  return exprKey(x);
}

function bufferKey(e: Expr, fn: FunctionModel): string | undefined {
  const region = regionOf(e, fn);
  if (region) return region.base.replace(/^&/, '');
  const x = stripCasts(e);
  return x.kind === 'ident' || x.kind === 'field' ? exprKey(x) : undefined;
}

function calleeModel(file: FileModel, name: string): FunctionModel | undefined {
  const entry = file.functionNamed(name);
  return entry ? file.model(entry) : undefined;
}

function withRange(s: Step, range: TextRange): Step {
  if (s.kind === 'thread-create') return { ...s, range, work: s.work.map((w) => withRange(w, range)) };
  return { ...s, range };
}

/** `for (i = 0; i < N; i++)` with a constant N (or `<=`, or counting down to 0). */
function countedBound(loop: LoopStmt, fn: FunctionModel): number | undefined {
  if (loop.kind !== 'for' || !loop.test) return undefined;
  const test = stripCasts(loop.test);
  if (test.kind !== 'binary') return undefined;
  const bound = fn.fold(test.right);
  if (bound === undefined || test.left.kind !== 'ident') return undefined;
  const counter = test.left.name;
  let start = 0;
  if (loop.init) {
    forEachStmt(loop.init, (s) => {
      if (s.kind === 'decl') for (const d of s.decls) if (d.name === counter) start = fn.fold(d.init) ?? Number.NaN;
      if (s.kind === 'expr') {
        const x = stripCasts(s.expr);
        if (x.kind === 'assign' && x.left.kind === 'ident' && x.left.name === counter) start = fn.fold(x.right) ?? Number.NaN;
      }
    });
  }
  const update = loop.update ? stripCasts(loop.update) : undefined;
  const steps = update && ((update.kind === 'update' && update.op === '++') || (update.kind === 'assign' && update.op === '+=' && fn.fold(update.right) === 1)) && mentions(update, counter);
  if (!steps || !Number.isFinite(start)) return undefined;
  const n = test.op === '<' ? bound - start : test.op === '<=' ? bound - start + 1 : undefined;
  return n !== undefined && n >= 1 && n <= 1e12 ? n : undefined;
}

function textOf(fn: FunctionModel, e: Expr): string {
  return fn.file.text.slice(e.range.start, e.range.end).replace(/\s+/g, ' ');
}

/** "read 64 KiB from a file, write it to a socket". */
export function describeSteps(steps: Step[]): string {
  const parts: string[] = [];
  for (const s of steps) {
    switch (s.kind) {
      case 'read': parts.push(`${s.api} ${formatBytes(s.bytes)} from a ${s.fd}`); break;
      case 'write': parts.push(`${s.api} ${formatBytes(s.bytes)} to a ${s.fd}${s.fromMapping ? ' from a file mapping' : ''}`); break;
      case 'sendfile': parts.push(`sendfile ${formatBytes(s.bytes)} from a ${s.fdIn} to a ${s.fdOut}`); break;
      case 'splice': parts.push(`splice ${formatBytes(s.bytes)} from a ${s.fdIn} to a ${s.fdOut}`); break;
      case 'copy-file-range': parts.push(`copy_file_range ${formatBytes(s.bytes)}`); break;
      case 'map': parts.push(`mmap ${formatBytes(s.bytes)}`); break;
      case 'unmap': parts.push('munmap'); break;
      case 'copy': parts.push(`${s.api} ${formatBytes(s.bytes)}`); break;
      case 'compute': parts.push(s.label); break;
      case 'aio-submit': parts.push(`aio_${s.op} ${formatBytes(s.bytes)}`); break;
      case 'aio-wait': parts.push(s.spin ? 'poll aio_error' : 'aio_suspend'); break;
      case 'aio-return': parts.push('aio_return'); break;
      case 'thread-create': parts.push(`start a thread running ${s.routine}`); break;
      case 'thread-join': parts.push('join it'); break;
      case 'syscall': break;
    }
  }
  return parts.length > 0 ? parts.join(', ') : 'system calls only';
}
