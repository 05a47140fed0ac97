/**
 * The discrete-event simulator: places every operation of a scenario on its
 * lane at the earliest time its lane is free and its dependencies are done,
 * then extrapolates a long loop from its steady state.
 *
 * Invariants: operations are issued in list order (setup, each iteration's
 * body, teardown), so a lane never runs two spans at once and every span
 * starts at or after the end of its dependencies. Only the first iterations
 * are placed; once one iteration is an exact time-shift of the previous ones
 * (same lane and dependency state relative to its end), the rest of the loop
 * repeats it, so totals for N iterations are the simulated ones plus the
 * remaining iterations times the steady-state iteration.
 */

import { operationNs } from './costModel';
import type { MachineProfile } from './profile';
import { scenarioProblems, type Dependency, type LaneId, type Operation, type Scenario } from './scenario';
import type { Lane, Schedule, Span, Totals } from './timeline';

export interface SimulateOptions {
  /** Simulate at least this many iterations before looking for a steady state. */
  minIterations?: number;
  /** Simulate at most this many iterations; beyond, extrapolate from the mean of the second half. */
  maxIterations?: number;
}

const DEFAULT_MIN_ITERATIONS = 6;
const DEFAULT_MAX_ITERATIONS = 256;
const TIME_EPSILON_NS = 1e-6;

type Counters = Omit<Totals, 'wallNs' | 'iterations'>;

export function simulate(scenario: Scenario, profile: MachineProfile, options: SimulateOptions = {}): Schedule {
  const problems = scenarioProblems(scenario);
  if (problems.length > 0) throw new Error(`invalid scenario '${scenario.name}': ${problems.join('; ')}`);
  const minIterations = options.minIterations ?? DEFAULT_MIN_ITERATIONS;
  const maxIterations = Math.max(minIterations, options.maxIterations ?? DEFAULT_MAX_ITERATIONS);
  const run = new Run(scenario, profile);

  const setupEnds = run.place(scenario.setup, 'setup', undefined, (id) => run.setupEnd(id));
  run.setupEnds = setupEnds;

  const iterationEnds: number[] = [];
  const bodyEnds: Map<string, number>[] = [];
  let countersBeforeLast = run.snapshot();
  let lastIterationCounters = zeroCounters();
  let steadyPeriod: number | undefined;
  let previousSignature: number[] | undefined;
  let repeatedSignatures = 0;
  const maxBack = maxBackDistance(scenario.body);

  for (let k = 0; k < scenario.iterations && k < maxIterations; k++) {
    countersBeforeLast = run.snapshot();
    const ends = run.place(scenario.body, 'body', k, (id, back) => {
      if (back > 0) return k - back >= 0 ? bodyEnds[k - back]!.get(id) : run.setupEnd(id);
      return run.setupEnd(id);
    });
    bodyEnds.push(ends);
    const end = Math.max(run.startOfLoop(), ...ends.values());
    iterationEnds.push(end);
    lastIterationCounters = subtract(run.snapshot(), countersBeforeLast);

    const signature = run.signature(ends, end);
    const period = k > 0 ? end - iterationEnds[k - 1]! : undefined;
    const samePeriod = period !== undefined && k > 1 && nearlyEqual(period, iterationEnds[k - 1]! - iterationEnds[k - 2]!);
    repeatedSignatures = previousSignature && samePeriod && sameVector(signature, previousSignature) ? repeatedSignatures + 1 : 0;
    previousSignature = signature;
    if (k + 1 >= minIterations && repeatedSignatures > maxBack) {
      steadyPeriod = period;
      break;
    }
  }

  const simulated = iterationEnds.length;
  const remaining = scenario.iterations - simulated;
  let elided: Schedule['elided'];
  let lastBodyEnds = bodyEnds[simulated - 1] ?? new Map<string, number>();
  if (remaining > 0) {
    // No exact steady state within the budget: use the mean iteration of the second half.
    const half = Math.floor(simulated / 2);
    const period = steadyPeriod ?? (iterationEnds[simulated - 1]! - iterationEnds[half - 1]!) / (simulated - half);
    const shift = remaining * period;
    run.shiftLanes(shift);
    lastBodyEnds = new Map([...lastBodyEnds].map(([id, end]) => [id, end + shift]));
    run.addCounters(lastIterationCounters, remaining);
    elided = { afterIteration: simulated - 1, fromNs: iterationEnds[simulated - 1]!, durationNs: shift };
    steadyPeriod = period;
  }

  run.place(scenario.teardown, 'teardown', undefined, (id) => lastBodyEnds.get(id) ?? run.setupEnd(id));

  const steadyStateIterationNs = steadyPeriod
    ?? (simulated > 1 ? iterationEnds[simulated - 1]! - iterationEnds[simulated - 2]! : (iterationEnds[0] ?? 0) - run.startOfLoop());
  return {
    scenarioName: scenario.name,
    description: scenario.description,
    lanes: run.lanes(),
    totals: { ...run.snapshot(), wallNs: run.wallNs(), iterations: scenario.iterations },
    simulatedIterations: simulated,
    steadyStateIterationNs,
    ...(elided ? { elided } : {}),
  };
}

/** The mutable state of one simulation: lane clocks, spans, counters. */
class Run {
  setupEnds = new Map<string, number>();
  private readonly laneFree = new Map<LaneId, number>();
  private readonly spans = new Map<LaneId, Span[]>();
  private readonly cpuLanes: Set<LaneId>;
  private counters = zeroCounters();
  private latestEnd = 0;
  private loopStart = 0;

