/**
 * Shared checks for the simulator tests: lane exclusivity, dependency order,
 * and totals recomputed from spans.
 */

import type { Schedule, Scenario, Span } from '../../server/src/simulate/index';

const EPSILON_NS = 1e-6;

/** Every pair of overlapping spans on one lane, as readable strings. */
export function laneOverlaps(schedule: Schedule): string[] {
  const problems: string[] = [];
  for (const lane of schedule.lanes) {
    for (let i = 1; i < lane.spans.length; i++) {
      const previous = lane.spans[i - 1]!;
      const span = lane.spans[i]!;
      if (span.startNs < previous.endNs - EPSILON_NS) {
        problems.push(`${lane.id}: '${span.label}' starts at ${span.startNs} before '${previous.label}' ends at ${previous.endNs}`);
      }
    }
  }
  return problems;
}

function spanKey(opId: string, phase: Span['phase'], iteration: number | undefined): string {
  return `${phase}:${iteration ?? '-'}:${opId}`;
}

/** Every span that starts before one of its dependencies' spans ends. */
export function dependencyViolations(scenario: Scenario, schedule: Schedule): string[] {
  const work = new Map<string, Span>();
  for (const lane of schedule.lanes) {
    for (const span of lane.spans) if (span.kind !== 'wakeup') work.set(spanKey(span.opId, span.phase, span.iteration), span);
  }
  const problems: string[] = [];
  const phases = { setup: scenario.setup, body: scenario.body, teardown: scenario.teardown };
  for (const span of work.values()) {
    const op = phases[span.phase].find((o) => o.id === span.opId)!;
    for (const dep of op.after ?? []) {
      const id = typeof dep === 'string' ? dep : dep.op;
      const back = typeof dep === 'string' ? 0 : dep.back;
      let target: Span | undefined;
      if (span.phase === 'body') {
        const iteration = span.iteration! - back;
        target = iteration >= 0 && scenario.body.some((o) => o.id === id)
          ? work.get(spanKey(id, 'body', iteration))
          : work.get(spanKey(id, 'setup', undefined));
      } else {
        target = work.get(spanKey(id, span.phase, undefined)) ?? work.get(spanKey(id, 'setup', undefined));
      }
      if (target && span.startNs < target.endNs - EPSILON_NS) {
        problems.push(`'${span.label}' (${span.phase} ${span.iteration ?? ''}) starts at ${span.startNs} before its dependency '${target.label}' ends at ${target.endNs}`);
      }
    }
  }
  return problems;
}

/** Totals recomputed from the spans alone (valid when nothing was extrapolated). */
export function totalsFromSpans(schedule: Schedule, scenario: Scenario): Record<string, number> {
  const spans = schedule.lanes.flatMap((lane) => lane.spans.map((span) => ({ lane, span })));
  const work = spans.filter(({ span }) => span.kind !== 'wakeup');
  const cpuLanes = new Set(schedule.lanes.filter((l) => l.kind === 'cpu' || l.kind === 'aio-helper').map((l) => l.id));
  const ofKind = (kind: Span['kind']) => work.filter(({ span }) => span.kind === kind);
  const faults = [...scenario.setup, ...scenario.teardown].concat(...Array(scenario.iterations).fill(scenario.body))
    .reduce((sum, op) => sum + (op.kind === 'page-fault' ? op.faults : 0), 0);
  return {
    wallNs: Math.max(0, ...spans.map(({ span }) => span.endNs)),
    cpuBusyNs: work.filter(({ lane }) => cpuLanes.has(lane.id)).reduce((sum, { span }) => sum + span.endNs - span.startNs, 0),
    cpuCopies: ofKind('cpu-copy').length,
    cpuCopyBytes: ofKind('cpu-copy').reduce((sum, { span }) => sum + (span.bytes ?? 0), 0),
    dmaCopies: ofKind('dma').length,
    dmaBytes: ofKind('dma').reduce((sum, { span }) => sum + (span.bytes ?? 0), 0),
    syscalls: ofKind('syscall').length,
    switches: 2 * ofKind('syscall').length,
    pageFaults: faults,
  };
}
