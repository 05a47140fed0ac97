/**
 * `copyscope calibrate`: measures the machine profile's parameters with the
 * bundled C microbenchmarks and writes a profile JSON file.
 *
 * Invariants: every derived parameter is computed from a measurement by the
 * formula documented here and in docs/timeline.md, through the same cost
 * model the simulator uses; parameters no program measures (disk, NIC,
 * glibc's helper thread count) keep their documented defaults, and the
 * profile's description says so. The result always passes `validateProfile`.
 */

import { copyNs } from '../../simulate/costModel';
import { defaultProfile, validateProfile, type MachineProfile } from '../../simulate/profile';
import { compileAndRun, describeMachine, findCalibrationSources, warnIfBusy, type Log, type ProgramOutput, type ProgramSpec } from './programs';

export const CALIBRATION_PROGRAMS: ProgramSpec[] = [
  { name: 'memcpy_bw', purpose: 'memcpy bandwidth at L1, L2, L3 and DRAM block sizes, one thread and all cores', args: () => [] },
  { name: 'syscall', purpose: 'null system call, 1-byte pread, pipe ping-pong between two threads', args: (dir) => [dir] },
  { name: 'pipe', purpose: 'write into a pipe and splice out, splice a cached file through a pipe', args: (dir) => [dir] },
  { name: 'page_fault', purpose: 'minor faults and munmap on a 64 MiB cached file mapping', args: (dir) => [dir] },
  { name: 'threads', purpose: 'pthread_create and pthread_join, glibc aio_read submission and round trip', args: (dir) => [dir] },
];

export interface CalibrateOptions {
  /** Progress and explanations, one line at a time. */
  log: Log;
  /** Profile name (default `calibrated`). */
  name?: string;
  /** C compiler command (default `cc`). */
  compiler?: string;
  /** Directory of the C sources (default: found from this module). */
  sourceDirectory?: string;
}

export interface CalibrateResult {
  profile: MachineProfile;
  machine: string;
  measurements: Record<string, ProgramOutput>;
}

export async function runCalibrate(options: CalibrateOptions): Promise<CalibrateResult> {
  const { log } = options;
  const compiler = options.compiler ?? 'cc';
  const sourceDirectory = findCalibrationSources(options.sourceDirectory);
  log('copyscope calibrate compiles and runs these C microbenchmarks (about a minute, a few hundred MiB of memory and temporary files):');
  for (const program of CALIBRATION_PROGRAMS) log(`  ${program.name}.c: ${program.purpose}`);
  warnIfBusy(log);
  const measurements = await compileAndRun(CALIBRATION_PROGRAMS, { compiler, sourceDirectory }, log);
  const machine = await describeMachine(compiler);
  const profile = profileFromMeasurements(measurements, { name: options.name ?? 'calibrated', machine });
  const checked = validateProfile(profile, 'calibrated profile');
  if (!checked.ok) throw new Error(`the measurements gave an invalid profile: ${checked.errors.join('; ')}`);
  return { profile: checked.profile, machine, measurements };
}

/**
 * Derives the profile from the programs' results (pure; exported for tests).
 * Each formula inverts the cost model for the operations the program performs.
 */
export function profileFromMeasurements(m: Record<string, ProgramOutput>, about: { name: string; machine: string }): MachineProfile {
  const memcpy = results(m, 'memcpy_bw');
  const sys = results(m, 'syscall');
  const pipe = results(m, 'pipe');
  const fault = results(m, 'page_fault');
  const threads = results(m, 'threads');
  const profile: MachineProfile = {
    ...defaultProfile(),
    name: about.name,
    description: 'Measured by copyscope calibrate; disk, NIC and aioHelperThreads keep their documented defaults.',
    measuredOn: about.machine,
  };
  profile.cores = Math.max(1, Math.round(memcpy('cores')));
  profile.l1Bytes = Math.round(memcpy('l1Bytes'));
  profile.l2Bytes = Math.round(memcpy('l2Bytes'));
  profile.l3Bytes = Math.round(memcpy('l3Bytes'));
  profile.memcpyL1GBps = memcpy('l1Gbps');
  profile.memcpyL2GBps = memcpy('l2Gbps');
  profile.memcpyL3GBps = memcpy('l3Gbps');
  profile.memcpyDramGBps = memcpy('dramGbps');
  profile.memcpyDramAllCoresGBps = memcpy('dramAllCoresGbps');
  profile.memcpyDramToCacheGBps = memcpy('dramToCacheGbps');

  // A null call is two transitions; a 1-byte pread adds the file-call work.
  profile.modeSwitchNs = sys('nullCallNs') / 2;
  profile.fileCallNs = Math.max(0, sys('pread1Ns') - sys('nullCallNs'));
  const fileSyscallNs = 2 * profile.modeSwitchNs + profile.fileCallNs;
  // One way of a ping-pong: the writer's call, the wake-up, the reader's return to user space.
  profile.wakeupNs = Math.max(0, sys('pipeOneWayNs') - fileSyscallNs - profile.modeSwitchNs);

  // Splice in and out: two file calls and 2 x pages page references.
  const pages = pipe('chunkBytes') / pipe('pageBytes');
  profile.pageBytes = Math.round(pipe('pageBytes'));
  profile.pageRefNs = Math.max(0, (pipe('spliceDrainNs') - 2 * fileSyscallNs) / (2 * pages));
  // Write and splice out: two file calls, one copy from a cached buffer, pages allocated, then released.
  const copyIntoPipe = copyNs({ bytes: pipe('chunkBytes'), workingSetBytes: 2 * pipe('chunkBytes') }, profile);
  profile.pageAllocNs = Math.max(0, (pipe('writeDrainNs') - 2 * fileSyscallNs - copyIntoPipe - pages * profile.pageRefNs) / pages);
  profile.pipeBufferBytes = Math.round(pipe('defaultPipeBytes'));
  if (pipe('tcpSendBufferBytes') > 0) profile.socketBufferBytes = Math.round(pipe('tcpSendBufferBytes'));

  profile.pageFaultNs = fault('faultNs');
  profile.faultAroundPages = Math.max(1, Math.round(fault('pagesPerFault')));
  profile.unmapPageNs = fault('unmapPageNs');

  profile.threadCreateNs = threads('createNs');
  profile.threadJoinNs = threads('joinNs');
  profile.aioSubmitNs = threads('aioSubmitNs');
  // Round trip: submit, helper wake-up, pread, completion, waiter wake-up, aio_return.
  profile.aioCompleteNs = Math.max(0, threads('aioRoundTripNs') - profile.aioSubmitNs - 2 * profile.wakeupNs - fileSyscallNs - profile.aioReturnNs);
  return profile;
}

/** Accessor for one program's numeric results that names what is missing. */
function results(m: Record<string, ProgramOutput>, program: string): (key: string) => number {
  const output = m[program];
  if (!output) throw new Error(`no results from ${program}`);
  return (key) => {
    const value = output[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${program} did not report a number for '${key}'`);
    return value;
  };
}
