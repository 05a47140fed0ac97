/**
 * copy/overlapping-memcpy: a copy whose source and destination provably share
 * storage. `memcpy` (and the string copies) are undefined when the ranges
 * overlap; `memmove` is defined for that case.
 */
import type { Rule } from '../../engine/rule';
import { apiEffect } from '../../model/apiEffects';
import { exprKey, linearConstant, linearIsConstant, linearOf, linearProvablyNonPositive, linearSub, regionOf, type Linear } from '../../model/regions';
import type { FunctionModel } from '../../model/functionModel';
import type { CallExpr } from '../../model/walk';
import { argByRole, sizeArg, textOf } from '../callArgs';

const CHECKED = new Set(['memcpy', 'mempcpy', 'strcpy', 'stpcpy', 'strncpy', 'strcat', 'strncat', 'sprintf', 'snprintf', 'vsprintf', 'vsnprintf']);

export const overlappingMemcpy: Rule = {
  id: 'copy/overlapping-memcpy',
  summary: 'A copy whose source and destination overlap is undefined behaviour; memmove is defined for it.',
  defaultSeverity: 'error',
  fix: 'safe',
  messages: {
    overlap: "'{{callee}}' copies between overlapping regions of '{{base}}' ({{detail}}): the result is undefined; use 'memmove'",
    overlapString: "'{{callee}}' writes into '{{base}}' while reading from it ({{detail}}): the result is undefined",
  },
  scope: 'function',
  triggers: [...CHECKED],
  candidates: /\b(memcpy|mempcpy|strn?cpy|stpcpy|strn?cat|v?sn?printf)\s*\(/,
  check(ctx) {
    for (const fn of ctx.functions()) {
      for (const call of fn.callsTo(CHECKED)) {
        const finding = overlapOf(call, fn);
        if (!finding) continue;
        const isMemcpy = call.name === 'memcpy';
        ctx.report({
          messageId: call.name === 'memcpy' || call.name === 'mempcpy' ? 'overlap' : 'overlapString',
          data: { callee: call.name!, base: finding.base, detail: finding.detail },
          range: call.range,
          functionName: fn.name,
          fixes: isMemcpy
            ? [{ title: "Replace 'memcpy' with 'memmove'", applicability: 'safe', edits: [{ range: call.callee.range, text: 'memmove' }] }]
            : [],
        });
      }
    }
  },
};

interface Overlap {
  base: string;
  detail: string;
}

function overlapOf(call: CallExpr, fn: FunctionModel): Overlap | undefined {
  const effect = apiEffect(call.name);
  const dstExpr = argByRole(call, 'dst', effect);
  if (!dstExpr) return undefined;
  const dst = regionOf(dstExpr, fn);
  if (!dst) return undefined;
  // sprintf(buf, "%s...", buf): the destination also appears among the format arguments.
  const sources = call.name!.includes('printf') ? call.args.slice(effect!.args.length) : [argByRole(call, 'src', effect)];
  for (const srcExpr of sources) {
    if (!srcExpr) continue;
    const src = regionOf(srcExpr, fn);
    // Different keys may still alias (two pointer parameters): stay silent.
    if (!src || src.base !== dst.base) continue;
    const distance = linearSub(src.offset, dst.offset);
    if (!linearIsConstant(distance)) {
      // Two symbolic offsets (`&a[4 + k]`, `&a[8 + j]`) say nothing about their distance: stay silent.
      if (!linearIsConstant(src.offset) && !linearIsConstant(dst.offset)) continue;
      // Copying forward by a symbolic distance (`memcpy(out + off, out, len)`, `&info[i]` from `&info[0]`)
      // is how patterns and slots are replicated, with the length bounded by the distance: stay silent.
      // Copying back from a symbolic offset (`memcpy(p->data, p->data + hdr, len)`) is the header-strip idiom.
      if (linearIsConstant(src.offset)) continue;
    }
    const length = lengthOf(call, fn);
    if (!mayOverlap(distance, length)) continue;
    return { base: exprKey(dst.baseExpr), detail: describeDistance(distance, fn.file.text, srcExpr, dstExpr) };
  }
  return undefined;
}

/** Bytes the call copies, as a linear form; undefined for string copies of unknown length. */
function lengthOf(call: CallExpr, fn: FunctionModel): Linear | undefined {
  const size = sizeArg(call);
  if (!size || call.name!.includes('printf')) return undefined;
  return linearOf(size, fn);
}

/**
 * Overlap is certain when the distance is a constant smaller than a constant
 * length, and assumed when the length is symbolic but not equal to the
 * distance (copying fewer bytes than the gap between two parts of one buffer
 * is not what such code is written for).
 */
function mayOverlap(distance: Linear, length: Linear | undefined): boolean {
  if (linearIsConstant(distance)) {
    const gap = Math.abs(distance.constant);
    if (!length) return true;
    if (linearIsConstant(length)) return gap < length.constant;
    return gap === 0 || !provablyAtMost(length, gap);
  }
  if (!length) return true;
  // `memcpy(buf, buf + n, n)`: the gap equals the length, the ranges only touch.
  const diff = linearSub(length, distance);
  const negDiff = linearSub(length, linearSub(linearConstant(0), distance));
  return !linearProvablyNonPositive(diff) && !linearProvablyNonPositive(negDiff);
}

function provablyAtMost(length: Linear, gap: number): boolean {
  return linearIsConstant(length) && length.constant <= gap;
}

function describeDistance(distance: Linear, text: string, src: { range: { start: number; end: number } }, dst: { range: { start: number; end: number } }): string {
  if (linearIsConstant(distance)) {
    return distance.constant === 0 ? 'source and destination are the same' : `'${textOf(text, src)}' is ${Math.abs(distance.constant)} byte(s) from '${textOf(text, dst)}'`;
  }
  return `'${textOf(text, src)}' and '${textOf(text, dst)}' point into the same object`;
}
