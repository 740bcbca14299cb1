// The generator's seeding and state checks, as rng.ts documents them: every integer seed up to
// 2^53 is its own stream (the high word counts), fractions truncate, non-finite seeds and
// malformed or all-zero states are refused. (Its output against the reference C code is in sample.test.ts.)
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/runtime/rng.ts';

const draws = (r: Rng, n = 4) => Array.from({ length: n }, () => r.nextUint32());

describe('Rng seeding', () => {
  it('seeds that differ only above 2^32 give different streams', () => {
    expect(draws(new Rng(2 ** 32))).not.toEqual(draws(new Rng(0)));
    expect(draws(new Rng(2 ** 32 + 5))).not.toEqual(draws(new Rng(5)));
    expect(draws(new Rng(7, 2 ** 40))).not.toEqual(draws(new Rng(7, 0)));
    expect(draws(new Rng(2 ** 53 - 1))).not.toEqual(draws(new Rng(2 ** 53 - 2)));
  });

  it('fractions are truncated; the stream argument gives another stream of the same seed', () => {
    expect(draws(new Rng(3.9))).toEqual(draws(new Rng(3)));
    expect(draws(new Rng(3, 1))).not.toEqual(draws(new Rng(3)));
    expect(draws(new Rng(3, 1))).toEqual(draws(new Rng(3, 1)));
  });

  it('a non-finite seed or stream is refused, naming both', () => {
    for (const [seed, stream] of [[NaN, 0], [Infinity, 0], [0, NaN], [1, -Infinity]]) {
      expect(() => new Rng(seed, stream)).toThrow(new RangeError(`Rng: seed and stream must be finite numbers (got ${seed}, ${stream})`));
    }
  });

  it('no seed in a sweep gives an all-zero state', () => {
    for (let s = 0; s < 2000; s++) expect(new Rng(s, s % 3).state().some((w) => w !== 0)).toBe(true);
  });
});

describe('Rng.restore', () => {
  it('accepts any four uint32 words but all zeros, and then draws as from that state', () => {
    const edge = [0, 0, 0, 1];
    expect(Rng.fromState(edge).state()).toEqual(edge);
    const top = [2 ** 32 - 1, 0, 2 ** 32 - 1, 0];
    expect(Rng.fromState(top).state()).toEqual(top);
    const r = new Rng(11);
    r.restore(top);
    expect(draws(r)).toEqual(draws(Rng.fromState(top)));
  });

  it('refuses anything else, naming what it got', () => {
    const bad: unknown[] = [null, 'abcd', [1, 2, 3], [1, 2, 3, 4, 5], [1, 2, 3, 1.5], [1, 2, 3, -1], [1, 2, 3, 2 ** 32], [1, 2, 3, NaN], [1, 2, '3', 4]];
    for (const s of bad) {
      expect(() => new Rng(1).restore(s as number[])).toThrow(new RangeError(`Rng.restore: expected 4 unsigned 32-bit integers, got ${JSON.stringify(s)}`));
    }
    expect(() => new Rng(1).restore([0, 0, 0, 0])).toThrow(new RangeError('Rng.restore: the all-zero state is not a valid xoshiro128** state'));
  });

  it('a refused state leaves the generator as it was', () => {
    const r = new Rng(5);
    const before = r.state();
    expect(() => r.restore([0, 0, 0, 0])).toThrow();
    expect(() => r.restore([1, 2, 3])).toThrow();
    expect(r.state()).toEqual(before);
  });
});
