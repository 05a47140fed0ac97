/**
 * The configuration file's schema and its meaning.
 *
 * Invariants: validation names the file and the key of every problem; an
 * invalid configuration is never partly applied. No I/O: adapters read files
 * and hand the parsed JSON (or the text, for syntax errors) to this module.
 */
import Ajv, { type ErrorObject } from 'ajv';
import { rules as registry } from '../rules/index';
import schema from './config.schema.json';
import type { LintSettings, SeveritySetting } from './types';

export type RuleSetting = SeveritySetting | [SeveritySetting] | [SeveritySetting, Record<string, unknown>];

export interface CopyScopeConfig {
  root?: boolean;
  rules?: Record<string, RuleSetting>;
  ignorePatterns?: string[];
  reportUnusedDirectives?: boolean;
  timeline?: { profile?: string; assume?: Record<string, string | number> };
}

export type ConfigResult = { ok: true; config: CopyScopeConfig } | { ok: false; errors: string[] };

export const configSchema = schema;

// Compiled on first use: compiling the schema takes about 40 ms, which a
// run without configuration files (and every CLI start-up) need not pay.
let compiledSchema: ReturnType<Ajv['compile']> | undefined;
const schemaValidator = (): ReturnType<Ajv['compile']> => (compiledSchema ??= new Ajv({ allErrors: true, strict: false }).compile(schema));
const KNOWN = new Set(registry.map((r) => r.id));

/**
 * Parses and validates the text of a configuration file. A leading byte
 * order mark (Windows editors write one) is not part of the JSON.
 */
export function parseConfigText(text: string, sourceName: string): ConfigResult {
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    return { ok: false, errors: [`${sourceName}: invalid JSON: ${withLineAndColumn((error as Error).message, json)}`] };
  }
  return validateConfig(parsed, sourceName);
}

/** JSON.parse says "at position N": editors go to a line and column (1-based). */
function withLineAndColumn(message: string, text: string): string {
  const at = /at position (\d+)/.exec(message);
  if (!at) return message;
  const before = text.slice(0, Number(at[1]));
  const line = before.split(/\r\n|\r|\n/).length;
  const column = before.length - Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
  return `${message} (line ${line}, column ${column})`;
}

export function validateConfig(json: unknown, sourceName: string): ConfigResult {
  const validateSchema = schemaValidator();
  if (!validateSchema(json)) {
    return { ok: false, errors: dedupeErrors(validateSchema.errors ?? []).map((e) => `${sourceName}: ${describeError(e)}`) };
  }
  const config = json as CopyScopeConfig;
  const errors: string[] = [];
  for (const id of Object.keys(config.rules ?? {})) {
    if (!KNOWN.has(id)) errors.push(`${sourceName}: "rules.${id}": unknown rule${suggest(id)}`);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config };
}

export function configToSettings(config: CopyScopeConfig): LintSettings {
  const settings: LintSettings = { rules: {}, ruleOptions: {} };
  for (const [id, value] of Object.entries(config.rules ?? {})) {
    const [severity, options] = Array.isArray(value) ? value : [value];
    settings.rules![id] = severity;
    if (options) settings.ruleOptions![id] = options;
  }
  if (config.reportUnusedDirectives !== undefined) settings.reportUnusedDirectives = config.reportUnusedDirectives;
  return settings;
}

/** `over` wins key by key. */
export function mergeSettings(base: LintSettings, over: LintSettings): LintSettings {
  const ruleOptions: Record<string, Record<string, unknown>> = { ...base.ruleOptions };
  for (const [id, options] of Object.entries(over.ruleOptions ?? {})) ruleOptions[id] = { ...ruleOptions[id], ...options };
  return {
    rules: { ...base.rules, ...over.rules },
    ruleOptions,
    reportUnusedDirectives: over.reportUnusedDirectives ?? base.reportUnusedDirectives,
  };
}

/** A JSON pointer (`/rules/copy~1x`) as a dotted key (`rules.copy/x`). */
function pointerToKey(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function describeError(e: ErrorObject): string {
  const key = e.instancePath ? `"${pointerToKey(e.instancePath)}"` : 'top level';
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    const path = e.instancePath ? `${pointerToKey(e.instancePath)}.` : '';
    return `"${path}${extra}": unknown key`;
  }
  if (e.keyword === 'enum') return `${key}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'oneOf') return `${key}: must be a severity ("off", "info", "warning", "error") or [severity, options]`;
  return `${key}: ${e.message ?? 'is invalid'}`;
}

/** A `oneOf` failure also reports each branch's errors; keep the most useful one per key. */
function dedupeErrors(errors: ErrorObject[]): ErrorObject[] {
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  return errors.filter((e) => e.keyword === 'oneOf' || ![...oneOfPaths].some((p) => e.instancePath.startsWith(p)));
}

function suggest(id: string): string {
  const name = id.split('/').pop() ?? id;
  const close = [...KNOWN].find((k) => k.endsWith(`/${name}`));
  return close ? ` (did you mean "${close}"?)` : '';
}
