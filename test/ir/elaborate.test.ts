import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/frontend.ts';
import { formatExpr, formatIR } from '../../src/ir/print.ts';
import type { IRModel } from '../../src/ir/types.ts';

const CELLS: Record<string, string> = {
  'm/cells.rnn': `
cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in] init xavier
  param U: [hidden, hidden] init orthogonal
  param b: [hidden] init zeros
  h' = tanh(W @ x + U @ h + b)
}`,
};

function ir(src: string, dims: Record<string, number> = { vocab: 7 }): IRModel {
  const files: Record<string, string> = { ...CELLS, 'm/main.rnn': src };
  const a = analyze('m/main.rnn', {
    dims,
    readFile: (p) => {
      if (!(p in files)) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return files[p];
    },
  });
  expect(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  return a.models[0];
}

describe('elaboration to IR', () => {
  it('inlines layers with params named layer.param and states layer.state', () => {
    const m = ir(`use "cells.rnn"
model M {
  dim vocab, d = 3
  param E: [vocab, d]
  param V: [vocab, d], c: [vocab]
  e = E[token]
  h1 = Elman(e, hidden = d)
  loss cross_entropy(V @ h1 + c, next)
}`);
    expect(m.params.map((p) => `${p.name}${JSON.stringify(p.shape)}`)).toEqual(['E[7,3]', 'V[7,3]', 'c[7]', 'h1.W[3,3]', 'h1.U[3,3]', 'h1.b[3]']);
    expect(m.states).toMatchObject([{ name: 'h1.h', layer: 'h1', shape: [3] }]);
    expect(m.layers).toMatchObject([{ name: 'h1', cell: 'Elman', reverse: false, dims: { in: 3, hidden: 3 } }]);
    expect(m.step.map((s) => `${s.name} = ${formatExpr(s.expr)}`)).toEqual([
      'e = E[token]',
      "h1.h' = tanh(h1.W @ e + h1.U @ h1.h + h1.b)",
      "h1 = h1.h'",
      'loss = cross_entropy(V @ h1 + c, next)',
    ]);
  });

  it('defaults: matrices xavier, vectors zeros, marked implicit', () => {
    const m = ir(`use "cells.rnn"
model M {
  dim vocab, d = 2
  param E: [vocab, d]
  param c: [vocab]
  h = Elman(E[token], hidden = d)
  loss cross_entropy(E @ h + c, next)
}`);
    expect(m.params.find((p) => p.name === 'E')!.init).toEqual({ name: 'xavier', args: [], implicit: true });
    expect(m.params.find((p) => p.name === 'c')!.init).toEqual({ name: 'zeros', args: [], implicit: true });
    // A computed layer input is evaluated once, as its own statement.
    expect(m.step[0]).toMatchObject({ name: 'h.x', kind: 'input' });
  });

  it('keeps reverse layers, concat, dropout and a token objective', () => {
    const m = ir(`use "cells.rnn"
model Bi {
  dim vocab, d = 2
  param E: [vocab, d]
  param V: [vocab, 4]
  e = E[token]
  f = Elman(e, hidden = d)
  b = reverse Elman(e, hidden = d)
  loss cross_entropy(V @ dropout(concat(f, b), 0.25), token)
}`);
    expect(m.layers.map((l) => [l.name, l.reverse])).toEqual([['f', false], ['b', true]]);
    const loss = m.step[m.step.length - 1];
    expect(formatExpr(loss.expr)).toBe('cross_entropy(V @ dropout(concat(f, b), 0.25), token)');
    expect(loss.expr.op === 'cross_entropy' && loss.expr.args[0].shape).toEqual([7]);
  });

  it('prints as text and survives a JSON round trip', () => {
    const a = analyze('models/char-lstm.rnn', { dims: { vocab: 65 } });
    const m = a.models[0];
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
    const text = formatIR(m);
    expect(text).toContain("h2.h' =     h2.o * tanh(h2.c')");
    expect(text).toContain('total: 874,881 parameters');
  });

  it('checks char-lstm.rnn in well under 100 ms once the grammar is compiled', () => {
    analyze('models/char-lstm.rnn', { dims: { vocab: 65 } }); // compiles the grammar
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      analyze('models/char-lstm.rnn', { dims: { vocab: 65 } });
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    expect(times[5]).toBeLessThan(100);
  });
});
