// The sampler: greedy, temperature, top-k, top-p (Holtzman et al. 2020), against reference
// distributions computed here in float64 from their definitions, with seeded draws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, type UniformSource } from '../../src/runtime/rng.ts';
import { argmax, sampleToken, Sampler, softmax, type SampleOptions } from '../../src/runtime/sample.ts';

/** A uniform source that fails the test if used. */
const noRng: UniformSource = {
  next() {
    throw new Error('the rng was used');
  },
};

/** A uniform source that counts its draws. */
function counting(seed: number): UniformSource & { calls: number } {
  const r = new Rng(seed);
  const c = {
    calls: 0,
    next() {
      c.calls++;
      return r.next();
    },
  };
  return c;
}

/**
 * The distribution from the definitions, in float64: p ∝ exp(l / T); keep the k largest
 * logits (lower index first among equal ones); renormalise; keep the smallest set of the most
 * probable tokens (lower index first among equal ones) whose mass reaches topP; renormalise.
 * Also returns a margin: the smallest distance between a prefix mass of the nucleus walk and
 * topP, and between two unequal logits (near-ties whose order rounding may flip), so that a
 * property can stay away from cases that rounding may decide either way.
 */
function referenceDist(logits: ArrayLike<number>, o: SampleOptions): { p: number[]; margin: number } {
  const n = logits.length;
  const T = o.temperature ?? 1;
  const k = Math.min(o.topK ?? n, n);
  const topP = o.topP ?? 1;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  const keepK = new Set(order.slice(0, k));
  const max = logits[order[0]];
  let w = Array.from({ length: n }, (_, i) => (keepK.has(i) ? Math.exp((logits[i] - max) / T) : 0));
  let z = w.reduce((s, x) => s + x, 0);
  w = w.map((x) => x / z);
  let margin = Infinity;
  if (topP < 1) {
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (logits[i] !== logits[j]) margin = Math.min(margin, Math.abs(logits[i] - logits[j]));
    const byProb = Array.from({ length: n }, (_, i) => i).sort((a, b) => w[b] - w[a] || a - b);
    const keep = new Set<number>();
    let acc = 0;
    for (const i of byProb) {
      keep.add(i);
      acc += w[i];
      margin = Math.min(margin, Math.abs(acc - topP));
      if (acc >= topP) break;
    }
    w = w.map((x, i) => (keep.has(i) ? x : 0));
    z = w.reduce((s, x) => s + x, 0);
    w = w.map((x) => x / z);
  }
  return { p: w, margin };
}

const support = (p: ArrayLike<number>) => Array.from(p, (x, i) => (x > 0 ? i : -1)).filter((i) => i >= 0);

describe('Rng (xoshiro128**) — the generator the sampler draws from', () => {
  it('matches the reference C implementation (prng.di.unimi.it/xoshiro128starstar.c)', () => {
    // Output of the reference next() from state {0x12345678, 0x9abcdef0, 0xdeadbeef, 0x01020304}.
    const r = Rng.fromState([0x12345678, 0x9abcdef0, 0xdeadbeef, 0x01020304]);
    expect(Array.from({ length: 6 }, () => r.nextUint32())).toEqual([2576881682, 1162350735, 1198745178, 1582145188, 3457562714, 2054261187]);
  });

  it('next() is in [0, 1) and a restored state repeats the draws', () => {
    const r = new Rng(99);
    for (let i = 0; i < 1000; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
    }
    const s = r.state();
    const a = Array.from({ length: 5 }, () => r.next());
    expect(Array.from({ length: 5 }, () => Rng.fromState(s).next())[0]).toBe(a[0]);
    const b = Rng.fromState(s);
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(a);
  });
});

