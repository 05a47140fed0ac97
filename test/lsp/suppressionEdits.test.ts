// The directive-inserting edits behind "Disable RULE for this line/file":
// each case applies the edit and compares the whole resulting text.
import { describe, expect, it } from 'vitest';
import { disableFileEdit, disableNextLineEdit } from '../../server/src/engine/suppressionEdits';
import type { TextEdit } from '../../server/src/engine/types';

const RULE = 'copy/overlapping-memcpy';

function apply(text: string, edit: TextEdit | undefined): string {
  if (!edit) throw new Error('expected an edit');
  return text.slice(0, edit.range.start) + edit.text + text.slice(edit.range.end);
}

/** Offset of the first occurrence of `needle` (must exist). */
function at(text: string, needle: string): number {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`'${needle}' not in text`);
  return i;
}

describe('disableNextLineEdit', () => {
  it('inserts a directive above the line with the same indentation', () => {
    const text = 'void f(char *b, int n)\n{\n    memcpy(b, b + 1, n - 1);\n}\n';
    const out = apply(text, disableNextLineEdit(text, at(text, 'memcpy'), RULE));
    expect(out).toBe(
      'void f(char *b, int n)\n{\n    // copyscope-disable-next-line copy/overlapping-memcpy\n    memcpy(b, b + 1, n - 1);\n}\n',
    );
  });

  it('keeps tab indentation and works from any offset on the line', () => {
    const text = 'int g;\n\t\tx = memcpy(b, b + 1, n);\n';
    const out = apply(text, disableNextLineEdit(text, at(text, 'b + 1'), RULE));
    expect(out).toBe('int g;\n\t\t// copyscope-disable-next-line copy/overlapping-memcpy\n\t\tx = memcpy(b, b + 1, n);\n');
  });

  it('handles the first line of the file', () => {
    const text = 'memcpy(b, b + 1, n);';
    expect(apply(text, disableNextLineEdit(text, 0, RULE))).toBe(
      '// copyscope-disable-next-line copy/overlapping-memcpy\nmemcpy(b, b + 1, n);',
    );
  });

  it('keeps CRLF line endings', () => {
    const text = 'void f(void)\r\n{\r\n  memcpy(b, b + 1, n);\r\n}\r\n';
    const out = apply(text, disableNextLineEdit(text, at(text, 'memcpy'), RULE));
    expect(out).toBe('void f(void)\r\n{\r\n  // copyscope-disable-next-line copy/overlapping-memcpy\r\n  memcpy(b, b + 1, n);\r\n}\r\n');
  });

  it('extends an existing next-line directive instead of stacking a second one', () => {
    const text = '  // copyscope-disable-next-line race/aio-buffer-in-flight\n  memcpy(b, b + 1, n);\n';
    const out = apply(text, disableNextLineEdit(text, at(text, 'memcpy'), RULE));
    expect(out).toBe(
      '  // copyscope-disable-next-line race/aio-buffer-in-flight, copy/overlapping-memcpy\n  memcpy(b, b + 1, n);\n',
    );
  });

  it('extends the rule list before a "-- reason" and with CRLF', () => {
    const text = '// copyscope-disable-next-line a/b -- measured\r\nmemcpy(b, b + 1, n);\r\n';
    const out = apply(text, disableNextLineEdit(text, at(text, 'memcpy'), RULE));
    expect(out).toBe('// copyscope-disable-next-line a/b, copy/overlapping-memcpy -- measured\r\nmemcpy(b, b + 1, n);\r\n');
  });

  it('offers nothing when the directive above already covers the rule or all rules', () => {
    const listed = `// copyscope-disable-next-line ${RULE}\nmemcpy(b, b + 1, n);\n`;
    expect(disableNextLineEdit(listed, at(listed, 'memcpy('), RULE)).toBeUndefined();
    const all = '// copyscope-disable-next-line\nmemcpy(b, b + 1, n);\n';
    expect(disableNextLineEdit(all, at(all, 'memcpy'), RULE)).toBeUndefined();
  });

  it('refuses inside a macro continued with backslashes', () => {
    const text = '#define SHIFT(b, n) \\\n    memcpy(b, b + 1, n)\n';
    expect(disableNextLineEdit(text, at(text, 'memcpy'), RULE)).toBeUndefined();
  });

  it('counts offsets in UTF-16 code units (emoji and CJK before the finding)', () => {
    const text = '/* 拷贝 😀 */\n  memcpy(b, b + 1, n);\n';
    const edit = disableNextLineEdit(text, at(text, 'memcpy'), RULE)!;
    expect(edit.range.start).toBe(text.indexOf('  memcpy'));
    expect(apply(text, edit)).toBe('/* 拷贝 😀 */\n  // copyscope-disable-next-line copy/overlapping-memcpy\n  memcpy(b, b + 1, n);\n');
  });
});

describe('disableFileEdit', () => {
  it('inserts at the top of a file without a header comment', () => {
    const text = '#include <string.h>\nint x;\n';
    expect(apply(text, disableFileEdit(text, RULE))).toBe(
      '/* copyscope-disable copy/overlapping-memcpy */\n#include <string.h>\nint x;\n',
    );
  });

  it('goes after a licence header followed by a blank line', () => {
    const text = '/*\n * Copyright 2026\n * MIT\n */\n\n#include <string.h>\n';
    expect(apply(text, disableFileEdit(text, RULE))).toBe(
      '/*\n * Copyright 2026\n * MIT\n */\n/* copyscope-disable copy/overlapping-memcpy */\n\n#include <string.h>\n',
    );
  });

  it('goes after a run of line comments followed by an include guard', () => {
    const text = '// a.h: helpers\n// (c) me\n#ifndef A_H\n#define A_H\n#endif\n';
    expect(apply(text, disableFileEdit(text, RULE))).toBe(
      '// a.h: helpers\n// (c) me\n/* copyscope-disable copy/overlapping-memcpy */\n#ifndef A_H\n#define A_H\n#endif\n',
    );
  });

  it('stays at the top when the leading comment documents the first declaration', () => {
    const text = '/** Shifts the buffer. */\nvoid shift(char *b);\n';
    expect(disableFileEdit(text, RULE).range.start).toBe(0);
  });

  it('never separates a next-line directive from its line', () => {
    const text = '// copyscope-disable-next-line a/b\nmemcpy(b, b + 1, n);\n';
    expect(disableFileEdit(text, RULE).range.start).toBe(0);
  });

  it('keeps CRLF and a byte-order mark', () => {
    const text = '\ufeff#include <string.h>\r\n';
    expect(apply(text, disableFileEdit(text, RULE))).toBe(
      '\ufeff/* copyscope-disable copy/overlapping-memcpy */\r\n#include <string.h>\r\n',
    );
  });

  it('adds a line break when the file is only a comment without a final newline', () => {
    const text = '// nothing else';
    expect(apply(text, disableFileEdit(text, RULE))).toBe('// nothing else\n/* copyscope-disable copy/overlapping-memcpy */\n');
  });

  it('handles an empty file and a comment with code after it on the same line', () => {
    expect(apply('', disableFileEdit('', RULE))).toBe('/* copyscope-disable copy/overlapping-memcpy */\n');
    const text = '/* x */ int a;\n';
    expect(disableFileEdit(text, RULE).range.start).toBe(0);
  });
});
