/**
 * How each rule's suggested change transforms the loop it flags: a registry
 * keyed by the rule's scenario id (`Rule.scenario`, or the variant a finding
 * names in its `data.scenario`). A transformation takes the plan built from
 * the code as written and the finding, and returns the plan as it would be
 * with the change, or undefined when it cannot find what the finding points
 * at (then no "with the change" schedule is shown).
 *
 * Findings are matched to plan steps by the ranges rules report: the primary
 * range and the related locations are the calls (or loop headers) the steps
 * were built from.
 *
 * Invariants: pure; a transformation never mutates its input; every id a
 * rule can emit has an entry (test/simulate/transforms.test.ts lints the
 * rule fixtures and checks it).
 */

import type { TextRange } from '../../engine/types';
import type { MachineProfile } from '../profile';
import { formatBytes } from './assumptions';
import { describeSteps } from './fromCode';
import type { AioSubmitStep, Fd, LoopPlan, ReadStep, Step, ThreadCreateStep, WriteStep } from './plan';

/** What a transformation needs of a finding (engine findings fit). */
export interface FindingRef {
  ruleId: string;
  messageId: string;
  range: TextRange;
  related: { range: TextRange }[];
  data?: Record<string, string | number | boolean>;
}

export interface ScenarioTransform {
  /** The change, in words, for the timeline's title. */
  title: string;
  apply(plan: LoopPlan, finding: FindingRef, profile: MachineProfile): LoopPlan | undefined;
}

const relayTo = (kind: 'sendfile' | 'splice' | 'copy-file-range'): ScenarioTransform['apply'] => (plan, finding) => replaceRelay(plan, finding, kind);

export const SCENARIO_TRANSFORMS: Readonly<Record<string, ScenarioTransform>> = {
  'read-write→sendfile': { title: "move the data with 'sendfile'", apply: relayTo('sendfile') },
  'read-write→copy-file-range': { title: "move the data with 'copy_file_range'", apply: relayTo('copy-file-range') },
  'read-write→splice': { title: "move the data with 'splice' through a pipe", apply: relayTo('splice') },
  'socket-read-write→splice': { title: "move the data with 'splice' through a pipe", apply: relayTo('splice') },
  'stdio-read-write→sendfile': { title: "move the data with 'sendfile' on the streams' descriptors", apply: relayTo('sendfile') },
  'stdio-read-write→splice': { title: "move the data with 'splice' on the streams' descriptors", apply: relayTo('splice') },
  'mmap-write→sendfile': { title: "send the file with 'sendfile' instead of mapping it", apply: (plan, finding) => replaceMappedWrite(plan, finding, 'sendfile') },
  'mmap-write→copy-file-range': { title: "copy the file with 'copy_file_range' instead of mapping it", apply: (plan, finding) => replaceMappedWrite(plan, finding, 'copy-file-range') },
  'read-copy→read': { title: 'read into the destination directly', apply: dropCopy },
  'aio-busy-wait→aio-suspend': { title: "block in 'aio_suspend' instead of polling", apply: suspendInsteadOfPolling },
  'aio-immediate-wait→aio-double-buffer': { title: 'keep the next request in flight while this one is used (double buffering), or call pread', apply: doubleBufferOrSync },
  'serial-read→double-buffered-aio': { title: 'read the next chunk while this one is processed (double buffering)', apply: doubleBufferRead },
  'blocking-read→async-read': { title: 'start the read asynchronously and wait just before the data is used', apply: readAhead },
  'create-then-join→direct-call': { title: 'run the work without a thread, or start all threads before joining', apply: directOrCreateAll },
};

/** The transformation for a scenario id, if one is registered. */
export function transformFor(scenario: string | undefined): ScenarioTransform | undefined {
  return scenario === undefined ? undefined : SCENARIO_TRANSFORMS[scenario];
}

// ------------------------------------------------------------ relays

