// `rnnc compile` of a file of cells writes a header that names the file and shows the wrapper
// model: text from outside (the path, the cell's names) stays inside its comment line, even a
// directory name with a newline or `*/`, and a file name that a .rnn string cannot hold.
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compileText } from '../../src/cli/compile.ts';
import { support } from '../../src/codegen/support.ts';

const LINE_BREAKS = /\r\n|\r|\n|\u2028|\u2029/;

/** The module as a function (its one `export` line dropped), made and run for one window. */
function runModule(text: string): number {
  expect(text.match(/^export default create;$/gm)).toHaveLength(1);
  const create = new Function(`${text.replace(/^export default create;$/m, '')}\nreturn create;`)();
  const P = Float64Array.from({ length: 400 }, (_, i) => Math.sin(i));
  const params = P.subarray(0, Number(/must hold (\d+) values/.exec(text)![1]));
  const runner = create({ alloc: (n: number) => new Float64Array(n), k: support }, { B: 1, T: 2, params, grads: new Float64Array(params.length) });
  return runner.run(Int32Array.of(1, 2, 3));
}

describe('rnnc compile: the header of a wrapped cell', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'rnnc-header-'));
    vi.spyOn(console, 'error').mockImplementation(() => {}); // diagnostics (none expected)
  });
  afterEach(() => vi.restoreAllMocks());

  it('a directory named with a newline, */ and U+2028 stays inside the comments', () => {
    const dir = join(base, 'cells\nthrow new Error("pwned") /* */ \u2028throw new Error("pwned")');
    mkdirSync(dir, { recursive: true }); // `*/` spans two directories
    const file = join(dir, 'elman.rnn');
    copyFileSync('models/cells/elman.rnn', file);
    const { text } = compileText(file, { emit: 'js' });
    const lines = text.split(LINE_BREAKS);
    expect(lines.filter((l) => l.includes('pwned')).length).toBeGreaterThan(2);
    for (const l of lines) if (l.includes('pwned')) expect(l.indexOf('//'), l).toBeGreaterThanOrEqual(0), expect(l.indexOf('//'), l).toBeLessThan(l.indexOf('pwned'));
    expect(Number.isFinite(runModule(text))).toBe(true);
  });

  it('a file name with a double quote still wraps its cell (the wrapper cannot `use` it by that name)', () => {
    const file = join(base, 'my "elman".rnn');
    copyFileSync('models/cells/elman.rnn', file);
    const { text } = compileText(file, { emit: 'js' });
    expect(text).toContain('Cell Elman is wrapped in a minimal language model');
    expect(Number.isFinite(runModule(text))).toBe(true);
  });
});
