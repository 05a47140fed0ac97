/** zerocopy/ rules: data moved through user space for nothing. One line per rule. */
import type { Rule } from '../../engine/rule';
import { mmapWrite } from './mmap-write';
import { readThenCopy } from './read-then-copy';
import { readWriteLoop } from './read-write-loop';
import { socketRelay } from './socket-relay';
import { stdioCopyLoop } from './stdio-copy-loop';

export const zerocopyRules: Rule[] = [
  mmapWrite,
  readThenCopy,
  readWriteLoop,
  socketRelay,
  stdioCopyLoop,
];
