/**
 * The rule registry: one sorted list. Adding a rule means adding its module,
 * its docs page, its fixtures, and one line here.
 */
import type { Rule } from '../engine/rule';
import { overlappingMemcpy } from './copy/overlapping-memcpy';

export const rules: readonly Rule[] = [
  overlappingMemcpy,
].sort((a, b) => a.id.localeCompare(b.id));

export function ruleById(id: string): Rule | undefined {
  return rules.find((r) => r.id === id);
}
