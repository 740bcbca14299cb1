// The ONNX export of the models with token history — the fixed-window LMs (E[token@-k]),
// CBOW and skip-gram (which look ahead and run 2 steps late) — carries the history as a
// state, `token@history` [B, H] int64 (ids + 1, 0: the pad before a stream's start). Oracles:
// rnnc's float32 inference code over consecutive windows from a stream's start (the history
// carried by both, its values compared exactly), the same stream as one-token ONNX calls,
// and the pad written out by hand in float64 from the weights.
import * as ort from 'onnxruntime-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, type LanguageModel } from '../../src/runtime/model.ts';
import { exportOnnx, onnxNames } from '../../src/export/onnx/index.ts';
import { HISTORY_STATE } from '../../src/codegen/history.ts';
import { randomWindow, runOrt, runRnnc, worstDifference } from './onnx-helpers.ts';

const TOL = 1e-5;
const V = 19;
const MODELS: [string, Record<string, number>][] = [
  ['models/window-lm.rnn', { vocab: V, embed: 5, hidden: 7 }],
  ['models/char-window-lm.rnn', { vocab: V, embed: 3, hidden: 6 }],
  ['models/cbow.rnn', { vocab: V, embed: 6 }],
  ['models/skipgram.rnn', { vocab: V, embed: 6 }],
];
const lcg = (seed: number) => () => (seed = (seed * 16807) % 2147483647) / 2147483647;

/** The model with every weight random in (-0.5, 0.5): CBOW's and skip-gram's V, window-lm's W start at zeros. */
function randomModel(file: string, dims: Record<string, number>, seed: number): LanguageModel {
  const m = compile(file, { dims }).init(seed);
  const rnd = lcg(seed + 1);
  return m.loadWeights(new Map([...m.weights()].map(([k, w]) => [k, Float32Array.from(w, () => rnd() - 0.5)])));
}

const stream = (n: number, B: number, seed: number): number[][] => {
  const rnd = lcg(seed);
  return Array.from({ length: n }, () => Array.from({ length: B }, () => Math.floor(rnd() * V)));
};

/** Log-softmax of each row of a [rows, V] array, in float64. */
function logSoftmax(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / V; r++) {
    const row = Array.from({ length: V }, (_, v) => x[r * V + v]);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    row.forEach((v, i) => (out[r * V + i] = v - lse));
  }
  return out;
}

/** rnnc's float32 code over consecutive windows of one stream set, from its start: each window's log-probs [T, B, V] and the history after it. */
function rnncWindows(m: LanguageModel, windows: number[][][]): { logProbs: Float64Array; history: number[] }[] {
  const B = windows[0][0].length;
  let history: number[] | null = null;
  return windows.map((tokens) => {
    const T = tokens.length;
    const r = m.inference.instantiate({ Float: Float32Array, B, T, params: m.params, grads: null });
    r.resetStates();
    if (history) r.initial.at(-1)!.set(history);
    const ids = new Int32Array(B * (T + 1));
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) ids[b * (T + 1) + t] = tokens[t][b];
    r.run(ids, { loss: false, backward: false, carry: false });
    const logits = new Float64Array(T * B * V);
    for (let t = 0; t < T; t++) logits.set(r.logits(t), t * B * V);
    history = Array.from(r.finals().at(-1)!);
    return { logProbs: logSoftmax(logits), history };
  });
}

/** The export in ONNX Runtime over consecutive windows, the history output fed back as the next input; the first from `start` (zeros: the stream's start). */
async function ortWindows(bytes: Uint8Array, H: number, windows: number[][][], start?: number[]): Promise<{ logProbs: Float64Array; history: number[] }[]> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  const B = windows[0][0].length;
  let history = start ?? new Array<number>(B * H).fill(0);
  const out: { logProbs: Float64Array; history: number[] }[] = [];
  try {
    for (const tokens of windows) {
      const r = await session.run({
        [onnxNames.tokens]: new ort.Tensor('int64', BigInt64Array.from(tokens.flat(), BigInt), [tokens.length, B]),
        [onnxNames.stateIn(HISTORY_STATE)]: new ort.Tensor('int64', BigInt64Array.from(history, BigInt), [B, H]),
      });
      history = Array.from(r[onnxNames.stateOut(HISTORY_STATE)].data as BigInt64Array, Number);
      out.push({ logProbs: Float64Array.from(r[onnxNames.logProbs].data as Float32Array), history });
    }
  } finally {
    await session.release();
  }
  return out;
}

function worst(a: Float64Array, b: Float64Array): number {
  expect(b.length).toBe(a.length);
  let w = 0;
  a.forEach((x, i) => (w = Math.max(w, Math.abs(x - b[i]) / Math.max(1, Math.abs(x)))));
  return w;
}

