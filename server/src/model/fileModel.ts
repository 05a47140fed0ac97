/**
 * The model of one C file, built once per lint and shared by all rules:
 * constants, typedefs and structs, globals, and the functions, each lowered
 * to IR on first use.
 *
 * Invariants: building the file model walks only the top level of the tree
 * (into preprocessor conditionals and `extern "C"` blocks), so its cost is
 * small next to parsing; function bodies are lowered lazily, and only while
 * the tree is alive (inside `lint`). Nothing here throws on malformed code.
 */
import type { SyntaxNode, Tree } from '../syntax/treeSitter';
import { Constants, type NameTypes } from './constants';
import type { Expr, Range, TypeRef } from './ir';
import { baseTypeName, declare, lowerExpr, rangeOf, withSource } from './lower';
import { functionSource } from './lazyFunction';
import { FunctionModel } from './functionModel';
import { TypeTable } from './types';

/**
 * A global's initializer, lowered unless it is a large table: rules only need
 * a table's length (for `int t[] = {...}`), which is recorded as its dimension.
 */
function globalInit(init: SyntaxNode | undefined, type: TypeRef): Expr | undefined {
  if (!init) return undefined;
  if (init.type === 'initializer_list') {
    if (type.arrayDims.length > 0 && type.arrayDims[0] === undefined) {
      const count = initializerCount(init);
      type.arrayDims[0] = { kind: 'number', value: count, text: String(count), range: rangeOf(init) };
    }
    return undefined;
  }
  return lowerExpr(init, 0);
}

/**
 * The items of an initializer list (its named children but comments). Tables
 * run to thousands of items: when no comment can be among them, the count
 * is one call instead of a node object and a type read per item.
 */
function initializerCount(init: SyntaxNode): number {
  const text = init.text;
  if (!text.includes('/*') && !text.includes('//')) return init.namedChildCount;
  return init.namedChildren.filter((c) => c && c.type !== 'comment').length;
}

export interface GlobalSymbol {
  name: string;
  type: TypeRef;
  init: Expr | undefined;
  range: Range;
  nameRange: Range;
}

export interface FunctionEntry {
  name: string;
  range: Range;
  /** The function's source text (for cheap candidate filtering). */
  text: string;
}

const SPECIFIERS_WITH_BODY = new Set(['struct_specifier', 'union_specifier', 'enum_specifier']);
const CONTAINERS = new Set(['preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_elifdef', 'preproc_else', 'linkage_specification', 'declaration_list', 'ERROR']);

export class FileModel implements NameTypes {
  readonly types = new TypeTable();
  readonly constants = new Constants(this.types);
  readonly globals = new Map<string, GlobalSymbol>();
  /** Names of functions declared or defined in the file (prototypes included). */
  readonly declaredFunctions = new Set<string>();
  readonly functions: FunctionEntry[] = [];
  private readonly functionNodes = new Map<FunctionEntry, SyntaxNode>();
  private readonly models = new Map<FunctionEntry, FunctionModel | null>();
  private readonly byName = new Map<string, FunctionEntry>();

  constructor(readonly text: string, tree: Tree) {
    this.types.setDimensionEvaluator((dim) => this.constants.fold(dim, this));
    withSource(text, () => this.scanTopLevel(tree.rootNode));
  }

  private packed: boolean | undefined;

