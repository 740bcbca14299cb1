// Offset lookups (E[token@-k]) against the float64 reference interpreter: windows shorter
// and longer than the history, the last tokens carried from window to window like a state
// (and reset with it), the stream's start read as a zero row. The interpreter is given each
// window's whole past explicitly, so the carry in generated code is what is under test.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { compileModel } from '../../src/codegen/index.ts';
import { compare } from './window-compare.ts';
import { unroll } from '../../src/graph/unroll.ts';
import type { IRModel } from '../../src/ir/types.ts';
import { toDot } from '../../src/graph/dot.ts';

function model(path: string, dims: Record<string, number>): IRModel {
  const a = analyze(path, { dims });
  if (!a.ok) throw new Error(renderDiagnostics(a).join('\n'));
  return a.models[0];
}

const window = model('models/window-lm.rnn', { vocab: 7, embed: 3, hidden: 4 });
const charWindow = model('models/char-window-lm.rnn', { vocab: 5, embed: 2, hidden: 3 });
const mixed = model('test/codegen/models/window-elman.rnn', { vocab: 6 });
const cbow = model('models/cbow.rnn', { vocab: 6, embed: 3 });

describe('offset lookups: generated code equals the reference interpreter, history carried', () => {
  for (const [label, ir] of [['window-lm.rnn', window], ['char-window-lm.rnn', charWindow], ['window-elman.rnn (with a recurrent layer)', mixed], ['cbow.rnn (looks 2 ahead: runs 2 steps late)', cbow]] as const) {
    for (const T of [1, 2, 5, 9]) {
      it(`${label}, windows of ${T}: float64 within 1e-12`, () => {
        const r = compare(ir, 3, T, 4, 17 + T);
        expect(r.lossErr).toBeLessThan(1e-12);
        expect(r.gradErr).toBeLessThan(1e-12);
      });
    }
    it(`${label}: float32 within 1e-5`, () => {
      const r = compare(ir, 2, 3, 3, 5, Float32Array);
      expect(r.lossErr).toBeLessThan(1e-5);
      expect(r.gradErr).toBeLessThan(1e-5);
    });
    it(`${label}: float32 through the WebAssembly kernels within 1e-5`, () => {
      const r = compare(ir, 3, 4, 3, 9, Float32Array, true);
      expect(r.lossErr).toBeLessThan(1e-5);
      expect(r.gradErr).toBeLessThan(1e-5);
    });
  }

  it('the history is one more carried state, last in the layout, reset with the others', () => {
    const c = compileModel(mixed);
    expect(c.layout.states.map((s) => [s.name, s.size])).toEqual([['h.h', 4], ['token@history', 3]]);
    const P = new Float64Array(c.layout.totalParams).map((_, i) => Math.sin(i));
    const r = c.instantiate({ Float: Float64Array, B: 1, T: 2, params: P });
    const tokens = Int32Array.of(1, 2, 3);
    const first = r.run(tokens);
    expect(Array.from(r.initial[1])).toEqual([0, 1 + 1, 2 + 1]); // the last 3 tokens read, as id + 1: the pad (0), then 1 and 2
    expect(r.run(tokens)).not.toBe(first);
    r.resetStates();
    expect(Array.from(r.initial[1])).toEqual([0, 0, 0]);
    expect(r.run(tokens)).toBe(first);
    r.initial[1].set([0, 7, 1]); // 7 = id 6 + 1: outside a vocabulary of 6
    expect(() => r.run(tokens)).toThrow(/carried token history holds 7, not a token id \+ 1 in \[0, 6\]/);
  });

  // Oracle: the same stream run as a window that ends at step t (B = 2 streams, tokens batch-major).
  it('finals(t) are the states after step t, the token history included: those of a window ending there', () => {
    for (const ir of [mixed, window]) {
      const c = compileModel(ir, { backward: false });
      const P = new Float64Array(c.layout.totalParams).map((_, i) => Math.sin(0.7 * i));
      const B = 2, T = 5;
      const rows = [[1, 4, 2, 0, 3, 5], [2, 2, 5, 1, 0, 4]];
      const long = c.instantiate({ Float: Float64Array, B, T, params: P });
      long.run(Int32Array.from(rows.flat()));
      for (const t of [0, 2, 4]) {
        const short = c.instantiate({ Float: Float64Array, B, T: t + 1, params: P });
        short.run(Int32Array.from(rows.flatMap((r) => r.slice(0, t + 2))));
        expect(long.finals(t).map((f) => Array.from(f)), `${ir.name}, t = ${t}`).toEqual(short.finals().map((f) => Array.from(f)));
      }
      expect(long.finals().at(-1)!.length).toBe(B * 3);
    }
  });

  it('before a stream starts, token@-k reads a zero vector: the first prediction ignores the table and the token', () => {
    const a = analyze('lag.rnn', {
      dims: { vocab: 4 },
      readFile: () => `model Lag {
  dim vocab
  param E: [vocab, 3]
  param V: [vocab, 3], b: [vocab]
  loss cross_entropy(V @ tanh(E[token@-1]) + b, next)
}
`,
    });
    if (!a.ok) throw new Error(renderDiagnostics(a).join('\n'));
    const c = compileModel(a.models[0], { backward: false });
    const P = new Float64Array(c.layout.totalParams).map((_, i) => Math.cos(3 * i));
    const E = c.layout.params.find((p) => p.name === 'E')!;
    const r = c.instantiate({ Float: Float64Array, B: 1, T: 1, params: P });
    // Step 0 of a stream: logits = V · tanh(0) + b = b, whatever E and the tokens are.
    const b = c.layout.params.find((p) => p.name === 'b')!;
    const logits = Array.from(P.subarray(b.offset, b.offset + 4));
    const lse = Math.log(logits.reduce((s, x) => s + Math.exp(x), 0));
    for (const [tok, next] of [[0, 1], [3, 2]]) {
      r.resetStates();
      P.fill(7, E.offset, E.offset + E.size);
      expect(r.run(Int32Array.of(tok, next))).toBeCloseTo(lse - logits[next], 12);
    }
    // Step 1 reads step 0's token: now E matters.
    const second = r.run(Int32Array.of(2, 1));
    P.fill(-7, E.offset, E.offset + E.size);
    r.initial[0].set([1 + 1]);
    expect(r.run(Int32Array.of(2, 1))).not.toBeCloseTo(second, 6);
  });

  it('the graph names the step each lookup reads (rnnc graph)', () => {
    const dot = toDot(unroll(window, 1));
    for (const k of [1, 2, 3]) expect(dot).toContain(`gather@-${k} [3]`);
    expect(dot).toMatch(/"gather \[3\]/);
  });

  it('whole windows are hoisted: the lookups and the hidden layer run over all T·B rows, no time loop', () => {
    const src = compileModel(window).source;
    expect(src).not.toMatch(/for \(let t = /);
    expect(src).toMatch(/k\.mvW\(\w+\$all, H, x\$all, TB, 4, 12\)/);
  });
});

describe('offset lookups for random offsets, windows and batches (fast-check)', () => {
  it('generated code equals the interpreter, history carried over 3 windows', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -6, max: 3 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 1e9 }),
        (offsets, centre, B, T, seed) => {
          // Look-ahead needs a loss on `token` (the checker's rule); otherwise predict next.
          const target = offsets.some((o) => o > 0) || centre ? 'token' : 'next';
          const terms = offsets.map((o) => `E[token@${o}]`).join(' + ');
          const text = `model R {\n  dim vocab\n  param E: [vocab, 3]\n  param V: [vocab, 3], b: [vocab]\n  loss cross_entropy(V @ tanh(${terms}) + b, ${target})\n}\n`;
          const a = analyze('r.rnn', { dims: { vocab: 5 }, readFile: () => text });
          if (!a.ok) throw new Error(renderDiagnostics(a).join('\n'));
          const r = compare(a.models[0], B, T, 3, seed);
          return r.lossErr < 1e-12 && r.gradErr < 1e-12;
        },
      ),
      { numRuns: 30 },
    );
  });
});
