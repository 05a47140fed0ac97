/** zerocopy/ rules: data moved through user space for nothing. One line per rule. */
import type { Rule } from '../../engine/rule';
import { readWriteLoop } from './read-write-loop';
import { socketRelay } from './socket-relay';
import { stdioCopyLoop } from './stdio-copy-loop';

export const zerocopyRules: Rule[] = [
  readWriteLoop,
  socketRelay,
  stdioCopyLoop,
];
