/**
 * The machine profile: every parameter of the cost model, with its unit, its
 * default and where that default comes from, and the validation of profile
 * files (JSON) against `profile.schema.json`.
 *
 * Invariants: pure (no I/O); every key of `PROFILE_PARAMETERS` is a property of
 * the JSON schema and a field of `MachineProfile` (a test checks the first);
 * a profile returned by `validateProfile` always has every parameter, missing
 * ones filled from the defaults. Units: bytes, nanoseconds, and bandwidths in
 * GB/s, which is the same number as bytes per nanosecond.
 */

import Ajv, { type ErrorObject } from 'ajv';
import profileSchema from './profile.schema.json';

export interface ParameterSpec {
  unit: 'bytes' | 'ns' | 'GB/s' | 'count' | 'fraction';
  default: number;
  /** What the parameter means, one sentence. */
  description: string;
  /** Where the default comes from. */
  source: string;
}

export const PROFILE_PARAMETERS = {
  cores: {
    unit: 'count', default: 2,
    description: 'CPU cores that can run threads at the same time.',
    source: 'A small CI or laptop VM; `copyscope calibrate` records the real count.',
  },
  pageBytes: {
    unit: 'bytes', default: 4096,
    description: 'Size of a memory page and of a page-cache page.',
    source: 'x86-64 and arm64 Linux base page size.',
  },
  l1Bytes: {
    unit: 'bytes', default: 32768,
    description: 'Per-core L1 data cache size; copies whose working set fits run at L1 bandwidth.',
    source: 'Intel Skylake..Raptor Lake P-cores and AMD Zen 1..4: 32 KiB L1d (vendor optimization manuals).',
  },
  l2Bytes: {
    unit: 'bytes', default: 1048576,
    description: 'Per-core L2 cache size.',
    source: 'Intel Skylake-SP/Ice Lake-SP and AMD Zen 4: 1 MiB L2 per core (vendor manuals).',
  },
  l3Bytes: {
    unit: 'bytes', default: 33554432,
    description: 'Shared last-level cache size; larger working sets stream from DRAM.',
    source: 'AMD Zen 2..4 CCD: 32 MiB L3 (AMD product pages).',
  },
  memcpyL1GBps: {
    unit: 'GB/s', default: 50,
    description: 'memcpy bandwidth (bytes copied per ns) when source and destination fit in L1.',
    source: 'Two 32-byte loads and one store per cycle at about 3 GHz, halved for loop overhead (Agner Fog, microarchitecture.pdf).',
  },
  memcpyL2GBps: {
    unit: 'GB/s', default: 30,
    description: 'memcpy bandwidth when the working set fits in L2.',
    source: 'About 64 B/cycle L2 read bandwidth shared by reads and writes at 3 GHz, with write-allocate traffic (vendor manuals).',
  },
  memcpyL3GBps: {
    unit: 'GB/s', default: 18,
    description: 'memcpy bandwidth when the working set fits in L3.',
    source: 'About 32 B/cycle L3 bandwidth per core shared by reads and writes (vendor manuals; typical lmbench bw_mem results).',
  },
  memcpyDramGBps: {
    unit: 'GB/s', default: 8,
    description: 'memcpy bandwidth of one thread when the working set is larger than L3.',
    source: 'Single-thread STREAM Copy on DDR4/DDR5 servers reports 8..15 GB/s; the lower end is taken.',
  },
  memcpyDramToCacheGBps: {
    unit: 'GB/s', default: 12,
    description: 'Copy bandwidth when the source streams from DRAM and the destination stays in L2 (read() of a large cached file into a small buffer).',
    source: 'Only the source crosses the memory bus: about 1.5 times memcpyDramGBps (lmbench bw_mem rd versus cp).',
  },
  memcpyDramAllCoresGBps: {
    unit: 'GB/s', default: 12,
    description: 'Aggregate memcpy bandwidth of all cores together when the working set is larger than L3.',
    source: 'STREAM Copy on a dual-channel memory system: about 1.5 single-thread figures.',
  },
  modeSwitchNs: {
    unit: 'ns', default: 60,
    description: 'One user-to-kernel or kernel-to-user transition; a system call makes two.',
    source: 'A null system call (getppid) costs 100..150 ns on current x86 Linux with default mitigations (lmbench lat_syscall null).',
  },
  fileCallNs: {
    unit: 'ns', default: 150,
    description: 'Kernel work of a read, write, splice or sendfile call beyond the transitions: fd lookup, VFS and locking.',
    source: 'lmbench lat_syscall read (1-byte read of /dev/zero) minus null: about 150 ns.',
  },
  pageRefNs: {
    unit: 'ns', default: 40,
    description: 'Per page: find a page-cache page and take or drop a reference (splice, sendfile, pipe buffers).',
    source: 'filemap_splice_read batches folio lookups; tens of ns per page on current CPUs (kernel perf traces).',
  },
  pageAllocNs: {
    unit: 'ns', default: 120,
    description: 'Per page: allocate and later free a kernel page for a pipe or socket buffer.',
    source: 'Per-CPU page list allocation plus free, about 100..150 ns (mm/page_alloc.c fast path, perf measurements).',
  },
  pageFaultNs: {
    unit: 'ns', default: 1500,
    description: 'One minor page fault on a file mapping whose pages are in the page cache, including the fault-around mapping.',
    source: 'Minor fault with 16-page fault-around: about 1..2 us (LWN "faultaround", 2014).',
  },
  unmapPageNs: {
    unit: 'ns', default: 15,
    description: 'Per mapped page: munmap of a populated file mapping (clearing the page-table entry, dropping the reference).',
    source: 'zap_pte_range handles a page-table entry in about 10..20 ns (kernel perf traces).',
  },
  faultAroundPages: {
    unit: 'count', default: 16,
    description: 'Pages mapped by one fault on a file mapping (fault-around, or a whole large folio).',
    source: 'Linux default fault_around_bytes = 64 KiB (mm/memory.c); large page-cache folios map more per fault.',
  },
  pageCacheHitRatio: {
    unit: 'fraction', default: 0,
    description: 'Share of file bytes already in the page cache when a scenario does not say cold or warm; the rest come from the disk by DMA.',
    source: 'design.md counts the disk DMA of every chunk, so the default reads everything from the disk; use 1 for files known to be cached.',
  },
  diskGBps: {
    unit: 'GB/s', default: 2,
    description: 'Disk sequential transfer bandwidth (DMA to or from the page cache).',
    source: 'PCIe 3.0 x4 NVMe SSD sequential read, vendor data sheets: 2..3.5 GB/s.',
  },
  diskLatencyNs: {
    unit: 'ns', default: 80000,
    description: 'Disk latency for one request before data starts to move.',
    source: 'NVMe 4 KiB random read latency: 80..100 us (vendor data sheets).',
  },
  nicGBps: {
    unit: 'GB/s', default: 1.25,
    description: 'Network interface bandwidth (DMA from socket buffers to the wire).',
    source: '10 Gbit/s Ethernet.',
  },
  nicLatencyNs: {
    unit: 'ns', default: 5000,
    description: 'Latency from the doorbell to the first byte on the wire for one send.',
    source: 'Typical 10 GbE NIC and driver: a few microseconds.',
  },
  pipeBufferBytes: {
    unit: 'bytes', default: 65536,
    description: 'Pipe capacity (16 pages unless raised with F_SETPIPE_SZ).',
    source: 'Linux default pipe size, pipe(7).',
  },
  socketBufferBytes: {
    unit: 'bytes', default: 212992,
    description: 'Socket send buffer size.',
    source: 'Linux net.core.wmem_default, socket(7).',
  },
  threadCreateNs: {
    unit: 'ns', default: 20000,
    description: 'pthread_create until the new thread runs its start routine (clone, stack mapping, first schedule).',
    source: 'glibc pthread_create with cached stacks: 10..30 us on Linux VMs.',
  },
  threadJoinNs: {
    unit: 'ns', default: 5000,
    description: 'pthread_join of a thread that has finished its work (exit, futex wake, reaping).',
    source: 'A futex wake plus thread exit: a few microseconds.',
  },
  wakeupNs: {
    unit: 'ns', default: 5000,
    description: 'From a wake-up (futex, pipe, completion) to the sleeping thread running on an idle core.',
    source: 'Pipe ping-pong one-way latency minus the system calls: 2..10 us on VMs (lmbench lat_pipe).',
  },
  aioSubmitNs: {
    unit: 'ns', default: 1500,
    description: 'glibc aio_read/aio_write: lock the request list, enqueue, signal an idle helper thread.',
    source: 'glibc rt/aio_misc.c __aio_enqueue_request: mutex, malloc of the request, pthread_cond_signal.',
  },
  aioCompleteNs: {
    unit: 'ns', default: 1000,
    description: 'glibc helper thread after its pread/pwrite: record the result, notify waiters (futex wake).',
    source: 'glibc rt/aio_misc.c handle_fildes_io and __aio_notify.',
  },
  aioReturnNs: {
    unit: 'ns', default: 100,
    description: 'aio_error/aio_return on a completed request (reads the control block, no system call).',
    source: 'glibc rt/aio_return.c: two loads and a store.',
  },
  aioHelperThreads: {
    unit: 'count', default: 20,
    description: 'Maximum glibc POSIX AIO helper threads; each runs one request at a time with pread/pwrite.',
    source: 'glibc aioinit default aio_threads = 20 (rt/aio_misc.c).',
  },
} as const satisfies Record<string, ParameterSpec>;

