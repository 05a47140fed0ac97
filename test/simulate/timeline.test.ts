import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import schema from '../../server/src/simulate/timeline.schema.json';
import {
  canonicalScenario, compareSchedules, defaultProfile, simulate, simulateTimeline,
  type CanonicalOptions, type MachineProfile,
} from '../../server/src/simulate/index';

const MiB = 2 ** 20;
const profile = defaultProfile();
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

function speedup(baseline: Parameters<typeof canonicalScenario>[0], variant: Parameters<typeof canonicalScenario>[0], options: CanonicalOptions, p: MachineProfile = profile): number {
  const a = simulate(canonicalScenario(baseline, options, p), p);
  const b = simulate(canonicalScenario(variant, options, p), p);
  return compareSchedules(a, b).speedup;
}

describe('timeline JSON', () => {
  const transfer: CanonicalOptions = { totalBytes: 1024 * MiB, chunkBytes: 64 * 1024, fdIn: 'file', fdOut: 'socket', pageCache: 'warm' };
  // A 100 Gbit/s NIC, so that the CPU rather than the wire bounds the transfer.
  const fastNic = { ...profile, name: 'fast-nic', nicGBps: 12.5, nicLatencyNs: 2_000 };
  const timeline = simulateTimeline(canonicalScenario('read-write', transfer, fastNic), canonicalScenario('sendfile-sg', transfer, fastNic), fastNic);

  it('validates against timeline.schema.json', () => {
    const ok = validate(JSON.parse(JSON.stringify(timeline)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('is rejected by the schema when a total is missing', () => {
    const broken = JSON.parse(JSON.stringify(timeline));
    delete broken.withChange.totals.wallNs;
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe('/withChange/totals');
  });

  it('states the assumptions: sizes, endpoints and the loops compared', () => {
    expect(timeline.assumptions).toMatchObject({ totalBytes: 1024 * MiB, chunkBytes: 64 * 1024, fdIn: 'file', fdOut: 'socket' });
    expect(timeline.assumptions.notes.join('\n')).toMatch(/read\(\) each chunk/);
    expect(timeline.assumptions.notes.join('\n')).toMatch(/with the change: loop: sendfile\(\) each chunk with scatter/);
    expect(timeline.profileName).toBe('fast-nic');
  });

  it('compares the two schedules', () => {
    const c = timeline.comparison!;
    expect(c.speedup).toBeGreaterThan(1);
    expect(c.cpuCopiesSaved).toBe(2 * 16384);
    expect(c.switchesSaved).toBe(2 * 16384);
    expect(c.cpuCopyBytesSaved).toBe(2 * 1024 * MiB);
    expect(c.cpuBusySavedNs).toBeGreaterThan(0);
  });

  it('carries source ranges from operations to spans', () => {
    const scenario = canonicalScenario('read-write', { ...transfer, totalBytes: MiB });
    scenario.body[0]!.range = { start: 10, end: 14 };
    const spans = simulate(scenario, profile).lanes[0]!.spans.filter((s) => s.opId === scenario.body[0]!.id);
    expect(spans.length).toBeGreaterThan(0);
    expect(spans.every((s) => s.range?.start === 10 && s.range.end === 14)).toBe(true);
  });
});

describe('what the simulator predicts', () => {
  const file: CanonicalOptions = { totalBytes: 1024 * MiB, chunkBytes: 64 * 1024, fdIn: 'file', fdOut: 'pipe', pageCache: 'warm', pipeReader: 'same-thread' };

  it('sendfile and splice beat read+write, and read+write beats nothing', () => {
    expect(speedup('read-write', 'sendfile', file)).toBeGreaterThan(1.5);
    expect(speedup('read-write', 'splice', file)).toBeGreaterThan(1.5);
    expect(speedup('read-write', 'read-write', file)).toBe(1);
  });

  it('scatter/gather sendfile beats copying sendfile to a socket', () => {
    const socket: CanonicalOptions = { ...file, fdOut: 'socket', pipeReader: 'none' };
    const fastNic = { ...profile, nicGBps: 100, nicLatencyNs: 0 };
    expect(speedup('sendfile', 'sendfile-sg', socket, fastNic)).toBeGreaterThan(1);
  });

  it('a socket transfer is bounded by the NIC, whatever the mechanism', () => {
    const socket: CanonicalOptions = { totalBytes: 1024 * MiB, chunkBytes: 64 * 1024, fdOut: 'socket', pageCache: 'warm' };
    const wall = simulate(canonicalScenario('sendfile-sg', socket), profile).totals.wallNs;
    expect(wall).toBeGreaterThanOrEqual(1024 * MiB / profile.nicGBps);
    expect(wall).toBeLessThan(1.1 * (1024 * MiB / profile.nicGBps + 16384 * profile.nicLatencyNs));
  });

  it('double buffering hides the shorter of reading and computing', () => {
    const options: CanonicalOptions = { totalBytes: 256 * MiB, chunkBytes: MiB, pageCache: 'warm', computeNsPerChunk: 200_000 };
    const serial = simulate(canonicalScenario('read-compute', options), profile);
    const overlapped = simulate(canonicalScenario('aio-double-buffer', options), profile);
    const perChunkSerial = serial.steadyStateIterationNs;
    // Overlapped, a chunk costs the computation plus AIO bookkeeping, no longer the read.
    expect(overlapped.steadyStateIterationNs).toBeLessThan(perChunkSerial);
    expect(overlapped.steadyStateIterationNs).toBeCloseTo(200_000 + profile.aioSubmitNs + profile.aioReturnNs, -1);
    expect(overlapped.lanes.find((l) => l.id === 'aio0')!.spans.some((s) => s.kind === 'cpu-copy')).toBe(true);
  });

  it('two threads halve an L3-sized copy but gain nothing when DRAM bandwidth is shared', () => {
    const l3 = { totalBytes: 16 * MiB, chunkBytes: 16 * MiB };
    expect(speedup('memcpy-one-thread', 'memcpy-two-threads', l3)).toBeGreaterThan(1.5);
    const saturated = { ...profile, memcpyDramAllCoresGBps: profile.memcpyDramGBps };
    expect(speedup('memcpy-one-thread', 'memcpy-two-threads', { totalBytes: 256 * MiB, chunkBytes: 256 * MiB }, saturated)).toBeLessThan(1);
  });
});