function replaceRelay(plan: LoopPlan, finding: FindingRef, kind: 'sendfile' | 'splice' | 'copy-file-range'): LoopPlan | undefined {
  const out = clonePlan(plan);
  const phases = [out.body, out.setup, out.teardown];
  for (const steps of phases) {
    const w = findWrite(steps, finding);
    if (!w) continue;
    const wi = steps.indexOf(w);
    const before = [...steps.slice(0, wi)].reverse().filter((s): s is ReadStep => s.kind === 'read');
    // The read into the buffer the write sends, else (a cursor the plan could not trace) the nearest read.
    const r = before.find((s) => w.buffer !== undefined && s.buffer === w.buffer) ?? before[0];
    if (!r) continue;
    const fdIn: Fd = r.fd;
    const fdOut: Fd = w.fd;
    const replacement: Step =
      kind === 'copy-file-range'
        ? { id: `${r.id}-cfr`, kind: 'copy-file-range', bytes: r.bytes, ...rangeOf(r) }
        : { id: `${r.id}-${kind}`, kind, fdIn, fdOut, bytes: r.bytes, ...rangeOf(r) };
    steps.splice(wi, 1);
    steps.splice(steps.indexOf(r), 1, replacement);
    // A chunk the loop processed after reading it is gone with the read: nothing else of the relay stays.
    return finish(out, plan, `${r.api} + ${w.api} become ${kind === 'copy-file-range' ? 'copy_file_range' : kind} of ${formatBytes(r.bytes)} per iteration`);
  }
  return undefined;
}

/** The relay's write: the finding's related location (rules point at the write there), else its primary range, else the only write. */
function findWrite(steps: Step[], finding: FindingRef): WriteStep | undefined {
  const writes = steps.filter((s): s is WriteStep => s.kind === 'write');
  for (const range of [...finding.related.map((x) => x.range), finding.range]) {
    const w = writes.find((s) => sameRange(s.range, range));
    if (w) return w;
  }
  return writes.length === 1 ? writes[0] : undefined;
}

function replaceMappedWrite(plan: LoopPlan, finding: FindingRef, kind: 'sendfile' | 'copy-file-range'): LoopPlan | undefined {
  const out = clonePlan(plan);
  for (const steps of [out.body, out.setup, out.teardown]) {
    const w = steps.find((s): s is WriteStep => s.kind === 'write' && sameRange(s.range, finding.range));
    if (!w) continue;
    const replacement: Step = kind === 'copy-file-range'
      ? { id: `${w.id}-cfr`, kind: 'copy-file-range', bytes: w.bytes, ...rangeOf(w) }
      : { id: `${w.id}-sendfile`, kind: 'sendfile', fdIn: 'file', fdOut: w.fd, bytes: w.bytes, ...rangeOf(w) };
    steps.splice(steps.indexOf(w), 1, replacement);
    // The mapping and its unmapping go away with it.
    const mapRange = finding.related[0]?.range;
    const map = [...out.setup, ...out.body, ...out.teardown].find((s) => s.kind === 'map' && (sameRange(s.range, mapRange) || (w.buffer !== undefined && s.mapping === w.buffer)));
    const mapping = map?.kind === 'map' ? map.mapping : w.buffer;
    for (const phase of [out.setup, out.body, out.teardown]) {
      for (let i = phase.length - 1; i >= 0; i--) {
        const s = phase[i]!;
        if (s === map || (s.kind === 'unmap' && (mapping === undefined || s.mapping === undefined || s.mapping === mapping))) phase.splice(i, 1);
      }
    }
    return finish(out, plan, `mmap + ${w.api} become ${kind === 'copy-file-range' ? 'copy_file_range' : 'sendfile'} from the file descriptor`);
  }
  return undefined;
}

// ------------------------------------------------------------ copies

function dropCopy(plan: LoopPlan, finding: FindingRef): LoopPlan | undefined {
  const out = clonePlan(plan);
  for (const steps of [out.body, out.setup, out.teardown]) {
    const i = steps.findIndex((s) => s.kind === 'copy' && sameRange(s.range, finding.range));
    if (i < 0) continue;
    steps.splice(i, 1);
    return finish(out, plan, 'the read fills the destination and the copy is gone');
  }
  return undefined;
}

// ------------------------------------------------------------ overlap

function suspendInsteadOfPolling(plan: LoopPlan, finding: FindingRef): LoopPlan | undefined {
  const out = clonePlan(plan);
  for (const steps of [out.body, out.setup, out.teardown]) {
    const i = steps.findIndex((s) => s.kind === 'aio-wait' && s.spin && sameRange(s.range, finding.range));
    if (i < 0) continue;
    const wait = steps[i]!;
    if (wait.kind === 'aio-wait') steps[i] = { ...wait, spin: false };
    return finish(out, plan, 'the thread sleeps in aio_suspend until the request completes');
  }
  return undefined;
}

