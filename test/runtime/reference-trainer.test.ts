// The training loop against an independent oracle: the real Trainer, run in float64, matches
// the reference trainer (reference-trainer.ts: the interpreter's loss and gradients, TF's
// stream cutting, global-norm clipping, PyTorch's optimizers, the schedules, README's
// evaluation protocol) step by step for 7 steps across two epoch boundaries: every loss,
// gradient norm, learning rate, parameter and validation loss within 1e-12, and the states
// carried out of the last window.
import { describe, expect, it } from 'vitest';
import { Trainer, type TrainOptions } from '../../src/runtime/train/trainer.ts';
import type { IRModel } from '../../src/ir/types.ts';
import { mulberry32 } from '../../src/graph/interpret.ts';
import { modelFromFile, modelFromText } from '../autodiff/helpers.ts';
import { referenceTrain, type RefOptions } from './reference-trainer.ts';
import { elmanLM, float64Model } from './reference-trainer-model.ts';

const ELMAN = elmanLM(3, 4);

const GRU = `
use "cells/gru.rnn"
model GRULM {
  dim vocab
  dim embed = 3, hidden = 4
  param E: [vocab, embed]   init normal(0.5)
  param V: [vocab, hidden]  init xavier
  param b: [vocab]          init uniform(0.1)
  h = GRU(E[token], hidden = hidden)
  loss cross_entropy(V @ h + b, next)
}`;

const V = 5;
const elman = modelFromText(ELMAN, { vocab: V }, '__ref_elman');
const gru = modelFromText(GRU, { vocab: V }, '__ref_gru');
const lstm2 = modelFromFile('models/char-lstm.rnn', { vocab: V, embed: 3, hidden: 3 });
const dropout = modelFromFile('test/runtime/models/tiny-dropout.rnn', { vocab: V, embed: 3, hidden: 4 });
const tied = modelFromFile('models/word-lstm-tied.rnn', { vocab: V, embed: 3, hidden: 3 });
const awd = modelFromFile('test/runtime/models/tiny-awd.rnn', { vocab: V, embed: 3 });

/** A corpus with some structure (a noisy cycle), so training has something to learn. */
function corpus(n: number, seed: number): Int32Array {
  const rnd = mulberry32(seed);
  const out = new Int32Array(n);
  for (let i = 1; i < n; i++) out[i] = rnd() < 0.7 ? (out[i - 1] + 1) % V : Math.floor(rnd() * V);
  return out;
}

// B = 2 streams of ⌊27 / 2⌋ = 13 tokens (one token dropped), 3 windows of T = 4 per epoch:
// 7 steps are two whole epochs and one step of a third. Validation: 11 tokens in 3 streams of
// 3 predictions (the 10th prediction is not scored).
const train = corpus(27, 1);
const valid = corpus(11, 2);
const base = { batch: 2, bptt: 4, steps: 7, weightDecay: 0, lossScale: 'mean', schedule: { kind: 'constant' }, seed: 5, evalBatch: 3 } as const;

interface Case {
  name: string;
  ir: IRModel;
  o: RefOptions;
}

const cases: Case[] = [
  { name: 'Elman, sgd, loss scale sum, decay schedule', ir: elman, o: { ...base, optimizer: 'sgd', lr: 0.5, clip: 2, lossScale: 'sum', schedule: { kind: 'decay', factor: 0.5, after: 1 } } },
  { name: '2-layer LSTM (char-lstm.rnn), adam, weight decay, plateau schedule', ir: lstm2, o: { ...base, optimizer: 'adam', lr: 0.05, clip: 0.2, weightDecay: 0.01, schedule: { kind: 'plateau', factor: 0.25, patience: 0 } } },
  { name: 'GRU, momentum, weight decay', ir: gru, o: { ...base, optimizer: 'momentum', lr: 0.3, clip: 0.3, weightDecay: 0.02, momentum: 0.8 } },
  { name: 'GRU, nesterov', ir: gru, o: { ...base, optimizer: 'nesterov', lr: 0.3, clip: 0.3 } },
  { name: 'GRU, adam, cosine schedule', ir: gru, o: { ...base, optimizer: 'adam', lr: 0.05, clip: 0.3, schedule: { kind: 'cosine', final: 0.1 } } },
  { name: 'LSTM with dropout (tiny-dropout.rnn), centered rmsprop with momentum', ir: dropout, o: { ...base, optimizer: 'rmsprop', lr: 0.01, clip: 0.24, centered: true, momentum: 0.5, alpha: 0.9 } },
  { name: 'tied weights (word-lstm-tied.rnn), adagrad', ir: tied, o: { ...base, optimizer: 'adagrad', lr: 0.1, clip: 0.2 } },
  { name: 'AWD-style (tiny-awd.rnn: embedding, locked and weight dropout, AR/TAR, tied), sgd', ir: awd, o: { ...base, optimizer: 'sgd', lr: 1, clip: 0.25 } },
  { name: 'AWD-style (tiny-awd.rnn), nt-asgd', ir: awd, o: { ...base, optimizer: 'nt-asgd', lr: 1, clip: 0.25, nonmono: 0 } },
  // ptb-adaptive's recipe: nt-asgd's steps at the decay schedule's rate.
  { name: 'AWD-style (tiny-awd.rnn), nt-asgd with the decay schedule', ir: awd, o: { ...base, optimizer: 'nt-asgd', lr: 1, clip: 0.25, nonmono: 0, schedule: { kind: 'decay', factor: 0.9, after: 1 } } },
  { name: 'Elman, rmsprop', ir: elman, o: { ...base, optimizer: 'rmsprop', lr: 0.01, clip: 0.5, weightDecay: 0.1 } },
];

