/**
 * What the timeline assumes about the code it cannot see: how many bytes the
 * loop moves, what its descriptors are, whether the file is in the page
 * cache, how long unknown calls take. Values come, lowest priority first,
 * from the defaults, the editor or CLI settings, `copyscope: assume` comments
 * in the code, and the CLI's `--assume` flags.
 *
 * Syntax (comments and flags alike), space separated `key=value` items:
 *
 *   /* copyscope: assume bytes=1GiB chunk=64KiB fd(in)=file fd(out)=socket cache=warm *\/
 *   // copyscope: assume iterations=100 cost(work)=2ms compute=1GB/s nic=copy
 *
 * A comment applies to the function it is in, or to the function that
 * follows it when it sits between two functions.
 *
 * Invariants: pure; parsing never throws (problems come back as messages
 * naming the item); sizes are bytes, durations ns, rates GB/s (= bytes/ns).
 */

import type { TextRange } from '../../engine/types';

export type DescriptorKindAssumption = 'file' | 'socket' | 'pipe';

export interface Assumptions {
  /** Bytes the loop moves in all (decides the iteration count of a transfer loop). */
  bytes?: number;
  /** Bytes per iteration when the code does not say. */
  chunk?: number;
  /** Iterations of a loop that moves no data, or whose count the code does not say. */
  iterations?: number;
  /** Page-cache state of input files: `warm` (cached) or `cold` (read from the disk). */
  cache?: 'warm' | 'cold';
  /** Whether the NIC gathers from page-cache pages (`sg`, no CPU copy in sendfile) or needs a copy. */
  nic?: 'sg' | 'copy';
  /** Descriptor kinds by the expression's text (`fd(client)=socket`), or `in`/`out` for the loop's input and output. */
  fd?: Record<string, DescriptorKindAssumption>;
  /** Processing of a data chunk by a call CopyScope cannot see into: a rate or a time per call. */
  compute?: { gbps: number } | { ns: number };
  /** Time of one call of a named function (`cost(work)=2ms`). */
  cost?: Record<string, number>;
}

/** The documented defaults (docs/timeline.md). */
export const DEFAULT_ASSUMPTIONS = {
  bytes: 2 ** 30,
  chunk: 64 * 2 ** 10,
  iterations: 1000,
  nic: 'sg' as const,
  /** A simple pass over the data (parse, checksum): 1 GB/s. */
  computeGBps: 1,
  /** A call of unknown cost without a data buffer. */
  callNs: 10_000,
};

export interface AssumeProblem {
  item: string;
  message: string;
}

export interface ParsedAssumptions {
  values: Assumptions;
  problems: AssumeProblem[];
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 2 ** 10, kib: 2 ** 10, kb: 1e3,
  m: 2 ** 20, mib: 2 ** 20, mb: 1e6,
  g: 2 ** 30, gib: 2 ** 30, gb: 1e9,
  t: 2 ** 40, tib: 2 ** 40, tb: 1e12,
};

const TIME_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9 };
const RATE_UNITS: Record<string, number> = { 'gb/s': 1, 'mb/s': 1e-3, 'kb/s': 1e-6, 'gib/s': 2 ** 30 / 1e9, 'mib/s': 2 ** 20 / 1e9 };

/** `64KiB`, `1GiB`, `1.5GB`, `4096` → bytes. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = SIZE_UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const value = Math.round(Number(m[1]) * unit);
  return Number.isFinite(value) ? value : undefined;
}

/** `100us`, `2ms`, `1.5s`, `500ns` → ns. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)$/i.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * TIME_UNITS[m[2]!.toLowerCase()]!;
}

/** `1GB/s`, `500MB/s`, `2GiB/s` → GB/s. */
export function parseRate(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+\/s)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = RATE_UNITS[m[2]!.toLowerCase()];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}

const KINDS = new Set(['file', 'socket', 'pipe']);

/**
 * Parses `key=value` items (from a comment or flags). Unknown keys and bad
 * values are reported and skipped; the rest still apply.
 */
