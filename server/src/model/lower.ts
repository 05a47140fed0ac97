/**
 * Lowering from tree-sitter nodes to the model IR (ir.ts).
 *
 * Invariants: never throws on any tree (ERROR nodes, missing nodes, macros);
 * recursion is bounded by MAX_DEPTH, deeper subtrees become `unknown`, so a
 * 50,000-deep expression cannot overflow the stack.
 */
import type { SyntaxNode } from '../syntax/treeSitter';
import type { Expr, FunctionIR, Param, Range, Stmt, TypeRef, VarDecl } from './ir';

const MAX_DEPTH = 300;

/**
 * The document being lowered. Leaf tokens (identifiers) are read from it
 * directly: each property of a web-tree-sitter node is a call into wasm, and
 * identifiers are about half of all nodes.
 */
let source = '';
const IDENTIFIER_TAIL = /[A-Za-z0-9_$]*/y;

/** Runs `lower` with `text` as the document the nodes belong to. */
export function withSource<T>(text: string, lower: () => T): T {
  const previous = source;
  source = text;
  try {
    return lower();
  } finally {
    source = previous;
  }
}

function identifierAt(node: SyntaxNode): { name: string; range: Range } {
  const start = node.startIndex;
  IDENTIFIER_TAIL.lastIndex = start;
  const match = source.length > start ? IDENTIFIER_TAIL.exec(source) : null;
  // A non-ASCII letter or a universal character name (`\u00e9`) may continue
  // the identifier: then the node says where it ends.
  const next = match ? source.charCodeAt(start + match[0].length) : 0;
  if (!match || match[0].length === 0 || next > 127 || next === 92) {
    const text = node.text;
    return { name: text, range: { start, end: start + text.length } };
  }
  return { name: match[0], range: { start, end: start + match[0].length } };
}

export function rangeOf(node: SyntaxNode): Range {
  return { start: node.startIndex, end: node.endIndex };
}

function unknown(node: SyntaxNode): Expr & Stmt {
  return { kind: 'unknown', range: rangeOf(node) } as Expr & Stmt;
}

function field(node: SyntaxNode, name: string): SyntaxNode | null {
  return node.childForFieldName(name);
}

// ---------------------------------------------------------------- types

/** The base type of a declaration's `type` node, as a normalised string. */
export function baseTypeName(typeNode: SyntaxNode | null, knownType?: string): string {
  if (!typeNode) return 'int';
  const nodeType = knownType ?? typeNode.type;
  switch (nodeType) {
    case 'struct_specifier':
    case 'union_specifier':
    case 'enum_specifier': {
      const keyword = nodeType.split('_')[0]!;
      const name = field(typeNode, 'name');
      return name ? `${keyword} ${name.text}` : `${keyword} <anonymous@${typeNode.startIndex}>`;
    }
    case 'primitive_type':
    case 'type_identifier':
      return identifierAt(typeNode).name;
    default:
      return typeNode.text.replace(/\s+/g, ' ').trim();
  }
}

function collectSpecifiers(owner: SyntaxNode, into: { qualifiers: string[]; storage: string[] }): void {
  for (const child of owner.namedChildren) {
    if (!child) continue;
    const type = child.type;
    if (type === 'type_qualifier') into.qualifiers.push(child.text);
    else if (type === 'storage_class_specifier') into.storage.push(child.text);
  }
}

/**
 * Whether `owner` may have storage-class or qualifier children: C puts them
 * around the type, before the declarators, so when only blanks surround the
 * type there are none, and the owner's children need not be fetched from the
 * parser one by one (most parameters and locals: `int n`, `char *p`).
 */
function mayHaveSpecifiers(owner: SyntaxNode, typeNode: SyntaxNode | null, declarator: SyntaxNode | null): boolean {
  if (!typeNode || source.length < owner.endIndex) return true;
  return !isBlank(owner.startIndex, typeNode.startIndex) || !isBlank(typeNode.endIndex, declarator ? declarator.startIndex : owner.endIndex);
}

