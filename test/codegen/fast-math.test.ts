import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { exp32, sigmoid32, tanh32 } from '../../src/codegen/fast-math.ts';

const rel = (got: number, want: number) => Math.abs(got - want) / Math.max(Math.abs(want), Number.MIN_VALUE);

describe('float32 transcendentals (oracle: Math in float64)', () => {
  it('exp32 within 2e-7 relative on [-100, 100], sigmoid32 within 2e-7, tanh32 within 3e-7', () => {
    let e = 0, s = 0, t = 0;
    for (let x = -100; x <= 100; x += 1 / 1024) {
      e = Math.max(e, rel(exp32(x), Math.exp(x)));
      s = Math.max(s, rel(sigmoid32(x), 1 / (1 + Math.exp(-x))));
      t = Math.max(t, rel(tanh32(x), Math.tanh(x)));
    }
    expect(e).toBeLessThan(2e-7);
    expect(s).toBeLessThan(2e-7);
    expect(t).toBeLessThan(3e-7);
  });

  it('random inputs incl. tiny ones, where tanh ≈ x and σ ≈ 1/2 must stay relative-accurate', () => {
    // Float32 inputs (what the arrays hold): subnormal doubles are not among them.
    fc.assert(fc.property(fc.float({ min: -60, max: 60, noNaN: true, noDefaultInfinity: true }).filter((x) => x === 0 || Math.abs(x) >= 2 ** -126), (x) => {
      expect(rel(tanh32(x), Math.tanh(x))).toBeLessThan(3e-7);
      expect(rel(sigmoid32(x), 1 / (1 + Math.exp(-x)))).toBeLessThan(2e-7);
    }), { numRuns: 2000 });
    for (const x of [1e-30, -1e-12, 5e-8]) expect(rel(tanh32(x), x)).toBeLessThan(3e-7);
    expect(tanh32(0)).toBe(0);
  });

  it('saturates: |tanh| never exceeds 1 (so 1 − y² ≥ 0), σ stays in [0, 1], exp stays finite', () => {
    for (let x = 0; x < 50; x += 1 / 256) expect(Math.abs(tanh32(x))).toBeLessThanOrEqual(1);
    expect(rel(tanh32(-1e9), -1)).toBeLessThan(3e-7);
    expect(Math.fround(sigmoid32(200))).toBe(1);
    expect(sigmoid32(-1e9)).toBeLessThan(1e-43);
    expect(Number.isFinite(exp32(1e9))).toBe(true);
  });
});
