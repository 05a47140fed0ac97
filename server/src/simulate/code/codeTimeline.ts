/**
 * The timeline of a place in the code: picks the function and loop (from an
 * offset, a function name or a finding), the finding whose change to
 * simulate, gathers the assumptions (settings, `copyscope: assume` comments,
 * overrides), builds the plan, applies the rule's transformation, simulates
 * both, and says what the change gains in words.
 *
 * Choice of what to simulate, first match wins:
 * 1. a finding given explicitly;
 * 2. at an offset: a finding with a transformation whose range contains it,
 *    else one in the loop at the offset, else the loop at the offset;
 * 3. a function (a name, or the function at the offset outside any loop):
 *    its first finding with a transformation, else its main loop, else the
 *    whole function once.
 *
 * Invariants: pure (a FileModel and findings in, plain data out); errors are
 * returned as messages, never thrown for odd code.
 */

import type { FileModel, FunctionEntry } from '../../model/fileModel';
import type { LoopStmt } from '../../model/ir';
import type { MachineProfile } from '../profile';
import { simulateTimeline } from '../simulateTimeline';
import type { Schedule, Timeline } from '../timeline';
import { assumeComments, commentsFor, formatBytes, mergeAssumptions, parseAssumptions, type Assumptions } from './assumptions';
import { loopAt, mainLoop, planFor } from './fromCode';
import { lowerPlan } from './lowerPlan';
import type { LoopPlan } from './plan';
import { transformFor, type FindingRef } from './transforms';
import { lineOf, perText } from '../../model/textFacts';

export interface CodeFinding extends FindingRef {
  functionName?: string;
}

/** `ruleId` narrows the findings considered to one rule's (a timeline opened from that finding). */
export type CodeTarget = { offset: number; ruleId?: string } | { functionName: string; ruleId?: string } | { finding: CodeFinding };

export interface CodeTimelineOptions {
  profile: MachineProfile;
  /** Settings (editor, CLI configuration): below the code's comments. */
  assume?: Assumptions;
  /** Above everything (the CLI's --assume). */
  overrides?: Assumptions;
  /** The scenario id of a finding: its `data.scenario`, else its rule's `scenario`. */
  scenarioOf: (finding: CodeFinding) => string | undefined;
}

export interface CodeTimeline {
  timeline: Timeline;
  plan: LoopPlan;
  changedPlan?: LoopPlan;
  finding?: CodeFinding;
  scenario?: string;
  /** Short gain for messages: "about as fast (the NIC is the bottleneck), 9.6× less CPU time". */
  shortGain?: string;
  /** Problems in `copyscope: assume` comments (ignored items). */
  problems: string[];
}

export type CodeTimelineResult = { ok: true; value: CodeTimeline } | { ok: false; error: string };

