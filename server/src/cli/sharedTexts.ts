/**
 * File texts handed to worker threads through shared memory, as UTF-8.
 *
 * Why: cloning the texts into a message cost the main thread 18 ms and the
 * worker about 80 ms more before it could start (benchmark corpus: 8.3 MB of
 * text for the worker). Encoding them into a SharedArrayBuffer costs the main
 * thread 5–25 ms (more when texts hold non-Latin-1 characters); the message
 * then arrives within 5 ms, and a worker decodes only the files it takes.
 */
export interface SharedTexts {
  bytes: SharedArrayBuffer;
  /** Where text i ends in `bytes`; it starts where text i - 1 ends (0 for the first). */
  ends: number[];
}

export function shareTexts(texts: readonly string[]): SharedTexts {
  const ends: number[] = [];
  let total = 0;
  for (const text of texts) ends.push((total += Buffer.byteLength(text, 'utf8')));
  const bytes = new SharedArrayBuffer(total);
  const view = new Uint8Array(bytes);
  const encoder = new TextEncoder();
  texts.forEach((text, i) => encoder.encodeInto(text, view.subarray(i === 0 ? 0 : ends[i - 1])));
  return { bytes, ends };
}

/** Text i, exactly as given to `shareTexts` (a leading U+FEFF included). */
export function sharedText(shared: SharedTexts, i: number): string {
  const start = i === 0 ? 0 : shared.ends[i - 1]!;
  return Buffer.from(shared.bytes, start, shared.ends[i]! - start).toString('utf8');
}
