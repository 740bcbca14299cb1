// Gradient diagnostics in the learning curve: each train point's per-parameter gradient
// norms equal a direct computation from the gradient arena at that step (before clipping,
// times the loss scale), and its clip count equals the steps since the previous point whose
// global norm exceeded --clip.
import { describe, expect, it } from 'vitest';
import { Trainer, type StepInfo, type TrainOptions, type EpochInfo } from '../../src/runtime/train/trainer.ts';
import { paramGradNorms } from '../../src/runtime/train/grad-stats.ts';
import { modelFromText } from '../autodiff/helpers.ts';
import { elmanLM, float64Model } from './reference-trainer-model.ts';

const ir = modelFromText(elmanLM(2, 3), { vocab: 4 }, '__gradstats_elman');
const seq = (n: number) => Int32Array.from({ length: n }, (_, i) => (i + (i >> 2) + (i % 7 === 0 ? 2 : 0)) % 4);
// batch 1, bptt 1: 102 windows per epoch, a train point every 2 steps (and at the epoch end).
const train = seq(103);

async function run(o: TrainOptions) {
  const model = float64Model(ir, 2);
  const trainer = new Trainer(model, { train, valid: null }, o);
  const steps: StepInfo[] = [];
  const direct = new Map<number, Record<string, number>>();
  const epochs: EpochInfo[] = [];
  await trainer.run({
    onStep: (s) => {
      steps.push(s);
      // The gradient arena still holds this step's gradient (optimizers never write it).
      const norms: Record<string, number> = {};
      for (const slot of model.layout.params) {
        const g = Array.from(model.grads.subarray(slot.offset, slot.offset + slot.size));
        norms[slot.name] = (o.lossScale === 'sum' ? o.bptt! : 1) * Math.hypot(...g);
      }
      direct.set(s.step, norms);
    },
    onEpoch: (_, info) => epochs.push(info),
  });
  return { trainer, steps, direct, epochs, model };
}

describe('gradient norms per parameter in the curve', () => {
  it('equal the norm of each parameter’s slice of the gradient arena at that step (loss scale included)', async () => {
    const { trainer, direct, model, steps } = await run({ batch: 1, bptt: 3, steps: 12, optimizer: 'sgd', lr: 0.3, lossScale: 'sum', clip: 0, seed: 1 });
    const points = trainer.state.curve.filter((p) => p.train !== undefined);
    expect(points.length).toBeGreaterThan(3);
    for (const p of points) {
      const want = direct.get(p.step)!;
      expect(Object.keys(p.gradNorms!)).toEqual(model.layout.params.map((s) => s.name));
      for (const [name, v] of Object.entries(want)) expect(Math.abs(p.gradNorms![name] - v) / v, `step ${p.step} ${name}`).toBeLessThan(1e-14);
      // Together they make the global norm the step reported.
      const global = steps[p.step - 1].gradNorm;
      expect(Math.abs(Math.hypot(...Object.values(p.gradNorms!)) - global) / global).toBeLessThan(1e-14);
    }
    expect(paramGradNorms(new Float64Array([3, 4, 12]), [{ name: 'a', offset: 0, size: 2 }, { name: 'b', offset: 2, size: 1 }], 2)).toEqual({ a: 10, b: 24 });
  });

  it('the clip count of each point is the number of steps since the previous point whose norm exceeded --clip', async () => {
    // The threshold: the median norm of an unclipped run, so that clipping fires at some steps and not at others.
    const free = await run({ batch: 1, bptt: 1, epochs: 1, optimizer: 'sgd', lr: 0.5, clip: 0, seed: 2 });
    const norms = free.steps.map((s) => s.gradNorm).sort((a, b) => a - b);
    const clip = norms[Math.floor(norms.length / 2)];
    const { trainer, steps, epochs } = await run({ batch: 1, bptt: 1, epochs: 1, optimizer: 'sgd', lr: 0.5, clip, seed: 2 });
    const fired = new Set(steps.filter((s) => s.gradNorm > clip).map((s) => s.step));
    expect(fired.size).toBeGreaterThan(5);
    expect(fired.size).toBeLessThan(steps.length - 5);
    const points = trainer.state.curve.filter((p) => p.train !== undefined);
    let prev = 0;
    const counts = new Set<number>();
    for (const p of points) {
      let want = 0;
      for (let k = prev + 1; k <= p.step; k++) if (fired.has(k)) want++;
      expect(p.clipped, `point at step ${p.step}`).toBe(want);
      counts.add(want);
      prev = p.step;
    }
    expect(prev).toBe(steps.length);
    expect([...counts].sort()).toEqual([0, 1, 2]); // points with none, one and both of their steps clipped
    // The epoch summary: all of the epoch's clipped steps, and the norms of its last step.
    expect(epochs).toHaveLength(1);
    expect(epochs[0]).toEqual({ step: steps.length, steps: steps.length, clipped: fired.size, gradNorms: points.at(-1)!.gradNorms });
  });
});
