// One rnnc measurement in its own process (the harness, bench/run.ts, spawns one per run so
// runs are independent); prints one JSON line.
//   tsx bench/rnnc-worker.ts train MODEL.rnn --hidden 256 --text FILE --warmup 5 --steps 20
//   tsx bench/rnnc-worker.ts step  MODEL.rnn --hidden 256 --text FILE --warmup 200 --tokens 2000
// train: steady-state training tokens/s (Adam 2e-3, clip 5, batch 32 × BPTT 64, state carried)
// over the timed steps after the warm-up ones. step: per-token latency of model.step at batch 1.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { compile, buildCharVocab, Trainer } from '../src/index.ts';
import { float32Kernels } from '../src/codegen/index.ts';

const [mode, file, ...rest] = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? Number(rest[i + 1]) : dflt;
};
const textArg = rest.indexOf('--text');
if (!file || textArg < 0 || (mode !== 'train' && mode !== 'step')) {
  console.error('usage: rnnc-worker.ts train|step MODEL.rnn --text FILE [--hidden H] [--warmup N] [--steps N | --tokens N]');
  process.exit(2);
}
const text = readFileSync(rest[textArg + 1], 'utf8');
const vocab = buildCharVocab(text);
const hidden = arg('hidden', 256);
const model = compile(file, { vocab, dims: { hidden } }).init(0);
const ids = vocab.encode(text);
const threads = os.availableParallelism() >= 2 && process.env.RNNC_KERNELS !== 'js' ? 2 : 1;
const common = { engine: 'rnnc', model: model.name, V: vocab.size, H: hidden, params: model.paramCount, threads, kernels: float32Kernels() };

if (mode === 'train') {
  const warmup = arg('warmup', 5);
  const steps = arg('steps', 20);
  const batch = arg('batch', 32);
  const bptt = arg('bptt', 64);
  if (!(warmup >= 1)) throw new Error('--warmup must be ≥ 1 (the first step compiles and starts the gemm thread)');
  const trainer = new Trainer(model, { train: ids, valid: null }, { batch, bptt, optimizer: 'adam', lr: 2e-3, clip: 5, steps: warmup + steps });
  let t0 = performance.now();
  let t1 = t0;
  let firstLoss = NaN;
  let lastLoss = NaN;
  await trainer.run({
    onStep: (s) => {
      if (s.step === 1) firstLoss = s.loss;
      if (s.step === warmup) t0 = performance.now();
      if (s.step === warmup + steps) t1 = performance.now();
      lastLoss = s.loss;
    },
  });
  const sec = (t1 - t0) / 1000;
  const tokens = batch * bptt * steps;
  console.log(JSON.stringify({ ...common, mode, B: batch, T: bptt, steps, warmup, sec: +sec.toFixed(4), ms_per_step: +((1000 * sec) / steps).toFixed(2), tokens_per_s: +(tokens / sec).toFixed(1), first_loss: +firstLoss.toFixed(4), last_loss: +lastLoss.toFixed(4) }));
} else {
  const warmup = arg('warmup', 200);
  const n = arg('tokens', 2000);
  let state = model.initialState();
  const lat: number[] = [];
  let checksum = 0;
  for (let i = 0; i < warmup + n; i++) {
    const t = performance.now();
    const r = model.step(ids[i % ids.length], state);
    const dt = performance.now() - t;
    state = r.state;
    checksum += r.probs[0];
    if (i >= warmup) lat.push(dt);
  }
  lat.sort((a, b) => a - b);
  const med = lat[lat.length >> 1];
  console.log(JSON.stringify({ ...common, mode, tokens: n, warmup, median_us: +(1000 * med).toFixed(2), p90_us: +(1000 * lat[Math.floor(lat.length * 0.9)]).toFixed(2), tokens_per_s: +(1000 / med).toFixed(1), checksum: +checksum.toFixed(4) }));
}
