// groupDigits (src/util/group-digits.ts) writes numbers as toLocaleString('en-US') does, the
// oracle, without loading ICU: integers of every size and sign, and the non-integers it hands on.
import { describe, expect, it } from 'vitest';
import { groupDigits } from '../../src/util/group-digits.ts';

describe('groupDigits', () => {
  it('equals toLocaleString("en-US") on edge cases and on random integers of every length', () => {
    const cases = [0, -0, 1, -1, 12, 123, 999, 1000, -1000, 999_999, 1_000_000, 2 ** 31 - 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1.5, -2.25, 1e21, 2 ** 60, NaN, Infinity, -Infinity];
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 2000; i++) cases.push(Math.round((rand() - 0.5) * 10 ** (rand() * 16)));
    for (const n of cases) expect(groupDigits(n), String(n)).toBe(n.toLocaleString('en-US'));
  });
});