function trainOptions(o: RefOptions): TrainOptions {
  return {
    batch: o.batch,
    bptt: o.bptt,
    steps: o.steps,
    optimizer: o.optimizer,
    lr: o.lr,
    clip: o.clip,
    weightDecay: o.weightDecay,
    hyper: { momentum: o.momentum, alpha: o.alpha, centered: o.centered, beta1: o.beta1, beta2: o.beta2, eps: o.eps },
    lossScale: o.lossScale,
    schedule: o.schedule,
    seed: o.seed,
    evalBatch: o.evalBatch,
    nonmono: o.nonmono,
  };
}

const close = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));

describe('the real trainer in float64 follows the reference trainer step by step', () => {
  it.each(cases)('$name', async ({ ir, o }) => {
    const model = float64Model(ir, 3);
    const want = referenceTrain(ir, model.initial, train, valid, o);
    const trainer = new Trainer(model, { train, valid }, trainOptions(o));
    const got: { loss: number; norm: number; lr: number; epoch: number; params: Map<string, Float64Array> }[] = [];
    const validLosses: number[] = [];
    await trainer.run({
      onStep: (s) => got.push({ loss: s.loss, norm: s.gradNorm, lr: s.lr, epoch: s.epoch, params: model.named() }),
      onValid: (v) => validLosses.push(v.result.loss),
    });
    expect(got).toHaveLength(o.steps);
    const clipped: number[] = [];
    let worst = 0;
    for (const [k, w] of want.steps.entries()) {
      const g = got[k];
      expect(g.epoch, `step ${w.step}`).toBe(w.epoch);
      expect(g.lr, `step ${w.step}`).toBe(w.lr);
      let dp = 0;
      for (const [name, p] of w.params) {
        const q = g.params.get(name)!;
        for (let i = 0; i < p.length; i++) dp = Math.max(dp, close(q[i], p[i]));
      }
      const d = Math.max(close(g.loss, w.loss), close(g.norm, w.norm), dp);
      worst = Math.max(worst, d);
      if (w.clipped) clipped.push(w.step);
      expect(d, `step ${w.step}: loss ${g.loss} vs ${w.loss}, norm ${g.norm} vs ${w.norm}, params Δ ${dp}`).toBeLessThanOrEqual(1e-12);
    }
    console.log(`${o.optimizer}: ${o.steps} steps, worst relative difference ${worst.toExponential(1)}, clipped at steps ${clipped.join(', ')}`);
    // Clipping was active in some steps and not in others.
    expect(want.steps.some((s) => s.clipped)).toBe(true);
    expect(want.steps.some((s) => !s.clipped)).toBe(true);
    // Two epoch ends, two validations, equal to README's protocol stream by stream.
    expect(want.valid).toHaveLength(2);
    expect(validLosses).toHaveLength(2);
    validLosses.forEach((v, k) => expect(close(v, want.valid[k])).toBeLessThanOrEqual(1e-12));
    // The states carried into the next window: [B, size] per state, in layout order.
    model.layout.states.forEach((st, k) => {
      const c = trainer.carried()[k];
      for (let b = 0; b < o.batch; b++) {
        const ref = want.carried[b].get(st.name)!;
        for (let i = 0; i < st.size; i++) expect(close(c[b * st.size + i], ref[i])).toBeLessThanOrEqual(1e-12);
      }
    });
    // The run moved the parameters (the comparison is not between two untouched inits).
    for (const [name, p] of model.initial) expect(Array.from(model.named().get(name)!), name).not.toEqual(Array.from(p));
  });
});

describe('a run stopped and restored (trainer state, optimizer buffers, carried states) still follows the reference', () => {
  it.each([
    [3, 1],
    [4, 1],
    [4, 4],
  ])('stopped after step %i of 7 (case %i: plateau, or the cosine schedule, dropout-free)', async (stop, c) => {
    const { ir, o } = cases[c];
    const first = float64Model(ir, 3);
    const want = referenceTrain(ir, first.initial, train, valid, o);
    // Interrupted (as by Ctrl-C) within the 7-step budget: cosine's rate depends on the budget.
    const a = new Trainer(first, { train, valid }, trainOptions(o));
    await a.run({ shouldStop: () => a.state.step >= stop });
    // A new model and trainer, given copies of everything a checkpoint keeps.
    const second = float64Model(ir, 99);
    second.params.set(first.params);
    const b = new Trainer(second, { train, valid }, trainOptions(o));
    const opt = a.optimizer.state();
    b.restore(structuredClone(a.state), { ...opt, tensors: Object.fromEntries(Object.entries(opt.tensors).map(([k, v]) => [k, v.slice()])) }, a.carried().map((s) => s.slice()));
    const losses: number[] = [];
    await b.run({ onStep: (s) => losses.push(s.loss) });
    expect(losses).toHaveLength(7 - stop);
    losses.forEach((l, k) => expect(close(l, want.steps[stop + k].loss), `step ${stop + k + 1}`).toBeLessThanOrEqual(1e-12));
    const last = want.steps[6].params;
    for (const [name, p] of last) {
      const q = second.named().get(name)!;
      for (let i = 0; i < p.length; i++) expect(close(q[i], p[i]), name).toBeLessThanOrEqual(1e-12);
    }
    expect(b.schedule.lr).toBe(want.steps[6].lr);
  });
});

