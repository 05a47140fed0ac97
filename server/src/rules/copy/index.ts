/** copy/ rules: copies that are wrong or wasteful. One line per rule. */
import type { Rule } from '../../engine/rule';
import { elementwiseCopyLoop } from './elementwise-copy-loop';
import { overflowingCopy } from './overflowing-copy';
import { overlappingMemcpy } from './overlapping-memcpy';
import { redundantCopy } from './redundant-copy';
import { sizeofPointer } from './sizeof-pointer';
import { unboundedStringCopy } from './unbounded-string-copy';

export const copyRules: Rule[] = [
  elementwiseCopyLoop,
  overflowingCopy,
  overlappingMemcpy,
  redundantCopy,
  sizeofPointer,
  unboundedStringCopy,
];
