/**
 * Scenarios: what one loop or function does, as operations placed on lanes
 * (a CPU thread, the disk DMA engine, the NIC DMA engine, a glibc AIO helper
 * thread), with the dependencies between them. The simulator turns a scenario
 * and a machine profile into a schedule.
 *
 * Invariants: a scenario is plain data (JSON-serialisable). Operations run in
 * list order on their lane (program order for a thread, FIFO for a DMA
 * engine); a dependency may only name an operation listed earlier in the same
 * phase and iteration, an earlier iteration (`back` >= 1), or the setup phase.
 * Counting is by operation: a `syscall` is two user/kernel switches, a
 * `cpu-copy` one CPU copy, a `dma` one DMA copy.
 */

import type { TextRange } from '../engine/types';

/** Lane ids: `cpu0`, `cpu1`, ... for threads, `disk`, `nic`, `aio0`, ... for glibc AIO helpers. */
export type LaneId = string;

/**
 * A dependency: a plain id names an operation of the same iteration (or of
 * the setup phase); `back: k` names the operation k iterations earlier, or the
 * setup operation with that id when that iteration does not exist.
 */
export type Dependency = string | { op: string; back: number };

interface OperationBase {
  /** Unique within its phase. */
  id: string;
  lane: LaneId;
  label: string;
  after?: Dependency[];
  /**
   * The thread sleeps until its dependencies are done: if it has to wait for
   * another lane, it starts one wake-up latency after the last dependency ends.
   */
  blocking?: boolean;
  /** Where in the source this operation comes from (UTF-16 offsets). */
  range?: TextRange;
}

/** Entry and exit of a system call plus its fixed kernel work: two switches. */
export interface SyscallOp extends OperationBase {
  kind: 'syscall';
  name: string;
  /** A read/write/splice/sendfile-like call with VFS work (`fileCallNs`), not a null call. */
  fileCall?: boolean;
}

/** A copy by the CPU (memcpy, copy_to_user, copy_from_user, kernel-internal copy). */
export interface CpuCopyOp extends OperationBase {
  kind: 'cpu-copy';
  bytes: number;
  direction: 'user-to-user' | 'kernel-to-user' | 'user-to-kernel' | 'kernel-to-kernel';
  /** Footprint of the source stream (decides L1/L2/L3/DRAM bandwidth); defaults to `bytes`. */
  workingSetBytes?: number;
  /** Footprint of the destination; defaults to `workingSetBytes`. A small one stays in cache. */
  destinationBytes?: number;
  /** Threads copying from DRAM at the same time (they share `memcpyDramAllCoresGBps`). */
  concurrentCopies?: number;
}

/** A transfer by a device's DMA engine, on the `disk` or `nic` lane. */
export interface DmaOp extends OperationBase {
  kind: 'dma';
  device: 'disk' | 'nic';
  bytes: number;
  direction: 'to-memory' | 'from-memory';
}

/** Kernel page bookkeeping: page-cache references (`ref`), buffer pages (`alloc`), unmapping (`unmap`). */
export interface PageWorkOp extends OperationBase {
  kind: 'page-work';
  pages: number;
  work: 'ref' | 'alloc' | 'unmap';
}

/** Minor page faults on a file mapping (handled in the kernel, no system call); may be an expected, fractional count. */
export interface PageFaultOp extends OperationBase {
  kind: 'page-fault';
  faults: number;
}

/** Computation: a fixed time, or bytes processed at a rate. */
export interface ComputeOp extends OperationBase {
  kind: 'compute';
  ns?: number;
  bytes?: number;
  gbps?: number;
}

/** Thread and AIO bookkeeping whose cost is a single profile parameter. */
export interface FixedCostOp extends OperationBase {
  kind: 'thread-create' | 'thread-join' | 'aio-submit' | 'aio-complete' | 'aio-return';
}

/** A point where a thread waits (aio_suspend, pthread_join, a full pipe): costs only the wake-up. */
export interface WaitOp extends OperationBase {
  kind: 'wait';
  /**
   * The thread polls instead of sleeping (a loop on `aio_error`): it stays
   * busy from the moment it starts waiting until its dependencies are done,
   * and pays no wake-up.
   */
  spin?: boolean;
}

export type Operation =
  | SyscallOp | CpuCopyOp | DmaOp | PageWorkOp | PageFaultOp | ComputeOp | FixedCostOp | WaitOp;

export type OperationKind = Operation['kind'];

export interface LaneDescription {
  id: LaneId;
  title: string;
  kind: 'cpu' | 'disk' | 'nic' | 'aio-helper';
}

export interface Scenario {
  /** Short name: `read-write`, `sendfile`, ... or a function name. */
  name: string;
  description: string;
  lanes: LaneDescription[];
  /** Operations run once before the loop (mmap of the whole file, first AIO submission). */
  setup: Operation[];
  /** Operations of one iteration of the loop. */
  body: Operation[];
  /** Operations run once after the loop (pthread_join, munmap). */
  teardown: Operation[];
  iterations: number;
  /** Bytes moved by the whole loop (for the summary), when it is a transfer. */
  totalBytes?: number;
  /** Bytes per iteration, when it is a transfer. */
  chunkBytes?: number;
  /** What the transfer reads from and writes to (`file`, `socket`, `pipe`), when it is one. */
  fdIn?: string;
  fdOut?: string;
  /** What the builder assumed, in words (shown with the timeline). */
  assumptions: string[];
}

/** Iterations needed to move `totalBytes` in chunks of `chunkBytes` (the last chunk may be short). */
export function iterationsFor(totalBytes: number, chunkBytes: number): number {
  if (!(chunkBytes > 0)) throw new RangeError(`chunk size must be > 0, got ${chunkBytes}`);
  return Math.max(0, Math.ceil(totalBytes / chunkBytes));
}

/**
 * Structural problems that would make a scenario ambiguous: duplicate ids,
 * unknown lanes, dependencies on later or unknown operations. Empty when fine.
 */
export function scenarioProblems(scenario: Scenario): string[] {
  const problems: string[] = [];
  const lanes = new Set(scenario.lanes.map((lane) => lane.id));
  const setupIds = new Set<string>();
  const checkPhase = (phase: 'setup' | 'body' | 'teardown', ops: Operation[]): void => {
    const seen = new Set<string>();
    const bodyIds = new Set(scenario.body.map((op) => op.id));
    for (const op of ops) {
      if (seen.has(op.id)) problems.push(`${phase}: duplicate operation id '${op.id}'`);
      if (!lanes.has(op.lane)) problems.push(`${phase}: '${op.id}' is on unknown lane '${op.lane}'`);
      for (const dep of op.after ?? []) {
        const id = typeof dep === 'string' ? dep : dep.op;
        const back = typeof dep === 'string' ? 0 : dep.back;
        if (phase === 'body' && back > 0) {
          if (!bodyIds.has(id) && !setupIds.has(id)) problems.push(`body: '${op.id}' depends on unknown '${id}'`);
        } else if (!seen.has(id) && !setupIds.has(id) && !(phase === 'teardown' && bodyIds.has(id))) {
          problems.push(`${phase}: '${op.id}' depends on '${id}', which is not listed before it`);
        }
      }
      seen.add(op.id);
      if (phase === 'setup') setupIds.add(op.id);
    }
  };
  checkPhase('setup', scenario.setup);
  checkPhase('body', scenario.body);
  checkPhase('teardown', scenario.teardown);
  if (!Number.isInteger(scenario.iterations) || scenario.iterations < 0) {
    problems.push(`iterations must be a whole number >= 0, got ${scenario.iterations}`);
  }
  return problems;
}
