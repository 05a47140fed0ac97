/**
 * One function's model: its IR, the variables in scope at each point, and
 * the calls it makes with their loop context.
 *
 * Invariant: name lookup follows C's block scoping (innermost declaration
 * before the use point wins, then parameters, then the file's globals).
 */
import type { NameTypes } from './constants';
import type { FileModel } from './fileModel';
import type { Expr, FunctionIR, Range, Stmt, TypeRef } from './ir';
import { collectCalls, forEachStmt, type CallSite } from './walk';
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

export class FunctionModel implements NameTypes {
  readonly locals: VarSymbol[] = [];
  readonly params: VarSymbol[];
  private callSites: CallSite[] | undefined;
  private cfgCache: Cfg | undefined;

  constructor(readonly ir: FunctionIR, readonly file: FileModel) {
    this.params = ir.params.map((p) => ({
      name: p.name, kind: 'param', type: p.type, init: undefined, range: p.range, nameRange: p.range, scope: ir.range, isStatic: false,
    }));
    this.collectLocals();
  }

  get name(): string {
    return this.ir.name;
  }

  /** Every call in the function in source order. */
  get calls(): CallSite[] {
    this.callSites ??= collectCalls(this.ir.body);
    return this.callSites;
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
    let known = noReturnCache.get(this.file);
    if (!known) noReturnCache.set(this.file, (known = new Map()));
    const cached = known.get(name);
    if (cached !== undefined) return cached;
    const entry = this.file.functionNamed(name);
    const callee = entry ? this.file.model(entry) : undefined;
    const result = callee !== undefined && !canReturn(buildCfg(callee.ir, { fold: (e) => callee.fold(e) }));
    known.set(name, result);
    return result;
  }

  private collectLocals(): void {
    forEachStmt(this.ir.body, (s, ancestors) => {
      if (s.kind !== 'decl') return;
      const scope = enclosingScope(ancestors, s);
      for (const d of s.decls) {
        this.locals.push({
          name: d.name, kind: 'local', type: d.type, init: d.init, range: d.range, nameRange: d.nameRange,
          scope: { start: d.range.start, end: scope.end }, isStatic: d.type.storage.includes('static'),
        });
      }
    });
  }
}

/** Per file: which of its functions can never return. */
const noReturnCache = new WeakMap<FileModel, Map<string, boolean>>();

function enclosingScope(ancestors: readonly Stmt[], self: Stmt): Range {
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i]!;
    if (a.kind === 'block' || a.kind === 'for' || a.kind === 'case') return a.range;
  }
  return self.range;
}
