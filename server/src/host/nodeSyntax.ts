/**
 * Loads the tree-sitter wasm files for Node adapters (CLI, worker, server).
 * The bundles in dist/ find them beside themselves; from source (tests) they
 * come from node_modules.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
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

/**
 * Compiles the wasm files once per process.
 *
 * `optimized`: compile with the optimizing tier from the start. By default
 * V8 runs baseline code and optimizes hot functions in the background, but
 * wasm has no on-stack replacement: one long call into the parser keeps
 * running the baseline code it started with, so the first parse of a
 * multi-megabyte file is about 30% slower (0.4 s on the 9.5 MB sqlite
 * amalgamation). Optimizing up front costs about 0.13 s, once, the first time
 * the parser runs, so it only pays for large files.
 *
 * `--no-liftoff` is set only while compiling, so lazy compilation (V8's
 * default: each function compiled at its first call) is off then too;
 * otherwise a first call can come after the flags are restored. In
 * `--jobs 2` runs it did, and the main thread ran baseline parser code for
 * 0.4 s (perf).
 */
export function compileNodeSyntax(options: { optimized?: boolean } = {}): Promise<CompiledSyntax> {
  compiled ??= (async () => {
    const paths = wasmPaths();
    const runtimeBytes = readFileSync(paths.runtime);
    const languageBytes = readFileSync(paths.language);
    if (options.optimized) setFlagsFromString('--no-liftoff --no-wasm-lazy-compilation');
    try {
      const [runtime, language] = await Promise.all([WebAssembly.compile(runtimeBytes), WebAssembly.compile(languageBytes)]);
      return { runtime, language };
    } finally {
      if (options.optimized) setFlagsFromString('--liftoff --wasm-lazy-compilation');
    }
  })();
  return compiled;
}

let cached: Promise<CSyntax> | undefined;

/** The parser, once per thread; from `modules` when another thread compiled them already. */
export function loadNodeSyntax(modules?: CompiledSyntax): Promise<CSyntax> {
  cached ??= (async () => loadCSyntax(modules ?? (await compileNodeSyntax())))();
  return cached;
}
