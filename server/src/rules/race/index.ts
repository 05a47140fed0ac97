/** race/ rules: concurrency that risks corrupting data. One line per rule. */
import type { Rule } from '../../engine/rule';
import { aioBufferInFlight } from './aio-buffer-in-flight';

export const raceRules: Rule[] = [
  aioBufferInFlight,
];
