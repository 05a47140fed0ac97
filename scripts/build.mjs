// Bundles the CLI, the language server, the lint worker and the VS Code client
// into dist/ with esbuild, and copies the tree-sitter wasm files beside them
// (the engine never reads files itself: the adapters load these bytes).
import { build } from 'esbuild';
import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const finalDist = join(root, 'dist');
// Build beside dist/ and swap it in at the end, so a test or a server reading
// dist/ while a build runs never sees it half written.
const dist = join(root, `.dist-build-${process.pid}`);
const watch = process.argv.includes('--watch');

const entries = [
  { in: 'server/src/cli/main.ts', out: 'cli', shebang: true },
  { in: 'server/src/cli/lintWorker.ts', out: 'lint-worker' },
  { in: 'server/src/lsp/main.ts', out: 'server', shebang: true },
  { in: 'client/src/extension.ts', out: 'client', external: ['vscode'] },
].filter((e) => existsSync(join(root, e.in)));

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

await Promise.all(
  entries.map((e) =>
    build({
      entryPoints: [join(root, e.in)],
      outfile: join(dist, `${e.out}.js`),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: true,
      minify: !watch && !process.env.NO_MINIFY,
      keepNames: true,
      external: e.external ?? [],
      // web-tree-sitter's ESM build reads import.meta.url, which a CJS bundle lacks.
      define: { 'import.meta.url': '__copyscopeImportMetaUrl' },
      banner: {
        js: `${e.shebang ? '#!/usr/bin/env node\n' : ''}var __copyscopeImportMetaUrl = require('url').pathToFileURL(__filename).href;`,
      },
      logLevel: 'warning',
      loader: { '.scm': 'text' },
    }),
  ),
);
for (const e of entries) if (e.shebang) chmodSync(join(dist, `${e.out}.js`), 0o755);

copyFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm'), join(dist, 'web-tree-sitter.wasm'));
copyFileSync(join(dirname(require.resolve('tree-sitter-c/package.json')), 'tree-sitter-c.wasm'), join(dist, 'tree-sitter-c.wasm'));
const retired = join(root, `.dist-old-${process.pid}`);
if (existsSync(finalDist)) renameSync(finalDist, retired);
renameSync(dist, finalDist);
rmSync(retired, { recursive: true, force: true });
console.log(`built ${entries.map((e) => e.out).join(', ')} into dist/`);