/**
 * An AIO request waited for at once. In a loop: double buffering, the first
 * request submitted before the loop and the next one right after the
 * current one completes, so the I/O of chunk k+1 overlaps the work on chunk
 * k. Outside a loop: the synchronous call it amounts to, without the
 * hand-off to the helper thread.
 */
function doubleBufferOrSync(plan: LoopPlan, finding: FindingRef): LoopPlan | undefined {
  const out = clonePlan(plan);
  for (const steps of [out.body, out.setup, out.teardown]) {
    const i = steps.findIndex((s) => s.kind === 'aio-submit' && sameRange(s.range, finding.range));
    if (i < 0) continue;
    const submit = steps[i] as AioSubmitStep;
    const waits = (s: Step): boolean => (s.kind === 'aio-wait' && s.requests.includes(submit.request)) || (s.kind === 'aio-return' && s.request === submit.request);
    const lastWait = steps.reduce((last, s, k) => (k > i && waits(s) ? k : last), -1);
    if (lastWait < 0) return undefined;
    if (steps === out.body && out.iterations > 1) {
      steps.splice(lastWait + 1, 0, { ...submit, id: `${submit.id}-next` });
      steps.splice(i, 1);
      out.setup.push({ ...submit, id: `${submit.id}-first` });
      return finish(out, plan, 'the first request is submitted before the loop and the next one as soon as the current one completes, into a second buffer: the I/O of one chunk overlaps the work on the previous one');
    }
    const sync: Step = submit.op === 'read'
      ? { id: `${submit.id}-pread`, kind: 'read', api: 'pread', fd: submit.fd, bytes: submit.bytes, ...rangeOf(submit) }
      : { id: `${submit.id}-pwrite`, kind: 'write', api: 'pwrite', fd: submit.fd, bytes: submit.bytes, ...rangeOf(submit) };
    const kept = steps.filter((s, k) => k !== i && !(k > i && k <= lastWait && waits(s)));
    kept.splice(i, 0, sync);
    steps.splice(0, steps.length, ...kept);
    return finish(out, plan, `the request becomes a plain ${submit.op === 'read' ? 'pread' : 'pwrite'}, without the hand-off to the AIO helper thread`);
  }
  return undefined;
}

/** The blocking read a finding points at: its primary range or a related location. */
function findRead(steps: Step[], finding: FindingRef): ReadStep | undefined {
  for (const range of [finding.range, ...finding.related.map((x) => x.range)]) {
    const r = steps.find((s): s is ReadStep => s.kind === 'read' && sameRange(s.range, range));
    if (r) return r;
  }
  return undefined;
}

/** glibc AIO steps standing for a blocking read: submit, then wait and reap. */
function asyncRead(read: ReadStep): { submit: AioSubmitStep; wait: Step[] } {
  const request = `${read.api}@${read.id}`;
  const range = rangeOf(read);
  return {
    submit: { id: `${read.id}-submit`, kind: 'aio-submit', request, op: 'read', fd: read.fd, bytes: read.bytes, ...range },
    wait: [
      { id: `${read.id}-wait`, kind: 'aio-wait', requests: [request], spin: false, ...range },
      { id: `${read.id}-reap`, kind: 'aio-return', request, ...range },
    ],
  };
}

/**
 * A loop that reads a chunk and then processes it: the read becomes a wait
 * for a request submitted one iteration earlier (the first one before the
 * loop), and the next request is submitted right after the wait.
 */
function doubleBufferRead(plan: LoopPlan, finding: FindingRef): LoopPlan | undefined {
  const out = clonePlan(plan);
  const read = findRead(out.body, finding);
  if (!read) return undefined;
  const { submit, wait } = asyncRead(read);
  out.body.splice(out.body.indexOf(read), 1, ...wait, { ...submit, id: `${submit.id}-next` });
  out.setup.push({ ...submit, id: `${submit.id}-first` });
  return finish(out, plan, `the ${read.api} becomes double-buffered glibc AIO: chunk k+1 is read by the helper thread into a second buffer while chunk k is processed`);
}

/**
 * A blocking read followed by work that does not need its data: the read is
 * submitted asynchronously where it was, and waited for just before the
 * first use of the buffer (the finding's last related location).
 */
