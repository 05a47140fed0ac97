/**
 * Compile-time constants: `#define` object macros, `enum` values and constant
 * folding of expressions (including `sizeof`).
 *
 * Invariant: folding either yields the exact integer value C would compute
 * (on LP64) or `undefined`; it never guesses. Macro expansion is bounded so
 * self-referential macros terminate.
 */
import type { Expr, TypeRef } from './ir';
import { parseCNumber } from './lower';
import type { TypeTable } from './types';

/** What the folder needs to know about names that are not constants. */
export interface NameTypes {
  typeOfName(name: string, at: number): TypeRef | undefined;
}

export class Constants {
  readonly defines = new Map<string, string>();
  readonly enums = new Map<string, number>();
  private readonly defineCache = new Map<string, number | undefined>();

  constructor(private readonly types: TypeTable) {}

  /** Value of a constant name (enum or macro), if known. */
  valueOfName(name: string): number | undefined {
    const e = this.enums.get(name);
    if (e !== undefined) return e;
    if (this.defineCache.has(name)) return this.defineCache.get(name);
    const body = this.defines.get(name);
    if (body === undefined) return undefined;
    this.defineCache.set(name, undefined); // a cycle folds to unknown
    const value = new MacroEvaluator(body, this, this.types).evaluate();
    this.defineCache.set(name, value);
    return value;
  }

  /** Folds an IR expression to an integer, or `undefined`. */
  fold(expr: Expr | undefined, names?: NameTypes): number | undefined {
    if (!expr) return undefined;
    switch (expr.kind) {
      case 'number':
        return expr.value;
      case 'char':
        return expr.value;
      case 'ident':
        return this.valueOfName(expr.name);
      case 'unary': {
        const v = this.fold(expr.operand, names);
        if (v === undefined) return undefined;
        switch (expr.op) {
          case '-': return -v;
          case '+': return v;
          case '~': return ~v;
          case '!': return v ? 0 : 1;
          default: return undefined;
        }
      }
      case 'binary': {
        const l = this.fold(expr.left, names);
        const r = l === undefined ? undefined : this.fold(expr.right, names);
        return l === undefined || r === undefined ? undefined : binaryOp(expr.op, l, r);
      }
      case 'cond': {
        const t = this.fold(expr.test, names);
        if (t === undefined) return undefined;
        return t ? this.fold(expr.then ?? expr.test, names) : this.fold(expr.otherwise, names);
      }
      case 'cast':
        return this.fold(expr.operand, names);
      case 'sizeof':
        if (expr.type) return this.types.sizeOf(expr.type);
        return this.sizeOfExpr(expr.operand, names);
      case 'comma':
        return this.fold(expr.exprs[expr.exprs.length - 1], names);
      default:
        return undefined;
    }
  }

  /** `sizeof expr`: only for names, string literals, `*p`, `a[i]` and `s.f`. */
  sizeOfExpr(expr: Expr | undefined, names?: NameTypes): number | undefined {
    if (!expr) return undefined;
    if (expr.kind === 'string') return expr.value.length + 1;
    const type = this.typeOfExpr(expr, names);
    if (type) return this.types.sizeOf(type);
    // `sizeof(u32)` parses as an expression when the parser cannot know `u32` is a typedef.
    if (expr.kind === 'ident' && this.types.typedefs.has(expr.name)) return this.types.sizeOf(namedType(expr.name));
    return undefined;
  }

  /** Static type of a simple lvalue expression, when it can be read off declarations. */
  typeOfExpr(expr: Expr, names?: NameTypes): TypeRef | undefined {
    switch (expr.kind) {
      case 'ident':
        return names?.typeOfName(expr.name, expr.range.start);
      case 'unary': {
        if (expr.op !== '*') return undefined;
        const inner = this.typeOfExpr(expr.operand, names);
        return inner ? derefType(this.types.resolve(inner)) : undefined;
      }
      case 'index': {
        const inner = this.typeOfExpr(expr.object, names);
        return inner ? derefType(this.types.resolve(inner)) : undefined;
      }
      case 'field': {
        const objectType = this.typeOfExpr(expr.object, names);
        if (!objectType) return undefined;
        const resolved = this.types.resolve(objectType);
        const pointerOk = expr.arrow ? resolved.pointerDepth === 1 : resolved.pointerDepth === 0;
        if (!pointerOk || resolved.arrayDims.length > 0) return undefined;
        return this.types.field(resolved.base, expr.field)?.type;
      }
      default:
        return undefined;
    }
  }
}

function namedType(base: string): TypeRef {
  return { base, pointerDepth: 0, arrayDims: [], qualifiers: [], storage: [], atomic: false, functionPointer: false };
}

