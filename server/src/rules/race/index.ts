/** race/ rules: concurrency that risks corrupting data. One line per rule. */
import type { Rule } from '../../engine/rule';

export const raceRules: Rule[] = [
];
