/** overlap/ rules: work that waits when it could run alongside. One line per rule. */
import type { Rule } from '../../engine/rule';
import { aioBusyWait } from './aio-busy-wait';
import { aioImmediateWait } from './aio-immediate-wait';
import { blockingIoThenIndependentWork } from './blocking-io-then-independent-work';
import { createThenJoin } from './create-then-join';
import { serialReadProcessLoop } from './serial-read-process-loop';

export const overlapRules: Rule[] = [
  aioBusyWait,
  aioImmediateWait,
  blockingIoThenIndependentWork,
  createThenJoin,
  serialReadProcessLoop,
];
