import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import schema from '../../server/src/simulate/profile.schema.json';
import { PARAMETER_NAMES, PROFILE_PARAMETERS, defaultProfile, validateProfile } from '../../server/src/simulate/index';

const root = join(__dirname, '../..');

describe('machine profile parameters', () => {
  it('documents a unit, a default and a source for every parameter', () => {
    for (const name of PARAMETER_NAMES) {
      const spec = PROFILE_PARAMETERS[name];
      expect(spec.unit, name).toMatch(/^(bytes|ns|GB\/s|count|fraction)$/);
      expect(Number.isFinite(spec.default), name).toBe(true);
      expect(spec.source.length, name).toBeGreaterThan(10);
      expect(spec.description.length, name).toBeGreaterThan(10);
    }
  });

  it('has one schema property per parameter, besides the name and descriptions', () => {
    const properties = Object.keys(schema.properties).filter((key) => !['name', 'description', 'measuredOn'].includes(key));
    expect(properties.sort()).toEqual([...PARAMETER_NAMES].sort());
  });

  it('ships server/profiles/default.json equal to the built-in defaults', () => {
    const shipped = JSON.parse(readFileSync(join(root, 'server/profiles/default.json'), 'utf8'));
    expect(shipped).toEqual(defaultProfile());
    expect(validateProfile(shipped, 'default.json')).toEqual({ ok: true, profile: defaultProfile() });
  });

  it('lists every parameter in docs/timeline.md', () => {
    const docs = readFileSync(join(root, 'docs/timeline.md'), 'utf8');
    for (const name of PARAMETER_NAMES) expect(docs, name).toContain(`\`${name}\``);
  });
});

describe('validateProfile', () => {
  it('merges a partial profile over the defaults', () => {
    const result = validateProfile({ name: 'laptop', memcpyDramGBps: 20 }, 'laptop.json');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.profile.name).toBe('laptop');
    expect(result.profile.memcpyDramGBps).toBe(20);
    expect(result.profile.modeSwitchNs).toBe(PROFILE_PARAMETERS.modeSwitchNs.default);
  });

  it.each([
    [{ memcpyL1GBps: 0 }, /^my\.json: memcpyL1GBps must be > 0$/],
    [{ wakeupNs: 'fast' }, /^my\.json: wakeupNs must be number$/],
    [{ cores: 1.5 }, /^my\.json: cores must be integer$/],
    [{ pageCacheHitRatio: 2 }, /^my\.json: pageCacheHitRatio must be <= 1$/],
    [{ memcpyL1Gbps: 40 }, /^my\.json: memcpyL1Gbps is not a profile parameter \(known: .*memcpyL1GBps/],
    [{ l1Bytes: 4 * 2 ** 20 }, /^my\.json: l1Bytes < l2Bytes < l3Bytes must hold/],
    [[], /^my\.json: the profile must be object$/],
  ])('names the key in the error for %j', (json, message) => {
    const result = validateProfile(json, 'my.json');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(message);
  });

  it('reports every bad key at once', () => {
    const result = validateProfile({ diskGBps: -1, nicGBps: -1 }, 'two.json');
    expect(result.ok ? [] : result.errors).toEqual(['two.json: diskGBps must be > 0', 'two.json: nicGBps must be > 0']);
  });
});
