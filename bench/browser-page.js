// The measurements of bench/browser.ts, run inside a headless Chromium page (served with
// model.mjs from `rnnc export`, rnnc.mjs from scripts/build-browser.mjs, and TensorFlow.js 4.22
// with its WebAssembly backend as globals `tf`). Each function returns plain numbers.
const now = () => performance.now();

/** ms per token of the exported module's step(), state carried, after a warm-up. */
export async function rnncStep({ text, warmup, tokens }) {
  const m = await import('./model.mjs');
  await m.init();
  const ids = m.encode(text);
  let st;
  for (let i = 0; i < warmup; i++) st = m.step(ids[i % ids.length], st?.state);
  const t0 = now();
  for (let i = 0; i < tokens; i++) st = m.step(ids[i % ids.length], st?.state);
  return { msPerToken: (now() - t0) / tokens, kernels: m.info().kernels };
}

/** Tokens/s of rnnc's browser build training the shipped char-LSTM, timed after `warmup` steps. */
export async function rnncTrain({ text, batch, bptt, warmup, steps }) {
  const rnnc = await import('./rnnc.mjs');
  const model = rnnc.compileText(rnnc.shippedModels['char-lstm.rnn'], { file: 'char-lstm.rnn', vocab: rnnc.buildCharVocab(text) }).init(0);
  let t0 = 0;
  let losses = [];
  await model.train({ train: text }, { batch, bptt, lr: 2e-3, steps: warmup + steps, seed: 0 }, {
    onStep: (s) => {
      losses.push(s.loss);
      if (s.step === warmup) t0 = now();
    },
  });
  return { tokensPerS: (steps * batch * bptt * 1000) / (now() - t0), kernels: rnnc.kernels(), firstLoss: losses[0], lastLoss: losses[losses.length - 1] };
}

/**
 * The same model in TF.js layers: Embedding 64 → LSTM 256 → LSTM 256 → Dense vocab (softmax).
 * For training, the embedding is a bias-free Dense on one-hot inputs (the same product): the
 * wasm backend has no UnsortedSegmentSum, the gradient of tf.layers.embedding's gather.
 */
function tfModel(tf, vocab, batchShape, stateful, oneHot = false) {
  const m = tf.sequential();
  if (oneHot) m.add(tf.layers.dense({ units: 64, useBias: false, batchInputShape: [...batchShape, vocab] }));
  else m.add(tf.layers.embedding({ inputDim: vocab, outputDim: 64, batchInputShape: batchShape }));
  m.add(tf.layers.lstm({ units: 256, returnSequences: true, stateful }));
  m.add(tf.layers.lstm({ units: 256, returnSequences: true, stateful }));
  m.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: vocab, activation: 'softmax' }) }));
  return m;
}

async function tfReady() {
  const tf = globalThis.tf;
  tf.wasm.setWasmPaths('./');
  await tf.setBackend('wasm');
  await tf.ready();
  return tf;
}

/** TF.js tokens/s: trainOnBatch on windows of batch × bptt (Adam), timed after `warmup` steps. */
export async function tfTrain({ text, batch, bptt, warmup, steps }) {
  const tf = await tfReady();
  const chars = [...new Set(text)].sort();
  const index = new Map(chars.map((c, i) => [c, i]));
  const ids = Int32Array.from(text, (c) => index.get(c));
  const model = tfModel(tf, chars.length, [batch, bptt], false, true);
  model.compile({ optimizer: tf.train.adam(2e-3), loss: 'sparseCategoricalCrossentropy' });
  const window = (k) => {
    const x = new Float32Array(batch * bptt * chars.length), y = new Float32Array(batch * bptt);
    for (let b = 0; b < batch; b++) {
      const at = (k * bptt + b * Math.floor(ids.length / batch)) % (ids.length - bptt - 1);
      for (let t = 0; t < bptt; t++) (x[(b * bptt + t) * chars.length + ids[at + t]] = 1), (y[b * bptt + t] = ids[at + t + 1]);
    }
    return [tf.tensor3d(x, [batch, bptt, chars.length]), tf.tensor3d(y, [batch, bptt, 1])];
  };
  const losses = [];
  let t0 = 0;
  for (let k = 0; k < warmup + steps; k++) {
    if (k === warmup) t0 = now();
    const [x, y] = window(k);
    losses.push(await model.trainOnBatch(x, y));
    tf.dispose([x, y]);
  }
  const ms = now() - t0;
  model.dispose();
  return { tokensPerS: (steps * batch * bptt * 1000) / ms, backend: tf.getBackend(), firstLoss: losses[0], lastLoss: losses[losses.length - 1] };
}

/** TF.js ms per token: a stateful batch-1 model predicting one token at a time. */
export async function tfStep({ text, warmup, tokens }) {
  const tf = await tfReady();
  const chars = [...new Set(text)].sort();
  const index = new Map(chars.map((c, i) => [c, i]));
  const model = tfModel(tf, chars.length, [1, 1], true);
  const one = (i) => tf.tidy(() => model.predict(tf.tensor2d([index.get(text[i % text.length])], [1, 1], 'int32')).dataSync());
  for (let i = 0; i < warmup; i++) one(i);
  const t0 = now();
  for (let i = 0; i < tokens; i++) one(i);
  const ms = (now() - t0) / tokens;
  model.dispose();
  return { msPerToken: ms, backend: tf.getBackend() };
}