export function codeTimeline(file: FileModel, findings: readonly CodeFinding[], target: CodeTarget, options: CodeTimelineOptions): CodeTimelineResult {
  const entry = entryFor(file, target);
  if (!entry) {
    if ('functionName' in target) return { ok: false, error: `no function named '${target.functionName}' is defined in this file` };
    const offset = 'offset' in target ? target.offset : target.finding.range.start;
    return { ok: false, error: `line ${lineOf(file.text, offset)} is not inside a function` };
  }
  const fn = file.model(entry);
  if (!fn) return { ok: false, error: `cannot read the function '${entry.name}'` };

  const ruleId = 'finding' in target ? undefined : target.ruleId;
  // Only a timeline opened on a place or a function looks at the other findings (gains run once per finding).
  const inFunction = 'finding' in target ? [] : findings.filter(
    (f) => f.range.start >= entry.range.start && f.range.end <= entry.range.end && transformFor(options.scenarioOf(f)) && (ruleId === undefined || f.ruleId === ruleId),
  );
  let finding: CodeFinding | undefined;
  let loop: LoopStmt | undefined;
  if ('finding' in target) {
    finding = target.finding;
    loop = loopAt(fn, finding.range.start);
  } else if ('offset' in target) {
    const offset = target.offset;
    const atLoop = loopAt(fn, offset);
    finding = inFunction.find((f) => f.range.start <= offset && offset <= f.range.end)
      ?? (atLoop ? inFunction.find((f) => loopAt(fn, f.range.start) === atLoop) : undefined)
      ?? (atLoop ? undefined : inFunction[0]);
    loop = finding ? loopAt(fn, finding.range.start) : atLoop ?? mainLoop(fn);
  } else {
    finding = inFunction[0];
    loop = finding ? loopAt(fn, finding.range.start) : mainLoop(fn);
  }

  const { assumptions, problems } = assumptionsFor(file, entry, options);
  const plan = planFor(fn, loop, { assumptions, profile: options.profile });
  if (!plan) return { ok: false, error: `nothing to simulate in '${fn.name}': no I/O, copy, AIO or thread calls CopyScope models` };
  for (const p of problems) plan.assumptions.push(`ignored: ${p}`);

  const scenario = finding ? options.scenarioOf(finding) : undefined;
  const transform = transformFor(scenario);
  const changedPlan = finding && transform ? transform.apply(plan, finding, options.profile) : undefined;
  const timeline = simulateTimeline(lowerPlan(plan, options.profile), changedPlan ? lowerPlan(changedPlan, options.profile) : undefined, options.profile);
  const gain = changedPlan ? describeGain(timeline) : undefined;
  timeline.subject = {
    functionName: fn.name,
    range: plan.range,
    line: lineOf(file.text, plan.range.start),
    ...(finding && changedPlan && scenario && transform ? { change: { ruleId: finding.ruleId, scenario, title: transform.title, range: finding.range } } : {}),
    ...(gain ? { gain: gain.long } : {}),
  };
  return {
    ok: true,
    value: {
      timeline,
      plan,
      ...(changedPlan ? { changedPlan } : {}),
      ...(finding && changedPlan ? { finding } : {}),
      ...(scenario && changedPlan ? { scenario } : {}),
      ...(gain ? { shortGain: gain.short } : {}),
      problems,
    },
  };
}

function entryFor(file: FileModel, target: CodeTarget): FunctionEntry | undefined {
  if ('functionName' in target) return file.functionNamed(target.functionName);
  const offset = 'offset' in target ? target.offset : target.finding.range.start;
  const sorted = functionsByStart(file);
  const i = lastStartingAtOrBefore(sorted, offset);
  const f = i >= 0 ? sorted[i] : undefined;
  return f && offset <= f.range.end ? f : undefined;
}

/** The file's functions in source order (computed once per file: timelines are built once per finding). */
const sortedFunctions = new WeakMap<FileModel, FunctionEntry[]>();
function functionsByStart(file: FileModel): FunctionEntry[] {
  let sorted = sortedFunctions.get(file);
  if (!sorted) {
    sorted = [...file.functions].sort((a, b) => a.range.start - b.range.start);
    sortedFunctions.set(file, sorted);
  }
  return sorted;
}

/** Index of the last function starting at or before `offset`, or -1. */
function lastStartingAtOrBefore(sorted: FunctionEntry[], offset: number): number {
  let low = 0;
  let high = sorted.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]!.range.start <= offset) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

/** Settings, then the comments in or above the function, then overrides. */
function assumptionsFor(file: FileModel, entry: FunctionEntry, options: CodeTimelineOptions): { assumptions: Assumptions; problems: string[] } {
  const sorted = functionsByStart(file);
  let previousEnd = 0;
  for (let i = lastStartingAtOrBefore(sorted, entry.range.start - 1); i >= 0; i--) {
    const f = sorted[i]!;
    if (f.range.end <= entry.range.start) {
      previousEnd = f.range.end;
      break;
    }
  }
  const comments = commentsFor(perText(file.text, 'assumeComments', () => assumeComments(file.text)), entry.range, previousEnd);
  const parsed = parseAssumptions(comments.flatMap((c) => c.items));
  return {
    assumptions: mergeAssumptions(options.assume, parsed.values, options.overrides),
    problems: parsed.problems.map((p) => `'${p.item}' in a copyscope: assume comment: ${p.message}`),
  };
}

// ------------------------------------------------------------ the gain in words