// NT-ASGD across its switch. At lr 4 validation gets worse at the third epoch end (step 9):
// with n = 0 that loss is above the best so far, so averaging starts after step 9; steps
// 10–13 are averaged and the validation of step 12 scores the average.
describe('nt-asgd: the real trainer follows the reference across the switch to averaging', () => {
  const o: RefOptions = { ...base, steps: 13, optimizer: 'nt-asgd', lr: 4, clip: 0.5, nonmono: 0 };
  const maxDiff = (a: ReadonlyMap<string, Float64Array>, b: ReadonlyMap<string, Float64Array>) => {
    let d = 0;
    for (const [name, p] of b) {
      const q = a.get(name)!;
      for (let i = 0; i < p.length; i++) d = Math.max(d, close(q[i], p[i]));
    }
    return d;
  };
  const named = (model: ReturnType<typeof float64Model>, arena: Float64Array) => new Map(model.layout.params.map((s) => [s.name, arena.slice(s.offset, s.offset + s.size)]));

  it('every step, every validation (averaged ones too) and the average within 1e-12', async () => {
    const model = float64Model(elman, 3);
    const want = referenceTrain(elman, model.initial, train, valid, o);
    expect(want.averageFrom).toBe(9);
    const trainer = new Trainer(model, { train, valid }, trainOptions(o));
    const validLosses: { loss: number; averaged: boolean }[] = [];
    const switches: number[] = [];
    const params: Map<string, Float64Array>[] = [];
    await trainer.run({ onStep: () => params.push(model.named()), onValid: (v) => validLosses.push({ loss: v.result.loss, averaged: v.averaged }), onAveraging: (s) => switches.push(s) });
    expect(switches).toEqual([9]);
    expect(trainer.optimizer.state().averageFrom).toBe(9);
    want.steps.forEach((w, k) => expect(maxDiff(params[k], w.params), `step ${w.step}`).toBeLessThanOrEqual(1e-12));
    expect(validLosses.map((v) => v.averaged)).toEqual([false, false, false, true]);
    validLosses.forEach((v, k) => expect(close(v.loss, want.valid[k]), `validation ${k + 1}`).toBeLessThanOrEqual(1e-12));
    expect(maxDiff(named(model, trainer.optimizer.averaged!()!), want.average!)).toBeLessThanOrEqual(1e-12);
    // The average is not the last iterate (the comparison above is not a copy of θ).
    expect(maxDiff(want.average!, want.steps[12].params)).toBeGreaterThan(1e-3);
    console.log(`nt-asgd: switch after step ${switches[0]}, valid ${want.valid.map((v) => v.toFixed(4)).join(', ')}`);
  });

  it.each([5, 10])('stopped after step %i of 13 and restored (before and after the switch), still the reference', async (stop) => {
    const first = float64Model(elman, 3);
    const want = referenceTrain(elman, first.initial, train, valid, o);
    // Interrupted (as by Ctrl-C) within the 7-step budget: cosine's rate depends on the budget.
    const a = new Trainer(first, { train, valid }, trainOptions(o));
    await a.run({ shouldStop: () => a.state.step >= stop });
    expect(a.averaging).toBe(stop > 9);
    const second = float64Model(elman, 99);
    second.params.set(first.params);
    const b = new Trainer(second, { train, valid }, trainOptions(o));
    const opt = a.optimizer.state();
    b.restore(structuredClone(a.state), { ...opt, tensors: Object.fromEntries(Object.entries(opt.tensors).map(([k, v]) => [k, v.slice()])) }, a.carried().map((s) => s.slice()));
    const validLosses: number[] = [];
    await b.run({ onValid: (v) => validLosses.push(v.result.loss) });
    expect(b.optimizer.state().averageFrom).toBe(9);
    expect(maxDiff(second.named(), want.steps[12].params)).toBeLessThanOrEqual(1e-12);
    expect(maxDiff(named(second, b.optimizer.averaged!()!), want.average!)).toBeLessThanOrEqual(1e-12);
    const later = want.valid.slice(want.valid.length - validLosses.length);
    validLosses.forEach((v, k) => expect(close(v, later[k])).toBeLessThanOrEqual(1e-12));
  });
});
