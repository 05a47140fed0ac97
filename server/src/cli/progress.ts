/**
 * A progress bar on stderr, only when stderr is a terminal and the run lasts
 * long enough to need one (it appears after a short delay).
 */
import { SingleBar } from 'cli-progress';

const DELAY_MS = 500;

export class Progress {
  private bar: SingleBar | undefined;
  private readonly startedAt = Date.now();

  constructor(private readonly enabled: boolean) {}

  update(done: number, total: number): void {
    if (!this.enabled) return;
    if (!this.bar) {
      if (Date.now() - this.startedAt < DELAY_MS || done === total) return;
      this.bar = new SingleBar({ format: 'linting [{bar}] {value}/{total} files | {eta_formatted} left', stream: process.stderr, clearOnComplete: true, hideCursor: true });
      this.bar.start(total, done);
    }
    this.bar.update(done);
  }

  stop(): void {
    this.bar?.stop();
  }
}
