/**
 * Builders for the canonical loops: the data-moving loops of the design
 * table (read+write, mmap+write, sendfile, sendfile with scatter/gather DMA,
 * splice, copy_file_range), serial read-then-compute against double-buffered
 * glibc POSIX AIO, and one thread against two threads splitting a memcpy.
 * Rules map the code they flag onto these, and the calibration's reference
 * programs are described by them.
 *
 * Invariants: per chunk, with a cold page cache and a file-to-socket
 * transfer, the counts are those of the design table: read+write 4 switches /
 * 2 DMA / 2 CPU copies, mmap+write 4/2/1, sendfile 2/2/1, sendfile-sg 2/2/0;
 * splice 0 CPU copies and 2 switches per splice call; copy_file_range 0 CPU
 * copies. Everything the builder assumes is listed in `assumptions`.
 */

import { defaultProfile, type MachineProfile } from './profile';
import { iterationsFor, type LaneDescription, type Operation, type Scenario } from './scenario';

export type FdKind = 'file' | 'socket' | 'pipe';

export const TRANSFER_KINDS = ['read-write', 'mmap-write', 'sendfile', 'sendfile-sg', 'splice', 'copy-file-range'] as const;
export const OVERLAP_KINDS = ['read-compute', 'aio-double-buffer'] as const;
export const THREAD_KINDS = ['memcpy-one-thread', 'memcpy-two-threads'] as const;
export type TransferKind = (typeof TRANSFER_KINDS)[number];
export type CanonicalKind = TransferKind | (typeof OVERLAP_KINDS)[number] | (typeof THREAD_KINDS)[number];

export interface CanonicalOptions {
  totalBytes: number;
  /** Bytes per iteration (ignored by the memcpy kinds, which copy `totalBytes` at once). */
  chunkBytes: number;
  fdIn?: FdKind;
  fdOut?: FdKind;
  /**
   * `cold`: every chunk comes from the disk by DMA (as in the design table);
   * `warm`: from the page cache. Default: the profile's `pageCacheHitRatio`.
   */
  pageCache?: 'cold' | 'warm';
  /** Size of the input file, which decides where page-cache copies stream from (default `totalBytes`). */
  fileBytes?: number;
  /** mmap-write: map the whole file once instead of mapping each chunk. */
  mmapWholeFile?: boolean;
  /**
   * When the output is a pipe, who empties it by splicing it to /dev/null:
   * nobody modelled (`none`), the loop itself after each chunk (`same-thread`,
   * as the calibration's reference programs do), or a reader thread on a
   * second CPU (`thread`).
   */
  pipeReader?: 'none' | 'same-thread' | 'thread';
  /** Pipe capacity (F_SETPIPE_SZ); default the profile's `pipeBufferBytes`. */
  pipeBufferBytes?: number;
  /** read-compute and aio-double-buffer: computation per chunk, a time or a rate. */
  computeNsPerChunk?: number;
  computeGBps?: number;
}

const CPU0: LaneDescription = { id: 'cpu0', title: 'CPU thread 0 (loop)', kind: 'cpu' };
const CPU1: LaneDescription = { id: 'cpu1', title: 'CPU thread 1', kind: 'cpu' };
const DISK: LaneDescription = { id: 'disk', title: 'Disk DMA', kind: 'disk' };
const NIC: LaneDescription = { id: 'nic', title: 'NIC DMA', kind: 'nic' };
const AIO0: LaneDescription = { id: 'aio0', title: 'glibc AIO helper thread', kind: 'aio-helper' };

export function canonicalScenario(kind: CanonicalKind, options: CanonicalOptions, profile: MachineProfile = defaultProfile()): Scenario {
  if (!(options.totalBytes >= 0)) throw new RangeError(`totalBytes must be >= 0, got ${options.totalBytes}`);
  switch (kind) {
    case 'read-compute':
    case 'aio-double-buffer':
      return overlapScenario(kind, options, profile);
    case 'memcpy-one-thread':
    case 'memcpy-two-threads':
      return memcpyScenario(kind, options);
    default:
      return transferScenario(kind, options, profile);
  }
}

/** What the simulated loop looks like, so the message can say what was assumed. */
const TRANSFER_DESCRIPTIONS: Record<TransferKind, string> = {
  'read-write': 'read() each chunk into a user buffer, then write() it',
  'mmap-write': 'mmap() each chunk of the file, then write() from the mapping',
  'sendfile': 'sendfile() each chunk (the kernel copies page cache to socket buffer)',
  'sendfile-sg': 'sendfile() each chunk with scatter/gather DMA (the NIC reads the page cache)',
  'splice': 'splice() each chunk through a pipe (page references, no copy)',
  'copy-file-range': 'copy_file_range() each chunk (reflink or offloaded copy)',
};

