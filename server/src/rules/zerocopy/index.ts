/** zerocopy/ rules: data moved through user space for nothing. One line per rule. */
import type { Rule } from '../../engine/rule';
import { readWriteLoop } from './read-write-loop';

export const zerocopyRules: Rule[] = [
  readWriteLoop,
];
