/**
 * Applying fixes to text.
 *
 * Invariants: only fixes at or above the requested safety are applied; edits
 * of one fix are applied together or not at all; a fix whose edits overlap an
 * already chosen edit is skipped (the caller re-lints and tries again, as
 * ESLint does, up to a fixed number of passes).
 */
import type { Finding, Fix, TextEdit } from './types';

export interface ApplyFixesOptions {
  /** Also apply fixes marked unsafe. */
  unsafe?: boolean;
}

export function applicableFix(finding: Finding, options: ApplyFixesOptions = {}): Fix | undefined {
  return finding.fixes.find((f) => f.applicability === 'safe' || (options.unsafe === true && f.applicability === 'unsafe'));
}

export function applyFixes(text: string, findings: Finding[], options: ApplyFixesOptions = {}): { text: string; fixed: Finding[] } {
  const chosen: TextEdit[] = [];
  const fixed: Finding[] = [];
  const ordered = [...findings].sort((a, b) => a.range.start - b.range.start);
  for (const finding of ordered) {
    const fix = applicableFix(finding, options);
    if (!fix || fix.edits.length === 0) continue;
    if (fix.edits.some((e) => chosen.some((c) => overlaps(c, e)))) continue;
    chosen.push(...fix.edits);
    fixed.push(finding);
  }
  chosen.sort((a, b) => b.range.start - a.range.start || b.range.end - a.range.end);
  let out = text;
  for (const edit of chosen) out = out.slice(0, edit.range.start) + edit.text + out.slice(edit.range.end);
  return { text: out, fixed };
}

function overlaps(a: TextEdit, b: TextEdit): boolean {
  // Two insertions at the same point would be ambiguous in order; treat as overlap.
  if (a.range.start === b.range.start) return true;
  return a.range.start < b.range.end && b.range.start < a.range.end;
}
