// Perplexity, bits and the per-token NLL on distributions whose probabilities are known.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitsPerChar, bitsPerToken, NllMeter, perplexity, tokenNll } from '../../src/runtime/metrics.ts';

// softmax(log p + c) = p for any shift c: logits whose probabilities are 1/2, 1/4, 1/8, 1/8.
const P = [0.5, 0.25, 0.125, 0.125];
const logitsOf = (p: number[], shift: number) => Float64Array.from(p, (q) => Math.log(q) + shift);

describe('tokenNll', () => {
  it('is −ln p(target) on a hand-made distribution, for any shift of the logits', () => {
    for (const shift of [0, 3.5, -40, 500]) {
      const l = logitsOf(P, shift);
      expect(tokenNll(l, 0)).toBeCloseTo(Math.LN2, 12);
      expect(tokenNll(l, 1)).toBeCloseTo(2 * Math.LN2, 12);
      expect(tokenNll(l, 2)).toBeCloseTo(3 * Math.LN2, 11);
      expect(tokenNll(l, 3)).toBeCloseTo(3 * Math.LN2, 11);
    }
  });

  it('uniform logits over V tokens: NLL ln V, perplexity V', () => {
    for (const V of [1, 2, 10, 10000]) {
      const nll = tokenNll(new Float32Array(V).fill(0.7), V - 1);
      expect(nll).toBeCloseTo(Math.log(V), 12);
      expect(perplexity(nll)).toBeCloseTo(V, 8);
    }
  });

  it('is stable for large logits (log-sum-exp with the max subtracted)', () => {
    // p = [1/(1+e^-1000), e^-1000/(…)]: −ln p₁ = 1000 + ln(1 + e^-1000) = 1000.
    const l = new Float32Array([1000, 0]);
    expect(tokenNll(l, 1)).toBe(1000);
    expect(tokenNll(l, 0)).toBe(0);
    expect(tokenNll(new Float64Array([-1e5, -1e5 + Math.log(3)]), 0)).toBeCloseTo(Math.log(4), 9);
  });

  it('reads one row of a [rows, n] matrix through offset and n', () => {
    const rows = new Float32Array([9, 9, 9, 9, ...Array.from(logitsOf(P, 1)), -9, 9, 9, 9]);
    expect(tokenNll(rows, 1, 4, 4)).toBeCloseTo(2 * Math.LN2, 6);
    expect(tokenNll(rows, 0, 8, 4)).toBeCloseTo(Math.log(Math.exp(-9) + 3 * Math.exp(9)) + 9, 6);
  });

  it('without n, the row runs from offset to the end of the array', () => {
    const rows = new Float64Array([9, 9, 9, 9, ...logitsOf(P, -2)]);
    expect(tokenNll(rows, 1, 4)).toBeCloseTo(2 * Math.LN2, 12);
    expect(() => tokenNll(rows, 4, 4)).toThrow('tokenNll: target 4 is outside [0, 4)');
  });

  it('reads nothing past the row (a large value after it would swamp the sum)', () => {
    expect(tokenNll(new Float64Array([0, 0, 1e4]), 0, 0, 2)).toBeCloseTo(Math.LN2, 15);
  });

  it('a target outside the row throws', () => {
    const l = logitsOf(P, 0);
    expect(() => tokenNll(l, 4)).toThrow(RangeError);
    expect(() => tokenNll(l, -1)).toThrow(RangeError);
    expect(() => tokenNll(l, 2, 2, 2)).toThrow(RangeError);
    expect(() => tokenNll(l, 1.5)).toThrow(RangeError); // not NaN from logits[1.5]
    expect(() => tokenNll(l, NaN)).toThrow(RangeError);
  });

  it('property: tokenNll = −ln softmax(logits)[t] computed naively in float64', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 1, maxLength: 12 }), fc.nat(), (xs, t0) => {
        const t = t0 % xs.length;
        const z = xs.reduce((s, x) => s + Math.exp(x), 0);
        expect(tokenNll(Float64Array.from(xs), t)).toBeCloseTo(-Math.log(Math.exp(xs[t]) / z), 9);
      }),
      { numRuns: 200 },
    );
  });
});

