// Multi-stream evaluation against its definition: B streams evaluated together give the
// same predictions as each stream evaluated on its own from a zero state (batch 1), and
// the streams are exactly the slices the protocol names (tokens [b·L, b·L + L]).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/runtime/model.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import { StreamEvaluator, streamLayout } from '../../src/runtime/evaluate.ts';

const TEXT = 'the cat sat on the mat. the dog sat on the log.\n'.repeat(6);
const vocab = buildCharVocab(TEXT);
const ids = vocab.encode(TEXT);
const model = compile('test/runtime/models/tiny-dropout.rnn', { vocab }).init(4);

describe('evaluation with B streams', () => {
  it('equals the mean over streams each scored alone (batch 1 on tokens [b·L, b·L + L])', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: ids.length }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 20 }), (n, batch, window) => {
        const tokens = ids.subarray(0, n);
        const { B, L } = streamLayout(n, batch);
        const together = model.evaluate(tokens, { batch, window });
        let sum = 0;
        for (let b = 0; b < B; b++) {
          const alone = model.evaluate(tokens.subarray(b * L, b * L + L + 1), { batch: 1, window });
          expect(alone.tokens).toBe(L);
          sum += alone.loss * L;
        }
        expect(together.tokens).toBe(B * L);
        expect(together.loss).toBeCloseTo(sum / (B * L), 5);
      }),
      { numRuns: 40, seed: 11, verbose: true },
    );
  });

  it('a stream that started one token off would change the result (the oracle can fail)', () => {
    const tokens = ids.subarray(0, 200);
    const { B, L } = streamLayout(200, 4);
    let shifted = 0;
    for (let b = 0; b < B; b++) shifted += model.evaluate(tokens.subarray(b * L + 1, b * L + L + 2), { batch: 1 }).loss * L;
    expect(Math.abs(model.evaluate(tokens, { batch: 4 }).loss - shifted / (B * L))).toBeGreaterThan(1e-4);
  });
});

describe('the stream layout and the evaluator around it', () => {
  it('needs 2 tokens; uses at most N − 1 streams of ⌊(N − 1) / B⌋ predictions', () => {
    for (const n of [0, 1]) expect(() => streamLayout(n, 4)).toThrow(`evaluation needs at least 2 tokens, got ${n}`);
    expect(streamLayout(2, 5)).toEqual({ B: 1, L: 1 });
    expect(streamLayout(11, 3)).toEqual({ B: 3, L: 3 });
    expect(streamLayout(11, 1)).toEqual({ B: 1, L: 10 });
  });

  it('refuses training code (it would run dropout and a backward pass)', () => {
    expect(() => new StreamEvaluator(model.training, model.params, Float32Array, 2, 8)).toThrow('StreamEvaluator needs inference code (compileModel(ir, { backward: false }))');
  });

  it('reports progress after each window, ending at L of L; instantiates each window size once across calls', () => {
    let made = 0;
    const counting = Object.create(model.scoring) as typeof model.scoring;
    counting.instantiate = (o) => (made++, model.scoring.instantiate(o));
    const ev = new StreamEvaluator(counting, model.params, Float32Array, 3, 8);
    const tokens = ids.subarray(0, 70); // L = ⌊69 / 3⌋ = 23: windows of 8, 8 and 7
    const seen: [number, number][] = [];
    const first = ev.evaluate(tokens, (done, total) => seen.push([done, total]));
    expect(seen).toEqual([[8, 23], [16, 23], [23, 23]]);
    expect(made).toBe(2);
    expect(ev.evaluate(tokens)).toEqual(first);
    expect(made).toBe(2);
    expect(first.loss).toBeCloseTo(model.evaluate(tokens, { batch: 3, window: 23 }).loss, 5);
  });
});