  constructor(private readonly scenario: Scenario, private readonly profile: MachineProfile) {
    for (const lane of scenario.lanes) {
      this.laneFree.set(lane.id, 0);
      this.spans.set(lane.id, []);
    }
    this.cpuLanes = new Set(scenario.lanes.filter((l) => l.kind === 'cpu' || l.kind === 'aio-helper').map((l) => l.id));
  }

  setupEnd(id: string): number | undefined {
    return this.setupEnds.get(id);
  }

  startOfLoop(): number {
    return this.loopStart;
  }

  /** Places a phase's operations in order and returns each operation's end time by id. */
  place(
    ops: Operation[],
    phase: Span['phase'],
    iteration: number | undefined,
    resolve: (id: string, back: number) => number | undefined,
  ): Map<string, number> {
    const ends = new Map<string, number>();
    for (const op of ops) {
      const ready = Math.max(0, ...(op.after ?? []).map((dep) => dependencyEnd(dep, ends, resolve)));
      const free = this.laneFree.get(op.lane)!;
      let start = Math.max(free, ready);
      if (op.kind === 'wait' && op.spin && ready > free + TIME_EPSILON_NS) {
        // A polling thread burns its core until the awaited work is done, then goes on at once.
        this.addSpan(op.lane, { startNs: free, endNs: ready, kind: 'wait', label: op.label, opId: op.id, phase, ...(iteration !== undefined ? { iteration } : {}), ...(op.range ? { range: op.range } : {}) });
        if (this.cpuLanes.has(op.lane)) this.counters.cpuBusyNs += ready - free;
      } else if (op.blocking && ready > free + TIME_EPSILON_NS) {
        // The thread slept on another lane's work: it runs again one wake-up later.
        this.addSpan(op.lane, { startNs: ready, endNs: ready + this.profile.wakeupNs, kind: 'wakeup', label: `wake-up: ${op.label}`, opId: op.id, phase, ...(iteration !== undefined ? { iteration } : {}) });
        start = ready + this.profile.wakeupNs;
      }
      const end = start + operationNs(op, this.profile);
      if (end > start) {
        this.addSpan(op.lane, spanFor(op, start, end, phase, iteration));
        if (this.cpuLanes.has(op.lane)) this.counters.cpuBusyNs += end - start;
      }
      this.laneFree.set(op.lane, Math.max(free, end));
      this.latestEnd = Math.max(this.latestEnd, end);
      ends.set(op.id, end);
      this.count(op);
    }
    if (phase === 'setup') this.loopStart = this.latestEnd;
    return ends;
  }

  /** Lane clocks and per-op ends relative to the iteration's end: equal vectors mean a time-shifted state. */
  signature(ends: Map<string, number>, iterationEnd: number): number[] {
    // Lanes the loop body never uses cannot influence the next iteration.
    const bodyLanes = [...new Set(this.scenario.body.map((op) => op.lane))];
    return [
      ...bodyLanes.map((lane) => this.laneFree.get(lane)! - iterationEnd),
      ...[...ends.values()].map((end) => end - iterationEnd),
    ];
  }

  shiftLanes(shiftNs: number): void {
    for (const [lane, free] of this.laneFree) this.laneFree.set(lane, free + shiftNs);
    this.latestEnd += shiftNs;
  }

  addCounters(perIteration: Counters, times: number): void {
    for (const key of Object.keys(perIteration) as (keyof Counters)[]) this.counters[key] += perIteration[key] * times;
  }

  snapshot(): Counters {
    return { ...this.counters };
  }

  wallNs(): number {
    return this.latestEnd;
  }

  lanes(): Lane[] {
    return this.scenario.lanes.map((lane) => ({ ...lane, spans: this.spans.get(lane.id)! }));
  }

  private addSpan(lane: LaneId, span: Span): void {
    this.spans.get(lane)!.push(span);
  }

  private count(op: Operation): void {
    if (op.kind === 'syscall') {
      this.counters.syscalls += 1;
      this.counters.switches += 2;
    } else if (op.kind === 'cpu-copy') {
      this.counters.cpuCopies += 1;
      this.counters.cpuCopyBytes += op.bytes;
    } else if (op.kind === 'dma') {
      this.counters.dmaCopies += 1;
      this.counters.dmaBytes += op.bytes;
    } else if (op.kind === 'page-fault') {
      this.counters.pageFaults += op.faults;
    }
  }
}

function dependencyEnd(dep: Dependency, sameIteration: Map<string, number>, resolve: (id: string, back: number) => number | undefined): number {
  if (typeof dep === 'string') return sameIteration.get(dep) ?? resolve(dep, 0) ?? 0;
  return resolve(dep.op, dep.back) ?? 0;
}

function spanFor(op: Operation, startNs: number, endNs: number, phase: Span['phase'], iteration: number | undefined): Span {
  const span: Span = { startNs, endNs, kind: op.kind, label: op.label, opId: op.id, phase };
  if (iteration !== undefined) span.iteration = iteration;
  if ('bytes' in op && op.bytes !== undefined) span.bytes = op.bytes;
  if (op.range) span.range = op.range;
  return span;
}

function maxBackDistance(body: Operation[]): number {
  let max = 0;
  for (const op of body) for (const dep of op.after ?? []) if (typeof dep !== 'string') max = Math.max(max, dep.back);
  return max;
}

function zeroCounters(): Counters {
  return { cpuBusyNs: 0, cpuCopies: 0, cpuCopyBytes: 0, dmaCopies: 0, dmaBytes: 0, switches: 0, syscalls: 0, pageFaults: 0 };
}

function subtract(a: Counters, b: Counters): Counters {
  const out = zeroCounters();
  for (const key of Object.keys(out) as (keyof Counters)[]) out[key] = a[key] - b[key];
  return out;
}

function nearlyEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= TIME_EPSILON_NS + 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function sameVector(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((value, i) => nearlyEqual(value, b[i]!));
}
