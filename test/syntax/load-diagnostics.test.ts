// Golden tests for the loader's own diagnostics (src/syntax/load.ts): an import cycle and a
// file that cannot be read, pinned as the user sees them — code, message, source line, caret
// range and hint — with real files in a temp dir (its path, which varies, shown as <dir>).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';

/** A small valid cell, so that the loader's diagnostics are the only ones. */
const cell = (name: string): string => `cell ${name}(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  param U: [hidden, hidden]
  h' = tanh(W @ x + U @ h)
}
`;

let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnnc-load-'));
  const files: Record<string, string> = {
    // a.rnn uses b.rnn uses a.rnn
    'a.rnn': `# a uses b\nuse "b.rnn"\n\n${cell('A')}`,
    'b.rnn': `# b uses a\nuse   "a.rnn"\n${cell('B')}`,
    // a file that uses itself
    'self.rnn': `${cell('S')}\nuse "self.rnn"\n`,
    // three files in a ring: p -> q -> r -> p
    'p.rnn': `use "q.rnn"\n${cell('P')}`,
    'q.rnn': `use "r.rnn"\n${cell('Q')}`,
    'r.rnn': `${cell('R')}  use "p.rnn"\n`,
    // a diamond is not a cycle: top uses left and right, which both use bottom
    'top.rnn': `use "left.rnn"\nuse "right.rnn"\n${cell('Top')}`,
    'left.rnn': `use "bottom.rnn"\n${cell('Left')}`,
    'right.rnn': `use "bottom.rnn"\n${cell('Right')}`,
    'bottom.rnn': cell('Bottom'),
    // uses of files that cannot be read
    'missing.rnn': `use "gone.rnn"\n${cell('M')}`,
    'nested.rnn': `use "lib/ok.rnn"\n${cell('N')}`,
    'lib/ok.rnn': `${cell('Ok')}\n    use "../lib/none.rnn"\n`,
    'dir.rnn': `use "lib.rnn"\n${cell('D')}`,
  };
  mkdirSync(join(dir, 'lib'));
  mkdirSync(join(dir, 'lib.rnn'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
});

/** Every diagnostic of analyzing `file` in the temp dir: its code and its rendered text. */
function diagnostics(file: string): { code: string; text: string }[] {
  const a = analyze(join(dir, file));
  const rendered = renderDiagnostics(a);
  return a.diagnostics.map((d, i) => ({ code: d.code, text: rendered[i].split(dir).join('<dir>') }));
}

describe('loader diagnostic import-cycle', () => {
  it('reports a.rnn -> b.rnn -> a.rnn at the use that closes the cycle, with a hint', () => {
    expect(diagnostics('a.rnn')).toEqual([
      {
        code: 'import-cycle',
        text: [
          '<dir>/b.rnn:2:1: error: import cycle: <dir>/a.rnn -> <dir>/b.rnn -> <dir>/a.rnn',
          ' 2 | use   "a.rnn"',
          '   | ^^^^^^^^^^^^^',
          'hint: move the shared cells into a file that both can use',
        ].join('\n'),
      },
    ]);
  });

  it('reports the same cycle from the other file, in the other order', () => {
    expect(diagnostics('b.rnn')).toEqual([
      {
        code: 'import-cycle',
        text: [
          '<dir>/a.rnn:2:1: error: import cycle: <dir>/b.rnn -> <dir>/a.rnn -> <dir>/b.rnn',
          ' 2 | use "b.rnn"',
          '   | ^^^^^^^^^^^',
          'hint: move the shared cells into a file that both can use',
        ].join('\n'),
      },
    ]);
  });

  it('reports a file that uses itself', () => {
    expect(diagnostics('self.rnn')).toEqual([
      {
        code: 'import-cycle',
        text: [
          '<dir>/self.rnn:7:1: error: import cycle: <dir>/self.rnn -> <dir>/self.rnn',
          ' 7 | use "self.rnn"',
          '   | ^^^^^^^^^^^^^^',
          'hint: move the shared cells into a file that both can use',
        ].join('\n'),
      },
    ]);
  });

  it('reports a three-file ring once, the caret under the indented use', () => {
    expect(diagnostics('p.rnn')).toEqual([
      {
        code: 'import-cycle',
        text: [
          '<dir>/r.rnn:6:3: error: import cycle: <dir>/p.rnn -> <dir>/q.rnn -> <dir>/r.rnn -> <dir>/p.rnn',
          ' 6 |   use "p.rnn"',
          '   |   ^^^^^^^^^^^',
          'hint: move the shared cells into a file that both can use',
        ].join('\n'),
      },
    ]);
  });

  it('does not report a diamond (a file used twice, not in a cycle)', () => {
    expect(diagnostics('top.rnn')).toEqual([]);
  });
});

describe('loader diagnostic missing-file', () => {
  it('reports a use of a missing file with its path as written and as resolved; no hint', () => {
    expect(diagnostics('missing.rnn')).toEqual([
      {
        code: 'missing-file',
        text: [
          '<dir>/missing.rnn:1:1: error: cannot read "gone.rnn" (<dir>/gone.rnn): no such file',
          ' 1 | use "gone.rnn"',
          '   | ^^^^^^^^^^^^^^',
        ].join('\n'),
      },
    ]);
  });

  it('resolves a use relative to the file that says it, and points at that file', () => {
    expect(diagnostics('nested.rnn')).toEqual([
      {
        code: 'missing-file',
        text: [
          '<dir>/lib/ok.rnn:7:5: error: cannot read "../lib/none.rnn" (<dir>/lib/none.rnn): no such file',
          ' 7 |     use "../lib/none.rnn"',
          '   |     ^^^^^^^^^^^^^^^^^^^^^',
        ].join('\n'),
      },
    ]);
  });

  it('says why a path cannot be read: a directory', () => {
    expect(diagnostics('dir.rnn')).toEqual([
      {
        code: 'missing-file',
        text: ['<dir>/dir.rnn:1:1: error: cannot read "lib.rnn" (<dir>/lib.rnn): it is a directory', ' 1 | use "lib.rnn"', '   | ^^^^^^^^^^^^^'].join('\n'),
      },
    ]);
  });

  it('reports a missing root file without a span (no source line, no caret)', () => {
    expect(diagnostics('nowhere.rnn')).toEqual([{ code: 'missing-file', text: 'error: cannot read <dir>/nowhere.rnn: no such file' }]);
  });
});
