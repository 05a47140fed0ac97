/**
 * The cheap tier of function lowering: a function's header, its declarations
 * and selected calls, read straight from the tree without lowering the whole
 * body.
 *
 * Why: every property of a web-tree-sitter node is a call into wasm, so
 * lowering a whole body costs about a microsecond per node. Most rules only
 * need a few calls and the declarations they mention; full lowering
 * (`lowerFunction`) is kept for rules that need control flow.
 * Invariant: valid only while the tree is alive (inside `lint`).
 */
import type { SyntaxNode } from '../syntax/treeSitter';
import type { FunctionIR, Param, Range, TypeRef, VarDecl } from './ir';
import { declare, lowerDeclaration, lowerExpr, lowerFunction, lowerParams, rangeOf, withSource } from './lower';
import type { CallExpr } from './walk';
import { escapeRegExp } from './textFacts';

export interface FunctionHeader {
  name: string;
  returnType: TypeRef;
  params: Param[];
  range: Range;
  nameRange: Range;
  isStatic: boolean;
}

export interface ScopedDecl {
  decl: VarDecl;
  /** The block (or `for`, or `case`) the declaration is visible in. */
  scope: Range;
}

export interface FunctionSource {
  header: FunctionHeader;
  /** The full IR of the body. */
  lowerBody(): FunctionIR | undefined;
  /** Every local declaration with its scope, without lowering statements. */
  lowerDeclarations(): ScopedDecl[];
  /** The calls to any of `names`, in source order, each lowered alone. */
  lowerCallsTo(names: ReadonlySet<string>): CallExpr[];
}

const SCOPES = new Set(['compound_statement', 'for_statement', 'case_statement']);
const STATEMENT_CONTAINERS = new Set([
  'compound_statement', 'if_statement', 'else_clause', 'while_statement', 'do_statement', 'for_statement', 'switch_statement',
  'case_statement', 'labeled_statement', 'attributed_statement', 'preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_elifdef', 'preproc_else', 'ERROR',
]);

export function functionSource(node: SyntaxNode, text: string): FunctionSource | undefined {
  const header = withSource(text, () => readHeader(node));
  if (!header) return undefined;
  return {
    header,
    lowerBody: () => lowerFunction(node, text),
    lowerDeclarations: () => withSource(text, () => declarationsIn(node)),
    lowerCallsTo: (names) => withSource(text, () => callsIn(node, text, names)),
  };
}

function readHeader(node: SyntaxNode): FunctionHeader | undefined {
  const d = declare(node, node.childForFieldName('type'), node.childForFieldName('declarator'));
  if (!d.name || !d.nameNode || !d.isFunction) return undefined;
  return { name: d.name, returnType: d.type, params: lowerParams(d.params), range: rangeOf(node), nameRange: rangeOf(d.nameNode), isStatic: d.type.storage.includes('static') };
}

function declarationsIn(fn: SyntaxNode): ScopedDecl[] {
  const out: ScopedDecl[] = [];
  const body = fn.childForFieldName('body');
  if (!body) return out;
  const visit = (node: SyntaxNode, scope: Range, depth: number): void => {
    if (depth > 200) return;
    for (const child of node.namedChildren) {
      if (!child) continue;
      const type = child.type;
      if (type === 'declaration') {
        for (const decl of lowerDeclaration(child, 0)) out.push({ decl, scope });
      } else if (STATEMENT_CONTAINERS.has(type)) {
        visit(child, SCOPES.has(type) ? rangeOf(child) : scope, depth + 1);
      }
    }
  };
  visit(body, rangeOf(body), 0);
  return out;
}

/** One pattern per set of callee names (rules ask for the same sets in every function). */
const callPatterns = new Map<string, RegExp>();

function callsIn(fn: SyntaxNode, text: string, names: ReadonlySet<string>): CallExpr[] {
  if (names.size === 0) return [];
  const alternatives = [...names].map(escapeRegExp).join('|');
  let pattern = callPatterns.get(alternatives);
  if (!pattern) callPatterns.set(alternatives, (pattern = new RegExp(`\\b(?:${alternatives})\\s*\\(`, 'g')));
  // Only the function's own text is searched: a call inside it has its '('
  // inside it too, and a search of the whole text would run on to the next
  // match anywhere in the file for every function asked.
  const start = fn.startIndex;
  const body = text.slice(start, fn.endIndex);
  const out: CallExpr[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(body); m; m = pattern.exec(body)) {
    const at = start + m.index;
    const ident = fn.descendantForIndex(at);
    // In a comment, a string or a macro body the match is not a call.
    if (!ident || ident.type !== 'identifier' || ident.startIndex !== at) continue;
    const call = parentWithin(fn, ident);
    if (!call || call.type !== 'call_expression' || call.startIndex !== at) continue;
    const lowered = lowerExpr(call, 0, 'call_expression');
    if (lowered.kind === 'call') out.push(lowered);
  }
  return out;
}

/**
 * `node.parent` for a node inside `ancestor`, found from `ancestor` down:
 * tree-sitter finds a parent by descending from the root, which in a large
 * file means scanning thousands of top-level items for every call.
 */
function parentWithin(ancestor: SyntaxNode, node: SyntaxNode): SyntaxNode | null {
  let parent = ancestor;
  for (let guard = 0; guard < 10_000; guard++) {
    const next = parent.childWithDescendant(node);
    if (!next) return null;
    if (next.id === node.id) return parent;
    parent = next;
  }
  return node.parent;
}