function transferScenario(kind: TransferKind, options: CanonicalOptions, profile: MachineProfile): Scenario {
  const fdIn = options.fdIn ?? 'file';
  const fdOut = options.fdOut ?? (kind === 'copy-file-range' ? 'file' : 'socket');
  if (kind === 'copy-file-range' && (fdIn !== 'file' || fdOut !== 'file')) {
    throw new RangeError('copy_file_range moves data between two files');
  }
  if (kind === 'mmap-write' && fdIn !== 'file') throw new RangeError('mmap needs a file as input');
  const chunk = options.chunkBytes;
  const pages = Math.ceil(chunk / profile.pageBytes);
  const missBytes = fdIn === 'file' ? chunk * missRatio(options, profile) : 0;
  const cold = missBytes > 0;
  const fileBytes = options.fileBytes ?? options.totalBytes;
  const assumptions = [
    `loop: ${TRANSFER_DESCRIPTIONS[kind]}`,
    `${fdIn} to ${fdOut}, ${chunk} bytes per chunk`,
    fdIn === 'file' ? pageCacheAssumption(missBytes, chunk) : `input arrives on a ${fdIn}`,
  ];
  const b = new BodyBuilder();

  // The input side: the system call that starts the chunk and the DMA that brings it in.
  const firstCall = kind === 'read-write' ? 'read' : kind === 'mmap-write' ? 'mmap' : kind === 'splice' ? 'splice' : kind === 'copy-file-range' ? 'copy_file_range' : 'sendfile';
  if (kind === 'mmap-write' && options.mmapWholeFile) {
    b.setup.push({ id: 'mmap', kind: 'syscall', name: 'mmap', fileCall: true, lane: 'cpu0', label: 'mmap(whole file)' });
    b.teardown.push(
      { id: 'munmap', kind: 'syscall', name: 'munmap', lane: 'cpu0', label: 'munmap(whole file)' },
      { id: 'unmap-pages', kind: 'page-work', work: 'unmap', pages: Math.ceil(fileBytes / profile.pageBytes), lane: 'cpu0', label: 'unmap the pages' },
    );
    assumptions.push('the whole file is mapped once before the loop and unmapped after it');
  } else {
    b.op({ id: 'call-in', kind: 'syscall', name: firstCall, fileCall: true, lane: 'cpu0', label: `${firstCall}()` });
  }
  const inDma = cold ? 'disk-in' : fdIn === 'socket' ? 'nic-in' : undefined;
  if (inDma) {
    const device = inDma === 'disk-in' ? 'disk' : 'nic';
    b.op({ id: inDma, kind: 'dma', device, bytes: inDma === 'disk-in' ? missBytes : chunk, direction: 'to-memory', lane: device, label: `${device} DMA into ${device === 'disk' ? 'page cache' : 'socket buffer'}`, after: b.last('cpu0') });
  }
  const afterIn = inDma ? { after: [inDma], blocking: true } : {};
  // Page-cache data streams over the whole file; data that just arrived on a socket or pipe is cache-hot.
  const sourceSet = fdIn === 'file' ? Math.max(fileBytes, chunk) : 2 * chunk;

  switch (kind) {
    case 'read-write':
      b.op({ id: 'copy-in', kind: 'cpu-copy', bytes: chunk, direction: 'kernel-to-user', workingSetBytes: sourceSet, destinationBytes: chunk, lane: 'cpu0', label: 'copy to user buffer', ...afterIn });
      b.op({ id: 'call-out', kind: 'syscall', name: 'write', fileCall: true, lane: 'cpu0', label: 'write()' });
      b.output(fdOut, { copyFrom: 'user', chunk, pages, workingSetBytes: 2 * chunk });
      break;
    case 'mmap-write':
      if (!options.mmapWholeFile) assumptions.push('each chunk is mapped over the previous one (MAP_FIXED), so no munmap per chunk');
      b.op({ id: 'call-out', kind: 'syscall', name: 'write', fileCall: true, lane: 'cpu0', label: 'write()', ...afterIn });
      // A chunk mapped on its own faults at least once; a whole-file mapping spreads each fault over faultAroundPages.
      b.op({ id: 'faults', kind: 'page-fault', faults: options.mmapWholeFile ? pages / profile.faultAroundPages : Math.ceil(pages / profile.faultAroundPages), lane: 'cpu0', label: 'page faults on the mapping' });
      b.output(fdOut, { copyFrom: 'user', chunk, pages, workingSetBytes: sourceSet });
      break;
    case 'sendfile':
      if (inDma) b.op({ id: 'wait-in', kind: 'wait', lane: 'cpu0', label: 'wait for the disk read', ...afterIn });
      if (fdOut === 'pipe') {
        assumptions.push('sendfile into a pipe splices page references (Linux >= 5.12): no copy');
        b.output('pipe', { copyFrom: 'none', chunk, pages, workingSetBytes: sourceSet });
      } else {
        b.output(fdOut, { copyFrom: 'kernel', chunk, pages, workingSetBytes: sourceSet });
      }
      break;
    case 'sendfile-sg':
      if (inDma) b.op({ id: 'wait-in', kind: 'wait', lane: 'cpu0', label: 'wait for the disk read', ...afterIn });
      b.output(fdOut, { copyFrom: 'none', chunk, pages, workingSetBytes: sourceSet });
      break;
    case 'splice':
      if (inDma) b.op({ id: 'wait-in', kind: 'wait', lane: 'cpu0', label: 'wait for the disk read', ...afterIn });
      if (fdIn !== 'pipe' && fdOut !== 'pipe') {
        assumptions.push('neither side is a pipe: two splice calls per chunk, into and out of an intermediate pipe');
        b.op({ id: 'refs-mid', kind: 'page-work', work: 'ref', pages, lane: 'cpu0', label: 'move page references into the pipe' });
        b.op({ id: 'call-out', kind: 'syscall', name: 'splice', fileCall: true, lane: 'cpu0', label: 'splice() out of the pipe' });
      }
      b.output(fdOut, { copyFrom: 'none', chunk, pages, workingSetBytes: sourceSet });
      break;
    case 'copy-file-range':
      assumptions.push('the file system clones or offloads the copy (reflink): no CPU copy');
      if (inDma) b.op({ id: 'wait-in', kind: 'wait', lane: 'cpu0', label: 'wait for the disk read', ...afterIn });
      b.output('file', { copyFrom: 'none', chunk, pages, workingSetBytes: sourceSet });
      break;
  }

  if (fdOut === 'socket') {
    const capacityChunks = Math.max(1, Math.floor(profile.socketBufferBytes / chunk));
    assumptions.push(`the socket send buffer (${profile.socketBufferBytes} bytes) blocks the writer when the NIC falls behind`);
    b.socketBackPressure(capacityChunks);
  }
  const lanes: LaneDescription[] = [CPU0];
  const reader = fdOut === 'pipe' ? options.pipeReader ?? 'none' : 'none';
  if (reader === 'same-thread') {
    assumptions.push('the loop empties the pipe after each chunk by splicing it to /dev/null');
    b.pipeReader('cpu0', pages, undefined);
  } else if (reader === 'thread') {
    const pipeBytes = options.pipeBufferBytes ?? profile.pipeBufferBytes;
    const capacityChunks = Math.max(1, Math.floor(pipeBytes / chunk));
    assumptions.push(`the pipe (${pipeBytes} bytes) is drained by a reader thread splicing to /dev/null`);
    b.pipeReader('cpu1', pages, capacityChunks);
    lanes.push(CPU1);
  }
  if (b.usesLane('disk')) lanes.push(DISK);
  if (b.usesLane('nic')) lanes.push(NIC);
  return {
    name: kind,
    description: TRANSFER_DESCRIPTIONS[kind],
    lanes,
    setup: b.setup,
    body: b.body,
    teardown: b.teardown,
    iterations: iterationsFor(options.totalBytes, chunk),
    totalBytes: options.totalBytes,
    chunkBytes: chunk,
    fdIn,
    fdOut,
    assumptions,
  };
}

