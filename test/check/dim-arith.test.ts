// Arithmetic in shapes: `[2 * hidden]`, `[in + hidden]`, `[n - 1]`, parenthesised. Parsing,
// checking, elaborated parameter sizes (against counts worked out by hand), the symbolic
// parameter count of a cell, and the diagnostics that involve such sizes.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/syntax/parse.ts';
import type { DimTerm, Stmt } from '../../src/syntax/ast.ts';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { diagnose, err, memoryReader, run } from './helpers.ts';

/** A concat RNN: one matrix acts on [x; h], so its second dim is in + hidden. */
const CAT_CELL = `cell CatRNN(x: [in]) -> h: [hidden] {
  param W: [hidden, in + hidden]  init xavier
  param b: [hidden]               init zeros
  h' = tanh(W @ concat(x, h) + b)
}
`;

const CAT_MODEL = `${CAT_CELL}
model Wide {
  dim vocab
  dim embed = 8, hidden = 16
  param E: [vocab, embed]         init normal(0.1)
  param P: [2 * hidden, hidden]   init xavier
  param V: [vocab, 2 * hidden]    init xavier
  param b_y: [vocab]              init zeros
  e = E[token]
  h = CatRNN(e, hidden = hidden)
  loss cross_entropy(V @ (P @ h) + b_y, next)
}
`;

/** A cell whose input port has an arithmetic size; n is also the state's size. */
const PAIR_CELL = `cell Pair(x: [2 * n]) -> h: [n] {
  param W: [n, 2 * n]
  h' = tanh(W @ x + h)
}
`;

const pairModel = (embed: number, n: number): string => `${PAIR_CELL}
model M {
  dim vocab
  dim embed = ${embed}
  param E: [vocab, embed]
  param V: [vocab, ${n}]
  e = E[token]
  h = Pair(e, n = ${n})
  loss cross_entropy(V @ h, next)
}
`;

function shapeOf(text: string, param: string): DimTerm[] {
  const r = parse('main.rnn', text);
  expect(r.diagnostics).toEqual([]);
  for (const item of r.ast!.items) {
    if (item.kind === 'use') continue;
    for (const s of item.body as Stmt[]) if (s.kind === 'param' && s.name.name === param) return s.shape.dims;
  }
  throw new Error(`no param ${param}`);
}

/** A dim term as a compact tree: numbers, names, and [op, left, right]. */
function tree(d: DimTerm): unknown {
  if (d.kind === 'dimNumber') return d.value;
  if (d.kind === 'dimName') return d.name;
  return [d.op, tree(d.left), tree(d.right)];
}

