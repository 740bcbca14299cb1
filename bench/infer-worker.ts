// One inference measurement in its own process (bench/run.ts spawns one per run); prints one
// JSON line. The P1 LSTM-256 model with its init(0) weights, run either by rnnc or by ONNX
// Runtime on its ONNX export (src/export/onnx), on the same tokens:
//   tsx bench/infer-worker.ts rnnc|ort step   --text FILE [--threads N] [--warmup N] [--iters N]
//   tsx bench/infer-worker.ts rnnc|ort window --text FILE [--threads N] [--warmup N] [--iters N]
// step: one token at batch 1, the state fed back (rnnc: model.step; ORT: the export at T = 1).
// window: log-probabilities of a 64-step window at batch 32, the state carried from window to
// window (rnnc: the evaluator's scoring run, its loss over the window; ORT: the export at
// T = 64, B = 32). --threads is ORT's intra-op thread count; rnnc uses its kernels' default.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { buildCharVocab, compile } from '../src/index.ts';
import { float32Kernels } from '../src/codegen/index.ts';
import { exportOnnx, onnxNames } from '../src/export/onnx/index.ts';
import { fillWindow } from '../src/runtime/evaluate.ts';
import { B, T } from './workloads.ts';

const [engine, mode, ...rest] = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? Number(rest[i + 1]) : dflt;
};
const textArg = rest.indexOf('--text');
if ((engine !== 'rnnc' && engine !== 'ort') || (mode !== 'step' && mode !== 'window') || textArg < 0) {
  console.error('usage: infer-worker.ts rnnc|ort step|window --text FILE [--threads N] [--warmup N] [--iters N]');
  process.exit(2);
}
const text = readFileSync(rest[textArg + 1], 'utf8');
const vocab = buildCharVocab(text);
const model = compile(new URL('./models/p1-lstm.rnn', import.meta.url).pathname, { vocab, dims: { hidden: 256 } }).init(0);
const ids = vocab.encode(text);
const V = vocab.size;
const [bs, ts] = mode === 'step' ? [1, 1] : [B, T];
const warmup = arg('warmup', mode === 'step' ? 200 : 5);
const iters = arg('iters', mode === 'step' ? 2000 : 30);
// rnnc: the threads its kernels run (the backend name says '-2threads' when a helper joins).
const threads = engine === 'ort' ? arg('threads', 1) : float32Kernels().includes('2threads') ? 2 : 1;
// Stream b of the text starts at b · L, as the evaluator cuts it.
const L = Math.floor((ids.length - 1) / bs);

/** One timed call per iteration: `once(i)` processes the i-th window (or token), returns a checksum term. */
async function time(once: (i: number) => number | Promise<number>): Promise<{ ms: number[]; checksum: number }> {
  const ms: number[] = [];
  let checksum = 0;
  for (let i = 0; i < warmup + iters; i++) {
    const t0 = performance.now();
    checksum += await once(i);
    const dt = performance.now() - t0;
    if (i >= warmup) ms.push(dt);
  }
  return { ms, checksum };
}

let result: { ms: number[]; checksum: number };
let kernels: string;
if (engine === 'rnnc') {
  kernels = float32Kernels();
  if (mode === 'step') {
    let state = model.initialState();
    result = await time((i) => {
      const r = model.step(ids[i % ids.length], state);
      state = r.state;
      return Math.log(r.probs[ids[(i + 1) % ids.length]]);
    });
  } else {
    const r = model.inference.instantiate({ Float: Float32Array, B: bs, T: ts, params: model.params, grads: null });
    const w = new Int32Array(bs * (ts + 1));
    r.resetStates();
    result = await time((i) => {
      fillWindow(w, ids, bs, L, (i * ts) % (L - ts), ts);
      return r.run(w, { loss: true, backward: false, carry: true });
    });
  }
} else {
  kernels = `onnxruntime-node ${ort.env.versions.common}`;
  const bytes = exportOnnx({ ir: model.ir, weights: model.weights() });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const tokens = new BigInt64Array(ts * bs);
  let states: ort.Tensor[] = model.layout.states.map((s) => new ort.Tensor('float32', new Float32Array(bs * s.size), [bs, ...s.shape]));
  result = await time(async (i) => {
    // Time-major [T, B], the same tokens the rnnc run reads.
    const start = mode === 'step' ? i % ids.length : (i * ts) % (L - ts);
    for (let t = 0; t < ts; t++) for (let b = 0; b < bs; b++) tokens[t * bs + b] = BigInt(ids[b * L + start + t]);
    const feeds: Record<string, ort.Tensor> = { [onnxNames.tokens]: new ort.Tensor('int64', tokens, [ts, bs]) };
    model.layout.states.forEach((s, k) => (feeds[onnxNames.stateIn(s.name)] = states[k]));
    const out = await session.run(feeds);
    states = model.layout.states.map((s) => out[onnxNames.stateOut(s.name)] as ort.Tensor);
    const lp = out[onnxNames.logProbs].data as Float32Array;
    // The window's mean NLL (what rnnc's scoring run returns), or ln p of the next token.
    let nll = 0;
    for (let t = 0; t < ts; t++) for (let b = 0; b < bs; b++) nll -= lp[(t * bs + b) * V + ids[b * L + start + t + 1]];
    return mode === 'step' ? -nll : nll / (ts * bs);
  });
  await session.release();
}
const sorted = [...result.ms].sort((a, b) => a - b);
const med = sorted[sorted.length >> 1];
console.log(
  JSON.stringify({
    engine,
    mode,
    B: bs,
    T: ts,
    threads,
    kernels,
    warmup,
    iters,
    median_ms: +med.toFixed(4),
    p90_ms: +sorted[Math.floor(sorted.length * 0.9)].toFixed(4),
    tokens_per_s: +((bs * ts * 1000) / med).toFixed(1),
    checksum: +result.checksum.toFixed(4),
  }),
);
