import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CALIBRATION_PROGRAMS, DEFAULT_VALIDATION_SIZES, compareWithPredictions, compileProgram, findCalibrationSources,
  formatValidationTable, predictNs, profileFromMeasurements, runProgram, validationPrograms, withBuildDirectory,
} from '../../server/src/cli/calibration/index';
import { defaultProfile, validateProfile } from '../../server/src/simulate/index';

function hasCompiler(): boolean {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const compilerAvailable = hasCompiler();
if (!compilerAvailable) console.warn('calibration.test.ts: no `cc` on PATH, skipping the test that compiles a microbenchmark');

/** Plausible results of the calibration programs (not measurements: a fixture for the formulas). */
const sampleMeasurements = {
  memcpy_bw: { bench: 'memcpy', cores: 4, l1Bytes: 49152, l2Bytes: 1048576, l3Bytes: 33554432, l1Gbps: 100, l2Gbps: 60, l3Gbps: 40, dramGbps: 16, dramAllCoresGbps: 24, dramToCacheGbps: 30 },
  syscall: { bench: 'syscall', nullCallNs: 120, pread1Ns: 340, pipeOneWayNs: 5000 },
  pipe: { bench: 'pipe', chunkBytes: 65536, pageBytes: 4096, writeDrainNs: 10000, spliceDrainNs: 1800, defaultPipeBytes: 65536, tcpSendBufferBytes: 16384 },
  page_fault: { bench: 'page_fault', faultNs: 2000, pagesPerFault: 16.2, unmapPageNs: 14 },
  threads: { bench: 'threads', createNs: 12000, joinNs: 10000, aioSubmitNs: 5000, aioRoundTripNs: 30000 },
};

describe('calibration programs', () => {
  it.skipIf(!compilerAvailable)('compiles one microbenchmark with cc, which prints one JSON line, and cleans up', async () => {
    const lines: string[] = [];
    const spec = CALIBRATION_PROGRAMS.find((p) => p.name === 'pipe')!;
    let directory = '';
    const output = await withBuildDirectory((line) => lines.push(line), async (dir) => {
      directory = dir;
      const executable = await compileProgram(spec, { compiler: 'cc', sourceDirectory: findCalibrationSources() }, dir, (line) => lines.push(line));
      return runProgram(spec, executable, dir, (line) => lines.push(line));
    });
    expect(output).toMatchObject({ bench: 'pipe', chunkBytes: 65536 });
    expect(output['writeDrainNs']).toBeGreaterThan(0);
    expect(output['spliceDrainNs']).toBeGreaterThan(0);
    expect(existsSync(directory)).toBe(false);
    expect(lines.some((line) => line.startsWith('compile: cc -O2'))).toBe(true);
    expect(lines.some((line) => line.startsWith('run: pipe'))).toBe(true);
  }, 60_000);

  it('removes the temporary directory when a program fails', async () => {
    let directory = '';
    await expect(withBuildDirectory(() => {}, async (dir) => {
      directory = dir;
      throw new Error('compiler exploded');
    })).rejects.toThrow('compiler exploded');
    expect(directory).not.toBe('');
    expect(existsSync(directory)).toBe(false);
  });

  it.skipIf(!compilerAvailable)('compiles every C program without warnings', () => {
    const sources = findCalibrationSources();
    const names = [...CALIBRATION_PROGRAMS.map((p) => p.name), ...validationPrograms(DEFAULT_VALIDATION_SIZES).map((p) => p.name)];
    for (const name of names) {
      expect(() => execFileSync('cc', ['-fsyntax-only', '-Wall', '-Wextra', '-Werror', '-pthread', `${sources}/${name}.c`], { stdio: 'pipe' }), name).not.toThrow();
    }
  }, 60_000);

  it('has a C source for every calibration program', () => {
    const sources = findCalibrationSources();
    for (const program of CALIBRATION_PROGRAMS) expect(existsSync(`${sources}/${program.name}.c`), program.name).toBe(true);
  });
});

describe('profileFromMeasurements', () => {
  const profile = profileFromMeasurements(sampleMeasurements, { name: 'sample', machine: 'test machine' });

  it('gives a valid profile that records the machine', () => {
    expect(validateProfile(profile, 'sample').ok).toBe(true);
    expect(profile.measuredOn).toBe('test machine');
    expect(profile.cores).toBe(4);
    expect(profile.faultAroundPages).toBe(16);
  });

  it('inverts the cost model for system calls, wake-ups and pipe pages', () => {
    expect(profile.modeSwitchNs).toBe(60);
    expect(profile.fileCallNs).toBe(220);
    // One way of the ping-pong = write call (340) + wake-up + the reader's return (60).
    expect(profile.wakeupNs).toBe(5000 - 340 - 60);
    // Splice in and out of 16 pages: 2 calls of 340 ns and 32 page references.
    expect(profile.pageRefNs).toBeCloseTo((1800 - 680) / 32, 6);
    // Write and drain: 2 calls, a 64 KiB copy at L2 speed, 16 page allocations and 16 references.
    expect(profile.pageAllocNs).toBeCloseTo((10000 - 680 - 65536 / 60 - 16 * profile.pageRefNs) / 16, 6);
  });

  it('keeps the documented defaults for what no program measures', () => {
    expect(profile.diskGBps).toBe(defaultProfile().diskGBps);
    expect(profile.nicLatencyNs).toBe(defaultProfile().nicLatencyNs);
  });

  it('names the missing result', () => {
    expect(() => profileFromMeasurements({ ...sampleMeasurements, syscall: { bench: 'syscall' } }, { name: 'x', machine: 'y' }))
      .toThrow("syscall did not report a number for 'nullCallNs'");
  });
});

describe('validation table', () => {
  const profile = defaultProfile();
  const predicted = (kind: Parameters<typeof predictNs>[0]) => predictNs(kind, profile, DEFAULT_VALIDATION_SIZES);

  it('reports zero error when the measurements equal the predictions', () => {
    const measurements = {
      transfer: { ns: { 'read-write': predicted('read-write'), sendfile: predicted('sendfile'), splice: predicted('splice'), 'mmap-write': predicted('mmap-write') } },
      aio_overlap: { ns: { 'read-compute': predicted('read-compute'), 'aio-double-buffer': predicted('aio-double-buffer') } },
      memcpy_threads: { ns: { 'memcpy-one-thread': predicted('memcpy-one-thread'), 'memcpy-two-threads': predicted('memcpy-two-threads') } },
    };
    const rows = compareWithPredictions(measurements, profile, DEFAULT_VALIDATION_SIZES);
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row.relativeError).toBeCloseTo(0, 9);
  });

  it('computes the relative error of the speedup', () => {
    const measurements = {
      transfer: { ns: { 'read-write': 100, sendfile: 10, splice: 20, 'mmap-write': 100 } },
      aio_overlap: { ns: { 'read-compute': 100, 'aio-double-buffer': 50 } },
      memcpy_threads: { ns: { 'memcpy-one-thread': 100, 'memcpy-two-threads': 100 } },
    };
    const rows = compareWithPredictions(measurements, profile, DEFAULT_VALIDATION_SIZES);
    const sendfile = rows.find((r) => r.variant === 'sendfile')!;
    expect(sendfile.measuredSpeedup).toBe(10);
    expect(sendfile.relativeError).toBeCloseTo(Math.abs(sendfile.predictedSpeedup - 10) / 10, 12);
    expect(formatValidationTable(rows)).toMatch(/\| file to pipe: read\+write vs sendfile \| 0\.0 \/ 0\.0 \|/);
  });

  it('names the missing measurement', () => {
    expect(() => compareWithPredictions({ transfer: { ns: {} } }, profile, DEFAULT_VALIDATION_SIZES)).toThrow("transfer did not report a time for 'read-write'");
  });
});
