/**
 * What a file descriptor (or `FILE *`) expression refers to, as far as one
 * function shows: a regular file, a socket, a pipe, a special descriptor
 * (a device node, eventfd, timerfd, epoll, ...), or unknown.
 *
 * Evidence, flow-insensitive:
 * - the call that produced the value: `open`/`creat`/`openat` (a file, or a
 *   device when the path is a literal under /dev, /proc or /sys), `socket`,
 *   `accept`, `pipe(fds)` (`fds[0]`, `fds[1]`), `socketpair`, `fileno(fp)`
 *   with `fp = fopen(...)`/`popen(...)`, `dup(fd)`, `memfd_create`,
 *   `eventfd`, ... and copies (`int in = src;`);
 * - calls that only work on one kind: `connect`, `bind`, `listen`,
 *   `setsockopt`, `shutdown`, `recv`, `send`, ... (a socket); `pread`,
 *   `pwrite`, `ftruncate`, `fallocate`, `posix_fadvise` (a seekable file).
 *
 * Invariants: a kind is reported only when every piece of evidence agrees;
 * conflicting evidence gives `unknown`. Parameters, globals and
 * `STDIN_FILENO`-style constants are `unknown` unless the function itself
 * shows more. Keys are `exprKey`s, so `c->fd` and `fds[1]` work too.
 */
import type { Expr } from './ir';
import type { FunctionModel } from './functionModel';
import { assignmentsIn } from './dataflow';
import { exprKey } from './regions';
import { stripCasts, type CallExpr } from './walk';

export type DescriptorKind = 'file' | 'socket' | 'pipe' | 'special' | 'unknown';

export interface DescriptorFact {
  kind: DescriptorKind;
  /** The call that gave the evidence (for messages and related locations). */
  evidence: CallExpr | undefined;
}

const UNKNOWN: DescriptorFact = { kind: 'unknown', evidence: undefined };

/** Calls returning a new descriptor of a known kind (the path check for `open` is separate). */
const PRODUCERS: Record<string, DescriptorKind> = {
  open: 'file', open64: 'file', openat: 'file', openat64: 'file', creat: 'file', creat64: 'file',
  memfd_create: 'file', shm_open: 'file', mkstemp: 'file', mkostemp: 'file', mkstemps: 'file', mkostemps: 'file',
  fopen: 'file', fopen64: 'file', fdopen: 'unknown', tmpfile: 'file', popen: 'pipe',
  socket: 'socket', accept: 'socket', accept4: 'socket',
  eventfd: 'special', timerfd_create: 'special', signalfd: 'special', epoll_create: 'special', epoll_create1: 'special',
  inotify_init: 'special', inotify_init1: 'special', fanotify_init: 'special', userfaultfd: 'special', pidfd_open: 'special',
  posix_openpt: 'special',
};

/** Calls whose argument `index` must be a descriptor of `kind`. */
const USES: Record<string, { index: number; kind: DescriptorKind }> = {
  connect: { index: 0, kind: 'socket' }, bind: { index: 0, kind: 'socket' }, listen: { index: 0, kind: 'socket' },
  accept: { index: 0, kind: 'socket' }, accept4: { index: 0, kind: 'socket' },
  setsockopt: { index: 0, kind: 'socket' }, getsockopt: { index: 0, kind: 'socket' }, shutdown: { index: 0, kind: 'socket' },
  getpeername: { index: 0, kind: 'socket' }, getsockname: { index: 0, kind: 'socket' },
  recv: { index: 0, kind: 'socket' }, recvfrom: { index: 0, kind: 'socket' }, recvmsg: { index: 0, kind: 'socket' }, recvmmsg: { index: 0, kind: 'socket' },
  send: { index: 0, kind: 'socket' }, sendto: { index: 0, kind: 'socket' }, sendmsg: { index: 0, kind: 'socket' }, sendmmsg: { index: 0, kind: 'socket' },
  pread: { index: 0, kind: 'file' }, pread64: { index: 0, kind: 'file' }, pwrite: { index: 0, kind: 'file' }, pwrite64: { index: 0, kind: 'file' },
  preadv: { index: 0, kind: 'file' }, pwritev: { index: 0, kind: 'file' },
  ftruncate: { index: 0, kind: 'file' }, ftruncate64: { index: 0, kind: 'file' }, fallocate: { index: 0, kind: 'file' },
  posix_fadvise: { index: 0, kind: 'file' }, posix_fallocate: { index: 0, kind: 'file' },
};

