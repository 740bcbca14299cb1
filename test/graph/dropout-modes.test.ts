// Window-wide dropout masks against their definitions: a locked (variational) mask is one
// draw per stream and window, the same at every step (Gal & Ghahramani 2016); an embedding
// mask keeps or drops whole rows of the table, the same rows for every stream and step of a
// window (Merity et al. 2017). And the gradients with the masks fixed, against central
// differences of the float64 interpreter.
import { describe, expect, it } from 'vitest';
import { unroll } from '../../src/graph/unroll.ts';
import { interpret } from '../../src/graph/interpret.ts';
import type { GNode, Graph } from '../../src/graph/types.ts';
import { compareWithNumeric, modelFromFile, randomData } from '../autodiff/helpers.ts';

const ir = modelFromFile('test/codegen/models/variational.rnn', { vocab: 5 });

/** Every mask's value per (example, step), by the mask's statement index. */
function masks(g: Graph, tokens: number[][], seed: number, pick: (n: GNode) => boolean, model = ir) {
  const data = randomData(model, 1, tokens[0].length - 1, 1);
  return tokens.map((tok, ex) => {
    const vals = interpret(g, { params: data.params, tokens: tok, maskSeed: seed, example: ex }, g.nodes.length);
    return g.nodes.filter(pick).map((n) => ({ n, v: Array.from(vals[n.id]) }));
  });
}

describe('locked_dropout', () => {
  const T = 6;
  const g = unroll(ir, T);
  const tokens = randomData(ir, 4, T, 3).tokens;

  it('draws one mask per stream and window, shared by all steps; fresh for another stream or window', () => {
    const locked = (n: GNode) => n.op === 'mask' && n.attrs.mode === 'locked';
    expect(g.nodes.filter(locked)).toHaveLength(3 * T);
    const a = masks(g, tokens, 17, locked);
    const b = masks(g, tokens, 18, locked);
    for (const [ex, perEx] of a.entries()) {
      const indices = [...new Set(perEx.map((m) => m.n.attrs.index))];
      expect(indices).toHaveLength(3);
      for (const index of indices) {
        const steps = perEx.filter((m) => m.n.attrs.index === index);
        expect(steps.map((m) => m.n.t)).toEqual([0, 1, 2, 3, 4, 5]);
        for (const m of steps) expect(m.v).toEqual(steps[0].v);
        const p = steps[0].n.attrs.p!;
        for (const x of steps[0].v) expect([0, 1 / (1 - p)]).toContain(x);
        // The next window (seed + 1) draws again.
        const next = b[ex].filter((m) => m.n.attrs.index === index)[0].v;
        if (ex === 0 && index === indices[1]) expect(next).not.toEqual(steps[0].v);
      }
    }
    // Streams differ (the widest mask, 4 hidden units at p = 0.5, over 4 streams).
    const wide = a.map((perEx) => perEx.find((m) => m.n.attrs.p === 0.5)!.v.join());
    expect(new Set(wide).size).toBeGreaterThan(1);
  });

  it('keeps a fraction 1 − p of the units on average', () => {
    const bigIr = modelFromFile('test/codegen/models/variational.rnn', { vocab: 5, hidden: 400 });
    const m = masks(unroll(bigIr, 1), [[0, 1]], 5, (n) => n.op === 'mask' && n.attrs.p === 0.5, bigIr)[0][0].v;
    expect(m).toHaveLength(400);
    const kept = m.filter((x) => x !== 0).length / m.length;
    expect(Math.abs(kept - 0.5)).toBeLessThan(0.1);
  });
});

const rows = (n: GNode) => n.op === 'mask' && n.attrs.mode === 'rows';

describe('embedding_dropout', () => {
  const T = 8;
  const g = unroll(ir, T);

  it('keeps or drops each row of E for the whole window, the same for every stream', () => {
    const tokens = randomData(ir, 3, T, 9).tokens;
    for (const seed of [1, 2, 3, 4]) {
      const byToken = new Map<number, number>();
      for (const [ex, perEx] of masks(g, tokens, seed, rows).entries()) {
        expect(perEx).toHaveLength(T);
        for (const m of perEx) {
          // A whole row: every entry the same, 0 or 1/(1 − p).
          expect(new Set(m.v).size).toBe(1);
          expect([0, 1 / (1 - 0.4)]).toContain(m.v[0]);
          const tok = tokens[ex][m.n.t!];
          if (byToken.has(tok)) expect(m.v[0]).toBe(byToken.get(tok));
          byToken.set(tok, m.v[0]);
        }
      }
    }
  });

  it('drops a fraction p of the rows over many windows', () => {
    const tokens = [[0, 1, 2, 3, 4, 0, 1, 2, 3]];
    let dropped = 0;
    let total = 0;
    for (let seed = 0; seed < 200; seed++)
      for (const m of masks(g, tokens, seed, rows)[0].slice(0, 5)) {
        total++;
        if (m.v[0] === 0) dropped++;
      }
    expect(Math.abs(dropped / total - 0.4)).toBeLessThan(0.05);
  });
});

describe('gradients with the masks fixed', () => {
  it.each([
    ['variational.rnn', 1],
    ['variational.rnn', 2],
    ['variational.rnn', 3],
    ['variational-recurrent.rnn', 4],
    ['variational-recurrent.rnn', 5],
  ])('equal central differences (%s, mask seed %i)', (file, seed) => {
    const small = modelFromFile(`test/codegen/models/${file}`, { vocab: 4, embed: 2, hidden: 2 });
    const data = randomData(small, 1, 4, seed);
    const r = compareWithNumeric(unroll(small, 4), data.params, data.tokens[0], { maskSeed: seed });
    expect(r.worst, r.where).toBeLessThan(1e-7);
  });
});