function isBlank(from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = source.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return false;
  }
  return true;
}

export interface Declared {
  name: string | undefined;
  nameNode: SyntaxNode | undefined;
  type: TypeRef;
  init: SyntaxNode | undefined;
  /** A function declarator that is not behind a pointer: a prototype or a definition. */
  isFunction: boolean;
  params: SyntaxNode | undefined;
}

/** Unwraps a (possibly abstract) declarator around a base type. */
export function declare(owner: SyntaxNode, typeNode: SyntaxNode | null, declarator: SyntaxNode | null): Declared {
  // Every read of a node's type is a call into the parser: once here.
  const typeNodeType = typeNode?.type;
  const type: TypeRef = {
    base: baseTypeName(typeNode, typeNodeType),
    pointerDepth: 0,
    arrayDims: [],
    qualifiers: [],
    storage: [],
    atomic: false,
    functionPointer: false,
  };
  if (mayHaveSpecifiers(owner, typeNode, declarator)) collectSpecifiers(owner, type);
  if (typeNodeType === 'sized_type_specifier') collectSpecifiers(typeNode!, type);
  const out: Declared = { name: undefined, nameNode: undefined, type, init: undefined, isFunction: false, params: undefined };
  let node = declarator;
  for (let guard = 0; node && guard < 64; guard++) {
    switch (node.type) {
      case 'init_declarator':
        out.init = field(node, 'value') ?? undefined;
        node = field(node, 'declarator');
        continue;
      case 'pointer_declarator':
      case 'abstract_pointer_declarator':
        type.pointerDepth++;
        collectSpecifiers(node, type);
        node = field(node, 'declarator');
        continue;
      case 'array_declarator':
      case 'abstract_array_declarator': {
        const size = field(node, 'size');
        type.arrayDims.unshift(size && size.type !== '*' ? lowerExpr(size, 0) : undefined);
        node = field(node, 'declarator');
        continue;
      }
      case 'function_declarator':
      case 'abstract_function_declarator':
        // `void *f(void)` is a function returning a pointer (the pointer declarator
        // wraps the function declarator); only a pointer inside the function
        // declarator, `void *(*fp)(void)`, makes a function pointer.
        if (hasPointerInside(field(node, 'declarator'))) type.functionPointer = true;
        else {
          out.isFunction = true;
          out.params = field(node, 'parameters') ?? undefined;
        }
        node = field(node, 'declarator');
        continue;
      case 'parenthesized_declarator':
      case 'abstract_parenthesized_declarator':
      case 'attributed_declarator':
        node = node.namedChildren.find((c) => c !== null && c.type.endsWith('declarator') || c?.type === 'identifier') ?? null;
        continue;
      case 'identifier':
      case 'field_identifier':
      case 'type_identifier':
        out.name = identifierAt(node).name;
        out.nameNode = node;
        node = null;
        continue;
      default:
        node = null;
    }
  }
  type.atomic =
    type.qualifiers.includes('_Atomic') || /^(atomic_|_Atomic\b)/.test(type.base) || typeNodeType === 'atomic_type';
  return out;
}

function hasPointerInside(node: SyntaxNode | null): boolean {
  for (let n = node, guard = 0; n && guard < 16; guard++) {
    if (n.type === 'pointer_declarator' || n.type === 'abstract_pointer_declarator') return true;
    if (n.type === 'parenthesized_declarator' || n.type === 'abstract_parenthesized_declarator') n = n.namedChildren[0] ?? null;
    else return false;
  }
  return false;
}

/** A type as written in a cast or `sizeof(type)`. */
export function lowerTypeDescriptor(node: SyntaxNode): TypeRef {
  return declare(node, field(node, 'type'), field(node, 'declarator')).type;
}

