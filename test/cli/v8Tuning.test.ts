/** The CLI's V8 tier-up budget (server/src/cli/v8Tuning.ts). */
import { describe, expect, it } from 'vitest';
import { tuneV8ForBatchRun } from '../../server/src/cli/v8Tuning';

describe('tuneV8ForBatchRun', () => {
  it("leaves V8 alone when node was started with the user's own budget", () => {
    expect(tuneV8ForBatchRun(['--interrupt-budget=67584'])).toBe(false);
    expect(tuneV8ForBatchRun(['--max-old-space-size=4096', '--interrupt-budget', '1000'])).toBe(false);
  });

  it('raises the budget otherwise', () => {
    expect(tuneV8ForBatchRun(['--max-old-space-size=4096'])).toBe(true);
  });
});
