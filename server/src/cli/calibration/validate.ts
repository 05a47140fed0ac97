/**
 * `copyscope validate`: runs the reference program pairs on this machine,
 * predicts each pair's speedup with the simulator and a profile, and reports
 * predicted against measured speedup with the relative error.
 *
 * Invariants: the predictions come from the same canonical scenarios the
 * product shows, with the programs' exact sizes; nothing measured by a pair
 * feeds its own prediction. The target is a relative error of at most
 * `VALIDATION_TARGET` for every pair.
 */

import { canonicalScenario, type CanonicalKind, type CanonicalOptions } from '../../simulate/canonical';
import type { MachineProfile } from '../../simulate/profile';
import { simulate } from '../../simulate/simulator';
import { compileAndRun, describeMachine, findCalibrationSources, oneMinuteLoad, warnIfBusy, type Log, type ProgramOutput, type ProgramSpec } from './programs';

export const VALIDATION_TARGET = 0.25;

export interface ValidationSizes {
  /** Bytes moved from the file to the pipe, and read by the AIO pair. */
  fileBytes: number;
  /** Chunk of the transfer pairs. */
  transferChunkBytes: number;
  /** Chunk of the AIO pair. */
  aioChunkBytes: number;
  /** Computation per AIO chunk. */
  computeNs: number;
  /** Buffer copied by the memcpy pair. */
  memcpyBytes: number;
}

export const DEFAULT_VALIDATION_SIZES: ValidationSizes = {
  fileBytes: 256 * 2 ** 20,
  transferChunkBytes: 64 * 2 ** 10,
  aioChunkBytes: 2 ** 20,
  computeNs: 100_000,
  memcpyBytes: 256 * 2 ** 20,
};

interface PairSpec {
  pair: string;
  program: string;
  baseline: CanonicalKind;
  variant: CanonicalKind;
}

const PAIRS: PairSpec[] = [
  { pair: 'file to pipe: read+write vs sendfile', program: 'transfer', baseline: 'read-write', variant: 'sendfile' },
  { pair: 'file to pipe: read+write vs splice', program: 'transfer', baseline: 'read-write', variant: 'splice' },
  { pair: 'file to pipe: read+write vs mmap+write', program: 'transfer', baseline: 'read-write', variant: 'mmap-write' },
  { pair: 'read then compute vs AIO double buffering', program: 'aio_overlap', baseline: 'read-compute', variant: 'aio-double-buffer' },
  { pair: 'memcpy: one thread vs two threads', program: 'memcpy_threads', baseline: 'memcpy-one-thread', variant: 'memcpy-two-threads' },
];

export function validationPrograms(sizes: ValidationSizes): ProgramSpec[] {
  return [
    { name: 'transfer', purpose: 'a cached file into a pipe by read+write, sendfile, splice, mmap+write', args: (dir) => [dir, String(sizes.fileBytes), String(sizes.transferChunkBytes)] },
    { name: 'aio_overlap', purpose: 'blocking pread then compute, against double-buffered aio_read', args: (dir) => [dir, String(sizes.fileBytes), String(sizes.aioChunkBytes), String(sizes.computeNs)] },
    { name: 'memcpy_threads', purpose: 'one memcpy against two threads each copying half', args: () => [String(sizes.memcpyBytes)] },
  ];
}

export interface ValidationRow {
  pair: string;
  baseline: CanonicalKind;
  variant: CanonicalKind;
  measuredBaselineNs: number;
  measuredVariantNs: number;
  predictedBaselineNs: number;
  predictedVariantNs: number;
  measuredSpeedup: number;
  predictedSpeedup: number;
  /** |predicted - measured| / measured speedup. */
  relativeError: number;
}

export interface ValidateOptions {
  profile: MachineProfile;
  log: Log;
  sizes?: Partial<ValidationSizes>;
  compiler?: string;
  sourceDirectory?: string;
}

export interface ValidateResult {
  rows: ValidationRow[];
  machine: string;
  /** The 1-minute load average before and after the programs ran (others' work disturbs the figures). */
  loadAverage: { before: number; after: number };
  profileName: string;
  withinTarget: boolean;
  /** The rows as a Markdown table. */
  table: string;
}