/** Every variable a `declaration` node declares (function prototypes excluded). */
export function lowerDeclaration(node: SyntaxNode, depth: number): VarDecl[] {
  const typeNode = field(node, 'type');
  const out: VarDecl[] = [];
  for (const declarator of node.childrenForFieldName('declarator')) {
    if (!declarator) continue;
    const d = declare(node, typeNode, declarator);
    if (!d.name || !d.nameNode || d.isFunction) continue;
    out.push({
      name: d.name,
      type: d.type,
      init: d.init ? lowerExpr(d.init, depth + 1) : undefined,
      range: rangeOf(declarator),
      nameRange: rangeOf(d.nameNode),
    });
  }
  return out;
}

export function lowerParams(paramList: SyntaxNode | undefined): Param[] {
  const params: Param[] = [];
  if (!paramList) return params;
  for (const p of paramList.namedChildren) {
    if (!p || p.type !== 'parameter_declaration') continue;
    const d = declare(p, field(p, 'type'), field(p, 'declarator'));
    if (!d.name || !d.nameNode) continue;
    // An array parameter decays to a pointer: `char buf[64]` is `char *buf`.
    if (d.type.arrayDims.length > 0) {
      d.type.arrayDims.shift();
      d.type.pointerDepth++;
    }
    if (d.isFunction) d.type.functionPointer = true;
    params.push({ name: d.name, type: d.type, range: rangeOf(p) });
  }
  return params;
}

export function lowerFunction(node: SyntaxNode, text: string): FunctionIR | undefined {
  return withSource(text, () => lowerFunctionNode(node));
}

function lowerFunctionNode(node: SyntaxNode): FunctionIR | undefined {
  const body = field(node, 'body');
  const d = declare(node, field(node, 'type'), field(node, 'declarator'));
  if (!body || !d.name || !d.nameNode || !d.isFunction) return undefined;
  const lowered = lowerStmt(body, 0);
  return {
    name: d.name,
    returnType: d.type,
    params: lowerParams(d.params),
    body: lowered.kind === 'block' ? lowered : { kind: 'block', body: [lowered], range: rangeOf(body) },
    range: rangeOf(node),
    nameRange: rangeOf(d.nameNode),
    isStatic: d.type.storage.includes('static'),
  };
}

// ----------------------------------------------------------- statements

function lowerBody(node: SyntaxNode | null, depth: number): Stmt {
  if (!node) return { kind: 'block', body: [], range: { start: 0, end: 0 } };
  return lowerStmt(node, depth + 1);
}

function lowerStatements(nodes: (SyntaxNode | null)[], depth: number): Stmt[] {
  const out: Stmt[] = [];
  for (const child of nodes) {
    if (!child) continue;
    const type = child.type;
    if (type !== 'comment') out.push(lowerStmt(child, depth + 1, type));
  }
  return out;
}