/** Accumulates a loop body in program order. */
class BodyBuilder {
  readonly setup: Operation[] = [];
  readonly body: Operation[] = [];
  readonly teardown: Operation[] = [];

  op(op: Operation): void {
    this.body.push(op);
  }

  /** The last operation on a lane, as a dependency list. */
  last(lane: string): string[] {
    const op = [...this.body].reverse().find((o) => o.lane === lane);
    return op ? [op.id] : [];
  }

  usesLane(lane: string): boolean {
    return [...this.setup, ...this.body, ...this.teardown].some((op) => op.lane === lane);
  }

  /**
   * A write to a socket blocks while the send buffer holds `capacityChunks`
   * chunks the NIC has not sent yet.
   */
  socketBackPressure(capacityChunks: number): void {
    const put = this.body.find((op) => op.id === 'put')!;
    put.after = [...(put.after ?? []), { op: 'nic-out', back: capacityChunks }];
    put.blocking = true;
  }

  /**
   * The output side. `copyFrom`: `user` (write from a user buffer), `kernel`
   * (the kernel copies page cache into the destination) or `none` (page
   * references or DMA gather). The operation that makes the data visible to
   * the destination has id `put`.
   */
  output(fdOut: FdKind, how: { copyFrom: 'user' | 'kernel' | 'none'; chunk: number; pages: number; workingSetBytes: number }): void {
    const direction = how.copyFrom === 'user' ? 'user-to-kernel' : 'kernel-to-kernel';
    const into = fdOut === 'socket' ? 'socket buffer' : fdOut === 'pipe' ? 'pipe buffer' : 'page cache';
    if (how.copyFrom !== 'none') {
      this.op({ id: 'alloc-out', kind: 'page-work', work: 'alloc', pages: how.pages, lane: 'cpu0', label: `allocate ${into} pages` });
      // The destination pages are freshly allocated and not in cache, so a source streaming
      // from DRAM makes this a DRAM-to-DRAM copy (reads and write-allocates both cross the bus).
      this.op({ id: 'put', kind: 'cpu-copy', bytes: how.chunk, direction, workingSetBytes: how.workingSetBytes, lane: 'cpu0', label: `copy into ${into}` });
    } else {
      this.op({ id: 'put', kind: 'page-work', work: 'ref', pages: how.pages, lane: 'cpu0', label: `hand page references to the ${into}` });
    }
    if (fdOut === 'socket') {
      this.op({ id: 'nic-out', kind: 'dma', device: 'nic', bytes: how.chunk, direction: 'from-memory', lane: 'nic', label: how.copyFrom === 'none' ? 'NIC DMA gather from page cache' : 'NIC DMA from socket buffer', after: ['put'] });
    } else if (fdOut === 'file') {
      this.op({ id: 'disk-out', kind: 'dma', device: 'disk', bytes: how.chunk, direction: 'from-memory', lane: 'disk', label: 'disk DMA from page cache (writeback)', after: ['put'] });
    }
  }

