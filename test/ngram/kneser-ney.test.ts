// Interpolated Kneser–Ney against a hand computation from Chen & Goodman's formulas
// (see src/ngram/smoothing/kneser-ney.ts) on a corpus small enough to follow:
//
//   line 1: a b        sentence <s> a b </s>
//   line 2: a a b      sentence <s> a a b </s>
//
// The vocabulary (rnnc's order: by count, then code point) is a, </s> (rnnc's <eos>), b, <unk>;
// <s> is never predicted, so the uniform distribution at the bottom is over |V| = 4 words.
import { describe, expect, it } from 'vitest';
import { knDiscounts } from '../../src/ngram/smoothing/kneser-ney.ts';
import { evaluateNgram } from '../../src/ngram/score.ts';
import { modelOf, prob } from './helpers.ts';

const TEXT = 'a b\na a b\n';
const close = (x: number, y: number) => expect(x).toBeCloseTo(y, 12);

describe('Kneser–Ney by hand', () => {
  it('original KN bigram, discounts estimated from count-of-counts', () => {
    const m = modelOf(TEXT, { order: 2, smoothing: 'kn' });
    // Bigrams (top order: raw counts): <s> a: 2, a b: 2, b </s>: 2, a a: 1.
    //   count-of-counts n1 = 1, n2 = 3  →  D = n1 / (n1 + 2 n2) = 1/7.
    // Unigrams (continuation counts: how many different words precede each):
    //   a: {<s>, a} = 2,  b: {a} = 1,  </s>: {b} = 1,  <unk>: 0    total 4
    //   n1 = 2, n2 = 1  →  D = 2 / (2 + 2·1) = 0.5
    //   γ() = D · #{words with count > 0} / total = 0.5 · 3 / 4 = 0.375, spread over |V| = 4.
    const D1 = 0.5;
    const uniform = 0.375 / 4; // 0.09375
    const pa = (2 - D1) / 4 + uniform; // 0.46875
    const pb = (1 - D1) / 4 + uniform; // 0.21875
    const peos = (1 - D1) / 4 + uniform; // 0.21875
    const punk = uniform; // 0.09375
    close(prob(m, 'a'), pa);
    close(prob(m, 'b'), pb);
    close(prob(m, '</s>'), peos);
    close(prob(m, '<unk>'), punk);
    const D2 = 1 / 7;
    // Context <s>: continuations a (2); total 2; γ(<s>) = D · 1 / 2.
    const gS = (D2 * 1) / 2;
    close(prob(m, '<s>', 'a'), (2 - D2) / 2 + gS * pa); // 0.962053…
    close(prob(m, '<s>', 'b'), gS * pb); // unseen: backoff only, 0.015625
    // Context a: continuations b (2) and a (1); total 3; γ(a) = D · 2 / 3.
    const gA = (D2 * 2) / 3;
    close(prob(m, 'a', 'b'), (2 - D2) / 3 + gA * pb); // 0.639880…
    close(prob(m, 'a', 'a'), (1 - D2) / 3 + gA * pa); // 0.330357…
    close(prob(m, 'a', '</s>'), gA * peos);
    // Context b: continuation </s> (2); total 2; γ(b) = D / 2.
    close(prob(m, 'b', '</s>'), (2 - D2) / 2 + (D2 / 2) * peos); // 0.944196…
    // The ARPA backoff weights are the interpolation weights γ.
    expect(m.backoff[1][m.vocab.index('a')]).toBeCloseTo(Math.log10(gA), 12);
    expect(m.backoff[1][m.vocab.bos]).toBeCloseTo(Math.log10(gS), 12);
  });

  it('modified KN trigram: continuation counts at the middle order, <s> n-grams keep raw counts', () => {
    const m = modelOf(TEXT, { order: 3, smoothing: 'mkn' });
    // Every order has n3 = 0 here, so Chen & Goodman's D3+ = 3 − 4Y n4/n3 is undefined and
    // KenLM's fallback discounts are used: D1 = 0.5, D2 = 1, D3+ = 1.5 (the header says so).
    expect(m.info.notes).toMatchObject({ 'fallback-1': 'true', 'fallback-2': 'true', 'fallback-3': 'true' });
    const D = (c: number) => (c === 1 ? 0.5 : c === 2 ? 1 : 1.5);
    // Unigrams, continuation counts as above: a 2, b 1, </s> 1, <unk> 0; total 4.
    //   γ() = (D(2) + D(1) + D(1)) / 4 = 2 / 4 = 0.5
    const pa = (2 - D(2)) / 4 + 0.5 / 4; // 0.375
    const pb = (1 - D(1)) / 4 + 0.5 / 4; // 0.25
    const peos = (1 - D(1)) / 4 + 0.5 / 4; // 0.25
    close(prob(m, 'a'), pa);
    close(prob(m, '<unk>'), 0.5 / 4);
    // Bigrams (not the top order): continuation counts, except <s> a, which has no word before it:
    //   <s> a: raw 2;  a b: {<s>, a} = 2;  b </s>: {a} = 1;  a a: {<s>} = 1.
    const pSa = (2 - D(2)) / 2 + ((D(2) * 1) / 2) * pa; // context <s>: total 2, γ = 1/2 → 0.6875
    const gA = (D(2) + D(1)) / 3; // context a: b (2), a (1); total 3 → γ = 0.5
    const pAb = (2 - D(2)) / 3 + gA * pb; // 0.458333…
    const pAa = (1 - D(1)) / 3 + gA * pa; // 0.354166…
    const pBeos = (1 - D(1)) / 1 + (D(1) / 1) * peos; // context b: </s> (1); total 1 → 0.625
    close(prob(m, '<s>', 'a'), pSa);
    close(prob(m, 'a', 'b'), pAb);
    close(prob(m, 'a', 'a'), pAa);
    close(prob(m, 'b', '</s>'), pBeos);
    // Trigrams (top order, raw counts): <s> a b: 1, <s> a a: 1, a b </s>: 2, a a b: 1.
    const gSa = (D(1) + D(1)) / 2; // context <s> a: b (1), a (1); total 2 → γ = 0.5
    close(prob(m, '<s>', 'a', 'b'), (1 - D(1)) / 2 + gSa * pAb); // 0.479166…
    close(prob(m, '<s>', 'a', 'a'), (1 - D(1)) / 2 + gSa * pAa); // 0.427083…
    close(prob(m, 'a', 'b', '</s>'), (2 - D(2)) / 2 + (D(2) / 2) * pBeos); // 0.8125
    close(prob(m, 'a', 'a', 'b'), (1 - D(1)) / 1 + D(1) * pAb); // 0.729166…
    // Unseen after <s> a: γ(<s> a) · p(</s> | a) = 0.5 · (γ(a) · p(</s>)) = 0.0625.
    close(prob(m, '<s>', 'a', '</s>'), gSa * gA * peos);
    // Scoring the training text (every token from <s>, SRILM's protocol) multiplies these.
    const ids = m.vocab.encode(TEXT);
    const expected = -Math.log(pSa * ((1 - D(1)) / 2 + gSa * pAb) * 0.8125 * pSa * ((1 - D(1)) / 2 + gSa * pAa) * 0.729166666666666667 * 0.8125) / 7;
    close(evaluateNgram(m, ids, 'sentences').loss, expected);
  });

  it("Chen & Goodman's modified discounts from count-of-counts", () => {
    // n1 = 10, n2 = 5, n3 = 3, n4 = 2:  Y = 10 / (10 + 2·5) = 0.5
    //   D1 = 1 − 2·0.5·5/10 = 0.5,  D2 = 2 − 3·0.5·3/5 = 1.1,  D3+ = 3 − 4·0.5·2/3 = 5/3
    const d = knDiscounts([0, 10, 5, 3, 2], true)!;
    close(d[0], 0.5);
    close(d[1], 1.1);
    close(d[2], 5 / 3);
    expect(knDiscounts([0, 10, 5, 3, 2], false)).toEqual([0.5, 0.5, 0.5]);
    expect(knDiscounts([0, 10, 5, 0, 2], true)).toBeNull(); // n3 = 0: fallback
  });
});
