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

let cached: Promise<CSyntax> | undefined;

export function loadNodeSyntax(): Promise<CSyntax> {
  cached ??= (async () => {
    const paths = wasmPaths();
    return loadCSyntax({ runtime: readFileSync(paths.runtime), language: readFileSync(paths.language) });
  })();
  return cached;
}