/** The type of `*e` or `e[i]` given the type of `e`. */
export function derefType(type: TypeRef): TypeRef | undefined {
  if (type.arrayDims.length > 0) return { ...type, arrayDims: type.arrayDims.slice(1) };
  if (type.pointerDepth > 0) return { ...type, pointerDepth: type.pointerDepth - 1 };
  return undefined;
}

function binaryOp(op: string, l: number, r: number): number | undefined {
  switch (op) {
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
    case '/': return r === 0 ? undefined : Math.trunc(l / r);
    case '%': return r === 0 ? undefined : l % r;
    case '<<': return r < 0 || r > 52 ? undefined : l * 2 ** r;
    case '>>': return r < 0 ? undefined : Math.floor(l / 2 ** r);
    case '&': return Number(BigInt(Math.trunc(l)) & BigInt(Math.trunc(r)));
    case '|': return Number(BigInt(Math.trunc(l)) | BigInt(Math.trunc(r)));
    case '^': return Number(BigInt(Math.trunc(l)) ^ BigInt(Math.trunc(r)));
    case '<': return l < r ? 1 : 0;
    case '>': return l > r ? 1 : 0;
    case '<=': return l <= r ? 1 : 0;
    case '>=': return l >= r ? 1 : 0;
    case '==': return l === r ? 1 : 0;
    case '!=': return l !== r ? 1 : 0;
    case '&&': return l && r ? 1 : 0;
    case '||': return l || r ? 1 : 0;
    default: return undefined;
  }
}

const PRECEDENCE: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6,
  '<': 7, '>': 7, '<=': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

/** A small precedence-climbing evaluator for the text of a `#define`. */
class MacroEvaluator {
  private readonly tokens: string[];
  private pos = 0;

  constructor(text: string, private readonly constants: Constants, private readonly types: TypeTable) {
    const cleaned = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, ' ').replace(/\\\r?\n/g, ' ');
    this.tokens = cleaned.match(/0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|[A-Za-z_]\w*|<<|>>|<=|>=|==|!=|&&|\|\||\S/g) ?? [];
  }

  evaluate(): number | undefined {
    if (this.tokens.length === 0 || this.tokens.length > 200) return undefined;
    const value = this.expression(0);
    return this.pos === this.tokens.length ? value : undefined;
  }

  private expression(minPrecedence: number): number | undefined {
    let left = this.unary();
    for (;;) {
      const op = this.tokens[this.pos];
      const precedence = op === undefined ? undefined : PRECEDENCE[op];
      if (precedence === undefined || precedence < minPrecedence) return left;
      this.pos++;
      const right = this.expression(precedence + 1);
      left = left === undefined || right === undefined ? undefined : binaryOp(op!, left, right);
    }
  }

  private unary(): number | undefined {
    const token = this.tokens[this.pos++];
    if (token === undefined) return undefined;
    if (token === '-' || token === '+' || token === '~' || token === '!') {
      const v = this.unary();
      if (v === undefined) return undefined;
      return token === '-' ? -v : token === '+' ? v : token === '~' ? ~v : v ? 0 : 1;
    }
    if (token === '(') {
      if (this.looksLikeTypeName()) {
        this.skipTypeName(); // a cast: `(size_t)4096`
        return this.unary();
      }
      const v = this.expression(0);
      return this.tokens[this.pos++] === ')' ? v : undefined;
    }
    if (token === 'sizeof') {
      if (this.tokens[this.pos] !== '(') return undefined;
      this.pos++;
      const start = this.pos;
      while (this.pos < this.tokens.length && this.tokens[this.pos] !== ')') this.pos++;
      const words = this.tokens.slice(start, this.pos);
      this.pos++;
      const stars = words.filter((w) => w === '*').length;
      const base = words.filter((w) => w !== '*' && w !== 'const' && w !== 'volatile').join(' ');
      return this.types.sizeOf({ ...namedType(base), pointerDepth: stars });
    }
    if (/^\d|^0[xX]/.test(token)) return parseCNumber(token);
    if (/^[A-Za-z_]/.test(token)) return this.constants.valueOfName(token);
    return undefined;
  }

  private looksLikeTypeName(): boolean {
    const first = this.tokens[this.pos];
    if (!first) return false;
    if (/^(unsigned|signed|char|short|int|long|float|double|struct|union|enum|const|void)$/.test(first)) return true;
    return /_t$/.test(first) && this.tokens[this.pos + 1] === ')';
  }

  private skipTypeName(): void {
    while (this.pos < this.tokens.length && this.tokens[this.pos] !== ')') this.pos++;
    this.pos++;
  }
}
