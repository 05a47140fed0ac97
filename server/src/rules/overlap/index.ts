/** overlap/ rules: work that waits when it could run alongside. One line per rule. */
import type { Rule } from '../../engine/rule';

export const overlapRules: Rule[] = [
];
