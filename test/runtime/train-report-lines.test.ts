// What `rnnc train` prints for the gradient diagnostics and NT-ASGD: the JSON epoch line
// carries the epoch's clip count and gradient norms as the trainer reported them, the switch
// to averaging is one line (JSON or text), and validations of the average say so.
import { describe, expect, it } from 'vitest';
import { planLine, Reporter } from '../../src/cli/train-report.ts';
import { resolveTrainOptions } from '../../src/runtime/train/train-options.ts';

const capture = (mode: 'json' | 'lines') => {
  const lines: string[] = [];
  return { rep: new Reporter(mode, 10, 'char', process.stderr, (l) => lines.push(l)), lines };
};
const result = { loss: 1.25, perplexity: Math.exp(1.25), bits: 1.25 / Math.LN2, tokens: 100 } as never;

describe('train report: gradient norms and nt-asgd', () => {
  it('--json: an epoch line with clipped and grad_norms; the averaging event; averaged validations', () => {
    const { rep, lines } = capture('json');
    rep.epoch(3, { step: 30, steps: 10, clipped: 4, gradNorms: { E: 0.5, 'h.W': 2 } });
    rep.averaging(27, 'validation', 5, null);
    rep.averaging(40, 'budget', 5, 0.7);
    rep.valid({ step: 30, epoch: 3, tokens: 900, result, best: true, averaged: true });
    rep.valid({ step: 20, epoch: 2, tokens: 600, result, best: true, averaged: false });
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed[0]).toEqual({ event: 'epoch', epoch: 3, step: 30, steps: 10, clipped: 4, grad_norms: { E: 0.5, 'h.W': 2 } });
    expect(parsed[1]).toEqual({ event: 'averaging', step: 27, why: 'validation' });
    expect(parsed[2]).toEqual({ event: 'averaging', step: 40, why: 'budget' });
    expect(parsed[3].averaged).toBe(true);
    expect('averaged' in parsed[4]).toBe(false);
  });

  it('text: no epoch line; the switch and averaged validations are said in words', () => {
    const { rep, lines } = capture('lines');
    rep.epoch(3, { step: 30, steps: 10, clipped: 4, gradNorms: {} });
    rep.averaging(27, 'validation', 5, null);
    rep.averaging(40, 'budget', 5, 0.7);
    rep.valid({ step: 30, epoch: 3, tokens: 900, result, best: false, averaged: true });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('nt-asgd: validation is worse than the best before the last 5; averaging the weights from step 28 on (validation and checkpoints use the average)');
    expect(lines[1]).toBe('70 % of the budget is spent (--average-at 0.7); averaging the weights from step 41 on (validation and checkpoints use the average)');
    expect(lines[2]).toMatch(/^valid after step 30 \(epoch 3\), averaged weights: loss 1\.2500/);
  });

  const stepInfo = (step: number) => ({ epoch: 1, step, epochStep: step, epochSteps: 100, loss: 2, lr: 0.002, gradNorm: 1, tokensPerS: 1000, seconds: 1, tokens: step * 64, progress: step / 100 }) as never;

  it('lines: every --log-every step when it was given; by default at most one line per 2 s', () => {
    const given: string[] = [];
    const asked = new Reporter('lines', 2, 'char', process.stderr, (l) => given.push(l), 0);
    const dflt: string[] = [];
    const quiet = new Reporter('lines', 2, 'char', process.stderr, (l) => dflt.push(l));
    for (let s = 1; s <= 10; s++) {
      asked.step(stepInfo(s));
      quiet.step(stepInfo(s));
    }
    expect(given.map((l) => Number(/ step (\d+) /.exec(l)![1]))).toEqual([1, 2, 4, 6, 8, 10]);
    // Ten steps within a few milliseconds: the first line only.
    expect(dflt.map((l) => Number(/ step (\d+) /.exec(l)![1]))).toEqual([1]);
  });

  it('the plan line says the schedule and the averaging a run was given, and nothing for the defaults', () => {
    expect(planLine(resolveTrainOptions({ optimizer: 'nt-asgd', nonmono: 1000, lr: 30, clip: 0.25, batch: 20, bptt: 70, minutes: 60, averageAt: 0.8, schedule: { kind: 'decay', factor: 0.92, after: 12 } }), 663)).toBe(
      'batch 20 × bptt 70: 663 steps per epoch; nt-asgd (nonmono 1000) lr 30 ×0.92 an epoch after epoch 12, averaging from 80 % of the budget, clip 0.25; budget 60 min; validation in 16 streams',
    );
    expect(planLine(resolveTrainOptions({ lr: 0.01, clip: 0, schedule: { kind: 'plateau', factor: 0.25 }, steps: 1500 }), 1234)).toBe(
      'batch 32 × bptt 64: 1,234 steps per epoch; adam lr 0.01 ×0.25 after an epoch whose validation did not improve, clip off; budget 1500 steps; validation in 16 streams',
    );
    expect(planLine(resolveTrainOptions({ schedule: { kind: 'cosine', final: 0.1 }, minutes: 30, averageAt: 0.8 }), 313)).toBe(
      'batch 32 × bptt 64: 313 steps per epoch; adam lr 0.002 on a half cosine to 0.1× at the budget\'s end, averaging from 80 % of the budget, clip 5; budget 30 min; validation in 16 streams',
    );
    expect(planLine(resolveTrainOptions({}), 7)).toBe('batch 32 × bptt 64: 7 steps per epoch; adam lr 0.002, clip 5; budget 1 epoch(s); validation in 16 streams');
  });
});