describe.each(MODELS)('ONNX export of %s (token history)', (file, dims) => {
  const m = randomModel(file, dims, 4);
  const H = m.layout.states.find((s) => s.name === HISTORY_STATE)!.size;
  const bytes = exportOnnx({ ir: m.ir, weights: m.weights() });

  it('has the history as its last input and output, [B, H] int64', () => {
    expect(H).toBeGreaterThanOrEqual(2);
    expect(m.layout.states.at(-1)!.name).toBe(HISTORY_STATE);
  });

  it('three consecutive windows from a stream start (T = H + 1, 2, 7), the history carried: ORT equals rnnc', async () => {
    const s = stream(H + 10, 3, 7);
    const windows = [s.slice(0, H + 1), s.slice(H + 1, H + 3), s.slice(H + 3)];
    const ref = rnncWindows(m, windows);
    const got = await ortWindows(bytes, H, windows);
    ref.forEach((r, k) => {
      expect(worst(r.logProbs, got[k].logProbs), `window ${k}`).toBeLessThanOrEqual(TOL);
      expect(got[k].history).toEqual(r.history);
    });
    // The carried history holds real tokens (ids + 1), no pad, after the first window.
    expect(got[0].history.every((v) => v >= 1 && v <= V)).toBe(true);
  });

  it('one token per call (T = 1), carried 9 times, equals one window of 9 steps', async () => {
    const s = stream(9, 2, 3);
    const [ref] = rnncWindows(m, [s]);
    const got = await ortWindows(bytes, H, s.map((row) => [row]));
    const chained = new Float64Array(ref.logProbs.length);
    got.forEach((g, t) => chained.set(g.logProbs, t * 2 * V));
    expect(worst(ref.logProbs, chained)).toBeLessThanOrEqual(TOL);
    expect(got.at(-1)!.history).toEqual(ref.history);
  });

  it('a window shorter than the history (T = 1) from a history in the middle of a stream', async () => {
    const s = stream(H + 1, 2, 5);
    const [ref] = rnncWindows(m, [s.slice(0, H), s.slice(H)]).slice(1);
    const start = [0, 1].flatMap((b) => s.slice(0, H).map((row) => row[b] + 1));
    const [got] = await ortWindows(bytes, H, [s.slice(H)], start);
    expect(worst(ref.logProbs, got.logProbs)).toBeLessThanOrEqual(TOL);
    expect(got.history).toEqual(ref.history);
  });

  it('the pad is not a token: a zero history (the stream start) and a history of token 0 give different first steps', async () => {
    const s = stream(1, 1, 9);
    const [pad] = await ortWindows(bytes, H, [s]);
    const [tok0] = await ortWindows(bytes, H, [s], new Array<number>(H).fill(1));
    expect(worst(pad.logProbs, tok0.logProbs)).toBeGreaterThan(1e-3);
  });

  it('a history value outside [0, vocab] is an error of ORT, not a silent read', async () => {
    await expect(ortWindows(bytes, H, [stream(1, 1, 9)], new Array<number>(H).fill(V + 1))).rejects.toThrow();
  });
});

// Lagged lookups beside recurrent states: the history in the main graph, two Scans (forward
// and reversed) reading the lookups' hoisted values; an encoder (a reversed layer predicts `token`).
const dir = mkdtempSync(join(tmpdir(), 'rnnc-onnx-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LAGGED = `use "${resolve('models/cells/gru.rnn')}"
use "${resolve('models/cells/lstm.rnn')}"
model Lagged {
  dim vocab = ${V}, embed = 3, hidden = 4
  param E: [vocab, embed]
  param V: [vocab, 8]
  x  = concat(E[token], E[token@-2])
  fw = LSTM(x, hidden = hidden)
  bw = reverse GRU(concat(fw, E[token@-1]), hidden = hidden)
  loss cross_entropy(V @ concat(fw, bw), token)
}
`;

describe('a recurrent model with lagged lookups (an LSTM and a reversed GRU)', () => {
  it('ORT equals rnnc from random states and a random history, and from a stream start', async () => {
    const file = join(dir, 'lagged.rnn');
    writeFileSync(file, LAGGED);
    const m = compile(file).init(3);
    expect(m.layout.states.map((s) => s.name)).toContain(HISTORY_STATE);
    const bytes = exportOnnx({ ir: m.ir, weights: m.weights() });
    for (const seed of [5, 6]) {
      const w = randomWindow(m, 5, 3, lcg(seed));
      if (seed === 6) w.initial.at(-1)!.fill(0);
      const r = worstDifference(runRnnc(m, w), await runOrt(bytes, m, w));
      expect(r.worst, r.where).toBeLessThanOrEqual(TOL);
    }
  });
});
