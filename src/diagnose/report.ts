// `rnnc diagnose`'s output: the text table, the SVG plot (log₁₀ of the gradient norm against
// the distance, one line per model and state, drawn by runtime/curve.ts) and the JSON.
import { curveSvg, type CurveSeries } from '../runtime/curve.ts';
import type { Diagnosis, StateCurve } from './measure.ts';
import type { TrainingGradients } from './training.ts';

export interface Labelled {
  /** How the model is named in the table and the legend (file or checkpoint, and "init"/"trained"). */
  label: string;
  diagnosis: Diagnosis;
}

const e = (x: number) => (x === 0 ? '0' : Number.isFinite(x) ? x.toExponential(2) : String(x));
const pct = (n: number, d: number) => (d === 0 ? '–' : `${((100 * n) / d).toFixed(1)}%`);

function below(c: StateCurve): string {
  if (!c.below) return 'never (no decay)';
  return c.below.extrapolated ? `≈${c.below.distance} (extrapolated)` : String(c.below.distance);
}

/** The distances shown as columns: 0, 1, 5, 10, 20, … up to the largest measured. */
export function shownDistances(max: number): number[] {
  const out = [0, 1, 2, 5, 10, 20, 30, 50, 100, 200].filter((l) => l <= max);
  if (out[out.length - 1] !== max) out.push(max);
  return out;
}

export function table(models: readonly Labelled[]): string {
  const lines: string[] = [];
  const d0 = models[0].diagnosis;
  const cols = shownDistances(Math.min(...models.map((m) => m.diagnosis.distance)));
  lines.push(`‖∂J⁽ᵗ⁾/∂h⁽ᵗ⁻ℓ⁾‖₂ by distance ℓ, mean over ${d0.windows} windows (each after ${d0.warmup} warm-up tokens):`);
  const rows: string[][] = [['model', 'state', ...cols.map((l) => `ℓ=${l}`), 'per step', '< 1e-6 of ℓ=0 at ℓ']];
  for (const m of models) for (const c of m.diagnosis.curves) rows.push([m.label, c.state, ...cols.map((l) => e(c.mean[l])), `×${c.factor.toFixed(4)}`, below(c)]);
  lines.push(...align(rows));
  lines.push('');
  lines.push('Recurrent matrices: ‖W‖₂ by power iteration; the lecture bounds the per-step factor of an');
  lines.push('Elman layer by γ‖W‖₂ (γ = max slope of the nonlinearity W feeds: tanh 1, sigmoid 1/4).');
  const mrows: string[][] = [['model', 'matrix', 'shape', '‖W‖₂', 'feeds', 'γ‖W‖₂']];
  for (const m of models) for (const x of m.diagnosis.matrices) mrows.push([m.label, x.param, x.shape.join('×'), x.spectralNorm.toFixed(4), x.nonlinearity ?? '–', x.bound === null ? '–' : x.bound.toFixed(4)]);
  lines.push(...align(mrows));
  lines.push('');
  lines.push('Saturated units (σ < 0.05 or > 0.95; |tanh| > 0.95) over the measured windows:');
  const srows: string[][] = [['model', 'layer', 'sigmoid', 'tanh']];
  for (const m of models) for (const s of m.diagnosis.saturation) srows.push([m.label, s.layer, pct(s.sigmoid.saturated, s.sigmoid.total), pct(s.tanh.saturated, s.tanh.total)]);
  lines.push(...align(srows));
  return lines.join('\n') + '\n';
}

function align(rows: string[][]): string[] {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  return rows.map((r) => '  ' + r.map((c, i) => c + ' '.repeat(w[i] - [...c].length)).join('  ').trimEnd());
}

export function plot(models: readonly Labelled[]): string {
  const series: CurveSeries[] = models.flatMap((m) =>
    m.diagnosis.curves.map((c) => ({
      name: `${m.label} ${c.state}`,
      points: c.mean.map((y, l) => ({ x: l, y: y > 0 ? Math.log10(y) : NaN })),
    })),
  );
  return curveSvg(series, { title: 'Vanishing gradients: ‖∂J⁽ᵗ⁾/∂h⁽ᵗ⁻ℓ⁾‖ against the distance ℓ', xLabel: 'distance ℓ (steps back)', yLabel: 'log₁₀ ‖∂J⁽ᵗ⁾/∂h⁽ᵗ⁻ℓ⁾‖₂' });
}

/** Everything as one object; `training`: the gradient norms recorded by `rnnc train`, per checkpoint that has them. */
export function json(models: readonly Labelled[], training: readonly { label: string; gradients: TrainingGradients }[] = []): string {
  return JSON.stringify({ models: models.map((m) => ({ label: m.label, ...m.diagnosis })), training });
}
