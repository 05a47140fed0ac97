import { describe, expect, it } from 'vitest';
import { cacheLevelFor, copyBandwidth, copyNs, defaultProfile, operationNs } from '../../server/src/simulate/index';

const profile = defaultProfile();
const MiB = 2 ** 20;

describe('cost model', () => {
  it('picks the cache level from the footprint of a copy', () => {
    expect(cacheLevelFor(16 * 1024, profile)).toBe('L1');
    expect(cacheLevelFor(512 * 1024, profile)).toBe('L2');
    expect(cacheLevelFor(16 * MiB, profile)).toBe('L3');
    expect(cacheLevelFor(256 * MiB, profile)).toBe('DRAM');
  });

  it('gives a DRAM-sized source copied into a small destination its own bandwidth', () => {
    expect(cacheLevelFor(256 * MiB, profile, 64 * 1024)).toBe('DRAM-to-cache');
    expect(cacheLevelFor(256 * MiB, profile, 8 * MiB)).toBe('DRAM');
    expect(copyNs({ bytes: 64 * 1024, workingSetBytes: 256 * MiB, destinationBytes: 64 * 1024 }, profile)).toBeCloseTo(64 * 1024 / profile.memcpyDramToCacheGBps, 6);
  });

  it('shares DRAM bandwidth between threads copying at the same time', () => {
    expect(copyBandwidth('DRAM', profile, 1)).toBe(profile.memcpyDramGBps);
    expect(copyBandwidth('DRAM', profile, 2)).toBe(profile.memcpyDramAllCoresGBps / 2);
    expect(copyBandwidth('L2', profile, 2)).toBe(profile.memcpyL2GBps);
  });

  it('prices a system call as two switches plus the file-call work', () => {
    const read = { id: 'r', kind: 'syscall', name: 'read', fileCall: true, lane: 'cpu0', label: 'read' } as const;
    expect(operationNs(read, profile)).toBe(2 * profile.modeSwitchNs + profile.fileCallNs);
    expect(operationNs({ ...read, fileCall: false }, profile)).toBe(2 * profile.modeSwitchNs);
  });

  it('prices DMA as latency plus bytes over bandwidth on its device', () => {
    const dma = { id: 'd', kind: 'dma', device: 'nic', bytes: 1e6, direction: 'from-memory', lane: 'nic', label: 'send' } as const;
    expect(operationNs(dma, profile)).toBeCloseTo(profile.nicLatencyNs + 1e6 / profile.nicGBps, 6);
    expect(operationNs({ ...dma, device: 'disk' }, profile)).toBeCloseTo(profile.diskLatencyNs + 1e6 / profile.diskGBps, 6);
  });

  it('refuses a computation with neither a time nor a rate', () => {
    expect(() => operationNs({ id: 'c', kind: 'compute', lane: 'cpu0', label: 'work' }, profile)).toThrow(/needs ns, or bytes and gbps/);
  });
});
