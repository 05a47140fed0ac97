/**
 * Which LintSettings apply to a document, with the CLI's semantics: the
 * `.copyscope.json` files found walking up from the file (inner ones override
 * outer ones, `"root": true` stops the walk, `ignorePatterns` exclude files),
 * or the one `copyscope.configPath` names; then the editor's `copyscope.rules`
 * over them, per workspace folder (multi-root); and whether
 * `copyscope.enable` is on.
 *
 * Invariants: an invalid configuration never replaces a valid one: the last
 * good settings of that source stay in force and the problem is reported once
 * through `onError` (until the source changes again). Config files are read
 * through the host module, which the CLI uses too, so both see the same rules.
 * Caches are dropped by `invalidateFiles` (a .copyscope.json changed) and
 * `invalidateEditorSettings` (didChangeConfiguration).
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configToSettings, mergeSettings, validateConfig, type CopyScopeConfig } from '../engine/config';
import type { LintSettings } from '../engine/types';
import { configChain, findConfigFile, ignoredByPatterns, loadConfigFile } from '../host';

/** The editor settings under `copyscope` (VS Code settings, or a client's `settings` table). */
export interface EditorSettings {
  enable: boolean;
  rules: Record<string, unknown>;
  configPath: string;
}

export const DEFAULT_EDITOR_SETTINGS: EditorSettings = { enable: true, rules: {}, configPath: '' };

export interface EffectiveSettings {
  enable: boolean;
  /** Excluded by a configuration file's `ignorePatterns`: not analysed. */
  ignored: boolean;
  lint: LintSettings;
  /** The config files in force, outermost first. */
  configFiles: string[];
}

export interface SettingsSource {
  /** Fetches `copyscope` settings for a resource (workspace/configuration), or null when the client cannot. */
  fetch(scopeUri: string | undefined): Promise<unknown>;
}

export class SettingsResolver {
  private folders: string[] = [];
  private readonly editor = new Map<string, Promise<EditorSettings>>();
  private readonly configFor = new Map<string, string | undefined>();
  private readonly configs = new Map<string, CopyScopeConfig | undefined>();
  private readonly lastGood = new Map<string, CopyScopeConfig>();
  private readonly goodEditorRules = new Map<string, LintSettings>();
  private readonly reported = new Set<string>();
  /** Settings pushed with didChangeConfiguration by clients without workspace/configuration. */
  private pushed: unknown = undefined;

  constructor(
    private readonly source: SettingsSource,
    private readonly onError: (message: string) => void,
  ) {}

  setFolders(folderUris: readonly string[]): void {
    this.folders = folderUris.map((u) => trimSlash(u));
    this.editor.clear();
  }

  /** The workspace folder URI that contains `uri` (the longest match), or undefined. */
  folderOf(uri: string): string | undefined {
    let best: string | undefined;
    for (const f of this.folders) if ((uri === f || uri.startsWith(f + '/')) && (!best || f.length > best.length)) best = f;
    return best;
  }

  setPushedSettings(settings: unknown): void {
    this.pushed = settings;
  }

  invalidateEditorSettings(): void {
    this.editor.clear();
  }

  invalidateFiles(): void {
    this.configFor.clear();
    this.configs.clear();
  }

  async resolve(uri: string): Promise<EffectiveSettings> {
    const folder = this.folderOf(uri);
    const key = folder ?? '';
    let editorP = this.editor.get(key);
    if (!editorP) {
      editorP = this.fetchEditor(folder ?? uri);
      this.editor.set(key, editorP);
    }
    const editor = await editorP;
    const filePath = uriToPath(uri);
    const folderPath = folder ? uriToPath(folder) : undefined;
    const chain = this.configChain(filePath, folderPath, editor.configPath);
    let lint: LintSettings = {};
    let ignored = false;
    for (const file of chain) {
      const config = this.loadFile(file);
      if (!config) continue;
      lint = mergeSettings(lint, configToSettings(config));
      if (filePath && ignoredByPatterns(filePath, path.dirname(file), config.ignorePatterns)) ignored = true;
    }
    lint = mergeSettings(lint, this.editorRules(key, editor.rules));
    return { enable: editor.enable, ignored, lint, configFiles: chain };
  }