/** Path prefixes of special files: reading them is not a file copy the kernel can splice. */
const SPECIAL_PATH = /^\/(dev|proc|sys)\//;

export class Descriptors {
  private readonly facts = new Map<string, DescriptorFact>();
  private readonly conflicts = new Set<string>();

  constructor(private readonly fn: FunctionModel) {
    this.collect();
  }

  /** What the descriptor (or stream) expression refers to. */
  kindOf(e: Expr): DescriptorFact {
    const x = stripCasts(e);
    if (x.kind === 'call' && x.name === 'fileno' && x.args[0]) return this.kindOf(x.args[0]);
    const key = exprKey(x);
    if (this.conflicts.has(key)) return UNKNOWN;
    return this.facts.get(key) ?? UNKNOWN;
  }

  private collect(): void {
    const assignments = assignmentsIn(this.fn.ir.body);
    const copies: { key: string; from: string }[] = [];
    for (const a of assignments) {
      if (a.op !== '=' || !a.value) continue;
      const value = stripCasts(a.value);
      if (value.kind === 'call') {
        const fact = this.produced(value);
        if (fact) this.add(a.key, fact);
        else if ((value.name === 'dup' || value.name === 'fileno') && value.args[0]) copies.push({ key: a.key, from: exprKey(value.args[0]) });
      } else if (value.kind === 'ident' || value.kind === 'field' || value.kind === 'index') {
        copies.push({ key: a.key, from: exprKey(value) });
      }
    }
    for (const site of this.fn.calls) {
      const call = site.call;
      if (!call.name) continue;
      if ((call.name === 'pipe' || call.name === 'pipe2' || call.name === 'socketpair') && call.args.length > 0) {
        const array = call.args[call.name === 'socketpair' ? 3 : 0];
        if (!array) continue;
        const kind: DescriptorKind = call.name === 'socketpair' ? 'socket' : 'pipe';
        const base = exprKey(array);
        this.add(`${base}[0]`, { kind, evidence: call });
        this.add(`${base}[1]`, { kind, evidence: call });
        continue;
      }
      const use = USES[call.name];
      const arg = use ? call.args[use.index] : undefined;
      if (use && arg) this.add(exprKey(arg), { kind: use.kind, evidence: call });
    }
    // Copies take the kind of their source; two rounds cover `a = open(); b = a; c = b;`.
    for (let round = 0; round < 2; round++) {
      for (const c of copies) {
        if (this.conflicts.has(c.from)) this.conflicts.add(c.key);
        const fact = this.facts.get(c.from);
        if (fact) this.add(c.key, fact);
      }
    }
  }

  private produced(call: CallExpr): DescriptorFact | undefined {
    if (!call.name) return undefined;
    const kind = PRODUCERS[call.name];
    if (kind === undefined || kind === 'unknown') return undefined;
    if (kind === 'file') {
      const path = call.args[call.name.startsWith('openat') ? 1 : 0];
      if (path?.kind === 'string' && SPECIAL_PATH.test(path.value)) return { kind: 'special', evidence: call };
    }
    return { kind, evidence: call };
  }

  private add(key: string, fact: DescriptorFact): void {
    const known = this.facts.get(key);
    if (known && known.kind !== fact.kind) this.conflicts.add(key);
    if (!known) this.facts.set(key, fact);
  }
}

const cache = new WeakMap<FunctionModel, Descriptors>();

/** The descriptor facts of a function, computed once per function model. */
export function descriptorsOf(fn: FunctionModel): Descriptors {
  let d = cache.get(fn);
  if (!d) {
    d = new Descriptors(fn);
    cache.set(fn, d);
  }
  return d;
}
