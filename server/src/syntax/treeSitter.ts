/**
 * web-tree-sitter with the tree-sitter-c grammar.
 *
 * Invariants: no I/O here; the adapter hands in the two wasm files' bytes.
 * Parsing never fails: any text gives a tree (with ERROR nodes where needed).
 * Node offsets (`startIndex`) count UTF-16 code units of the JS string.
 */
import { Language, Parser, type Tree } from 'web-tree-sitter';

export type { Tree, Node as SyntaxNode } from 'web-tree-sitter';

export interface SyntaxWasm {
  /** Bytes of web-tree-sitter's runtime (`web-tree-sitter.wasm`). */
  runtime: Uint8Array;
  /** Bytes of the C grammar (`tree-sitter-c.wasm`). */
  language: Uint8Array;
}

let runtimeReady: Promise<void> | undefined;

/** Loads the runtime once per process (or worker) and the C grammar. */
export async function loadCSyntax(wasm: SyntaxWasm): Promise<CSyntax> {
  runtimeReady ??= Parser.init({ wasmBinary: wasm.runtime } as never);
  await runtimeReady;
  const language = await Language.load(wasm.language);
  return new CSyntax(language);
}

export class CSyntax {
  private readonly parser: Parser;

  constructor(readonly language: Language) {
    this.parser = new Parser();
    this.parser.setLanguage(language);
  }

  /** Parses `text`; with `oldTree` (already `edit`ed) the parse is incremental. */
  parse(text: string, oldTree?: Tree | null): Tree {
    const tree = this.parser.parse(text, oldTree ?? null);
    if (!tree) throw new Error('tree-sitter returned no tree');
    return tree;
  }
}
