// The gradient norms `rnnc train` records, summarised for `rnnc diagnose`: statistics per
// parameter and the global norm computed by hand on a made-up curve, the clip count summed
// over the points (and the steps since the last one), the plot's lines.
import { describe, expect, it } from 'vitest';
import { trainingGradients, trainingPlot, trainingTable } from '../../src/diagnose/training.ts';
import type { CurvePoint } from '../../src/runtime/train/trainer.ts';

const curve: CurvePoint[] = [
  { tokens: 100, step: 10, train: 4, gradNorms: { E: 3, 'h1.U': 4 }, clipped: 2 },
  { tokens: 150, step: 15, valid: 3.9 },
  { tokens: 200, step: 20, train: 3, gradNorms: { E: 1, 'h1.U': 0.5 }, clipped: 0 },
  { tokens: 300, step: 30, train: 2.5, gradNorms: { E: 12, 'h1.U': 5 }, clipped: 1 },
];

describe('gradient norms over training', () => {
  it('summarises each parameter and the global norm (√ of the squares summed) over the logged points', () => {
    const g = trainingGradients(curve, 33, 4, 5)!;
    expect(g.points.map((p) => p.step)).toEqual([10, 20, 30]);
    expect(g.points.map((p) => p.global)).toEqual([5, Math.sqrt(1.25), 13]);
    expect(g.params).toEqual([
      { param: 'E', first: 3, median: 3, max: 12, last: 12 },
      { param: 'h1.U', first: 4, median: 4, max: 5, last: 5 },
    ]);
    // 2 + 0 + 1 at the points, 4 since the last one.
    expect([g.clipped, g.steps, g.clip]).toEqual([7, 33, 5]);
  });

  it('is null without recorded norms, and a --clip of 0 means no clipping', () => {
    expect(trainingGradients([{ tokens: 1, step: 1, valid: 2 }], 1, 0, 5)).toBeNull();
    expect(trainingGradients(curve, 33, 0, 0)!.clip).toBeNull();
  });

  it('prints one row per parameter, the global norm and how often clipping fired', () => {
    const t = trainingTable('run', trainingGradients(curve, 33, 4, 5)!);
    expect(t).toContain('3 points, steps 10–30');
    expect(t).toMatch(/E +3\.00e\+0 +3\.00e\+0 +1\.20e\+1 +1\.20e\+1/);
    expect(t).toMatch(/\(global\) +5\.00e\+0 +5\.00e\+0 +1\.30e\+1 +1\.30e\+1/);
    expect(t).toContain('clipping at ‖g‖₂ > 5 fired in 7 of 33 steps (21.2%)');
    expect(trainingTable('run', trainingGradients(curve, 33, 0, 0)!)).toContain('no clipping');
  });

  it('plots one line per layer, the global norm and the clip threshold', () => {
    const svg = trainingPlot([{ label: 'run', gradients: trainingGradients(curve, 33, 4, 5)! }]);
    for (const name of ['E', 'h1', 'global', 'clip 5']) expect(svg).toContain(`>${name}<`);
  });
});