function rnnc(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['bin/rnnc.js', ...args], { encoding: 'utf8' }, (e, stdout, stderr) => {
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('shape arithmetic: parsing', () => {
  const cell = `cell C(x: [a]) -> h: [a] {
  param A: [hidden, in + hidden]
  param B: [2 * hidden]
  param C: [a - 1, 2 * (a + b)]
  param D: [a + b * 2, (a + b) * 2]
  param F: [a - b - c, a - (b - c)]
  param G: [(a)]
  h' = x
}
`;

  it('builds + - * trees with * binding tighter and - associating left', () => {
    expect(shapeOf(cell, 'A').map(tree)).toEqual(['hidden', ['+', 'in', 'hidden']]);
    expect(shapeOf(cell, 'B').map(tree)).toEqual([['*', 2, 'hidden']]);
    expect(shapeOf(cell, 'C').map(tree)).toEqual([['-', 'a', 1], ['*', 2, ['+', 'a', 'b']]]);
    expect(shapeOf(cell, 'D').map(tree)).toEqual([['+', 'a', ['*', 'b', 2]], ['*', ['+', 'a', 'b'], 2]]);
    expect(shapeOf(cell, 'F').map(tree)).toEqual([['-', ['-', 'a', 'b'], 'c'], ['-', 'a', ['-', 'b', 'c']]]);
    expect(shapeOf(cell, 'G').map(tree)).toEqual(['a']);
  });

  it("names a term by its text without spaces, keeping the brackets it needs", () => {
    const names = ['A', 'B', 'C', 'D', 'F'].flatMap((p) => shapeOf(cell, p).filter((d) => d.kind === 'dimArith').map((d) => (d as { name: string }).name));
    expect(names).toEqual(['in+hidden', '2*hidden', 'a-1', '2*(a+b)', 'a+b*2', '(a+b)*2', 'a-b-c', 'a-(b-c)']);
  });

  it('spans each term over its source text, brackets included', () => {
    const at = (d: DimTerm) => cell.slice(d.span.start, d.span.end);
    expect(shapeOf(cell, 'A').map(at)).toEqual(['hidden', 'in + hidden']);
    expect(shapeOf(cell, 'C').map(at)).toEqual(['a - 1', '2 * (a + b)']);
    expect(shapeOf(cell, 'G').map(at)).toEqual(['(a)']);
  });

  it('reports an operator with no operand as a syntax error at the bracket', () => {
    const text = `cell C(x: [n]) -> h: [n] {
  param W: [n, 2 *]
  h' = x
}
`;
    expect(diagnose(text)).toEqual([err('syntax', 'syntax error: expected an identifier, an integer, or "(", found "]"', ']')]);
  });
});

describe('shape arithmetic: checking and parameter counts', () => {
  it('checks a cell whose matrix acts on concat(x, h), and a model with [2 * hidden]', () => {
    expect(diagnose(CAT_MODEL)).toEqual([]);
  });

  it('gives each param its concrete shape and size once vocab is bound', () => {
    const a = analyze('main.rnn', { dims: { vocab: 10 }, readFile: memoryReader({ 'main.rnn': CAT_MODEL }) });
    expect(a.ok).toBe(true);
    const m = a.models[0];
    const byName = Object.fromEntries(m.params.map((p) => [p.name, { shape: p.shape, size: p.size }]));
    // embed 8, hidden 16, vocab 10
    expect(byName).toEqual({
      E: { shape: [10, 8], size: 80 },
      P: { shape: [32, 16], size: 2 * 16 * 16 },
      V: { shape: [10, 32], size: 10 * 2 * 16 },
      b_y: { shape: [10], size: 10 },
      'h.W': { shape: [16, 24], size: 16 * (8 + 16) },
      'h.b': { shape: [16], size: 16 },
    });
    const byHand = 10 * 8 + 2 * 16 * 16 + 10 * 2 * 16 + 10 + 16 * (8 + 16) + 16;
    expect(byHand).toBe(1322);
    expect(m.totalParams).toBe(byHand);
    expect(m.layers.map((l) => [l.name, l.dims])).toEqual([['h', { in: 8, hidden: 16 }]]);
    expect(m.states.map((s) => [s.name, s.shape])).toEqual([['h.h', [16]]]);
  });

  it('counts the parameters as a polynomial in vocab while it is unbound', () => {
    const a = run(CAT_MODEL);
    expect(a.ok).toBe(true);
    // vocab part: E (8) + V (2*16) + b_y (1); the rest: P 512 + W 384 + b 16.
    expect(a.models[0].totalParams).toBe('41*vocab + 912');
    expect(a.models[0].params.find((p) => p.name === 'V')!.shape).toEqual(['vocab', 32]);
  });

  it("sums a cell's parameter count symbolically", () => {
    const counts = (text: string) => Object.fromEntries(run(text).cells.map((c) => [c.name, [c.paramCount, c.params.map((p) => `${p.name} ${p.shape}`)]]));
    expect(counts(CAT_CELL)).toEqual({ CatRNN: ['hidden^2 + hidden*in + hidden', ['W [hidden, hidden + in]', 'b [hidden]']] });
    expect(counts(PAIR_CELL)).toEqual({ Pair: ['2*n^2', ['W [n, 2*n]']] });
    // (2n)(n+1) + (n-1) = 2n^2 + 3n - 1
    expect(
      counts(`cell Odd(x: [n]) -> h: [n] {
  param A: [2 * n, n + 1]
  param c: [n - 1]
  h' = x
}
`),
    ).toEqual({ Odd: ['2*n^2 + 3*n - 1', ['A [2*n, n + 1]', 'c [n - 1]']] });
  });

  it('rnnc check prints the cell signature, its param shapes and the count polynomial', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnnc-dim-arith-'));
    const file = join(dir, 'cat.rnn');
    writeFileSync(file, CAT_MODEL);
    const r = await rnnc('check', file, '--dims', 'vocab=10');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('total: 1,322 parameters');
    expect(r.stdout).toContain(`cell CatRNN(x: [in]) -> (h: [hidden])  (${file})\n  params: W [hidden, hidden + in], b [hidden]\n  parameter count: hidden^2 + hidden*in + hidden\n`);
    expect(r.stdout).toMatch(/checked 1 file: 0 errors, 0 warnings\n$/);
  }, 30_000);
});

describe('shape arithmetic: diagnostics', () => {
  it('reports a matrix of [hidden, in + hidden] applied to x alone', () => {
    const text = `cell CatRNN(x: [in]) -> h: [hidden] {
  param W: [hidden, in + hidden]
  h' = tanh(W @ x)
}
`;
    expect(diagnose(text)).toEqual([
      err('matmul-shape', 'cannot multiply W: [hidden, hidden + in] by x: [in]: hidden + in ≠ in', 'W @ x', "the matrix's second dim must equal the vector's length"),
    ]);
    expect(renderDiagnostics(run(text))).toEqual([
      [
        'main.rnn:3:13: error: cannot multiply W: [hidden, hidden + in] by x: [in]: hidden + in ≠ in',
        " 3 |   h' = tanh(W @ x)",
        '   |             ^^^^^',
        "hint: the matrix's second dim must equal the vector's length",
      ].join('\n'),
    ]);
  });

  it('shows the value of an arithmetic size once its dims are bound', () => {
    const text = CAT_MODEL.replace('V @ (P @ h)', 'V @ h');
    expect(diagnose(text)).toEqual([
      { code: 'unused-param', severity: 'warning', message: "param 'P' is never used", text: 'P', hint: 'remove it, or use it in an expression' },
      err('matmul-shape', 'cannot multiply V: [vocab, 2*hidden] by h: [hidden]: 2*hidden = 32 ≠ hidden = 16', 'V @ h', "the matrix's second dim must equal the vector's length"),
    ]);
  });

  it('reports element-wise operands of [2 * n] and [n + n + 1]', () => {
    expect(
      diagnose(`cell C(x: [n]) -> h: [n] {
  param a: [2 * n]
  param b: [n + n + 1]
  param W: [n, 2 * n]
  h' = tanh(W @ (a + b))
}
`).map((d) => [d.code, d.message, d.text]),
    ).toEqual([['elementwise-shape', 'cannot add a: [2*n] and b: [2*n + 1]: element-wise operands need equal shapes', '(a + b)']]);
  });
});

describe('shape arithmetic: layer inputs', () => {
  it('accepts an input of the right size for x: [2 * n], and elaborates the layer', () => {
    expect(diagnose(pairModel(8, 4))).toEqual([]);
    const a = analyze('main.rnn', { dims: { vocab: 10 }, readFile: memoryReader({ 'main.rnn': pairModel(8, 4) }) });
    expect(a.ok).toBe(true);
    expect(a.models[0].params.find((p) => p.name === 'h.W')).toMatchObject({ shape: [4, 8], size: 32 });
    expect(a.models[0].totalParams).toBe(10 * 8 + 10 * 4 + 32);
  });

  it('reports an input of the wrong size for x: [2 * n]', () => {
    expect(diagnose(pairModel(8, 3))).toEqual([
      err('layer-arguments', "input 'x' of Pair needs size 6 in dim 1 (the cell's 2 * n), but e has shape [embed = 8]", 'e'),
    ]);
    expect(renderDiagnostics(run(pairModel(8, 3)))[0]).toBe(
      [
        "main.rnn:12:12: error: input 'x' of Pair needs size 6 in dim 1 (the cell's 2 * n), but e has shape [embed = 8]",
        ' 12 |   h = Pair(e, n = 3)',
        '    |            ^',
      ].join('\n'),
    );
  });

  it('checks an arithmetic input against a dim bound by a later input', () => {
    const model = (f: number) => `cell Two(x: [2 * n], y: [n]) -> h: [n] {
  param W: [n, 2 * n]
  h' = tanh(W @ x + y)
}
model M {
  dim vocab
  dim embed = 8
  param E: [vocab, embed]
  param F: [vocab, ${f}]
  param V: [vocab, ${f}]
  h = Two(E[token], F[token])
  loss cross_entropy(V @ h, next)
}
`;
    expect(diagnose(model(4))).toEqual([]);
    expect(diagnose(model(3))).toEqual([
      err('layer-arguments', "input 'x' of Two needs size 6 in dim 1 (the cell's 2 * n), but E[token] has shape [embed = 8]", 'E[token]'),
    ]);
  });

  it('treats a name used only inside arithmetic as a dim of the cell', () => {
    const model = (args: string) => `cell Half(x: [2 * n]) -> h: [m] {
  param W: [m, 2 * n]
  h' = tanh(W @ x)
}
model M {
  dim vocab
  dim embed = 8
  param E: [vocab, embed]
  param V: [vocab, 5]
  h = Half(E[token]${args})
  loss cross_entropy(V @ h, next)
}
`;
    expect(diagnose(model(', n = 4, m = 5'))).toEqual([]);
    expect(run(model(', n = 4, m = 5')).models[0].layers[0].dims).toEqual({ n: 4, m: 5 });
    expect(diagnose(model(', m = 5'))).toEqual([
      err('layer-arguments', "layer Half needs a value for dim 'n'", 'Half(E[token], m = 5)', 'bind it by name: Half(…, n = …)'),
    ]);
    expect(diagnose(model(', n = 3, m = 5'))).toEqual([
      err('layer-arguments', "input 'x' of Half needs size 6 in dim 1 (the cell's 2 * n), but E[token] has shape [embed = 8]", 'E[token]'),
    ]);
  });
});

describe('shape arithmetic: sizes below 1', () => {
  it('reports a model param whose size is not positive once its dims are bound', () => {
    expect(
      diagnose(`model M {
  dim vocab
  dim embed = 8, one = 1
  param E: [vocab, embed]
  param Z: [embed - 10, one - 1]
  param V: [vocab, embed]
  loss cross_entropy(V @ E[token] + (Z @ E[token])[0], next)
}
`).filter((d) => d.code === 'dim-value'),
    ).toEqual([err('dim-value', 'a dim must be at least 1, but embed - 10 = -2', 'embed - 10'), err('dim-value', 'a dim must be at least 1, but one - 1 = 0', 'one - 1')]);
  });

  it('reports a size that is a constant below 1 in a cell', () => {
    expect(
      diagnose(`cell C(x: [n]) -> h: [n] {
  param W: [n, n - n]
  h' = x
}
`).filter((d) => d.code === 'dim-value'),
    ).toEqual([err('dim-value', 'a dim must be at least 1, but n - n = 0', 'n - n')]);
  });

  it('reports a layer that binds n - 1 to 0, and accepts one that binds it to 3', () => {
    const model = (embed: number) => `cell Shrink(x: [n]) -> h: [n - 1] {
  param W: [n - 1, n]
  h' = tanh(W @ x)
}
model M {
  dim vocab
  dim embed = ${embed}
  param E: [vocab, embed]
  param V: [vocab, embed - 1]
  h = Shrink(E[token])
  loss cross_entropy(V @ h, next)
}
`;
    expect(diagnose(model(4))).toEqual([]);
    expect(run(model(4)).models[0].params.find((p) => p.name === 'h.W')).toMatchObject({ shape: [3, 4], size: 12 });
    expect(diagnose(model(1))).toEqual([
      err('dim-value', 'a dim must be at least 1, but embed - 1 = 0', 'embed - 1'),
      err('dim-value', "layer Shrink makes the cell's size n - 1 = 0, but a dim must be at least 1", 'Shrink(E[token])'),
    ]);
  });
});
