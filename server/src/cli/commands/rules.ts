/** `copyscope rules`: lists the rules with severity, fix and summary. */
import { docsUrl } from '../../rules/docs';
import { rules } from '../../rules/index';
import { UsageError, type CliIO } from '../io';

export function rulesCommand(options: { format: string }, io: CliIO): number {
  if (options.format === 'json') {
    io.stdout(`${JSON.stringify(rules.map((r) => ({ id: r.id, defaultSeverity: r.defaultSeverity, fix: r.fix, summary: r.summary, docs: docsUrl(r.id) })), null, 2)}\n`);
    return 0;
  }
  if (options.format !== 'text') throw new UsageError(`--format '${options.format}': expected text or json`);
  const width = Math.max(...rules.map((r) => r.id.length));
  for (const r of rules) io.stdout(`${r.id.padEnd(width)}  ${r.defaultSeverity.padEnd(7)}  fix:${r.fix.padEnd(12)}  ${r.summary}\n`);
  return 0;
}
