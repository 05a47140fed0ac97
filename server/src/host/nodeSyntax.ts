/**
 * Loads the tree-sitter wasm files for Node adapters (CLI, worker, server).
 * The bundles in dist/ find them beside themselves; from source (tests) they
 * come from node_modules.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadCSyntax, type CSyntax, type SyntaxOptions } from '../syntax/treeSitter';

function wasmPaths(): { runtime: string; language: string } {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  const bundled = { runtime: join(here, 'web-tree-sitter.wasm'), language: join(here, 'tree-sitter-c.wasm') };
  if (existsSync(bundled.runtime) && existsSync(bundled.language)) return bundled;
  const require = createRequire(join(process.cwd(), 'package.json'));
  return {
    runtime: require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
    language: join(dirname(require.resolve('tree-sitter-c/package.json')), 'tree-sitter-c.wasm'),
  };
}

/** The two wasm modules, compiled: a worker thread given them reuses the compiled code. */
export interface CompiledSyntax {
  runtime: WebAssembly.Module;
  language: WebAssembly.Module;
}

let compiled: CompiledSyntax | undefined;

/**
 * Compiles the wasm files once per process. Synchronously: V8 compiles wasm
 * lazily (each function at its first call), so this takes about 3 ms, and a
 * caller can hand the modules to worker threads as it starts them.
 */
export function compileNodeSyntax(): CompiledSyntax {
  if (!compiled) {
    const paths = wasmPaths();
    compiled = { runtime: new WebAssembly.Module(readFileSync(paths.runtime)), language: new WebAssembly.Module(readFileSync(paths.language)) };
  }
  return compiled;
}

let cached: Promise<CSyntax> | undefined;

/**
 * The parser, once per thread (the first call's options hold); from
 * `compiled` when another thread compiled the modules already.
 */
export function loadNodeSyntax(options: SyntaxOptions & { compiled?: CompiledSyntax } = {}): Promise<CSyntax> {
  const { compiled: modules, ...syntaxOptions } = options;
  cached ??= (async () => loadCSyntax(modules ?? compileNodeSyntax(), syntaxOptions))();
  return cached;
}
