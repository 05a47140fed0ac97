/**
 * The simulator's output vocabulary, shared with the adapters (LSP request,
 * webview, `copyscope timeline`): schedules with lanes of spans, totals, and a
 * timeline pairing "as written" with "with the change". `timeline.schema.json`
 * describes the same shape for JSON consumers.
 *
 * Invariants: plain data (JSON-serialisable); times are integers or fractions
 * of nanoseconds from the start of the scenario; on one lane spans never
 * overlap and are sorted by start.
 */

import type { TextRange } from '../engine/types';
import type { LaneDescription, OperationKind } from './scenario';

export type SpanKind = OperationKind | 'wakeup';

export interface Span {
  startNs: number;
  endNs: number;
  kind: SpanKind;
  label: string;
  /** Id of the scenario operation the span comes from. */
  opId: string;
  phase: 'setup' | 'body' | 'teardown';
  /** Loop iteration (0-based) for body spans. */
  iteration?: number;
  bytes?: number;
  range?: TextRange;
}

export interface Lane extends LaneDescription {
  spans: Span[];
}

export interface Totals {
  /** Simulated wall-clock time of the whole scenario. */
  wallNs: number;
  /** Time CPU threads and AIO helper threads spend running (wake-up latency excluded). */
  cpuBusyNs: number;
  cpuCopies: number;
  cpuCopyBytes: number;
  dmaCopies: number;
  dmaBytes: number;
  /** User/kernel transitions: two per system call. */
  switches: number;
  syscalls: number;
  pageFaults: number;
  iterations: number;
}

export interface Schedule {
  scenarioName: string;
  description: string;
  lanes: Lane[];
  /** Totals over all iterations, including extrapolated ones. */
  totals: Totals;
  /** Loop iterations whose spans are in `lanes`. */
  simulatedIterations: number;
  /** Time one loop iteration adds in the steady state (0 when the loop never ran). */
  steadyStateIterationNs: number;
  /**
   * When iterations were extrapolated: the spans of the simulated iterations
   * end before `fromNs`, the teardown spans start after it, and
   * `durationNs` of repeated steady state lies in between.
   */
  elided?: { afterIteration: number; fromNs: number; durationNs: number };
}

export interface Comparison {
  /** asWritten.wallNs / withChange.wallNs (> 1 means the change is faster). */
  speedup: number;
  wallSavedNs: number;
  cpuBusySavedNs: number;
  cpuCopiesSaved: number;
  cpuCopyBytesSaved: number;
  switchesSaved: number;
  syscallsSaved: number;
}

export interface Assumptions {
  totalBytes?: number;
  chunkBytes?: number;
  fdIn?: string;
  fdOut?: string;
  /** Everything else that was assumed, in words. */
  notes: string[];
}

/** Which code a timeline describes, when it was built from code (simulate/code/). */
export interface TimelineSubject {
  functionName: string;
  /** The loop (or function) simulated, in UTF-16 offsets. */
  range: TextRange;
  /** 1-based line where it starts. */
  line: number;
  /** The finding whose suggested change "with the change" shows. */
  change?: { ruleId: string; scenario: string; title: string; range: TextRange };
  /** The simulated gain of the change, in words. */
  gain?: string;
}

export interface Timeline {
  asWritten: Schedule;
  withChange?: Schedule;
  comparison?: Comparison;
  assumptions: Assumptions;
  profileName: string;
  subject?: TimelineSubject;
}

export function compareSchedules(asWritten: Schedule, withChange: Schedule): Comparison {
  const a = asWritten.totals;
  const b = withChange.totals;
  return {
    // A change that takes no time at all is not a real case; report no speedup rather than Infinity (not JSON).
    speedup: b.wallNs > 0 ? a.wallNs / b.wallNs : 1,
    wallSavedNs: a.wallNs - b.wallNs,
    cpuBusySavedNs: a.cpuBusyNs - b.cpuBusyNs,
    cpuCopiesSaved: a.cpuCopies - b.cpuCopies,
    cpuCopyBytesSaved: a.cpuCopyBytes - b.cpuCopyBytes,
    switchesSaved: a.switches - b.switches,
    syscallsSaved: a.syscalls - b.syscalls,
  };
}