export async function runValidate(options: ValidateOptions): Promise<ValidateResult> {
  const { log, profile } = options;
  const sizes = { ...DEFAULT_VALIDATION_SIZES, ...options.sizes };
  const compiler = options.compiler ?? 'cc';
  const sourceDirectory = findCalibrationSources(options.sourceDirectory);
  const programs = validationPrograms(sizes);
  log(`copyscope validate compiles and runs these reference programs (about a minute, temporary files of ${sizes.fileBytes} bytes):`);
  for (const program of programs) log(`  ${program.name}.c: ${program.purpose}`);
  warnIfBusy(log);
  const loadBefore = oneMinuteLoad();
  const measurements = await compileAndRun(programs, { compiler, sourceDirectory }, log);
  const loadAverage = { before: loadBefore, after: oneMinuteLoad() };
  const rows = compareWithPredictions(measurements, profile, sizes);
  const machine = await describeMachine(compiler);
  const table = formatValidationTable(rows);
  log(`profile: ${profile.name}; machine: ${machine}; 1-minute load ${loadAverage.before.toFixed(2)} before, ${loadAverage.after.toFixed(2)} after`);
  log(table);
  return { rows, machine, loadAverage, profileName: profile.name, withinTarget: rows.every((r) => r.relativeError <= VALIDATION_TARGET), table };
}

/** Predicted wall time of one canonical variant with the programs' sizes (pure). */
export function predictNs(kind: CanonicalKind, profile: MachineProfile, sizes: ValidationSizes): number {
  return simulate(canonicalScenario(kind, scenarioOptions(kind, sizes), profile), profile).totals.wallNs;
}

/** Pairs measured results with predictions (pure; exported for tests). */
export function compareWithPredictions(measurements: Record<string, ProgramOutput>, profile: MachineProfile, sizes: ValidationSizes): ValidationRow[] {
  return PAIRS.map((spec) => {
    const measuredBaselineNs = measured(measurements, spec.program, spec.baseline);
    const measuredVariantNs = measured(measurements, spec.program, spec.variant);
    const predictedBaselineNs = predictNs(spec.baseline, profile, sizes);
    const predictedVariantNs = predictNs(spec.variant, profile, sizes);
    const measuredSpeedup = measuredBaselineNs / measuredVariantNs;
    const predictedSpeedup = predictedBaselineNs / predictedVariantNs;
    return {
      pair: spec.pair, baseline: spec.baseline, variant: spec.variant,
      measuredBaselineNs, measuredVariantNs, predictedBaselineNs, predictedVariantNs,
      measuredSpeedup, predictedSpeedup,
      relativeError: Math.abs(predictedSpeedup - measuredSpeedup) / measuredSpeedup,
    };
  });
}

export function formatValidationTable(rows: ValidationRow[]): string {
  const ms = (ns: number): string => (ns / 1e6).toFixed(1);
  const lines = [
    '| pair | measured ms (baseline / variant) | predicted ms (baseline / variant) | measured speedup | predicted speedup | relative error |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.pair} | ${ms(r.measuredBaselineNs)} / ${ms(r.measuredVariantNs)} | ${ms(r.predictedBaselineNs)} / ${ms(r.predictedVariantNs)} | ${r.measuredSpeedup.toFixed(2)} | ${r.predictedSpeedup.toFixed(2)} | ${(100 * r.relativeError).toFixed(1)}% |`),
  ];
  return lines.join('\n');
}

/** The canonical options that describe exactly what each reference program does. */
function scenarioOptions(kind: CanonicalKind, sizes: ValidationSizes): CanonicalOptions {
  switch (kind) {
    case 'read-compute':
    case 'aio-double-buffer':
      return { totalBytes: sizes.fileBytes, chunkBytes: sizes.aioChunkBytes, pageCache: 'warm', computeNsPerChunk: sizes.computeNs };
    case 'memcpy-one-thread':
    case 'memcpy-two-threads':
      return { totalBytes: sizes.memcpyBytes, chunkBytes: sizes.memcpyBytes };
    default:
      return {
        totalBytes: sizes.fileBytes, chunkBytes: sizes.transferChunkBytes, fdIn: 'file', fdOut: 'pipe',
        pageCache: 'warm', pipeReader: 'same-thread', mmapWholeFile: true,
      };
  }
}

function measured(measurements: Record<string, ProgramOutput>, program: string, variant: string): number {
  const ns = measurements[program]?.['ns'];
  const value = typeof ns === 'object' && ns !== null ? (ns as Record<string, unknown>)[variant] : undefined;
  if (typeof value !== 'number' || !(value > 0)) throw new Error(`${program} did not report a time for '${variant}'`);
  return value;
}
