// The divergence path: a gradient that turns infinite or NaN at some step stops training
// with a DivergedError naming that step and the parameter, before any update from it: the
// parameters are bit for bit those after the step before (what a checkpoint would keep).
// The fault is injected into the gradient arena right after the backward pass of step k.
import { describe, expect, it } from 'vitest';
import { DivergedError, Trainer, type TrainableModel, type TrainOptions } from '../../src/runtime/train/trainer.ts';
import { compile } from '../../src/runtime/model.ts';
import type { Arena } from '../../src/runtime/optim/optimizers.ts';
import { modelFromText } from '../autodiff/helpers.ts';
import { elmanLM, float64Model } from './reference-trainer-model.ts';

const ELMAN = elmanLM(3, 4);
const ir = modelFromText(ELMAN, { vocab: 5 }, '__diverge_elman');
const train = Int32Array.from({ length: 200 }, (_, i) => (i * 7 + (i >> 3)) % 5);
const options: TrainOptions = { batch: 2, bptt: 5, optimizer: 'adam', lr: 0.01, clip: 1, seed: 3 };

/** Wraps the model's training runner: `after(call, loss)` sees each run's loss after its backward pass and returns the loss reported. */
function tap<A extends Arena>(model: TrainableModel<A>, after: (call: number, loss: number) => number): void {
  const compiled = model.training;
  const instantiate = compiled.instantiate.bind(compiled);
  (model as { training: unknown }).training = {
    ...compiled,
    instantiate(config: Parameters<typeof compiled.instantiate>[0]) {
      const r = instantiate(config);
      const run = r.run.bind(r);
      let calls = 0;
      r.run = (tokens, opts) => after(++calls, run(tokens, opts));
      return r;
    },
  };
}

/** Makes the model's training runner write `value` into entry `at` of param `name`'s gradient after the backward pass of step `step`. */
function inject<A extends Arena>(model: TrainableModel<A>, step: number, name: string, at: number, value: number): void {
  const slot = model.layout.params.find((p) => p.name === name)!;
  tap(model, (call, loss) => {
    if (call === step) model.grads[slot.offset + at] = value;
    return loss;
  });
}

async function divergence<A extends Arena>(make: () => TrainableModel<A>, step: number, name: string, value: number) {
  // The same run stopped one step earlier: the parameters a diverged run must leave.
  const before = make();
  if (step > 1) await new Trainer(before, { train }, { ...options, steps: step - 1 }).run();
  const model = make();
  inject(model, step, name, 2, value);
  const trainer = new Trainer(model, { train }, { ...options, steps: 10 });
  const seen: number[] = [];
  const err = await trainer.run({ onStep: (s) => seen.push(s.step) }).then(
    () => null,
    (e: unknown) => e,
  );
  return { err: err as DivergedError, seen, params: Array.from(model.params), expected: Array.from(before.params), state: trainer.state };
}

describe('an infinite or NaN gradient stops training, naming the step and the parameter', () => {
  it.each([
    ['float64', Infinity, 'h.U', 4],
    ['float64', NaN, 'b', 1],
    ['float64', -Infinity, 'E', 2],
  ] as const)('%s: %s in the gradient of %s at step %i', async (_, value, name, step) => {
    const r = await divergence(() => float64Model(ir, 1), step, name, value);
    expect(r.err).toBeInstanceOf(DivergedError);
    expect(r.err.step).toBe(step);
    expect(r.err.param).toBe(name);
    const norm = Number.isNaN(value) ? 'NaN' : 'Infinity';
    expect(r.err.message).toBe(
      `training diverged at step ${step}: the gradient norm is ${norm}; the gradient of ${name} is not finite (lr 0.01); the parameters are those after step ${step - 1}. Try a lower --lr or --clip`,
    );
    expect(r.seen).toEqual(Array.from({ length: step - 1 }, (_, i) => i + 1));
    expect(r.state.step).toBe(step - 1);
    expect(r.params).toEqual(r.expected);
  });

  it('a loss that is not finite while every value and gradient is: the error names no parameter', async () => {
    const model = float64Model(ir, 1);
    // The runner reports a NaN loss at its third call and leaves the arenas as they are.
    tap(model, (call, loss) => (call === 3 ? NaN : loss));
    const err = await new Trainer(model, { train }, { ...options, steps: 10 }).run().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DivergedError);
    expect((err as DivergedError).param).toBeNull();
    expect((err as DivergedError).step).toBe(3);
    expect((err as DivergedError).message).toBe('training diverged at step 3: the loss is NaN (lr 0.01); the parameters are those after step 2. Try a lower --lr or --clip');
  });

  it('float32 (the LanguageModel the CLI trains): Infinity in the gradient of h.W_f at step 3', async () => {
    const make = () => compile('test/runtime/models/tiny-dropout.rnn', { dims: { vocab: 5 } }).init(2);
    const r = await divergence(make, 3, 'h.W_f', Infinity);
    expect(r.err).toBeInstanceOf(DivergedError);
    expect(r.err.step).toBe(3);
    expect(r.err.param).toBe('h.W_f');
    expect(r.err.message).toMatch(/^training diverged at step 3: the gradient norm is Infinity; the gradient of h\.W_f is not finite/);
    expect(r.params).toEqual(r.expected);
    // The run did move the parameters before it stopped (the comparison is not of two inits).
    expect(r.params).not.toEqual(Array.from(make().params));
  });
});
