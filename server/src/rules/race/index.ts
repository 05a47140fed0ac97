/** race/ rules: concurrency that risks corrupting data. One line per rule. */
import type { Rule } from '../../engine/rule';
import { aioBufferInFlight } from './aio-buffer-in-flight';
import { aioMissingReturn } from './aio-missing-return';
import { aioStackEscape } from './aio-stack-escape';
import { threadArgLoopVar } from './thread-arg-loop-var';
import { threadArgStackEscape } from './thread-arg-stack-escape';
import { threadSharedWrite } from './thread-shared-write';
import { unlockedSharedCounter } from './unlocked-shared-counter';

export const raceRules: Rule[] = [
  aioBufferInFlight,
  aioMissingReturn,
  aioStackEscape,
  threadArgLoopVar,
  threadArgStackEscape,
  threadSharedWrite,
  unlockedSharedCounter,
];
