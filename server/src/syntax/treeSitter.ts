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
  /**
   * web-tree-sitter's runtime (`web-tree-sitter.wasm`): its bytes, or the
   * module already compiled (by another thread: compiled code is shared).
   */
  runtime: Uint8Array | WebAssembly.Module;
  /** The C grammar (`tree-sitter-c.wasm`): bytes or compiled module. */
  language: Uint8Array | WebAssembly.Module;
}

let runtimeReady: Promise<void> | undefined;

/** Loads the runtime once per process (or worker) and the C grammar. */
export async function loadCSyntax(wasm: SyntaxWasm): Promise<CSyntax> {
  const runtime = wasm.runtime;
  runtimeReady ??= Parser.init(
    (runtime instanceof WebAssembly.Module
      ? {
          // Emscripten's hook for a module compiled elsewhere.
          instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) {
            void WebAssembly.instantiate(runtime, imports).then((instance) => receive(instance, runtime));
            return {};
          },
        }
      : { wasmBinary: runtime }) as never,
  );
  await runtimeReady;
  const language = wasm.language instanceof WebAssembly.Module ? Language.loadSync(wasm.language) : await Language.load(wasm.language);
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