export function lowerStmt(node: SyntaxNode, depth: number, knownType?: string): Stmt {
  if (depth > MAX_DEPTH) return unknown(node);
  const range = rangeOf(node);
  const type = knownType ?? node.type;
  switch (type) {
    case 'compound_statement':
      return { kind: 'block', body: lowerStatements(node.namedChildren, depth), range };
    case 'expression_statement': {
      const inner = lowerExprList(node.namedChildren, depth)[0];
      return inner ? { kind: 'expr', expr: inner, range } : { kind: 'block', body: [], range };
    }
    case 'declaration':
      return { kind: 'decl', decls: lowerDeclaration(node, depth), range };
    case 'if_statement': {
      const alternative = field(node, 'alternative');
      const elseStmt = alternative?.namedChildren.find((c) => c && c.type !== 'comment') ?? null;
      return {
        kind: 'if',
        test: lowerCondition(field(node, 'condition'), node, depth),
        then: lowerBody(field(node, 'consequence'), depth),
        otherwise: elseStmt ? lowerStmt(elseStmt, depth + 1) : undefined,
        range,
      };
    }
    case 'while_statement': {
      const condition = field(node, 'condition');
      return {
        kind: 'while',
        test: lowerCondition(condition, node, depth),
        body: lowerBody(field(node, 'body'), depth),
        range,
        headerRange: { start: node.startIndex, end: condition?.endIndex ?? node.startIndex + 5 },
      };
    }
    case 'do_statement': {
      const condition = field(node, 'condition');
      return {
        kind: 'do',
        body: lowerBody(field(node, 'body'), depth),
        test: lowerCondition(condition, node, depth),
        range,
        headerRange: { start: node.startIndex, end: node.startIndex + 2 },
      };
    }
    case 'for_statement': {
      const init = field(node, 'initializer');
      const body = field(node, 'body');
      const closeParen = node.children.find((c) => c?.type === ')');
      return {
        kind: 'for',
        init: init ? (init.type === 'declaration' ? lowerStmt(init, depth + 1) : { kind: 'expr', expr: lowerExpr(init, depth + 1), range: rangeOf(init) }) : undefined,
        test: optionalExpr(field(node, 'condition'), depth),
        update: optionalExpr(field(node, 'update'), depth),
        body: lowerBody(body, depth),
        range,
        headerRange: { start: node.startIndex, end: closeParen?.endIndex ?? body?.startIndex ?? node.endIndex },
      };
    }
    case 'switch_statement':
      return {
        kind: 'switch',
        test: lowerCondition(field(node, 'condition'), node, depth),
        body: lowerBody(field(node, 'body'), depth),
        range,
      };
    case 'case_statement': {
      const value = field(node, 'value');
      const body = node.namedChildren.filter((c) => c && c.startIndex !== value?.startIndex);
      return { kind: 'case', value: value ? lowerExpr(value, depth + 1) : undefined, body: lowerStatements(body, depth), range };
    }
    case 'break_statement':
      return { kind: 'break', range };
    case 'continue_statement':
      return { kind: 'continue', range };
    case 'return_statement':
      return { kind: 'return', value: optionalExpr(node.namedChildren[0] ?? null, depth), range };
    case 'goto_statement':
      return { kind: 'goto', label: field(node, 'label')?.text ?? '', range };
    case 'labeled_statement': {
      const body = node.namedChildren.find((c) => c && c.type !== 'statement_identifier') ?? null;
      return { kind: 'label', name: field(node, 'label')?.text ?? '', body: lowerBody(body, depth), range };
    }
    case 'attributed_statement': {
      const inner = node.namedChildren.find((c) => c && c.type !== 'attribute_declaration');
      return inner ? lowerStmt(inner, depth + 1) : unknown(node);
    }
    case 'preproc_if':
    case 'preproc_ifdef':
    case 'preproc_elif':
    case 'preproc_elifdef':
    case 'preproc_else':
      return lowerPreprocBranch(node, depth);
    case 'preproc_call':
    case 'preproc_def':
    case 'preproc_function_def':
    case 'preproc_include':
    case ';':
      return { kind: 'block', body: [], range };
    default:
      // A bare expression in statement position happens inside ERROR recovery.
      if (type.endsWith('_expression') || type === 'identifier') {
        return { kind: 'expr', expr: lowerExpr(node, depth + 1, type), range };
      }
      if (type === 'ERROR') return { kind: 'block', body: lowerStatements(node.namedChildren, depth), range };
      return unknown(node);
  }
}

/** `#if A ... #else ... #endif` inside a body: either branch may be compiled. */
function lowerPreprocBranch(node: SyntaxNode, depth: number): Stmt {
  const alternative = field(node, 'alternative');
  const skip = new Set(['identifier', 'preproc_defined', 'comment']);
  const condition = field(node, 'condition') ?? field(node, 'name');
  const body = node.namedChildren.filter(
    (c) => c && c.startIndex !== alternative?.startIndex && c.startIndex !== condition?.startIndex && !skip.has(c.type),
  );
  const then: Stmt = { kind: 'block', body: lowerStatements(body, depth), range: rangeOf(node) };
  if (!alternative) return node.type === 'preproc_else' ? then : { kind: 'if', test: unknown(node), then, otherwise: undefined, range: rangeOf(node) };
  return { kind: 'if', test: unknown(node), then, otherwise: lowerStmt(alternative, depth + 1), range: rangeOf(node) };
}