describe('greedy', () => {
  it('argmax, the lowest index among equal maxima; deterministic and without the rng', () => {
    const s = new Sampler(5);
    const l = new Float32Array([0.1, 2, -1, 2, 1.5]);
    expect(argmax(l)).toBe(1);
    for (let i = 0; i < 3; i++) {
      expect(s.sample(l, { greedy: true }, noRng)).toBe(1);
      expect(s.sample(l, { temperature: 0 }, noRng)).toBe(1);
      expect(s.sample(l, { greedy: true, temperature: 5, topK: 3, topP: 0.1 }, noRng)).toBe(1);
    }
    expect(Array.from(s.probabilities(l, { greedy: true }))).toEqual([0, 1, 0, 0, 0]);
    expect(argmax(new Float64Array([-Infinity, -5, -Infinity]))).toBe(1);
  });

  it('temperature → 0 (1e-6) gives the greedy token', () => {
    const logit = fc.integer({ min: -1000, max: 1000 }).map((x) => x / 100);
    fc.assert(
      fc.property(fc.array(logit, { minLength: 1, maxLength: 20 }), fc.integer(), (xs, seed) => {
        const l = Float32Array.from(xs);
        const best = argmax(l);
        const rng = new Rng(seed);
        const s = new Sampler();
        for (let i = 0; i < 5; i++) {
          const got = s.sample(l, { temperature: 1e-6 }, rng);
          // With tied maxima any of them may be drawn; they are all the greedy value.
          expect(l[got]).toBe(l[best]);
          if (xs.filter((x) => x === xs[best]).length === 1) expect(got).toBe(best);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('temperature, top-k and top-p: the distribution drawn from', () => {
  it('temperature 1 is softmax; temperature T is softmax(l / T)', () => {
    const s = new Sampler();
    const l = new Float64Array([Math.log(0.5), Math.log(0.3), Math.log(0.2)]);
    const p = s.probabilities(l, {});
    [0.5, 0.3, 0.2].forEach((q, i) => expect(p[i]).toBeCloseTo(q, 14));
    // T = 2: p ∝ √q.
    const z = Math.sqrt(0.5) + Math.sqrt(0.3) + Math.sqrt(0.2);
    const p2 = s.probabilities(l, { temperature: 2 });
    [0.5, 0.3, 0.2].forEach((q, i) => expect(p2[i]).toBeCloseTo(Math.sqrt(q) / z, 14));
    const sm = softmax(l, undefined, 2);
    [0.5, 0.3, 0.2].forEach((q, i) => expect(sm[i]).toBeCloseTo(Math.sqrt(q) / z, 14));
  });

  it('top-k by hand: the k largest renormalised; exactly k survive ties, lower indices first', () => {
    const s = new Sampler();
    const l = new Float64Array([Math.log(0.1), Math.log(0.4), Math.log(0.2), Math.log(0.3)]);
    const p = s.probabilities(l, { topK: 2 });
    expect(p[0]).toBe(0);
    expect(p[2]).toBe(0);
    expect(p[1]).toBeCloseTo(4 / 7, 14);
    expect(p[3]).toBeCloseTo(3 / 7, 14);
    // Top-3 of [1, 3, 1, 3, 1]: both 3s and the first of the tied 1s.
    const t = s.probabilities(new Float32Array([1, 3, 1, 3, 1]), { topK: 3 });
    expect(support(t)).toEqual([0, 1, 3]);
    const zt = Math.E + 2 * Math.exp(3);
    expect(t[0]).toBeCloseTo(Math.E / zt, 14);
    expect(t[1]).toBeCloseTo(Math.exp(3) / zt, 14);
    expect(t[3]).toBeCloseTo(Math.exp(3) / zt, 14);
    expect(support(s.probabilities(new Float32Array([1, 1, 1, 1]), { topK: 2 }))).toEqual([0, 1]);
    expect(support(s.probabilities(l, { topK: 99 }))).toEqual([0, 1, 2, 3]);
  });

  it('top-p by hand: the smallest most-probable set whose mass reaches p', () => {
    const s = new Sampler();
    const q = [0.1, 0.5, 0.15, 0.25];
    const l = Float64Array.from(q, Math.log);
    expect(support(s.probabilities(l, { topP: 0.3 }))).toEqual([1]);
    const p = s.probabilities(l, { topP: 0.7 }); // 0.5 < 0.7 ≤ 0.5 + 0.25
    expect(support(p)).toEqual([1, 3]);
    expect(p[1]).toBeCloseTo(0.5 / 0.75, 14);
    expect(p[3]).toBeCloseTo(0.25 / 0.75, 14);
    expect(support(s.probabilities(l, { topP: 0.85 }))).toEqual([1, 2, 3]);
    expect(support(s.probabilities(l, { topP: 0.95 }))).toEqual([0, 1, 2, 3]);
    // Temperature comes first: at T = 1/2, p ∝ q² = [.01, .25, .0225, .0625]/.345, and 0.25/0.345 ≈ 0.725 ≥ 0.7.
    expect(support(s.probabilities(l, { topP: 0.7, temperature: 0.5 }))).toEqual([1]);
    // Top-k before top-p: top-2 leaves [.5, .25]/.75 = [2/3, 1/3]; p = 0.6 keeps only token 1.
    expect(support(s.probabilities(l, { topK: 2, topP: 0.6 }))).toEqual([1]);
    expect(support(s.probabilities(l, { topP: 0.6 }))).toEqual([1, 3]);
  });

  it('property: probabilities() equals the reference for any temperature, k and p', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -8, max: 8, noNaN: true }), { minLength: 1, maxLength: 16 }),
        fc.option(fc.double({ min: 0.2, max: 3, noNaN: true }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
        fc.option(fc.double({ min: 0.01, max: 1, noNaN: true }), { nil: undefined }),
        fc.boolean(),
        (xs, temperature, topK, topP, f32) => {
          const l = f32 ? Float32Array.from(xs) : Float64Array.from(xs);
          const o: SampleOptions = { temperature, topK, topP };
          const ref = referenceDist(l, o);
          fc.pre(ref.margin > 1e-9);
          const got = new Sampler(4).probabilities(l, o);
          expect(support(got)).toEqual(support(ref.p));
          ref.p.forEach((q, i) => expect(Math.abs(got[i] - q)).toBeLessThan(1e-12));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: top-k draws never leave the top k', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer(),
        fc.option(fc.double({ min: 0.05, max: 5, noNaN: true }), { nil: undefined }),
        (xs, k, seed, temperature) => {
          const l = Float32Array.from(xs);
          const rng = new Rng(seed);
          const s = new Sampler();
          for (let d = 0; d < 20; d++) {
            const i = s.sample(l, { topK: k, temperature }, rng);
            const above = xs.filter((x) => x > l[i]).length;
            expect(above).toBeLessThan(k);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: top-p draws stay in the nucleus', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: 1, maxLength: 20 }),
        fc.double({ min: 0.05, max: 0.99, noNaN: true }),
        fc.integer(),
        (xs, topP, seed) => {
          const ref = referenceDist(xs, { topP });
          fc.pre(ref.margin > 1e-9);
          const rng = new Rng(seed);
          const s = new Sampler();
          const l = Float64Array.from(xs);
          for (let d = 0; d < 20; d++) expect(ref.p[s.sample(l, { topP }, rng)]).toBeGreaterThan(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('-Infinity logits are masked: probability 0, never drawn', () => {
    const s = new Sampler();
    const l = new Float64Array([-Infinity, 0, -Infinity, 0]);
    expect(Array.from(s.probabilities(l, {}))).toEqual([0, 0.5, 0, 0.5]);
    const rng = new Rng(3);
    for (let i = 0; i < 200; i++) expect([1, 3]).toContain(s.sample(l, { topK: 3 }, rng));
  });
});

describe('drawing', () => {
  const logits = Float32Array.from([0.3, -1.2, 2.0, 0.7, -0.4, 1.1, 0.0, -2.5]);

  it('a seed reproduces a sample sequence; another seed gives another; the rng is used once per draw', () => {
    const draw = (rng: UniformSource, o: SampleOptions, n: number) => Array.from({ length: n }, () => new Sampler().sample(logits, o, rng));
    for (const o of [{}, { temperature: 0.7 }, { topK: 4 }, { topP: 0.8, temperature: 1.3 }] as SampleOptions[]) {
      const a = draw(new Rng(1234), o, 100);
      expect(draw(new Rng(1234), o, 100)).toEqual(a);
      expect(draw(new Rng(1235), o, 100)).not.toEqual(a);
      expect(new Set(a).size).toBeGreaterThan(1);
      const c = counting(1234);
      expect(draw(c, o, 100)).toEqual(a);
      expect(c.calls).toBe(100);
      // A restored rng continues the sequence.
      const r = new Rng(1234);
      draw(r, o, 40);
      expect(draw(Rng.fromState(r.state()), o, 60)).toEqual(a.slice(40));
      // The shared convenience function draws the same tokens.
      const r2 = new Rng(1234);
      expect(Array.from({ length: 100 }, () => sampleToken(logits, o, r2))).toEqual(a);
    }
  });

  it('the draw follows the cumulative distribution of the uniform', () => {
    // p = [0.5, 0.25, 0.25]: u < 0.5 → 0, u < 0.75 → 1, else 2.
    const l = Float64Array.from([0.5, 0.25, 0.25], Math.log);
    const s = new Sampler();
    const at = (u: number) => s.sample(l, {}, { next: () => u });
    expect([0, 0.49, 0.51, 0.74, 0.76, 0.999999].map(at)).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('at temperature 1 the empirical distribution matches softmax (chi-square, fixed seed)', () => {
    const N = 40000;
    const s = new Sampler(logits.length);
    const rng = new Rng(2024);
    const counts = new Array<number>(logits.length).fill(0);
    for (let i = 0; i < N; i++) counts[s.sample(logits, { temperature: 1 }, rng)]++;
    const z = Array.from(logits).reduce((acc, x) => acc + Math.exp(x), 0);
    const expected = Array.from(logits, (x) => (N * Math.exp(x)) / z);
    const chi2 = counts.reduce((acc, c, i) => acc + (c - expected[i]) ** 2 / expected[i], 0);
    // 7 degrees of freedom: P(χ² > 24.32) = 0.001.
    expect(chi2).toBeLessThan(24.32);
  });

  it('with temperature and top-k the empirical distribution matches the reference (chi-square)', () => {
    const N = 30000;
    const o: SampleOptions = { temperature: 1.7, topK: 5 };
    const ref = referenceDist(logits, o).p;
    const s = new Sampler();
    const rng = new Rng(77);
    const counts = new Array<number>(logits.length).fill(0);
    for (let i = 0; i < N; i++) counts[s.sample(logits, o, rng)]++;
    let chi2 = 0;
    ref.forEach((q, i) => {
      if (q === 0) expect(counts[i]).toBe(0);
      else chi2 += (counts[i] - N * q) ** 2 / (N * q);
    });
    // 4 degrees of freedom: P(χ² > 18.47) = 0.001.
    expect(chi2).toBeLessThan(18.47);
  });
});

describe('errors', () => {
  const s = new Sampler();
  const rng = new Rng(1);
  it('NaN, +Infinity, all −Infinity or no logits', () => {
    expect(() => s.sample(new Float32Array([0, NaN]), {}, rng)).toThrow(/logit 1 is NaN/);
    expect(() => s.sample(new Float32Array([NaN, 0]), { greedy: true }, rng)).toThrow(/NaN/);
    expect(() => s.sample(new Float32Array([0, Infinity]), {}, rng)).toThrow(/\+Infinity/);
    expect(() => s.sample(new Float32Array([-Infinity, -Infinity]), {}, rng)).toThrow(/every logit is -Infinity/);
    expect(() => s.sample(new Float32Array(0), {}, rng)).toThrow(/no logits/);
  });

  it('bad options', () => {
    const l = new Float32Array([0, 1]);
    for (const o of [{ temperature: -1 }, { temperature: Infinity }, { temperature: NaN }, { topK: 0 }, { topK: 1.5 }, { topP: 0 }, { topP: 1.1 }, { topP: NaN }] as SampleOptions[]) {
      expect(() => s.sample(l, o, rng), JSON.stringify(o)).toThrow(RangeError);
      expect(() => s.probabilities(l, o), JSON.stringify(o)).toThrow(RangeError);
    }
  });
});
