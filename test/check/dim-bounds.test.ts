// Dims are bounded (issue 10): an integer that does not fit (a 20-digit dim, a 400-digit
// size, arithmetic past 2^31 - 1) is refused where it is written, as written, instead of
// being rounded and compiled into JavaScript that does not parse.
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/frontend.ts';
import { MAX_DIM } from '../../src/syntax/limits.ts';
import { diagnoseCode, err, memoryReader, withCells } from './helpers.ts';

const LIMIT = 'a dim may be at most 2,147,483,647 (2^31 - 1)';

const model = (dims: string, extra = '', hidden = 'hidden'): string => `model M {
  dim vocab, e = 4, ${dims}
  param E: [vocab, e]
  param V: [vocab, hidden]
${extra}  h1 = Elman(E[token], hidden = ${hidden})
  loss cross_entropy(V @ h1, next)
}
`;

describe('dim bounds', () => {
  it('is 2^31 - 1', () => {
    expect(MAX_DIM).toBe(2147483647);
  });

  it('refuses a declared dim that does not fit, quoting it as written', () => {
    expect(diagnoseCode('dim-value', withCells(model('hidden = 99999999999999999999')))).toContainEqual(
      err('dim-value', `dim 'hidden' = 99999999999999999999 is too large: ${LIMIT}`, '99999999999999999999'),
    );
  });

  it('refuses a 400-digit size in a shape', () => {
    const big = '9'.repeat(400);
    expect(diagnoseCode('dim-value', withCells(model('hidden = 8', `  param W: [vocab, ${big}]\n`)))).toEqual([
      err('dim-value', `the size ${'9'.repeat(39)}… is too large: ${LIMIT}`, big),
    ]);
  });

  it('refuses shape arithmetic past the bound, and accepts it at the bound', () => {
    expect(diagnoseCode('dim-value', withCells(model('hidden = 8', '  param X: [vocab, 2147483647 * 2]\n')))).toEqual([
      err('dim-value', `2147483647 * 2 = 4294967294 is too large: ${LIMIT}`, '2147483647 * 2'),
    ]);
    expect(diagnoseCode('dim-value', withCells(model('hidden = 8', '  param X: [vocab, 1073741823 * 2 + 1]\n')))).toEqual([]);
    expect(diagnoseCode('dim-value', withCells(model('hidden = 65536', '  param X: [vocab, hidden * hidden]\n')))).toEqual([
      err('dim-value', `hidden * hidden = 4294967296 is too large: ${LIMIT}`, 'hidden * hidden'),
    ]);
  });

  it('refuses a layer dim computed past the bound', () => {
    expect(diagnoseCode('dim-value', withCells(model('hidden = 8', '', '99999999999 * 99')))).toEqual([
      err('dim-value', `layer Elman binds the cell's dim hidden = 9899999999901, which is too large: ${LIMIT}`, 'Elman(E[token], hidden = 99999999999 * 99)'),
    ]);
  });

  it('refuses a --dims value past the bound at the dim it sets', () => {
    const files = withCells(model('hidden = 8'));
    const a = analyze('main.rnn', { readFile: memoryReader(files), dims: { hidden: 2 ** 40 } });
    expect(a.diagnostics.filter((d) => d.code === 'dim-value').map((d) => d.message)).toContain(`--dims hidden=1099511627776 is too large: ${LIMIT}`);
  });
});
