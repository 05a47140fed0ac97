/**
 * The settings each file is linted with: `.copyscope.json` files found by
 * walking up from the file (inner files override outer ones; `"root": true`
 * stops the walk), or the one given with --config, then --rule flags.
 *
 * Invariant: every configuration file involved is validated before any file
 * is linted; one invalid file stops the run (exit 2) with messages naming the
 * file and the key.
 */
import { dirname, resolve } from 'node:path';
import { configToSettings, mergeSettings, type CopyScopeConfig } from '../engine/config';
import type { LintSettings } from '../engine/types';
import { configChain, ignoredByPatterns } from '../host/configChain';
import { loadConfigFile } from '../host/configFiles';

export interface ResolvedConfig {
  settings: LintSettings;
  /** Config files that applied, outermost first. */
  sources: string[];
  /** When a config's `ignorePatterns` exclude the file: that config file (the nearest). */
  ignoredBy?: string;
}

export class SettingsResolver {
  private readonly loaded = new Map<string, CopyScopeConfig>();
  /** Per folder, its config chain: looking it up walks to the file system root. */
  private readonly chains = new Map<string, string[]>();
  readonly errors: string[] = [];

  constructor(private readonly explicitConfig: string | undefined, private readonly overrides: LintSettings) {
    if (explicitConfig) this.load(resolve(explicitConfig));
  }

  resolve(file: string): ResolvedConfig {
    const chain = this.explicitConfig ? [resolve(this.explicitConfig)] : this.chainFor(file);
    let settings: LintSettings = {};
    let ignoredBy: string | undefined;
    for (const path of chain) {
      const config = this.load(path);
      if (!config) continue;
      settings = mergeSettings(settings, configToSettings(config));
      if (ignoredByPatterns(file, dirname(path), config.ignorePatterns)) ignoredBy = path;
    }
    return { settings: mergeSettings(settings, this.overrides), sources: chain, ...(ignoredBy ? { ignoredBy } : {}) };
  }

  /** Config files from the outermost applicable one to the nearest. */
  private chainFor(file: string): string[] {
    const dir = dirname(resolve(file));
    let chain = this.chains.get(dir);
    if (!chain) this.chains.set(dir, (chain = configChain(file, (path) => this.load(path))));
    return chain;
  }

  private load(path: string): CopyScopeConfig | undefined {
    if (this.loaded.has(path)) return this.loaded.get(path);
    const result = loadConfigFile(path);
    if (!result.ok) {
      this.errors.push(...result.errors);
      this.loaded.set(path, undefined as unknown as CopyScopeConfig);
      return undefined;
    }
    this.loaded.set(path, result.config);
    return result.config;
  }
}
