/**
 * Where each rule's documentation lives. The page is docs/rules/<family>/<name>.md
 * in the repository; the URL is what diagnostics, hovers and SARIF link to.
 */
export const DOCS_BASE = 'https://github.com/copyscope/copyscope/blob/main/docs/rules/';

export function docsUrl(ruleId: string): string {
  return `${DOCS_BASE}${ruleId}.md`;
}

/** Path of the documentation page relative to the repository root. */
export function docsPath(ruleId: string): string {
  return `docs/rules/${ruleId}.md`;
}