function lowerCondition(condition: SyntaxNode | null, owner: SyntaxNode, depth: number): Expr {
  if (!condition) return unknown(owner);
  return lowerExpr(condition, depth + 1);
}

function optionalExpr(node: SyntaxNode | null, depth: number): Expr | undefined {
  return node ? lowerExpr(node, depth + 1) : undefined;
}

// ---------------------------------------------------------- expressions

/** Lowers the expressions among `nodes`, skipping comments, reading each node's type once. */
function lowerExprList(nodes: (SyntaxNode | null)[], depth: number): Expr[] {
  const out: Expr[] = [];
  for (const c of nodes) {
    if (!c) continue;
    const type = c.type;
    if (type !== 'comment') out.push(lowerExpr(c, depth + 1, type));
  }
  return out;
}

export function lowerExpr(node: SyntaxNode, depth: number, knownType?: string): Expr {
  if (depth > MAX_DEPTH) return unknown(node);
  const type = knownType ?? node.type;
  if (type === 'identifier' || type === 'field_identifier') return { kind: 'ident', ...identifierAt(node) };
  const range = rangeOf(node);
  switch (type) {
    case 'true':
    case 'false':
      return { kind: 'number', value: type === 'true' ? 1 : 0, text: node.text, range };
    case 'null':
      return { kind: 'number', value: 0, text: node.text, range };
    case 'number_literal': {
      const text = node.text;
      return { kind: 'number', value: parseCNumber(text), text, range };
    }
    case 'string_literal':
    case 'concatenated_string':
    case 'raw_string_literal':
      return { kind: 'string', value: stringValue(node), range };
    case 'char_literal':
      return { kind: 'char', value: charValue(node.text), range };
    case 'parenthesized_expression': {
      const inner = node.namedChildren.find((c) => c && c.type !== 'comment');
      return inner ? lowerExpr(inner, depth + 1) : unknown(node);
    }
    case 'call_expression': {
      const callee = field(node, 'function');
      const args = field(node, 'arguments');
      const calleeExpr = callee ? lowerExpr(callee, depth + 1) : unknown(node);
      return {
        kind: 'call',
        callee: calleeExpr,
        name: calleeExpr.kind === 'ident' ? calleeExpr.name : undefined,
        args: args ? lowerExprList(args.namedChildren, depth) : [],
        range,
        argsRange: args ? rangeOf(args) : range,
      };
    }
    case 'field_expression': {
      const object = field(node, 'argument');
      return {
        kind: 'field',
        object: object ? lowerExpr(object, depth + 1) : unknown(node),
        field: field(node, 'field')?.text ?? '',
        arrow: field(node, 'operator')?.type === '->',
        range,
      };
    }
    case 'subscript_expression': {
      const object = field(node, 'argument');
      const index = field(node, 'index');
      if (!object || !index) return unknown(node);
      return { kind: 'index', object: lowerExpr(object, depth + 1), index: lowerExpr(index, depth + 1), range };
    }
    case 'pointer_expression':
    case 'unary_expression': {
      const operand = field(node, 'argument');
      const op = field(node, 'operator')?.type ?? node.child(0)?.type ?? '?';
      return { kind: 'unary', op, operand: operand ? lowerExpr(operand, depth + 1) : unknown(node), range };
    }
    case 'update_expression': {
      const operand = field(node, 'argument');
      const operator = field(node, 'operator');
      return {
        kind: 'update',
        op: operator?.type === '--' ? '--' : '++',
        prefix: operator !== null && operand !== null && operator.startIndex < operand.startIndex,
        operand: operand ? lowerExpr(operand, depth + 1) : unknown(node),
        range,
      };
    }
    case 'binary_expression': {
      const left = field(node, 'left');
      const right = field(node, 'right');
      if (!left || !right) return unknown(node);
      return { kind: 'binary', op: field(node, 'operator')?.type ?? '?', left: lowerExpr(left, depth + 1), right: lowerExpr(right, depth + 1), range };
    }
    case 'assignment_expression': {
      const left = field(node, 'left');
      const right = field(node, 'right');
      if (!left || !right) return unknown(node);
      return { kind: 'assign', op: field(node, 'operator')?.type ?? '=', left: lowerExpr(left, depth + 1), right: lowerExpr(right, depth + 1), range };
    }
    case 'conditional_expression': {
      const test = field(node, 'condition');
      const consequence = field(node, 'consequence');
      const alternative = field(node, 'alternative');
      if (!test || !alternative) return unknown(node);
      return {
        kind: 'cond',
        test: lowerExpr(test, depth + 1),
        then: consequence ? lowerExpr(consequence, depth + 1) : undefined,
        otherwise: lowerExpr(alternative, depth + 1),
        range,
      };
    }
    case 'cast_expression': {
      const type = field(node, 'type');
      const value = field(node, 'value');
      if (!type || !value) return unknown(node);
      return { kind: 'cast', type: lowerTypeDescriptor(type), operand: lowerExpr(value, depth + 1), range };
    }
    case 'sizeof_expression': {
      const type = field(node, 'type');
      const value = field(node, 'value');
      return {
        kind: 'sizeof',
        type: type ? lowerTypeDescriptor(type) : undefined,
        operand: value ? lowerExpr(value, depth + 1) : undefined,
        range,
      };
    }
    case 'comma_expression': {
      const exprs: Expr[] = [];
      let current: SyntaxNode | null = node;
      for (let guard = 0; current?.type === 'comma_expression' && guard < MAX_DEPTH; guard++) {
        const left = field(current, 'left');
        if (left) exprs.push(lowerExpr(left, depth + 1));
        current = field(current, 'right');
      }
      if (current) exprs.push(lowerExpr(current, depth + 1));
      return { kind: 'comma', exprs, range };
    }
    case 'initializer_list':
      return { kind: 'init', items: lowerExprList(node.namedChildren, depth), range };
    case 'initializer_pair': {
      const value = field(node, 'value');
      return value ? lowerExpr(value, depth + 1) : unknown(node);
    }
    case 'compound_literal_expression': {
      const value = field(node, 'value');
      return value ? lowerExpr(value, depth + 1) : unknown(node);
    }
    default:
      return unknown(node);
  }
}

