/**
 * Facts about a file's text that several rules ask for, computed once per
 * text rather than once per finding (which made long files quadratic).
 *
 * Invariant: keyed by the text itself; the cache holds only the last text
 * seen, since rules run file by file, so it never grows.
 */
import { LineIndex } from '../syntax/lineIndex';

let cachedText: string | undefined;
const cachedFacts = new Map<string, unknown>();

/** `compute()` once per (text, key). */
export function perText<T>(text: string, key: string, compute: () => T): T {
  if (text !== cachedText) {
    cachedText = text;
    cachedFacts.clear();
  }
  if (!cachedFacts.has(key)) cachedFacts.set(key, compute());
  return cachedFacts.get(key) as T;
}

/** `s` with the characters a regular expression gives meaning to escaped, to match it literally. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The text's line index, one per text for the engine and the rules; `known` when the caller keeps one already. */
export function lineIndexOf(text: string, known?: LineIndex): LineIndex {
  return perText(text, 'lineIndex', () => known ?? new LineIndex(text));
}

/** 1-based line of an offset. */
export function lineOf(text: string, offset: number): number {
  return lineIndexOf(text).positionAt(offset).line + 1;
}
