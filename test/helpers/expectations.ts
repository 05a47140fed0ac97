/**
 * Inline expectations in fixture files (see docs/contributing.md):
 *   code();  // expect: family/rule            a finding of the rule starts on this line
 *   // expect: family/rule "message part"      alone on a line: applies to the next code line
 *   // ok: family/rule -- why                  a documented negative (no effect)
 *   // todo-expect: family/rule                a known miss: must NOT be reported yet
 *   // todo-ok: family/rule                    a known false positive: IS reported for now
 */
export interface Expectation {
  line: number; // zero-based line the finding must start on
  ruleId: string;
  messagePart?: string;
  kind: 'expect' | 'todo-expect' | 'todo-ok';
}

const MARK = /\b(expect|todo-expect|todo-ok):\s*([a-z]+\/[a-z0-9-]+)(?:\s+"([^"]*)")?/g;

export function parseExpectations(text: string): Expectation[] {
  const lines = text.split(/\r\n|\r|\n/);
  const out: Expectation[] = [];
  const pending: Omit<Expectation, 'line'>[] = [];
  let inBlockComment = false;
  lines.forEach((raw, index) => {
    const codeOnly = stripComments(raw, inBlockComment);
    inBlockComment = codeOnly.inBlockComment;
    const marks = [...raw.matchAll(MARK)].map((m) => ({
      kind: m[1] as Expectation['kind'],
      ruleId: m[2]!,
      ...(m[3] !== undefined ? { messagePart: m[3] } : {}),
    }));
    const hasCode = codeOnly.code.trim().length > 0;
    if (!hasCode) {
      pending.push(...marks);
      return;
    }
    for (const m of [...pending.splice(0), ...marks]) out.push({ ...m, line: index });
  });
  return out;
}

function stripComments(line: string, inBlock: boolean): { code: string; inBlockComment: boolean } {
  let code = '';
  let i = 0;
  let block = inBlock;
  while (i < line.length) {
    if (block) {
      const end = line.indexOf('*/', i);
      if (end < 0) return { code, inBlockComment: true };
      i = end + 2;
      block = false;
    } else if (line.startsWith('//', i)) {
      break;
    } else if (line.startsWith('/*', i)) {
      block = true;
      i += 2;
    } else {
      code += line[i];
      i++;
    }
  }
  return { code, inBlockComment: block };
}
