/** The CLI's view of its process, injectable for tests. */
export interface CliIO {
  cwd: string;
  version: string;
  stdout(text: string): void;
  stderr(text: string): void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

/** A mistake in the command line: exit code 2, message without a stack trace. */
export class UsageError extends Error {}
