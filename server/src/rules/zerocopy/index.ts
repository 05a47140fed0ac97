/** zerocopy/ rules: data moved through user space for nothing. One line per rule. */
import type { Rule } from '../../engine/rule';

export const zerocopyRules: Rule[] = [
];