export type ProfileParameter = keyof typeof PROFILE_PARAMETERS;

/** A complete profile: a name and a value for every parameter. */
export type MachineProfile = {
  name: string;
  description?: string;
  /** The machine the values were measured on, when `copyscope calibrate` wrote the profile. */
  measuredOn?: string;
} & Record<ProfileParameter, number>;

export const PARAMETER_NAMES = Object.keys(PROFILE_PARAMETERS) as ProfileParameter[];

/** The built-in defaults (the same values as server/profiles/default.json). */
export function defaultProfile(): MachineProfile {
  const profile = { name: 'default', description: 'Documented defaults; see docs/timeline.md.' } as MachineProfile;
  for (const key of PARAMETER_NAMES) profile[key] = PROFILE_PARAMETERS[key].default;
  return profile;
}

export type ProfileValidation =
  | { ok: true; profile: MachineProfile }
  | { ok: false; errors: string[] };

let compiledValidator: ReturnType<Ajv['compile']> | undefined;

/**
 * Checks a parsed profile file and merges it over the defaults. Each error
 * names the source and the key, e.g. `my.json: memcpyL1GBps must be > 0`.
 */
export function validateProfile(json: unknown, sourceName: string): ProfileValidation {
  compiledValidator ??= new Ajv({ allErrors: true, strict: true }).compile(profileSchema);
  if (!compiledValidator(json)) {
    const errors = (compiledValidator.errors ?? []).map((error) => `${sourceName}: ${describeError(error)}`);
    return { ok: false, errors };
  }
  const profile = defaultProfile();
  Object.assign(profile, json as Partial<MachineProfile>);
  const levels = [profile.l1Bytes, profile.l2Bytes, profile.l3Bytes];
  if (!(levels[0]! < levels[1]! && levels[1]! < levels[2]!)) {
    return { ok: false, errors: [`${sourceName}: l1Bytes < l2Bytes < l3Bytes must hold (got ${levels.join(', ')})`] };
  }
  return { ok: true, profile };
}

function describeError(error: ErrorObject): string {
  const key = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (error.keyword === 'additionalProperties') {
    const extra = String(error.params['additionalProperty']);
    return `${extra} is not a profile parameter (known: ${PARAMETER_NAMES.join(', ')})`;
  }
  if (key === '') return `the profile ${error.message ?? 'is invalid'}`;
  return `${key} ${error.message ?? 'is invalid'}`;
}
