/**
 * Path queries over a function's control-flow graph (cfg.ts), and a small
 * forward dataflow solver for facts that depend on the path taken.
 *
 * The queries rules ask:
 *   pathAvoiding(from, to, avoid)      a path from `from` to `to` passing no `avoid` node (a witness, or undefined)
 *   reachesExitAvoiding(cfg, from, b)  "is there a path from A to the function's exit that passes no B"
 *   everyPathReaches(cfg, from, b)     "does every path from A (to the exit) pass through B"
 *   nodesBetween(from, to)             "what lies between A and B on some path", in source order
 *   reachableFrom(from)                every node some path from `from` reaches
 *   solveForward(cfg, problem)         per-node facts at entry and exit of each node
 *
 * Conventions: `from` itself is never part of a path's inside (a query
 * starts just after its event); `to` ends a path and is not "passed". Edge
 * filters (`options.edge`) prune edges a rule knows are infeasible, such as
 * the failure branch of a submission. Paths ending in `trap` (exit(),
 * abort()) do not reach the function's exit: the function never returns on
 * them. Every query is linear in the size of the graph.
 */
import type { Cfg, CfgEdge, CfgNode } from './cfg';

export type NodePredicate = (n: CfgNode) => boolean;

export interface PathOptions {
  /** Follow only edges for which this returns true. */
  edge?: (e: CfgEdge) => boolean;
}

/**
 * A path from `from` (exclusive) to a node matching `to`, passing no node
 * matching `avoid`; undefined when there is none. The path lists the nodes
 * after `from`, the target last.
 */
export function pathAvoiding(from: CfgNode, to: CfgNode | NodePredicate, avoid: NodePredicate, options: PathOptions = {}): CfgNode[] | undefined {
  const isTarget = typeof to === 'function' ? to : (n: CfgNode) => n === to;
  const parent = new Map<CfgNode, CfgNode | null>();
  const queue: CfgNode[] = [];
  const push = (n: CfgNode, p: CfgNode | null): void => {
    if (parent.has(n)) return;
    parent.set(n, p);
    queue.push(n);
  };
  for (const e of from.succs) if (!options.edge || options.edge(e)) push(e.to, null);
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i]!;
    if (isTarget(n)) {
      const path: CfgNode[] = [];
      for (let c: CfgNode | null = n; c; c = parent.get(c) ?? null) path.push(c);
      return path.reverse();
    }
    if (avoid(n)) continue;
    for (const e of n.succs) if (!options.edge || options.edge(e)) push(e.to, n);
  }
  return undefined;
}

/** Is there a path from `from` to the function's exit that passes no `avoid` node? Returns a witness path. */
export function reachesExitAvoiding(cfg: Cfg, from: CfgNode, avoid: NodePredicate, options: PathOptions = {}): CfgNode[] | undefined {
  return pathAvoiding(from, cfg.exit, (n) => n !== cfg.exit && avoid(n), options);
}

/**
 * Does every path from `from` that reaches the function's exit pass through a
 * `target` node? Paths that end in `trap` or loop forever are not counted.
 */
export function everyPathReaches(cfg: Cfg, from: CfgNode, target: NodePredicate, options: PathOptions = {}): boolean {
  return reachesExitAvoiding(cfg, from, target, options) === undefined;
}

/** Every node reachable from `from` (exclusive of `from` unless on a cycle), not expanding past `stop` nodes. */
export function reachableFrom(from: CfgNode, options: PathOptions & { stop?: NodePredicate } = {}): Set<CfgNode> {
  const seen = new Set<CfgNode>();
  const stack: CfgNode[] = [];
  for (const e of from.succs) if (!options.edge || options.edge(e)) stack.push(e.to);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (options.stop?.(n)) continue;
    for (const e of n.succs) if (!options.edge || options.edge(e)) stack.push(e.to);
  }
  return seen;
}

