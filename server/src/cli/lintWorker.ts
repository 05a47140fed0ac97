/**
 * Worker-thread entry for `--jobs N`: loads the parser once, then lints the
 * jobs the main thread sends, one at a time.
 */
import { parentPort } from 'node:worker_threads';
import { loadNodeSyntax } from '../host/nodeSyntax';
import { lintFileJob, type FileJob, type FileOutcome } from './lintFile';

export type WorkerReply = { kind: 'outcome'; outcome: FileOutcome } | { kind: 'crash'; id: number; message: string };

const port = parentPort;
if (port) {
  const syntaxReady = loadNodeSyntax();
  port.on('message', async (job: FileJob) => {
    try {
      const outcome = lintFileJob(await syntaxReady, job);
      port.postMessage({ kind: 'outcome', outcome } satisfies WorkerReply);
    } catch (error) {
      port.postMessage({ kind: 'crash', id: job.id, message: error instanceof Error ? error.message : String(error) } satisfies WorkerReply);
    }
  });
}
