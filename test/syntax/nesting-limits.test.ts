// Deep and long inputs (issue 10): every one either checks or gets one located `limit`
// diagnostic; none overflows the stack, and `analyze` never throws.
import { describe, expect, it } from 'vitest';
import { MAX_BRACKET_DEPTH, MAX_EXPR_DEPTH } from '../../src/syntax/limits.ts';
import { diagnose, run } from '../check/helpers.ts';
import { analyze } from '../../src/frontend.ts';

const cell = (update: string, extra = ''): string => `cell C(x: [n]) -> h: [n] {\n${extra}  h' = ${update}\n}\n`;
const W = '  param W: [n, n]\n';

/** The one diagnostic of a source, with the line and column its span starts at. */
function only(src: string): { code: string; message: string; line: number; col: number } {
  const a = run(src);
  expect(a.diagnostics).toHaveLength(1);
  const d = a.diagnostics[0];
  expect(d.span).not.toBeNull();
  const before = src.slice(0, d.span!.start).split('\n');
  return { code: d.code, message: d.message, line: before.length, col: before[before.length - 1].length + 1 };
}

describe('nesting limits', () => {
  it('refuses 150 nested parentheses at the bracket that opens one level too many', () => {
    const d = only(cell(`${'('.repeat(150)}x${')'.repeat(150)}`));
    expect(d).toEqual({ code: 'limit', message: `brackets nest more than ${MAX_BRACKET_DEPTH} levels deep`, line: 2, col: 8 + MAX_BRACKET_DEPTH });
  });

  it('refuses 150 nested calls and 150 nested shape brackets', () => {
    expect(only(cell(`${'tanh('.repeat(150)}x${')'.repeat(150)}`)).code).toBe('limit');
    expect(only(`cell C(x: [${'('.repeat(150)}n${')'.repeat(150)}]) -> h: [n] {\n  h' = x\n}\n`).code).toBe('limit');
  });

  it('does not count brackets in comments or strings', () => {
    const comment = `# ${'('.repeat(200)}\n`;
    expect(diagnose(comment + cell('tanh(W @ x)', W))).toEqual([]);
  });

  it('refuses 1,600 unary minuses at the first minus past the limit', () => {
    const d = only(cell(`${'-'.repeat(1600)}x`));
    expect(d).toEqual({ code: 'limit', message: `this expression nests 1601 levels deep; the limit is ${MAX_EXPR_DEPTH}`, line: 2, col: 8 + MAX_EXPR_DEPTH });
  });

  it('refuses a chain of 3,000 transposes and a sum of 3,200 terms at the expression', () => {
    expect(only(cell('x', `${W}  a = W${'^T'.repeat(3000)}\n`))).toEqual({ code: 'limit', message: `this expression nests 3001 levels deep; the limit is ${MAX_EXPR_DEPTH}`, line: 3, col: 7 });
    expect(only(cell(Array(3200).fill('x').join(' + ')))).toEqual({ code: 'limit', message: `this expression nests 3200 levels deep; the limit is ${MAX_EXPR_DEPTH}`, line: 2, col: 8 });
  });

  it('refuses a shape size of 3,000 terms', () => {
    expect(only(`cell C(x: [${Array(3000).fill('n').join(' + ')}]) -> h: [n] {\n  h' = tanh(h)\n}\n`).code).toBe('limit');
  });

  it('checks what lies within the limits: a 250-term sum, 250 minuses, 63 nested calls', () => {
    expect(diagnose(cell(Array(250).fill('x').join(' + ')))).toEqual([]);
    expect(diagnose(cell(`${'-'.repeat(250)}x`))).toEqual([]);
    expect(diagnose(cell(`${'tanh('.repeat(63)}x${')'.repeat(63)}`))).toEqual([]);
  });

  it('types a chain of 3,000 bindings written last to first (no recursion through bindings)', () => {
    // Each binding reads the next one, defined below it: typing the first walks the chain.
    const lets = Array.from({ length: 3000 }, (_, i) => `  a${i} = a${i + 1} + x\n`).join('');
    const codes = diagnose(cell('a0', `${W}${lets}  a3000 = W @ x\n`)).map((d) => d.code);
    expect(codes).toEqual(Array(3000).fill('definition-order'));
  });

  it('follows a chain of 3,000 bindings from the loss back to a reversed layer', () => {
    const lets = Array.from({ length: 3000 }, (_, i) => `  a${i + 1} = a${i}\n`).join('');
    const src = `${cell('tanh(W @ x + h)', W).replace('cell C', 'cell R')}
model M {
  dim vocab, e = 4
  param E: [vocab, e]
  param V: [vocab, e]
  a0 = reverse R(E[token], n = e)
${lets}  loss cross_entropy(V @ a3000, next)
}
`;
    const codes = diagnose(src).map((d) => d.code);
    expect(codes).toEqual(['causality']);
  });
});

describe('analyze never throws', () => {
  it('turns an exception inside a pass into one diagnostic', () => {
    // A reader that hands back something that is not text makes the parser itself fail.
    const a = analyze('main.rnn', { readFile: () => null as unknown as string });
    expect(a.ok).toBe(false);
    expect(a.diagnostics.map((d) => d.code)).toEqual(['internal']);
    expect(a.diagnostics[0].message).toMatch(/^main\.rnn: the front end failed on this file/);
  });
});
