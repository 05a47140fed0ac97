/**
 * One call for adapters: simulate a scenario as written and, optionally, with
 * the suggested change, and package both with their comparison and the
 * assumptions behind them as a `Timeline`.
 *
 * Invariants: pure; the result validates against `timeline.schema.json`.
 */

import type { MachineProfile } from './profile';
import type { Scenario } from './scenario';
import { simulate, type SimulateOptions } from './simulator';
import { compareSchedules, type Assumptions, type Timeline } from './timeline';

export function simulateTimeline(
  asWritten: Scenario,
  withChange: Scenario | undefined,
  profile: MachineProfile,
  options: SimulateOptions = {},
): Timeline {
  const before = simulate(asWritten, profile, options);
  const after = withChange ? simulate(withChange, profile, options) : undefined;
  const notes = [...asWritten.assumptions];
  if (withChange) notes.push(...withChange.assumptions.filter((note) => !notes.includes(note)).map((note) => `with the change: ${note}`));
  const assumptions: Assumptions = { notes };
  if (asWritten.totalBytes !== undefined) assumptions.totalBytes = asWritten.totalBytes;
  if (asWritten.chunkBytes !== undefined) assumptions.chunkBytes = asWritten.chunkBytes;
  if (asWritten.fdIn !== undefined) assumptions.fdIn = asWritten.fdIn;
  if (asWritten.fdOut !== undefined) assumptions.fdOut = asWritten.fdOut;
  return {
    asWritten: before,
    ...(after ? { withChange: after, comparison: compareSchedules(before, after) } : {}),
    assumptions,
    profileName: profile.name,
  };
}
