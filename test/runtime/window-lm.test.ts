// The fixed-window models through the runtime: the token history carried across windows
// makes a stream's loss independent of the window length, equal to the chain of one-token
// steps; the trainer carries it too (and resets it at each epoch's stream starts); a short
// run learns.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/runtime/model.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import type { TrainOptions } from '../../src/runtime/train/trainer.ts';
import { trainResumed } from './resume.ts';

const TEXT = 'the cat sat on the mat. the dog sat on the log. a cat and a dog met on a mat by a log.\n'.repeat(12);
const vocab = buildCharVocab(TEXT);
const ids = vocab.encode(TEXT);
const small = () => compile('models/char-window-lm.rnn', { vocab, dims: { embed: 4, hidden: 16 } }).init(3);

describe('models/char-window-lm.rnn in the runtime', () => {
  it('evaluates a stream to the same loss in windows of 1, 3 and 64 steps, and as a chain of steps', () => {
    const m = small();
    const text = ids.subarray(0, 200);
    const losses = [1, 3, 64].map((window) => m.evaluate(text, { batch: 1, window }).loss);
    // The chain rule: -mean log p(x_{i+1} | x_0..x_i), one step at a time from the stream's start.
    let state = m.initialState();
    let nll = 0;
    for (let i = 0; i + 1 < text.length; i++) {
      const r = m.step(text[i], state);
      nll -= Math.log(r.probs[text[i + 1]]);
      state = r.state;
    }
    const chain = nll / (text.length - 1);
    for (const l of losses) expect(Math.abs(l - chain)).toBeLessThan(1e-5);
  });

  it('the trainer carries the history: an epoch in windows of 2 scores what windows of 8 score', async () => {
    // B = 2 streams of L = 81 tokens: 80 steps, whole windows of 2 and of 8.
    const data = ids.subarray(0, 162);
    const total = async (bptt: number) => {
      const m = small();
      let sum = 0;
      // An SGD step of 1e-30 leaves float32 weights as they are: every window sees the same model.
      await m.train({ train: data }, { batch: 2, bptt, epochs: 1, optimizer: 'sgd', lr: 1e-30, clip: 0 }, { onStep: (s) => (sum += s.loss * bptt) });
      return sum;
    };
    const [a, b] = [await total(2), await total(8)];
    expect(Math.abs(a - b) / b).toBeLessThan(1e-5);
  });

  it('train 12 steps ≡ train 6, save, load, resume 6: the checkpoint keeps the carried history (bit-identical)', async () => {
    const opts: TrainOptions & { steps: number } = { batch: 2, bptt: 3, steps: 12, optimizer: 'adam', lr: 1e-2, seed: 5 };
    const r = await trainResumed(small, { train: ids.subarray(0, 400) }, opts, 6, 3);
    expect(r.checkpoint.model.layout.states.map((s) => s.name)).toEqual(['token@history']);
    expect(Array.from(r.checkpoint.carried![0]).some((v) => v > 0)).toBe(true); // real tokens, not the pad
    expect(Array.from(r.resumed.params)).toEqual(Array.from(r.uninterrupted.params));
  });

  it('learns in 60 steps with windows shorter than its 8-token context', async () => {
    const m = small();
    const valid = ids.subarray(ids.length - 300);
    const before = m.evaluate(valid).loss;
    const losses: number[] = [];
    await m.train({ train: ids.subarray(0, ids.length - 300) }, { batch: 4, bptt: 4, steps: 60, optimizer: 'adam', lr: 1e-2 }, { onStep: (s) => losses.push(s.loss) });
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 0.5);
    expect(m.evaluate(valid).loss).toBeLessThan(before - 0.5);
    expect(m.sample({ prompt: 'the ', length: 20, seed: 1 }).ids).toHaveLength(20);
  });
});

describe('models/cbow.rnn in the runtime', () => {
  it('a stream scores the centre words from two words on each side, by hand (pads: zero vectors)', () => {
    const m = compile('models/cbow.rnn', { vocab, dims: { embed: 5 } }).init(2);
    const w = m.weights();
    // V starts at zeros: give it values so the loss depends on every lookup.
    w.set('V', Float32Array.from({ length: vocab.size * 5 }, (_, i) => Math.sin(i * 1.3) * 0.5));
    m.loadWeights(w);
    const E = m.weights().get('E')!;
    const V = m.weights().get('V')!;
    const b = m.weights().get('b')!;
    const text = ids.subarray(0, 40);
    const N = text.length;
    const row = (p: number) => (p < 0 || p >= N ? new Float64Array(5) : Float64Array.from(E.subarray(text[p] * 5, text[p] * 5 + 5)));
    // N − 1 steps; step t predicts the centre t − 2 from words t − 4, t − 3, t − 1, t; steps 0 and 1 have none.
    let sum = 0;
    for (let c = 0; c + 2 <= N - 2; c++) {
      const ctx = [c - 2, c - 1, c + 1, c + 2].map(row).reduce((acc, r) => acc.map((x, j) => x + r[j] / 4), new Float64Array(5));
      const logits = Array.from({ length: vocab.size }, (_, v) => b[v] + ctx.reduce((s, x, j) => s + V[v * 5 + j] * x, 0));
      const max = Math.max(...logits);
      const lse = max + Math.log(logits.reduce((s, x) => s + Math.exp(x - max), 0));
      sum += lse - logits[text[c]];
    }
    for (const window of [1, 4, 64]) expect(m.evaluate(text, { batch: 1, window }).loss).toBeCloseTo(sum / (N - 1), 5);
  });

  it('learns in 40 steps', async () => {
    const m = compile('models/cbow.rnn', { vocab, dims: { embed: 8 } }).init(2);
    const losses: number[] = [];
    await m.train({ train: ids }, { batch: 4, bptt: 8, steps: 40, optimizer: 'adam', lr: 3e-2 }, { onStep: (s) => losses.push(s.loss) });
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 0.5);
  });
});
