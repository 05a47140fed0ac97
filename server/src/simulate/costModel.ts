/**
 * The cost model: how long one operation takes on its lane, from the machine
 * profile alone.
 *
 * Invariants: pure and deterministic; a duration depends only on the operation
 * and the profile (never on the time it starts), which is what lets the
 * simulator extrapolate a steady state. Durations are >= 0 nanoseconds.
 */

import type { MachineProfile } from './profile';
import type { CpuCopyOp, Operation } from './scenario';

export type CacheLevel = 'L1' | 'L2' | 'L3' | 'DRAM' | 'DRAM-to-cache';

/**
 * The cache level a copy runs from: that of the larger of its source and
 * destination footprints, except that a source streaming from DRAM into a
 * destination that fits in L2 has its own bandwidth (only reads cross the bus).
 */
export function cacheLevelFor(workingSetBytes: number, profile: MachineProfile, destinationBytes = workingSetBytes): CacheLevel {
  const footprint = Math.max(workingSetBytes, destinationBytes);
  if (footprint > profile.l3Bytes && destinationBytes <= profile.l2Bytes) return 'DRAM-to-cache';
  return levelOf(footprint, profile);
}

function levelOf(workingSetBytes: number, profile: MachineProfile): CacheLevel {
  if (workingSetBytes <= profile.l1Bytes) return 'L1';
  if (workingSetBytes <= profile.l2Bytes) return 'L2';
  if (workingSetBytes <= profile.l3Bytes) return 'L3';
  return 'DRAM';
}

/** Bytes per ns of one copying thread at a cache level, with `concurrent` threads sharing DRAM. */
export function copyBandwidth(level: CacheLevel, profile: MachineProfile, concurrent = 1): number {
  switch (level) {
    case 'L1': return profile.memcpyL1GBps;
    case 'L2': return profile.memcpyL2GBps;
    case 'L3': return profile.memcpyL3GBps;
    case 'DRAM': return Math.min(profile.memcpyDramGBps, profile.memcpyDramAllCoresGBps / Math.max(1, concurrent));
    case 'DRAM-to-cache': return profile.memcpyDramToCacheGBps;
  }
}

export function copyNs(op: Pick<CpuCopyOp, 'bytes' | 'workingSetBytes' | 'destinationBytes' | 'concurrentCopies'>, profile: MachineProfile): number {
  const source = op.workingSetBytes ?? op.bytes;
  const level = cacheLevelFor(source, profile, op.destinationBytes ?? source);
  return op.bytes / copyBandwidth(level, profile, op.concurrentCopies ?? 1);
}

/** Duration of an operation's own work; the wake-up of a blocking wait is added by the simulator. */
export function operationNs(op: Operation, profile: MachineProfile): number {
  switch (op.kind) {
    case 'syscall':
      return 2 * profile.modeSwitchNs + (op.fileCall ? profile.fileCallNs : 0);
    case 'cpu-copy':
      return copyNs(op, profile);
    case 'dma': {
      const gbps = op.device === 'disk' ? profile.diskGBps : profile.nicGBps;
      const latency = op.device === 'disk' ? profile.diskLatencyNs : profile.nicLatencyNs;
      return latency + op.bytes / gbps;
    }
    case 'page-work':
      return op.pages * (op.work === 'ref' ? profile.pageRefNs : op.work === 'alloc' ? profile.pageAllocNs : profile.unmapPageNs);
    case 'page-fault':
      return op.faults * profile.pageFaultNs;
    case 'compute':
      if (op.ns !== undefined) return op.ns;
      if (op.bytes !== undefined && op.gbps !== undefined && op.gbps > 0) return op.bytes / op.gbps;
      throw new RangeError(`compute '${op.id}' needs ns, or bytes and gbps > 0`);
    case 'thread-create': return profile.threadCreateNs;
    case 'thread-join': return profile.threadJoinNs;
    case 'aio-submit': return profile.aioSubmitNs;
    case 'aio-complete': return profile.aioCompleteNs;
    case 'aio-return': return profile.aioReturnNs;
    case 'wait': return 0;
  }
}
