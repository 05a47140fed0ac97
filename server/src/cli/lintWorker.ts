/**
 * Worker-thread entry for `--jobs N` (runner.ts): loads the parser from the
 * modules the main thread compiled (its `workerData`) while it waits for one
 * message with its jobs, then takes jobs from the shared counter until none
 * are left (reading each file itself, lintFile.ts), posting each outcome,
 * and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadNodeSyntax, type CompiledSyntax } from '../host/nodeSyntax';
import { lintFileJob, type FileJob, type FileOutcome } from './lintFile';

/** What a worker is started with. */
export type WorkerData = CompiledSyntax;

export interface WorkerInput {
  /** [0]: next position to take in the main thread's queue; [1 + slot]: the position this worker is linting. */
  claims: Int32Array;
  slot: number;
  /** The queue position of `jobs[0]`: workers take positions from here on. */
  base: number;
  /** The queue from `base` on. */
  jobs: FileJob[];
}

export type WorkerReply = { kind: 'outcome'; outcome: FileOutcome } | { kind: 'crash'; id: number; message: string };

async function run(port: NonNullable<typeof parentPort>, input: WorkerInput): Promise<void> {
  const syntax = await loadNodeSyntax({ compiled: workerData as WorkerData });
  const { claims, slot, base, jobs } = input;
  for (let at = Atomics.add(claims, 0, 1); at < base + jobs.length; at = Atomics.add(claims, 0, 1)) {
    Atomics.store(claims, 1 + slot, at);
    const job = jobs[at - base]!;
    try {
      port.postMessage({ kind: 'outcome', outcome: lintFileJob(syntax, job) } satisfies WorkerReply);
    } catch (error) {
      port.postMessage({ kind: 'crash', id: job.id, message: error instanceof Error ? error.message : String(error) } satisfies WorkerReply);
    }
    Atomics.store(claims, 1 + slot, -1);
  }
  // Nothing keeps the thread alive now: it exits, after its messages are delivered.
}

const port = parentPort;
if (port) {
  // Starts loading now, before the jobs arrive.
  void loadNodeSyntax({ compiled: workerData as WorkerData }).catch(() => undefined);
  port.once('message', (input: WorkerInput) => void run(port, input));
}
