/**
 * Runs file jobs in-process or on N lanes: the main thread and N - 1 worker
 * threads.
 *
 * The lanes take jobs largest first (by size on disk) from one shared counter
 * (an Atomics counter in a SharedArrayBuffer), so a lane never waits for the
 * main thread to hand it work, even while the main thread is itself linting a
 * large file. Each lane reads the files it takes (lintFile.ts): no text is
 * read before the lanes start or copied between threads.
 * Why the main thread is a lane: it is already started, has the parser
 * compiled and can begin at once, while a worker first starts an isolate and
 * loads the bundle; one thread fewer also means one warm-up fewer. Workers get
 * the compiled wasm modules when they start, so they reuse the main thread's
 * compiled code and load the parser before their jobs arrive.
 *
 * Workers can be started before their jobs are known (`startWorkers`), so
 * that starting an isolate, loading the bundle and the parser overlap the
 * main thread's planning of the jobs; they wait for their jobs in a message.
 *
 * Invariants: outcomes come back in job order whatever order lanes finish in;
 * a worker that dies fails only its current job (reported as an internal
 * error) and is replaced while jobs remain; a worker that dies holding no job
 * (it could not start) is reported through `onWorkerFailure` and not
 * replaced, so a run never loops starting workers; the main thread's lane
 * takes files until none are left, so every file is linted as long as it
 * runs; if its parser fails, the workers are terminated and the run fails; a
 * started worker that gets no jobs is terminated.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { compileNodeSyntax, loadNodeSyntax } from '../host/nodeSyntax';
import { MAX_SOURCE_CHARS, parserMemoryFor, type CSyntax } from '../syntax/treeSitter';
import { emptyOutcome, lintFileJob, type FileJob, type FileOutcome } from './lintFile';
import type { WorkerData, WorkerInput, WorkerReply } from './lintWorker';

export interface RunOptions {
  jobs: number;
  onProgress?: (done: number, total: number) => void;
  /** Workers from `startWorkers`, waiting for their jobs. */
  started?: Worker[];
  /**
   * A worker thread stopped without a file in hand (it could not start):
   * its lane's share went to the other lanes. Called once per such worker.
   */
  onWorkerFailure?: (message: string) => void;
}

/** Below this much text, starting workers costs more than it saves. */
const MIN_BYTES_FOR_WORKERS = 256 * 1024;

const WORKER_SCRIPT = (): string => join(__dirname, 'lint-worker.js');

/** How many lanes `jobs` allows for files of these sizes: 1 (no workers) when they are too few or too small. */
function lanesFor(jobs: number, sizes: readonly number[]): number {
  const lanes = Math.min(jobs, sizes.length);
  return lanes <= 1 || sizes.reduce((n, s) => n + s, 0) < MIN_BYTES_FOR_WORKERS ? 1 : lanes;
}

/**
 * Starts the worker threads a run over files of these sizes will use (none
 * when it is too small for workers), before the caller plans the jobs.
 */
export function startWorkers(jobs: number, sizes: readonly number[]): Worker[] {
  return Array.from({ length: lanesFor(jobs, sizes) - 1 }, () => {
    const worker = newWorker();
    // Until runOnLanes listens: a worker that fails while waiting is replaced there.
    worker.on('error', () => undefined);
    worker.once('exit', () => exited.add(worker));
    return worker;
  });
}

const exited = new WeakSet<Worker>();

function newWorker(): Worker {
  return new Worker(WORKER_SCRIPT(), { workerData: compileNodeSyntax() satisfies WorkerData });
}

export async function runJobs(jobs: FileJob[], options: RunOptions): Promise<FileOutcome[]> {
  const lanes = lanesFor(options.jobs, jobs.map((j) => j.size));
  const started = options.started ?? [];
  if (lanes <= 1) {
    for (const worker of started) void worker.terminate();
    return runInProcess(jobs, options);
  }
  for (const worker of started.slice(lanes - 1)) void worker.terminate();
  return runOnLanes(jobs, lanes, options, started.slice(0, lanes - 1));
}

/**
 * This thread's parser, its heap sized up front for the largest text (which
 * this thread lints itself, also on lanes: it takes the first job). Workers
 * start before the texts are read and keep the default heap, growing it as
 * they need; with their jobs smaller than the largest, they rarely do.
 */
function mainThreadSyntax(jobs: FileJob[]): Promise<CSyntax> {
  const largest = jobs.reduce((n, j) => (j.size <= MAX_SOURCE_CHARS ? Math.max(n, j.size) : n), 0); // larger ones are skipped
  return loadNodeSyntax({ initialMemoryBytes: parserMemoryFor(largest) });
}

