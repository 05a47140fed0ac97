/** Texts through shared memory come back exactly as they went in (cli/sharedTexts.ts). */
import { describe, expect, it } from 'vitest';
import { sharedText, shareTexts } from '../../server/src/cli/sharedTexts';

describe('shareTexts', () => {
  it('round-trips ASCII, multi-byte UTF-8, surrogate pairs, a leading BOM, U+FFFD and empty texts', () => {
    const texts = ['int x;\n', '', '// 中文注释 😀\nchar *s = "\uFFFD";\n', '\uFEFFint bom;', '\uFEFF\uFEFFtwo', 'é'.repeat(70_000), ''];
    const shared = shareTexts(texts);
    expect(shared.bytes).toBeInstanceOf(SharedArrayBuffer);
    expect(texts.map((_, i) => sharedText(shared, i))).toEqual(texts);
  });

  it('handles no texts at all', () => {
    expect(shareTexts([]).ends).toEqual([]);
  });
});