describe('perplexity and bits', () => {
  it('perplexity = exp(mean NLL); bits = nats / ln 2', () => {
    // Targets 0, 1, 2, 3 of P: NLL = ln2·(1 + 2 + 3 + 3)/4 = 2.25·ln2 → 2.25 bits, perplexity 2^2.25.
    const l = logitsOf(P, 0.3);
    const m = new NllMeter();
    for (let t = 0; t < 4; t++) m.add(tokenNll(l, t));
    expect(m.count).toBe(4);
    expect(m.mean).toBeCloseTo(2.25 * Math.LN2, 12);
    expect(m.bits).toBeCloseTo(2.25, 12);
    expect(m.perplexity).toBeCloseTo(2 ** 2.25, 10);
    expect(perplexity(m.mean)).toBe(Math.exp(m.mean));
    expect(bitsPerToken(Math.LN2)).toBe(1);
    expect(bitsPerToken(Math.log(8))).toBeCloseTo(3, 14);
    expect(bitsPerChar).toBe(bitsPerToken);
    expect(perplexity(0)).toBe(1);
  });
});

describe('NllMeter', () => {
  it('combines window means weighted by their token counts', () => {
    const m = new NllMeter();
    m.addMean(2, 10);
    m.addMean(4, 30);
    // (2·10 + 4·30) / 40 = 3.5, not the unweighted (2 + 4) / 2 = 3.
    expect(m.mean).toBeCloseTo(3.5, 14);
    expect(m.count).toBe(40);
    expect(m.sum).toBeCloseTo(140, 12);
    m.add(6.5, 2); // a summed NLL over 2 tokens
    expect(m.mean).toBeCloseTo(146.5 / 42, 14);
  });

  it('is NaN before any token; reset; state / load round trip', () => {
    const m = new NllMeter();
    expect(m.mean).toBeNaN();
    m.addMean(1.5, 8);
    const s = JSON.parse(JSON.stringify(m.state()));
    const n = new NllMeter();
    n.load(s);
    n.addMean(3, 8);
    m.addMean(3, 8);
    expect(n.mean).toBe(m.mean);
    expect(n.mean).toBeCloseTo(2.25, 14);
    m.reset();
    expect(m.count).toBe(0);
    expect(m.mean).toBeNaN();
    expect(() => n.load({ sum: 1, count: -1 })).toThrow(RangeError);
    expect(() => n.load({ sum: '1', count: 1 } as unknown as { sum: number; count: number })).toThrow(RangeError);
    expect(() => m.add(1, -2)).toThrow(RangeError);
  });

  it('a sum over zero tokens is accepted and leaves the mean undefined (NaN, not ±Infinity)', () => {
    const m = new NllMeter();
    m.add(5, 0);
    expect(m.count).toBe(0);
    expect(m.mean).toBeNaN();
    expect(() => m.add(1, NaN)).toThrow('NllMeter.add: count must be ≥ 0 (got NaN)');
  });

  it('load refuses a state without a numeric sum and a count ≥ 0, naming it; a count of 0 loads', () => {
    const m = new NllMeter();
    for (const s of [null, {}, { sum: 1 }, { count: 1 }, { sum: 1, count: '2' }, { sum: 1, count: -1 }, { sum: 1, count: NaN }]) {
      expect(() => m.load(s as unknown as { sum: number; count: number })).toThrow(`NllMeter.load: malformed state ${JSON.stringify(s)}`);
    }
    m.load({ sum: 0, count: 0 });
    expect(m.count).toBe(0);
    m.load({ sum: 3, count: 2 });
    expect(m.mean).toBe(1.5);
  });
});
