/**
 * Lowers a loop plan (plan.ts) to the simulator's scenario: each step becomes
 * the operations the kernel and glibc perform for it, on the lanes that do
 * them, with the dependencies between them.
 *
 * The per-call model is the one of the canonical loops (canonical.ts), so a
 * plan built from a read/write loop counts exactly what the design table
 * says (per chunk, file to socket, cold cache: read+write 4 switches, 2 DMA,
 * 2 CPU copies; mmap+write 4/2/1; sendfile 2/2/1, with scatter/gather 2/2/0;
 * splice 2 per call, no CPU copy):
 * - `read` from a file: the call, the disk DMA of the part not in the page
 *   cache, the copy to the user buffer once the data is there; from a socket:
 *   the NIC DMA into the socket buffer, then the copy; `fread` adds the copy
 *   out of the stdio buffer;
 * - `write`: the call, destination pages allocated, the copy from the user
 *   buffer (or from a file mapping, with its page faults), then the NIC DMA
 *   (a socket, whose send buffer blocks the writer when full) or the disk
 *   writeback (a file);
 * - `sendfile`, `splice`, `copy_file_range`: page references instead of the
 *   copies (`sendfile` to a socket copies unless the NIC does scatter/gather);
 * - glibc POSIX AIO: the submission on the calling thread, the `pread` (and
 *   its copy) on the helper thread's lane, completion; `aio_suspend` sleeps
 *   until completion (a wake-up), a polling loop spins (the CPU stays busy);
 * - threads: creation, the start routine's steps on their own CPU lane, the
 *   join waiting for its end.
 *
 * Invariants: pure; the result passes `scenarioProblems`; every operation
 * made for a step carries the step's source range.
 */

import type { TextRange } from '../../engine/types';
import type { MachineProfile } from '../profile';
import type { Dependency, LaneDescription, Operation, Scenario } from '../scenario';
import type { Fd, LoopPlan, Step } from './plan';

type Phase = 'setup' | 'body' | 'teardown';

const FIXED_LANES: Record<string, LaneDescription> = {
  cpu0: { id: 'cpu0', title: 'CPU thread 0 (the code)', kind: 'cpu' },
  disk: { id: 'disk', title: 'Disk DMA', kind: 'disk' },
  nic: { id: 'nic', title: 'NIC DMA', kind: 'nic' },
  aio0: { id: 'aio0', title: 'glibc AIO helper thread', kind: 'aio-helper' },
};

export function lowerPlan(plan: LoopPlan, profile: MachineProfile): Scenario {
  const lowerer = new Lowerer(inPieces(plan), profile);
  return lowerer.lower();
}

/** Transfers at least this large, made by one call, are simulated piece by piece. */
const LARGE_TRANSFER_BYTES = 2 ** 20;
const PIECE_BYTES = 64 * 2 ** 10;

/**
 * One call that moves a lot (a whole mapped file written to a socket, a
 * sendfile of a whole file) is a loop inside the kernel: the disk, the CPU
 * and the NIC work on successive pieces at the same time. Such a plan
 * becomes a loop over 64 KiB pieces with the call made once before it, so
 * the simulator overlaps them as the kernel does.
 */
export function inPieces(plan: LoopPlan): LoopPlan {
  if (plan.iterations !== 1) return plan;
  const big = plan.body.filter((s) => (s.kind === 'read' || s.kind === 'write' || s.kind === 'sendfile' || s.kind === 'splice' || s.kind === 'copy-file-range') && s.bytes >= LARGE_TRANSFER_BYTES);
  if (big.length !== 1) return plan;
  const step = big[0]!;
  const index = plan.body.indexOf(step);
  const bytes = (step as { bytes: number }).bytes;
  const name = step.kind === 'read' || step.kind === 'write' ? step.api : step.kind === 'copy-file-range' ? 'copy_file_range' : step.kind;
  return {
    ...plan,
    setup: [...plan.setup, ...plan.body.slice(0, index)],
    body: [{ ...step, bytes: PIECE_BYTES, callOnce: true } as Step],
    teardown: [...plan.body.slice(index + 1), ...plan.teardown],
    iterations: Math.ceil(bytes / PIECE_BYTES),
    totalBytes: plan.totalBytes ?? bytes,
    chunkBytes: PIECE_BYTES,
    assumptions: [...plan.assumptions, `the kernel moves the ${fmt(bytes)} of one '${name}' call in ${fmt(PIECE_BYTES)} pieces, overlapping its devices`],
  };
}

