import { describe, expect, it } from 'vitest';
import {
  canonicalScenario, defaultProfile, simulate,
  type CanonicalKind, type CanonicalOptions, type Scenario,
} from '../../server/src/simulate/index';
import { dependencyViolations, laneOverlaps, totalsFromSpans } from './helpers';

const MiB = 2 ** 20;
const profile = defaultProfile();

/** Scenarios covering every builder path: cold and warm, pipes with readers, AIO, threads, mmap. */
const cases: [string, CanonicalKind, CanonicalOptions][] = [
  ['read-write cold to socket', 'read-write', { totalBytes: 8 * MiB, chunkBytes: 64 * 1024 }],
  ['read-write warm to a pipe read by a thread', 'read-write', { totalBytes: 8 * MiB, chunkBytes: 64 * 1024, fdOut: 'pipe', pageCache: 'warm', pipeReader: 'thread', pipeBufferBytes: 256 * 1024 }],
  ['splice to a pipe drained in the loop', 'splice', { totalBytes: 8 * MiB, chunkBytes: 64 * 1024, fdOut: 'pipe', pageCache: 'warm', pipeReader: 'same-thread' }],
  ['mmap-write of the whole file', 'mmap-write', { totalBytes: 8 * MiB, chunkBytes: 64 * 1024, mmapWholeFile: true }],
  ['sendfile-sg cold', 'sendfile-sg', { totalBytes: 8 * MiB, chunkBytes: 64 * 1024 }],
  ['copy_file_range', 'copy-file-range', { totalBytes: 8 * MiB, chunkBytes: 1 * MiB, fdOut: 'file' }],
  ['read then compute', 'read-compute', { totalBytes: 64 * MiB, chunkBytes: MiB, computeNsPerChunk: 50_000 }],
  ['AIO double buffering, compute-bound', 'aio-double-buffer', { totalBytes: 64 * MiB, chunkBytes: MiB, computeNsPerChunk: 200_000 }],
  ['AIO double buffering, read-bound', 'aio-double-buffer', { totalBytes: 64 * MiB, chunkBytes: MiB, computeNsPerChunk: 1_000, pageCache: 'cold' }],
  ['two threads memcpy', 'memcpy-two-threads', { totalBytes: 64 * MiB, chunkBytes: 64 * MiB }],
];

describe.each(cases)('%s', (_name, kind, options) => {
  const scenario = canonicalScenario(kind, options, profile);
  const schedule = simulate(scenario, profile);

  it('never runs two spans at once on a lane', () => {
    expect(laneOverlaps(schedule)).toEqual([]);
  });

  it('starts every span after its dependencies end', () => {
    expect(dependencyViolations(scenario, schedule)).toEqual([]);
  });

  it('reports totals equal to the sum of its spans when every iteration is simulated', () => {
    const short: Scenario = { ...scenario, iterations: Math.min(scenario.iterations, 5) };
    const result = simulate(short, profile, { minIterations: 10 });
    expect(result.simulatedIterations).toBe(short.iterations);
    expect(result.elided).toBeUndefined();
    const fromSpans = totalsFromSpans(result, short);
    for (const [key, value] of Object.entries(fromSpans)) {
      expect(result.totals[key as keyof typeof result.totals], key).toBeCloseTo(value, 3);
    }
  });

  it('extrapolates to the same totals as simulating every iteration', () => {
    const full = simulate(scenario, profile, { minIterations: scenario.iterations, maxIterations: scenario.iterations });
    expect(full.simulatedIterations).toBe(scenario.iterations);
    for (const [key, value] of Object.entries(full.totals)) {
      expect(schedule.totals[key as keyof typeof schedule.totals], key).toBeCloseTo(value, 0);
    }
  });
});