  private async fetchEditor(scopeUri: string): Promise<EditorSettings> {
    let raw: unknown;
    try {
      raw = await this.source.fetch(scopeUri);
    } catch {
      raw = null;
    }
    if (raw === null || raw === undefined) raw = sectionOf(this.pushed);
    return normalizeEditorSettings(raw);
  }

  /** The config files for a file, outermost first (the CLI's walk), or the configured one. */
  private configChain(filePath: string | undefined, folderPath: string | undefined, configPath: string): string[] {
    if (configPath) {
      if (path.isAbsolute(configPath)) return [configPath];
      const base = folderPath ?? (filePath ? path.dirname(filePath) : undefined);
      return base ? [path.resolve(base, configPath)] : [];
    }
    if (!filePath) return [];
    return configChain(filePath, (file) => this.loadFile(file), (dir) => this.nearestConfig(dir));
  }

  private nearestConfig(dir: string): string | undefined {
    if (!this.configFor.has(dir)) this.configFor.set(dir, findConfigFile(dir));
    return this.configFor.get(dir);
  }

  /** A config file's contents; when invalid, its last valid contents (reported once). */
  private loadFile(file: string): CopyScopeConfig | undefined {
    if (this.configs.has(file)) return this.configs.get(file);
    const loaded = loadConfigFile(file);
    let config: CopyScopeConfig | undefined;
    if (loaded.ok) {
      config = loaded.config;
      this.lastGood.set(file, config);
      this.forget(file);
    } else {
      this.report(
        file,
        `CopyScope: invalid configuration: ${loaded.errors.map((e) => (e.includes(file) ? e : `${file}: ${e}`)).join('; ')}. The last valid settings stay in force.`,
      );
      config = this.lastGood.get(file);
    }
    this.configs.set(file, config);
    return config;
  }

  private editorRules(key: string, rules: Record<string, unknown>): LintSettings {
    if (Object.keys(rules).length === 0) {
      this.goodEditorRules.set(key, {});
      return {};
    }
    const source = `setting copyscope.rules${key ? ` (${key})` : ''}`;
    const checked = validateConfig({ rules }, source);
    if (checked.ok) {
      const settings = configToSettings(checked.config);
      this.goodEditorRules.set(key, settings);
      this.forget(source);
      return settings;
    }
    this.report(source, `CopyScope: invalid ${checked.errors.map((e) => (e.includes(source) ? e : `${source}: ${e}`)).join('; ')}. The last valid settings stay in force.`);
    return this.goodEditorRules.get(key) ?? {};
  }

  /** Reports a problem of `source` once: the same text is not repeated until the source is valid again. */
  private report(source: string, message: string): void {
    const key = `${source}\u0000${message}`;
    if (this.reported.has(key)) return;
    this.forget(source);
    this.reported.add(key);
    this.onError(message);
  }

  private forget(source: string): void {
    for (const k of this.reported) if (k.startsWith(`${source}\u0000`)) this.reported.delete(k);
  }
}

export function normalizeEditorSettings(raw: unknown): EditorSettings {
  const s = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  return {
    enable: typeof s['enable'] === 'boolean' ? s['enable'] : DEFAULT_EDITOR_SETTINGS.enable,
    rules: s['rules'] && typeof s['rules'] === 'object' && !Array.isArray(s['rules']) ? (s['rules'] as Record<string, unknown>) : {},
    configPath: typeof s['configPath'] === 'string' ? s['configPath'] : '',
  };
}

/** `{copyscope: {...}}` (didChangeConfiguration payload) to its `copyscope` part. */
function sectionOf(settings: unknown): unknown {
  if (settings && typeof settings === 'object' && 'copyscope' in settings) return (settings as Record<string, unknown>)['copyscope'];
  return undefined;
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

function trimSlash(uri: string): string {
  return uri.endsWith('/') ? uri.slice(0, -1) : uri;
}
