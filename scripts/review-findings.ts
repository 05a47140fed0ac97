/**
 * Prints every finding of the selected rules on real C code, each with the
 * lines around it, for a precision review (docs/precision/*.md): the
 * reviewer reads each one in context and records a verdict.
 *
 *   npx vite-node scripts/review-findings.ts -- [--rule PREFIX]... [--context N] [DIR|FILE]...
 *
 * Defaults: every rule, 3 lines of context, .cache/corpus. Runs the engine
 * in-process (no build needed); unreadable files are skipped. The last line
 * gives the counts per rule and the amount of code read.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { lint } from '../server/src/engine/lint';
import { loadNodeSyntax } from '../server/src/host/nodeSyntax';
import { rules as registry } from '../server/src/rules/index';
import { LineIndex } from '../server/src/syntax/lineIndex';

function parseArgs(argv: string[]): { prefixes: string[]; context: number; paths: string[] } {
  const prefixes: string[] = [];
  const paths: string[] = [];
  let context = 3;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') continue;
    if (a === '--rule') prefixes.push(argv[++i] ?? '');
    else if (a === '--context') context = Number(argv[++i] ?? '3');
    else paths.push(a);
  }
  return { prefixes, context, paths: paths.length > 0 ? paths : ['.cache/corpus'] };
}

function sourceFiles(path: string, out: string[] = []): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    return out;
  }
  if (st.isFile()) {
    if (/\.[ch]$/.test(path)) out.push(path);
    return out;
  }
  for (const name of readdirSync(path).sort()) sourceFiles(join(path, name), out);
  return out;
}

async function main(): Promise<void> {
  const { prefixes, context, paths } = parseArgs(process.argv.slice(2));
  const rules = registry.filter((r) => prefixes.length === 0 || prefixes.some((p) => r.id.startsWith(p)));
  const syntax = await loadNodeSyntax();
  const counts = new Map<string, number>();
  let bytes = 0;
  let files = 0;
  for (const root of paths) {
    for (const file of sourceFiles(root)) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      files++;
      bytes += text.length;
      const result = lint(syntax, text, { reportUnusedDirectives: false }, { rules });
      for (const failure of result.ruleFailures) console.log(`FAILURE ${file}: ${failure.ruleId}: ${failure.message}`);
      if (result.findings.length === 0) continue;
      const lines = new LineIndex(text);
      const source = text.split(/\r\n|\r|\n/);
      for (const f of result.findings) {
        counts.set(f.ruleId, (counts.get(f.ruleId) ?? 0) + 1);
        const at = lines.positionAt(f.range.start);
        const fix = f.fixes[0] ? `  [fix, ${f.fixes[0].applicability}: ${JSON.stringify(f.fixes[0].edits.map((e) => e.text))}]` : '';
        console.log(`\n=== ${relative(process.cwd(), file)}:${at.line + 1}:${at.character + 1} [${f.ruleId}] ${f.message}${fix}`);
        for (let l = Math.max(0, at.line - context); l <= Math.min(source.length - 1, at.line + context); l++) {
          console.log(`${l === at.line ? '>' : ' '}${String(l + 1).padStart(6)}| ${source[l]}`);
        }
      }
    }
  }
  const summary = [...counts].sort().map(([id, n]) => `${id} ${n}`).join(', ');
  console.log(`\n${files} files, ${(bytes / 1e6).toFixed(1)} MB; findings: ${summary || 'none'}`);
}

void main();
