/**
 * The per-document lint cache (engine/incremental.ts): after any edit, a lint
 * that reuses cached findings must equal a full lint of the same text, and it
 * must actually skip the functions the edit cannot affect.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLintCache, normaliseCode, type LintCache } from '../../server/src/engine/incremental';
import { lint } from '../../server/src/engine/lint';
import type { Rule } from '../../server/src/engine/rule';
import type { LintResult } from '../../server/src/engine/types';
import { SyntaxDocument } from '../../server/src/syntax/document';
import type { CSyntax } from '../../server/src/syntax/treeSitter';
import { syntax } from '../helpers/engine';
import { seededRandom } from '../helpers/random';

const FIXTURES = join(__dirname, '..', 'fixtures', 'rules');

function fixtureTexts(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const family of readdirSync(FIXTURES)) {
    for (const file of readdirSync(join(FIXTURES, family))) {
      if (file.endsWith('.c') && !/\.(unsafe-)?fixed\.c$/.test(file)) out.push({ name: `${family}/${file}`, text: readFileSync(join(FIXTURES, family, file), 'utf8') });
    }
  }
  return out;
}

const comparable = (r: LintResult) => JSON.stringify([r.findings, r.unusedDirectives, r.ruleFailures, r.hasSyntaxErrors]);


/** Edits that touch what the cache depends on: calls between functions, zero-copy attempts, lines, braces, declarations, includes, packing. */
function randomEdit(text: string, rand: (n: number) => number): { start: number; end: number; insert: string } {
  const names = [...new Set(text.match(/\b[a-z_]\w*(?=\s*\()/g) ?? [])];
  const name = names.length > 0 ? names[rand(names.length)]! : 'f';
  const snippets = [
    ' ',
    '\n',
    ';',
    '}',
    '{',
    'x',
    `${name}(buf, 1);`,
    `(void)${name};`,
    'sendfile(out, in, 0, n);',
    'memcpy(buf, buf + 1, 3);',
    'read(0, buf, 4);',
    'char buf[16];',
    '/* note */',
    '\nint global_counter;\n',
    '\n#include <string.h>\n',
    ' __attribute__((packed)) ',
    '\nstatic void extra(void) { }\n',
    '\n#define BUF_SIZE 8\n',
    '\ntypedef char *text_t;\n',
    '\nstruct pair { char a[4]; int b; };\n',
    ' /* */ ',
    '"',
    '//',
  ];
  const start = rand(text.length + 1);
  const end = rand(3) === 0 ? Math.min(text.length, start + rand(40)) : start;
  return { start, end, insert: rand(4) === 0 ? '' : snippets[rand(snippets.length)]! };
}

function compareAfterEdits(s: CSyntax, text: string, edits: number, seed: number, fileScoped: Set<string>): number {
  const rand = seededRandom(seed);
  const doc = new SyntaxDocument(s, text);
  const cache = createLintCache();
  let compared = 0;
  try {
    lint(s, doc.text, {}, { tree: doc.tree, cache });
    for (let i = 0; i < edits; i++) {
      const edit = randomEdit(doc.text, rand);
      doc.applyChange(edit.start, edit.end, edit.insert);
      const incremental = lint(s, doc.text, {}, { tree: doc.tree, cache });
      const full = lint(s, doc.text);
      expect(comparable(incremental), `after edit ${i} (seed ${seed}): ${JSON.stringify(edit)}`).toBe(comparable(full));
      compared++;
    }
  } finally {
    doc.dispose();
  }
  for (const id of cache.fileScoped) fileScoped.add(id);
  return compared;
}

/** A function-scope rule that records which functions it was asked to check. */
function spyRule(checked: string[], overrides: Partial<Rule> = {}): Rule {
  return {
    id: 'copy/spy',
    summary: 'test rule',
    defaultSeverity: 'warning',
    fix: 'none',
    messages: { seen: "function '{{name}}' starts on line {{line}}" },
    scope: 'function',
    candidates: /./,
    check(ctx) {
      for (const fn of ctx.functions()) {
        checked.push(fn.name);
        ctx.report({ messageId: 'seen', data: { name: fn.name, line: ctx.text.slice(0, fn.ir.range.start).split('\n').length }, range: fn.ir.range });
      }
    },
    ...overrides,
  };
}

const TEN_FUNCTIONS = Array.from({ length: 10 }, (_, i) => `static int f${i}(int x) {\n  return x + ${i};\n}\n`).join('\n');

describe('incremental lint (per-document cache)', () => {
  it('compares code between functions without comments and layout, but not tokens', () => {
    expect(normaliseCode('int a; /* size */\n\n  int  b ;')).toBe(normaliseCode('int a;\nint b;'));
    expect(normaliseCode('#define N 4 // four')).toBe('#define N 4');
    expect(normaliseCode('int ab;')).not.toBe(normaliseCode('int a b;'));
    expect(normaliseCode('#define F (x)')).not.toBe(normaliseCode('#define F(x)'));
    expect(normaliseCode('x = a + +b;')).not.toBe(normaliseCode('x = a ++b;'));
    expect(normaliseCode('#define A 1\nint x;')).not.toBe(normaliseCode('#define A 1 int x;'));
    expect(normaliseCode('char *s = "a  b";')).not.toBe(normaliseCode('char *s = "a b";'));
    expect(normaliseCode('char *s = "/* x */";')).toBe('char *s = "/* x */";');
  });


  it('equals a full lint after random edits of every rule fixture', async () => {
    const s = await syntax();
    let compared = 0;
    const fileScoped = new Set<string>();
    fixtureTexts().forEach(({ text }, i) => {
      compared += compareAfterEdits(s, text, 40, 1000 + i, fileScoped);
    });
    expect(compared).toBeGreaterThan(1000);
    // Every rule kept to the scope it declares (none had to fall back to full checks).
    expect([...fileScoped]).toEqual([]);
  }, 240_000);

  it('re-checks only the edited function when nothing depends on it', async () => {
    const s = await syntax();
    const checked: string[] = [];
    const rules = [spyRule(checked)];
    const doc = new SyntaxDocument(s, TEN_FUNCTIONS);
    const cache: LintCache = createLintCache();
    lint(s, doc.text, {}, { tree: doc.tree, cache, rules });
    expect(checked).toHaveLength(10);
    checked.length = 0;
    const at = doc.text.indexOf('x + 4') + 1;
    doc.applyChange(at, at, ' ');
    const result = lint(s, doc.text, {}, { tree: doc.tree, cache, rules });
    expect(checked).toEqual(['f4']);
    expect(result.findings).toHaveLength(10);
    expect(comparable(result)).toBe(comparable(lint(s, doc.text, {}, { rules })));
    doc.dispose();
  });

  it("re-checks callers of an edited function, and what it calls, for a 'calls' rule", async () => {
    const s = await syntax();
    const checked: string[] = [];
    const rules = [spyRule(checked, { scope: 'calls' }), spyRule([], { id: 'copy/own' })];
    const text = TEN_FUNCTIONS.replace('return x + 2;', 'return f3(x) + f8(x);').replace('return x + 1;', 'return f2(x);');
    const doc = new SyntaxDocument(s, text);
    const cache = createLintCache();
    lint(s, doc.text, {}, { tree: doc.tree, cache, rules });
    checked.length = 0;
    const at = doc.text.indexOf('f3(x) +');
    doc.applyChange(at, at, ' ');
    const result = lint(s, doc.text, {}, { tree: doc.tree, cache, rules });
    expect(checked.sort()).toEqual(['f1', 'f2', 'f3', 'f8']);
    expect(comparable(result)).toBe(comparable(lint(s, doc.text, {}, { rules })));
    doc.dispose();
  });

  it("re-checks only the edited function for a 'function' rule, and checks in full one that looks another function up", async () => {
    const s = await syntax();
    const checked: string[] = [];
    const looked: string[] = [];
    const rules = [
      spyRule(checked),
      spyRule(looked, {
        id: 'copy/lookup',
        check(ctx) {
          for (const fn of ctx.functions()) {
            looked.push(fn.name);
            if (ctx.file.functionNamed('f3') && fn.name === 'f2') ctx.report({ messageId: 'seen', data: { name: fn.name, line: 0 }, range: fn.ir.range });
          }
        },
      }),
    ];
    const text = TEN_FUNCTIONS.replace('return x + 2;', 'return f3(x) + f8(x);');
    const doc = new SyntaxDocument(s, text);
    const cache = createLintCache();
    lint(s, doc.text, {}, { tree: doc.tree, cache, rules });
    expect(cache.fileScoped.has('copy/lookup')).toBe(true);
    checked.length = 0;
    looked.length = 0;
    const at = doc.text.indexOf('x + 3');
    doc.applyChange(at, at, ' ');
    const result = lint(s, doc.text, {}, { tree: doc.tree, cache, rules });
    expect(checked).toEqual(['f3']);
    expect(looked).toHaveLength(10);
    expect(comparable(result)).toBe(comparable(lint(s, doc.text, {}, { rules })));
    doc.dispose();
  });

  it('moves line numbers quoted in messages when lines are inserted above', async () => {
    const s = await syntax();
    const checked: string[] = [];
    const rules = [spyRule(checked)];
    const doc = new SyntaxDocument(s, TEN_FUNCTIONS);
    const cache = createLintCache();
    lint(s, doc.text, {}, { tree: doc.tree, cache, rules });
    const at = doc.text.indexOf('x + 1') + 1;
    doc.applyChange(at, at, '\n\n');
    const result = lint(s, doc.text, {}, { tree: doc.tree, cache, rules });
    expect(result.findings.find((f) => f.message.includes("'f9'"))?.message).toBe(`function 'f9' starts on line ${TEN_FUNCTIONS.split('\n').findIndex((l) => l.includes('f9(')) + 3}`);
    expect(comparable(result)).toBe(comparable(lint(s, doc.text, {}, { rules })));
    doc.dispose();
  });

  it('checks a rule in full once it reports outside the function it is on', async () => {
    const s = await syntax();
    const checked: string[] = [];
    const rules = [
      spyRule(checked, {
        check(ctx) {
          const all = [...ctx.functions()];
          for (const fn of all) checked.push(fn.name);
          // Reports about every function after iterating: not function-scoped in practice.
          for (const fn of all) ctx.report({ messageId: 'seen', data: { name: fn.name, line: 0 }, range: fn.ir.range });
        },
      }),
    ];
    const doc = new SyntaxDocument(s, TEN_FUNCTIONS);
    const cache = createLintCache();
    const first = lint(s, doc.text, {}, { tree: doc.tree, cache, rules });
    expect(first.findings).toHaveLength(10);
    expect(cache.fileScoped.has('copy/spy')).toBe(true);
    checked.length = 0;
    const at = doc.text.indexOf('x + 4') + 1;
    doc.applyChange(at, at, ' ');
    const second = lint(s, doc.text, {}, { tree: doc.tree, cache, rules });
    expect(checked).toHaveLength(10);
    expect(comparable(second)).toBe(comparable(lint(s, doc.text, {}, { rules })));
    doc.dispose();
  });

  it('finds a copy loop again once the zero-copy attempt in its caller is removed', async () => {
    const s = await syntax();
    const text = readFileSync(join(FIXTURES, 'zerocopy', 'read-write-loop.c'), 'utf8');
    // A helper whose only caller tries sendfile first is that caller's fallback, so it is not flagged.
    const program = `${text}
static int copy_fallback(int in, int out) {
  char buf[4096];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0)
    if (write(out, buf, n) != n) return -1;
  return n < 0 ? -1 : 0;
}
static int copy_fast(int in, int out, size_t size) {
  if (sendfile(out, in, NULL, size) >= 0) return 0;
  return copy_fallback(in, out);
}
`;
    const doc = new SyntaxDocument(s, program);
    const cache = createLintCache();
    const flagsFallback = (r: LintResult) => r.findings.some((f) => f.ruleId === 'zerocopy/read-write-loop' && f.range.start > doc.text.indexOf('copy_fallback(int'));
    expect(flagsFallback(lint(s, doc.text, {}, { tree: doc.tree, cache }))).toBe(false);
    const at = doc.text.indexOf('if (sendfile(out, in, NULL, size) >= 0) return 0;');
    doc.applyChange(at, at + 'if (sendfile(out, in, NULL, size) >= 0) return 0;'.length, '');
    const after = lint(s, doc.text, {}, { tree: doc.tree, cache });
    expect(comparable(after)).toBe(comparable(lint(s, doc.text)));
    expect(flagsFallback(after)).toBe(true);
    doc.dispose();
  });

  it("re-checks a caller when a callee it relies on changes (a 'die' that stops exiting)", async () => {
    const s = await syntax();
    const program = `#include <aio.h>
#include <errno.h>
#include <stdlib.h>

static void die(const char *why) {
  (void)why;
  exit(1);
}

int read_block(int fd, char *buf, int bad) {
  struct aiocb cb = {0};
  cb.aio_fildes = fd;
  cb.aio_buf = buf;
  cb.aio_nbytes = 64;
  if (aio_read(&cb) == -1) return -1;
  if (bad) {
    die("bad");
    return -2;
  }
  while (aio_error(&cb) == EINPROGRESS) { }
  return (int)aio_return(&cb);
}
`;
    const doc = new SyntaxDocument(s, program);
    const cache = createLintCache();
    const escapes = (r: LintResult) => r.findings.filter((f) => f.ruleId === 'race/aio-stack-escape').length;
    expect(escapes(lint(s, doc.text, {}, { tree: doc.tree, cache }))).toBe(0);
    // 'die' now returns, so 'return -2' leaves the request in flight on the stack.
    const at = doc.text.indexOf('exit(1);');
    doc.applyChange(at, at + 'exit(1);'.length, 'return;');
    const after = lint(s, doc.text, {}, { tree: doc.tree, cache });
    expect(escapes(after)).toBe(1);
    expect(comparable(after)).toBe(comparable(lint(s, doc.text)));
    doc.dispose();
  });
});