/** Value of a C integer or floating literal, `undefined` when it cannot be read. */
export function parseCNumber(text: string): number | undefined {
  const t = text.replace(/'/g, '').replace(/[uUlL]+$/, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) return parseInt(t.slice(2), 16);
  if (/^0[bB][01]+$/.test(t)) return parseInt(t.slice(2), 2);
  if (/^0[0-7]+$/.test(t)) return parseInt(t.slice(1), 8);
  if (/^[0-9]+$/.test(t)) return parseInt(t, 10);
  const f = Number(t.replace(/[fF]$/, ''));
  return Number.isFinite(f) ? f : undefined;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };

function stringValue(node: SyntaxNode): string {
  let out = '';
  const parts = node.type === 'concatenated_string' ? node.namedChildren : [node];
  for (const part of parts) {
    if (!part || part.type !== 'string_literal') continue;
    for (const piece of part.namedChildren) {
      if (!piece) continue;
      if (piece.type === 'string_content') out += piece.text;
      else if (piece.type === 'escape_sequence') out += ESCAPES[piece.text.slice(1)] ?? '?';
    }
  }
  return out;
}

function charValue(text: string): number | undefined {
  const inner = text.replace(/^[LuU8]*'/, '').replace(/'$/, '');
  if (inner.length === 1) return inner.charCodeAt(0);
  if (inner.startsWith('\\') && inner.length === 2) return (ESCAPES[inner[1]!] ?? '?').charCodeAt(0);
  return undefined;
}
