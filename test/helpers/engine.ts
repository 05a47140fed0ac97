/** Shared engine setup for tests: one syntax instance per test process. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lint } from '../../server/src/engine/lint';
import type { LintResult, LintSettings } from '../../server/src/engine/types';
import { loadNodeSyntax } from '../../server/src/host/nodeSyntax';
import type { CSyntax } from '../../server/src/syntax/treeSitter';

export function syntax(): Promise<CSyntax> {
  return loadNodeSyntax();
}

export async function lintText(text: string, settings?: LintSettings): Promise<LintResult> {
  return lint(await syntax(), text, settings);
}

/** Number of ERROR and MISSING nodes in the parse of `text`. */
export async function syntaxErrorCount(text: string): Promise<number> {
  const tree = (await syntax()).parse(text);
  try {
    let count = 0;
    const cursor = tree.walk();
    for (;;) {
      if (cursor.nodeType === 'ERROR' || cursor.nodeIsMissing) count++;
      if (cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return count;
      }
    }
  } finally {
    tree.delete();
  }
}

/** A read/write relay loop (test/fixtures/programs/relay.c), shared by the language-server and VS Code tests. */
export const RELAY_PROGRAM = readFileSync(join(__dirname, '..', 'fixtures', 'programs', 'relay.c'), 'utf8');
