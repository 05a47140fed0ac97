/** Deterministic pseudo-random numbers for property tests, so a failure can be replayed from its seed. */
export function seededRandom(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
}