describe('extrapolation of long loops', () => {
  const options = { totalBytes: 2 ** 30, chunkBytes: 64 * 1024, fdOut: 'pipe' as const, pageCache: 'warm' as const, pipeReader: 'thread' as const };

  it('simulates a 1 GiB transfer in 64 KiB chunks in milliseconds, with spans for the first iterations only', () => {
    const started = performance.now();
    const schedule = simulate(canonicalScenario('read-write', options, profile), profile);
    expect(performance.now() - started).toBeLessThan(200);
    expect(schedule.totals.iterations).toBe(16384);
    expect(schedule.simulatedIterations).toBeLessThan(100);
    expect(schedule.elided?.afterIteration).toBe(schedule.simulatedIterations - 1);
    const iterations = new Set(schedule.lanes.flatMap((lane) => lane.spans.map((span) => span.iteration)));
    expect(Math.max(...[...iterations].filter((i): i is number => i !== undefined))).toBe(schedule.simulatedIterations - 1);
  });

  it('grows by the steady-state iteration time per extra iteration', () => {
    const n = simulate(canonicalScenario('read-write', options, profile), profile);
    const twice = simulate(canonicalScenario('read-write', { ...options, totalBytes: 2 * options.totalBytes }, profile), profile);
    expect(twice.totals.wallNs - n.totals.wallNs).toBeCloseTo(16384 * n.steadyStateIterationNs, 0);
    expect(twice.totals.cpuCopies).toBe(2 * n.totals.cpuCopies);
    expect(n.totals.wallNs / n.totals.iterations).toBeCloseTo(n.steadyStateIterationNs, -1);
  });

  it('falls back to the mean iteration when no exact steady state appears', () => {
    // A DMA engine slower than the CPU that feeds it, with nothing to hold the CPU back:
    // its queue grows without bound, so no iteration repeats the previous state.
    const scenario: Scenario = {
      name: 'unbounded-queue', description: 'test', iterations: 10_000, setup: [], teardown: [], assumptions: [],
      lanes: [{ id: 'cpu0', title: 'CPU', kind: 'cpu' }, { id: 'disk', title: 'disk', kind: 'disk' }],
      body: [
        { id: 'fill', kind: 'compute', ns: 1_000, lane: 'cpu0', label: 'fill' },
        { id: 'flush', kind: 'dma', device: 'disk', bytes: 4096, direction: 'from-memory', lane: 'disk', label: 'flush', after: ['fill'] },
      ],
    };
    const schedule = simulate(scenario, profile, { maxIterations: 64 });
    expect(schedule.simulatedIterations).toBe(64);
    const diskPerIteration = profile.diskLatencyNs + 4096 / profile.diskGBps;
    expect(schedule.steadyStateIterationNs).toBeCloseTo(diskPerIteration, 3);
    expect(schedule.totals.wallNs).toBeCloseTo(1_000 + 10_000 * diskPerIteration, -1);
  });
});

describe('scenario checks', () => {
  it('rejects a dependency on an operation that comes later', () => {
    const scenario = canonicalScenario('read-write', { totalBytes: MiB, chunkBytes: 64 * 1024 }, profile);
    scenario.body[0] = { ...scenario.body[0]!, after: ['put'] };
    expect(() => simulate(scenario, profile)).toThrow(/'call-in' depends on 'put', which is not listed before it/);
  });

  it('rejects an operation on a lane the scenario does not have', () => {
    const scenario = canonicalScenario('read-write', { totalBytes: MiB, chunkBytes: 64 * 1024 }, profile);
    scenario.body.push({ id: 'extra', kind: 'compute', ns: 5, lane: 'gpu', label: 'x' });
    expect(() => simulate(scenario, profile)).toThrow(/unknown lane 'gpu'/);
  });

  it('reads the missing share of each chunk from the disk when the page cache is partly warm', () => {
    const partly = { ...profile, pageCacheHitRatio: 0.75 };
    const scenario = canonicalScenario('read-write', { totalBytes: MiB, chunkBytes: 64 * 1024, fdOut: 'pipe' }, partly);
    const { totals } = simulate(scenario, partly);
    expect(totals.dmaBytes).toBe(MiB / 4);
    expect(scenario.assumptions).toContain('page cache partly warm: 16384 bytes of each chunk come from the disk by DMA');
  });

  it('simulates an empty loop as setup and teardown only', () => {
    const scenario = canonicalScenario('mmap-write', { totalBytes: 0, chunkBytes: 64 * 1024, mmapWholeFile: true }, profile);
    const schedule = simulate(scenario, profile);
    expect(schedule.totals.iterations).toBe(0);
    expect(schedule.totals.syscalls).toBe(2);
  });
});
