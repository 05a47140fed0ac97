/**
 * SARIF 2.1.0 output with rule metadata and help links. Columns are UTF-16
 * code units (`columnKind: utf16CodeUnits`), lines and columns 1-based.
 */
import type * as Sarif from 'sarif';
import { sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pathInside } from '../../host/paths';
import type { Severity } from '../../engine/types';
import { docsUrl } from '../../rules/docs';
import { rules } from '../../rules/index';
import type { RunReport } from '../report';
import { lineIndexFor, toOneBased, type OneBasedRange } from './positions';

const LEVEL: Record<Severity, Sarif.Result.level> = { error: 'error', warning: 'warning', info: 'note' };

function region(r: OneBasedRange): Sarif.Region {
  return { startLine: r.line, startColumn: r.column, endLine: r.endLine, endColumn: r.endColumn };
}

export function formatSarif(report: RunReport): string {
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const results: Sarif.Result[] = [];
  // Inside the working folder: a relative reference to %SRCROOT%, each
  // segment percent-encoded ('#' or '?' in a name would otherwise end the
  // path). Outside it: an absolute file URI, which SARIF forbids a uriBaseId for.
  const locationOf = (path: string): Sarif.ArtifactLocation => {
    const rel = pathInside(report.cwd, path);
    if (rel === undefined) return { uri: pathToFileURL(path).href };
    return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
  };
  for (const file of report.files) {
    const lines = lineIndexFor(file);
    const artifactLocation = locationOf(file.path);
    for (const f of file.findings) {
      results.push({
        ruleId: f.ruleId,
        ...(ruleIndex.has(f.ruleId) ? { ruleIndex: ruleIndex.get(f.ruleId)! } : {}),
        level: LEVEL[f.severity],
        message: { text: f.message },
        locations: [{ physicalLocation: { artifactLocation, region: region(toOneBased(lines, f.range)) } }],
        ...(f.related.length > 0
          ? {
              relatedLocations: f.related.map((r, id) => ({
                id,
                message: { text: r.message },
                physicalLocation: { artifactLocation, region: region(toOneBased(lines, r.range)) },
              })),
            }
          : {}),
        ...(f.fixes.length > 0
          ? {
              fixes: f.fixes.map((x) => ({
                description: { text: `${x.title} (${x.applicability})` },
                artifactChanges: [
                  {
                    artifactLocation,
                    replacements: x.edits.map((e) => ({ deletedRegion: region(toOneBased(lines, e.range)), insertedContent: { text: e.text } })),
                  },
                ],
              })),
            }
          : {}),
      });
    }
  }
  const log: Sarif.Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'CopyScope',
            version: report.version,
            semanticVersion: report.version,
            informationUri: 'https://github.com/copyscope/copyscope',
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.split('/')[1]!.replace(/-(\w)/g, (_, ch: string) => ch.toUpperCase()).replace(/^\w/, (ch) => ch.toUpperCase()),
              shortDescription: { text: r.summary },
              fullDescription: { text: r.summary },
              helpUri: docsUrl(r.id),
              help: { text: `${r.summary} See ${docsUrl(r.id)}` },
              defaultConfiguration: { level: LEVEL[r.defaultSeverity] },
              properties: { tags: [r.id.split('/')[0]!], fix: r.fix },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: `${pathToFileURL(report.cwd).href}/` } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
