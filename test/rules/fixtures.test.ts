/**
 * Runs every annotated fixture under test/fixtures/rules: exhaustive
 * matching of findings against inline expectations, then the fixed outputs
 * (exact text, parses with no new ERROR node, compiles when the original did,
 * and no longer reports what was fixed).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyFixes } from '../../server/src/engine/fixes';
import type { Finding } from '../../server/src/engine/types';
import { LineIndex } from '../../server/src/syntax/lineIndex';
import { lintText, syntaxErrorCount } from '../helpers/engine';
import { parseExpectations } from '../helpers/expectations';
import { compiles } from '../helpers/compiler';

const ROOT = join(__dirname, '..', 'fixtures', 'rules');

export function fixtureFiles(dir = ROOT): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...fixtureFiles(path));
    else if (name.endsWith('.c') && !/\.(unsafe-)?fixed\.c$/.test(name)) out.push(path);
  }
  return out;
}

async function fixAll(text: string, unsafe: boolean): Promise<{ text: string; fixed: Finding[] }> {
  let current = text;
  const fixed: Finding[] = [];
  for (let pass = 0; pass < 10; pass++) {
    const result = applyFixes(current, (await lintText(current)).findings, { unsafe });
    if (result.fixed.length === 0) break;
    fixed.push(...result.fixed);
    current = result.text;
  }
  return { text: current, fixed };
}

function countByRule(findings: Finding[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.ruleId, (counts.get(f.ruleId) ?? 0) + 1);
  return counts;
}

describe('rule fixtures', () => {
  for (const file of fixtureFiles()) {
    const name = relative(ROOT, file);
    it(name, async () => {
      const text = readFileSync(file, 'utf8');
      const result = await lintText(text);
      expect(result.ruleFailures).toEqual([]);
      const lines = new LineIndex(text);
      const expectations = parseExpectations(text);
      const unclaimed = [...result.findings];
      const problems: string[] = [];
      for (const e of expectations) {
        const index = unclaimed.findIndex(
          (f) => f.ruleId === e.ruleId && lines.positionAt(f.range.start).line === e.line && (!e.messagePart || f.message.includes(e.messagePart)),
        );
        if (e.kind === 'todo-expect') {
          if (index >= 0) problems.push(`line ${e.line + 1}: todo-expect ${e.ruleId} is now reported: change it to expect`);
          continue;
        }
        if (index < 0) {
          problems.push(`line ${e.line + 1}: expected ${e.ruleId}${e.messagePart ? ` "${e.messagePart}"` : ''} but it was not reported`);
          continue;
        }
        unclaimed.splice(index, 1);
      }
      for (const f of unclaimed) problems.push(`line ${lines.positionAt(f.range.start).line + 1}: unexpected ${f.ruleId}: ${f.message}`);
      for (const d of result.unusedDirectives) problems.push(`line ${lines.positionAt(d.range.start).line + 1}: ${d.message}`);
      expect(problems).toEqual([]);

      for (const unsafe of [false, true]) {
        const expectedPath = file.replace(/\.c$/, unsafe ? '.unsafe-fixed.c' : '.fixed.c');
        const { text: fixedText, fixed } = await fixAll(text, unsafe);
        if (fixed.length === 0) {
          expect(existsSync(expectedPath), `${relative(ROOT, expectedPath)} exists but no fix applies`).toBe(false);
          continue;
        }
        if (unsafe && !existsSync(expectedPath) && fixed.every((f) => f.fixes.some((x) => x.applicability === 'safe'))) continue;
        expect(existsSync(expectedPath), `fixes apply: create ${relative(ROOT, expectedPath)}`).toBe(true);
        expect(fixedText).toBe(readFileSync(expectedPath, 'utf8'));
        expect(await syntaxErrorCount(fixedText)).toBeLessThanOrEqual(await syntaxErrorCount(text));
        if (compiles(text)) expect(compiles(fixedText), `${relative(ROOT, expectedPath)} must compile`).toBe(true);
        const before = countByRule(result.findings);
        const after = countByRule((await lintText(fixedText)).findings);
        for (const [ruleId, n] of countByRule(fixed)) expect(after.get(ruleId) ?? 0, `${ruleId} still reported after its fix`).toBe((before.get(ruleId) ?? 0) - n);
      }
    });
  }
});

