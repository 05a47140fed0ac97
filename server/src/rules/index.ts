/**
 * The rule registry: one sorted list. Adding a rule means adding its module,
 * its docs page, its fixtures, and one line in its family's index.ts.
 */
import { byCodeUnits } from '../engine/order';
import type { Rule } from '../engine/rule';
import { copyRules } from './copy/index';
import { overlapRules } from './overlap/index';
import { raceRules } from './race/index';
import { zerocopyRules } from './zerocopy/index';

export const rules: readonly Rule[] = [...copyRules, ...zerocopyRules, ...overlapRules, ...raceRules].sort((a, b) => byCodeUnits(a.id, b.id));

export function ruleById(id: string): Rule | undefined {
  return rules.find((r) => r.id === id);
}
