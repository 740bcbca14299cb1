// Every normalised smoothing gives, for every context the model stores, a distribution over
// the whole vocabulary (every word, </s> and <unk> included; <s> is never predicted) that sums
// to 1 within 1e-9 — on random small corpora, orders 1 to 4, word and char level. fast-check
// prints the seed and the shrunk corpus when it fails.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Smoothing } from '../../src/ngram/train.ts';
import { modelOf, storedContexts, totalProbability } from './helpers.ts';

const WORDS = ['a', 'b', 'c', 'd', 'e'];
// Lines of 0..6 words from a small vocabulary (so n-grams repeat and every case of the formulas occurs).
const corpus = fc.array(fc.array(fc.constantFrom(...WORDS), { maxLength: 6 }), { minLength: 1, maxLength: 8 }).map((lines) => lines.map((l) => l.join(' ')).join('\n') + '\n');

function checkAll(text: string, order: number, smoothing: Smoothing, level: 'word' | 'char', extra: { k?: number; discounts?: [number, number, number][] } = {}): void {
  const m = modelOf(text, { order, smoothing, ...extra }, level);
  for (const ctx of storedContexts(m)) {
    const total = totalProbability(m, ctx);
    if (Math.abs(total - 1) > 1e-9) throw new Error(`context [${ctx.map((w) => m.vocab.names[w]).join(' ')}]: probabilities sum to ${total}`);
  }
}

describe('n-gram distributions sum to 1 for every stored context', () => {
  for (const smoothing of ['mkn', 'kn', 'witten-bell', 'add-k'] as const) {
    it(smoothing, () => {
      fc.assert(
        fc.property(corpus, fc.integer({ min: 1, max: 4 }), fc.constantFrom<'word' | 'char'>('word', 'char'), fc.double({ min: 0.01, max: 2, noNaN: true }), (text, order, level, k) => {
          checkAll(text, order, smoothing, level, { k });
        }),
        { numRuns: 60 },
      );
    });
  }

  it('mkn with any discounts 0 ≤ Dk ≤ k (the estimates of a large corpus, not only the fallback of a small one)', () => {
    const d = fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true }));
    fc.assert(
      fc.property(corpus, fc.integer({ min: 1, max: 4 }), fc.array(d, { minLength: 4, maxLength: 4 }), (text, order, discounts) => {
        checkAll(text, order, 'mkn', 'word', { discounts });
      }),
      { numRuns: 60 },
    );
  });

  it('the check can fail: stupid backoff is not normalised', () => {
    const m = modelOf('a b a c\nb a\n', { order: 2, smoothing: 'stupid-backoff' });
    expect(totalProbability(m, [m.vocab.index('a')])).toBeGreaterThan(1.01);
    expect(m.info.normalised).toBe(false);
  });
});
