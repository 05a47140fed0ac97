/**
 * Loads the tree-sitter wasm files for Node adapters (CLI, worker, server).
 * The bundles in dist/ find them beside themselves; from source (tests) they
 * come from node_modules.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadCSyntax, type CSyntax } from '../syntax/treeSitter';

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

let compiled: Promise<CompiledSyntax> | undefined;

/** Compiles the wasm files once per process. */
export function compileNodeSyntax(): Promise<CompiledSyntax> {
  compiled ??= (async () => {
    const paths = wasmPaths();
    const [runtime, language] = await Promise.all([WebAssembly.compile(readFileSync(paths.runtime)), WebAssembly.compile(readFileSync(paths.language))]);
    return { runtime, language };
  })();
  return compiled;
}

let cached: Promise<CSyntax> | undefined;

/** The parser, once per thread; from `modules` when another thread compiled them already. */
export function loadNodeSyntax(modules?: CompiledSyntax): Promise<CSyntax> {
  cached ??= (async () => loadCSyntax(modules ?? (await compileNodeSyntax())))();
  return cached;
}
