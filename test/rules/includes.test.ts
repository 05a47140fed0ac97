/** Where a fix's `#include` goes (server/src/rules/includes.ts). */
import { describe, expect, it } from 'vitest';
import { includeEdit } from '../../server/src/rules/includes';

function apply(text: string, header: string, before: number): string {
  const edit = includeEdit(text, header, before);
  return edit ? text.slice(0, edit.range.start) + edit.text + text.slice(edit.range.end) : text;
}

describe('includeEdit', () => {
  it('adds nothing when the header is already included, however spaced', () => {
    expect(includeEdit('# include  <string.h>\nint x;\n', 'string.h', 20)).toBeUndefined();
  });

  it('goes after the last unconditional include before the use, not into an #if or after the use', () => {
    const text = '#include <stdio.h>\n#ifdef X\n#include <x.h>\n#endif\nint f(void) { return 0; }\n#include <late.h>\n';
    const use = text.indexOf('int f');
    expect(apply(text, 'string.h', use)).toBe('#include <stdio.h>\n#include <string.h>\n#ifdef X\n#include <x.h>\n#endif\nint f(void) { return 0; }\n#include <late.h>\n');
  });

  it('goes first in a file without includes, with the file\'s line ends', () => {
    expect(apply('int f(void);\r\n', 'unistd.h', 0)).toBe('#include <unistd.h>\r\nint f(void);\r\n');
  });
});
