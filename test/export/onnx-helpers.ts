// Runs a model two ways on the same window — rnnc's float32 inference code, and its ONNX
// export in ONNX Runtime (CPU) — and compares log-probabilities and final states.
import * as ort from 'onnxruntime-node';
import type { LanguageModel } from '../../src/runtime/model.ts';
import { exportOnnx, onnxNames } from '../../src/export/onnx/index.ts';
import { HISTORY_STATE } from '../../src/codegen/history.ts';

/** The carried token history (offset lookups): ids + 1, int64 in ONNX (0: the pad before a stream's start). */
const isHistory = (s: { name: string }): boolean => s.name === HISTORY_STATE;

export interface Outputs {
  /** [T, B, vocab], time-major. */
  logProbs: Float64Array;
  /** Final states in layout order, [B, size] each. */
  finals: Float64Array[];
}

/** A window: tokens[t][b], and each state's initial value [B, size]. */
export interface Window {
  tokens: number[][];
  initial: Float32Array[];
}

/** rnnc's float32 inference code on the window (log-softmax of its logits in float64). */
export function runRnnc(model: LanguageModel, w: Window): Outputs {
  const T = w.tokens.length, B = w.tokens[0].length;
  const r = model.inference.instantiate({ Float: Float32Array, B, T, params: model.params, grads: null });
  const ids = new Int32Array(B * (T + 1));
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) ids[b * (T + 1) + t] = w.tokens[t][b];
  r.initial.forEach((s, k) => s.set(w.initial[k]));
  r.run(ids, { loss: false, backward: false, carry: false });
  const V = model.layout.vocab;
  const logProbs = new Float64Array(T * B * V);
  for (let t = 0; t < T; t++) {
    const l = r.logits(t);
    for (let b = 0; b < B; b++) {
      const row = Array.from(l.subarray(b * V, (b + 1) * V));
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      for (let v = 0; v < V; v++) logProbs[(t * B + b) * V + v] = row[v] - lse;
    }
  }
  // A reversed layer's state after the window is its value at step 0.
  const finals = model.layout.states.map((s, k) => Float64Array.from(r.finals(s.reverse ? 0 : T - 1)[k]));
  return { logProbs, finals };
}

/** The ONNX export of the model in ONNX Runtime on the window. */
export async function runOrt(bytes: Uint8Array, model: LanguageModel, w: Window): Promise<Outputs> {
  const T = w.tokens.length, B = w.tokens[0].length;
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  const feeds: Record<string, ort.Tensor> = {
    [onnxNames.tokens]: new ort.Tensor('int64', BigInt64Array.from(w.tokens.flat().map(BigInt)), [T, B]),
  };
  model.layout.states.forEach((s, k) => {
    const name = onnxNames.stateIn(s.name);
    feeds[name] = isHistory(s) ? new ort.Tensor('int64', BigInt64Array.from(w.initial[k], (v) => BigInt(v)), [B, ...s.shape]) : new ort.Tensor('float32', w.initial[k], [B, ...s.shape]);
  });
  const out = await session.run(feeds);
  await session.release();
  return {
    logProbs: Float64Array.from(out[onnxNames.logProbs].data as Float32Array),
    finals: model.layout.states.map((s) => Float64Array.from(out[onnxNames.stateOut(s.name)].data as Float32Array | BigInt64Array, Number)),
  };
}

/** A random window for the model (tokens below vocab, initial states in (-1, 1), a history of ids + 1 in [0, vocab]). */
export function randomWindow(model: LanguageModel, T: number, B: number, rnd: () => number): Window {
  const V = model.layout.vocab;
  return {
    tokens: Array.from({ length: T }, () => Array.from({ length: B }, () => Math.floor(rnd() * V))),
    initial: model.layout.states.map((s) => Float32Array.from({ length: B * s.size }, () => (isHistory(s) ? Math.floor(rnd() * (V + 1)) : s.reverse ? 0 : 2 * rnd() - 1))),
  };
}

/** The largest difference between two runs, relative to max(1, |rnnc|). */
export function worstDifference(a: Outputs, b: Outputs): { worst: number; where: string } {
  let worst = 0, where = '';
  const cmp = (x: Float64Array, y: Float64Array, what: string) => {
    if (x.length !== y.length) {
      worst = Infinity;
      where = `${what}: ${x.length} vs ${y.length} values`;
      return;
    }
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(x[i]));
      if (!(d <= worst)) [worst, where] = [Number.isNaN(d) ? Infinity : d, `${what}[${i}]: rnnc ${x[i]}, ORT ${y[i]}`];
    }
  };
  cmp(a.logProbs, b.logProbs, 'log_probs');
  a.finals.forEach((f, k) => cmp(f, b.finals[k], `final state ${k}`));
  return { worst, where };
}

export { exportOnnx };