async function runInProcess(jobs: FileJob[], options: RunOptions): Promise<FileOutcome[]> {
  const syntax = await mainThreadSyntax(jobs);
  const out: FileOutcome[] = [];
  for (const job of jobs) {
    out.push(lintFileJob(syntax, job));
    options.onProgress?.(out.length, jobs.length);
    // Let the progress bar repaint on long runs.
    if (out.length % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

function crashOutcome(job: FileJob, message: string): FileOutcome {
  return { ...emptyOutcome(job), ruleFailures: [{ ruleId: 'engine', message }] };
}

async function runOnLanes(jobs: FileJob[], lanes: number, options: RunOptions, started: Worker[]): Promise<FileOutcome[]> {
  // Largest files first, so one big file does not finish last on its own.
  const queue = [...jobs].sort((a, b) => b.size - a.size);
  // [0]: the next position in `queue` to take; [1 + w]: the position worker
  // slot w is linting (-1 when none).
  const claims = new Int32Array(new SharedArrayBuffer(4 * (1 + lanes)));
  const take = (): FileJob | undefined => {
    const at = Atomics.add(claims, 0, 1);
    return at < queue.length ? queue[at] : undefined;
  };
  const results = new Map<number, FileOutcome>();
  // Settled when every job has its outcome, or no worker is left to send one.
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const record = (outcome: FileOutcome): void => {
    results.set(outcome.id, outcome);
    options.onProgress?.(results.size, jobs.length);
    if (results.size === jobs.length) settle();
  };
  const syntaxReady = mainThreadSyntax(jobs);

  // The main thread's first file, taken before any worker can take it.
  let mine = take();
  // What every worker gets (replacements too): the queue after the main
  // thread's first file.
  const base = Atomics.load(claims, 0);
  const forWorkers: Omit<WorkerInput, 'slot'> = { claims, base, jobs: queue.slice(base) };
  const live = new Set<Worker>();
  // Set when the main thread's lane fails or the run has every outcome: no
  // worker is replaced or reported after that (the caller may terminate them).
  let stopped = false;
  const start = (slot: number, waiting?: Worker): void => {
    Atomics.store(claims, 1 + slot, -1);
    const input: WorkerInput = { ...forWorkers, slot };
    const worker = waiting ?? newWorker();
    worker.postMessage(input);
    live.add(worker);
    // Whether this worker died while linting a file (that file's outcome is then an internal error).
    let lostJob = false;
    const failCurrent = (message: string): boolean => {
      const at = Atomics.exchange(claims, 1 + slot, -1);
      const job = at >= 0 ? queue[at] : undefined;
      if (!job || results.has(job.id)) return false;
      record(crashOutcome(job, message));
      lostJob = true;
      return true;
    };
    let failure: string | undefined;
    worker.on('message', (reply: WorkerReply) => {
      if (reply.kind === 'outcome') record(reply.outcome);
      else record(crashOutcome(queue.find((j) => j.id === reply.id)!, reply.message));
    });
    worker.on('error', (error) => {
      if (!failCurrent(`worker crashed: ${error.message}`)) failure ??= error.message;
    });
    worker.on('exit', (code) => {
      live.delete(worker);
      if (code !== 0 && !failCurrent(`worker exited with code ${code}`)) failure ??= `exited with code ${code}`;
      // A worker that crashed on a file is replaced while files remain. One
      // that died holding none (it could not start) is not: a new one would
      // most likely fail the same way, and the main thread's lane takes its
      // share, as it takes files until none are left.
      if (lostJob && !stopped && Atomics.load(claims, 0) < queue.length) start(slot);
      else {
        if (!lostJob && failure !== undefined && !stopped) options.onWorkerFailure?.(failure);
        if (live.size === 0) settle();
      }
    });
  };
  for (let slot = 0; slot < lanes - 1; slot++) {
    const waiting = started[slot];
    start(slot, waiting && !exited.has(waiting) ? waiting : undefined);
  }

  let syntax: CSyntax;
  try {
    syntax = await syntaxReady;
  } catch (error) {
    // Without a parser on this thread the run fails (an internal error): the workers stop too.
    stopped = true;
    for (const worker of live) void worker.terminate();
    throw error;
  }
  for (; mine; mine = take()) {
    record(lintFileJob(syntax, mine));
    // Take the workers' messages (and repaint progress) between files.
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Not waiting for the workers to exit (about 10 ms): they end while the
  // report is written.
  if (results.size < jobs.length && live.size > 0) await settled;
  stopped = true;
  return jobs.map((j) => results.get(j.id) ?? crashOutcome(j, 'no result from its worker'));
}
