/**
 * V8 tiering for a batch run of the CLI.
 *
 * V8 sends a function to its optimizing compiler (TurboFan) once it has run
 * about 66 KB of bytecode: a budget made for pages that live for minutes. A
 * lint run lasts seconds, and with that budget it optimized about 290
 * functions per run, costing 1.1–1.6 s of compiler CPU on background threads
 * (perf, 17.8 MB corpus). With `--jobs 1` that CPU hides on the idle second
 * core; with `--jobs 2` it takes turns with the lanes, so it was most of what
 * kept two lanes from being twice as fast. With a 12× larger budget only the
 * hottest 55–85 functions are optimized (`--trace-opt`, over several
 * builds): `--jobs 2` ran 7–9% faster and `--jobs 1` no slower
 * (docs/benchmarks.md).
 *
 * The language server keeps V8's default: it lives long enough to repay
 * every optimization.
 */
import { setFlagsFromString } from 'node:v8';

/** Bytecode a function runs before V8 optimizes it (V8's default: 67,584). */
export const BATCH_INTERRUPT_BUDGET = 800_000;

/**
 * Raises V8's tier-up budget for this process and the worker threads it
 * starts, unless node was started with its own `--interrupt-budget`.
 * Returns whether it did.
 */
export function tuneV8ForBatchRun(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => arg.startsWith('--interrupt-budget'))) return false;
  setFlagsFromString(`--interrupt-budget=${BATCH_INTERRUPT_BUDGET}`);
  return true;
}
