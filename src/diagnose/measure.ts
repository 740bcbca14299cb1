// `rnnc diagnose`'s numbers for one model: on `windows` real windows of the data, each
// started from the state the model reaches after `warmup` tokens, the norm of
// ∂J⁽ᵗ⁾/∂h⁽ᵗ⁻ℓ⁾ for ℓ = 0 … distance (probe.ts), averaged over the windows; its decay per step
// (least-squares slope of ln‖·‖ against ℓ) and the distance where it first falls below 1e-6
// of its value at ℓ = 0 (extrapolated along the slope when the window is too short); the
// spectral norm of each recurrent matrix beside the lecture's bound; saturated gates.
import { mulberry32 } from '../graph/interpret.ts';
import type { IRModel } from '../ir/types.ts';
import { DiagnoseError, probedGraph, warmStates, windowGradients } from './probe.ts';
import { spectralNorm } from './power.ts';
import { recurrentMatrices, type RecurrentMatrix } from './recurrent.ts';

export interface DiagnoseOptions {
  /** Largest distance ℓ measured (the window has distance + 1 steps). */
  distance?: number;
  windows?: number;
  warmup?: number;
  seed?: number;
}

export interface StateCurve {
  state: string;
  layer: string;
  /** mean[ℓ]: ‖∂J⁽ᵗ⁾/∂h⁽ᵗ⁻ℓ⁾‖ averaged over the windows. */
  mean: number[];
  /** Slope of ln mean[ℓ] against ℓ (ℓ ≥ 1): nats per step (negative: vanishing). */
  slope: number;
  /** exp(slope): the factor per step. */
  factor: number;
  /** First ℓ with mean[ℓ] < 1e-6·mean[0] (extrapolated when beyond the window), or null (never: it does not decay). */
  below: { distance: number; extrapolated: boolean } | null;
}

export interface MatrixReport extends RecurrentMatrix {
  spectralNorm: number;
  /** γ‖W‖₂, the bound on the per-step factor for an Elman-style layer (null without a known γ). */
  bound: number | null;
}

export interface Saturation {
  layer: string;
  sigmoid: { saturated: number; total: number };
  tanh: { saturated: number; total: number };
}

export interface Diagnosis {
  model: string;
  windows: number;
  distance: number;
  warmup: number;
  curves: StateCurve[];
  matrices: MatrixReport[];
  saturation: Saturation[];
}

/** Saturated: σ < 0.05 or σ > 0.95 (slope < 0.048 of 0.25), |tanh| > 0.95 (slope < 0.1). */
const SIGMOID_SATURATED = 0.05;
const TANH_SATURATED = 0.95;

/** Least-squares slope of ln y against x over the positive, finite y. */
export function logSlope(y: readonly number[], from = 1): number {
  const pts: [number, number][] = [];
  for (let x = from; x < y.length; x++) if (y[x] > 0 && Number.isFinite(y[x])) pts.push([x, Math.log(y[x])]);
  if (pts.length < 2) return NaN;
  const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, v] of pts) {
    sxy += (x - mx) * (v - my);
    sxx += (x - mx) ** 2;
  }
  return sxy / sxx;
}

/** Where y first falls below 1e-6·y[0]; past the end, along the fitted slope. */
export function belowDistance(y: readonly number[], slope: number): StateCurve['below'] {
  const floor = y[0] * 1e-6;
  for (let l = 1; l < y.length; l++) if (y[l] < floor) return { distance: l, extrapolated: false };
  if (!(slope < 0) || !(y[0] > 0)) return null;
  // From the last measured point, along the slope.
  const last = y.length - 1;
  const more = Math.log(floor / y[last]) / slope;
  return { distance: Math.ceil(last + Math.max(0, more)), extrapolated: true };
}

export function diagnose(ir: IRModel, params: ReadonlyMap<string, Float64Array>, ids: Int32Array, o: DiagnoseOptions = {}): Diagnosis {
  const distance = o.distance ?? 50;
  const windows = o.windows ?? 8;
  const warmup = o.warmup ?? 32;
  const T = distance + 1;
  const need = warmup + T + 1;
  if (ids.length < need) throw new DiagnoseError(`the data has ${ids.length} tokens; ${windows} window${windows > 1 ? 's' : ''} of ${T} steps after ${warmup} warm-up tokens need at least ${need}`);
  const p = probedGraph(ir, T);
  const rand = mulberry32(o.seed ?? 0);
  const sums = p.states.map(() => new Float64Array(T));
  const layers = new Map<string, Saturation>();
  for (let w = 0; w < windows; w++) {
    // Windows spread over the data, each shifted by a random offset within its stretch.
    const stretch = (ids.length - need) / windows;
    const start = Math.floor(w * stretch + rand() * stretch);
    const warm = warmup > 0 ? warmStates(ir, params, Array.from(ids.subarray(start, start + warmup + 1))) : undefined;
    const tokens = Array.from(ids.subarray(start + warmup, start + warmup + T + 1));
    const r = windowGradients(p, params, tokens, warm);
    r.norms.forEach((row, s) => row.forEach((v, l) => (sums[s][l] += v / windows)));
    for (let id = 0; id < p.grad.forwardCount; id++) {
      const n = p.grad.nodes[id];
      if (n.op !== 'sigmoid' && n.op !== 'tanh') continue;
      const layer = n.seg === null || n.seg === undefined ? null : p.grad.segments[n.seg].layer;
      if (layer === null) continue;
      const sat = layers.get(layer) ?? { layer, sigmoid: { saturated: 0, total: 0 }, tanh: { saturated: 0, total: 0 } };
      layers.set(layer, sat);
      const c = n.op === 'sigmoid' ? sat.sigmoid : sat.tanh;
      for (const y of r.values[id]) {
        c.total++;
        if (n.op === 'sigmoid' ? y < SIGMOID_SATURATED || y > 1 - SIGMOID_SATURATED : Math.abs(y) > TANH_SATURATED) c.saturated++;
      }
    }
  }
  const curves = p.states.map((s, k): StateCurve => {
    const mean = Array.from(sums[k]);
    const slope = logSlope(mean);
    const seg = p.grad.nodes[s.initial].seg;
    return { state: s.name, layer: seg === null || seg === undefined ? '' : (p.grad.segments[seg].layer ?? ''), mean, slope, factor: Math.exp(slope), below: belowDistance(mean, slope) };
  });
  const matrices = recurrentMatrices(ir).map((m): MatrixReport => {
    const sn = spectralNorm(params.get(m.param)!, m.shape[0], m.shape[1]).value;
    return { ...m, spectralNorm: sn, bound: m.gamma === null ? null : m.gamma * sn };
  });
  return { model: ir.name, windows, distance, warmup, curves, matrices, saturation: [...layers.values()] };
}
