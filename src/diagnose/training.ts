// Gradient norms over training, as `rnnc train` recorded them in a checkpoint's curve (each
// parameter tensor's ‖g‖₂ before clipping at each logged point, and how often clipping
// fired): the lecture's exploding gradients seen during a real run. A table and an SVG.
import { curveSvg, type CurveSeries } from '../runtime/curve.ts';
import type { CurvePoint } from '../runtime/train/trainer.ts';

export interface ParamNorms {
  param: string;
  first: number;
  median: number;
  max: number;
  last: number;
}

export interface TrainingGradients {
  /** The logged points that carry gradient norms, in step order. */
  points: { step: number; norms: Record<string, number>; global: number }[];
  params: ParamNorms[];
  /** Optimizer steps taken, and of those how many had their gradient clipped. */
  steps: number;
  clipped: number;
  /** The run's --clip threshold on the global norm (0 or null: no clipping). */
  clip: number | null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The recorded gradient statistics of a run, or null when its curve has none (a checkpoint
 * saved before any logged training point, or by an rnnc that did not record them).
 * `pending` is the trainer's count of clipped steps since the last logged point.
 */
export function trainingGradients(curve: readonly CurvePoint[], steps: number, pending: number, clip: number | null): TrainingGradients | null {
  const logged = curve.filter((p) => p.gradNorms !== undefined).sort((a, b) => a.step - b.step);
  if (logged.length === 0) return null;
  const points = logged.map((p) => {
    const norms = p.gradNorms!;
    // The global norm clipping compares with: the tensors' norms combined.
    const global = Math.sqrt(Object.values(norms).reduce((s, n) => s + n * n, 0));
    return { step: p.step, norms, global };
  });
  const names = Object.keys(points[0].norms);
  const params = names.map((param) => {
    const xs = points.map((p) => p.norms[param]).filter((x) => x !== undefined);
    return { param, first: xs[0], median: median(xs), max: Math.max(...xs), last: xs[xs.length - 1] };
  });
  const clipped = curve.reduce((n, p) => n + (p.clipped ?? 0), 0) + pending;
  return { points, params, steps, clipped, clip: clip && clip > 0 ? clip : null };
}

const e = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : String(x));

/** The table of one run's recorded gradient norms, under the run's label. */
export function trainingTable(label: string, g: TrainingGradients): string {
  const lines: string[] = [];
  const at = g.points.length === 1 ? `step ${g.points[0].step}` : `${g.points.length} points, steps ${g.points[0].step}–${g.points[g.points.length - 1].step}`;
  lines.push(`${label}: ‖g‖₂ per parameter during training, before clipping (${at}):`);
  const rows = [['parameter', 'first', 'median', 'max', 'last']];
  for (const p of g.params) rows.push([p.param, e(p.first), e(p.median), e(p.max), e(p.last)]);
  const gl = g.points.map((p) => p.global);
  rows.push(['(global)', e(gl[0]), e(median(gl)), e(Math.max(...gl)), e(gl[gl.length - 1])]);
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  for (const r of rows) lines.push('  ' + r.map((c, i) => c + ' '.repeat(w[i] - [...c].length)).join('  ').trimEnd());
  const pct = g.steps > 0 ? ` (${((100 * g.clipped) / g.steps).toFixed(1)}%)` : '';
  lines.push(g.clip === null ? `  no clipping (--clip 0): the global norm was never limited` : `  clipping at ‖g‖₂ > ${g.clip} fired in ${g.clipped} of ${g.steps} steps${pct}`);
  return lines.join('\n') + '\n';
}

/** The layer a parameter belongs to: `h1.W_i` → `h1`; a top-level tensor (`E`, `V`) is its own. */
const layerOf = (param: string) => (param.includes('.') ? param.slice(0, param.indexOf('.')) : param);

/** log₁₀ of each layer's gradient norm (its tensors combined) and of the global norm against the step, with the clip threshold. */
export function trainingPlot(runs: readonly { label: string; gradients: TrainingGradients }[]): string {
  const series: CurveSeries[] = [];
  for (const { label, gradients: g } of runs) {
    const layers = [...new Set(g.params.map((p) => layerOf(p.param)))];
    for (const layer of layers) {
      const members = g.params.filter((p) => layerOf(p.param) === layer).map((p) => p.param);
      series.push({
        name: runs.length > 1 ? `${label} ${layer}` : layer,
        points: g.points.map((p) => ({ x: p.step, y: Math.log10(Math.sqrt(members.reduce((s, m) => s + (p.norms[m] ?? 0) ** 2, 0))) })),
      });
    }
    series.push({ name: runs.length > 1 ? `${label} global` : 'global', points: g.points.map((p) => ({ x: p.step, y: Math.log10(p.global) })) });
    if (g.clip !== null) {
      const xs = g.points.map((p) => p.step);
      series.push({ name: runs.length > 1 ? `${label} clip` : `clip ${g.clip}`, points: [{ x: Math.min(...xs), y: Math.log10(g.clip) }, { x: Math.max(...xs), y: Math.log10(g.clip) }] });
    }
  }
  return curveSvg(series, { title: 'Gradient norms during training (before clipping)', xLabel: 'optimizer step', yLabel: 'log₁₀ ‖g‖₂' });
}
