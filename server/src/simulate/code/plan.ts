/**
 * A loop plan: what one loop (or function) of the user's code does, as steps
 * at the level of the C calls (`read` 64 KiB from a file, `write` it to a
 * socket, `aio_suspend`), before they are lowered to the simulator's
 * operations. Rule transformations (transforms.ts) rewrite plans, which is
 * much easier than rewriting operations: "replace the read and the write by
 * one sendfile" is two lines here.
 *
 * Invariants: plain data; step ids are unique within a plan; every step that
 * comes from the code carries the range of its call (UTF-16 offsets), so the
 * spans it turns into can reveal it.
 */

import type { TextRange } from '../../engine/types';

export type Fd = 'file' | 'socket' | 'pipe';

interface StepBase {
  id: string;
  /** The call or statement the step comes from. */
  range?: TextRange;
  /**
   * A large single transfer simulated in pieces: the system call is made
   * once, before the loop, and each iteration moves one piece (lowerPlan.ts).
   */
  callOnce?: boolean;
}

/** `read`, `pread`, `recv`, `fread`: a chunk into a user buffer. */
export interface ReadStep extends StepBase {
  kind: 'read';
  api: string;
  fd: Fd;
  bytes: number;
  /** `exprKey` of the destination buffer, to pair it with the write of the same bytes. */
  buffer?: string;
  /** Through a stdio buffer: one more copy (fread). */
  stdio?: boolean;
}

/** `write`, `pwrite`, `send`, `fwrite`: a chunk from a user buffer or a file mapping. */
export interface WriteStep extends StepBase {
  kind: 'write';
  api: string;
  fd: Fd;
  bytes: number;
  buffer?: string;
  /** The source is a file mapping (mmap): page faults, and the copy streams from the page cache. */
  fromMapping?: 'chunk' | 'whole-file';
  stdio?: boolean;
}

/** `sendfile(out, in, ...)`. */
export interface SendfileStep extends StepBase {
  kind: 'sendfile';
  fdIn: Fd;
  fdOut: Fd;
  bytes: number;
}

/** `splice` through a pipe (two calls when neither side is a pipe). */
export interface SpliceStep extends StepBase {
  kind: 'splice';
  fdIn: Fd;
  fdOut: Fd;
  bytes: number;
}

export interface CopyFileRangeStep extends StepBase {
  kind: 'copy-file-range';
  bytes: number;
}

/** `mmap` of a file region (the faults come with the first access, in the write that reads it). */
export interface MapStep extends StepBase {
  kind: 'map';
  bytes: number;
  /** `exprKey` of the variable holding the mapping. */
  mapping?: string;
}

export interface UnmapStep extends StepBase {
  kind: 'unmap';
  bytes: number;
  mapping?: string;
}

/** `memcpy`/`memmove` between user buffers. */
export interface CopyStep extends StepBase {
  kind: 'copy';
  api: string;
  bytes: number;
}

/** Work CopyScope cannot see into: a call of unknown cost, or processing of a chunk. */
export interface ComputeStep extends StepBase {
  kind: 'compute';
  label: string;
  ns?: number;
  bytes?: number;
  gbps?: number;
}

/** `aio_read`/`aio_write`: glibc hands the request to a helper thread, which runs pread/pwrite. */
export interface AioSubmitStep extends StepBase {
  kind: 'aio-submit';
  /** `exprKey` of the control block. */
  request: string;
  op: 'read' | 'write';
  fd: Fd;
  bytes: number;
}

/** Waiting for requests: `aio_suspend` (sleeps) or a loop polling `aio_error` (spins). */
export interface AioWaitStep extends StepBase {
  kind: 'aio-wait';
  requests: string[];
  spin: boolean;
}

export interface AioReturnStep extends StepBase {
  kind: 'aio-return';
  request: string;
}

/** `pthread_create`: the thread runs `work` on its own CPU lane. */
export interface ThreadCreateStep extends StepBase {
  kind: 'thread-create';
  /** `handleKey` of the thread. */
  thread: string;
  routine: string;
  work: Step[];
  /** The CPU lane the thread runs on (default: the next free one). */
  lane?: string;
}

export interface ThreadJoinStep extends StepBase {
  kind: 'thread-join';
  thread: string;
}

/** Another system call with no data to move (`open`, `close`, `lseek`, `poll`). */
export interface SyscallStep extends StepBase {
  kind: 'syscall';
  name: string;
  fileCall?: boolean;
}

export type Step =
  | ReadStep | WriteStep | SendfileStep | SpliceStep | CopyFileRangeStep | MapStep | UnmapStep | CopyStep | ComputeStep
  | AioSubmitStep | AioWaitStep | AioReturnStep | ThreadCreateStep | ThreadJoinStep | SyscallStep;

export type StepKind = Step['kind'];

export interface LoopPlan {
  /** Scenario name: the function, or the function and the loop's line. */
  name: string;
  description: string;
  functionName: string;
  /** The loop (or the function) the plan describes. */
  range: TextRange;
  /** Steps run once before the loop (in the function, before it). */
  setup: Step[];
  /** One iteration. */
  body: Step[];
  /** Steps run once after the loop. */
  teardown: Step[];
  iterations: number;
  /** Bytes the loop moves in all, and per iteration, when it moves data. */
  totalBytes?: number;
  chunkBytes?: number;
  fdIn?: Fd;
  fdOut?: Fd;
  /** Input file size (decides where page-cache copies stream from). */
  fileBytes: number;
  cache?: 'warm' | 'cold';
  nic: 'sg' | 'copy';
  /** What was assumed, in words. */
  assumptions: string[];
}

/** Steps of a plan's three phases, with the phase. */
export function allSteps(plan: LoopPlan): Step[] {
  return [...plan.setup, ...plan.body, ...plan.teardown];
}

/** A step whose range is `range` (exact match), in any phase. */
export function stepAt(plan: LoopPlan, range: TextRange | undefined, kinds?: StepKind[]): Step | undefined {
  if (!range) return undefined;
  return allSteps(plan).find((s) => s.range && s.range.start === range.start && s.range.end === range.end && (!kinds || kinds.includes(s.kind)));
}
