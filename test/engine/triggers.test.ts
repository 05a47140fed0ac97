/**
 * Rules' `triggers` (names the function must call) are a cheap necessary
 * condition for their `candidates`: a function the candidate patterns accept
 * must never be skipped for its triggers, or findings would be lost.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { triggered } from '../../server/src/engine/lint';
import { FileModel } from '../../server/src/model/fileModel';
import { rules } from '../../server/src/rules/index';
import { syntax } from '../helpers/engine';

const ROOT = join(__dirname, '..', '..');

function cFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) cFiles(p, out);
    else if (e.name.endsWith('.c')) out.push(readFileSync(p, 'utf8'));
  }
  return out;
}

/** The ```c blocks of the rule pages. */
function docExamples(): string[] {
  const out: string[] = [];
  for (const family of readdirSync(join(ROOT, 'docs', 'rules'))) {
    for (const page of readdirSync(join(ROOT, 'docs', 'rules', family))) {
      const md = readFileSync(join(ROOT, 'docs', 'rules', family, page), 'utf8');
      for (const m of md.matchAll(/```c\n([\s\S]*?)```/g)) out.push(m[1]!);
    }
  }
  return out;
}

const calledIn = (text: string) => new Set(text.match(/\b[A-Za-z_]\w*(?=\s*\()/g));
const accepts = (patterns: RegExp | readonly RegExp[], text: string) =>
  (Array.isArray(patterns) ? patterns : [patterns as RegExp]).every((p) => {
    p.lastIndex = 0;
    return p.test(text);
  });

describe('rule triggers', () => {
  it("every function a rule's candidates accept calls one of its triggers (fixtures, examples, docs)", async () => {
    const s = await syntax();
    const functions: string[] = [];
    for (const text of [...cFiles(join(ROOT, 'test', 'fixtures')), ...cFiles(join(ROOT, 'examples')), ...docExamples()]) {
      const tree = s.parse(text);
      functions.push(...new FileModel(text, tree).functions.map((f) => f.text));
      tree.delete();
    }
    expect(functions.length).toBeGreaterThan(300);
    let accepted = 0;
    for (const rule of rules) {
      if (!rule.triggers) continue;
      for (const text of functions) {
        if (!accepts(rule.candidates, text)) continue;
        accepted++;
        expect(triggered(rule.triggers, calledIn(text)), `${rule.id} would skip:\n${text}`).toBe(true);
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it('a name merely mentioned, or called under a longer name, does not trigger', () => {
    expect(triggered(['memcpy'], calledIn('void f(void) { void *p = memcpy; my_memcpy(a, b, 1); }'))).toBe(false);
    expect(triggered(['memcpy'], calledIn('void f(void) { memcpy\n  (a, b, 1); }'))).toBe(true);
    expect(triggered([/^io_uring_prep_\w+$/], calledIn('void f(void) { io_uring_prep_read(sqe, fd, b, n, 0); }'))).toBe(true);
  });
});
