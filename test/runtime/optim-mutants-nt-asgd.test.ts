// NT-ASGD edges the mutation run found untested (issue 11): the running mean's first step,
// the trigger's argument and state checks, and a NaN loss before the trigger is armed.
// Oracles: the definitions in nt-asgd.ts's header (AWD-LSTM's main.py trigger rule).
import { describe, expect, it } from 'vitest';
import { averageInto, NonMonotoneError, NonMonotoneTrigger } from '../../src/runtime/optim/nt-asgd.ts';

describe('averageInto: k = 1 is the iterate itself, whatever ax held', () => {
  it('copies params exactly (the mean of one iterate), not ax + (θ − ax)', () => {
    // ax + (θ − ax) would round away θ = 1 next to ax = 1e20, and keep a NaN in ax.
    const ax = Float64Array.from([1e20, NaN, -3]);
    averageInto(ax, Float64Array.from([1, 2, 0.1]), 1);
    expect(Array.from(ax)).toEqual([1, 2, 0.1]);
  });
  it('k = 2 is the mean of ax and θ (by hand)', () => {
    const ax = Float64Array.from([1, -4]);
    averageInto(ax, Float64Array.from([3, 0]), 2);
    expect(Array.from(ax)).toEqual([2, -2]);
  });
});

describe('NonMonotoneTrigger: the interval n must be an integer ≥ 0', () => {
  it('refuses negative, fractional and NaN intervals with a clear error', () => {
    for (const n of [-1, 1.5, NaN, Infinity]) {
      expect(() => new NonMonotoneTrigger(n), String(n)).toThrow(NonMonotoneError);
      expect(() => new NonMonotoneTrigger(n), String(n)).toThrow(/non-monotone interval must be an integer ≥ 0 \(got /);
    }
  });
  it('accepts 0 and the default', () => {
    expect(new NonMonotoneTrigger(0).n).toBe(0);
    expect(new NonMonotoneTrigger().n).toBe(5);
  });
});

describe('NonMonotoneTrigger: not armed until more than n losses are logged', () => {
  it('a NaN among the first n + 1 validations does not fire (there is no best to compare with)', () => {
    const fires = (n: number, losses: number[]) => {
      const t = new NonMonotoneTrigger(n);
      return losses.map((v) => t.update(v));
    };
    expect(fires(0, [NaN])).toEqual([false]); // len(logs) = 0, not > 0
    expect(fires(2, [1, 2, NaN])).toEqual([false, false, false]); // len(logs) = 2, not > 2
    expect(fires(2, [1, 2, 3, NaN])).toEqual([false, false, false, true]); // armed: NaN is no improvement
  });
  it('compares only with the losses before the last n (a better recent loss is ignored)', () => {
    const t = new NonMonotoneTrigger(1);
    expect([3, 2, 2.5].map((v) => t.update(v))).toEqual([false, false, false]); // 2.5 ≤ min([3])
  });
});

describe('NonMonotoneTrigger.load: malformed states are refused with a NonMonotoneError', () => {
  const bad: unknown[] = [null, undefined, 5, 'logs', {}, { logs: 5 }, { logs: 'ab' }, { logs: [1, 'x'] }, { logs: [null, {}] }];
  for (const s of bad) {
    it(`refuses ${JSON.stringify(s) ?? 'undefined'}`, () => {
      const t = new NonMonotoneTrigger(1);
      expect(() => t.load(s as never)).toThrow(NonMonotoneError);
      expect(() => t.load(s as never)).toThrow(/malformed NT-ASGD trigger state/);
    });
  }
  it('accepts an empty log and a log of numbers and nulls (NaN written by JSON)', () => {
    const t = new NonMonotoneTrigger(1);
    t.load({ logs: [] });
    expect(t.state()).toEqual({ logs: [] });
    t.load({ logs: [null, 4] } as never);
    expect(t.state().logs).toEqual([NaN, 4]);
  });
  it('state() is a copy: changing it does not change the trigger', () => {
    const t = new NonMonotoneTrigger(0);
    t.update(2);
    t.state().logs.push(1);
    expect(t.state()).toEqual({ logs: [2] });
    expect(t.update(3)).toBe(true); // 3 > min([2])
  });
});
