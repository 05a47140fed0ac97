/**
 * The model's own syntax: a small, inert IR of C statements and expressions,
 * lowered from the tree-sitter tree for the functions that rules look at.
 *
 * Invariants: plain data (the tree can be deleted once lowering is done);
 * every node has `range` in UTF-16 offsets into the document text;
 * parentheses are dropped (the inner node keeps its own range); anything the
 * lowering does not understand (macros, ERROR nodes, GNU extensions) becomes
 * `unknown` so that rules stay silent on it rather than guess.
 */
import type { TextRange } from '../engine/types';

export type Range = TextRange;

export interface TypeRef {
  /** Base type as written, qualifiers and storage removed: "char", "struct job", "uint8_t". */
  base: string;
  /** Number of `*` levels. */
  pointerDepth: number;
  /** Array dimensions, outermost first; `undefined` for `[]`. */
  arrayDims: (Expr | undefined)[];
  qualifiers: string[];
  storage: string[];
  /** True for `_Atomic` or atomic_* typedefs. */
  atomic: boolean;
  /** Function pointer declarator (`void *(*fn)(void *)`). */
  functionPointer: boolean;
}

export type Expr =
  | { kind: 'ident'; name: string; range: Range }
  | { kind: 'number'; value: number | undefined; text: string; range: Range }
  | { kind: 'string'; value: string; range: Range }
  | { kind: 'char'; value: number | undefined; range: Range }
  | { kind: 'call'; callee: Expr; name: string | undefined; args: Expr[]; range: Range; argsRange: Range }
  | { kind: 'field'; object: Expr; field: string; arrow: boolean; range: Range }
  | { kind: 'index'; object: Expr; index: Expr; range: Range }
  | { kind: 'unary'; op: string; operand: Expr; range: Range }
  | { kind: 'update'; op: '++' | '--'; prefix: boolean; operand: Expr; range: Range }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; range: Range }
  | { kind: 'assign'; op: string; left: Expr; right: Expr; range: Range }
  | { kind: 'cond'; test: Expr; then: Expr | undefined; otherwise: Expr; range: Range }
  | { kind: 'cast'; type: TypeRef; operand: Expr; range: Range }
  | { kind: 'sizeof'; type: TypeRef | undefined; operand: Expr | undefined; range: Range }
  | { kind: 'comma'; exprs: Expr[]; range: Range }
  | { kind: 'init'; items: Expr[]; range: Range }
  | { kind: 'unknown'; range: Range };

export interface VarDecl {
  name: string;
  type: TypeRef;
  init: Expr | undefined;
  range: Range;
  nameRange: Range;
}

export type Stmt =
  | { kind: 'block'; body: Stmt[]; range: Range }
  | { kind: 'expr'; expr: Expr; range: Range }
  | { kind: 'decl'; decls: VarDecl[]; range: Range }
  | { kind: 'if'; test: Expr; then: Stmt; otherwise: Stmt | undefined; range: Range }
  | { kind: 'while'; test: Expr; body: Stmt; range: Range; headerRange: Range }
  | { kind: 'do'; body: Stmt; test: Expr; range: Range; headerRange: Range }
  | {
      kind: 'for';
      init: Stmt | undefined;
      test: Expr | undefined;
      update: Expr | undefined;
      body: Stmt;
      range: Range;
      headerRange: Range;
    }
  | { kind: 'switch'; test: Expr; body: Stmt; range: Range }
  /** A `case`/`default` label with the statements that follow it up to the next label. */
  | { kind: 'case'; value: Expr | undefined; body: Stmt[]; range: Range }
  | { kind: 'break'; range: Range }
  | { kind: 'continue'; range: Range }
  | { kind: 'return'; value: Expr | undefined; range: Range }
  | { kind: 'goto'; label: string; range: Range }
  | { kind: 'label'; name: string; body: Stmt; range: Range }
  | { kind: 'unknown'; range: Range };

export type LoopStmt = Extract<Stmt, { kind: 'while' | 'do' | 'for' }>;

export interface Param {
  name: string;
  type: TypeRef;
  range: Range;
}

export interface FunctionIR {
  name: string;
  returnType: TypeRef;
  params: Param[];
  body: Extract<Stmt, { kind: 'block' }>;
  range: Range;
  nameRange: Range;
  isStatic: boolean;
}

export function isLoop(stmt: Stmt): stmt is LoopStmt {
  return stmt.kind === 'while' || stmt.kind === 'do' || stmt.kind === 'for';
}
