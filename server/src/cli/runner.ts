/**
 * Runs file jobs in-process or on a pool of worker threads.
 *
 * Invariants: outcomes come back in job order whatever order workers finish
 * in; a worker that dies fails only its current job (reported as an internal
 * error) and is replaced.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadNodeSyntax } from '../host/nodeSyntax';
import { lintFileJob, type FileJob, type FileOutcome } from './lintFile';
import type { WorkerReply } from './lintWorker';

export interface RunOptions {
  jobs: number;
  onProgress?: (done: number, total: number) => void;
}

/** Below this much text, starting workers costs more than it saves. */
const MIN_BYTES_FOR_WORKERS = 256 * 1024;

export async function runJobs(jobs: FileJob[], options: RunOptions): Promise<FileOutcome[]> {
  const totalBytes = jobs.reduce((n, j) => n + j.text.length, 0);
  const workers = Math.min(options.jobs, jobs.length);
  if (workers <= 1 || totalBytes < MIN_BYTES_FOR_WORKERS) return runInProcess(jobs, options);
  return runOnWorkers(jobs, workers, options);
}

async function runInProcess(jobs: FileJob[], options: RunOptions): Promise<FileOutcome[]> {
  const syntax = await loadNodeSyntax();
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
  return { id: job.id, path: job.path, findings: [], unusedDirectives: [], ruleFailures: [{ ruleId: 'engine', message }], hasSyntaxErrors: false, fixedCount: 0 };
}

function runOnWorkers(jobs: FileJob[], count: number, options: RunOptions): Promise<FileOutcome[]> {
  // Largest files first, so one big file does not finish last on its own.
  const queue = [...jobs].sort((a, b) => b.text.length - a.text.length);
  const results = new Map<number, FileOutcome>();
  const script = join(__dirname, 'lint-worker.js');
  return new Promise((resolve) => {
    let live = 0;
    const finish = (): void => {
      if (results.size === jobs.length && live === 0) resolve(jobs.map((j) => results.get(j.id)!));
    };
    const record = (outcome: FileOutcome): void => {
      results.set(outcome.id, outcome);
      options.onProgress?.(results.size, jobs.length);
    };
    const start = (): void => {
      const worker = new Worker(script);
      live++;
      let current: FileJob | undefined;
      const next = (): void => {
        current = queue.shift();
        if (current) worker.postMessage(current);
        else void worker.terminate();
      };
      worker.on('message', (reply: WorkerReply) => {
        if (reply.kind === 'outcome') record(reply.outcome);
        else if (current) record(crashOutcome(current, reply.message));
        next();
      });
      worker.on('error', (error) => {
        if (current) record(crashOutcome(current, `worker crashed: ${error.message}`));
        current = undefined;
      });
      worker.on('exit', () => {
        live--;
        // A crashed worker leaves work behind: start a replacement.
        if (queue.length > 0) start();
        finish();
      });
      next();
    };
    for (let i = 0; i < count; i++) start();
  });
}
