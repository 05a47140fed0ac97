/**
 * Ids and messages sort by UTF-16 code units (engine/order.ts): the same
 * order on every machine, whatever its locale, unlike localeCompare.
 */
import { describe, expect, it } from 'vitest';
import { byCodeUnits } from '../../server/src/engine/order';
import { rules } from '../../server/src/rules/index';

describe('byCodeUnits', () => {
  it('orders by code units, not by a locale collation', () => {
    // A collation puts 'a' before 'B' and 'é' before 'f'; code units do not.
    expect(['a', 'B', 'f', 'é', 'a/b', 'a-b'].sort(byCodeUnits)).toEqual(['B', 'a', 'a-b', 'a/b', 'f', 'é']);
    expect(byCodeUnits('same', 'same')).toBe(0);
  });

  it('keeps the rule registry sorted by id', () => {
    const ids = rules.map((r) => r.id);
    expect(ids).toEqual([...ids].sort(byCodeUnits));
  });
});
