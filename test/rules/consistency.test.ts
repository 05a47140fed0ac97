/**
 * Registry, docs and fixtures match one to one; docs headings follow one
 * order; docs examples are linted (incorrect ones report the rule, correct
 * ones do not); rule metadata is well formed.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../../server/src/rules/index';
import { lintText } from '../helpers/engine';

const REPO = join(__dirname, '..', '..');
const HEADINGS = ['What it finds', 'Why it matters', 'Incorrect', 'Correct', 'Fix', 'What it does not flag', 'How to suppress'];

function listFiles(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(suffix)).map((f) => f.replace(/\\/g, '/'));
}

function codeBlockUnder(markdown: string, heading: string): string | undefined {
  const section = markdown.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  return section?.match(/```c\n([\s\S]*?)```/)?.[1];
}

describe('rule registry', () => {
  it('ids are unique, well formed and sorted', () => {
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^(copy|zerocopy|overlap|race|kernel|cuda)\/[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('metadata is complete and messages follow the style', () => {
    for (const rule of rules) {
      expect(rule.summary, rule.id).toMatch(/^[A-Z`'].*\.$/);
      expect(Object.keys(rule.messages).length, rule.id).toBeGreaterThan(0);
      for (const [id, message] of Object.entries(rule.messages)) {
        expect(message, `${rule.id}.${id} starts lowercase or with a quote`).toMatch(/^[a-z'`(]/);
        expect(message, `${rule.id}.${id} has no final period`).not.toMatch(/\.$/);
      }
    }
  });

  it('every rule has a docs page and a fixture, and every page and fixture has a rule', () => {
    const ids = new Set(rules.map((r) => r.id));
    const docs = new Set(listFiles(join(REPO, 'docs', 'rules'), '.md').map((f) => f.replace(/\.md$/, '')));
    const fixtureRules = new Set(
      listFiles(join(REPO, 'test', 'fixtures', 'rules'), '.c').map((f) => f.replace(/(\.unsafe-fixed|\.fixed)?\.c$/, '').replace(/\.[a-z0-9-]+$/, '')),
    );
    expect([...docs].sort()).toEqual([...ids].sort());
    expect([...fixtureRules].sort()).toEqual([...ids].sort());
  });
});

describe('rule docs', () => {
  for (const rule of rules) {
    const path = join(REPO, 'docs', 'rules', `${rule.id}.md`);
    it(`${rule.id}: headings, summary and examples`, async () => {
      const markdown = readFileSync(path, 'utf8');
      expect(markdown.startsWith(`# ${rule.id}\n\n${rule.summary}\n`)).toBe(true);
      const headings = [...markdown.matchAll(/^## (.*)$/gm)].map((m) => m[1]);
      expect(headings).toEqual(HEADINGS);
      const bad = codeBlockUnder(markdown, 'Incorrect');
      const good = codeBlockUnder(markdown, 'Correct');
      expect(bad, 'Incorrect example').toBeDefined();
      expect(good, 'Correct example').toBeDefined();
      const badFindings = (await lintText(bad!)).findings.filter((f) => f.ruleId === rule.id);
      const goodFindings = (await lintText(good!)).findings.filter((f) => f.ruleId === rule.id);
      expect(badFindings.length, 'the incorrect example reports the rule').toBeGreaterThan(0);
      expect(goodFindings, 'the correct example is clean').toEqual([]);
    });
  }
});