  /**
   * `__attribute__((packed))` or `#pragma pack` anywhere in the file: struct
   * layouts may not be what the type table computes.
   */
  get mayPackStructs(): boolean {
    // The substring checks first: they are fast scans, the pattern is not (it runs once per lint per keystroke).
    this.packed ??= (this.text.includes('packed') || this.text.includes('pragma')) && /__attribute__\s*\(\(\s*(?:__)?packed|#\s*pragma\s+pack/.test(this.text);
    return this.packed;
  }

  typeOfName(name: string): TypeRef | undefined {
    return this.globals.get(name)?.type;
  }

  /**
   * Told of every lookup of a function by name: the analysis of one function
   * consulting another. The lint cache uses it to check a rule's declared
   * scope (engine/incremental.ts); memoised analyses look up before they
   * answer from their memo, so no consultation goes unseen.
   */
  lookupObserver: ((name: string) => void) | undefined;

  /** The function defined under this name in the file, if any. */
  functionNamed(name: string): FunctionEntry | undefined {
    this.lookupObserver?.(name);
    return this.byName.get(name);
  }

  /** The model of a function (its body is lowered lazily); undefined if its header cannot be read. */
  model(entry: FunctionEntry): FunctionModel | undefined {
    let m = this.models.get(entry);
    if (m === undefined) {
      const node = this.functionNodes.get(entry);
      const source = node ? functionSource(node, this.text) : undefined;
      m = source ? new FunctionModel(source, this) : null;
      this.models.set(entry, m);
    }
    return m ?? undefined;
  }

  private scanTopLevel(root: SyntaxNode): void {
    const stack: SyntaxNode[] = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      const children = node.namedChildren;
      // A node's type is a call into the parser: read once per child.
      const types = children.map((child) => child?.type ?? '');
      for (let i = children.length - 1; i >= 0; i--) if (CONTAINERS.has(types[i]!)) stack.push(children[i]!);
      for (let i = 0; i < children.length; i++) if (children[i]) this.topLevelItem(children[i]!, types[i]!);
    }
  }

  private topLevelItem(node: SyntaxNode, type: string): void {
    switch (type) {
      case 'preproc_def': {
        const name = node.childForFieldName('name');
        const value = node.childForFieldName('value');
        if (name && value) this.constants.defines.set(name.text, value.text);
        return;
      }
      case 'function_definition': {
        const typeNode = node.childForFieldName('type');
        const name = this.functionName(node, typeNode);
        if (!name) return;
        const range = rangeOf(node);
        const entry: FunctionEntry = { name, range, text: this.text.slice(range.start, range.end) };
        this.functions.push(entry);
        this.functionNodes.set(entry, node);
        this.declaredFunctions.add(name);
        if (!this.byName.has(name)) this.byName.set(name, entry);
        this.typeSpecifiers(typeNode);
        return;
      }
      case 'declaration': {
        const typeNode = node.childForFieldName('type');
        this.typeSpecifiers(typeNode);
        for (const declarator of node.childrenForFieldName('declarator')) {
          if (!declarator) continue;
          const prototype = this.prototypeName(declarator);
          if (prototype) {
            this.declaredFunctions.add(prototype);
            continue;
          }
          const d = declare(node, typeNode, declarator);
          if (!d.name || !d.nameNode) continue;
          if (d.isFunction) {
            this.declaredFunctions.add(d.name);
            continue;
          }
          this.addGlobal({ name: d.name, type: d.type, init: globalInit(d.init, d.type), range: rangeOf(declarator), nameRange: rangeOf(d.nameNode) });
        }
        return;
      }
      case 'type_definition': {
        const typeNode = node.childForFieldName('type');
        this.typeSpecifiers(typeNode);
        for (const declarator of node.childrenForFieldName('declarator')) {
          if (!declarator) continue;
          const d = declare(node, typeNode, declarator);
          if (d.name) this.types.typedefs.set(d.name, { ...d.type, storage: [] });
        }
        return;
      }
      case 'struct_specifier':
      case 'union_specifier':
      case 'enum_specifier':
        this.typeSpecifiers(node);
        return;
      default:
        return;
    }
  }

  /**
   * A defined function's name. Most declarators read `name(params)` or
   * `*name(params)`, which the source text answers without walking the
   * declarator node by node (every node access is a wasm call); anything else
   * goes through `declare`.
   */
  private functionName(node: SyntaxNode, typeNode: SyntaxNode | null): string | undefined {
    const declarator = node.childForFieldName('declarator');
    if (!declarator) return undefined;
    return this.simpleFunctionName(declarator) ?? declare(node, typeNode, declarator).name;
  }

  /** `name(params)` or `*name(params)`, read from the source text; undefined for any other shape. */
  private simpleFunctionName(declarator: SyntaxNode): string | undefined {
    const head = this.text.slice(declarator.startIndex, Math.min(declarator.endIndex, declarator.startIndex + 256));
    return /^[\s*]*(?:(?:const|volatile|restrict)\s+)*([A-Za-z_]\w*)\s*\(/.exec(head)?.[1];
  }

  /**
   * The name a prototype declares (`int f(void);`, `char *g(int);`), read as
   * `functionName` reads definitions. Headers are mostly prototypes, and all
   * the model keeps of one is its name.
   */
  private prototypeName(declarator: SyntaxNode): string | undefined {
    const type = declarator.type;
    if (type !== 'function_declarator' && type !== 'pointer_declarator') return undefined;
    return this.simpleFunctionName(declarator);
  }

  private addGlobal(v: GlobalSymbol): void {
    if (v.type.storage.includes('extern') && this.globals.has(v.name)) return;
    this.globals.set(v.name, { name: v.name, type: v.type, init: v.init, range: v.range, nameRange: v.nameRange });
  }

  /** Records struct layouts and enum values found in a type specifier. */
  private typeSpecifiers(typeNode: SyntaxNode | null): void {
    // The type name first: it costs no call into the parser, the body does.
    const specifier = typeNode?.type;
    if (!typeNode || !specifier || !SPECIFIERS_WITH_BODY.has(specifier)) return;
    const body = typeNode.childForFieldName('body');
    if (!body) return;
    if (specifier === 'enum_specifier') {
      let next = 0;
      for (const e of body.namedChildren) {
        if (!e || e.type !== 'enumerator') continue;
        const name = e.childForFieldName('name');
        const value = e.childForFieldName('value');
        const v = value ? this.constants.fold(lowerExpr(value, 0), this) : next;
        if (name && v !== undefined) this.constants.enums.set(name.text, v);
        next = v === undefined ? Number.NaN : v + 1;
      }
      return;
    }
    const fields: { name: string; type: TypeRef }[] = [];
    let bitFields = false;
    for (const f of body.namedChildren) {
      if (!f || f.type !== 'field_declaration') continue;
      // A bit-field has a ':'; the text says so without a parser call per child.
      if (this.text.slice(f.startIndex, f.endIndex).includes(':') && f.namedChildren.some((c) => c?.type === 'bitfield_clause')) bitFields = true;
      const fieldType = f.childForFieldName('type');
      this.typeSpecifiers(fieldType);
      for (const declarator of f.childrenForFieldName('declarator')) {
        if (!declarator) continue;
        const d = declare(f, fieldType, declarator);
        if (d.name) fields.push({ name: d.name, type: d.type });
      }
    }
    const name = baseTypeName(typeNode, specifier);
    this.types.structs.set(name, { name, fields, isUnion: specifier === 'union_specifier', ...(bitFields ? { bitFields } : {}) });
  }
}
