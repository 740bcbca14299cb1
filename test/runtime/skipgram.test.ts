// models/skipgram.rnn through the runtime: its loss by hand from the definition (each step's
// centre predicts the 2 words on each side, the mean of the 4 cross-entropies, pads 0), the
// same for any window length; training resumed from a checkpoint equals the run that never
// stopped, bit for bit (the carried 4-token history included); a short run learns.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/runtime/model.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import { trainResumed, bytes } from './resume.ts';

const TEXT = 'the cat sat on the mat. the dog sat on the log. a cat and a dog met on a mat by a log.\n'.repeat(12);
const vocab = buildCharVocab(TEXT);
const ids = vocab.encode(TEXT);
const EMBED = 5;
const make = (seed = 2) => compile('models/skipgram.rnn', { vocab, dims: { embed: EMBED } }).init(seed);

describe('models/skipgram.rnn in the runtime', () => {
  it('scores a stream by hand: step t has centre t − 2 and predicts words t − 4, t − 3, t − 1, t (the pad: a zero centre, a target of loss 0)', () => {
    const m = make();
    const w = m.weights();
    // V starts at zeros: give it values so every target's cross-entropy differs.
    w.set('V', Float32Array.from({ length: vocab.size * EMBED }, (_, i) => Math.sin(i * 1.3) * 0.5));
    m.loadWeights(w);
    const E = m.weights().get('E')!;
    const V = m.weights().get('V')!;
    const b = m.weights().get('b')!;
    const text = ids.subarray(0, 40);
    const N = text.length;
    const centre = (p: number) => (p < 0 ? new Float64Array(EMBED) : Float64Array.from(E.subarray(text[p] * EMBED, text[p] * EMBED + EMBED)));
    // −log softmax(V e + b)[y] in float64, from the definition.
    const crossEntropy = (e: Float64Array, y: number) => {
      const logits = Array.from({ length: vocab.size }, (_, v) => b[v] + e.reduce((s, x, j) => s + V[v * EMBED + j] * x, 0));
      const max = Math.max(...logits);
      return max + Math.log(logits.reduce((s, x) => s + Math.exp(x - max), 0)) - logits[y];
    };
    // N − 1 steps, each the mean over its 4 context positions; a position before the stream predicts nothing (0).
    let sum = 0;
    for (let t = 0; t < N - 1; t++) {
      const c = t - 2;
      for (const j of [-2, -1, 1, 2]) if (c + j >= 0) sum += crossEntropy(centre(c), text[c + j]) / 4;
    }
    for (const window of [1, 3, 64]) expect(m.evaluate(text, { batch: 1, window }).loss).toBeCloseTo(sum / (N - 1), 5);
  });

  it('train 12 steps ≡ train 5, save, load, resume to 12: bit-identical, the 4-token history carried', async () => {
    const train = ids.subarray(0, 400);
    const r = await trainResumed(() => make(3), { train }, { batch: 2, bptt: 3, steps: 12, optimizer: 'adam', lr: 1e-2, seed: 5 }, 5, 3);
    expect(r.checkpoint.model.layout.states.map((s) => [s.name, s.size])).toEqual([['token@history', 4]]);
    expect(Array.from(r.checkpoint.carried![0]).some((v) => v > 0)).toBe(true); // real tokens, not the pad
    expect(bytes(r.resumed.params).equals(bytes(r.uninterrupted.params))).toBe(true);
    expect(bytes(make(3).params).equals(bytes(r.uninterrupted.params))).toBe(false); // the runs did move the weights
  });

  it('learns in 40 steps', async () => {
    const m = make();
    const before = m.evaluate(ids.subarray(ids.length - 300)).loss;
    const losses: number[] = [];
    await m.train({ train: ids.subarray(0, ids.length - 300) }, { batch: 4, bptt: 8, steps: 40, optimizer: 'adam', lr: 3e-2 }, { onStep: (s) => losses.push(s.loss) });
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 0.3);
    expect(m.evaluate(ids.subarray(ids.length - 300)).loss).toBeLessThan(before - 0.3);
  });
});