  /**
   * The pipe's reader splicing it to /dev/null, on `lane`. On another thread
   * (`capacityChunks` given), the writer blocks while the pipe is full and the
   * reader sleeps while it is empty.
   */
  pipeReader(lane: string, pages: number, capacityChunks: number | undefined): void {
    const onThread = capacityChunks !== undefined;
    if (onThread) {
      const put = this.body.find((op) => op.id === 'put')!;
      put.after = [...(put.after ?? []), { op: 'drain', back: capacityChunks }];
      put.blocking = true;
    }
    const who = onThread ? 'reader: ' : '';
    this.op({ id: 'reader-call', kind: 'syscall', name: 'splice', fileCall: true, lane, label: `${who}splice() pipe to /dev/null`, after: ['put'], ...(onThread ? { blocking: true } : {}) });
    this.op({ id: 'drain', kind: 'page-work', work: 'ref', pages, lane, label: `${who}release pipe pages` });
  }
}

function overlapScenario(kind: 'read-compute' | 'aio-double-buffer', options: CanonicalOptions, profile: MachineProfile): Scenario {
  const chunk = options.chunkBytes;
  const missBytes = chunk * missRatio(options, profile);
  const cold = missBytes > 0;
  const sourceSet = Math.max(options.fileBytes ?? options.totalBytes, chunk);
  const compute: Operation = options.computeNsPerChunk !== undefined
    ? { id: 'compute', kind: 'compute', ns: options.computeNsPerChunk, lane: 'cpu0', label: 'compute on the chunk' }
    : { id: 'compute', kind: 'compute', bytes: chunk, gbps: options.computeGBps ?? profile.memcpyL2GBps, lane: 'cpu0', label: 'compute on the chunk' };
  const assumptions = [
    `${chunk} bytes per chunk read from a file`,
    pageCacheAssumption(missBytes, chunk),
    options.computeNsPerChunk !== undefined ? `computation takes ${options.computeNsPerChunk} ns per chunk` : `computation runs at ${options.computeGBps ?? profile.memcpyL2GBps} GB/s`,
  ];
  const lanes: LaneDescription[] = [CPU0];
  // Each read writes one chunk-sized buffer, which decides whether the destination stays in cache.
  const destinationBytes = chunk;
  const readOps = (lane: string, prefix: string, blockingStart: Operation['after']): Operation[] => {
    const ops: Operation[] = [
      { id: `${prefix}read`, kind: 'syscall', name: 'pread', fileCall: true, lane, label: 'pread()', ...(blockingStart ? { after: blockingStart, blocking: true } : {}) },
    ];
    if (cold) ops.push({ id: `${prefix}dma`, kind: 'dma', device: 'disk', bytes: missBytes, direction: 'to-memory', lane: 'disk', label: 'disk DMA into page cache', after: [`${prefix}read`] });
    ops.push({ id: `${prefix}copy`, kind: 'cpu-copy', bytes: chunk, direction: 'kernel-to-user', workingSetBytes: sourceSet, destinationBytes, lane, label: 'copy to user buffer', ...(cold ? { after: [`${prefix}dma`], blocking: true } : {}) });
    return ops;
  };
  let setup: Operation[] = [];
  let body: Operation[];
  if (kind === 'read-compute') {
    body = [...readOps('cpu0', '', undefined), compute];
  } else {
    assumptions.push('glibc POSIX AIO: a helper thread runs pread() for each request and wakes the waiter; two buffers alternate');
    lanes.push(AIO0);
    const helperRead = (): Operation[] => [
      ...readOps('aio0', 'helper-', ['submit']),
      { id: 'complete', kind: 'aio-complete', lane: 'aio0', label: 'helper: record result, wake waiter' },
    ];
    setup = [{ id: 'submit', kind: 'aio-submit', lane: 'cpu0', label: 'aio_read(first chunk)' }, ...helperRead()];
    body = [
      { id: 'suspend', kind: 'wait', lane: 'cpu0', label: 'aio_suspend()', after: [{ op: 'complete', back: 1 }], blocking: true },
      { id: 'return', kind: 'aio-return', lane: 'cpu0', label: 'aio_return()' },
      { id: 'submit', kind: 'aio-submit', lane: 'cpu0', label: 'aio_read(next chunk)' },
      ...helperRead(),
      { ...compute, after: ['return'] },
    ];
  }
  if (cold) lanes.push(DISK);
  return {
    name: kind,
    description: kind === 'read-compute' ? 'blocking read of a chunk, then compute on it' : 'double-buffered POSIX AIO: compute on one chunk while the next is read',
    lanes, setup, body, teardown: [],
    iterations: iterationsFor(options.totalBytes, chunk),
    totalBytes: options.totalBytes,
    chunkBytes: chunk,
    assumptions,
  };
}

