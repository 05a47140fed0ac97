/**
 * String order for sorting ids and messages: by UTF-16 code units, so that
 * output order is the same on every machine whatever its locale, and no
 * thread pays for starting ICU's collator (6 ms, once per thread).
 */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
