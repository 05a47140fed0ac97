/**
 * One function's model: its IR, the variables in scope at each point, and
 * the calls it makes with their loop context.
 *
 * Invariant: name lookup follows C's block scoping (innermost declaration
 * before the use point wins, then parameters, then the file's globals).
 */
import type { NameTypes } from './constants';
import type { FileModel } from './fileModel';
import type { Expr, FunctionIR, Range, Stmt, TypeRef, VarDecl } from './ir';
import type { FunctionHeader, FunctionSource, ScopedDecl } from './lazyFunction';
import { collectCalls, forEachStmt, type CallExpr, type CallSite } from './walk';
import { buildCfg, canReturn, isNoReturnCall, type Cfg } from './cfg';

export type SymbolKind = 'local' | 'param' | 'global';

export interface VarSymbol {
  name: string;
  kind: SymbolKind;
  type: TypeRef;
  init: Expr | undefined;
  /** Where the declarator is. */
  range: Range;
  nameRange: Range;
  /** Where the name is visible: from its declaration to the end of the enclosing block. */
  scope: Range;
  isStatic: boolean;
}

/**
 * The function's IR is lowered on first use of `ir`, `calls` or `cfg`.
 * `callsTo` and `lookup` work without it, from the tree, which is much
 * cheaper: rules that look at a few calls should start there and ask for the
 * IR only when a call is worth a closer look (see lazyFunction.ts).
 */
export class FunctionModel implements NameTypes {
  readonly params: VarSymbol[];
  private irCache: FunctionIR | undefined;
  private localsCache: VarSymbol[] | undefined;
  private callSites: CallSite[] | undefined;
  private cfgCache: Cfg | undefined;

  constructor(private readonly source: FunctionSource, readonly file: FileModel) {
    const h = source.header;
    this.params = h.params.map((p) => ({
      name: p.name, kind: 'param', type: p.type, init: undefined, range: p.range, nameRange: p.range, scope: h.range, isStatic: false,
    }));
  }

  get name(): string {
    return this.source.header.name;
  }

  get header(): FunctionHeader {
    return this.source.header;
  }

  /** The whole body as IR (lowered on first use). */
  get ir(): FunctionIR {
    this.irCache ??= this.source.lowerBody() ?? emptyFunction(this.source.header);
    return this.irCache;
  }

  /** Every local variable with its scope. */
  get locals(): VarSymbol[] {
    this.localsCache ??= this.irCache ? localsFromIr(this.irCache) : localsFromDecls(this.source.lowerDeclarations());
    return this.localsCache;
  }

  /** Every call in the function in source order (lowers the whole body). */
  get calls(): CallSite[] {
    this.callSites ??= collectCalls(this.ir.body);
    return this.callSites;
  }

  /** The calls to any of `names`, in source order, without lowering the whole body. */
  callsTo(names: ReadonlySet<string>): CallExpr[] {
    if (this.callSites) return this.callSites.filter((c) => c.name !== undefined && names.has(c.name)).map((c) => c.call);
    return this.source.lowerCallsTo(names);
  }

  /**
   * The control-flow graph (cfg.ts), built on first use and shared by all
   * rules. Calls that do not return: the library list, `assert(0)`, and
   * functions of this file that can never return.
   */
  get cfg(): Cfg {
    if (!this.cfgCache) {
      const fold = (e: Expr): number | undefined => this.fold(e);
      this.cfgCache = buildCfg(this.ir, { fold, isNoReturn: (c) => isNoReturnCall(c, fold) || this.calleeNeverReturns(c.name) });
    }
    return this.cfgCache;
  }

  /** The variable a name refers to at offset `at`. */
  lookup(name: string, at: number): VarSymbol | undefined {
    let best: VarSymbol | undefined;
    for (const local of this.locals) {
      if (local.name !== name || at < local.range.start || at >= local.scope.end) continue;
      if (!best || local.scope.start >= best.scope.start) best = local;
    }
    if (best) return best;
    const param = this.params.find((p) => p.name === name);
    if (param) return param;
    const g = this.file.globals.get(name);
    if (!g) return undefined;
    return { name, kind: 'global', type: g.type, init: g.init, range: g.range, nameRange: g.nameRange, scope: { start: 0, end: Number.MAX_SAFE_INTEGER }, isStatic: g.type.storage.includes('static') };
  }

  typeOfName(name: string, at: number): TypeRef | undefined {
    return this.lookup(name, at)?.type;
  }

  /** Folds an expression to a constant in this function's scope. */
  fold(e: Expr | undefined): number | undefined {
    return this.file.constants.fold(e, this);
  }

  /** `sizeof` of an object expression (name, `*p`, `a[i]`, `s.f`), if known. */
  sizeOfObject(e: Expr): number | undefined {
    return this.file.constants.sizeOfExpr(e, this);
  }

  typeOf(e: Expr): TypeRef | undefined {
    return this.file.constants.typeOfExpr(e, this);
  }

  /**
   * A function of this file that can never return (`die()` calling `exit`).
   * One level deep: the callee's own graph is built with the library list
   * only, so finding this out never lowers more than the callee.
   */
  private calleeNeverReturns(name: string | undefined): boolean {
    if (!name || name === this.name) return false;
    const entry = this.file.functionNamed(name);
    let known = noReturnCache.get(this.file);
    if (!known) noReturnCache.set(this.file, (known = new Map()));
    const cached = known.get(name);
    if (cached !== undefined) return cached;
    const callee = entry ? this.file.model(entry) : undefined;
    const result = callee !== undefined && !canReturn(buildCfg(callee.ir, { fold: (e) => callee.fold(e) }));
    known.set(name, result);
    return result;
  }

}

/** Per file: which of its functions can never return. */
const noReturnCache = new WeakMap<FileModel, Map<string, boolean>>();

function emptyFunction(h: FunctionHeader): FunctionIR {
  return { ...h, body: { kind: 'block', body: [], range: h.range } };
}

function toLocal(d: VarDecl, scope: Range): VarSymbol {
  return {
    name: d.name, kind: 'local', type: d.type, init: d.init, range: d.range, nameRange: d.nameRange,
    scope: { start: d.range.start, end: scope.end }, isStatic: d.type.storage.includes('static'),
  };
}

function localsFromDecls(decls: ScopedDecl[]): VarSymbol[] {
  return decls.map((d) => toLocal(d.decl, d.scope));
}

function localsFromIr(ir: FunctionIR): VarSymbol[] {
  const out: VarSymbol[] = [];
  forEachStmt(ir.body, (s, ancestors) => {
    if (s.kind !== 'decl') return;
    const scope = enclosingScope(ancestors, s);
    for (const d of s.decls) out.push(toLocal(d, scope));
  });
  return out;
}

function enclosingScope(ancestors: readonly Stmt[], self: Stmt): Range {
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i]!;
    if (a.kind === 'block' || a.kind === 'for' || a.kind === 'case') return a.range;
  }
  return self.range;
}