function memcpyScenario(kind: 'memcpy-one-thread' | 'memcpy-two-threads', options: CanonicalOptions): Scenario {
  const total = options.totalBytes;
  const base = { name: kind, iterations: 1, totalBytes: total, chunkBytes: total, setup: [] as Operation[], teardown: [] as Operation[] };
  if (kind === 'memcpy-one-thread') {
    return {
      ...base,
      description: 'one thread copies the whole buffer',
      lanes: [CPU0],
      body: [{ id: 'copy', kind: 'cpu-copy', bytes: total, direction: 'user-to-user', lane: 'cpu0', label: 'memcpy(all)' }],
      assumptions: [`one memcpy of ${total} bytes`],
    };
  }
  const half = total / 2;
  return {
    ...base,
    description: 'two threads each copy half of the buffer',
    lanes: [CPU0, CPU1],
    body: [
      { id: 'create', kind: 'thread-create', lane: 'cpu0', label: 'pthread_create()' },
      { id: 'copy-worker', kind: 'cpu-copy', bytes: half, workingSetBytes: total, concurrentCopies: 2, direction: 'user-to-user', lane: 'cpu1', label: 'worker: memcpy(second half)', after: ['create'] },
      { id: 'copy-main', kind: 'cpu-copy', bytes: half, workingSetBytes: total, concurrentCopies: 2, direction: 'user-to-user', lane: 'cpu0', label: 'memcpy(first half)' },
      { id: 'wait', kind: 'wait', lane: 'cpu0', label: 'wait for the worker', after: ['copy-worker'], blocking: true },
      { id: 'join', kind: 'thread-join', lane: 'cpu0', label: 'pthread_join()' },
    ],
    assumptions: [`two threads each memcpy ${half} bytes, sharing memory bandwidth when the buffer does not fit in L3`],
  };
}

/** Share of each file chunk that must come from the disk. */
function missRatio(options: CanonicalOptions, profile: MachineProfile): number {
  if (options.pageCache === 'cold') return 1;
  if (options.pageCache === 'warm') return 0;
  return 1 - profile.pageCacheHitRatio;
}

function pageCacheAssumption(missBytes: number, chunk: number): string {
  if (missBytes === 0) return 'page cache warm: no disk reads';
  if (missBytes === chunk) return 'page cache cold: each chunk is read from the disk by DMA';
  return `page cache partly warm: ${missBytes} bytes of each chunk come from the disk by DMA`;
}
