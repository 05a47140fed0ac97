/** race/ rules: concurrency that risks corrupting data. One line per rule. */
import type { Rule } from '../../engine/rule';
import { aioBufferInFlight } from './aio-buffer-in-flight';
import { aioMissingReturn } from './aio-missing-return';
import { aioStackEscape } from './aio-stack-escape';

export const raceRules: Rule[] = [
  aioBufferInFlight,
  aioMissingReturn,
  aioStackEscape,
];
