/**
 * Import boundaries between layers: the engine (syntax, model, rules, engine,
 * simulate) imports no Node built-ins, no VS Code or LSP library and no
 * adapter code; only server/src/lsp imports vscode-languageserver; only
 * client/ imports vscode.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(__dirname, '..', '..');
const ENGINE_DIRS = ['syntax', 'model', 'rules', 'engine', 'simulate'].map((d) => join(REPO, 'server', 'src', d));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g), ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
}

const ENGINE_ALLOWED_PACKAGES = new Set(['web-tree-sitter', 'ajv']);

describe('layer boundaries', () => {
  it('the engine imports only engine modules and pure libraries', () => {
    const violations: string[] = [];
    for (const dir of ENGINE_DIRS) {
      for (const file of tsFiles(dir)) {
        for (const spec of imports(file)) {
          const rel = relative(REPO, file);
          if (spec.startsWith('.')) {
            const target = join(file, '..', spec);
            if (!ENGINE_DIRS.some((d) => target.startsWith(d)) && !target.endsWith('package.json')) violations.push(`${rel} imports ${spec}`);
          } else if (!ENGINE_ALLOWED_PACKAGES.has(spec)) {
            violations.push(`${rel} imports ${spec}`);
          }
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('only server/src/lsp imports vscode-languageserver, only client/ imports vscode', () => {
    const violations: string[] = [];
    for (const file of [...tsFiles(join(REPO, 'server', 'src')), ...tsFiles(join(REPO, 'client', 'src'))]) {
      const rel = relative(REPO, file);
      for (const spec of imports(file)) {
        if (spec.startsWith('vscode-languageserver') && !rel.startsWith(join('server', 'src', 'lsp'))) violations.push(`${rel} imports ${spec}`);
        if ((spec === 'vscode' || spec.startsWith('vscode-languageclient')) && !rel.startsWith('client')) violations.push(`${rel} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