export interface Gain {
  short: string;
  long: string;
}

/** What the change gains, from the two schedules' totals. */
export function describeGain(timeline: Timeline): Gain | undefined {
  const plan = timeline.assumptions;
  const after = timeline.withChange;
  const comparison = timeline.comparison;
  if (!after || !comparison) return undefined;
  const a = timeline.asWritten.totals;
  const b = after.totals;
  const s = comparison.speedup;
  let speed: string;
  if (s >= 1.05) speed = `≈${times(s)} faster`;
  else if (s <= 1 / 1.05) speed = `≈${times(1 / s)} slower`;
  else {
    const bottleneck = bottleneckOf(after);
    speed = `about as fast${bottleneck ? ` (${bottleneck} is the bottleneck)` : ''}`;
  }
  const parts = [speed];
  if (b.cpuBusyNs > 0 && a.cpuBusyNs / b.cpuBusyNs >= 1.1) parts.push(`${times(a.cpuBusyNs / b.cpuBusyNs)} less CPU time`);
  else if (a.cpuBusyNs > 0 && b.cpuBusyNs / a.cpuBusyNs >= 1.1) parts.push(`${times(b.cpuBusyNs / a.cpuBusyNs)} more CPU time`);
  const short = parts.join(', ');

  const n = Math.max(1, a.iterations);
  const counts: string[] = [];
  const fewer = (saved: number, one: string, many: string): void => {
    const per = saved / n;
    if (Math.abs(per) < 0.05) return;
    const value = Number.isInteger(per) ? String(Math.abs(per)) : Math.abs(per).toFixed(1);
    counts.push(`${value} ${per > 0 ? 'fewer' : 'more'} ${value === '1' ? one : many}`);
  };
  fewer(comparison.cpuCopiesSaved, 'CPU copy', 'CPU copies');
  fewer(comparison.switchesSaved, 'user/kernel switch', 'user/kernel switches');
  fewer(a.pageFaults - b.pageFaults, 'page fault', 'page faults');
  const unit = plan.chunkBytes !== undefined && a.iterations > 1 ? ` per ${formatBytes(plan.chunkBytes)} chunk` : a.iterations > 1 ? ' per iteration' : '';
  const what = [
    plan.totalBytes !== undefined ? formatBytes(plan.totalBytes) : `${a.iterations} iteration${a.iterations === 1 ? '' : 's'}`,
    plan.fdIn && plan.fdOut ? `${plan.fdIn} to ${plan.fdOut}` : undefined,
    `profile '${timeline.profileName}'`,
  ].filter((x) => x !== undefined);
  const long = `${short}${counts.length > 0 ? `, ${joinAnd(counts)}${unit}` : ''} (simulated: ${what.join(', ')})`;
  const amount = plan.totalBytes !== undefined ? ` for ${formatBytes(plan.totalBytes)}` : '';
  return { short: `${short}${amount}`, long };
}

/** The lane busiest in the simulated iterations, when it is nearly always busy. */
function bottleneckOf(schedule: Schedule): string | undefined {
  const body = schedule.lanes.flatMap((l) => l.spans.filter((s) => s.phase === 'body').map((s) => ({ lane: l, s })));
  if (body.length === 0) return undefined;
  const start = Math.min(...body.map((x) => x.s.startNs));
  const end = Math.max(...body.map((x) => x.s.endNs));
  if (!(end > start)) return undefined;
  let best: { name: string; share: number } | undefined;
  for (const lane of schedule.lanes) {
    const busy = lane.spans.filter((s) => s.phase === 'body' && s.kind !== 'wait').reduce((sum, s) => sum + (s.endNs - s.startNs), 0);
    const share = busy / (end - start);
    const name = lane.kind === 'nic' ? 'the NIC' : lane.kind === 'disk' ? 'the disk' : lane.kind === 'aio-helper' ? 'the AIO helper thread' : 'the CPU';
    if (!best || share > best.share) best = { name, share };
  }
  return best && best.share >= 0.8 ? best.name : undefined;
}

function times(v: number): string {
  return `${v >= 10 ? Math.round(v) : v.toFixed(1)}×`;
}

function joinAnd(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