class Lowerer {
  private readonly phases: Record<Phase, Operation[]> = { setup: [], body: [], teardown: [] };
  private phase: Phase = 'setup';
  private readonly lanes = new Map<string, LaneDescription>([['cpu0', FIXED_LANES.cpu0!]]);
  private nextThreadLane = 1;
  /** Per phase: the op id that completes each AIO request, and the body index of its submission. */
  private readonly completions: Record<Phase, Map<string, string>> = { setup: new Map(), body: new Map(), teardown: new Map() };
  private readonly threadEnds: Record<Phase, Map<string, string>> = { setup: new Map(), body: new Map(), teardown: new Map() };
  private readonly threadLanes = new Map<string, string>();
  /** The step being lowered makes its system call once (see inPieces). */
  private once = false;

  constructor(private readonly plan: LoopPlan, private readonly profile: MachineProfile) {}

  lower(): Scenario {
    const bodySubmits = new Set(this.plan.body.filter((s) => s.kind === 'aio-submit').map((s) => (s as { request: string }).request));
    for (const phase of ['setup', 'body', 'teardown'] as Phase[]) {
      this.phase = phase;
      for (const step of this.plan[phase]) this.step(step, 'cpu0', bodySubmits);
    }
    const order = ['cpu', 'aio-helper', 'disk', 'nic'];
    const lanes = [...this.lanes.values()].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.id.localeCompare(b.id, 'en', { numeric: true }));
    const plan = this.plan;
    return {
      name: plan.name,
      description: plan.description,
      lanes,
      setup: this.phases.setup,
      body: this.phases.body,
      teardown: this.phases.teardown,
      iterations: plan.iterations,
      ...(plan.totalBytes !== undefined ? { totalBytes: plan.totalBytes } : {}),
      ...(plan.chunkBytes !== undefined ? { chunkBytes: plan.chunkBytes } : {}),
      ...(plan.fdIn ? { fdIn: plan.fdIn } : {}),
      ...(plan.fdOut ? { fdOut: plan.fdOut } : {}),
      assumptions: [...plan.assumptions, this.cacheNote()],
    };
  }

  private get ops(): Operation[] {
    return this.phases[this.phase];
  }

  private push(op: Operation): string {
    let id = op.id;
    for (let i = 2; this.ops.some((o) => o.id === id); i++) id = `${op.id}#${i}`;
    this.ops.push({ ...op, id });
    this.useLane(op.lane);
    return id;
  }

  /** The system call of a step: in the setup for a transfer simulated in pieces (callOnce), else where the step is. */
  private callOp(op: Operation): string {
    if (!this.once || this.phase !== 'body') return this.push(op);
    const saved = this.phase;
    this.phase = 'setup';
    const id = this.push(op);
    this.phase = saved;
    return id;
  }

  private useLane(lane: string): void {
    if (this.lanes.has(lane)) return;
    const fixed = FIXED_LANES[lane];
    this.lanes.set(lane, fixed ?? { id: lane, title: `CPU thread ${lane.slice(3)}`, kind: 'cpu' });
  }

  private missRatio(): number {
    if (this.plan.cache === 'cold') return 1;
    if (this.plan.cache === 'warm') return 0;
    return 1 - this.profile.pageCacheHitRatio;
  }

  private cacheNote(): string {
    const miss = this.missRatio();
    if (miss === 0) return 'file data is in the page cache: no disk reads';
    if (miss === 1) return `file data comes from the disk by DMA (profile '${this.profile.name}': pageCacheHitRatio ${this.profile.pageCacheHitRatio}; cache=warm to change)`;
    return `${Math.round(miss * 100)}% of file data comes from the disk by DMA (pageCacheHitRatio ${this.profile.pageCacheHitRatio})`;
  }

  private step(step: Step, lane: string, bodySubmits: Set<string>): void {
    this.once = step.callOnce === true;
    const r = step.range;
    switch (step.kind) {
      case 'read':
        return this.read(step.id, step.api, step.fd, step.bytes, lane, r, step.stdio === true);
      case 'write':
        return this.write(step.id, step.api, step.fd, step.bytes, lane, r, step.fromMapping);
      case 'sendfile':
        return this.sendfile(step.id, step.fdIn, step.fdOut, step.bytes, lane, r);
      case 'splice':
        return this.splice(step.id, step.fdIn, step.fdOut, step.bytes, lane, r);
      case 'copy-file-range':
        return this.copyFileRange(step.id, step.bytes, lane, r);
      case 'map':
        this.push({ id: step.id, kind: 'syscall', name: 'mmap', fileCall: true, lane, label: 'mmap()', ...at(r) });
        return;
      case 'unmap':
        this.push({ id: step.id, kind: 'syscall', name: 'munmap', lane, label: 'munmap()', ...at(r) });
        this.push({ id: `${step.id}-pages`, kind: 'page-work', work: 'unmap', pages: this.pages(step.bytes), lane, label: 'unmap the pages', ...at(r) });
        return;
      case 'copy':
        this.push({ id: step.id, kind: 'cpu-copy', bytes: step.bytes, direction: 'user-to-user', workingSetBytes: step.bytes, destinationBytes: step.bytes, lane, label: `${step.api}(${fmt(step.bytes)})`, ...at(r) });
        return;
      case 'compute':
        this.push({ id: step.id, kind: 'compute', lane, label: step.label, ...(step.ns !== undefined ? { ns: step.ns } : { bytes: step.bytes ?? 0, gbps: step.gbps ?? 1 }), ...at(r) });
        return;
      case 'syscall':
        this.push({ id: step.id, kind: 'syscall', name: step.name, ...(step.fileCall ? { fileCall: true } : {}), lane, label: `${step.name}()`, ...at(r) });
        return;
      case 'aio-submit':
        return this.aioSubmit(step.id, step.request, step.op, step.fd, step.bytes, lane, r);
      case 'aio-wait': {
        const after = step.requests.map((q) => this.completionOf(q, bodySubmits)).filter((d): d is Dependency => d !== undefined);
        this.push({ id: step.id, kind: 'wait', lane, label: step.spin ? 'poll aio_error() until done' : 'aio_suspend()', after, ...(step.spin ? { spin: true } : { blocking: true }), ...at(r) });
        return;
      }
      case 'aio-return':
        this.push({ id: step.id, kind: 'aio-return', lane, label: 'aio_return()', ...at(r) });
        return;
      case 'thread-create': {
        const create = this.push({ id: step.id, kind: 'thread-create', lane, label: `pthread_create(${step.routine})`, ...at(r) });
        const threadLane = step.lane ?? this.threadLanes.get(step.thread) ?? `cpu${this.nextThreadLane++}`;
        this.threadLanes.set(step.thread, threadLane);
        const before = this.ops.length;
        for (const w of step.work) this.step({ ...w, id: `${step.id}.${w.id}` } as Step, threadLane, bodySubmits);
        // The start routine runs once the thread exists.
        const first = this.ops.slice(before).find((o) => o.lane === threadLane);
        if (first) first.after = [...(first.after ?? []), create];
        const last = [...this.ops.slice(before)].reverse().find((o) => o.lane === threadLane);
        this.threadEnds[this.phase].set(step.thread, last?.id ?? create);
        return;
      }
      case 'thread-join': {
        const end = this.threadEnds[this.phase].get(step.thread) ?? this.threadEnds.body.get(step.thread) ?? this.threadEnds.setup.get(step.thread);
        if (end) this.push({ id: `${step.id}-wait`, kind: 'wait', lane, label: 'wait for the thread', after: [end], blocking: true, ...at(r) });
        this.push({ id: step.id, kind: 'thread-join', lane, label: 'pthread_join()', ...at(r) });
        return;
      }
    }
  }

  // ------------------------------------------------------------ data movement

  private pages(bytes: number): number {
    return Math.max(1, Math.ceil(bytes / this.profile.pageBytes));
  }

  /** The source footprint of page-cache copies: the whole input file streams through. */
  private fileSet(bytes: number): number {
    return Math.max(this.plan.fileBytes, bytes);
  }

  /** The DMA that brings a chunk in (disk for the uncached part of a file, NIC for a socket); its id, if any. */
  private inbound(id: string, fd: Fd, bytes: number, r: TextRange | undefined, after: string): string | undefined {
    if (fd === 'file') {
      const miss = bytes * this.missRatio();
      if (miss <= 0) return undefined;
      return this.push({ id: `${id}-disk`, kind: 'dma', device: 'disk', bytes: miss, direction: 'to-memory', lane: 'disk', label: 'disk DMA into the page cache', after: [after], ...at(r) });
    }
    if (fd === 'socket') return this.push({ id: `${id}-nic`, kind: 'dma', device: 'nic', bytes, direction: 'to-memory', lane: 'nic', label: 'NIC DMA into the socket buffer', after: [after], ...at(r) });
    return undefined;
  }

  private read(id: string, api: string, fd: Fd, bytes: number, lane: string, r: TextRange | undefined, stdio: boolean): void {
    const call = this.callOp({ id, kind: 'syscall', name: api.replace(/^fread(_unlocked)?$/, 'read'), fileCall: true, lane, label: `${api}()`, ...at(r) });
    const dma = this.inbound(id, fd, bytes, r, call);
    const source = fd === 'file' ? this.fileSet(bytes) : 2 * bytes;
    this.push({
      id: `${id}-copy`, kind: 'cpu-copy', bytes, direction: 'kernel-to-user', workingSetBytes: source, destinationBytes: bytes, lane,
      label: stdio ? 'copy into the stdio buffer' : 'copy to the user buffer', ...(dma ? { after: [dma], blocking: true } : {}), ...at(r),
    });
    if (stdio) {
      this.push({ id: `${id}-stdio`, kind: 'cpu-copy', bytes, direction: 'user-to-user', workingSetBytes: 2 * bytes, lane, label: 'copy out of the stdio buffer', ...at(r) });
    }
  }

  private write(id: string, api: string, fd: Fd, bytes: number, lane: string, r: TextRange | undefined, fromMapping: 'chunk' | 'whole-file' | undefined): void {
    const call = this.callOp({ id, kind: 'syscall', name: api.replace(/^fwrite(_unlocked)?$/, 'write'), fileCall: true, lane, label: `${api}()`, ...at(r) });
    const pages = this.pages(bytes);
    if (fromMapping) {
      // Touching the mapping faults the pages in, reading from the disk what is not cached.
      const dma = this.inbound(id, 'file', bytes, r, call);
      const faults = fromMapping === 'chunk' ? Math.ceil(pages / this.profile.faultAroundPages) : pages / this.profile.faultAroundPages;
      this.push({ id: `${id}-faults`, kind: 'page-fault', faults, lane, label: 'page faults on the mapping', ...(dma ? { after: [dma], blocking: true } : {}), ...at(r) });
    }
    this.output(id, fd, bytes, lane, r, { copy: 'user', workingSetBytes: fromMapping ? this.fileSet(bytes) : 2 * bytes });
  }

  /**
   * The destination side: pages and a copy (`user`: from a user buffer,
   * `kernel`: from the page cache) or page references (`none`), then the
   * device DMA. A socket's send buffer blocks the writer when the NIC is
   * behind.
   */
  private output(id: string, fd: Fd, bytes: number, lane: string, r: TextRange | undefined, how: { copy: 'user' | 'kernel' | 'none'; workingSetBytes: number }): void {
    const pages = this.pages(bytes);
    const into = fd === 'socket' ? 'socket buffer' : fd === 'pipe' ? 'pipe buffer' : 'page cache';
    let put: string;
    if (how.copy !== 'none') {
      this.push({ id: `${id}-alloc`, kind: 'page-work', work: 'alloc', pages, lane, label: `allocate ${into} pages`, ...at(r) });
      put = this.push({
        id: `${id}-put`, kind: 'cpu-copy', bytes, direction: how.copy === 'user' ? 'user-to-kernel' : 'kernel-to-kernel', workingSetBytes: how.workingSetBytes,
        lane, label: `copy into the ${into}`, ...at(r),
      });
    } else {
      put = this.push({ id: `${id}-put`, kind: 'page-work', work: 'ref', pages, lane, label: `hand page references to the ${into}`, ...at(r) });
    }
    if (fd === 'socket') {
      const nic = this.push({ id: `${id}-nic`, kind: 'dma', device: 'nic', bytes, direction: 'from-memory', lane: 'nic', label: how.copy === 'none' ? 'NIC DMA gather from the page cache' : 'NIC DMA from the socket buffer', after: [put], ...at(r) });
      if (this.phase === 'body') {
        const capacity = Math.max(1, Math.floor(this.profile.socketBufferBytes / bytes));
        const op = this.ops.find((o) => o.id === put)!;
        op.after = [...(op.after ?? []), { op: nic, back: capacity }];
        op.blocking = true;
      }
    } else if (fd === 'file') {
      this.push({ id: `${id}-disk-out`, kind: 'dma', device: 'disk', bytes, direction: 'from-memory', lane: 'disk', label: 'disk DMA from the page cache (writeback)', after: [put], ...at(r) });
    }
  }

  private waitIn(id: string, dma: string | undefined, lane: string, r: TextRange | undefined): void {
    if (dma) this.push({ id: `${id}-wait`, kind: 'wait', lane, label: 'wait for the data', after: [dma], blocking: true, ...at(r) });
  }

  private sendfile(id: string, fdIn: Fd, fdOut: Fd, bytes: number, lane: string, r: TextRange | undefined): void {
    const call = this.callOp({ id, kind: 'syscall', name: 'sendfile', fileCall: true, lane, label: 'sendfile()', ...at(r) });
    this.waitIn(id, this.inbound(id, fdIn, bytes, r, call), lane, r);
    const set = this.fileSet(bytes);
    if (fdOut === 'pipe' || (fdOut === 'socket' && this.plan.nic === 'sg')) this.output(id, fdOut, bytes, lane, r, { copy: 'none', workingSetBytes: set });
    else this.output(id, fdOut, bytes, lane, r, { copy: 'kernel', workingSetBytes: set });
  }

  private splice(id: string, fdIn: Fd, fdOut: Fd, bytes: number, lane: string, r: TextRange | undefined): void {
    const call = this.callOp({ id, kind: 'syscall', name: 'splice', fileCall: true, lane, label: 'splice()', ...at(r) });
    this.waitIn(id, this.inbound(id, fdIn, bytes, r, call), lane, r);
    if (fdIn !== 'pipe' && fdOut !== 'pipe') {
      // Through an intermediate pipe: into it, then a second call out of it.
      this.push({ id: `${id}-mid`, kind: 'page-work', work: 'ref', pages: this.pages(bytes), lane, label: 'move page references into the pipe', ...at(r) });
      this.callOp({ id: `${id}-out`, kind: 'syscall', name: 'splice', fileCall: true, lane, label: 'splice() out of the pipe', ...at(r) });
    }
    this.output(id, fdOut, bytes, lane, r, { copy: 'none', workingSetBytes: this.fileSet(bytes) });
  }

  private copyFileRange(id: string, bytes: number, lane: string, r: TextRange | undefined): void {
    const call = this.callOp({ id, kind: 'syscall', name: 'copy_file_range', fileCall: true, lane, label: 'copy_file_range()', ...at(r) });
    this.waitIn(id, this.inbound(id, 'file', bytes, r, call), lane, r);
    this.output(id, 'file', bytes, lane, r, { copy: 'none', workingSetBytes: this.fileSet(bytes) });
  }

  // ------------------------------------------------------------ AIO

  private aioSubmit(id: string, request: string, op: 'read' | 'write', fd: Fd, bytes: number, lane: string, r: TextRange | undefined): void {
    const submit = this.push({ id, kind: 'aio-submit', lane, label: `aio_${op}()`, ...at(r) });
    const helper = 'aio0';
    const prefix = `aio[${request}]`;
    // The helper thread sleeps until a request arrives.
    const call = this.push({ id: `${prefix}-call`, kind: 'syscall', name: op === 'read' ? 'pread' : 'pwrite', fileCall: true, lane: helper, label: `helper: ${op === 'read' ? 'pread' : 'pwrite'}()`, after: [submit], blocking: true, ...at(r) });
    if (op === 'read') {
      const dma = this.inbound(prefix, fd, bytes, r, call);
      this.push({
        id: `${prefix}-copy`, kind: 'cpu-copy', bytes, direction: 'kernel-to-user', workingSetBytes: fd === 'file' ? this.fileSet(bytes) : 2 * bytes, destinationBytes: bytes,
        lane: helper, label: 'helper: copy to the user buffer', ...(dma ? { after: [dma], blocking: true } : {}), ...at(r),
      });
    } else {
      this.output(prefix, fd, bytes, helper, r, { copy: 'user', workingSetBytes: 2 * bytes });
    }
    const done = this.push({ id: `${prefix}-complete`, kind: 'aio-complete', lane: helper, label: 'helper: complete, wake the waiter', ...at(r) });
    this.completions[this.phase].set(request, done);
  }

  /**
   * What a wait on `request` depends on: its completion earlier in this
   * phase, or (in the loop body) the one submitted in the previous
   * iteration (double buffering; the setup's submission for the first).
   */
  private completionOf(request: string, bodySubmits: Set<string>): Dependency | undefined {
    const here = this.completions[this.phase].get(request);
    if (here) return here;
    if (this.phase === 'body' && bodySubmits.has(request)) return { op: `aio[${request}]-complete`, back: 1 };
    return this.completions.setup.get(request) ?? this.completions.body.get(request);
  }
}

function at(range: TextRange | undefined): { range?: TextRange } {
  return range ? { range } : {};
}

function fmt(bytes: number): string {
  if (bytes >= 2 ** 20 && bytes % 2 ** 20 === 0) return `${bytes / 2 ** 20} MiB`;
  if (bytes >= 2 ** 10 && bytes % 2 ** 10 === 0) return `${bytes / 2 ** 10} KiB`;
  return `${bytes} B`;
}