export function parseAssumptions(items: readonly string[]): ParsedAssumptions {
  const values: Assumptions = {};
  const problems: AssumeProblem[] = [];
  for (const item of items.flatMap((i) => i.split(/\s+/)).filter((i) => i.length > 0)) {
    const eq = item.indexOf('=');
    const problem = (message: string): void => {
      problems.push({ item, message });
    };
    if (eq <= 0) {
      problem('expected key=value');
      continue;
    }
    const key = item.slice(0, eq).toLowerCase();
    const value = item.slice(eq + 1);
    const named = /^(fd|cost)\((.+)\)$/.exec(item.slice(0, eq));
    if (named) {
      const [, what, name] = named;
      if (what === 'fd') {
        if (!KINDS.has(value)) problem(`expected file, socket or pipe, got '${value}'`);
        else (values.fd ??= {})[name!] = value as DescriptorKindAssumption;
      } else {
        const ns = parseDuration(value);
        if (ns === undefined) problem(`expected a duration such as 2ms, got '${value}'`);
        else (values.cost ??= {})[name!] = ns;
      }
      continue;
    }
    switch (key) {
      case 'bytes':
      case 'chunk': {
        const size = parseSize(value);
        if (size === undefined || size <= 0) problem(`expected a size such as 1GiB or 64KiB, got '${value}'`);
        else values[key] = size;
        break;
      }
      case 'iterations': {
        if (!/^\d+$/.test(value) || Number(value) < 1) problem(`expected a whole number >= 1, got '${value}'`);
        else values.iterations = Number(value);
        break;
      }
      case 'cache':
        if (value !== 'warm' && value !== 'cold') problem(`expected warm or cold, got '${value}'`);
        else values.cache = value;
        break;
      case 'nic':
        if (value !== 'sg' && value !== 'copy') problem(`expected sg or copy, got '${value}'`);
        else values.nic = value;
        break;
      case 'compute': {
        const gbps = parseRate(value);
        const ns = gbps === undefined ? parseDuration(value) : undefined;
        if (gbps !== undefined && gbps > 0) values.compute = { gbps };
        else if (ns !== undefined) values.compute = { ns };
        else problem(`expected a rate such as 1GB/s or a time such as 100us, got '${value}'`);
        break;
      }
      default:
        problem('unknown key (known: bytes, chunk, iterations, cache, nic, compute, fd(NAME), cost(NAME))');
    }
  }
  return { values, problems };
}

/** Later layers win; `fd` and `cost` maps merge key by key. */
export function mergeAssumptions(...layers: (Assumptions | undefined)[]): Assumptions {
  const out: Assumptions = {};
  for (const layer of layers) {
    if (!layer) continue;
    const { fd, cost, ...plain } = layer;
    Object.assign(out, plain);
    if (fd) out.fd = { ...out.fd, ...fd };
    if (cost) out.cost = { ...out.cost, ...cost };
  }
  return out;
}

export interface AssumeComment {
  range: TextRange;
  items: string[];
}

const COMMENT = /\/\*\s*copyscope:\s*assume\b([\s\S]*?)\*\/|\/\/[ \t]*copyscope:[ \t]*assume\b([^\n]*)/g;

/** Every `copyscope: assume` comment of a text. */
export function assumeComments(text: string): AssumeComment[] {
  const out: AssumeComment[] = [];
  COMMENT.lastIndex = 0;
  for (let m = COMMENT.exec(text); m; m = COMMENT.exec(text)) {
    const body = (m[1] ?? m[2] ?? '').replace(/^\s*\*\s?/gm, ' ');
    out.push({ range: { start: m.index, end: m.index + m[0].length }, items: body.split(/\s+/).filter((s) => s.length > 0) });
  }
  return out;
}

/**
 * The comments that apply to the function at `fnRange`: those inside it,
 * and those after the end of the previous function (`previousEnd`) and
 * before it starts.
 */
export function commentsFor(comments: readonly AssumeComment[], fnRange: TextRange, previousEnd: number): AssumeComment[] {
  return comments.filter((c) => (c.range.start >= fnRange.start && c.range.end <= fnRange.end) || (c.range.start >= previousEnd && c.range.end <= fnRange.start));
}

/** Byte counts for messages: `64 KiB`, `1 GiB`, `1.5 MiB`, `100 bytes`. */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [[2 ** 40, 'TiB'], [2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
  for (const [size, name] of units) {
    if (bytes >= size) {
      const v = bytes / size;
      return `${Number.isInteger(v) ? v : v.toFixed(v < 10 ? 1 : 0)} ${name}`;
    }
  }
  return `${Math.round(bytes)} byte${bytes === 1 ? '' : 's'}`;
}

/** Durations for messages: `850 ns`, `12.5 µs`, `3.2 ms`, `1.25 s`. */
export function formatDuration(ns: number): string {
  const units: [number, string][] = [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs']];
  for (const [size, name] of units) {
    if (Math.abs(ns) >= size) return `${trim(ns / size)} ${name}`;
  }
  return `${Math.round(ns)} ns`;
}

function trim(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}