function readAhead(plan: LoopPlan, finding: FindingRef): LoopPlan | undefined {
  const out = clonePlan(plan);
  for (const steps of [out.body, out.setup, out.teardown]) {
    const read = findRead(steps, finding);
    if (!read) continue;
    const use = finding.related[finding.related.length - 1]?.range;
    const { submit, wait } = asyncRead(read);
    const at = steps.indexOf(read);
    steps.splice(at, 1, submit);
    let before = use ? steps.findIndex((s, k) => k > at && s.range !== undefined && s.range.start >= use.start) : -1;
    if (before < 0) before = steps.length;
    steps.splice(before, 0, ...wait);
    return finish(out, plan, `the ${read.api} is started with aio_read before the independent work and waited for just before its data is used`);
  }
  return undefined;
}

/** Most threads a "create all, then join all" rewrite is simulated with, one iteration each. */
const MAX_UNROLLED_THREADS = 64;

function directOrCreateAll(plan: LoopPlan, finding: FindingRef, profile: MachineProfile): LoopPlan | undefined {
  const out = clonePlan(plan);
  const joinRange = finding.related[0]?.range;
  for (const steps of [out.body, out.setup, out.teardown]) {
    const i = steps.findIndex((s) => s.kind === 'thread-create' && sameRange(s.range, finding.range));
    if (i < 0) continue;
    const create = steps[i] as ThreadCreateStep;
    const join = steps.findIndex((s) => s.kind === 'thread-join' && (sameRange(s.range, joinRange) || s.thread === create.thread));
    if (finding.messageId === 'loop' && steps === out.body) return createAll(out, plan, create, join, profile);
    // Call the start routine directly: its work runs on this thread, no creation, no join.
    steps.splice(i, 1, ...create.work.map((w) => ({ ...w, id: `${create.id}.${w.id}`, ...(create.range ? { range: create.range } : {}) })));
    if (join >= 0) steps.splice(steps.findIndex((s) => s.kind === 'thread-join' && (sameRange(s.range, joinRange) || s.thread === create.thread)), 1);
    return finish(out, plan, `'${create.routine}' is called directly, without a thread`);
  }
  return undefined;
}

/**
 * "Create all of them first and join them in a second loop": the loop's
 * iterations unrolled into one, the threads spread over the cores other than
 * the creating one, and every join after every creation.
 */
function createAll(out: LoopPlan, plan: LoopPlan, create: ThreadCreateStep, joinIndex: number, profile: MachineProfile): LoopPlan | undefined {
  const n = plan.iterations;
  if (n < 1 || n > MAX_UNROLLED_THREADS) return undefined;
  const workers = Math.max(1, Math.min(n, profile.cores - 1));
  const others = out.body.filter((s, i) => s !== create && i !== joinIndex);
  const body: Step[] = [];
  for (let k = 0; k < n; k++) {
    body.push(...others.map((s) => ({ ...s, id: `${s.id}@${k}` }) as Step));
    body.push({ ...create, id: `${create.id}@${k}`, thread: `${create.thread}@${k}`, lane: `cpu${1 + (k % workers)}` });
  }
  const join = out.body[joinIndex];
  for (let k = 0; k < n; k++) body.push({ id: `join@${k}`, kind: 'thread-join', thread: `${create.thread}@${k}`, ...(join?.range ? { range: join.range } : {}) });
  out.body = body;
  out.iterations = 1;
  return finish(out, plan, `all ${n} threads are started first and joined afterwards, on ${workers} core${workers === 1 ? '' : 's'} besides the creating one (profile: ${profile.cores} cores)`);
}

// ------------------------------------------------------------ helpers

function clonePlan(plan: LoopPlan): LoopPlan {
  return JSON.parse(JSON.stringify(plan)) as LoopPlan;
}

function finish(out: LoopPlan, original: LoopPlan, note: string): LoopPlan {
  out.name = `${original.name} (with the change)`;
  out.description = `${original.description.split(':')[0]}: ${describeSteps(out.body)}`;
  out.assumptions = [note, ...original.assumptions];
  return out;
}

function sameRange(a: TextRange | undefined, b: TextRange | undefined): boolean {
  return a !== undefined && b !== undefined && a.start === b.start && a.end === b.end;
}

function rangeOf(s: Step): { range?: TextRange } {
  return s.range ? { range: s.range } : {};
}
