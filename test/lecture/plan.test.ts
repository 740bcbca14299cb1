// The lecture's budget split and corpus slice: pure functions, checked against the arithmetic
// they promise (the split never exceeds the budget; the slice is whole lines of the text).
import { describe, expect, it } from 'vitest';
import { firstTokens } from '../../src/lecture/data.ts';
import { MIN_NEURAL_SECONDS, neuralStages, parseBudget, plan, plannedOverhead, rebudget, STAGES } from '../../src/lecture/plan.ts';

describe('plan', () => {
  it('gives each neural model the same time, and all of it fits the budget', () => {
    for (const minutes of [7, 15, 60, 240]) {
      const p = plan(minutes * 60, false);
      const n = neuralStages().length;
      expect(p.neuralSeconds! >= MIN_NEURAL_SECONDS).toBe(true);
      expect(p.reserved + n * p.neuralSeconds!).toBeLessThanOrEqual(minutes * 60);
      // Nothing left idle beyond rounding down to whole seconds.
      expect(minutes * 60 - p.reserved - n * p.neuralSeconds!).toBeLessThan(n);
    }
  });

  it('more budget buys more training, not more overhead', () => {
    const a = plan(30 * 60, false);
    const b = plan(60 * 60, false);
    expect(b.neuralSeconds! > a.neuralSeconds!).toBe(true);
    expect(b.reserved).toBe(a.reserved);
  });

  it('refuses a budget too small for a row per model, saying how much is needed', () => {
    expect(() => plan(60, false)).toThrow(/too small.*--budget \d+m/);
  });

  it('--quick trains by steps, whatever the budget', () => {
    const p = plan(60, true);
    expect(p.neuralSeconds).toBeNull();
    expect(p.neuralSteps! > 0).toBe(true);
  });

  it('runs the stages the issue lists, the fixed-window LM included', () => {
    expect(STAGES.map((s) => s.id)).toEqual(['kn3', 'kn5', 'window', 'elman', 'gru', 'lstm', 'lstm-tied', 'mix']);
    expect(STAGES.filter((s) => s.diagnose).map((s) => s.id)).toEqual(['elman', 'gru', 'lstm']);
  });
});

describe('rebudget', () => {
  it('shares the time left so the remaining stages fit, as planned when nothing ran late', () => {
    const p = plan(60 * 60, false);
    const first = rebudget(p.budgetSeconds - 2 * 20, neuralStages().length, plannedOverhead(p, true));
    expect(Math.abs(first - p.neuralSeconds!)).toBeLessThan(0.1 * p.neuralSeconds!);
    for (const [left, n, over] of [[1000, 3, 50], [600, 2, 120], [3000, 4, 10]]) {
      const s = rebudget(left, n, over);
      expect(n * (s + over)).toBeLessThanOrEqual(left);
      expect(n * (s + 1 + over)).toBeGreaterThan(left - 60); // only the mix's share kept back
    }
  });
  it('a late run shrinks the next models, never below a row\'s minimum', () => {
    expect(rebudget(100, 3, 200)).toBe(MIN_NEURAL_SECONDS);
    expect(rebudget(900, 2, 100)).toBeLessThan(rebudget(900, 2, 20));
  });
});

describe('parseBudget', () => {
  it('reads minutes, hours and seconds', () => {
    expect(parseBudget('60m')).toBe(3600);
    expect(parseBudget('1h')).toBe(3600);
    expect(parseBudget('90s')).toBe(90);
    expect(parseBudget('45')).toBe(2700);
    expect(parseBudget('1.5h')).toBe(5400);
  });
  it('refuses what is not a duration', () => {
    for (const v of ['', 'm', '-5m', '0m', '5 minutes', '1d']) expect(() => parseBudget(v), v).toThrow(RangeError);
  });
});

describe('firstTokens', () => {
  const text = 'a b c\nd e\nf g h i\n';
  it('takes whole lines until the count (words and one <eos> per line) is reached', () => {
    expect(firstTokens(text, 1)).toBe('a b c\n'); // 4 tokens
    expect(firstTokens(text, 4)).toBe('a b c\n');
    expect(firstTokens(text, 5)).toBe('a b c\nd e\n'); // 4 + 3
    expect(firstTokens(text, 100)).toBe(text);
  });
});