/** Nodes that reach `to` (exclusive) going backwards, not expanding past `stop` nodes. */
export function reachingTo(to: CfgNode, options: PathOptions & { stop?: NodePredicate } = {}): Set<CfgNode> {
  const seen = new Set<CfgNode>();
  const stack: CfgNode[] = [];
  for (const e of to.preds) if (!options.edge || options.edge(e)) stack.push(e.from);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (options.stop?.(n)) continue;
    for (const e of n.preds) if (!options.edge || options.edge(e)) stack.push(e.from);
  }
  return seen;
}

/**
 * Nodes lying on some path from `from` to `to` that does not pass through
 * `from` or `to` again, in source (id) order. With `options.eventsOnly`
 * (the default) only nodes with an event are returned.
 */
export function nodesBetween(from: CfgNode, to: CfgNode, options: PathOptions & { eventsOnly?: boolean } = {}): CfgNode[] {
  const stopAtEnds = (n: CfgNode): boolean => n === from || n === to;
  const forward = reachableFrom(from, { ...options, stop: stopAtEnds });
  if (!forward.has(to)) return [];
  const backward = reachingTo(to, { ...options, stop: stopAtEnds });
  const out: CfgNode[] = [];
  for (const n of forward) {
    if (n === from || n === to || !backward.has(n)) continue;
    if (options.eventsOnly !== false && !n.event) continue;
    out.push(n);
  }
  return out.sort((a, b) => a.id - b.id);
}

// ------------------------------------------------------------------ dataflow

export interface ForwardProblem<S> {
  /** The fact at function entry. */
  initial: S;
  /** The fact after a node, given the fact before it. Must not mutate `before`. */
  transfer(node: CfgNode, before: S): S;
  /** The fact along an edge, given the fact after its source; undefined marks the edge infeasible. */
  edge?(edge: CfgEdge, after: S): S | undefined;
  /** Least upper bound of two facts (paths meet). */
  join(a: S, b: S): S;
  equals(a: S, b: S): boolean;
}

export interface ForwardSolution<S> {
  /** Fact on entry to each reached node (joined over incoming edges). */
  before: Map<CfgNode, S>;
  /** Fact after each reached node. */
  after: Map<CfgNode, S>;
}

/**
 * A standard worklist solver (nodes visited in id order, which follows the
 * source). Terminates when `join` climbs a finite lattice; as a guard, it
 * stops after `maxVisits` node visits per node and keeps what it has.
 */
export function solveForward<S>(cfg: Cfg, problem: ForwardProblem<S>, maxVisits = 50): ForwardSolution<S> {
  const before = new Map<CfgNode, S>();
  const after = new Map<CfgNode, S>();
  const visits = new Map<CfgNode, number>();
  const pending = new IdQueue();
  before.set(cfg.entry, problem.initial);
  pending.add(cfg.entry);
  for (let node = pending.pop(); node; node = pending.pop()) {
    const count = (visits.get(node) ?? 0) + 1;
    visits.set(node, count);
    if (count > maxVisits) continue;
    const out = problem.transfer(node, before.get(node)!);
    after.set(node, out);
    for (const e of node.succs) {
      const along = problem.edge ? problem.edge(e, out) : out;
      if (along === undefined) continue;
      const old = before.get(e.to);
      const merged = old === undefined ? along : problem.join(old, along);
      if (old === undefined || !problem.equals(old, merged)) {
        before.set(e.to, merged);
        pending.add(e.to);
      }
    }
  }
  return { before, after };
}

/** A set of nodes popped smallest id first (a binary heap plus a membership set). */
class IdQueue {
  private readonly heap: CfgNode[] = [];
  private readonly members = new Set<CfgNode>();

  add(n: CfgNode): void {
    if (this.members.has(n)) return;
    this.members.add(n);
    const h = this.heap;
    h.push(n);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (h[p]!.id <= h[i]!.id) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  pop(): CfgNode | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.id < h[m]!.id) m = l;
        if (r < h.length && h[r]!.id < h[m]!.id) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    this.members.delete(top);
    return top;
  }
}
