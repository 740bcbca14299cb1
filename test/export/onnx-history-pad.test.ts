// The ONNX export at a stream's start, against the models written out by hand in float64
// from their weights (not through rnnc): a position before the stream is the pad, a zero
// embedding; CBOW and skip-gram run 2 steps late, so step t is centre word t − 2.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/runtime/model.ts';
import { exportOnnx, onnxNames } from '../../src/export/onnx/index.ts';
import { HISTORY_STATE } from '../../src/codegen/history.ts';

const V = 13, T = 6, B = 2;
const lcg = (seed: number) => () => (seed = (seed * 16807) % 2147483647) / 2147483647;

/** y = M x for a row-major M [rows, x.length]. */
const matVec = (M: Float32Array, x: readonly number[]): number[] =>
  Array.from({ length: M.length / x.length }, (_, i) => x.reduce((s, v, j) => s + M[i * x.length + j] * v, 0));
const add = (a: readonly number[], b: ArrayLike<number>): number[] => a.map((v, i) => v + b[i]);
const logSoftmax = (x: readonly number[]): number[] => {
  const max = Math.max(...x);
  const lse = max + Math.log(x.reduce((s, v) => s + Math.exp(v - max), 0));
  return x.map((v) => v - lse);
};

type Weights = Map<string, Float32Array>;
/** Row `p` of the stream's table `E` [vocab, n], or the pad's zero vector before the stream. */
type Row = (table: string, p: number) => number[];

/** The logits of step t by hand, per model; `row` reads the stream of one batch entry. */
const BY_HAND: Record<string, (w: Weights, row: Row, t: number) => number[]> = {
  'models/window-lm.rnn': (w, row, t) => {
    const x = [0, 1, 2, 3].flatMap((k) => row('C', t - k));
    const a = add(matVec(w.get('H')!, x), w.get('d')!).map(Math.tanh);
    return add(add(matVec(w.get('W')!, x), matVec(w.get('U')!, a)), w.get('b')!);
  },
  'models/char-window-lm.rnn': (w, row, t) => {
    const x = [0, 1, 2, 3, 4, 5, 6, 7].flatMap((k) => row('E', t - k));
    const h = add(matVec(w.get('H')!, x), w.get('d')!).map(Math.tanh);
    return add(matVec(w.get('V')!, h), w.get('b')!);
  },
  // Centre c = t − 2: the mean of c − 2, c − 1, c + 1, c + 2.
  'models/cbow.rnn': (w, row, t) => {
    const ctx = [t - 4, t - 3, t - 1, t].map((p) => row('E', p));
    return add(matVec(w.get('V')!, ctx[0].map((_, i) => ctx.reduce((s, r) => s + r[i], 0) / 4)), w.get('b')!);
  },
  // Centre c = t − 2, one softmax for its four context words.
  'models/skipgram.rnn': (w, row, t) => add(matVec(w.get('V')!, row('E', t - 2)), w.get('b')!),
};

describe.each(Object.keys(BY_HAND))('ONNX export of %s at a stream start', (file) => {
  it('the first steps read the pad as a zero vector, as the model written by hand does', async () => {
    const m = compile(file, { dims: { vocab: V, embed: 4, hidden: 5 } }).init(2);
    const rnd = lcg(17);
    const w: Weights = new Map([...m.weights()].map(([k, x]) => [k, Float32Array.from(x, () => rnd() - 0.5)]));
    m.loadWeights(w);
    const H = m.layout.states.find((s) => s.name === HISTORY_STATE)!.size;
    const tokens = Array.from({ length: T }, () => Array.from({ length: B }, () => Math.floor(rnd() * V)));
    const session = await ort.InferenceSession.create(exportOnnx({ ir: m.ir, weights: m.weights() }), { intraOpNumThreads: 1, logSeverityLevel: 3 });
    const out = await session.run({
      [onnxNames.tokens]: new ort.Tensor('int64', BigInt64Array.from(tokens.flat(), BigInt), [T, B]),
      [onnxNames.stateIn(HISTORY_STATE)]: new ort.Tensor('int64', new BigInt64Array(B * H), [B, H]),
    });
    await session.release();
    const got = out[onnxNames.logProbs].data as Float32Array;
    let worst = 0;
    for (let b = 0; b < B; b++) {
      const row: Row = (table, p) => {
        const E = w.get(table)!, n = E.length / V;
        return p < 0 ? new Array<number>(n).fill(0) : Array.from(E.subarray(tokens[p][b] * n, (tokens[p][b] + 1) * n));
      };
      for (let t = 0; t < T; t++) {
        const ref = logSoftmax(BY_HAND[file](w, row, t));
        ref.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - got[(t * B + b) * V + i]) / Math.max(1, Math.abs(v)))));
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
  });
});
